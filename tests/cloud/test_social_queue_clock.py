"""The embedded service's social queue (huey on SQLite) keeps true UTC instants.

A desktop's time zone changes under a scheduled post (the user flies, or daylight saving ends):
the publish job must still come due at the instant the post was scheduled for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from studio.cloud.social.scheduler import make_huey
from tests.cloud.conftest import time_zone


def test_a_scheduled_publish_keeps_its_instant_when_the_time_zone_changes(tmp_path: Path) -> None:
    huey = make_huey(tmp_path)
    publish = huey.task(name="social.publish_post")(lambda post_id, platform: None)
    when = datetime.now(UTC) + timedelta(hours=1)
    with time_zone("Asia/Tokyo"):  # scheduled here; the consumer takes it and finds it early
        publish.schedule(args=("post-1", "youtube"), eta=when)
        huey.add_schedule(huey.dequeue())
    assert huey.scheduled_count() == 1
    with time_zone("America/Los_Angeles"):  # read after the flight
        assert huey.read_schedule(datetime.now(UTC).replace(tzinfo=None)) == []
        assert huey.scheduled_count() == 1
        due = huey.read_schedule((when + timedelta(seconds=1)).replace(tzinfo=None))
    assert [(task.name, task.args) for task in due] == [
        ("social.publish_post", ("post-1", "youtube"))
    ]
