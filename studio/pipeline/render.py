"""Render a Timeline to an MP4: mix the audio, stream the frames, encode, rename into place.

Progress goes to a callback (frames done and total, frames per second, time left); cancelling
is a ``threading.Event`` checked before every frame, so it takes effect within a frame's time
and leaves no file at the target.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.pipeline.audio import DuckSettings, loudnorm_filter, mix_to_file
from studio.pipeline.compositor import SEQUENTIAL_PREPARED, Compositor
from studio.pipeline.encoder import PRESETS, AudioInput, Preset, VideoWriter, choose_encoder
from studio.pipeline.timeline import Timeline

PROGRESS_INTERVAL = 0.25


class RenderCancelled(Exception):
    """The render was cancelled; the partial output was removed."""


@dataclass(frozen=True)
class RenderProgress:
    frames_done: int
    total: int
    fps: float
    eta_seconds: float | None
    elapsed: float

    @property
    def fraction(self) -> float:
        return self.frames_done / self.total if self.total else 1.0


@dataclass(frozen=True)
class RenderResult:
    path: Path
    frames: int
    width: int
    height: int
    encoder: str
    seconds: float


ProgressCallback = Callable[[RenderProgress], None]


def output_size(timeline: Timeline, scale: float) -> tuple[int, int]:
    """The frame size for a preset's scale, kept even for I420."""
    return (
        max(16, int(timeline.width * scale) // 2 * 2),
        max(16, int(timeline.height * scale) // 2 * 2),
    )


def render(
    timeline: Timeline,
    target: Path,
    preset: str | Preset = "final",
    encoder: str = "auto",
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> RenderResult:
    """Render ``timeline`` to ``target``; the file appears only once it is complete."""
    chosen = preset if isinstance(preset, Preset) else PRESETS[preset]
    encoder_name = choose_encoder(encoder)
    width, height = output_size(timeline, chosen.scale)
    total = timeline.frame_count
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="studio-render-") as scratch:
        raw_audio = Path(scratch) / "mix.f32"
        duck = DuckSettings() if timeline.duck_music else None
        mix = mix_to_file(list(timeline.audio), timeline.duration, raw_audio, duck)
        audio = AudioInput(mix.path, None if mix.silent else loudnorm_filter(mix.path))
        with (
            Compositor(
                timeline, width, height, keep_prepared=SEQUENTIAL_PREPARED, prefetch=True
            ) as compositor,
            VideoWriter(
                target, width, height, timeline.fps, total, encoder_name, chosen, audio
            ) as writer,
        ):
            last_report = 0.0
            for index in range(total):
                if cancel is not None and cancel.is_set():
                    writer.abort()
                    raise RenderCancelled(f"cancelled at frame {index} of {total}")
                writer.write(compositor.planes(timeline.time_of(index), index))
                now = time.monotonic()
                if on_progress is not None and (now - last_report >= PROGRESS_INTERVAL):
                    last_report = now
                    on_progress(_progress(index + 1, total, started, now))
            writer.finish()
    elapsed = time.monotonic() - started
    if on_progress is not None:
        on_progress(_progress(total, total, started, time.monotonic()))
    return RenderResult(target, total, width, height, encoder_name, elapsed)


def _progress(done: int, total: int, started: float, now: float) -> RenderProgress:
    elapsed = max(1e-6, now - started)
    fps = done / elapsed
    eta = (total - done) / fps if fps > 0 else None
    return RenderProgress(done, total, fps, eta, elapsed)
