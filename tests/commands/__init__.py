"""Helpers for the library-backed verbs: a data folder, the command run in-process, media."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from studio.cli import main
from studio.services.library.db import Library
from tests.media import pattern_image

STARTER_TRIPS = 10
"""The embedded cloud service's starter trips in the command tests."""
SCRIPT = (
    "The old lighthouse keeper climbed the stairs at dusk. The harbor lights flickered below "
    "him. Tonight, the storm would test everything he knew.\n"
)


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def last_line(self) -> str:
        return self.out.strip().splitlines()[-1]


def studio(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """Run ``studio ARGS`` in this process; its exit code and what it printed."""
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def script_file(folder: Path, text: str = SCRIPT) -> Path:
    path = folder / "script.txt"
    path.write_text(text, encoding="utf-8")
    return path


def photo_folder(folder: Path) -> Path:
    """Two photos: a landscape harbor and a portrait lighthouse (the script names both)."""
    photos = folder / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    pattern_image(photos / "harbor.jpg", 640, 360, seed=1)
    pattern_image(photos / "lighthouse.png", 360, 640, seed=2)
    return photos


def library(data: Path) -> Library:
    return Library.open(data=data)
