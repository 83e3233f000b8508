"""The Cinema tab: productions, script, asset bin, plan editor, preview, timeline, render queue.

The tab wires the parts together and turns buttons into jobs; it does no pipeline work itself.
Planning, importing and rendering are jobs on the runner (their progress arrives through the
JobsAdapter); the preview's media is prepared on a pool thread. Edits to the plan are undoable
and saved as a new plan revision (source "edit") before a render or when leaving the production.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.pipeline.export_presets import export_file_name, export_preset
from studio.pipeline.timeline import Timeline
from studio.services.jobs import PRIORITY_PREVIEW, JobInfo, JobQueue, NoSuchJob, UnknownJobType
from studio.services.library.db import Library
from studio.services.settings import SettingsError, load_settings
from studio.ui import theme
from studio.ui.cinema.asset_bin import AssetBin
from studio.ui.cinema.assets_model import production_assets
from studio.ui.cinema.plan_checks import EditRefused
from studio.ui.cinema.plan_document import PlanDocument
from studio.ui.cinema.plan_view import PlanView
from studio.ui.cinema.player import Player
from studio.ui.cinema.preview_media import preview_folder
from studio.ui.cinema.preview_preparer import PreviewPreparer
from studio.ui.cinema.productions import ProductionsPanel
from studio.ui.cinema.productions_model import (
    ProductionState,
    load_production,
    save_plan_edit,
    save_script,
)
from studio.ui.jobs_adapter import JobsAdapter
from studio.ui.sample import SAMPLE, sample_pictures
from studio.ui.widgets.jobs_panel import JobsPanel

log = logging.getLogger(__name__)

RENDER_CHAIN = ("cinema.generate_assets", "cinema.assemble", "cinema.render")
SCRIPT_SAVE_DELAY_MS = 800


class CinemaTab(QWidget):
    production_opened = Signal(object)
    """The open production's id, or None."""
    preview_ready = Signal()
    """The preview shows the current plan (tests and the screenshot tool wait for it)."""

    def __init__(
        self, library: Library, jobs: JobQueue, adapter: JobsAdapter, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.library = library
        self.jobs = jobs
        self.production: ProductionState | None = None
        self.document: PlanDocument | None = None
        self.plan_job: str | None = None
        self.ingest_jobs: set[str] = set()
        self._following_playhead = False

        self.productions = ProductionsPanel(library)
        self.script = QPlainTextEdit()
        self.script.setPlaceholderText(
            "Write or paste the script. # Headings start scenes; paragraphs become beats."
        )
        self.asset_bin = AssetBin(Path(library.data_dir) / "thumbs")
        self.plan_view = PlanView()
        self.player = Player()
        self.render_queue = JobsPanel(
            adapter, jobs, "Jobs", self._wants_job, types=lambda t: t.startswith("cinema.")
        )
        self._build_toolbar()
        self._build_layout()

        self._script_timer = QTimer(self)
        self._script_timer.setSingleShot(True)
        self._script_timer.setInterval(SCRIPT_SAVE_DELAY_MS)
        self._script_timer.timeout.connect(self.save_script)
        self.preparer = PreviewPreparer(library, self)
        self.preparer.ready.connect(self._preview_prepared)
        self.preparer.failed.connect(self._preview_failed)
        self.preparer.audio_ready.connect(self.player.preview.set_audio)
        self.preparer.audio_failed.connect(
            lambda message: self.player.preview.set_audio(
                None, f"the sound could not be mixed ({message})"
            )
        )

        self.script.textChanged.connect(self._script_timer.start)
        self.productions.opened.connect(self.open_production)
        self.productions.deleting.connect(self._before_delete)
        self.productions.sample_requested.connect(self.create_sample)
        self.asset_bin.import_requested.connect(self.import_paths)
        self.plan_view.item_selected.connect(self._plan_item_selected)
        self.player.shot_under_playhead.connect(self._follow_playhead)
        self.player.timeline.canvas.item_clicked.connect(self._timeline_item_clicked)
        self.plan_view.tree.asset_dropped.connect(self.use_asset_in_shot)
        self.player.timeline.canvas.asset_dropped.connect(self.use_asset_in_shot)
        self.render_queue.export_requested.connect(self.export_render)
        adapter.finished.connect(self._job_finished)
        self.export_folder: Path | None = None
        self.choose_export_folder: Callable[[], Path | None] = self._ask_export_folder
        """Where an export goes; a test replaces the dialog with its own folder."""
        self._update_actions()

    # Layout

    def _build_toolbar(self) -> None:
        self.title = QLabel("No production open")
        self.title.setStyleSheet(f"font-weight: 700; color: {theme.TEXT};")
        self.plan_button = QPushButton("Plan")
        self.plan_button.setToolTip("Plan scenes, beats and shots from the script and your files")
        self.plan_button.clicked.connect(self.plan)
        self.fast_timing = QCheckBox("Quick timing")
        self.fast_timing.setToolTip("Time beats by speaking rate instead of running the voice")
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.save_button = QPushButton("Save edits")
        self.save_button.clicked.connect(self.save_edits)
        self.preset = QComboBox()
        self.preset.addItem("Draft (half size, fast)", "draft")
        self.preset.addItem("Final", "final")
        self.render_button = QPushButton("Render")
        self.render_button.setProperty("accent", True)
        self.render_button.clicked.connect(self.start_render)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.toolbar = QHBoxLayout()
        self.toolbar.addWidget(self.title, 1)
        for widget in (self.plan_button, self.fast_timing, self.preset, self.render_button):
            self.toolbar.addWidget(widget)
        edit_bar = QHBoxLayout()
        edit_bar.setContentsMargins(0, 0, 0, 0)
        for widget in (self.undo_button, self.redo_button, self.save_button):
            edit_bar.addWidget(widget)
        edit_bar.addStretch(1)
        self.plan_page = QWidget()
        plan_layout = QVBoxLayout(self.plan_page)
        plan_layout.setContentsMargins(0, 4, 0, 0)
        plan_layout.addLayout(edit_bar)
        plan_layout.addWidget(self.plan_view, 1)
        for keys, action in (
            (QKeySequence.StandardKey.Undo, self.undo),
            (QKeySequence.StandardKey.Redo, self.redo),
        ):
            self._shortcut(QKeySequence(keys), action)
        self._shortcut(QKeySequence("Ctrl+Shift+Z"), self.redo)

    def _shortcut(self, keys: QKeySequence, action: Callable[[], object]) -> None:
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(action)

    def _build_layout(self) -> None:
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.script, "Script")
        self.side_tabs.addTab(self.asset_bin, "Assets")
        self.side_tabs.addTab(self.plan_page, "Plan")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.side_tabs)
        right.addWidget(self.render_queue)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        right.setSizes([560, 260])
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.addLayout(self.toolbar)
        centre_layout.addWidget(self.status)
        centre_layout.addWidget(self.player, 1)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.productions)
        main.addWidget(centre)
        main.addWidget(right)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 4)
        main.setStretchFactor(2, 2)
        main.setSizes([220, 800, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(main)

    # Status

    def show_status(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {theme.DANGER if problem else theme.MUTED};")

    def _update_actions(self) -> None:
        has_production = self.production is not None
        has_plan = self.document is not None
        planning = self.plan_job is not None
        self.plan_button.setEnabled(has_production and not planning)
        self.plan_button.setText("Planning…" if planning else "Plan")
        self.render_button.setEnabled(has_plan and not planning)
        stack = self.document.undo_stack if self.document else None
        self.undo_button.setEnabled(bool(stack and stack.canUndo()))
        self.redo_button.setEnabled(bool(stack and stack.canRedo()))
        self.save_button.setEnabled(bool(stack and not stack.isClean()))
        self.script.setEnabled(has_production)
        self.asset_bin.setEnabled(has_production)
        if self.production is None:
            self.title.setText("No production open")
        else:
            revision = self.document.revision if self.document else None
            plan = f" · plan {revision}" if revision else " · not planned yet"
            self.title.setText(f"{self.production.title}{plan}")

    # Productions

    def open_production(self, production_id: str | None) -> None:
        current = self.production.id if self.production else None
        if production_id == current:
            return
        self.leave_production()
        self.production = load_production(self.library, production_id) if production_id else None
        self.script.blockSignals(True)
        self.script.setPlainText(self.production.script if self.production else "")
        self.script.blockSignals(False)
        self.refresh_assets()
        self.asset_bin.show_status("")
        self.plan_job = None
        self.show_status("")
        if self.production is not None:
            self._set_plan(self.production.plan, self.production.plan_revision)
            self.render_queue.show_jobs(self.jobs.list(production_id=self.production.id, limit=12))
            self._resume_plan_job()
        else:
            self._set_plan(None, None)
            self.render_queue.show_jobs([])
        self.production_opened.emit(production_id)
        self._update_actions()

    def leave_production(self) -> None:
        """Keep what the user did: the script and any unsaved plan edits are saved."""
        if self.production is None:
            return
        self.save_script()
        if self.document is not None and not self.document.undo_stack.isClean():
            try:
                self.save_edits()
            except ValueError:
                log.warning(
                    "unsaved edits of %s were not valid and were dropped", self.production.id
                )

    def _resume_plan_job(self) -> None:
        assert self.production is not None
        for info in self.jobs.list(production_id=self.production.id, limit=20):
            if info.type == "cinema.plan" and not info.finished:
                self.plan_job = info.id
                self.show_status("Planning…")

    def _before_delete(self, production_id: str) -> None:
        for info in self.jobs.list(production_id=production_id, limit=100):
            if not info.finished:
                self.jobs.cancel(info.id)
        if self.production is not None and self.production.id == production_id:
            self.production = None
            self.script.blockSignals(True)
            self.script.clear()
            self.script.blockSignals(False)
            self._set_plan(None, None)
        shutil.rmtree(preview_folder(self.library, production_id), ignore_errors=True)

    def save_script(self) -> None:
        self._script_timer.stop()
        if self.production is not None:
            save_script(self.library, self.production.id, self.script.toPlainText())

    def refresh_assets(self) -> None:
        rows = production_assets(self.library, self.production.id) if self.production else []
        self.asset_bin.set_assets(rows)

    # Jobs

    def _wants_job(self, info: JobInfo) -> bool:
        return self.production is not None and info.production_id == self.production.id

    def import_paths(self, paths: list[Path]) -> None:
        if self.production is None:
            self.asset_bin.show_status("", "Create or open a production first, then add files.")
            return
        info = self.jobs.enqueue(
            "cinema.ingest",
            {"paths": [str(path) for path in paths]},
            production_id=self.production.id,
        )
        self.ingest_jobs.add(info.id)
        noun = "item" if len(paths) == 1 else "items"
        self.asset_bin.show_status(f"Importing {len(paths)} {noun}…")

    def create_sample(self) -> str:
        """The sample film: its script, its pictures imported, then planned, as one chain."""
        production_id = self.productions.add_production(SAMPLE)
        pictures = sample_pictures(Path(self.library.data_dir) / "sample")
        ingest, plan = self.jobs.enqueue_chain(
            [
                ("cinema.ingest", {"paths": [str(path) for path in pictures]}),
                ("cinema.plan", {"estimate": self.fast_timing.isChecked()}),
            ],
            production_id=production_id,
            priority=PRIORITY_PREVIEW,
        )
        self.ingest_jobs.add(ingest.id)
        self.plan_job = plan.id
        self.show_status("Importing the sample's pictures, then planning…")
        self._update_actions()
        return production_id

    def plan(self) -> None:
        if self.production is None:
            return
        self.save_script()
        if not self.script.toPlainText().strip():
            self.show_status("Write or paste a script first: planning starts from it.", True)
            return
        if self.document is not None and not self.document.undo_stack.isClean():
            answer = QMessageBox.question(
                self,
                "Plan again",
                "Planning again makes a new plan; your unsaved edits stay in the old one. Go on?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            info = self.jobs.enqueue(
                "cinema.plan",
                {"estimate": self.fast_timing.isChecked()},
                production_id=self.production.id,
                priority=PRIORITY_PREVIEW,
            )
        except UnknownJobType as error:
            self.show_status(f"Planning is not available in this installation: {error}", True)
            return
        self.plan_job = info.id
        self.show_status("Planning…")
        self._update_actions()

    def start_render(self) -> None:
        if self.production is None or self.document is None:
            return
        if not self.document.undo_stack.isClean():
            try:
                self.save_edits()
            except ValueError:
                return
        preset = str(self.preset.currentData())
        self.jobs.enqueue_chain(
            [
                (job_type, {"preset": preset} if job_type == "cinema.render" else {})
                for job_type in RENDER_CHAIN
            ],
            production_id=self.production.id,
            priority=PRIORITY_PREVIEW if preset == "draft" else 0,
        )
        self.show_status(f"Rendering ({preset}): follow it in the Jobs list.")

    def export_render(self, job_id: str, preset_key: str) -> str | None:
        """Render the plan of a finished render again, re-framed for ``preset_key``, into a
        folder the user picks; returns the export job's id (None when not started)."""
        try:
            info = self.jobs.get(job_id)
            preset = export_preset(preset_key)
        except (NoSuchJob, ValueError) as error:
            self.show_status(f"The export cannot start: {error}", True)
            return None
        folder = self.choose_export_folder()
        if folder is None:
            return None
        self.export_folder = folder
        title = self.production.title if self.production is not None else "film"
        payload: dict[str, Any] = {
            "preset": str(info.payload.get("preset", "final")),
            "export": preset.key,
            "out": str(folder / export_file_name(title, preset)),
        }
        revision = (info.result or {}).get("plan_revision")
        if revision is not None:
            payload["plan_revision"] = int(revision)
        export = self.jobs.enqueue("cinema.render", payload, production_id=info.production_id)
        self.show_status(f"Exporting {preset.label} to {payload['out']}")
        return export.id

    def _ask_export_folder(self) -> Path | None:
        start = self.export_folder or _default_export_folder(self.library)
        chosen = QFileDialog.getExistingDirectory(self, "Export to folder", str(start))
        return Path(chosen) if chosen else None

    def _job_finished(self, job_id: str, job_type: str, status: str) -> None:
        if job_id == self.plan_job:
            self.plan_job = None
            self._plan_finished(job_id, status)
        elif job_id in self.ingest_jobs:
            self.ingest_jobs.discard(job_id)
            self._ingest_finished(job_id, status)
        elif job_type == "cinema.render" and self.production is not None:
            info = self.jobs.get(job_id)
            if info.production_id == self.production.id:
                if status == "succeeded" and info.payload.get("export"):
                    video = (info.result or {}).get("video", "")
                    self.show_status(f"Exported {video}: Play or Reveal it in the Jobs list.")
                elif status == "succeeded":
                    self.show_status("The film is ready: Play or Reveal it in the Jobs list.")
                elif status == "failed":
                    self.show_status(f"The render failed: {info.error}", True)
        if job_type in ("cinema.plan", "cinema.render"):
            self.productions.refresh()
        self._update_actions()

    def _plan_finished(self, job_id: str, status: str) -> None:
        info = self.jobs.get(job_id)
        if status == "succeeded" and self.production is not None:
            state = load_production(self.library, self.production.id)
            if state is not None and info.production_id == state.id:
                self.production = state
                self._set_plan(state.plan, state.plan_revision)
                result = info.result or {}
                self.show_status(
                    f"Planned: {result.get('scenes', '?')} scenes, {result.get('beats', '?')} "
                    f"beats, {result.get('shots', '?')} shots, "
                    f"{float(result.get('duration_seconds', 0)):.1f} s."
                )
                self.side_tabs.setCurrentWidget(self.plan_page)
        elif status == "failed":
            self.show_status(f"Planning failed: {info.error}", True)
        else:
            self.show_status("Planning was cancelled.")

    def _ingest_finished(self, job_id: str, status: str) -> None:
        info = self.jobs.get(job_id)
        if self.production is None or info.production_id != self.production.id:
            return
        self.refresh_assets()
        if status == "succeeded":
            self.asset_bin.show_import_result(dict(info.result or {}))
        else:
            self.asset_bin.show_status("", f"The import {status}: {info.error or ''}".strip())

    # Plan and edits

    def _set_plan(self, plan: dict[str, Any] | None, revision: int | None) -> None:
        if self.document is not None:
            self.document.deleteLater()
        self.document = PlanDocument(plan, revision or 0, self) if plan is not None else None
        if self.document is not None:
            self.document.changed.connect(self._plan_changed)
            stack = self.document.undo_stack
            for signal in (stack.canUndoChanged, stack.canRedoChanged, stack.cleanChanged):
                signal.connect(self._update_actions)
        self.plan_view.set_document(self.document)
        self.player.set_plan(plan)
        if self.document is None or self.production is None:
            self.preparer.cancel()
            self.player.set_timeline(None, "Press Plan to turn the script into scenes and shots.")
        else:
            self.player.set_timeline(None, "Preparing preview…")
            self.preparer.request(self.production.id, self.document.plan, delay_ms=0)
        self._update_actions()

    def _plan_changed(self) -> None:
        if self.document is None or self.production is None:
            return
        self.player.set_plan(self.document.plan)
        self.player.preview.set_status("Updating preview…")
        self.preparer.request(self.production.id, self.document.plan)
        self._update_actions()

    def undo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.redo()

    def save_edits(self) -> int | None:
        """Store the edited plan as a new revision; ValueError (shown) when it is not valid."""
        if self.production is None or self.document is None:
            return None
        self.plan_view.beat_editor.commit()
        try:
            number = save_plan_edit(self.library, self.production.id, self.document.snapshot())
        except ValueError as error:
            self.show_status(f"The edited plan cannot be saved:\n{error}", True)
            raise
        self.document.mark_saved(number)
        self.show_status(f"Saved your edits as plan {number}.")
        self._update_actions()
        return number

    def use_asset_in_shot(self, shot_id: str, assets: list[dict[str, str]]) -> None:
        """A card dropped on a shot: the shot shows that file (one undoable step)."""
        if self.document is None or not assets:
            return
        asset = assets[0]
        try:
            changed = self.document.set_source(shot_id, asset["id"], asset["kind"], asset["name"])
        except (EditRefused, KeyError) as error:
            self.show_status(f"{asset.get('name') or 'That file'} was not used: {error}", True)
            return
        self.plan_view.select("shot", shot_id)
        if changed:
            self.show_status(f"{shot_id} now shows {asset['name'] or 'your file'}.")

    def _follow_playhead(self, shot_id: str) -> None:
        """Select the shot a seek landed on, without seeking again to the shot's start."""
        self._following_playhead = True
        try:
            self.plan_view.select("shot", shot_id)
        finally:
            self._following_playhead = False

    def _plan_item_selected(self, kind: str, item_id: str, start: float) -> None:
        if self._following_playhead:
            return
        if kind == "shot":
            self.player.timeline.canvas.select("shots", item_id)
        elif kind == "beat":
            self.player.timeline.canvas.select("voice", item_id)
        self.player.seek(start)

    def _timeline_item_clicked(self, track: str, item_id: str) -> None:
        if track == "shots":
            self.plan_view.select("shot", item_id)
        elif track in ("voice", "text") and "/" not in item_id:
            self.plan_view.select("beat", item_id)
        self.side_tabs.setCurrentWidget(self.plan_page)

    # Preview

    def _preview_prepared(self, timeline: Timeline, warnings: list[str]) -> None:
        self.player.set_timeline(timeline)
        if warnings:
            self.player.preview.set_status(f"{len(warnings)} warnings: {warnings[0]}")
        self.preview_ready.emit()

    def _preview_failed(self, message: str) -> None:
        self.player.set_timeline(None, f"The preview cannot be prepared: {message}")


def _default_export_folder(library: Library) -> Path:
    """The export folder chosen in Settings, else the home folder."""
    try:
        chosen = load_settings(library.data_dir).export_folder
    except SettingsError:
        chosen = ""
    return Path(chosen) if chosen and Path(chosen).is_dir() else Path.home()
