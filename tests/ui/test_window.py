"""The window, a new production, files dropped on the asset bin, and planning as a job."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from studio.services.library.db import Library
from studio.services.library.models import Asset, PlanRevision, Production, ProductionAsset
from studio.ui import app as app_module
from studio.ui.cinema.productions import NewProductionDialog
from studio.ui.main_window import MainWindow
from tests.media import pattern_image
from tests.ui.conftest import open_window

SCRIPT = """# Night shift

The city never sleeps. A courier crosses the bridge at midnight.

# Morning

The sun rises over the harbour. Everyone finally rests.
"""


def new_production(window: MainWindow, title: str, script: str = SCRIPT) -> str:
    """Fill the New production dialog as a user would and create what it describes."""
    dialog = NewProductionDialog(window)
    dialog.title_field.setText(title)
    dialog.style_box.setCurrentText("film_noir")
    dialog.mode_box.setCurrentText("pro")
    dialog.script_field.setPlainText(script)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    return window.cinema.productions.add_production(dialog.value())


def test_the_window_opens_with_three_tabs_and_the_account(qtbot: QtBot, window: MainWindow) -> None:
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Cinema",
        "Shorts",
        "Growth",
    ]
    qtbot.waitUntil(lambda: window.top_bar.account.text() == "Local account")
    qtbot.waitUntil(lambda: window.top_bar.trips.text() == "10 trips")
    qtbot.waitUntil(lambda: window.growth.accounts.loaded)
    assert all(not button.isEnabled() for button in window.growth.connect_buttons)
    assert "STUDIO_CLOUD_SOCIAL_YOUTUBE_CLIENT_ID" in window.growth.connect_buttons[0].toolTip()


def test_the_dialog_refuses_an_empty_title_then_creates_the_production(
    window: MainWindow, library: Library
) -> None:
    dialog = NewProductionDialog(window)
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "Title" in dialog.problems.text()

    production_id = new_production(window, "The night courier")
    with library.session() as session:
        row = session.get(Production, production_id)
        assert row is not None
        assert (row.title, row.style, row.mode) == ("The night courier", "film_noir", "pro")
        assert row.script_text == SCRIPT
    cinema = window.cinema
    assert cinema.production is not None
    assert cinema.production.id == production_id
    assert cinema.script.toPlainText() == SCRIPT
    assert cinema.title.text().startswith("The night courier")


def test_the_open_production_comes_back_after_a_restart(
    qtbot: QtBot, window: MainWindow, library: Library, settings: QSettings
) -> None:
    first = new_production(window, "First")
    new_production(window, "Second")
    window.cinema.productions.select(first)
    window.close()
    reopened = open_window(qtbot, library, settings)
    assert reopened.cinema.production is not None
    assert reopened.cinema.production.id == first
    reopened.close()


def drop_files(widget: QWidget, paths: list[Path]) -> bool:
    """Drag local file URLs over ``widget`` and drop them, as a file manager does; whether the
    drop was taken."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    where = QPointF(20, 20)
    action = Qt.DropAction.CopyAction
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, enter)
    move = QDragMoveEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(where, action, mime, buttons, keys)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted() and drop.isAccepted()  # read while ``mime`` is alive


def test_dropping_photos_on_the_asset_bin_imports_them(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    production_id = new_production(window, "Dropped")
    folder = tmp_path / "photos"
    folder.mkdir()
    photos = [pattern_image(folder / f"street_{n}.jpg", 480, 270, seed=n) for n in (1, 2)]
    junk = folder / "notes.bin"
    junk.write_bytes(bytes(range(256)) * 8)
    window.cinema.side_tabs.setCurrentWidget(window.cinema.asset_bin)
    view = window.cinema.asset_bin.view

    assert drop_files(view.viewport(), [*photos, junk])
    qtbot.waitUntil(lambda: len(window.cinema.asset_bin.model.assets) == 2, timeout=30_000)
    with library.session() as session:
        links = session.scalars(
            select(ProductionAsset).where(ProductionAsset.production_id == production_id)
        ).all()
        assets = [session.get(Asset, link.asset_id) for link in links]
        kinds = {asset.kind for asset in assets if asset is not None}
    assert len(links) == 2
    assert kinds == {"image"}
    assert sorted(row.name for row in window.cinema.asset_bin.model.assets) == [
        "street_1.jpg",
        "street_2.jpg",
    ]
    qtbot.waitUntil(lambda: "notes.bin:" in window.cinema.asset_bin.problems.text())
    assert "2 imported" in window.cinema.asset_bin.status.text()


def test_planning_runs_as_a_job_and_fills_the_tree_and_timeline(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    production_id = new_production(window, "Planned")
    cinema = window.cinema
    cinema.fast_timing.setChecked(True)

    with qtbot.waitSignal(window.adapter.finished, timeout=30_000) as finished:
        qtbot.mouseClick(cinema.plan_button, Qt.MouseButton.LeftButton)
        assert cinema.plan_button.text() == "Planning…"
    assert finished.args is not None
    assert finished.args[1:] == ["cinema.plan", "succeeded"]

    with library.session() as session:
        revision = session.scalars(
            select(PlanRevision).where(PlanRevision.production_id == production_id)
        ).one()
        plan = revision.plan
    shots = [s for scene in plan["visual_plan"]["scenes"] for s in scene["shots"]]
    beats = [b for scene in plan["script"]["scenes"] for b in scene["beats"]]
    assert [(i.item_id, i.start, i.end) for i in cinema.player.timeline.shot_items()] == [
        (s["shot_id"], s["start_time"], s["end_time"]) for s in shots
    ]
    assert cinema.plan_view.items_of("beat") == [beat["beat_id"] for beat in beats]
    assert cinema.plan_view.items_of("shot") == [s["shot_id"] for s in shots]
    assert "Planned:" in cinema.status.text()
    assert cinema.render_button.isEnabled()


def test_a_library_that_cannot_open_is_a_readable_dialog_not_a_traceback(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be")
    monkeypatch.setenv("STUDIO_DATA_DIR", str(not_a_folder))
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        app_module.QMessageBox,
        "critical",
        lambda _parent, title, text: shown.append((title, text)),
    )
    assert app_module.run_app([]) == 1
    [(title, text)] = shown
    assert title == "Studio cannot start"
    assert text.startswith("The library cannot be opened:")
    assert str(not_a_folder) in text
    assert "Traceback" not in text
