"""``studio shorts hooks|variants SOURCE --from KIND``: hook-first shorts from any source.

``hooks`` lists ranked openings with their scores and reasons; ``variants`` writes one Shorts
Plan per (hook, format) into a folder, plus the cut clips of a video under ``DIR/assets``.
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
from studio.planning.highlights import HighlightError
from studio.planning.hooks import HookCandidate, suggest_hooks
from studio.planning.llm import LlmError, LlmPlanner, LlmSettings
from studio.planning.material import KINDS, Material, MaterialError, load_material
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.planning.shorts import DEFAULT_DURATION, PlanningError, plan_variants
from studio.planning.transcribe import TranscriptionError
from studio.spec import (
    BrandKit,
    DocumentKind,
    ShortsFormat,
    ShortsPlan,
    SpecError,
    load_document,
    parse_document,
)

MIN_DURATION, MAX_DURATION = 5.0, 180.0
LLM_HOOKS = 10
FORMATS = ", ".join(f.value for f in ShortsFormat)


class _BadInput(Exception):
    """A command-line value the user must fix; the message names the option."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "shorts",
        help="hooks and Shorts Plans from an idea, a script, a production or a video",
        description="Plan hook-first shorts offline. 'hooks' ranks openings; 'variants' writes "
        "one Shorts Plan per hook and format, ready for 'studio render'.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    hooks = actions.add_parser(
        "hooks",
        help="rank hook-first openings with their scores and reasons",
        description="Rank openings of at most 12 words by the patterns creators use (a number, "
        "a question, a negation, a promise, a contrarian claim, 'you', a curiosity gap).",
    )
    _add_source(hooks)
    hooks.add_argument("-n", type=int, default=5, metavar="N", help="how many (default 5)")
    hooks.add_argument("--json", action="store_true", help="print a JSON list of hooks")
    hooks.set_defaults(run=run_hooks)

    variants = actions.add_parser(
        "variants",
        help="write one Shorts Plan per hook and format",
        description="Write DIR/<variant_id>.json per (hook, format); a video's cut clips go to "
        "DIR/assets. Hook numbers are the ranks 'studio shorts hooks' prints.",
    )
    _add_source(variants)
    variants.add_argument("--hooks", default="1", metavar="1,3", help="hook ranks (default 1)")
    variants.add_argument(
        "--formats", default="9_16", metavar="9_16,1_1", help=f"any of {FORMATS} (default 9_16)"
    )
    variants.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION,
        metavar="S",
        help=f"seconds, {MIN_DURATION:g}-{MAX_DURATION:g} (default {DEFAULT_DURATION:g}); a "
        "video's short ends with its last whole sentence that fits",
    )
    variants.add_argument("--brand-kit", type=Path, metavar="FILE", help="a brand kit JSON file")
    variants.add_argument(
        "--estimate",
        action="store_true",
        help="time lines by a measured speaking rate instead of running the voice (faster)",
    )
    variants.add_argument(
        "-o", "--output", type=Path, required=True, metavar="DIR", help="folder for the plans"
    )
    variants.set_defaults(run=run_variants)

    def usage(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return Exit.BAD_INPUT

    parser.set_defaults(run=usage)


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="the idea's text (or a file of it), a script file, a Production Plan or a video",
    )
    parser.add_argument("--from", dest="kind", required=True, choices=KINDS, help="what SOURCE is")
    parser.add_argument(
        "--language", default="en", metavar="LANG", help="the language spoken (default en)"
    )


def _load(verb: str, args: argparse.Namespace) -> Material:
    material = load_material(args.source, args.kind, args.language)
    if material.transcript is not None:
        print(
            f"studio shorts {verb}: transcribed by {material.transcript.recogniser}",
            file=sys.stderr,
        )
    for note in material.notes:
        print(f"studio shorts {verb}: {note}", file=sys.stderr)
    return material


def _fail(verb: str, message: str, code: int = Exit.BAD_INPUT) -> int:
    print(f"studio shorts {verb}: {message}", file=sys.stderr)
    return code


def _suggest(verb: str, material: Material, n: int | None) -> list[HookCandidate]:
    """Offline candidates, plus an LLM's when one is configured, all scored by the same rules.

    The LLM is always asked for the same number of hooks, so ``hooks`` and ``variants`` number
    them alike (the request is deterministic: temperature 0 and a fixed seed).
    """
    try:
        settings = LlmSettings.from_env()
        if settings is None:
            return suggest_hooks(material, n)
        text = " ".join(sentence.text for sentence in material.sentences) or material.topic.phrase
        kind = "transcript" if material.kind == "video" else material.kind
        written = LlmPlanner(settings).hooks(text, LLM_HOOKS, kind=kind)
    except LlmError as error:
        print(f"studio shorts {verb}: {error}; using the offline hooks", file=sys.stderr)
        return suggest_hooks(material, n)
    return suggest_hooks(material, n, extra_texts=written)


def run_hooks(args: argparse.Namespace) -> int:
    if args.n < 1:
        return _fail("hooks", f"-n {args.n}: ask for at least 1 hook")
    try:
        material = _load("hooks", args)
    except (MaterialError, TranscriptionError) as error:
        return _fail("hooks", str(error))
    hooks = _suggest("hooks", material, args.n)
    if args.json:
        print(json.dumps([hook.as_dict() for hook in hooks], ensure_ascii=False, indent=2))
        return Exit.OK
    for hook in hooks:
        print(f"{hook.rank}. [{hook.score:g}] {hook.text}")
        print(f"   {'; '.join(hook.reasons)}")
    return Exit.OK


def _formats(text: str) -> list[ShortsFormat]:
    found: list[ShortsFormat] = []
    for item in (part.strip() for part in text.split(",")):
        try:
            format = ShortsFormat(item.replace(":", "_"))
        except ValueError:
            raise _BadInput(f"--formats {item!r}: unknown format; use {FORMATS}") from None
        if format not in found:
            found.append(format)
    return found


def _hook_numbers(text: str) -> list[int]:
    numbers: list[int] = []
    for item in (part.strip() for part in text.split(",")):
        if not item.isdigit() or int(item) < 1:
            raise _BadInput(f"--hooks {item!r}: hook numbers are ranks from 1, e.g. --hooks 1,3")
        if int(item) not in numbers:
            numbers.append(int(item))
    return numbers


def _brand_kit(path: Path | None) -> BrandKit | None:
    if path is None:
        return None
    try:
        kit = load_document(path, DocumentKind.BRAND_KIT).model
    except SpecError as error:
        problems = "\n".join(str(problem) for problem in error.problems)
        raise _BadInput(f"--brand-kit {error.source}: invalid\n{problems}") from None
    assert isinstance(kit, BrandKit)
    return kit


def _check_options(args: argparse.Namespace) -> tuple[list[ShortsFormat], list[int]]:
    formats = _formats(args.formats)
    numbers = _hook_numbers(args.hooks)
    if not MIN_DURATION <= args.duration <= MAX_DURATION:
        raise _BadInput(
            f"--duration {args.duration:g}: a short lasts {MIN_DURATION:g} to {MAX_DURATION:g} s"
        )
    if args.output.exists() and not args.output.is_dir():
        raise _BadInput(f"-o {args.output}: is a file, not a folder")
    return formats, numbers


def _chosen(material: Material, numbers: list[int]) -> list[HookCandidate]:
    ranked = _suggest("variants", material, None)
    for number in numbers:
        if number > len(ranked):
            raise _BadInput(
                f"--hooks {number}: this source has {len(ranked)} hooks (see 'studio shorts hooks')"
            )
    return [ranked[number - 1] for number in numbers]


def _write(plan: ShortsPlan, folder: Path) -> Path:
    """Write to a temporary file in the folder, then move it into place."""
    data = plan.model_dump(mode="json")
    path = folder / f"{plan.variant_id}.json"
    temporary = folder / f".{plan.variant_id}.{uuid.uuid4().hex[:12]}.partial.json"
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def _plans(
    args: argparse.Namespace,
    material: Material,
    hooks: list[HookCandidate],
    formats: list[ShortsFormat],
    brand_kit: BrandKit | None,
) -> list[ShortsPlan]:
    clock: SpeechClock = RateClock() if args.estimate else VoiceClock(LocalMedia(), "default")
    assets = args.output / "assets" if material.kind == "video" else None
    try:
        return plan_variants(
            material, hooks, formats, args.duration, clock, brand_kit, assets_dir=assets
        )
    except VoiceError as error:
        print(
            f"studio shorts variants: the voice failed ({error}); timing by speaking rate",
            file=sys.stderr,
        )
        return plan_variants(
            material, hooks, formats, args.duration, RateClock(), brand_kit, assets_dir=assets
        )


def run_variants(args: argparse.Namespace) -> int:
    try:
        formats, numbers = _check_options(args)
        brand_kit = _brand_kit(args.brand_kit)
        material = _load("variants", args)
        hooks = _chosen(material, numbers)
        args.output.mkdir(parents=True, exist_ok=True)
        plans = _plans(args, material, hooks, formats, brand_kit)
    except (_BadInput, MaterialError, TranscriptionError, PlanningError) as error:
        return _fail("variants", str(error))
    except OSError as error:
        return _fail("variants", f"-o {args.output}: {error.strerror}")
    except HighlightError as error:
        return _fail("variants", str(error), Exit.FAILED)
    for plan in plans:
        parse_document(plan.model_dump(mode="json"))
    try:
        written = [_write(plan, args.output) for plan in plans]
    except OSError as error:
        return _fail("variants", f"-o {args.output}: cannot write: {error.strerror}", Exit.FAILED)
    for plan, path in zip(plans, written, strict=True):
        lines = len(plan.script.lines)
        print(f"{path}: {plan.duration_seconds:g} s, {lines} lines, hook: {plan.hook.text}")
    example = written[0]
    render = f"studio render {example} -o {example.with_suffix('.mp4')}"
    if material.kind == "video":
        render += f" --assets {args.output / 'assets'}"
    print(f"render one: {render}")
    source = plans[0].visual_plan.source
    if material.kind == "production" and source.asset_id:
        print(
            f"its picture is asset {source.asset_id!r}: add --assets with the production's "
            "assets folder to use it"
        )
    return Exit.OK
