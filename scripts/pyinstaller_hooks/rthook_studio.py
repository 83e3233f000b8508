"""Runtime hook for the desktop bundle: point imageio-ffmpeg at the ffmpeg that travels with it.

imageio-ffmpeg looks for its binary next to its package and, failing that, silently falls back to a
system ``ffmpeg`` on PATH; naming the bundled one makes the bundle behave the same on every machine.
A user's own ``IMAGEIO_FFMPEG_EXE`` still wins.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _bundled_ffmpeg() -> Path | None:
    folder = Path(getattr(sys, "_MEIPASS", "")) / "imageio_ffmpeg" / "binaries"
    found = sorted(path for path in folder.glob("ffmpeg-*") if path.is_file())
    return found[0] if found else None


if not os.environ.get("IMAGEIO_FFMPEG_EXE"):
    ffmpeg = _bundled_ffmpeg()
    if ffmpeg is not None:
        os.environ["IMAGEIO_FFMPEG_EXE"] = str(ffmpeg)
