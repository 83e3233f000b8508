"""The local trips ledger: a free grant once, charges once per key, a refusal that says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from studio.services.jobs import FREE_TRIPS, LocalTrips, NotEnoughTrips
from studio.services.library.db import Library
from studio.services.library.models import Account, TripEntry
from tests.jobs import open_library


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return open_library(tmp_path / "data")


def test_a_new_library_starts_with_the_free_grant_once(library: Library) -> None:
    assert LocalTrips(library).balance() == FREE_TRIPS
    assert LocalTrips(library).balance() == FREE_TRIPS
    with library.session() as session:
        kinds = session.scalars(select(TripEntry.kind)).all()
    assert kinds == ["grant"]


def test_the_same_key_charges_once(library: Library) -> None:
    trips = LocalTrips(library)
    first = trips.use(1, idempotency_key="run-1:cinema.render", production_id="p1")
    again = trips.use(1, idempotency_key="run-1:cinema.render", production_id="p1")
    assert (first.repeated, again.repeated) == (False, True)
    assert again.entry_id == first.entry_id
    trips.use(1, idempotency_key="run-2:cinema.render", production_id="p1")
    assert trips.balance() == FREE_TRIPS - 2
    with library.session() as session:
        account = session.get(Account, "local")
        assert account is not None
        assert account.trips_balance == FREE_TRIPS - 2, "the cached balance follows the ledger"
        uses = session.scalars(select(TripEntry.amount).where(TripEntry.kind == "use")).all()
        assert sorted(uses) == [-1, -1], "a use is stored as a negative amount"


def test_a_use_at_zero_balance_is_refused_with_the_numbers(library: Library) -> None:
    trips = LocalTrips(library, free_trips=1)
    trips.use(1, idempotency_key="first")
    with pytest.raises(NotEnoughTrips) as refused:
        trips.use(1, idempotency_key="second", production_id="p2")
    assert str(refused.value) == "this render needs 1 trip; the balance is 0"
    assert trips.balance() == 0
    with library.session() as session:
        keys = session.scalars(select(TripEntry.idempotency_key)).all()
    assert "second" not in keys, "a refused use leaves no ledger line"


def test_a_use_larger_than_the_balance_names_both(library: Library) -> None:
    trips = LocalTrips(library, free_trips=3)
    with pytest.raises(NotEnoughTrips, match=r"^this batch needs 4 trips; the balance is 3$"):
        trips.use(4, idempotency_key="k", what="this batch")
