"""Card payments through Stripe: create-intent, the checkout page, and Stripe's webhook.

The desktop cannot embed Stripe.js, so ``checkout_url`` points at ``GET /pay/{id}``: a page this
service serves with Stripe's Payment Element, opened in the user's browser. Trips are credited
only by the signed webhook, never by the page or the client.
"""

from __future__ import annotations

import html
import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from studio.cloud import billing, idempotency
from studio.cloud.errors import ApiError, ErrorBody, not_found
from studio.cloud.payments.events import PaymentEventKind
from studio.cloud.payments.stripe_payments import (
    PaymentEvent,
    StripePayments,
    StripeRejectedError,
    StripeUnavailableError,
    UnknownProductError,
    WebhookPayloadError,
    WebhookSignatureError,
)
from studio.cloud.schemas import CreateIntentBody, IntentOut, PaymentOut, WebhookResult
from studio.cloud.service import CallerDep, Service, ServiceDep
from studio.cloud.stores import STRIPE_MISSING

router = APIRouter(tags=["payments"])
log = logging.getLogger(__name__)

STRIPE_JS = "https://js.stripe.com/v3/"


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def _stripe(service: Service) -> StripePayments:
    if service.stores.stripe is None:
        raise ApiError(503, "payments_unavailable", STRIPE_MISSING)
    return service.stores.stripe


def unknown_product(product_id: str) -> ApiError:
    return ApiError(
        404, "unknown_product", f"product_id: {product_id!r} is not for sale", field="product_id"
    )


@router.post("/payments/create-intent", responses=_errors(400, 401, 404, 409, 422, 502, 503))
def create_intent(
    body: CreateIntentBody,
    request: Request,
    caller: CallerDep,
    service: ServiceDep,
    idempotency_key: Annotated[str, Header(alias=idempotency.HEADER)],
) -> IntentOut:
    """A Stripe PaymentIntent for one catalog product; the same Idempotency-Key answers the
    same intent. Pay it with ``client_secret`` in Stripe.js or the mobile SDKs, or open
    ``checkout_url`` in a browser. Trips (or Pro) arrive when Stripe's webhook confirms it.
    503 when the service has no Stripe account configured."""
    key = idempotency.checked_key(idempotency_key)
    stripe = _stripe(service)
    product = stripe.catalog.get(body.product_id)
    if product is None:
        raise unknown_product(body.product_id)
    fingerprint = idempotency.request_hash(
        "POST", "/payments/create-intent", body.model_dump(mode="json")
    )
    with service.db.session() as session:
        stored = idempotency.replay(session, caller.user_id, key, fingerprint)
    if stored is not None:
        return IntentOut.model_validate(stored[1])
    try:
        # Scoped by user: another account sending the same key gets its own intent.
        created = stripe.create_intent(caller.user_id, product.id, f"{caller.user_id}:{key}")
    except UnknownProductError:
        raise unknown_product(body.product_id) from None
    except StripeUnavailableError as error:
        raise ApiError(503, "payment_provider_unavailable", str(error)) from None
    except StripeRejectedError as error:
        raise ApiError(502, "payment_provider_refused", str(error)) from None
    base = service.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    result = IntentOut(
        payment_intent_id=created.payment_intent_id,
        client_secret=created.client_secret,
        amount=created.amount,
        currency=created.currency,
        product_id=product.id,
        publishable_key=service.settings.stripe_publishable_key,
        checkout_url=f"{base}/pay/{created.payment_intent_id}#{created.client_secret}",
    )
    try:
        with service.db.session() as session:
            billing.record_intent(
                session,
                caller.user_id,
                f"stripe:{created.payment_intent_id}",
                product,
                created.amount,
                created.currency,
            )
            idempotency.remember(
                session, caller.user_id, key, fingerprint, 200, result.model_dump(mode="json")
            )
    except IntegrityError:
        pass  # a concurrent retry with this key recorded the same intent first
    return result


@router.get("/payments/{payment_intent_id}", responses=_errors(401, 404))
def get_payment(payment_intent_id: str, caller: CallerDep, service: ServiceDep) -> PaymentOut:
    """One of the caller's Stripe payments, to follow it after opening the checkout page."""
    with service.db.session() as session:
        payment = billing.payment_of(session, caller.user_id, f"stripe:{payment_intent_id}")
        if payment is None:
            raise not_found("payment")
        return PaymentOut.model_validate(payment, from_attributes=True)


@router.get("/pay/{payment_intent_id}", response_class=HTMLResponse, include_in_schema=False)
def checkout_page(payment_intent_id: str, service: ServiceDep) -> HTMLResponse:
    """The browser checkout for ``checkout_url``: Stripe's Payment Element for one intent.

    The page holds no secret: the intent's client secret comes from the URL fragment, which only
    the browser sees, and Stripe.js confirms the payment with Stripe directly.
    """
    if not service.settings.stripe_publishable_key or service.stores.stripe is None:
        return _page(503, "Payments are not available", html.escape(STRIPE_MISSING))
    with service.db.session() as session:
        exists = billing.payment_exists(session, f"stripe:{payment_intent_id}")
    if not exists:
        return _page(404, "No such payment", "This payment link is not valid.")
    return HTMLResponse(
        _checkout_html(service.settings.stripe_publishable_key),
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": (
                "default-src 'self'; script-src 'unsafe-inline' https://js.stripe.com; "
                "frame-src https://js.stripe.com https://hooks.stripe.com; "
                "connect-src https://api.stripe.com; style-src 'unsafe-inline'"
            ),
        },
    )


def _page(status: int, title: str, message: str) -> HTMLResponse:
    body = f"<!doctype html><title>{title}</title><h1>{title}</h1><p>{message}</p>"
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _checkout_html(publishable_key: str) -> str:
    key = json.dumps(publishable_key)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Studio checkout</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{STRIPE_JS}"></script>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}
button{{margin-top:1rem;padding:.6rem 1.2rem}}</style></head>
<body><h1>Studio checkout</h1>
<form id="pay"><div id="element"></div><button id="submit">Pay</button></form>
<p id="message" role="status"></p>
<script>
const stripe = Stripe({key});
const message = document.getElementById("message");
const params = new URLSearchParams(location.search);
const secret = location.hash.slice(1) || params.get("payment_intent_client_secret");
if (params.get("redirect_status")) {{
  document.getElementById("pay").hidden = true;
  message.textContent = params.get("redirect_status") === "succeeded"
    ? "Paid. Your trips arrive in Studio in a moment; you can close this page."
    : "The payment did not go through: " + params.get("redirect_status");
}} else if (!secret) {{
  document.getElementById("pay").hidden = true;
  message.textContent = "This payment link is incomplete; start again from Studio.";
}} else {{
  const elements = stripe.elements({{clientSecret: secret}});
  elements.create("payment").mount("#element");
  document.getElementById("pay").addEventListener("submit", async (event) => {{
    event.preventDefault();
    const {{error}} = await stripe.confirmPayment({{
      elements, confirmParams: {{return_url: location.origin + location.pathname}}}});
    if (error) message.textContent = error.message;
  }});
}}
</script></body></html>
"""


@router.post(
    "/webhooks/stripe",
    responses=_errors(400, 503),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def stripe_webhook(
    request: Request,
    service: ServiceDep,
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookResult:
    """Stripe's events, verified by their Stripe-Signature: payment_intent.succeeded credits the
    purchase, charge.refunded and charge.dispute.created take it back. Each event id applies
    once; a redelivery answers 200 and changes nothing."""
    stripe = _stripe(service)
    secret = service.settings.stripe_webhook_secret
    if not secret:
        raise ApiError(
            503, "payments_unavailable", "set STUDIO_CLOUD_STRIPE_WEBHOOK_SECRET to take webhooks"
        )
    payload = await request.body()
    try:
        event = stripe.parse_webhook(payload, stripe_signature or "", secret)
    except WebhookSignatureError as error:
        raise ApiError(400, "bad_signature", str(error), field="Stripe-Signature") from None
    except WebhookPayloadError as error:
        raise ApiError(400, "bad_request", str(error)) from None
    except UnknownProductError as error:
        # A 5xx makes Stripe retry while the operator fixes the catalog.
        raise ApiError(503, "unknown_product", str(error)) from None
    return await run_in_threadpool(_apply_stripe_event, service, event)


def _apply_stripe_event(service: Service, event: PaymentEvent) -> WebhookResult:
    try:
        with service.db.session() as session:
            if not billing.first_time(session, "stripe", event.event_id, event.event_type):
                return WebhookResult(outcome="replayed")
            if event.reference is None or event.kind is PaymentEventKind.IGNORED:
                return WebhookResult(outcome="ignored")
            if event.kind is PaymentEventKind.REVERSE:
                billing.reverse(session, "stripe", event.reference)
                return WebhookResult(outcome="applied")
            if (
                event.user_id is None
                or event.product is None
                or not billing.user_exists(session, event.user_id)
            ):
                log.warning("%s: %s names no account here", event.event_id, event.reference)
                return WebhookResult(outcome="ignored")
            purchase = billing.Purchase(
                provider="stripe",
                reference=event.reference,
                user_id=event.user_id,
                product=event.product,
                trips=event.trips,
                amount=event.amount,
                currency=event.currency,
            )
            billing.credit(session, purchase)
            return WebhookResult(outcome="applied")
    except billing.PaymentOwnerMismatch as error:
        log.error("%s: %s", event.event_id, error)
        return WebhookResult(outcome="ignored")
    except IntegrityError:
        # The same event was being applied by a concurrent delivery, which won.
        return WebhookResult(outcome="replayed")
