"""Renders in a child process: progress relayed, cancel immediate, nothing left behind."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from studio.services.jobs.context import CancelToken, JobCancelled, JobContext
from studio.services.jobs.render_process import RenderFailed, run_render_process
from tests.jobs import Recorder, render_plan
from tests.media import probe


def context(recorder: Recorder, token: CancelToken | None = None) -> JobContext:
    return JobContext("r1", "cinema.render", None, recorder, cancelled=token)  # type: ignore[arg-type]


def processes_mentioning(folder: Path) -> list[str]:
    """Command lines of live processes that name ``folder`` (the render and its ffmpeg)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text:
            found.append(text)
    return found


def test_render_reports_progress_and_writes_only_the_video(tmp_path: Path) -> None:
    plan, assets = render_plan(tmp_path / "in", seconds=2)
    out = tmp_path / "out" / "film.mp4"
    out.parent.mkdir()
    recorder = Recorder()
    done = run_render_process(plan, out, assets, "draft", context(recorder))
    assert done["output"] == str(out)
    assert probe(out).frames == 60
    assert recorder.fractions[-1] == 1.0
    assert recorder.fractions == sorted(recorder.fractions)
    assert recorder.messages[-1] == "rendering: 60/60 frames"
    assert sorted(path.name for path in out.parent.iterdir()) == ["film.mp4"]


def test_cancel_mid_render_stops_the_child_and_leaves_no_files(tmp_path: Path) -> None:
    plan, assets = render_plan(tmp_path / "in", seconds=150, fps=60)
    out = tmp_path / "out" / "film.mp4"
    out.parent.mkdir()
    recorder = Recorder()
    token = CancelToken()
    outcome: dict[str, Any] = {}

    def render() -> None:
        try:
            ctx = context(recorder, token)
            outcome["done"] = run_render_process(plan, out, assets, "draft", ctx)
        except BaseException as error:
            outcome["error"] = error

    thread = threading.Thread(target=render)
    thread.start()
    assert recorder.started.wait(60), "the render reported progress"
    assert any(out.parent.glob(".film.*")), "the render is writing its temporary files"
    token.set()
    thread.join(10)
    assert not thread.is_alive(), "the render stopped on cancel"
    assert isinstance(outcome.get("error"), JobCancelled)
    assert recorder.fractions[-1] < 1.0, "it stopped mid-render"
    assert list(out.parent.iterdir()) == [], "no video, no partial file, no scratch folder"
    assert processes_mentioning(tmp_path) == [], "the render and its ffmpeg are gone"


def test_a_failed_render_says_why_and_leaves_no_files(tmp_path: Path) -> None:
    plan, _ = render_plan(tmp_path / "in", seconds=1)
    empty = tmp_path / "no-assets"
    empty.mkdir()
    out = tmp_path / "out" / "film.mp4"
    out.parent.mkdir()
    with pytest.raises(RenderFailed, match="photo"):
        run_render_process(plan, out, empty, "draft", context(Recorder()))
    assert list(out.parent.iterdir()) == []
