"""The Growth tab against a library of the test's own: composing, validating, the calendar and
the charts. The tab's queue is a runner that is never started, so queued jobs stay queued, and
its cloud is an address where nothing listens (the accounts are then set by the test); the tab
against a served cloud is tests/ui/test_growth_cloud.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from studio.services.cloud_client import CloudClient, RetryPolicy, StoredTokens
from studio.services.growth import PLATFORMS, post_text
from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
from studio.services.library.models import Job, PostMetric, Shorts, ShortVariant, SocialPost
from studio.ui.growth.tab import GrowthTab
from tests.services.test_cloud_client import DictTokenStore, closed_port_url

SUGGESTED = {
    "title": "Sleep through the sirens",
    "caption": "Three tricks for a noisy street. #sleep #city",
    "hashtags": ["#sleep", "#city", "#tips"],
}


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A local zone that is not UTC, so a time stored unconverted would show."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def add_variant(library: Library, tmp_path: Path, rendered: bool = True) -> str:
    """A variant of a batch of shorts with its plan's hook and publish suggestions."""
    stored = None
    if rendered:
        video = tmp_path / "short.mp4"
        video.write_bytes(b"\x00\x00\x00\x18ftypmp42 a stand-in for a rendered short")
        stored = library.store.put(video)
    with library.session() as session:
        batch = Shorts(title="Sleep in the city", source_type="idea")
        session.add(batch)
        session.flush()
        variant = ShortVariant(
            shorts_id=batch.id,
            variant_id="hook1_9_16",
            format="9_16",
            plan={"hook": {"text": "Your street is loud."}, "publish_suggestions": SUGGESTED},
            status="rendered" if rendered else "planned",
            video_path=stored.path if stored else None,
        )
        session.add(variant)
        session.flush()
        return variant.id


def open_tab(
    qtbot: QtBot, library: Library, connected: frozenset[str] | None = None
) -> tuple[GrowthTab, LocalRunner]:
    """The tab with ``connected`` accounts (every platform when None) once the unreachable
    cloud has answered."""
    runner = LocalRunner(library)
    signed_in = DictTokenStore()
    signed_in.save(StoredTokens("access", "refresh"))
    down = CloudClient(closed_port_url(), signed_in, retry=RetryPolicy(attempts=1))
    tab = GrowthTab(library, jobs=runner, cloud=lambda: down)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.accounts.loaded, timeout=10_000)
    everything = frozenset(platform.key for platform in PLATFORMS)
    tab.composer.set_connected(everything if connected is None else connected)
    return tab, runner


def test_compose_prefills_the_words_from_the_variants_publish_suggestions(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, _ = open_tab(qtbot, library)
    tab.composer.title.clear()
    tab.compose(variant_id)
    composer = tab.composer
    assert tab.sections.currentWidget() is composer
    assert composer.variant.currentData() == variant_id
    assert "Sleep in the city" in composer.variant.currentText()
    assert composer.title.text() == SUGGESTED["title"]
    assert composer.caption.toPlainText() == "Three tricks for a noisy street.", "tags shown once"
    assert composer.hashtags.text() == "#sleep #city #tips"
    assert composer.draft().caption == "Three tricks for a noisy street."
    assert post_text(composer.draft().caption, composer.draft().hashtags) == (
        "Three tricks for a noisy street. #sleep #city #tips"
    )


def test_the_composer_stores_the_post_in_utc_and_queues_its_jobs(
    qtbot: QtBot, library: Library, tmp_path: Path, new_york: None
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, runner = open_tab(qtbot, library)
    tab.compose(variant_id)
    composer = tab.composer
    qtbot.mouseClick(composer.platforms["tiktok"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(composer.platforms["x"], Qt.MouseButton.LeftButton)
    composer.title.clear()
    qtbot.keyClicks(composer.title, "Quiet nights")
    composer.hashtags.clear()
    qtbot.keyClicks(composer.hashtags, "#sleep tips, city")
    composer.when.setDateTime(QDateTime(QDate(2031, 3, 4), QTime(18, 30)))
    with qtbot.waitSignal(composer.scheduled) as scheduled:
        qtbot.mouseClick(composer.schedule_button, Qt.MouseButton.LeftButton)

    assert scheduled.args is not None
    post_id = scheduled.args[0]
    with library.session(readonly=True) as session:
        post = session.get(SocialPost, post_id)
        assert post is not None
        stored = (post.variant_id, post.platforms, post.title, post.hashtags, post.status)
        when = post.scheduled_at
        holds = session.scalar(select(Job.not_before).where(Job.type == "social.publish_post"))
    tags = ["#sleep", "#tips", "#city"]
    assert stored == (variant_id, ["tiktok", "x"], "Quiet nights", tags, "scheduled")
    assert when == datetime(2031, 3, 4, 23, 30, tzinfo=UTC), "18:30 in New York is 23:30 UTC"
    jobs = sorted((job.type, job.status, dict(job.payload)) for job in runner.list())
    assert jobs == [
        ("social.publish_post", "queued", {"post_id": post_id}),
        ("social.schedule_post", "queued", {"post_id": post_id}),
    ]
    assert holds == when, "publishing waits for the scheduled time"
    assert "Scheduled for 2031-03-04 18:30" in composer.status.text()
    assert "Keep Studio open then" in composer.status.text(), "the local service posts"

    assert [tab.posts.item(0, column).text() for column in range(4)] == [
        "Quiet nights",
        "TikTok, X",
        "scheduled",
        "2031-03-04 18:30",
    ]
    marked = tab.calendar.dateTextFormat(QDate(2031, 3, 4))
    assert marked.fontWeight() > 400, "the posting day is marked"
    assert "Quiet nights" in marked.toolTip()
    assert tab.calendar.dateTextFormat(QDate(2031, 3, 5)).fontWeight() <= 400


def test_a_platform_without_a_connected_account_is_refused_by_name(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, runner = open_tab(qtbot, library, connected=frozenset({"youtube"}))
    tab.compose(variant_id)
    composer = tab.composer
    for key in ("youtube", "tiktok", "instagram"):
        qtbot.mouseClick(composer.platforms[key], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(composer.post_now_button, Qt.MouseButton.LeftButton)
    assert composer.problems["platforms"].text() == (
        "Connect a TikTok and Instagram account first (Accounts, above)."
    )
    assert runner.list() == [], "nothing is queued"


def test_with_the_service_down_the_strip_and_the_composer_say_so(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, _ = open_tab(qtbot, library)
    assert tab.accounts.note.text().startswith("The Studio service cannot be reached")
    tab.composer.set_connected(None, tab.accounts.problem)
    tab.compose(variant_id)
    qtbot.mouseClick(tab.composer.platforms["x"], Qt.MouseButton.LeftButton)
    assert tab.composer.post_now() is None
    problem = tab.composer.problems["platforms"].text()
    assert problem.startswith("The connected accounts cannot be read: The Studio service cannot")


def test_an_incomplete_draft_says_what_to_fix_next_to_each_field(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, runner = open_tab(qtbot, library)
    tab.compose(variant_id)
    composer = tab.composer
    past = datetime.now(UTC) - timedelta(hours=3)
    composer.when.setDateTime(QDateTime.fromSecsSinceEpoch(int(past.timestamp())))
    qtbot.mouseClick(composer.schedule_button, Qt.MouseButton.LeftButton)
    shown = composer.problems.items()
    problems = {name: label.text() for name, label in shown if label.isVisible()}
    assert problems == {
        "platforms": "Choose at least one platform.",
        "when": "The time is in the past: choose a later time.",
    }

    qtbot.mouseClick(composer.platforms["x"], Qt.MouseButton.LeftButton)
    composer.caption.setPlainText("word " * 60)
    assert composer.problems["caption"].isVisible(), "problems follow the edits once shown"
    assert "X takes at most 280" in composer.problems["caption"].text()
    assert not composer.problems["platforms"].isVisible()
    assert composer.length.text().endswith("limits: X 280")

    with library.session(readonly=True) as session:
        assert session.scalars(select(SocialPost)).all() == []
    assert runner.list() == []


def test_an_unrendered_variant_asks_for_a_render_first(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path, rendered=False)
    tab, _ = open_tab(qtbot, library)
    assert not tab.composer.no_variants.isHidden(), "nothing rendered to post yet"
    tab.compose(variant_id)
    assert "(not rendered yet)" in tab.composer.variant.currentText()
    qtbot.mouseClick(tab.composer.platforms["youtube"], Qt.MouseButton.LeftButton)
    assert tab.composer.schedule() is None
    assert "render it in the Shorts tab first" in tab.composer.problems["variant"].text()


def test_analytics_charts_each_count_per_variant_over_time(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    variant_id = add_variant(library, tmp_path)
    tab, _ = open_tab(qtbot, library)
    tab.sections.setCurrentWidget(tab.analytics)
    assert tab.analytics.stack.currentWidget() is tab.analytics.empty
    assert "Schedule a rendered short" in tab.analytics.empty.text()

    first = datetime(2031, 3, 5, 9, 0, tzinfo=UTC)
    second = first + timedelta(days=1)
    with library.session() as session:
        post = SocialPost(variant_id=variant_id, platforms=["tiktok"], status="published")
        session.add(post)
        session.flush()
        session.add_all(
            [
                PostMetric(
                    post_id=post.id,
                    platform="tiktok",
                    fetched_at=second,
                    views=250,
                    likes=20,
                    comments=4,
                    shares=2,
                ),
                PostMetric(
                    post_id=post.id,
                    platform="tiktok",
                    fetched_at=first,
                    views=90,
                    likes=5,
                    comments=1,
                    shares=0,
                ),
            ]
        )
    tab.refresh()

    assert tab.analytics.stack.currentIndex() == 1
    expected = {"views": [90, 250], "likes": [5, 20], "comments": [1, 4], "shares": [0, 2]}
    for count, values in expected.items():
        [line] = tab.analytics.charts[count].series()
        assert "hook1_9_16" in line.name()
        points = [(int(p.x()), int(p.y())) for p in line.points()]
        stamps = [int(first.timestamp() * 1000), int(second.timestamp() * 1000)]
        assert points == list(zip(stamps, values, strict=True))
    assert tab.analytics.hooks.item(0, 0).text() == "Your street is loud."
    assert tab.analytics.hooks.item(0, 1).text() == "250"
    assert date(2031, 3, 5) not in tab.calendar.days, "a post without a time is not on a day"


def test_choosing_a_post_shows_its_local_day_in_the_calendar(
    qtbot: QtBot, library: Library, new_york: None
) -> None:
    with library.session() as session:
        session.add(
            SocialPost(
                title="Late night tips",
                platforms=["instagram"],
                scheduled_at=datetime(2031, 6, 2, 2, 0, tzinfo=UTC),
            )
        )
    tab, _ = open_tab(qtbot, library)
    tab.posts.setCurrentCell(0, 0)
    assert tab.calendar.selectedDate() == QDate(2031, 6, 1), "02:00 UTC is the evening before"
    assert tab.posts_view.day_posts.text() == "22:00  Late night tips · Instagram · scheduled"


def test_each_platforms_state_from_the_service_shows_in_local_time_with_its_link(
    qtbot: QtBot, library: Library, new_york: None
) -> None:
    with library.session() as session:
        session.add(
            SocialPost(
                title="Late night tips",
                platforms=["youtube", "tiktok", "x"],
                scheduled_at=datetime(2031, 6, 2, 1, 0, tzinfo=UTC),
                status="publishing",
                platform_status={
                    "x": {"status": "failed", "error": "duplicate content"},
                    "tiktok": {
                        "status": "pending",
                        "error": "rate limited",
                        "retry_at": "2031-06-02T02:05:00+00:00",
                    },
                    "youtube": {"status": "published", "url": "https://youtu.be/abc", "late": True},
                },
            )
        )
    tab, _ = open_tab(qtbot, library)
    assert tab.posts.item(0, 1).text() == (
        "YouTube: published (late); TikTok: retrying (rate limited), next try 22:05; "
        "X: failed (duplicate content)"
    )
    tab.posts.setCurrentCell(0, 0)
    details = tab.posts_view.details.text()
    assert '<a href="https://youtu.be/abc">open on YouTube</a>' in details
    assert "2031-06-01 21:00" in details, "the time in New York"


def test_with_a_cloud_address_scheduling_does_not_ask_to_keep_studio_open(
    qtbot: QtBot, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_URL", "https://cloud.example.test")
    variant_id = add_variant(library, tmp_path)
    tab, _ = open_tab(qtbot, library)
    tab.compose(variant_id)
    composer = tab.composer
    qtbot.mouseClick(composer.platforms["youtube"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(composer.scheduled):
        qtbot.mouseClick(composer.schedule_button, Qt.MouseButton.LeftButton)
    assert composer.status.text().startswith("Scheduled for")
    assert "Keep Studio open" not in composer.status.text(), "the cloud posts without this computer"
