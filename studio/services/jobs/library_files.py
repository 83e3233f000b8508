"""What the pipeline jobs need from the library: plans as models, assets as a folder.

The pipeline resolves a plan's ``asset_id`` X to the file ``DIR/X.*``; the library keeps files
by content hash in its store. ``asset_folder`` bridges the two with links (copies where links
are not possible) in the job's own work folder, so nothing is written into the store.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.services.jobs.context import JobRefused
from studio.services.library.models import Asset, Production
from studio.services.library.store import Store
from studio.spec import ProductionPlan, ShortsPlan, SpecError, parse_document


class JobInputError(JobRefused, ValueError):
    """The job's input is missing or invalid; the message names the production or plan."""


def production_of(session: Session, payload: Mapping[str, Any]) -> Production:
    production_id = payload.get("production_id")
    if not isinstance(production_id, str):
        raise JobInputError("the job's payload names no production_id")
    production = session.get(Production, production_id)
    if production is None:
        raise JobInputError(f"production {production_id}: no such production")
    return production


def current_plan(production: Production) -> tuple[int, dict[str, Any]]:
    """The latest plan revision's number and JSON; an error naming the production if none."""
    revision = production.current_plan()
    if revision is None:
        raise JobInputError(f"production {production.id} has no plan yet: run cinema.plan first")
    return revision.number, dict(revision.plan)


def plan_model(data: Mapping[str, Any], where: str) -> ProductionPlan | ShortsPlan:
    """Validate a stored plan; the error lists its problems under ``where``."""
    try:
        model = parse_document(dict(data)).model
    except SpecError as error:
        problems = "\n".join(str(problem) for problem in error.problems)
        raise JobInputError(f"{where}: invalid plan\n{problems}") from None
    if not isinstance(model, ProductionPlan | ShortsPlan):
        raise JobInputError(f"{where}: not a Production or Shorts Plan")
    return model


def strings_in(document: Any) -> set[str]:
    """Every string in a JSON document (the plan's asset ids are among them)."""
    if isinstance(document, str):
        return {document}
    if isinstance(document, Mapping):
        return set().union(*(strings_in(value) for value in document.values()))
    if isinstance(document, list):
        return set().union(*(strings_in(item) for item in document))
    return set()


def asset_folder(
    session: Session, store: Store, plan: Mapping[str, Any], extra: Iterable[str], folder: Path
) -> Path:
    """``folder`` holding ``<asset id><ext>`` for each library asset the plan names or
    ``extra`` lists (a production's own assets)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = strings_in(plan) | set(extra)
    assets = session.scalars(select(Asset).where(Asset.id.in_(sorted(wanted)))).all()
    for asset in assets:
        source = store.path_of(asset.path)
        target = folder / f"{asset.id}{source.suffix}"
        if target.exists() or not source.exists():
            continue
        try:
            os.link(source, target)
        except OSError:
            with contextlib.suppress(FileExistsError):
                shutil.copyfile(source, target)
    return folder
