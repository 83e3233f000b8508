"""Helpers shared by the job tests: libraries, productions, test job types, a recorder."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studio.services.jobs import JobContext, Registry
from studio.services.jobs.registry import default_registry
from studio.services.library.db import Library
from studio.services.library.models import Asset, Production
from studio.spec import CameraMovement
from tests.media import pattern_image
from tests.pipeline.plans import production, shot


def open_library(data: Path) -> Library:
    data.mkdir(parents=True, exist_ok=True)
    return Library.open(data=data)


def render_plan(folder: Path, seconds: float = 2.0, fps: float = 30) -> tuple[Path, Path]:
    """A one-photo plan file and its assets folder (asset id ``photo``); a long one renders
    for a while even at draft size."""
    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    pattern_image(assets / "photo.jpg", 640, 360)
    path = folder / "plan.json"
    path.write_text(json.dumps(photo_plan("photo", seconds, fps)), encoding="utf-8")
    return path, assets


def photo_plan(asset_id: str, seconds: float, fps: float = 30) -> dict[str, Any]:
    return production(
        [shot("a", 0, seconds, asset_id, movement=CameraMovement.SLOW_PUSH_IN)],
        seconds,
        width=1280,
        height=720,
        fps=fps,
    )


def stored_photo(library: Library, folder: Path) -> str:
    """A photo put in the library's store as an asset; returns its id (the sha256)."""
    photo = pattern_image(folder / "photo.jpg", 640, 360)
    stored = library.store.put(photo)
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    with library.session() as session:
        if session.get(Asset, digest) is None:
            session.add(
                Asset(
                    id=digest,
                    kind="image",
                    original_name="photo.jpg",
                    path=stored.path,
                    size_bytes=stored.size_bytes,
                )
            )
    return digest


def planned_production(library: Library, folder: Path, seconds: float, fps: float = 30) -> str:
    """A production whose plan is one stored photo for ``seconds``; returns its id."""
    asset_id = stored_photo(library, folder)
    with library.session() as session:
        film = Production(title="Test film")
        session.add(film)
        session.flush()
        film.add_plan(photo_plan(asset_id, seconds, fps), "edit")
        return film.id


def job_registry() -> Registry:
    """The built-in job types plus the test types below, in a registry of their own."""
    registry = Registry()
    for name in default_registry().names():
        registry.add(default_registry().get(name))
    registry.job_type("test.record")(record)
    registry.job_type("test.flaky", network=True, max_attempts=3, backoff_seconds=0.05)(flaky)
    registry.job_type("test.fail")(fail)
    registry.job_type("test.wait", resumable=True)(wait)
    return registry


def record(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Append ``job id, pid, label`` to the payload's log file: who ran what, in which order."""
    with Path(payload["log"]).open("a", encoding="utf-8") as log:
        log.write(f"{ctx.job_id} {os.getpid()} {payload.get('label', '')}\n")
    ctx.cancelled.wait(float(payload.get("seconds", 0)))
    return {"label": payload.get("label", ""), "upstream": dict(ctx.upstream)}


def flaky(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Fails ``failures`` times (a network hiccup), or while the file ``down`` exists."""
    down = payload.get("down")
    if ctx.attempt <= int(payload.get("failures", 0)) or (down and Path(down).exists()):
        raise ConnectionError(f"connection reset (attempt {ctx.attempt})")
    return {"attempt": ctx.attempt}


def fail(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    raise ValueError(str(payload.get("message", "it broke")))


def wait(payload: Mapping[str, Any], ctx: JobContext) -> Mapping[str, Any]:
    """Counts steps, saving a checkpoint after each, until cancelled or ``steps`` are done."""
    step = int(ctx.checkpoint.get("step", 0))
    started_at = step
    while step < int(payload.get("steps", 1_000_000)):
        if ctx.cancelled.wait(float(payload.get("pause", 0.02))):
            ctx.cancelled.raise_if_cancelled()
        step += 1
        ctx.save_checkpoint({"step": step})
        ctx.progress(step / int(payload.get("steps", 1_000_000)), f"step {step}")
    return {"steps": step, "resumed_at": started_at}


class Recorder:
    """A JobReporter that keeps what a job reported, and says when progress first arrives."""

    def __init__(self) -> None:
        self.fractions: list[float] = []
        self.messages: list[str] = []
        self.logs: list[str] = []
        self.checkpoints: list[dict[str, Any]] = []
        self.started = threading.Event()

    def progress(self, job_id: str, fraction: float, message: str) -> None:
        self.fractions.append(fraction)
        self.messages.append(message)
        self.started.set()

    def log(self, job_id: str, message: str) -> None:
        self.logs.append(message)

    def save_checkpoint(self, job_id: str, data: Mapping[str, Any]) -> None:
        self.checkpoints.append(dict(data))
