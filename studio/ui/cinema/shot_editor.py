"""The editor of one shot: its timing, source, camera and the position of its overlays.

Every field goes through the document's undoable commands. A timing the spec rejects (a shot
overlapping its neighbour, an end before the start) is not applied: the message under the
fields names the field and says why, and the typed values stay for the user to fix.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.spec import CameraMovement, Framing, Position
from studio.ui.cinema.plan_checks import EditRefused
from studio.ui.cinema.plan_document import PlanDocument
from studio.ui.cinema.timeline_items import clip_text, span_text

POSITION_GRID = (
    (Position.TOP_LEFT, Position.TOP_CENTER, Position.TOP_RIGHT),
    (Position.CENTER_LEFT, Position.CENTER, Position.CENTER_RIGHT),
    (Position.BOTTOM_LEFT, Position.BOTTOM_CENTER, Position.BOTTOM_RIGHT),
)
ARROWS = {
    Position.TOP_LEFT: "↖",
    Position.TOP_CENTER: "↑",
    Position.TOP_RIGHT: "↗",
    Position.CENTER_LEFT: "←",
    Position.CENTER: "•",
    Position.CENTER_RIGHT: "→",
    Position.BOTTOM_LEFT: "↙",
    Position.BOTTOM_CENTER: "↓",
    Position.BOTTOM_RIGHT: "↘",
}


def _seconds_box() -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(2)
    box.setSingleStep(0.1)
    box.setSuffix(" s")
    box.setKeyboardTracking(False)
    box.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.PlusMinus)
    return box


def _overlay_label(number: int, overlay: dict[str, Any]) -> str:
    if overlay.get("type", "text") == "text":
        return f"{number}: text “{clip_text(str(overlay.get('text', '')), 30)}”"
    return f"{number}: picture"


class PositionPicker(QWidget):
    """Nine buttons laid out as the frame: the checked one is where the overlay sits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(2)
        for row, line in enumerate(POSITION_GRID):
            for column, position in enumerate(line):
                button = QPushButton(ARROWS[position])
                button.setCheckable(True)
                button.setFixedSize(30, 24)
                button.setToolTip(position.value.replace("_", " "))
                self.group.addButton(button)
                self.buttons[position.value] = button
                grid.addWidget(button, row, column)

    def set_position(self, position: str) -> None:
        button = self.buttons.get(position)
        if button is not None:
            button.setChecked(True)

    def position(self) -> str:
        for value, button in self.buttons.items():
            if button.isChecked():
                return value
        return ""


class ShotEditor(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: PlanDocument | None = None
        self.shot_id = ""
        self._loading = False
        self.timing = QLabel("")
        self.timing.setObjectName("Muted")
        self.start = _seconds_box()
        self.end = _seconds_box()
        self.start.editingFinished.connect(self.commit_timing)
        self.end.editingFinished.connect(self.commit_timing)
        times = QHBoxLayout()
        times.addWidget(self.start)
        times.addWidget(QLabel("to"))
        times.addWidget(self.end)
        self.problem = QLabel("")
        self.problem.setObjectName("Problem")
        self.problem.setWordWrap(True)
        self.source = QLabel("")
        self.source.setWordWrap(True)
        self.source.setToolTip("Drag a photo or clip from Assets onto this shot to use it")
        self.movement = QComboBox()
        self.movement.addItems([item.value for item in CameraMovement])
        self.framing = QComboBox()
        self.framing.addItems([item.value for item in Framing])
        self.movement.currentTextChanged.connect(self._commit_camera)
        self.framing.currentTextChanged.connect(self._commit_camera)
        self.overlay = QComboBox()
        self.overlay.currentIndexChanged.connect(self._show_overlay_position)
        self.position = PositionPicker()
        self.position.group.buttonClicked.connect(self._commit_position)
        self.no_overlays = QLabel("No overlays on this shot.")
        self.no_overlays.setObjectName("Muted")
        overlays = QWidget()
        overlay_layout = QVBoxLayout(overlays)
        overlay_layout.setContentsMargins(0, 0, 0, 0)
        overlay_layout.addWidget(self.no_overlays)
        overlay_layout.addWidget(self.overlay)
        overlay_layout.addWidget(self.position)
        form = QFormLayout(self)
        form.addRow("Shot", self.timing)
        form.addRow("Time", times)
        form.addRow("", self.problem)
        form.addRow("Source", self.source)
        form.addRow("Camera", self.movement)
        form.addRow("Framing", self.framing)
        form.addRow("Overlays", overlays)

    def show_shot(self, document: PlanDocument, shot_id: str) -> None:
        self.document, self.shot_id = document, shot_id
        self.problem.setText("")
        self.refresh()

    def refresh(self) -> None:
        if self.document is None or not self.shot_id:
            return
        try:
            shot = self.document.shot(self.shot_id)
        except KeyError:
            return
        source = shot.get("source", {})
        what = source.get("asset_id") or source.get("generation_prompt") or ""
        self.timing.setText(f"{self.shot_id} · {span_text(shot)}")
        self.source.setText(f"{source.get('type', '')}: {clip_text(str(what), 120)}")
        camera = shot.get("camera", {})
        self._loading = True
        for box, key in ((self.start, "start_time"), (self.end, "end_time")):
            box.setRange(0.0, max(self.document.duration, float(shot[key])))
            box.setValue(float(shot[key]))
        self.problem.setText("")
        self.movement.setCurrentText(str(camera.get("movement", CameraMovement.STATIC.value)))
        self.framing.setCurrentText(str(camera.get("framing", Framing.MEDIUM_SHOT.value)))
        chosen = max(0, self.overlay.currentIndex())
        self.overlay.clear()
        overlays = shot.get("overlays", [])
        self.overlay.addItems(
            [_overlay_label(number + 1, item) for number, item in enumerate(overlays)]
        )
        self.overlay.setCurrentIndex(min(chosen, len(overlays) - 1))
        for widget in (self.overlay, self.position):
            widget.setVisible(bool(overlays))
        self.no_overlays.setVisible(not overlays)
        self._loading = False
        self._show_overlay_position()

    def commit_timing(self) -> None:
        """Apply the typed start and end, or say (naming the field) why they are refused."""
        if self._loading or self.document is None or not self.shot_id:
            return
        try:
            self.document.set_timing(self.shot_id, self.start.value(), self.end.value())
        except EditRefused as refusal:
            self.problem.setText(f"Not applied: {refusal.field} {refusal.reason}")
            return
        self.problem.setText("")

    def _commit_camera(self) -> None:
        if self._loading or self.document is None or not self.shot_id:
            return
        self.document.set_camera(
            self.shot_id, self.movement.currentText(), self.framing.currentText()
        )

    def _show_overlay_position(self) -> None:
        if self._loading or self.document is None or not self.shot_id:
            return
        overlays = self.document.shot(self.shot_id).get("overlays", [])
        index = self.overlay.currentIndex()
        if 0 <= index < len(overlays):
            is_text = overlays[index].get("type", "text") == "text"
            default = Position.BOTTOM_CENTER if is_text else Position.TOP_RIGHT
            self.position.set_position(str(overlays[index].get("position", default.value)))

    def _commit_position(self) -> None:
        if self._loading or self.document is None or not self.shot_id:
            return
        index = self.overlay.currentIndex()
        try:
            self.document.set_overlay_position(self.shot_id, index, self.position.position())
        except EditRefused as refusal:
            self.problem.setText(f"Not applied: {refusal.field} {refusal.reason}")
