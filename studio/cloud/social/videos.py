"""Videos the desktop renders and uploads to publish: checked with ffmpeg, stored per owner.

The service keeps one file per owner and content hash (``<owner id>/<sha256><suffix>`` under the
runtime's video folder), so uploading the same render again costs no space and gives the same id.
A file is written to a temp file beside its place and renamed in only once it is whole and known
to be a video, so a failed upload never leaves a half file where the publisher would find it.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import imageio_ffmpeg

VIDEO_DIR = "social-videos"
"""The folder under the service's data folder."""
SUFFIXES = (".mp4", ".mov", ".m4v", ".webm")
CHUNK = 1024 * 1024
PROBE_TIMEOUT_S = 60.0
_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(r"Stream #\S+.*: Video: (?!.*\(attached pic\))")


class NotAVideo(ValueError):
    """The upload is not a video ffmpeg can read (no video stream, or no duration)."""


class TooLarge(ValueError):
    """The upload is over the service's limit."""


def probe_duration(path: Path) -> float:
    """The duration in seconds of a file with a video stream; NotAVideo otherwise.

    ``ffmpeg -i`` without an output prints the container's description and exits non-zero; its
    text is what is read (the bundled ffmpeg has no ffprobe beside it)."""
    try:
        answer = subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise NotAVideo("ffmpeg could not read the file in time") from None
    description = answer.stderr
    if "Input #0" not in description or not _VIDEO_STREAM.search(description):
        raise NotAVideo("not a video (no video stream found)")
    found = _DURATION.search(description)
    if found is None:
        raise NotAVideo("the video has no duration (a still image or a live stream?)")
    hours, minutes, seconds = found.groups()
    duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    if duration <= 0:
        raise NotAVideo("the video is empty (its duration is 0)")
    return duration


@dataclass(frozen=True)
class Received:
    """An upload written to ``temp`` (not yet in place) with its hash, size and duration."""

    temp: Path
    sha256: str
    size_bytes: int
    duration_seconds: float
    suffix: str


@dataclass(frozen=True)
class VideoStore:
    """Where uploaded videos live: ``root / <owner id> / <sha256><suffix>``."""

    root: Path
    probe: Callable[[Path], float] = probe_duration

    def path_of(self, relative: str) -> Path:
        return self.root / relative

    def receive(self, owner_id: str, stream: BinaryIO, filename: str, max_bytes: int) -> Received:
        """Copy ``stream`` into a temp file in the owner's folder, hashing it; TooLarge past
        ``max_bytes``, NotAVideo when ffmpeg finds no video in it (the temp file is gone then)."""
        folder = self.root / owner_id
        folder.mkdir(parents=True, exist_ok=True)
        suffix = Path(filename).suffix.lower()
        digest = hashlib.sha256()
        size = 0
        handle, name = tempfile.mkstemp(dir=folder, prefix=".upload-", suffix=".part")
        temp = Path(name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(f"the video is over the limit of {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise NotAVideo("the file is empty")
            duration = self.probe(temp)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(
            temp, digest.hexdigest(), size, duration, suffix if suffix in SUFFIXES else ".mp4"
        )

    def keep(self, owner_id: str, received: Received) -> str:
        """Move a received upload into its place; the relative path to store."""
        relative = f"{owner_id}/{received.sha256}{received.suffix}"
        os.replace(received.temp, self.path_of(relative))
        return relative

    @staticmethod
    def discard(received: Received) -> None:
        received.temp.unlink(missing_ok=True)
