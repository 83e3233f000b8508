"""Idempotency-Key handling for the calls that spend trips, as Stripe's API does it.

The first successful answer to a key is stored with a hash of the request, in the same
transaction as the charge. A retry with the same key and the same request gets that answer again
(and is charged nothing); the same key with a different request is a 409. Failures are not
stored: nothing was charged, so a retry after buying trips may succeed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.cloud.errors import ApiError
from studio.cloud.models import IdempotencyRecord

HEADER = "Idempotency-Key"
_VALID = re.compile(r"[\x21-\x7e]{1,200}")


def checked_key(value: str) -> str:
    """The header's value; 400 naming the header when it is blank or malformed (a missing
    header is the framework's 422, as the API document says it is required)."""
    if not value.strip():
        raise ApiError(
            400,
            "idempotency_key_required",
            f"send an {HEADER} header (a unique id per attempt)",
            field=HEADER,
        )
    if not _VALID.fullmatch(value):
        raise ApiError(
            400, "bad_request", f"{HEADER}: 1 to 200 visible ASCII characters", field=HEADER
        )
    return value


def request_hash(method: str, path: str, body: Mapping[str, Any]) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def replay(
    session: Session, user_id: str, key: str, fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored answer to ``key``, or None for a new key; 409 when the request differs."""
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise ApiError(
            409,
            "idempotency_key_reused",
            f"this {HEADER} was used for a different request; use a new key",
            field=HEADER,
        )
    return record.status_code, dict(record.response)


def remember(
    session: Session,
    user_id: str,
    key: str,
    fingerprint: str,
    status: int,
    response: Mapping[str, Any],
) -> None:
    session.add(
        IdempotencyRecord(
            user_id=user_id,
            key=key,
            request_hash=fingerprint,
            status_code=status,
            response=dict(response),
        )
    )
    session.flush()
