"""Shared fixtures. Tests make their own media and never reach the network."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "resources" / "examples"
PRODUCTION_EXAMPLE = EXAMPLES / "production_plan.seed.json"
SHORTS_EXAMPLE = EXAMPLES / "shorts_plan.seed.json"


@pytest.fixture
def production_data() -> dict[str, Any]:
    """A fresh, mutable copy of the seed's Production Plan."""
    data: dict[str, Any] = json.loads(PRODUCTION_EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def shorts_data() -> dict[str, Any]:
    """A fresh, mutable copy of the seed's Shorts Plan."""
    data: dict[str, Any] = json.loads(SHORTS_EXAMPLE.read_text(encoding="utf-8"))
    return data


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-golden",
        action="store_true",
        help="rewrite the golden frames in tests/pipeline/golden from the current renderer",
    )


@pytest.fixture
def regen_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-golden"))


@pytest.fixture(autouse=True, scope="session")
def _media_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Generated media goes to a cache of the test session, and no cloud key reaches the network.

    A developer's own OPENAI_API_KEY or PEXELS_API_KEY would send test renders to real services;
    the provider tests point the real SDKs at local fake servers instead. The library lives in
    the session's temp folder too, never in the developer's own data folder.
    """
    os.environ["STUDIO_CACHE_DIR"] = str(tmp_path_factory.mktemp("media-cache"))
    os.environ["STUDIO_DATA_DIR"] = str(tmp_path_factory.mktemp("library"))
    cloud = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PEXELS_API_KEY", "STUDIO_LLM_BASE_URL")
    for key in (*cloud, "STUDIO_LLM_API_KEY", "STUDIO_LLM_MODEL", "STUDIO_DATABASE_URL"):
        os.environ.pop(key, None)
