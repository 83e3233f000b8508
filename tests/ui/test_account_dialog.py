"""The sign-in dialog of the top bar against the real cloud service on 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from studio.services.cloud_client import CloudClient, StoredTokens
from studio.services.cloud_client.tokens import ENTRY_PREFIX
from studio.services.library.db import Library
from studio.services.settings import KEYRING_SERVICE, load_settings
from studio.ui.dialogs.account import AccountDialog
from studio.ui.top_bar import TopBar
from tests.services.memory_keyring import MemoryKeyring, installed, no_keyring
from tests.services.test_cloud_client import DictTokenStore, closed_port_url, cloud_server
from tests.ui.conftest import STARTER_TRIPS

PASSWORD = "correct horse battery"
CLOUD_STARTER_TRIPS = 4
"""The cloud's starter trips: not the embedded account's, so the bar shows whose they are."""


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with installed(MemoryKeyring()) as backend:
        assert isinstance(backend, MemoryKeyring)
        yield backend


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[str]:
    with cloud_server(tmp_path / "cloud", starter_trips=CLOUD_STARTER_TRIPS) as url:
        yield url


def bar_and_dialog(qtbot: QtBot, library: Library) -> tuple[TopBar, AccountDialog]:
    bar = TopBar(library)
    qtbot.addWidget(bar)
    dialog = bar.account_dialog()
    dialog.show()
    return bar, dialog


def submit(qtbot: QtBot, dialog: AccountDialog, url: str, email: str, *, create: bool) -> None:
    dialog.cloud_url.setText(url)
    dialog.email.setText(email)
    dialog.password.setText(PASSWORD if create else "not the password")
    dialog.create_account.setChecked(create)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.busy
    qtbot.waitUntil(lambda: not dialog.busy, timeout=20_000)


def sign_in_entry(keyring: MemoryKeyring, url: str) -> dict[str, str] | None:
    value = keyring.secrets.get((KEYRING_SERVICE, ENTRY_PREFIX + url))
    return json.loads(value) if value else None


def test_signing_up_in_the_dialog_shows_the_cloud_account_in_the_bar(
    qtbot: QtBot, library: Library, cloud: str, memory_keyring: MemoryKeyring
) -> None:
    bar, dialog = bar_and_dialog(qtbot, library)
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")
    assert dialog.cloud_url.placeholderText() == "this computer (local account)"
    assert not dialog.sign_out_button.isVisibleTo(dialog)

    submit(qtbot, dialog, cloud + "/", "maya@example.com", create=True)

    assert dialog.message.text() == ""
    assert dialog.result() == AccountDialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: bar.account.text() == "maya@example.com")
    qtbot.waitUntil(lambda: bar.trips.text() == f"{CLOUD_STARTER_TRIPS} trips")
    assert load_settings(Path(library.data_dir)).cloud_url == cloud
    stored = sign_in_entry(memory_keyring, cloud)
    assert stored is not None
    assert stored["email"] == "maya@example.com"
    kept = DictTokenStore()
    kept.tokens = StoredTokens(**stored)
    with CloudClient(cloud, kept) as other:  # the tokens in the keyring open the account
        assert other.me().user.email == "maya@example.com"


def test_a_wrong_password_is_said_inline_and_nothing_is_saved(
    qtbot: QtBot, library: Library, cloud: str, memory_keyring: MemoryKeyring
) -> None:
    with CloudClient(cloud, DictTokenStore()) as someone:
        someone.signup("lee@example.com", PASSWORD)
    bar, dialog = bar_and_dialog(qtbot, library)

    submit(qtbot, dialog, cloud, "lee@example.com", create=False)

    assert dialog.message.text() == "The email or password is wrong."
    assert dialog.isVisible()
    assert dialog.sign_in_button.isEnabled()
    assert load_settings(Path(library.data_dir)).cloud_url == ""
    assert sign_in_entry(memory_keyring, cloud) is None
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")
    qtbot.waitUntil(lambda: bar.trips.text() == f"{STARTER_TRIPS} trips")


def test_an_unreachable_cloud_is_said_inline(
    qtbot: QtBot, library: Library, memory_keyring: MemoryKeyring
) -> None:
    nowhere = closed_port_url()
    bar, dialog = bar_and_dialog(qtbot, library)

    submit(qtbot, dialog, nowhere, "lee@example.com", create=True)

    assert dialog.message.text().startswith(f"Cannot reach {nowhere}.")
    assert load_settings(Path(library.data_dir)).cloud_url == ""
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")


def test_a_bad_address_or_empty_email_names_the_field_without_a_request(
    qtbot: QtBot, library: Library
) -> None:
    _, dialog = bar_and_dialog(qtbot, library)
    dialog.cloud_url.setText("ftp://nowhere")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert not dialog.busy
    assert dialog.message.text().startswith("Cloud address: 'ftp://nowhere' is not a cloud")
    dialog.cloud_url.setText("http://127.0.0.1:9")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "Email: enter the account's email."


def test_signing_out_returns_the_bar_to_the_local_account(
    qtbot: QtBot, library: Library, cloud: str, memory_keyring: MemoryKeyring
) -> None:
    bar, dialog = bar_and_dialog(qtbot, library)
    submit(qtbot, dialog, cloud, "maya@example.com", create=True)
    qtbot.waitUntil(lambda: bar.account.text() == "maya@example.com")

    again = bar.account_dialog()
    again.show()
    assert again.cloud_url.text() == cloud
    assert again.sign_out_button.isVisible()
    qtbot.mouseClick(again.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not again.busy, timeout=20_000)

    assert again.message.text().startswith("Signed out.")
    assert not again.sign_out_button.isVisible()
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")
    qtbot.waitUntil(lambda: bar.trips.text() == f"{STARTER_TRIPS} trips")
    assert load_settings(Path(library.data_dir)).cloud_url == ""
    assert sign_in_entry(memory_keyring, cloud) is None


def test_clicking_the_account_in_the_bar_opens_the_dialog(
    qtbot: QtBot, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[AccountDialog] = []
    monkeypatch.setattr(AccountDialog, "exec", lambda self: opened.append(self) or 0)
    bar = TopBar(library)
    qtbot.addWidget(bar)
    qtbot.mouseClick(bar.account, Qt.MouseButton.LeftButton)
    assert len(opened) == 1
    assert opened[0].windowTitle() == "Account"


def test_too_many_attempts_say_how_long_to_wait(
    qtbot: QtBot, library: Library, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    with cloud_server(tmp_path / "strict", login_attempts=1, rate_window_seconds=90) as url:
        _, dialog = bar_and_dialog(qtbot, library)
        submit(qtbot, dialog, url, "lee@example.com", create=False)
        assert dialog.message.text() == "The email or password is wrong."
        submit(qtbot, dialog, url, "lee@example.com", create=False)
    said = re.fullmatch(r"Too many attempts: wait (\d+) s and try again\.", dialog.message.text())
    assert said is not None, dialog.message.text()
    assert 1 <= int(said.group(1)) <= 90


def test_without_a_keyring_the_sign_in_is_refused_in_words(
    qtbot: QtBot, library: Library, cloud: str
) -> None:
    with installed(no_keyring()):
        bar, dialog = bar_and_dialog(qtbot, library)
        submit(qtbot, dialog, cloud, "maya@example.com", create=True)
    assert dialog.message.text().startswith("Cannot keep the sign-in: no system keyring")
    assert load_settings(Path(library.data_dir)).cloud_url == ""
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")
