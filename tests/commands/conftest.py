"""Every command test gets its own library (STUDIO_DATA_DIR in its temp folder); ``fake`` is
the fake OpenAI-compatible server of the LLM tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.planning.test_llm import fake  # noqa: F401  (the fake OpenAI-compatible server)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    return folder
