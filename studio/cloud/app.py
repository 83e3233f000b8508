"""The FastAPI application: the seed's API surface v1 (social comes separately).

Where renders run: ``/productions/{id}/run`` and ``/shorts/{id}/run`` charge the trips and hand the
work to a ``RenderQueue``; by default ``studio.cloud.workers.WorkspaceQueue``, which runs the
desktop's own job functions in a Library per user on this machine (its docstring says why).
Planning (``/plan``, ``/hooks``, ``/variants``) runs in the request with the offline planners.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from studio import __version__
from studio.cloud.config import CloudSettings, settings_from_env
from studio.cloud.db import Database, open_engine
from studio.cloud.errors import install as install_errors
from studio.cloud.limits import UploadSizeLimit
from studio.cloud.routes import account, auth, health, iap, payments, productions, shorts
from studio.cloud.runs import RenderQueue
from studio.cloud.service import Service
from studio.cloud.social import platform_routes
from studio.cloud.social import routes as social_routes
from studio.cloud.workers import WorkspaceQueue

TITLE = "Studio cloud"


def create_app(
    settings: CloudSettings | None = None, *, render_queue: RenderQueue | None = None
) -> FastAPI:
    """The app with its database opened and migrated (settings default to the environment).

    Renders go to ``render_queue``, else (with ``render_in_workspaces``) to per-user workspaces
    on this machine, else nowhere (the run endpoints answer 503).
    """
    chosen = settings or settings_from_env()
    database = Database(open_engine(chosen.database()))
    workspaces: WorkspaceQueue | None = None
    if render_queue is None and chosen.render_in_workspaces:
        workspaces = WorkspaceQueue(
            database,
            chosen.data_dir / "workspaces",
            chosen.data_dir / "uploads",
            preset=chosen.render_preset,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if workspaces is not None:
            workspaces.resume()
        try:
            yield
        finally:
            if workspaces is not None:
                workspaces.close()
            app.state.service.stores.close()

    app = FastAPI(
        title=TITLE,
        version=__version__,
        summary="Accounts, trips, payments, brand kit, productions and shorts for Studio.",
        lifespan=lifespan,
    )
    app.state.service = Service.create(chosen, database)
    app.state.render_queue = render_queue or workspaces
    install_errors(app)
    app.add_middleware(UploadSizeLimit, max_bytes=chosen.upload_max_bytes)
    routers = (
        health,
        auth,
        account,
        payments,
        iap,
        productions,
        shorts,
        social_routes,
        platform_routes,
    )
    for module in routers:
        app.include_router(module.router)
    return app
