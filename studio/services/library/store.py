"""The content-addressed file store beside the database.

A file lives at ``<root>/<sha[:2]>/<sha><ext>``, so importing the same bytes twice keeps one copy
and rows refer to files by that relative path. Bytes are hashed while they are copied to a temp
file under ``<root>/.tmp`` and renamed into place with ``os.replace``: a crash never leaves a half
file under a final name, only a temp file that ``garbage_collect`` removes later.

Files are shared by rows, so removal asks the database first: ``garbage_collect`` deletes files no
row points at, and ``delete_production`` removes a production and then only the files it alone used.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import math
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from sqlalchemy import Text, cast, delete, exists, select, update
from sqlalchemy.orm import Session, aliased

from studio.services.library.models import (
    Asset,
    BrandKit,
    Job,
    JobEvent,
    PlanRevision,
    Production,
    ProductionAsset,
    Shorts,
    ShortVariant,
)

TEMP_FOLDER = ".tmp"
GC_GRACE = timedelta(hours=1)
"""Files younger than this are spared by garbage_collect: another process may be about to commit
the row that points at a file it has just stored."""

_CHUNK = 1024 * 1024
_SUFFIX = re.compile(r"\.[a-z0-9]{1,12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: ``path`` is relative to the store root (what rows keep)."""

    sha256: str
    path: str
    size_bytes: int
    duplicate: bool


@dataclass(frozen=True)
class Removed:
    """What a clean-up deleted: relative paths of stored files and the bytes freed."""

    paths: tuple[str, ...]
    temp_files: int
    bytes_freed: int


class NoSuchProduction(LookupError):
    """No production has that id; the message names it."""


class Store:
    """Files named by their sha256 under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(
        self, source: Path | BinaryIO, suffix: str | None = None, *, move: bool = False
    ) -> StoredFile:
        """Store a file (or the rest of a binary stream); the same bytes give the same path.

        ``suffix`` (".mp4") defaults to the source file's. With ``move``, a source file on the
        same disk is renamed into the store instead of copied (a render's output, say).
        """
        ext = _suffix(suffix if suffix is not None else _name_suffix(source))
        if move and isinstance(source, Path):
            return self._adopt(source, ext)
        temp_dir = self.root / TEMP_FOLDER
        temp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=temp_dir, suffix=".part", delete=False) as temp:
            temp_path = Path(temp.name)
            try:
                if isinstance(source, Path):
                    with source.open("rb") as stream:
                        digest, size = _copy_hashing(stream, temp)
                else:
                    digest, size = _copy_hashing(source, temp)
                temp.flush()
                os.fsync(temp.fileno())
            except BaseException:
                temp.close()
                temp_path.unlink(missing_ok=True)
                raise
        return self._settle(temp_path, digest, size, ext)

    def path_of(self, relative: str) -> Path:
        """The absolute path of a stored file; refuses paths that leave the store."""
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
            raise ValueError(f"{relative!r} is not a path inside the store")
        return self.root.joinpath(*parts)

    def files(self) -> Iterator[str]:
        """Relative paths of every stored file (temp files excluded)."""
        if not self.root.is_dir():
            return
        for shard in sorted(self.root.iterdir()):
            if shard.name == TEMP_FOLDER or not shard.is_dir():
                continue
            for file in sorted(shard.iterdir()):
                if file.is_file():
                    yield f"{shard.name}/{file.name}"

    def garbage_collect(self, session: Session, *, grace: timedelta = GC_GRACE) -> Removed:
        """Delete stored files no row references, and leftover temp files, older than ``grace``."""
        cutoff = time.time() - grace.total_seconds()
        used = _referenced_paths(session)
        removed: list[str] = []
        freed = 0
        for relative in list(self.files()):
            if relative not in used:
                size = _unlink_older(self.path_of(relative), cutoff)
                if size is not None:
                    removed.append(relative)
                    freed += size
        temp_files = 0
        temp_dir = self.root / TEMP_FOLDER
        if temp_dir.is_dir():
            for temp in list(temp_dir.iterdir()):
                size = _unlink_older(temp, cutoff)
                if size is not None:
                    temp_files += 1
                    freed += size
        self._prune_empty_shards()
        return Removed(tuple(removed), temp_files, freed)

    def delete_production(self, session: Session, production_id: str) -> Removed:
        """Delete a production with its plan revisions, jobs and asset links, then its files.

        Assets that another production links or whose id appears in another production's plans,
        a shorts source or a variant plan stay. Commits ``session`` and only then deletes files, so
        a failed delete never leaves rows pointing at missing files (orphans wait for
        ``garbage_collect``).
        """
        production = session.get(Production, production_id)
        if production is None:
            raise NoSuchProduction(f"production {production_id}: no such production")
        candidates = {link.asset_id for link in production.asset_links}
        for revision in production.plan_revisions:
            candidates.update(_hex_ids(revision.plan))
        paths = {production.final_video} if production.final_video else set()

        own = aliased(Job)
        jobs = select(own.id).where(own.production_id == production_id)
        session.execute(delete(JobEvent).where(JobEvent.job_id.in_(jobs)))
        session.execute(update(Job).where(Job.depends_on_id.in_(jobs)).values(depends_on_id=None))
        session.execute(delete(Job).where(Job.production_id == production_id))
        session.delete(production)
        session.flush()

        for asset in session.scalars(select(Asset).where(Asset.id.in_(candidates))).all():
            if not _asset_in_use(session, asset.id):
                paths.add(asset.path)
                session.delete(asset)
        session.commit()

        # Checked again in a new transaction, which on SQLite holds the write lock while the files
        # go, so no other process can point a new row at one of them meanwhile.
        used = _referenced_paths(session)
        removed: list[str] = []
        freed = 0
        for relative in sorted(paths - used):
            size = _unlink_older(self.path_of(relative), math.inf)
            if size is not None:
                removed.append(relative)
                freed += size
        session.commit()
        return Removed(tuple(removed), 0, freed)

    def _adopt(self, source: Path, ext: str) -> StoredFile:
        with source.open("rb") as stream:
            digest, size = _copy_hashing(stream, None)
        try:
            return self._settle(source, digest, size, ext)
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
        stored = self.put(source, ext)
        source.unlink()
        return stored

    def _settle(self, file: Path, digest: str, size: int, ext: str) -> StoredFile:
        """Rename ``file`` to its content address, or drop it when those bytes are stored."""
        relative = _relative(digest, ext)
        target = self.path_of(relative)
        for attempt in range(2):
            if target.exists():
                file.unlink()
                os.utime(target)
                return StoredFile(digest, relative, size, duplicate=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(file, target)
            except FileNotFoundError:
                # garbage_collect may remove the empty shard folder between mkdir and rename.
                if attempt or not file.exists():
                    raise
                continue
            break
        return StoredFile(digest, relative, size, duplicate=False)

    def _prune_empty_shards(self) -> None:
        if not self.root.is_dir():
            return
        for shard in self.root.iterdir():
            if shard.is_dir() and shard.name != TEMP_FOLDER:
                with contextlib.suppress(OSError):
                    shard.rmdir()  # only succeeds when empty, even if a put races it


def _unlink_older(file: Path, cutoff: float) -> int | None:
    """Delete ``file`` if last modified at or before ``cutoff``; its size, or None if kept."""
    try:
        info = file.stat()
        if not file.is_file() or info.st_mtime > cutoff:
            return None
        file.unlink()
    except FileNotFoundError:
        return None
    return info.st_size


def _copy_hashing(source: IO[bytes], target: IO[bytes] | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


def _name_suffix(source: Path | BinaryIO) -> str:
    if isinstance(source, Path):
        return source.suffix
    name = getattr(source, "name", None)
    return Path(name).suffix if isinstance(name, str) else ""


def _suffix(suffix: str) -> str:
    lowered = suffix.lower()
    if lowered and not _SUFFIX.fullmatch(lowered):
        raise ValueError(f"suffix {suffix!r}: expected a dot and 1-12 letters or digits")
    return lowered


def _relative(digest: str, ext: str) -> str:
    return f"{digest[:2]}/{digest}{ext}"


def _referenced_paths(session: Session) -> set[str]:
    """Every store path a row points at."""
    used: set[str] = set(session.scalars(select(Asset.path)))
    used.update(
        path
        for path in session.scalars(
            select(Production.final_video).where(Production.final_video.is_not(None))
        )
        if path
    )
    used.update(
        path
        for path in session.scalars(
            select(ShortVariant.video_path).where(ShortVariant.video_path.is_not(None))
        )
        if path
    )
    return used


def _asset_in_use(session: Session, asset_id: str) -> bool:
    """Linked to a production, or named in a plan, a shorts source or a brand kit (its logo).

    JSON documents are searched as text.
    """
    checks = (
        exists().where(ProductionAsset.asset_id == asset_id),
        exists().where(cast(BrandKit.document, Text).contains(asset_id)),
        exists().where(cast(PlanRevision.plan, Text).contains(asset_id)),
        exists().where(cast(Shorts.source_payload, Text).contains(asset_id)),
        exists().where(cast(ShortVariant.plan, Text).contains(asset_id)),
    )
    return any(session.scalar(select(check)) for check in checks)


def _hex_ids(document: Any) -> Iterable[str]:
    """Every sha256-looking string in a JSON document: the asset ids a plan names."""
    if isinstance(document, str):
        if _SHA256.fullmatch(document):
            yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _hex_ids(value)
    elif isinstance(document, list):
        for item in document:
            yield from _hex_ids(item)
