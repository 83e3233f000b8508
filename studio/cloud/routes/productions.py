"""Cinema productions: create, list, read, upload files, plan, run."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Header, Request, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.cloud import planner
from studio.cloud.errors import ApiError, ErrorBody, not_found
from studio.cloud.models import AssetRow, ProductionRow
from studio.cloud.runs import start_run
from studio.cloud.schemas import (
    AssetOut,
    ProductionCreate,
    ProductionOut,
    ProductionSummary,
    RunResult,
)
from studio.cloud.service import CallerDep, ServiceDep
from studio.planning.cinema import AssetInfo

router = APIRouter(prefix="/productions", tags=["productions"])
_CHUNK = 1024 * 1024
_KINDS = {"image": "image", "video": "video", "audio": "audio", "text": "script"}
_PLANNED = ("image", "video", "audio")


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def owned_production(session: Session, owner_id: str, production_id: str) -> ProductionRow:
    row = session.get(ProductionRow, production_id)
    if row is None or row.owner_id != owner_id:
        raise not_found("production")
    return row


def _asset_out(row: AssetRow) -> AssetOut:
    return AssetOut(
        id=row.id,
        kind=row.kind,
        original_name=row.original_name,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        created_at=row.created_at,
    )


def _assets(session: Session, production_id: str) -> list[AssetRow]:
    query = select(AssetRow).where(AssetRow.production_id == production_id)
    return list(session.scalars(query.order_by(AssetRow.created_at, AssetRow.id)))


def _out(session: Session, row: ProductionRow) -> ProductionOut:
    return ProductionOut(
        id=row.id,
        title=row.title,
        mode=row.mode,
        style=row.style,
        script_text=row.script_text,
        status=row.status,
        plan=row.plan,
        final_video_url=row.final_video_url,
        assets=[_asset_out(asset) for asset in _assets(session, row.id)],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.post("", status_code=201, responses=_errors(401, 422))
def create_production(
    body: ProductionCreate, caller: CallerDep, service: ServiceDep
) -> ProductionOut:
    with service.db.session() as session:
        row = ProductionRow(owner_id=caller.user_id, **body.model_dump())
        session.add(row)
        session.flush()
        return _out(session, row)


@router.get("", responses=_errors(401))
def list_productions(caller: CallerDep, service: ServiceDep) -> list[ProductionSummary]:
    """The caller's productions, newest first."""
    query = (
        select(ProductionRow)
        .where(ProductionRow.owner_id == caller.user_id)
        .order_by(ProductionRow.created_at.desc(), ProductionRow.id)
    )
    with service.db.session() as session:
        return [
            ProductionSummary(
                id=row.id,
                title=row.title,
                mode=row.mode,
                status=row.status,
                created_at=row.created_at,
            )
            for row in session.scalars(query)
        ]


@router.get("/{production_id}", responses=_errors(401, 404))
def get_production(production_id: str, caller: CallerDep, service: ServiceDep) -> ProductionOut:
    with service.db.session() as session:
        return _out(session, owned_production(session, caller.user_id, production_id))


@router.post("/{production_id}/assets", status_code=201, responses=_errors(401, 404, 413, 415, 422))
def upload_asset(
    production_id: str,
    request: Request,
    caller: CallerDep,
    service: ServiceDep,
    file: Annotated[UploadFile, File(description="A photo, clip, sound, script or zip")],
) -> AssetOut:
    """Store one file of the production (limits: ``upload_max_bytes``, ``upload_types``)."""
    settings = service.settings
    with service.db.session() as session:
        owned_production(session, caller.user_id, production_id)
    content_type = (file.content_type or "").split(";")[0].strip().lower()
    if content_type not in settings.upload_types:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"{content_type or 'this file type'} cannot be uploaded; allowed: "
            + ", ".join(settings.upload_types),
            field="file",
        )
    kind = _KINDS.get(content_type.split("/")[0], "archive")
    suffix = Path(file.filename or "").suffix.lower()[:12]
    uploads = settings.data_dir / "uploads"
    temp_dir = uploads / ".tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=temp_dir, suffix=".part", delete=False) as temp:
        temp_path = Path(temp.name)
        try:
            while chunk := file.file.read(_CHUNK):
                size += len(chunk)
                if size > settings.upload_max_bytes:
                    raise ApiError(
                        413,
                        "payload_too_large",
                        f"the file is over the limit of {settings.upload_max_bytes} bytes",
                        field="file",
                    )
                digest.update(chunk)
                temp.write(chunk)
        except BaseException:
            temp.close()
            temp_path.unlink(missing_ok=True)
            raise
    sha = digest.hexdigest()
    relative = f"{sha[:2]}/{sha}{suffix if suffix[1:].isalnum() else ''}"
    target = uploads / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp_path, target)
    with service.db.session() as session:
        owned_production(session, caller.user_id, production_id)
        row = AssetRow(
            owner_id=caller.user_id,
            production_id=production_id,
            kind=kind,
            original_name=Path(file.filename or "upload").name[:300],
            content_type=content_type,
            size_bytes=size,
            sha256=sha,
            path=relative,
        )
        session.add(row)
        session.flush()
        return _asset_out(row)


@router.post("/{production_id}/plan", responses=_errors(401, 404, 422))
def plan_production(production_id: str, caller: CallerDep, service: ServiceDep) -> ProductionOut:
    """Plan the script with the uploaded files (the offline planner) and store the plan."""
    with service.db.session() as session:
        row = owned_production(session, caller.user_id, production_id)
        if not (row.script_text or "").strip():
            raise ApiError(
                422, "no_script", "the production has no script_text to plan", field="script_text"
            )
        assets = [
            AssetInfo(
                asset_id=asset.sha256,
                kind=asset.kind,  # type: ignore[arg-type]
                name=Path(asset.original_name).stem,
                width=0,
                height=0,
            )
            for asset in _assets(session, row.id)
            if asset.kind in _PLANNED
        ]
        try:
            row.plan = planner.cinema_plan(
                production_id=row.id,
                title=row.title,
                style=row.style,
                mode=row.mode,
                script=row.script_text or "",
                assets=assets,
            )
        except planner.PlanningFailed as error:
            raise ApiError(422, "cannot_plan", str(error), field="script_text") from None
        row.status = "planned"
        session.flush()
        return _out(session, row)


@router.post(
    "/{production_id}/run", status_code=202, responses=_errors(400, 401, 402, 404, 409, 503)
)
def run_production(
    production_id: str,
    request: Request,
    caller: CallerDep,
    service: ServiceDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> RunResult:
    """Spend a ``cinema`` trip (once per Idempotency-Key) and queue the render."""
    return start_run(
        service,
        request.app.state.render_queue,
        caller,
        "production",
        production_id,
        idempotency_key,
    )


@router.get(
    "/{production_id}/video",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}, **_errors(401, 404)},
)
def production_video(
    production_id: str, request: Request, caller: CallerDep, service: ServiceDep
) -> FileResponse:
    """The rendered film (``final_video_url`` points here once the run is done)."""
    with service.db.session() as session:
        owned_production(session, caller.user_id, production_id)
    queue = request.app.state.render_queue
    path = queue.video(caller.user_id, production_id) if queue is not None else None
    if path is None:
        raise ApiError(404, "not_found", "this production has no video yet")
    return FileResponse(path, media_type="video/mp4", filename=f"{production_id}.mp4")
