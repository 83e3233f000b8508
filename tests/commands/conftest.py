"""Every command test gets its own library: STUDIO_DATA_DIR points into its temp folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder))
    monkeypatch.delenv("STUDIO_DATABASE_URL", raising=False)
    return folder
