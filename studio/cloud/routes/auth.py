"""Sign-up, login, token refresh and logout.

A login opens a sign-in session whose refresh tokens rotate: each exchange marks the presented
token used and issues the next. A used token presented again means it was copied, so the whole
session is revoked (the thief's and the owner's tokens alike) and both must sign in again.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Request
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studio.cloud import ledger
from studio.cloud.billing import effective_plan
from studio.cloud.errors import ApiError, ErrorBody
from studio.cloud.models import AuthSession, RefreshToken, User
from studio.cloud.ratelimit import RateLimiter
from studio.cloud.schemas import (
    AuthResult,
    Credentials,
    LoginBody,
    LogoutBody,
    RefreshBody,
    Tokens,
    UserOut,
)
from studio.cloud.security import new_refresh_token, token_hash
from studio.cloud.service import CallerDep, Service, ServiceDep, unauthorized
from studio.services.library.models import utcnow

STARTER_REFERENCE = "grant:starter"

router = APIRouter(prefix="/auth", tags=["auth"])
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorBody} for code in (401, 409, 422, 429)
}


def user_out(user: User) -> UserOut:
    plan = "pro" if effective_plan(user) == "pro" else "free"
    return UserOut(id=user.id, email=user.email, plan=plan, created_at=user.created_at)


def _limited(limiter: RateLimiter, what: str, request: Request, email: str) -> None:
    client = request.client.host if request.client else "unknown"
    wait = limiter.hit(f"{client}|{email.strip().lower()}")
    if wait is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many {what} attempts; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )


def _issue(service: Service, session: Session, user: User, session_id: str) -> Tokens:
    token = new_refresh_token()
    session.add(
        RefreshToken(
            session_id=session_id,
            token_hash=token_hash(token),
            expires_at=utcnow() + timedelta(seconds=service.settings.refresh_token_seconds),
        )
    )
    return Tokens(
        access_token=service.access_tokens.issue(user.id, session_id),
        refresh_token=token,
        expires_in=service.settings.access_token_seconds,
    )


def _sign_in(service: Service, session: Session, user: User) -> AuthResult:
    signed_in = AuthSession(user_id=user.id)
    session.add(signed_in)
    session.flush()
    return AuthResult(user=user_out(user), tokens=_issue(service, session, user, signed_in.id))


@router.post("/signup", status_code=201, responses=_ERRORS)
def signup(body: Credentials, request: Request, service: ServiceDep) -> AuthResult:
    """Create an account (with the starter trips) and sign it in."""
    _limited(service.signup_limit, "signup", request, body.email)
    password_hash = service.passwords.hash(body.password)
    try:
        with service.db.session() as session:
            if session.scalar(select(User.id).where(User.email == body.email)) is not None:
                raise _taken()
            user = User(email=body.email, password_hash=password_hash)
            session.add(user)
            session.flush()
            if service.settings.starter_trips:
                ledger.credit(
                    session, user.id, service.settings.starter_trips, STARTER_REFERENCE, "grant"
                )
            return _sign_in(service, session, user)
    except IntegrityError:
        raise _taken() from None


def _taken() -> ApiError:
    return ApiError(409, "email_taken", "an account with this email exists; log in", field="email")


@router.post("/login", responses=_ERRORS)
def login(body: LoginBody, request: Request, service: ServiceDep) -> AuthResult:
    _limited(service.login_limit, "login", request, body.email)
    email = body.email.lower()
    # The hash is checked outside any transaction: on SQLite a transaction holds the write lock,
    # and argon2 is slow on purpose.
    with service.db.session() as session:
        found = session.execute(
            select(User.id, User.password_hash).where(User.email == email)
        ).first()
    if found is None:
        service.passwords.burn(body.password)
        raise unauthorized("the email or the password is wrong")
    if not service.passwords.verify(found.password_hash, body.password):
        raise unauthorized("the email or the password is wrong")
    with service.db.session() as session:
        return _sign_in(service, session, session.get_one(User, found.id))


@router.post("/refresh", responses=_ERRORS)
def refresh(body: RefreshBody, service: ServiceDep) -> AuthResult:
    """Exchange a refresh token for a new pair; reusing an exchanged token ends the sign-in."""
    now = utcnow()
    with service.db.session() as session:
        row = session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash(body.refresh_token))
        )
        if row is None:
            raise unauthorized("the refresh token is invalid")
        signed_in = session.get(AuthSession, row.session_id)
        if signed_in is None or signed_in.revoked_at is not None:
            raise unauthorized("this sign-in has ended; sign in again")
        if row.expires_at <= now:
            raise unauthorized("the refresh token has expired; sign in again")
        claimed = session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        result: AuthResult | None = None
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            user = session.get_one(User, signed_in.user_id)
            tokens = _issue(service, session, user, signed_in.id)
            result = AuthResult(user=user_out(user), tokens=tokens)
        else:
            _revoke(session, signed_in.id, "refresh_reuse")
    # Raised after the block, so the revocation is committed rather than rolled back.
    if result is None:
        raise unauthorized("this refresh token was already used; the sign-in has been ended")
    return result


def _revoke(session: Session, session_id: str, reason: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )


@router.post("/logout", status_code=204, responses={**_ERRORS, 404: {"model": ErrorBody}})
def logout(
    caller: CallerDep,
    service: ServiceDep,
    body: Annotated[LogoutBody | None, Body()] = None,
) -> None:
    """End this sign-in (or the one ``refresh_token`` belongs to, if it is the caller's)."""
    with service.db.session() as session:
        session_id = caller.session_id
        if body is not None and body.refresh_token:
            row = session.scalar(
                select(RefreshToken).where(
                    RefreshToken.token_hash == token_hash(body.refresh_token)
                )
            )
            owner = session.get(AuthSession, row.session_id) if row is not None else None
            if owner is None or owner.user_id != caller.user_id:
                raise ApiError(404, "not_found", "no such refresh token", field="refresh_token")
            _revoke(session, owner.id, "logout")
        _revoke(session, session_id, "logout")
