"""Media the tests make for themselves, and ffmpeg-based measurements of what Studio wrote."""

from __future__ import annotations

import json
import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageDraw

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def pattern_image(path: Path, width: int = 640, height: int = 360, seed: int = 0) -> Path:
    """A photo stand-in with structure everywhere: a gradient, a grid and a few shapes."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([xs * 255 / width, ys * 255 / height, 255 - xs * 200 / width], axis=-1).astype(
        np.uint8
    )
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    for x in range(0, width, max(8, width // 16)):
        draw.line([(x, 0), (x, height)], fill=(255, 255, 255), width=1)
    for _ in range(6):
        x0, y0 = int(rng.integers(0, width - 40)), int(rng.integers(0, height - 40))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse([x0, y0, x0 + width // 6, y0 + height // 5], fill=colour)
    image.save(path)
    return path


def tone_wav(
    path: Path,
    seconds: float,
    frequency: float = 440.0,
    rate: int = 44_100,
    amplitude: float = 0.3,
    silence_before: float = 0.0,
) -> Path:
    """A mono 16-bit WAV: optional silence, then a sine tone."""
    lead = np.zeros(int(silence_before * rate))
    t = np.arange(int(seconds * rate)) / rate
    tone = amplitude * np.sin(2 * np.pi * frequency * t)
    samples = (np.concatenate([lead, tone]) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def make_clip(path: Path, width: int, height: int, seconds: float, fps: int = 30) -> Path:
    """A clip of ffmpeg's moving test pattern with a tone, encoded H.264/AAC."""
    subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=330:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
    )
    return path


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    fps: str
    frames: int
    duration: float
    video_codec: str
    pix_fmt: str
    colour: str
    audio: str | None


def probe(path: Path) -> Probe:
    """What ffprobe would say, read from ffmpeg itself (the bundled ffmpeg has no ffprobe)."""
    result = subprocess.run(
        [FFMPEG, "-hide_banner", "-i", str(path), "-map", "0:v", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = result.stderr
    video = re.search(r"Video: (\w+).*?, (\w+)\(([^)]*)\), (\d+)x(\d+)", text)
    assert video, text
    fps = re.search(r"(\d+(?:\.\d+)?) fps", text)
    frames = re.findall(r"frame=\s*(\d+)", text)
    duration = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", text)
    audio = re.search(r"Audio: (.*)", text)
    assert fps, text
    assert frames, text
    assert duration, text
    h, m, s = duration.groups()
    return Probe(
        int(video.group(4)),
        int(video.group(5)),
        fps.group(1),
        int(frames[-1]),
        int(h) * 3600 + int(m) * 60 + float(s),
        video.group(1),
        video.group(2),
        video.group(3),
        audio.group(1) if audio else None,
    )


def loudness(path: Path, raw: bool = False) -> dict[str, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) by ffmpeg's ebur128 meter.

    ``raw`` reads Studio's raw mix format (float32 48 kHz stereo) instead of a media file.
    """
    source = ["-f", "f32le", "-ar", "48000", "-ac", "2"] if raw else []
    result = subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-nostats",
            *source,
            "-i",
            str(path),
            "-vn",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert integrated, summary
    assert peak, summary
    return {"integrated": float(integrated.group(1)), "true_peak": float(peak.group(1))}


def decode_audio(path: Path, rate: int = 48_000) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The file's audio as mono float32."""
    result = subprocess.run(
        [
            FFMPEG,
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "f32le",
            "pipe:1",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, np.float32)


def decode_frames(path: Path, width: int, height: int) -> list[bytes]:
    """Every frame as raw I420 bytes."""
    result = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
        capture_output=True,
        check=True,
    )
    size = width * height * 3 // 2
    return [result.stdout[i : i + size] for i in range(0, len(result.stdout), size)]


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
