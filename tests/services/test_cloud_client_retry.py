"""Retries, renewal races and error bodies, staged with httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from studio.cloud.schemas import Me, TripUseResult, UserOut
from studio.services.cloud_client import (
    CloudClient,
    Offline,
    PaymentRequired,
    RateLimited,
    RetryPolicy,
    ServerError,
    StoredTokens,
)
from tests.services.test_cloud_client import DictTokenStore

URL = "http://cloud.test"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ME = Me(
    user=UserOut(id="u1", email="ada@example.com", plan="free", created_at=NOW),
    plan="free",
    trips_balance=7,
)
USED = TripUseResult(
    entry_id="e1",
    production_id="p1",
    type="cinema",
    trips_used=1,
    trips_balance=6,
    created_at=NOW,
)

Handler = Callable[[httpx.Request], httpx.Response]


def error(status: int, code: str, message: str, **extra: Any) -> httpx.Response:
    headers = extra.pop("headers", {})
    return httpx.Response(
        status, json={"error": {"code": code, "message": message, **extra}}, headers=headers
    )


def scripted(*answers: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    """A handler giving ``answers`` in turn (the last one from then on), and what it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers[min(len(seen), len(answers)) - 1]

    return handle, seen


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def store() -> DictTokenStore:
    tokens = DictTokenStore()
    tokens.save(StoredTokens("access-1", "refresh-1", "ada@example.com"))
    return tokens


@pytest.fixture
def connect(
    sleeps: list[float], store: DictTokenStore
) -> Iterator[Callable[[Handler], CloudClient]]:
    made: list[CloudClient] = []

    def make(handler: Handler) -> CloudClient:
        client = CloudClient(
            URL,
            store,
            transport=httpx.MockTransport(handler),
            retry=RetryPolicy(sleep=sleeps.append),
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_a_get_is_retried_after_a_503(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    handler, seen = scripted(
        error(503, "unavailable", "down for a moment"),
        httpx.Response(200, content=ME.model_dump_json()),
    )
    assert connect(handler).me() == ME
    assert [r.url.path for r in seen] == ["/me", "/me"]
    assert sleeps == [0.5]


def test_a_plain_post_is_not_retried(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    handler, seen = scripted(error(503, "unavailable", "down for a moment"))
    with pytest.raises(ServerError, match=r"HTTP 503.*down for a moment") as failure:
        connect(handler).create_production("Stars")
    assert failure.value.status == 503
    assert len(seen) == 1
    assert sleeps == []


def test_a_post_with_an_idempotency_key_is_retried_with_the_same_key(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    handler, seen = scripted(
        error(502, "bad_gateway", "proxy"),
        error(503, "unavailable", "down"),
        httpx.Response(200, content=USED.model_dump_json()),
    )
    assert connect(handler).trips_use("p1", "cinema", idempotency_key="k-1") == USED
    assert [r.headers["Idempotency-Key"] for r in seen] == ["k-1", "k-1", "k-1"]
    assert json.loads(seen[0].content) == {"production_id": "p1", "type": "cinema"}
    assert sleeps == [0.5, 1.0]


def test_retries_stop_after_the_last_attempt(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    handler, seen = scripted(error(500, "internal_error", "something went wrong on our side"))
    with pytest.raises(ServerError, match="something went wrong on our side"):
        connect(handler).productions()
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0]


def test_retry_after_is_honoured_and_a_long_one_is_raised(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    handler, _ = scripted(
        error(429, "rate_limited", "slow down", headers={"Retry-After": "2"}),
        httpx.Response(200, content=ME.model_dump_json()),
    )
    assert connect(handler).me() == ME
    assert sleeps == [2.0]

    handler, seen = scripted(
        error(429, "rate_limited", "try again in 120 s", headers={"Retry-After": "120"})
    )
    with pytest.raises(RateLimited, match="try again in 120 s") as limited:
        connect(handler).me()
    assert limited.value.retry_after == 120.0
    assert len(seen) == 1
    assert sleeps == [2.0]


def test_a_renewal_by_someone_else_is_used_instead_of_spending_the_refresh_token(
    connect: Callable[[Handler], CloudClient], store: DictTokenStore
) -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.headers.get("Authorization") == "Bearer access-2":
            return httpx.Response(200, content=ME.model_dump_json())
        # Another process renewed while this request was on its way.
        store.save(StoredTokens("access-2", "refresh-2", "ada@example.com"))
        return error(401, "unauthorized", "the access token is invalid or expired")

    assert connect(handle).me() == ME
    assert [r.url.path for r in seen] == ["/me", "/me"]


def test_payment_required_carries_balance_and_needed_when_the_body_has_them(
    connect: Callable[[Handler], CloudClient],
) -> None:
    handler, _ = scripted(
        error(402, "not_enough_trips", "this needs 2 trips; the balance is 1", balance=1, needed=2)
    )
    with pytest.raises(PaymentRequired, match="the balance is 1") as short:
        connect(handler).trips_use("p1", "cinema")
    assert (short.value.balance, short.value.needed, short.value.code) == (1, 2, "not_enough_trips")


def test_a_timeout_is_offline_and_a_strange_answer_is_a_server_error(
    connect: Callable[[Handler], CloudClient], sleeps: list[float]
) -> None:
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(Offline, match=f"cannot reach the Studio cloud at {URL}: it did not answer"):
        connect(too_slow).production("p1")
    assert sleeps == [0.5, 1.0]

    handler, _ = scripted(httpx.Response(200, json={"unexpected": True}))
    with pytest.raises(ServerError, match=r"cannot read \(GET /me\)"):
        connect(handler).me()
