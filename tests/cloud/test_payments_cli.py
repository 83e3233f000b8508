"""``studio buy PACK`` and the bundled client's payment calls, against the real service served on
a port, with the fake Stripe behind it and the browser replaced by a recorder."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from studio.commands import account
from studio.services.cloud_client import (
    CloudClient,
    KeyringTokenStore,
    PaymentsUnavailable,
    ValidationFailed,
)
from studio.services.cloud_client.address import ENV_VAR
from tests.cloud.payments.fakes import FakeStripe, serve
from tests.cloud.test_payments import PUBLISHABLE_KEY, stripe_settings
from tests.services.memory_keyring import MemoryKeyring, installed
from tests.services.test_cloud_client import PASSWORD, cloud_server

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _builtin_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIO_PAYMENTS_CATALOG", raising=False)


@pytest.fixture
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The addresses handed to the browser."""
    urls: list[str] = []

    def open_in_browser(url: str, *args: object, **kwargs: object) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", open_in_browser)
    return urls


@pytest.fixture
def studio(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Run]:
    with installed(MemoryKeyring()):

        def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
            parser = argparse.ArgumentParser(prog="studio")
            account.register(parser.add_subparsers())
            args = parser.parse_args(argv)
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
            code = int(args.run(args))
            out, err = capsys.readouterr()
            return code, out, err

        yield run


def signed_in(studio: Run) -> None:
    code, _, err = studio(
        "login", "--signup", "--email", "ada@example.com", "--password-stdin", stdin=PASSWORD
    )
    assert code == 0, err


def test_buy_opens_the_checkout_page_in_the_browser(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_stripe: tuple[FakeStripe, str],
    studio: Run,
    opened: list[str],
) -> None:
    fake, api_base = fake_stripe
    with cloud_server(tmp_path / "cloud", **stripe_settings(api_base)) as url:
        monkeypatch.setenv(ENV_VAR, url)
        signed_in(studio)

        code, out, err = studio("buy", "trips_50")

        assert (code, err) == (0, "")
        [checkout] = opened
        assert checkout.startswith(f"{url}/pay/pi_")
        assert f"Pay 39.99 USD for trips_50 at {checkout}" in out
        [intent] = fake.intents.values()
        assert urlsplit(checkout).fragment == intent["client_secret"]
        page = httpx.get(checkout, timeout=10)
        assert page.status_code == 200
        assert PUBLISHABLE_KEY in page.text


def test_buy_without_stripe_says_what_to_configure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, studio: Run, opened: list[str]
) -> None:
    with cloud_server(tmp_path / "cloud") as url:
        monkeypatch.setenv(ENV_VAR, url)
        signed_in(studio)

        code, out, err = studio("buy", "trips_10")

    assert (code, out, opened) == (1, "", [])
    assert "payments need a configured Stripe account (STUDIO_CLOUD_STRIPE_SECRET_KEY)" in err


def test_buy_of_an_unknown_pack_names_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_stripe: tuple[FakeStripe, str],
    studio: Run,
    opened: list[str],
) -> None:
    with cloud_server(tmp_path / "cloud", **stripe_settings(fake_stripe[1])) as url:
        monkeypatch.setenv(ENV_VAR, url)
        signed_in(studio)
        code, out, err = studio("buy", "trips_9000")
    assert (code, out, opened) == (1, "", [])
    assert "trips_9000" in err


def test_client_payment_calls(
    tmp_path: Path, fake_stripe: tuple[FakeStripe, str], studio: Run
) -> None:
    settings = stripe_settings(fake_stripe[1])
    with (
        cloud_server(tmp_path / "cloud", **settings) as url,
        CloudClient(url, KeyringTokenStore(url)) as cloud,
    ):
        cloud.signup("grace@example.com", PASSWORD)
        intent = cloud.create_payment_intent("pro_month", idempotency_key="k-1")
        assert cloud.create_payment_intent("pro_month", idempotency_key="k-1") == intent
        payment = cloud.payment(intent.payment_intent_id)
        assert (payment.status, payment.product_id, payment.amount) == (
            "pending",
            "pro_month",
            1999,
        )
        with pytest.raises(PaymentsUnavailable, match="App Store purchases need"):
            cloud.verify_iap("apple", signed_transaction="eyJ.not.checked")
        with pytest.raises(ValidationFailed) as refused:
            cloud.verify_iap("google", product_id="studio.trips.10")
        assert refused.value.field == "purchase_token"
