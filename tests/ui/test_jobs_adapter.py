"""Job updates published on worker threads reach Qt slots on the GUI thread, in order."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from studio.services.jobs import JobEvents, JobUpdate
from studio.ui.jobs_adapter import JobsAdapter


class Events:
    """The subscribing half of a job queue, enough for the adapter."""

    def __init__(self) -> None:
        self.events = JobEvents()

    def subscribe(self, callback: Callable[[JobUpdate], None]) -> Callable[[], None]:
        return self.events.subscribe(callback)


def test_updates_from_a_worker_thread_arrive_on_the_gui_thread(qtbot: QtBot) -> None:
    queue = Events()
    adapter = JobsAdapter(queue)
    seen: list[tuple[str, float | None, bool]] = []
    app = QApplication.instance()
    assert app is not None
    gui_thread = app.thread()

    def record(update: JobUpdate) -> None:
        seen.append((update.status, update.progress, QThread.currentThread() is gui_thread))

    adapter.updated.connect(record)
    updates = [
        JobUpdate("j1", "cinema.render", "progress", "running", step / 4) for step in range(4)
    ]
    updates.append(JobUpdate("j1", "cinema.render", "status", "succeeded", 1.0))

    with qtbot.waitSignal(adapter.finished, timeout=5_000) as finished:
        worker = threading.Thread(target=lambda: [queue.events.publish(u) for u in updates])
        worker.start()
        worker.join()
    assert finished.args == ["j1", "cinema.render", "succeeded"]
    assert seen == [
        ("running", 0.0, True),
        ("running", 0.25, True),
        ("running", 0.5, True),
        ("running", 0.75, True),
        ("succeeded", 1.0, True),
    ]

    adapter.close()
    queue.events.publish(JobUpdate("j1", "cinema.render", "log", "succeeded", None, "late"))
    qtbot.wait(50)
    assert len(seen) == 5
