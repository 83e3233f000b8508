"""Every endpoint that names a resource answers 404 for another user's, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.cloud.conftest import Account, RecordingQueue, assert_error
from tests.cloud.test_productions import create as create_production
from tests.cloud.test_shorts import IDEA


@pytest.fixture
def owned(client: TestClient, alice: Account) -> dict[str, str]:
    """Alice's planned production and planned shorts batch, and her brand kit."""
    production = create_production(client, alice)["id"]
    client.post(f"/productions/{production}/plan", headers=alice.headers)
    shorts = client.post(
        "/shorts",
        json={"source_type": "idea", "source_payload": {"text": IDEA}},
        headers=alice.headers,
    ).json()["id"]
    client.post(f"/shorts/{shorts}/hooks", headers=alice.headers)
    client.post(
        f"/shorts/{shorts}/variants",
        json={"hooks": [1], "formats": ["9_16"]},
        headers=alice.headers,
    )
    client.post("/brand-kit", json={"primary_color": "#123456"}, headers=alice.headers)
    return {"production": production, "shorts": shorts}


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/productions/{production}", {}),
    ("GET", "/productions/{production}/video", {}),
    ("POST", "/productions/{production}/plan", {}),
    ("POST", "/productions/{production}/run", {"headers": {"Idempotency-Key": "steal-1"}}),
    (
        "POST",
        "/productions/{production}/assets",
        {"files": {"file": ("a.txt", b"hi", "text/plain")}},
    ),
    (
        "POST",
        "/trips/use",
        {
            "json": {"production_id": "{production}", "type": "cinema"},
            "headers": {"Idempotency-Key": "steal-2"},
        },
    ),
    (
        "POST",
        "/trips/use",
        {
            "json": {"production_id": "{shorts}", "type": "shorts_bundle"},
            "headers": {"Idempotency-Key": "steal-3"},
        },
    ),
    ("GET", "/shorts/{shorts}", {}),
    ("POST", "/shorts/{shorts}/hooks", {}),
    ("POST", "/shorts/{shorts}/variants", {"json": {"hooks": [1], "formats": ["1_1"]}}),
    ("POST", "/shorts/{shorts}/run", {"headers": {"Idempotency-Key": "steal-4"}}),
    (
        "POST",
        "/shorts",
        {
            "json": {
                "source_type": "production",
                "source_payload": {"production_id": "{production}"},
            }
        },
    ),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "options"), CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS]
)
def test_another_users_resource_is_not_found(
    client: TestClient,
    alice: Account,
    bob: Account,
    owned: dict[str, str],
    queue: RecordingQueue,
    method: str,
    path: str,
    options: dict[str, Any],
) -> None:
    before = client.get(f"/productions/{owned['production']}", headers=alice.headers).json()
    before_shorts = client.get(f"/shorts/{owned['shorts']}", headers=alice.headers).json()
    extra = _fill(options, owned)
    headers = {**bob.headers, **extra.pop("headers", {})}
    response = client.request(method, path.format(**owned), headers=headers, **extra)
    assert_error(response, 404, "not_found")
    # Nothing of Alice's changed, nothing was charged or queued.
    after = client.get(f"/productions/{owned['production']}", headers=alice.headers).json()
    assert after == before
    assert client.get(f"/shorts/{owned['shorts']}", headers=alice.headers).json() == before_shorts
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 3
    assert client.get("/me", headers=bob.headers).json()["trips_balance"] == 3
    assert queue.submitted == []


def test_lists_and_the_brand_kit_show_only_the_callers_own(
    client: TestClient, alice: Account, bob: Account, owned: dict[str, str]
) -> None:
    assert client.get("/productions", headers=bob.headers).json() == []
    assert client.get("/shorts", headers=bob.headers).json() == []
    assert client.get("/brand-kit", headers=bob.headers).json()["primary_color"] == "#00F0FF"
    assert client.get("/brand-kit", headers=alice.headers).json()["primary_color"] == "#123456"
    assert [p["id"] for p in client.get("/productions", headers=alice.headers).json()] == [
        owned["production"]
    ]


def test_the_same_idempotency_key_of_two_users_is_two_charges(
    client: TestClient, alice: Account, bob: Account
) -> None:
    """Keys are per user: Bob's key never replays Alice's answer."""
    for account in (alice, bob):
        production = create_production(client, account)["id"]
        response = client.post(
            "/trips/use",
            json={"production_id": production, "type": "cinema"},
            headers={**account.headers, "Idempotency-Key": "shared"},
        )
        assert response.status_code == 200
        assert response.json()["production_id"] == production
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 2
    assert client.get("/me", headers=bob.headers).json()["trips_balance"] == 2
