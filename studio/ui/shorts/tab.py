"""The Shorts tab: a source, ranked hooks to choose from, variants, and one render for all.

Each step is a job (``shorts.generate_hooks``, ``shorts.plan_variants``,
``shorts.render_variants``) on one Shorts batch; the tab only gathers the choices and shows the
results. A video source is first copied into the library on a pool thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
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
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.services.jobs import JobInfo, JobQueue
from studio.services.library.db import Library
from studio.spec import ShortsFormat
from studio.ui import theme
from studio.ui.background import run_in_background
from studio.ui.cinema.productions_model import list_productions
from studio.ui.jobs_adapter import JobsAdapter
from studio.ui.shorts.shorts_model import create_batch, store_video, variant_rows
from studio.ui.widgets.jobs_panel import JobsPanel

SOURCE_KINDS = (
    ("idea", "An idea"),
    ("script", "A script file"),
    ("production", "A production"),
    ("video", "A video file"),
)
FORMAT_NAMES = {"9_16": "9:16 vertical", "1_1": "1:1 square", "4_5": "4:5 portrait"}
FORMAT_NAMES |= {"16_9": "16:9 landscape"}
RANK_ROLE = Qt.ItemDataRole.UserRole
COLUMNS = ("Variant", "Format", "Hook", "Length", "Status", "Title", "Hashtags")


class ShortsTab(QWidget):
    hooks_ready = Signal()
    variants_ready = Signal()

    def __init__(
        self, library: Library, jobs: JobQueue, adapter: JobsAdapter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.jobs = jobs
        self.shorts_id: str | None = None
        self.pending: dict[str, str] = {}
        """job id -> what it does ("hooks", "variants", "render")."""
        self._build_source()
        self._build_hooks()
        self._build_variants()
        self.queue = JobsPanel(
            adapter, jobs, "Jobs", self._wants_job, types=lambda t: t.startswith("shorts.")
        )
        self.status = QLabel("")
        self.status.setWordWrap(True)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.source_box)
        left_layout.addWidget(self.hooks_box, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.variants_box)
        right.addWidget(self.queue)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([520, 280])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([460, 820])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        adapter.finished.connect(self._job_finished)
        self._update_actions()

    # Layout

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
        self.hooks_button.clicked.connect(self.generate_hooks)
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
        self.hooks.itemChanged.connect(lambda _: self._update_actions())
        self.formats: dict[str, QCheckBox] = {}
        formats_row = QGridLayout()
        for number, value in enumerate(item.value for item in ShortsFormat):
            box = QCheckBox(FORMAT_NAMES.get(value, value))
            box.setChecked(value == "9_16")
            box.toggled.connect(lambda _: self._update_actions())
            self.formats[value] = box
            formats_row.addWidget(box, number // 2, number % 2)
        self.duration = QDoubleSpinBox()
        self.duration.setRange(5, 180)
        self.duration.setValue(30)
        self.duration.setSuffix(" s")
        self.fast_timing = QCheckBox("Quick timing")
        self.fast_timing.setToolTip("Time lines by speaking rate instead of running the voice")
        self.variants_button = QPushButton("Make variants")
        self.variants_button.clicked.connect(self.make_variants)
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

    def _build_variants(self) -> None:
        self.variants = QTableWidget(0, len(COLUMNS))
        self.variants.setHorizontalHeaderLabels(list(COLUMNS))
        self.variants.horizontalHeader().setStretchLastSection(True)
        self.variants.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.variants.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.variants.cellDoubleClicked.connect(self._play_variant)
        self.render_button = QPushButton("Render all")
        self.render_button.setProperty("accent", True)
        self.render_button.clicked.connect(self.render_all)
        self.preset = QComboBox()
        self.preset.addItem("Draft (half size, fast)", "draft")
        self.preset.addItem("Final", "final")
        hint = QLabel("Double-click a rendered variant to play it.")
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.variants_box = QGroupBox("Variants")
        layout = QVBoxLayout(self.variants_box)
        layout.addWidget(self.variants, 1)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.preset)
        row.addWidget(self.render_button)
        layout.addLayout(row)

    # State

    def show_status(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.DANGER if problem else theme.MUTED};")

    def _busy(self, what: str) -> bool:
        return what in self.pending.values()

    def _update_actions(self) -> None:
        self.hooks_button.setEnabled(not self._busy("hooks") and not self._busy("video"))
        self.variants_button.setEnabled(
            bool(self.checked_ranks())
            and bool(self.checked_formats())
            and self.shorts_id is not None
            and not self._busy("variants")
        )
        self.render_button.setEnabled(self.variants.rowCount() > 0 and not self._busy("render"))

    def _kind_changed(self, index: int) -> None:
        self.inputs.setCurrentIndex(index)
        if self.kind.currentData() == "production":
            self.production.clear()
            for summary in list_productions(self.library):
                self.production.addItem(summary.title, summary.id)

    def checked_ranks(self) -> list[int]:
        ranks = []
        for row in range(self.hooks.count()):
            item = self.hooks.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                ranks.append(int(item.data(RANK_ROLE)))
        return ranks

    def checked_formats(self) -> list[str]:
        return [value for value, box in self.formats.items() if box.isChecked()]

    # Steps

    def generate_hooks(self) -> None:
        kind = str(self.kind.currentData())
        if kind == "video":
            path = Path(self.video_path.text().strip())
            if not path.is_file():
                self.show_status("Choose a video file first.", True)
                return
            self.pending["video"] = "video"
            self.show_status(f"Copying {path.name} into the library…")
            self._update_actions()
            run_in_background(
                self,
                lambda: store_video(self.library, path),
                lambda asset_id: self._start_batch("video", {"asset_id": asset_id}, path.stem),
                self._video_failed,
            )
            return
        try:
            source, title = self._text_source(kind)
        except ValueError as error:
            self.show_status(str(error), True)
            return
        self._start_batch(kind, source, title)

    def _text_source(self, kind: str) -> tuple[dict[str, Any], str]:
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

    def _video_failed(self, message: str) -> None:
        self.pending.pop("video", None)
        self.show_status(f"The video cannot be used: {message}", True)
        self._update_actions()

    def _start_batch(self, kind: str, source: dict[str, Any], title: str) -> None:
        self.pending.pop("video", None)
        self.shorts_id = create_batch(self.library, kind, source, title)
        self.hooks.clear()
        self.variants.setRowCount(0)
        self.queue.show_jobs([])
        info = self.jobs.enqueue("shorts.generate_hooks", {}, shorts_id=self.shorts_id)
        self.pending[info.id] = "hooks"
        self.show_status("Finding hooks…")
        self._update_actions()

    def make_variants(self) -> None:
        if self.shorts_id is None:
            return
        payload = {
            "hooks": self.checked_ranks(),
            "formats": self.checked_formats(),
            "duration": self.duration.value(),
            "estimate": self.fast_timing.isChecked(),
        }
        info = self.jobs.enqueue("shorts.plan_variants", payload, shorts_id=self.shorts_id)
        self.pending[info.id] = "variants"
        self.show_status("Planning the variants…")
        self._update_actions()

    def render_all(self) -> None:
        if self.shorts_id is None:
            return
        payload = {"preset": str(self.preset.currentData())}
        info = self.jobs.enqueue("shorts.render_variants", payload, shorts_id=self.shorts_id)
        self.pending[info.id] = "render"
        self.show_status("Rendering every variant: follow it in the Jobs list.")
        self._update_actions()

    # Results

    def _wants_job(self, info: JobInfo) -> bool:
        return self.shorts_id is not None and info.shorts_id == self.shorts_id

    def _job_finished(self, job_id: str, job_type: str, status: str) -> None:
        what = self.pending.pop(job_id, None)
        if what is None:
            return
        info = self.jobs.get(job_id)
        if status != "succeeded":
            self.show_status(f"{job_type} {status}: {info.error or ''}".strip(), status == "failed")
        elif what == "hooks":
            self.show_hooks(list((info.result or {}).get("hooks", [])))
            self.show_status(
                "Tick the hooks to use, choose formats and length, then Make variants."
            )
            self.hooks_ready.emit()
        else:
            self.refresh_variants()
            if what == "variants":
                self.show_status("Variants planned: Render all when you are ready.")
                self.variants_ready.emit()
            else:
                self.show_status("Every variant is rendered: double-click one to play it.")
        self._update_actions()

    def show_hooks(self, hooks: list[dict[str, Any]]) -> None:
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

    def refresh_variants(self) -> None:
        rows = variant_rows(self.library, self.shorts_id) if self.shorts_id else []
        self.variants.setRowCount(len(rows))
        for number, row in enumerate(rows):
            values = (
                row.variant_id,
                FORMAT_NAMES.get(row.format, row.format),
                row.hook,
                f"{row.duration:.1f} s",
                row.status,
                row.title,
                " ".join(row.hashtags),
            )
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                cell.setToolTip(row.caption if column == 5 else value)
                cell.setData(Qt.ItemDataRole.UserRole, str(row.video) if row.video else "")
                self.variants.setItem(number, column, cell)
        self.variants.resizeColumnsToContents()

    def _play_variant(self, row: int, column: int) -> None:
        cell = self.variants.item(row, 0)
        video = cell.data(Qt.ItemDataRole.UserRole) if cell is not None else ""
        if video:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(video)))
