"""/me, /me/billing, /brand-kit and /trips/use."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from studio.cloud.models import TripEntry
from tests.cloud.conftest import Account, assert_error


def make_production(client: TestClient, account: Account, title: str = "Film") -> str:
    response = client.post("/productions", json={"title": title}, headers=account.headers)
    assert response.status_code == 201, response.text
    production_id: str = response.json()["id"]
    return production_id


def use(
    client: TestClient, account: Account, production_id: str, key: str, kind: str = "cinema"
) -> Any:
    return client.post(
        "/trips/use",
        json={"production_id": production_id, "type": kind},
        headers={**account.headers, "Idempotency-Key": key},
    )


def test_me_and_billing(client: TestClient, alice: Account) -> None:
    me = client.get("/me", headers=alice.headers).json()
    assert me == {
        "user": {
            "id": alice.user_id,
            "email": "alice@example.com",
            "plan": "free",
            "created_at": me["user"]["created_at"],
        },
        "plan": "free",
        "trips_balance": 3,
    }
    billing = client.get("/me/billing", headers=alice.headers).json()
    assert billing == {"plan": "free", "subscriptions": [], "payments": []}


def test_brand_kit_defaults_then_saved_and_read_back(client: TestClient, alice: Account) -> None:
    default = client.get("/brand-kit", headers=alice.headers)
    assert default.status_code == 200
    assert default.json()["primary_color"] == "#00F0FF"
    body = {
        "primary_color": "#112233",
        "secondary_color": "#445566",
        "font_style": "minimal",
        "caption_style_json": {"font_style": "bold_caps", "highlight_color": "#FFEE00"},
    }
    saved = client.post("/brand-kit", json=body, headers=alice.headers)
    assert saved.status_code == 200, saved.text
    again = client.get("/brand-kit", headers=alice.headers).json()
    assert again["primary_color"] == "#112233"
    assert again["font_style"] == "minimal"
    assert again["caption_style"]["highlight_color"] == "#FFEE00"


def test_brand_kit_rejects_a_bad_colour_naming_the_field(
    client: TestClient, alice: Account
) -> None:
    response = client.post("/brand-kit", json={"primary_color": "blue"}, headers=alice.headers)
    error = assert_error(response, 422, "validation_error")
    assert error["field"] == "primary_color"
    unknown = client.post("/brand-kit", json={"primary_colour": "#112233"}, headers=alice.headers)
    assert assert_error(unknown, 422, "validation_error")["field"] == "primary_colour"


def test_trips_use_charges_and_returns_the_balance(client: TestClient, alice: Account) -> None:
    production = make_production(client, alice)
    response = use(client, alice, production, "key-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["trips_used"] == 1
    assert body["trips_balance"] == 2
    assert body["production_id"] == production
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 2


def test_a_retried_use_returns_the_same_result_and_charges_once(
    client: TestClient, app: FastAPI, alice: Account
) -> None:
    production = make_production(client, alice)
    first = use(client, alice, production, "same-key")
    second = use(client, alice, production, "same-key")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 2
    with app.state.service.db.session() as session:
        uses = session.scalars(select(TripEntry).where(TripEntry.kind == "use")).all()
    assert len(uses) == 1


def test_a_key_reused_for_another_request_is_a_conflict(client: TestClient, alice: Account) -> None:
    production = make_production(client, alice)
    assert use(client, alice, production, "k").status_code == 200
    other = use(client, alice, production, "k", kind="shorts_bundle")
    assert assert_error(other, 409, "idempotency_key_reused")["field"] == "Idempotency-Key"


def test_trips_use_needs_an_idempotency_key(client: TestClient, alice: Account) -> None:
    production = make_production(client, alice)
    response = client.post(
        "/trips/use",
        json={"production_id": production, "type": "cinema"},
        headers=alice.headers,
    )
    assert assert_error(response, 422, "validation_error")["field"] == "Idempotency-Key"


def test_trips_use_refuses_when_the_balance_is_short(client: TestClient, alice: Account) -> None:
    production = make_production(client, alice)
    for index in range(3):
        assert use(client, alice, production, f"k{index}").status_code == 200
    short = use(client, alice, production, "k3")
    assert "balance is 0" in assert_error(short, 402, "not_enough_trips")["message"]
    assert client.get("/me", headers=alice.headers).json()["trips_balance"] == 0


def test_trips_use_validates_the_body(client: TestClient, alice: Account) -> None:
    production = make_production(client, alice)
    bad_type = use(client, alice, production, "k", kind="feature_film")
    assert assert_error(bad_type, 422, "validation_error")["field"] == "type"
    missing = use(client, alice, "no-such-production", "k2")
    assert_error(missing, 404, "not_found")


def test_costs_come_from_configuration(app_factory: Any) -> None:
    app = app_factory(trip_costs={"cinema": 2, "shorts_bundle": 1}, starter_trips=5)
    with TestClient(app) as client:
        from tests.cloud.conftest import sign_up

        account = sign_up(client)
        production = make_production(client, account)
        response = use(client, account, production, "k")
    assert response.json()["trips_used"] == 2
    assert response.json()["trips_balance"] == 3
