"""``studio jobs list|show|cancel|retry|work``: the persistent job queue from the command line.

``jobs work`` runs the queue in the foreground: it is how queued work gets done headless, and how
a run that was killed resumes (jobs a dead runner left running are queued again and continue
from their last checkpoint, charging no trip twice).

The helpers here are shared by the verbs that keep their work in the library (``productions``,
``shorts``, ``trips``): opening the library, finding rows by id, printing job progress, and
running a chain of jobs until it ends.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime
from types import FrameType
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session

from studio.commands import Exit
from studio.services.jobs import JobInfo, JobStateError, JobUpdate, LocalRunner, NoSuchJob
from studio.services.library import Library, data_dir
from studio.services.library.models import JOB_STATUSES, Job, JobEvent, Production, Shorts

POLL_SECONDS = 0.2
SHORT_ID = 8
"""Characters of an id shown in progress lines; any unique prefix of 4 or more finds a row."""

Row = TypeVar("Row", Production, Shorts, Job)
Action = Callable[[argparse.Namespace, Library], int]


class CommandError(Exception):
    """A message for the user and the exit code that goes with it (2: input to fix)."""

    def __init__(self, message: str, code: int = Exit.BAD_INPUT) -> None:
        super().__init__(message)
        self.code = code


def open_library() -> Library:
    """The library of STUDIO_DATA_DIR / STUDIO_DATABASE_URL (or the user's data folder)."""
    try:
        return Library.open()
    except ArgumentError as error:
        raise CommandError(f"STUDIO_DATABASE_URL: {error}") from None
    except (SQLAlchemyError, OSError) as error:
        raise CommandError(
            f"cannot open the library in {data_dir()}: {error}", Exit.FAILED
        ) from None


def with_library(verb: str, action: Action) -> Callable[[argparse.Namespace], int]:
    """A ``run(args)`` that opens the library for ``action`` and reports CommandError."""

    def run(args: argparse.Namespace) -> int:
        try:
            library = open_library()
            try:
                return action(args, library)
            finally:
                library.close()
        except CommandError as error:
            print(f"studio {verb}: {error}", file=sys.stderr)
            return error.code
        except (NoSuchJob, JobStateError) as error:
            print(f"studio {verb}: {error}", file=sys.stderr)
            return Exit.BAD_INPUT

    return run


def find_row(session: Session, model: type[Row], text: str, noun: str) -> Row:
    """The row with id ``text``, or the only one whose id starts with it (4+ characters)."""
    row = session.get(model, text)
    if row is not None:
        return row
    if len(text) >= 4:
        query = select(model).where(model.id.startswith(text, autoescape=True)).limit(2)
        matches = session.scalars(query).all()
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise CommandError(f"'{text}' matches several {noun}s: give more of the id")
    raise CommandError(f"no {noun} '{text}'")


def unfinished_jobs(session: Session, *, production_id: str = "", shorts_id: str = "") -> list[Job]:
    """A production's or batch's queued and running jobs, oldest first (a run in progress)."""
    query = select(Job).where(Job.status.in_(["queued", "running"]))
    if production_id:
        query = query.where(Job.production_id == production_id)
    if shorts_id:
        query = query.where(Job.shorts_id == shorts_id)
    return list(session.scalars(query.order_by(Job.created_at, Job.id)))


def when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def jsonable(value: Any) -> Any:
    """Dates as ISO 8601 text, mappings as dicts: what ``json.dumps`` takes."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def print_json(data: Any) -> None:
    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))


def job_summary(job: Job | JobInfo) -> dict[str, Any]:
    return {
        "id": job.id,
        "type": job.type,
        "status": job.status,
        "progress": round(job.progress, 3),
        "error": job.error,
    }


class ProgressPrinter:
    """Prints job updates as lines on stderr: status changes, logs, progress every 10%."""

    def __init__(self, only: Sequence[str] | None = None) -> None:
        self.only = set(only) if only is not None else None
        self.ended: dict[str, str] = {}
        self._steps: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, update: JobUpdate) -> None:
        if self.only is not None and update.job_id not in self.only:
            return
        name = f"{update.job_type} {update.job_id[:SHORT_ID]}"
        line = ""
        with self._lock:
            if update.kind == "progress" and update.progress is not None:
                step = int(update.progress * 10)
                if step > self._steps.get(update.job_id, 0):
                    self._steps[update.job_id] = step
                    line = f"{name}: {step * 10}% {update.message}".rstrip()
            elif update.kind == "status":
                if update.status in ("succeeded", "failed", "cancelled"):
                    self.ended[update.job_id] = update.status
                extra = "" if update.message == update.status else f" ({update.message})"
                line = f"{name}: {update.status}{extra}"
            elif update.kind == "error":
                self.ended[update.job_id] = update.status
                line = f"{name}: {update.status}: {update.message}"
            elif update.message:
                line = f"{name}: {update.message}"
            if line:
                print(line, file=sys.stderr, flush=True)


def run_jobs(library: Library, job_ids: Sequence[str], workers: int = 2) -> list[JobInfo]:
    """Run the queue here until every job of ``job_ids`` has ended; their final states.

    Another runner (the app, ``studio jobs work``) may run some of them: only their state in the
    library counts. Ctrl-C stops the workers; the jobs resume with ``studio jobs work``.
    """
    runner = LocalRunner(library, workers=workers)
    unsubscribe = runner.subscribe(ProgressPrinter(job_ids))
    runner.start()
    try:
        while True:
            infos = [runner.get(job_id) for job_id in job_ids]
            if all(info.finished for info in infos):
                return infos
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        print("stopping: the run resumes with 'studio jobs work'", file=sys.stderr)
        raise
    finally:
        runner.stop()
        unsubscribe()


def chain_failure(infos: Sequence[JobInfo]) -> str | None:
    """Why a finished chain did not succeed, or None when every job did."""
    for info in infos:
        if info.status == "failed":
            return f"{info.type} failed: {info.error or info.message}"
    for info in infos:
        if info.status == "cancelled":
            return f"{info.type} was cancelled ({info.message or 'cancelled'})"
    return None


# The ``jobs`` verb


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="list, inspect, cancel, retry and run the queued pipeline jobs",
        description="Every production and shorts run is a chain of jobs kept in the library. "
        "'work' runs them here; a killed run resumes where it stopped.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    listing = actions.add_parser("list", help="the latest jobs, newest first")
    listing.add_argument("--status", choices=JOB_STATUSES, help="only jobs in this state")
    listing.add_argument("-n", type=int, default=50, metavar="N", help="at most N (default 50)")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=with_library("jobs list", run_list))

    show = actions.add_parser("show", help="one job with its events")
    show.add_argument("id", metavar="ID", help="a job id (or its first characters)")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(run=with_library("jobs show", run_show))

    cancel = actions.add_parser("cancel", help="cancel a job and the jobs waiting on it")
    cancel.add_argument("id", metavar="ID")
    cancel.set_defaults(run=with_library("jobs cancel", run_cancel))

    retry = actions.add_parser("retry", help="queue a failed or cancelled job again")
    retry.add_argument("id", metavar="ID")
    retry.set_defaults(run=with_library("jobs retry", run_retry))

    work = actions.add_parser(
        "work",
        help="run queued jobs here (resuming interrupted ones) until Ctrl-C",
        description="Run the queue in the foreground: interrupted jobs are found and resumed "
        "from their last safe point first. Exit 1 when a job failed.",
    )
    work.add_argument(
        "--until-idle", action="store_true", help="stop when no job is queued or running"
    )
    work.add_argument("--workers", type=int, default=2, metavar="N", help="jobs at once (2)")
    work.set_defaults(run=with_library("jobs work", run_work))

    def usage(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return Exit.BAD_INPUT

    parser.set_defaults(run=usage)


def _owner(job: Job | JobInfo) -> str:
    if job.production_id:
        return f"production {job.production_id[:SHORT_ID]}"
    if job.shorts_id:
        return f"shorts {job.shorts_id[:SHORT_ID]}"
    return "-"


def run_list(args: argparse.Namespace, library: Library) -> int:
    if args.n < 1:
        raise CommandError(f"-n {args.n}: list at least 1 job")
    jobs = LocalRunner(library).list(status=args.status, limit=args.n)
    if args.json:
        print_json(
            [
                {**job_summary(job), "owner": _owner(job), "created_at": job.created_at}
                for job in jobs
            ]
        )
        return Exit.OK
    if not jobs:
        print("no jobs" + (f" {args.status}" if args.status else ""), file=sys.stderr)
    for job in jobs:
        print(
            f"{job.id}  {job.type:<22} {job.status:<9} {job.progress * 100:>3.0f}%  "
            f"{_owner(job):<17} {when(job.created_at)}"
        )
    return Exit.OK


def _job_id(library: Library, text: str) -> str:
    with library.session(readonly=True) as session:
        return find_row(session, Job, text, "job").id


def run_show(args: argparse.Namespace, library: Library) -> int:
    job_id = _job_id(library, args.id)
    info = LocalRunner(library).get(job_id)
    with library.session(readonly=True) as session:
        events = session.scalars(
            select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)
        ).all()
        history = [
            {"at": e.at, "kind": e.kind, "message": e.message, "progress": e.progress}
            for e in events
        ]
    if args.json:
        print_json({**asdict(info), "events": history})
        return Exit.OK
    print(f"job {info.id}: {info.type}")
    print(f"status: {info.status} (attempt {info.attempts} of {info.max_attempts})")
    print(f"for: {_owner(info)}")
    print(f"progress: {info.progress * 100:.0f}% {info.message}".rstrip())
    if info.error:
        print(f"error: {info.error}")
    if info.depends_on:
        print(f"after job: {info.depends_on}")
    print(
        f"created {when(info.created_at)}, started {when(info.started_at)}, "
        f"finished {when(info.finished_at)}"
    )
    print("events:")
    for event in history:
        at = event["at"] if isinstance(event["at"], datetime) else None
        print(f"  {when(at)}  {event['kind']:<8} {event['message']}")
    return Exit.OK


def run_cancel(args: argparse.Namespace, library: Library) -> int:
    runner = LocalRunner(library)
    before = runner.get(_job_id(library, args.id))
    if before.finished:
        raise CommandError(f"job {before.id} already {before.status}: nothing to cancel")
    info = runner.cancel(before.id)
    if info.status == "cancelled":
        print(f"job {info.id} ({info.type}) cancelled, with the jobs waiting on it")
    else:
        print(f"job {info.id} ({info.type}) is running: asked it to stop (within moments)")
    return Exit.OK


def run_retry(args: argparse.Namespace, library: Library) -> int:
    info = LocalRunner(library).retry(_job_id(library, args.id))
    print(f"job {info.id} ({info.type}) queued again; run 'studio jobs work' to do it")
    return Exit.OK


def run_work(args: argparse.Namespace, library: Library) -> int:
    if args.workers < 1:
        raise CommandError(f"--workers {args.workers}: at least 1")
    runner = LocalRunner(library, workers=args.workers)
    printer = ProgressPrinter()
    runner.subscribe(printer)
    recovered = runner.recover()
    if recovered:
        print(f"studio jobs work: resuming {len(recovered)} interrupted job(s)", file=sys.stderr)
    if args.until_idle:
        runner.run_until_idle()
    else:
        _run_until_stopped(runner)
    ended = list(printer.ended.values())
    counts = {status: ended.count(status) for status in ("succeeded", "failed", "cancelled")}
    print(
        f"studio jobs work: {counts['succeeded']} succeeded, {counts['failed']} failed, "
        f"{counts['cancelled']} cancelled",
        file=sys.stderr,
    )
    return Exit.FAILED if counts["failed"] else Exit.OK


def _run_until_stopped(runner: LocalRunner) -> None:
    """Run until Ctrl-C or SIGTERM; running jobs are interrupted and resume next time."""
    stop = threading.Event()

    def on_signal(number: int, frame: FrameType | None) -> None:
        stop.set()

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_signal)
    runner.start()
    print("studio jobs work: running jobs; Ctrl-C stops", file=sys.stderr)
    try:
        while not stop.wait(POLL_SECONDS):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
