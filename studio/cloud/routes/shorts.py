"""Shorts batches: create from a source, rank hooks, plan variants, run, list, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.cloud import planner
from studio.cloud.errors import ApiError, ErrorBody, not_found
from studio.cloud.models import BrandKitRow, ProductionRow, ShortsRow
from studio.cloud.runs import start_run
from studio.cloud.schemas import (
    Hook,
    HooksBody,
    HooksResult,
    RunResult,
    ShortsCreate,
    ShortsOut,
    ShortsSummary,
    Variant,
    VariantsBody,
)
from studio.cloud.service import CallerDep, ServiceDep
from studio.planning.material import Material
from studio.spec.brand_kit import BrandKit

router = APIRouter(prefix="/shorts", tags=["shorts"])
_SOURCE_FIELDS = {"idea": "text", "script": "script_text", "production": "production_id"}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def _owned(session: Session, owner_id: str, shorts_id: str) -> ShortsRow:
    row = session.get(ShortsRow, shorts_id)
    if row is None or row.owner_id != owner_id:
        raise not_found("shorts")
    return row


def _hook(record: dict[str, Any]) -> Hook:
    return Hook(
        rank=int(record["rank"]),
        text=str(record["text"]),
        score=float(record.get("score", 0.0)),
        emphasis_words=[str(word) for word in record.get("emphasis_words", [])],
    )


def _out(row: ShortsRow) -> ShortsOut:
    return ShortsOut(
        id=row.id,
        title=row.title,
        source_type=row.source_type,
        source_payload=row.source_payload,
        status=row.status,
        hooks=[_hook(record) for record in row.hooks],
        variants=[Variant.model_validate(variant) for variant in row.variants],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _source_value(body: ShortsCreate) -> str:
    if body.source_type == "video":
        raise ApiError(
            422,
            "unsupported_source",
            "video sources are not taken by the service yet: make shorts from a video on the "
            "desktop app",
            field="source_type",
        )
    name = _SOURCE_FIELDS[body.source_type]
    value = body.source_payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(
            422,
            "validation_error",
            f"source_payload.{name}: a {body.source_type} source needs {name} (text)",
            field=f"source_payload.{name}",
        )
    return value


def _material(session: Session, row: ShortsRow) -> Material:
    """The batch's source read by the planners; a production source uses its plan if it has
    one, else its script."""
    payload = row.source_payload
    try:
        if row.source_type == "idea":
            return planner.material("idea", str(payload["text"]))
        if row.source_type == "script":
            return planner.material("script", str(payload["script_text"]))
        production = session.get(ProductionRow, str(payload["production_id"]))
        if production is None or production.owner_id != row.owner_id:
            raise ApiError(
                409, "source_gone", "the production this batch came from no longer exists"
            )
        if production.plan is not None:
            return planner.material("production", planner.plan_text(production.plan))
        return planner.material("script", production.script_text or "")
    except planner.PlanningFailed as error:
        raise ApiError(422, "cannot_plan", str(error), field="source_payload") from None


@router.post("", status_code=201, responses=_errors(401, 404, 422))
def create_shorts(body: ShortsCreate, caller: CallerDep, service: ServiceDep) -> ShortsOut:
    value = _source_value(body)
    with service.db.session() as session:
        title = body.title
        if body.source_type == "production":
            production = session.get(ProductionRow, value)
            if production is None or production.owner_id != caller.user_id:
                raise ApiError(
                    404, "not_found", "no such production", field="source_payload.production_id"
                )
            title = title or production.title
        row = ShortsRow(
            owner_id=caller.user_id,
            title=title or " ".join(value.split())[:80],
            source_type=body.source_type,
            source_payload={_SOURCE_FIELDS[body.source_type]: value},
        )
        session.add(row)
        session.flush()
        return _out(row)


@router.get("", responses=_errors(401))
def list_shorts(caller: CallerDep, service: ServiceDep) -> list[ShortsSummary]:
    """The caller's shorts batches, newest first."""
    query = (
        select(ShortsRow)
        .where(ShortsRow.owner_id == caller.user_id)
        .order_by(ShortsRow.created_at.desc(), ShortsRow.id)
    )
    with service.db.session() as session:
        return [
            ShortsSummary(
                id=row.id,
                title=row.title,
                source_type=row.source_type,
                status=row.status,
                created_at=row.created_at,
            )
            for row in session.scalars(query)
        ]


@router.get("/{shorts_id}", responses=_errors(401, 404))
def get_shorts(shorts_id: str, caller: CallerDep, service: ServiceDep) -> ShortsOut:
    with service.db.session() as session:
        return _out(_owned(session, caller.user_id, shorts_id))


@router.post("/{shorts_id}/hooks", responses=_errors(401, 404, 409, 422))
def generate_hooks(
    shorts_id: str, caller: CallerDep, service: ServiceDep, body: HooksBody | None = None
) -> HooksResult:
    """Rank hook-first openings from the source; they replace any earlier hooks."""
    count = (body or HooksBody()).count
    with service.db.session() as session:
        row = _owned(session, caller.user_id, shorts_id)
        records = planner.hooks(_material(session, row), count)
        if not records:
            raise ApiError(422, "no_hooks", "no hook could be found in the source")
        row.hooks = records
        row.variants = []
        row.status = "hooks_ready"
        return HooksResult(hooks=[_hook(record) for record in records])


@router.post("/{shorts_id}/variants", responses=_errors(401, 404, 409, 422))
def plan_variants(
    shorts_id: str, body: VariantsBody, caller: CallerDep, service: ServiceDep
) -> ShortsOut:
    """A Shorts Plan per chosen hook (by rank) and format, styled by the brand kit."""
    with service.db.session() as session:
        row = _owned(session, caller.user_id, shorts_id)
        if not row.hooks:
            raise ApiError(409, "no_hooks", "generate hooks first (POST /shorts/{id}/hooks)")
        by_rank = {int(record["rank"]): record for record in row.hooks}
        missing = [rank for rank in body.hooks if rank not in by_rank]
        if missing:
            known = ", ".join(str(rank) for rank in sorted(by_rank))
            raise ApiError(
                422,
                "validation_error",
                f"hooks: no hook of rank {missing[0]} (ranks: {known})",
                field="hooks",
            )
        kit_row = session.get(BrandKitRow, caller.user_id)
        kit = BrandKit.model_validate(kit_row.document) if kit_row is not None else None
        chosen = [by_rank[rank] for rank in dict.fromkeys(body.hooks)]
        try:
            row.variants = planner.variants(
                _material(session, row), chosen, body.formats, body.duration, kit
            )
        except planner.PlanningFailed as error:
            raise ApiError(422, "cannot_plan", str(error)) from None
        row.status = "planned"
        session.flush()
        return _out(row)


@router.post("/{shorts_id}/run", status_code=202, responses=_errors(400, 401, 402, 404, 409, 503))
def run_shorts(
    shorts_id: str,
    request: Request,
    caller: CallerDep,
    service: ServiceDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> RunResult:
    """Spend a ``shorts_bundle`` trip (once per Idempotency-Key) and queue the variants."""
    return start_run(
        service, request.app.state.render_queue, caller, "shorts", shorts_id, idempotency_key
    )
