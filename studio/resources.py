"""Where the bundled resources (fonts, styles, sample plans) live.

They sit in ``resources/`` beside the ``studio`` package in a checkout, and beside the executable in
the desktop bundle; ``STUDIO_RESOURCES`` overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The folder holding fonts/, examples/ and the other bundled files."""
    override = os.environ.get("STUDIO_RESOURCES")
    if override:
        return Path(override)
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """A bundled file, e.g. ``resource_path("fonts", "Inter-Bold.otf")``."""
    return resources_dir().joinpath(*parts)
