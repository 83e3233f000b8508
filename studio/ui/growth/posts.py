"""The posts: a table with status and numbers, and a month calendar marking the posting days.

Times are stored in UTC and shown in the user's local zone, so a post lands on the day the
creator expects in the calendar. Each platform's state is the service's (published with its
link, retrying with the reason and the next try, failed with the platform's reason, late); the
chosen post's states are spelled out under the table with the links to open.
"""

from __future__ import annotations

import html
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


def platform_summary(post: PostRow) -> str:
    """The table's cell: each platform's state once the service said it, else the names."""
    if not post.states:
        return platform_names(post)
    return "; ".join(state.describe() for state in post.states)


def status_text(post: PostRow) -> str:
    """The post's status, saying "partly published" when platforms ended differently."""
    ended = {state.status for state in post.states}
    if post.status == "failed" and "published" in ended:
        return "partly published"
    return post.status


def details_html(post: PostRow) -> str:
    """The chosen post's platforms, one line each, published ones with their link."""
    lines = [f"<b>{html.escape(post.title)}</b> · {html.escape(local_time(post))}"]
    if not post.states:
        lines.append(html.escape(f"{platform_names(post)}: {post.status}"))
    for state in post.states:
        line = html.escape(state.describe())
        if state.url:
            link = html.escape(state.url, quote=True)
            line += f' · <a href="{link}">open on {html.escape(state.name)}</a>'
        lines.append(line)
    return "<br>".join(lines)


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
            marked.setToolTip(
                "\n".join(f"{local_time(p)}  {p.title} ({status_text(p)})" for p in on_day)
            )
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
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setOpenExternalLinks(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
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
        left.addWidget(self.details)
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
                platform_summary(post),
                status_text(post),
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
        self._show_details(self.table.currentRow())

    def _go_to_post(self, row: int, *_: int) -> None:
        """A post chosen in the table shows its day in the calendar."""
        self._show_details(row)
        when = self.shown[row].scheduled_at if 0 <= row < len(self.shown) else None
        if when is not None:
            self.calendar.setSelectedDate(QDate(when.astimezone().date()))

    def _show_details(self, row: int) -> None:
        inside = 0 <= row < len(self.shown)
        self.details.setText(details_html(self.shown[row]) if inside else "")

    def _show_day(self) -> None:
        day = self.calendar.selectedDate().toPython()
        on_day = self.calendar.days.get(day, []) if isinstance(day, date) else []
        if not on_day:
            self.day_posts.setText("Nothing scheduled on this day.")
            return
        lines = [
            f"{local_time(post)[-5:]}  {post.title} · {platform_names(post)} · {status_text(post)}"
            for post in sorted(on_day, key=local_time)
        ]
        self.day_posts.setText("\n".join(lines))
