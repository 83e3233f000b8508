"""The preview follows the playhead; plan edits are undoable and saved as a new revision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from studio.pipeline.compositor import render_frame
from studio.services.library.db import Library
from studio.services.library.models import PlanRevision
from studio.ui.main_window import MainWindow
from tests.ui.conftest import open_window, planned_production


def opened_film(qtbot: QtBot, library: Library, settings: QSettings, folder: Path) -> MainWindow:
    """A window on the tiny two-photo film, its preview ready."""
    film = planned_production(library, folder)
    window = open_window(qtbot, library, settings)
    cinema = window.cinema
    if cinema.production is None or cinema.production.id != film:
        cinema.productions.select(film)
    if cinema.player.preview.timeline is None:
        with qtbot.waitSignal(cinema.preview_ready, timeout=60_000):
            pass
    return window


def pixels(image: QImage | None) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """The image as an H x W x 3 array (rows may be padded in the QImage)."""
    assert image is not None
    assert image.format() == QImage.Format.Format_RGB888
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def test_clicking_the_timeline_seeks_and_the_preview_shows_the_exports_frame(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    player = window.cinema.player
    preview = player.preview
    assert preview.timeline is not None
    canvas = player.timeline.canvas
    x = round(canvas.x_of(1.5))

    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, canvas.height() // 2))

    assert abs(player.playhead - 1.5) < 0.05
    assert preview.time_label.text().startswith("00:01.")
    shown = pixels(preview.frame_image())
    size = (shown.shape[1], shown.shape[0])
    assert np.array_equal(shown, render_frame(preview.timeline, preview.position, size))
    assert not np.array_equal(shown, render_frame(preview.timeline, 0.0, size))
    assert window.cinema.plan_view.selected() == ("shot", "shot_2")
    window.close()


def test_a_voiceover_edit_is_undone_and_redone_then_saved_as_a_revision(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    document = cinema.document
    assert document is not None
    cinema.side_tabs.setCurrentWidget(cinema.plan_page)
    cinema.plan_view.select("beat", "beat_2")
    editor = cinema.plan_view.beat_editor
    assert editor.voiceover.toPlainText() == "Line number 2."

    editor.voiceover.setPlainText("A brand new second line.")
    qtbot.keyClick(editor.on_screen, Qt.Key.Key_Return)

    assert document.beat("beat_2")["voiceover_text"] == "A brand new second line."
    lines = document.plan["audio_plan"]["voice"]["lines"]
    assert [line["text"] for line in lines] == ["Line number 1.", "A brand new second line."]
    assert cinema.save_button.isEnabled()

    qtbot.mouseClick(cinema.undo_button, Qt.MouseButton.LeftButton)
    assert document.beat("beat_2")["voiceover_text"] == "Line number 2."
    assert editor.voiceover.toPlainText() == "Line number 2."
    assert [line["text"] for line in lines] == ["Line number 1.", "Line number 2."]
    assert not cinema.save_button.isEnabled()

    tree = cinema.plan_view.tree
    window.activateWindow()
    tree.setFocus()
    redo = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(tree, Qt.Key.Key_Z, redo)
    assert editor.voiceover.toPlainText() == "A brand new second line."
    qtbot.keyClick(tree, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.voiceover.toPlainText() == "Line number 2."
    qtbot.keyClick(tree, Qt.Key.Key_Z, redo)
    assert document.beat("beat_2")["voiceover_text"] == "A brand new second line."

    qtbot.mouseClick(cinema.save_button, Qt.MouseButton.LeftButton)
    with library.session() as session:
        revisions = session.scalars(select(PlanRevision).order_by(PlanRevision.number)).all()
        assert [(r.number, r.source) for r in revisions] == [(1, "edit"), (2, "edit")]
        beats = revisions[1].plan["script"]["scenes"][0]["beats"]
        assert beats[1]["voiceover_text"] == "A brand new second line."
    assert "plan 2" in cinema.title.text()
    window.close()


def test_space_plays_to_the_end_and_the_arrows_step_one_frame(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    preview = window.cinema.player.preview
    window.activateWindow()
    preview.canvas.setFocus()

    qtbot.keyClick(preview.canvas, Qt.Key.Key_Space)
    assert preview.playing
    assert preview.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not preview.playing, timeout=10_000)
    assert preview.position == pytest.approx(59 / 30)
    assert preview.time_label.text() == "00:01.29 / 00:02.00"

    qtbot.keyClick(preview.canvas, Qt.Key.Key_Left)
    assert preview.position == pytest.approx(58 / 30)
    qtbot.keyClick(preview.canvas, Qt.Key.Key_J)
    assert window.cinema.player.playhead == pytest.approx(58 / 30 - 1.0)
    window.close()
