"""Highlights of a talking video: which sentences make a short, cut frame-accurately into a clip.

Each transcript sentence is scored by three documented cues:

- its hook score (``hooks.score_hook``): the words that stop a scroll;
- energy: its loudness (RMS, dB) against the median sentence of the video, +1 per 6 dB louder,
  clamped to +-1.5, because a raised voice marks what the speaker cares about;
- a pause: +1 when at least 0.6 s of silence comes before it, because a new thought starts.

Segments: the short opens on the hook's sentence (else the best-scoring one) and runs on through
the sentences after it while they fit the duration. While at least 4 s remain, the best-scoring
unused sentence opens another segment that runs on the same way (three segments at most). The
opening segment plays first, the others in their order in the video. A segment starts 0.15 s
before its first word and ends 0.3 s after its last, never reaching into a neighbouring
sentence, and both ends fall on the video's frame boundaries.

The cut re-encodes (libx264 veryfast, CRF 18, AAC) so it starts on the exact frame rather than
the nearest keyframe; several segments are joined with ffmpeg's concat filter, with 15 ms audio
fades at each join against clicks. The short's lines are the chosen sentences re-timed onto the
clip, tiling it: each line ends where the next begins and the last ends with the clip.
"""

from __future__ import annotations

import math
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from numpy.typing import NDArray

from studio.pipeline.sources import MediaError, probe_video
from studio.planning.hooks import score_hook
from studio.planning.material import Material, Sentence

ENERGY_RATE = 8_000
DB_PER_POINT = 6.0
MAX_ENERGY_POINTS = 1.5
PAUSE_SECONDS = 0.6
PAUSE_POINTS = 1.0
LEAD_SECONDS = 0.15
TAIL_SECONDS = 0.3
MIN_EXTRA_SEGMENT = 4.0
MAX_SEGMENTS = 3
AUDIO_FADE = 0.015


class HighlightError(Exception):
    """The video cannot be cut; the message names the file."""


@dataclass(frozen=True)
class Highlight:
    index: int
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class Segment:
    """A stretch of the source video and the sentences said in it."""

    start: float
    end: float
    sentences: tuple[int, ...]

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Clip:
    path: Path
    asset_id: str
    duration: float
    segments: list[Segment]
    lines: list[tuple[str, float, float]]


def _mono(video: Path) -> NDArray[np.float32]:
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-i", str(video),
        "-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(ENERGY_RATE), "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        return np.zeros(0, np.float32)
    return np.frombuffer(result.stdout, np.float32)


def sentence_loudness(video: Path, sentences: tuple[Sentence, ...]) -> list[float]:
    """Each sentence's RMS level in dB (-100 for silence or a video without sound)."""
    samples = _mono(video)
    levels = []
    for sentence in sentences:
        first = int((sentence.start or 0.0) * ENERGY_RATE)
        last = int((sentence.end or 0.0) * ENERGY_RATE)
        piece = samples[first:last]
        rms = float(np.sqrt(np.mean(piece.astype(np.float64) ** 2))) if len(piece) else 0.0
        levels.append(20 * math.log10(rms) if rms > 1e-5 else -100.0)
    return levels


def score_highlights(sentences: tuple[Sentence, ...], levels: list[float]) -> list[Highlight]:
    """Every sentence's highlight score and reasons (see the module docstring)."""
    median = float(np.median(levels)) if levels else 0.0
    found = []
    for index, sentence in enumerate(sentences):
        score, reasons = score_hook(sentence.text)
        difference = levels[index] - median if levels else 0.0
        energy = max(-MAX_ENERGY_POINTS, min(MAX_ENERGY_POINTS, difference / DB_PER_POINT))
        if abs(energy) >= 0.1:
            score += energy
            reasons.append(f"energy ({energy:+.1f}): {difference:+.0f} dB against the median")
        before = (sentence.start or 0.0) - (sentences[index - 1].end or 0.0 if index else 0.0)
        if before >= PAUSE_SECONDS:
            score += PAUSE_POINTS
            reasons.append(f"pause (+1): {before:.1f} s of silence before it")
        found.append(Highlight(index, round(score, 2), reasons))
    return found


def _span(sentences: tuple[Sentence, ...], first: int, last: int, length: float) -> Segment:
    """The stretch from sentence ``first`` to ``last`` with lead and tail, inside the video."""
    before = sentences[first - 1].end if first > 0 else 0.0
    after = sentences[last + 1].start if last + 1 < len(sentences) else length
    start = max(before or 0.0, (sentences[first].start or 0.0) - LEAD_SECONDS, 0.0)
    end = min(after or length, (sentences[last].end or 0.0) + TAIL_SECONDS, length)
    return Segment(start, max(end, start), tuple(range(first, last + 1)))


def _run_on(
    sentences: tuple[Sentence, ...], first: int, room: float, used: set[int], length: float
) -> Segment:
    """Sentence ``first`` and the unused ones after it, while the stretch fits ``room``."""
    segment = _span(sentences, first, first, length)
    if segment.length > room:
        return Segment(segment.start, segment.start + room, segment.sentences)
    last = first
    while last + 1 < len(sentences) and last + 1 not in used:
        longer = _span(sentences, first, last + 1, length)
        if longer.length > room:
            break
        segment, last = longer, last + 1
    return segment


def choose_segments(
    sentences: tuple[Sentence, ...],
    highlights: list[Highlight],
    opener: int | None,
    duration: float,
    length: float,
) -> list[Segment]:
    """The segments of one short (see the module docstring), in the order they play."""
    ranked = sorted(highlights, key=lambda h: (-h.score, h.index))
    first = opener if opener is not None else ranked[0].index
    opening = _run_on(sentences, first, duration, set(), length)
    segments = [opening]
    used = set(opening.sentences)
    room = duration - opening.length
    for highlight in ranked:
        if room < MIN_EXTRA_SEGMENT or len(segments) >= MAX_SEGMENTS:
            break
        if highlight.index in used:
            continue
        own = _span(sentences, highlight.index, highlight.index, length)
        if own.length > room:
            continue
        segment = _run_on(sentences, highlight.index, room, used, length)
        segments.append(segment)
        used.update(segment.sentences)
        room -= segment.length
    return [opening, *sorted(segments[1:], key=lambda s: s.start)]


def _on_frames(segment: Segment, fps: float, length: float) -> Segment:
    start = math.floor(segment.start * fps + 1e-6) / fps
    end = min(math.ceil(segment.end * fps - 1e-6) / fps, length)
    return Segment(round(start, 4), round(end, 4), segment.sentences)


def cut_segments(
    video: Path, segments: list[Segment], out: Path, fps: float, has_audio: bool
) -> None:
    """Re-encode the segments, joined in order, into ``out`` (written whole or not at all).

    Each segment keeps exactly its length in frames at ``fps`` and in audio samples, so the
    picture and the sound stay together over the joins.
    """
    inputs: list[str] = []
    filters: list[str] = []
    joined = ""
    for index, segment in enumerate(segments):
        inputs += ["-ss", f"{segment.start:.4f}", "-t", f"{segment.length:.4f}", "-i", str(video)]
        filters.append(
            f"[{index}:v:0]trim=end_frame={round(segment.length * fps)},setpts=PTS-STARTPTS,"
            f"scale=trunc(iw/2)*2:trunc(ih/2)*2,setsar=1[v{index}]"
        )
        joined += f"[v{index}]"
        if has_audio:
            fade_out = max(0.0, segment.length - AUDIO_FADE)
            filters.append(
                f"[{index}:a:0]atrim=duration={segment.length:.4f},asetpts=PTS-STARTPTS,"
                f"afade=t=in:d={AUDIO_FADE},"
                f"afade=t=out:st={fade_out:.4f}:d={AUDIO_FADE}[a{index}]"
            )
            joined += f"[a{index}]"
    audio = 1 if has_audio else 0
    filters.append(f"{joined}concat=n={len(segments)}:v=1:a={audio}[v]" + ("[a]" if audio else ""))
    partial = out.with_name(f".{out.stem}.{os.getpid()}.partial.mp4")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *inputs,
        "-filter_complex", ";".join(filters), "-map", "[v]",
        *(["-map", "[a]", "-c:a", "aac", "-b:a", "160k"] if audio else []),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
        "-movflags", "+faststart", str(partial),
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, check=False)
        if result.returncode != 0:
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            raise HighlightError(f"{video}: cannot cut the highlight: {lines[-1] if lines else ''}")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def retime(
    sentences: tuple[Sentence, ...], segments: list[Segment], duration: float
) -> list[tuple[str, float, float]]:
    """The segments' sentences on the clip's timeline, tiling [0, duration]."""
    starts: list[tuple[str, float]] = []
    offset = 0.0
    for segment in segments:
        for index in segment.sentences:
            begins = offset + max(0.0, (sentences[index].start or 0.0) - segment.start)
            if starts and begins - starts[-1][1] < 0.05:
                starts[-1] = (f"{starts[-1][0]} {sentences[index].text}", starts[-1][1])
                continue
            starts.append((sentences[index].text, 0.0 if not starts else round(begins, 3)))
        offset += segment.length
    starts = [(text, start) for text, start in starts if start < duration - 0.05]
    return [
        (text, start, starts[i + 1][1] if i + 1 < len(starts) else duration)
        for i, (text, start) in enumerate(starts)
    ]


def highlight_clip(
    material: Material, opener: int | None, duration: float, folder: Path, asset_id: str
) -> Clip:
    """Choose, cut and caption one short of the material's video as ``folder/<asset_id>.mp4``."""
    video = material.video
    if video is None:
        raise HighlightError("highlights need a video")
    try:
        info = probe_video(video)
    except MediaError as error:
        raise HighlightError(str(error)) from None
    sentences = material.sentences
    highlights = score_highlights(sentences, sentence_loudness(video, sentences))
    chosen = choose_segments(sentences, highlights, opener, duration, info.duration)
    segments = [_on_frames(segment, info.fps, info.duration) for segment in chosen]
    segments = [segment for segment in segments if segment.length > 0]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{asset_id}.mp4"
    cut_segments(video, segments, out, info.fps, info.has_audio)
    total = round(sum(segment.length for segment in segments), 3)
    made = probe_video(out).duration
    length = round(min(total, made), 3) if made > 0 else total
    return Clip(out, asset_id, length, segments, retime(sentences, segments, length))
