"""A real keyring backend that keeps secrets in memory, installed for one test at a time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from jaraco.classes.properties import classproperty
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """What a desktop keyring does, minus the desktop: the secrets live in ``self.secrets``.

    keyring considers every backend class it knows when it first picks one; this one says it
    is not viable so that only ``installed()`` ever makes it the keyring.
    """

    @classproperty
    def priority(cls) -> float:
        raise RuntimeError("installed by tests only")

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@contextmanager
def installed(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """``backend`` as the keyring for the block; the previous one comes back afterwards."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def no_keyring() -> KeyringBackend:
    """The backend keyring falls back to on a machine without one."""
    return fail.Keyring()
