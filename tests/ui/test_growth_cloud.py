"""The Growth tab against a real cloud service served on 127.0.0.1, whose YouTube and TikTok
adapters talk to the platform fakes of tests/cloud/social (Instagram and X are not set up there).

The desktop finds the service through its settings' cloud address, signed in through the
keyring like a user; accounts connect through the real loopback flow with a browser that
follows the redirects; the jobs run in a ``LocalRunner`` over the test's library; the service's
queue runs each job in the request (huey's immediate mode), so a post due now is published by
the time the service answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.cloud.app import create_app
from studio.cloud.social.scheduler import AdapterPool, SocialRuntime, client_config, make_huey
from studio.cloud.social.vault import TokenCipher, resumable_state
from studio.services.cloud_client import CloudClient, KeyringTokenStore
from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
from studio.services.library.models import Shorts, ShortVariant, SocialPost
from studio.services.settings import update_settings
from studio.ui.growth.accounts import WAITING
from studio.ui.growth.tab import GrowthTab
from tests.cloud.conftest import PASSWORD, RecordingQueue, RunningServer, make_settings
from tests.cloud.social.conftest import FAKES, SleepRecorder, fake_browser
from tests.cloud.social.fakes import serve
from tests.cloud.social.fakes_platforms import STATS, PlatformFake
from tests.cloud.test_social_publishing import build_adapter
from tests.jobs import job_registry
from tests.media import make_clip
from tests.services.memory_keyring import MemoryKeyring, installed

CONNECTED = ("youtube", "tiktok")
HOOK = "Your street is loud."


@dataclass
class Cloud:
    url: str
    runtime: SocialRuntime
    fakes: dict[str, PlatformFake]

    def youtube_videos(self) -> dict[str, Any]:
        videos: dict[str, Any] = self.fakes["youtube"].videos  # type: ignore[attr-defined]
        return videos

    def tiktok_uploads(self) -> list[Any]:
        uploads: dict[str, Any] = self.fakes["tiktok"].uploads  # type: ignore[attr-defined]
        return [upload for upload in uploads.values() if upload["data"]]


@pytest.fixture
def cloud(tmp_path: Path, library: Library) -> Iterator[Cloud]:
    """The served service, the desktop's settings pointing at it, a user signed in."""
    app = create_app(make_settings(tmp_path / "cloud"), render_queue=RecordingQueue())
    db = app.state.service.db
    with ExitStack() as stack:
        stack.enter_context(installed(MemoryKeyring()))
        fakes = {name: FAKES[name]() for name in CONNECTED}
        for fake in fakes.values():
            stack.enter_context(serve(fake))
        sleeps = SleepRecorder()

        def adapter(platform: str) -> Any:
            if platform not in fakes:
                client_config(platform, {})  # raises NotConfigured, as without its variables
            state = resumable_state(db, platform)
            return build_adapter(platform, fakes[platform].url, sleeps, **state)

        runtime = SocialRuntime.create(
            db,
            TokenCipher([Fernet.generate_key()]),
            AdapterPool(adapter),
            lambda owner, shorts, variant: None,
            huey=make_huey(tmp_path, immediate=True),
            video_root=tmp_path / "cloud" / "videos",
            sleep=sleeps,
        )
        stack.callback(runtime.close)
        app.state.social = runtime
        server = stack.enter_context(RunningServer(app))
        update_settings(library.data_dir, cloud_url=server.url)
        with CloudClient(server.url, KeyringTokenStore(server.url)) as user:
            user.signup("creator@example.com", PASSWORD)
        yield Cloud(server.url, runtime, fakes)
    db.close()


def rendered_variant(library: Library, tmp_path: Path) -> str:
    """A variant whose render is a real (tiny) MP4 in the library's store."""
    stored = library.store.put(make_clip(tmp_path / "short.mp4", 180, 320, 1.0))
    with library.session() as session:
        batch = Shorts(title="Sleep in the city", source_type="idea")
        session.add(batch)
        session.flush()
        variant = ShortVariant(
            shorts_id=batch.id,
            variant_id="hook1_9_16",
            format="9_16",
            plan={
                "hook": {"text": HOOK},
                "publish_suggestions": {"title": "Sleep through the sirens", "hashtags": ["#x"]},
            },
            status="rendered",
            video_path=stored.path,
        )
        session.add(variant)
        session.flush()
        return variant.id


def open_tab(qtbot: QtBot, library: Library) -> tuple[GrowthTab, LocalRunner]:
    registry = job_registry()
    publish = registry.get("social.publish_post")
    registry.add(dataclasses.replace(publish, backoff_seconds=0.05))
    runner = LocalRunner(library, registry=registry, poll_interval=0.02)
    tab = GrowthTab(library, jobs=runner)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.accounts.loaded, timeout=20_000)
    assert not tab.accounts.problem, tab.accounts.problem
    tab.accounts.open_browser = fake_browser
    return tab, runner


def connect(qtbot: QtBot, tab: GrowthTab, platform: str) -> None:
    strip = tab.accounts
    qtbot.mouseClick(strip.rows[platform].button, Qt.MouseButton.LeftButton)
    assert strip.busy
    qtbot.waitUntil(lambda: not strip.busy, timeout=20_000)
    qtbot.waitUntil(lambda: strip.rows[platform].button.text() == "Disconnect", timeout=20_000)


def post_now(qtbot: QtBot, tab: GrowthTab, variant_id: str) -> str:
    """The Shorts tab's Schedule hands the variant over; one click posts it everywhere."""
    tab.compose(variant_id)
    composer = tab.composer
    for platform in CONNECTED:
        qtbot.mouseClick(composer.platforms[platform], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(composer.scheduled) as scheduled:
        qtbot.mouseClick(composer.post_now_button, Qt.MouseButton.LeftButton)
    assert scheduled.args is not None
    assert composer.status.text() == "Posting now to YouTube, TikTok: see Posts for each platform."
    return str(scheduled.args[0])


def test_connect_two_accounts_post_now_to_both_and_see_it_published_once_with_numbers(
    qtbot: QtBot, library: Library, cloud: Cloud, tmp_path: Path
) -> None:
    variant_id = rendered_variant(library, tmp_path)
    tab, runner = open_tab(qtbot, library)
    for platform in CONNECTED:
        connect(qtbot, tab, platform)
    assert tab.accounts.rows["youtube"].state.text().startswith("Connected as ")
    assert tab.composer.connected == frozenset(CONNECTED)

    post_id = post_now(qtbot, tab, variant_id)
    runner.run_until_idle(timeout=60)

    assert len(cloud.youtube_videos()) == 1
    assert len(cloud.tiktok_uploads()) == 1
    with library.session(readonly=True) as session:
        post = session.get(SocialPost, post_id)
        assert post is not None
        status, external_ids, remote_id = post.status, post.external_ids, post.cloud_post_id
    assert status == "published"
    assert set(external_ids) == set(CONNECTED)
    assert external_ids["youtube"] == next(iter(cloud.youtube_videos()))
    assert [job.status for job in runner.list()] == ["succeeded", "succeeded"]

    runner.enqueue("social.schedule_post", {"post_id": post_id})  # every trigger again
    runner.enqueue("social.publish_post", {"post_id": post_id})
    runner.run_until_idle(timeout=60)
    cloud.runtime.queue.sweep_due()
    with CloudClient(cloud.url, KeyringTokenStore(cloud.url)) as user:
        assert [remote.id for remote in user.social_posts()] == [remote_id], "one service post"
    assert (len(cloud.youtube_videos()), len(cloud.tiktok_uploads())) == (1, 1)

    assert cloud.runtime.publisher.fetch_metrics() == 2
    with qtbot.waitSignal(tab.synced, timeout=20_000) as synced:
        tab.sync()
    assert synced.args == [""]
    row = [tab.posts.item(0, column).text() for column in range(6)]
    assert row[1] == "YouTube: published; TikTok: published"
    assert row[2] == "published"
    assert row[4] == str(2 * STATS["views"])
    tab.posts.setCurrentCell(0, 0)
    assert f"/{external_ids['youtube']}" in tab.posts_view.details.text()
    assert "open on YouTube" in tab.posts_view.details.text()

    analytics = tab.analytics
    assert analytics.stack.currentIndex() == 1
    per_variant = [analytics.variants.item(0, column).text() for column in range(5)]
    counts = [str(2 * STATS[count]) for count in ("views", "likes", "comments")]
    counts.append(str(STATS["shares"]))  # YouTube does not count shares
    assert per_variant == ["Sleep in the city · hook1_9_16 (9:16)", *counts]
    assert analytics.hooks.item(0, 0).text() == HOOK
    [line] = analytics.charts["views"].series()
    views = [int(point.y()) for point in line.points()]
    assert views[-1] == 2 * STATS["views"], "the last point adds both platforms up"
    assert views == sorted(views), "running totals: a platform sampled first, then both"


def test_an_unconfigured_platform_says_why_and_a_denied_or_cancelled_connect_says_so(
    qtbot: QtBot, library: Library, cloud: Cloud
) -> None:
    tab, _ = open_tab(qtbot, library)
    strip = tab.accounts
    instagram = strip.rows["instagram"].button
    with CloudClient(cloud.url, KeyringTokenStore(cloud.url)) as user:
        said = {platform.platform: platform.reason for platform in user.social_platforms()}
    reason = said["instagram"]
    assert reason is not None
    assert "STUDIO_CLOUD_SOCIAL_INSTAGRAM_CLIENT_ID" in reason
    assert not instagram.isEnabled()
    assert instagram.toolTip() == reason
    assert strip.rows["instagram"].state.text() == f"Not available: {reason}"
    assert strip.note.text().startswith("Instagram and X cannot be connected")
    assert strip.rows["youtube"].button.isEnabled()

    cloud.fakes["tiktok"].oauth.deny = True
    qtbot.mouseClick(strip.rows["tiktok"].button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not strip.busy, timeout=20_000)
    assert strip.note.text() == (
        "TikTok did not grant access (The user said no). Connect again and choose Allow to let "
        "Studio post for you."
    )
    assert strip.rows["tiktok"].button.text() == "Connect TikTok"

    strip.open_browser = lambda url: True  # the page opens; the user never answers
    qtbot.mouseClick(strip.rows["youtube"].button, Qt.MouseButton.LeftButton)
    assert strip.note.text() == WAITING.format(name="YouTube")
    assert strip.cancel_button.isVisible()
    qtbot.waitUntil(lambda: strip.attempt is not None, timeout=10_000)
    qtbot.mouseClick(strip.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not strip.busy, timeout=20_000)
    assert strip.note.text() == "Connecting was cancelled."
    assert not strip.cancel_button.isVisible()


def test_a_connected_account_disconnects_after_a_confirmation(
    qtbot: QtBot, library: Library, cloud: Cloud
) -> None:
    tab, _ = open_tab(qtbot, library)
    connect(qtbot, tab, "youtube")
    asked: list[str] = []

    def say_no(name: str, handle: str) -> bool:
        asked.append(name)
        return False

    tab.accounts.confirm = say_no
    qtbot.mouseClick(tab.accounts.rows["youtube"].button, Qt.MouseButton.LeftButton)
    assert tab.accounts.rows["youtube"].button.text() == "Disconnect", "not confirmed: kept"
    tab.accounts.confirm = lambda name, handle: True
    qtbot.mouseClick(tab.accounts.rows["youtube"].button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: tab.accounts.rows["youtube"].button.text() == "Connect YouTube", timeout=20_000
    )
    assert asked == ["YouTube"]
    assert tab.composer.connected == frozenset()
