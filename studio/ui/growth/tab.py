"""The Growth tab, honest about what exists today: the posts in the library, and the account
connections that wait for the cloud service (a later issue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from studio.services.library.db import Library
from studio.services.library.models import SocialPost

PLATFORMS = ("YouTube", "TikTok", "Instagram", "X")
CLOUD_LATER = (
    "Connecting accounts goes through Studio's cloud service, which lands in a later issue. "
    "Until then, rendered shorts can be uploaded by hand."
)
COLUMNS = ("Title", "Platforms", "Status", "Scheduled", "Views", "Likes", "Comments", "Shares")


@dataclass(frozen=True)
class PostRow:
    title: str
    platforms: tuple[str, ...]
    status: str
    scheduled_at: datetime | None
    metrics: dict[str, int]


def list_posts(library: Library) -> list[PostRow]:
    """Scheduled and published posts, the next or latest first."""
    with library.session(readonly=True) as session:
        rows = session.scalars(select(SocialPost).order_by(SocialPost.created_at.desc()))
        return [
            PostRow(
                row.title or "(untitled)",
                tuple(row.platforms or []),
                row.status,
                row.scheduled_at,
                totals(row.metrics or {}),
            )
            for row in rows
        ]


def totals(metrics: dict[str, object]) -> dict[str, int]:
    """Numbers summed over platforms (``metrics`` is ``{platform: {"views": n, ...}}``)."""
    summed: dict[str, int] = {}
    for numbers in metrics.values():
        if not isinstance(numbers, dict):
            continue
        for key, value in numbers.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                summed[key] = summed.get(key, 0) + int(value)
    return summed


class GrowthTab(QWidget):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        accounts = QGroupBox("Accounts")
        buttons = QHBoxLayout(accounts)
        self.connect_buttons: list[QPushButton] = []
        for platform in PLATFORMS:
            button = QPushButton(f"Connect {platform}")
            button.setEnabled(False)
            button.setToolTip(CLOUD_LATER)
            self.connect_buttons.append(button)
            buttons.addWidget(button)
        buttons.addStretch(1)
        note = QLabel(CLOUD_LATER)
        note.setObjectName("Muted")
        note.setWordWrap(True)
        self.posts = QTableWidget(0, len(COLUMNS))
        self.posts.setHorizontalHeaderLabels(list(COLUMNS))
        self.posts.horizontalHeader().setStretchLastSection(True)
        self.posts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.empty = QLabel("No posts yet: scheduled and published shorts will be listed here.")
        self.empty.setObjectName("Muted")
        posts_box = QGroupBox("Posts")
        posts_layout = QVBoxLayout(posts_box)
        posts_layout.addWidget(self.empty)
        posts_layout.addWidget(self.posts, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(accounts)
        layout.addWidget(note)
        layout.addWidget(posts_box, 1)
        self.refresh()

    def refresh(self) -> None:
        rows = list_posts(self.library)
        self.empty.setVisible(not rows)
        self.posts.setRowCount(len(rows))
        for number, row in enumerate(rows):
            when = (
                row.scheduled_at.astimezone().strftime("%Y-%m-%d %H:%M") if row.scheduled_at else ""
            )
            values = (
                row.title,
                ", ".join(row.platforms),
                row.status,
                when,
                *(
                    str(row.metrics.get(key, ""))
                    for key in ("views", "likes", "comments", "shares")
                ),
            )
            for column, value in enumerate(values):
                self.posts.setItem(number, column, QTableWidgetItem(value))
        self.posts.resizeColumnsToContents()
