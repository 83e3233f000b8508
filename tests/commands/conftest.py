"""Every command test gets its own library (STUDIO_DATA_DIR in its temp folder); ``fake`` is
the fake OpenAI-compatible server of the LLM tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.services.embedded import stop_embedded
from tests.commands import STARTER_TRIPS
from tests.planning.test_llm import fake  # noqa: F401  (the fake OpenAI-compatible server)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The library's folder; renders charge the embedded service's local account there."""
    folder = tmp_path / "data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder))
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", str(STARTER_TRIPS))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    yield folder
    stop_embedded()
