"""Where a sign-in is kept: the system keyring, never a plain file.

One keyring entry per cloud address (service ``studio``, the same service as the API keys in
``studio.services.settings``), so tokens issued by one server are never sent to another. Access
and refresh tokens are saved together as one JSON value: refresh tokens rotate, and a crash
between two separate writes could keep a new access token beside a spent refresh token.

Without a usable keyring the sign-in is refused with ``TokenStoreUnavailable``. Unlike API keys
there is no opt-in file fallback: a session token is cheap to get again by signing in.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol

import keyring
import keyring.errors

from studio.services.cloud_client.errors import TokenStoreUnavailable
from studio.services.settings import KEYRING_SERVICE, secret_store_status

ENTRY_PREFIX = "cloud-session "


@dataclass(frozen=True)
class StoredTokens:
    """One sign-in: the tokens and, for display, whose they are."""

    access_token: str
    refresh_token: str
    email: str = ""


class TokenStore(Protocol):
    """What the client needs from a store; the app may pass its own (tests, other keyrings)."""

    def load(self) -> StoredTokens | None: ...

    def save(self, tokens: StoredTokens) -> None: ...

    def clear(self) -> None: ...


class KeyringTokenStore:
    """The sign-in for ``base_url`` in the system keyring."""

    def __init__(self, base_url: str) -> None:
        self.entry = ENTRY_PREFIX + base_url.rstrip("/")

    def _require_keyring(self) -> None:
        status = secret_store_status()
        if not status.usable:
            raise TokenStoreUnavailable(
                "cannot keep the sign-in: no system keyring is available "
                f"({status.backend}). Install or unlock a keyring (GNOME Keyring, KWallet, "
                "macOS Keychain, Windows Credential Locker) and sign in again.",
                code="no_keyring",
            )

    def load(self) -> StoredTokens | None:
        self._require_keyring()
        try:
            value = keyring.get_password(KEYRING_SERVICE, self.entry)
        except keyring.errors.KeyringError as error:
            raise _refused("read", error) from None
        if not value:
            return None
        try:
            data = json.loads(value)
            return StoredTokens(
                access_token=str(data["access_token"]),
                refresh_token=str(data["refresh_token"]),
                email=str(data.get("email", "")),
            )
        except (ValueError, KeyError, TypeError):
            return None  # an unreadable entry is no sign-in; the next login replaces it

    def save(self, tokens: StoredTokens) -> None:
        self._require_keyring()
        try:
            keyring.set_password(KEYRING_SERVICE, self.entry, json.dumps(asdict(tokens)))
        except keyring.errors.KeyringError as error:
            raise _refused("save", error) from None

    def clear(self) -> None:
        if not secret_store_status().usable:
            return  # nothing can have been saved
        try:
            keyring.delete_password(KEYRING_SERVICE, self.entry)
        except keyring.errors.PasswordDeleteError:
            return  # already signed out
        except keyring.errors.KeyringError as error:
            raise _refused("remove", error) from None


def _refused(action: str, error: Exception) -> TokenStoreUnavailable:
    return TokenStoreUnavailable(
        f"the system keyring refused to {action} the sign-in: {error}", code="keyring_refused"
    )
