"""What the desktop needs before it can post, and what the platforms call back.

``GET /social/platforms`` says which platforms this service can connect (it holds the client
registrations), ``POST /social/authorizations`` builds the authorisation URL for the desktop's
PKCE loopback flow (the client id never leaves the service), ``POST /social/videos`` takes the
desktop's render to publish. The webhooks answer the platforms' subscription handshakes (Meta's
``hub.challenge``, X's CRC) on GET and their notifications on POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studio.cloud.errors import ApiError, not_found
from studio.cloud.service import CallerDep, ServiceDep
from studio.cloud.social.adapters import ADAPTERS
from studio.cloud.social.models import PLATFORMS, SocialVideo
from studio.cloud.social.routes import RuntimeDep, adapter_for, error_responses
from studio.cloud.social.scheduler import PLATFORM_NAMES
from studio.cloud.social.schemas import (
    AuthorizationCreate,
    AuthorizationOut,
    PlatformOut,
    VideoOut,
    WebhookAck,
)
from studio.cloud.social.videos import NotAVideo, TooLarge

router = APIRouter(tags=["social"])


@router.get("/social/platforms", responses=error_responses(401))
def list_platforms(caller: CallerDep, runtime: RuntimeDep) -> list[PlatformOut]:
    """Every platform, and whether this service can connect it (``reason`` says what to set)."""
    answer = []
    for platform in PLATFORMS:
        problem = runtime.platform_problem(platform)
        answer.append(
            PlatformOut(
                platform=platform,
                name=PLATFORM_NAMES[platform],
                configured=problem is None,
                reason=problem,
            )
        )
    return answer


@router.post("/social/authorizations", responses=error_responses(401, 422, 503))
def authorization_url(
    body: AuthorizationCreate, caller: CallerDep, runtime: RuntimeDep
) -> AuthorizationOut:
    """The URL to open in the browser for the desktop's PKCE flow, with this service's client id.
    The desktop keeps the verifier and ``state`` and then calls ``POST /social/accounts``."""
    adapter = adapter_for(runtime, body.platform)
    url = adapter.authorization_url(body.state, body.code_challenge, body.redirect_uri)
    return AuthorizationOut(platform=body.platform, authorize_url=url)


def _video_out(row: SocialVideo) -> VideoOut:
    return VideoOut(
        id=row.id, bytes=row.size_bytes, sha256=row.sha256, duration_seconds=row.duration_seconds
    )


def _owned_video(session: Session, owner_id: str, sha256: str) -> SocialVideo | None:
    query = select(SocialVideo).where(
        SocialVideo.owner_id == owner_id, SocialVideo.sha256 == sha256
    )
    return session.scalars(query).one_or_none()


@router.post(
    "/social/videos",
    status_code=201,
    responses={200: {"model": VideoOut}, **error_responses(401, 413, 422)},
)
def upload_video(
    response: Response,
    caller: CallerDep,
    service: ServiceDep,
    runtime: RuntimeDep,
    file: Annotated[UploadFile, File(description="The rendered video (MP4, MOV or WebM)")],
) -> VideoOut:
    """Keep a video to publish (limit: ``upload_max_bytes``). 201 with a new id; the same bytes
    uploaded again by the same user answer 200 with the id they already have."""
    store = runtime.videos
    try:
        received = store.receive(
            caller.user_id, file.file, file.filename or "", service.settings.upload_max_bytes
        )
    except TooLarge as error:
        raise ApiError(413, "payload_too_large", str(error), field="file") from None
    except NotAVideo as error:
        raise ApiError(422, "validation_error", f"file: {error}", field="file") from None
    with service.db.session() as session:
        existing = _owned_video(session, caller.user_id, received.sha256)
        if existing is not None and store.path_of(existing.path).is_file():
            store.discard(received)
            response.status_code = 200
            return _video_out(existing)
    relative = store.keep(caller.user_id, received)
    try:
        with service.db.session() as session:
            row = _owned_video(session, caller.user_id, received.sha256)
            if row is None:
                row = SocialVideo(
                    owner_id=caller.user_id,
                    sha256=received.sha256,
                    size_bytes=received.size_bytes,
                    duration_seconds=received.duration_seconds,
                    path=relative,
                )
                session.add(row)
            else:  # its file had gone: the same bytes are back in place
                row.path = relative
                response.status_code = 200
            session.flush()
            return _video_out(row)
    except IntegrityError:  # the same bytes arrived twice at once: the other upload's row wins
        with service.db.session() as session:
            row = _owned_video(session, caller.user_id, received.sha256)
            if row is None:
                raise
            response.status_code = 200
            return _video_out(row)


# Webhooks


def _signature_ok(platform: str, secret: str, headers: Any, body: bytes) -> bool | None:
    """True/False where the platform documents a signature and it was sent; None otherwise."""
    if platform == "instagram" and (sent := headers.get("x-hub-signature-256")):
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(str(sent), f"sha256={digest}")
    if platform == "tiktok" and (sent := headers.get("tiktok-signature")):
        parts = dict(item.split("=", 1) for item in str(sent).split(",") if "=" in item)
        signed = f"{parts.get('t', '')}.".encode() + body
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(parts.get("s", ""), digest)
    if platform == "x" and (sent := headers.get("x-twitter-webhooks-signature")):
        return hmac.compare_digest(str(sent), x_signature(secret, body))
    return None


def x_signature(secret: str, message: bytes) -> str:
    """X's ``sha256=`` + base64(HMAC-SHA256(consumer secret, message)): its CRC answer and the
    signature of its webhook posts."""
    raw = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(raw).decode("ascii")


@router.get("/webhooks/social/{platform}", responses=error_responses(403, 404, 503))
def webhook_handshake(
    platform: str,
    runtime: RuntimeDep,
    hub_mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    hub_verify_token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    hub_challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
    crc_token: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    """A platform checks that this URL is ours before sending to it: Meta (Instagram) sends
    ``hub.mode=subscribe`` with the verify token it was given and expects ``hub.challenge``
    back as text; X sends ``crc_token`` and expects it signed with the app's consumer secret."""
    if platform == "instagram" and hub_mode is not None:
        expected = runtime.verify_tokens.get("instagram", "")
        sent = hub_verify_token or ""
        if hub_mode != "subscribe" or not expected or not hmac.compare_digest(sent, expected):
            raise ApiError(403, "forbidden", "the verify token does not match this service's")
        return PlainTextResponse(hub_challenge or "")
    if platform == "x" and crc_token is not None:
        secret = runtime.webhook_secrets.get("x")
        if not secret:
            message = "X is not set up on this service: set STUDIO_CLOUD_SOCIAL_X_CLIENT_SECRET"
            raise ApiError(503, "not_configured", message)
        return JSONResponse({"response_token": x_signature(secret, crc_token.encode())})
    raise not_found("webhook handshake")


@router.post("/webhooks/social/{platform}", responses=error_responses(401, 404))
async def platform_webhook(platform: str, request: Request, runtime: RuntimeDep) -> WebhookAck:
    """A platform says something changed. Its content is only a hint (anyone can post here):
    the sweep runs, and a signed, verified message also refreshes the metrics."""
    if platform not in ADAPTERS:
        raise not_found("platform")
    body = await request.body()
    secret = runtime.webhook_secrets.get(platform)
    verified = _signature_ok(platform, secret, request.headers, body) if secret else None
    if verified is False:
        raise ApiError(401, "unauthorized", "the webhook signature does not match")
    runtime.queue.sweep_due()
    if verified:
        runtime.queue.fetch_metrics()
    return WebhookAck(accepted=True)
