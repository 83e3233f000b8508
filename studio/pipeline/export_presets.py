"""Export presets: the same film re-framed for a platform's format, not letterboxed.

An export is a render of the same plan at the preset's size. The engine fits every shot to the
frame by cover-fit with a face-aware crop and keeps text inside the format's safe area, so
changing the plan's resolution is all it takes to re-frame the film for 9:16 or 1:1.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from studio.spec import ProductionPlan, parse_document


@dataclass(frozen=True)
class ExportPreset:
    key: str
    label: str
    width: int
    height: int

    @property
    def aspect(self) -> str:
        """ "16:9", "9:16", "1:1", "4:5": the ratio in lowest terms."""
        a, b = self.width, self.height
        while b:
            a, b = b, a % b
        return f"{self.width // a}:{self.height // a}"


EXPORT_PRESETS: dict[str, ExportPreset] = {
    preset.key: preset
    for preset in (
        ExportPreset("youtube_16_9", "YouTube 16:9 (1920x1080)", 1920, 1080),
        ExportPreset("vertical_9_16", "Shorts / Reels / TikTok 9:16 (1080x1920)", 1080, 1920),
        ExportPreset("square_1_1", "Square 1:1 (1080x1080)", 1080, 1080),
        ExportPreset("portrait_4_5", "Portrait 4:5 (1080x1350)", 1080, 1350),
    )
}


def export_preset(key: str) -> ExportPreset:
    """The preset called ``key``; ValueError listing the known ones otherwise."""
    try:
        return EXPORT_PRESETS[key]
    except KeyError:
        known = ", ".join(EXPORT_PRESETS)
        raise ValueError(f"export: unknown preset {key!r} (known: {known})") from None


def retarget_plan(plan: dict[str, Any], preset: ExportPreset) -> dict[str, Any]:
    """A copy of the Production Plan at the preset's size (same fps); it still validates.

    Raises ValueError (the spec's SpecError) when the result is not a valid Production Plan.
    """
    retargeted = copy.deepcopy(plan)
    resolution = dict(retargeted.get("resolution") or {})
    resolution.update(width=preset.width, height=preset.height)
    retargeted["resolution"] = resolution
    if not isinstance(parse_document(retargeted).model, ProductionPlan):
        raise ValueError("export: only a Production Plan can be exported with a preset")
    return retargeted


def export_file_name(title: str, preset: ExportPreset) -> str:
    """ "My film - square_1_1.mp4": the production's title, made safe for any file system."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", title)
    safe = " ".join(safe.split()).strip(" .")[:80] or "film"
    return f"{safe} - {preset.key}.mp4"
