"""``GET /health``: up with its database, or 503 saying the database does not answer."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from tests.cloud.conftest import assert_error


def test_health_answers_without_a_sign_in(client: TestClient) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok"}


def test_health_is_503_when_the_database_does_not_answer(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = client.app.state.service.db  # type: ignore[attr-defined]
    unreachable = create_engine("sqlite:////nonexistent-folder/for-sure/cloud.db")
    monkeypatch.setattr(database, "engine", unreachable)
    error = assert_error(client.get("/health"), 503, "database_unavailable")
    assert "database does not answer" in error["message"]
    assert "nonexistent-folder" not in error["message"]
