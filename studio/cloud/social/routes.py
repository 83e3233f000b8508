"""Social & growth: connected accounts, scheduled posts and per-short analytics (the platforms,
authorisation URLs, uploaded videos and webhooks are in ``platform_routes``).

Owner-scoped like the rest of the service (another user's id reads as 404). The router brings its
own lifespan: on start it builds the ``SocialRuntime`` from the environment (unless a test put one
on ``app.state.social``), publishes what came due while the service was down, and starts the
embedded queue's consumer.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.cloud import idempotency, ledger
from studio.cloud.errors import ApiError, ErrorBody, not_found
from studio.cloud.models import ShortsRow
from studio.cloud.runs import RenderQueue
from studio.cloud.service import CallerDep, Service, ServiceDep
from studio.cloud.social.adapters.base import (
    InsufficientScopes,
    RateLimited,
    SocialAdapter,
    SocialError,
    TokenSet,
    Transient,
)
from studio.cloud.social.analytics import latest_samples, per_variant
from studio.cloud.social.models import PublishRecord, SocialAccount, SocialPost, SocialVideo
from studio.cloud.social.publisher import VideoLocator
from studio.cloud.social.scheduler import PLATFORM_NAMES, NotConfigured, SocialRuntime
from studio.cloud.social.schemas import (
    AccountConnect,
    AccountOut,
    MetricsSummary,
    PlatformStatus,
    PostCreate,
    PostOut,
    ShortAnalytics,
)
from studio.cloud.social.vault import VaultError

log = logging.getLogger(__name__)


def _video_locator(app: FastAPI) -> VideoLocator:
    """A variant the service rendered itself (a shorts run), found through the render queue."""

    def locate(owner_id: str, shorts_id: str | None, variant_id: str) -> Path | None:
        queue: RenderQueue | None = app.state.render_queue
        if queue is None or shorts_id is None:
            return None
        return queue.short_video(owner_id, shorts_id, variant_id)

    return locate


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    service: Service = app.state.service
    runtime: SocialRuntime | None = getattr(app.state, "social", None)
    if runtime is None:
        runtime = SocialRuntime.from_env(service.db, service.settings.data_dir, _video_locator(app))
        app.state.social = runtime
    runtime.recover()
    runtime.queue.start()
    try:
        yield
    finally:
        runtime.close()


router = APIRouter(tags=["social"], lifespan=lifespan)


def get_runtime(request: Request) -> SocialRuntime:
    runtime: SocialRuntime | None = getattr(request.app.state, "social", None)
    if runtime is None:
        raise ApiError(503, "not_ready", "social publishing is starting; try again shortly")
    return runtime


RuntimeDep = Annotated[SocialRuntime, Depends(get_runtime)]


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


def adapter_for(runtime: SocialRuntime, platform: str) -> SocialAdapter:
    try:
        return runtime.adapters(platform)
    except NotConfigured as error:
        name = PLATFORM_NAMES.get(platform, platform)
        message = f"{name} is not set up on this service: {error}"
        raise ApiError(503, "not_configured", message, field="platform") from None


def _platform_error(error: SocialError) -> ApiError:
    if isinstance(error, RateLimited | Transient):
        return ApiError(503, "platform_unavailable", f"{error}; try again shortly")
    if isinstance(error, InsufficientScopes):
        return ApiError(400, "insufficient_scopes", f"{error}; allow every permission asked")
    return ApiError(400, "platform_refused", str(error))


# Accounts


def _account_out(row: SocialAccount, tokens: TokenSet | None) -> AccountOut:
    return AccountOut(
        id=row.id,
        platform=row.platform,
        account_id=row.account_id,
        handle=row.handle,
        status=row.status,
        status_reason=row.status_reason,
        scopes=list(tokens.scopes) if tokens else [],
        created_at=row.created_at,
    )


def _tokens(runtime: SocialRuntime, row: SocialAccount) -> TokenSet | None:
    if not row.token_ciphertext:
        return None
    try:
        return runtime.cipher.decrypt(row.token_ciphertext)
    except VaultError:
        return None


def _owned_account(session: Session, owner_id: str, account_id: str) -> SocialAccount:
    row = session.get(SocialAccount, account_id)
    if row is None or row.owner_id != owner_id:
        raise not_found("social account")
    return row


@router.post("/social/accounts", status_code=201, responses=error_responses(400, 401, 422, 503))
def connect_account(
    body: AccountConnect, caller: CallerDep, service: ServiceDep, runtime: RuntimeDep
) -> AccountOut:
    """Exchange the code from the desktop's PKCE flow here, where the client secret lives, and
    keep the tokens encrypted. Connecting the same account again replaces its tokens."""
    adapter = adapter_for(runtime, body.platform)
    try:
        tokens = adapter.exchange_code(body.code, body.code_verifier, body.redirect_uri)
    except SocialError as error:
        raise _platform_error(error) from None
    with service.db.session() as session:
        query = select(SocialAccount).where(
            SocialAccount.owner_id == caller.user_id,
            SocialAccount.platform == body.platform,
            SocialAccount.account_id == tokens.account_id,
        )
        row = session.scalars(query).one_or_none()
        if row is None:
            row = SocialAccount(
                owner_id=caller.user_id, platform=body.platform, account_id=tokens.account_id
            )
            session.add(row)
        row.handle = tokens.handle
        row.token_ciphertext = runtime.cipher.encrypt(tokens)
        row.status = "connected"
        row.status_reason = None
        session.flush()
        return _account_out(row, tokens)


@router.get("/social/accounts", responses=error_responses(401))
def list_accounts(caller: CallerDep, service: ServiceDep, runtime: RuntimeDep) -> list[AccountOut]:
    query = (
        select(SocialAccount)
        .where(SocialAccount.owner_id == caller.user_id)
        .order_by(SocialAccount.platform, SocialAccount.created_at)
    )
    with service.db.session() as session:
        return [_account_out(row, _tokens(runtime, row)) for row in session.scalars(query)]


@router.delete(
    "/social/accounts/{account_id}", status_code=204, responses=error_responses(401, 404, 503)
)
def disconnect_account(
    account_id: str, caller: CallerDep, service: ServiceDep, runtime: RuntimeDep
) -> Response:
    """Revoke the grant at the platform, forget the tokens, and fail what was still to publish
    through this account."""
    with service.db.session() as session:
        row = _owned_account(session, caller.user_id, account_id)
        tokens = _tokens(runtime, row)
        platform = row.platform
    if tokens is not None:
        try:
            adapter_for(runtime, platform).revoke(tokens)
        except (RateLimited, Transient) as error:
            raise _platform_error(error) from None
        except SocialError as error:  # already dead at the platform: nothing left to revoke
            log.info("revoking %s: %s", account_id, error)
    with service.db.session() as session:
        row = _owned_account(session, caller.user_id, account_id)
        row.status = "revoked"
        row.status_reason = "disconnected by the user"
        row.token_ciphertext = ""
        waiting = select(PublishRecord).where(
            PublishRecord.account_ref == account_id, PublishRecord.status == "pending"
        )
        for record in session.scalars(waiting):
            record.status = "failed"
            record.last_error = f"the {platform} account was disconnected"
    return Response(status_code=204)


# Posts


def _hook_of(row: ShortsRow, variant_id: str) -> str | None:
    variant = next((v for v in row.variants if v.get("variant_id") == variant_id), None)
    if variant is None:
        raise ApiError(
            422,
            "validation_error",
            "variant_id: no such variant in this shorts batch",
            field="variant_id",
        )
    rank = variant.get("hook_rank")
    hook = next((h for h in row.hooks if h.get("rank") == rank), None)
    return str(hook["text"]) if hook and hook.get("text") else None


def _post_status(records: list[PublishRecord]) -> str:
    states = {record.status for record in records}
    if states == {"published"}:
        return "published"
    if states == {"failed"}:
        return "failed"
    if "publishing" in states:
        return "publishing"
    if "published" in states:
        return "partly_published"
    return "scheduled"


def public_url(platform: str, external_id: str | None) -> str | None:
    """The post's public link where its id makes one (TikTok's publish id and Instagram's media
    id do not: their links need the post's own id or shortcode)."""
    if not external_id:
        return None
    if platform == "youtube":
        return f"https://www.youtube.com/shorts/{external_id}"
    if platform == "x":
        return f"https://x.com/i/status/{external_id}"
    return None


def _post_out(session: Session, post: SocialPost) -> PostOut:
    records = list(
        session.scalars(
            select(PublishRecord)
            .where(PublishRecord.post_id == post.id)
            .order_by(PublishRecord.platform)
        )
    )
    latest = latest_samples(session, [post.id])
    accounts = {
        row.id: row.account_id
        for row in session.scalars(
            select(SocialAccount).where(SocialAccount.id.in_([r.account_ref for r in records]))
        )
    }
    platforms = []
    for record in records:
        sample = latest.get((post.id, record.platform))
        platforms.append(
            PlatformStatus(
                platform=record.platform,
                account_id=accounts.get(record.account_ref, ""),
                status=record.status,
                external_id=record.external_id,
                attempts=record.attempts,
                error=record.last_error,
                retry_at=record.retry_at if record.status == "pending" else None,
                published_at=record.published_at,
                late=record.late,
                url=public_url(record.platform, record.external_id)
                if record.status == "published"
                else None,
                metrics=None
                if sample is None
                else MetricsSummary(
                    fetched_at=sample.fetched_at,
                    views=sample.views,
                    likes=sample.likes,
                    comments=sample.comments,
                    shares=sample.shares,
                    watch_time_seconds=sample.watch_time_seconds,
                ),
            )
        )
    return PostOut(
        id=post.id,
        shorts_id=post.shorts_id,
        variant_id=post.variant_id,
        hook=post.hook,
        video_id=post.video_id,
        title=post.title,
        caption=post.caption,
        hashtags=[str(tag) for tag in post.hashtags],
        scheduled_at=post.scheduled_at,
        status=_post_status(records),
        platforms=platforms,
        created_at=post.created_at,
    )


@router.post("/social/posts", status_code=201, responses=error_responses(400, 401, 404, 409, 422))
def create_post(
    body: PostCreate,
    caller: CallerDep,
    service: ServiceDep,
    runtime: RuntimeDep,
    idempotency_key: Annotated[str, Header(alias=idempotency.HEADER)],
) -> PostOut:
    """Schedule one variant to several platforms (each through the caller's connected account);
    a time in the past publishes at once. The same Idempotency-Key with the same body answers
    the same post (nothing is scheduled twice); with another body it is a 409."""
    key = idempotency.checked_key(idempotency_key)
    fingerprint = idempotency.request_hash("POST", "/social/posts", body.model_dump(mode="json"))
    platforms = list(dict.fromkeys(body.platforms))
    with service.db.session() as session:
        ledger.lock_user(session, caller.user_id)  # one of two racing retries creates the post
        stored = idempotency.replay(session, caller.user_id, key, fingerprint)
        if stored is not None:
            earlier = session.get(SocialPost, str(stored[1]["id"]))
            if earlier is None:
                raise not_found("post")
            return _post_out(session, earlier)
        hook = body.hook
        if body.shorts_id is not None:
            shorts = session.get(ShortsRow, body.shorts_id)
            if shorts is None or shorts.owner_id != caller.user_id:
                raise not_found("shorts")
            hook = _hook_of(shorts, body.variant_id) or hook
        if body.video_id is not None:
            video = session.get(SocialVideo, body.video_id)
            if video is None or video.owner_id != caller.user_id:
                raise not_found("video")
        accounts = {
            platform: _publishing_account(session, caller.user_id, platform)
            for platform in platforms
        }
        post = SocialPost(
            owner_id=caller.user_id,
            shorts_id=body.shorts_id,
            variant_id=body.variant_id,
            hook=hook,
            platforms=platforms,
            title=body.title,
            caption=body.caption,
            hashtags=body.hashtags,
            scheduled_at=body.scheduled_at,
            video_id=body.video_id,
        )
        session.add(post)
        session.flush()
        for platform in platforms:
            session.add(
                PublishRecord(post_id=post.id, platform=platform, account_ref=accounts[platform])
            )
        session.flush()
        created = _post_out(session, post)
        idempotency.remember(
            session, caller.user_id, key, fingerprint, 201, created.model_dump(mode="json")
        )
    runtime.queue.schedule_post(created.id)
    with service.db.session() as session:
        return _post_out(session, session.get_one(SocialPost, created.id))


def _publishing_account(session: Session, owner_id: str, platform: str) -> str:
    """The caller's most recently connected account on ``platform``; 422 when there is none."""
    query = (
        select(SocialAccount.id)
        .where(
            SocialAccount.owner_id == owner_id,
            SocialAccount.platform == platform,
            SocialAccount.status == "connected",
        )
        .order_by(SocialAccount.updated_at.desc())
    )
    found = session.scalars(query).first()
    if found is None:
        raise ApiError(
            422,
            "validation_error",
            f"platforms: connect a {platform} account first",
            field="platforms",
        )
    return found


@router.get("/social/posts", responses=error_responses(401))
def list_posts(caller: CallerDep, service: ServiceDep) -> list[PostOut]:
    """The caller's posts, latest schedule first."""
    query = (
        select(SocialPost)
        .where(SocialPost.owner_id == caller.user_id)
        .order_by(SocialPost.scheduled_at.desc(), SocialPost.id)
    )
    with service.db.session() as session:
        return [_post_out(session, post) for post in session.scalars(query)]


@router.get("/social/posts/{post_id}", responses=error_responses(401, 404))
def get_post(post_id: str, caller: CallerDep, service: ServiceDep) -> PostOut:
    with service.db.session() as session:
        post = session.get(SocialPost, post_id)
        if post is None or post.owner_id != caller.user_id:
            raise not_found("post")
        return _post_out(session, post)


# Analytics


@router.get("/analytics/shorts", responses=error_responses(401))
def shorts_analytics(caller: CallerDep, service: ServiceDep) -> list[ShortAnalytics]:
    """Per short, variant and hook: each platform's latest counts summed, most viewed first."""
    with service.db.session() as session:
        groups = per_variant(session, caller.user_id)
    return [
        ShortAnalytics(
            shorts_id=group.shorts_id,
            variant_id=group.variant_id,
            hook=group.hook,
            posts=len(group.post_ids),
            platforms=sorted(group.platforms),
            views=group.views,
            likes=group.likes,
            comments=group.comments,
            shares=group.shares,
            watch_time_seconds=group.watch_time_seconds,
            last_fetched_at=group.last_fetched_at,
        )
        for group in groups
    ]
