"""The service's settings, read from STUDIO_CLOUD_* environment variables.

Everything has a default that works on one laptop with no setup (the embedded case): SQLite in
the data folder and a signing secret generated once and kept beside it. On a server every value
comes from the environment (a Postgres URL, a secret shared by all workers).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio.services.library.paths import data_dir

ENV_PREFIX = "STUDIO_CLOUD_"
DATABASE_FILE = "cloud.db"
SECRET_FILE = "cloud-jwt-secret"
TRIP_TYPES = ("cinema", "shorts_bundle")


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use; the message names it."""


class CloudSettings(BaseModel):
    """How one service instance runs; tests build these directly with small limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = ""
    """Any SQLAlchemy URL; empty means SQLite in ``data_dir``."""
    data_dir: Path = Field(default_factory=lambda: data_dir() / "cloud")
    """Uploads and, for the embedded case, the database and the signing secret."""
    jwt_secret: str = ""
    """HS256 signing key; empty means generated once and kept in ``data_dir``."""
    access_token_seconds: int = Field(default=15 * 60, ge=10)
    refresh_token_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    starter_trips: int = Field(default=3, ge=0)
    trip_costs: dict[str, int] = Field(default_factory=lambda: {"cinema": 1, "shorts_bundle": 1})
    login_attempts: int = Field(default=10, ge=1)
    """Login attempts per IP and email within ``rate_window_seconds``."""
    signup_attempts: int = Field(default=5, ge=1)
    rate_window_seconds: int = Field(default=60, ge=1)
    upload_max_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    upload_types: tuple[str, ...] = (
        "image/jpeg",
        "image/png",
        "image/webp",
        "video/mp4",
        "video/quicktime",
        "audio/mpeg",
        "audio/wav",
        "audio/x-wav",
        "text/plain",
        "application/zip",
    )
    render_in_workspaces: bool = True
    """Render runs on this machine in per-user workspaces (``studio.cloud.workers``); off, the
    run endpoints answer 503 and charge nothing."""
    render_preset: str = "final"
    password_time_cost: int = Field(default=3, ge=1)
    """argon2id passes; tests lower it (and the memory) to stay fast."""
    password_memory_kib: int = Field(default=65536, ge=8)
    public_url: str = ""
    """The address browsers reach this service at (behind a proxy); empty means the address of
    the request, which is right for the embedded service and a direct deployment."""
    stripe_secret_key: str = ""
    """Empty means payments are off: create-intent answers 503 and says what to set."""
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = ""
    stripe_api_base: str = "https://api.stripe.com"
    stripe_network_retries: int = Field(default=2, ge=0)
    apple_root_certificate: Path | None = None
    """Apple's root (AppleRootCA-G3.cer, DER or PEM); unset turns App Store purchases off."""
    apple_bundle_id: str = ""
    apple_app_apple_id: int | None = None
    apple_environment: Literal["Production", "Sandbox"] = "Production"
    apple_online_checks: bool = True
    google_service_account: Path | None = None
    """A service-account JSON key with access to the app; unset turns Google Play off."""
    google_package_name: str = ""
    google_api_base: str = "https://androidpublisher.googleapis.com"
    google_token_uri: str = ""
    """Empty means the token_uri in the service-account key."""

    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / DATABASE_FILE}"

    def trip_cost(self, trip_type: str) -> int:
        return self.trip_costs[trip_type]

    def signing_secret(self) -> str:
        """The configured secret, else the one kept in the data folder (created on first use,
        readable by its owner only), so tokens survive a restart of the embedded service."""
        if self.jwt_secret:
            return self.jwt_secret
        path = self.data_dir / SECRET_FILE
        if path.is_file():
            return path.read_text(encoding="ascii").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(secrets.token_urlsafe(48))
        try:
            os.link(temp, path)  # fails if another process created it first: theirs wins
        except FileExistsError:
            pass
        finally:
            temp.unlink(missing_ok=True)
        return path.read_text(encoding="ascii").strip()


_ENV_FIELDS = {
    "DATABASE_URL": "database_url",
    "DATA_DIR": "data_dir",
    "JWT_SECRET": "jwt_secret",
    "ACCESS_TOKEN_SECONDS": "access_token_seconds",
    "REFRESH_TOKEN_SECONDS": "refresh_token_seconds",
    "STARTER_TRIPS": "starter_trips",
    "LOGIN_ATTEMPTS": "login_attempts",
    "SIGNUP_ATTEMPTS": "signup_attempts",
    "RATE_WINDOW_SECONDS": "rate_window_seconds",
    "UPLOAD_MAX_BYTES": "upload_max_bytes",
    "RENDER_IN_WORKSPACES": "render_in_workspaces",
    "RENDER_PRESET": "render_preset",
    "PUBLIC_URL": "public_url",
    "STRIPE_SECRET_KEY": "stripe_secret_key",
    "STRIPE_PUBLISHABLE_KEY": "stripe_publishable_key",
    "STRIPE_WEBHOOK_SECRET": "stripe_webhook_secret",
    "STRIPE_API_BASE": "stripe_api_base",
    "APPLE_ROOT_CERTIFICATE": "apple_root_certificate",
    "APPLE_BUNDLE_ID": "apple_bundle_id",
    "APPLE_APP_APPLE_ID": "apple_app_apple_id",
    "APPLE_ENVIRONMENT": "apple_environment",
    "APPLE_ONLINE_CHECKS": "apple_online_checks",
    "GOOGLE_SERVICE_ACCOUNT": "google_service_account",
    "GOOGLE_PACKAGE_NAME": "google_package_name",
    "GOOGLE_API_BASE": "google_api_base",
    "GOOGLE_TOKEN_URI": "google_token_uri",
}


def settings_from_env(environ: dict[str, str] | None = None, **overrides: Any) -> CloudSettings:
    """Settings from STUDIO_CLOUD_* variables (and STUDIO_CLOUD_TRIP_COST_CINEMA and
    _SHORTS_BUNDLE for the costs), then ``overrides``; SettingsError names a bad variable."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    for suffix, name in _ENV_FIELDS.items():
        raw = env.get(ENV_PREFIX + suffix, "").strip()
        if raw:
            values[name] = raw
    costs = {"cinema": 1, "shorts_bundle": 1}
    for trip_type in TRIP_TYPES:
        raw = env.get(f"{ENV_PREFIX}TRIP_COST_{trip_type.upper()}", "").strip()
        if raw:
            if not raw.isdigit() or int(raw) < 1:
                raise SettingsError(
                    f"{ENV_PREFIX}TRIP_COST_{trip_type.upper()}: expected a whole number >= 1"
                )
            costs[trip_type] = int(raw)
    values["trip_costs"] = costs
    values.update(overrides)
    try:
        return CloudSettings(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        variable = next((ENV_PREFIX + k for k, v in _ENV_FIELDS.items() if v == field), field)
        raise SettingsError(f"{variable}: {first['msg']}") from None
