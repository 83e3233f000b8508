"""The bar above the tabs: the brand, the account, the trips balance and Settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.jobs import trips_for
from studio.services.library.db import Library
from studio.services.library.models import LOCAL_ACCOUNT_ID, Account


def account_email(library: Library) -> str | None:
    with library.session(readonly=True) as session:
        account = session.get(Account, LOCAL_ACCOUNT_ID)
        return account.user_email if account is not None else None


class SettingsDialog(QDialog):
    """Where things are today; keys, encoder and voice choices arrive with their issue."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        form = QFormLayout()
        data = QLabel(str(library.data_dir))
        data.setWordWrap(True)
        form.addRow("Library folder", data)
        form.addRow("Database", QLabel(library.url.render_as_string(hide_password=True)))
        note = QLabel(
            "API keys (stored in the system keyring), the cloud address, the export folder, the "
            "encoder and the voice are set here in a coming version. Studio works fully offline "
            "without any of them."
        )
        note.setObjectName("Muted")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(520, 220)


class TopBar(QFrame):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        self.library = library
        brand = QLabel("STUDIO")
        brand.setObjectName("Brand")
        self.account = QLabel("Signed out")
        self.account.setObjectName("Muted")
        self.trips = QLabel("")
        self.trips.setObjectName("Trips")
        self.trips.setToolTip("Trips pay for renders: one per film, one per short.")
        self.settings_button = QPushButton("Settings")
        self.settings_button.clicked.connect(self.open_settings)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.addWidget(brand)
        layout.addStretch(1)
        layout.addWidget(self.account)
        layout.addSpacing(16)
        layout.addWidget(self.trips)
        layout.addSpacing(16)
        layout.addWidget(self.settings_button)
        self.refresh()

    def refresh(self) -> None:
        email = account_email(self.library)
        self.account.setText(email or "Signed out")
        balance = trips_for(self.library).balance()
        self.trips.setText(f"{balance} trip{'s' if balance != 1 else ''}")

    def open_settings(self) -> None:
        SettingsDialog(self.library, self).exec()
