"""``studio productions``: a script and a folder become a film through persisted jobs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from studio.services.jobs import LocalRunner
from studio.services.library.models import Job, Production
from studio.services.settings import update_settings
from tests.commands import SCRIPT, STARTER_TRIPS, library, photo_folder, script_file, studio
from tests.conftest import REPO
from tests.jobs.test_render_jobs import leftovers
from tests.jobs.test_render_process import processes_mentioning
from tests.media import probe
from tests.planning.test_llm import SCRIPT as LLM_SCRIPT
from tests.planning.test_llm import Fake, plan_answer

Capsys = pytest.CaptureFixture[str]


def new_production(capsys: Capsys, tmp_path: Path, script: str = SCRIPT) -> str:
    made = studio(
        capsys,
        "productions", "new", "--title", "Lighthouse",
        "--script", str(script_file(tmp_path, script)),
        "--assets", str(photo_folder(tmp_path)),
    )  # fmt: skip
    assert made.code == 0, made.err
    return made.out.strip()


def spent(capsys: Capsys) -> int:
    """Trips charged so far, from ``studio trips`` (the account at the embedded service)."""
    balance: int = studio(capsys, "trips", "--json").json()["balance"]
    return STARTER_TRIPS - balance


def test_new_imports_the_folder_and_show_prints_the_row_as_json(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    photos = photo_folder(tmp_path)
    (photos / "notes.bin").write_bytes(b"\x00\x01 not a picture")
    made = studio(
        capsys,
        "productions", "new", "--title", "Lighthouse", "--style", "film_noir", "--mode", "pro",
        "--script", str(script_file(tmp_path)), "--assets", str(photos), "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    created = made.json()
    assert "notes.bin" in made.err
    assert "2 files linked" in made.err

    shown = studio(capsys, "productions", "show", created["id"], "--json")
    assert shown.code == 0
    details = shown.json()
    assert details == created
    assert details["title"] == "Lighthouse"
    assert (details["style"], details["mode"]) == ("film_noir", "pro")
    assert details["status"] == "draft"
    assert details["script_text"] == SCRIPT
    assert sorted(a["name"] for a in details["assets"]) == ["harbor.jpg", "lighthouse.png"]
    assert {a["kind"] for a in details["assets"]} == {"image"}
    assert (details["plan_revisions"], details["plan"], details["jobs"]) == (0, None, [])
    assert details["final_video"] is None

    listed = studio(capsys, "productions", "list", "--json").json()
    assert [item["id"] for item in listed] == [created["id"]]


def test_bad_input_names_the_option_and_creates_nothing(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    missing = studio(
        capsys, "productions", "new", "--title", "X", "--script", str(tmp_path / "none.txt")
    )
    assert missing.code == 2
    assert f"--script {tmp_path / 'none.txt'}: no such file" in missing.err
    not_folder = studio(
        capsys, "productions", "new", "--title", "X", "--assets", str(script_file(tmp_path))
    )
    assert not_folder.code == 2
    assert "--assets" in not_folder.err
    assert "not a folder" in not_folder.err
    assert studio(capsys, "productions", "list", "--json").json() == []


@pytest.mark.parametrize("verb", ["show", "run", "delete"])
def test_an_unknown_id_is_named_with_exit_code_2(data: Path, capsys: Capsys, verb: str) -> None:
    result = studio(capsys, "productions", verb, "abc")
    assert result.code == 2
    assert f"studio productions {verb}: no production 'abc'" in result.err


def test_run_without_wait_queues_the_chain_once(data: Path, tmp_path: Path, capsys: Capsys) -> None:
    production = new_production(capsys, tmp_path)
    queued = studio(capsys, "productions", "run", production[:8], "--preset", "draft")
    assert queued.code == 0, queued.err
    job_ids = queued.out.split()
    jobs = studio(capsys, "jobs", "list", "--json").json()
    by_id = {job["id"]: job for job in jobs}
    assert [by_id[job_id]["type"] for job_id in job_ids] == [
        "cinema.plan",
        "cinema.generate_assets",
        "cinema.assemble",
        "cinema.render",
    ]
    assert {job["status"] for job in jobs} == {"queued"}

    again = studio(capsys, "productions", "run", production)
    assert again.code == 0
    assert "resuming the unfinished run" in again.err
    assert again.out.split() == job_ids
    assert len(studio(capsys, "jobs", "list", "--json").json()) == 4


def test_a_run_with_no_trips_left_is_refused_before_anything_is_queued(
    data: Path, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", "0")
    production = new_production(capsys, tmp_path)
    refused = studio(capsys, "productions", "run", production, "--wait")
    assert refused.code == 1
    assert "this production's render needs 1 trip; the balance is 0" in refused.err
    assert studio(capsys, "jobs", "list", "--json").json() == []


def test_a_failed_job_ends_the_run_with_its_error_and_exit_code_1(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    production = new_production(capsys, tmp_path, script="# Only a heading\n")
    failed = studio(capsys, "productions", "run", production, "--wait", "--estimate")
    assert failed.code == 1
    assert "cinema.plan failed" in failed.err
    assert "the script has no sentences to narrate" in failed.err
    details = studio(capsys, "productions", "show", production, "--json").json()
    assert details["status"] == "failed"
    assert [job["status"] for job in details["jobs"]] == ["failed"] + ["cancelled"] * 3
    assert spent(capsys) == 0


def test_delete_removes_the_production_and_its_files(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    production = new_production(capsys, tmp_path)
    store = data / "store"
    assert len([file for file in store.rglob("*") if file.is_file()]) == 2
    deleted = studio(capsys, "productions", "delete", production)
    assert deleted.code == 0, deleted.err
    assert "2 files" in deleted.out
    assert [file for file in store.rglob("*") if file.is_file()] == []
    assert studio(capsys, "productions", "show", production).code == 2


@pytest.mark.slow
def test_run_wait_turns_a_script_and_two_photos_into_a_film(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    production = new_production(capsys, tmp_path)
    run = studio(
        capsys, "productions", "run", production, "--wait", "--preset", "draft", "--estimate"
    )
    assert run.code == 0, run.err
    film = Path(run.last_line)
    assert film.is_absolute()
    assert film.is_file()
    assert "cinema.render" in run.err
    assert "succeeded" in run.err

    details = studio(capsys, "productions", "show", production, "--json").json()
    assert details["status"] == "done"
    assert details["final_video"] == str(film)
    assert details["plan_revisions"] == 1
    assert {job["status"] for job in details["jobs"]} == {"succeeded"}
    assert probe(film).duration == pytest.approx(details["plan"]["duration_seconds"], abs=0.05)
    assert spent(capsys) == 1


LONG_SCRIPT = " ".join(
    f"On day {number}, the keeper wrote down the colour of the sea and the shape of the clouds."
    for number in range(1, 15)
)


def render_started(data: Path) -> bool:
    with library(data) as opened, opened.session(readonly=True) as session:
        render = session.scalar(select(Job).where(Job.type == "cinema.render"))
        running = render is not None and render.status == "running" and render.progress > 0
    return running and any(data.rglob("*.partial.mp4"))


@pytest.mark.slow
def test_a_worker_killed_mid_render_is_resumed_by_jobs_work_with_one_trip(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    production = new_production(capsys, tmp_path, LONG_SCRIPT)
    queued = studio(capsys, "productions", "run", production, "--preset", "draft", "--estimate")
    assert queued.code == 0, queued.err
    worker = subprocess.Popen(
        [sys.executable, "-m", "studio", "jobs", "work"],
        cwd=REPO,
        env={**os.environ, "STUDIO_DATA_DIR": str(data)},
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while not render_started(data):
            assert time.monotonic() < deadline, "the render started"
            assert worker.poll() is None, "the worker is still running"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait()
    assert spent(capsys) == 1, "charged before the render started"

    resumed = studio(capsys, "jobs", "work", "--until-idle")
    assert resumed.code == 0, resumed.err
    assert "resuming 1 interrupted job" in resumed.err

    details = studio(capsys, "productions", "show", production, "--json").json()
    assert details["status"] == "done"
    assert probe(Path(details["final_video"])).duration == pytest.approx(
        details["plan"]["duration_seconds"], abs=0.05
    )
    assert spent(capsys) == 1, "the resumed render did not charge again"
    assert leftovers(data) == []
    assert processes_mentioning(data) == [], "the orphaned render ended with its worker"


def plan_alone(capsys: Capsys, data: Path, production: str) -> dict[str, Any]:
    """Run only ``cinema.plan`` for the production; its job as ``jobs show --json`` prints it."""
    with library(data) as opened:
        runner = LocalRunner(opened)
        job = runner.enqueue("cinema.plan", {"estimate": True}, production_id=production)
    worked = studio(capsys, "jobs", "work", "--until-idle")
    assert worked.code == 0, worked.err
    shown: dict[str, Any] = studio(capsys, "jobs", "show", job.id, "--json").json()
    return shown


def test_a_configured_llm_plans_first_with_the_library_ids_of_the_files(
    data: Path, tmp_path: Path, capsys: Capsys, fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = new_production(capsys, tmp_path, LLM_SCRIPT)
    photo = studio(capsys, "productions", "show", production, "--json").json()["assets"][0]["id"]
    answer = plan_answer()
    answer["visual_plan"]["scenes"][0]["shots"][0]["source"]["asset_id"] = photo
    fake.reply(answer)
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)

    job = plan_alone(capsys, data, production)
    assert job["result"]["source"] == "llm"
    brief = json.dumps(fake.requests[0])
    assert photo in brief
    assert "harbor" in brief
    with library(data) as opened, opened.session() as session:
        plan = session.get(Production, production).current_plan().plan  # type: ignore[union-attr]
    assert plan["production_id"] == production
    first_shot = plan["visual_plan"]["scenes"][0]["shots"][0]
    assert first_shot["source"]["asset_id"] == photo
    beats = [beat for scene in plan["script"]["scenes"] for beat in scene["beats"]]
    assert beats[0]["end_time"] != 6, "re-timed by the speech clock"


def test_an_llm_that_fails_is_logged_and_the_offline_planner_plans(
    data: Path, tmp_path: Path, capsys: Capsys, fake: Fake, monkeypatch: pytest.MonkeyPatch
) -> None:
    production = new_production(capsys, tmp_path)
    fake.fail(401, "bad key")
    monkeypatch.setenv("STUDIO_LLM_BASE_URL", fake.url)
    monkeypatch.setenv("STUDIO_LLM_API_KEY", "wrong")

    job = plan_alone(capsys, data, production)
    assert job["status"] == "succeeded"
    assert job["result"]["source"] == "offline"
    logs = [event["message"] for event in job["events"] if event["kind"] == "log"]
    assert any("the LLM could not plan" in line and "STUDIO_LLM_API_KEY" in line for line in logs)
    details = studio(capsys, "productions", "show", production, "--json").json()
    assert (details["status"], details["plan"]["source"]) == ("planned", "offline")


def test_the_plan_speaks_with_the_voice_chosen_in_settings(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    production = new_production(capsys, tmp_path)
    update_settings(data, voice_id="espeak")
    assert plan_alone(capsys, data, production)["status"] == "succeeded"
    with library(data) as opened, opened.session() as session:
        row = session.get(Production, production)
        assert row is not None
        plan = row.plan_revisions[-1].plan
    assert plan["audio_plan"]["voice"]["voice_id"] == "espeak"
