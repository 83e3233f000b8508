"""Platform tokens encrypted at rest, and the adapters' resumable state kept in the database.

The key is Fernet's (AES-128-CBC + HMAC-SHA256). ``STUDIO_CLOUD_SOCIAL_KEY`` holds it on a server
(several, comma-separated, newest first, to rotate: old rows still decrypt); the embedded service
generates one on first use and keeps it beside its database, readable by its owner only, as it
does for its signing secret. Losing the key only means connecting the accounts again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import CursorResult, delete, func, select

from studio.cloud.db import Database
from studio.cloud.social.adapters.base import TokenSet
from studio.cloud.social.models import ResumeEntry

KEY_ENV = "STUDIO_CLOUD_SOCIAL_KEY"
KEY_FILE = "cloud-social-key"

RESUMABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "youtube": ("upload_sessions",),
    "tiktok": ("uploaded",),
    "instagram": ("containers", "published"),
    "x": ("posted",),
}
"""Each adapter's persistent maps (constructor fields keyed by the publish's idempotency key)."""


class VaultError(ValueError):
    """The key is unusable or a stored token set no longer decrypts; the message says which."""


def load_keys(data_dir: Path, environ: Mapping[str, str] | None = None) -> list[bytes]:
    """The keys from ``STUDIO_CLOUD_SOCIAL_KEY``, else the one kept in ``data_dir``."""
    raw = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
    if raw:
        return [part.strip().encode("ascii") for part in raw.split(",") if part.strip()]
    path = data_dir / KEY_FILE
    if not path.is_file():
        data_dir.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(Fernet.generate_key())
        try:
            os.link(temp, path)  # another process that created it first wins
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
    return [path.read_bytes().strip()]


class TokenCipher:
    """Encrypts a ``TokenSet`` to text for its column, and back."""

    def __init__(self, keys: list[bytes]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except (ValueError, TypeError) as error:
            raise VaultError(f"{KEY_ENV}: not a Fernet key ({error})") from None

    def encrypt(self, tokens: TokenSet) -> str:
        document = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at.isoformat() if tokens.expires_at else None,
            "scopes": list(tokens.scopes),
            "account_id": tokens.account_id,
            "handle": tokens.handle,
        }
        return self._fernet.encrypt(json.dumps(document).encode()).decode("ascii")

    def decrypt(self, ciphertext: str) -> TokenSet:
        try:
            document = json.loads(self._fernet.decrypt(ciphertext.encode("ascii")))
        except InvalidToken:
            raise VaultError("the stored tokens do not decrypt with the current key") from None
        expires = document.get("expires_at")
        return TokenSet(
            access_token=document["access_token"],
            refresh_token=document.get("refresh_token"),
            expires_at=datetime.fromisoformat(expires) if expires else None,
            scopes=tuple(document.get("scopes") or ()),
            account_id=document["account_id"],
            handle=document.get("handle"),
        )


class ResumableState(MutableMapping[str, str]):
    """One adapter map in the database; every write commits at once, so what an adapter noted
    before a worker died (an upload session) is there for the next worker."""

    def __init__(self, db: Database, slot: str) -> None:
        self.db = db
        self.slot = slot

    def __getitem__(self, key: str) -> str:
        with self.db.session() as session:
            entry = session.get(ResumeEntry, (self.slot, key))
            if entry is None:
                raise KeyError(key)
            return entry.value

    def __setitem__(self, key: str, value: str) -> None:
        with self.db.session() as session:
            entry = session.get(ResumeEntry, (self.slot, key))
            if entry is None:
                session.add(ResumeEntry(slot=self.slot, key=key, value=value))
            else:
                entry.value = value

    def __delitem__(self, key: str) -> None:
        with self.db.session() as session:
            query = delete(ResumeEntry).where(ResumeEntry.slot == self.slot, ResumeEntry.key == key)
            if cast(CursorResult[Any], session.execute(query)).rowcount == 0:
                raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        with self.db.session() as session:
            query = select(ResumeEntry.key).where(ResumeEntry.slot == self.slot)
            return iter(list(session.scalars(query)))

    def __len__(self) -> int:
        with self.db.session() as session:
            query = select(func.count()).where(ResumeEntry.slot == self.slot)
            return int(session.scalar(query) or 0)


def resumable_state(db: Database, platform: str) -> dict[str, MutableMapping[str, str]]:
    """The keyword arguments that give ``platform``'s adapter its maps in the database."""
    return {name: ResumableState(db, f"{platform}.{name}") for name in RESUMABLE_FIELDS[platform]}
