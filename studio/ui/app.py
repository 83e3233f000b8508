"""Starting the desktop app: the display check, the QApplication, the library, the window."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from types import TracebackType

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
from studio.services.settings import apply_to_environment
from studio.ui.main_window import MainWindow
from studio.ui.theme import apply_theme

ORGANISATION = "Studio"
APPLICATION = "Studio"
log = logging.getLogger(__name__)


def show_unexpected_error(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    """A bug surfaced in a Qt slot: log the traceback, tell the user in words, keep running."""
    log.error("unexpected error\n%s", "".join(traceback.format_exception(kind, error, trace)))
    QMessageBox.warning(
        None,
        "Something went wrong",
        f"{error or kind.__name__}\n\nStudio keeps running. If this happens again, please "
        "report it with what you were doing.",
    )


def display_problem() -> str | None:
    """Why no window can open here (a Linux session without a display), or None.

    Qt aborts the process when it cannot reach a display; saying so first is kinder.
    """
    if os.environ.get("QT_QPA_PLATFORM"):
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return (
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset). "
            "Run it in a desktop session, or use the command line: studio --help"
        )
    return None


def application(argv: Sequence[str] | None = None) -> QApplication:
    """The QApplication, themed (one per process; an existing one is reused)."""
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    apply_theme(app)
    return app


def run_app(argv: Sequence[str] | None = None) -> int:
    """Open the window and run until it closes; the exit code."""
    problem = display_problem()
    if problem is not None:
        print(f"studio: {problem}", file=sys.stderr)
        return 1
    app = application(argv)
    try:
        library = Library.open()
    except Exception as error:
        print(f"studio: the library cannot be opened: {error}", file=sys.stderr)
        return 1
    apply_to_environment(library.data_dir)
    previous_hook, sys.excepthook = sys.excepthook, show_unexpected_error
    try:
        window = MainWindow(library, LocalRunner(library, workers=2), QSettings())
        window.show()
        return int(app.exec())
    finally:
        sys.excepthook = previous_hook
        library.close()
