"""Settings in a JSON file, keys in the keyring (never a plain file unless the user opts in)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from studio.services import settings as settings_module
from studio.services.settings import (
    Secret,
    SecretStoreUnavailable,
    Settings,
    SettingsError,
    apply_to_environment,
    fallback_path,
    load_secret,
    load_settings,
    save_secret,
    save_settings,
    secret_store_status,
    settings_path,
    update_settings,
)
from tests.services.memory_keyring import MemoryKeyring, installed, no_keyring

OPENAI_KEY = "sk-test-0123456789abcdef"
PEXELS_KEY = "pexels-test-9876543210"


def files_containing(folder: Path, text: str) -> list[Path]:
    return [
        path for path in folder.rglob("*") if path.is_file() and text.encode() in path.read_bytes()
    ]


def test_settings_round_trip_through_a_json_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings(), "no file yet: the defaults"
    chosen = Settings(
        cloud_url="https://cloud.example.test",
        export_folder=str(tmp_path / "exports"),
        encoder="libx264",
        voice_id="espeak",
        brand_kit_id="kit1",
    )
    path = save_settings(chosen, tmp_path)
    assert path == settings_path(tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["encoder"] == "libx264"
    assert load_settings(tmp_path) == chosen
    assert update_settings(tmp_path, voice_id="default").cloud_url == "https://cloud.example.test"
    assert load_settings(tmp_path).voice_id == "default"


def test_the_write_is_atomic_and_a_broken_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(Settings(encoder="libx264"), tmp_path)
    before = settings_path(tmp_path).read_bytes()

    def crash(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(settings_module.os, "replace", crash)
    with pytest.raises(SettingsError, match=r"settings\.json: cannot be written"):
        save_settings(Settings(encoder="h264_nvenc"), tmp_path)
    monkeypatch.undo()
    assert settings_path(tmp_path).read_bytes() == before, "the old settings are intact"
    assert [path.name for path in tmp_path.iterdir()] == ["settings.json"], "no temp file left"

    settings_path(tmp_path).write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"settings\.json: not valid settings"):
        load_settings(tmp_path)
    with pytest.raises(SettingsError, match="encoder"):
        update_settings(tmp_path.parent / "fresh", encoder="")


def test_keys_go_to_the_keyring_and_into_no_file(tmp_path: Path) -> None:
    with installed(MemoryKeyring()) as backend:
        assert secret_store_status().usable
        where = save_secret(Secret.OPENAI, OPENAI_KEY, tmp_path)
        save_secret(Secret.PEXELS, PEXELS_KEY, tmp_path)
        save_settings(Settings(cloud_url="https://cloud.example.test"), tmp_path)
        assert where == "the system keyring"
        assert isinstance(backend, MemoryKeyring)
        assert backend.secrets[("studio", "OPENAI_API_KEY")] == OPENAI_KEY
        assert load_secret(Secret.PEXELS, tmp_path) == PEXELS_KEY
        assert files_containing(tmp_path, OPENAI_KEY) == []
        assert files_containing(tmp_path, PEXELS_KEY) == []
        save_secret(Secret.OPENAI, "", tmp_path)
        assert load_secret(Secret.OPENAI, tmp_path) is None, "an empty key removes it"


def test_without_a_keyring_a_key_is_refused_until_the_user_opts_in(tmp_path: Path) -> None:
    with installed(no_keyring()):
        status = secret_store_status()
        assert not status.usable
        assert "No system keyring is available" in status.message
        assert "found no backend" in status.message
        with pytest.raises(SecretStoreUnavailable, match="OpenAI API key: not saved"):
            save_secret(Secret.OPENAI, OPENAI_KEY, tmp_path)
        assert files_containing(tmp_path, OPENAI_KEY) == []

        update_settings(tmp_path, secrets_in_file=True)
        where = save_secret(Secret.OPENAI, OPENAI_KEY, tmp_path)
        assert "less safe" in where
        path = fallback_path(tmp_path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert files_containing(tmp_path, OPENAI_KEY) == [path]
        assert load_secret(Secret.OPENAI, tmp_path) == OPENAI_KEY


def test_a_key_moved_to_a_keyring_leaves_the_fallback_file(tmp_path: Path) -> None:
    with installed(no_keyring()):
        update_settings(tmp_path, secrets_in_file=True)
        save_secret(Secret.PEXELS, PEXELS_KEY, tmp_path)
    with installed(MemoryKeyring()):
        save_secret(Secret.PEXELS, PEXELS_KEY, tmp_path)
        assert files_containing(tmp_path, PEXELS_KEY) == []
        assert load_secret(Secret.PEXELS, tmp_path) == PEXELS_KEY


def test_saved_keys_reach_the_environment_but_the_users_own_win(tmp_path: Path) -> None:
    environ = {"PEXELS_API_KEY": "the-users-own"}
    with installed(MemoryKeyring()):
        save_secret(Secret.OPENAI, OPENAI_KEY, tmp_path)
        save_secret(Secret.PEXELS, PEXELS_KEY, tmp_path)
        sources = apply_to_environment(tmp_path, environ)
        assert environ == {"OPENAI_API_KEY": OPENAI_KEY, "PEXELS_API_KEY": "the-users-own"}
        assert sources == {Secret.OPENAI: "saved", Secret.PEXELS: "environment"}

        save_secret(Secret.OPENAI, "sk-new-key", tmp_path)
        apply_to_environment(tmp_path, environ)
        assert environ["OPENAI_API_KEY"] == "sk-new-key", "a new saved key replaces the old"
        save_secret(Secret.OPENAI, "", tmp_path)
        apply_to_environment(tmp_path, environ)
        assert "OPENAI_API_KEY" not in environ, "a removed key leaves the environment"
    assert os.environ.get("OPENAI_API_KEY") is None, "the process environment was not touched"
