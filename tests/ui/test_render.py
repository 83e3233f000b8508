"""Render from the window to a playable file while the event loop keeps turning."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QTimer
from pytestqt.qtbot import QtBot

from studio.services.library.db import Library
from studio.services.library.models import Production
from studio.ui.widgets.jobs_panel import JobRow
from tests.media import probe
from tests.ui.test_editing import opened_film

TICK_MS = 10


@pytest.mark.slow
def test_a_draft_render_reaches_100_percent_and_the_window_stays_responsive(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    cinema.preset.setCurrentIndex(cinema.preset.findData("draft"))
    gaps: list[int] = []
    clock = QElapsedTimer()
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    with qtbot.waitSignal(
        cinema.render_queue.job_finished,
        timeout=120_000,
        check_params_cb=lambda _, job_type, status: (
            job_type == "cinema.render" or status != "succeeded"
        ),
    ) as finished:
        qtbot.mouseClick(cinema.render_button, Qt.MouseButton.LeftButton)
    timer.stop()

    assert finished.args is not None
    assert finished.args[1:] == ["cinema.render", "succeeded"]
    rows = [row for row in cinema.render_queue.rows.values() if row.job_type == "cinema.render"]
    assert len(rows) == 1
    row = rows[0]
    assert row.bar.value() == row.bar.maximum()
    assert row.play_button.isVisibleTo(row)
    assert row.reveal_button.isVisibleTo(row)
    assert row.video is not None
    assert row.video.is_file()
    video = probe(row.video)
    assert (video.width, video.height, video.frames) == (160, 90, 60)
    assert video.audio is not None
    with library.session() as session:
        film = session.get(Production, window.cinema.production.id if cinema.production else "")
        assert film is not None
        assert film.status == "done"
    qtbot.waitUntil(lambda: window.top_bar.trips.text() == "9 trips")

    late = sorted(gap - TICK_MS for gap in gaps)
    typical = late[int(0.95 * (len(late) - 1))]
    print(f"event-loop latency during the render: p95 {typical} ms, worst {late[-1]} ms")
    # The bar is 100 ms. The 95th percentile carries it, so one scheduler hiccup on a
    # loaded 2-core CI machine cannot fail the run; a render or a wait on the GUI thread would
    # stall most ticks and the worst well past half a second.
    assert typical < 100
    assert late[-1] < 500
    window.close()


def test_cancel_in_the_queue_stops_the_render(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    queue = cinema.render_queue

    def render_row() -> JobRow | None:
        return next((row for row in queue.rows.values() if row.job_type == "cinema.render"), None)

    qtbot.mouseClick(cinema.render_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: render_row() is not None)
    row = render_row()
    assert row is not None
    assert row.cancel_button.isVisibleTo(row)
    with qtbot.waitSignal(
        queue.job_finished,
        timeout=60_000,
        check_params_cb=lambda _, job_type, __: job_type == "cinema.render",
    ) as finished:
        qtbot.mouseClick(row.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args is not None
    assert finished.args[2] == "cancelled"
    assert row.status == "cancelled"
    assert not row.cancel_button.isVisibleTo(row)
    assert not row.play_button.isVisibleTo(row)
    with library.session() as session:
        film = session.get(Production, cinema.production.id if cinema.production else "")
        assert film is not None
        assert film.final_video is None
    window.close()
