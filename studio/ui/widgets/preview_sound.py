"""The preview's sound: the production's mixed WAV played in step with the picture.

QtMultimedia is optional (some Qt builds and machines lack it): without it, or before the mix is
ready, the preview is silent and ``silent_reason`` says why. The picture's clock leads; the
sound is started, stopped and moved with it, and put back in step when it drifts.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

log = logging.getLogger(__name__)

try:
    from PySide6 import QtMultimedia
except ImportError:  # pragma: no cover - depends on the Qt build
    MULTIMEDIA_AVAILABLE = False
else:
    MULTIMEDIA_AVAILABLE = True
"""Whether this Qt can play sound at all; the silent path is taken when it is False."""

RESYNC_SECONDS = 0.2
"""How far the sound may drift from the picture before it is moved back in step."""


class PreviewSound(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source: Path | None = None
        self._player: QMediaPlayer | None = None
        self._output: QAudioOutput | None = None
        self._pending = "mixing the sound…"
        self._wanted_ms = 0
        """Where the sound should be: a file still loading ignores moves, so they are replayed."""
        self._wants_play = False
        if MULTIMEDIA_AVAILABLE:
            self._player = QtMultimedia.QMediaPlayer(self)
            self._output = QtMultimedia.QAudioOutput(self)
            self._player.setAudioOutput(self._output)
            self._player.errorOccurred.connect(self._failed)
            self._player.mediaStatusChanged.connect(self._status_changed)

    @property
    def silent_reason(self) -> str:
        """Why the preview makes no sound; empty when it plays the mix."""
        if self._player is None:
            return "this Qt has no QtMultimedia to play sound; the render has the full mix"
        if self.source is None:
            return self._pending
        if not QtMultimedia.QMediaDevices.audioOutputs():
            return "no audio output device; the render has the full mix"
        return ""

    def set_source(self, path: Path | None, reason: str = "") -> None:
        """Play ``path`` from now on; None (with why) leaves the preview silent."""
        if path == self.source:
            return
        self.source = path
        self._pending = reason or "mixing the sound…"
        if self._player is not None:
            self._player.stop()
            self._player.setSource(QUrl.fromLocalFile(str(path)) if path else QUrl())

    def position(self) -> float:
        """Where the sound is, in seconds (0 when there is none)."""
        return self._player.position() / 1000 if self._player is not None else 0.0

    @property
    def playing(self) -> bool:
        if self._player is None:
            return False
        return self._player.playbackState() == QtMultimedia.QMediaPlayer.PlaybackState.PlayingState

    def play(self, seconds: float) -> None:
        self._wants_play = True
        self.seek(seconds)
        if self._player is not None and self.source is not None:
            self._player.play()

    def pause(self) -> None:
        self._wants_play = False
        if self._player is not None:
            self._player.pause()

    def seek(self, seconds: float) -> None:
        self._wanted_ms = max(0, round(seconds * 1000))
        if self._player is not None and self.source is not None:
            self._player.setPosition(self._wanted_ms)

    def follow(self, seconds: float) -> None:
        """While playing: move the sound back to the picture's time when it has drifted."""
        if self._player is None or self.source is None:
            return
        if abs(self.position() - seconds) > RESYNC_SECONDS:
            self.seek(seconds)

    def _status_changed(self, status: QtMultimedia.QMediaPlayer.MediaStatus) -> None:
        """The file is loaded: go where the picture is, and play if it plays."""
        assert self._player is not None
        if status == QtMultimedia.QMediaPlayer.MediaStatus.LoadedMedia:
            self._player.setPosition(self._wanted_ms)
            if self._wants_play:
                self._player.play()

    def _failed(self) -> None:
        assert self._player is not None
        log.warning("preview sound failed: %s", self._player.errorString())
        self.source = None
        self._pending = f"the sound cannot be played ({self._player.errorString()})"
