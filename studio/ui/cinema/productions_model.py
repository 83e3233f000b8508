"""What the Cinema tab reads and writes in the library, with no Qt in sight.

Views call these functions and show the snapshots they return, so no ORM object ever outlives its
session or crosses a thread. The same functions serve the tests, which drive the dialog's values
through ``create_production`` exactly as the dialog does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from studio.services.library.db import Library
from studio.services.library.models import PRODUCTION_MODES, Production
from studio.services.library.store import Removed
from studio.spec import ProductionPlan, SpecError, parse_document
from studio.spec.common import KNOWN_STYLES

MAX_TITLE = 300


@dataclass(frozen=True)
class NewProduction:
    """What the New production dialog asks for."""

    title: str
    style: str = "neo_glow"
    mode: str = "simple"
    script: str = ""

    def problems(self) -> list[str]:
        """Each problem names the field, so the dialog can say what to fix."""
        found: list[str] = []
        if not self.title.strip():
            found.append("Title: give the production a title")
        elif len(self.title.strip()) > MAX_TITLE:
            found.append(f"Title: at most {MAX_TITLE} characters")
        if self.mode not in PRODUCTION_MODES:
            found.append(f"Mode: one of {', '.join(PRODUCTION_MODES)}")
        if not self.style.strip():
            found.append(f"Style: one of {', '.join(KNOWN_STYLES)} or a name of your own")
        return found


@dataclass(frozen=True)
class ProductionSummary:
    id: str
    title: str
    mode: str
    style: str
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class ProductionState:
    """An open production: its script and latest plan (None before planning)."""

    id: str
    title: str
    mode: str
    style: str
    status: str
    script: str
    plan: dict[str, Any] | None
    plan_revision: int | None
    final_video: Path | None


def list_productions(library: Library) -> list[ProductionSummary]:
    """Every production, the most recently changed first."""
    with library.session(readonly=True) as session:
        rows = session.scalars(select(Production).order_by(Production.updated_at.desc()))
        return [
            ProductionSummary(
                row.id, row.title, row.mode, row.style or "neo_glow", row.status, row.updated_at
            )
            for row in rows
        ]


def create_production(library: Library, new: NewProduction) -> str:
    """Add the production; ValueError listing the problems when the values do not do."""
    problems = new.problems()
    if problems:
        raise ValueError("\n".join(problems))
    with library.session() as session:
        production = Production(
            title=new.title.strip(),
            style=new.style.strip(),
            mode=new.mode,
            script_text=new.script,
        )
        session.add(production)
        session.flush()
        return production.id


def load_production(library: Library, production_id: str) -> ProductionState | None:
    with library.session(readonly=True) as session:
        row = session.get(Production, production_id)
        if row is None:
            return None
        revision = row.current_plan()
        video = library.store.path_of(row.final_video) if row.final_video else None
        return ProductionState(
            id=row.id,
            title=row.title,
            mode=row.mode,
            style=row.style or "neo_glow",
            status=row.status,
            script=row.script_text or "",
            plan=dict(revision.plan) if revision else None,
            plan_revision=revision.number if revision else None,
            final_video=video,
        )


def rename_production(library: Library, production_id: str, title: str) -> None:
    title = title.strip()
    if not title:
        raise ValueError("Title: give the production a title")
    with library.session() as session:
        row = session.get(Production, production_id)
        if row is not None:
            row.title = title[:MAX_TITLE]


def delete_production(library: Library, production_id: str) -> Removed:
    """The production, its plans and jobs, and the files no other row still uses."""
    with library.session() as session:
        return library.store.delete_production(session, production_id)


def save_script(library: Library, production_id: str, text: str) -> None:
    with library.session() as session:
        row = session.get(Production, production_id)
        if row is not None and (row.script_text or "") != text:
            row.script_text = text


def plan_problems(plan: dict[str, Any]) -> list[str]:
    """What keeps an edited plan from being a valid Production Plan (empty when it is)."""
    try:
        model = parse_document(plan).model
    except SpecError as error:
        return [str(problem) for problem in error.problems]
    if not isinstance(model, ProductionPlan):
        return ["the plan is not a Production Plan"]
    return []


def save_plan_edit(library: Library, production_id: str, plan: dict[str, Any]) -> int:
    """Store an edited plan as a new revision (source "edit"); returns its number.

    ValueError with the plan's problems when it does not validate: an invalid plan would only
    fail later, in the render.
    """
    problems = plan_problems(plan)
    if problems:
        raise ValueError("\n".join(problems))
    with library.session() as session:
        row = session.get(Production, production_id)
        if row is None:
            raise ValueError(f"production {production_id}: no such production")
        revision = row.add_plan(plan, "edit")
        row.status = "planned" if row.status in ("draft", "planning") else row.status
        session.flush()
        return revision.number
