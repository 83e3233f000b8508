"""The top bar: whose trips they are and how many, from the service, or why not."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from studio.services.embedded import PAYMENTS_NOTE, embedded_for
from studio.services.jobs.trips import NoTrips, TripsUnavailable, set_trips_provider, trips_for
from studio.services.library.db import Library
from studio.ui.app import start_account
from studio.ui.top_bar import TopBar
from tests.ui.conftest import STARTER_TRIPS
from tests.ui.test_editing import opened_film


def test_the_bar_shows_the_local_account_and_its_balance_from_the_service(
    qtbot: QtBot, library: Library
) -> None:
    bar = TopBar(library)
    qtbot.addWidget(bar)
    qtbot.waitUntil(lambda: bar.account.text() == "Local account")
    qtbot.waitUntil(lambda: bar.trips.text() == f"{STARTER_TRIPS} trips")
    assert PAYMENTS_NOTE in bar.trips.toolTip()
    client = embedded_for(library).client
    film = client.create_production("Night")
    client.trips_use(film.id, "cinema", "spent-elsewhere")
    bar.refresh()
    qtbot.waitUntil(lambda: bar.trips.text() == f"{STARTER_TRIPS - 1} trips")


def test_an_account_that_cannot_open_is_said_not_raised(qtbot: QtBot, library: Library) -> None:
    set_trips_provider(lambda _library: NoTrips("no trips account: the port is taken"))
    try:
        bar = TopBar(library)
        qtbot.addWidget(bar)
        qtbot.waitUntil(lambda: bar.account.text() == "Account unavailable")
    finally:
        set_trips_provider(None)
    assert bar.account.toolTip() == "no trips account: the port is taken"
    qtbot.waitUntil(lambda: bar.trips.text() == "")


@pytest.mark.slow
def test_a_render_in_the_window_charges_one_trip_through_the_service(
    qtbot: QtBot, library: Library, settings: QSettings, tmp_path: Path
) -> None:
    window = opened_film(qtbot, library, settings, tmp_path)
    client = embedded_for(library).client
    assert client.me().trips_balance == STARTER_TRIPS
    cinema = window.cinema
    cinema.preset.setCurrentIndex(cinema.preset.findData("draft"))
    with qtbot.waitSignal(
        cinema.render_queue.job_finished,
        timeout=120_000,
        check_params_cb=lambda _, job_type, status: (
            job_type == "cinema.render" or status != "succeeded"
        ),
    ) as finished:
        qtbot.mouseClick(cinema.render_button, Qt.MouseButton.LeftButton)
    assert finished.args is not None
    assert finished.args[1:] == ["cinema.render", "succeeded"]
    assert client.me().trips_balance == STARTER_TRIPS - 1
    qtbot.waitUntil(lambda: window.top_bar.trips.text() == f"{STARTER_TRIPS - 1} trips")
    qtbot.waitUntil(lambda: window.top_bar.account.text() == "Local account")


def test_the_app_starts_the_embedded_account_before_the_window(library: Library) -> None:
    assert start_account(library) is None
    assert trips_for(library).account_label() == "Local account"


def test_an_account_that_cannot_start_is_reported_and_refuses_renders_in_words(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_CLOUD_URL", "ftp://nowhere")
    try:
        reason = start_account(library)
        assert reason is not None
        assert "'ftp://nowhere' is not a cloud address" in reason
        with pytest.raises(TripsUnavailable, match="is not a cloud address"):
            trips_for(library).use(1, idempotency_key="k", production_id="p")
    finally:
        set_trips_provider(None)
