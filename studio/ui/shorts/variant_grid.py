"""The variants as a grid of cards: the engine's frame at the hook moment, a status badge, the
hook, format and length; hovering a card plays a few engine frames of it.

Frames are drawn on a pool thread, one variant at a time (the window stays responsive and the
machine's other work keeps its cores), and cached by the plan they were drawn from, so a refresh
redraws only the variants whose plan changed.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from studio.pipeline.yuv import U8
from studio.services.library.db import Library
from studio.spec import BrandKit
from studio.ui import theme
from studio.ui.background import run_in_background
from studio.ui.shorts.shorts_model import VariantRow
from studio.ui.shorts.variant_frames import play_times, variant_frames

THUMB_SIDE = 200
"""Longest side of a card's picture in pixels."""
DRAWN_SIDE = 360
"""Longest side the engine draws a thumbnail at: text is laid out as on a phone-sized
preview (at 200 px a long hook wraps into an ellipsis), then scaled down to the card."""
CARD = QSize(THUMB_SIDE + 16, THUMB_SIDE + 64)
FRAME_MS = 120
FORMAT_NAMES = {"9_16": "9:16 vertical", "1_1": "1:1 square", "4_5": "4:5 portrait"}
FORMAT_NAMES |= {"16_9": "16:9 landscape"}
STATUS_COLOURS = {
    "planned": theme.MUTED,
    "rendering": theme.CYAN,
    "rendered": theme.MAGENTA,
    "failed": theme.DANGER,
}
ROW_ROLE = Qt.ItemDataRole.UserRole
STATUS_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def to_image(rgb: U8) -> QImage:
    """A QImage that owns a copy of the RGB array's pixels."""
    data = np.ascontiguousarray(rgb)
    height, width = data.shape[:2]
    return QImage(data.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def plan_key(row: VariantRow) -> str:
    """What the variant's pixels depend on: its plan less the publish suggestions."""
    drawn = {key: value for key, value in row.plan.items() if key != "publish_suggestions"}
    return json.dumps(drawn, sort_keys=True)


class VariantGridModel(QAbstractListModel):
    """The variants in order, each with its thumbnail (or hover frame) and status."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[VariantRow] = []
        self.thumbnails: dict[str, QImage] = {}
        self.statuses: dict[str, str] = {}
        """Statuses the render reports before the library has them (rendering, failed)."""
        self.playing: tuple[str, QImage] | None = None

    def set_rows(self, rows: list[VariantRow]) -> None:
        """Show ``rows``; the library's status wins, except a failed render's badge stays on
        a variant that is still unrendered (the library only knows it as planned)."""
        unrendered = {row.id for row in rows if not row.rendered}
        self.beginResetModel()
        self.rows = list(rows)
        self.statuses = {
            row_id: status
            for row_id, status in self.statuses.items()
            if status == "failed" and row_id in unrendered
        }
        self.endResetModel()

    def row_of(self, row_id: str) -> int:
        return next((n for n, row in enumerate(self.rows) if row.id == row_id), -1)

    def status_of(self, row: VariantRow) -> str:
        return self.statuses.get(row.id, "rendered" if row.rendered else row.status)

    def set_status(self, row_id: str, status: str) -> None:
        self.statuses[row_id] = status
        self._changed(row_id)

    def set_thumbnail(self, row_id: str, image: QImage) -> None:
        self.thumbnails[row_id] = image
        self._changed(row_id)

    def set_playing(self, row_id: str | None, image: QImage | None = None) -> None:
        before = self.playing[0] if self.playing else None
        self.playing = (row_id, image) if row_id is not None and image is not None else None
        for changed in {before, row_id} - {None}:
            self._changed(str(changed))

    def _changed(self, row_id: str) -> None:
        number = self.row_of(row_id)
        if number >= 0:
            self.dataChanged.emit(self.index(number), self.index(number))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.hook
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.variant_id}\n{row.title}\n{' '.join(row.hashtags)}".strip()
        if role == Qt.ItemDataRole.DecorationRole:
            if self.playing is not None and self.playing[0] == row.id:
                return self.playing[1]
            return self.thumbnails.get(row.id)
        if role == ROW_ROLE:
            return row
        if role == STATUS_ROLE:
            return self.status_of(row)
        return None


class VariantCard(QStyledItemDelegate):
    """Paints one card: thumbnail on black, badge, hook (two lines), format and length."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return CARD

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, VariantRow):
            return
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        border = theme.CYAN if selected else (theme.MAGENTA if hovered else theme.BORDER)
        painter.setPen(QColor(border))
        painter.setBrush(QColor(theme.RAISED))
        painter.drawRoundedRect(rect, 8, 8)
        picture = QRect(rect.left() + 4, rect.top() + 4, rect.width() - 8, THUMB_SIDE)
        painter.fillRect(picture, QColor("#000000"))
        image = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(image, QImage) and not image.isNull():
            scaled = image.size().scaled(picture.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(picture.center())
            painter.drawImage(target, image)
        else:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(picture, Qt.AlignmentFlag.AlignCenter, "Drawing…")
        self._badge(painter, picture, str(index.data(STATUS_ROLE)))
        text = QRect(rect.left() + 6, picture.bottom() + 4, rect.width() - 12, 34)
        painter.setPen(QColor(theme.TEXT))
        hook = painter.fontMetrics().elidedText(row.hook, Qt.TextElideMode.ElideRight, 2 * 190)
        painter.drawText(text, Qt.TextFlag.TextWordWrap, hook)
        painter.setPen(QColor(theme.MUTED))
        details = f"{FORMAT_NAMES.get(row.format, row.format)} · {row.duration:.1f} s"
        painter.drawText(
            QRect(rect.left() + 6, text.bottom() + 2, rect.width() - 12, 18),
            Qt.AlignmentFlag.AlignLeft,
            details,
        )
        painter.restore()

    def _badge(self, painter: QPainter, picture: QRect, status: str) -> None:
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(status) + 12
        badge = QRect(picture.left() + 6, picture.top() + 6, width, 18)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(STATUS_COLOURS.get(status, theme.MUTED)))
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor(theme.BACKGROUND))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, status)
        font.setBold(False)
        painter.setFont(font)


class VariantGrid(QListView):
    """The grid; ``thumbnails_done`` fires when every shown variant has its thumbnail."""

    thumbnails_done = Signal()
    variant_chosen = Signal(str)
    """A card was clicked: the ShortVariant id."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.kit: BrandKit | None = None
        self.grid_model = VariantGridModel(self)
        self.setModel(self.grid_model)
        self.setItemDelegate(VariantCard(self))
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setMouseTracking(True)
        self.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self._drawn: dict[str, str] = {}
        """row id -> the plan its thumbnail shows."""
        self._queue: list[VariantRow] = []
        self._drawing = False
        self._frames: dict[str, tuple[str, list[QImage]]] = {}
        """row id -> (plan, hover frames)."""
        self._hovered: str | None = None
        self._frame = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._next_frame)
        self.entered.connect(self._hover)
        self.clicked.connect(self._clicked)

    # Content

    def set_rows(self, rows: list[VariantRow], kit: BrandKit | None) -> None:
        """Show ``rows``; thumbnails of new or changed plans are drawn in the background."""
        self._stop_playing()
        if kit != self.kit:
            self._drawn.clear()
            self._frames.clear()
        self.kit = kit
        self.grid_model.set_rows(rows)
        self._queue = [row for row in rows if self._drawn.get(row.id) != plan_key(row)]
        self._draw_next()

    def rows(self) -> list[VariantRow]:
        return list(self.grid_model.rows)

    def thumbnail(self, row_id: str) -> QImage | None:
        return self.grid_model.thumbnails.get(row_id)

    def pending_thumbnails(self) -> int:
        return len(self._queue) + int(self._drawing)

    def _draw_next(self) -> None:
        if self._drawing:
            return
        if not self._queue:
            self.thumbnails_done.emit()
            return
        row = self._queue.pop(0)
        self._drawing = True
        key, kit = plan_key(row), self.kit
        run_in_background(
            self,
            lambda: variant_frames(self.library, row.plan, kit, DRAWN_SIDE),
            lambda frames: self._thumbnail_drawn(row.id, key, frames[0]),
            lambda message: self._thumbnail_failed(row.id, message),
        )

    def _thumbnail_drawn(self, row_id: str, key: str, rgb: U8) -> None:
        self._drawing = False
        self._drawn[row_id] = key
        self.grid_model.set_thumbnail(row_id, to_image(rgb))
        self._draw_next()

    def _thumbnail_failed(self, row_id: str, message: str) -> None:
        """The card keeps its "Drawing…" placeholder; the grid's tooltip says why."""
        self._drawing = False
        self.setToolTip(f"A preview could not be drawn: {message}")
        self._draw_next()

    # Hover playback

    def _hover(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, VariantRow) or row.id == self._hovered:
            return
        self._stop_playing()
        self._hovered = row.id
        cached = self._frames.get(row.id)
        if cached is not None and cached[0] == plan_key(row):
            self._start_playing()
            return
        key, kit = plan_key(row), self.kit
        run_in_background(
            self,
            lambda: variant_frames(self.library, row.plan, kit, DRAWN_SIDE, play_times(row.plan)),
            lambda frames: self._frames_drawn(row.id, key, frames),
        )

    def _frames_drawn(self, row_id: str, key: str, frames: list[U8]) -> None:
        self._frames[row_id] = (key, [to_image(rgb) for rgb in frames])
        if self._hovered == row_id:
            self._start_playing()

    def _start_playing(self) -> None:
        self._frame = 0
        self._timer.start()
        self._next_frame()

    def _next_frame(self) -> None:
        cached = self._frames.get(self._hovered or "")
        if cached is None or not cached[1]:
            self._stop_playing()
            return
        images = cached[1]
        self.grid_model.set_playing(self._hovered, images[self._frame % len(images)])
        self._frame += 1

    def _stop_playing(self) -> None:
        self._timer.stop()
        self._hovered = None
        self.grid_model.set_playing(None)

    def playing(self) -> str | None:
        """The variant whose frames the grid is playing now, if any."""
        return self.grid_model.playing[0] if self.grid_model.playing else None

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._stop_playing()
        return super().viewportEvent(event)

    def _clicked(self, index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if isinstance(row, VariantRow):
            self.variant_chosen.emit(row.id)
