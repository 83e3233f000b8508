"""``studio jobs``: the queue listed, inspected, cancelled, retried and worked from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.services.jobs import LocalRunner
from studio.services.library.models import Production
from tests.commands import library, photo_folder, script_file, studio

Capsys = pytest.CaptureFixture[str]


def queued_run(capsys: Capsys, tmp_path: Path) -> list[str]:
    """A production's run queued (not run): its four job ids in chain order."""
    made = studio(
        capsys,
        "productions", "new", "--title", "Queue", "--script", str(script_file(tmp_path)),
        "--assets", str(photo_folder(tmp_path)),
    )  # fmt: skip
    assert made.code == 0, made.err
    queued = studio(capsys, "productions", "run", made.out.strip())
    assert queued.code == 0, queued.err
    return queued.out.split()


def statuses(capsys: Capsys) -> dict[str, str]:
    return {job["id"]: job["status"] for job in studio(capsys, "jobs", "list", "--json").json()}


def test_list_and_show_queued_jobs(data: Path, tmp_path: Path, capsys: Capsys) -> None:
    plan, _generate, assemble, render = queued_run(capsys, tmp_path)
    listed = studio(capsys, "jobs", "list")
    assert listed.code == 0
    lines = listed.out.splitlines()
    assert len(lines) == 4
    assert all(" queued " in line for line in lines)
    assert any(line.startswith(render) and "cinema.render" in line for line in lines)
    assert studio(capsys, "jobs", "list", "--status", "running", "--json").json() == []

    shown = studio(capsys, "jobs", "show", render[:6], "--json")
    assert shown.code == 0, shown.err
    job = shown.json()
    assert (job["id"], job["type"], job["status"]) == (render, "cinema.render", "queued")
    assert job["depends_on"] == assemble
    assert job["payload"]["preset"] == "final"
    assert [(e["kind"], e["message"]) for e in job["events"]] == [("status", "queued")]

    text = studio(capsys, "jobs", "show", plan)
    assert f"job {plan}: cinema.plan" in text.out
    assert "status: queued (attempt 0 of 1)" in text.out


def test_cancel_stops_the_chain_and_retry_queues_it_again(
    data: Path, tmp_path: Path, capsys: Capsys
) -> None:
    jobs = queued_run(capsys, tmp_path)
    cancelled = studio(capsys, "jobs", "cancel", jobs[1])
    assert cancelled.code == 0, cancelled.err
    assert "cancelled, with the jobs waiting on it" in cancelled.out
    after = statuses(capsys)
    assert [after[job] for job in jobs] == ["queued", "cancelled", "cancelled", "cancelled"]

    twice = studio(capsys, "jobs", "cancel", jobs[1])
    assert twice.code == 2
    assert f"job {jobs[1]} already cancelled: nothing to cancel" in twice.err
    queued = studio(capsys, "jobs", "retry", jobs[0])
    assert queued.code == 2
    assert "only failed or cancelled jobs retry" in queued.err

    retried = studio(capsys, "jobs", "retry", jobs[1])
    assert retried.code == 0, retried.err
    assert set(statuses(capsys).values()) == {"queued"}


def test_unknown_job_ids_exit_2(data: Path, capsys: Capsys) -> None:
    for verb in ("show", "cancel", "retry"):
        result = studio(capsys, "jobs", verb, "nosuchjob")
        assert result.code == 2
        assert f"studio jobs {verb}: no job 'nosuchjob'" in result.err


def test_work_until_idle_runs_the_queue_and_exits_1_when_a_job_failed(
    data: Path, capsys: Capsys
) -> None:
    with library(data) as opened:
        with opened.session() as session:
            empty = Production(title="No script")
            session.add(empty)
            session.flush()
            production_id = empty.id
        job = LocalRunner(opened).enqueue("cinema.plan", production_id=production_id)
    worked = studio(capsys, "jobs", "work", "--until-idle")
    assert worked.code == 1
    assert f"production {production_id} has no script" in worked.err
    assert "0 succeeded, 1 failed, 0 cancelled" in worked.err
    shown = studio(capsys, "jobs", "show", job.id, "--json").json()
    assert shown["status"] == "failed"
    assert [e["kind"] for e in shown["events"]] == ["status", "status", "error"]

    idle = studio(capsys, "jobs", "work", "--until-idle")
    assert idle.code == 0
    assert "0 succeeded, 0 failed, 0 cancelled" in idle.err
