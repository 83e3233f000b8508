"""The Growth tab: the accounts strip over Posts (list and calendar), Compose and Analytics.

Posts are stored in the local library and handed to the Studio cloud service by jobs (the
configured cloud, else the embedded one: ``desktop_cloud_client``); the service publishes them.
While the tab is shown it mirrors the service's per-platform states and numbers into the library
every ``POLL_MS`` on a pool thread, then re-reads the list and the charts, so nothing waits on
the network in the UI thread. ``compose(variant_id)`` is how the Shorts tab hands a variant over.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QPushButton, QTabWidget, QVBoxLayout, QWidget

from studio.services.cloud_client import CloudClient
from studio.services.growth import list_posts
from studio.services.jobs import JobQueue, LocalRunner
from studio.services.jobs.social import social_for
from studio.services.library.db import Library
from studio.ui.background import run_in_background
from studio.ui.growth.accounts import AccountsStrip, Answer, ask
from studio.ui.growth.analytics import AnalyticsView
from studio.ui.growth.composer import Composer
from studio.ui.growth.posts import PostsView

POLL_MS = 60_000


def _desktop_cloud(library: Library) -> Callable[[], CloudClient]:
    def client() -> CloudClient:
        from studio.services.embedded import desktop_cloud_client  # noqa: PLC0415  (FastAPI)

        return desktop_cloud_client(library)

    return client


class GrowthTab(QWidget):
    synced = Signal(str)
    """After a mirror of the service's posts: "" when it worked, else why not (in words)."""

    def __init__(
        self,
        library: Library,
        parent: QWidget | None = None,
        *,
        jobs: JobQueue | None = None,
        cloud: Callable[[], CloudClient] | None = None,
    ) -> None:
        """``jobs`` is the app's queue; without one, jobs go into the library's queue through an
        idle ``LocalRunner``, and the window's running runner picks them up from there.
        ``cloud`` gives the client the accounts strip asks (the desktop's by default)."""
        super().__init__(parent)
        self.library = library
        self.jobs: JobQueue = jobs if jobs is not None else LocalRunner(library)
        self.accounts = AccountsStrip(cloud or _desktop_cloud(library))
        self.posts_view = PostsView()
        self.posts = self.posts_view.table
        self.empty = self.posts_view.empty
        self.calendar = self.posts_view.calendar
        self.composer = Composer(library, self.jobs)
        self.analytics = AnalyticsView(library)
        self.sections = QTabWidget()
        self.sections.addTab(self.posts_view, "Posts")
        self.sections.addTab(self.composer, "Compose")
        self.sections.addTab(self.analytics, "Analytics")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.accounts)
        layout.addWidget(self.sections, 1)
        self.composer.scheduled.connect(self._scheduled)
        self.accounts.accounts_changed.connect(self._accounts_changed)
        self.sync_problem = ""
        self._syncing = False
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self._poll)
        self.poll.start()
        self.refresh()
        self.accounts.refresh()

    @property
    def connect_buttons(self) -> list[QPushButton]:
        return self.accounts.connect_buttons

    def refresh(self) -> None:
        """Re-read posts, variants and metrics from the library (after a social job, say)."""
        self.posts_view.show_posts(list_posts(self.library))
        self.composer.refresh()
        self.analytics.refresh()

    def sync(self) -> None:
        """Mirror the service's posts into the library on a pool thread, then refresh."""
        if self._syncing:
            return
        self._syncing = True
        library = self.library
        run_in_background(self, lambda: ask(lambda: social_for(library).refresh()), self._synced)

    def _synced(self, answer: Answer) -> None:
        self._syncing = False
        self.sync_problem = answer.problem
        if not answer.problem:
            self.refresh()
        self.synced.emit(answer.problem)

    def _poll(self) -> None:
        if self.isVisible():
            self.sync()

    def compose(self, variant_id: str) -> None:
        """Open the composer on ``variant_id`` (a ``ShortVariant.id``), prefilled from its plan's
        publish suggestions."""
        self.composer.prefill(variant_id)
        self.sections.setCurrentWidget(self.composer)

    def _accounts_changed(self, connected: frozenset[str] | None) -> None:
        self.composer.set_connected(connected, self.accounts.problem)

    def _scheduled(self, post_id: str) -> None:
        self.posts_view.show_posts(list_posts(self.library))
