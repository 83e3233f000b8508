"""Applying verified payments to an account: trips through the ledger, Pro days, billing history.

The payment modules (``studio.cloud.payments``) only verify and interpret; this module writes,
inside the caller's transaction, so a store message, its ``PaymentEvent`` row and its effect
commit together or not at all. Every purchase is one ``Payment`` row keyed by its store
reference: a credit applies once per reference, a reversal finds the owner through it (a Stripe
dispute names no user), and a reversal that comes first leaves a ``reversed`` row behind so the
late credit is taken back in the same transaction that grants it.

Locks: the user's row first, then the payment's, in every path, so a credit and a refund of one
purchase arriving together wait for each other instead of deadlocking.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.cloud import ledger
from studio.cloud.models import Payment, PaymentEvent, User
from studio.cloud.payments.catalog import Product, ProductKind
from studio.services.library.models import utcnow

log = logging.getLogger(__name__)

RECENT_PAYMENTS = 50


class PaymentOwnerMismatch(Exception):
    """The purchase is already recorded for another account: never credit it twice over."""


@dataclass(frozen=True)
class Purchase:
    """A verified purchase to credit: who paid, for what, and what it grants."""

    provider: str
    reference: str
    user_id: str
    product: Product
    trips: int
    amount: int = 0
    currency: str | None = None


def effective_plan(user: User, now: datetime | None = None) -> str:
    """ "pro" while a paid Pro plan runs (or one granted without an end), else "free"."""
    if user.plan != "pro":
        return "free"
    if user.pro_until is None or user.pro_until > (now or utcnow()):
        return "pro"
    return "free"


def first_time(session: Session, provider: str, event_id: str, event_type: str) -> bool:
    """Record a store message; False when it was applied before (a redelivery)."""
    seen = session.scalar(
        select(PaymentEvent.id).where(
            PaymentEvent.provider == provider, PaymentEvent.event_id == event_id
        )
    )
    if seen is not None:
        return False
    session.add(PaymentEvent(provider=provider, event_id=event_id, event_type=event_type))
    session.flush()
    return True


def user_exists(session: Session, user_id: str) -> bool:
    return session.get(User, user_id) is not None


def _locked_payment(session: Session, reference: str) -> Payment | None:
    return session.scalar(
        select(Payment)
        .where(Payment.reference == reference)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def payment_of(session: Session, user_id: str, reference: str) -> Payment | None:
    """The caller's own payment ``reference``; another user's reads as None."""
    return session.scalar(
        select(Payment).where(Payment.reference == reference, Payment.user_id == user_id)
    )


def payment_exists(session: Session, reference: str) -> bool:
    return session.scalar(select(Payment.id).where(Payment.reference == reference)) is not None


def recent_payments(session: Session, user_id: str) -> list[Payment]:
    return list(
        session.scalars(
            select(Payment)
            .where(Payment.user_id == user_id)
            .order_by(Payment.created_at.desc(), Payment.id)
            .limit(RECENT_PAYMENTS)
        )
    )


def record_intent(
    session: Session, user_id: str, reference: str, product: Product, amount: int, currency: str
) -> None:
    """A Stripe intent the user is about to pay: ``pending`` until its webhook arrives."""
    ledger.lock_user(session, user_id)
    if _locked_payment(session, reference) is not None:
        return
    session.add(
        Payment(
            reference=reference,
            provider="stripe",
            user_id=user_id,
            product_id=product.id,
            status="pending",
            trips=product.trips,
            pro_days=product.pro_days,
            amount=amount,
            currency=currency,
        )
    )
    session.flush()


def credit(session: Session, purchase: Purchase) -> tuple[Payment, bool]:
    """Grant ``purchase`` once: the payment row and whether this call granted it.

    A purchase reversed before it arrived is granted and taken back at once (both ledger
    entries stay, the balance ends where it was, and Pro is not activated).
    """
    user = ledger.lock_user(session, purchase.user_id)
    payment = _locked_payment(session, purchase.reference)
    if payment is None:
        payment = Payment(
            reference=purchase.reference, provider=purchase.provider, status="pending"
        )
        session.add(payment)
    elif payment.user_id not in (None, purchase.user_id):
        raise PaymentOwnerMismatch(f"{purchase.reference} belongs to another account")
    if payment.paid_at is not None:
        return payment, False
    now = utcnow()
    product = purchase.product
    payment.user_id = user.id
    payment.product_id = product.id
    payment.trips = purchase.trips
    payment.pro_days = product.pro_days if product.kind is ProductKind.PRO_PLAN else 0
    payment.amount = purchase.amount or payment.amount or 0
    payment.currency = purchase.currency or payment.currency
    payment.paid_at = now
    if payment.trips > 0:
        ledger.credit(session, user.id, payment.trips, purchase.reference)
    if payment.status == "reversed":
        if payment.trips > 0:
            ledger.reverse(session, user.id, purchase.reference)
        log.info("%s was reversed before it was paid; credited and taken back", payment.reference)
    else:
        payment.status = "paid"
        _extend_pro(user, payment.pro_days, now)
    session.flush()
    return payment, True


def reverse(session: Session, provider: str, reference: str) -> Payment:
    """Take back the purchase ``reference`` once (refund, dispute, revocation).

    Unknown or unpaid purchases are marked ``reversed`` so that a late credit cancels out.
    Trips already spent cannot be taken back; the shortfall is logged for the operator.
    """
    found = session.scalar(select(Payment.user_id).where(Payment.reference == reference))
    if found is not None:
        ledger.lock_user(session, found)
    payment = _locked_payment(session, reference)
    now = utcnow()
    if payment is None:
        payment = Payment(reference=reference, provider=provider, status="reversed")
        payment.reversed_at = now
        session.add(payment)
        session.flush()
        return payment
    if payment.status == "reversed":
        return payment
    paid = payment.status == "paid"
    payment.status = "reversed"
    payment.reversed_at = now
    if paid and payment.user_id is not None:
        if payment.trips > 0:
            taken = ledger.reverse(session, payment.user_id, reference)
            if taken.shortfall:
                log.warning("%s reversed with %d trips already spent", reference, taken.shortfall)
        user = session.get_one(User, payment.user_id)
        _extend_pro(user, -payment.pro_days, now)
    session.flush()
    return payment


def _extend_pro(user: User, days: int, now: datetime) -> None:
    """Add (or, for a reversal, remove) ``days`` of Pro; Pro ends when no day is left."""
    if days == 0:
        return
    if days > 0:
        start = user.pro_until if user.pro_until and user.pro_until > now else now
        user.pro_until = start + timedelta(days=days)
        user.plan = "pro"
        return
    if user.pro_until is None:
        return
    user.pro_until = user.pro_until + timedelta(days=days)
    if user.pro_until <= now:
        user.plan = "free"
