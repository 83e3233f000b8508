"""cinema.render and shorts.render_variants through the runner: trips, files, cancel, crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from studio.services.embedded import stop_embedded
from studio.services.jobs import LocalRunner
from studio.services.jobs.trips import trips_for
from studio.services.library.db import Library
from studio.services.library.models import Job, Production, Shorts, ShortVariant
from tests.conftest import REPO
from tests.jobs import job_registry, open_library, planned_production, stored_photo
from tests.jobs.test_render_process import processes_mentioning
from tests.media import probe

STARTER_TRIPS = 10


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder whose renders charge the embedded cloud service's local account."""
    folder = tmp_path / "data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder))
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", str(STARTER_TRIPS))
    yield folder
    stop_embedded()


def spent(library: Library) -> int:
    """Trips charged so far, as the account's balance at the service says."""
    return STARTER_TRIPS - trips_for(library).balance()


def runner_for(library: Library) -> LocalRunner:
    return LocalRunner(library, registry=job_registry(), poll_interval=0.02)


def leftovers(data: Path) -> list[Path]:
    """Temporary files anywhere in the data folder: partial renders, scratch, work, store temps."""
    found = [p for p in data.rglob("*") if ".partial" in p.name or p.name.endswith(".scratch")]
    for folder in (data / "work", data / "store" / ".tmp"):
        if folder.exists():
            found += list(folder.iterdir())
    return found


def production_row(library: Library, production_id: str) -> Production:
    with library.session() as session:
        production = session.get(Production, production_id)
        assert production is not None
        return production


def test_a_render_charges_one_trip_and_stores_the_film(data: Path, tmp_path: Path) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=2)
    runner = runner_for(library)
    jobs = runner.enqueue_chain(
        [("cinema.generate_assets", {}), ("cinema.assemble", {}), ("cinema.render", {})],
        production_id=film,
    )
    runner.run_until_idle(timeout=120)
    assert [runner.get(job.id).status for job in jobs] == ["succeeded"] * 3
    production = production_row(library, film)
    assert production.status == "done"
    assert production.final_video is not None
    video_path = library.store.path_of(production.final_video)
    result = dict(runner.get(jobs[2].id).result or {})
    assert result.pop("encoder"), "the result names the encoder the machine chose"
    assert result.pop("trip_entry"), "the result names the service's ledger entry"
    assert result == {
        "video": str(video_path),
        "store_path": production.final_video,
        "plan_revision": 1,
        "frames": 60,
    }
    video = probe(video_path)
    assert (video.width, video.height, video.frames) == (1280, 720, 60)
    assert spent(library) == 1
    assert leftovers(data) == []


def test_a_render_that_failed_and_is_retried_charges_once(data: Path, tmp_path: Path) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=1)
    with library.session() as session:
        production = session.get(Production, film)
        assert production is not None
        plan = production.current_plan()
        assert plan is not None
        shot = plan.plan["visual_plan"]["scenes"][0]["shots"][0]
        production.add_plan(
            {**plan.plan, "visual_plan": {"global_style": "clean_minimal", "scenes": [
                {"scene_id": "s", "shots": [{**shot, "source": {"type": "user_image",
                                                              "asset_id": "b" * 64}}]}]}},
            "edit",
        )  # fmt: skip
    runner = runner_for(library)
    job = runner.enqueue("cinema.render", {"preset": "draft"}, production_id=film)
    runner.run_until_idle(timeout=60)
    failed = runner.get(job.id)
    assert failed.status == "failed"
    assert failed.error is not None
    assert "b" * 64 in failed.error, "the error names the missing asset"
    assert production_row(library, film).status == "failed"
    with library.session() as session:
        production = session.get(Production, film)
        assert production is not None
        production.add_plan(production.plan_revisions[0].plan, "edit")
    runner.retry(job.id)
    runner.run_until_idle(timeout=60)
    assert runner.get(job.id).status == "succeeded"
    assert spent(library) == 1


def test_a_render_with_no_trips_left_is_refused_before_it_starts(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "0")
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=1)
    runner = runner_for(library)
    job = runner.enqueue("cinema.render", {"preset": "draft"}, production_id=film)
    runner.run_until_idle(timeout=60)
    refused = runner.get(job.id)
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert refused.error == "this render needs 1 trip; the balance is 0"
    production = production_row(library, film)
    assert (production.status, production.final_video) == ("failed", None)
    assert leftovers(data) == []


def test_cancel_mid_render_stops_at_once_and_leaves_nothing(data: Path, tmp_path: Path) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=150, fps=60)
    runner = runner_for(library)
    rendering = threading.Event()
    runner.subscribe(
        lambda update: rendering.set() if update.message.startswith("rendering:") else None
    )
    job = runner.enqueue("cinema.render", {"preset": "draft"}, production_id=film)
    runner.start()
    try:
        assert rendering.wait(60), "the render reported frames"
        assert any(data.rglob("*.partial.mp4")), "it was writing its partial file"
        runner.cancel(job.id)
        runner.run_until_idle(timeout=10)
    finally:
        runner.stop()
    cancelled = runner.get(job.id)
    assert cancelled.status == "cancelled"
    assert cancelled.progress < 0.9
    production = production_row(library, film)
    assert (production.status, production.final_video) == ("cancelled", None)
    assert leftovers(data) == []
    assert processes_mentioning(data) == []


KILLABLE_RUNNER = """
from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
LocalRunner(Library.open(), poll_interval=0.05).run_until_idle()
"""


@pytest.mark.slow
def test_a_runner_killed_mid_render_finishes_on_restart_with_one_trip(
    data: Path, tmp_path: Path
) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=60, fps=60)
    runner = runner_for(library)
    job = runner.enqueue("cinema.render", {"preset": "draft"}, production_id=film)
    process = subprocess.Popen([sys.executable, "-c", KILLABLE_RUNNER], cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while not (runner.get(job.id).progress > 0 and any(data.rglob("*.partial.mp4"))):
            assert time.monotonic() < deadline, "the render started"
            assert process.poll() is None, "the runner is still running"
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert runner.get(job.id).status == "running", "the killed runner left it running"
    assert spent(library) == 1, "charged before the render started"

    runner.run_until_idle(timeout=180)

    done = runner.get(job.id)
    assert done.status == "succeeded"
    assert done.attempts == 2
    production = production_row(library, film)
    assert production.status == "done"
    assert production.final_video is not None
    assert probe(library.store.path_of(production.final_video)).frames == 3600
    assert spent(library) == 1, "the resumed render did not charge again"
    assert leftovers(data) == []
    assert processes_mentioning(data) == [], "the orphaned render ended with its runner"


def shorts_plan(asset_id: str, variant: str, hook: str) -> dict[str, Any]:
    return {
        "short_id": "batch",
        "variant_id": variant,
        "format": "9_16",
        "duration_seconds": 1,
        "fps": 30,
        "hook": {"text": hook},
        "visual_plan": {"source": {"type": "user_image", "asset_id": asset_id}},
        "audio_plan": {"music": {"mood": "calm", "gain_db": -60}},
    }


def shorts_batch(library: Library, folder: Path) -> str:
    photo = stored_photo(library, folder)
    with library.session() as session:
        batch = Shorts(title="Tips", source_type="idea", source_payload={"idea": "tips"})
        session.add(batch)
        session.flush()
        for variant, hook in (("v1", "Stop scrolling"), ("v2", "Nobody tells you this")):
            session.add(
                ShortVariant(
                    shorts_id=batch.id,
                    variant_id=variant,
                    format="9_16",
                    plan=shorts_plan(photo, variant, hook),
                )
            )
        return batch.id


def test_render_variants_charges_each_variant_once(data: Path, tmp_path: Path) -> None:
    library = open_library(data)
    batch = shorts_batch(library, tmp_path)
    runner = runner_for(library)
    first = runner.enqueue("shorts.render_variants", {"preset": "draft"}, shorts_id=batch)
    runner.run_until_idle(timeout=120)
    assert runner.get(first.id).status == "succeeded"
    with library.session() as session:
        variants = session.scalars(select(ShortVariant).order_by(ShortVariant.variant_id)).all()
        videos = [library.store.path_of(v.video_path or "") for v in variants]
        assert [v.status for v in variants] == ["rendered", "rendered"]
    assert [(probe(v).width, probe(v).height, probe(v).frames) for v in videos] == [
        (540, 960, 30)
    ] * 2
    again = runner.enqueue("shorts.render_variants", {"preset": "draft"}, shorts_id=batch)
    runner.run_until_idle(timeout=60)
    assert runner.get(again.id).result == {"rendered": [], "count": 0}
    assert spent(library) == 2


def test_render_variants_refuses_when_the_balance_cannot_cover_them(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "1")
    library = open_library(data)
    batch = shorts_batch(library, tmp_path)
    runner = runner_for(library)
    job = runner.enqueue("shorts.render_variants", {"preset": "draft"}, shorts_id=batch)
    runner.run_until_idle(timeout=60)
    refused = runner.get(job.id)
    assert refused.error == "rendering these 2 shorts needs 2 trips; the balance is 1"
    assert trips_for(library).balance() == 1, "nothing charged"
    with library.session() as session:
        statuses = session.scalars(select(Job.status)).all()
    assert statuses == ["failed"]


@pytest.mark.parametrize(
    ("preset", "size"), [("vertical_9_16", (540, 960)), ("square_1_1", (540, 540))]
)
def test_an_export_renders_the_same_plan_reframed_into_the_chosen_folder(
    data: Path, tmp_path: Path, preset: str, size: tuple[int, int]
) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=1, fps=10)
    runner = runner_for(library)
    out = tmp_path / "exports" / f"Test film - {preset}.mp4"
    job = runner.enqueue(
        "cinema.render",
        {"preset": "draft", "export": preset, "out": str(out), "plan_revision": 1},
        production_id=film,
    )
    runner.run_until_idle(timeout=120)
    info = runner.get(job.id)
    assert info.status == "succeeded", info.error
    assert (info.result or {})["video"] == str(out)
    assert (info.result or {})["export"] == preset
    video = probe(out)
    assert (video.width, video.height, video.frames) == (*size, 10)
    assert sorted(path.name for path in out.parent.iterdir()) == [out.name]
    production = production_row(library, film)
    assert production.final_video is None, "an export is not the production's film"
    assert spent(library) == 1
    assert leftovers(data) == []


def test_an_export_with_an_unknown_preset_is_refused_naming_it(data: Path, tmp_path: Path) -> None:
    library = open_library(data)
    film = planned_production(library, tmp_path, seconds=1, fps=10)
    runner = runner_for(library)
    out = tmp_path / "film.mp4"
    job = runner.enqueue(
        "cinema.render", {"export": "cinemascope", "out": str(out)}, production_id=film
    )
    runner.run_until_idle(timeout=60)
    refused = runner.get(job.id)
    assert refused.status == "failed"
    assert refused.error is not None
    assert "'cinemascope'" in refused.error
    assert "square_1_1" in refused.error
    assert not out.exists()
    assert spent(library) == 0
