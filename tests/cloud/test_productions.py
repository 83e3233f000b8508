"""Productions: create, list, get, upload files, plan, run."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from studio.spec import parse_document
from tests.cloud.conftest import Account, RecordingQueue, assert_error

SCRIPT = (
    "# The night sky\n\n"
    "Most people never look up. Yet above every city, the same stars turn each night.\n\n"
    "Tonight, step outside for five minutes. Let your eyes adjust. You will see more than you "
    "expect."
)


def create(client: TestClient, account: Account, **body: Any) -> dict[str, Any]:
    payload = {"title": "Stars", "mode": "simple", "style": "neo_glow", "script_text": SCRIPT}
    payload.update(body)
    response = client.post("/productions", json=payload, headers=account.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def png_bytes(tmp_path: Any) -> bytes:
    path = tmp_path / "photo.png"
    Image.new("RGB", (64, 36), (200, 40, 40)).save(path)
    return bytes(path.read_bytes())


def test_create_list_and_get(client: TestClient, alice: Account) -> None:
    first = create(client, alice, title="First")
    second = create(client, alice, title="Second", mode="pro", script_text=None)
    assert first["status"] == "draft"
    assert first["plan"] is None
    assert first["assets"] == []
    listed = client.get("/productions", headers=alice.headers).json()
    assert {item["id"] for item in listed} == {first["id"], second["id"]}
    got = client.get(f"/productions/{second['id']}", headers=alice.headers).json()
    assert got["title"] == "Second"
    assert got["mode"] == "pro"
    assert got["script_text"] is None


def test_create_validates_the_body(client: TestClient, alice: Account) -> None:
    bad_mode = client.post(
        "/productions", json={"title": "x", "mode": "auto"}, headers=alice.headers
    )
    assert assert_error(bad_mode, 422, "validation_error")["field"] == "mode"
    no_title = client.post("/productions", json={"mode": "simple"}, headers=alice.headers)
    assert assert_error(no_title, 422, "validation_error")["field"] == "title"


def test_get_an_unknown_production_is_not_found(client: TestClient, alice: Account) -> None:
    assert_error(client.get("/productions/nope", headers=alice.headers), 404, "not_found")


def test_plan_stores_a_valid_production_plan(client: TestClient, alice: Account) -> None:
    production = create(client, alice)
    response = client.post(f"/productions/{production['id']}/plan", headers=alice.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "planned"
    document = parse_document(body["plan"])
    assert document.model.duration_seconds > 0
    got = client.get(f"/productions/{production['id']}", headers=alice.headers).json()
    assert got["plan"] == body["plan"]


def test_plan_without_a_script_names_the_field(client: TestClient, alice: Account) -> None:
    production = create(client, alice, script_text=None)
    response = client.post(f"/productions/{production['id']}/plan", headers=alice.headers)
    assert assert_error(response, 422, "no_script")["field"] == "script_text"


def test_upload_stores_the_file_and_lists_it(
    client: TestClient, alice: Account, tmp_path: Any
) -> None:
    production = create(client, alice)
    data = png_bytes(tmp_path)
    response = client.post(
        f"/productions/{production['id']}/assets",
        files={"file": ("photo.png", data, "image/png")},
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    asset = response.json()
    assert asset["kind"] == "image"
    assert asset["size_bytes"] == len(data)
    got = client.get(f"/productions/{production['id']}", headers=alice.headers).json()
    assert [item["id"] for item in got["assets"]] == [asset["id"]]
    planned = client.post(f"/productions/{production['id']}/plan", headers=alice.headers).json()
    assert asset["sha256"] in str(planned["plan"])


def test_upload_refuses_a_wrong_type_and_a_file_over_the_limit(
    app_factory: Any, tmp_path: Any
) -> None:
    from tests.cloud.conftest import sign_up

    app = app_factory(upload_max_bytes=100)
    with TestClient(app) as client:
        account = sign_up(client)
        production = create(client, account)
        url = f"/productions/{production['id']}/assets"
        wrong = client.post(
            url,
            files={"file": ("run.sh", b"#!/bin/sh", "application/x-sh")},
            headers=account.headers,
        )
        assert assert_error(wrong, 415, "unsupported_media_type")["field"] == "file"
        big = client.post(
            url,
            files={"file": ("photo.png", png_bytes(tmp_path), "image/png")},
            headers=account.headers,
        )
        assert assert_error(big, 413, "payload_too_large")["field"] == "file"
        announced = client.post(
            url,
            content=b"x" * 10,
            headers={**account.headers, "Content-Length": str(10_000_000)},
        )
        assert assert_error(announced, 413, "payload_too_large")["field"] == "file"
        missing = client.post(url, headers=account.headers)
        assert assert_error(missing, 422, "validation_error")["field"] == "file"
        got = client.get(f"/productions/{production['id']}", headers=account.headers).json()
    assert got["assets"] == []


def test_run_charges_a_trip_once_and_submits_one_key(
    client: TestClient, alice: Account, queue: RecordingQueue
) -> None:
    production = create(client, alice)
    url = f"/productions/{production['id']}/run"
    headers = {**alice.headers, "Idempotency-Key": "run-1"}
    not_planned = client.post(url, headers=headers)
    assert_error(not_planned, 409, "not_planned")
    client.post(f"/productions/{production['id']}/plan", headers=alice.headers)
    first = client.post(url, headers=headers)
    again = client.post(url, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert first.json()["trips_balance"] == 2
    assert first.json()["status"] == "queued"
    # The retry is submitted again (the queue does a key's work once), with the same key.
    assert set(queue.submitted) == {("production", alice.user_id, production["id"], "run-1")}
    got = client.get(f"/productions/{production['id']}", headers=alice.headers).json()
    assert got["status"] == "queued"
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 2


def test_run_needs_a_key_and_enough_trips(client: TestClient, alice: Account) -> None:
    production = create(client, alice)
    client.post(f"/productions/{production['id']}/plan", headers=alice.headers)
    url = f"/productions/{production['id']}/run"
    missing = assert_error(client.post(url, headers=alice.headers), 422, "validation_error")
    assert missing["field"] == "Idempotency-Key"
    for index in range(3):
        ok = client.post(url, headers={**alice.headers, "Idempotency-Key": f"r{index}"})
        assert ok.status_code == 202
    short = client.post(url, headers={**alice.headers, "Idempotency-Key": "r3"})
    assert_error(short, 402, "not_enough_trips")


def test_run_without_render_workers_charges_nothing(app_factory: Any) -> None:
    from tests.cloud.conftest import sign_up

    app = app_factory(queue=None, render_in_workspaces=False)
    with TestClient(app) as client:
        account = sign_up(client)
        production = create(client, account)
        client.post(f"/productions/{production['id']}/plan", headers=account.headers)
        response = client.post(
            f"/productions/{production['id']}/run",
            headers={**account.headers, "Idempotency-Key": "k"},
        )
        assert_error(response, 503, "rendering_unavailable")
        assert client.get("/me", headers=account.headers).json()["trips_balance"] == 3
