"""The bar above the tabs: the brand, the account, the trips balance, Brand kit and Settings."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from studio.services.jobs import trips_for
from studio.services.library.db import Library
from studio.services.library.models import LOCAL_ACCOUNT_ID, Account
from studio.ui.dialogs.brand_kit import BrandKitDialog
from studio.ui.dialogs.settings import SettingsDialog


def account_email(library: Library) -> str | None:
    with library.session(readonly=True) as session:
        account = session.get(Account, LOCAL_ACCOUNT_ID)
        return account.user_email if account is not None else None


class TopBar(QFrame):
    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TopBar")
        self.library = library
        self.current_production: Callable[[], str | None] = lambda: None
        """The open production's id, whose images the brand kit offers first as the logo; the
        window sets it."""
        brand = QLabel("STUDIO")
        brand.setObjectName("Brand")
        self.account = QLabel("Signed out")
        self.account.setObjectName("Muted")
        self.trips = QLabel("")
        self.trips.setObjectName("Trips")
        self.trips.setToolTip("Trips pay for renders: one per film, one per short.")
        self.brand_kit_button = QPushButton("Brand kit...")
        self.brand_kit_button.setToolTip("Colours, logo and caption look for every render")
        self.brand_kit_button.clicked.connect(self.open_brand_kit)
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
        layout.addWidget(self.brand_kit_button)
        layout.addWidget(self.settings_button)
        self.refresh()

    def refresh(self) -> None:
        email = account_email(self.library)
        self.account.setText(email or "Signed out")
        balance = trips_for(self.library).balance()
        self.trips.setText(f"{balance} trip{'s' if balance != 1 else ''}")

    def settings_dialog(self) -> SettingsDialog:
        return SettingsDialog(self.library, self)

    def brand_kit_dialog(self) -> BrandKitDialog:
        return BrandKitDialog(self.library, self.current_production(), self)

    def open_settings(self) -> None:
        self.settings_dialog().exec()

    def open_brand_kit(self) -> None:
        self.brand_kit_dialog().exec()
