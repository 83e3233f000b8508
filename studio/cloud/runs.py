"""Starting a render from the API: charge the trips once, then hand the work to the workers.

The charge and the status change commit together with the Idempotency-Key's answer, and only then
is the work submitted, so a retried request is charged nothing and submitted nothing new. Where
renders run is the ``RenderQueue`` the app was built with (``studio.cloud.workers`` by default); a
server without one answers 503 before charging anything. The queue must accept a run's key more
than once and do its work once: a replayed request submits again, which heals a submit that
failed after the charge was committed (that request answered 503 and asked for a retry).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, Protocol

from sqlalchemy.orm import Session

from studio.cloud import idempotency, ledger
from studio.cloud.errors import ApiError, not_found
from studio.cloud.models import ProductionRow, ShortsRow
from studio.cloud.schemas import RunResult
from studio.cloud.service import Caller, Service

log = logging.getLogger(__name__)

Target = Literal["production", "shorts"]


class RenderQueue(Protocol):
    """Where the service's renders go; ``key`` is the same for every retry of one run."""

    def submit(self, target: Target, owner_id: str, target_id: str, key: str) -> None: ...

    def video(self, owner_id: str, production_id: str) -> Path | None:
        """The rendered film of a production, once there is one."""
        ...

    def short_video(self, owner_id: str, shorts_id: str, variant_id: str) -> Path | None:
        """The rendered MP4 of one variant of a shorts batch, once there is one."""
        ...


def start_run(
    service: Service,
    queue: RenderQueue | None,
    caller: Caller,
    target: Target,
    target_id: str,
    key_header: str,
) -> RunResult:
    key = idempotency.checked_key(key_header)
    if queue is None:
        raise ApiError(
            503,
            "rendering_unavailable",
            "this server renders nothing itself: render on the desktop app",
        )
    trip_type = "cinema" if target == "production" else "shorts_bundle"
    fingerprint = idempotency.request_hash("POST", f"/{target}/{target_id}/run", {})
    cost = service.settings.trip_cost(trip_type)
    with service.db.session() as session:
        ledger.lock_user(session, caller.user_id)
        stored = idempotency.replay(session, caller.user_id, key, fingerprint)
        if stored is None:
            result = _charge(session, caller.user_id, target, target_id, key, cost)
            idempotency.remember(
                session, caller.user_id, key, fingerprint, 202, result.model_dump(mode="json")
            )
        else:
            result = RunResult.model_validate(stored[1])
    # Submitted again on a replay too: the queue does a key's work once, and a retry heals a
    # submit that failed after the charge was committed.
    _submit(queue, target, caller.user_id, target_id, key)
    return result


def _submit(queue: RenderQueue, target: Target, owner_id: str, target_id: str, key: str) -> None:
    try:
        queue.submit(target, owner_id, target_id, key)
    except Exception:
        log.exception("queueing run %s of %s %s failed", key, target, target_id)
        raise ApiError(
            503,
            "rendering_unavailable",
            "the run is paid for but the workers could not take it yet: "
            "send the same request again with the same Idempotency-Key",
        ) from None


def _charge(
    session: Session, user_id: str, target: Target, target_id: str, key: str, cost: int
) -> RunResult:
    """Check the target is the caller's and planned, charge it, mark it queued."""
    row: ProductionRow | ShortsRow | None = (
        session.get(ProductionRow, target_id)
        if target == "production"
        else session.get(ShortsRow, target_id)
    )
    if row is None or row.owner_id != user_id:
        raise not_found(target)
    ready = row.plan is not None if isinstance(row, ProductionRow) else bool(row.variants)
    if not ready:
        step = "plan it (POST .../plan)" if target == "production" else "plan its variants"
        raise ApiError(409, "not_planned", f"this {target} has nothing to render yet: {step}")
    try:
        entry, _ = ledger.use(
            session,
            user_id,
            cost,
            f"use:{key}",
            trip_type="cinema" if target == "production" else "shorts_bundle",
            production_id=target_id if target == "production" else None,
            shorts_id=target_id if target == "shorts" else None,
        )
    except ledger.NotEnoughTrips as short:
        raise ApiError(402, "not_enough_trips", str(short)) from None
    row.status = "queued"
    return RunResult(
        status="queued", trips_used=cost, trips_balance=entry.balance_after, entry_id=entry.id
    )
