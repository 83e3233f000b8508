"""The chosen variant beside the grid: it plays, its publish suggestions can be edited and
saved into its plan, and a rendered one can be scheduled in Growth.

Saving goes through the spec (``save_publish_suggestions``): a refused value leaves the library
as it was and the message under the fields names the field, e.g. "publish_suggestions.hashtags:
has too many items".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.library.db import Library
from studio.spec import BrandKit
from studio.ui import theme
from studio.ui.shorts.shorts_model import (
    PlanInvalid,
    VariantRow,
    save_publish_suggestions,
    split_hashtags,
)
from studio.ui.shorts.variant_grid import FORMAT_NAMES
from studio.ui.shorts.variant_player import VariantPlayer


class VariantPanel(QWidget):
    saved = Signal(str)
    """The ShortVariant id whose publish suggestions were stored."""
    schedule_requested = Signal(str)
    """The ShortVariant id of a rendered variant to schedule in Growth."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.row: VariantRow | None = None
        self.heading = QLabel("No variant chosen")
        self.heading.setWordWrap(True)
        self.player = VariantPlayer(library)
        self.title = QLineEdit()
        self.caption = QPlainTextEdit()
        self.caption.setMaximumHeight(90)
        self.hashtags = QLineEdit()
        self.hashtags.setPlaceholderText("#sleep #city (spaces or commas between them)")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.schedule_button = QPushButton("Schedule…")
        self.schedule_button.setProperty("accent", True)
        self.schedule_button.setToolTip("Compose a post of this short in Growth")
        self.schedule_button.clicked.connect(self.schedule)
        publish = QGroupBox("Publish suggestions")
        form = QFormLayout(publish)
        form.addRow("Title", self.title)
        form.addRow("Caption", self.caption)
        form.addRow("Hashtags", self.hashtags)
        form.addRow(self.message)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        buttons.addWidget(self.schedule_button)
        form.addRow(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.player, 1)
        layout.addWidget(publish)
        self.show_variant(None, None)

    def show_variant(self, row: VariantRow | None, kit: BrandKit | None) -> None:
        """Fill the panel from ``row`` (None: empty and disabled) and play it."""
        self.row = row
        self.player.show_variant(row, kit)
        self.show_message("")
        for field in (self.title, self.caption, self.hashtags, self.save_button):
            field.setEnabled(row is not None)
        self.title.setText(row.title if row else "")
        self.caption.setPlainText(row.caption if row else "")
        self.hashtags.setText(" ".join(row.hashtags) if row else "")
        self.schedule_button.setEnabled(row is not None and row.rendered)
        if row is None:
            self.heading.setText("Click a variant in the grid to play it and edit its post.")
            return
        format_name = FORMAT_NAMES.get(row.format, row.format)
        self.heading.setText(f"<b>{row.hook}</b><br>{format_name} · {row.duration:.1f} s")
        if not row.rendered:
            self.schedule_button.setToolTip("Render this variant first, then schedule it")
        else:
            self.schedule_button.setToolTip("Compose a post of this short in Growth")

    def show_message(self, text: str, problem: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {theme.DANGER if problem else theme.MUTED};")

    def save(self) -> None:
        if self.row is None:
            return
        tags = split_hashtags(self.hashtags.text())
        try:
            save_publish_suggestions(
                self.library,
                self.row.id,
                self.title.text().strip(),
                self.caption.toPlainText().strip(),
                tags,
            )
        except PlanInvalid as error:
            self.show_message("Not saved: " + "\n".join(error.problems), problem=True)
            return
        self.hashtags.setText(" ".join(tags))
        self.show_message("Saved.")
        self.saved.emit(self.row.id)

    def schedule(self) -> None:
        if self.row is not None and self.row.rendered:
            self.schedule_requested.emit(self.row.id)
