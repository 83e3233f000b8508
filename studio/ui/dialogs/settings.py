"""Settings: API keys (system keyring), cloud address, export folder, encoder and voice.

Keys are never shown back: a saved key shows as a placeholder, typing replaces it, "Remove"
forgets it on Save. Without a keyring the dialog says so and offers the private-file fallback
as an explicit, labelled choice. Every failure is an inline message, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.jobs.trips import set_trips_provider
from studio.services.library.db import Library
from studio.services.settings import (
    Secret,
    Settings,
    SettingsError,
    apply_to_environment,
    encoder_choices,
    load_secret,
    load_settings,
    remove_fallback_file,
    save_secret,
    secret_store_status,
    update_settings,
    user_set,
    voice_choices,
)


@dataclass
class KeyField:
    """One key's row: the password field, its Remove button and what is saved now."""

    secret: Secret
    edit: QLineEdit
    remove: QPushButton
    saved: bool
    forget: bool = False


class SettingsDialog(QDialog):
    """Edits the settings of ``library``'s data folder; Save applies keys to this session."""

    account_changed = Signal()
    """The cloud address changed: renders now charge another account (or the local one)."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.library = library
        self.folder = library.data_dir
        self.problems = QLabel("")
        self.problems.setObjectName("Problem")
        self.problems.setWordWrap(True)
        try:
            current = load_settings(self.folder)
        except SettingsError as error:
            self.problems.setText(f"{error}. Saving writes a fresh settings file.")
            current = Settings()
        self.keyring_status, self.use_file = _keyring_widgets(current.secrets_in_file)
        self.had_file = current.secrets_in_file

        form = QFormLayout()
        self.keys = {secret: self._key_row(form, secret) for secret in Secret}
        self.saved_cloud_url, self.cloud_url = current.cloud_url, _cloud_field(current.cloud_url)
        form.addRow("Cloud address", self.cloud_url)
        self.export_folder = QLineEdit(current.export_folder)
        self.export_folder.setPlaceholderText("ask each time")
        choose = QPushButton("Choose...")
        choose.clicked.connect(self.choose_export_folder)
        export_row = QHBoxLayout()
        export_row.addWidget(self.export_folder, 1)
        export_row.addWidget(choose)
        form.addRow("Export folder", export_row)
        self.encoder = QComboBox()
        for name in encoder_choices():
            label = "auto (hardware when it works, else libx264)" if name == "auto" else name
            self.encoder.addItem(label, name)
        _select(self.encoder, current.encoder)
        form.addRow("Encoder", self.encoder)
        self.voice = QComboBox()
        for voice_id, label in voice_choices():
            self.voice.addItem(label, voice_id)
        _select(self.voice, current.voice_id)
        form.addRow("Voice", self.voice)
        library_folder = QLabel(str(self.folder))
        library_folder.setObjectName("Muted")
        library_folder.setWordWrap(True)
        form.addRow("Library folder", library_folder)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.keyring_status)
        layout.addWidget(self.use_file)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.resize(620, 420)

    def _key_row(self, form: QFormLayout, secret: Secret) -> KeyField:
        try:
            saved = load_secret(secret, self.folder) is not None
        except SettingsError:
            saved = False
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("saved: type to replace" if saved else "not set (optional)")
        if user_set(secret):
            edit.setToolTip(f"{secret.value} is set in your environment; that key wins.")
        remove = QPushButton("Remove")
        remove.setEnabled(saved)
        field = KeyField(secret, edit, remove, saved)
        remove.clicked.connect(lambda: self._forget(field))
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(remove)
        form.addRow(secret.label, row)
        return field

    def _forget(self, field: KeyField) -> None:
        field.forget = True
        field.edit.clear()
        field.edit.setPlaceholderText("removed when you save")
        field.remove.setEnabled(False)

    def choose_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.export_folder.text())
        if folder:
            self.export_folder.setText(folder)

    def problems_with_input(self) -> list[str]:
        problems = []
        url = self.cloud_url.text().strip()
        if url and not url.startswith(("https://", "http://")):
            problems.append(f"Cloud address: {url!r} must start with https:// (or http://)")
        folder = self.export_folder.text().strip()
        if folder and not Path(folder).expanduser().is_dir():
            problems.append(f"Export folder: {folder} is not a folder")
        return problems

    def save(self) -> None:
        """Save everything, or say inline what stopped it (the dialog stays open)."""
        problems = self.problems_with_input()
        if problems:
            self.problems.setText("\n".join(problems))
            return
        try:
            update_settings(
                self.folder,
                cloud_url=self.cloud_url.text().strip(),
                export_folder=self.export_folder.text().strip(),
                encoder=str(self.encoder.currentData()),
                voice_id=str(self.voice.currentData()),
                secrets_in_file=self.use_file.isChecked(),
            )
            if self.had_file and not self.use_file.isChecked():
                remove_fallback_file(self.folder)
            for field in self.keys.values():
                value = field.edit.text().strip()
                if value or field.forget:
                    save_secret(field.secret, value, self.folder)
        except SettingsError as error:
            self.problems.setText(str(error))
            return
        apply_to_environment(self.folder)
        if self.cloud_url.text().strip() != self.saved_cloud_url:
            set_trips_provider(None)  # the next render asks the new address for its account
            self.account_changed.emit()
        self.accept()


def _cloud_field(url: str) -> QLineEdit:
    field = QLineEdit(url)
    field.setPlaceholderText("https://... (optional: Studio works offline)")
    return field


def _keyring_widgets(in_file: bool) -> tuple[QLabel, QCheckBox]:
    """Where keys go, and the fallback opt-in, offered only when there is no keyring."""
    status = secret_store_status()
    label = QLabel(status.message)
    label.setWordWrap(True)
    label.setObjectName("Muted" if status.usable else "Problem")
    use_file = QCheckBox(
        "Keep keys in a private file in the data folder instead (less safe than a keyring)"
    )
    use_file.setToolTip("Unticking it later deletes the file and the keys in it.")
    use_file.setChecked(in_file)
    use_file.setVisible(not status.usable)
    return label, use_file


def _select(box: QComboBox, value: str) -> None:
    """Select the item holding ``value``; an unknown saved value is kept as its own item."""
    index = box.findData(value)
    if index < 0:
        box.addItem(value, value)
        index = box.count() - 1
    box.setCurrentIndex(index)
