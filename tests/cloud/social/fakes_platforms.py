"""The YouTube and TikTok fakes (Instagram and X: ``fakes_instagram_x.py``), each with its OAuth
endpoints and the publishing/metrics subset its adapter uses.

Switches: ``expire_tokens()`` (the next API call answers 401 until the adapter refreshes),
``rate_limit_next`` (that many publish attempts answer 429 with ``Retry-After: 1`` -- or X's
``x-rate-limit-reset``, or Meta's usage header), ``reject_reason`` (the video is refused with 400
and that reason) and, for YouTube, ``drop_upload_after`` (the connection drops after that many
bytes of the upload PUT). ``published`` lists what a user would see on the platform.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from tests.cloud.social.fakes import FakeServer, OAuthServer, Reply, Request

CLIENT_ID = "studio-client"
CLIENT_SECRET = "studio-secret"
STATS = {"views": 1234, "likes": 56, "comments": 7, "shares": 8}


class PlatformFake(FakeServer):
    def __init__(self, oauth: OAuthServer) -> None:
        super().__init__()
        self.oauth = oauth
        self.rate_limit_next = 0
        self.reject_reason: str | None = None
        self.published: list[dict[str, Any]] = []

    def expire_tokens(self) -> None:
        self.oauth.expire_tokens()

    def _take_rate_limit(self) -> bool:
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return True
        return False


class FakeYouTube(PlatformFake):
    """Google OAuth + the Data API v3 resumable upload, videos.list and channels.list."""

    def __init__(self) -> None:
        super().__init__(OAuthServer(CLIENT_ID))
        self.drop_upload_after: int | None = None
        self.fail_status_queries = 0
        """That many upload-status queries answer 503 (the worker gives up mid-upload)."""
        self.sessions: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.status_checks: dict[str, int] = {}

    def body_limit(self, request: Request) -> int | None:
        if request.method == "PUT" and self.drop_upload_after is not None:
            limit, self.drop_upload_after = self.drop_upload_after, None
            return limit
        return None

    def dropped(self, request: Request) -> None:
        with self.lock:
            self.sessions[request.query["upload_id"]]["data"] += request.body

    def handle(self, request: Request) -> Reply:
        route = (request.method, request.path)
        if route == ("GET", "/authorize"):
            return self.oauth.authorize(request.query)
        if route == ("POST", "/token"):
            return self._token(request.form())
        if route == ("POST", "/revoke"):
            if self.oauth.revoke(request.form().get("token", "")):
                return Reply(200, {})
            return Reply(400, {"error": "invalid_token", "error_description": "Token expired"})
        if (error := self._auth(request)) is not None:
            return error
        if route == ("GET", "/youtube/v3/channels"):
            snippet = {"title": "Studio Tests", "customUrl": "@studiotests"}
            return Reply(
                200,
                {
                    "kind": "youtube#channelListResponse",
                    "items": [{"kind": "youtube#channel", "id": "UCstudio123", "snippet": snippet}],
                },
            )
        if route == ("POST", "/upload/youtube/v3/videos"):
            return self._start(request)
        if route == ("PUT", "/upload/youtube/v3/videos"):
            return self._put(request)
        if route == ("GET", "/youtube/v3/videos"):
            return self._list(request)
        return Reply(404, _google_error(404, "notFound", "Not Found"))

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if form.get("grant_type") == "refresh_token":
            grant = self.oauth.refresh(form.get("refresh_token", ""))
        else:
            grant = self.oauth.exchange(form)
        if isinstance(grant, str):
            return Reply(400, {"error": grant, "error_description": "Bad Request"})
        body = {
            "access_token": grant.access_token,
            "expires_in": grant.expires_in,
            "scope": " ".join(grant.scopes),
            "token_type": "Bearer",
        }
        if form.get("grant_type") == "authorization_code":
            body["refresh_token"] = grant.refresh_token
        return Reply(200, body)

    def _auth(self, request: Request) -> Reply | None:
        state = self.oauth.check(request.bearer)
        if state == "ok":
            return None
        message = "Request had invalid authentication credentials. Expected OAuth 2 access token"
        return Reply(401, _google_error(401, "authError", message))

    def _start(self, request: Request) -> Reply:
        query = request.query
        if query.get("uploadType") != "resumable" or query.get("part") != "snippet,status":
            return Reply(400, _google_error(400, "invalidParameter", f"bad query {query}"))
        if self._take_rate_limit():
            body = _google_error(429, "rateLimitExceeded", "Too many requests")
            return Reply(429, body, {"Retry-After": "1"})
        if self.reject_reason:
            return Reply(400, _google_error(400, "invalidVideoMetadata", self.reject_reason))
        resource = request.json()
        upload_id = secrets.token_hex(6)
        self.sessions[upload_id] = {
            "total": int(request.headers["x-upload-content-length"]),
            "resource": resource,
            "data": b"",
            "video_id": None,
        }
        location = f"{self.url}/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}"
        return Reply(200, None, {"Location": location})

    def _put(self, request: Request) -> Reply:
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None:
            return Reply(404, _google_error(404, "notFound", "upload session not found"))
        total, content_range = session["total"], request.headers.get("content-range", "")
        if content_range == f"bytes */{total}":
            if self.fail_status_queries > 0:
                self.fail_status_queries -= 1
                return Reply(503, _google_error(503, "backendError", "Backend Error"))
            return self._progress(session)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        start = int(match.group(1)) if match else 0
        if start != len(session["data"]):
            return Reply(400, _google_error(400, "badContent", "range does not follow"))
        session["data"] += request.body
        return self._progress(session)

    def _progress(self, session: dict[str, Any]) -> Reply:
        received = len(session["data"])
        if received < session["total"]:
            headers = {"Range": f"bytes=0-{received - 1}"} if received else {}
            return Reply(308, None, headers)
        if session["video_id"] is None:
            video_id = f"yt{secrets.token_hex(4)}"
            session["video_id"] = video_id
            self.videos[video_id] = {
                "kind": "youtube#video",
                "id": video_id,
                "snippet": session["resource"]["snippet"],
                "status": {**session["resource"]["status"], "uploadStatus": "uploaded"},
                "bytes": session["data"],
            }
            self.published.append(self.videos[video_id])
        video = self.videos[session["video_id"]]
        return Reply(201, {k: v for k, v in video.items() if k != "bytes"})

    def _list(self, request: Request) -> Reply:
        items = []
        video = self.videos.get(request.query.get("id", ""))
        if video is not None:
            checks = self.status_checks.get(video["id"], 0) + 1
            self.status_checks[video["id"]] = checks
            upload = "processed" if checks > 1 else "uploaded"
            video["status"]["uploadStatus"] = upload
            parts = request.query.get("part", "").split(",")
            item: dict[str, Any] = {"kind": "youtube#video", "id": video["id"]}
            if "status" in parts:
                item["status"] = video["status"]
            if "processingDetails" in parts:
                state = "succeeded" if upload == "processed" else "processing"
                item["processingDetails"] = {"processingStatus": state}
            if "statistics" in parts:
                item["statistics"] = {
                    "viewCount": str(STATS["views"]),
                    "likeCount": str(STATS["likes"]),
                    "favoriteCount": "0",
                    "commentCount": str(STATS["comments"]),
                }
            items.append(item)
        return Reply(200, {"kind": "youtube#videoListResponse", "items": items})


def _google_error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "youtube.video", "reason": reason}],
        }
    }


def _tiktok(data: Any = None, code: str = "ok", message: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "log_id": "202611240001"}}
    if data is not None:
        body["data"] = data
    return body


class FakeTikTok(PlatformFake):
    """Login Kit OAuth v2 + the Content Posting API (Direct Post, FILE_UPLOAD) + video query."""

    def __init__(self) -> None:
        super().__init__(
            OAuthServer(
                CLIENT_ID, client_id_param="client_key", scope_separator=",", hex_challenge=True
            )
        )
        self.privacy_levels = ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]
        self.uploads: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Reply:
        route = (request.method, request.path)
        if route == ("GET", "/v2/auth/authorize/"):
            return self.oauth.authorize(request.query)
        if route == ("POST", "/v2/oauth/token/"):
            return self._token(request.form())
        if route == ("POST", "/v2/oauth/revoke/"):
            self.oauth.revoke(request.form().get("token", ""))
            return Reply(200, {})
        if request.path == "/upload/":
            return self._chunk(request)
        if self.oauth.check(request.bearer) != "ok":
            message = "The access token is invalid or not found in the request."
            return Reply(401, _tiktok(code="access_token_invalid", message=message))
        if route == ("GET", "/v2/user/info/"):
            return Reply(200, _tiktok({"user": {"open_id": "tt-open-1", "display_name": "studio"}}))
        if route == ("POST", "/v2/post/publish/creator_info/query/"):
            return Reply(
                200,
                _tiktok(
                    {
                        "creator_username": "studio",
                        "privacy_level_options": self.privacy_levels,
                        "max_video_post_duration_sec": 600,
                    }
                ),
            )
        if route == ("POST", "/v2/post/publish/video/init/"):
            return self._init(request.json())
        if route == ("POST", "/v2/post/publish/status/fetch/"):
            return self._status(request.json().get("publish_id", ""))
        if route == ("POST", "/v2/video/query/"):
            return self._query(request)
        return Reply(404, _tiktok(code="invalid_params", message=f"no route {route}"))

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_key") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Reply(401, {"error": "invalid_client", "error_description": "bad client"})
        if form.get("grant_type") == "refresh_token":
            grant = self.oauth.refresh(form.get("refresh_token", ""))
        else:
            grant = self.oauth.exchange(form)
        if isinstance(grant, str):
            return Reply(
                400, {"error": grant, "error_description": "Authorization code is expired."}
            )
        return Reply(
            200,
            {
                "access_token": grant.access_token,
                "expires_in": 86400,
                "open_id": "tt-open-1",
                "refresh_expires_in": 31536000,
                "refresh_token": grant.refresh_token,
                "scope": ",".join(grant.scopes),
                "token_type": "Bearer",
            },
        )

    def _init(self, body: dict[str, Any]) -> Reply:
        if self._take_rate_limit():
            message = "API rate limit was exceeded."
            return Reply(
                429, _tiktok(code="rate_limit_exceeded", message=message), {"Retry-After": "1"}
            )
        if self.reject_reason:
            return Reply(400, _tiktok(code="invalid_params", message=self.reject_reason))
        source = body.get("source_info", {})
        size, chunk, count = source["video_size"], source["chunk_size"], source["total_chunk_count"]
        if source.get("source") != "FILE_UPLOAD" or count != max(1, size // chunk):
            return Reply(400, _tiktok(code="invalid_params", message="bad source_info"))
        if body["post_info"]["privacy_level"] not in self.privacy_levels:
            return Reply(400, _tiktok(code="privacy_level_option_mismatch", message="privacy"))
        publish_id = f"v_pub_file~v2-1.{secrets.randbelow(10**12)}"
        upload_id = secrets.token_hex(6)
        self.uploads[publish_id] = {
            "upload_id": upload_id,
            "total": size,
            "data": b"",
            "title": body["post_info"]["title"],
            "status_checks": 0,
            "post_id": None,
        }
        return Reply(
            200,
            _tiktok(
                {
                    "publish_id": publish_id,
                    "upload_url": f"{self.url}/upload/?upload_id={upload_id}&upload_token=tok",
                }
            ),
        )

    def _chunk(self, request: Request) -> Reply:
        upload = next(
            (u for u in self.uploads.values() if u["upload_id"] == request.query.get("upload_id")),
            None,
        )
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers.get("content-range", ""))
        if upload is None or match is None:
            return Reply(404, _tiktok(code="invalid_params", message="unknown upload"))
        start, end, total = (int(group) for group in match.groups())
        if start != len(upload["data"]) or end - start + 1 != len(request.body):
            return Reply(416, _tiktok(code="invalid_params", message="range mismatch"))
        upload["data"] += request.body
        return Reply(201 if len(upload["data"]) == total else 206, None)

    def _status(self, publish_id: str) -> Reply:
        upload = self.uploads.get(publish_id)
        if upload is None:
            return Reply(400, _tiktok(code="invalid_publish_id", message="unknown publish_id"))
        data: dict[str, Any] = {"uploaded_bytes": len(upload["data"])}
        if len(upload["data"]) < upload["total"]:
            data["status"] = "PROCESSING_UPLOAD"
            return Reply(200, _tiktok(data))
        upload["status_checks"] += 1
        if upload["status_checks"] == 1:
            data["status"] = "PROCESSING_DOWNLOAD"
            return Reply(200, _tiktok(data))
        if upload["post_id"] is None:
            upload["post_id"] = 7_000_000_000_000_000_000 + secrets.randbelow(10**9)
            self.published.append(upload)
        data.update(status="PUBLISH_COMPLETE", publicaly_available_post_id=[upload["post_id"]])
        return Reply(200, _tiktok(data))

    def _query(self, request: Request) -> Reply:
        fields = request.query.get("fields", "").split(",")
        wanted = {str(v) for v in request.json()["filters"]["video_ids"]}
        counts = {
            "view_count": STATS["views"],
            "like_count": STATS["likes"],
            "comment_count": STATS["comments"],
            "share_count": STATS["shares"],
        }
        videos = [
            {"id": str(u["post_id"]), **{k: v for k, v in counts.items() if k in fields}}
            for u in self.uploads.values()
            if str(u["post_id"]) in wanted
        ]
        return Reply(200, _tiktok({"videos": videos, "cursor": 0, "has_more": False}))
