"""The Shorts tab from an idea to a grid of variants: thumbnails of the engine's own frames, the
brand kit's caption style, publish suggestions saved to the library, Schedule handing a rendered
variant to Growth, and Render all followed in one progress view."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem
from pytestqt.qtbot import QtBot

from studio.services.brand import save_brand_kit
from studio.services.library.db import Library
from studio.services.library.models import ShortVariant
from studio.spec import BrandKit
from studio.ui.main_window import MainWindow
from studio.ui.shorts.tab import ShortsTab
from studio.ui.shorts.variant_grid import STATUS_ROLE
from tests.media import make_clip, probe
from tests.ui.conftest import open_window

KIT = BrandKit.model_validate(
    {
        "primary_color": "#123456",
        "secondary_color": "#FFAA00",
        "caption_style": {"font_style": "outline", "primary_color": "#F0F0F0"},
    }
)


def pixels(image: QImage) -> np.ndarray:
    """The image as an H x W x 3 uint8 array (a copy: the converted image dies here)."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = rgb.width(), rgb.height()
    data = np.frombuffer(rgb.constBits(), np.uint8, count=rgb.bytesPerLine() * height)
    return data.reshape(height, rgb.bytesPerLine())[:, : width * 3].reshape(height, width, 3).copy()


def painted_card(shorts: ShortsTab, number: int) -> np.ndarray:
    """The grid's card for row ``number`` as its delegate paints it (no screen grab: offscreen
    backing stores can be stale in a long run)."""
    index = shorts.grid.model().index(number, 0)
    option = QStyleOptionViewItem()
    option.rect = QRect(QPoint(0, 0), shorts.grid.visualRect(index).size())
    image = QImage(option.rect.size(), QImage.Format.Format_RGB888)
    image.fill(0)
    painter = QPainter(image)
    shorts.grid.itemDelegate().paint(painter, option, index)
    painter.end()
    return pixels(image)


def plan_variants(qtbot: QtBot, window: MainWindow, ranks: int = 2) -> ShortsTab:
    """An idea, its hooks, the first ``ranks`` ticked, one 9:16 variant each of 5 s."""
    shorts = window.shorts
    window.tabs.setCurrentWidget(shorts)
    shorts.idea.setPlainText("How to sleep better in a noisy city")
    with qtbot.waitSignal(shorts.hooks_ready, timeout=30_000):
        qtbot.mouseClick(shorts.hooks_button, Qt.MouseButton.LeftButton)
    assert shorts.hooks.count() >= ranks
    for row in range(ranks):
        shorts.hooks.item(row).setCheckState(Qt.CheckState.Checked)
    shorts.duration.setValue(5)
    shorts.fast_timing.setChecked(True)
    with qtbot.waitSignal(shorts.variants_ready, timeout=60_000):
        qtbot.mouseClick(shorts.variants_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shorts.grid.pending_thumbnails() == 0, timeout=60_000)
    return shorts


def test_each_variant_gets_a_thumbnail_of_its_own_hook_in_the_brand_kits_captions(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    save_brand_kit(library, "Night brand", KIT)
    shorts = plan_variants(qtbot, window, ranks=2)

    rows = shorts.grid.rows()
    assert len(rows) == shorts.grid.model().rowCount() == 2
    assert rows[0].hook != rows[1].hook
    thumbnails = [shorts.grid.thumbnail(row.id) for row in rows]
    assert all(image is not None for image in thumbnails)
    first, second = (pixels(image) for image in thumbnails if image is not None)
    assert first.shape == second.shape
    assert first.shape[0] > first.shape[1], "a 9:16 thumbnail is portrait"
    assert first.std() > 10, "a thumbnail is not blank"
    assert second.std() > 10, "a thumbnail is not blank"
    assert np.abs(first.astype(int) - second.astype(int)).mean() > 3, "the hooks differ"

    model = shorts.grid.model()
    cards = [painted_card(shorts, number) for number in range(2)]
    assert np.abs(cards[0].astype(int) - cards[1].astype(int)).mean() > 1, "the grid paints them"

    with library.session() as session:
        plans = [session.get(ShortVariant, row.id).plan for row in rows]  # type: ignore[union-attr]
    for plan in plans:
        assert plan["visual_plan"]["captions_style"] == {
            "font_style": "outline",
            "primary_color": "#F0F0F0",
            "highlight_color": "#FFAA00",
        }
        assert plan["hook"]["on_screen_style"] == "outline"
    assert [model.index(n, 0).data(STATUS_ROLE) for n in range(2)] == [
        "planned",
        "planned",
    ]


def test_publish_suggestions_are_saved_into_the_plan_and_bad_ones_are_refused(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    shorts = plan_variants(qtbot, window, ranks=1)
    row = shorts.grid.rows()[0]
    shorts.grid.clicked.emit(shorts.grid.model().index(0, 0))
    panel = shorts.panel
    assert panel.row is not None
    assert panel.row.id == row.id
    assert panel.title.text() == row.title
    assert row.title
    assert not panel.schedule_button.isEnabled(), "an unrendered variant cannot be scheduled"

    panel.title.setText("Sleep through the sirens")
    panel.caption.setPlainText("Three habits that work in any city.")
    panel.hashtags.setText("#sleep city, #noise")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert panel.message.text() == "Saved."
    with library.session() as session:
        stored = session.get(ShortVariant, row.id)
        assert stored is not None
        publish = stored.plan["publish_suggestions"]
    assert publish == {
        "title": "Sleep through the sirens",
        "caption": "Three habits that work in any city.",
        "hashtags": ["#sleep", "#city", "#noise"],
    }

    panel.title.setText("Not this one")
    panel.hashtags.setText(" ".join(f"#tag{n}" for n in range(31)))
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "publish_suggestions.hashtags" in panel.message.text()
    assert "at most 30" in panel.message.text()
    with library.session() as session:
        stored = session.get(ShortVariant, row.id)
        assert stored is not None
        assert stored.plan["publish_suggestions"] == publish


def test_schedule_hands_a_rendered_variant_to_growth(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    shorts = plan_variants(qtbot, window, ranks=1)
    row = shorts.grid.rows()[0]
    clip = make_clip(tmp_path / "short.mp4", 180, 320, 1.0)
    stored = library.store.put(clip)
    with library.session() as session:
        variant = session.get(ShortVariant, row.id)
        assert variant is not None
        variant.video_path = stored.path
        variant.status = "rendered"
    shorts.refresh_variants()
    shorts.grid.clicked.emit(shorts.grid.model().index(0, 0))
    assert shorts.panel.player.mode == "video"
    assert shorts.panel.schedule_button.isEnabled()

    with qtbot.waitSignal(shorts.schedule_requested, timeout=2_000) as asked:
        qtbot.mouseClick(shorts.panel.schedule_button, Qt.MouseButton.LeftButton)
    assert asked.args == [row.id]
    assert window.tabs.currentWidget() is window.growth
    composing = window.growth.composer.current_variant()
    assert composing is not None
    assert composing.id == row.id


@pytest.mark.slow
def test_render_all_follows_the_batch_to_100_percent_and_shows_it_rendered(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    shorts = plan_variants(qtbot, window, ranks=1)
    shorts.preset.setCurrentIndex(shorts.preset.findData("draft"))
    seen: list[tuple[str, str]] = []
    shorts.progress.variant_status.connect(lambda row_id, status: seen.append((row_id, status)))
    with qtbot.waitSignal(shorts.render_finished, timeout=180_000) as finished:
        qtbot.mouseClick(shorts.render_button, Qt.MouseButton.LeftButton)
        assert shorts.progress.isVisible()
    assert finished.args == ["succeeded"]
    assert shorts.progress.percent() == 100
    row = shorts.grid.rows()[0]
    assert row.rendered
    assert row.video is not None
    assert seen[-1] == (row.id, "rendered")
    assert shorts.grid.model().index(0, 0).data(STATUS_ROLE) == "rendered"
    assert probe(row.video).width == 540
    assert not shorts.render_button.isEnabled(), "nothing is left to render"


def test_hovering_a_card_plays_engine_frames_and_clicking_plays_it_beside_the_grid(
    qtbot: QtBot, window: MainWindow
) -> None:
    shorts = plan_variants(qtbot, window, ranks=1)
    row = shorts.grid.rows()[0]
    index = shorts.grid.model().index(0, 0)
    still = shorts.grid.thumbnail(row.id)
    assert still is not None

    shorts.grid.entered.emit(index)
    qtbot.waitUntil(lambda: shorts.grid.playing() == row.id, timeout=30_000)
    shown: list[np.ndarray] = []

    def a_new_frame_is_shown() -> bool:
        image = index.data(Qt.ItemDataRole.DecorationRole)
        assert isinstance(image, QImage)
        frame = pixels(image)
        if not shown or np.abs(frame.astype(int) - shown[0].astype(int)).mean() > 0.5:
            shown.append(frame)
        return len(shown) >= 2

    qtbot.waitUntil(a_new_frame_is_shown, timeout=10_000)

    shorts.grid.clicked.emit(index)
    player = shorts.panel.player
    assert player.mode == "frames", "an unrendered variant plays as engine frames"
    qtbot.waitUntil(lambda: player.current_image() is not None, timeout=30_000)
    frame = player.current_image()
    assert frame is not None
    assert pixels(frame).std() > 10
    assert frame.height() > frame.width()


def test_a_render_that_cannot_start_says_why_and_marks_the_variant_failed(
    qtbot: QtBot, library: Library, settings: QSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "0")
    window = open_window(qtbot, library, settings)
    shorts = plan_variants(qtbot, window, ranks=1)
    with qtbot.waitSignal(shorts.render_finished, timeout=30_000) as finished:
        qtbot.mouseClick(shorts.render_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["failed"]
    assert "the balance is 0" in shorts.progress.message.text()
    assert shorts.grid.model().index(0, 0).data(STATUS_ROLE) == "failed"
    assert shorts.render_button.isEnabled(), "it can be tried again"
