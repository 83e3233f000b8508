"""The Shorts tab: a source, ranked hooks to choose from, a grid of variants, one render for all.

Each step is a job (``shorts.generate_hooks``, ``shorts.plan_variants``,
``shorts.render_variants``) on one Shorts batch; the tab gathers the choices, shows the results
and follows the jobs through the JobsAdapter. A video source is first copied into the library on
a pool thread. Variants are planned in the active brand kit's caption style (the planning job
reads it; ``caption_brand_kit``), and the chosen variant plays beside the grid with its publish
suggestions; ``schedule_requested`` hands a rendered one to Growth.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.services.brand import BrandKitInvalid
from studio.services.jobs import JobQueue
from studio.services.library.db import Library
from studio.spec import BrandKit
from studio.ui import theme
from studio.ui.background import run_in_background
from studio.ui.jobs_adapter import JobsAdapter
from studio.ui.shorts.render_progress import BatchProgress
from studio.ui.shorts.shorts_model import (
    caption_brand_kit,
    create_batch,
    store_video,
    variant_row,
    variant_rows,
)
from studio.ui.shorts.source_panel import SourcePanel
from studio.ui.shorts.variant_grid import ROW_ROLE, VariantGrid
from studio.ui.shorts.variant_panel import VariantPanel


class ShortsTab(QWidget):
    hooks_ready = Signal()
    variants_ready = Signal()
    render_finished = Signal(str)
    """A "Render all" ended: succeeded, failed or cancelled (the grid shows the library's state)."""
    schedule_requested = Signal(str)
    """The ShortVariant id of a rendered variant the user wants to schedule in Growth."""

    def __init__(
        self, library: Library, jobs: JobQueue, adapter: JobsAdapter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.jobs = jobs
        self.shorts_id: str | None = None
        self.pending: dict[str, str] = {}
        """job id -> what it does ("hooks", "variants", "render"); "video" while copying one."""
        self.source = SourcePanel(library)
        # The source panel's controls under the tab's own names (scripts and tests drive them).
        self.idea = self.source.idea
        self.hooks = self.source.hooks
        self.formats = self.source.formats
        self.duration = self.source.duration
        self.fast_timing = self.source.fast_timing
        self.hooks_button = self.source.hooks_button
        self.variants_button = self.source.variants_button
        self.checked_ranks = self.source.checked_ranks
        self.grid = VariantGrid(library)
        self.progress = BatchProgress(jobs, adapter)
        self.panel = VariantPanel(library)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self._build_layout()
        self.hooks_button.clicked.connect(self.generate_hooks)
        self.variants_button.clicked.connect(self.make_variants)
        self.source.choices_changed.connect(self._update_actions)
        self.grid.variant_chosen.connect(self.choose_variant)
        self.progress.variant_status.connect(self.grid.grid_model.set_status)
        self.panel.saved.connect(self._variant_saved)
        self.panel.schedule_requested.connect(self.schedule_requested)
        adapter.finished.connect(self._job_finished)
        self._update_actions()

    def _build_layout(self) -> None:
        self.render_button = QPushButton("Render all")
        self.render_button.setProperty("accent", True)
        self.render_button.clicked.connect(self.render_all)
        self.preset = QComboBox()
        self.preset.addItem("Draft (half size, fast)", "draft")
        self.preset.addItem("Final", "final")
        hint = QLabel("Hover a variant to preview it; click it to play and edit its post.")
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        variants_box = QGroupBox("Variants")
        variants = QVBoxLayout(variants_box)
        variants.addWidget(self.grid, 1)
        row = QHBoxLayout()
        row.addWidget(hint, 1)
        row.addWidget(self.preset)
        row.addWidget(self.render_button)
        variants.addLayout(row)
        variants.addWidget(self.progress)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.source)
        splitter.addWidget(variants_box)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 620, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)

    # State

    def show_status(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.DANGER if problem else theme.MUTED};")

    def _busy(self, what: str) -> bool:
        return what in self.pending.values()

    def _update_actions(self) -> None:
        self.hooks_button.setEnabled(not self._busy("hooks") and not self._busy("video"))
        self.variants_button.setEnabled(
            bool(self.source.checked_ranks())
            and bool(self.source.checked_formats())
            and self.shorts_id is not None
            and not self._busy("variants")
            and not self._busy("render")
        )
        self.render_button.setEnabled(
            any(not row.rendered for row in self.grid.rows()) and not self._busy("render")
        )

    def brand_kit(self) -> BrandKit | None:
        """The kit captions and previews use; a broken stored kit is reported and skipped."""
        try:
            return caption_brand_kit(self.library)
        except BrandKitInvalid as error:
            self.show_status(f"The brand kit is not used, it is invalid: {error}", True)
            return None

    # Steps

    def generate_hooks(self) -> None:
        kind = self.source.source_kind()
        if kind == "video":
            path = Path(self.source.video_path.text().strip())
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
            source, title = self.source.text_source()
        except ValueError as error:
            self.show_status(str(error), True)
            return
        self._start_batch(kind, source, title)

    def _video_failed(self, message: str) -> None:
        self.pending.pop("video", None)
        self.show_status(f"The video cannot be used: {message}", True)
        self._update_actions()

    def _start_batch(self, kind: str, source: dict[str, Any], title: str) -> None:
        self.pending.pop("video", None)
        self.shorts_id = create_batch(self.library, kind, source, title)
        self.source.show_hooks([])
        self.refresh_variants()
        info = self.jobs.enqueue("shorts.generate_hooks", {}, shorts_id=self.shorts_id)
        self.pending[info.id] = "hooks"
        self.show_status("Finding hooks…")
        self._update_actions()

    def make_variants(self) -> None:
        if self.shorts_id is None:
            return
        payload = {
            "hooks": self.source.checked_ranks(),
            "formats": self.source.checked_formats(),
            "duration": self.duration.value(),
            "estimate": self.fast_timing.isChecked(),
        }
        info = self.jobs.enqueue("shorts.plan_variants", payload, shorts_id=self.shorts_id)
        self.pending[info.id] = "variants"
        self.show_status("Planning the variants…")
        self._update_actions()

    def render_all(self) -> None:
        """Render every variant without a video, followed in the batch progress view."""
        todo = [row for row in self.grid.rows() if not row.rendered]
        if self.shorts_id is None or not todo:
            return
        payload = {"preset": str(self.preset.currentData())}
        info = self.jobs.enqueue("shorts.render_variants", payload, shorts_id=self.shorts_id)
        self.pending[info.id] = "render"
        self.progress.start(info.id, todo)
        self.show_status(f"Rendering {len(todo)} variant(s)…")
        self._update_actions()

    # Results

    def _job_finished(self, job_id: str, job_type: str, status: str) -> None:
        what = self.pending.pop(job_id, None)
        if what is None:
            return
        info = self.jobs.get(job_id)
        succeeded = status == "succeeded"
        if not succeeded:
            self.show_status(f"{job_type} {status}: {info.error or ''}".strip(), status == "failed")
        elif what == "hooks":
            self.source.show_hooks(list((info.result or {}).get("hooks", [])))
            self.show_status(
                "Tick the hooks to use, choose formats and length, then Make variants."
            )
        elif what == "variants":
            styled = " in your brand kit's caption style" if self.brand_kit() else ""
            self.show_status(f"Variants planned{styled}: Render all when you are ready.")
        else:
            self.show_status("Every variant is rendered: click one to play or schedule it.")
        if what in ("variants", "render"):
            self.refresh_variants()
        self._update_actions()
        if what == "hooks" and succeeded:
            self.hooks_ready.emit()
        elif what == "variants" and succeeded:
            self.variants_ready.emit()
        elif what == "render":
            self.render_finished.emit(status)

    def refresh_variants(self) -> None:
        """Re-read the batch's variants; the chosen one stays chosen."""
        rows = variant_rows(self.library, self.shorts_id) if self.shorts_id else []
        chosen = self.panel.row
        self.grid.set_rows(rows, self.brand_kit())
        if chosen is None:
            return
        again = next((row for row in rows if row.id == chosen.id), None)
        if again is None:
            self.panel.show_variant(None, None)
            return
        self._select(again.id)
        if again.video != chosen.video:
            self.panel.show_variant(again, self.grid.kit)  # now rendered: play the mp4
        else:
            self.panel.row = again

    def _select(self, row_id: str) -> None:
        model = self.grid.grid_model
        number = model.row_of(row_id)
        if number >= 0:
            self.grid.setCurrentIndex(model.index(number))

    def choose_variant(self, row_id: str) -> None:
        """Play a variant beside the grid and show its publish suggestions."""
        row = next((row for row in self.grid.rows() if row.id == row_id), None)
        if row is None:
            return
        self._select(row_id)
        self.panel.show_variant(row, self.grid.kit)

    def _variant_saved(self, row_id: str) -> None:
        saved = variant_row(self.library, row_id)
        if saved is None:
            return
        model = self.grid.grid_model
        number = model.row_of(row_id)
        if number >= 0:
            model.rows[number] = saved
            model.dataChanged.emit(model.index(number), model.index(number), [ROW_ROLE])
        self.panel.row = saved
