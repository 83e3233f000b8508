"""Two runner processes on one library: every job runs exactly once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.conftest import REPO
from tests.jobs import open_library

RUNNER = """
import sys, time
from pathlib import Path
from studio.services.jobs import LocalRunner
from tests.jobs import job_registry, open_library

data, log, go, name = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]
runner = LocalRunner(open_library(data), workers=2, registry=job_registry(), poll_interval=0.01)
for index in range(20):
    runner.enqueue("test.record", {"log": log, "label": f"{name}-{index}", "seconds": 0.03})
while not go.exists():
    time.sleep(0.01)
runner.run_until_idle(timeout=120)
"""


def test_two_processes_enqueueing_and_running_at_once_never_share_a_job(tmp_path: Path) -> None:
    data = tmp_path / "data"
    open_library(data).close()
    log = tmp_path / "ran.txt"
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(data), str(log), str(go), name],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    go.touch()
    for process in processes:
        _, errors = process.communicate(timeout=180)
        assert process.returncode == 0, errors
    lines = [line.split() for line in log.read_text().splitlines()]
    runs = Counter(job_id for job_id, _, _ in lines)
    assert len(runs) == 40
    assert set(runs.values()) == {1}, "no job ran twice"
    assert {label for _, _, label in lines} == {f"{n}-{i}" for n in "ab" for i in range(20)}
    assert len({pid for _, pid, _ in lines}) == 2, "both processes took jobs"
