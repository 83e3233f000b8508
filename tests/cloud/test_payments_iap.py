"""App Store and Google Play purchases through the service: Apple's JWS checked against a test
Apple PKI, Google's API answered by a local fake; on SQLite and on Postgres."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.cloud.conftest import Account, RecordingQueue, assert_error
from tests.cloud.payments.fakes import FakeGoogle, serve
from tests.cloud.payments.pki import (
    BUNDLE_ID,
    Chain,
    make_chain,
    notification_payload,
    sign_transaction,
    transaction_payload,
)

PACKAGE = "com.example.studio"


@pytest.fixture(autouse=True)
def _builtin_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIO_PAYMENTS_CATALOG", raising=False)


@pytest.fixture(scope="module")
def apple_chain() -> Chain:
    return make_chain()


@pytest.fixture
def fake_google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def store_settings(
    tmp_path: Path, apple_chain: Chain, fake_google: tuple[FakeGoogle, str]
) -> dict[str, Any]:
    """Apple's root and a Google service-account key as files, as an operator configures them."""
    root = tmp_path / "AppleRootCA-G3.cer"
    root.write_bytes(apple_chain.root.der)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    account = tmp_path / "play-key.json"
    account.write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": "verifier@studio-test.iam.gserviceaccount.com",
                "private_key": pem,
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return {
        "apple_root_certificate": root,
        "apple_bundle_id": BUNDLE_ID,
        "apple_environment": "Sandbox",
        "apple_online_checks": False,
        "google_service_account": account,
        "google_package_name": PACKAGE,
        "google_api_base": fake_google[1],
        "google_token_uri": f"{fake_google[1]}/token",
    }


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app(
    request: pytest.FixtureRequest,
    app_factory: Callable[..., FastAPI],
    queue: RecordingQueue,
    store_settings: dict[str, Any],
) -> FastAPI:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else ""
    return app_factory(database_url=url, queue=queue, **store_settings)


def app_account_token(account: Account) -> str:
    """What the iOS app passes as appAccountToken: the user's id as a UUID."""
    return str(uuid.UUID(hex=account.user_id))


def apple_purchase(chain: Chain, account: Account, transaction_id: str, **fields: Any) -> str:
    payload = transaction_payload(
        transactionId=transaction_id,
        originalTransactionId=transaction_id,
        appAccountToken=app_account_token(account),
        **fields,
    )
    return sign_transaction(chain, payload)


def verify(client: TestClient, account: Account, **body: Any) -> httpx.Response:
    return client.post("/iap/verify", json=body, headers=account.headers)


def balance(client: TestClient, account: Account) -> int:
    value: int = client.get("/me", headers=account.headers).json()["trips_balance"]
    return value


# Apple


def test_apple_transaction_credits_once(
    client: TestClient, alice: Account, apple_chain: Chain
) -> None:
    signed = apple_purchase(apple_chain, alice, "2000000900000101")

    first = verify(client, alice, platform="apple", signed_transaction=signed)
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["credited"], body["trips_balance"]) == (True, 13)
    payment = body["payment"]
    assert (payment["provider"], payment["reference"], payment["status"]) == (
        "apple",
        "apple:2000000900000101",
        "paid",
    )
    again = verify(client, alice, platform="apple", signed_transaction=signed).json()
    assert (again["credited"], again["trips_balance"]) == (False, 13)
    assert balance(client, alice) == 13
    listed = client.get("/me/billing", headers=alice.headers).json()["payments"]
    assert [p["product_id"] for p in listed] == ["trips_10"]


def test_apple_transaction_of_another_account_is_refused(
    client: TestClient, alice: Account, bob: Account, apple_chain: Chain
) -> None:
    alices = apple_purchase(apple_chain, alice, "2000000900000102")

    refused = verify(client, bob, platform="apple", signed_transaction=alices)
    assert_error(refused, 403, "forbidden")
    unbound = sign_transaction(
        apple_chain, transaction_payload(transactionId="2000000900000103", appAccountToken=None)
    )
    assert_error(
        verify(client, bob, platform="apple", signed_transaction=unbound), 403, "forbidden"
    )
    assert balance(client, bob) == 3
    # The rightful owner can still claim it.
    assert verify(client, alice, platform="apple", signed_transaction=alices).json()["credited"]


def test_apple_forged_or_unknown_purchases_are_refused(
    client: TestClient, alice: Account, apple_chain: Chain
) -> None:
    forged = apple_purchase(make_chain(), alice, "2000000900000104")
    error = assert_error(
        verify(client, alice, platform="apple", signed_transaction=forged), 400, "invalid_purchase"
    )
    assert error["field"] == "signed_transaction"
    unknown = apple_purchase(apple_chain, alice, "2000000900000105", productId="studio.gems")
    assert_error(
        verify(client, alice, platform="apple", signed_transaction=unknown), 422, "unknown_product"
    )
    assert balance(client, alice) == 3


def test_apple_refund_notification_reverses_the_purchase_once(
    client: TestClient, alice: Account, apple_chain: Chain
) -> None:
    transaction_id = "2000000900000106"
    verify(
        client,
        alice,
        platform="apple",
        signed_transaction=apple_purchase(apple_chain, alice, transaction_id),
    )
    assert balance(client, alice) == 13
    refunded = apple_purchase(
        apple_chain, alice, transaction_id, revocationDate=1_732_400_000_000, revocationReason=0
    )
    notification = sign_transaction(apple_chain, notification_payload("REFUND", refunded))

    first = client.post("/webhooks/iap/apple", json={"signedPayload": notification})
    assert (first.status_code, first.json()) == (200, {"outcome": "applied"})
    again = client.post("/webhooks/iap/apple", json={"signedPayload": notification})
    assert again.json() == {"outcome": "replayed"}
    assert balance(client, alice) == 3
    [payment] = client.get("/me/billing", headers=alice.headers).json()["payments"]
    assert payment["status"] == "reversed"
    # A refunded transaction cannot be verified into trips again.
    resent = verify(client, alice, platform="apple", signed_transaction=refunded)
    assert_error(resent, 409, "purchase_revoked")


def test_apple_notification_with_a_bad_signature_is_refused(
    client: TestClient, apple_chain: Chain
) -> None:
    forged = sign_transaction(make_chain(), notification_payload("TEST", None))
    response = client.post("/webhooks/iap/apple", json={"signedPayload": forged})
    assert assert_error(response, 400, "bad_signature")["field"] == "signedPayload"


# Google


def google_verify(client: TestClient, account: Account, token: str) -> httpx.Response:
    return verify(
        client, account, platform="google", product_id="studio.trips.10", purchase_token=token
    )


def test_google_purchase_credits_once_and_is_acknowledged(
    client: TestClient, alice: Account, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    resource = fake.add_purchase(
        PACKAGE, "studio.trips.10", "token-alice-1", obfuscatedExternalAccountId=alice.user_id
    )

    first = google_verify(client, alice, "token-alice-1")
    assert first.status_code == 200, first.text
    assert (first.json()["credited"], first.json()["trips_balance"]) == (True, 13)
    assert resource["acknowledgementState"] == 1
    again = google_verify(client, alice, "token-alice-1").json()
    assert (again["credited"], again["trips_balance"]) == (False, 13)
    assert again["payment"]["reference"] == "google:token-alice-1"


def test_google_purchase_of_another_account_or_unknown_is_refused(
    client: TestClient, alice: Account, bob: Account, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    fake.add_purchase(
        PACKAGE, "studio.trips.10", "token-alice-2", obfuscatedExternalAccountId=alice.user_id
    )
    fake.add_purchase(
        PACKAGE,
        "studio.trips.10",
        "token-pending",
        purchaseState=2,
        obfuscatedExternalAccountId=bob.user_id,
    )

    assert_error(google_verify(client, bob, "token-alice-2"), 403, "forbidden")
    assert_error(google_verify(client, bob, "token-pending"), 409, "purchase_not_completed")
    assert_error(google_verify(client, bob, "token-nobody"), 404, "not_found")
    assert balance(client, bob) == 3


def pubsub_push(notification: dict[str, Any], message_id: str) -> dict[str, Any]:
    """A Pub/Sub push delivery of a Play developer notification."""
    data = base64.b64encode(json.dumps(notification).encode()).decode()
    return {
        "message": {"data": data, "messageId": message_id, "attributes": {}},
        "subscription": "projects/studio-test/subscriptions/play",
    }


def test_google_voided_purchase_is_reversed_once_google_confirms_it(
    client: TestClient, alice: Account, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    fake.add_purchase(
        PACKAGE, "studio.trips.10", "token-alice-3", obfuscatedExternalAccountId=alice.user_id
    )
    google_verify(client, alice, "token-alice-3")
    notification = {
        "version": "1.0",
        "packageName": PACKAGE,
        "eventTimeMillis": "1732400000000",
        "voidedPurchaseNotification": {"purchaseToken": "token-alice-3", "productType": 2},
    }

    hint_only = client.post("/webhooks/iap/google", json=pubsub_push(notification, "m-1"))
    assert hint_only.json() == {"outcome": "ignored"}
    assert balance(client, alice) == 13

    fake.voided.append(
        {"purchaseToken": "token-alice-3", "voidedTimeMillis": str(int(time.time() * 1000))}
    )
    confirmed = client.post("/webhooks/iap/google", json=pubsub_push(notification, "m-2"))
    assert confirmed.json() == {"outcome": "applied"}
    assert balance(client, alice) == 3


def test_apple_charge_notification_credits_the_bound_account_once(
    client: TestClient, alice: Account, apple_chain: Chain
) -> None:
    """The app crashed before calling /iap/verify: Apple's notification credits instead."""
    signed = apple_purchase(apple_chain, alice, "2000000900000107")
    notification = sign_transaction(apple_chain, notification_payload("ONE_TIME_CHARGE", signed))

    applied = client.post("/webhooks/iap/apple", json={"signedPayload": notification})
    assert applied.json() == {"outcome": "applied"}
    assert balance(client, alice) == 13
    late = verify(client, alice, platform="apple", signed_transaction=signed).json()
    assert (late["credited"], late["trips_balance"]) == (False, 13)
