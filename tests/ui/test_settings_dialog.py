"""The Settings dialog: keys to the keyring (or, only when chosen, a private file), the rest
to settings.json, and saved keys into this session's environment."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from pytestqt.qtbot import QtBot

from studio.services import settings as settings_module
from studio.services.jobs.trips import CloudTrips, NoTrips, set_trips_provider, trips_for
from studio.services.library.db import Library
from studio.services.settings import Secret, fallback_path, load_settings
from studio.ui.dialogs.settings import SettingsDialog
from studio.ui.main_window import MainWindow
from tests.services.memory_keyring import MemoryKeyring, installed, no_keyring

OPENAI_KEY = "sk-dialog-test-5555"


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Saving applies keys to os.environ: give each test a copy, so none leaks out."""
    monkeypatch.setattr(os, "environ", dict(os.environ))
    monkeypatch.setattr(settings_module, "_applied", {})


def click_save(qtbot: QtBot, dialog: QDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    qtbot.mouseClick(
        buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton
    )


def files_containing(folder: Path, text: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_keys_typed_in_settings_go_to_the_keyring(
    qtbot: QtBot, window: MainWindow, library: Library, tmp_path: Path
) -> None:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        dialog = window.top_bar.settings_dialog()
        qtbot.addWidget(dialog)
        assert "system keyring" in dialog.keyring_status.text()
        assert dialog.use_file.isHidden(), "no fallback offered when a keyring exists"
        key_field = dialog.keys[Secret.OPENAI].edit
        qtbot.keyClicks(key_field, OPENAI_KEY)
        assert key_field.echoMode() == key_field.EchoMode.Password
        dialog.cloud_url.setText("https://cloud.example.test")
        dialog.export_folder.setText(str(tmp_path))
        dialog.encoder.setCurrentIndex(dialog.encoder.findData("libx264"))
        dialog.voice.setCurrentIndex(dialog.voice.findData("espeak"))
        click_save(qtbot, dialog)
        assert dialog.result() == QDialog.DialogCode.Accepted

        assert backend.secrets[("studio", "OPENAI_API_KEY")] == OPENAI_KEY
        assert files_containing(library.data_dir, OPENAI_KEY) == []
        saved = load_settings(library.data_dir)
        assert (saved.cloud_url, saved.export_folder) == (
            "https://cloud.example.test",
            str(tmp_path),
        )
        assert (saved.encoder, saved.voice_id) == ("libx264", "espeak")
        assert os.environ["OPENAI_API_KEY"] == OPENAI_KEY, "planning and media jobs see the key"

        again = SettingsDialog(library)
        qtbot.addWidget(again)
        field = again.keys[Secret.OPENAI]
        assert field.edit.text() == "", "a saved key is never shown back"
        assert "saved" in field.edit.placeholderText()
        assert again.encoder.currentData() == "libx264"
        qtbot.mouseClick(field.remove, Qt.MouseButton.LeftButton)
        click_save(qtbot, again)
        assert ("studio", "OPENAI_API_KEY") not in backend.secrets
        assert "OPENAI_API_KEY" not in os.environ


def test_without_a_keyring_the_dialog_says_so_and_needs_the_opt_in(
    qtbot: QtBot, library: Library
) -> None:
    with installed(no_keyring()):
        dialog = SettingsDialog(library)
        qtbot.addWidget(dialog)
        assert "No system keyring is available" in dialog.keyring_status.text()
        assert not dialog.use_file.isHidden()
        assert "less safe" in dialog.use_file.text()
        qtbot.keyClicks(dialog.keys[Secret.OPENAI].edit, OPENAI_KEY)
        click_save(qtbot, dialog)
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert "OpenAI API key: not saved" in dialog.problems.text()
        assert files_containing(library.data_dir, OPENAI_KEY) == []

        dialog.use_file.setChecked(True)
        click_save(qtbot, dialog)
        assert dialog.result() == QDialog.DialogCode.Accepted
        path = fallback_path(library.data_dir)
        assert files_containing(library.data_dir, OPENAI_KEY) == [path]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

        again = SettingsDialog(library)
        qtbot.addWidget(again)
        assert again.use_file.isChecked()
        again.use_file.setChecked(False)
        click_save(qtbot, again)
        assert files_containing(library.data_dir, OPENAI_KEY) == [], "taking back the opt-in"


def test_a_wrong_cloud_address_and_folder_are_named_inline(
    qtbot: QtBot, library: Library, tmp_path: Path
) -> None:
    dialog = SettingsDialog(library)
    qtbot.addWidget(dialog)
    dialog.cloud_url.setText("cloud.example.test")
    dialog.export_folder.setText(str(tmp_path / "missing"))
    click_save(qtbot, dialog)
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "Cloud address" in dialog.problems.text()
    assert "Export folder" in dialog.problems.text()
    assert load_settings(library.data_dir).cloud_url == ""


def test_a_new_cloud_address_moves_the_renders_to_its_account(
    qtbot: QtBot, window: MainWindow, library: Library
) -> None:
    """Renders charge the account of the address just saved, not the one set before."""
    set_trips_provider(lambda _library: NoTrips("the old account"))
    refreshed: list[bool] = []
    with installed(MemoryKeyring()):
        dialog = window.top_bar.settings_dialog()
        qtbot.addWidget(dialog)
        dialog.account_changed.connect(lambda: refreshed.append(True))
        dialog.cloud_url.setText("https://cloud.example.test")
        click_save(qtbot, dialog)
        trips = trips_for(library)
    assert refreshed == [True], "the top bar re-reads the account"
    assert isinstance(trips, CloudTrips)
    assert trips.client.base_url.rstrip("/") == "https://cloud.example.test"
