"""A production's files as the asset bin shows them, and their thumbnails (no Qt here).

Thumbnails are made once per asset into ``<data dir>/thumbs`` (the store keeps only the files
themselves) on a pool thread, so a bin of hundreds of photos opens at once and fills in.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from studio.pipeline.sources import read_video_frame
from studio.services.library.db import Library
from studio.services.library.models import Production

THUMB_SIZE = (240, 160)
ASSET_MIME = "application/x-studio-assets"
"""The drag format of assets leaving the bin: JSON, a list of {"id", "kind", "name"}."""


@dataclass(frozen=True)
class AssetRow:
    id: str
    kind: str
    name: str
    size_bytes: int
    path: Path
    meta: dict[str, Any]

    @property
    def details(self) -> str:
        """ "image · 640x360 · 52 KB": what the bin prints under the name."""
        parts = [self.kind]
        width, height = self.meta.get("width"), self.meta.get("height")
        if width and height:
            parts.append(f"{width}x{height}")
        duration = self.meta.get("duration")
        if isinstance(duration, int | float):
            parts.append(f"{duration:.1f} s")
        parts.append(human_size(self.size_bytes))
        return " · ".join(parts)


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def production_assets(library: Library, production_id: str) -> list[AssetRow]:
    """The production's files in their order."""
    with library.session(readonly=True) as session:
        production = session.get(Production, production_id)
        if production is None:
            return []
        return [
            AssetRow(
                asset.id,
                asset.kind,
                asset.original_name,
                asset.size_bytes,
                library.store.path_of(asset.path),
                dict(asset.meta or {}),
            )
            for asset in production.assets
        ]


def thumbnail(row: AssetRow, folder: Path) -> Path | None:
    """A JPEG thumbnail of an image or a video's poster frame; None for other kinds."""
    target = folder / f"{row.id}.jpg"
    if target.exists():
        return target
    if row.kind == "image":
        with Image.open(row.path) as opened:
            picture = ImageOps.exif_transpose(opened).convert("RGB")
    elif row.kind == "video":
        duration = row.meta.get("duration")
        at = min(1.0, float(duration) / 2) if isinstance(duration, int | float) else 0.0
        picture = Image.fromarray(read_video_frame(row.path, at))
    else:
        return None
    picture.thumbnail(THUMB_SIZE)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{row.id}.{uuid.uuid4().hex[:8]}.partial.jpg"
    try:
        picture.save(temporary, "JPEG", quality=85)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def encode_asset_drag(rows: list[AssetRow]) -> bytes:
    """What a drag of ``rows`` out of the asset bin carries."""
    return json.dumps([{"id": row.id, "kind": row.kind, "name": row.name} for row in rows]).encode()


def decode_asset_drag(data: bytes) -> list[dict[str, str]]:
    """The assets a drag carries; empty for anything that is not the bin's own format."""
    try:
        items = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [
        {key: str(item.get(key, "")) for key in ("id", "kind", "name")}
        for item in items
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    ]
