"""The audio mix of a render: every clip of a Timeline summed into one raw 48 kHz stereo file.

The mix is written block by block so memory stays flat however long the timeline is; only the
decoded source files are held whole (once each). Music ducks under the voice through a sidechain
whose state carries from block to block, so the block size never changes a single sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from studio.pipeline.audio_io import (
    CHANNELS,
    SAMPLE_RATE,
    AudioError,
    decode_audio,
    encode_audio_file,
    loudnorm_filter,
)
from studio.pipeline.timeline import AudioClip, AudioRole

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "DuckSettings",
    "MixResult",
    "decode_audio",
    "encode_audio_file",
    "loudnorm_filter",
    "mix_to_file",
]

WINDOW = SAMPLE_RATE // 100
"""Samples per 10 ms sidechain window; blocks are whole windows so windows never straddle two."""
SILENT_PEAK = 1e-6


@dataclass(frozen=True)
class DuckSettings:
    """How music makes room for the voice."""

    depth_db: float = -12.0
    """Music gain while the voice speaks."""
    attack: float = 0.08
    """Time constant (s) of the music going down when speech starts."""
    release: float = 0.35
    """Time constant (s) of the music coming back after speech."""
    threshold_db: float = -40.0
    """Voice RMS (dBFS, per 10 ms window) counted as speech."""
    hold: float = 0.25
    """Pauses between words shorter than this keep the music down, so it does not pump."""
    lookahead: float = 0.05
    """The music starts going down this long before the voice, so first syllables are clear."""


@dataclass(frozen=True)
class MixResult:
    path: Path
    """Raw float32 little-endian, 48 kHz, interleaved stereo."""
    seconds: float
    voice_spans: list[tuple[float, float]]
    """Merged intervals (s) where the voice speaks; pauses shorter than the hold are bridged."""
    silent: bool
    """No signal at all: there is nothing to normalise."""


@dataclass(frozen=True)
class _Placed:
    """A clip resolved to samples: where on the timeline it plays, for how long and how loud."""

    source: NDArray[np.float32]
    start: int
    frames: int
    gain: float
    loop: bool
    fade_in: int
    fade_out: int


def _place(clip: AudioClip, source: NDArray[np.float32]) -> _Placed:
    available = len(source)
    if clip.length is None:
        frames = available
    else:
        wanted = max(0, round(clip.length * SAMPLE_RATE))
        frames = wanted if clip.loop else min(wanted, available)
    return _Placed(
        source,
        round(clip.start * SAMPLE_RATE),
        frames,
        10 ** (clip.gain_db / 20),
        clip.loop,
        max(0, round(clip.fade_in * SAMPLE_RATE)),
        max(0, round(clip.fade_out * SAMPLE_RATE)),
    )


def _add(out: NDArray[np.float32], first: int, clip: _Placed) -> None:
    """Add the part of ``clip`` that falls in ``out``, whose row 0 is timeline sample ``first``."""
    low = max(first, clip.start)
    high = min(first + len(out), clip.start + clip.frames)
    if high <= low:
        return
    offset, count = low - clip.start, high - low
    piece = _read(clip.source, offset, count)
    piece *= _envelope(clip, offset, count)[:, None]
    out[low - first : high - first] += piece


def _read(source: NDArray[np.float32], offset: int, count: int) -> NDArray[np.float32]:
    """``count`` frames from ``offset``, wrapping around the end of the file (a loop)."""
    piece = np.empty((count, CHANNELS), np.float32)
    position, done = offset % len(source), 0
    while done < count:
        take = min(len(source) - position, count - done)
        piece[done : done + take] = source[position : position + take]
        done += take
        position = 0
    return piece


def _envelope(clip: _Placed, offset: int, count: int) -> NDArray[np.float32]:
    """Gain times the linear fades, from positions in the clip so any block split agrees."""
    envelope = np.full(count, clip.gain, np.float32)
    fading_in = clip.fade_in > offset
    fading_out = clip.fade_out > 0 and offset + count > clip.frames - clip.fade_out
    if not (fading_in or fading_out):
        return envelope
    position = np.arange(offset, offset + count, dtype=np.float64)
    if fading_in:
        envelope *= np.clip(position / clip.fade_in, 0.0, 1.0).astype(np.float32)
    if fading_out:
        remaining = (clip.frames - 1 - position) / clip.fade_out
        envelope *= np.clip(remaining, 0.0, 1.0).astype(np.float32)
    return envelope


def _mix(clips: Sequence[_Placed], first: int, frames: int) -> NDArray[np.float32]:
    out = np.zeros((frames, CHANNELS), np.float32)
    for clip in clips:
        _add(out, first, clip)
    return out


class _Sidechain:
    """Speech detection on the voice sum and the music gain it implies, carried across blocks.

    Windows are analysed ``lookahead`` ahead of the block being mixed (the voice is a pure
    function of time, so it can simply be mixed again there). The gain follows a one-pole
    smoother per 10 ms window, anchored at each window's last sample and interpolated in between.
    """

    def __init__(
        self, voices: Sequence[_Placed], total: int, settings: DuckSettings, ducking: bool
    ) -> None:
        self.voices = voices
        self.ducking = ducking
        self.windows = -(-total // WINDOW)
        self.threshold = 10 ** (settings.threshold_db / 10)
        self.hold = max(0, round(settings.hold * 100))
        self.lookahead = max(0, round(settings.lookahead * 100))
        self.depth = 10 ** (settings.depth_db / 20)
        self.attack = _coefficient(settings.attack)
        self.release = _coefficient(settings.release)
        self.analysed = 0
        self.pending = np.zeros(0, dtype=bool)
        """Speech flags of windows [consumed, analysed)."""
        self.consumed = 0
        self.since_speech = self.hold + 1
        self.gain = 1.0
        self.spans: list[list[int]] = []

    def advance(self, first: int, frames: int) -> NDArray[np.float32] | None:
        """Analyse the voice up to this block's lookahead; the music gain per sample if ducking."""
        start_window = first // WINDOW
        end_window = -(-(first + frames) // WINDOW)
        self._analyse(min(end_window + self.lookahead, self.windows))
        if not self.ducking:
            return None
        gains = np.empty(end_window - start_window + 1)
        gains[0] = self.gain
        for index in range(1, len(gains)):
            while self.consumed <= start_window + index - 1 + self.lookahead:
                self._consume()
            target = self.depth if self.since_speech <= self.hold else 1.0
            coefficient = self.attack if target < self.gain else self.release
            self.gain = target + (self.gain - target) * coefficient
            gains[index] = self.gain
        anchors = np.arange(len(gains), dtype=np.float64) * WINDOW - 1
        return np.interp(np.arange(frames), anchors, gains).astype(np.float32)

    def _consume(self) -> None:
        speech = False
        if self.consumed < self.analysed:
            speech = bool(self.pending[0])
            self.pending = self.pending[1:]
        self.consumed += 1
        self.since_speech = 0 if speech else self.since_speech + 1

    def _analyse(self, until: int) -> None:
        if until <= self.analysed:
            return
        first = self.analysed * WINDOW
        voice = _mix(self.voices, first, (until - self.analysed) * WINDOW)
        power = np.square(voice).reshape(-1, WINDOW * CHANNELS).mean(axis=1)
        flags = power > self.threshold
        self._add_spans(flags, self.analysed)
        self.pending = np.concatenate([self.pending, flags])
        self.analysed = until

    def _add_spans(self, flags: NDArray[np.bool_], offset: int) -> None:
        speech = np.flatnonzero(flags)
        if speech.size == 0:
            return
        breaks = np.flatnonzero(np.diff(speech) > 1)
        starts = speech[np.concatenate([[0], breaks + 1])] + offset
        ends = speech[np.concatenate([breaks, [speech.size - 1]])] + offset + 1
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if self.spans and start - self.spans[-1][1] <= self.hold:
                self.spans[-1][1] = end
            else:
                self.spans.append([start, end])

    def voice_spans(self, total: int) -> list[tuple[float, float]]:
        return [
            (start * WINDOW / SAMPLE_RATE, min(end * WINDOW, total) / SAMPLE_RATE)
            for start, end in self.spans
        ]


def _coefficient(time_constant: float) -> float:
    """Per-window factor of a one-pole smoother; zero means jump straight to the target."""
    return math.exp(-0.01 / time_constant) if time_constant > 0 else 0.0


def mix_to_file(
    clips: Sequence[AudioClip],
    duration: float,
    out_path: Path,
    duck: DuckSettings | None,
    block_seconds: float = 10.0,
) -> MixResult:
    """Mix ``clips`` into ``round(duration x 48000)`` raw stereo frames at ``out_path``.

    The sum is not clipped: float keeps the headroom and loudness normalisation at encode time
    sets the final level. Raises AudioError naming the first clip whose file cannot be decoded.
    """
    total = max(0, round(duration * SAMPLE_RATE))
    block = max(1, round(block_seconds * SAMPLE_RATE / WINDOW)) * WINDOW
    sources: dict[Path, NDArray[np.float32]] = {}
    placed: dict[AudioRole, list[_Placed]] = {role: [] for role in AudioRole}
    for clip in clips:
        if round(clip.start * SAMPLE_RATE) >= total:
            continue
        if clip.path not in sources:
            sources[clip.path] = decode_audio(clip.path)
        placed[clip.role].append(_place(clip, sources[clip.path]))
    music = placed[AudioRole.MUSIC]
    ducking = duck is not None and bool(music) and bool(placed[AudioRole.VOICE])
    sidechain = _Sidechain(placed[AudioRole.VOICE], total, duck or DuckSettings(), ducking)
    others = placed[AudioRole.VOICE] + placed[AudioRole.SFX]
    peak = 0.0
    with out_path.open("wb") as handle:
        for first in range(0, total, block):
            frames = min(block, total - first)
            out = _mix(others, first, frames)
            gain = sidechain.advance(first, frames)
            if music:
                background = _mix(music, first, frames)
                if gain is not None:
                    background *= gain[:, None]
                out += background
            peak = max(peak, float(np.max(np.abs(out))))
            out.astype("<f4", copy=False).tofile(handle)
    return MixResult(
        out_path, total / SAMPLE_RATE, sidechain.voice_spans(total), peak < SILENT_PEAK
    )
