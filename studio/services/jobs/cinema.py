"""The Cinema pipeline as jobs: ingest, generate_assets, assemble, render.

Each reads what it needs from the library (the production, its latest plan revision, its assets)
and writes its outputs back, so a chain needs nothing passed between steps but the production id
in every payload. ``cinema.plan`` lives with the planner and is registered there.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from studio.pipeline.assemble import assemble
from studio.pipeline.export_presets import ExportPreset, export_preset, retarget_plan
from studio.pipeline.generate.assets import generate_assets
from studio.pipeline.ingest import ImportResult, import_paths
from studio.services.jobs.context import JobCancelled, JobContext
from studio.services.jobs.library_files import (
    JobInputError,
    asset_folder,
    current_plan,
    plan_model,
    production_of,
)
from studio.services.jobs.registry import job_type
from studio.services.jobs.render_process import run_render_process
from studio.services.jobs.trips import trips_for
from studio.services.library.models import Asset, ProductionAsset
from studio.services.providers.chain import media_from_env

RENDER_SHARE = 0.97
"""Of a render job's progress, the part the child render reports (the rest is storing it)."""


@job_type("cinema.ingest")
def ingest(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Import ``paths`` (files, folders, zips) into the store and link them to the production.

    Payload: ``production_id``, ``paths``. Each file succeeds or fails on its own; a rerun
    imports nothing twice (assets are named by their bytes).
    """
    paths = [Path(str(path)) for path in payload.get("paths", [])]
    staging = ctx.work_dir / "import"
    results: list[ImportResult] = []
    for index, path in enumerate(paths):
        ctx.cancelled.raise_if_cancelled()
        results += import_paths([path], staging)
        ctx.progress((index + 1) / max(1, len(paths)) * 0.8, f"imported {path.name}")
    store = ctx.library.store
    linked: list[str] = []
    with ctx.library.session() as session:
        production = production_of(session, payload)
        position = session.scalar(
            select(func.count())
            .select_from(ProductionAsset)
            .where(ProductionAsset.production_id == production.id)
        )
        position = int(position or 0)
        for result in results:
            if result.status == "rejected" or result.asset_id is None or result.kind is None:
                continue
            if session.get(Asset, result.asset_id) is None:
                file = next((staging / "assets" / result.asset_id[:2]).glob(f"{result.asset_id}.*"))
                stored = store.put(file, move=True)
                session.add(
                    Asset(
                        id=result.asset_id,
                        kind=result.kind,
                        original_name=Path(result.path.split("!")[-1]).name[:300],
                        path=stored.path,
                        size_bytes=stored.size_bytes,
                        meta=dict(result.metadata),
                    )
                )
                session.flush()
            link = session.get(ProductionAsset, (production.id, result.asset_id))
            if link is None:
                session.add(
                    ProductionAsset(
                        production_id=production.id, asset_id=result.asset_id, position=position
                    )
                )
                position += 1
            linked.append(result.asset_id)
    rejected = [{"path": r.path, "reason": r.reason} for r in results if r.status == "rejected"]
    for item in rejected:
        ctx.log(f"{item['path']}: {item['reason']}")
    return {
        "asset_ids": linked,
        "imported": sum(1 for r in results if r.status == "imported"),
        "duplicates": sum(1 for r in results if r.status == "duplicate"),
        "rejected": rejected,
    }


def _prepare(
    payload: Mapping[str, Any], ctx: JobContext, revision: int | None = None
) -> tuple[str, int, dict[str, Any], Path]:
    """The production's id, plan revision number (``revision``, else the latest), plan JSON
    and a folder of its assets."""
    with ctx.library.session() as session:
        production = production_of(session, payload)
        if revision is None:
            number, plan = current_plan(production)
        else:
            found = next((r for r in production.plan_revisions if r.number == revision), None)
            if found is None:
                raise JobInputError(f"production {production.id} has no plan {revision}")
            number, plan = found.number, dict(found.plan)
        own = [link.asset_id for link in production.asset_links]
        assets = asset_folder(session, ctx.library.store, plan, own, ctx.work_dir / "assets")
        return production.id, number, plan, assets


@job_type("cinema.generate_assets")
def generate(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Make the voice lines, music and visuals the plan needs and no file supplies (cached)."""
    production_id, number, plan, assets = _prepare(payload, ctx)
    model = plan_model(plan, f"production {production_id}, plan {number}")
    ctx.progress(0.05, "making voice, music and visuals")
    report = generate_assets(model, assets)
    fresh = sum(1 for item in report.made if not item.reused)
    return {
        "plan_revision": number,
        "made": fresh,
        "reused": len(report.made) - fresh,
        "summary": report.summary,
        "warnings": list(report.assembly.warnings),
    }


@job_type("cinema.assemble")
def assemble_plan(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Check the plan assembles into a Timeline; the result carries its warnings."""
    production_id, number, plan, assets = _prepare(payload, ctx)
    model = plan_model(plan, f"production {production_id}, plan {number}")
    placeholders = bool(payload.get("placeholders", False))
    assembly = assemble(model, assets, media_from_env(), None, placeholders)
    timeline = assembly.timeline
    return {
        "plan_revision": number,
        "warnings": list(assembly.warnings),
        "duration": timeline.duration,
        "frames": timeline.frame_count,
        "width": timeline.width,
        "height": timeline.height,
    }


@dataclass(frozen=True)
class _Export:
    preset: ExportPreset
    out: Path


def _export_of(payload: Mapping[str, Any]) -> _Export | None:
    """The export a render payload asks for (``export`` and ``out``), checked; None for none."""
    key = payload.get("export")
    if key is None:
        return None
    try:
        preset = export_preset(str(key))
    except ValueError as error:
        raise JobInputError(str(error)) from None
    out = payload.get("out")
    if not isinstance(out, str) or not out.lower().endswith(".mp4"):
        raise JobInputError(f"export: out must name an .mp4 file, got {out!r}")
    return _Export(preset, Path(out))


@job_type("cinema.render", resumable=True)
def render(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Render the latest plan to the production's final video; one trip per production run.

    Payload: ``production_id``, ``preset`` (final or draft), ``placeholders``. The trip is
    charged before the child render starts, under the job's idempotency key, so a retried or
    resumed render never charges twice. A render that finished before a crash is not redone:
    the checkpoint names its file.

    An export (``export``: a key of EXPORT_PRESETS, ``out``: the .mp4 to write, optional
    ``plan_revision``) renders that plan re-framed at the preset's size into ``out``, and leaves
    the production's own video and status alone. It is a render, so it costs a trip too.
    """
    export = _export_of(payload)
    if export is None:
        return _render_film(payload, ctx)
    return _render_export(payload, ctx, export)


def _render_film(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    production_id, number, plan, assets = _prepare(payload, ctx)
    _set_status(ctx, production_id, "rendering")
    try:
        use = trips_for(ctx.library).use(
            1, idempotency_key=ctx.idempotency_key, production_id=production_id
        )
        ctx.log("trip already charged for this run" if use.repeated else f"trip {use.entry_id}")
        out = ctx.work_dir / "render" / f"{production_id}.mp4"
        done = ctx.checkpoint.get("rendered")
        if not (isinstance(done, dict) and out.exists()):
            out.parent.mkdir(parents=True, exist_ok=True)
            plan_path = ctx.work_dir / "plan.json"
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            done = dict(
                run_render_process(
                    plan_path,
                    out,
                    assets,
                    str(payload.get("preset", "final")),
                    ctx.part(0.0, RENDER_SHARE),
                    placeholders=bool(payload.get("placeholders", False)),
                )
            )
            ctx.save_checkpoint({"rendered": done})
        stored = ctx.library.store.put(out, move=True)
        with ctx.library.session() as session:
            production = production_of(session, payload)
            production.final_video = stored.path
            production.status = "done"
    except JobCancelled:
        if not ctx.cancelled.interrupted:
            _set_status(ctx, production_id, "cancelled")
        raise
    except Exception:
        _set_status(ctx, production_id, "failed")
        raise
    ctx.progress(1.0, "stored the video")
    return {
        "video": str(ctx.library.store.path_of(stored.path)),
        "store_path": stored.path,
        "plan_revision": number,
        "frames": done.get("frames"),
        "encoder": done.get("encoder"),
        "trip_entry": use.entry_id,
    }


def _render_export(
    payload: Mapping[str, Any], ctx: JobContext, export: _Export
) -> Mapping[str, Any]:
    revision = payload.get("plan_revision")
    production_id, number, plan, assets = _prepare(
        payload, ctx, int(revision) if revision is not None else None
    )
    try:
        plan = retarget_plan(plan, export.preset)
    except ValueError as error:
        raise JobInputError(f"production {production_id}, plan {number}: {error}") from None
    use = trips_for(ctx.library).use(
        1, idempotency_key=ctx.idempotency_key, production_id=production_id, what="this export"
    )
    ctx.log("trip already charged for this run" if use.repeated else f"trip {use.entry_id}")
    done = ctx.checkpoint.get("exported")
    if not (isinstance(done, dict) and export.out.exists()):
        rendered = ctx.work_dir / "render" / f"{production_id}-{export.preset.key}.mp4"
        rendered.parent.mkdir(parents=True, exist_ok=True)
        plan_path = ctx.work_dir / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        done = dict(
            run_render_process(
                plan_path,
                rendered,
                assets,
                str(payload.get("preset", "final")),
                ctx.part(0.0, RENDER_SHARE),
                placeholders=bool(payload.get("placeholders", False)),
            )
        )
        _move_into_place(rendered, export.out)
        ctx.save_checkpoint({"exported": done})
    ctx.progress(1.0, f"exported {export.out.name}")
    return {
        "video": str(export.out),
        "export": export.preset.key,
        "plan_revision": number,
        "frames": done.get("frames"),
        "encoder": done.get("encoder"),
        "trip_entry": use.entry_id,
    }


def _move_into_place(source: Path, target: Path) -> None:
    """Move a finished file to ``target`` so that ``target`` never exists half-written."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.stem}.{uuid.uuid4().hex[:8]}.partial.mp4"
    try:
        shutil.move(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _set_status(ctx: JobContext, production_id: str, status: str) -> None:
    with ctx.library.session() as session:
        production = production_of(session, {"production_id": production_id})
        production.status = status
