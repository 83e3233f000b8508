"""The app icon: found through the resources folder, at the sizes it ships in, with its picture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication

from studio.ui.icon import app_icon

ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def test_the_icon_loads_at_its_shipped_sizes(qapp: QApplication) -> None:
    icon = app_icon()
    assert not icon.isNull()
    assert {QSize(256, 256), QSize(1024, 1024)} <= set(icon.availableSizes())


def test_the_icon_is_the_play_mark_on_the_brand_gradient(qapp: QApplication) -> None:
    image = app_icon().pixmap(QSize(256, 256)).toImage()
    assert (image.width(), image.height()) == (256, 256)
    assert image.pixelColor(2, 2).alpha() == 0  # the transparent margin around the square
    top_left, bottom_right = image.pixelColor(40, 40), image.pixelColor(215, 215)
    assert top_left.red() < 100  # cyan in the top left corner
    assert top_left.blue() > 200
    assert bottom_right.red() > 200  # magenta in the bottom right corner
    assert bottom_right.green() < 120
    centre = image.pixelColor(128, 128)
    assert min(centre.red(), centre.green(), centre.blue()) > 240  # the white triangle


def test_a_missing_icon_folder_gives_an_empty_icon_not_an_error(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_RESOURCES", str(tmp_path))
    assert app_icon().isNull()


@pytest.mark.parametrize(
    ("name", "sizes"),
    [
        ("studio.ico", {(side, side) for side in (16, 24, 32, 48, 64, 128, 256)}),
        ("studio.icns", {(side, side) for side in (16, 32, 128, 256, 512)}),
    ],
)
def test_the_platform_icon_files_carry_every_size(name: str, sizes: set[tuple[int, int]]) -> None:
    with Image.open(ICONS / name) as icon:
        shipped = {size[:2] for size in icon.info["sizes"]}
    assert sizes <= shipped


def test_the_studio_application_carries_the_icon() -> None:
    """Task bars and window switchers show the mark and match it to the desktop entry (a fresh
    process: the tests' own QApplication is not the one ``application()`` makes)."""
    script = (
        "from studio.ui.app import application; app = application(); "
        "print(app.windowIcon().isNull(), app.desktopFileName())"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert shown.stdout.split() == ["False", "studio"]
