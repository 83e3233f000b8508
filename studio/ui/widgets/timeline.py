"""The timeline: one row per track (shots, text, voice, music), a ruler and a playhead.

A plain painted QWidget inside a scroll area: the items are few (a film has tens of shots), so
painting them all is cheaper and simpler than a scene graph. Click or drag seeks; Ctrl+wheel or
the zoom buttons change the seconds-per-pixel scale; clicking an item also selects it. An asset
dragged from the asset bin onto a shot item asks for that shot to show it (``asset_dropped``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from studio.ui import theme
from studio.ui.cinema.assets_model import ASSET_MIME, decode_asset_drag
from studio.ui.cinema.timeline_items import TRACKS, TrackItem

HEADER = 64
TAIL = 28
"""Room after the end, so the last ruler label is not cut."""
RULER = 22
ROW = 30
GAP = 4
TRACK_COLOURS = {
    "shots": theme.CYAN,
    "text": "#ffd166",
    "voice": theme.MAGENTA,
    "music": "#7c5cff",
}
TRACK_NAMES = {"shots": "Shots", "text": "Text", "voice": "Voice", "music": "Music"}
MIN_SCALE, MAX_SCALE = 4.0, 800.0


def _tick_step(pixels_per_second: float) -> float:
    """A ruler step (1, 2, 5 x 10^n seconds) that leaves about 80 px between labels."""
    target = 80 / pixels_per_second
    for base in (1, 2, 5):
        for power in range(-2, 5):
            step = base * 10.0**power
            if step >= target:
                return step
    return 10_000.0


class TimelineCanvas(QWidget):
    seek_requested = Signal(float)
    item_clicked = Signal(str, str)
    """track, item id"""
    asset_dropped = Signal(str, list)
    """shot id, the dragged assets ({"id", "kind", "name"} each)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[TrackItem] = []
        self.duration = 0.0
        self.playhead = 0.0
        self.selected: tuple[str, str] | None = None
        self.pixels_per_second = 40.0
        self.fit_to_width = True
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMinimumHeight(RULER + len(TRACKS) * (ROW + GAP) + GAP)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_items(self, items: list[TrackItem], duration: float) -> None:
        self.items = items
        self.duration = max(0.0, duration)
        self._relayout()

    def set_playhead(self, seconds: float) -> None:
        if seconds != self.playhead:
            self.playhead = seconds
            self.update()

    def select(self, track: str, item_id: str) -> None:
        self.selected = (track, item_id)
        self.update()

    def set_scale(self, pixels_per_second: float, fit: bool = False) -> None:
        self.pixels_per_second = min(MAX_SCALE, max(MIN_SCALE, pixels_per_second))
        self.fit_to_width = fit
        self._relayout()

    def fit(self, width: int) -> None:
        if self.duration > 0:
            self.pixels_per_second = min(
                MAX_SCALE, max(MIN_SCALE, (width - HEADER - TAIL) / self.duration)
            )
        self._relayout()

    def _relayout(self) -> None:
        width = HEADER + math.ceil(self.duration * self.pixels_per_second) + TAIL
        self.setFixedSize(width, RULER + len(TRACKS) * (ROW + GAP) + GAP)
        self.update()

    def x_of(self, seconds: float) -> float:
        return HEADER + seconds * self.pixels_per_second

    def seconds_at(self, x: float) -> float:
        return min(self.duration, max(0.0, (x - HEADER) / self.pixels_per_second))

    def item_rect(self, item: TrackItem) -> QRectF:
        row = TRACKS.index(item.track)
        top = RULER + GAP + row * (ROW + GAP)
        left = self.x_of(item.start)
        return QRectF(left, top, max(2.0, self.x_of(item.end) - left - 1), ROW)

    def item_at(self, point: QPointF) -> TrackItem | None:
        for item in reversed(self.items):
            if self.item_rect(item).contains(point):
                return item
        return None

    # Painting

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor(theme.PANEL))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 2))
        painter.setFont(small)
        self._paint_ruler(painter)
        for row, track in enumerate(TRACKS):
            top = RULER + GAP + row * (ROW + GAP)
            painter.fillRect(QRectF(0, top, self.width(), ROW), QColor(theme.BACKGROUND))
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(
                QRectF(6, top, HEADER - 8, ROW),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                TRACK_NAMES[track],
            )
        for item in self.items:
            self._paint_item(painter, item)
        x = self.x_of(self.playhead)
        painter.setPen(QPen(QColor(theme.MAGENTA), 2))
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width(), RULER), QColor(theme.RAISED))
        step = _tick_step(self.pixels_per_second)
        painter.setPen(QColor(theme.MUTED))
        count = int(self.duration / step) + 1
        for index in range(count + 1):
            seconds = index * step
            if seconds > self.duration + 1e-6:
                break
            x = self.x_of(seconds)
            painter.drawLine(QPointF(x, RULER - 6), QPointF(x, RULER))
            label = (
                f"{seconds:g}s" if step < 60 else f"{int(seconds // 60)}:{int(seconds % 60):02d}"
            )
            painter.drawText(QPointF(x + 3, RULER - 8), label)

    def _paint_item(self, painter: QPainter, item: TrackItem) -> None:
        rect = self.item_rect(item)
        colour = QColor(TRACK_COLOURS[item.track])
        fill = QColor(colour)
        fill.setAlpha(60)
        selected = self.selected == (item.track, item.item_id)
        painter.setPen(QPen(colour, 2 if selected else 1))
        painter.setBrush(fill if not selected else colour.darker(250))
        painter.drawRoundedRect(rect, 5, 5)
        painter.setPen(QColor(theme.TEXT))
        text_rect = rect.adjusted(5, 0, -4, 0)
        label = painter.fontMetrics().elidedText(
            item.label, Qt.TextElideMode.ElideRight, int(text_rect.width())
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, label)

    # Input

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            point = event.position()
            item = self.item_at(point)
            if item is not None:
                self.select(item.track, item.item_id)
                self.item_clicked.emit(item.track, item.item_id)
            self.seek_requested.emit(self.seconds_at(point.x()))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.seek_requested.emit(self.seconds_at(event.position().x()))
        super().mouseMoveEvent(event)

    def shot_at(self, point: QPointF) -> str | None:
        item = self.item_at(point)
        return item.item_id if item is not None and item.track == "shots" else None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(ASSET_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        over_shot = self.shot_at(event.position()) is not None
        if event.mimeData().hasFormat(ASSET_MIME) and over_shot:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        assets = decode_asset_drag(bytes(mime.data(ASSET_MIME).data()))
        shot_id = self.shot_at(event.position())
        if not assets or shot_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.select("shots", shot_id)
        self.asset_dropped.emit(shot_id, assets)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.set_scale(self.pixels_per_second * factor)
            event.accept()
        else:
            super().wheelEvent(event)


class TimelineView(QWidget):
    """The canvas in a horizontal scroll area, with zoom buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = TimelineCanvas()
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidget(self.canvas)
        self.scroll_area.setWidgetResizable(False)
        self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setFixedHeight(self.canvas.minimumHeight() + 18)
        zoom_in = QPushButton("+")
        zoom_out = QPushButton("-")
        fit = QPushButton("Fit")
        for button, tip in (
            (zoom_in, "Zoom in (Ctrl+wheel)"),
            (zoom_out, "Zoom out"),
            (fit, "Fit"),
        ):
            button.setToolTip(tip)
            button.setFixedWidth(44)
        zoom_in.clicked.connect(lambda: self.canvas.set_scale(self.canvas.pixels_per_second * 1.5))
        zoom_out.clicked.connect(lambda: self.canvas.set_scale(self.canvas.pixels_per_second / 1.5))
        fit.clicked.connect(self._fit)
        buttons = QHBoxLayout()
        title = QLabel("Timeline")
        title.setObjectName("Muted")
        buttons.addWidget(title)
        buttons.addStretch(1)
        for button in (zoom_out, zoom_in, fit):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.scroll_area)

    def set_items(self, items: list[TrackItem], duration: float) -> None:
        self.canvas.set_items(items, duration)
        if self.canvas.fit_to_width:
            self._fit()

    def _fit(self) -> None:
        self.canvas.fit_to_width = True
        self.canvas.fit(self.scroll_area.viewport().width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.canvas.fit_to_width:
            self._fit()

    def shot_items(self) -> list[TrackItem]:
        return [item for item in self.canvas.items if item.track == "shots"]
