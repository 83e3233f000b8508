"""What the planner knows of a folder of the creator's files (``studio plan --assets DIR``).

Only top-level files count, because a plan's ``asset_id`` X resolves to ``DIR/X.*``: the id is
the file's stem. Files are taken in name order (cameras number their photos), pictures with
their displayed size (EXIF orientation applied), clips with their duration, audio as music.
Files that cannot be read are listed as problems rather than failing the whole plan.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from studio.pipeline.media import AUDIO_SUFFIXES
from studio.pipeline.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, MediaError, probe_video
from studio.planning.cinema import AssetInfo


def scan_assets(folder: Path) -> tuple[list[AssetInfo], list[str]]:
    """The usable files of ``folder`` in name order, and a line per file that was skipped."""
    found: list[AssetInfo] = []
    skipped: list[str] = []
    stems: set[str] = set()
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        suffix = path.suffix.lower()
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.stem in stems:
            skipped.append(f"{path}: another file is already named {path.stem!r}")
            continue
        try:
            if suffix in IMAGE_SUFFIXES:
                with Image.open(path) as image:
                    width, height = ImageOps.exif_transpose(image).size
                found.append(AssetInfo(path.stem, "image", path.stem, width, height))
            elif suffix in VIDEO_SUFFIXES:
                info = probe_video(path)
                found.append(
                    AssetInfo(path.stem, "video", path.stem, info.width, info.height, info.duration)
                )
            elif suffix in AUDIO_SUFFIXES:
                found.append(AssetInfo(path.stem, "audio", path.stem))
            else:
                continue
        except (OSError, UnidentifiedImageError, MediaError, Image.DecompressionBombError) as error:
            skipped.append(f"{path}: not usable ({error})")
            continue
        stems.add(path.stem)
    return found, skipped
