"""Studio's app icon for Qt (the window, the task bar, the Dock while running).

The pictures are drawn by scripts/make_icon.py into resources/icons/ and found through
``studio.resources``, so the same call works in a checkout and in the desktop bundle. The
Windows ``.ico`` and macOS ``.icns`` are used by the bundle's executable, not here.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

from studio.resources import resource_path

ICON_FILES = {1024: "studio.png", 256: "studio-256.png"}
"""Side in pixels -> file in resources/icons/; Qt scales the nearest one for other sizes."""
log = logging.getLogger(__name__)


def app_icon() -> QIcon:
    """The app icon at every size it ships in; an empty icon (logged) if the files are missing,
    because a missing picture must not keep the window from opening."""
    icon = QIcon()
    for side, name in ICON_FILES.items():
        path = resource_path("icons", name)
        if path.is_file():
            icon.addFile(str(path), QSize(side, side))
        else:
            log.warning("app icon %s is missing; the window opens without it", path)
    return icon
