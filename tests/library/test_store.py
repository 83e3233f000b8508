"""The content-addressed store: dedupe, atomic writes, garbage collection, deleting a production."""

from __future__ import annotations

import hashlib
import io
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from studio.services.library import Library, NoSuchProduction, Store
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
from studio.services.library.store import TEMP_FOLDER


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    opened = Library.open()
    yield opened
    opened.close()


def _file(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def _temp_files(store: Store) -> list[Path]:
    temp = store.root / TEMP_FOLDER
    return sorted(temp.iterdir()) if temp.is_dir() else []


def test_the_same_bytes_are_stored_once_under_their_sha256(
    library: Library, tmp_path: Path
) -> None:
    content = b"\x89PNG fake photo bytes" * 1000
    sha = hashlib.sha256(content).hexdigest()
    first = library.store.put(_file(tmp_path / "in", "Photo.PNG", content))
    second = library.store.put(io.BytesIO(content), ".png")

    assert first.path == second.path == f"{sha[:2]}/{sha}.png"
    assert (first.sha256, first.size_bytes, first.duplicate) == (sha, len(content), False)
    assert second.duplicate
    assert library.store.path_of(first.path) == library.data_dir / "store" / sha[:2] / f"{sha}.png"
    assert library.store.path_of(first.path).read_bytes() == content
    assert list(library.store.files()) == [first.path]
    assert _temp_files(library.store) == []


def test_moving_a_render_into_the_store(library: Library, tmp_path: Path) -> None:
    render = _file(tmp_path / "work", "final.mp4", b"not really an mp4")
    stored = library.store.put(render, move=True)
    assert not render.exists()
    assert library.store.path_of(stored.path).read_bytes() == b"not really an mp4"
    copy = _file(tmp_path / "work", "again.mp4", b"not really an mp4")
    again = library.store.put(copy, move=True)
    assert again.path == stored.path
    assert again.duplicate
    assert list((tmp_path / "work").iterdir()) == []


def test_bad_suffixes_and_paths_outside_the_store_are_refused(library: Library) -> None:
    with pytest.raises(ValueError, match=r"suffix '\.m p4'"):
        library.store.put(io.BytesIO(b"x"), ".m p4")
    for outside in ("../library.db", "/etc/passwd", ""):
        with pytest.raises(ValueError, match="not a path inside the store"):
            library.store.path_of(outside)


class _BrokenStream(io.RawIOBase):
    """A source that fails after its first megabyte, like a download cut off."""

    def __init__(self) -> None:
        self.sent = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.sent >= 1024 * 1024:
            raise OSError("connection reset")
        size = min(len(buffer), 1024 * 1024 - self.sent)
        buffer[:size] = b"x" * size
        self.sent += size
        return size


def test_a_failed_put_leaves_no_file_behind(library: Library) -> None:
    with pytest.raises(OSError, match="connection reset"):
        library.store.put(io.BufferedReader(_BrokenStream()), ".mp4")
    assert list(library.store.files()) == []
    assert _temp_files(library.store) == []


_PUT_FROM_STDIN = """
import sys
from pathlib import Path
from studio.services.library import Store
Store(Path(sys.argv[1])).put(sys.stdin.buffer, ".mp4")
"""


def test_a_process_killed_mid_put_leaves_only_a_temp_file_that_gc_removes(
    library: Library,
) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _PUT_FROM_STDIN, str(library.store.root)], stdin=subprocess.PIPE
    )
    assert child.stdin is not None
    child.stdin.write(b"v" * (1024 * 1024 + 10))
    child.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(temp.stat().st_size >= 1024 * 1024 for temp in _temp_files(library.store)):
        assert child.poll() is None
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdin.close()

    assert list(library.store.files()) == []
    [temp] = _temp_files(library.store)
    assert temp.name.endswith(".part")
    with library.session() as session:
        young = library.store.garbage_collect(session)
    assert young.temp_files == 0
    assert temp.exists()
    with library.session() as session:
        removed = library.store.garbage_collect(session, grace=timedelta(0))
    assert removed.temp_files == 1
    assert removed.bytes_freed >= 1024 * 1024
    assert _temp_files(library.store) == []


def _asset(library: Library, rows: list[object], name: str, content: bytes) -> Asset:
    stored = library.store.put(io.BytesIO(content), Path(name).suffix)
    asset = Asset(
        id=stored.sha256, kind="image", original_name=name, path=stored.path,
        size_bytes=stored.size_bytes, meta={},
    )  # fmt: skip
    rows.append(asset)
    return asset


def test_garbage_collect_deletes_only_files_no_row_references(library: Library) -> None:
    rows: list[object] = []
    kept = _asset(library, rows, "kept.jpg", b"kept")
    final = library.store.put(io.BytesIO(b"final film"), ".mp4")
    short = library.store.put(io.BytesIO(b"vertical short"), ".mp4")
    orphan = library.store.put(io.BytesIO(b"nobody wants me"), ".wav")
    shorts = Shorts(title="s", source_type="idea", source_payload={})
    shorts.variants.append(
        ShortVariant(variant_id="v1", format="9_16", plan={}, video_path=short.path)
    )
    with library.session() as session:
        session.add_all([*rows, Production(title="p", final_video=final.path), shorts])

    with library.session() as session:
        assert library.store.garbage_collect(session).paths == ()
    assert orphan.path in set(library.store.files())

    with library.session() as session:
        removed = library.store.garbage_collect(session, grace=timedelta(0))
    assert removed.paths == (orphan.path,)
    assert removed.bytes_freed == len(b"nobody wants me")
    assert set(library.store.files()) == {kept.path, final.path, short.path}
    assert not library.store.path_of(orphan.path).parent.exists()


def test_deleting_a_production_removes_only_what_it_alone_used(library: Library) -> None:
    rows: list[object] = []
    shared = _asset(library, rows, "shared.jpg", b"used by both productions")
    own = _asset(library, rows, "own.jpg", b"used only by the first")
    in_shorts = _asset(library, rows, "clip.jpg", b"also a shorts source")
    in_plan = _asset(library, rows, "generated.png", b"named only in the first's plan")
    logo = _asset(library, rows, "logo.png", b"the brand kit's logo, first imported here")
    final = library.store.put(io.BytesIO(b"the first's film"), ".mp4")
    first = Production(title="first", final_video=final.path)
    second = Production(title="second")
    for position, asset in enumerate((shared, own, in_shorts, logo)):
        first.asset_links.append(ProductionAsset(asset=asset, position=position))
    second.asset_links.append(ProductionAsset(asset=shared, position=0))
    kit = BrandKit(name="mine", document={"primary_color": "#00F0FF", "logo_asset_id": logo.id})
    with library.session() as session:
        session.add_all([*rows, first, second, kit])
        session.flush()
        first.add_plan({"shots": [{"asset_id": own.id}, {"asset_id": in_plan.id}]}, "offline")
        plan_job = Job(type="cinema.plan", production_id=first.id)
        session.add(plan_job)
        session.flush()
        session.add(JobEvent(job_id=plan_job.id, kind="status", message="queued"))
        later = Job(type="cinema.render", production_id=second.id, depends_on_id=plan_job.id)
        session.add(later)
        session.add(
            Shorts(title="s", source_type="video", source_payload={"asset_id": in_shorts.id})
        )

    with library.session() as session:
        removed = library.store.delete_production(session, first.id)

    assert set(removed.paths) == {own.path, in_plan.path, final.path}
    assert set(library.store.files()) == {shared.path, in_shorts.path, logo.path}
    with library.session(readonly=True) as session:
        assert session.get(Production, first.id) is None
        assert set(session.scalars(select(Asset.id))) == {shared.id, in_shorts.id, logo.id}
        assert session.scalar(select(func.count()).select_from(PlanRevision)) == 0
        assert session.scalar(select(func.count()).select_from(JobEvent)) == 0
        remaining = session.scalars(select(Job)).all()
        assert [(job.id, job.depends_on_id) for job in remaining] == [(later.id, None)]
        survivor = session.get(Production, second.id)
        assert survivor is not None
        assert [asset.id for asset in survivor.assets] == [shared.id]

    with library.session() as session, pytest.raises(NoSuchProduction, match=first.id):
        library.store.delete_production(session, first.id)
