"""The Shorts flow from an idea to rendered variants, and the Growth tab's posts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from studio.services.library.db import Library
from studio.services.library.models import ShortVariant, SocialPost
from studio.ui.main_window import MainWindow
from studio.ui.shorts.variant_grid import STATUS_ROLE
from tests.media import probe


def hooks_and_variants(qtbot: QtBot, window: MainWindow) -> None:
    shorts = window.shorts
    window.tabs.setCurrentWidget(shorts)
    shorts.idea.setPlainText("How to sleep better in a noisy city")
    with qtbot.waitSignal(shorts.hooks_ready, timeout=30_000):
        qtbot.mouseClick(shorts.hooks_button, Qt.MouseButton.LeftButton)
    assert shorts.hooks.count() >= 2
    first = shorts.hooks.item(0)
    assert first.text().startswith("1. [")
    assert first.toolTip(), "each hook says why it scored"
    assert shorts.checked_ranks() == [1]
    shorts.formats["1_1"].setChecked(True)
    shorts.duration.setValue(5)
    shorts.fast_timing.setChecked(True)
    with qtbot.waitSignal(shorts.variants_ready, timeout=60_000):
        qtbot.mouseClick(shorts.variants_button, Qt.MouseButton.LeftButton)


def test_an_idea_gives_ranked_hooks_then_one_variant_per_format(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    hooks_and_variants(qtbot, window)
    shorts = window.shorts
    assert sorted(row.format for row in shorts.grid.rows()) == ["1_1", "9_16"]
    assert shorts.grid.model().rowCount() == 2
    with library.session() as session:
        rows = session.scalars(
            select(ShortVariant).where(ShortVariant.shorts_id == shorts.shorts_id)
        ).all()
    assert sorted(row.format for row in rows) == ["1_1", "9_16"]
    assert all(row.status == "planned" for row in rows)
    shorts.grid.clicked.emit(shorts.grid.model().index(0, 0))
    assert shorts.panel.title.text(), "publish suggestions are shown"
    assert shorts.render_button.isEnabled()


@pytest.mark.slow
def test_render_all_renders_every_variant(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    hooks_and_variants(qtbot, window)
    shorts = window.shorts
    shorts.preset.setCurrentIndex(shorts.preset.findData("draft"))
    with qtbot.waitSignal(shorts.render_finished, timeout=180_000) as finished:
        qtbot.mouseClick(shorts.render_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["succeeded"]
    model = shorts.grid.model()
    statuses = [model.index(row, 0).data(STATUS_ROLE) for row in range(model.rowCount())]
    assert statuses == ["rendered", "rendered"]
    with library.session() as session:
        rows = session.scalars(
            select(ShortVariant).where(ShortVariant.shorts_id == shorts.shorts_id)
        ).all()
        sizes = sorted(
            (probe(library.store.path_of(row.video_path)).width, row.format)
            for row in rows
            if row.video_path
        )
    assert sizes == [(540, "1_1"), (540, "9_16")]
    qtbot.waitUntil(lambda: window.top_bar.trips.text() == "8 trips")


def test_growth_lists_the_library_posts_and_says_why_a_platform_cannot_connect(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    with library.session() as session:
        session.add(
            SocialPost(
                title="Sleep better tonight",
                platforms=["tiktok", "youtube"],
                scheduled_at=datetime(2030, 1, 2, 9, 30, tzinfo=UTC),
                metrics={"tiktok": {"views": 120, "likes": 7}, "youtube": {"views": 30}},
            )
        )
    window.tabs.setCurrentWidget(window.growth)
    table = window.growth.posts
    assert table.rowCount() == 1
    row = [table.item(0, column).text() for column in range(table.columnCount())]
    assert row[:3] == ["Sleep better tonight", "TikTok, YouTube", "scheduled"]
    assert row[4:6] == ["150", "7"]
    assert not window.growth.empty.isVisible()

    strip = window.growth.accounts
    qtbot.waitUntil(lambda: strip.loaded, timeout=30_000)
    assert sorted(strip.rows) == ["instagram", "tiktok", "x", "youtube"]
    tiktok = strip.rows["tiktok"].button
    assert not tiktok.isEnabled(), "the embedded service has no TikTok registration"
    assert "STUDIO_CLOUD_SOCIAL_TIKTOK_CLIENT_ID" in tiktok.toolTip()
    assert "STUDIO_CLOUD_SOCIAL_TIKTOK_CLIENT_ID" in strip.rows["tiktok"].state.text()
    assert "TikTok" in strip.note.text()
