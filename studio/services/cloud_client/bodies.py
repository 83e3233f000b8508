"""Building requests the way the service reads them: bodies checked by the service's own models,
path segments quoted, fresh idempotency keys."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from studio.services.cloud_client.errors import ValidationFailed


def new_idempotency_key() -> str:
    """A fresh key for one spending or posting action; keep it to retry that action later."""
    return uuid.uuid4().hex


def body_of(model: type[BaseModel], **values: Any) -> dict[str, Any]:
    """``values`` checked by the service's own model, as JSON-ready data; a body the service
    would refuse is refused here already, as the same ``ValidationFailed`` naming the field."""
    try:
        return model.model_validate(values).model_dump(mode="json")
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or None
        reason = str(problem["msg"]).removeprefix("Value error, ")
        message = f"{field}: {reason}" if field else reason
        raise ValidationFailed(message, code="validation_error", field=field) from None


def segment(value: str) -> str:
    """``value`` as one path segment (an id can never reach another route)."""
    return quote(value, safe="")
