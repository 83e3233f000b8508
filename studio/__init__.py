"""Studio: a desktop creator studio. The core (everything but ``studio.ui``) never imports Qt."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("studio")
except PackageNotFoundError:
    __version__ = "0.0.0+unknown"
