"""The Qt part of ``studio --self-test``: the platform plugin loads and a widget paints.

In the desktop bundle this is what proves Qt's plugins travelled with it. Without a display the
check uses Qt's offscreen platform, so it also runs on a server or in CI.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtGui import QImageReader
from PySide6.QtWidgets import QApplication, QLabel


def check_qt(scratch: Path) -> str:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    formats = {bytes(name.data()).decode() for name in QImageReader.supportedImageFormats()}
    missing = {"png", "jpg"} - formats
    if missing:
        raise RuntimeError(f"Qt image format plugins missing: {', '.join(sorted(missing))}")
    label = QLabel("Studio")
    label.resize(160, 40)
    label.show()
    app.processEvents()
    shot = scratch / "qt.png"
    if not label.grab().save(str(shot)):
        raise RuntimeError("Qt could not paint and save a widget")
    label.close()
    platform = QApplication.platformName()
    return f"PySide6 on the {platform!r} platform, painted a widget; image formats ok"
