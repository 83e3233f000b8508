"""The preview follows the playhead; plan edits are undoable and saved as a new revision."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from studio.pipeline.compositor import render_frame
from studio.services.library.db import Library
from studio.services.library.models import Asset, PlanRevision, Production, ProductionAsset
from studio.ui.main_window import MainWindow
from tests.media import make_clip
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


def film_with_a_video_and_overlay(library: Library, folder: Path) -> str:
    """The tiny film with a text overlay on shot_1 and a third file, a clip, in its bin."""
    film = planned_production(library, folder)
    clip = make_clip(folder / "clip.mp4", 320, 180, seconds=1.0, fps=10)
    stored = library.store.put(clip)
    clip_id = hashlib.sha256(clip.read_bytes()).hexdigest()
    with library.session() as session:
        session.add(
            Asset(
                id=clip_id,
                kind="video",
                original_name="clip.mp4",
                path=stored.path,
                size_bytes=stored.size_bytes,
                meta={"width": 320, "height": 180, "duration": 1.0},
            )
        )
        session.add(ProductionAsset(production_id=film, asset_id=clip_id, position=2))
        production = session.get(Production, film)
        assert production is not None
        revision = production.current_plan()
        assert revision is not None
        plan = copy.deepcopy(dict(revision.plan))
        shots = plan["visual_plan"]["scenes"][0]["shots"]
        shots[0]["overlays"] = [{"type": "text", "text": "Hello", "position": "bottom_center"}]
        production.add_plan(plan, "edit")
    return film


def open_film(qtbot: QtBot, library: Library, settings: QSettings, film: str) -> MainWindow:
    window = open_window(qtbot, library, settings)
    cinema = window.cinema
    if cinema.production is None or cinema.production.id != film:
        cinema.productions.select(film)
    if cinema.player.preview.timeline is None:
        with qtbot.waitSignal(cinema.preview_ready, timeout=60_000):
            pass
    return window


def shot_rect(window: MainWindow, shot_id: str) -> tuple[float, float]:
    canvas = window.cinema.player.timeline.canvas
    item = next(item for item in canvas.items if item.track == "shots" and item.item_id == shot_id)
    rect = canvas.item_rect(item)
    return rect.x(), rect.width()


def type_seconds(qtbot: QtBot, box: QDoubleSpinBox, value: float) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), f"{value:.2f}")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


def test_a_shot_timing_edit_moves_its_timeline_item_and_undo_brings_it_back(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    document = cinema.document
    assert document is not None
    cinema.side_tabs.setCurrentWidget(cinema.plan_page)
    cinema.plan_view.select("shot", "shot_2")
    editor = cinema.plan_view.shot_editor
    assert (editor.start.value(), editor.end.value()) == (1.0, 2.0)
    before = shot_rect(window, "shot_2")

    type_seconds(qtbot, editor.start, 1.5)

    shot = document.shot("shot_2")
    assert (shot["start_time"], shot["end_time"]) == (1.5, 2.0)
    after = shot_rect(window, "shot_2")
    assert after[0] > before[0]
    assert after[1] < before[1]
    assert editor.problem.text() == ""
    assert cinema.save_button.isEnabled()

    qtbot.mouseClick(cinema.undo_button, Qt.MouseButton.LeftButton)
    assert document.shot("shot_2")["start_time"] == 1.0
    assert shot_rect(window, "shot_2") == before
    assert editor.start.value() == 1.0

    qtbot.mouseClick(cinema.redo_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(cinema.save_button, Qt.MouseButton.LeftButton)
    with library.session() as session:
        latest = session.scalars(select(PlanRevision).order_by(PlanRevision.number.desc())).first()
        assert latest is not None
        assert latest.plan["visual_plan"]["scenes"][0]["shots"][1]["start_time"] == 1.5
    window.close()


def test_an_overlapping_timing_is_refused_with_a_message_naming_the_field(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    cinema = window.cinema
    document = cinema.document
    assert document is not None
    cinema.side_tabs.setCurrentWidget(cinema.plan_page)
    cinema.plan_view.select("shot", "shot_1")
    editor = cinema.plan_view.shot_editor
    before = shot_rect(window, "shot_1")

    type_seconds(qtbot, editor.end, 1.6)

    assert "end_time" in editor.problem.text()
    assert "overlaps 'shot_2'" in editor.problem.text()
    assert document.shot("shot_1")["end_time"] == 1.0
    assert not document.undo_stack.canUndo()
    assert shot_rect(window, "shot_1") == before

    type_seconds(qtbot, editor.end, 0.8)
    assert document.shot("shot_1")["end_time"] == 0.8
    assert editor.problem.text() == ""
    window.close()


def test_an_overlay_moves_to_another_of_the_nine_positions_and_back(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    film = film_with_a_video_and_overlay(library, tmp_path)
    window = open_film(qtbot, library, settings, film)
    cinema = window.cinema
    document = cinema.document
    assert document is not None
    cinema.side_tabs.setCurrentWidget(cinema.plan_page)
    cinema.plan_view.select("shot", "shot_1")
    picker = cinema.plan_view.shot_editor.position
    assert picker.position() == "bottom_center"
    assert len(picker.buttons) == 9

    qtbot.mouseClick(picker.buttons["top_left"], Qt.MouseButton.LeftButton)

    assert document.shot("shot_1")["overlays"][0]["position"] == "top_left"
    qtbot.mouseClick(cinema.undo_button, Qt.MouseButton.LeftButton)
    assert document.shot("shot_1")["overlays"][0]["position"] == "bottom_center"
    assert picker.position() == "bottom_center"
    window.close()


def drop_asset(widget: QWidget, mime: QMimeData, point: QPoint) -> bool:
    """Drag ``mime`` over ``widget`` to ``point`` and drop it there; whether the drop was taken."""
    where = QPointF(point)
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, enter)
    move = QDragMoveEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted() and move.isAccepted() and drop.isAccepted()


def test_dropping_a_clip_from_the_bin_onto_a_shot_makes_it_the_shots_source(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    film = film_with_a_video_and_overlay(library, tmp_path)
    window = open_film(qtbot, library, settings, film)
    cinema = window.cinema
    document = cinema.document
    assert document is not None
    cinema.side_tabs.setCurrentWidget(cinema.plan_page)
    model = cinema.asset_bin.model
    clip_row = next(n for n, row in enumerate(model.assets) if row.kind == "video")
    clip_id = model.assets[clip_row].id
    mime = model.mimeData([model.index(clip_row)])
    old_source = copy.deepcopy(document.shot("shot_2")["source"])

    tree = cinema.plan_view.tree
    flags = Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive
    item = tree.findItems("shot_2", flags)[0]
    assert drop_asset(tree.viewport(), mime, tree.visualItemRect(item).center())

    assert document.shot("shot_2")["source"] == {"type": "user_video", "asset_id": clip_id}
    assert "user_video" in cinema.plan_view.shot_editor.source.text()
    qtbot.mouseClick(cinema.undo_button, Qt.MouseButton.LeftButton)
    assert document.shot("shot_2")["source"] == old_source

    canvas = cinema.player.timeline.canvas
    target = next(item for item in canvas.items if item.item_id == "shot_1")
    assert drop_asset(canvas, mime, canvas.item_rect(target).center().toPoint())
    assert document.shot("shot_1")["source"]["asset_id"] == clip_id
    with qtbot.waitSignal(cinema.preview_ready, timeout=60_000):
        pass
    window.close()
