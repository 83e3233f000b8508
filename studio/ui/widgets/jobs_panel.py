"""A queue panel: one row per job with its progress bar, message, ETA and a Cancel button.

Rows follow the JobsAdapter's signals. A job that finishes with a video (a render) offers Play
and Reveal in folder, which hand the file to the desktop (QDesktopServices); a finished film
render also offers Export, re-framed for a platform (``export_requested``). A chain's later steps
are cancelled in the database when an earlier one fails, without an event of their own, so a
finished job makes the panel re-read the rows still open.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.pipeline.export_presets import EXPORT_PRESETS
from studio.services.jobs import JobInfo, JobQueue, JobUpdate, NoSuchJob
from studio.ui.jobs_adapter import FINISHED, JobsAdapter

JOB_TITLES = {
    "cinema.ingest": "Import files",
    "cinema.plan": "Plan",
    "cinema.generate_assets": "Voice, music and visuals",
    "cinema.assemble": "Assemble",
    "cinema.render": "Render film",
    "shorts.generate_hooks": "Find hooks",
    "shorts.plan_variants": "Plan variants",
    "shorts.render_variants": "Render shorts",
}


EXPORTABLE = ("cinema.render",)
"""Job types whose finished video can be exported with a preset."""


def job_title(job_type: str, payload: Mapping[str, object] | None = None) -> str:
    export = EXPORT_PRESETS.get(str((payload or {}).get("export")))
    if export is not None:
        return f"Export {export.label}"
    return JOB_TITLES.get(job_type, job_type)


def eta_text(progress: float, elapsed: float) -> str:
    """ "about 12 s left" from the share done and the seconds it took; empty when unknown."""
    if progress <= 0.02 or progress >= 1.0 or elapsed < 1.0:
        return ""
    left = elapsed * (1 - progress) / progress
    return f"about {left:.0f} s left" if left < 90 else f"about {left / 60:.0f} min left"


class JobRow(QFrame):
    cancel_requested = Signal(str)
    export_requested = Signal(str, str)
    """job id, export preset key"""

    def __init__(self, info: JobInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job_id = info.id
        self.job_type = info.type
        self.status = info.status
        self.video: Path | None = None
        self._started: float | None = None
        self.title = QLabel(job_title(info.type, info.payload))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.message = QLabel("")
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.job_id))
        self.play_button = QPushButton("Play")
        self.reveal_button = QPushButton("Reveal in folder")
        self.play_button.clicked.connect(self.play)
        self.reveal_button.clicked.connect(self.reveal)
        self.export_button = QToolButton()
        self.export_button.setText("Export")
        self.export_button.setToolTip("Render this film again, re-framed for a platform")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        for preset in EXPORT_PRESETS.values():
            action = self.export_menu.addAction(preset.label)
            action.setData(preset.key)
            action.triggered.connect(
                lambda _=False, key=preset.key: self.export_requested.emit(self.job_id, key)
            )
        self.export_button.setMenu(self.export_menu)
        self.exportable = info.type in EXPORTABLE and not (info.payload or {}).get("export")
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        for button in (self.play_button, self.reveal_button, self.export_button):
            top.addWidget(button)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        self.apply(info.status, info.progress, info.error or info.message)
        self.set_video(None)

    @property
    def progress(self) -> float:
        return self.bar.value() / 1000

    def apply(self, status: str, progress: float | None, message: str) -> None:
        self.status = status
        if status == "running" and self._started is None:
            self._started = time.monotonic()
        if progress is not None:
            self.bar.setValue(round(1000 * (1.0 if status == "succeeded" else progress)))
        self.bar.setFormat(f"{status} %p%" if status != "succeeded" else "done")
        eta = ""
        if status == "running" and self._started is not None and progress is not None:
            eta = eta_text(progress, time.monotonic() - self._started)
        self.message.setText(" · ".join(part for part in (message, eta) if part))
        self.cancel_button.setVisible(status not in FINISHED)

    def set_video(self, video: Path | None) -> None:
        self.video = video
        self.play_button.setVisible(video is not None)
        self.reveal_button.setVisible(video is not None)
        self.export_button.setVisible(video is not None and self.exportable)

    def play(self) -> None:
        if self.video is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.video)))

    def reveal(self) -> None:
        if self.video is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.video.parent)))


class JobsPanel(QWidget):
    """Rows for the jobs of the ``types`` that ``wanted`` accepts, newest at the top."""

    job_finished = Signal(str, str, str)
    """job id, job type, status: after the panel updated its row."""
    export_requested = Signal(str, str)
    """job id of a finished render, export preset key"""

    def __init__(
        self,
        adapter: JobsAdapter,
        jobs: JobQueue,
        title: str,
        wanted: Callable[[JobInfo], bool],
        types: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.wanted = wanted
        self.types = types
        self.rows: dict[str, JobRow] = {}
        self._ignored: set[str] = set()
        heading = QLabel(title)
        heading.setObjectName("Muted")
        self.empty = QLabel("Nothing queued.")
        self.empty.setObjectName("Muted")
        self._list = QVBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.addWidget(self.empty)
        self._list.addStretch(1)
        holder = QWidget()
        holder.setLayout(self._list)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        adapter.updated.connect(self._on_update)

    def show_jobs(self, infos: list[JobInfo]) -> None:
        """Replace the rows with these jobs (oldest first in ``infos`` ends at the bottom)."""
        for row in self.rows.values():
            row.deleteLater()
        self.rows.clear()
        self._ignored.clear()
        for info in sorted(infos, key=lambda item: item.created_at):
            self.add_job(info)
        self.empty.setVisible(not self.rows)

    def add_job(self, info: JobInfo) -> JobRow:
        row = JobRow(info)
        row.cancel_requested.connect(self.cancel)
        row.export_requested.connect(self.export_requested)
        if info.status == "succeeded":
            row.set_video(_video_of(info))
        self.rows[info.id] = row
        self._list.insertWidget(0, row)
        self.empty.setVisible(False)
        return row

    def cancel(self, job_id: str) -> None:
        try:
            info = self.jobs.cancel(job_id)
        except NoSuchJob:
            return
        row = self.rows.get(job_id)
        if row is not None and info.status == "cancelled":
            row.apply(info.status, info.progress, "cancelled")

    def _on_update(self, update: JobUpdate) -> None:
        row = self.rows.get(update.job_id)
        if row is None:
            if update.job_id in self._ignored or not self.types(update.job_type):
                return
            try:
                info = self.jobs.get(update.job_id)
            except NoSuchJob:
                return
            if not self.wanted(info):
                self._ignored.add(update.job_id)
                return
            row = self.add_job(info)
        if update.kind == "log":
            return
        row.apply(update.status, update.progress, update.message)
        if update.status in FINISHED and update.kind in ("status", "error"):
            self._finish(row, update)

    def _finish(self, row: JobRow, update: JobUpdate) -> None:
        info = self.jobs.get(update.job_id)
        if info.status == "succeeded":
            row.set_video(_video_of(info))
            row.apply(info.status, 1.0, info.message or "done")
        elif info.status == "failed":
            row.apply(info.status, None, info.error or "failed")
        for other in list(self.rows.values()):
            if other.status not in FINISHED:
                try:
                    fresh = self.jobs.get(other.job_id)
                except NoSuchJob:
                    continue
                if fresh.status != other.status and fresh.status in FINISHED:
                    other.apply(fresh.status, fresh.progress, fresh.error or fresh.message)
        self.job_finished.emit(update.job_id, update.job_type, update.status)


def _video_of(info: JobInfo) -> Path | None:
    video = (info.result or {}).get("video")
    return Path(str(video)) if video else None
