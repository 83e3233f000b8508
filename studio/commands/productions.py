"""``studio productions new|list|show|run|delete``: Cinema films kept in the library.

``new`` creates a production from a title, a script and a folder of photos, clips and music
(imported into the library's store); ``run`` queues its pipeline as persisted jobs (plan,
generate_assets, assemble, render) and with ``--wait`` runs them here and prints the film's path.
A run that was interrupted (Ctrl-C, a crash, a kill) is resumed by ``studio jobs work`` or by
running ``productions run --wait`` again; either way the film costs one trip.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from studio.commands import Exit
from studio.commands.jobs import (
    CommandError,
    chain_failure,
    find_row,
    job_summary,
    print_json,
    run_jobs,
    unfinished_jobs,
    when,
    with_library,
)
from studio.services.jobs import (
    PRIORITY_NORMAL,
    PRIORITY_PREVIEW,
    JobContext,
    LocalRunner,
    NotEnoughTrips,
    trips_for,
)
from studio.services.jobs.cinema import ingest
from studio.services.library import Library
from studio.services.library.models import PRODUCTION_MODES, Job, PlanRevision, Production
from studio.spec.common import KNOWN_STYLES

MAX_TITLE = 300


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "productions",
        help="Cinema films in the library: create, run headless, inspect, delete",
        description="A production is a script, its files, its plan revisions and its film. "
        "'run --wait' plans, makes the missing media and renders it, printing the film's path.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    new = actions.add_parser("new", help="create a production (and import its files)")
    new.add_argument("--title", required=True, help="the production's title")
    new.add_argument("--script", type=Path, metavar="FILE", help="a .txt or .md script")
    new.add_argument("--assets", type=Path, metavar="DIR", help="photos, clips and music to use")
    new.add_argument("--style", default="neo_glow", help="the look (default neo_glow)")
    new.add_argument("--mode", default="simple", choices=PRODUCTION_MODES)
    new.add_argument("--json", action="store_true", help="print the production as JSON")
    new.set_defaults(run=with_library("productions new", run_new))

    listing = actions.add_parser("list", help="every production, newest first")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=with_library("productions list", run_list))

    show = actions.add_parser("show", help="a production's status, plans, jobs and film")
    show.add_argument("id", metavar="ID", help="a production id (or its first characters)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=with_library("productions show", run_show))

    run = actions.add_parser(
        "run",
        help="queue plan -> generate_assets -> assemble -> render (with --wait, run it here)",
        description="Queue the Cinema pipeline. Exit codes with --wait: 0 and the film's path, "
        "1 when a job failed (its error is printed), 2 for a bad id or input.",
    )
    run.add_argument("id", metavar="ID")
    run.add_argument("--wait", action="store_true", help="run the jobs here until the film is done")
    run.add_argument("--preset", default="final", choices=("final", "draft"))
    run.add_argument(
        "--estimate", action="store_true", help="time beats by speaking rate (faster planning)"
    )
    run.add_argument(
        "--placeholders", action="store_true", help="placeholder cards for missing media"
    )
    run.add_argument(
        "--keep-plan", action="store_true", help="render the latest plan as it is (no re-plan)"
    )
    run.set_defaults(run=with_library("productions run", run_run))

    delete = actions.add_parser("delete", help="delete a production and the files only it used")
    delete.add_argument("id", metavar="ID")
    delete.set_defaults(run=with_library("productions delete", run_delete))

    def usage(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return Exit.BAD_INPUT

    parser.set_defaults(run=usage)


def _read_script(path: Path) -> str:
    if not path.is_file():
        raise CommandError(f"--script {path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as error:
        raise CommandError(f"--script {path}: not a readable UTF-8 text file ({error})") from None
    if not text.strip():
        raise CommandError(f"--script {path}: the script is empty")
    return text


class _StderrReporter:
    """Reports of the import, as the job would log them: rejected files on stderr."""

    def progress(self, job_id: str, fraction: float, message: str) -> None:
        return None

    def log(self, job_id: str, message: str) -> None:
        print(f"studio productions new: skipped {message}", file=sys.stderr)

    def save_checkpoint(self, job_id: str, data: Mapping[str, Any]) -> None:
        return None


def _import(library: Library, production_id: str, folder: Path) -> Mapping[str, Any]:
    """Import ``folder`` into the store and link it to the production (the cinema.ingest job)."""
    with tempfile.TemporaryDirectory(dir=library.data_dir, prefix=".import-") as work:
        ctx = JobContext("import", "cinema.ingest", library, _StderrReporter(), work_dir=Path(work))
        return ingest({"production_id": production_id, "paths": [str(folder)]}, ctx)


def run_new(args: argparse.Namespace, library: Library) -> int:
    title = args.title.strip()
    if not title or len(title) > MAX_TITLE:
        raise CommandError(f"--title: give a title of 1 to {MAX_TITLE} characters")
    script = _read_script(args.script) if args.script is not None else None
    if args.assets is not None and not args.assets.is_dir():
        raise CommandError(f"--assets {args.assets}: not a folder")
    if not args.style.strip() or len(args.style) > 100:
        raise CommandError(f"--style {args.style!r}: give a look such as neo_glow")
    if args.style not in KNOWN_STYLES:
        print(
            f"studio productions new: --style {args.style}: not a look Studio knows, it renders "
            f"as neo_glow (known: {', '.join(KNOWN_STYLES)})",
            file=sys.stderr,
        )
    with library.session() as session:
        production = Production(title=title, mode=args.mode, style=args.style, script_text=script)
        session.add(production)
        session.flush()
        production_id = production.id
    if args.assets is not None:
        try:
            report = _import(library, production_id, args.assets)
        except BaseException:
            with library.session() as session:
                library.store.delete_production(session, production_id)
            raise
        print(
            f"studio productions new: {len(report['asset_ids'])} files linked "
            f"({report['imported']} new, {report['duplicates']} already in the library, "
            f"{len(report['rejected'])} skipped)",
            file=sys.stderr,
        )
    if args.json:
        print_json(_details(library, production_id))
    else:
        print(production_id)
    return Exit.OK


def _video_path(library: Library, production: Production) -> str | None:
    if not production.final_video:
        return None
    return str(library.store.path_of(production.final_video).resolve())


def _details(library: Library, production_id: str) -> dict[str, Any]:
    """The production as ``show --json`` prints it."""
    with library.session(readonly=True) as session:
        production = find_row(session, Production, production_id, "production")
        latest = production.current_plan()
        jobs = session.scalars(
            select(Job).where(Job.production_id == production.id).order_by(Job.created_at, Job.id)
        ).all()
        return {
            "id": production.id,
            "title": production.title,
            "mode": production.mode,
            "style": production.style,
            "status": production.status,
            "script_text": production.script_text,
            "assets": [
                {"id": asset.id, "kind": asset.kind, "name": asset.original_name}
                for asset in production.assets
            ],
            "plan_revisions": len(production.plan_revisions),
            "plan": None
            if latest is None
            else {
                "number": latest.number,
                "source": latest.source,
                "duration_seconds": latest.plan.get("duration_seconds"),
            },
            "jobs": [job_summary(job) for job in jobs],
            "final_video": _video_path(library, production),
            "created_at": production.created_at,
            "updated_at": production.updated_at,
        }


def run_list(args: argparse.Namespace, library: Library) -> int:
    with library.session(readonly=True) as session:
        plans = (
            select(PlanRevision.production_id, func.count().label("plans"))
            .group_by(PlanRevision.production_id)
            .subquery()
        )
        rows = session.execute(
            select(Production, func.coalesce(plans.c.plans, 0))
            .outerjoin(plans, plans.c.production_id == Production.id)
            .order_by(Production.created_at.desc(), Production.id)
        ).all()
        found = [
            {
                "id": production.id,
                "title": production.title,
                "status": production.status,
                "plan_revisions": int(count),
                "final_video": _video_path(library, production),
                "created_at": production.created_at,
            }
            for production, count in rows
        ]
    if args.json:
        print_json(found)
        return Exit.OK
    if not found:
        print("no productions yet: create one with 'studio productions new'", file=sys.stderr)
    for item in found:
        print(
            f"{item['id']}  {item['status']:<10} {item['plan_revisions']:>2} plans  "
            f"{when(item['created_at'])}  {item['title']}"
        )
    return Exit.OK


def run_show(args: argparse.Namespace, library: Library) -> int:
    details = _details(library, args.id)
    if args.json:
        print_json(details)
        return Exit.OK
    print(f"production {details['id']}: {details['title']}")
    print(f"status: {details['status']}")
    print(f"mode: {details['mode']}, style: {details['style']}")
    script = details["script_text"] or ""
    print(f"script: {len(script.split())} words" if script else "script: none")
    kinds = [asset["kind"] for asset in details["assets"]]
    counted = ", ".join(f"{kinds.count(kind)} {kind}" for kind in sorted(set(kinds)))
    print(f"assets: {len(kinds)}" + (f" ({counted})" if counted else ""))
    plan = details["plan"]
    latest = (
        f" (latest: {plan['number']}, {plan['source']}, {plan['duration_seconds']:.1f} s)"
        if plan
        else ""
    )
    print(f"plan revisions: {details['plan_revisions']}{latest}")
    print("jobs:" if details["jobs"] else "jobs: none")
    for job in details["jobs"]:
        error = f": {job['error']}" if job["error"] else ""
        print(f"  {job['id']}  {job['type']:<22} {job['status']}{error}")
    print(f"final video: {details['final_video'] or 'none yet'}")
    return Exit.OK


def _queue(args: argparse.Namespace, library: Library, production_id: str) -> list[str]:
    """Queue a new run of the pipeline after checking it can start; the job ids in order."""
    with library.session(readonly=True) as session:
        production = find_row(session, Production, production_id, "production")
        has_plan = production.current_plan() is not None
        has_script = bool((production.script_text or "").strip())
    if args.keep_plan and not has_plan:
        raise CommandError(f"production {production_id} has no plan to keep: run without it")
    if not args.keep_plan and not has_script:
        raise CommandError(f"production {production_id} has no script: create it with --script")
    balance = trips_for(library).balance()
    if balance < 1:
        short = NotEnoughTrips(1, balance, "this production's render")
        raise CommandError(f"{short} (see 'studio trips')", Exit.FAILED)
    placeholders = bool(args.placeholders)
    steps: list[tuple[str, Mapping[str, Any]]] = [
        ("cinema.generate_assets", {}),
        ("cinema.assemble", {"placeholders": placeholders}),
        ("cinema.render", {"preset": args.preset, "placeholders": placeholders}),
    ]
    if not args.keep_plan:
        steps.insert(0, ("cinema.plan", {"estimate": bool(args.estimate)}))
    priority = PRIORITY_PREVIEW if args.preset == "draft" else PRIORITY_NORMAL
    infos = LocalRunner(library).enqueue_chain(
        steps, priority=priority, production_id=production_id
    )
    return [info.id for info in infos]


def run_run(args: argparse.Namespace, library: Library) -> int:
    with library.session(readonly=True) as session:
        production_id = find_row(session, Production, args.id, "production").id
        pending = [job.id for job in unfinished_jobs(session, production_id=production_id)]
    if pending:
        print(
            f"studio productions run: resuming the unfinished run of {production_id} "
            f"({len(pending)} jobs left; they keep their options)",
            file=sys.stderr,
        )
        job_ids = pending
    else:
        job_ids = _queue(args, library, production_id)
    if not args.wait:
        for job_id in job_ids:
            print(job_id)
        print(
            "studio productions run: queued; 'studio jobs work' runs the jobs, "
            f"'studio productions show {production_id}' tells how far they are",
            file=sys.stderr,
        )
        return Exit.OK
    failure = chain_failure(run_jobs(library, job_ids))
    if failure is not None:
        print(f"studio productions run: {failure}", file=sys.stderr)
        return Exit.FAILED
    video = _details(library, production_id)["final_video"]
    if video is None:
        print("studio productions run: the jobs ended but no film was stored", file=sys.stderr)
        return Exit.FAILED
    print(video)
    return Exit.OK


def run_delete(args: argparse.Namespace, library: Library) -> int:
    with library.session() as session:
        production_id = find_row(session, Production, args.id, "production").id
        jobs = unfinished_jobs(session, production_id=production_id)
        busy = next((job for job in jobs if job.status == "running"), None)
        if busy is not None:
            raise CommandError(
                f"production {production_id} has a running job ({busy.type} {busy.id}): "
                f"cancel it first with 'studio jobs cancel {busy.id}'"
            )
        removed = library.store.delete_production(session, production_id)
    megabytes = removed.bytes_freed / 1e6
    print(
        f"deleted production {production_id} ({len(removed.paths)} files, {megabytes:.1f} MB freed)"
    )
    return Exit.OK
