"""The Growth tab: the accounts strip over Posts (list and calendar), Compose and Analytics.

It works against the local library today: posts are stored in it, scheduling and publishing are
jobs (``LocalSocial`` saves to an outbox until the cloud service lands), and the charts read the
library's metric rows. ``compose(variant_id)`` is how the Shorts tab hands a variant over.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from studio.services.growth import list_posts
from studio.services.jobs import JobQueue, LocalRunner
from studio.services.library.db import Library
from studio.ui.growth.accounts import CLOUD_LATER, AccountsStrip
from studio.ui.growth.analytics import AnalyticsView
from studio.ui.growth.composer import Composer
from studio.ui.growth.posts import PostsView

__all__ = ["CLOUD_LATER", "GrowthTab"]


class GrowthTab(QWidget):
    def __init__(
        self, library: Library, parent: QWidget | None = None, *, jobs: JobQueue | None = None
    ) -> None:
        """``jobs`` is the app's queue; without one, jobs go into the library's queue through an
        idle ``LocalRunner``, and the window's running runner picks them up from there."""
        super().__init__(parent)
        self.library = library
        self.jobs: JobQueue = jobs if jobs is not None else LocalRunner(library)
        self.accounts = AccountsStrip()
        self.connect_buttons = self.accounts.connect_buttons
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
        self.refresh()

    def refresh(self) -> None:
        """Re-read posts, variants and metrics from the library (after a social job, say)."""
        self.posts_view.show_posts(list_posts(self.library))
        self.composer.refresh()
        self.analytics.refresh()

    def compose(self, variant_id: str) -> None:
        """Open the composer on ``variant_id`` (a ``ShortVariant.id``), prefilled from its plan's
        publish suggestions."""
        self.composer.prefill(variant_id)
        self.sections.setCurrentWidget(self.composer)

    def _scheduled(self, post_id: str) -> None:
        self.posts_view.show_posts(list_posts(self.library))
