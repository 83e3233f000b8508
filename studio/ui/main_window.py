"""The main window: the top bar over the Cinema, Shorts and Growth tabs.

The window owns the job runner's life in the app: it starts it when it opens and stops it when
it closes (jobs still running resume at the next start). Geometry, the current tab and the open
production are kept in QSettings. "Schedule" on a rendered short switches to Growth with that
variant in its composer.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QTabWidget, QVBoxLayout, QWidget

from studio.services.jobs import LocalRunner
from studio.services.library.db import Library
from studio.ui.background import finish_background_work
from studio.ui.cinema.tab import CinemaTab
from studio.ui.growth.tab import GrowthTab
from studio.ui.jobs_adapter import JobsAdapter
from studio.ui.shorts.tab import ShortsTab
from studio.ui.top_bar import TopBar

GEOMETRY = "window/geometry"
STATE = "window/state"
TAB = "window/tab"
PRODUCTION = "cinema/production"


class MainWindow(QMainWindow):
    def __init__(
        self,
        library: Library,
        runner: LocalRunner,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Studio")
        self.library = library
        self.runner = runner
        self.settings = settings
        self.adapter = JobsAdapter(runner, self)
        self.top_bar = TopBar(library)
        self.cinema = CinemaTab(library, runner, self.adapter)
        self.shorts = ShortsTab(library, runner, self.adapter)
        self.growth = GrowthTab(library, jobs=runner)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.cinema, "Cinema")
        self.tabs.addTab(self.shorts, "Shorts")
        self.tabs.addTab(self.growth, "Growth")
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.top_bar)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.adapter.finished.connect(self._job_finished)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.shorts.schedule_requested.connect(self.schedule_variant)
        self.top_bar.refreshed.connect(self.growth.accounts.refresh)  # signed in or out
        self.top_bar.current_production = self._open_production_id
        self._restore()
        self.runner.start()

    def _restore(self) -> None:
        geometry = self.settings.value(GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        state = self.settings.value(STATE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        tab = str(self.settings.value(TAB, 0))
        self.tabs.setCurrentIndex(int(tab) if tab.isdigit() else 0)
        production = self.settings.value(PRODUCTION)
        reopened = isinstance(production, str) and self.cinema.productions.select(production)
        if not reopened and self.cinema.productions.list.count():
            self.cinema.productions.list.setCurrentRow(0)

    def save_state(self) -> None:
        self.settings.setValue(GEOMETRY, self.saveGeometry())
        self.settings.setValue(STATE, self.saveState())
        self.settings.setValue(TAB, self.tabs.currentIndex())
        current = self.cinema.production.id if self.cinema.production else ""
        self.settings.setValue(PRODUCTION, current)
        self.settings.sync()

    def _job_finished(self, job_id: str, job_type: str, status: str) -> None:
        if job_type in ("cinema.render", "shorts.render_variants"):
            self.top_bar.refresh()
        if job_type.startswith("social."):
            self.growth.refresh()

    def schedule_variant(self, variant_id: str) -> None:
        """Show Growth with a post of the ShortVariant ``variant_id`` in its composer."""
        self.tabs.setCurrentWidget(self.growth)
        self.growth.compose(variant_id)

    def _open_production_id(self) -> str | None:
        return self.cinema.production.id if self.cinema.production else None

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.growth:
            self.growth.refresh()
            self.growth.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.hide()  # the waits below (a job stopping, a preview being made) happen unseen
        self.cinema.leave_production()
        self.save_state()
        self.adapter.close()
        self.runner.stop(timeout=10)
        finish_background_work()
        super().closeEvent(event)
