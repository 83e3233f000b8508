"""What the Shorts tab reads and writes in the library (no Qt): batches, sources, variants.

A batch (a Shorts row) records its source the way the planner jobs read it: idea and script
``{"text"}``, production ``{"production_id"}``, video ``{"asset_id"}`` of a video in the store.
A variant's plan is the spec's Shorts Plan JSON; every change to it here is validated by the
spec before it is written, so the library never holds a plan the renderer would refuse.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from studio.pipeline.ingest import import_paths
from studio.services.brand import active_brand_kit
from studio.services.library.db import Library
from studio.services.library.models import Asset, Shorts, ShortVariant
from studio.spec import BrandKit, DocumentKind, ShortsPlan, SpecError, parse_document


class SourceError(ValueError):
    """The chosen source cannot be used; the message says what to pick instead."""


class PlanInvalid(ValueError):
    """A change the spec refuses; ``problems`` are "field: message" lines for the user."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class VariantRow:
    id: str
    variant_id: str
    format: str
    status: str
    hook: str
    duration: float
    video: Path | None
    title: str
    caption: str
    hashtags: tuple[str, ...]
    plan: dict[str, Any]
    """The variant's Shorts Plan JSON, as stored."""

    @property
    def rendered(self) -> bool:
        return self.video is not None


def store_video(library: Library, path: Path) -> str:
    """Import a video file into the library (not into a production); returns its asset id.

    Slow for big files (it hashes and copies): call it off the GUI thread.
    """
    staging = Path(tempfile.mkdtemp(prefix="studio-shorts-", dir=library.data_dir))
    try:
        results = import_paths([path], staging)
        result = results[0] if results else None
        if result is None or result.status == "rejected" or result.asset_id is None:
            reason = result.reason if result is not None else "nothing to import"
            raise SourceError(f"{path.name}: {reason}")
        asset_id = result.asset_id
        if result.kind != "video":
            raise SourceError(f"{path.name}: not a video ({result.kind})")
        with library.session() as session:
            if session.get(Asset, asset_id) is None:
                staged = next((staging / "assets" / asset_id[:2]).glob(f"{asset_id}.*"))
                stored = library.store.put(staged, move=True)
                session.add(
                    Asset(
                        id=asset_id,
                        kind="video",
                        original_name=path.name[:300],
                        path=stored.path,
                        size_bytes=stored.size_bytes,
                        meta=dict(result.metadata),
                    )
                )
        return asset_id
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def create_batch(library: Library, kind: str, source: dict[str, Any], title: str) -> str:
    """A new Shorts batch for the source; returns its id."""
    with library.session() as session:
        batch = Shorts(title=title[:300] or "Shorts", source_type=kind, source_payload=source)
        session.add(batch)
        session.flush()
        return batch.id


def variant_rows(library: Library, shorts_id: str) -> list[VariantRow]:
    with library.session(readonly=True) as session:
        rows = session.scalars(
            select(ShortVariant)
            .where(ShortVariant.shorts_id == shorts_id)
            .order_by(ShortVariant.variant_id)
        )
        found: list[VariantRow] = []
        for row in rows:
            plan = row.plan or {}
            publish = plan.get("publish_suggestions", {})
            found.append(
                VariantRow(
                    id=row.id,
                    variant_id=row.variant_id,
                    format=row.format,
                    status=row.status,
                    hook=str(plan.get("hook", {}).get("text", "")),
                    duration=float(plan.get("duration_seconds", 0.0)),
                    video=library.store.path_of(row.video_path) if row.video_path else None,
                    title=str(publish.get("title", "")),
                    caption=str(publish.get("caption", "")),
                    hashtags=tuple(str(tag) for tag in publish.get("hashtags", [])),
                    plan=dict(plan),
                )
            )
        return found


def variant_row(library: Library, row_id: str) -> VariantRow | None:
    """One variant by its ShortVariant id (None when it is gone)."""
    with library.session(readonly=True) as session:
        row = session.get(ShortVariant, row_id)
        shorts_id = row.shorts_id if row is not None else None
    if shorts_id is None:
        return None
    return next((found for found in variant_rows(library, shorts_id) if found.id == row_id), None)


def caption_brand_kit(library: Library) -> BrandKit | None:
    """The brand kit chosen in Settings: variants are planned, previewed and rendered with it."""
    saved = active_brand_kit(library)
    return saved.kit if saved is not None else None


def validated_plan(data: dict[str, Any]) -> ShortsPlan:
    """The Shorts Plan of ``data``; PlanInvalid names every wrong field."""
    try:
        model = parse_document(data, DocumentKind.SHORTS_PLAN).model
    except SpecError as error:
        raise PlanInvalid([str(problem) for problem in error.problems]) from None
    assert isinstance(model, ShortsPlan)
    return model


def _update_plan(library: Library, row_id: str, data: dict[str, Any]) -> None:
    """Validate and store a variant's new plan JSON."""
    plan = validated_plan(data)
    with library.session() as session:
        row = session.get(ShortVariant, row_id)
        if row is None:
            raise PlanInvalid([f"variant {row_id}: it is no longer in the library"])
        row.plan = plan.model_dump(mode="json")


def split_hashtags(text: str) -> list[str]:
    """Hashtags typed as one line ("#sleep #city, calm"), each with its leading #."""
    words = text.replace(",", " ").split()
    return [word if word.startswith("#") else f"#{word}" for word in words]


def save_publish_suggestions(
    library: Library, row_id: str, title: str, caption: str, hashtags: list[str]
) -> None:
    """Store a variant's title, caption and hashtags in its plan; PlanInvalid names the field
    the spec refuses, and nothing is written then."""
    row = variant_row(library, row_id)
    if row is None:
        raise PlanInvalid([f"variant {row_id}: it is no longer in the library"])
    publish = {"title": title, "caption": caption, "hashtags": hashtags}
    _update_plan(library, row_id, row.plan | {"publish_suggestions": publish})
