"""``studio shorts hooks|variants|new|run|list|show``: hook-first shorts from any source.

``hooks`` lists ranked openings with their scores and reasons; ``variants`` writes one Shorts
Plan per (hook, format) into a folder, plus the cut clips of a video under ``DIR/assets``.
``new`` keeps a batch in the library (its source: an idea, a script, a production of the library
or a video, imported) and ``run`` queues its jobs (generate_hooks, plan_variants,
render_variants); with ``--wait`` it runs them here and prints each variant's video.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from studio.commands import Exit, write_json_atomic
from studio.commands.jobs import (
    CommandError,
    chain_failure,
    find_row,
    job_summary,
    print_json,
    run_jobs,
    unfinished_jobs,
    with_library,
)
from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.generate.voice import VoiceError
from studio.pipeline.sources import VIDEO_SUFFIXES, MediaError, probe_video
from studio.planning.highlights import HighlightError
from studio.planning.hooks import HookCandidate, suggest_hooks
from studio.planning.llm import LlmError, LlmPlanner, LlmSettings
from studio.planning.material import KINDS, Material, MaterialError, load_material
from studio.planning.pace import RateClock, SpeechClock, VoiceClock
from studio.planning.shorts import DEFAULT_DURATION, PlanningError, plan_variants
from studio.planning.transcribe import TranscriptionError, sidecar_for
from studio.services.jobs import (
    PRIORITY_NORMAL,
    PRIORITY_PREVIEW,
    LocalRunner,
    NotEnoughTrips,
    trips_for,
)
from studio.services.library import Library
from studio.services.library.models import Asset, Job, Production, Shorts
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
    _register_library_actions(actions)

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
    path = folder / f"{plan.variant_id}.json"
    write_json_atomic(plan.model_dump(mode="json"), path)
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


# Batches in the library: new, run, list, show


def _register_library_actions(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    new = actions.add_parser(
        "new",
        help="keep a batch of shorts in the library (nothing is planned yet)",
        description="SOURCE is the idea's text (or a file of it), a script file, a production "
        "id of the library or a video file (imported). The options are the batch's own.",
    )
    new.add_argument("source", metavar="SOURCE")
    new.add_argument("--from", dest="kind", required=True, choices=KINDS, help="what SOURCE is")
    new.add_argument("--title", help="the batch's title (default: from the source)")
    new.add_argument("--formats", default="9_16", metavar="9_16,1_1", help=f"any of {FORMATS}")
    new.add_argument("--hooks", default="1", metavar="1,3", help="hook ranks (default 1)")
    new.add_argument("--duration", type=float, default=DEFAULT_DURATION, metavar="S")
    new.add_argument("--language", default="en", metavar="LANG")
    new.add_argument("--json", action="store_true", help="print the batch as JSON")
    new.set_defaults(run=with_library("shorts new", run_new))

    run = actions.add_parser(
        "run",
        help="queue generate_hooks -> plan_variants -> render_variants (--wait: run it here)",
        description="Exit codes with --wait: 0 and each variant's video, 1 when a job failed, "
        "2 for a bad id.",
    )
    run.add_argument("id", metavar="ID", help="a shorts batch id (or its first characters)")
    run.add_argument("--wait", action="store_true", help="run the jobs here until they end")
    run.add_argument("--preset", default="final", choices=("final", "draft"))
    run.add_argument("--estimate", action="store_true", help="time lines by speaking rate")
    run.add_argument("--placeholders", action="store_true", help="cards for missing media")
    run.set_defaults(run=with_library("shorts run", run_batch))

    listing = actions.add_parser("list", help="every shorts batch, newest first")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=with_library("shorts list", run_list))

    show = actions.add_parser("show", help="a batch's variants and their videos")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=with_library("shorts show", run_show))


def _import_video(library: Library, path: Path) -> dict[str, Any]:
    """Put the video in the store as an asset; the batch's source names it by its id and keeps
    the subtitles file beside it (the transcriber's second choice) as text."""
    if not path.is_file() or path.suffix.lower() not in VIDEO_SUFFIXES:
        raise CommandError(f"{path}: not a video file ({', '.join(sorted(VIDEO_SUFFIXES))})")
    try:
        info = probe_video(path)
    except MediaError as error:
        raise CommandError(f"{path}: not a readable video ({error})") from None
    stored = library.store.put(path)
    with library.session() as session:
        if session.get(Asset, stored.sha256) is None:
            meta = {"width": info.width, "height": info.height, "duration": info.duration}
            session.add(
                Asset(
                    id=stored.sha256,
                    kind="video",
                    original_name=path.name[:300],
                    path=stored.path,
                    size_bytes=stored.size_bytes,
                    meta={**meta, "fps": info.fps, "has_audio": info.has_audio},
                )
            )
    source: dict[str, Any] = {"asset_id": stored.sha256, "name": path.name}
    sidecar = sidecar_for(path)
    if sidecar is not None:
        try:
            text = sidecar.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as error:
            raise CommandError(f"{sidecar}: not readable UTF-8 subtitles ({error})") from None
        source["subtitles"] = {"suffix": sidecar.suffix.lower(), "text": text}
        print(f"studio shorts new: the subtitles {sidecar.name} come with it", file=sys.stderr)
    return source


def _source(args: argparse.Namespace, library: Library) -> tuple[dict[str, Any], str]:
    """The batch's source payload and a default title; CommandError when it cannot be used."""
    if args.kind == "production":
        with library.session(readonly=True) as session:
            production = find_row(session, Production, args.source, "production")
            if production.current_plan() is None:
                raise CommandError(
                    f"production {production.id} has no plan yet: run "
                    f"'studio productions run {production.id}' first"
                )
            return {"production_id": production.id}, production.title
    if args.kind == "video":
        return _import_video(library, Path(args.source)), Path(args.source).stem
    try:
        material = load_material(args.source, args.kind, args.language)
    except MaterialError as error:
        raise CommandError(str(error)) from None
    path = Path(args.source)
    from_file = args.kind == "script" or (
        len(args.source) < 4096 and "\n" not in args.source and path.is_file()
    )
    text = path.read_text(encoding="utf-8-sig") if from_file else args.source
    return {"text": text}, material.topic.phrase


def run_new(args: argparse.Namespace, library: Library) -> int:
    try:
        formats = [format.value for format in _formats(args.formats)]
        numbers = _hook_numbers(args.hooks)
    except _BadInput as error:
        raise CommandError(str(error)) from None
    if not MIN_DURATION <= args.duration <= MAX_DURATION:
        raise CommandError(
            f"--duration {args.duration:g}: a short lasts {MIN_DURATION:g} to {MAX_DURATION:g} s"
        )
    if args.title is not None and not 0 < len(args.title.strip()) <= 300:
        raise CommandError("--title: give a title of 1 to 300 characters")
    source, title = _source(args, library)
    options = {"formats": formats, "hooks": numbers, "duration": args.duration}
    with library.session() as session:
        batch = Shorts(
            title=(args.title or title or "Shorts").strip()[:300],
            source_type=args.kind,
            source_payload={**source, **options, "language": args.language},
        )
        session.add(batch)
        session.flush()
        batch_id = batch.id
    if args.json:
        print_json(_batch(library, batch_id))
    else:
        print(batch_id)
    return Exit.OK


def _batch(library: Library, batch_id: str) -> dict[str, Any]:
    """The batch as ``shorts show --json`` prints it."""
    with library.session(readonly=True) as session:
        batch = find_row(session, Shorts, batch_id, "shorts batch")
        jobs = session.scalars(
            select(Job).where(Job.shorts_id == batch.id).order_by(Job.created_at, Job.id)
        ).all()
        variants = [
            {
                "id": variant.id,
                "variant_id": variant.variant_id,
                "format": variant.format,
                "status": variant.status,
                "hook": variant.plan.get("hook", {}).get("text"),
                "duration_seconds": variant.plan.get("duration_seconds"),
                "video": str(library.store.path_of(variant.video_path).resolve())
                if variant.video_path
                else None,
            }
            for variant in batch.variants
        ]
        return {
            "id": batch.id,
            "title": batch.title,
            "status": batch.status,
            "source_type": batch.source_type,
            "source": dict(batch.source_payload),
            "variants": variants,
            "jobs": [job_summary(job) for job in jobs],
            "created_at": batch.created_at,
        }


def run_batch(args: argparse.Namespace, library: Library) -> int:
    with library.session(readonly=True) as session:
        batch = find_row(session, Shorts, args.id, "shorts batch")
        batch_id, source = batch.id, dict(batch.source_payload)
        rendered = sum(1 for variant in batch.variants if variant.video_path)
        pending = [job.id for job in unfinished_jobs(session, shorts_id=batch_id)]
    if pending:
        print(f"studio shorts run: resuming the unfinished run of {batch_id}", file=sys.stderr)
        job_ids = pending
    else:
        needed = len(source.get("hooks", [1])) * len(source.get("formats", ["9_16"])) - rendered
        balance = trips_for(library).balance()
        if needed > 0 and balance < needed:
            short = NotEnoughTrips(needed, balance, "rendering these shorts")
            raise CommandError(f"{short} (see 'studio trips')", Exit.FAILED)
        steps: list[tuple[str, Mapping[str, Any]]] = [
            ("shorts.generate_hooks", {}),
            ("shorts.plan_variants", {"estimate": bool(args.estimate)}),
            (
                "shorts.render_variants",
                {"preset": args.preset, "placeholders": bool(args.placeholders)},
            ),
        ]
        priority = PRIORITY_PREVIEW if args.preset == "draft" else PRIORITY_NORMAL
        runner = LocalRunner(library)
        job_ids = [
            info.id for info in runner.enqueue_chain(steps, priority=priority, shorts_id=batch_id)
        ]
    if not args.wait:
        print("\n".join(job_ids))
        print("studio shorts run: queued; 'studio jobs work' runs the jobs", file=sys.stderr)
        return Exit.OK
    failure = chain_failure(run_jobs(library, job_ids))
    if failure is not None:
        print(f"studio shorts run: {failure}", file=sys.stderr)
        return Exit.FAILED
    for variant in _batch(library, batch_id)["variants"]:
        if variant["video"]:
            print(f"{variant['video']}  {variant['variant_id']}")
    return Exit.OK


def run_list(args: argparse.Namespace, library: Library) -> int:
    with library.session(readonly=True) as session:
        found = [
            {
                "id": batch.id,
                "title": batch.title,
                "status": batch.status,
                "source_type": batch.source_type,
                "variants": len(batch.variants),
                "created_at": batch.created_at,
            }
            for batch in session.scalars(
                select(Shorts).order_by(Shorts.created_at.desc(), Shorts.id)
            )
        ]
    if args.json:
        print_json(found)
        return Exit.OK
    if not found:
        print("no shorts yet: create a batch with 'studio shorts new'", file=sys.stderr)
    for item in found:
        print(
            f"{item['id']}  {item['status']:<9} {item['source_type']:<10} "
            f"{item['variants']:>2} variants  {item['title']}"
        )
    return Exit.OK


def run_show(args: argparse.Namespace, library: Library) -> int:
    details = _batch(library, args.id)
    if args.json:
        print_json(details)
        return Exit.OK
    print(f"shorts {details['id']}: {details['title']}")
    print(f"status: {details['status']}, from: {details['source_type']}")
    print("variants:" if details["variants"] else "variants: none planned yet")
    for variant in details["variants"]:
        print(
            f"  {variant['variant_id']} ({variant['format']}, {variant['status']}): "
            f"{variant['hook']}"
        )
        print(f"    video: {variant['video'] or 'not rendered yet'}")
    for job in details["jobs"]:
        if job["status"] == "failed":
            print(f"failed job {job['id']} ({job['type']}): {job['error']}")
    return Exit.OK
