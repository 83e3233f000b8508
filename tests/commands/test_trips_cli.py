"""``studio trips``: the balance the renders charge."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.services.jobs import FREE_TRIPS, LocalTrips
from tests.commands import library, studio


def test_a_new_library_has_the_free_trips_and_uses_lower_them(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = studio(capsys, "trips", "--json")
    assert fresh.code == 0
    assert fresh.json() == {"balance": FREE_TRIPS, "account": "local"}

    with library(data) as opened:
        LocalTrips(opened).use(3, idempotency_key="three renders")
        LocalTrips(opened).use(3, idempotency_key="three renders")
    assert studio(capsys, "trips", "--json").json()["balance"] == FREE_TRIPS - 3
    assert studio(capsys, "trips").out == f"{FREE_TRIPS - 3} trips left (local account)\n"


def test_a_database_url_that_cannot_be_parsed_is_named(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", "not a url")
    result = studio(capsys, "trips")
    assert result.code == 2
    assert "studio trips: STUDIO_DATABASE_URL" in result.err
