"""A window over a library of the test's own, with its runner started and stopped by it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from studio.services.embedded import stop_embedded
from studio.services.jobs import LocalRunner
from studio.services.jobs.trips import set_trips_provider
from studio.services.library.db import Library
from studio.services.library.models import Asset, Production, ProductionAsset
from studio.ui.main_window import MainWindow
from tests.media import pattern_image
from tests.pipeline.plans import production, shot

STARTER_TRIPS = 10
"""The embedded service's starter trips in the window tests."""


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    """A library of the test's own; its renders charge the local account of an embedded
    service in the same data folder, stopped after the test."""
    data = tmp_path / "data"
    monkeypatch.setenv("STUDIO_DATA_DIR", str(data))
    monkeypatch.delenv("STUDIO_CLOUD_URL", raising=False)
    monkeypatch.setenv("STUDIO_CLOUD_STARTER_TRIPS", str(STARTER_TRIPS))
    set_trips_provider(None)
    opened = Library.open(data=data)
    yield opened
    stop_embedded(opened)
    opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def open_window(qtbot: QtBot, library: Library, settings: QSettings) -> MainWindow:
    runner = LocalRunner(library, workers=2, poll_interval=0.05, heartbeat_interval=0.5)
    window = MainWindow(library, runner, settings)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, library: Library, settings: QSettings) -> Iterator[MainWindow]:
    opened = open_window(qtbot, library, settings)
    yield opened
    opened.close()


def store_photo(library: Library, folder: Path, name: str, seed: int) -> str:
    """A photo of the test's in the library's store; returns its asset id."""
    photo = pattern_image(folder / name, 640, 360, seed=seed)
    stored = library.store.put(photo)
    digest = hashlib.sha256(photo.read_bytes()).hexdigest()
    with library.session() as session:
        if session.get(Asset, digest) is None:
            session.add(
                Asset(
                    id=digest,
                    kind="image",
                    original_name=name,
                    path=stored.path,
                    size_bytes=stored.size_bytes,
                    meta={"width": 640, "height": 360},
                )
            )
    return digest


def tiny_plan(photos: list[str], seconds_each: float = 1.0) -> dict[str, Any]:
    """Two photos one after the other at 320x180, one beat each with narration and a line."""
    shots, beats, lines = [], [], []
    for index, asset_id in enumerate(photos):
        start, end = index * seconds_each, (index + 1) * seconds_each
        shots.append(shot(f"shot_{index + 1}", start, end, asset_id))
        beat_id = f"beat_{index + 1}"
        text = f"Line number {index + 1}."
        beats.append(
            {
                "beat_id": beat_id,
                "start_time": start,
                "end_time": end,
                "voiceover_text": text,
                "on_screen_text": "",
            }
        )
        lines.append({"beat_id": beat_id, "text": text})
    return production(shots, seconds_each * len(photos), beats=beats, voice_lines=lines)


def planned_production(library: Library, folder: Path, title: str = "Tiny film") -> str:
    """A production with two photos of its own and a tiny plan using them; returns its id."""
    photos = [store_photo(library, folder, f"photo{n}.png", seed=n) for n in (1, 2)]
    with library.session() as session:
        film = Production(title=title, script_text="Line number 1. Line number 2.")
        session.add(film)
        session.flush()
        for position, asset_id in enumerate(photos):
            session.add(
                ProductionAsset(production_id=film.id, asset_id=asset_id, position=position)
            )
        film.add_plan(tiny_plan(photos), "edit")
        film.status = "planned"
        return film.id
