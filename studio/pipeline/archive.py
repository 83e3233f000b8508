"""Reading .zip archives for import without trusting them.

Every member is checked before a byte is written: names that would escape the archive, symbolic
links and zip-bomb ratios are refused one by one, and archives that would expand past a limit are
refused whole. Members are copied in chunks with a running cap, so a header that lies about its
size cannot fill the disk.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_TOTAL_BYTES = 4 * 1024**3
"""Most an archive may expand to; larger is refused before anything is extracted."""
MAX_RATIO = 200
"""Real media barely compresses; a member expanding more than this is a bomb."""
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The whole archive is refused; the message says why."""


@dataclass(frozen=True)
class Member:
    """One archive member: extracted to ``file`` (deleted after use) or refused with ``reason``."""

    name: str
    file: Path | None
    reason: str = ""


def _refusal(info: zipfile.ZipInfo) -> str:
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (
        name.startswith(("/", "\\"))
        or re.match(r"^[A-Za-z]:", name)
        or ".." in parts
        or "\x00" in name
    ):
        return "refused: path escapes the archive"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "refused: symbolic link"
    ratio = info.file_size / max(1, info.compress_size)
    if info.file_size > 0 and (info.compress_size == 0 or ratio > MAX_RATIO):
        return f"refused: compression ratio {ratio:.0f}:1 looks like a zip bomb"
    return ""


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    dotted = any(part.startswith(".") and part not in (".", "..") for part in parts)
    return dotted or parts[:1] == ("__MACOSX",)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, scratch: Path, budget: int) -> Path:
    """Copy one member to a scratch file, refusing to write past its header size or ``budget``."""
    cap = min(info.file_size, budget)
    handle, name = tempfile.mkstemp(dir=scratch, prefix=".member-")
    written = 0
    try:
        with os.fdopen(handle, "wb") as out, archive.open(info) as member:
            while chunk := member.read(CHUNK):
                written += len(chunk)
                if written > cap:
                    raise ArchiveError("refused: member is larger than its header claims")
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def members(path: Path, scratch: Path) -> Iterator[Member]:
    """The archive's file members, in name order, each extracted only while the caller holds it.

    Raises ArchiveError when the archive as a whole is unreadable or too large to expand.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ArchiveError(f"not a readable zip archive ({error})") from None
    with archive:
        infos = sorted(
            (i for i in archive.infolist() if not i.is_dir() and not _hidden(i.filename)),
            key=lambda i: i.filename,
        )
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"refused: too many members ({len(infos)} > {MAX_MEMBERS})")
        total = sum(i.file_size for i in infos)
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError(
                f"refused: would expand to {total / 1024**3:.1f} GB "
                f"(limit {MAX_TOTAL_BYTES / 1024**3:.0f} GB)"
            )
        budget = MAX_TOTAL_BYTES
        for info in infos:
            reason = _refusal(info)
            if reason:
                yield Member(info.filename, None, reason)
                continue
            try:
                file = _extract(archive, info, scratch, budget)
            except ArchiveError as error:
                yield Member(info.filename, None, str(error))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as error:
                yield Member(info.filename, None, f"truncated or corrupt ({error})")
                continue
            budget -= file.stat().st_size
            try:
                yield Member(info.filename, file)
            finally:
                file.unlink(missing_ok=True)
