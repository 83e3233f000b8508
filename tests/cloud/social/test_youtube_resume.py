"""YouTube's resumable upload: a connection dropped mid-PUT resumes from the server's offset and
the channel ends up with one video, also when a restarted worker picks the upload up again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.cloud.social.adapters.base import ClientConfig, PublishState, Transient
from studio.cloud.social.adapters.youtube import YouTubeAdapter
from tests.cloud.social.conftest import connect
from tests.cloud.social.fakes_platforms import CLIENT_ID, CLIENT_SECRET


def _upload_puts(fake: Any) -> list[str]:
    return [r.headers.get("content-range", "") for r in fake.requests if r.method == "PUT"]


def test_dropped_upload_resumes_from_the_servers_range_and_creates_one_video(
    platform_factory: Any, short_video: Path
) -> None:
    youtube = platform_factory("youtube")
    token = connect(youtube.adapter)
    size = short_video.stat().st_size
    half = size // 2
    youtube.fake.drop_upload_after = half

    receipt = youtube.adapter.publish(token, short_video, "Sleep", "Tips", ["#sleep"], "post-1")

    assert receipt.status is PublishState.PROCESSING
    assert list(youtube.fake.videos) == [receipt.external_id]
    assert youtube.fake.videos[receipt.external_id]["bytes"] == short_video.read_bytes()
    # After the drop: ask the server what it has, then send only the rest.
    assert _upload_puts(youtube.fake) == [f"bytes */{size}", f"bytes {half}-{size - 1}/{size}"]


def test_a_worker_that_gave_up_mid_upload_is_resumed_by_the_next_one_without_a_second_video(
    platform_factory: Any, short_video: Path
) -> None:
    youtube = platform_factory("youtube")
    token = connect(youtube.adapter)
    size = short_video.stat().st_size
    half = size // 2
    sessions: dict[str, str] = {}  # what the service would persist per post and platform
    youtube.fake.drop_upload_after = half
    youtube.fake.fail_status_queries = 1
    first_worker = _worker(youtube.fake.url, sessions)
    with pytest.raises(Transient):
        first_worker.publish(token, short_video, "Sleep", "Tips", [], "post-9")
    first_worker.close()
    assert youtube.fake.videos == {}

    second_worker = _worker(youtube.fake.url, sessions)
    receipt = second_worker.publish(token, short_video, "Sleep", "Tips", [], "post-9")
    again = second_worker.publish(token, short_video, "Sleep", "Tips", [], "post-9")
    second_worker.close()

    assert list(youtube.fake.videos) == [receipt.external_id]
    assert again.external_id == receipt.external_id
    assert youtube.fake.videos[receipt.external_id]["bytes"] == short_video.read_bytes()
    assert f"bytes {half}-{size - 1}/{size}" in _upload_puts(youtube.fake)
    assert len(youtube.fake.sessions) == 1


def _worker(url: str, sessions: dict[str, str]) -> YouTubeAdapter:
    return YouTubeAdapter(
        client=ClientConfig(CLIENT_ID, CLIENT_SECRET), api_base=url, upload_sessions=sessions
    )
