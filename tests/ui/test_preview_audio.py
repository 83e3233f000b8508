"""The preview plays the production's mixed sound in step with the picture, or says it is silent."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtMultimedia import QMediaDevices
from pytestqt.qtbot import QtBot

from studio.services.library.db import Library
from studio.ui.widgets import preview_sound
from tests.ui.test_editing import opened_film


def test_the_mixed_sound_lasts_the_film_and_follows_play_pause_and_seek(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    player = window.cinema.player
    preview = player.preview
    sound = preview.sound
    qtbot.waitUntil(lambda: sound.source is not None, timeout=30_000)
    assert sound.source is not None

    with wave.open(str(sound.source), "rb") as mix:
        assert (mix.getnchannels(), mix.getframerate(), mix.getsampwidth()) == (2, 48_000, 2)
        assert mix.getnframes() == 2 * 48_000, "the film is 2 s long"
        samples = np.frombuffer(mix.readframes(mix.getnframes()), "<i2").reshape(-1, 2)
    first_line = np.abs(samples[:48_000].astype(np.float64)).mean()
    assert first_line > 50, "the first beat's narration is in the mix"

    no_device = "Silent preview: no audio output device; the render has the full mix"
    expected = "" if QMediaDevices.audioOutputs() else no_device
    assert preview.silent_label.text() == expected

    player.seek_by_user(1.5)
    qtbot.waitUntil(lambda: abs(sound.position() - 1.5) < 0.05, timeout=5_000)
    preview.play()
    assert sound.playing
    preview.pause()
    assert not sound.playing
    player.seek_by_user(0.25)
    qtbot.waitUntil(lambda: abs(sound.position() - 0.25) < 0.05, timeout=5_000)
    window.close()


def test_without_qtmultimedia_the_preview_is_marked_silent(
    qtbot: QtBot,
    library: Library,
    settings: QSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preview_sound, "MULTIMEDIA_AVAILABLE", False)
    window = opened_film(qtbot, library, settings, tmp_path)
    preview = window.cinema.player.preview
    qtbot.waitUntil(lambda: preview.sound.source is not None, timeout=30_000)

    assert preview.silent_label.isVisibleTo(preview)
    assert preview.silent_label.text() == (
        "Silent preview: this Qt has no QtMultimedia to play sound; the render has the full mix"
    )
    window.cinema.player.seek_by_user(1.0)
    preview.play()
    assert preview.playing
    assert not preview.sound.playing
    assert preview.sound.position() == 0.0
    preview.pause()
    window.close()
