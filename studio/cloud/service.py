"""What the routes share: settings, the database, hashers, limiters; and the caller's identity.

One ``Service`` per app, kept on ``app.state``. Routes open their own transactions
(``with service.db.session() as session``) so it is plain where each one commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from studio.cloud.config import CloudSettings
from studio.cloud.db import Database
from studio.cloud.errors import ApiError
from studio.cloud.models import AuthSession
from studio.cloud.ratelimit import RateLimiter
from studio.cloud.security import AccessTokens, InvalidToken, Passwords
from studio.cloud.stores import Stores


@dataclass
class Service:
    settings: CloudSettings
    db: Database
    passwords: Passwords
    access_tokens: AccessTokens
    login_limit: RateLimiter
    signup_limit: RateLimiter
    stores: Stores

    @classmethod
    def create(cls, settings: CloudSettings, db: Database) -> Service:
        window = settings.rate_window_seconds
        return cls(
            settings=settings,
            db=db,
            passwords=Passwords(settings.password_time_cost, settings.password_memory_kib),
            access_tokens=AccessTokens(settings.signing_secret(), settings.access_token_seconds),
            login_limit=RateLimiter(settings.login_attempts, window),
            signup_limit=RateLimiter(settings.signup_attempts, window),
            stores=Stores.create(settings),
        )


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


@dataclass(frozen=True)
class Caller:
    """The signed-in user of this request and the sign-in session it came through."""

    user_id: str
    session_id: str


_bearer = HTTPBearer(auto_error=False, description="The access token from /auth/login")


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def get_caller(
    service: Annotated[Service, Depends(get_service)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller from the bearer token, whose sign-in must not have been logged out."""
    if credentials is None:
        raise unauthorized("sign in first: this needs an access token")
    try:
        claims = service.access_tokens.read(credentials.credentials)
    except InvalidToken:
        raise unauthorized("the access token is invalid or expired") from None
    with service.db.session() as session:
        signed_in = session.get(AuthSession, claims.session_id)
        if signed_in is None or signed_in.revoked_at is not None:
            raise unauthorized("this sign-in has ended; sign in again")
        if signed_in.user_id != claims.user_id:
            raise unauthorized("the access token is invalid or expired")
    return Caller(claims.user_id, claims.session_id)


ServiceDep = Annotated[Service, Depends(get_service)]
CallerDep = Annotated[Caller, Depends(get_caller)]
