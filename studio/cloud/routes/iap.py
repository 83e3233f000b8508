"""In-app purchases: the mobile app's receipts (``/iap/verify``) and the stores' notifications.

A receipt is credited only after the store's own proof: Apple's signed transaction checked up to
Apple's root, or Google's Android Publisher API asked with our service account. The purchase
must carry the caller's id (Apple's appAccountToken, Google's obfuscatedAccountId), so a receipt
copied from another account is refused. Each purchase credits once, however often it is sent.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studio.cloud import billing
from studio.cloud.errors import ApiError, ErrorBody
from studio.cloud.models import User
from studio.cloud.payments.apple import (
    AppleNotification,
    AppleRetryableError,
    AppleTransaction,
    AppleTransactionRevokedError,
    AppleVerificationError,
    AppleVerifier,
)
from studio.cloud.payments.catalog import Product
from studio.cloud.payments.events import PaymentEventKind
from studio.cloud.payments.google_play import (
    VOIDED_WINDOW,
    GooglePlayAuthError,
    GooglePlayError,
    GooglePlayUnavailableError,
    GooglePlayVerifier,
    GooglePurchase,
    PurchaseNotCompletedError,
    PurchaseNotFoundError,
)
from studio.cloud.schemas import (
    AppleVerifyBody,
    GoogleVerifyBody,
    IapResult,
    PaymentOut,
    WebhookResult,
)
from studio.cloud.service import CallerDep, Service, ServiceDep
from studio.cloud.stores import APPLE_MISSING, GOOGLE_MISSING

router = APIRouter(tags=["payments"])
log = logging.getLogger(__name__)

GOOGLE_PURCHASED = 1
"""oneTimeProductNotification.notificationType ONE_TIME_PRODUCT_PURCHASED."""

VerifyBody = Annotated[AppleVerifyBody | GoogleVerifyBody, Field(discriminator="platform")]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def _apple(service: Service) -> AppleVerifier:
    if service.stores.apple is None:
        raise ApiError(503, "payments_unavailable", APPLE_MISSING)
    return service.stores.apple


def _google(service: Service) -> GooglePlayVerifier:
    if service.stores.google is None:
        raise ApiError(503, "payments_unavailable", GOOGLE_MISSING)
    return service.stores.google


def _not_yours() -> ApiError:
    return ApiError(403, "forbidden", "this purchase was made for another account")


def _unknown_store_product(product_id: str) -> ApiError:
    return ApiError(
        422, "unknown_product", f"product {product_id!r} is not in the catalog", field="product_id"
    )


def _apple_token_user(transaction: AppleTransaction) -> str | None:
    """The user id the app bound the purchase to (a UUID whose hex is our id)."""
    try:
        return uuid.UUID(transaction.app_account_token or "").hex
    except ValueError:
        return None


@router.post("/iap/verify", responses=_errors(400, 401, 403, 404, 409, 422, 503))
def verify_iap(
    body: Annotated[VerifyBody, Body()], caller: CallerDep, service: ServiceDep
) -> IapResult:
    """Credit an App Store or Google Play purchase to the caller, once per transaction.

    Apple: ``{"platform": "apple", "signed_transaction"}``. Google: ``{"platform": "google",
    "product_id", "purchase_token"}``. 403 when the purchase was bound to another account.
    """
    unacknowledged: GoogleVerifyBody | None = None
    if isinstance(body, AppleVerifyBody):
        purchase = _verified_apple(service, caller.user_id, body.signed_transaction)
    else:
        product, google = _verified_google(service, caller.user_id, body)
        purchase = billing.Purchase(
            provider="google",
            reference=google.reference,
            user_id=caller.user_id,
            product=product,
            trips=product.trips * google.quantity,
        )
        unacknowledged = None if google.acknowledged else body
    try:
        with service.db.session() as session:
            payment, credited = billing.credit(session, purchase)
            user = session.get_one(User, caller.user_id)
            result = IapResult(
                payment=PaymentOut.model_validate(payment, from_attributes=True),
                credited=credited,
                trips_balance=user.trips_balance,
                plan="pro" if billing.effective_plan(user) == "pro" else "free",
            )
    except billing.PaymentOwnerMismatch:
        raise _not_yours() from None
    if unacknowledged is not None:
        _acknowledge(service, unacknowledged.product_id, unacknowledged.purchase_token)
    return result


def _verified_apple(service: Service, user_id: str, signed_transaction: str) -> billing.Purchase:
    try:
        transaction = _apple(service).verify_transaction(signed_transaction)
    except AppleRetryableError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    except AppleTransactionRevokedError as error:
        raise ApiError(409, "purchase_revoked", str(error)) from None
    except AppleVerificationError as error:
        raise ApiError(400, "invalid_purchase", str(error), field="signed_transaction") from None
    if _apple_token_user(transaction) != user_id:
        raise _not_yours()
    product = service.stores.catalog.by_apple_product(transaction.product_id)
    if product is None:
        raise _unknown_store_product(transaction.product_id)
    return billing.Purchase(
        provider="apple",
        reference=transaction.reference,
        user_id=user_id,
        product=product,
        trips=product.trips * transaction.quantity,
    )


def _verified_google(
    service: Service, user_id: str, body: GoogleVerifyBody
) -> tuple[Product, GooglePurchase]:
    verifier = _google(service)
    product = service.stores.catalog.by_google_product(body.product_id)
    if product is None:
        raise _unknown_store_product(body.product_id)
    try:
        purchase = verifier.verify_product(body.product_id, body.purchase_token)
    except PurchaseNotFoundError as error:
        raise ApiError(404, "not_found", str(error), field="purchase_token") from None
    except PurchaseNotCompletedError as error:
        raise ApiError(409, "purchase_not_completed", str(error)) from None
    except (GooglePlayUnavailableError, GooglePlayAuthError) as error:
        log.error("Google Play verification failed: %s", error)
        raise ApiError(503, "store_unavailable", "Google Play cannot be asked right now") from None
    if purchase.obfuscated_account_id != user_id:
        raise _not_yours()
    return product, purchase


def _acknowledge(service: Service, product_id: str, purchase_token: str) -> None:
    """Tell Google the purchase was delivered; a failure is retried by the app's next verify
    (which credits nothing twice), so it does not fail this one."""
    try:
        _google(service).acknowledge(product_id, purchase_token)
    except GooglePlayError as error:
        log.warning("could not acknowledge a Play purchase: %s", error)


# Store notifications


class AppleNotificationBody(BaseModel):
    """What the App Store posts: its signed notification (ResponseBodyV2)."""

    model_config = ConfigDict(extra="ignore")

    signedPayload: str = Field(min_length=1, max_length=100_000)


class PubSubMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    data: str = Field(default="", max_length=100_000)
    messageId: str = Field(min_length=1, max_length=200)


class PubSubPush(BaseModel):
    """A Google Cloud Pub/Sub push delivery of a Play real-time developer notification."""

    model_config = ConfigDict(extra="ignore")

    message: PubSubMessage
    subscription: str = ""


@router.post("/webhooks/iap/{platform}", responses=_errors(400, 422, 503))
def iap_webhook(
    platform: Literal["apple", "google"],
    body: Annotated[dict[str, Any], Body()],
    service: ServiceDep,
) -> WebhookResult:
    """App Store Server Notifications V2 (``apple``: ``{"signedPayload"}``, verified like a
    transaction) and Play real-time notifications by Pub/Sub push (``google``), which are only
    hints: each is checked with Google's API before anything changes."""
    try:
        if platform == "apple":
            return _apple_notification(service, AppleNotificationBody.model_validate(body))
        return _google_notification(service, PubSubPush.model_validate(body))
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ApiError(422, "validation_error", f"{field}: {first['msg']}", field=field) from None


def _apple_notification(service: Service, body: AppleNotificationBody) -> WebhookResult:
    try:
        notification = _apple(service).verify_notification(body.signedPayload)
    except AppleRetryableError as error:
        raise ApiError(503, "store_unavailable", str(error)) from None
    except AppleVerificationError as error:
        raise ApiError(400, "bad_signature", str(error), field="signedPayload") from None
    try:
        with service.db.session() as session:
            if not billing.first_time(
                session, "apple", notification.notification_uuid, notification.notification_type
            ):
                return WebhookResult(outcome="replayed")
            return _apply_apple(service, session, notification)
    except IntegrityError:
        return WebhookResult(outcome="replayed")


def _apply_apple(
    service: Service, session: Session, notification: AppleNotification
) -> WebhookResult:
    transaction = notification.transaction
    if transaction is None or notification.kind is PaymentEventKind.IGNORED:
        return WebhookResult(outcome="ignored")
    if notification.kind is PaymentEventKind.REVERSE:
        billing.reverse(session, "apple", transaction.reference)
        return WebhookResult(outcome="applied")
    user_id = _apple_token_user(transaction)
    product = service.stores.catalog.by_apple_product(transaction.product_id)
    if user_id is None or product is None or not billing.user_exists(session, user_id):
        log.warning("App Store charge %s names no account or product here", transaction.reference)
        return WebhookResult(outcome="ignored")
    purchase = billing.Purchase(
        provider="apple",
        reference=transaction.reference,
        user_id=user_id,
        product=product,
        trips=product.trips * transaction.quantity,
    )
    try:
        billing.credit(session, purchase)
    except billing.PaymentOwnerMismatch as error:
        log.error("App Store charge: %s", error)
        return WebhookResult(outcome="ignored")
    return WebhookResult(outcome="applied")


def _google_notification(service: Service, push: PubSubPush) -> WebhookResult:
    verifier = _google(service)
    try:
        notification = json.loads(base64.b64decode(push.message.data, validate=True))
    except ValueError:
        raise ApiError(
            400, "bad_request", "message.data: not base64 JSON", field="message.data"
        ) from None
    if not isinstance(notification, dict) or notification.get("packageName") != (
        verifier.package_name
    ):
        return WebhookResult(outcome="ignored")
    try:
        voided = notification.get("voidedPurchaseNotification")
        if isinstance(voided, dict) and isinstance(voided.get("purchaseToken"), str):
            return _google_voided(service, verifier, voided["purchaseToken"])
        bought = notification.get("oneTimeProductNotification")
        if (
            isinstance(bought, dict)
            and bought.get("notificationType") == GOOGLE_PURCHASED
            and isinstance(bought.get("sku"), str)
            and isinstance(bought.get("purchaseToken"), str)
        ):
            return _google_purchased(service, verifier, bought["sku"], bought["purchaseToken"])
    except (GooglePlayUnavailableError, GooglePlayAuthError) as error:
        log.error("Google Play check failed: %s", error)
        raise ApiError(503, "store_unavailable", "Google Play cannot be asked right now") from None
    return WebhookResult(outcome="ignored")


def _google_voided(
    service: Service, verifier: GooglePlayVerifier, purchase_token: str
) -> WebhookResult:
    """Reverse the purchase if Google's voided-purchases list confirms it."""
    since = datetime.now(UTC) - VOIDED_WINDOW + timedelta(minutes=1)
    confirmed = [v for v in verifier.voided_since(since) if v.purchase_token == purchase_token]
    if not confirmed:
        return WebhookResult(outcome="ignored")
    with service.db.session() as session:
        billing.reverse(session, "google", confirmed[0].reference)
    return WebhookResult(outcome="applied")


def _google_purchased(
    service: Service, verifier: GooglePlayVerifier, product_id: str, purchase_token: str
) -> WebhookResult:
    """Credit a purchase the app did not report (it crashed after paying), if Google says so."""
    product = service.stores.catalog.by_google_product(product_id)
    if product is None:
        return WebhookResult(outcome="ignored")
    try:
        purchase = verifier.verify_product(product_id, purchase_token)
    except (PurchaseNotFoundError, PurchaseNotCompletedError):
        return WebhookResult(outcome="ignored")
    user_id = purchase.obfuscated_account_id
    try:
        with service.db.session() as session:
            if user_id is None or not billing.user_exists(session, user_id):
                return WebhookResult(outcome="ignored")
            billing.credit(
                session,
                billing.Purchase(
                    provider="google",
                    reference=purchase.reference,
                    user_id=user_id,
                    product=product,
                    trips=product.trips * purchase.quantity,
                ),
            )
    except billing.PaymentOwnerMismatch as error:
        log.error("Play purchase: %s", error)
        return WebhookResult(outcome="ignored")
    if not purchase.acknowledged:
        _acknowledge(service, product_id, purchase_token)
    return WebhookResult(outcome="applied")
