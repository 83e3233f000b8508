"""200 simultaneous /trips/use against a balance of 50, through a real server, on both databases."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from studio.cloud.models import TripEntry
from tests.cloud.conftest import RunningServer, spend_concurrently


def _race(app: FastAPI) -> None:
    with RunningServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        email = {"email": "racer@example.com", "password": "correct horse battery"}
        signed_up = client.post("/auth/signup", json=email)
        assert signed_up.status_code == 201, signed_up.text
        headers = {"Authorization": f"Bearer {signed_up.json()['tokens']['access_token']}"}
        production = client.post("/productions", json={"title": "Race"}, headers=headers).json()
        assert client.get("/me", headers=headers).json()["trips_balance"] == 50

        responses = spend_concurrently(server.url, headers, production["id"], 200)

        statuses = Counter(response.status_code for response in responses)
        assert statuses == {200: 50, 402: 150}
        balances_seen = sorted(r.json()["trips_balance"] for r in responses if r.status_code == 200)
        assert balances_seen == list(range(50))
        assert client.get("/me", headers=headers).json()["trips_balance"] == 0
        user_id = signed_up.json()["user"]["id"]
    with app.state.service.db.session() as session:
        uses = session.scalars(
            select(TripEntry).where(TripEntry.user_id == user_id, TripEntry.kind == "use")
        ).all()
    assert len(uses) == 50
    assert sum(entry.amount for entry in uses) == -50


def test_concurrent_uses_never_overdraw_on_sqlite(app_factory: Callable[..., FastAPI]) -> None:
    _race(app_factory(starter_trips=50))


@pytest.mark.postgres
def test_concurrent_uses_never_overdraw_on_postgres(
    app_factory: Callable[..., FastAPI], postgres_url: str
) -> None:
    _race(app_factory(database_url=postgres_url, starter_trips=50))


def test_a_real_server_answers_with_uniform_errors(app_factory: Callable[..., FastAPI]) -> None:
    with RunningServer(app_factory()) as server:
        response = httpx.get(f"{server.url}/me", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"
