"""Brand kits in the library: save, load, choose the active one, hand it to the renderer.

A kit is the spec's BrandKit JSON in the library's ``brand_kit`` table; the active kit's id is a
setting (``Settings.brand_kit_id``), so every render picks it up unless a caller names another.
The logo is a library asset, so the render's asset folder can hold it like any other picture.

``preview_frame`` draws a tiny Shorts Plan with the kit through the real assembler and
compositor, so the brand kit dialog shows the same pixels an export would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from studio.pipeline.assemble import assemble_shorts
from studio.pipeline.compositor import render_frame
from studio.pipeline.media import AssetResolver, NoMedia
from studio.pipeline.yuv import U8
from studio.services.library.db import Library
from studio.services.library.models import Asset
from studio.services.library.models import BrandKit as BrandKitRow
from studio.services.settings import load_settings, update_settings
from studio.spec import BrandKit, DocumentKind, ShortsPlan, SpecError, parse_document

PREVIEW_SIZE = (270, 480)
PREVIEW_SECONDS = 2.2
"""A moment of the preview short when a caption line shows, one word highlighted."""
PREVIEW_PLAN: dict[str, Any] = {
    "short_id": "brand_preview",
    "variant_id": "preview",
    "format": "9_16",
    "duration_seconds": 4,
    "hook": {"text": "Your brand look", "emphasis_words": ["brand"]},
    "script": {
        "lines": [{"start_time": 1.0, "end_time": 4.0, "text": "Captions follow every word"}]
    },
    "visual_plan": {"source": {"type": "generated", "generation_prompt": "Brand kit preview"}},
}


class BrandKitInvalid(ValueError):
    """A brand kit the spec refuses; ``problems`` are "field: message" lines for the user."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class SavedKit:
    id: str
    name: str
    kit: BrandKit


def validate_brand_kit(data: dict[str, Any]) -> BrandKit:
    """The spec's BrandKit from JSON data; BrandKitInvalid names every wrong field."""
    try:
        model = parse_document(data, DocumentKind.BRAND_KIT).model
    except SpecError as error:
        raise BrandKitInvalid([str(problem) for problem in error.problems]) from None
    assert isinstance(model, BrandKit)
    return model


def kit_json(kit: BrandKit) -> dict[str, Any]:
    return kit.model_dump(mode="json", exclude_none=True)


def save_brand_kit(
    library: Library, name: str, kit: BrandKit, kit_id: str | None = None, *, activate: bool = True
) -> str:
    """Insert or update a kit (``kit_id`` None: a new one); returns its id. With ``activate``,
    every later render uses it."""
    name = name.strip() or "My brand"
    with library.session() as session:
        row = session.get(BrandKitRow, kit_id) if kit_id else None
        if row is None:
            row = BrandKitRow(name=name, document=kit_json(kit))
            session.add(row)
        else:
            row.name = name
            row.document = kit_json(kit)
        session.flush()
        saved_id = row.id
    if activate:
        update_settings(library.data_dir, brand_kit_id=saved_id)
    return saved_id


def list_brand_kits(library: Library) -> list[tuple[str, str]]:
    """(id, name) of every kit, by name."""
    with library.session(readonly=True) as session:
        rows = session.execute(select(BrandKitRow.id, BrandKitRow.name).order_by(BrandKitRow.name))
        return [(row.id, row.name) for row in rows]


def load_brand_kit(library: Library, kit_id: str) -> SavedKit | None:
    """The kit with ``kit_id``; None when it is gone. BrandKitInvalid if its JSON is bad."""
    with library.session(readonly=True) as session:
        row = session.get(BrandKitRow, kit_id)
        if row is None:
            return None
        return SavedKit(row.id, row.name, validate_brand_kit(dict(row.document)))


def active_brand_kit(library: Library) -> SavedKit | None:
    """The kit the settings name, if it still exists."""
    kit_id = load_settings(library.data_dir).brand_kit_id
    return load_brand_kit(library, kit_id) if kit_id else None


def write_brand_kit(kit: BrandKit, path: Path) -> Path:
    """The kit as a JSON file for ``studio render --brand-kit`` (written atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(kit_json(kit), stream, indent=2)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def logo_file(library: Library, asset_id: str) -> Path | None:
    """The stored file of a logo asset, or None when the asset or its file is gone."""
    with library.session(readonly=True) as session:
        asset = session.get(Asset, asset_id)
        path = library.store.path_of(asset.path) if asset is not None else None
    return path if path is not None and path.exists() else None


def import_logo(library: Library, path: Path) -> str:
    """Add an image file to the library as an asset; returns its id (the sha256 of its bytes).

    Raises BrandKitInvalid naming the file when it is not a picture Studio can read.
    """
    try:
        with Image.open(path) as image:
            width, height = image.size
            image.verify()
    except (OSError, UnidentifiedImageError, ValueError):
        raise BrandKitInvalid([f"logo: {path.name} is not an image Studio can read"]) from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    stored = library.store.put(path)
    with library.session() as session:
        if session.get(Asset, digest) is None:
            session.add(
                Asset(
                    id=digest,
                    kind="image",
                    original_name=path.name,
                    path=stored.path,
                    size_bytes=stored.size_bytes,
                    meta={"width": width, "height": height},
                )
            )
    return digest


def link_logo(library: Library, kit: BrandKit, folder: Path) -> bool:
    """Put the kit's logo in a render's asset ``folder`` as ``<asset id><ext>``; whether it
    is there now (False: no logo, its file is gone, or it cannot be placed)."""
    if kit.logo_asset_id is None:
        return False
    source = logo_file(library, kit.logo_asset_id)
    if source is None:
        return False
    target = folder / f"{kit.logo_asset_id}{source.suffix}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            try:
                os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
    except OSError:
        return False
    return True


def preview_frame(
    kit: BrandKit, logo: Path | None = None, size: tuple[int, int] = PREVIEW_SIZE
) -> U8:
    """An RGB frame (H x W x 3 uint8) of a short in this kit, drawn as the export draws it.

    ``logo`` is the logo's file (the kit names it by asset id).
    """
    data = json.loads(json.dumps(PREVIEW_PLAN))
    data["hook"]["on_screen_style"] = kit.font_style
    plan = ShortsPlan.model_validate(data)
    with tempfile.TemporaryDirectory(prefix="studio-brand-preview-") as temp:
        folder = Path(temp)
        if logo is not None and kit.logo_asset_id is not None:
            shutil.copyfile(logo, folder / f"{kit.logo_asset_id}{logo.suffix}")
        assembly = assemble_shorts(plan, AssetResolver(folder), NoMedia(), kit, True)
        return render_frame(assembly.timeline, PREVIEW_SECONDS, size)
