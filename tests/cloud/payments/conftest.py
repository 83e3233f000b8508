"""Fixtures for the payment modules: local fakes of Stripe and Google, a test Apple PKI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from studio.cloud.payments.catalog import DEFAULT_CATALOG
from studio.cloud.payments.stripe_payments import StripePayments

from .fakes import STRIPE_KEY, FakeGoogle, FakeStripe, serve
from .pki import Chain, make_chain


@pytest.fixture(autouse=True)
def _no_payment_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own catalog override must not change what the tests expect."""
    monkeypatch.delenv("STUDIO_PAYMENTS_CATALOG", raising=False)


@pytest.fixture
def fake_stripe() -> Iterator[tuple[FakeStripe, str]]:
    fake = FakeStripe()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture
def payments(fake_stripe: tuple[FakeStripe, str]) -> StripePayments:
    """The real stripe SDK, pointed at the fake, with no retries to keep failures fast."""
    return StripePayments(
        STRIPE_KEY, DEFAULT_CATALOG, api_base=fake_stripe[1], max_network_retries=0
    )


@pytest.fixture
def fake_google() -> Iterator[tuple[FakeGoogle, str]]:
    fake = FakeGoogle()
    with serve(fake) as base_url:
        yield fake, base_url


@pytest.fixture(scope="session")
def apple_chain() -> Chain:
    return make_chain()
