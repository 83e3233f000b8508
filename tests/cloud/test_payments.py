"""Stripe payments through the service: the real stripe SDK against the local fake Stripe API,
and webhooks signed exactly as Stripe signs them; on SQLite and on Postgres."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from studio.cloud.config import SettingsError, settings_from_env
from studio.cloud.models import TripEntry
from tests.cloud.conftest import (
    Account,
    RecordingQueue,
    RunningServer,
    assert_error,
    sign_up,
)
from tests.cloud.payments.fakes import (
    STRIPE_KEY,
    FakeStripe,
    serve,
    stripe_event,
    stripe_signature,
)

WEBHOOK_SECRET = "whsec_test_0123456789"
PUBLISHABLE_KEY = "pk_test_fake_0123456789"


def stripe_settings(api_base: str) -> dict[str, Any]:
    return {
        "stripe_secret_key": STRIPE_KEY,
        "stripe_publishable_key": PUBLISHABLE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": api_base,
        "stripe_network_retries": 0,
    }


@pytest.fixture(autouse=True)
def _builtin_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIO_PAYMENTS_CATALOG", raising=False)


@pytest.fixture
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(
    request: pytest.FixtureRequest,
    app_factory: Callable[..., FastAPI],
    queue: RecordingQueue,
    fake_stripe: tuple[FakeStripe, str],
) -> FastAPI:
    """The service with a Stripe account (the fake), on SQLite and again on Postgres."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    return app_factory(database_url=url, queue=queue, **stripe_settings(fake_stripe[1]))


def buy(
    client: TestClient, account: Account, product_id: str = "trips_10", key: str = "buy-1"
) -> httpx.Response:
    return client.post(
        "/payments/create-intent",
        json={"product_id": product_id},
        headers={**account.headers, "Idempotency-Key": key},
    )


def intent_of(client: TestClient, account: Account, product_id: str = "trips_10") -> str:
    response = buy(client, account, product_id, key=f"buy-{product_id}")
    assert response.status_code == 200, response.text
    intent_id: str = response.json()["payment_intent_id"]
    return intent_id


def send_event(
    client: TestClient,
    event_type: str,
    obj: dict[str, Any],
    event_id: str = "",
    secret: str = WEBHOOK_SECRET,
) -> httpx.Response:
    payload = stripe_event(event_type, obj, event_id)
    signature = stripe_signature(payload, secret, int(time.time()))
    return client.post(
        "/webhooks/stripe",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def succeeded(fake: FakeStripe, intent_id: str) -> dict[str, Any]:
    """The intent as Stripe sends it in payment_intent.succeeded."""
    intent = dict(fake.intents[intent_id])
    intent.update(status="succeeded", amount_received=intent["amount"])
    return intent


def charge(fake: FakeStripe, intent_id: str) -> dict[str, Any]:
    """A refunded Charge: Stripe copies no intent metadata onto it."""
    amount = fake.intents[intent_id]["amount"]
    return {
        "id": f"ch_{intent_id[3:]}",
        "object": "charge",
        "payment_intent": intent_id,
        "amount": amount,
        "amount_refunded": amount,
        "currency": "usd",
        "metadata": {},
        "refunded": True,
    }


def dispute(fake: FakeStripe, intent_id: str) -> dict[str, Any]:
    return {
        "id": f"dp_{intent_id[3:]}",
        "object": "dispute",
        "payment_intent": intent_id,
        "charge": f"ch_{intent_id[3:]}",
        "amount": fake.intents[intent_id]["amount"],
        "currency": "usd",
        "reason": "fraudulent",
        "status": "needs_response",
    }


def balance(client: TestClient, account: Account) -> int:
    value: int = client.get("/me", headers=account.headers).json()["trips_balance"]
    return value


def payments(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get("/me/billing", headers=account.headers)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["payments"]
    return listed


# create-intent


def test_create_intent_answers_a_payable_intent_and_its_checkout_page(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    response = buy(client, alice, "trips_10", key="first-try")

    assert response.status_code == 200, response.text
    intent = response.json()
    assert (intent["amount"], intent["currency"], intent["product_id"]) == (999, "usd", "trips_10")
    assert intent["publishable_key"] == PUBLISHABLE_KEY
    assert intent["client_secret"] == fake.intents[intent["payment_intent_id"]]["client_secret"]
    headers, params = fake.requests[0]
    assert headers["Idempotency-Key"] == f"{alice.user_id}:first-try"
    assert params["metadata"] == {"user_id": alice.user_id, "product_id": "trips_10", "trips": "10"}

    url = urlsplit(intent["checkout_url"])
    assert url.path == f"/pay/{intent['payment_intent_id']}"
    assert url.fragment == intent["client_secret"]
    page = client.get(url.path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert PUBLISHABLE_KEY in page.text
    assert "https://js.stripe.com/v3/" in page.text
    assert intent["client_secret"] not in page.text
    assert client.get("/pay/pi_not_ours").status_code == 404

    [pending] = payments(client, alice)
    assert (pending["status"], pending["product_id"], pending["trips"]) == (
        "pending",
        "trips_10",
        10,
    )
    assert pending["reference"] == f"stripe:{intent['payment_intent_id']}"
    assert balance(client, alice) == 3


def test_same_idempotency_key_answers_the_same_intent(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    first = buy(client, alice, key="retry-me").json()
    again = buy(client, alice, key="retry-me").json()
    other = buy(client, alice, key="another-purchase").json()

    assert again == first
    assert other["payment_intent_id"] != first["payment_intent_id"]
    assert len(fake_stripe[0].intents) == 2
    assert len(payments(client, alice)) == 2
    reused = buy(client, alice, "trips_50", key="retry-me")
    assert assert_error(reused, 409, "idempotency_key_reused")["field"] == "Idempotency-Key"
    assert_error(
        client.post(
            "/payments/create-intent", json={"product_id": "trips_10"}, headers=alice.headers
        ),
        422,
        "validation_error",
    )


def test_unknown_product_is_refused_naming_it(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    error = assert_error(buy(client, alice, "trips_9000"), 404, "unknown_product")
    assert error["field"] == "product_id"
    assert "trips_9000" in error["message"]
    assert fake_stripe[0].intents == {}


def test_another_user_can_neither_see_nor_reuse_an_intent(
    client: TestClient, alice: Account, bob: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    alices = buy(client, alice, key="shared-key").json()
    bobs = buy(client, bob, key="shared-key").json()

    assert bobs["payment_intent_id"] != alices["payment_intent_id"]
    assert fake_stripe[0].intents[bobs["payment_intent_id"]]["metadata"]["user_id"] == bob.user_id
    own = client.get(f"/payments/{alices['payment_intent_id']}", headers=alice.headers)
    assert own.json()["status"] == "pending"
    assert_error(
        client.get(f"/payments/{alices['payment_intent_id']}", headers=bob.headers),
        404,
        "not_found",
    )
    assert [p["reference"] for p in payments(client, bob)] == [
        f"stripe:{bobs['payment_intent_id']}"
    ]


def test_without_stripe_create_intent_says_what_to_configure(
    app_factory: Callable[..., FastAPI],
) -> None:
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        account = sign_up(client)
        error = assert_error(buy(client, account), 503, "payments_unavailable")
        assert error["message"] == (
            "payments need a configured Stripe account (STUDIO_CLOUD_STRIPE_SECRET_KEY)"
        )
        assert client.get("/pay/pi_anything").status_code == 503


# The webhook


def test_succeeded_credits_once_however_often_it_is_delivered(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    intent_id = intent_of(client, alice)
    event = succeeded(fake, intent_id)

    first = send_event(client, "payment_intent.succeeded", event, event_id="evt_paid_1")
    assert (first.status_code, first.json()) == (200, {"outcome": "applied"})
    assert balance(client, alice) == 13
    replay = send_event(client, "payment_intent.succeeded", event, event_id="evt_paid_1")
    assert (replay.status_code, replay.json()) == (200, {"outcome": "replayed"})
    # A second event for the same intent (a resend under a new id) credits nothing either.
    assert send_event(client, "payment_intent.succeeded", event).status_code == 200
    assert balance(client, alice) == 13

    [paid] = payments(client, alice)
    assert (paid["status"], paid["amount"], paid["currency"]) == ("paid", 999, "usd")
    assert client.get(f"/payments/{intent_id}", headers=alice.headers).json()["status"] == "paid"


def test_bad_signature_is_refused_with_the_uniform_error(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    event = succeeded(fake_stripe[0], intent_of(client, alice))

    forged = send_event(client, "payment_intent.succeeded", event, secret="whsec_attacker")
    assert assert_error(forged, 400, "bad_signature")["field"] == "Stripe-Signature"
    payload = stripe_event("payment_intent.succeeded", event)
    unsigned = client.post("/webhooks/stripe", content=payload)
    assert_error(unsigned, 400, "bad_signature")
    old = stripe_signature(payload, WEBHOOK_SECRET, int(time.time()) - 3600)
    stale = client.post("/webhooks/stripe", content=payload, headers={"Stripe-Signature": old})
    assert_error(stale, 400, "bad_signature")
    assert balance(client, alice) == 3


def test_refund_takes_the_trips_back(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    intent_id = intent_of(client, alice)
    send_event(client, "payment_intent.succeeded", succeeded(fake, intent_id))
    assert balance(client, alice) == 13

    refunded = send_event(client, "charge.refunded", charge(fake, intent_id), event_id="evt_r")
    assert refunded.json() == {"outcome": "applied"}
    assert send_event(client, "charge.refunded", charge(fake, intent_id)).status_code == 200
    assert balance(client, alice) == 3
    [payment] = payments(client, alice)
    assert payment["status"] == "reversed"
    assert payment["reversed_at"] is not None


def test_dispute_finds_the_owner_by_the_intent(
    client: TestClient,
    alice: Account,
    bob: Account,
    fake_stripe: tuple[FakeStripe, str],
) -> None:
    fake, _ = fake_stripe
    alices = intent_of(client, alice)
    bobs = intent_of(client, bob)
    for intent_id in (alices, bobs):
        send_event(client, "payment_intent.succeeded", succeeded(fake, intent_id))

    disputed = send_event(client, "charge.dispute.created", dispute(fake, alices))
    assert disputed.json() == {"outcome": "applied"}
    assert (balance(client, alice), balance(client, bob)) == (3, 13)


def test_refund_before_its_payment_leaves_the_balance_unchanged(
    app: FastAPI, client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    intent_id = intent_of(client, alice)

    assert send_event(client, "charge.refunded", charge(fake, intent_id)).status_code == 200
    assert balance(client, alice) == 3
    paid = send_event(client, "payment_intent.succeeded", succeeded(fake, intent_id))
    assert paid.status_code == 200
    assert send_event(client, "payment_intent.succeeded", succeeded(fake, intent_id)).is_success

    assert balance(client, alice) == 3
    assert [p["status"] for p in payments(client, alice)] == ["reversed"]
    with app.state.service.db.session() as session:
        entries = session.scalars(
            select(TripEntry)
            .where(TripEntry.user_id == alice.user_id, TripEntry.kind != "grant")
            .order_by(TripEntry.balance_after.desc())
        ).all()
    assert [(e.kind, e.amount) for e in entries] == [("purchase", 10), ("refund", -10)]


def test_dispute_before_a_payment_the_service_has_not_seen_cancels_it_out(
    client: TestClient, alice: Account
) -> None:
    """No pending row to find the owner by: the dispute is kept until its payment arrives."""
    intent = {
        "id": "pi_unseen0001",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "metadata": {"user_id": alice.user_id, "product_id": "trips_10", "trips": "10"},
    }
    disputed = {"id": "dp_unseen0001", "object": "dispute", "payment_intent": intent["id"]}

    assert send_event(client, "charge.dispute.created", disputed).json() == {"outcome": "applied"}
    assert send_event(client, "payment_intent.succeeded", intent).json() == {"outcome": "applied"}

    assert balance(client, alice) == 3
    [payment] = payments(client, alice)
    assert (payment["reference"], payment["status"]) == ("stripe:pi_unseen0001", "reversed")


def test_pro_purchase_activates_pro_in_me_and_billing(
    client: TestClient, alice: Account, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    intent_id = intent_of(client, alice, "pro_month")
    assert client.get("/me", headers=alice.headers).json()["plan"] == "free"

    send_event(client, "payment_intent.succeeded", succeeded(fake, intent_id))

    me = client.get("/me", headers=alice.headers).json()
    assert (me["plan"], me["user"]["plan"], me["trips_balance"]) == ("pro", "pro", 33)
    billing = client.get("/me/billing", headers=alice.headers).json()
    assert billing["plan"] == "pro"
    [pro] = billing["subscriptions"]
    assert (pro["plan"], pro["status"]) == ("pro", "active")
    expected_end = datetime.now(UTC) + timedelta(days=30)
    assert abs(datetime.fromisoformat(pro["ends_at"]) - expected_end) < timedelta(minutes=5)
    assert [(p["product_id"], p["pro_days"], p["status"]) for p in billing["payments"]] == [
        ("pro_month", 30, "paid")
    ]

    send_event(client, "charge.refunded", charge(fake, intent_id))
    me = client.get("/me", headers=alice.headers).json()
    assert (me["plan"], me["trips_balance"]) == ("free", 3)
    assert client.get("/me/billing", headers=alice.headers).json()["subscriptions"] == []


def test_concurrent_deliveries_of_one_event_credit_once(
    app: FastAPI, alice: Account, client: TestClient, fake_stripe: tuple[FakeStripe, str]
) -> None:
    payload = stripe_event(
        "payment_intent.succeeded", succeeded(fake_stripe[0], intent_of(client, alice)), "evt_1"
    )
    headers = {"Stripe-Signature": stripe_signature(payload, WEBHOOK_SECRET, int(time.time()))}
    with RunningServer(app) as server, ThreadPoolExecutor(8) as pool:
        deliver = lambda _: httpx.post(  # noqa: E731
            f"{server.url}/webhooks/stripe", content=payload, headers=headers, timeout=30
        )
        answers = list(pool.map(deliver, range(8)))

    assert [a.status_code for a in answers] == [200] * 8
    assert sorted(a.json()["outcome"] for a in answers) == ["applied"] + ["replayed"] * 7
    assert balance(client, alice) == 13


def test_payment_settings_come_from_the_environment(tmp_path: Path) -> None:
    environ = {
        "STUDIO_CLOUD_STRIPE_SECRET_KEY": "sk_live_x",
        "STUDIO_CLOUD_STRIPE_PUBLISHABLE_KEY": "pk_live_x",
        "STUDIO_CLOUD_STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STUDIO_CLOUD_APPLE_ROOT_CERTIFICATE": str(tmp_path / "AppleRootCA-G3.cer"),
        "STUDIO_CLOUD_APPLE_ENVIRONMENT": "Sandbox",
        "STUDIO_CLOUD_APPLE_ONLINE_CHECKS": "false",
        "STUDIO_CLOUD_GOOGLE_PACKAGE_NAME": "com.example.studio",
    }
    settings = settings_from_env(environ)
    assert (settings.stripe_secret_key, settings.stripe_webhook_secret) == ("sk_live_x", "whsec_x")
    assert settings.apple_root_certificate == tmp_path / "AppleRootCA-G3.cer"
    assert (settings.apple_environment, settings.apple_online_checks) == ("Sandbox", False)
    with pytest.raises(SettingsError, match="STUDIO_CLOUD_APPLE_ENVIRONMENT"):
        settings_from_env({"STUDIO_CLOUD_APPLE_ENVIRONMENT": "Xcode"})
