"""PKCE (RFC 7636) and OAuth ``state`` values, shared by the desktop and the fakes in tests.

A desktop app cannot keep a client secret, so the authorisation code is bound to a one-time
verifier: the authorisation URL carries ``BASE64URL(SHA256(verifier))`` and only the holder of the
verifier can exchange the code (S256; ``plain`` protects nothing and is not offered).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

METHOD = "S256"
VERIFIER_BYTES = 48
"""64 characters once base64url-encoded: inside RFC 7636's 43..128, with 384 bits of entropy."""
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def make_verifier() -> str:
    """A fresh high-entropy ``code_verifier`` (unreserved characters only)."""
    return secrets.token_urlsafe(VERIFIER_BYTES)


def challenge_for(verifier: str) -> str:
    """The S256 ``code_challenge`` of ``verifier``: unpadded base64url of its SHA-256."""
    if not _VERIFIER.fullmatch(verifier):
        raise ValueError("code_verifier must be 43-128 characters of [A-Za-z0-9-._~]")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify(verifier: str, challenge: str) -> bool:
    """Whether ``verifier`` is the one ``challenge`` was made from (a token endpoint's check)."""
    try:
        expected = challenge_for(verifier)
    except ValueError:
        return False
    return hmac.compare_digest(expected, challenge)


def make_state() -> str:
    """An unguessable ``state`` that ties the redirect to the request we started (CSRF)."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class PkcePair:
    """A verifier kept by the app and the challenge sent in the authorisation URL."""

    verifier: str
    challenge: str
    method: str = METHOD

    @classmethod
    def new(cls) -> PkcePair:
        verifier = make_verifier()
        return cls(verifier, challenge_for(verifier))
