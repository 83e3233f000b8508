"""``studio plan SCRIPT -o PLAN.json``: a script and a folder of files become a Production Plan.

With an LLM configured (``OPENAI_API_KEY`` or ``STUDIO_LLM_BASE_URL``) the LLM plans first and
its plan is re-timed by the measured voice; if it fails (after its one repair round) the offline
planner takes over with a message. A Production Plan given as SCRIPT is re-planned: with
``lock_script_timing`` its beats keep their times and only the visuals are made anew.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path

from studio.commands import Exit
from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.generate.voice import VoiceError
from studio.planning.assets import scan_assets
from studio.planning.cinema import (
    AssetInfo,
    PlanError,
    PlanRequest,
    plan_production,
    replan_visuals,
    retime,
)
from studio.planning.coverage import narration_problems
from studio.planning.llm import LlmError, LlmPlanner, LlmSettings
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.spec import DocumentKind, ProductionPlan, SpecError, load_document
from studio.spec.production import Mode, Resolution


class _BadInput(Exception):
    """A value the user must fix; the message names the option or file."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="turn a script (and a folder of photos and clips) into a Production Plan",
        description="Scenes from the script's headings and sections, beats of 3-8 s timed by "
        "the voice, shots with camera moves for each beat's emotion, the creator's files used "
        "once each before anything repeats, and the rest generated in the style.",
    )
    parser.add_argument("script", type=Path, metavar="SCRIPT", help="a .txt/.md script or a plan")
    parser.add_argument("--assets", type=Path, metavar="DIR", help="photos, clips and music")
    parser.add_argument("--style", default="neo_glow", help="the look (default neo_glow)")
    parser.add_argument("--mode", default="simple", choices=[m.value for m in Mode])
    parser.add_argument("--duration", type=float, metavar="S", help="target length in seconds")
    parser.add_argument("--max-runtime", type=float, default=600.0, metavar="S")
    parser.add_argument("--title", default="", help="the production's title")
    parser.add_argument("--voice", default="default", metavar="ID", help="the narrator's voice")
    parser.add_argument("--language", default="en", metavar="LANG")
    parser.add_argument("--size", default="1920x1080", metavar="WxH", help="default 1920x1080")
    parser.add_argument("--fps", type=float, default=30.0, help="default 30")
    parser.add_argument(
        "--estimate", action="store_true", help="time by a measured speaking rate (no voice run)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="PLAN.json")
    parser.set_defaults(run=run)


def _resolution(args: argparse.Namespace) -> Resolution:
    try:
        width, height = (int(part) for part in args.size.lower().split("x"))
        return Resolution(width=width, height=height, fps=args.fps)
    except ValueError as error:
        detail = str(error).splitlines()[-1].strip() if "validation" in str(error) else ""
        raise _BadInput(
            f"--size {args.size} --fps {args.fps:g}: give an even WxH such as 1920x1080 and "
            f"a rate up to 120 {detail}".rstrip()
        ) from None


def _read_script(path: Path) -> tuple[str, ProductionPlan | None]:
    if not path.is_file():
        raise _BadInput(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        try:
            plan = load_document(path, DocumentKind.PRODUCTION_PLAN).model
        except SpecError as error:
            problems = "\n".join(str(problem) for problem in error.problems)
            raise _BadInput(f"{path}: not a valid Production Plan\n{problems}") from None
        assert isinstance(plan, ProductionPlan)
        return plan.script.raw_text, plan
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as error:
        raise _BadInput(f"{path}: not a readable UTF-8 text file ({error})") from None
    if not text.strip():
        raise _BadInput(f"{path}: the script is empty")
    return text, None


def _request(args: argparse.Namespace, script: str) -> PlanRequest:
    if args.duration is not None and args.duration <= 0:
        raise _BadInput(f"--duration {args.duration:g}: must be more than 0 seconds")
    assets: tuple[AssetInfo, ...] = ()
    if args.assets is not None:
        if not args.assets.is_dir():
            raise _BadInput(f"--assets {args.assets}: not a folder")
        found, skipped = scan_assets(args.assets)
        for line in skipped:
            print(f"studio plan: skipped {line}", file=sys.stderr)
        assets = tuple(found)
    return PlanRequest(
        script=script,
        title=args.title,
        style=args.style,
        mode=Mode(args.mode),
        target_seconds=args.duration,
        resolution=_resolution(args),
        assets=assets,
        voice_id=args.voice,
        language=args.language,
        max_runtime_seconds=args.max_runtime,
    )


def _shape(asset: AssetInfo) -> str:
    if asset.width == asset.height:
        return "square" if asset.width else "unknown"
    return "portrait" if asset.portrait else "landscape"


def _with_llm(request: PlanRequest, clock: SpeechClock) -> ProductionPlan | None:
    """The LLM's plan, re-timed by the clock; None (with a message) when it cannot plan."""
    settings = LlmSettings.from_env()
    if settings is None:
        return None
    brief = {
        "style": request.style,
        "mode": request.mode.value,
        "resolution": request.resolution.model_dump(),
        "language": request.language,
        "duration_seconds": request.target_seconds,
        "max_runtime_seconds": request.max_runtime_seconds,
        "assets": [
            {"asset_id": a.asset_id, "kind": a.kind, "name": a.name, "orientation": _shape(a)}
            for a in request.assets
        ],
    }
    try:
        plan = retime(LlmPlanner(settings).production(request.script, brief), clock)
    except LlmError as error:
        print(f"studio plan: {error}; using the offline planner", file=sys.stderr)
        return None
    if narration_problems(plan, request.script, request.language):
        print("studio plan: the LLM's plan was re-timed badly; using the offline planner")
        return None
    return plan


def _write(plan: ProductionPlan, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.partial")
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            json.dump(plan.model_dump(mode="json"), handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _summary(plan: ProductionPlan) -> str:
    shots = plan.shots()
    used = sorted({s.source.asset_id for s in shots if s.source.asset_id})
    generated = sum(1 for s in shots if s.source.type.value == "generated")
    return (
        f"{len(plan.script.scenes)} scenes, {len(plan.beats())} beats, {len(shots)} shots, "
        f"{plan.duration_seconds:.1f} s; {len(used)} of your files used, {generated} shots "
        f"generated; music: {plan.audio_plan.music.mood}"
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.output.parent and not args.output.parent.is_dir():
            raise _BadInput(f"-o {args.output}: the folder {args.output.parent} does not exist")
        script, existing = _read_script(args.script)
        request = _request(args, script)
        clock: SpeechClock = RateClock() if args.estimate else VoiceClock(LocalMedia(), args.voice)
        if existing is not None and existing.constraints.lock_script_timing:
            plan = replan_visuals(existing, request)
        else:
            try:
                plan = _with_llm(request, clock) or plan_production(request, clock)
            except VoiceError as error:
                print(f"studio plan: the voice failed ({error}); timing by speaking rate")
                plan = plan_production(request, RateClock())
    except (_BadInput, PlanError) as error:
        print(f"studio plan: {error}", file=sys.stderr)
        return Exit.BAD_INPUT
    _write(plan, args.output)
    print(f"studio plan: {_summary(plan)}")
    print(f"studio plan: wrote {args.output}")
    return Exit.OK
