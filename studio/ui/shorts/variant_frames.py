"""A variant's own pixels for the grid (no Qt): its Shorts Plan through the real assembler and
compositor, the way the render draws it, at thumbnail size.

Runs on a pool thread. The background visual is made (or reused) in the shared media cache, so
the render's generate step finds it again; voice and music are left out because a thumbnail is
silent and synthesising speech would only make it slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.pipeline.assemble import DEFAULT_HOOK_SECONDS, assemble_shorts
from studio.pipeline.compositor import Compositor
from studio.pipeline.generate.provider import LocalMedia
from studio.pipeline.media import AssetResolver, Speech
from studio.pipeline.timeline import Timeline
from studio.pipeline.yuv import U8
from studio.services.jobs.library_files import asset_folder
from studio.services.library.db import Library
from studio.spec import BrandKit, ShortsPlan

PLAY_FRAMES = 12
"""Frames of a hover preview of an unrendered variant, spread over its first seconds."""
PLAY_SECONDS = 4.0


@dataclass
class SilentMedia(LocalMedia):
    """The offline generators for pictures only: no speech, no music."""

    def speech(self, text: str, voice_id: str, language: str) -> Speech | None:
        return None

    def music(self, mood: str, seconds: float) -> Path | None:
        return None


def hook_moment(plan: ShortsPlan) -> float:
    """A time when the whole hook is on screen: near the end of its opening line."""
    lines = sorted(plan.script.lines, key=lambda line: line.start_time)
    first = lines[0] if lines else None
    hook_end = first.end_time if first is not None else DEFAULT_HOOK_SECONDS
    return max(0.0, min(hook_end, DEFAULT_HOOK_SECONDS, plan.duration_seconds) * 0.85)


def thumbnail_size(plan: ShortsPlan, longest: int) -> tuple[int, int]:
    """The plan's aspect at ``longest`` pixels on its long side, both sides even."""
    width, height = plan.format.size
    scale = longest / max(width, height)
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)


def variant_timeline(library: Library, plan: ShortsPlan, kit: BrandKit | None) -> Timeline:
    """The plan's Timeline with its library media linked and its generated visual made."""
    folder = Path(library.data_dir) / "preview" / "shorts"
    with library.session(readonly=True) as session:
        asset_folder(session, library.store, plan.model_dump(mode="json"), [], folder)
    assembly = assemble_shorts(
        plan, AssetResolver(folder), SilentMedia(), kit, allow_placeholders=True
    )
    return assembly.timeline


def variant_frames(
    library: Library,
    plan_data: dict[str, Any],
    kit: BrandKit | None,
    longest: int,
    times: list[float] | None = None,
) -> list[U8]:
    """RGB frames of the variant at ``times`` (default: its hook moment), ``longest`` px."""
    plan = ShortsPlan.model_validate(plan_data)
    timeline = variant_timeline(library, plan, kit)
    wanted = times if times is not None else [hook_moment(plan)]
    last = max(0.0, (timeline.frame_count - 1) / timeline.fps)
    with Compositor(timeline, *thumbnail_size(plan, longest)) as compositor:
        return [compositor.frame_rgb(min(max(0.0, t), last)) for t in wanted]


def play_times(plan_data: dict[str, Any]) -> list[float]:
    """Evenly spread times over the variant's first seconds, for a hover preview."""
    length = min(float(plan_data.get("duration_seconds", PLAY_SECONDS)), PLAY_SECONDS)
    return [length * index / PLAY_FRAMES for index in range(PLAY_FRAMES)]
