"""Making the preview's Timeline off the GUI thread: one at a time, and the latest plan wins.

Edits arrive faster than media can be made (a new voice line takes a moment), so requests are
debounced, only one preparation runs at a time, and a result that a newer request has made
stale is dropped rather than shown. Once a Timeline is shown, its sound is mixed on another
pool thread (``audio_ready``), so the picture never waits for the sound.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from studio.pipeline.timeline import Timeline
from studio.services.library.db import Library
from studio.ui.background import run_in_background
from studio.ui.cinema.preview_media import mix_preview_audio, prepare_timeline, preview_folder

DELAY_MS = 400


class PreviewPreparer(QObject):
    ready = Signal(object, list)
    """The Timeline of the latest requested plan, and the assembler's warnings."""
    failed = Signal(str)
    audio_ready = Signal(object)
    """The WAV of the latest Timeline's sound (a Path)."""
    audio_failed = Signal(str)

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._generation = 0
        self._pending: tuple[int, str, dict[str, Any]] | None = None
        self._running = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_pending)

    def request(self, production_id: str, plan: dict[str, Any], delay_ms: int = DELAY_MS) -> None:
        self._generation += 1
        self._pending = (self._generation, production_id, copy.deepcopy(plan))
        self._timer.start(delay_ms)

    def cancel(self) -> None:
        """Forget what was asked: a preparation under way finishes unseen."""
        self._generation += 1
        self._pending = None
        self._timer.stop()

    def _start_pending(self) -> None:
        if self._running or self._pending is None:
            return
        generation, production_id, plan = self._pending
        self._pending = None
        self._running = True
        run_in_background(
            self,
            lambda: prepare_timeline(self.library, production_id, plan),
            lambda result: self._finished(generation, production_id, result, ""),
            lambda message: self._finished(generation, production_id, None, message),
        )

    def _finished(
        self,
        generation: int,
        production_id: str,
        result: tuple[Timeline, list[str]] | None,
        error: str,
    ) -> None:
        self._running = False
        if generation == self._generation:
            if result is not None:
                self.ready.emit(result[0], result[1])
                self._mix_audio(generation, production_id, result[0])
            else:
                self.failed.emit(error)
        if self._pending is not None and not self._timer.isActive():
            self._start_pending()

    def _mix_audio(self, generation: int, production_id: str, timeline: Timeline) -> None:
        folder = preview_folder(self.library, production_id)

        def done(path: object) -> None:
            if generation == self._generation:
                self.audio_ready.emit(path)

        def failed(message: str) -> None:
            if generation == self._generation:
                self.audio_failed.emit(message)

        run_in_background(self, lambda: mix_preview_audio(timeline, folder), done, failed)
