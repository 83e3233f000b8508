"""The Cinema pipeline as jobs: ingest, generate_assets, assemble, render.

Each reads what it needs from the library (the production, its latest plan revision, its assets)
and writes its outputs back, so a chain needs nothing passed between steps but the production id
in every payload. ``cinema.plan`` lives with the planner and is registered there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from studio.pipeline.assemble import assemble
from studio.pipeline.generate.assets import generate_assets
from studio.pipeline.ingest import ImportResult, import_paths
from studio.services.jobs.context import JobCancelled, JobContext
from studio.services.jobs.library_files import (
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


def _prepare(payload: Mapping[str, Any], ctx: JobContext) -> tuple[str, int, dict[str, Any], Path]:
    """The production's id, plan revision number, plan JSON and a folder of its assets."""
    with ctx.library.session() as session:
        production = production_of(session, payload)
        number, plan = current_plan(production)
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


@job_type("cinema.render", resumable=True)
def render(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Render the latest plan to the production's final video; one trip per production run.

    Payload: ``production_id``, ``preset`` (final or draft), ``placeholders``. The trip is
    charged before the child render starts, under the job's idempotency key, so a retried or
    resumed render never charges twice. A render that finished before a crash is not redone:
    the checkpoint names its file.
    """
    production_id, number, plan, assets = _prepare(payload, ctx)
    _set_status(ctx, production_id, "rendering")
    try:
        use = trips_for(ctx.library).use(
            1, idempotency_key=ctx.idempotency_key, production_id=production_id
        )
        ctx.log("trip already charged for this run" if use.repeated else "1 trip charged")
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


def _set_status(ctx: JobContext, production_id: str, status: str) -> None:
    with ctx.library.session() as session:
        production = production_of(session, {"production_id": production_id})
        production.status = status
