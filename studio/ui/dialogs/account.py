"""Sign in: which account the renders charge, the local one or a Studio cloud's.

An empty cloud address means the local account of the service bundled in the app. Signing in
or creating an account talks to the cloud on a pool thread, so the window stays responsive,
and every failure is shown inline in words (never a traceback). A successful sign-in saves the
address in the settings and points the trips back at the desktop's default
(``set_trips_provider(None)``), which now reads that address: renders charge the signed-in
account. Signing out forgets the sign-in and returns to the local account.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.cloud_client import (
    ENV_VAR,
    AuthError,
    BadCloudAddress,
    CloudClient,
    CloudError,
    KeyringTokenStore,
    Offline,
    RateLimited,
    TokenStoreUnavailable,
)
from studio.services.cloud_client.address import normalized_url
from studio.services.jobs.trips import set_trips_provider
from studio.services.library.db import Library
from studio.services.settings import SettingsError, load_settings, update_settings
from studio.ui.background import run_in_background

LOCAL_PLACEHOLDER = "this computer (local account)"


@dataclass(frozen=True)
class _Outcome:
    """What the pool thread hands back: the signed-in email, or the typed failure."""

    email: str = ""
    error: CloudError | None = None


def describe(error: CloudError, url: str) -> str:
    """The failure as a sentence for the dialog."""
    if isinstance(error, Offline):
        return f"Cannot reach {url}. Check the address and the internet connection."
    if isinstance(error, AuthError):
        return "The email or password is wrong."
    if isinstance(error, RateLimited):
        if error.retry_after is None:
            return "Too many attempts: wait a moment and try again."
        return f"Too many attempts: wait {math.ceil(error.retry_after)} s and try again."
    return error.message[:1].upper() + error.message[1:]


def _sign_in(url: str, email: str, password: str, create: bool) -> _Outcome:
    try:
        with CloudClient(url, KeyringTokenStore(url)) as cloud:
            result = cloud.signup(email, password) if create else cloud.login(email, password)
    except CloudError as error:
        return _Outcome(error=error)
    return _Outcome(email=result.user.email)


def _sign_out(url: str) -> _Outcome:
    """Forget the sign-in; the client forgets it here even when the service cannot be told."""
    try:
        with CloudClient(url, KeyringTokenStore(url)) as cloud:
            cloud.logout()
    except CloudError as error:
        return _Outcome(error=error)
    return _Outcome()


class AccountDialog(QDialog):
    """Signs in to (or creates) a cloud account, or returns to the local account.

    ``account_changed`` fires after the settings changed, for the top bar to show the account.
    """

    account_changed = Signal()

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Account")
        self.folder = Path(library.data_dir)
        self.busy = False
        problem = ""
        try:
            saved = load_settings(self.folder).cloud_url
        except SettingsError as error:
            saved, problem = "", str(error)
        self.signed_in_url = saved.strip()

        self.state = QLabel()
        self.state.setWordWrap(True)
        self.cloud_url = QLineEdit(self.signed_in_url)
        self.cloud_url.setPlaceholderText(LOCAL_PLACEHOLDER)
        self.email = QLineEdit()
        self.email.setPlaceholderText("you@example.com")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.create_account = QCheckBox("Create an account")
        self.create_account.setToolTip("Sign up at this cloud instead of signing in")
        form = QFormLayout()
        form.addRow("Cloud address", self.cloud_url)
        form.addRow("Email", self.email)
        form.addRow("Password", self.password)
        form.addRow("", self.create_account)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self._say(problem, problem=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        if os.environ.get(ENV_VAR, "").strip():
            overridden = QLabel(f"{ENV_VAR} is set: it wins over the address saved here.")
            overridden.setObjectName("Muted")
            layout.addWidget(overridden)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons())
        self.create_account.toggled.connect(self._show_state)
        self._show_state()

    def _buttons(self) -> QHBoxLayout:
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setProperty("accent", True)
        self.sign_in_button.setDefault(True)
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setToolTip("Forget this sign-in and use the local account")
        self.sign_out_button.clicked.connect(self.sign_out)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.sign_in_button)
        return buttons

    def _show_state(self) -> None:
        if self.signed_in_url:
            self.state.setText(f"Renders charge your account at {self.signed_in_url}.")
        else:
            self.state.setText("Renders charge the local account on this computer.")
        self.sign_out_button.setVisible(bool(self.signed_in_url))
        self.sign_in_button.setText(
            "Create account" if self.create_account.isChecked() else "Sign in"
        )

    def _set_busy(self, busy: bool, doing: str = "") -> None:
        self.busy = busy
        fields: tuple[QWidget, ...] = (self.cloud_url, self.email, self.password)
        for widget in (*fields, self.create_account, self.sign_in_button, self.sign_out_button):
            widget.setEnabled(not busy)
        self._say(doing, problem=False)

    def _say(self, text: str, *, problem: bool) -> None:
        """The inline message: red for a problem, muted for progress and notes."""
        self.message.setObjectName("Problem" if problem else "Muted")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)

    def _show_problem(self, text: str) -> None:
        self._set_busy(False)
        self._say(text, problem=True)

    def sign_in(self) -> None:
        """Check the fields, then sign in (or sign up) off the UI thread."""
        raw = self.cloud_url.text().strip()
        if not raw:
            self._use_local("Using the local account on this computer.")
            return
        try:
            url = normalized_url(raw)
        except BadCloudAddress as error:
            self._show_problem(f"Cloud address: {error}")
            return
        email, password = self.email.text().strip(), self.password.text()
        if not email:
            self._show_problem("Email: enter the account's email.")
            return
        if not password:
            self._show_problem("Password: enter the password.")
            return
        create = self.create_account.isChecked()
        self._set_busy(True, "Creating the account..." if create else "Signing in...")
        run_in_background(
            self,
            lambda: _sign_in(url, email, password, create),
            lambda outcome: self._signed_in(url, outcome),
            self._show_problem,
        )

    def _signed_in(self, url: str, outcome: _Outcome) -> None:
        if outcome.error is not None:
            self._show_problem(describe(outcome.error, url))
            return
        try:
            update_settings(self.folder, cloud_url=url)
        except SettingsError as error:
            self._show_problem(f"Signed in, but the address was not saved: {error}")
            return
        self.password.clear()
        self.signed_in_url = url
        self._set_busy(False)
        self._changed()
        self.accept()

    def sign_out(self) -> None:
        """Forget the cloud's sign-in (off the UI thread) and return to the local account."""
        url = self.signed_in_url
        self._set_busy(True, "Signing out...")
        run_in_background(self, lambda: _sign_out(url), self._signed_out, self._show_problem)

    def _signed_out(self, outcome: _Outcome) -> None:
        note = "Signed out. Renders charge the local account on this computer."
        if outcome.error is not None and not isinstance(outcome.error, TokenStoreUnavailable):
            note = (
                "Signed out on this computer, but the cloud could not be told (the sign-in "
                f"stays valid there until it expires): {outcome.error.message}"
            )
        self._use_local(note)

    def _use_local(self, note: str) -> None:
        try:
            update_settings(self.folder, cloud_url="")
        except SettingsError as error:
            self._show_problem(str(error))
            return
        self.signed_in_url = ""
        self.cloud_url.clear()
        self._set_busy(False)
        self._say(note, problem=False)
        self._show_state()
        self._changed()

    def _changed(self) -> None:
        set_trips_provider(None)
        self.account_changed.emit()
