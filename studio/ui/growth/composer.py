"""The composer: a rendered variant, the platforms, the words and the time of a post.

The time is picked in the local zone and stored in UTC. Problems are shown next to the field
they concern (after the first Schedule press, then as the creator types), including a platform
without a connected account (the tab passes the accounts strip's answer to ``set_connected``).
Schedule stores the post and queues its jobs without waiting for them; "Post now" does the same
with the time set to now: one click from a rendered variant to every chosen platform.
"""

from __future__ import annotations

from dataclasses import replace
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
    caption_without_tags,
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
from studio.services.settings import SettingsError

FIELDS = ("variant", "platforms", "title", "caption", "hashtags", "when")
NO_VARIANTS = "No rendered shorts yet: render variants in the Shorts tab, then schedule them here."
LOCAL_SERVICE = (
    "Keep Studio open then: with no cloud address, the service that posts runs inside Studio. "
    "A post whose time passes while Studio is closed goes out when it next starts, marked late."
)


def posts_from_this_computer(library: Library) -> bool:
    """True when the embedded service (inside this app) is the one that will publish."""
    from studio.services.embedded import configured_cloud  # noqa: PLC0415  (loads FastAPI)

    try:
        return configured_cloud(library) is None
    except SettingsError:  # an unreadable settings file: the app runs on the embedded service
        return True


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
        self.connected: frozenset[str] | None = None
        """Platforms with a connected account; None until the accounts are known."""
        self.accounts_problem = "The connected accounts are not known yet: wait a moment."
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
        self._make_buttons()
        self._lay_out(platform_row)
        self.variant.currentIndexChanged.connect(self._variant_chosen)
        for box in self.platforms.values():
            box.toggled.connect(self._changed)
        self.title.textChanged.connect(self._changed)
        self.caption.textChanged.connect(self._changed)
        self.hashtags.textChanged.connect(self._changed)
        self.when.dateTimeChanged.connect(self._changed)
        self.schedule_button.clicked.connect(self.schedule)
        self.post_now_button.clicked.connect(self.post_now)
        self.refresh()

    def _make_buttons(self) -> None:
        self.schedule_button = QPushButton("Schedule")
        self.schedule_button.setProperty("accent", True)
        self.post_now_button = QPushButton("Post now")
        self.post_now_button.setToolTip("Publish this variant on the chosen platforms right away")
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)

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
        buttons.addWidget(self.post_now_button)
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
        self.caption.setPlainText(caption_without_tags(choice.caption, choice.hashtags))
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

    def set_connected(self, connected: frozenset[str] | None, problem: str = "") -> None:
        """The platforms with a connected account (None with ``problem`` when not known)."""
        self.connected = connected
        if problem:
            self.accounts_problem = f"The connected accounts cannot be read: {problem}"
        if self._checking:
            self._check(self.draft())

    def _check(self, draft: Draft, immediate: bool = False) -> bool:
        found: dict[str, str] = {}
        if self.connected is None:
            found["platforms"] = self.accounts_problem
        problems = check_draft(
            draft,
            self.current_variant(),
            utcnow(),
            connected=self.connected,
            immediate=immediate,
        )
        for problem in problems:
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
        return self._submit(immediate=False)

    def post_now(self) -> str | None:
        """Schedule the draft for now: the service publishes it at once on every platform."""
        return self._submit(immediate=True)

    def _submit(self, immediate: bool) -> str | None:
        self._checking = True
        draft = self.draft()
        if immediate:
            draft = replace(draft, scheduled_at=utcnow())
        if not self._check(draft, immediate):
            self.status.setText("Fix the fields marked in red to schedule.")
            return None
        post_id, _ = schedule(self.library, self.jobs, draft)
        local = draft.scheduled_at.astimezone().strftime("%Y-%m-%d %H:%M")
        names = ", ".join(p.name for p in PLATFORMS if p.key in draft.platforms)
        if immediate:
            self.status.setText(f"Posting now to {names}: see Posts for each platform.")
        else:
            scheduled = f"Scheduled for {local} (your time) to {names}."
            local_only = posts_from_this_computer(self.library)
            self.status.setText(f"{scheduled} {LOCAL_SERVICE}" if local_only else scheduled)
        self._checking = False
        self.scheduled.emit(post_id)
        return post_id
