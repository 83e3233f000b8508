"""The one bridge from the job engine to Qt: job updates become signals on the GUI thread.

The runner calls its subscribers on worker threads. Widgets must only be touched on the GUI
thread, so the adapter re-emits each ``JobUpdate`` through a queued connection to itself (it lives
on the GUI thread) and only then as ``updated``; every view connects to ``updated`` and never to
the runner. No polling, no processEvents.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, Qt, Signal, Slot

from studio.services.jobs import JobUpdate

FINISHED = frozenset({"succeeded", "failed", "cancelled"})


class Observable(Protocol):
    """What the adapter needs of a job queue (``JobQueue`` has it)."""

    def subscribe(self, callback: Callable[[JobUpdate], None]) -> Callable[[], None]: ...


class JobsAdapter(QObject):
    """Subscribes to a job queue; ``updated`` and ``finished`` fire on the GUI thread."""

    updated = Signal(object)
    """Every JobUpdate, in order."""
    finished = Signal(str, str, str)
    """job id, job type, final status (succeeded, failed or cancelled)."""
    _received = Signal(object)

    def __init__(self, jobs: Observable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._received.connect(self._relay, Qt.ConnectionType.QueuedConnection)
        self._unsubscribe: Callable[[], None] | None = jobs.subscribe(self._on_update)

    def _on_update(self, update: JobUpdate) -> None:
        """Called on a worker thread: only hands the update over to the GUI thread."""
        # RuntimeError: the adapter's Qt object is gone (the window closed while a job reported).
        with contextlib.suppress(RuntimeError):
            self._received.emit(update)

    @Slot(object)
    def _relay(self, update: JobUpdate) -> None:
        self.updated.emit(update)
        if update.status in FINISHED and update.kind in ("status", "error"):
            self.finished.emit(update.job_id, update.job_type, update.status)

    def close(self) -> None:
        """Stop listening (before the runner stops, so no update arrives for a dead view)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
