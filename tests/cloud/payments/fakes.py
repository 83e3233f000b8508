"""Local stand-ins for Stripe's API and Google's OAuth + Android Publisher APIs.

Each fake is a small threaded HTTP server on 127.0.0.1 that speaks the real wire format (Stripe's
form-encoded bodies and Idempotency-Key header, Google's JWT-bearer grant), so the code under test
runs its real SDK / HTTP calls against it. Fakes record what they received for the tests to check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

STRIPE_KEY = "sk_test_fake_0123456789"
ACCESS_TOKEN_PREFIX = "ya29.fake-"


class _Handler(BaseHTTPRequestHandler):
    """Routes every request to ``self.server.fake.handle``; writes its answer as JSON, or bytes
    as they are with the fake's ``content_type``."""

    def log_message(self, format: str, *args: object) -> None:
        return

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fake = self.server.fake  # type: ignore[attr-defined]
        status, answer = fake.handle(self.command, self.path, dict(self.headers), body)
        if isinstance(answer, bytes):
            data, content_type = answer, fake.content_type
        else:
            data = b"" if answer is None else json.dumps(answer).encode()
            content_type = "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _dispatch


@contextmanager
def serve(fake: Any) -> Iterator[str]:
    """Run ``fake`` on a free port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.fake = fake  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def form_to_nested(body: bytes) -> dict[str, Any]:
    """Decode Stripe's bracketed form encoding (``metadata[user_id]=u1``) into nested dicts."""
    nested: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        head, *rest = re.findall(r"[^\[\]]+", key)
        target = nested
        for part in [head, *rest][:-1]:
            target = target.setdefault(part, {})
        target[[head, *rest][-1]] = value
    return nested


def stripe_error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


@dataclass
class FakeStripe:
    """POST /v1/payment_intents as Stripe answers it, with Stripe's idempotency rules."""

    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        if headers.get("Authorization") != f"Bearer {STRIPE_KEY}":
            return 401, stripe_error("invalid_request_error", "Invalid API Key provided")
        if (method, path) != ("POST", "/v1/payment_intents"):
            return 404, stripe_error("invalid_request_error", f"Unrecognized request URL {path}")
        params = form_to_nested(body)
        with self.lock:
            self.requests.append((headers, params))
            key = headers.get("Idempotency-Key")
            if key in self.idempotent:
                first_params, status, answer = self.idempotent[key]
                if first_params != params:
                    return 400, stripe_error(
                        "idempotency_error",
                        "Keys for idempotent requests can only be used with the same parameters"
                        " they were first used with.",
                    )
                return status, answer
            status, answer = self._create(params)
            if key:
                self.idempotent[key] = (params, status, answer)
            return status, answer

    def _create(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if "amount" not in params or "currency" not in params:
            return 400, stripe_error("invalid_request_error", "Missing required param: amount.")
        intent_id = f"pi_{secrets.token_hex(12)}"
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "client_secret": f"{intent_id}_secret_{secrets.token_hex(12)}",
            "description": params.get("description"),
            "metadata": params.get("metadata", {}),
            "status": "requires_payment_method",
            "livemode": False,
        }
        self.intents[intent_id] = intent
        return 200, intent


def stripe_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """The Stripe-Signature header exactly as Stripe computes it: HMAC-SHA256 of "t.payload"."""
    signed = str(timestamp).encode() + b"." + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str = "") -> bytes:
    """A webhook body as Stripe sends it (an ``event`` object wrapping the changed resource)."""
    event = {
        "id": event_id or f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": 1_700_000_000,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }
    return json.dumps(event, indent=2).encode()


@dataclass
class FakeGoogle:
    """Google's OAuth token endpoint and Android Publisher purchases.products (get, acknowledge)."""

    purchases: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    assertions: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=list)
    issued: set[str] = field(default_factory=set)
    refuse_grants: bool = False
    voided: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 1

    def add_purchase(self, package: str, product: str, token: str, **fields: Any) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "kind": "androidpublisher#productPurchase",
            "purchaseTimeMillis": "1732400000000",
            "purchaseState": 0,
            "consumptionState": 0,
            "orderId": f"GPA.{secrets.randbelow(10**4):04d}-{secrets.randbelow(10**4):04d}",
            "purchaseType": 0,
            "acknowledgementState": 0,
            "regionCode": "US",
            **fields,
        }
        self.purchases[(package, product, token)] = resource
        return resource

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        if (method, path) == ("POST", "/token"):
            form = dict(parse_qsl(body.decode()))
            self.grant_types.append(form.get("grant_type", ""))
            self.assertions.append(form.get("assertion", ""))
            if self.refuse_grants:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Invalid JWT Signature.",
                }
            token = ACCESS_TOKEN_PREFIX + secrets.token_hex(8)
            self.issued.add(token)
            return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        url = urlsplit(path)
        if url.path.endswith("/purchases/voidedpurchases"):
            return self._voided_page(headers, dict(parse_qsl(url.query)))
        match = re.fullmatch(
            r"/androidpublisher/v3/applications/([^/]+)/purchases/products/([^/]+)"
            r"/tokens/([^/:]+)(:acknowledge)?",
            url.path,
        )
        if match is None:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        bearer = headers.get("Authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return 401, {"error": {"code": 401, "message": "Invalid Credentials"}}
        package, product, token = (unquote(part) for part in match.groups()[:3])
        resource = self.purchases.get((package, product, token))
        if resource is None:
            return 400, {"error": {"code": 400, "message": "Invalid Value"}}
        if match.group(4):
            resource["acknowledgementState"] = 1
            return 200, None
        return 200, resource

    def _voided_page(
        self, headers: dict[str, str], query: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if headers.get("Authorization", "").removeprefix("Bearer ") not in self.issued:
            return 401, {"error": {"code": 401, "message": "Invalid Credentials"}}
        start = int(query["startTime"])
        matching = [v for v in self.voided if int(v["voidedTimeMillis"]) >= start]
        offset = int(query.get("token", "0"))
        page: dict[str, Any] = {"voidedPurchases": matching[offset : offset + self.page_size]}
        if offset + self.page_size < len(matching):
            page["tokenPagination"] = {"nextPageToken": str(offset + self.page_size)}
        return 200, page
