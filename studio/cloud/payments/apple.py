"""App Store in-app purchases: verify a signed transaction (JWS) that the iOS app sends us.

Verification is Apple's own App Store Server Library: it checks the x5c chain in the JWS header
up to the configured Apple root (signatures, validity dates at the transaction's signed date,
Apple's marker extensions on the leaf and intermediate, optionally OCSP revocation online), then
the leaf's ES256 signature over the JWS. We add the checks that matter to a ledger: the bundle and
environment are ours, the transaction is not revoked, and the fields we key on are present.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from appstoreserverlibrary.models.Environment import Environment
from appstoreserverlibrary.signed_data_verifier import (
    SignedDataVerifier,
    VerificationException,
    VerificationStatus,
)
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from studio.cloud.payments.events import PaymentEventKind


class AppleVerificationError(Exception):
    """Base of every error this module raises: the transaction must not be credited."""


class AppleSignatureError(AppleVerificationError):
    """The JWS or its certificate chain does not verify against the configured Apple root."""


class AppleWrongAppError(AppleVerificationError):
    """A genuine transaction, but for another app bundle or another environment."""


class AppleRetryableError(AppleVerificationError):
    """Apple's OCSP responder could not be reached; verifying again later may succeed."""


class AppleTransactionRevokedError(AppleVerificationError):
    """Apple refunded or revoked the transaction."""


class AppleEnvironment(StrEnum):
    """Only the environments Apple signs; Xcode and local-testing data is not verifiable."""

    PRODUCTION = "Production"
    SANDBOX = "Sandbox"


@dataclass(frozen=True)
class AppleConfig:
    """``root_certificates`` are DER bytes of Apple's roots (AppleRootCA-G3.cer in production).

    ``online_checks`` asks Apple's OCSP responders whether a certificate in the chain was revoked;
    keep it on in production. Without it the chain is checked at the transaction's signed date.
    """

    root_certificates: tuple[bytes, ...]
    bundle_id: str
    environment: AppleEnvironment
    app_apple_id: int | None = None
    online_checks: bool = True


@dataclass(frozen=True)
class AppleTransaction:
    """A verified purchase. ``transaction_id`` is the process-once key for the ledger."""

    transaction_id: str
    original_transaction_id: str
    product_id: str
    purchase_date: datetime
    environment: AppleEnvironment
    quantity: int
    app_account_token: str | None
    """The UUID the app attached at purchase (set it to the user's id to bind the purchase)."""
    revoked: bool = False

    @property
    def reference(self) -> str:
        """The ledger reference of this purchase, namespaced so stores cannot collide."""
        return f"apple:{self.transaction_id}"


@dataclass(frozen=True)
class AppleNotification:
    """An App Store Server Notification (V2). ``notification_uuid`` is its process-once key;
    the credit or reversal itself is keyed by ``transaction.reference``."""

    notification_uuid: str
    notification_type: str
    subtype: str | None
    kind: PaymentEventKind
    transaction: AppleTransaction | None


def load_root_certificate(path: Path) -> bytes:
    """Read a root certificate as Apple publishes it (DER ``.cer``) or as PEM; return DER."""
    data = path.read_bytes()
    try:
        certificate = (
            x509.load_pem_x509_certificate(data)
            if data.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(data)
        )
    except ValueError as error:
        raise AppleVerificationError(f"{path}: not an X.509 certificate ({error})") from error
    return certificate.public_bytes(Encoding.DER)


_STATUS_ERRORS: dict[VerificationStatus, type[AppleVerificationError]] = {
    VerificationStatus.INVALID_APP_IDENTIFIER: AppleWrongAppError,
    VerificationStatus.INVALID_ENVIRONMENT: AppleWrongAppError,
    VerificationStatus.RETRYABLE_VERIFICATION_FAILURE: AppleRetryableError,
}

NOTIFICATION_KINDS = {
    "ONE_TIME_CHARGE": PaymentEventKind.CREDIT,
    "REFUND": PaymentEventKind.REVERSE,
    "REVOKE": PaymentEventKind.REVERSE,
}
"""Refund reversals and the rest change no trips: a refunded credit stays taken back."""


class AppleVerifier:
    """Verifies signed transactions for one app; reusable and cheap to call."""

    def __init__(self, config: AppleConfig) -> None:
        if not config.root_certificates:
            raise AppleVerificationError("no Apple root certificate is configured")
        if config.environment is AppleEnvironment.PRODUCTION and config.app_apple_id is None:
            raise AppleVerificationError("app_apple_id is required in the Production environment")
        self.config = config
        self._verifier = SignedDataVerifier(
            root_certificates=list(config.root_certificates),
            enable_online_checks=config.online_checks,
            environment=Environment(config.environment.value),
            bundle_id=config.bundle_id,
            app_apple_id=config.app_apple_id,
        )

    def verify_transaction(self, signed_transaction: str) -> AppleTransaction:
        """The purchase inside ``signed_transaction``, or a typed error saying why not.

        A revoked (refunded) transaction is an error here: it must never be credited.
        """
        transaction = self._transaction(signed_transaction)
        if transaction.revoked:
            raise AppleTransactionRevokedError(
                f"transaction {transaction.transaction_id} was revoked by Apple"
            )
        return transaction

    def verify_notification(self, signed_payload: str) -> AppleNotification:
        """Verify an App Store Server Notification and the transaction it carries."""
        try:
            decoded = self._verifier.verify_and_decode_notification(signed_payload)
        except VerificationException as error:
            raise _refusal(error) from error
        if decoded.notificationUUID is None or decoded.rawNotificationType is None:
            raise AppleSignatureError("notification lacks notificationUUID or notificationType")
        signed_transaction = decoded.data.signedTransactionInfo if decoded.data else None
        transaction = self._transaction(signed_transaction) if signed_transaction else None
        kind = NOTIFICATION_KINDS.get(decoded.rawNotificationType, PaymentEventKind.IGNORED)
        return AppleNotification(
            notification_uuid=decoded.notificationUUID,
            notification_type=decoded.rawNotificationType,
            subtype=decoded.rawSubtype,
            kind=kind if transaction else PaymentEventKind.IGNORED,
            transaction=transaction,
        )

    def _transaction(self, signed_transaction: str) -> AppleTransaction:
        try:
            payload = self._verifier.verify_and_decode_signed_transaction(signed_transaction)
        except VerificationException as error:
            raise _refusal(error) from error
        if (
            payload.transactionId is None
            or payload.originalTransactionId is None
            or payload.productId is None
            or payload.purchaseDate is None
        ):
            raise AppleSignatureError(
                "signed transaction lacks transactionId, originalTransactionId, productId "
                "or purchaseDate"
            )
        return AppleTransaction(
            transaction_id=payload.transactionId,
            original_transaction_id=payload.originalTransactionId,
            product_id=payload.productId,
            purchase_date=datetime.fromtimestamp(payload.purchaseDate / 1000, tz=UTC),
            environment=self.config.environment,
            quantity=payload.quantity or 1,
            app_account_token=payload.appAccountToken,
            revoked=payload.revocationDate is not None,
        )


def _refusal(error: VerificationException) -> AppleVerificationError:
    kind = _STATUS_ERRORS.get(error.status, AppleSignatureError)
    return kind(f"signed data refused: {error.status.name.lower()}")
