"""Refuse an upload that announces itself as too big before its body is read.

FastAPI reads a multipart body (spooling files to disk) before the route runs, so the route's own
byte count only stops a body after it has arrived. This middleware answers 413 at once when the
Content-Length already says the body is over the limit; the route still counts the bytes of
bodies sent without a length (chunked).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from studio.cloud.errors import error_response

MULTIPART_OVERHEAD = 64 * 1024
"""Room for the multipart boundaries and part headers around the file itself."""


class UploadSizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and _is_upload(scope["path"]):
            length = _content_length(scope)
            if length is not None and length > self.max_bytes + MULTIPART_OVERHEAD:
                response = error_response(
                    413,
                    "payload_too_large",
                    f"the file is over the limit of {self.max_bytes} bytes",
                    "file",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _is_upload(path: str) -> bool:
    if path.rstrip("/") == "/social/videos":
        return True
    return path.startswith("/productions/") and path.rstrip("/").endswith("/assets")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
