"""``studio plan SCRIPT -o PLAN.json``: a script and a folder of files become a Production Plan.

Beats are timed by the offline voice itself (its lines are cached, so the render reuses them);
``--estimate`` times them by a measured speaking rate instead, without running the voice.

With an LLM configured (``OPENAI_API_KEY`` or ``STUDIO_LLM_BASE_URL``) the LLM plans first and
its plan is re-timed by the measured voice; if it fails (after its one repair round) the offline
planner takes over with a message. A Production Plan given as SCRIPT is planned again from its
script, keeping its style, size, voice and limits unless options say otherwise; with
``lock_script_timing`` its beats keep their times and only the visuals are made anew.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.commands import Exit, write_json_atomic
from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.generate.voice import VoiceError
from studio.planning.assets import AssetInfo, scan_assets
from studio.planning.cinema import PlanRequest, plan_production, replan_visuals
from studio.planning.coverage import narration_problems
from studio.planning.llm import LlmError, LlmPlanner, LlmSettings
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.planning.timing import PlanError, retime
from studio.spec import DocumentKind, ProductionPlan, SpecError, load_document, parse_document
from studio.spec.common import KNOWN_STYLES
from studio.spec.production import Mode, Resolution

DEFAULT_MAX_RUNTIME = 600.0


class _BadInput(Exception):
    """A value the user must fix; the message names the option or file."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="turn a script (and a folder of photos and clips) into a Production Plan",
        description="Scenes from the script's headings and sections, beats of 3-8 s timed by "
        "the voice, shots with camera moves for each beat's feeling, the creator's files used "
        "once each before anything repeats, and the rest generated in the style.",
    )
    parser.add_argument(
        "script", type=Path, metavar="SCRIPT", help="a .txt/.md script, or a plan .json"
    )
    parser.add_argument("--assets", type=Path, metavar="DIR", help="photos, clips and music")
    parser.add_argument("--style", help=f"the look: {', '.join(KNOWN_STYLES)} (neo_glow)")
    parser.add_argument("--mode", help="simple (one shot per beat) or pro (2-4 s shots)")
    parser.add_argument("--duration", type=float, metavar="S", help="target length in seconds")
    parser.add_argument("--max-runtime", type=float, metavar="S", help="limit (default 600 s)")
    parser.add_argument("--title", default="", help="names the first scene when it has no heading")
    parser.add_argument("--voice", metavar="ID", help="the narrator's voice (default)")
    parser.add_argument("--language", metavar="LANG", help="the script's language (en)")
    parser.add_argument("--size", metavar="WxH", help="frame size (1920x1080)")
    parser.add_argument("--fps", type=float, help="frame rate (30)")
    parser.add_argument(
        "--estimate", action="store_true", help="time by a measured speaking rate (no voice run)"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="PLAN.json")
    parser.set_defaults(run=run)


def _resolution(args: argparse.Namespace, base: ProductionPlan | None) -> Resolution:
    fps = args.fps if args.fps is not None else base.resolution.fps if base else 30.0
    if args.size is None:
        width, height = (base.resolution.width, base.resolution.height) if base else (1920, 1080)
    else:
        try:
            width, height = (int(part) for part in args.size.lower().split("x"))
        except ValueError:
            raise _BadInput(
                f"--size {args.size}: give the size as WxH, such as 1920x1080"
            ) from None
    if not all(16 <= side <= 7680 and side % 2 == 0 for side in (width, height)):
        raise _BadInput(
            f"--size {width}x{height}: width and height must be even numbers from 16 to 7680"
        )
    if not 0 < fps <= 120:
        raise _BadInput(f"--fps {fps:g}: must be more than 0 and at most 120")
    return Resolution(width=width, height=height, fps=fps)


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


def _request(args: argparse.Namespace, script: str, base: ProductionPlan | None) -> PlanRequest:
    if args.duration is not None and args.duration <= 0:
        raise _BadInput(f"--duration {args.duration:g}: must be more than 0 seconds")
    if args.max_runtime is not None and args.max_runtime <= 0:
        raise _BadInput(f"--max-runtime {args.max_runtime:g}: must be more than 0 seconds")
    mode = args.mode or (base.mode.value if base else Mode.SIMPLE.value)
    if mode not in {m.value for m in Mode}:
        raise _BadInput(f"--mode {mode}: choose simple or pro")
    style = args.style or (base.style if base else "neo_glow")
    if style not in KNOWN_STYLES:
        print(
            f"studio plan: style {style!r} is not one of {', '.join(KNOWN_STYLES)}; "
            "it renders as neo_glow",
            file=sys.stderr,
        )
    limit = args.max_runtime
    if limit is None:
        limit = base.constraints.max_runtime_seconds if base else DEFAULT_MAX_RUNTIME
        limit = max(limit, args.duration or 0.0)
    return PlanRequest(
        script=script,
        title=args.title,
        style=style,
        mode=Mode(mode),
        target_seconds=args.duration,
        resolution=_resolution(args, base),
        assets=_assets(args.assets),
        voice_id=args.voice or (base.audio_plan.voice.voice_id if base else "default"),
        language=args.language or (base.script.language if base else "en"),
        max_runtime_seconds=limit,
        production_id=base.production_id if base else None,
    )


def _assets(folder: Path | None) -> tuple[AssetInfo, ...]:
    if folder is None:
        return ()
    if not folder.is_dir():
        raise _BadInput(f"--assets {folder}: not a folder")
    found, skipped = scan_assets(folder)
    for line in skipped:
        print(f"studio plan: skipped {line}", file=sys.stderr)
    return tuple(found)


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
            {"asset_id": a.asset_id, "kind": a.kind, "name": a.name, "orientation": a.orientation}
            for a in request.assets
        ],
    }
    try:
        plan = retime(LlmPlanner(settings).production(request.script, brief), clock)
    except LlmError as error:
        print(f"studio plan: {error}; using the offline planner", file=sys.stderr)
        return None
    if narration_problems(plan, request.script, request.language):
        print(
            "studio plan: the LLM's plan lost sentences; using the offline planner", file=sys.stderr
        )
        return None
    return plan


def _make(args: argparse.Namespace) -> ProductionPlan:
    script, base = _read_script(args.script)
    request = _request(args, script, base)
    if base is not None and base.constraints.lock_script_timing:
        return replan_visuals(base, request)
    if args.estimate:
        clock: SpeechClock = RateClock()
    else:
        clock = VoiceClock(LocalMedia(), request.voice_id, request.language)
    try:
        return _with_llm(request, clock) or plan_production(request, clock)
    except VoiceError as error:
        print(f"studio plan: the voice failed ({error}); timing by speaking rate", file=sys.stderr)
        return plan_production(request, RateClock())


def _write(plan: ProductionPlan, path: Path) -> None:
    """Validated, then written whole or not at all."""
    data = plan.model_dump(mode="json")
    parse_document(data, DocumentKind.PRODUCTION_PLAN)
    write_json_atomic(data, path)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _summary(plan: ProductionPlan) -> str:
    shots = plan.shots()
    used = {s.source.asset_id for s in shots if s.source.asset_id}
    generated = sum(1 for s in shots if s.source.type.value == "generated")
    music = plan.audio_plan.music
    track = next((t.asset_id for t in music.tracks if t.asset_id), None)
    return (
        f"{_count(len(plan.script.scenes), 'scene')}, {_count(len(plan.beats()), 'beat')}, "
        f"{_count(len(shots), 'shot')}, {plan.duration_seconds:.1f} s; "
        f"{len(used)} of your files used, {generated} generated; "
        f"music: {track or music.mood}"
    )


def run(args: argparse.Namespace) -> int:
    try:
        if args.output.is_dir():
            raise _BadInput(f"-o {args.output}: is a folder")
        if not args.output.parent.is_dir():
            raise _BadInput(f"-o {args.output}: the folder {args.output.parent} does not exist")
        plan = _make(args)
    except (_BadInput, PlanError) as error:
        print(f"studio plan: {error}", file=sys.stderr)
        return Exit.BAD_INPUT
    try:
        _write(plan, args.output)
    except SpecError as error:
        problems = "\n".join(str(problem) for problem in error.problems)
        print(f"studio plan: the plan made is not valid (a bug):\n{problems}", file=sys.stderr)
        return Exit.FAILED
    except OSError as error:
        print(f"studio plan: cannot write {args.output}: {error.strerror}", file=sys.stderr)
        return Exit.FAILED
    print(f"studio plan: {_summary(plan)}")
    print(f"studio plan: wrote {args.output}")
    return Exit.OK
