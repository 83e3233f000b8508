"""The local runner: chains, cancels, priorities, retries, events, recovery, all persisted."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from studio.services.jobs import (
    PRIORITY_BATCH,
    PRIORITY_PREVIEW,
    JobStateError,
    JobUpdate,
    LocalRunner,
    UnknownJobType,
)
from studio.services.library.db import Library
from studio.services.library.models import Job, JobEvent
from tests.jobs import job_registry, open_library


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    return open_library(tmp_path / "data")


def runner_for(library: Library, workers: int = 2) -> LocalRunner:
    return LocalRunner(library, workers=workers, registry=job_registry(), poll_interval=0.02)


def ran(log: Path) -> list[str]:
    """The labels of the jobs that ran, in order."""
    return [line.split(" ", 2)[2] for line in log.read_text().splitlines()]


def events_of(library: Library, job_id: str) -> list[tuple[str, str]]:
    with library.session() as session:
        rows = session.scalars(
            select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)
        ).all()
        return [(row.kind, row.message) for row in rows]


def test_a_chain_runs_in_order_and_hands_each_step_the_previous_result(
    library: Library, tmp_path: Path
) -> None:
    log = tmp_path / "ran.txt"
    runner = runner_for(library, workers=2)
    jobs = runner.enqueue_chain(
        [("test.record", {"log": str(log), "label": name}) for name in ("plan", "assets", "render")]
    )
    runner.run_until_idle(timeout=30)
    assert ran(log) == ["plan", "assets", "render"]
    final = [runner.get(job.id) for job in jobs]
    assert [job.status for job in final] == ["succeeded"] * 3
    assert final[1].depends_on == jobs[0].id
    assert final[1].result == {"label": "assets", "upstream": {"label": "plan", "upstream": {}}}
    kinds = [message for kind, message in events_of(library, jobs[0].id) if kind == "status"]
    assert kinds == ["queued", "running", "succeeded"]


def test_a_failed_step_cancels_the_rest_of_its_chain(library: Library, tmp_path: Path) -> None:
    log = tmp_path / "ran.txt"
    runner = runner_for(library)
    _, broken, after, last = runner.enqueue_chain(
        [
            ("test.record", {"log": str(log), "label": "plan"}),
            ("test.fail", {"message": "the plan names no shots"}),
            ("test.record", {"log": str(log), "label": "assemble"}),
            ("test.record", {"log": str(log), "label": "render"}),
        ]
    )
    runner.run_until_idle(timeout=30)
    assert ran(log) == ["plan"]
    assert runner.get(broken.id).status == "failed"
    assert runner.get(broken.id).error == "the plan names no shots"
    assert [runner.get(job.id).status for job in (after, last)] == ["cancelled", "cancelled"]
    assert runner.get(after.id).message == f"cancelled: job {broken.id} failed"
    assert ("error", "the plan names no shots") in events_of(library, broken.id)


def test_cancelling_a_running_job_stops_it_and_its_dependents(library: Library) -> None:
    runner = runner_for(library)
    waiting, dependent = runner.enqueue_chain([("test.wait", {}), ("test.record", {"log": "x"})])
    running = threading.Event()
    unsubscribe = runner.subscribe(
        lambda update: running.set() if update.kind == "progress" else None
    )
    runner.start()
    try:
        assert running.wait(30)
        runner.cancel(waiting.id)
        runner.run_until_idle(timeout=30)
    finally:
        runner.stop()
        unsubscribe()
    assert runner.get(waiting.id).status == "cancelled"
    assert runner.get(dependent.id).status == "cancelled"
    assert runner.get(dependent.id).message == f"cancelled: job {waiting.id} cancelled"


def test_a_preview_runs_before_a_batch_export_queued_earlier(
    library: Library, tmp_path: Path
) -> None:
    log = tmp_path / "ran.txt"
    runner = runner_for(library, workers=1)
    for index in range(3):
        runner.enqueue("test.record", {"log": str(log), "label": f"batch {index}"},
                       priority=PRIORITY_BATCH)  # fmt: skip
    runner.enqueue("test.record", {"log": str(log), "label": "normal"})
    runner.enqueue("test.record", {"log": str(log), "label": "preview"}, priority=PRIORITY_PREVIEW)
    runner.run_until_idle(timeout=30)
    assert ran(log) == ["preview", "normal", "batch 0", "batch 1", "batch 2"]


def test_a_network_job_is_retried_with_backoff_until_it_succeeds(library: Library) -> None:
    runner = runner_for(library)
    job = runner.enqueue("test.flaky", {"failures": 2})
    runner.run_until_idle(timeout=30)
    done = runner.get(job.id)
    assert done.status == "succeeded"
    assert done.result == {"attempt": 3}
    assert done.attempts == 3
    notes = [message for kind, message in events_of(library, job.id) if kind == "log"]
    assert notes == [
        "attempt 1 of 3 failed: connection reset (attempt 1); retrying in 0.05 s",
        "attempt 2 of 3 failed: connection reset (attempt 2); retrying in 0.1 s",
    ]


def test_a_network_job_fails_once_its_attempts_run_out(library: Library) -> None:
    runner = runner_for(library)
    job = runner.enqueue("test.flaky", {"failures": 5})
    runner.run_until_idle(timeout=30)
    done = runner.get(job.id)
    assert (done.status, done.attempts) == ("failed", 3)
    assert done.error == "connection reset (attempt 3)"


def test_retry_requeues_a_failed_job_and_the_dependents_it_cancelled(
    library: Library, tmp_path: Path
) -> None:
    log = tmp_path / "ran.txt"
    outage = tmp_path / "network-down"
    outage.touch()
    runner = runner_for(library)
    flaky, after = runner.enqueue_chain(
        [
            ("test.flaky", {"down": str(outage)}),
            ("test.record", {"log": str(log), "label": "after"}),
        ]
    )
    runner.run_until_idle(timeout=30)
    assert runner.get(after.id).status == "cancelled"
    with pytest.raises(JobStateError, match="only failed or cancelled jobs retry"):
        runner.retry(runner.enqueue("test.record", {"log": str(log), "label": "new"}).id)
    runner.run_until_idle(timeout=30)
    outage.unlink()
    assert runner.retry(flaky.id).status == "queued"
    runner.run_until_idle(timeout=30)
    assert runner.get(flaky.id).status == "succeeded"
    assert runner.get(after.id).status == "succeeded"
    assert ran(log) == ["new", "after"]


def test_events_reach_subscribers_until_they_unsubscribe(library: Library) -> None:
    runner = runner_for(library)
    seen: list[JobUpdate] = []
    unsubscribe = runner.subscribe(seen.append)
    first = runner.enqueue("test.wait", {"steps": 3})
    runner.run_until_idle(timeout=30)
    unsubscribe()
    runner.enqueue("test.wait", {"steps": 3})
    runner.run_until_idle(timeout=30)
    assert {update.job_id for update in seen} == {first.id}
    assert [u.status for u in seen if u.kind == "status"] == ["queued", "running", "succeeded"]
    assert [round(u.progress or 0, 2) for u in seen if u.kind == "progress"] == [0.33, 0.67, 1.0]


def test_an_idempotency_key_enqueues_once(library: Library, tmp_path: Path) -> None:
    runner = runner_for(library)
    payload = {"log": str(tmp_path / "ran.txt"), "label": "post"}
    first = runner.enqueue("test.record", payload, idempotency_key="publish:p1")
    second = runner.enqueue("test.record", payload, idempotency_key="publish:p1")
    assert second.id == first.id
    assert len(runner.list()) == 1


def test_an_unknown_job_type_is_refused_by_name(library: Library) -> None:
    with pytest.raises(UnknownJobType, match=r"'cinema\.rendr'"):
        runner_for(library).enqueue("cinema.rendr", {})


def test_a_job_left_running_by_a_dead_runner_resumes_from_its_checkpoint(
    library: Library,
) -> None:
    runner = runner_for(library)
    job = runner.enqueue("test.wait", {"steps": 5})
    with library.session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(status="running", worker="ghost:1:dead/0", checkpoint={"step": 3})
        )
    fresh = LocalRunner(library, registry=job_registry(), stale_after=0, poll_interval=0.02)
    fresh.run_until_idle(timeout=30)
    done = fresh.get(job.id)
    assert done.status == "succeeded"
    assert done.result == {"steps": 5, "resumed_at": 3}
    notes = [message for _, message in events_of(library, job.id)]
    assert "recovered from ghost:1:dead/0" in notes


def test_stopping_the_runner_interrupts_a_job_that_resumes_at_the_next_start(
    library: Library,
) -> None:
    runner = runner_for(library)
    job = runner.enqueue("test.wait", {"steps": 1_000_000, "pause": 0.01})
    progressed = threading.Event()
    runner.subscribe(lambda update: progressed.set() if (update.progress or 0) > 0 else None)
    runner.start()
    assert progressed.wait(30)
    runner.stop()
    interrupted = runner.get(job.id)
    assert interrupted.status == "queued"
    with library.session() as session:
        saved = session.get(Job, job.id)
        assert saved is not None
        assert saved.checkpoint is not None
        step = saved.checkpoint["step"]
        session.execute(update(Job).where(Job.id == job.id).values(payload={"steps": step + 2}))
    runner_for(library).run_until_idle(timeout=30)
    assert runner.get(job.id).result == {"steps": step + 2, "resumed_at": step}


def test_running_until_idle_does_not_wait_for_a_post_scheduled_next_week(
    library: Library, tmp_path: Path
) -> None:
    runner = runner_for(library)
    log = str(tmp_path / "ran.txt")
    later = runner.enqueue(
        "test.record", {"log": log}, not_before=datetime.now(UTC) + timedelta(days=7)
    )
    after = runner.enqueue("test.record", {"log": log}, depends_on=later.id)
    now = runner.enqueue("test.record", {"log": log, "label": "now"})
    runner.run_until_idle(timeout=30)
    assert [runner.get(job.id).status for job in (later, after, now)] == [
        "queued",
        "queued",
        "succeeded",
    ]
