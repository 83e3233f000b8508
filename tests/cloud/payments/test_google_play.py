"""Google Play purchase tokens, checked against local fakes of Google OAuth and the Publisher."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from studio.cloud.payments.google_play import (
    JWT_BEARER_GRANT,
    SCOPE,
    GooglePlayAuthError,
    GooglePlayUnavailableError,
    GooglePlayVerifier,
    PurchaseNotCompletedError,
    PurchaseNotFoundError,
    ServiceAccount,
)

from .fakes import FakeGoogle

PACKAGE = "com.example.studio"
PRODUCT = "studio.trips.10"
EMAIL = "play-verifier@studio-test.iam.gserviceaccount.com"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def account_json(signing_key: rsa.RSAPrivateKey, fake_google: tuple[FakeGoogle, str]) -> str:
    """A service-account key file as the Google Cloud console downloads it."""
    pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "studio-test",
            "private_key_id": "a1b2c3d4e5",
            "private_key": pem,
            "client_email": EMAIL,
            "client_id": "1234567890",
            "token_uri": f"{fake_google[1]}/token",
        }
    )


@pytest.fixture
def verifier(
    account_json: str, fake_google: tuple[FakeGoogle, str]
) -> Iterator[GooglePlayVerifier]:
    client = GooglePlayVerifier(
        ServiceAccount.from_json(account_json), PACKAGE, api_base=fake_google[1]
    )
    yield client
    client.close()


def test_purchased_token_verifies(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    resource = fake.add_purchase(
        PACKAGE, PRODUCT, "tok.en-1_abc", obfuscatedExternalAccountId="user-42", quantity=1
    )
    purchase = verifier.verify_product(PRODUCT, "tok.en-1_abc")

    assert purchase.order_id == resource["orderId"]
    assert purchase.reference == "google:tok.en-1_abc"
    assert (purchase.purchase_token, purchase.product_id) == ("tok.en-1_abc", PRODUCT)
    assert purchase.purchase_time == datetime(2024, 11, 23, 22, 13, 20, tzinfo=UTC)
    assert purchase.obfuscated_account_id == "user-42"
    assert (purchase.acknowledged, purchase.consumed, purchase.test_purchase) == (
        False,
        False,
        True,
    )


def test_cancelled_and_pending_purchases_are_refused(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    fake.add_purchase(PACKAGE, PRODUCT, "cancelled", purchaseState=1)
    fake.add_purchase(PACKAGE, PRODUCT, "pending", purchaseState=2)

    with pytest.raises(PurchaseNotCompletedError, match="cancelled") as cancelled:
        verifier.verify_product(PRODUCT, "cancelled")
    with pytest.raises(PurchaseNotCompletedError, match="pending") as pending:
        verifier.verify_product(PRODUCT, "pending")
    assert (cancelled.value.state, pending.value.state) == (1, 2)


def test_unknown_token_or_other_product_is_not_found(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake_google[0].add_purchase(PACKAGE, PRODUCT, "real-token")
    with pytest.raises(PurchaseNotFoundError):
        verifier.verify_product(PRODUCT, "made-up-token")
    with pytest.raises(PurchaseNotFoundError):
        verifier.verify_product("studio.trips.50", "real-token")


def test_assertion_is_a_valid_rs256_jwt_bearer_grant(
    verifier: GooglePlayVerifier,
    fake_google: tuple[FakeGoogle, str],
    signing_key: rsa.RSAPrivateKey,
) -> None:
    fake, base_url = fake_google
    fake.add_purchase(PACKAGE, PRODUCT, "t1")
    before = int(time.time())
    verifier.verify_product(PRODUCT, "t1")

    assert fake.grant_types == [JWT_BEARER_GRANT]
    assertion = fake.assertions[0]
    header = jwt.get_unverified_header(assertion)
    assert (header["alg"], header["kid"]) == ("RS256", "a1b2c3d4e5")
    claims = jwt.decode(
        assertion, signing_key.public_key(), algorithms=["RS256"], audience=f"{base_url}/token"
    )
    assert (claims["iss"], claims["scope"]) == (EMAIL, SCOPE)
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 3600


def test_assertion_signed_by_another_key_does_not_verify(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, base_url = fake_google
    fake.add_purchase(PACKAGE, PRODUCT, "t1")
    verifier.verify_product(PRODUCT, "t1")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            fake.assertions[0],
            other.public_key(),
            algorithms=["RS256"],
            audience=f"{base_url}/token",
        )


def test_access_token_is_reused_and_renewed_after_a_401(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    fake.add_purchase(PACKAGE, PRODUCT, "t1")
    verifier.verify_product(PRODUCT, "t1")
    verifier.verify_product(PRODUCT, "t1")
    assert len(fake.assertions) == 1

    fake.issued.clear()  # Google revoked the access token
    assert verifier.verify_product(PRODUCT, "t1").purchase_token == "t1"
    assert len(fake.assertions) == 2


def test_acknowledge_marks_the_purchase(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake_google[0].add_purchase(PACKAGE, PRODUCT, "t1")
    verifier.acknowledge(PRODUCT, "t1")
    assert verifier.verify_product(PRODUCT, "t1").acknowledged is True


def test_refused_service_account_is_an_auth_error(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    fake.add_purchase(PACKAGE, PRODUCT, "t1")
    fake.refuse_grants = True
    with pytest.raises(GooglePlayAuthError, match=EMAIL):
        verifier.verify_product(PRODUCT, "t1")


def test_unreachable_google_is_retryable(account_json: str) -> None:
    account = ServiceAccount.from_json(account_json)
    closed = GooglePlayVerifier(
        account, PACKAGE, api_base="http://127.0.0.1:9", token_uri="http://127.0.0.1:9/token"
    )
    with pytest.raises(GooglePlayUnavailableError):
        closed.verify_product(PRODUCT, "t1")
    closed.close()


def test_key_file_problems_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "play-key.json"
    broken.write_text('{"client_email": "x@y"}', encoding="utf-8")
    with pytest.raises(GooglePlayAuthError, match=r"play-key\.json: missing field 'private_key'"):
        ServiceAccount.from_file(broken)
    with pytest.raises(GooglePlayAuthError, match=r"missing\.json"):
        ServiceAccount.from_file(tmp_path / "missing.json")
    junk = ServiceAccount(client_email="x@y", private_key_pem="not a key")
    with pytest.raises(GooglePlayAuthError, match="private_key"):
        GooglePlayVerifier(junk, PACKAGE, token_uri="http://127.0.0.1:9/token").verify_product(
            PRODUCT, "t1"
        )


def test_voided_purchases_are_listed_across_pages(
    verifier: GooglePlayVerifier, fake_google: tuple[FakeGoogle, str]
) -> None:
    fake, _ = fake_google
    now_ms = int(time.time() * 1000)
    day_ms = 86_400_000
    for token, age_days in (("old", 3), ("refunded", 1), ("charged-back", 0)):
        fake.voided.append(
            {
                "kind": "androidpublisher#voidedPurchase",
                "purchaseToken": token,
                "orderId": f"GPA.{token}",
                "voidedTimeMillis": str(now_ms - age_days * day_ms),
                "voidedSource": 1,
                "voidedReason": 1,
            }
        )
    since = datetime.fromtimestamp((now_ms - 2 * day_ms) / 1000, tz=UTC)
    voided = verifier.voided_since(since)

    assert [v.reference for v in voided] == ["google:refunded", "google:charged-back"]
    assert voided[0].order_id == "GPA.refunded"
    assert voided[1].voided_time.timestamp() == pytest.approx(now_ms / 1000)
