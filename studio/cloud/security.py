"""Passwords, access tokens and refresh tokens.

Passwords are argon2id hashes (argon2-cffi's defaults unless tests lower the cost). Access tokens
are short-lived HS256 JWTs naming the user and the sign-in session, so logging out ends them at
once (the session is checked on each request). Refresh tokens are random strings of which only the
sha256 is stored: a leaked database cannot be replayed against the service.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from studio.services.library.models import utcnow

ALGORITHM = "HS256"
ACCESS = "access"


class InvalidToken(Exception):
    """A token that is malformed, expired, forged or of the wrong kind."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    session_id: str


class Passwords:
    """argon2id hashing with the configured cost."""

    def __init__(self, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        self._dummy = self._hasher.hash(secrets.token_hex(8))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def burn(self, password: str) -> None:
        """Spend a verification's time for an unknown email, so response times do not tell
        which emails have accounts."""
        self.verify(self._dummy, password)


class AccessTokens:
    def __init__(self, secret: str, lifetime_seconds: int) -> None:
        self._secret = secret
        self.lifetime = timedelta(seconds=lifetime_seconds)

    def issue(self, user_id: str, session_id: str, now: datetime | None = None) -> str:
        issued = now or utcnow()
        claims = {
            "sub": user_id,
            "sid": session_id,
            "typ": ACCESS,
            "iat": issued,
            "exp": issued + self.lifetime,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def read(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from None
        if claims.get("typ") != ACCESS or not isinstance(claims.get("sid"), str):
            raise InvalidToken("not an access token")
        return AccessClaims(str(claims["sub"]), str(claims["sid"]))


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
