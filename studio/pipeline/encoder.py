"""The encoder: I420 frames through a pipe into ffmpeg, with the mixed audio, to an MP4.

Frames go straight from the render loop into ffmpeg's stdin: on two cores a separate writer
thread gained nothing (ffmpeg's demuxer thread and the pipe buffer already decouple the two
sides; shared/design/RENDER-PERFORMANCE.md). Output is H.264 yuv420p tagged BT.709, constant
frame rate, AAC 48 kHz stereo, +faststart, written to a temporary file beside the target and
renamed into place only when complete.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType

import imageio_ffmpeg

from studio.pipeline.yuv import Planes

HARDWARE_ENCODERS = ("h264_nvenc", "h264_videotoolbox", "h264_qsv", "h264_amf")


class EncodeError(Exception):
    """ffmpeg refused or failed; the message carries its last words."""


@dataclass(frozen=True)
class Preset:
    """How hard the encoder works. ``scale`` shrinks the frame (draft renders at half size)."""

    name: str
    scale: float
    x264_preset: str
    crf: int
    hardware_quality: int


PRESETS = {
    "final": Preset("final", 1.0, "veryfast", 19, 21),
    "draft": Preset("draft", 0.5, "ultrafast", 26, 28),
}


def ffmpeg() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def compiled_encoders() -> frozenset[str]:
    """The H.264 encoders this ffmpeg was built with (not all of them have hardware here)."""
    result = subprocess.run(
        [ffmpeg(), "-hide_banner", "-encoders"], capture_output=True, text=True, check=False
    )
    names = {line.split()[1] for line in result.stdout.splitlines() if len(line.split()) > 1}
    return frozenset(name for name in names if "264" in name)


SLOW_X264_PRESETS = frozenset({"medium", "slow", "slower", "veryslow", "placebo"})


def x264_threads(x264_preset: str) -> int:
    """Frame threads for libx264: x264's own default (1.5 per core) leaves part of 2 cores
    idle. Fast presets do little work per frame and need 3 per core to keep the cores busy
    (measured: 4% faster W1 `final` than 2 per core); slow presets fill them with 2 per core
    just as fast, and each extra frame thread holds ~25 MB of 1080p buffers (W1 at medium:
    735 MB peak with 2 per core, ~800 MB with 3)."""
    per_core = 2 if x264_preset in SLOW_X264_PRESETS else 3
    return per_core * (os.cpu_count() or 2)


def codec_args(encoder: str, preset: Preset, threads: int | None = None) -> list[str]:
    """ffmpeg arguments for one encoder at one preset's quality."""
    q = str(preset.hardware_quality)
    if encoder == "libx264":
        args = ["-c:v", "libx264", "-preset", preset.x264_preset, "-crf", str(preset.crf)]
        return [*args, "-threads", str(threads or x264_threads(preset.x264_preset))]
    if encoder == "h264_nvenc":
        return [
            "-c:v",
            encoder,
            "-preset",
            "p5",
            "-tune",
            "hq",
            "-rc",
            "vbr",
            "-cq",
            q,
            "-b:v",
            "0",
        ]
    if encoder == "h264_videotoolbox":
        return ["-c:v", encoder, "-q:v", str(100 - 2 * preset.hardware_quality)]
    if encoder == "h264_qsv":
        return ["-c:v", encoder, "-global_quality", q]
    if encoder == "h264_amf":
        return ["-c:v", encoder, "-rc", "cqp", "-qp_i", q, "-qp_p", q]
    raise EncodeError(f"unknown encoder {encoder!r}")


@functools.cache
def encoder_works(encoder: str) -> bool:
    """A one-second test encode: a compiled-in hardware encoder still needs its hardware."""
    if encoder not in compiled_encoders():
        return False
    command = [
        ffmpeg(),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        "color=black:s=256x256:r=30:d=1",
        *codec_args(encoder, PRESETS["draft"]),
        "-pix_fmt",
        "yuv420p",
        "-f",
        "null",
        "-",
    ]
    try:
        result = subprocess.run(command, capture_output=True, timeout=20, check=False)
    except subprocess.TimeoutExpired:
        return False
    return result.returncode == 0


def choose_encoder(requested: str = "auto") -> str:
    """``auto``: the first hardware encoder that works, else libx264. A name must work."""
    if requested == "auto":
        return next((name for name in HARDWARE_ENCODERS if encoder_works(name)), "libx264")
    if requested != "libx264" and not encoder_works(requested):
        usable = ", ".join(["libx264", *(n for n in HARDWARE_ENCODERS if encoder_works(n))])
        raise EncodeError(f"encoder {requested!r} does not work on this machine (usable: {usable})")
    return requested


def rate(fps: float) -> str:
    """A frame rate as ffmpeg's exact fraction; 23.976, 29.97 and 59.94 mean the NTSC rates."""
    for base in (24, 30, 48, 60, 120):
        if abs(fps - base * 1000 / 1001) < 0.005:
            return f"{base * 1000}/1001"
    fraction = Fraction(fps).limit_denominator(1001)
    return f"{fraction.numerator}/{fraction.denominator}"


@dataclass(frozen=True)
class AudioInput:
    """Raw float32 48 kHz stereo audio and the filter (loudness) to apply while encoding."""

    path: Path
    filter: str | None = None


class VideoWriter:
    """Feeds frames to ffmpeg; ``finish`` renames the file into place, ``abort`` removes it."""

    def __init__(
        self,
        target: Path,
        width: int,
        height: int,
        fps: float,
        frame_count: int,
        encoder: str,
        preset: Preset,
        audio: AudioInput | None,
    ) -> None:
        self.target = target
        self.frame_count = frame_count
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=".partial.mp4", dir=target.parent
        )
        os.close(handle)
        self.temp = Path(temp)
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in finish or abort)
        command = [
            ffmpeg(),
            "-y",
            "-v",
            "error",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "yuv420p",
            "-s",
            f"{width}x{height}",
            "-framerate",
            rate(fps),
            "-i",
            "pipe:0",
        ]
        if audio is not None:
            command += ["-f", "f32le", "-ar", "48000", "-ac", "2", "-i", str(audio.path)]
            command += ["-map", "0:v", "-map", "1:a"]
            if audio.filter:
                command += ["-af", audio.filter]
            command += ["-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2"]
        command += codec_args(encoder, preset)
        command += [
            # Label the frames BT.709 (as composed) rather than convert them from a guess.
            "-vf", "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv",
            "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_primaries", "bt709",
            "-color_trc", "bt709", "-color_range", "tv", "-fps_mode", "cfr", "-r", rate(fps),
            "-frames:v", str(frame_count), "-t", f"{frame_count / fps:.6f}",
            "-movflags", "+faststart", "-f", "mp4", str(self.temp),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=self._log)
        self.frames_written = 0

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.process.poll() is None or self.temp.exists():
            self.abort()

    def _failure(self) -> EncodeError:
        self._log.seek(0)
        lines = self._log.read().decode(errors="replace").strip().splitlines()
        return EncodeError(f"ffmpeg failed: {lines[-1] if lines else 'no message'}")

    def write(self, planes: Planes) -> None:
        stdin = self.process.stdin
        if stdin is None:
            raise EncodeError("the encoder is closed")
        try:
            stdin.write(planes.y.data)
            stdin.write(planes.u.data)
            stdin.write(planes.v.data)
        except (BrokenPipeError, ValueError):
            self.process.wait()
            raise self._failure() from None
        self.frames_written += 1

    def finish(self) -> Path:
        """Close the pipe, wait for ffmpeg and move the file into place."""
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        if self.process.wait() != 0:
            error = self._failure()
            self.abort()
            raise error
        os.replace(self.temp, self.target)
        self._log.close()
        return self.target

    def abort(self) -> None:
        """Stop ffmpeg and delete the partial file: nothing half-written is left behind."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(BrokenPipeError, OSError):
                self.process.stdin.close()
        self.temp.unlink(missing_ok=True)
        self._log.close()
