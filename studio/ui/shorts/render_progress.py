"""One progress view for a "Render all" batch: the overall bar, and each variant's status.

The ``shorts.render_variants`` job renders its variants in order, each taking an equal share of
its progress, so the share done says which variant is rendering now and which are done. The
library is the truth once the job finishes (the tab re-reads it then); this view only says what
is happening meanwhile, through ``variant_status`` (ShortVariant id, status).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.jobs import JobQueue, JobUpdate, NoSuchJob
from studio.ui.jobs_adapter import JobsAdapter
from studio.ui.shorts.shorts_model import VariantRow

BAR_STEPS = 1000


class BatchProgress(QGroupBox):
    variant_status = Signal(str, str)
    """ShortVariant id, its status now (rendering, rendered or failed)."""

    def __init__(self, jobs: JobQueue, adapter: JobsAdapter, parent: QWidget | None = None) -> None:
        super().__init__("Render all", parent)
        self.jobs = jobs
        self.job_id: str | None = None
        self.todo: list[VariantRow] = []
        self.statuses: dict[str, str] = {}
        self.bar = QProgressBar()
        self.bar.setRange(0, BAR_STEPS)
        self.message = QLabel("")
        self.message.setObjectName("Muted")
        self.message.setWordWrap(True)
        self.variants = QLabel("")
        self.variants.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        top = QHBoxLayout()
        top.addWidget(self.bar, 1)
        top.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.variants)
        adapter.updated.connect(self._updated)
        self.setVisible(False)

    @property
    def running(self) -> bool:
        return self.job_id is not None

    def percent(self) -> int:
        return round(100 * self.bar.value() / BAR_STEPS)

    def start(self, job_id: str, todo: list[VariantRow]) -> None:
        """Follow the render job ``job_id`` of the variants ``todo`` (in render order)."""
        self.job_id = job_id
        self.todo = list(todo)
        self.statuses = {row.id: "planned" for row in self.todo}
        self.bar.setValue(0)
        self.message.setText(f"Waiting to render {len(todo)} variant(s)…")
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        self._show_statuses()

    def cancel(self) -> None:
        if self.job_id is None:
            return
        try:
            self.jobs.cancel(self.job_id)
        except NoSuchJob:
            return
        self.message.setText("Cancelling…")

    def _updated(self, update: JobUpdate) -> None:
        if update.job_id != self.job_id:
            return
        if update.progress is not None:
            self.bar.setValue(round(max(0.0, min(1.0, update.progress)) * BAR_STEPS))
        if update.message and update.kind != "log":
            self.message.setText(update.message)
        if update.status == "running" and update.progress is not None and self.todo:
            current = min(int(update.progress * len(self.todo)), len(self.todo) - 1)
            for number, row in enumerate(self.todo):
                if number < current:
                    self._set(row.id, "rendered")
                elif number == current:
                    self._set(row.id, "rendering")
        if update.status in ("succeeded", "failed", "cancelled") and update.kind != "log":
            self._finished(update.status, update.message)

    def _finished(self, status: str, message: str) -> None:
        self.job_id = None
        self.cancel_button.setEnabled(False)
        if status == "succeeded":
            self.bar.setValue(BAR_STEPS)
            for row in self.todo:
                self._set(row.id, "rendered")
            self.message.setText(f"Rendered {len(self.todo)} variant(s).")
            return
        for row_id, now in list(self.statuses.items()):
            if now == "rendering":
                self._set(row_id, "failed" if status == "failed" else "planned")
        self.message.setText(f"Render {status}: {message}".strip(": "))

    def _set(self, row_id: str, status: str) -> None:
        if self.statuses.get(row_id) == status:
            return
        self.statuses[row_id] = status
        self.variant_status.emit(row_id, status)
        self._show_statuses()

    def _show_statuses(self) -> None:
        self.variants.setText(
            "  ".join(f"{row.variant_id}: {self.statuses.get(row.id, '')}" for row in self.todo)
        )
