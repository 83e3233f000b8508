"""Trips, the credits a render spends: one interface, charged through the Studio cloud service.

``cinema.render`` and ``shorts.render_variants`` charge before they start, with an idempotency
key that stays the same across retries and resumes, so a run costs what it costs once.

One code path: on the desktop (and the CLI) every charge goes through the bundled cloud client
(``CloudTrips``) to the service -- the embedded one on 127.0.0.1 when no cloud URL is configured
(``studio.services.embedded``), else the configured one. The service's own workers run the
same job functions in per-user workspaces; those renders were paid for at ``/run``, so their
workspaces are bound to a trips account that records the run's charge instead of charging again
(``studio.cloud.workers.PrepaidTrips``, bound with ``bind_trips``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from studio.services.cloud_client import (
    AuthError,
    CloudClient,
    CloudError,
    NotFound,
    PaymentRequired,
)
from studio.services.jobs.context import JobRefused
from studio.services.library.models import Production, Shorts

if TYPE_CHECKING:
    from studio.cloud.schemas import Me
    from studio.services.library.db import Library

_HEADER_KEY = re.compile(r"[\x21-\x7e]{1,200}")
LINKS_FILE = "cloud-links.json"
"""Which cloud record a local production or shorts batch is charged against (in the data
folder, beside the library)."""


class NotEnoughTrips(JobRefused):
    """The balance is short; the message says how many are needed and how many there are."""

    def __init__(self, needed: int, balance: int, what: str = "this render") -> None:
        self.needed = needed
        self.balance = balance
        noun = "trip" if needed == 1 else "trips"
        super().__init__(f"{what} needs {needed} {noun}; the balance is {balance}")


class TripsUnavailable(JobRefused):
    """The trips account cannot be reached or read (offline, signed out); the message says why
    in words the app shows as they are."""

    def __init__(self, message: str, *, signed_out: bool = False) -> None:
        super().__init__(message)
        self.signed_out = signed_out


@dataclass(frozen=True)
class TripUse:
    """One charge as recorded; ``repeated`` when the charge was made before this call."""

    entry_id: str
    amount: int
    idempotency_key: str
    production_id: str | None
    shorts_id: str | None
    created_at: datetime
    repeated: bool = False


class Trips(Protocol):
    def account_label(self) -> str:
        """Whose trips these are, for the top bar ("Local account" or an email)."""
        ...

    def balance(self) -> int: ...

    def require(self, uses: int, what: str) -> None:
        """Raise NotEnoughTrips unless ``uses`` more renders can be paid for."""
        ...

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        """Charge once per ``idempotency_key``; raise NotEnoughTrips when short."""
        ...


class CloudTrips:
    """Trips of the signed-in account of a Studio cloud (embedded or configured).

    The service prices a use by its type (``cinema`` for a production, ``shorts_bundle`` for a
    short) and charges each Idempotency-Key once. The service only charges against its own
    records, so each local production or shorts batch gets one cloud record on its first
    charge, remembered in ``cloud-links.json`` (per user) so every retry of a key sends the same
    request. ``repeated`` is always False here: the service answers a repeated key with the
    first answer and does not say it was a repeat.
    """

    def __init__(self, client: CloudClient, library: Library, label: str | None = None) -> None:
        self.client = client
        self.library = library
        self.label = label
        self._links = _Links(Path(library.data_dir) / LINKS_FILE)

    def account_label(self) -> str:
        if self.label is not None:
            return self.label
        try:
            stored = self.client.session()
        except CloudError as error:  # no usable keyring to hold the sign-in
            raise TripsUnavailable(error.message, signed_out=True) from None
        if stored is not None and stored.email:
            return stored.email
        return self._me().user.email

    def balance(self) -> int:
        return self._me().trips_balance

    def require(self, uses: int, what: str) -> None:
        balance = self.balance()
        if balance < uses:
            raise NotEnoughTrips(uses, balance, what)

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        kind: Literal["production", "shorts"] = "shorts" if shorts_id else "production"
        local_id = shorts_id or production_id
        if not local_id:
            raise ValueError("a use of trips names the production or the shorts batch it pays")
        try:
            user_id = self._me().user.id
            target = self._links.get(user_id, kind, local_id) or self._link(user_id, kind, local_id)
            trip_type: Literal["cinema", "shorts_bundle"] = (
                "shorts_bundle" if kind == "shorts" else "cinema"
            )
            try:
                result = self.client.trips_use(target, trip_type, _header_key(idempotency_key))
            except NotFound:  # the cloud record is gone (a reset service): link a new one
                target = self._link(user_id, kind, local_id)
                result = self.client.trips_use(target, trip_type, _header_key(idempotency_key))
        except PaymentRequired as short:
            balance = short.balance if short.balance is not None else self._balance_or(0)
            raise NotEnoughTrips(short.needed or amount, balance, what) from None
        except CloudError as error:
            raise TripsUnavailable(
                f"the trips could not be charged: {error.message}",
                signed_out=isinstance(error, AuthError),
            ) from None
        return TripUse(
            entry_id=result.entry_id,
            amount=result.trips_used,
            idempotency_key=idempotency_key,
            production_id=production_id,
            shorts_id=shorts_id,
            created_at=result.created_at,
        )

    def _me(self) -> Me:
        try:
            return self.client.me()
        except CloudError as error:
            raise TripsUnavailable(error.message, signed_out=isinstance(error, AuthError)) from None

    def _balance_or(self, fallback: int) -> int:
        try:
            return self.balance()
        except TripsUnavailable:
            return fallback

    def _link(self, user_id: str, kind: Literal["production", "shorts"], local_id: str) -> str:
        """Create the cloud record a local production or batch is charged against."""
        with self.library.session(readonly=True) as session:
            row: Production | Shorts | None = (
                session.get(Production, local_id)
                if kind == "production"
                else session.get(Shorts, local_id)
            )
            title = (row.title if row is not None else "") or f"Desktop {kind} {local_id}"
        if kind == "production":
            cloud_id = self.client.create_production(title[:300]).id
        else:
            cloud_id = self.client.create_shorts("idea", {"text": title}, title[:300]).id
        self._links.put(user_id, kind, local_id, cloud_id)
        return cloud_id


def _header_key(key: str) -> str:
    """``key`` as an Idempotency-Key the service accepts (1 to 200 visible ASCII characters):
    as it is when it fits, else its digest, which is as stable across retries as the key."""
    if _HEADER_KEY.fullmatch(key):
        return key
    return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()


class _Links:
    """A small JSON map, written whole through a temp file so it is never half-written."""

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, user_id: str, kind: str, local_id: str) -> str | None:
        with self._lock:
            return self._read().get(f"{user_id}:{kind}:{local_id}")

    def put(self, user_id: str, kind: str, local_id: str, cloud_id: str) -> None:
        with self._lock:
            links = self._read()
            links[f"{user_id}:{kind}:{local_id}"] = cloud_id
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    json.dump(links, stream, indent=1, sort_keys=True)
                os.replace(temp, self.path)
            finally:
                Path(temp).unlink(missing_ok=True)


class NoTrips:
    """The account that could not be opened (the embedded service failed to start): every call
    raises TripsUnavailable with the reason, so a render says it instead of retrying."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def account_label(self) -> str:
        raise TripsUnavailable(self.reason)

    def balance(self) -> int:
        raise TripsUnavailable(self.reason)

    def require(self, uses: int, what: str) -> None:
        raise TripsUnavailable(self.reason)

    def use(
        self,
        amount: int,
        *,
        idempotency_key: str,
        production_id: str | None = None,
        shorts_id: str | None = None,
        what: str = "this render",
    ) -> TripUse:
        raise TripsUnavailable(self.reason)


TripsFactory = Callable[["Library"], Trips]


def _desktop_trips(library: Library) -> Trips:
    """The signed-in cloud account: the configured cloud, else the embedded service."""
    from studio.services.embedded import desktop_trips  # noqa: PLC0415  (loads FastAPI: on demand)

    return desktop_trips(library)


_chosen: dict[str, TripsFactory] = {"factory": _desktop_trips}
_bound: weakref.WeakKeyDictionary[Library, Trips] = weakref.WeakKeyDictionary()


def set_trips_provider(factory: TripsFactory | None) -> None:
    """Choose the account every render job charges (None: back to the desktop's cloud)."""
    _chosen["factory"] = factory or _desktop_trips


def bind_trips(library: Library, trips: Trips) -> None:
    """Charge the jobs of this one library to ``trips`` (the cloud's per-user workspaces),
    whatever the process-wide provider is."""
    _bound[library] = trips


def trips_for(library: Library) -> Trips:
    """The account the render jobs of ``library`` charge."""
    bound = _bound.get(library)
    return bound if bound is not None else _chosen["factory"](library)
