"""The preview and the timeline kept in step, with the transport keys.

Keys work while the preview or the timeline has focus: Space plays or pauses, L plays, K
pauses, J jumps back a second, the arrows step one frame (a second with Shift). Clicking or
dragging on the timeline seeks, and asks for the shot under the playhead to be selected.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from studio.pipeline.timeline import Timeline
from studio.ui.cinema.timeline_items import shot_at, timeline_items
from studio.ui.widgets.preview import PreviewPlayer
from studio.ui.widgets.timeline import TimelineView


class Player(QWidget):
    shot_under_playhead = Signal(str)
    """A seek by the user landed on this shot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.preview = PreviewPlayer()
        self.timeline = TimelineView()
        self.plan: dict[str, Any] | None = None
        self.playhead = 0.0
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.preview)
        splitter.addWidget(self.timeline)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.preview.time_changed.connect(self._time_changed)
        self.timeline.canvas.seek_requested.connect(self.seek_by_user)
        self._keys()

    def _keys(self) -> None:
        bindings = (
            ("Space", self.preview.toggle),
            ("K", self.preview.pause),
            ("L", self.preview.play),
            ("J", lambda: self.seek_by_user(self.playhead - 1.0)),
            ("Left", lambda: self.preview.step_frames(-1)),
            ("Right", lambda: self.preview.step_frames(1)),
            ("Shift+Left", lambda: self.seek_by_user(self.playhead - 1.0)),
            ("Shift+Right", lambda: self.seek_by_user(self.playhead + 1.0)),
        )
        for keys, action in bindings:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)

    def set_plan(self, plan: dict[str, Any] | None) -> None:
        """Draw the plan's tracks now; the preview follows once its media is ready."""
        self.plan = plan
        if plan is None:
            self.timeline.set_items([], 0.0)
            self.preview.set_timeline(None, "Open or create a production, then press Plan.")
            return
        self.timeline.set_items(timeline_items(plan), float(plan.get("duration_seconds", 0.0)))
        self.timeline.canvas.set_playhead(self.playhead)

    def set_timeline(self, timeline: Timeline | None, message: str = "") -> None:
        self.preview.set_timeline(timeline, message)
        if timeline is not None:
            self.preview.seek(self.playhead)

    def seek(self, seconds: float) -> None:
        duration = float(self.plan.get("duration_seconds", 0.0)) if self.plan else 0.0
        self.playhead = min(max(0.0, seconds), duration)
        if self.preview.timeline is not None:
            self.preview.seek(self.playhead)
        else:
            self.timeline.canvas.set_playhead(self.playhead)

    def seek_by_user(self, seconds: float) -> None:
        self.seek(seconds)
        if self.plan is not None:
            shot = shot_at(self.plan, self.playhead)
            if shot is not None:
                self.timeline.canvas.select("shots", shot)
                self.shot_under_playhead.emit(shot)

    def _time_changed(self, seconds: float) -> None:
        self.playhead = seconds
        self.timeline.canvas.set_playhead(seconds)
