"""Which cloud to talk to: ``--cloud``, else ``STUDIO_CLOUD_URL``, else the saved setting."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from studio.services.settings import load_settings

ENV_VAR = "STUDIO_CLOUD_URL"


class BadCloudAddress(ValueError):
    """The address is not an http(s) URL with a host, or none was configured anywhere."""


def normalized_url(url: str) -> str:
    """``url`` without surrounding spaces or a trailing slash; BadCloudAddress if unusable."""
    cleaned = url.strip().rstrip("/")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadCloudAddress(f"{url!r} is not a cloud address (expected http(s)://host[:port])")
    if parts.query or parts.fragment:
        raise BadCloudAddress(f"{url!r}: a cloud address has no ?query or #fragment")
    return cleaned


def cloud_url(
    explicit: str | None = None,
    environ: Mapping[str, str] | None = None,
    settings_folder: Path | None = None,
) -> tuple[str, str]:
    """The address to use and where it came from ("--cloud", the variable, or "settings").

    Raises BadCloudAddress naming the source of a bad value, or saying where to set one;
    ``studio.services.settings.SettingsError`` when the settings file cannot be read.
    """
    env = os.environ if environ is None else environ
    for source in ("--cloud", ENV_VAR, "settings"):
        if source == "--cloud":
            value = explicit or ""
        elif source == ENV_VAR:
            value = env.get(ENV_VAR, "")
        else:  # read last, so a broken settings file does not stand in the way of --cloud
            value = load_settings(settings_folder).cloud_url
        if value.strip():
            try:
                return normalized_url(value), source
            except BadCloudAddress as error:
                raise BadCloudAddress(f"{source}: {error}") from None
    raise BadCloudAddress(
        f"no cloud address: pass --cloud URL, set {ENV_VAR}, or save the cloud address in the "
        "settings"
    )
