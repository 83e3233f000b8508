"""The bar above the tabs: the brand, the account, the trips balance, Brand kit and Settings.

The account is a flat button: clicking it opens the sign-in dialog (a cloud account, or the
local one).

The account and balance come from the account the renders charge (``trips_for``): the local
account of the embedded service, or the configured cloud's sign-in. The window refreshes the
bar when a render ends. The question goes to the service on a pool thread (a remote cloud, or
the embedded one under load, can take a while and the window must not wait); the newest answer
is shown, and a failure shows its reason instead of a number. ``refreshed`` fires after each.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from studio.services.cloud_client import BadCloudAddress
from studio.services.embedded import LOCAL_LABEL, PAYMENTS_NOTE, EmbeddedError
from studio.services.jobs.trips import TripsUnavailable, trips_for
from studio.services.library.db import Library
from studio.services.settings import SettingsError
from studio.ui.background import run_in_background
from studio.ui.dialogs.account import AccountDialog
from studio.ui.dialogs.brand_kit import BrandKitDialog
from studio.ui.dialogs.settings import SettingsDialog

TRIPS_TIP = "Trips pay for renders: one per film, one per short."

AccountState = tuple[str, int | None, str]
"""What the bar shows: the account's label (or why it is unavailable), the balance (None when
unknown) and, for a failure, the reason."""


def read_account(library: Library) -> AccountState:
    """Ask the account the renders charge for its label and balance (blocking: a pool thread)."""
    try:
        trips = trips_for(library)
        return trips.account_label(), trips.balance(), ""
    except TripsUnavailable as error:
        return ("Signed out" if error.signed_out else "Account unavailable"), None, str(error)
    except (EmbeddedError, BadCloudAddress, SettingsError) as error:
        return "Account unavailable", None, str(error)


class TopBar(QFrame):
    refreshed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._asked = 0
        self.setObjectName("TopBar")
        self.library = library
        self.current_production: Callable[[], str | None] = lambda: None
        """The open production's id, whose images the brand kit offers first as the logo; the
        window sets it."""
        brand = QLabel("STUDIO")
        brand.setObjectName("Brand")
        self.account = QPushButton("Signed out")
        self.account.setObjectName("Account")
        self.account.setFlat(True)
        self.account.setStyleSheet(
            "QPushButton { border: none; background: transparent; padding: 2px 4px; }"
            "QPushButton:hover { text-decoration: underline; }"
        )
        self.account.setAccessibleName("Account: sign in or out")
        self.account.clicked.connect(self.open_account)
        self.trips = QLabel("")
        self.trips.setObjectName("Trips")
        self.trips.setToolTip(TRIPS_TIP)
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
        """Ask again for the account and balance; the labels change when the answer comes."""
        self._asked += 1
        asked = self._asked
        run_in_background(
            self,
            lambda: read_account(self.library),
            lambda state: self._show(asked, state),
            lambda message: self._show(asked, ("Account unavailable", None, message)),
        )

    def _show(self, asked: int, state: AccountState) -> None:
        if asked != self._asked:
            return  # a newer question is on its way
        label, balance, problem = state
        if balance is None:
            self._unavailable(label, problem)
        else:
            self.account.setText(label)
            self.account.setToolTip("Sign in to a Studio cloud account, or sign out")
            self.trips.setText(f"{balance} trip{'s' if balance != 1 else ''}")
            local = label == LOCAL_LABEL
            self.trips.setToolTip(f"{TRIPS_TIP}\n{PAYMENTS_NOTE}" if local else TRIPS_TIP)
        self.refreshed.emit()

    def _unavailable(self, headline: str, problem: str) -> None:
        self.account.setText(headline)
        self.account.setToolTip(problem)
        self.trips.setText("")
        self.trips.setToolTip(problem)

    def settings_dialog(self) -> SettingsDialog:
        dialog = SettingsDialog(self.library, self)
        dialog.account_changed.connect(self.refresh)
        return dialog

    def brand_kit_dialog(self) -> BrandKitDialog:
        return BrandKitDialog(self.library, self.current_production(), self)

    def account_dialog(self) -> AccountDialog:
        dialog = AccountDialog(self.library, self)
        dialog.account_changed.connect(self.refresh)
        return dialog

    def open_account(self) -> None:
        self.account_dialog().exec()

    def open_settings(self) -> None:
        self.settings_dialog().exec()

    def open_brand_kit(self) -> None:
        self.brand_kit_dialog().exec()
