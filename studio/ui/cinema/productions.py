"""The productions list: new, open, rename and delete (with a confirmation)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.library.db import Library
from studio.services.library.models import PRODUCTION_MODES
from studio.spec.common import KNOWN_STYLES
from studio.ui.cinema.productions_model import (
    NewProduction,
    ProductionSummary,
    create_production,
    delete_production,
    list_productions,
    rename_production,
)

ID_ROLE = Qt.ItemDataRole.UserRole


class NewProductionDialog(QDialog):
    """Title, style, mode and (optionally) the script; OK stays until the values are usable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New production")
        self.title_field = QLineEdit()
        self.title_field.setPlaceholderText("e.g. The night courier")
        self.style_box = QComboBox()
        self.style_box.setEditable(True)
        self.style_box.addItems(list(KNOWN_STYLES))
        self.mode_box = QComboBox()
        self.mode_box.addItems(list(PRODUCTION_MODES))
        self.mode_box.setToolTip("simple: Studio plans every shot; pro: you edit shot by shot")
        self.script_field = QPlainTextEdit()
        self.script_field.setPlaceholderText("Paste or write the script (you can also do it later)")
        self.problems = QLabel("")
        self.problems.setObjectName("Problem")
        self.problems.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Title", self.title_field)
        form.addRow("Style", self.style_box)
        form.addRow("Mode", self.mode_box)
        form.addRow("Script", self.script_field)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.resize(560, 460)

    def value(self) -> NewProduction:
        return NewProduction(
            title=self.title_field.text(),
            style=self.style_box.currentText(),
            mode=self.mode_box.currentText(),
            script=self.script_field.toPlainText(),
        )

    def accept(self) -> None:
        problems = self.value().problems()
        if problems:
            self.problems.setText("\n".join(problems))
            return
        super().accept()


class ProductionsPanel(QWidget):
    """Lists the library's productions; ``opened`` fires with the chosen id (or None)."""

    opened = Signal(object)
    deleting = Signal(str)
    """Fires before a confirmed delete, so the tab can cancel the production's jobs."""
    sample_requested = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.list = QListWidget()
        self.list.currentItemChanged.connect(self._current_changed)
        new = QPushButton("New")
        new.setProperty("accent", True)
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setProperty("danger", True)
        new.clicked.connect(self.ask_new)
        self.rename_button.clicked.connect(self.ask_rename)
        self.delete_button.clicked.connect(self.ask_delete)
        self.sample_button = QPushButton("Start with the sample film")
        self.sample_button.setToolTip("A short script with a few pictures, planned for you")
        self.sample_button.setProperty("accent", True)
        self.sample_button.clicked.connect(self.sample_requested.emit)
        title = QLabel("Productions")
        title.setObjectName("Muted")
        buttons = QHBoxLayout()
        for button in (new, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.sample_button)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self, select: str | None = None) -> None:
        """Re-read the list; keep (or move to) the selected production."""
        keep = select or self.current_id()
        self.list.blockSignals(True)
        self.list.clear()
        for summary in list_productions(self.library):
            self.list.addItem(self._item(summary))
        self.list.blockSignals(False)
        if keep is not None:
            self.select(keep)
        self._update_buttons()

    def _item(self, summary: ProductionSummary) -> QListWidgetItem:
        item = QListWidgetItem(f"{summary.title}\n{summary.status} · {summary.style}")
        item.setData(ID_ROLE, summary.id)
        item.setToolTip(f"{summary.title} ({summary.mode}, {summary.style})")
        return item

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(ID_ROLE)) if item is not None else None

    def select(self, production_id: str | None) -> bool:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(ID_ROLE) == production_id:
                self.list.setCurrentItem(item)
                return True
        return False

    def add_production(self, new: NewProduction) -> str:
        """Add the production the dialog described and open it."""
        production_id = create_production(self.library, new)
        self.refresh(select=production_id)
        return production_id

    def ask_new(self) -> None:
        dialog = NewProductionDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_production(dialog.value())

    def ask_rename(self) -> None:
        production_id = self.current_id()
        item = self.list.currentItem()
        if production_id is None or item is None:
            return
        current = item.text().split("\n", 1)[0]
        title, ok = QInputDialog.getText(self, "Rename production", "Title", text=current)
        if ok and title.strip():
            rename_production(self.library, production_id, title)
            self.refresh()

    def ask_delete(self) -> None:
        production_id = self.current_id()
        item = self.list.currentItem()
        if production_id is None or item is None:
            return
        title = item.text().split("\n", 1)[0]
        answer = QMessageBox.question(
            self,
            "Delete production",
            f"Delete “{title}” with its plans and rendered video?\n"
            "Files other productions use are kept. This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(production_id)

    def delete(self, production_id: str) -> None:
        self.deleting.emit(production_id)
        delete_production(self.library, production_id)
        self.refresh()
        if self.list.count() and self.list.currentItem() is None:
            self.list.setCurrentRow(0)
        elif not self.list.count():
            self.opened.emit(None)

    def _current_changed(self) -> None:
        self._update_buttons()
        self.opened.emit(self.current_id())

    def _update_buttons(self) -> None:
        chosen = self.list.currentItem() is not None
        self.rename_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        self.sample_button.setVisible(self.list.count() == 0)
