"""The desktop's planners called for the service: Cinema plans, hooks, Shorts variants.

They run in the request (the offline planners take a fraction of a second) and time lines by the
measured speaking rate rather than by running the voice, as ``cinema.plan`` does with
``estimate``. Sources are handed to the planners as temp files the service writes: the planners
also accept paths, and user text must never be read as a path on the server.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from studio.planning.cinema import AssetInfo, PlanError, PlanRequest, plan_production
from studio.planning.hooks import HookCandidate, suggest_hooks
from studio.planning.material import Material, MaterialError, MaterialKind, load_material
from studio.planning.pace import RateClock
from studio.planning.shorts import PlanningError, plan_variants
from studio.spec import ShortsFormat
from studio.spec.brand_kit import BrandKit
from studio.spec.production import Mode


class PlanningFailed(ValueError):
    """The source cannot be planned; the message says why in the creator's terms."""


def cinema_plan(
    *,
    production_id: str,
    title: str,
    style: str,
    mode: str,
    script: str,
    assets: Sequence[AssetInfo] = (),
) -> dict[str, Any]:
    """The Production Plan JSON for a script and its files."""
    request = PlanRequest(
        script=script,
        title=title,
        style=style,
        mode=Mode(mode),
        assets=tuple(assets),
        production_id=production_id,
    )
    try:
        plan = plan_production(request, RateClock())
    except (PlanError, ValueError) as error:
        raise PlanningFailed(str(error)) from None
    return plan.model_dump(mode="json")


@contextmanager
def _source_file(text: str, suffix: str) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="studio-cloud-") as folder:
        path = Path(folder) / f"source{suffix}"
        path.write_text(text, encoding="utf-8")
        yield str(path)


def material(kind: MaterialKind, text: str) -> Material:
    """Material from an idea's or a script's text, or a Production Plan's JSON text."""
    suffix = ".json" if kind == "production" else ".txt"
    with _source_file(text, suffix) as path:
        try:
            return load_material(path, kind)
        except MaterialError as error:
            raise PlanningFailed(str(error).replace(path, "the source")) from None


def hooks(source: Material, count: int) -> list[dict[str, Any]]:
    found = suggest_hooks(source, count)
    return [{**hook.as_dict(), "origin": hook.origin} for hook in found]


def _candidate(record: Mapping[str, Any]) -> HookCandidate:
    return HookCandidate(
        text=str(record["text"]),
        emphasis_words=[str(word) for word in record.get("emphasis_words", [])],
        on_screen_style=str(record.get("on_screen_style", "bold_caps")),
        score=float(record.get("score", 0.0)),
        reasons=[str(reason) for reason in record.get("reasons", [])],
        rank=int(record["rank"]),
        origin=record.get("origin"),
    )


def variants(
    source: Material,
    chosen: Sequence[Mapping[str, Any]],
    formats: Sequence[ShortsFormat],
    duration: float,
    brand_kit: BrandKit | None,
) -> list[dict[str, Any]]:
    """One Shorts Plan per (hook, format), with the hook's rank beside each."""
    candidates = [_candidate(record) for record in chosen]
    try:
        plans = plan_variants(
            source, candidates, formats, duration, clock=RateClock(), brand_kit=brand_kit
        )
    except (PlanningError, ValueError) as error:
        raise PlanningFailed(str(error)) from None
    ranks = [candidate.rank for candidate in candidates for _ in formats]
    return [
        {
            "variant_id": plan.variant_id,
            "hook_rank": rank,
            "format": plan.format.value,
            "plan": plan.model_dump(mode="json"),
        }
        for plan, rank in zip(plans, ranks, strict=True)
    ]


def plan_text(plan: Mapping[str, Any]) -> str:
    return json.dumps(dict(plan))
