"""The accounts strip: a row per platform the Studio service offers, to connect or disconnect.

Everything the service is asked runs on a pool thread: the platforms and accounts when the tab
opens, the browser round trip of a connect (``studio.services.social_cloud.ConnectAttempt``, with a
Cancel while the browser is open), and a disconnect (after a confirmation). A platform the
service has no registration for shows a disabled button and the service's reason.
"""

from __future__ import annotations

import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.services.cloud_client import CloudClient
from studio.services.growth import PLATFORMS
from studio.services.oauth_loopback import DEFAULT_TIMEOUT_S
from studio.services.social_cloud import (
    ConnectAttempt,
    connected_platforms,
    platform_name,
    readable,
)
from studio.ui.background import run_in_background

if TYPE_CHECKING:
    from studio.services.cloud_client import AccountOut, PlatformOut

ASKING = "Asking the Studio service which platforms it can post to..."
WAITING = "Waiting for the browser... finish connecting {name} there, or press Cancel."


@dataclass(frozen=True)
class Answer:
    """What a pool thread brings back: the value, or why there is none (in words)."""

    value: Any = None
    problem: str = ""


def ask(work: Callable[[], Any], platform: str | None = None) -> Answer:
    """Run ``work`` (on a pool thread) and keep a failure as a readable sentence."""
    try:
        return Answer(work())
    except Exception as error:
        return Answer(problem=readable(error, platform))


def confirm_disconnect(parent: QWidget, name: str, handle: str) -> bool:
    answer = QMessageBox.question(
        parent,
        f"Disconnect {name}",
        f"Disconnect {handle} from Studio? Posts still waiting to go to {name} will fail.",
    )
    return answer == QMessageBox.StandardButton.Yes


class PlatformRow:
    """The widgets of one platform: its name, its state, and the one button."""

    def __init__(self, key: str, name: str) -> None:
        self.key = key
        self.name = QLabel(name)
        self.state = QLabel("")
        self.state.setObjectName("Muted")
        self.button = QPushButton(f"Connect {name}")
        self.button.setEnabled(False)
        self.account: AccountOut | None = None


def unavailable_note(names: list[str]) -> str:
    """What the note under the rows says about platforms the service cannot connect."""
    if not names:
        return "Connect the accounts Studio may post to."
    listed = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    return (
        f"{listed} cannot be connected until the service has the app registration each line "
        "names. With no cloud address the service runs inside Studio: set those variables "
        "before starting Studio (docs/cloud.md)."
    )


class AccountsStrip(QGroupBox):
    """``accounts_changed`` carries the platforms with a connected account (a frozenset)."""

    accounts_changed = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, cloud: Callable[[], CloudClient], parent: QWidget | None = None) -> None:
        super().__init__("Accounts", parent)
        self.cloud = cloud
        self.open_browser: Callable[[str], bool] = webbrowser.open
        self.browser_timeout_s = DEFAULT_TIMEOUT_S
        self.confirm: Callable[[str, str], bool] = lambda name, handle: confirm_disconnect(
            self, name, handle
        )
        self.rows: dict[str, PlatformRow] = {}
        self.connected: frozenset[str] | None = None
        """None until the service answered (or when it could not be asked)."""
        self.problem = ""
        self.loaded = False
        self.busy = False
        self.attempt: ConnectAttempt | None = None
        """The connect waiting for the browser, if any (Cancel ends it)."""
        self._asked = 0
        self.grid = QGridLayout()
        self.note = QLabel(ASKING)
        self.note.setObjectName("Muted")
        self.note.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Ask the Studio service again")
        self.refresh_button.clicked.connect(self.refresh)
        notes = QHBoxLayout()
        notes.addWidget(self.note, 1)
        notes.addWidget(self.cancel_button)
        notes.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(self.grid)
        layout.addLayout(notes)
        for platform in PLATFORMS:
            self._row(platform.key, platform.name).button.setToolTip(ASKING)

    @property
    def connect_buttons(self) -> list[QPushButton]:
        return [row.button for row in self.rows.values()]

    def refresh(self) -> None:
        """Ask for the platforms and the connected accounts again (off the UI thread)."""
        self._asked += 1
        asked = self._asked

        def work() -> tuple[list[PlatformOut], list[AccountOut]]:
            client = self.cloud()
            return client.social_platforms(), client.social_accounts()

        run_in_background(self, lambda: ask(work), lambda answer: self._show(asked, answer))

    def _show(self, asked: int, answer: Answer) -> None:
        if asked != self._asked:
            return  # a newer question is on its way
        self.loaded = True
        if answer.problem:
            self.problem = answer.problem
            self.connected = None
            self.note.setText(answer.problem)
            for row in self.rows.values():
                row.button.setEnabled(False)
                row.button.setToolTip(answer.problem)
            self.accounts_changed.emit(None)
            return
        self.problem = ""
        platforms, accounts = answer.value
        by_platform = {a.platform: a for a in accounts if a.status == "connected"}
        unavailable: list[str] = []
        for platform in platforms:
            row = self._row(platform.platform, platform.name)
            row.account = by_platform.get(platform.platform)
            self._show_row(row, platform.configured, platform.reason or "")
            if not platform.configured:
                unavailable.append(platform.name)
        self.connected = connected_platforms(accounts)
        self.note.setText(unavailable_note(unavailable))
        self.accounts_changed.emit(self.connected)

    def _row(self, key: str, name: str) -> PlatformRow:
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = PlatformRow(key, name)
            line = len(self.rows) - 1
            self.grid.addWidget(row.name, line, 0)
            self.grid.addWidget(row.state, line, 1)
            self.grid.addWidget(row.button, line, 2)
            self.grid.setColumnStretch(1, 1)
            row.button.clicked.connect(lambda: self._pressed(key))
        return row

    def _show_row(self, row: PlatformRow, configured: bool, reason: str) -> None:
        name = row.name.text()
        if row.account is not None:
            row.state.setText(f"Connected as {row.account.handle or row.account.account_id}")
            row.button.setText("Disconnect")
            row.button.setToolTip(f"Stop Studio posting to this {name} account")
            row.button.setEnabled(not self.busy)
        elif configured:
            row.state.setText("Not connected")
            row.button.setText(f"Connect {name}")
            row.button.setToolTip(f"Sign in to {name} in your browser and allow Studio to post")
            row.button.setEnabled(not self.busy)
        else:
            row.state.setText(f"Not available: {reason}" if reason else "Not available")
            row.button.setText(f"Connect {name}")
            row.button.setToolTip(reason)
            row.button.setEnabled(False)
        row.button.setProperty("configured", configured)

    def _pressed(self, key: str) -> None:
        row = self.rows[key]
        if row.account is not None:
            self.disconnect_account(key)
        else:
            self.connect_account(key)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for row in self.rows.values():
            configured = bool(row.button.property("configured"))
            row.button.setEnabled(not busy and (configured or row.account is not None))
        self.refresh_button.setEnabled(not busy)
        self.busy_changed.emit(busy)

    def connect_account(self, key: str) -> None:
        """Open the platform's page in the browser and wait (off the UI thread) for the answer."""
        name = platform_name(key)
        self._set_busy(True)
        self.note.setText(WAITING.format(name=name))
        self.cancel_button.show()

        def work() -> AccountOut:
            attempt = ConnectAttempt(
                self.cloud(),
                key,
                open_browser=self.open_browser,
                timeout_s=self.browser_timeout_s,
            )
            self.attempt = attempt
            return attempt.run()

        run_in_background(self, lambda: ask(work, key), lambda answer: self._connected(key, answer))

    def cancel(self) -> None:
        """Stop waiting for the browser."""
        attempt = self.attempt
        if attempt is not None:
            run_in_background(self, attempt.cancel, lambda _: None)

    def _connected(self, key: str, answer: Answer) -> None:
        self.attempt = None
        self.cancel_button.hide()
        self._set_busy(False)
        if answer.problem:
            self.note.setText(answer.problem)
            return
        account: AccountOut = answer.value
        self.note.setText(
            f"Connected {platform_name(key)} as {account.handle or account.account_id}."
        )
        self.refresh()

    def disconnect_account(self, key: str) -> None:
        row = self.rows[key]
        account = row.account
        name = platform_name(key)
        if account is None or not self.confirm(name, account.handle or account.account_id):
            return
        self._set_busy(True)
        self.note.setText(f"Disconnecting {name}...")

        def work() -> None:
            self.cloud().disconnect_social_account(account.id)

        run_in_background(
            self, lambda: ask(work, key), lambda answer: self._disconnected(key, answer)
        )

    def _disconnected(self, key: str, answer: Answer) -> None:
        self._set_busy(False)
        self.note.setText(answer.problem or f"Disconnected {platform_name(key)}.")
        self.refresh()
