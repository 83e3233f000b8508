"""Starting the desktop app: the display check, the QApplication, the library, the account,
the window.

The account comes before the window: with no cloud URL configured, the bundled service starts
on 127.0.0.1 and signs in the local account (``studio.services.embedded``, under a second: the
one slow step is a password check); it is stopped when the window closes. A failure is shown in
words and the window opens anyway: renders then say why they cannot be charged.
"""

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

from studio.services.cloud_client import BadCloudAddress
from studio.services.embedded import EmbeddedError, configured_cloud, embedded_for, stop_embedded
from studio.services.jobs import LocalRunner
from studio.services.jobs.trips import NoTrips, set_trips_provider
from studio.services.library import data_dir
from studio.services.library.db import Library
from studio.services.settings import SettingsError, apply_to_environment
from studio.ui.icon import app_icon
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
    app.setDesktopFileName("studio")  # Wayland and task bars match resources/studio.desktop
    app.setWindowIcon(app_icon())
    apply_theme(app)
    return app


def start_account(library: Library) -> str | None:
    """Start the embedded service unless a cloud URL is configured; why not, or None.

    On failure the render jobs are pointed at an account that refuses with that reason, so a
    render says it in its error instead of trying to start the service again.
    """
    try:
        if configured_cloud(library) is None:
            embedded_for(library)
        return None
    except (EmbeddedError, BadCloudAddress, SettingsError) as error:
        reason = str(error)
    set_trips_provider(lambda _library: NoTrips(f"no trips account: {reason}"))
    return reason


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
        message = f"The library cannot be opened: {error}"
        print(f"studio: {message}", file=sys.stderr)
        QMessageBox.critical(
            None,
            "Studio cannot start",
            f"{message}\n\nCheck that the data folder ({data_dir()}) is writable and not "
            "used by a newer Studio; set STUDIO_DATA_DIR to use another folder.",
        )
        return 1
    apply_to_environment(library.data_dir)
    previous_hook, sys.excepthook = sys.excepthook, show_unexpected_error
    problem = start_account(library)
    if problem is not None:
        QMessageBox.warning(None, "Account unavailable", f"{problem}\n\nRenders need trips.")
    try:
        window = MainWindow(library, LocalRunner(library, workers=2), QSettings())
        window.show()
        return int(app.exec())
    finally:
        sys.excepthook = previous_hook
        stop_embedded()
        library.close()
