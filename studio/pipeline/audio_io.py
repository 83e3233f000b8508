"""Audio in and out through ffmpeg: decode any file, measure loudness, encode AAC.

The mixer works on one format only (48 kHz stereo float32), so every source is converted here once
and nothing downstream has to care about sample rates, channel counts or codecs.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
from numpy.typing import NDArray

SAMPLE_RATE = 48_000
CHANNELS = 2
LOUDNESS_RANGE = 11.0
"""EBU R128's loudness range target: wide enough that ``linear=true`` normally holds."""
SILENCE_LUFS = -70.0
"""R128's absolute gate: a mix below it has nothing a loudness normaliser could measure."""
RAW_INPUT = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS)]
"""How ffmpeg reads the mixer's headerless output."""
_LOUDNORM_KEYS = ("input_i", "input_tp", "input_lra", "input_thresh", "target_offset")


class AudioError(Exception):
    """A sound file could not be decoded, measured or encoded; the message names the file."""


def _ffmpeg() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _run(command: list[str], path: Path, action: str) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg, turning a failure into an AudioError that says which file and why."""
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace")
        if "matches no streams" in stderr:
            reason = "it has no audio stream"
        else:
            lines = [line.strip() for line in stderr.splitlines() if line.strip()]
            reason = lines[-1] if lines else f"ffmpeg exited with status {result.returncode}"
        raise AudioError(f"cannot {action} {path}: {reason}")
    return result


def measure_loudness(path: Path) -> float:
    """Integrated loudness of an audio file in LUFS, by ffmpeg's BS.1770 meter (ebur128)."""
    command = [
        _ffmpeg(),
        "-nostdin",
        "-hide_banner",
        "-nostats",
        "-i",
        str(path),
        "-vn",
        "-af",
        "ebur128",
        "-f",
        "null",
        "-",
    ]
    stderr = _run(command, path, "measure the loudness of").stderr.decode("utf-8", "replace")
    summary = stderr[stderr.rfind("Summary:") :]
    found = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    if found is None:
        raise AudioError(f"cannot measure the loudness of {path}: no ebur128 summary")
    return float(found.group(1))


def decode_audio(path: Path) -> NDArray[np.float32]:
    """The file's first audio stream as (n, 2) float32 at 48 kHz.

    ffmpeg's own mono-to-stereo upmix lowers the level by 3 dB, so mono is decoded as mono (WAV
    output carries the channel count) and duplicated here at full level; more than two channels
    are downmixed to stereo by ffmpeg.
    """
    command = [
        _ffmpeg(),
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-af",
        f"aresample={SAMPLE_RATE},aformat=sample_fmts=flt:channel_layouts=mono|stereo",
        "-c:a",
        "pcm_f32le",
        "-bitexact",
        "-map_metadata",
        "-1",
        "-f",
        "wav",
        "pipe:1",
    ]
    result = _run(command, path, "decode audio from")
    channels, payload = _wav_payload(result.stdout, path)
    frames = len(payload) // (4 * channels)
    if frames == 0:
        raise AudioError(f"cannot decode audio from {path}: it has no audio samples")
    samples = np.frombuffer(payload, dtype="<f4", count=frames * channels)
    audio = samples.reshape(frames, channels).astype(np.float32)
    if channels == 1:
        return np.repeat(audio, CHANNELS, axis=1)
    return audio


def _wav_payload(data: bytes, path: Path) -> tuple[int, memoryview]:
    """Channel count and sample bytes of a WAV that ffmpeg streamed (its sizes are unknown)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"cannot decode audio from {path}: ffmpeg returned no WAV data")
    channels = 0
    position = 12
    while position + 8 <= len(data):
        tag = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        body = position + 8
        if tag == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
        elif tag == b"data" and channels in (1, 2):
            return channels, memoryview(data)[body:]
        position = body + size + (size & 1)
    raise AudioError(f"cannot decode audio from {path}: ffmpeg returned no mono or stereo samples")


PEAK_MARGIN_DB = 0.5
"""Room between a sample-peak limit and the true-peak ceiling, for peaks between samples."""
LIMITER_FLOOR_DB = -24.0
"""ffmpeg's alimiter cannot limit lower than this."""


def loudnorm_filter(
    raw_path: Path, target_lufs: float = -14.0, true_peak_db: float = -1.0
) -> str | None:
    """The second-pass ``loudnorm`` filter for a raw mix, or None when it is silent.

    One-pass loudnorm guesses as it goes and pumps; measuring the whole mix first lets the
    encoder apply a single linear gain that lands on the target.
    """
    if raw_path.stat().st_size == 0:
        return None
    base = f"loudnorm=I={target_lufs:g}:TP={true_peak_db:g}:LRA={LOUDNESS_RANGE:g}"
    command = [
        _ffmpeg(),
        "-nostdin",
        "-hide_banner",
        "-nostats",
        *RAW_INPUT,
        "-i",
        str(raw_path),
        "-af",
        f"{base}:print_format=json",
        "-f",
        "null",
        "-",
    ]
    stderr = _run(command, raw_path, "measure the loudness of").stderr.decode("utf-8", "replace")
    measured = _loudnorm_measurement(stderr, raw_path)
    if not math.isfinite(measured["input_i"]) or measured["input_i"] < SILENCE_LUFS:
        return None
    limiter, peak = "", measured["input_tp"]
    gain = target_lufs - measured["input_i"]
    if peak + gain > true_peak_db - PEAK_MARGIN_DB:
        # One linear gain would push the peaks past the ceiling, and loudnorm would then switch
        # to its dynamic mode, which undershoots on short clips. Limit the peaks first (with the
        # limiter's delay compensated, so sync holds) and keep the single linear gain.
        peak = max(LIMITER_FLOOR_DB, true_peak_db - 2 * PEAK_MARGIN_DB - gain)
        limiter = (
            f"alimiter=limit={10 ** (peak / 20):.4f}:attack=1:release=60:level=false:latency=true,"
        )
        peak += PEAK_MARGIN_DB
    return (
        f"{limiter}{base}:measured_I={measured['input_i']:.2f}:measured_TP={peak:.2f}"
        f":measured_LRA={measured['input_lra']:.2f}:measured_thresh={measured['input_thresh']:.2f}"
        f":offset={measured['target_offset']:.2f}:linear=true,aresample={SAMPLE_RATE}"
    )


def _loudnorm_measurement(stderr: str, path: Path) -> dict[str, float]:
    """The numbers of the JSON block loudnorm prints last on stderr."""
    start, end = stderr.rfind("{"), stderr.rfind("}")
    try:
        report = json.loads(stderr[start : end + 1]) if 0 <= start < end else {}
        values = {key: float(report[key]) for key in _LOUDNORM_KEYS}
    except (ValueError, KeyError, TypeError) as error:
        raise AudioError(f"cannot measure the loudness of {path}: no loudnorm report") from error
    if any(math.isnan(value) for value in values.values()):
        raise AudioError(f"cannot measure the loudness of {path}: loudnorm reported NaN")
    return values


def encode_audio_file(raw_path: Path, out_path: Path, filter_: str | None) -> None:
    """Encode a raw mix to AAC 48 kHz stereo 192 kb/s, as the video encoder does while muxing."""
    command = [_ffmpeg(), "-nostdin", "-y", "-v", "error", *RAW_INPUT, "-i", str(raw_path)]
    if filter_:
        command += ["-af", filter_]
    command += ["-c:a", "aac", "-b:a", "192k", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS)]
    command.append(str(out_path))
    _run(command, raw_path, "encode")
