"""The asset bin: a production's files as cards with thumbnails and kind badges.

Cards drag out (``ASSET_MIME``) onto the plan's shots, to show that file in the shot. Files,
folders and zips dropped from the file manager (or picked in a dialog) become a
``cinema.ingest`` job; each rejected file is listed under the bin with its reason while the rest
of the batch imports. Thumbnails are made on a pool thread and appear as they arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui import theme
from studio.ui.background import run_in_background
from studio.ui.cinema.assets_model import ASSET_MIME, AssetRow, encode_asset_drag, thumbnail

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
CARD = QSize(172, 150)
KIND_COLOURS = {
    "image": theme.CYAN,
    "video": theme.MAGENTA,
    "audio": "#7c5cff",
    "script": "#ffd166",
    "font": theme.MUTED,
}
Index = QModelIndex | QPersistentModelIndex


def _thumb_image(row: AssetRow, folder: Path) -> QImage | None:
    path = thumbnail(row, folder)
    return QImage(str(path)) if path is not None else None


class AssetListModel(QAbstractListModel):
    def __init__(self, thumbs_folder: Path) -> None:
        super().__init__()
        self.thumbs_folder = thumbs_folder
        self.assets: list[AssetRow] = []
        self._thumbs: dict[str, QPixmap] = {}
        self._asked: set[str] = set()

    def set_assets(self, assets: list[AssetRow]) -> None:
        self.beginResetModel()
        self.assets = list(assets)
        self.endResetModel()
        for row in self.assets:
            if row.id not in self._thumbs and row.id not in self._asked:
                self._asked.add(row.id)
                run_in_background(
                    self,
                    partial(_thumb_image, row, self.thumbs_folder),
                    partial(self._set_thumb, row.id),
                )

    def _set_thumb(self, asset_id: str, image: QImage | None) -> None:
        if image is None or image.isNull():
            return
        self._thumbs[asset_id] = QPixmap.fromImage(image)
        for number, row in enumerate(self.assets):
            if row.id == asset_id:
                index = self.index(number)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.assets)

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else flags

    def mimeTypes(self) -> list[str]:
        return [ASSET_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({index.row() for index in indexes if index.isValid()})
        mime = QMimeData()
        mime.setData(ASSET_MIME, encode_asset_drag([self.assets[row] for row in rows]))
        return mime

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.assets):
            return None
        row = self.assets[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.name}\n{row.details}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(row.id)
        if role == ROW_ROLE:
            return row
        return None


class AssetCardDelegate(QStyledItemDelegate):
    """A card: the thumbnail (or the kind's initial), a kind badge, the name and the details."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return CARD

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(ROW_ROLE)
        if not isinstance(row, AssetRow):
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        colour = QColor(KIND_COLOURS.get(row.kind, theme.MUTED))
        painter.setPen(colour if selected else QColor(theme.BORDER))
        painter.setBrush(QColor(theme.RAISED))
        painter.drawRoundedRect(rect, 8, 8)
        picture_rect = QRect(rect.left() + 6, rect.top() + 6, rect.width() - 12, rect.height() - 52)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            scaled = pixmap.scaled(
                picture_rect.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            x = picture_rect.left() + (picture_rect.width() - scaled.width()) // 2
            y = picture_rect.top() + (picture_rect.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        else:
            painter.fillRect(picture_rect, QColor(theme.PANEL))
            painter.setPen(colour)
            painter.drawText(picture_rect, Qt.AlignmentFlag.AlignCenter, row.kind.upper())
        badge_font = painter.font()
        badge_font.setBold(True)
        badge_font.setPointSizeF(max(7.0, badge_font.pointSizeF() - 2))
        painter.setFont(badge_font)
        badge_width = painter.fontMetrics().horizontalAdvance(row.kind) + 12
        badge = QRect(picture_rect.left() + 4, picture_rect.top() + 4, badge_width, 16)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(badge, 6, 6)
        painter.setPen(QColor(theme.BACKGROUND))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, row.kind)
        text_rect = QRect(rect.left() + 8, picture_rect.bottom() + 4, rect.width() - 16, 18)
        painter.setFont(option.font)
        painter.setPen(QColor(theme.TEXT))
        metrics = painter.fontMetrics()
        name = metrics.elidedText(row.name, Qt.TextElideMode.ElideMiddle, text_rect.width())
        painter.drawText(
            text_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        painter.setFont(badge_font)
        painter.setPen(QColor(theme.MUTED))
        details = painter.fontMetrics().elidedText(
            row.details, Qt.TextElideMode.ElideRight, text_rect.width()
        )
        painter.drawText(
            text_rect.translated(0, 18),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            details,
        )
        painter.restore()


def local_paths(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[Path]:
    """The local files and folders a drag carries (remote URLs are not ours to import)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class AssetBinView(QListView):
    """A grid of cards that accepts files, folders and zips dropped from outside the app."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(4)
        self.setUniformItemSizes(True)
        self.setItemDelegate(AssetCardDelegate(self))
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.files_dropped.emit(paths)


class AssetBin(QWidget):
    """The view with Add buttons and a line for what the last import did."""

    import_requested = Signal(list)

    def __init__(self, thumbs_folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AssetListModel(thumbs_folder)
        self.view = AssetBinView()
        self.view.setModel(self.model)
        self.view.files_dropped.connect(self.import_requested.emit)
        add_files = QPushButton("Add files…")
        add_folder = QPushButton("Add folder…")
        add_files.clicked.connect(self._pick_files)
        add_folder.clicked.connect(self._pick_folder)
        hint = QLabel(
            "Drop photos, clips, music, folders or zips here; drag a card onto a shot to use it"
        )
        hint.setObjectName("Muted")
        hint.setWordWrap(True)
        hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status = QLabel("")
        self.status.setObjectName("Muted")
        self.status.setWordWrap(True)
        self.problems = QLabel("")
        self.problems.setObjectName("Problem")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(add_files)
        buttons.addWidget(add_folder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.problems)

    def set_assets(self, assets: list[AssetRow]) -> None:
        self.model.set_assets(assets)

    def show_import_result(self, result: dict[str, Any]) -> None:
        imported = int(result.get("imported", 0))
        duplicates = int(result.get("duplicates", 0))
        rejected = list(result.get("rejected", []))
        parts = [f"{imported} imported"]
        if duplicates:
            parts.append(f"{duplicates} already in the library")
        if rejected:
            parts.append(f"{len(rejected)} not imported")
        self.status.setText(", ".join(parts) + ".")
        self.problems.setText(
            "\n".join(f"{Path(str(item['path'])).name}: {item['reason']}" for item in rejected)
        )

    def show_status(self, text: str, problem: str = "") -> None:
        self.status.setText(text)
        self.problems.setText(problem)

    def _pick_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Add photos, clips, music or zips", "", "Media and zips (*)"
        )
        if files:
            self.import_requested.emit([Path(file) for file in files])

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of media")
        if folder:
            self.import_requested.emit([Path(folder)])
