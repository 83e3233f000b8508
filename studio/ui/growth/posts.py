"""The posts: a table with status and numbers, and a month calendar marking the posting days.

Times are stored in UTC and shown in the user's local zone, so a post lands on the day the
creator expects in the calendar.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.services.growth import PLATFORM_NAMES, PostRow, posts_by_day
from studio.services.jobs.social import COUNTS
from studio.ui import theme

COLUMNS = ("Title", "Platforms", "Status", "Scheduled", "Views", "Likes", "Comments", "Shares")
EMPTY = "No posts yet: schedule a rendered short in Compose, or from the Shorts tab."
PUBLISHED = frozenset({"published"})


def local_time(post: PostRow) -> str:
    """The post's time in the local zone, as the table and the day list show it."""
    if post.scheduled_at is None:
        return ""
    return post.scheduled_at.astimezone().strftime("%Y-%m-%d %H:%M")


def platform_names(post: PostRow) -> str:
    return ", ".join(PLATFORM_NAMES.get(key, key) for key in post.platforms)


class PostsCalendar(QCalendarWidget):
    """A month view: days with a scheduled post in cyan, days with a published one in magenta."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.days: dict[date, list[PostRow]] = {}

    def mark(self, posts: list[PostRow]) -> None:
        for day in self.days:
            self.setDateTextFormat(QDate(day), QTextCharFormat())
        self.days = posts_by_day(posts)
        for day, on_day in self.days.items():
            published = any(post.status in PUBLISHED for post in on_day)
            marked = QTextCharFormat()
            marked.setFontWeight(QFont.Weight.Bold)
            marked.setForeground(QBrush(QColor(theme.MAGENTA if published else theme.CYAN)))
            marked.setToolTip("\n".join(f"{local_time(p)}  {p.title} ({p.status})" for p in on_day))
            self.setDateTextFormat(QDate(day), marked)


class PostsView(QWidget):
    """The table on the left, the calendar and the chosen day's posts on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.empty = QLabel(EMPTY)
        self.empty.setObjectName("Muted")
        self.empty.setWordWrap(True)
        self.calendar = PostsCalendar()
        self.day_posts = QLabel()
        self.day_posts.setWordWrap(True)
        self.day_posts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        legend = QLabel(
            f'<span style="color:{theme.CYAN}">■ scheduled</span>&nbsp;&nbsp;'
            f'<span style="color:{theme.MAGENTA}">■ published</span>&nbsp;&nbsp;'
            "times in your local zone"
        )
        legend.setObjectName("Muted")
        left = QVBoxLayout()
        left.addWidget(self.empty)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.addWidget(self.calendar)
        right.addWidget(legend)
        right.addWidget(self.day_posts, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self.calendar.selectionChanged.connect(self._show_day)
        self.table.currentCellChanged.connect(self._go_to_post)
        self.shown: list[PostRow] = []

    def show_posts(self, posts: list[PostRow]) -> None:
        self.shown = posts
        self.empty.setVisible(not posts)
        self.table.setRowCount(len(posts))
        for number, post in enumerate(posts):
            values = (
                post.title,
                platform_names(post),
                post.status,
                local_time(post),
                *(str(post.metrics.get(key, "")) for key in COUNTS),
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, post.id)
                self.table.setItem(number, column, item)
        self.table.resizeColumnsToContents()
        self.calendar.mark(posts)
        self._show_day()

    def _go_to_post(self, row: int, *_: int) -> None:
        """A post chosen in the table shows its day in the calendar."""
        when = self.shown[row].scheduled_at if 0 <= row < len(self.shown) else None
        if when is not None:
            self.calendar.setSelectedDate(QDate(when.astimezone().date()))

    def _show_day(self) -> None:
        day = self.calendar.selectedDate().toPython()
        on_day = self.calendar.days.get(day, []) if isinstance(day, date) else []
        if not on_day:
            self.day_posts.setText("Nothing scheduled on this day.")
            return
        lines = [
            f"{local_time(post)[-5:]}  {post.title} · {platform_names(post)} · {post.status}"
            for post in sorted(on_day, key=local_time)
        ]
        self.day_posts.setText("\n".join(lines))
