"""A Qt-free observer API for job updates (napari's lesson: the model emits, views subscribe).

Callbacks run on the thread that made the update, usually a worker thread; the app's Qt adapter
queues them to the GUI thread. The same updates are persisted as JobEvent rows by the runner,
so a view opened later can read the history instead of having had to listen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

log = logging.getLogger(__name__)

UpdateKind = Literal["status", "progress", "log", "error"]


@dataclass(frozen=True)
class JobUpdate:
    """One thing that happened to a job, as an observer receives it."""

    job_id: str
    job_type: str
    kind: UpdateKind
    status: str
    progress: float | None
    """0 to 1; None for a log line, which says nothing about progress."""
    message: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


Subscriber = Callable[[JobUpdate], None]


class JobEvents:
    """Subscribers of job updates; ``subscribe`` returns the function that unsubscribes."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, update: JobUpdate) -> None:
        """Tell every subscriber; a subscriber that raises is logged, and the job goes on."""
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(update)
            except Exception:
                log.exception("a job event subscriber failed on %s", update)
