"""The Instagram (Graph API + Facebook Login) and X (API v2) fakes; the switches are the ones
``fakes_platforms.PlatformFake`` describes."""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from tests.cloud.social.fakes import Grant, OAuthServer, Reply, Request
from tests.cloud.social.fakes_platforms import CLIENT_ID, CLIENT_SECRET, STATS, PlatformFake


def _graph_error(message: str, code: int, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


class FakeInstagram(PlatformFake):
    """Facebook Login (code + PKCE, fb_exchange_token) and the Instagram Graph API for Reels."""

    IG_USER = "17841400000000001"

    def __init__(self) -> None:
        super().__init__(OAuthServer(CLIENT_ID, scope_separator=","))
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.processing_polls = 1
        self.dead: set[str] = set()

    def kill_tokens(self) -> None:
        """Tokens past their 60 days: refused everywhere, even for an exchange."""
        self.dead |= self.oauth.access | self.oauth.expired
        self.oauth.access.clear()

    def handle(self, request: Request) -> Reply:
        route, query = (request.method, request.path), request.query
        if route == ("GET", "/dialog/oauth"):
            return self.oauth.authorize(query)
        if route == ("GET", "/oauth/access_token"):
            return self._token(query)
        token_state = self.oauth.check(request.bearer)
        if token_state != "ok":
            subcode = 463 if token_state == "expired" or request.bearer in self.dead else None
            message = "Error validating access token: Session has expired."
            return Reply(400, _graph_error(message, 190, subcode))
        if request.path.startswith("/ig-api-upload/"):
            return self._upload(request)
        if route == ("GET", "/me/accounts"):
            return Reply(
                200,
                {
                    "data": [
                        {
                            "id": "page-1",
                            "instagram_business_account": {
                                "id": self.IG_USER,
                                "username": "studio.reels",
                            },
                        }
                    ]
                },
            )
        if route == ("GET", "/me/permissions"):
            scopes = next(iter(self.oauth.refresh_tokens.values()), [])
            return Reply(200, {"data": [{"permission": s, "status": "granted"} for s in scopes]})
        if route == ("DELETE", "/me/permissions"):
            self.dead.add(request.bearer)
            self.oauth.access.discard(request.bearer)
            return Reply(200, {"success": True})
        if route == ("POST", f"/{self.IG_USER}/media"):
            return self._container(request)
        if route == ("POST", f"/{self.IG_USER}/media_publish"):
            return self._publish(query.get("creation_id", ""))
        node = request.path.strip("/").split("/")
        if request.method == "GET" and node[0] in self.containers and len(node) == 1:
            return self._container_status(node[0])
        if request.method == "GET" and node[0] in self.media:
            if len(node) == 2 and node[1] == "insights":
                return self._insights(query.get("metric", "").split(","))
            return Reply(200, {"id": node[0], "permalink": self.media[node[0]]["permalink"]})
        message = f"Unsupported get request. Object with ID '{node[0]}' does not exist"
        return Reply(400, _graph_error(message, 100, 33))

    def _token(self, query: dict[str, str]) -> Reply:
        if query.get("client_id") != CLIENT_ID or query.get("client_secret") != CLIENT_SECRET:
            return Reply(400, _graph_error("Error validating client secret.", 1))
        if query.get("grant_type") == "fb_exchange_token":
            old = query.get("fb_exchange_token", "")
            if old in self.dead or self.oauth.check(old) == "invalid":
                return Reply(400, _graph_error("Error validating access token.", 190, 463))
            scopes = next(iter(self.oauth.refresh_tokens.values()), [])
            grant: Grant | str = self.oauth._issue(scopes)
        else:
            grant = self.oauth.exchange(query)
        if isinstance(grant, str):
            return Reply(400, _graph_error("Invalid verification code format.", 100, 36007))
        return Reply(
            200, {"access_token": grant.access_token, "token_type": "bearer", "expires_in": 5183944}
        )

    def _container(self, request: Request) -> Reply:
        query = request.query
        if self._take_rate_limit():
            usage = {
                self.IG_USER: [
                    {
                        "type": "instagram",
                        "call_count": 100,
                        "total_cputime": 1,
                        "total_time": 1,
                        "estimated_time_to_regain_access": 1,
                    }
                ]
            }
            return Reply(
                400,
                _graph_error("Application request limit reached", 4),
                {"X-Business-Use-Case-Usage": json.dumps(usage)},
            )
        if self.reject_reason:
            return Reply(400, _graph_error(self.reject_reason, 352, 2207026))
        if query.get("media_type") != "REELS" or query.get("upload_type") != "resumable":
            return Reply(400, _graph_error("Invalid parameter", 100))
        container = f"178{secrets.randbelow(10**14):014d}"
        self.containers[container] = {
            "caption": query.get("caption", ""),
            "data": b"",
            "status_code": "IN_PROGRESS",
            "polls": 0,
        }
        uri = f"{self.url}/ig-api-upload/v21.0/{container}"
        return Reply(200, {"id": container, "uri": uri})

    def _upload(self, request: Request) -> Reply:
        container = self.containers.get(request.path.rsplit("/", 1)[-1])
        if container is None or request.headers.get("offset") != "0":
            return Reply(400, {"debug_info": {"type": "ProcessingFailedError", "message": "bad"}})
        if int(request.headers.get("file_size", "-1")) != len(request.body):
            return Reply(400, {"debug_info": {"type": "PartialRequestError", "message": "size"}})
        container["data"] = request.body
        return Reply(200, {"success": True, "message": "Upload successful."})

    def _container_status(self, container_id: str) -> Reply:
        container = self.containers[container_id]
        if container["status_code"] == "IN_PROGRESS" and container["data"]:
            container["polls"] += 1
            if container["polls"] > self.processing_polls:
                container["status_code"] = "FINISHED"
        code = container["status_code"]
        return Reply(200, {"status_code": code, "status": code, "id": container_id})

    def _publish(self, container_id: str) -> Reply:
        container = self.containers.get(container_id)
        if container is None or container["status_code"] != "FINISHED":
            return Reply(400, _graph_error("Media ID is not available", 9007, 2207027))
        container["status_code"] = "PUBLISHED"
        media_id = f"179{secrets.randbelow(10**14):014d}"
        self.media[media_id] = {
            "permalink": f"https://www.instagram.com/reel/{media_id}/",
            "caption": container["caption"],
        }
        self.published.append(self.media[media_id])
        return Reply(200, {"id": media_id})

    def _insights(self, metrics: list[str]) -> Reply:
        values = {**STATS, "ig_reels_video_view_total_time": 98_500}
        return Reply(
            200,
            {
                "data": [
                    {
                        "name": name,
                        "period": "lifetime",
                        "values": [{"value": values[name]}],
                        "title": name,
                        "id": f"x/insights/{name}/lifetime",
                    }
                    for name in metrics
                    if name in values
                ]
            },
        )


class FakeX(PlatformFake):
    """X OAuth 2.0 (PKCE, rotating refresh tokens), v2 media upload, POST/GET /2/tweets."""

    def __init__(self) -> None:
        super().__init__(OAuthServer(CLIENT_ID, rotate_refresh_tokens=True))
        self.media: dict[str, dict[str, Any]] = {}
        self.tweets: dict[str, dict[str, Any]] = {}

    def handle(self, request: Request) -> Reply:
        route = (request.method, request.path)
        if route == ("GET", "/i/oauth2/authorize"):
            return self.oauth.authorize(request.query)
        if route == ("POST", "/2/oauth2/token"):
            return self._token(request.form())
        if route == ("POST", "/2/oauth2/revoke"):
            self.oauth.revoke(request.form().get("token", ""))
            return Reply(200, {"revoked": True})
        if self.oauth.check(request.bearer) != "ok":
            return Reply(
                401,
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        if route == ("GET", "/2/users/me"):
            return Reply(
                200, {"data": {"id": "2244994945", "name": "Studio", "username": "studio"}}
            )
        if route == ("POST", "/2/media/upload/initialize"):
            return self._init(request.json())
        match = re.fullmatch(r"/2/media/upload/(\d+)/(append|finalize)", request.path)
        if match and match.group(1) in self.media:
            media = self.media[match.group(1)]
            if match.group(2) == "append":
                parts = request.multipart()
                media["segments"][int(parts["segment_index"])] = parts["media"]
                return Reply(200, {"data": {"expires_at": int(time.time()) + 86400}})
            data = b"".join(media["segments"][i] for i in sorted(media["segments"]))
            if len(data) != media["total"]:
                return Reply(400, _x_problem("Invalid Request", "segments do not add up"))
            media["state"] = "pending"
            return Reply(
                200,
                {
                    "data": {
                        "id": match.group(1),
                        "media_key": f"7_{match.group(1)}",
                        "size": len(data),
                        "expires_after_secs": 86400,
                        "processing_info": {"state": "pending", "check_after_secs": 1},
                    }
                },
            )
        if route == ("GET", "/2/media/upload") and request.query.get("command") == "STATUS":
            media = self.media[request.query["media_id"]]
            media["state"] = "succeeded"
            info = {"state": "succeeded", "progress_percent": 100}
            return Reply(200, {"data": {"id": request.query["media_id"], "processing_info": info}})
        if route == ("POST", "/2/tweets"):
            return self._tweet(request.json())
        match = re.fullmatch(r"/2/tweets/(\d+)", request.path)
        if match:
            return self._get_tweet(match.group(1), request.query.get("tweet.fields", ""))
        return Reply(404, _x_problem("Not Found Error", f"no route {route}"))

    def _token(self, form: dict[str, str]) -> Reply:
        if form.get("client_id") != CLIENT_ID:
            return Reply(401, {"error": "unauthorized_client", "error_description": "Missing"})
        if form.get("grant_type") == "refresh_token":
            grant = self.oauth.refresh(form.get("refresh_token", ""))
        else:
            grant = self.oauth.exchange(form)
        if isinstance(grant, str):
            return Reply(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Value passed for the token was invalid.",
                },
            )
        return Reply(
            200,
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": grant.access_token,
                "scope": " ".join(grant.scopes),
                "refresh_token": grant.refresh_token,
            },
        )

    def _init(self, body: dict[str, Any]) -> Reply:
        if self._take_rate_limit():
            reset = str(int(time.time()) + 1)
            return Reply(
                429,
                {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                {
                    "x-rate-limit-limit": "17",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": reset,
                },
            )
        if self.reject_reason:
            return Reply(400, _x_problem("Invalid Request", self.reject_reason))
        media_id = str(1_880_000_000_000_000_000 + secrets.randbelow(10**12))
        self.media[media_id] = {
            "total": body["total_bytes"],
            "type": body["media_type"],
            "category": body.get("media_category"),
            "segments": {},
            "state": None,
        }
        return Reply(
            200,
            {"data": {"id": media_id, "media_key": f"7_{media_id}", "expires_after_secs": 86400}},
        )

    def _tweet(self, body: dict[str, Any]) -> Reply:
        ids = body.get("media", {}).get("media_ids", [])
        if any(self.media.get(i, {}).get("state") != "succeeded" for i in ids):
            return Reply(400, _x_problem("Invalid Request", "Your media IDs are invalid."))
        tweet_id = str(1_900_000_000_000_000_000 + secrets.randbelow(10**12))
        self.tweets[tweet_id] = {"id": tweet_id, "text": body["text"], "media_ids": ids}
        self.published.append(self.tweets[tweet_id])
        return Reply(
            201,
            {"data": {"id": tweet_id, "text": body["text"], "edit_history_tweet_ids": [tweet_id]}},
        )

    def _get_tweet(self, tweet_id: str, fields: str) -> Reply:
        tweet = self.tweets.get(tweet_id)
        if tweet is None:
            return Reply(
                200,
                {
                    "errors": [
                        {
                            "value": tweet_id,
                            "resource_type": "tweet",
                            "title": "Not Found Error",
                            "detail": f"Could not find tweet with id: [{tweet_id}].",
                        }
                    ]
                },
            )
        data: dict[str, Any] = {"id": tweet_id, "text": tweet["text"]}
        if "public_metrics" in fields:
            data["public_metrics"] = {
                "retweet_count": 5,
                "reply_count": STATS["comments"],
                "like_count": STATS["likes"],
                "quote_count": 3,
                "bookmark_count": 1,
                "impression_count": STATS["views"],
            }
        return Reply(200, {"data": data})


def _x_problem(title: str, detail: str) -> dict[str, Any]:
    return {
        "errors": [{"message": detail}],
        "title": title,
        "detail": detail,
        "type": "https://api.x.com/2/problems/invalid-request",
    }
