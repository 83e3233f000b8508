"""The Shorts pipeline's render step as a job: each variant rendered, charged and stored.

Hooks and variant planning live with the planners (studio.planning) and are registered there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from studio.services.jobs.context import JobContext
from studio.services.jobs.library_files import JobInputError, asset_folder, plan_model
from studio.services.jobs.registry import job_type
from studio.services.jobs.render_process import run_render_process
from studio.services.jobs.trips import trips_for
from studio.services.library.models import Shorts, ShortVariant


@job_type("shorts.render_variants", resumable=True)
def render_variants(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Render the variants of a shorts batch that have no video yet, one trip each.

    Payload: ``shorts_id``; optional ``variant_ids`` (ShortVariant ids) to render only those,
    ``rerender`` to render ones that have a video again, ``preset``, ``placeholders``.
    Before starting, the balance must cover every variant to render; each variant is charged
    under its own key just before its render, so a resumed job charges none twice.
    """
    shorts_id = payload.get("shorts_id")
    wanted = payload.get("variant_ids")
    rerender = bool(payload.get("rerender", False))
    done_before = set(ctx.checkpoint.get("rendered", []))
    with ctx.library.session() as session:
        shorts = session.get(Shorts, str(shorts_id)) if shorts_id else None
        if shorts is None:
            raise JobInputError(f"shorts {shorts_id}: no such shorts batch")
        query = select(ShortVariant).where(ShortVariant.shorts_id == shorts.id)
        if wanted:
            query = query.where(ShortVariant.id.in_([str(item) for item in wanted]))
        variants = session.scalars(query.order_by(ShortVariant.variant_id)).all()
        todo = [
            (variant.id, variant.variant_id, dict(variant.plan))
            for variant in variants
            if variant.id not in done_before and (rerender or not variant.video_path)
        ]
        source = dict(shorts.source_payload)
        folder = ctx.work_dir / "assets"
        for _, _, plan in todo:
            asset_folder(session, ctx.library.store, plan, [], folder)
        asset_folder(session, ctx.library.store, source, [], folder)
        if todo:
            shorts.status = "rendering"
    for _, variant_id, plan in todo:
        plan_model(plan, f"shorts {shorts_id}, variant {variant_id}")
    trips = trips_for(ctx.library)
    if todo and not done_before:
        noun = "this short" if len(todo) == 1 else f"rendering these {len(todo)} shorts"
        trips.require(len(todo), noun)
    rendered = sorted(done_before)
    for index, (row_id, variant_id, plan) in enumerate(todo):
        trips.use(
            1,
            idempotency_key=ctx.effect_key(row_id),
            shorts_id=str(shorts_id),
            what=f"short {variant_id}",
        )
        plan_path = ctx.work_dir / f"{row_id}.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        out = ctx.work_dir / "render" / f"{row_id}.mp4"
        out.parent.mkdir(parents=True, exist_ok=True)
        share = ctx.part(index / len(todo), (index + 1) / len(todo))
        run_render_process(
            plan_path,
            out,
            folder,
            str(payload.get("preset", "final")),
            share,
            placeholders=bool(payload.get("placeholders", False)),
        )
        stored = ctx.library.store.put(out, move=True)
        with ctx.library.session() as session:
            variant = session.get(ShortVariant, row_id)
            if variant is not None:
                variant.video_path = stored.path
                variant.status = "rendered"
        rendered.append(row_id)
        ctx.save_checkpoint({"rendered": rendered})
    with ctx.library.session() as session:
        batch = session.get(Shorts, str(shorts_id))
        if batch is not None:
            batch.status = "done"
    return {"rendered": rendered, "count": len(rendered)}
