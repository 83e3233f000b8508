"""The trips ledger: every change of a balance is one appended entry, never an update.

Each function takes the user's row lock first (``SELECT ... FOR UPDATE`` on Postgres; on SQLite
the transaction already holds the database's write lock from ``BEGIN IMMEDIATE``), then checks its
reference, then appends. So two charges of one user run one after the other, a reference is
applied once, and ``User.trips_balance`` (the running sum, CHECK >= 0) can never go negative.

Payments plug in through ``credit`` (kind ``purchase`` with the payment's id as reference, so a
webhook delivered twice credits once) and ``reverse`` (a refund or dispute takes a purchase back;
a failed render gives a use back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studio.cloud.models import TripEntry, User


class NotEnoughTrips(Exception):
    def __init__(self, needed: int, balance: int) -> None:
        self.needed = needed
        self.balance = balance
        noun = "trip" if needed == 1 else "trips"
        super().__init__(f"this needs {needed} {noun}; the balance is {balance}")


class UnknownReference(LookupError):
    """``reverse`` was asked to undo an entry that does not exist."""


@dataclass(frozen=True)
class Reversal:
    """What ``reverse`` did: the entry it appended (None when there was nothing left to take
    back) and the trips it could not take back because they were already spent."""

    entry: TripEntry | None
    shortfall: int


def lock_user(session: Session, user_id: str) -> User:
    """The user's row, locked until the transaction ends."""
    user = session.scalars(
        select(User)
        .where(User.id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return user


def entry_for(session: Session, user_id: str, reference: str) -> TripEntry | None:
    return session.scalar(
        select(TripEntry).where(TripEntry.user_id == user_id, TripEntry.reference == reference)
    )


def ledger_balance(session: Session, user_id: str) -> int:
    """The balance as the ledger's sum (the truth that ``User.trips_balance`` caches)."""
    total = session.scalar(
        select(func.coalesce(func.sum(TripEntry.amount), 0)).where(TripEntry.user_id == user_id)
    )
    return int(total or 0)


def _append(
    session: Session,
    user: User,
    kind: str,
    amount: int,
    reference: str,
    *,
    trip_type: str | None = None,
    production_id: str | None = None,
    shorts_id: str | None = None,
) -> TripEntry:
    user.trips_balance = user.trips_balance + amount
    entry = TripEntry(
        user_id=user.id,
        kind=kind,
        amount=amount,
        reference=reference,
        trip_type=trip_type,
        production_id=production_id,
        shorts_id=shorts_id,
        balance_after=user.trips_balance,
    )
    session.add(entry)
    session.flush()
    return entry


def credit(
    session: Session,
    user_id: str,
    amount: int,
    reference: str,
    kind: Literal["grant", "purchase"] = "purchase",
) -> TripEntry:
    """Add ``amount`` trips once per ``reference``; a repeat returns the first entry."""
    if amount < 1:
        raise ValueError(f"a credit needs a positive amount, not {amount}")
    user = lock_user(session, user_id)
    earlier = entry_for(session, user_id, reference)
    if earlier is not None:
        return earlier
    return _append(session, user, kind, amount, reference)


def use(
    session: Session,
    user_id: str,
    cost: int,
    reference: str,
    *,
    trip_type: str,
    production_id: str | None = None,
    shorts_id: str | None = None,
) -> tuple[TripEntry, bool]:
    """Charge ``cost`` once per ``reference``: the entry and whether it was charged before.

    Raises NotEnoughTrips (nothing written) when the balance is short.
    """
    if cost < 1:
        raise ValueError(f"a use needs a positive cost, not {cost}")
    user = lock_user(session, user_id)
    earlier = entry_for(session, user_id, reference)
    if earlier is not None:
        return earlier, True
    if user.trips_balance < cost:
        raise NotEnoughTrips(cost, user.trips_balance)
    entry = _append(
        session,
        user,
        "use",
        -cost,
        reference,
        trip_type=trip_type,
        production_id=production_id,
        shorts_id=shorts_id,
    )
    return entry, False


def reverse(session: Session, user_id: str, reference: str) -> Reversal:
    """Undo the entry ``reference`` once, as a ``refund`` entry.

    Undoing a use gives the trips back. Undoing a purchase takes its trips back, but only as
    many as are left: the balance never goes below zero, and the rest is the ``shortfall``
    (for the payments code to handle, say by flagging the account).
    """
    user = lock_user(session, user_id)
    original = entry_for(session, user_id, reference)
    if original is None:
        raise UnknownReference(f"no ledger entry {reference!r} for this user")
    key = f"reverse:{reference}"
    earlier = entry_for(session, user_id, key)
    if earlier is not None:
        return Reversal(earlier, max(0, original.amount + earlier.amount))
    amount = -original.amount
    shortfall = 0
    if amount < 0 and -amount > user.trips_balance:
        shortfall = -amount - user.trips_balance
        amount = -user.trips_balance
    if amount == 0:
        return Reversal(None, shortfall)
    entry = _append(
        session,
        user,
        "refund",
        amount,
        key,
        trip_type=original.trip_type,
        production_id=original.production_id,
        shorts_id=original.shorts_id,
    )
    return Reversal(entry, shortfall)
