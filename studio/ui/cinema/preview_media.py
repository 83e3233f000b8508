"""The media behind the preview: the plan's files linked into a folder, generated media made.

Runs on a pool thread (it may synthesise voice lines and draw visuals the first time); the
results land in the shared media cache, so the render's ``cinema.generate_assets`` step reuses
them instead of making them twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.pipeline.generate.assets import generate_assets
from studio.pipeline.timeline import Timeline
from studio.services.jobs.library_files import asset_folder
from studio.services.library.db import Library
from studio.services.library.models import Production
from studio.spec import ProductionPlan, parse_document


def preview_folder(library: Library, production_id: str) -> Path:
    return Path(library.data_dir) / "preview" / production_id


def prepare_timeline(
    library: Library, production_id: str, plan: dict[str, Any]
) -> tuple[Timeline, list[str]]:
    """The plan's Timeline with every piece of media resolved or made, and the warnings."""
    model = parse_document(plan).model
    if not isinstance(model, ProductionPlan):
        raise ValueError("the plan is not a Production Plan")
    folder = preview_folder(library, production_id)
    with library.session(readonly=True) as session:
        production = session.get(Production, production_id)
        own = [link.asset_id for link in production.asset_links] if production else []
        assets = asset_folder(session, library.store, plan, own, folder)
    report = generate_assets(model, assets)
    return report.assembly.timeline, list(report.assembly.warnings)
