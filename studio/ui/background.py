"""Short pieces of work off the GUI thread (thumbnails, preparing a preview's media).

Long pipeline work is a job (studio.services.jobs); this is for work that only the open window
wants and that need not survive a restart. The result comes back to the GUI thread through a
queued signal, and is dropped when the widget that asked has been deleted meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Delivery(QObject):
    """Lives on the GUI thread; the pool thread emits ``_ready`` and ``_deliver`` runs here."""

    _ready = Signal(bool, object)

    def __init__(
        self,
        owner: QObject,
        on_done: Callable[[Any], None],
        on_failed: Callable[[str], None] | None,
    ) -> None:
        super().__init__()
        self.owner = owner
        self.on_done = on_done
        self.on_failed = on_failed
        self._ready.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @Slot(bool, object)
    def _deliver(self, ok: bool, value: object) -> None:
        _pending.discard(self)
        self.deleteLater()
        if not shiboken6.isValid(self.owner):
            return
        if ok:
            self.on_done(value)
        elif self.on_failed is not None:
            self.on_failed(str(value))


class _Task(QRunnable):
    def __init__(self, work: Callable[[], object], delivery: _Delivery) -> None:
        super().__init__()
        self.work = work
        self.delivery = delivery

    def run(self) -> None:
        try:
            value = self.work()
        except Exception as error:
            log.warning("background work failed: %s", error, exc_info=True)
            ok, value = False, str(error) or type(error).__name__
        else:
            ok = True
        # RuntimeError: the app is shutting down and the delivery object is gone already.
        with contextlib.suppress(RuntimeError):
            self.delivery._ready.emit(ok, value)


_pending: set[_Delivery] = set()


def run_in_background(
    owner: QObject,
    work: Callable[[], object],
    on_done: Callable[[Any], None],
    on_failed: Callable[[str], None] | None = None,
    pool: QThreadPool | None = None,
) -> None:
    """Run ``work()`` on a pool thread; call ``on_done(result)`` or ``on_failed(message)`` on
    the GUI thread, unless ``owner`` was deleted first."""
    delivery = _Delivery(owner, on_done, on_failed)
    _pending.add(delivery)
    (pool or QThreadPool.globalInstance()).start(_Task(work, delivery))


def finish_background_work() -> None:
    """Drop work not started yet and wait for the rest (before the library closes)."""
    pool = QThreadPool.globalInstance()
    pool.clear()
    pool.waitForDone()
