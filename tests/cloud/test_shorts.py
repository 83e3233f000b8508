"""Shorts: create from a source, hooks, variants, run, list, get."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from studio.spec import ShortsPlan, parse_document
from tests.cloud.conftest import Account, RecordingQueue, assert_error
from tests.cloud.test_productions import SCRIPT
from tests.cloud.test_productions import create as create_production

IDEA = (
    "Why you wake up tired. Your phone keeps your brain busy long after you put it down. "
    "Blue light delays sleep by an hour. Put the phone in another room and sleep better tonight."
)


def create(client: TestClient, account: Account, source_type: str, payload: dict[str, Any]) -> Any:
    return client.post(
        "/shorts",
        json={"source_type": source_type, "source_payload": payload},
        headers=account.headers,
    )


def test_idea_to_hooks_to_variants(client: TestClient, alice: Account) -> None:
    created = create(client, alice, "idea", {"text": IDEA})
    assert created.status_code == 201, created.text
    shorts_id = created.json()["id"]
    hooks = client.post(f"/shorts/{shorts_id}/hooks", json={"count": 3}, headers=alice.headers)
    assert hooks.status_code == 200, hooks.text
    ranked = hooks.json()["hooks"]
    assert 1 <= len(ranked) <= 3
    assert next(hook["rank"] for hook in ranked) == 1
    variants = client.post(
        f"/shorts/{shorts_id}/variants",
        json={"hooks": [1], "formats": ["9_16", "1_1"], "duration": 20},
        headers=alice.headers,
    )
    assert variants.status_code == 200, variants.text
    body = variants.json()
    assert body["status"] == "planned"
    assert [variant["format"] for variant in body["variants"]] == ["9_16", "1_1"]
    for variant in body["variants"]:
        plan = parse_document(variant["plan"]).model
        assert isinstance(plan, ShortsPlan)
        assert plan.hook.text == ranked[0]["text"]
    got = client.get(f"/shorts/{shorts_id}", headers=alice.headers).json()
    assert got["variants"] == body["variants"]
    listed = client.get("/shorts", headers=alice.headers).json()
    assert [item["id"] for item in listed] == [shorts_id]


def test_script_and_production_sources(client: TestClient, alice: Account) -> None:
    script = create(client, alice, "script", {"script_text": SCRIPT})
    assert script.status_code == 201
    production = create_production(client, alice)
    client.post(f"/productions/{production['id']}/plan", headers=alice.headers)
    from_production = create(client, alice, "production", {"production_id": production["id"]})
    assert from_production.status_code == 201
    assert from_production.json()["title"] == "Stars"
    for made in (script, from_production):
        hooks = client.post(f"/shorts/{made.json()['id']}/hooks", headers=alice.headers)
        assert hooks.status_code == 200, hooks.text
        assert hooks.json()["hooks"]


def test_create_validates_the_source(client: TestClient, alice: Account) -> None:
    missing = create(client, alice, "idea", {"idea": IDEA})
    assert assert_error(missing, 422, "validation_error")["field"] == "source_payload.text"
    video = create(client, alice, "video", {"url": "x"})
    assert assert_error(video, 422, "unsupported_source")["field"] == "source_type"
    unknown_production = create(client, alice, "production", {"production_id": "nope"})
    error = assert_error(unknown_production, 404, "not_found")
    assert error["field"] == "source_payload.production_id"


def test_an_idea_that_names_a_server_file_is_read_as_text(
    client: TestClient, alice: Account, tmp_path: Path
) -> None:
    """The planners accept paths; the service must never read a server file for a user."""
    secret = tmp_path / "secret.txt"
    secret.write_text("The launch password is swordfish. Never share it.", encoding="utf-8")
    created = create(client, alice, "idea", {"text": str(secret)})
    hooks = client.post(f"/shorts/{created.json()['id']}/hooks", headers=alice.headers)
    assert "swordfish" not in hooks.text
    assert hooks.status_code in (200, 422)


def test_variants_need_hooks_first_and_known_ranks(client: TestClient, alice: Account) -> None:
    shorts_id = create(client, alice, "idea", {"text": IDEA}).json()["id"]
    body = {"hooks": [1], "formats": ["9_16"]}
    early = client.post(f"/shorts/{shorts_id}/variants", json=body, headers=alice.headers)
    assert_error(early, 409, "no_hooks")
    client.post(f"/shorts/{shorts_id}/hooks", headers=alice.headers)
    unknown = client.post(
        f"/shorts/{shorts_id}/variants",
        json={"hooks": [99], "formats": ["9_16"]},
        headers=alice.headers,
    )
    assert assert_error(unknown, 422, "validation_error")["field"] == "hooks"
    bad_format = client.post(
        f"/shorts/{shorts_id}/variants",
        json={"hooks": [1], "formats": ["3_2"]},
        headers=alice.headers,
    )
    assert assert_error(bad_format, 422, "validation_error")["field"].startswith("formats")


def test_run_charges_a_shorts_bundle_once(
    client: TestClient, alice: Account, queue: RecordingQueue
) -> None:
    shorts_id = create(client, alice, "idea", {"text": IDEA}).json()["id"]
    headers = {**alice.headers, "Idempotency-Key": "shorts-run"}
    assert_error(client.post(f"/shorts/{shorts_id}/run", headers=headers), 409, "not_planned")
    client.post(f"/shorts/{shorts_id}/hooks", headers=alice.headers)
    client.post(
        f"/shorts/{shorts_id}/variants",
        json={"hooks": [1], "formats": ["9_16"]},
        headers=alice.headers,
    )
    first = client.post(f"/shorts/{shorts_id}/run", headers=headers)
    second = client.post(f"/shorts/{shorts_id}/run", headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert set(queue.submitted) == {("shorts", alice.user_id, shorts_id, "shorts-run")}
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 2
    assert client.get(f"/shorts/{shorts_id}", headers=alice.headers).json()["status"] == "queued"
