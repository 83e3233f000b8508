"""The published OpenAPI document: generated from the app, checked in at docs/openapi.json.

The checked-in copy is what client authors read and diff in reviews; a test fails when it and the
served document differ, and ``studio cloud openapi --write`` refreshes it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from studio.cloud.config import CloudSettings

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def document(app: FastAPI | None = None) -> dict[str, Any]:
    """The OpenAPI document of ``app`` (or of an app on a throwaway in-memory database)."""
    if app is None:
        from studio.cloud.app import create_app  # noqa: PLC0415  (app imports this package)

        with tempfile.TemporaryDirectory(prefix="studio-openapi-") as folder:
            settings = CloudSettings(
                database_url="sqlite://", data_dir=Path(folder), jwt_secret="openapi"
            )
            app = create_app(settings)
            try:
                return app.openapi()
            finally:
                app.state.service.db.close()
    return app.openapi()


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: Path = CHECKED_IN) -> Path:
    """Write the document atomically (temp file in the same folder, then rename)."""
    text = render(document())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".openapi-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
