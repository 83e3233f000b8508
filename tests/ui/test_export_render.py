"""Export a finished film from the render queue, re-framed for a platform's format."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from studio.services.library.db import Library
from studio.services.library.models import Production
from tests.media import probe
from tests.ui.test_editing import opened_film


@pytest.mark.slow
def test_a_finished_render_is_exported_square_into_the_chosen_folder(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    queue = cinema.render_queue
    cinema.preset.setCurrentIndex(cinema.preset.findData("draft"))
    with qtbot.waitSignal(
        queue.job_finished,
        timeout=120_000,
        check_params_cb=lambda _, job_type, status: (
            job_type == "cinema.render" or status != "succeeded"
        ),
    ):
        qtbot.mouseClick(cinema.render_button, Qt.MouseButton.LeftButton)
    film_row = next(row for row in queue.rows.values() if row.job_type == "cinema.render")
    assert film_row.export_button.isVisibleTo(film_row)
    labels = [action.text() for action in film_row.export_menu.actions()]
    assert labels == [
        "YouTube 16:9 (1920x1080)",
        "Shorts / Reels / TikTok 9:16 (1080x1920)",
        "Square 1:1 (1080x1080)",
        "Portrait 4:5 (1080x1350)",
    ]
    folder = tmp_path / "exports"
    folder.mkdir()
    cinema.choose_export_folder = lambda: folder

    square = film_row.export_menu.actions()[2]
    with qtbot.waitSignal(
        queue.job_finished,
        timeout=120_000,
        check_params_cb=lambda job_id, _, __: job_id != film_row.job_id,
    ) as finished:
        square.trigger()

    assert finished.args is not None
    assert finished.args[2] == "succeeded"
    export_row = queue.rows[finished.args[0]]
    assert export_row.title.text() == "Export Square 1:1 (1080x1080)"
    assert not export_row.export_button.isVisibleTo(export_row)
    assert export_row.video == folder / "Tiny film - square_1_1.mp4"
    video = probe(export_row.video)
    assert (video.width, video.height, video.frames) == (540, 540, 60)
    assert video.audio is not None
    assert str(export_row.video) in cinema.status.text()
    with library.session() as session:
        film = session.get(Production, cinema.production.id if cinema.production else "")
        assert film is not None
        assert film.final_video is not None
        assert library.store.path_of(film.final_video) == film_row.video
    window.close()
