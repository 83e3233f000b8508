"""App Store signed transactions: a test Apple PKI signs JWS the way the App Store does."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from studio.cloud.payments.apple import (
    AppleConfig,
    AppleEnvironment,
    AppleRetryableError,
    AppleSignatureError,
    AppleTransactionRevokedError,
    AppleVerificationError,
    AppleVerifier,
    AppleWrongAppError,
    load_root_certificate,
)
from studio.cloud.payments.events import PaymentEventKind

from .fakes import serve
from .pki import (
    BUNDLE_ID,
    Chain,
    FakeOCSP,
    issue,
    make_chain,
    notification_payload,
    sign_transaction,
    transaction_payload,
)


def verifier_for(chain: Chain, **overrides: object) -> AppleVerifier:
    settings: dict[str, object] = {
        "root_certificates": (chain.root.der,),
        "bundle_id": BUNDLE_ID,
        "environment": AppleEnvironment.SANDBOX,
        "online_checks": False,
    }
    settings.update(overrides)
    return AppleVerifier(AppleConfig(**settings))  # type: ignore[arg-type]


def test_valid_chain_verifies_and_returns_the_transaction(apple_chain: Chain) -> None:
    payload = transaction_payload(transactionId="2000000900000001", quantity=2)
    transaction = verifier_for(apple_chain).verify_transaction(
        sign_transaction(apple_chain, payload)
    )

    assert transaction.transaction_id == "2000000900000001"
    assert transaction.original_transaction_id == payload["originalTransactionId"]
    assert transaction.product_id == "studio.trips.10"
    assert transaction.purchase_date == datetime.fromtimestamp(
        payload["purchaseDate"] / 1000, tz=UTC
    )
    assert transaction.environment is AppleEnvironment.SANDBOX
    assert (transaction.quantity, transaction.app_account_token) == (2, payload["appAccountToken"])


def test_leaf_signed_by_another_ca_is_refused(apple_chain: Chain) -> None:
    impostor = make_chain()
    # The impostor even lists the genuine root last in x5c; only the configured root is trusted.
    forged = Chain(apple_chain.root, impostor.intermediate, impostor.leaf)
    with pytest.raises(AppleSignatureError, match="verification_failure"):
        verifier_for(apple_chain).verify_transaction(
            sign_transaction(forged, transaction_payload())
        )


def test_expired_leaf_is_refused(apple_chain: Chain) -> None:
    now = datetime.now(UTC)
    expired = make_chain(
        apple_chain.root,
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )
    with pytest.raises(AppleSignatureError):
        verifier_for(apple_chain).verify_transaction(
            sign_transaction(expired, transaction_payload())
        )


def test_expired_leaf_is_accepted_for_a_transaction_signed_while_it_was_valid(
    apple_chain: Chain,
) -> None:
    """Offline, Apple's rule is to check the chain at the transaction's signed date."""
    now = datetime.now(UTC)
    expired = make_chain(
        apple_chain.root, not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
    )
    signed_ms = int((now - timedelta(days=2)).timestamp() * 1000)
    payload = transaction_payload(signedDate=signed_ms)
    transaction = verifier_for(apple_chain).verify_transaction(sign_transaction(expired, payload))
    assert transaction.transaction_id == payload["transactionId"]


def test_tampered_payload_is_refused(apple_chain: Chain) -> None:
    header, _, signature = sign_transaction(apple_chain, transaction_payload()).split(".")
    richer = transaction_payload(productId="studio.trips.50", quantity=99)
    body = base64.urlsafe_b64encode(json.dumps(richer).encode()).rstrip(b"=").decode()
    with pytest.raises(AppleSignatureError):
        verifier_for(apple_chain).verify_transaction(f"{header}.{body}.{signature}")


def test_chain_without_apple_marker_is_refused(apple_chain: Chain) -> None:
    plain_intermediate = issue("Not Apple WWDR", apple_chain.root, ca=True)
    plain = Chain(apple_chain.root, plain_intermediate, make_chain(apple_chain.root).leaf)
    unmarked_leaf = issue("Some leaf", apple_chain.intermediate, ca=False)
    for chain in (plain, Chain(apple_chain.root, apple_chain.intermediate, unmarked_leaf)):
        with pytest.raises(AppleSignatureError):
            verifier_for(apple_chain).verify_transaction(
                sign_transaction(chain, transaction_payload())
            )


def test_another_apps_transaction_is_refused(apple_chain: Chain) -> None:
    token = sign_transaction(apple_chain, transaction_payload(bundleId="com.other.app"))
    with pytest.raises(AppleWrongAppError, match="invalid_app_identifier"):
        verifier_for(apple_chain).verify_transaction(token)


def test_production_verifier_refuses_sandbox_transaction(apple_chain: Chain) -> None:
    verifier = verifier_for(
        apple_chain, environment=AppleEnvironment.PRODUCTION, app_apple_id=1234567890
    )
    with pytest.raises(AppleWrongAppError, match="invalid_environment"):
        verifier.verify_transaction(sign_transaction(apple_chain, transaction_payload()))


def test_revoked_transaction_is_refused(apple_chain: Chain) -> None:
    token = sign_transaction(
        apple_chain, transaction_payload(revocationDate=1_732_400_000_000, revocationReason=0)
    )
    with pytest.raises(AppleTransactionRevokedError, match="revoked"):
        verifier_for(apple_chain).verify_transaction(token)


def test_not_a_jws_is_refused(apple_chain: Chain) -> None:
    with pytest.raises(AppleSignatureError):
        verifier_for(apple_chain).verify_transaction("not.a.jws")


def test_configuration_mistakes_are_named(apple_chain: Chain, tmp_path: Path) -> None:
    with pytest.raises(AppleVerificationError, match="root certificate"):
        verifier_for(apple_chain, root_certificates=())
    with pytest.raises(AppleVerificationError, match="app_apple_id"):
        verifier_for(apple_chain, environment=AppleEnvironment.PRODUCTION)
    junk = tmp_path / "AppleRootCA-G3.cer"
    junk.write_bytes(b"not a certificate")
    with pytest.raises(AppleVerificationError, match=r"AppleRootCA-G3\.cer"):
        load_root_certificate(junk)


def test_root_loads_from_der_or_pem(apple_chain: Chain, tmp_path: Path) -> None:
    der, pem = tmp_path / "root.cer", tmp_path / "root.pem"
    der.write_bytes(apple_chain.root.der)
    pem.write_bytes(apple_chain.root.certificate.public_bytes(Encoding.PEM))
    assert load_root_certificate(der) == load_root_certificate(pem) == apple_chain.root.der


@pytest.fixture
def ocsp_chain() -> Iterator[tuple[Chain, FakeOCSP]]:
    """A chain whose certificates name a local OCSP responder, as production ones name Apple's."""
    responder = FakeOCSP(make_chain())
    with serve(responder) as base_url:
        chain = make_chain(ocsp_url=f"{base_url}/ocsp")
        responder.chain = chain
        yield chain, responder


def test_online_check_asks_ocsp_for_leaf_and_intermediate(
    ocsp_chain: tuple[Chain, FakeOCSP],
) -> None:
    chain, responder = ocsp_chain
    verifier = verifier_for(chain, online_checks=True)
    transaction = verifier.verify_transaction(sign_transaction(chain, transaction_payload()))

    assert transaction.product_id == "studio.trips.10"
    assert sorted(responder.asked) == sorted(
        [chain.leaf.certificate.serial_number, chain.intermediate.certificate.serial_number]
    )


def test_online_check_refuses_a_revoked_leaf(ocsp_chain: tuple[Chain, FakeOCSP]) -> None:
    chain, responder = ocsp_chain
    responder.revoked.add(chain.leaf.certificate.serial_number)
    with pytest.raises(AppleSignatureError, match="verification_failure"):
        verifier_for(chain, online_checks=True).verify_transaction(
            sign_transaction(chain, transaction_payload())
        )


def test_unreachable_ocsp_is_retryable() -> None:
    chain = make_chain(ocsp_url="http://127.0.0.1:9/ocsp")
    with pytest.raises(AppleRetryableError, match="retryable"):
        verifier_for(chain, online_checks=True).verify_transaction(
            sign_transaction(chain, transaction_payload())
        )


def test_refund_notification_reverses_the_transaction(apple_chain: Chain) -> None:
    refunded = sign_transaction(
        apple_chain, transaction_payload(revocationDate=1_732_400_000_000, revocationReason=0)
    )
    payload = notification_payload("REFUND", refunded)
    notification = verifier_for(apple_chain).verify_notification(
        sign_transaction(apple_chain, payload)
    )

    assert notification.kind is PaymentEventKind.REVERSE
    assert notification.notification_uuid == payload["notificationUUID"]
    assert notification.transaction is not None
    assert notification.transaction.revoked is True
    assert notification.transaction.reference == "apple:2000000812345678"


def test_one_time_charge_notification_credits(apple_chain: Chain) -> None:
    charge = sign_transaction(apple_chain, transaction_payload(transactionId="2000000900000009"))
    notification = verifier_for(apple_chain).verify_notification(
        sign_transaction(apple_chain, notification_payload("ONE_TIME_CHARGE", charge))
    )
    assert notification.kind is PaymentEventKind.CREDIT
    assert notification.transaction is not None
    assert notification.transaction.transaction_id == "2000000900000009"


def test_test_notification_is_ignored(apple_chain: Chain) -> None:
    notification = verifier_for(apple_chain).verify_notification(
        sign_transaction(apple_chain, notification_payload("TEST", None))
    )
    assert (notification.kind, notification.transaction) == (PaymentEventKind.IGNORED, None)
    assert notification.notification_type == "TEST"


def test_notification_for_another_app_is_refused(apple_chain: Chain) -> None:
    charge = sign_transaction(apple_chain, transaction_payload())
    payload = notification_payload("ONE_TIME_CHARGE", charge, bundleId="com.other.app")
    with pytest.raises(AppleWrongAppError):
        verifier_for(apple_chain).verify_notification(sign_transaction(apple_chain, payload))


def test_notification_signed_by_another_ca_is_refused(apple_chain: Chain) -> None:
    impostor = make_chain()
    refund = sign_transaction(impostor, transaction_payload(revocationDate=1_732_400_000_000))
    with pytest.raises(AppleSignatureError):
        verifier_for(apple_chain).verify_notification(
            sign_transaction(impostor, notification_payload("REFUND", refund))
        )


def test_genuine_notification_carrying_a_forged_transaction_is_refused(
    apple_chain: Chain,
) -> None:
    forged = sign_transaction(make_chain(), transaction_payload())
    with pytest.raises(AppleSignatureError):
        verifier_for(apple_chain).verify_notification(
            sign_transaction(apple_chain, notification_payload("ONE_TIME_CHARGE", forged))
        )
