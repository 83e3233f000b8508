"""The shared pieces every adapter and the scheduler rely on: retry loop, waits, post text."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from studio.cloud.social.adapters.base import (
    BadRequest,
    TokenSet,
    Transient,
    post_text,
    retry_after_seconds,
    with_retries,
)
from tests.cloud.social.conftest import SleepRecorder


def test_transient_failures_back_off_then_the_last_one_reaches_the_caller() -> None:
    calls: list[int] = []
    waits = SleepRecorder()

    def flaky() -> str:
        calls.append(1)
        raise Transient("youtube", "HTTP 503: Backend Error")

    with pytest.raises(Transient, match="503"):
        with_retries(flaky, attempts=4, sleep=waits)
    assert len(calls) == 4
    assert waits.delays == [1.0, 2.0, 4.0]


def test_a_permanent_error_is_not_retried() -> None:
    calls: list[int] = []

    def rejected() -> str:
        calls.append(1)
        raise BadRequest("tiktok", "video too long", 400)

    with pytest.raises(BadRequest):
        with_retries(rejected, sleep=SleepRecorder())
    assert len(calls) == 1


def test_waits_come_from_retry_after_or_the_reset_time() -> None:
    seconds = httpx.Response(429, headers={"Retry-After": "7"})
    later = datetime.now(UTC) + timedelta(seconds=120)
    http_date = httpx.Response(
        429, headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    )
    reset = httpx.Response(429, headers={"x-rate-limit-reset": str(int(time.time()) + 30)})

    assert retry_after_seconds(seconds) == 7.0
    assert 100 < retry_after_seconds(http_date) <= 120
    assert 25 < retry_after_seconds(reset) <= 30
    assert retry_after_seconds(httpx.Response(429), default=42.0) == 42.0


def test_post_text_adds_each_missing_hashtag_once() -> None:
    assert (
        post_text("Sleep better #sleep", ["sleep", "#tips", "tips"]) == "Sleep better #sleep #tips"
    )
    assert post_text("", ["#a"]) == "#a"


def test_a_token_near_its_expiry_needs_refreshing() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    token = TokenSet("at", "rt", now + timedelta(seconds=90), (), "acct")
    assert token.expires_within(120, now)
    assert not token.expires_within(60, now)
    assert not TokenSet("at", None, None, (), "acct").expires_within(10**6, now)
