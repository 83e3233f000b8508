"""Renders for the service on this machine, with the desktop's own job functions.

Each user gets a workspace: a ``studio.services.library`` Library in
``data_dir/workspaces/<user_id>`` (SQLite and a file store of its own) run by a ``LocalRunner``.
Why one library per user rather than one shared with owner columns: the job functions stay
exactly as the desktop runs them, and one user's files can never reach another's render.
The cost is a worker thread per user with work; a distributed queue would replace this class
behind the same ``RenderQueue`` protocol.

A submit copies what the render needs from the service's tables into the workspace (the
production with its uploaded files and plan, or the shorts batch with its variant plans) and
queues the same chain the desktop queues, each step keyed by the run's Idempotency-Key so a
second submit of one run queues nothing new. The run was charged at ``/run``, so each workspace
is bound to ``PrepaidTrips``: the render jobs' charge finds that run's ledger entry and charges
nothing more (and a job of a run that was never paid is refused). Job updates flow back:
a finished render marks the row done (with its video URL); a failed or cancelled one marks it
failed and gives the trips back through ``ledger.reverse``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import select

from studio.cloud import ledger
from studio.cloud.db import Database
from studio.cloud.models import AssetRow, ProductionRow, ShortsRow, TripEntry, User
from studio.cloud.runs import Target
from studio.services.jobs import JobUpdate, LocalRunner
from studio.services.jobs.context import JobRefused
from studio.services.jobs.trips import TripUse, bind_trips
from studio.services.library.db import Library
from studio.services.library.models import (
    Asset,
    Job,
    Production,
    ProductionAsset,
    Shorts,
    ShortVariant,
)

log = logging.getLogger(__name__)

CINEMA_CHAIN = ("cinema.generate_assets", "cinema.assemble", "cinema.render")
SHORTS_CHAIN = ("shorts.render_variants",)
_ENDED = {"succeeded", "failed", "cancelled"}
_LIBRARY_KINDS = {"image", "video", "audio", "script"}


class WorkspaceQueue:
    """A ``RenderQueue`` that renders in per-user workspaces under ``root``."""

    def __init__(self, db: Database, root: Path, uploads: Path, *, preset: str = "final") -> None:
        self.db = db
        self.root = root
        self.uploads = uploads
        self.preset = preset
        self._runners: dict[str, LocalRunner] = {}
        self._lock = threading.Lock()

    # The RenderQueue protocol

    def submit(self, target: Target, owner_id: str, target_id: str, key: str) -> None:
        runner = self._runner(owner_id)
        steps: tuple[str, ...] = CINEMA_CHAIN if target == "production" else SHORTS_CHAIN
        with runner.library.session() as session:
            last = select(Job.id).where(Job.idempotency_key == f"{key}:{steps[-1]}")
            if session.scalar(last) is not None:
                return  # the whole chain was queued before (steps are queued in order)
        production_id: str | None = None
        shorts_id: str | None = None
        if target == "production":
            self._mirror_production(runner.library, owner_id, target_id)
            production_id = target_id
        else:
            self._mirror_shorts(runner.library, owner_id, target_id)
            shorts_id = target_id
        previous: str | None = None
        for step in steps:
            job = runner.enqueue(
                step,
                {"preset": self.preset, "cloud_run": key},
                depends_on=previous,
                production_id=production_id,
                shorts_id=shorts_id,
                idempotency_key=f"{key}:{step}",
            )
            previous = job.id

    # Reading results

    def video(self, owner_id: str, production_id: str) -> Path | None:
        """The rendered film of a production, when there is one."""
        library = self._library_if_any(owner_id)
        if library is None:
            return None
        with library.session() as session:
            production = session.get(Production, production_id)
            relative = production.final_video if production is not None else None
        if not relative:
            return None
        path = library.store.path_of(relative)
        return path if path.is_file() else None

    def short_video(self, owner_id: str, shorts_id: str, variant_id: str) -> Path | None:
        """The rendered MP4 of one variant of a shorts batch (for the social publisher)."""
        library = self._library_if_any(owner_id)
        if library is None:
            return None
        with library.session() as session:
            query = select(ShortVariant.video_path).where(
                ShortVariant.shorts_id == shorts_id, ShortVariant.variant_id == variant_id
            )
            relative = session.scalar(query)
        if not relative:
            return None
        path = library.store.path_of(relative)
        return path if path.is_file() else None

    def resume(self) -> None:
        """Start the runners of existing workspaces, so work interrupted by a restart goes on."""
        if not self.root.is_dir():
            return
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir():
                self._runner(folder.name)

    def close(self) -> None:
        with self._lock:
            runners = list(self._runners.values())
            self._runners.clear()
        for runner in runners:
            runner.stop(timeout=30)
            runner.library.close()

    # Workspaces

    def _library_if_any(self, owner_id: str) -> Library | None:
        with self._lock:
            runner = self._runners.get(owner_id)
        if runner is not None:
            return runner.library
        folder = self.root / owner_id
        return self._runner(owner_id).library if folder.is_dir() else None

    def _runner(self, owner_id: str) -> LocalRunner:
        with self._lock:
            runner = self._runners.get(owner_id)
            if runner is None:
                folder = self.root / owner_id
                library = Library.open(f"sqlite:///{folder / 'library.db'}", folder)
                bind_trips(library, PrepaidTrips(self.db, owner_id))
                runner = LocalRunner(library, workers=1)
                runner.subscribe(lambda update: self._on_update(owner_id, runner, update))
                runner.start()
                self._runners[owner_id] = runner
            return runner

    def _mirror_production(self, library: Library, owner_id: str, production_id: str) -> None:
        with self.db.session() as session:
            row = session.get_one(ProductionRow, production_id)
            assets = list(
                session.scalars(
                    select(AssetRow).where(
                        AssetRow.production_id == production_id, AssetRow.owner_id == owner_id
                    )
                )
            )
            fields = {
                "title": row.title,
                "mode": row.mode,
                "style": row.style,
                "script_text": row.script_text,
            }
            plan = dict(row.plan or {})
        with library.session() as session:
            production = session.get(Production, production_id)
            if production is None:
                production = Production(id=production_id, **fields)
                session.add(production)
                session.flush()
            production.status = "planned"
            linked = {link.asset_id for link in production.asset_links}
            for position, upload in enumerate(assets):
                if session.get(Asset, upload.sha256) is None:
                    stored = library.store.put(self.uploads / upload.path)
                    kind = upload.kind if upload.kind in _LIBRARY_KINDS else "script"
                    session.add(
                        Asset(
                            id=upload.sha256,
                            kind=kind,
                            original_name=upload.original_name,
                            path=stored.path,
                            size_bytes=upload.size_bytes,
                            meta={},
                        )
                    )
                    session.flush()
                if upload.sha256 not in linked:
                    session.add(
                        ProductionAsset(
                            production_id=production_id, asset_id=upload.sha256, position=position
                        )
                    )
                    linked.add(upload.sha256)
            current = production.current_plan()
            if current is None or current.plan != plan:
                production.add_plan(plan, "edit")

    def _mirror_shorts(self, library: Library, owner_id: str, shorts_id: str) -> None:
        with self.db.session() as session:
            row = session.get_one(ShortsRow, shorts_id)
            fields = {
                "title": row.title,
                "source_type": row.source_type,
                "source_payload": dict(row.source_payload),
            }
            variants = [dict(variant) for variant in row.variants]
        with library.session() as session:
            shorts = session.get(Shorts, shorts_id)
            if shorts is None:
                shorts = Shorts(id=shorts_id, **fields)
                session.add(shorts)
                session.flush()
            shorts.status = "planned"
            existing = {variant.variant_id: variant for variant in shorts.variants}
            for variant in variants:
                found = existing.get(variant["variant_id"])
                if found is None:
                    shorts.variants.append(
                        ShortVariant(
                            variant_id=variant["variant_id"],
                            format=variant["format"],
                            plan=variant["plan"],
                        )
                    )
                elif found.plan != variant["plan"]:
                    found.plan = variant["plan"]
                    found.video_path = None

    # Updates from the runners

    def _on_update(self, owner_id: str, runner: LocalRunner, update: JobUpdate) -> None:
        if update.kind not in ("status", "error") or update.status not in _ENDED:
            return
        info = runner.get(update.job_id)
        key = info.payload.get("cloud_run")
        if not isinstance(key, str):
            return
        if info.production_id is not None:
            self._settle(owner_id, ProductionRow, info.production_id, key, info.status, info.type)
        elif info.shorts_id is not None:
            self._settle(owner_id, ShortsRow, info.shorts_id, key, info.status, info.type)

    def _settle(
        self,
        owner_id: str,
        table: type[ProductionRow] | type[ShortsRow],
        target_id: str,
        key: str,
        status: str,
        job_type: str,
    ) -> None:
        last = CINEMA_CHAIN[-1] if table is ProductionRow else SHORTS_CHAIN[-1]
        with self.db.session() as session:
            row: ProductionRow | ShortsRow | None = (
                session.get(ProductionRow, target_id)
                if table is ProductionRow
                else session.get(ShortsRow, target_id)
            )
            if row is None or row.owner_id != owner_id:
                return
            if status == "succeeded":
                if job_type != last:
                    row.status = "rendering"
                    return
                row.status = "done"
                if isinstance(row, ProductionRow):
                    row.final_video_url = f"/productions/{target_id}/video"
                return
            row.status = "failed"
            try:
                reversal = ledger.reverse(session, owner_id, f"use:{key}")
            except ledger.UnknownReference:
                log.warning(
                    "run %s of %s ended %s with no charge to give back", key, target_id, status
                )
                return
            if reversal.entry is not None:
                log.info("run %s of %s ended %s; its trips were given back", key, target_id, status)


class PrepaidTrips:
    """The trips of a workspace's renders: paid for at ``/run``, so ``use`` charges nothing.

    A render job's key is its run's Idempotency-Key plus the step (and, for shorts, the variant),
    so ``use`` finds the run's ``use:<key>`` entry of this user and target whose key starts the
    job's key, and returns it as the charge. No matching entry means the run was never paid, and
    a reversed one that its trips were given back: either way the job is refused rather than
    rendered for free.
    """

    def __init__(self, db: Database, owner_id: str) -> None:
        self.db = db
        self.owner_id = owner_id

    def account_label(self) -> str:
        with self.db.session() as session:
            return session.get_one(User, self.owner_id).email

    def balance(self) -> int:
        with self.db.session() as session:
            return session.get_one(User, self.owner_id).trips_balance

    def require(self, uses: int, what: str) -> None:
        """Nothing to check: the run paid for all of its renders at once."""

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        query = select(TripEntry).where(
            TripEntry.user_id == self.owner_id,
            TripEntry.kind == "use",
            TripEntry.production_id == production_id
            if production_id
            else TripEntry.shorts_id == shorts_id,
        )
        with self.db.session() as session:
            for entry in session.scalars(query):
                run_key = entry.reference.removeprefix("use:")
                if idempotency_key.startswith(f"{run_key}:"):
                    if ledger.entry_for(session, self.owner_id, f"reverse:{entry.reference}"):
                        raise JobRefused(f"{what}: its run ended and its trips were given back")
                    return TripUse(
                        entry_id=entry.id,
                        amount=-entry.amount,
                        idempotency_key=idempotency_key,
                        production_id=production_id,
                        shorts_id=shorts_id,
                        created_at=entry.created_at,
                        repeated=True,
                    )
        raise JobRefused(f"{what} belongs to no paid run ({idempotency_key}): nothing rendered")
