"""The service's tables, in their own metadata (the cloud may share a Postgres with nothing else,
or a SQLite file beside the desktop library; its tables never mix with the library's).

Every creator-owned row carries ``owner_id``; queries always filter by it, so another user's id
reads as "not found". The trips ledger is append-only and ``User.trips_balance`` is its running
sum, kept in the same transaction as each entry and guarded by a CHECK (>= 0): however requests
interleave, the database itself refuses an overdraft.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from studio.services.library.models import NAMING, UTCDateTime, new_id, utcnow

PLANS = ("free", "pro")
TRIP_KINDS = ("grant", "purchase", "use", "refund")
PAYMENT_PROVIDERS = ("stripe", "apple", "google")
PAYMENT_STATUSES = ("pending", "paid", "reversed")
PRODUCTION_MODES = ("simple", "pro")
SHORTS_SOURCE_TYPES = ("idea", "script", "video", "production")

JSONValue = dict[str, Any]


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class CloudBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), JSONValue: JSON()}


class User(CloudBase):
    __tablename__ = "cloud_user"
    __table_args__ = (
        _one_of("plan", PLANS),
        CheckConstraint("trips_balance >= 0", name="trips_balance_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(16), default="free")
    trips_balance: Mapped[int] = mapped_column(Integer, default=0)
    pro_until: Mapped[datetime | None]
    """When a paid Pro plan ends; ``plan`` reads "pro" only while this lies ahead."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuthSession(CloudBase):
    """One sign-in: the family of refresh tokens it rotates through; revoking it ends them all
    and the access tokens issued under it."""

    __tablename__ = "cloud_auth_session"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class RefreshToken(CloudBase):
    """A refresh token by its sha256 (the token itself is never stored); ``used_at`` is set
    when it is exchanged, and presenting it again is reuse."""

    __tablename__ = "cloud_refresh_token"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    session_id: Mapped[str] = mapped_column(ForeignKey("cloud_auth_session.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class TripEntry(CloudBase):
    """One ledger line: grants, purchases and use refunds positive, uses and purchase
    reversals negative. ``reference`` is unique per user: the idempotency of every credit."""

    __tablename__ = "cloud_trip_entry"
    __table_args__ = (
        _one_of("kind", TRIP_KINDS),
        UniqueConstraint("user_id", "reference"),
        CheckConstraint("amount <> 0", name="amount_not_zero"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(200))
    trip_type: Mapped[str | None] = mapped_column(String(32))
    production_id: Mapped[str | None] = mapped_column(String(32))
    shorts_id: Mapped[str | None] = mapped_column(String(32))
    balance_after: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(CloudBase):
    """A processed Idempotency-Key: what was asked (a hash) and what was answered."""

    __tablename__ = "cloud_idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[JSONValue]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrandKitRow(CloudBase):
    __tablename__ = "cloud_brand_kit"

    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), primary_key=True)
    document: Mapped[JSONValue]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProductionRow(CloudBase):
    __tablename__ = "cloud_production"
    __table_args__ = (_one_of("mode", PRODUCTION_MODES),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(16))
    style: Mapped[str] = mapped_column(String(100))
    script_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    plan: Mapped[JSONValue | None] = mapped_column(JSON)
    final_video_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AssetRow(CloudBase):
    """An uploaded file of a production; the bytes are under the data folder by sha256."""

    __tablename__ = "cloud_asset"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    production_id: Mapped[str] = mapped_column(ForeignKey("cloud_production.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShortsRow(CloudBase):
    __tablename__ = "cloud_shorts"
    __table_args__ = (_one_of("source_type", SHORTS_SOURCE_TYPES),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[str] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    source_type: Mapped[str] = mapped_column(String(16))
    source_payload: Mapped[JSONValue]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    hooks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    variants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Payment(CloudBase):
    """One purchase by its store reference (``stripe:pi_...``, ``apple:<transaction>``,
    ``google:<token>``): the billing history, and the owner a dispute is matched to.

    ``pending`` is a Stripe intent not yet paid, ``paid`` was credited, ``reversed`` was
    refunded, disputed or revoked. A reversal that arrives before its payment leaves a
    ``reversed`` row (its owner may still be unknown), so the late credit is cancelled out.
    """

    __tablename__ = "cloud_payment"
    __table_args__ = (
        _one_of("provider", PAYMENT_PROVIDERS),
        _one_of("status", PAYMENT_STATUSES),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    reference: Mapped[str] = mapped_column(String(300), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("cloud_user.id"), index=True)
    product_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    trips: Mapped[int] = mapped_column(Integer, default=0)
    pro_days: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(Integer, default=0)
    """In the currency's smallest unit; 0 where the store does not tell us (App Store, Play)."""
    currency: Mapped[str | None] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    reversed_at: Mapped[datetime | None]


class PaymentEvent(CloudBase):
    """A store message already applied (a Stripe event id, an App Store notification uuid):
    written in the same transaction as its effect, so a redelivery changes nothing."""

    __tablename__ = "cloud_payment_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(300))
    event_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
