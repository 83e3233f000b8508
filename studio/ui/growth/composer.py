"""The composer: a rendered variant, the platforms, the words and the time of a post.

The time is picked in the local zone and stored in UTC. Problems are shown next to the field
they concern (after the first Schedule press, then as the creator types), and Schedule stores
the post and queues ``social.schedule_post`` without waiting for it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.growth import (
    PLATFORMS,
    Draft,
    VariantChoice,
    check_draft,
    parse_hashtags,
    post_text,
    rendered_variants,
    schedule,
    variant_choice,
)
from studio.services.jobs import JobQueue
from studio.services.library.db import Library
from studio.services.library.models import utcnow

FIELDS = ("variant", "platforms", "title", "caption", "hashtags", "when")
NO_VARIANTS = "No rendered shorts yet: render variants in the Shorts tab, then schedule them here."


def to_utc(value: QDateTime) -> datetime:
    """A QDateTimeEdit's local time as an aware UTC datetime."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def from_utc(value: datetime) -> QDateTime:
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()))


def next_slot(now: datetime) -> datetime:
    """The default time: the next full hour at least an hour from now."""
    return (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


class Composer(QWidget):
    scheduled = Signal(str)
    """The new post's id, once it is stored and its jobs are queued."""

    def __init__(self, library: Library, jobs: JobQueue, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.jobs = jobs
        self.choices: list[VariantChoice] = []
        self._checking = False
        self.variant = QComboBox()
        self.no_variants = QLabel(NO_VARIANTS)
        self.no_variants.setObjectName("Muted")
        self.no_variants.setWordWrap(True)
        self.platforms: dict[str, QCheckBox] = {}
        platform_row = QHBoxLayout()
        for platform in PLATFORMS:
            box = QCheckBox(platform.name)
            self.platforms[platform.key] = box
            platform_row.addWidget(box)
        platform_row.addStretch(1)
        self.title = QLineEdit()
        self.caption = QPlainTextEdit()
        self.caption.setMaximumHeight(120)
        self.hashtags = QLineEdit()
        self.hashtags.setPlaceholderText("#sleep #city #tips")
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.when.setDateTime(from_utc(next_slot(utcnow())))
        self.zone = QLabel(f"your local time ({datetime.now().astimezone().tzname()})")
        self.zone.setObjectName("Muted")
        self.length = QLabel()
        self.length.setObjectName("Muted")
        self.problems: dict[str, QLabel] = {}
        for name in FIELDS:
            label = QLabel()
            label.setObjectName("Problem")
            label.setWordWrap(True)
            label.hide()
            self.problems[name] = label
        self.schedule_button = QPushButton("Schedule")
        self.schedule_button.setProperty("accent", True)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        self._lay_out(platform_row)
        self.variant.currentIndexChanged.connect(self._variant_chosen)
        for box in self.platforms.values():
            box.toggled.connect(self._changed)
        self.title.textChanged.connect(self._changed)
        self.caption.textChanged.connect(self._changed)
        self.hashtags.textChanged.connect(self._changed)
        self.when.dateTimeChanged.connect(self._changed)
        self.schedule_button.clicked.connect(self.schedule)
        self.refresh()

    def _lay_out(self, platform_row: QHBoxLayout) -> None:
        when_row = QHBoxLayout()
        when_row.addWidget(self.when)
        when_row.addWidget(self.zone, 1)
        form = QFormLayout()
        for label, widget in (
            ("Variant", self.variant),
            ("Platforms", platform_row),
            ("Title", self.title),
            ("Caption", self.caption),
            ("Hashtags", self.hashtags),
            ("When", when_row),
        ):
            form.addRow(label, widget)
            name = {"When": "when"}.get(label, label.lower())
            if name == "caption":
                form.addRow("", self.length)
            form.addRow("", self.problems[name])
        buttons = QHBoxLayout()
        buttons.addWidget(self.schedule_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.no_variants)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addStretch(1)

    def refresh(self) -> None:
        """Re-read the rendered variants, keeping the chosen one."""
        current = self.current_variant()
        self.choices = rendered_variants(self.library)
        if current is not None and all(choice.id != current.id for choice in self.choices):
            self.choices.insert(0, current)
        self._fill_variants(current.id if current else None)

    def _fill_variants(self, chosen: str | None) -> None:
        self.variant.blockSignals(True)
        self.variant.clear()
        for choice in self.choices:
            suffix = "" if choice.rendered else " (not rendered yet)"
            self.variant.addItem(choice.label + suffix, choice.id)
        index = self.variant.findData(chosen) if chosen else -1
        self.variant.setCurrentIndex(index if index >= 0 else (0 if self.choices else -1))
        self.variant.blockSignals(False)
        self.no_variants.setVisible(not self.choices)
        self._changed()

    def current_variant(self) -> VariantChoice | None:
        chosen = self.variant.currentData()
        return next((choice for choice in self.choices if choice.id == chosen), None)

    def prefill(self, variant_id: str) -> bool:
        """Choose ``variant_id`` and fill the words from its publish suggestions; False when the
        library has no such variant (the problem says so)."""
        choice = variant_choice(self.library, variant_id)
        if choice is None:
            self._show({"variant": "That variant is no longer in the library."})
            return False
        self.choices = [c for c in rendered_variants(self.library) if c.id != choice.id]
        self.choices.insert(0, choice)
        self._fill_variants(choice.id)
        self._suggest(choice)
        return True

    def _variant_chosen(self) -> None:
        choice = self.current_variant()
        if choice is not None:
            self._suggest(choice)

    def _suggest(self, choice: VariantChoice) -> None:
        self.title.setText(choice.title)
        self.caption.setPlainText(choice.caption)
        self.hashtags.setText(" ".join(choice.hashtags))

    def draft(self) -> Draft:
        choice = self.current_variant()
        return Draft(
            variant_id=choice.id if choice else None,
            platforms=tuple(key for key, box in self.platforms.items() if box.isChecked()),
            title=self.title.text().strip(),
            caption=self.caption.toPlainText().strip(),
            hashtags=tuple(parse_hashtags(self.hashtags.text())),
            scheduled_at=to_utc(self.when.dateTime()),
        )

    def _changed(self) -> None:
        draft = self.draft()
        limits = [
            f"{platform.name} {platform.text_limit}"
            for platform in PLATFORMS
            if platform.key in draft.platforms
        ]
        count = len(post_text(draft.caption, draft.hashtags))
        limit_text = f" · limits: {', '.join(limits)}" if limits else ""
        self.length.setText(f"{count} characters with hashtags{limit_text}")
        if self._checking:
            self._check(draft)

    def _check(self, draft: Draft) -> bool:
        found: dict[str, str] = {}
        for problem in check_draft(draft, self.current_variant(), utcnow()):
            earlier = found.get(problem.field)
            found[problem.field] = f"{earlier} {problem.message}" if earlier else problem.message
        self._show(found)
        return not found

    def _show(self, found: dict[str, str]) -> None:
        for name, label in self.problems.items():
            label.setText(found.get(name, ""))
            label.setVisible(name in found)

    def schedule(self) -> str | None:
        """Store the post and queue its jobs when the draft is complete; the post id or None."""
        self._checking = True
        draft = self.draft()
        if not self._check(draft):
            self.status.setText("Fix the fields marked in red to schedule.")
            return None
        post_id, _ = schedule(self.library, self.jobs, draft)
        local = draft.scheduled_at.astimezone().strftime("%Y-%m-%d %H:%M")
        self.status.setText(f"Scheduled for {local} (your time).")
        self._checking = False
        self.scheduled.emit(post_id)
        return post_id
