"""Stripe via the real SDK against a local fake API; webhooks signed as Stripe signs them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from studio.cloud.payments.catalog import DEFAULT_CATALOG
from studio.cloud.payments.events import PaymentEventKind
from studio.cloud.payments.stripe_payments import (
    StripePayments,
    StripeRejectedError,
    StripeUnavailableError,
    UnknownProductError,
    WebhookPayloadError,
    WebhookSignatureError,
)

from .fakes import STRIPE_KEY, FakeStripe, stripe_event, stripe_signature

SECRET = "whsec_test_0123456789abcdef"


def signed(payload: bytes, secret: str = SECRET, age_s: int = 0) -> str:
    return stripe_signature(payload, secret, int(time.time()) - age_s)


def succeeded_intent(**metadata: str) -> dict[str, Any]:
    return {
        "id": "pi_3Qabc",
        "object": "payment_intent",
        "amount": 999,
        "amount_received": 999,
        "currency": "usd",
        "status": "succeeded",
        "metadata": metadata,
    }


def test_create_intent_charges_the_catalog_price_with_metadata(
    payments: StripePayments, fake_stripe: tuple[FakeStripe, str]
) -> None:
    fake, _ = fake_stripe
    created = payments.create_intent("user-1", "trips_50", "key-abc")

    pack = DEFAULT_CATALOG.get("trips_50")
    assert pack is not None
    assert (created.amount, created.currency) == (pack.price_cents, pack.currency)
    assert created.client_secret.startswith(f"{created.payment_intent_id}_secret_")
    headers, params = fake.requests[0]
    assert headers["Idempotency-Key"] == "key-abc"
    assert params["amount"] == str(pack.price_cents)
    assert params["currency"] == pack.currency
    assert params["metadata"] == {"user_id": "user-1", "product_id": "trips_50", "trips": "50"}
    assert params["automatic_payment_methods"] == {"enabled": "true"}


def test_same_idempotency_key_returns_the_same_intent(
    payments: StripePayments, fake_stripe: tuple[FakeStripe, str]
) -> None:
    first = payments.create_intent("user-1", "trips_10", "retry-me")
    again = payments.create_intent("user-1", "trips_10", "retry-me")
    other = payments.create_intent("user-1", "trips_10", "another-key")

    assert again == first
    assert other.payment_intent_id != first.payment_intent_id
    assert len(fake_stripe[0].intents) == 2


def test_reused_key_for_another_product_is_refused(payments: StripePayments) -> None:
    payments.create_intent("user-1", "trips_10", "shared-key")
    with pytest.raises(StripeRejectedError, match="same parameters"):
        payments.create_intent("user-1", "pro_month", "shared-key")


def test_unknown_product_never_reaches_stripe(
    payments: StripePayments, fake_stripe: tuple[FakeStripe, str]
) -> None:
    with pytest.raises(UnknownProductError, match="trips_9000"):
        payments.create_intent("user-1", "trips_9000", "k")
    assert fake_stripe[0].requests == []


def test_wrong_api_key_is_a_rejection(fake_stripe: tuple[FakeStripe, str]) -> None:
    wrong = StripePayments(
        "sk_test_wrong", DEFAULT_CATALOG, api_base=fake_stripe[1], max_network_retries=0
    )
    with pytest.raises(StripeRejectedError, match="Invalid API Key"):
        wrong.create_intent("user-1", "trips_10", "k")


def test_unreachable_stripe_is_retryable() -> None:
    closed = StripePayments(
        STRIPE_KEY, DEFAULT_CATALOG, api_base="http://127.0.0.1:9", max_network_retries=0
    )
    with pytest.raises(StripeUnavailableError):
        closed.create_intent("user-1", "trips_10", "k")


def test_signed_success_credits_the_pack(payments: StripePayments) -> None:
    body = stripe_event(
        "payment_intent.succeeded",
        succeeded_intent(user_id="user-7", product_id="trips_10", trips="10"),
        event_id="evt_1",
    )
    event = payments.parse_webhook(body, signed(body), SECRET)

    assert event.kind is PaymentEventKind.CREDIT
    assert (event.event_id, event.payment_intent_id) == ("evt_1", "pi_3Qabc")
    assert event.reference == "stripe:pi_3Qabc"
    assert (event.user_id, event.trips, event.amount, event.currency) == ("user-7", 10, 999, "usd")
    assert event.product == DEFAULT_CATALOG.get("trips_10")


def test_an_intent_created_by_create_intent_round_trips(
    payments: StripePayments, fake_stripe: tuple[FakeStripe, str]
) -> None:
    created = payments.create_intent("user-3", "pro_month", "k-pro")
    intent = dict(fake_stripe[0].intents[created.payment_intent_id])
    intent.update(status="succeeded", amount_received=intent["amount"])
    body = stripe_event("payment_intent.succeeded", intent)

    event = payments.parse_webhook(body, signed(body), SECRET)

    assert event.kind is PaymentEventKind.CREDIT
    assert (event.user_id, event.payment_intent_id) == ("user-3", created.payment_intent_id)
    assert event.product is not None
    assert (event.product.id, event.product.pro_days, event.trips) == ("pro_month", 30, 30)


def test_bad_signature_is_refused(payments: StripePayments) -> None:
    body = stripe_event("payment_intent.succeeded", succeeded_intent(user_id="u", product_id="x"))
    with pytest.raises(WebhookSignatureError, match="Stripe-Signature"):
        payments.parse_webhook(body, signed(body, secret="whsec_someone_else"), SECRET)


def test_tampered_body_is_refused(payments: StripePayments) -> None:
    body = stripe_event(
        "payment_intent.succeeded", succeeded_intent(user_id="u1", product_id="trips_10")
    )
    header = signed(body)
    with pytest.raises(WebhookSignatureError):
        payments.parse_webhook(body.replace(b'"u1"', b'"u2"'), header, SECRET)


@pytest.mark.parametrize("header", ["", "garbage", "t=123"])
def test_malformed_or_missing_header_is_refused(payments: StripePayments, header: str) -> None:
    body = stripe_event("payment_intent.succeeded", succeeded_intent())
    with pytest.raises(WebhookSignatureError):
        payments.parse_webhook(body, header, SECRET)


def test_stale_timestamp_is_refused(payments: StripePayments) -> None:
    body = stripe_event(
        "payment_intent.succeeded", succeeded_intent(user_id="u1", product_id="trips_10")
    )
    with pytest.raises(WebhookSignatureError, match="tolerance"):
        payments.parse_webhook(body, signed(body, age_s=payments.tolerance_s + 60), SECRET)
    assert payments.parse_webhook(body, signed(body, age_s=60), SECRET).kind is (
        PaymentEventKind.CREDIT
    )


def test_refund_reverses_the_intent(payments: StripePayments) -> None:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 999,
        "amount_refunded": 999,
        "refunded": True,
        "currency": "usd",
        "payment_intent": "pi_3Qabc",
        "metadata": {"user_id": "user-7", "product_id": "trips_10", "trips": "10"},
    }
    body = stripe_event("charge.refunded", charge, event_id="evt_refund")
    event = payments.parse_webhook(body, signed(body), SECRET)

    assert event.kind is PaymentEventKind.REVERSE
    assert (event.event_id, event.payment_intent_id) == ("evt_refund", "pi_3Qabc")
    assert event.reference == "stripe:pi_3Qabc"
    assert (event.user_id, event.trips, event.amount) == ("user-7", 10, 999)


def test_dispute_reverses_the_intent_without_metadata(payments: StripePayments) -> None:
    dispute = {
        "id": "dp_1",
        "object": "dispute",
        "amount": 999,
        "currency": "usd",
        "charge": "ch_1",
        "payment_intent": "pi_3Qabc",
        "reason": "fraudulent",
        "status": "needs_response",
        "metadata": {},
    }
    body = stripe_event("charge.dispute.created", dispute)
    event = payments.parse_webhook(body, signed(body), SECRET)

    assert event.kind is PaymentEventKind.REVERSE
    assert event.payment_intent_id == "pi_3Qabc"
    assert (event.user_id, event.product, event.amount) == (None, None, 999)


@pytest.mark.parametrize("event_type", ["customer.created", "payment_intent.created"])
def test_other_events_are_ignored(payments: StripePayments, event_type: str) -> None:
    body = stripe_event(event_type, {"id": "x_1", "object": "thing"}, event_id="evt_other")
    event = payments.parse_webhook(body, signed(body), SECRET)
    assert (event.kind, event.event_id, event.event_type) == (
        PaymentEventKind.IGNORED,
        "evt_other",
        event_type,
    )


def test_success_without_our_metadata_is_ignored(payments: StripePayments) -> None:
    body = stripe_event("payment_intent.succeeded", succeeded_intent())
    assert payments.parse_webhook(body, signed(body), SECRET).kind is PaymentEventKind.IGNORED


def test_success_for_a_product_no_longer_sold_is_an_error(payments: StripePayments) -> None:
    body = stripe_event(
        "payment_intent.succeeded", succeeded_intent(user_id="u1", product_id="gone_pack")
    )
    with pytest.raises(UnknownProductError, match="gone_pack"):
        payments.parse_webhook(body, signed(body), SECRET)


def test_signed_body_that_is_not_json_is_a_payload_error(payments: StripePayments) -> None:
    body = b"not json at all"
    with pytest.raises(WebhookPayloadError):
        payments.parse_webhook(body, signed(body), SECRET)


def test_success_without_recorded_trips_credits_the_catalog_pack(payments: StripePayments) -> None:
    body = stripe_event(
        "payment_intent.succeeded", succeeded_intent(user_id="u1", product_id="trips_50")
    )
    event = payments.parse_webhook(body, signed(body), SECRET)
    assert (event.kind, event.trips) == (PaymentEventKind.CREDIT, 50)
