"""The media behind the preview: the plan's files linked into a folder, generated media made,
and the production's sound mixed to a WAV the preview can play.

Runs on a pool thread (it may synthesise voice lines and draw visuals the first time); the
results land in the shared media cache, so the render's ``cinema.generate_assets`` step reuses
them instead of making them twice. The sound is the render's own mix (``mix_to_file``, music
ducked under the voice), cached under a key of its inputs, so an edit that leaves the sound
alone reuses the WAV at once.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import wave
from pathlib import Path
from typing import Any

import numpy as np

from studio.pipeline.audio import SAMPLE_RATE, DuckSettings, mix_to_file
from studio.pipeline.audio_io import CHANNELS
from studio.pipeline.generate.assets import generate_assets
from studio.pipeline.timeline import Timeline
from studio.services.jobs.library_files import asset_folder
from studio.services.library.db import Library
from studio.services.library.models import Production
from studio.spec import ProductionPlan, parse_document

KEEP_MIXES = 4
"""Mixed WAVs kept per production (undo and redo go back to recent ones)."""
BLOCK_FRAMES = SAMPLE_RATE * 10


def preview_folder(library: Library, production_id: str) -> Path:
    return Path(library.data_dir) / "preview" / production_id


def _mix_key(timeline: Timeline) -> str:
    """A digest of everything the mix depends on: each clip, its file's size and date."""
    parts: list[str] = [f"{timeline.duration!r}", f"{timeline.duck_music!r}"]
    for clip in timeline.audio:
        stat = clip.path.stat() if clip.path.exists() else None
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}" if stat else "missing"
        parts.append(f"{clip!r}|{stamp}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:24]


def mix_preview_audio(timeline: Timeline, folder: Path) -> Path:
    """The timeline's sound as a 16-bit 48 kHz stereo WAV in ``folder/audio`` (cached).

    The WAV lasts exactly the timeline's duration, so its positions are the preview's times.
    """
    audio_folder = folder / "audio"
    target = audio_folder / f"mix-{_mix_key(timeline)}.wav"
    if target.exists():
        os.utime(target)
        return target
    audio_folder.mkdir(parents=True, exist_ok=True)
    stem = f".{target.stem}.{uuid.uuid4().hex[:8]}"
    raw = audio_folder / f"{stem}.f32"
    partial = audio_folder / f"{stem}.partial.wav"
    try:
        duck = DuckSettings() if timeline.duck_music else None
        mix_to_file(list(timeline.audio), timeline.duration, raw, duck)
        samples = np.memmap(raw, dtype="<f4", mode="r").reshape(-1, CHANNELS)
        with wave.open(str(partial), "wb") as out:
            out.setnchannels(CHANNELS)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            for first in range(0, len(samples), BLOCK_FRAMES):
                block = np.clip(samples[first : first + BLOCK_FRAMES], -1.0, 1.0)
                out.writeframes((block * 32767).astype("<i2").tobytes())
        del samples
        os.replace(partial, target)
    finally:
        raw.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    _forget_old_mixes(audio_folder)
    return target


def _forget_old_mixes(audio_folder: Path) -> None:
    mixes = sorted(audio_folder.glob("mix-*.wav"), key=lambda path: path.stat().st_mtime_ns)
    for old in mixes[:-KEEP_MIXES]:
        old.unlink(missing_ok=True)


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
