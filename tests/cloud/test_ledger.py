"""The trips ledger on its own: credits, uses, reversals, and the database's guard."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from studio.cloud import ledger
from studio.cloud.db import Database, open_engine
from studio.cloud.models import User


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path / 'ledger.db'}"
    database = Database(open_engine(url))
    yield database
    database.close()


def _user(db: Database, trips: int = 0) -> str:
    with db.session() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        if trips:
            ledger.credit(session, user.id, trips, "grant:starter", "grant")
        return user.id


def _balances(db: Database, user_id: str) -> tuple[int, int]:
    with db.session() as session:
        cached = session.get_one(User, user_id).trips_balance
        return cached, ledger.ledger_balance(session, user_id)


def test_a_credit_applies_once_per_reference(db: Database) -> None:
    user_id = _user(db)
    with db.session() as session:
        first = ledger.credit(session, user_id, 10, "stripe:pi_1")
    with db.session() as session:
        again = ledger.credit(session, user_id, 10, "stripe:pi_1")
    assert again.id == first.id
    assert _balances(db, user_id) == (10, 10)


def test_a_use_charges_once_and_refuses_an_overdraft(db: Database) -> None:
    user_id = _user(db, trips=2)
    with db.session() as session:
        entry, repeated = ledger.use(session, user_id, 2, "use:a", trip_type="cinema")
    assert not repeated
    assert entry.balance_after == 0
    with db.session() as session:
        same, repeated = ledger.use(session, user_id, 2, "use:a", trip_type="cinema")
    assert repeated
    assert same.id == entry.id
    with pytest.raises(ledger.NotEnoughTrips, match="balance is 0"), db.session() as session:
        ledger.use(session, user_id, 1, "use:b", trip_type="cinema")
    assert _balances(db, user_id) == (0, 0)


def test_reversing_a_use_gives_the_trips_back_once(db: Database) -> None:
    user_id = _user(db, trips=3)
    with db.session() as session:
        ledger.use(session, user_id, 1, "use:a", trip_type="cinema")
    for _ in range(2):
        with db.session() as session:
            result = ledger.reverse(session, user_id, "use:a")
        assert result.entry is not None
        assert result.entry.amount == 1
        assert result.shortfall == 0
    assert _balances(db, user_id) == (3, 3)


def test_reversing_a_spent_purchase_takes_back_what_is_left(db: Database) -> None:
    user_id = _user(db)
    with db.session() as session:
        ledger.credit(session, user_id, 5, "stripe:pi_2")
        ledger.use(session, user_id, 3, "use:x", trip_type="cinema")
    with db.session() as session:
        result = ledger.reverse(session, user_id, "stripe:pi_2")
    assert result.entry is not None
    assert result.entry.amount == -2
    assert result.shortfall == 3
    assert _balances(db, user_id) == (0, 0)
    with pytest.raises(ledger.UnknownReference), db.session() as session:
        ledger.reverse(session, user_id, "stripe:never")


def test_the_database_refuses_a_negative_balance(db: Database) -> None:
    """Even code that skipped the ledger could not overdraw: the CHECK constraint stops it."""
    user_id = _user(db, trips=1)
    with pytest.raises(IntegrityError), db.session() as session:
        session.execute(update(User).where(User.id == user_id).values(trips_balance=-1))
    assert _balances(db, user_id) == (1, 1)
