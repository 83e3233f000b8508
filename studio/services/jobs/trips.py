"""Trips, the credits a render spends: a small interface, and a local ledger behind it.

``cinema.render`` and ``shorts.render_variants`` charge before they start, with an idempotency
key that stays the same across retries and resumes, so a run costs what it costs once. The cloud
account will implement ``Trips`` too; until then ``LocalTrips`` keeps the ledger in the library.

The local balance is the plain sum of the signed ledger (grants, purchases and refunds are stored
positive, uses negative).
A fresh library grants ``FREE_TRIPS`` once, under a fixed key, so opening it twice never grants
twice. The Account row caches the balance for quick display and guards it: a charge lowers it
only where it stays at or above zero, in the same transaction as the ledger entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studio.services.jobs.context import JobRefused
from studio.services.library.models import LOCAL_ACCOUNT_ID, Account, TripEntry, utcnow

if TYPE_CHECKING:
    from studio.services.library.db import Library

FREE_TRIPS = 10
"""Trips a new local library starts with, so the first films need no account."""
GRANT_KEY = "local:free-grant"


class NotEnoughTrips(JobRefused):
    """The balance is short; the message says how many are needed and how many there are."""

    def __init__(self, needed: int, balance: int, what: str = "this render") -> None:
        self.needed = needed
        self.balance = balance
        noun = "trip" if needed == 1 else "trips"
        super().__init__(f"{what} needs {needed} {noun}; the balance is {balance}")


@dataclass(frozen=True)
class TripUse:
    """One charge as recorded; ``repeated`` when the key had been charged before."""

    entry_id: str
    amount: int
    idempotency_key: str
    production_id: str | None
    shorts_id: str | None
    created_at: datetime
    repeated: bool = False


class Trips(Protocol):
    def balance(self) -> int: ...

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        """Charge ``amount`` once per ``idempotency_key``; raise NotEnoughTrips when short."""
        ...


class LocalTrips:
    """Trips from the ledger in the local library."""

    def __init__(self, library: Library, free_trips: int = FREE_TRIPS) -> None:
        self.library = library
        self.free_trips = free_trips

    def balance(self) -> int:
        with self.library.session() as session:
            self._grant_once(session)
            return _ledger_balance(session)

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        if amount < 1:
            raise ValueError(f"a use of trips needs a positive amount, not {amount}")
        with self.library.session() as session:
            earlier = _entry(session, idempotency_key)
            if earlier is not None:
                return _use_of(earlier, repeated=True)
            self._grant_once(session)
            charged = session.execute(
                update(Account)
                .where(Account.id == LOCAL_ACCOUNT_ID, Account.trips_balance >= amount)
                .values(trips_balance=Account.trips_balance - amount, updated_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if charged.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise NotEnoughTrips(amount, _ledger_balance(session), what)
            entry = TripEntry(
                kind="use",
                amount=-amount,
                production_id=production_id,
                shorts_id=shorts_id,
                idempotency_key=idempotency_key,
            )
            session.add(entry)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raced = _entry(session, idempotency_key)
                if raced is None:
                    raise
                return _use_of(raced, repeated=True)
            return _use_of(entry)

    def _grant_once(self, session: Session) -> None:
        """Create the local account with its free grant, once per library."""
        if _entry(session, GRANT_KEY) is not None:
            return
        account = session.get(Account, LOCAL_ACCOUNT_ID)
        if account is None:
            account = Account(id=LOCAL_ACCOUNT_ID, trips_balance=0)
            session.add(account)
            session.flush()
        session.add(TripEntry(kind="grant", amount=self.free_trips, idempotency_key=GRANT_KEY))
        account.trips_balance = (account.trips_balance or 0) + self.free_trips
        try:
            session.commit()
        except IntegrityError:
            session.rollback()


def _entry(session: Session, key: str) -> TripEntry | None:
    return session.scalar(select(TripEntry).where(TripEntry.idempotency_key == key))


def _ledger_balance(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(TripEntry.amount), 0))) or 0)


def _use_of(entry: TripEntry, repeated: bool = False) -> TripUse:
    return TripUse(
        entry_id=entry.id,
        amount=abs(entry.amount),
        idempotency_key=entry.idempotency_key or "",
        production_id=entry.production_id,
        shorts_id=entry.shorts_id,
        created_at=entry.created_at,
        repeated=repeated,
    )


TripsFactory = Callable[["Library"], Trips]
_chosen: dict[str, TripsFactory] = {"factory": LocalTrips}


def set_trips_provider(factory: TripsFactory) -> None:
    """Choose the account the render jobs charge (the cloud client sets its own when signed in)."""
    _chosen["factory"] = factory


def trips_for(library: Library) -> Trips:
    """The account the render jobs charge: the local ledger unless a provider was set."""
    return _chosen["factory"](library)
