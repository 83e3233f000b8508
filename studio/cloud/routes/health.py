"""``GET /health`` for load balancers and the desktop: is the service up, and its database?"""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from studio.cloud.errors import ApiError, ErrorBody
from studio.cloud.schemas import Health
from studio.cloud.service import ServiceDep

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/health", responses={503: {"model": ErrorBody}})
def health(service: ServiceDep) -> Health:
    """200 when the database answers a trivial query; 503 saying so when it does not. No
    sign-in needed, and nothing about the database's address is told."""
    try:
        with service.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("health check: the database did not answer: %s", error)
        reason = f"the database does not answer ({type(error).__name__}); try again shortly"
        raise ApiError(503, "database_unavailable", reason) from None
    return Health(status="ok", database="ok")
