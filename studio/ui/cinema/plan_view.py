"""The plan as a tree of scenes, beats and shots, with an editor for the selected item.

Beats carry the narration and on-screen text; shots carry the timing, camera and overlays. Each
editor field commits when it loses focus (or on Enter), through the document's undoable
commands, and shows the document's value again after an undo. Dropping an asset from the asset
bin onto a shot asks for that shot to show it (``asset_dropped``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFocusEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.cinema.assets_model import ASSET_MIME, decode_asset_drag
from studio.ui.cinema.plan_document import PlanDocument
from studio.ui.cinema.shot_editor import ShotEditor
from studio.ui.cinema.timeline_items import clip_text, span_text

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class CommitOnLeave(QPlainTextEdit):
    """A text box that says when the user is done with it (focus left)."""

    committed = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.committed.emit()


class BeatEditor(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: PlanDocument | None = None
        self.beat_id = ""
        self.timing = QLabel("")
        self.timing.setObjectName("Muted")
        self.voiceover = CommitOnLeave()
        self.voiceover.setPlaceholderText("What the narrator says in this beat")
        self.voiceover.setTabChangesFocus(True)
        self.voiceover.committed.connect(self.commit)
        self.on_screen = QLineEdit()
        self.on_screen.setPlaceholderText("Text shown on screen (optional)")
        self.on_screen.editingFinished.connect(self.commit)
        form = QFormLayout(self)
        form.addRow("Beat", self.timing)
        form.addRow("Voiceover", self.voiceover)
        form.addRow("On screen", self.on_screen)

    def show_beat(self, document: PlanDocument, beat_id: str) -> None:
        self.document, self.beat_id = document, beat_id
        self.refresh()

    def refresh(self) -> None:
        if self.document is None or not self.beat_id:
            return
        try:
            beat = self.document.beat(self.beat_id)
        except KeyError:
            return
        emotion = beat.get("emotion", "neutral")
        self.timing.setText(f"{self.beat_id} · {span_text(beat)} · {emotion}")
        if self.voiceover.toPlainText() != beat.get("voiceover_text", ""):
            self.voiceover.setPlainText(beat.get("voiceover_text", ""))
        if self.on_screen.text() != beat.get("on_screen_text", ""):
            self.on_screen.setText(beat.get("on_screen_text", ""))

    def commit(self) -> None:
        if self.document is None or not self.beat_id:
            return
        self.document.set_voiceover(self.beat_id, self.voiceover.toPlainText().strip())
        self.document.set_on_screen_text(self.beat_id, self.on_screen.text().strip())


def _dragged_assets(event: QDropEvent | QDragEnterEvent | QDragMoveEvent) -> list[dict[str, str]]:
    mime = event.mimeData()
    if not mime.hasFormat(ASSET_MIME):
        return []
    return decode_asset_drag(bytes(mime.data(ASSET_MIME).data()))


class PlanTree(QTreeWidget):
    """The tree, taking assets dragged from the asset bin onto its shots."""

    asset_dropped = Signal(str, list)
    """shot id, the dragged assets ({"id", "kind", "name"} each)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    def shot_at(self, event: QDropEvent | QDragMoveEvent) -> str | None:
        item = self.itemAt(event.position().toPoint())
        if item is None or item.data(0, KIND_ROLE) != "shot":
            return None
        return str(item.data(0, ID_ROLE))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dragged_assets(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if _dragged_assets(event) and self.shot_at(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        assets = _dragged_assets(event)
        shot_id = self.shot_at(event)
        if not assets or shot_id is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.asset_dropped.emit(shot_id, assets)


class PlanView(QWidget):
    """Tree and editor of the open plan; empty until there is one."""

    item_selected = Signal(str, str, float)
    """kind ("scene", "beat" or "shot"), id, start time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: PlanDocument | None = None
        self.tree = PlanTree()
        self.tree.setHeaderLabels(["Scenes, beats and shots", "Time"])
        self.tree.setColumnWidth(0, 260)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.beat_editor = BeatEditor()
        self.shot_editor = ShotEditor()
        self.hint = QLabel(
            "Select a beat to edit its words, or a shot to change its timing, camera and "
            "overlays. Drag a photo or clip from Assets onto a shot to use it there."
        )
        self.hint.setObjectName("Muted")
        self.hint.setWordWrap(True)
        self.editors = QStackedWidget()
        for page in (self.hint, self.beat_editor, self.shot_editor):
            self.editors.addWidget(page)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.editors)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def set_document(self, document: PlanDocument | None) -> None:
        if self.document is not None:
            self.document.changed.disconnect(self._document_changed)
        self.document = document
        if document is not None:
            document.changed.connect(self._document_changed)
        self.editors.setCurrentWidget(self.hint)
        self._rebuild()

    def select(self, kind: str, item_id: str) -> None:
        found = self._find(kind, item_id)
        if found is not None and found is not self.tree.currentItem():
            self.tree.setCurrentItem(found)

    def selected(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return str(item.data(0, KIND_ROLE)), str(item.data(0, ID_ROLE))

    def _all_items(self) -> list[QTreeWidgetItem]:
        """Every item, depth first in tree order."""
        found: list[QTreeWidgetItem] = []

        def walk(item: QTreeWidgetItem | None) -> None:
            if item is None:
                return
            found.append(item)
            for index in range(item.childCount()):
                walk(item.child(index))

        for index in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(index))
        return found

    def items_of(self, kind: str) -> list[str]:
        """The ids of the items of one kind, in tree order."""
        return [
            str(item.data(0, ID_ROLE))
            for item in self._all_items()
            if item.data(0, KIND_ROLE) == kind
        ]

    def _find(self, kind: str, item_id: str) -> QTreeWidgetItem | None:
        for item in self._all_items():
            if item.data(0, KIND_ROLE) == kind and item.data(0, ID_ROLE) == item_id:
                return item
        return None

    def _document_changed(self) -> None:
        self._rebuild()
        self.beat_editor.refresh()
        self.shot_editor.refresh()

    def _rebuild(self) -> None:
        """Fill the tree from the plan, keeping the selection and what was expanded."""
        chosen = self.selected()
        self.tree.blockSignals(True)
        self.tree.clear()
        if self.document is not None:
            self._fill(self.document.plan)
        self.tree.blockSignals(False)
        if chosen is not None:
            found = self._find(*chosen)
            if found is not None:
                self.tree.setCurrentItem(found)

    def _fill(self, plan: dict[str, Any]) -> None:
        visual = {
            scene.get("scene_id"): scene.get("shots", [])
            for scene in plan.get("visual_plan", {}).get("scenes", [])
        }
        placed: set[str] = set()
        for scene in plan.get("script", {}).get("scenes", []):
            scene_id = str(scene.get("scene_id"))
            shots = visual.get(scene_id, [])
            scene_item = self._item(None, "scene", scene_id, scene.get("title") or scene_id, scene)
            for beat in scene.get("beats", []):
                words = beat.get("voiceover_text") or beat.get("on_screen_text") or "(silent)"
                label = clip_text(words, 70)
                beat_item = self._item(scene_item, "beat", beat["beat_id"], label, beat)
                for shot in shots:
                    if (
                        float(beat["start_time"])
                        <= float(shot["start_time"])
                        < float(beat["end_time"])
                    ):
                        self._shot_item(beat_item, shot)
                        placed.add(str(shot["shot_id"]))
            for shot in shots:
                if str(shot["shot_id"]) not in placed:
                    self._shot_item(scene_item, shot)
                    placed.add(str(shot["shot_id"]))
        for scene_id, shots in visual.items():
            left = [shot for shot in shots if str(shot["shot_id"]) not in placed]
            if left:
                scene_item = self._item(None, "scene", str(scene_id), str(scene_id), {})
                for shot in left:
                    self._shot_item(scene_item, shot)
        self.tree.expandAll()

    def _shot_item(self, parent: QTreeWidgetItem, shot: dict[str, Any]) -> None:
        movement = str(shot.get("camera", {}).get("movement", "static")).replace("_", " ")
        label = f"{shot['shot_id']} · {movement}"
        self._item(parent, "shot", str(shot["shot_id"]), label, shot)

    def _item(
        self,
        parent: QTreeWidgetItem | None,
        kind: str,
        item_id: str,
        label: str,
        data: dict[str, Any],
    ) -> QTreeWidgetItem:
        span = span_text(data) if "start_time" in data and "end_time" in data else ""
        item = QTreeWidgetItem([label, span])
        item.setData(0, KIND_ROLE, kind)
        item.setData(0, ID_ROLE, item_id)
        item.setToolTip(0, label)
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _selection_changed(self) -> None:
        chosen = self.selected()
        if chosen is None or self.document is None:
            self.editors.setCurrentWidget(self.hint)
            return
        kind, item_id = chosen
        start = 0.0
        if kind == "beat":
            self.beat_editor.show_beat(self.document, item_id)
            self.editors.setCurrentWidget(self.beat_editor)
            start = float(self.document.beat(item_id)["start_time"])
        elif kind == "shot":
            self.shot_editor.show_shot(self.document, item_id)
            self.editors.setCurrentWidget(self.shot_editor)
            start = float(self.document.shot(item_id)["start_time"])
        else:
            self.editors.setCurrentWidget(self.hint)
            beats = [
                beat
                for scene in self.document.plan.get("script", {}).get("scenes", [])
                if scene.get("scene_id") == item_id
                for beat in scene.get("beats", [])
            ]
            start = float(beats[0]["start_time"]) if beats else 0.0
        self.item_selected.emit(kind, item_id, start)
