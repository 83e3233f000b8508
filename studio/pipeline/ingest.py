"""Importing media into a content-addressed library (the seed's ``cinema.ingest`` stage).

Files are classified by their bytes, never by their names, because imports come from phones,
downloads and zips where extensions lie. Each file succeeds or fails on its own, so one hostile
or broken file never stops the rest of a batch, and nothing partial is ever left in the library.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import imageio_ffmpeg
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.pipeline.archive import ArchiveError, members
from studio.pipeline.media import AUDIO_SUFFIXES
from studio.pipeline.sources import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    MediaError,
    probe_video,
    read_video_frame,
)

Status = Literal["imported", "duplicate", "rejected"]
Meta = dict[str, str | int | float | bool]
THUMB_SIZE = 320
MAX_SCRIPT_BYTES = 10 * 1024**2
SCRIPT_SUFFIXES = {".txt", ".md", ".fountain"}
_FONTS = {b"OTTO": ".otf", b"\x00\x01\x00\x00": ".ttf", b"true": ".ttf", b"ttcf": ".ttc"}
_FONTS |= {b"wOFF": ".woff", b"wOF2": ".woff2"}
_IMAGE_EXT = {"JPEG": ".jpg", "MPO": ".jpg", "TIFF": ".tif", "PNG": ".png", "WEBP": ".webp"}
_LOOKS = {"script": "text", "unsupported": "unknown data"}


@dataclass(frozen=True)
class ImportResult:
    """What happened to one input file; ``asset_id`` is the sha256 of its bytes."""

    path: str
    status: Status
    kind: str | None
    asset_id: str | None
    reason: str = ""
    metadata: Meta = field(default_factory=dict)


class Rejected(Exception):
    """The file cannot be imported; the message is the reason shown to the user."""


@dataclass
class _Found:
    kind: str
    ext: str
    metadata: Meta
    thumbnail: Image.Image | None = None


def import_paths(paths: Sequence[Path], library: Path) -> list[ImportResult]:
    """Import files, folders (recursively) and .zip archives into ``library``."""
    for sub in ("assets", "thumbs"):
        (library / sub).mkdir(parents=True, exist_ok=True)
    results: list[ImportResult] = []
    for path in paths:
        for shown, file in _expand(path):
            if isinstance(file, str):
                results.append(ImportResult(shown, "rejected", None, None, file))
            elif file.suffix.lower() == ".zip" and file.is_file() and not file.is_symlink():
                results.extend(_import_archive(shown, file, library))
            else:
                results.append(_import_file(shown, file, file.suffix.lower(), library))
    return results


def _expand(path: Path) -> Iterator[tuple[str, Path | str]]:
    """Files under ``path`` in sorted order; hidden ones skipped, symlinks refused in folders."""
    if not path.is_dir():
        yield str(path), path
        return
    for file in sorted(path.rglob("*")):
        relative = file.relative_to(path)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if file.is_symlink():
            yield str(file), "refused: symbolic link"
        elif file.is_file():
            yield str(file), file


def _import_archive(shown: str, archive: Path, library: Path) -> list[ImportResult]:
    results: list[ImportResult] = []
    try:
        for member in members(archive, library / "assets"):
            name = f"{shown}!{member.name}"
            if member.file is None:
                results.append(ImportResult(name, "rejected", None, None, member.reason))
            else:
                suffix = Path(member.name.replace("\\", "/")).suffix.lower()
                results.append(_import_file(name, member.file, suffix, library))
    except ArchiveError as error:
        results.append(ImportResult(shown, "rejected", None, None, str(error)))
    return results


def _import_file(shown: str, file: Path, suffix: str, library: Path) -> ImportResult:
    try:
        digest = _sha256(file)
    except OSError as error:
        return ImportResult(shown, "rejected", None, None, f"cannot read ({error.strerror})")
    try:
        found = _classify(file, suffix)
        _check_suffix(suffix, found.kind)
    except Rejected as error:
        kind = "unsupported" if str(error).startswith("unsupported") else None
        return ImportResult(shown, "rejected", kind, digest, str(error))
    except OSError as error:
        return ImportResult(shown, "rejected", None, digest, f"cannot read ({error.strerror})")
    target = library / "assets" / digest[:2] / f"{digest}{found.ext}"
    if target.exists():
        return ImportResult(shown, "duplicate", found.kind, digest, "", found.metadata)
    try:
        _store(file, target, found.thumbnail, library / "thumbs" / f"{digest}.jpg")
    except OSError as error:
        return ImportResult(shown, "rejected", found.kind, digest, f"cannot store ({error})")
    return ImportResult(shown, "imported", found.kind, digest, "", found.metadata)


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with file.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _check_suffix(suffix: str, kind: str) -> None:
    """A media extension over other content is refused: the name would mislead every later step."""
    for claimed, suffixes in (
        ("image", IMAGE_SUFFIXES),
        ("video", VIDEO_SUFFIXES),
        ("audio", AUDIO_SUFFIXES),
    ):
        if suffix in suffixes and kind != claimed:
            noun = {"image": "an image", "video": "a video"}.get(claimed, claimed)
            raise Rejected(f"content is not {noun} (looks like {_LOOKS.get(kind, kind)})")


def _store(file: Path, target: Path, thumbnail: Image.Image | None, thumb_path: Path) -> None:
    """Write the thumbnail, then the asset, each atomically; a failed asset takes its thumbnail."""
    target.parent.mkdir(parents=True, exist_ok=True)
    wrote_thumb = False
    try:
        if thumbnail is not None:
            buffer = io.BytesIO()
            thumbnail.save(buffer, "JPEG", quality=85)
            _atomic_write(thumb_path, lambda out: out.write(buffer.getvalue()))
            wrote_thumb = True
        with file.open("rb") as source:
            _atomic_write(target, lambda out: shutil.copyfileobj(source, out, 1024 * 1024))
    except BaseException:
        if wrote_thumb:
            thumb_path.unlink(missing_ok=True)
        raise


def _atomic_write(target: Path, fill: Callable[[BinaryIO], object]) -> None:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(handle, "wb") as out:
            fill(out)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _classify(file: Path, suffix: str) -> _Found:
    with file.open("rb") as stream:
        head = stream.read(64)
    if not head:
        raise Rejected("unsupported: empty file")
    if head[:4] in _FONTS:
        return _Found("font", _FONTS[head[:4]], {})
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        raise Rejected("unsupported: nested archives are not expanded")
    image = _as_image(file)
    if image is not None:
        return image
    container = _container(head)
    if container is not None:
        return _as_av(file, head, container)
    if _is_text(file):
        return _Found("script", suffix if suffix in SCRIPT_SUFFIXES else ".txt", {})
    raise Rejected("unsupported: not an image, video, audio, script or font")


def _as_image(file: Path) -> _Found | None:
    """The file as an image, None when Pillow does not recognise it at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                fmt = image.format or ""
                pixels = image.width * image.height
                if pixels > (Image.MAX_IMAGE_PIXELS or pixels):
                    raise Rejected(f"image too large ({pixels / 1e6:.0f} megapixels)")
                image.load()
                exif = image.getexif()
                upright = ImageOps.exif_transpose(image)
    except UnidentifiedImageError:
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        match = re.search(r"\((\d+) pixels\)", str(error))
        megapixels = int(match.group(1)) / 1e6 if match else 0.0
        raise Rejected(f"image too large ({megapixels:.0f} megapixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise Rejected("truncated or corrupt") from None
    metadata: Meta = {"width": upright.width, "height": upright.height}
    date = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)
    if isinstance(date, str) and date.strip():
        metadata["exif_date"] = date.strip()
    return _Found("image", _IMAGE_EXT.get(fmt, f".{fmt.lower()}"), metadata, _thumb(upright))


def _thumb(image: Image.Image) -> Image.Image:
    """A small RGB copy; transparency is flattened on white, as a file browser shows it."""
    small = image.copy()
    small.thumbnail((THUMB_SIZE, THUMB_SIZE))
    if small.mode in ("RGBA", "LA", "PA") or "transparency" in small.info:
        rgba = small.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return small.convert("RGB")


def _container(head: bytes) -> str | None:
    """The audio/video container named by the magic bytes, before any decoder is trusted."""
    if head[4:8] == b"ftyp":
        return "qt" if head[8:12] == b"qt  " else "mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm" if b"webm" in head else "mkv"
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"WAVE"):
        return "avi" if head[8:12] == b"AVI " else "wav"
    if head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "aac" if head[1] & 0xF6 == 0xF0 else "mp3"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "opus" if b"OpusHead" in head else "ogg"
    return None


def _streams(file: Path) -> tuple[bool, bool, float | None]:
    """Whether ffmpeg sees video (not cover art) and audio streams, and the duration."""
    text = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(file)],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    ).stderr
    video = any("attached pic" not in line for line in re.findall(r"Stream #.*: Video: .*", text))
    audio = re.search(r"Stream #.*: Audio: ", text) is not None
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    seconds = None
    if duration:
        hours, minutes, secs = duration.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    return video, audio, seconds


def _as_av(file: Path, head: bytes, container: str) -> _Found:
    video, audio, duration = _streams(file)
    if video and container in ("qt", "mp4", "mkv", "webm", "avi", "ogg"):
        try:
            info = probe_video(file)
            frame = read_video_frame(file, min(1.0, info.duration / 2))
        except MediaError:
            raise Rejected("truncated or corrupt") from None
        metadata: Meta = {
            "width": info.width,
            "height": info.height,
            "duration": info.duration,
            "fps": info.fps,
            "has_audio": info.has_audio,
        }
        ext = {"qt": ".mov", "mp4": ".mp4"}.get(container, f".{container}")
        return _Found("video", ext, metadata, _thumb(Image.fromarray(frame)))
    if audio and duration is not None:
        ext = ".m4a" if container in ("qt", "mp4") else f".{container}"
        ext = ".mka" if container in ("mkv", "webm") else ext
        return _Found("audio", ext, {"duration": duration})
    raise Rejected("truncated or corrupt")


def _is_text(file: Path) -> bool:
    if file.stat().st_size > MAX_SCRIPT_BYTES:
        return False
    data = file.read_bytes()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True
