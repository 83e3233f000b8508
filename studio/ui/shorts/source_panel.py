"""The Shorts tab's left side: pick a source, then tick ranked hooks, formats and a length.

Only gathers choices; the tab turns them into jobs. ``choices_changed`` fires whenever a tick
or format changes, so the tab can enable its buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from studio.services.library.db import Library
from studio.spec import ShortsFormat
from studio.ui.cinema.productions_model import list_productions
from studio.ui.shorts.variant_grid import FORMAT_NAMES

SOURCE_KINDS = (
    ("idea", "An idea"),
    ("script", "A script file"),
    ("production", "A production"),
    ("video", "A video file"),
)
RANK_ROLE = Qt.ItemDataRole.UserRole


class SourcePanel(QWidget):
    choices_changed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._build_source()
        self._build_hooks()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.source_box)
        layout.addWidget(self.hooks_box, 1)

    def _build_source(self) -> None:
        self.kind = QComboBox()
        for value, label in SOURCE_KINDS:
            self.kind.addItem(label, value)
        self.idea = QPlainTextEdit()
        self.idea.setPlaceholderText("e.g. How to sleep better in a noisy city")
        self.script_path = QLineEdit()
        self.video_path = QLineEdit()
        self.production = QComboBox()
        self.inputs = QStackedWidget()
        self.inputs.addWidget(self.idea)
        self.inputs.addWidget(self._file_picker(self.script_path, "Scripts (*.txt *.md)"))
        self.inputs.addWidget(self.production)
        self.inputs.addWidget(self._file_picker(self.video_path, "Videos (*.mp4 *.mov *.mkv)"))
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.hooks_button = QPushButton("Generate hooks")
        self.hooks_button.setProperty("accent", True)
        self.source_box = QGroupBox("Source")
        layout = QFormLayout(self.source_box)
        layout.addRow("From", self.kind)
        layout.addRow(self.inputs)
        layout.addRow(self.hooks_button)

    def _file_picker(self, field: QLineEdit, filter_text: str) -> QWidget:
        holder = QWidget()
        browse = QPushButton("Browse…")

        def pick() -> None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Choose a file", "", filter_text)
            if chosen:
                field.setText(chosen)

        browse.clicked.connect(pick)
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(field, 1)
        row.addWidget(browse)
        return holder

    def _build_hooks(self) -> None:
        self.hooks = QListWidget()
        self.hooks.setWordWrap(True)
        self.hooks.itemChanged.connect(lambda _: self.choices_changed.emit())
        self.formats: dict[str, QCheckBox] = {}
        formats_row = QGridLayout()
        for number, value in enumerate(item.value for item in ShortsFormat):
            box = QCheckBox(FORMAT_NAMES.get(value, value))
            box.setChecked(value == "9_16")
            box.toggled.connect(lambda _: self.choices_changed.emit())
            self.formats[value] = box
            formats_row.addWidget(box, number // 2, number % 2)
        self.duration = QDoubleSpinBox()
        self.duration.setRange(5, 180)
        self.duration.setValue(30)
        self.duration.setSuffix(" s")
        self.fast_timing = QCheckBox("Quick timing")
        self.fast_timing.setToolTip("Time lines by speaking rate instead of running the voice")
        self.variants_button = QPushButton("Make variants")
        self.hooks_box = QGroupBox("Hooks (tick the ones to use)")
        layout = QVBoxLayout(self.hooks_box)
        layout.addWidget(self.hooks, 1)
        layout.addLayout(formats_row)
        options = QHBoxLayout()
        options.addWidget(QLabel("Length"))
        options.addWidget(self.duration)
        options.addWidget(self.fast_timing)
        options.addStretch(1)
        options.addWidget(self.variants_button)
        layout.addLayout(options)

    def _kind_changed(self, index: int) -> None:
        self.inputs.setCurrentIndex(index)
        if self.kind.currentData() == "production":
            self.production.clear()
            for summary in list_productions(self.library):
                self.production.addItem(summary.title, summary.id)

    # Choices

    def source_kind(self) -> str:
        return str(self.kind.currentData())

    def checked_ranks(self) -> list[int]:
        ranks = []
        for row in range(self.hooks.count()):
            item = self.hooks.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ranks.append(int(item.data(RANK_ROLE)))
        return ranks

    def checked_formats(self) -> list[str]:
        return [value for value, box in self.formats.items() if box.isChecked()]

    def text_source(self) -> tuple[dict[str, Any], str]:
        """The batch source and title of an idea, script or production; ValueError says what
        to fill in."""
        kind = self.source_kind()
        if kind == "idea":
            text = self.idea.toPlainText().strip()
            if not text:
                raise ValueError("Write the idea first, e.g. 'sleep better in a noisy city'.")
            return {"text": text}, text[:80]
        if kind == "script":
            path = Path(self.script_path.text().strip())
            try:
                text = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as error:
                raise ValueError(f"{path}: cannot read the script ({error})") from None
            return {"text": text}, path.stem
        production_id = self.production.currentData()
        if not production_id:
            raise ValueError("Choose a production that has a plan.")
        return {"production_id": str(production_id)}, self.production.currentText()

    def show_hooks(self, hooks: list[dict[str, Any]]) -> None:
        """List ranked hooks with score and reasons; the best one ticked."""
        self.hooks.blockSignals(True)
        self.hooks.clear()
        for hook in hooks:
            rank = int(hook["rank"])
            item = QListWidgetItem(f"{rank}. [{float(hook['score']):g}] {hook['text']}")
            item.setData(RANK_ROLE, rank)
            item.setToolTip("; ".join(str(reason) for reason in hook.get("reasons", [])))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if rank == 1 else Qt.CheckState.Unchecked)
            self.hooks.addItem(item)
        self.hooks.blockSignals(False)
        self.choices_changed.emit()
