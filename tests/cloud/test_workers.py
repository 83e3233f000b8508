"""Cloud renders: the run endpoints through the real workspace workers and the desktop's jobs."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from studio.cloud.models import ProductionRow, TripEntry
from studio.services.library.db import Library
from studio.services.library.models import Job
from tests.cloud.conftest import Account, sign_up
from tests.media import probe

SCRIPT = "Look up tonight. The stars are waiting."


def _until_settled(client: TestClient, account: Account, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while True:
        body: dict[str, Any] = client.get(url, headers=account.headers).json()
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, f"still {body['status']} after 300 s"
        time.sleep(0.2)


def _planned(client: TestClient, account: Account) -> str:
    made = client.post(
        "/productions", json={"title": "Night", "script_text": SCRIPT}, headers=account.headers
    ).json()
    planned = client.post(f"/productions/{made['id']}/plan", headers=account.headers)
    assert planned.status_code == 200, planned.text
    production_id: str = made["id"]
    return production_id


def _workspace_jobs(folder: Path, user_id: str) -> list[str]:
    workspace = folder / "workspaces" / user_id
    url = f"sqlite:///{workspace / 'library.db'}"
    with Library.open(url, workspace) as library, library.session() as session:
        return sorted(session.scalars(select(Job.type)))


@pytest.mark.slow
def test_a_cloud_run_renders_the_film_once_and_serves_it(
    app_factory: Callable[..., FastAPI],
) -> None:
    app = app_factory(render_preset="draft")
    folder = app.state.service.settings.data_dir
    with TestClient(app) as client:
        account = sign_up(client)
        production_id = _planned(client, account)
        headers = {**account.headers, "Idempotency-Key": "render-1"}
        first = client.post(f"/productions/{production_id}/run", headers=headers)
        again = client.post(f"/productions/{production_id}/run", headers=headers)
        assert first.status_code == again.status_code == 202
        done = _until_settled(client, account, f"/productions/{production_id}")
        assert done["status"] == "done", done
        assert done["final_video_url"] == f"/productions/{production_id}/video"
        video = client.get(done["final_video_url"], headers=account.headers)
        assert video.status_code == 200
        assert video.headers["content-type"] == "video/mp4"
        other = sign_up(client)
        stolen = client.get(done["final_video_url"], headers=other.headers)
        assert stolen.status_code == 404
        assert client.get("/me", headers=account.headers).json()["trips_balance"] == 2
    saved = folder / "film.mp4"
    saved.write_bytes(video.content)
    film = probe(saved)
    assert film.frames > 0
    assert _workspace_jobs(folder, account.user_id) == [
        "cinema.assemble",
        "cinema.generate_assets",
        "cinema.render",
    ]


@pytest.mark.slow
def test_a_failed_cloud_render_gives_the_trip_back(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(render_preset="draft")
    with TestClient(app) as client:
        account = sign_up(client)
        production_id = _planned(client, account)
        with app.state.service.db.session() as session:
            row = session.get_one(ProductionRow, production_id)
            plan = copy.deepcopy(row.plan or {})
            shot = plan["visual_plan"]["scenes"][0]["shots"][0]
            shot["source"] = {"type": "user_image", "asset_id": "b" * 64}
            row.plan = plan
        run = client.post(
            f"/productions/{production_id}/run",
            headers={**account.headers, "Idempotency-Key": "doomed"},
        )
        assert run.status_code == 202
        assert run.json()["trips_balance"] == 2
        settled = _until_settled(client, account, f"/productions/{production_id}")
        assert settled["status"] == "failed"
        deadline = time.monotonic() + 30
        while client.get("/me", headers=account.headers).json()["trips_balance"] != 3:
            assert time.monotonic() < deadline, "the trip was not given back"
            time.sleep(0.1)
    with app.state.service.db.session() as session:
        kinds = [
            entry.kind
            for entry in session.scalars(select(TripEntry).order_by(TripEntry.created_at))
        ]
    assert kinds == ["grant", "use", "refund"]


@pytest.mark.slow
def test_a_cloud_shorts_run_renders_every_variant(app_factory: Callable[..., FastAPI]) -> None:
    app = app_factory(render_preset="draft")
    with TestClient(app) as client:
        account = sign_up(client)
        shorts_id = client.post(
            "/shorts",
            json={"source_type": "idea", "source_payload": {"text": SCRIPT}},
            headers=account.headers,
        ).json()["id"]
        client.post(f"/shorts/{shorts_id}/hooks", headers=account.headers)
        planned = client.post(
            f"/shorts/{shorts_id}/variants",
            json={"hooks": [1], "formats": ["9_16", "1_1"], "duration": 6},
            headers=account.headers,
        )
        assert planned.status_code == 200, planned.text
        run = client.post(
            f"/shorts/{shorts_id}/run", headers={**account.headers, "Idempotency-Key": "s1"}
        )
        assert run.status_code == 202
        settled = _until_settled(client, account, f"/shorts/{shorts_id}")
        assert settled["status"] == "done"
        assert client.get("/me", headers=account.headers).json()["trips_balance"] == 2
        queue = app.state.render_queue
        shapes = {}
        for variant in settled["variants"]:
            video = queue.short_video(account.user_id, shorts_id, variant["variant_id"])
            assert video is not None, f"{variant['variant_id']}: the publisher can find it"
            shown = probe(video)
            shapes[variant["format"]] = shown.width / shown.height
            assert shown.duration == pytest.approx(6, abs=0.5)
        assert shapes == {"9_16": pytest.approx(9 / 16, abs=0.01), "1_1": 1.0}
        assert queue.short_video(account.user_id, shorts_id, "no-such-variant") is None
        assert (
            queue.short_video("someone-else", shorts_id, settled["variants"][0]["variant_id"])
            is None
        )
