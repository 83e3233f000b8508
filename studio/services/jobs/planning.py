"""The planners as jobs: ``cinema.plan``, ``shorts.generate_hooks`` and ``shorts.plan_variants``.

Like the render jobs they read their input from the library and write their output back (a new
plan revision; ShortVariant rows), so a chain passes nothing but the production or shorts id.
Plans name the creator's files by their library ids (the sha256 of their bytes), because that is
how the render jobs find them; a video short's cut clip is stored as an asset for that reason.

With an LLM configured, ``cinema.plan`` asks it first and falls back to the offline planner on
any LLM error (logged on the job), as ``studio plan`` does. Payload option ``estimate`` times
beats by the measured speaking rate instead of running the voice (faster, slightly less exact).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.generate.voice import VoiceError
from studio.planning.cinema import AssetInfo, PlanError, PlanRequest, plan_production, retime
from studio.planning.coverage import narration_problems
from studio.planning.highlights import HighlightError
from studio.planning.hooks import HookCandidate, suggest_hooks
from studio.planning.llm import LlmError, LlmPlanner, LlmSettings
from studio.planning.material import Material, MaterialError, MaterialKind, load_material
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.planning.shorts import DEFAULT_DURATION, PlanningError, plan_variants
from studio.planning.transcribe import SUBTITLE_SUFFIXES, TranscriptionError
from studio.services.brand import BrandKitInvalid, active_brand_kit
from studio.services.jobs.context import JobContext
from studio.services.jobs.library_files import (
    JobInputError,
    asset_folder,
    current_plan,
    production_of,
)
from studio.services.jobs.registry import job_type
from studio.services.library.models import Asset, Production, Shorts, ShortVariant
from studio.services.settings import DEFAULT_VOICE, SettingsError, load_settings
from studio.spec import BrandKit, ShortsFormat, ShortsPlan
from studio.spec.production import Mode, ProductionPlan

PLANNED_KINDS = ("image", "video", "audio")
"""Asset kinds the Cinema planner places; scripts and fonts in a production's folder are not."""
LLM_HOOKS = 10
"""Hooks asked of an LLM: always the same number, so the ranks stay stable between runs."""


def _clock(payload: Mapping[str, Any], voice_id: str = DEFAULT_VOICE) -> SpeechClock:
    return RateClock() if payload.get("estimate") else VoiceClock(LocalMedia(), voice_id)


def _voice(payload: Mapping[str, Any], ctx: JobContext) -> str:
    """The payload's ``voice_id``, else the voice chosen in Settings."""
    if payload.get("voice_id"):
        return str(payload["voice_id"])
    try:
        return load_settings(ctx.library.data_dir).voice_id
    except SettingsError as error:
        ctx.log(f"{error}; using the default voice")
        return DEFAULT_VOICE


def _set_production_status(ctx: JobContext, production_id: str, status: str) -> None:
    with ctx.library.session() as session:
        production = session.get(Production, production_id)
        if production is not None:
            production.status = status


def _asset_info(asset: Asset) -> AssetInfo:
    meta = asset.meta or {}
    seconds = meta.get("duration")
    kind: Literal["image", "video", "audio"] = (
        "video" if asset.kind == "video" else "audio" if asset.kind == "audio" else "image"
    )
    return AssetInfo(
        asset_id=asset.id,
        kind=kind,
        name=Path(asset.original_name).stem,
        width=int(meta.get("width") or 0),
        height=int(meta.get("height") or 0),
        seconds=float(seconds) if isinstance(seconds, int | float) else None,
    )


def _orientation(asset: AssetInfo) -> str:
    if asset.width == asset.height:
        return "square"
    return "portrait" if asset.portrait else "landscape"


def _llm_plan(request: PlanRequest, clock: SpeechClock, ctx: JobContext) -> ProductionPlan | None:
    """The LLM's plan re-timed by the clock; None (logged) when none is configured or it fails."""
    try:
        settings = LlmSettings.from_env()
        if settings is None:
            return None
        brief = {
            "production_id": request.production_id,
            "style": request.style,
            "mode": request.mode.value,
            "resolution": request.resolution.model_dump(),
            "language": request.language,
            "max_runtime_seconds": request.max_runtime_seconds,
            "assets": [
                {
                    "asset_id": asset.asset_id,
                    "kind": asset.kind,
                    "name": asset.name,
                    "orientation": _orientation(asset),
                }
                for asset in request.assets
                if asset.kind != "audio"
            ],
        }
        plan = retime(LlmPlanner(settings).production(request.script, brief), clock)
    except LlmError as error:
        ctx.log(f"the LLM could not plan ({error}); using the offline planner")
        return None
    if narration_problems(plan, request.script, request.language):
        ctx.log("the LLM's plan lost sentences when re-timed; using the offline planner")
        return None
    return plan


@job_type("cinema.plan")
def plan(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Plan the production's script with its files; store the plan as a new revision.

    Payload: ``production_id``; ``estimate`` to time by speaking rate; ``voice_id`` (else the
    voice chosen in Settings). The production's status is ``planning`` meanwhile, then
    ``planned`` (or ``failed``).
    """
    voice_id = _voice(payload, ctx)
    with ctx.library.session() as session:
        production = production_of(session, payload)
        production_id = production.id
        script = production.script_text or ""
        request = PlanRequest(
            script=script,
            title=production.title,
            style=production.style or "neo_glow",
            mode=Mode(production.mode),
            assets=tuple(_asset_info(a) for a in production.assets if a.kind in PLANNED_KINDS),
            voice_id=voice_id,
            production_id=production.id,
        )
        if not script.strip():
            raise JobInputError(
                f"production {production_id} has no script: give one with "
                "'studio productions new --script FILE'"
            )
        production.status = "planning"
    try:
        ctx.progress(0.05, "planning scenes, beats and shots")
        clock = _clock(payload, voice_id)
        try:
            made = _llm_plan(request, clock, ctx)
            source = "llm" if made is not None else "offline"
            made = made or plan_production(request, clock)
        except VoiceError as error:
            ctx.log(f"the voice failed ({error}); timing by speaking rate")
            source, made = "offline", plan_production(request, RateClock())
        except PlanError as error:
            raise JobInputError(f"production {production_id}: {error}") from None
        with ctx.library.session() as session:
            production = production_of(session, payload)
            revision = production.add_plan(made.model_dump(mode="json"), source)
            production.status = "planned"
            session.flush()
            number = revision.number
    except BaseException:
        if not ctx.cancelled.is_set():
            _set_production_status(ctx, production_id, "failed")
        raise
    shots = made.shots()
    used = {shot.source.asset_id for shot in shots if shot.source.asset_id}
    ctx.log(
        f"plan {number} ({source}): {len(made.beats())} beats, {len(shots)} shots, "
        f"{made.duration_seconds:.1f} s, {len(used)} of the production's files used"
    )
    return {
        "plan_revision": number,
        "source": source,
        "duration_seconds": made.duration_seconds,
        "scenes": len(made.script.scenes),
        "beats": len(made.beats()),
        "shots": len(shots),
    }


# Shorts


def _shorts_of(session: Session, payload: Mapping[str, Any]) -> Shorts:
    shorts_id = payload.get("shorts_id")
    shorts = session.get(Shorts, shorts_id) if isinstance(shorts_id, str) else None
    if shorts is None:
        raise JobInputError(f"shorts {shorts_id}: no such shorts batch")
    return shorts


def _set_shorts_status(ctx: JobContext, shorts_id: str, status: str) -> None:
    with ctx.library.session() as session:
        shorts = session.get(Shorts, shorts_id)
        if shorts is not None:
            shorts.status = status


@contextmanager
def _failing_marks(ctx: JobContext, shorts_id: str) -> Iterator[None]:
    """Mark the batch failed when the step raises (not when it is cancelled or interrupted)."""
    try:
        yield
    except BaseException:
        if not ctx.cancelled.is_set():
            _set_shorts_status(ctx, shorts_id, "failed")
        raise


def _material(ctx: JobContext, shorts_id: str) -> Material:
    """The batch's source as planning material; texts and plans become files in the work folder.

    Source payloads: idea and script ``{"text"}``, production ``{"production_id"}`` (its latest
    plan), video ``{"asset_id"}`` (a video in the store) and optionally ``{"subtitles":
    {"suffix", "text"}}``. The library is read first and left
    before the material is loaded: a video is transcribed, which takes a while.
    """
    with ctx.library.session(readonly=True) as session:
        shorts = _shorts_of(session, {"shorts_id": shorts_id})
        kind = shorts.source_type
        source = dict(shorts.source_payload or {})
        if kind == "production":
            _, data = current_plan(production_of(session, source))
            path = ctx.work_dir / "production.json"
            path.write_text(json.dumps(data), encoding="utf-8")
        elif kind == "video":
            path = _video_source(ctx, session, shorts_id, source)
        elif kind in ("idea", "script"):
            text = source.get("text")
            if not isinstance(text, str) or not text.strip():
                raise JobInputError(f"shorts {shorts_id}: the {kind} text is empty")
            path = ctx.work_dir / f"{kind}.txt"
            path.write_text(text if kind == "script" else " ".join(text.split()), "utf-8")
        else:
            raise JobInputError(f"shorts {shorts_id}: unknown source type {kind!r}")
    language = str(source.get("language") or "en")
    try:
        return load_material(str(path), cast("MaterialKind", kind), language)
    except (MaterialError, TranscriptionError) as error:
        raise JobInputError(f"shorts {shorts_id}: {error}") from None


def _video_source(
    ctx: JobContext, session: Session, shorts_id: str, source: Mapping[str, Any]
) -> Path:
    """The batch's video linked into the work folder, with its subtitles beside it if it came
    with a .srt or .vtt (the transcriber reads them from there)."""
    asset_id = str(source.get("asset_id"))
    folder = asset_folder(session, ctx.library.store, {}, [asset_id], ctx.work_dir / "source")
    video = next(folder.glob(f"{asset_id}.*"), None)
    if video is None:
        raise JobInputError(f"shorts {shorts_id}: its video is not in the library")
    subtitles = source.get("subtitles")
    if isinstance(subtitles, Mapping) and subtitles.get("suffix") in SUBTITLE_SUFFIXES:
        sidecar = video.with_suffix(str(subtitles["suffix"]))
        sidecar.write_text(str(subtitles.get("text", "")), encoding="utf-8")
    return video


def _ranked_hooks(material: Material, ctx: JobContext) -> list[HookCandidate]:
    """Every hook ranked: the offline candidates plus an LLM's when one is configured."""
    try:
        settings = LlmSettings.from_env()
        if settings is None:
            return suggest_hooks(material, None)
        text = " ".join(s.text for s in material.sentences) or material.topic.phrase
        kind = "transcript" if material.kind == "video" else material.kind
        written = LlmPlanner(settings).hooks(text, LLM_HOOKS, kind=kind)
    except LlmError as error:
        ctx.log(f"the LLM could not write hooks ({error}); using the offline hooks")
        return suggest_hooks(material, None)
    return suggest_hooks(material, None, extra_texts=written)


def _hook_record(hook: HookCandidate) -> dict[str, Any]:
    return {**hook.as_dict(), "origin": hook.origin}


def _hook_of(record: Mapping[str, Any]) -> HookCandidate:
    origin = record.get("origin")
    return HookCandidate(
        text=str(record["text"]),
        emphasis_words=[str(word) for word in record.get("emphasis_words", [])],
        on_screen_style=str(record.get("on_screen_style", "bold_caps")),
        score=float(record.get("score", 0.0)),
        reasons=[str(reason) for reason in record.get("reasons", [])],
        rank=int(record["rank"]),
        origin=int(origin) if isinstance(origin, int) else None,
    )


@job_type("shorts.generate_hooks")
def generate_hooks(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Rank the batch's hooks; the result's ``hooks`` feed ``shorts.plan_variants``.

    Payload: ``shorts_id``. A video source is transcribed here (and again when its variants
    are planned, from the transcription cache).
    """
    with ctx.library.session() as session:
        shorts = _shorts_of(session, payload)
        shorts_id = shorts.id
        shorts.status = "planning"
    with _failing_marks(ctx, shorts_id):
        ctx.progress(0.1, "reading the source")
        material = _material(ctx, shorts_id)
        for note in material.notes:
            ctx.log(note)
        hooks = _ranked_hooks(material, ctx)
    if not hooks:
        raise JobInputError(f"shorts {shorts_id}: no hook could be found in the source")
    ctx.log(f"{len(hooks)} hooks; the best: {hooks[0].text}")
    return {"hooks": [_hook_record(hook) for hook in hooks]}


def _options(
    payload: Mapping[str, Any], source: Mapping[str, Any]
) -> tuple[list[ShortsFormat], list[int], float]:
    """Formats, hook ranks and duration: the job's payload first, then the batch's source."""

    def pick(key: str, default: Any) -> Any:
        return payload.get(key, source.get(key, default))

    try:
        formats = [ShortsFormat(str(item)) for item in pick("formats", ["9_16"])]
        ranks = [int(item) for item in pick("hooks", [1])]
        duration = float(pick("duration", DEFAULT_DURATION))
    except (TypeError, ValueError) as error:
        raise JobInputError(f"the shorts options are invalid: {error}") from None
    if not formats or not ranks or min(ranks) < 1:
        raise JobInputError("the shorts options need at least one format and hook rank from 1")
    return formats, ranks, duration


def _store_clips(ctx: JobContext, session: Session, plans: list[ShortsPlan], clips: Path) -> None:
    """Put a video's cut clips in the store as assets; the plans then name their library ids."""
    for index, made in enumerate(plans):
        source = made.visual_plan.source
        file = next(clips.glob(f"{source.asset_id}.*"), None) if source.asset_id else None
        if file is None:
            continue
        stored = ctx.library.store.put(file)
        if session.get(Asset, stored.sha256) is None:
            session.add(
                Asset(
                    id=stored.sha256,
                    kind="video",
                    original_name=file.name[:300],
                    path=stored.path,
                    size_bytes=stored.size_bytes,
                    meta={"clip_of_shorts": made.short_id},
                )
            )
            session.flush()
        data = made.model_dump(mode="json")
        data["visual_plan"]["source"]["asset_id"] = stored.sha256
        plans[index] = ShortsPlan.model_validate(data)


def _plans_for(
    material: Material,
    hooks: Sequence[HookCandidate],
    formats: Sequence[ShortsFormat],
    duration: float,
    clips: Path,
    payload: Mapping[str, Any],
    ctx: JobContext,
) -> list[ShortsPlan]:
    """The variants in the active brand kit's caption style, spoken with the chosen voice."""
    folder = clips if material.kind == "video" else None
    voice_id = _voice(payload, ctx)
    kit = _active_kit(ctx)

    def plans(clock: SpeechClock) -> list[ShortsPlan]:
        return plan_variants(
            material, hooks, formats, duration, clock, kit, folder, voice_id=voice_id
        )

    try:
        try:
            return plans(_clock(payload, voice_id))
        except VoiceError as error:
            ctx.log(f"the voice failed ({error}); timing by speaking rate")
            return plans(RateClock())
    except PlanningError as error:
        raise JobInputError(str(error)) from None


def _active_kit(ctx: JobContext) -> BrandKit | None:
    """The brand kit chosen in Settings; a broken one is logged and left out."""
    try:
        saved = active_brand_kit(ctx.library)
    except (BrandKitInvalid, SettingsError) as error:
        ctx.log(f"the brand kit is not used: {error}")
        return None
    return saved.kit if saved is not None else None


@job_type("shorts.plan_variants")
def plan_shorts_variants(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """One Shorts Plan per chosen hook and format, stored as the batch's ShortVariant rows.

    Payload: ``shorts_id``; optional ``formats``, ``hooks`` (ranks from 1) and ``duration``
    (else the batch's own), ``estimate``. Hooks come from the upstream ``generate_hooks`` job,
    or are ranked here when it ran alone. A variant whose plan changed loses its old video, so
    the next render makes it again; one whose plan is the same keeps it.
    """
    with ctx.library.session() as session:
        shorts = _shorts_of(session, payload)
        shorts_id = shorts.id
        formats, ranks, duration = _options(payload, dict(shorts.source_payload or {}))
    with _failing_marks(ctx, shorts_id):
        material = _material(ctx, shorts_id)
        records = ctx.upstream.get("hooks")
        if isinstance(records, list) and records:
            ranked = [_hook_of(record) for record in records]
        else:
            ranked = _ranked_hooks(material, ctx)
        if max(ranks) > len(ranked):
            raise JobInputError(
                f"shorts {shorts_id}: hook {max(ranks)} was asked for, the source has "
                f"{len(ranked)} hooks"
            )
        chosen = [ranked[rank - 1] for rank in ranks]
        count = len(chosen) * len(formats)
        ctx.progress(0.2, f"planning {count} variant{'' if count == 1 else 's'}")
        clips = ctx.work_dir / "clips"
        try:
            plans = _plans_for(material, chosen, formats, duration, clips, payload, ctx)
        except HighlightError as error:
            raise JobInputError(f"shorts {shorts_id}: {error}") from None
        with ctx.library.session() as session:
            _store_clips(ctx, session, plans, clips)
            changed = _save_variants(session, shorts_id, plans)
            batch = _shorts_of(session, payload)
            batch.status = "planned"
    return {
        "variants": [made.variant_id for made in plans],
        "changed": changed,
        "hooks": [hook.text for hook in chosen],
    }


def _save_variants(session: Session, shorts_id: str, plans: list[ShortsPlan]) -> int:
    """Insert or update a row per plan; returns how many are new or changed."""
    existing = {
        row.variant_id: row
        for row in session.scalars(select(ShortVariant).where(ShortVariant.shorts_id == shorts_id))
    }
    changed = 0
    for made in plans:
        data = made.model_dump(mode="json")
        row = existing.get(made.variant_id)
        if row is None:
            session.add(
                ShortVariant(
                    shorts_id=shorts_id,
                    variant_id=made.variant_id,
                    format=made.format.value,
                    plan=data,
                    status="planned",
                )
            )
            changed += 1
        elif row.plan != data:
            row.plan = data
            row.format = made.format.value
            row.status = "planned"
            row.video_path = None
            changed += 1
    return changed
