"""The brand kit dialog: live preview from the renderer, inline field errors, and a saved kit
that the next render picks up."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QColorDialog, QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from studio.services.jobs.context import JobContext
from studio.services.jobs.render_process import render_command, render_defaults
from studio.services.library.db import Library
from studio.services.library.models import BrandKit as BrandKitRow
from studio.services.library.models import Production, ProductionAsset
from studio.services.settings import load_settings
from studio.ui.dialogs.brand_kit import BrandKitDialog
from studio.ui.main_window import MainWindow
from tests.jobs import Recorder
from tests.ui.conftest import store_photo


def pixels(image: QImage) -> NDArray[np.uint8]:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = rgb.width(), rgb.height(), rgb.bytesPerLine()
    raw = np.frombuffer(rgb.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return raw[:, : width * 3].reshape(height, width, 3).copy()


def click_save(qtbot: QtBot, dialog: QDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    qtbot.mouseClick(
        buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def drawn(qtbot: QtBot, dialog: BrandKitDialog) -> NDArray[np.uint8]:
    """The preview the user sees once the latest change has been drawn."""
    qtbot.waitUntil(lambda: not dialog._redraw.isActive() and not dialog.preview_pending)
    return pixels(dialog.preview.pixmap().toImage())


def production_with_photo(library: Library, folder: Path) -> tuple[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    photo = store_photo(library, folder, "logo_mark.png", seed=3)
    with library.session() as session:
        film = Production(title="Branded")
        session.add(film)
        session.flush()
        session.add(ProductionAsset(production_id=film.id, asset_id=photo, position=0))
        return film.id, photo


def test_the_preview_follows_the_highlight_colour(qtbot: QtBot, library: Library) -> None:
    dialog = BrandKitDialog(library)
    qtbot.addWidget(dialog)
    assert drawn(qtbot, dialog).shape == (480, 270, 3), "a preview is drawn at once"
    dialog.highlight_color.set_color("#FF0000")
    red = drawn(qtbot, dialog)
    dialog.highlight_color.set_color("#0000FF")
    blue = drawn(qtbot, dialog)
    changed = np.any(red != blue, axis=2)
    assert changed.mean() > 0.002, "the highlighted word changed colour"
    assert red[changed][:, 0].mean() > blue[changed][:, 0].mean() + 100
    assert red[changed][:, 2].mean() + 100 < blue[changed][:, 2].mean()


def test_the_picker_fills_the_colour(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = BrandKitDialog(library)
    qtbot.addWidget(dialog)
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#123456"))
    qtbot.mouseClick(dialog.primary.pick, Qt.MouseButton.LeftButton)
    assert dialog.primary.text() == "#123456"


def test_a_wrong_colour_is_named_and_nothing_is_saved(qtbot: QtBot, library: Library) -> None:
    dialog = BrandKitDialog(library)
    qtbot.addWidget(dialog)
    dialog.primary.set_color("#12")
    click_save(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "primary_color" in dialog.problems.text()
    with library.session() as session:
        assert session.query(BrandKitRow).count() == 0


def test_a_saved_kit_with_a_production_logo_reaches_the_render(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    production_id, photo = production_with_photo(library, tmp_path / "photos")
    window.top_bar.current_production = lambda: production_id
    dialog = window.top_bar.brand_kit_dialog()
    qtbot.addWidget(dialog)
    assert dialog.logo.itemData(1) == photo, "the open production's images come first"
    assert dialog.logo.itemText(1) == "logo_mark.png"
    dialog.name.setText("Night brand")
    dialog.primary.set_color("#112233")
    without_logo = drawn(qtbot, dialog)
    dialog.logo.setCurrentIndex(1)
    with_logo = drawn(qtbot, dialog)
    corner = with_logo[:100, 170:] != without_logo[:100, 170:]
    assert corner.mean() > 0.05, "the logo shows top right in the preview"
    click_save(qtbot, dialog)
    assert dialog.result() == QDialog.DialogCode.Accepted

    with library.session() as session:
        row = session.query(BrandKitRow).one()
        assert row.name == "Night brand"
        assert (row.document["primary_color"], row.document["logo_asset_id"]) == ("#112233", photo)
    assert load_settings(library.data_dir).brand_kit_id == row.id

    scratch, assets = tmp_path / "scratch", tmp_path / "assets"
    scratch.mkdir()
    context = JobContext("r1", "cinema.render", library, Recorder())  # type: ignore[arg-type]
    defaults = render_defaults(context, scratch, assets)
    command = render_command(
        tmp_path / "plan.json", tmp_path / "out.mp4", assets, "draft", brand_kit=defaults.brand_kit
    )
    kit_file = Path(command[command.index("--brand-kit") + 1])
    assert json.loads(kit_file.read_text(encoding="utf-8"))["primary_color"] == "#112233"
    with Image.open(assets / f"{photo}.png") as logo:
        assert logo.size == (640, 360), "the logo is in the render's asset folder"


def test_a_logo_from_a_file_is_imported_and_chosen(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    dialog = BrandKitDialog(library)
    qtbot.addWidget(dialog)
    logo = tmp_path / "mark.png"
    Image.new("RGB", (64, 64), (0, 255, 0)).save(logo)
    dialog.use_logo_file(logo)
    assert dialog.logo.currentText() == "mark.png"
    assert dialog.document()["logo_asset_id"] == dialog.logo.currentData()
    broken = tmp_path / "broken.png"
    broken.write_text("not a picture", encoding="utf-8")
    dialog.use_logo_file(broken)
    assert "logo: broken.png is not an image" in dialog.problems.text()
