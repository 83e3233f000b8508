"""Trips through the service: renders charge the embedded account once per key, a short balance
refuses in words, a cloud worker's job of a paid run charges nothing more."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from studio.cloud import ledger
from studio.cloud.app import create_app
from studio.cloud.models import TripEntry as CloudEntry
from studio.cloud.workers import PrepaidTrips
from studio.services.embedded import LOCAL_LABEL, embedded_for, stop_embedded
from studio.services.jobs import LocalRunner, NotEnoughTrips
from studio.services.jobs.context import JobRefused
from studio.services.jobs.trips import LINKS_FILE, CloudTrips, set_trips_provider, trips_for
from studio.services.library.db import Library
from studio.services.library.models import Asset, Production, Shorts
from tests.cloud.conftest import RecordingQueue, make_settings, sign_up
from tests.jobs import job_registry, open_library, planned_production


@pytest.fixture
def desktop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Library]:
    """A library whose renders charge the embedded service (starter trips: the param, or 3)."""
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("STUDIO_CLOUD_URL", raising=False)
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", str(getattr(request, "param", 3)))
    set_trips_provider(None)
    opened = open_library(tmp_path / "data")
    yield opened
    stop_embedded(opened)
    opened.close()


def balance(library: Library) -> int:
    return embedded_for(library).client.me().trips_balance


def render(library: Library, film: str, key: str) -> LocalRunner:
    runner = LocalRunner(library, registry=job_registry(), poll_interval=0.02)
    runner.enqueue("cinema.render", {"preset": "draft"}, production_id=film, idempotency_key=key)
    runner.run_until_idle(timeout=120)
    return runner


def test_the_desktop_charges_the_local_account_of_the_embedded_service(
    desktop: Library,
) -> None:
    trips = trips_for(desktop)
    assert isinstance(trips, CloudTrips)
    assert trips.account_label() == LOCAL_LABEL
    assert trips.balance() == 3


def test_a_render_charges_one_trip_through_the_service(desktop: Library, tmp_path: Path) -> None:
    film = planned_production(desktop, tmp_path, seconds=1)
    assert balance(desktop) == 3
    runner = render(desktop, film, "render-once")
    [job] = runner.list()
    assert job.status == "succeeded", job.error
    assert balance(desktop) == 2
    links = json.loads((desktop.data_dir / LINKS_FILE).read_text(encoding="utf-8"))
    [cloud_id] = links.values()
    cloud = embedded_for(desktop).client.production(cloud_id)
    assert cloud.title == "Test film", "the charge is against a cloud record of the production"
    assert (job.result or {})["trip_entry"]


def test_a_render_that_failed_after_its_charge_is_retried_for_free(
    desktop: Library, tmp_path: Path
) -> None:
    film = planned_production(desktop, tmp_path, seconds=1)
    with desktop.session() as session:
        photo = desktop.store.path_of(session.scalars(select(Asset)).one().path)
    good = photo.read_bytes()
    photo.write_bytes(b"not a picture")
    runner = render(desktop, film, "render-retried")
    [job] = runner.list()
    assert job.status == "failed"
    assert balance(desktop) == 2, "the render failed after its trip was charged"
    photo.write_bytes(good)
    runner.retry(job.id)
    runner.run_until_idle(timeout=120)
    assert runner.get(job.id).status == "succeeded", runner.get(job.id).error
    assert balance(desktop) == 2, "the retry used the same key: charged once"


@pytest.mark.parametrize("desktop", [0], indirect=True)
def test_a_render_with_no_trips_left_is_refused_in_words(desktop: Library, tmp_path: Path) -> None:
    film = planned_production(desktop, tmp_path, seconds=1)
    runner = render(desktop, film, "render-short")
    [job] = runner.list()
    assert job.status == "failed"
    assert job.error == "this render needs 1 trip; the balance is 0"
    with desktop.session() as session:
        production = session.get(Production, film)
        assert production is not None
        assert production.final_video is None


def test_the_same_key_charged_twice_through_the_client_costs_one(
    desktop: Library, tmp_path: Path
) -> None:
    film = planned_production(desktop, tmp_path, seconds=1)
    trips = trips_for(desktop)
    first = trips.use(1, idempotency_key="run-1:cinema.render", production_id=film)
    again = trips.use(1, idempotency_key="run-1:cinema.render", production_id=film)
    assert again.entry_id == first.entry_id
    assert trips.balance() == 2
    spaced = trips.use(1, idempotency_key="a key with spaces", production_id=film)
    assert trips.use(1, idempotency_key="a key with spaces", production_id=film) == spaced
    assert trips.balance() == 1, "a key the header cannot carry is sent as its digest"


def test_each_short_is_charged_once_against_a_cloud_record_of_its_batch(
    desktop: Library,
) -> None:
    with desktop.session() as session:
        batch = Shorts(title="Stars", source_type="idea", source_payload={"text": "Stars"})
        session.add(batch)
        session.flush()
        batch_id = batch.id
    trips = trips_for(desktop)
    for variant in ("v1", "v2", "v1"):
        trips.use(1, idempotency_key=f"job-1:{variant}", shorts_id=batch_id, what=variant)
    assert trips.balance() == 1
    [cloud_id] = json.loads((desktop.data_dir / LINKS_FILE).read_text(encoding="utf-8")).values()
    assert embedded_for(desktop).client.shorts(cloud_id).title == "Stars"
    trips.use(1, idempotency_key="job-1:v3", shorts_id=batch_id, what="v3")
    with pytest.raises(NotEnoughTrips, match=r"^v4 needs 1 trip; the balance is 0$"):
        trips.use(1, idempotency_key="job-1:v4", shorts_id=batch_id, what="v4")


def test_a_cloud_worker_job_of_a_paid_run_charges_nothing_more(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "cloud"), render_queue=RecordingQueue())
    with TestClient(app) as client:
        account = sign_up(client)
        body = {"title": "Night", "script_text": "Look up."}
        made = client.post("/productions", json=body, headers=account.headers).json()
        assert client.post(f"/productions/{made['id']}/plan", headers=account.headers).is_success
        headers = {**account.headers, "Idempotency-Key": "run-7"}
        run = client.post(f"/productions/{made['id']}/run", headers=headers).json()
        prepaid = PrepaidTrips(app.state.service.db, account.user_id)
        use = prepaid.use(1, idempotency_key="run-7:cinema.render", production_id=made["id"])
        assert (use.entry_id, use.repeated) == (run["entry_id"], True)
        assert prepaid.balance() == run["trips_balance"] == 2
        with pytest.raises(JobRefused, match="no paid run"):
            prepaid.use(1, idempotency_key="run-8:cinema.render", production_id=made["id"])
        with app.state.service.db.session() as session:
            uses = session.scalars(select(CloudEntry).where(CloudEntry.kind == "use")).all()
            assert len(uses) == 1
            ledger.reverse(session, account.user_id, "use:run-7")
        with pytest.raises(JobRefused, match="given back"):
            prepaid.use(1, idempotency_key="run-7:cinema.render", production_id=made["id"])
