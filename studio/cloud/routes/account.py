"""The signed-in user's account: profile, billing, spending trips, the brand kit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header

from studio.cloud import idempotency, ledger
from studio.cloud.billing import recent_payments
from studio.cloud.errors import ApiError, ErrorBody, not_found
from studio.cloud.models import BrandKitRow, ProductionRow, ShortsRow, User
from studio.cloud.routes.auth import user_out
from studio.cloud.schemas import (
    Billing,
    Me,
    PaymentOut,
    ProPlanOut,
    TripUseBody,
    TripUseResult,
)
from studio.cloud.service import CallerDep, ServiceDep
from studio.spec.brand_kit import BrandKit

router = APIRouter(tags=["account"])


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


@router.get("/me", responses=_errors(401))
def me(caller: CallerDep, service: ServiceDep) -> Me:
    with service.db.session() as session:
        user = session.get_one(User, caller.user_id)
        out = user_out(user)
        return Me(user=out, plan=out.plan, trips_balance=user.trips_balance)


@router.get("/me/billing", responses=_errors(401))
def billing(caller: CallerDep, service: ServiceDep) -> Billing:
    """The plan, the running Pro plan with its end (in ``subscriptions``), and the most recent
    payments, newest first."""
    with service.db.session() as session:
        user = session.get_one(User, caller.user_id)
        plan = user_out(user).plan
        return Billing(
            plan=plan,
            subscriptions=[ProPlanOut(ends_at=user.pro_until)] if plan == "pro" else [],
            payments=[
                PaymentOut.model_validate(payment, from_attributes=True)
                for payment in recent_payments(session, caller.user_id)
            ],
        )


@router.post("/trips/use", responses=_errors(400, 401, 402, 404, 409, 422))
def use_trips(
    body: TripUseBody,
    caller: CallerDep,
    service: ServiceDep,
    idempotency_key: Annotated[str, Header(alias=idempotency.HEADER)],
) -> TripUseResult:
    """Spend the trips a render of ``type`` costs, once per Idempotency-Key.

    ``production_id`` names one of the caller's productions (or, for ``shorts_bundle``, one of
    their shorts batches). 402 when the balance is short.
    """
    key = idempotency.checked_key(idempotency_key)
    fingerprint = idempotency.request_hash("POST", "/trips/use", body.model_dump(mode="json"))
    cost = service.settings.trip_cost(body.type)
    with service.db.session() as session:
        ledger.lock_user(session, caller.user_id)
        stored = idempotency.replay(session, caller.user_id, key, fingerprint)
        if stored is not None:
            return TripUseResult.model_validate(stored[1])
        owned = session.get(ProductionRow, body.production_id)
        shorts_id = None
        if owned is None or owned.owner_id != caller.user_id:
            batch = session.get(ShortsRow, body.production_id)
            if body.type != "shorts_bundle" or batch is None or batch.owner_id != caller.user_id:
                raise not_found("production")
            shorts_id = batch.id
        try:
            entry, _ = ledger.use(
                session,
                caller.user_id,
                cost,
                f"use:{key}",
                trip_type=body.type,
                production_id=None if shorts_id else body.production_id,
                shorts_id=shorts_id,
            )
        except ledger.NotEnoughTrips as short:
            raise ApiError(402, "not_enough_trips", str(short)) from None
        result = TripUseResult(
            entry_id=entry.id,
            production_id=body.production_id,
            type=body.type,
            trips_used=cost,
            trips_balance=entry.balance_after,
            created_at=entry.created_at,
        )
        idempotency.remember(
            session, caller.user_id, key, fingerprint, 200, result.model_dump(mode="json")
        )
        return result


@router.get("/brand-kit", responses=_errors(401))
def get_brand_kit(caller: CallerDep, service: ServiceDep) -> BrandKit:
    """The caller's brand kit; the defaults until one is saved."""
    with service.db.session() as session:
        row = session.get(BrandKitRow, caller.user_id)
        return BrandKit() if row is None else BrandKit.model_validate(row.document)


@router.post("/brand-kit", responses=_errors(401, 422))
def save_brand_kit(kit: BrandKit, caller: CallerDep, service: ServiceDep) -> BrandKit:
    """Replace the brand kit; validated as the spec's BrandKit (the body names
    ``caption_style_json`` or ``caption_style``)."""
    stored = kit.model_dump(mode="json")
    with service.db.session() as session:
        row = session.get(BrandKitRow, caller.user_id)
        if row is None:
            session.add(BrandKitRow(owner_id=caller.user_id, document=stored))
        else:
            row.document = stored
    return kit
