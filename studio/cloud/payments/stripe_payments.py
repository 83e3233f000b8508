"""Stripe card payments: a PaymentIntent per purchase, and the webhook events that settle it.

Stripe is the source of truth for money; this module never credits anything itself. It turns a
verified webhook into a :class:`PaymentEvent` that the service applies to its ledger exactly once,
keyed by ``event_id`` (Stripe retries deliveries) and by ``payment_intent_id`` (a credit and its
reversal belong to one intent, whichever event arrives first).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import stripe
from pydantic import BaseModel, ConfigDict, ValidationError

from studio.cloud.payments.catalog import Catalog, Product
from studio.cloud.payments.events import PaymentEventKind

DEFAULT_API_BASE = "https://api.stripe.com"
DEFAULT_TOLERANCE_S = 300
"""How old a webhook's signed timestamp may be; Stripe's own default, against replays."""

CREDIT_EVENTS = frozenset({"payment_intent.succeeded"})
REVERSE_EVENTS = frozenset({"charge.refunded", "charge.dispute.created"})


class StripePaymentError(Exception):
    """Base of every error this module raises."""


class UnknownProductError(StripePaymentError):
    """A product id that the catalog does not sell."""


class StripeUnavailableError(StripePaymentError):
    """Stripe could not be reached or failed on its side; the same call may be retried."""


class StripeRejectedError(StripePaymentError):
    """Stripe refused the request (bad key, bad parameters, idempotency key reused differently)."""


class WebhookSignatureError(StripePaymentError):
    """The Stripe-Signature header is missing, wrong, or too old: the request is not from Stripe."""


class WebhookPayloadError(StripePaymentError):
    """A correctly signed webhook whose body is not a usable Stripe event."""


class IntentCreated(BaseModel):
    """What the client needs to confirm the payment with Stripe.js or the mobile SDKs."""

    model_config = ConfigDict(frozen=True)

    client_secret: str
    payment_intent_id: str
    amount: int
    currency: str


@dataclass(frozen=True)
class PaymentEvent:
    """A verified webhook, reduced to what the ledger needs.

    ``user_id``, ``product`` and ``trips`` come from the metadata this module put on the intent.
    A dispute carries no metadata, so a reversal must be matched to its credit by
    ``payment_intent_id`` in the ledger, not by these fields.
    """

    event_id: str
    event_type: str
    kind: PaymentEventKind
    payment_intent_id: str | None = None
    user_id: str | None = None
    product: Product | None = None
    trips: int = 0
    amount: int = 0
    currency: str | None = None

    @property
    def reference(self) -> str | None:
        """The ledger reference of the purchase this event credits or reverses."""
        return f"stripe:{self.payment_intent_id}" if self.payment_intent_id else None


class _EventObject(BaseModel):
    """The fields we read from a PaymentIntent, Charge or Dispute."""

    model_config = ConfigDict(extra="ignore")

    id: str
    object: str
    payment_intent: str | None = None
    metadata: dict[str, str] = {}
    amount: int = 0
    amount_received: int = 0
    amount_refunded: int = 0
    currency: str | None = None


class StripePayments:
    """Creates intents and reads webhooks through one ``StripeClient`` (no global SDK state)."""

    def __init__(
        self,
        api_key: str,
        catalog: Catalog,
        *,
        api_base: str = DEFAULT_API_BASE,
        tolerance_s: int = DEFAULT_TOLERANCE_S,
        max_network_retries: int = 2,
    ) -> None:
        self.catalog = catalog
        self.tolerance_s = tolerance_s
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            max_network_retries=max_network_retries,
        )

    def create_intent(self, user_id: str, product_id: str, idempotency_key: str) -> IntentCreated:
        """A PaymentIntent for one product; the same ``idempotency_key`` returns the same intent.

        The idempotency key travels to Stripe as its Idempotency-Key header, so a client that
        retries a purchase after a timeout is never charged twice.
        """
        product = self.catalog.get(product_id)
        if product is None:
            raise UnknownProductError(f"product_id: {product_id!r} is not in the catalog")
        try:
            intent = self._client.v1.payment_intents.create(
                params={
                    "amount": product.price_cents,
                    "currency": product.currency,
                    "description": product.name,
                    "automatic_payment_methods": {"enabled": True},
                    "metadata": {
                        "user_id": user_id,
                        "product_id": product.id,
                        "trips": str(product.trips),
                    },
                },
                options={"idempotency_key": idempotency_key},
            )
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            raise StripeUnavailableError(f"Stripe is unavailable: {_describe(error)}") from error
        except stripe.StripeError as error:
            raise StripeRejectedError(f"Stripe refused the payment: {_describe(error)}") from error
        if intent.client_secret is None:
            raise StripeRejectedError(f"Stripe returned intent {intent.id} without a client secret")
        return IntentCreated(
            client_secret=intent.client_secret,
            payment_intent_id=intent.id,
            amount=intent.amount,
            currency=intent.currency,
        )

    def parse_webhook(self, payload: bytes, signature_header: str, secret: str) -> PaymentEvent:
        """Verify a webhook's signature and age, then say what it means for the ledger."""
        try:
            event = self._client.construct_event(
                payload, signature_header, secret, tolerance=self.tolerance_s
            )
        except stripe.SignatureVerificationError as error:
            raise WebhookSignatureError(f"Stripe-Signature: {_describe(error)}") from error
        except ValueError as error:
            raise WebhookPayloadError(f"webhook body is not JSON: {error}") from error
        return self._interpret(event.to_dict())

    def _interpret(self, event: Mapping[str, Any]) -> PaymentEvent:
        try:
            event_id = str(event["id"])
            event_type = str(event["type"])
            raw_object = event["data"]["object"]
        except (KeyError, TypeError) as error:
            raise WebhookPayloadError(f"webhook event lacks {error}") from error
        if event_type not in CREDIT_EVENTS | REVERSE_EVENTS:
            return PaymentEvent(event_id, event_type, PaymentEventKind.IGNORED)
        try:
            obj = _EventObject.model_validate(raw_object)
        except ValidationError as error:
            raise WebhookPayloadError(f"{event_type} {event_id}: {error}") from error
        if event_type in CREDIT_EVENTS:
            return self._credit(event_id, event_type, obj)
        return PaymentEvent(
            event_id=event_id,
            event_type=event_type,
            kind=PaymentEventKind.REVERSE,
            payment_intent_id=obj.payment_intent,
            user_id=obj.metadata.get("user_id"),
            product=self.catalog.get(obj.metadata.get("product_id", "")),
            trips=_trips(obj, event_id, default=0),
            amount=obj.amount_refunded if event_type == "charge.refunded" else obj.amount,
            currency=obj.currency,
        )

    def _credit(self, event_id: str, event_type: str, intent: _EventObject) -> PaymentEvent:
        user_id = intent.metadata.get("user_id")
        product_id = intent.metadata.get("product_id")
        if not user_id or not product_id:
            # An intent created outside this service (a dashboard invoice, another app).
            return PaymentEvent(event_id, event_type, PaymentEventKind.IGNORED, intent.id)
        product = self.catalog.get(product_id)
        if product is None:
            # Answering with an error makes Stripe retry for days while the catalog is fixed,
            # instead of acknowledging money that credits nothing.
            raise UnknownProductError(f"{event_id}: metadata.product_id {product_id!r} is unknown")
        return PaymentEvent(
            event_id=event_id,
            event_type=event_type,
            kind=PaymentEventKind.CREDIT,
            payment_intent_id=intent.id,
            user_id=user_id,
            product=product,
            trips=_trips(intent, event_id, default=product.trips),
            amount=intent.amount_received,
            currency=intent.currency,
        )


def _describe(error: stripe.StripeError) -> str:
    return error.user_message or str(error)


def _trips(obj: _EventObject, event_id: str, default: int) -> int:
    """The trips recorded on the intent when it was sold: the deal the user paid for."""
    raw = obj.metadata.get("trips")
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise WebhookPayloadError(f"{event_id}: metadata.trips {raw!r} is not a number") from error
