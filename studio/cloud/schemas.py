"""Request and response bodies: the API's contract, shared with the bundled client.

The brand kit is the spec's own ``BrandKit`` model; plans in responses are the spec's JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from studio.spec.shorts import ShortsFormat

TripType = Literal["cinema", "shorts_bundle"]
Plan = Literal["free", "pro"]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Credentials(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=1024)

    @field_validator("email")
    @classmethod
    def _plain_email(cls, value: str) -> str:
        local, at, domain = value.partition("@")
        if not at or not local or "." not in domain or " " in value:
            raise ValueError("not an email address")
        return value.lower()


class LoginBody(Body):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshBody(Body):
    refresh_token: str = Field(min_length=1, max_length=200)


class LogoutBody(Body):
    refresh_token: str | None = Field(default=None, max_length=200)
    """End only the sign-in this token belongs to; without it, every sign-in of the user."""


class UserOut(BaseModel):
    id: str
    email: str
    plan: Plan
    created_at: datetime


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    """Seconds the access token stays valid."""


class AuthResult(BaseModel):
    user: UserOut
    tokens: Tokens


class Me(BaseModel):
    user: UserOut
    plan: Plan
    trips_balance: int


class PaymentOut(BaseModel):
    """One purchase. ``status``: pending (a Stripe intent not paid yet), paid, or reversed
    (refunded, disputed or revoked)."""

    id: str
    provider: Literal["stripe", "apple", "google"]
    reference: str
    product_id: str | None
    status: Literal["pending", "paid", "reversed"]
    trips: int
    pro_days: int
    amount: int
    """In the currency's smallest unit (cents); 0 for store purchases (the store keeps it)."""
    currency: str | None
    created_at: datetime
    paid_at: datetime | None
    reversed_at: datetime | None


class ProPlanOut(BaseModel):
    """The Pro plan while it runs: bought by the day (30 per pro_month), so it ends at
    ``ends_at`` unless more days are bought; None for a Pro plan granted without an end."""

    plan: Literal["pro"] = "pro"
    status: Literal["active"] = "active"
    ends_at: datetime | None


class Billing(BaseModel):
    plan: Plan
    subscriptions: list[ProPlanOut]
    """The running Pro plan with its end; empty on the free plan."""
    payments: list[PaymentOut]
    """The most recent purchases first (at most 50)."""


class CreateIntentBody(Body):
    product_id: str = Field(min_length=1, max_length=64)
    """A catalog product: a trip pack (trips_10, trips_50) or the Pro plan (pro_month)."""


class IntentOut(BaseModel):
    """A Stripe PaymentIntent to pay: confirm it with Stripe.js / the mobile SDKs using
    ``client_secret`` and ``publishable_key``, or open ``checkout_url`` in a browser: a page
    this service serves (``GET /pay/{payment_intent_id}``) with Stripe's Payment Element. The
    client secret rides in the URL's fragment, which browsers never send to a server."""

    payment_intent_id: str
    client_secret: str
    amount: int
    currency: str
    product_id: str
    publishable_key: str
    checkout_url: str


class AppleVerifyBody(Body):
    platform: Literal["apple"]
    signed_transaction: str = Field(min_length=1, max_length=20_000)
    """The JWS the App Store gave the app (``Transaction.jwsRepresentation``); the app must set
    ``appAccountToken`` to the user's id (as a UUID) at purchase."""


class GoogleVerifyBody(Body):
    platform: Literal["google"]
    product_id: str = Field(min_length=1, max_length=200)
    """The Play product id (``studio.trips.10``)."""
    purchase_token: str = Field(min_length=1, max_length=2_000)
    """The app must set ``obfuscatedAccountId`` to the user's id at purchase."""


class IapResult(BaseModel):
    payment: PaymentOut
    credited: bool
    """False when this purchase had been credited before (a retried verify)."""
    trips_balance: int
    plan: Plan


class WebhookResult(BaseModel):
    outcome: Literal["applied", "replayed", "ignored"]


class TripUseBody(Body):
    production_id: str = Field(min_length=1, max_length=32)
    type: TripType


class TripUseResult(BaseModel):
    entry_id: str
    production_id: str
    type: TripType
    trips_used: int
    trips_balance: int
    created_at: datetime


class ProductionCreate(Body):
    mode: Literal["simple", "pro"] = "simple"
    title: str = Field(min_length=1, max_length=300)
    style: str = Field(default="neo_glow", min_length=1, max_length=100)
    script_text: str | None = Field(default=None, max_length=200_000)


class AssetOut(BaseModel):
    id: str
    kind: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str
    created_at: datetime


class ProductionOut(BaseModel):
    id: str
    title: str
    mode: str
    style: str
    script_text: str | None
    status: str
    plan: dict[str, Any] | None
    final_video_url: str | None
    assets: list[AssetOut]
    created_at: datetime
    updated_at: datetime


class ProductionSummary(BaseModel):
    id: str
    title: str
    mode: str
    status: str
    created_at: datetime


class ShortsCreate(Body):
    source_type: Literal["idea", "script", "video", "production"]
    source_payload: dict[str, Any]
    """idea: {"text"}; script: {"script_text"}; production: {"production_id"}."""
    title: str = Field(default="", max_length=300)


class HooksBody(Body):
    count: int = Field(default=5, ge=1, le=20)


class Hook(BaseModel):
    rank: int
    text: str
    score: float
    emphasis_words: list[str]


class HooksResult(BaseModel):
    hooks: list[Hook]


class VariantsBody(Body):
    hooks: list[int] = Field(min_length=1, max_length=10)
    """Ranks of the chosen hooks (from /hooks)."""
    formats: list[ShortsFormat] = Field(min_length=1, max_length=4)
    duration: float = Field(default=30.0, ge=5.0, le=180.0)


class Variant(BaseModel):
    variant_id: str
    hook_rank: int
    format: str
    plan: dict[str, Any]


class ShortsOut(BaseModel):
    id: str
    title: str
    source_type: str
    source_payload: dict[str, Any]
    status: str
    hooks: list[Hook]
    variants: list[Variant]
    created_at: datetime
    updated_at: datetime


class ShortsSummary(BaseModel):
    id: str
    title: str
    source_type: str
    status: str
    created_at: datetime


class RunResult(BaseModel):
    """What a run charged and where the work stands."""

    status: str
    trips_used: int
    trips_balance: int
    entry_id: str


class Health(BaseModel):
    """``GET /health``: the service answers and so does its database."""

    status: Literal["ok"]
    database: Literal["ok"]
