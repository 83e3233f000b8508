"""The library's tables: productions, assets, shorts, jobs, social posts and their metrics, brand
kits. (Accounts, trips and connected social accounts live on the cloud service: migration 0004.)

Ids are uuid4 hex strings (assets: the sha256 of their bytes), so rows can be created offline and
later synced without clashes. Times are timezone-aware UTC in Python on every dialect
(``UTCDateTime``) so code can compare them with ``utcnow()`` without guessing. Enumerated strings
are guarded by CHECK constraints in the database too, because other processes (and later versions)
write the same file.
Constraint names follow ``NAMING`` so later Alembic migrations can alter them on SQLite.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PRODUCTION_MODES = ("simple", "pro")
PRODUCTION_STATUSES = ("draft", "planning", "planned", "rendering", "done", "failed", "cancelled")
PLAN_SOURCES = ("offline", "llm", "edit")
ASSET_KINDS = ("image", "video", "audio", "script", "font")
SHORTS_SOURCE_TYPES = ("idea", "script", "production", "video")
JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
JOB_EVENT_KINDS = ("status", "progress", "log", "error")
POST_STATUSES = ("scheduled", "publishing", "published", "failed", "cancelled")

JSONDict = dict[str, Any]


def utcnow() -> datetime:
    """Now, timezone-aware UTC: what every timestamp column stores and returns."""
    return datetime.now(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is aware UTC in Python whatever the dialect keeps.

    SQLite drops the offset and hands back naive values; comparing those with ``utcnow()`` would
    raise. Naive inputs are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), JSONDict: JSON()}


class Production(Base):
    """A Cinema film: its script, its assets in order, its plan revisions and the final video."""

    __tablename__ = "production"
    __table_args__ = (
        _one_of("mode", PRODUCTION_MODES),
        _one_of("status", PRODUCTION_STATUSES),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    mode: Mapped[str] = mapped_column(String(16), default="simple")
    style: Mapped[str | None] = mapped_column(String(100))
    script_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    final_video: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    asset_links: Mapped[list[ProductionAsset]] = relationship(
        back_populates="production",
        order_by="ProductionAsset.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    plan_revisions: Mapped[list[PlanRevision]] = relationship(
        back_populates="production",
        order_by="PlanRevision.number",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def current_plan(self) -> PlanRevision | None:
        """The latest plan revision, or None before the first plan."""
        session = Session.object_session(self)
        if session is None or self.id is None:
            return max(self.plan_revisions, key=lambda revision: revision.number, default=None)
        return session.scalar(
            select(PlanRevision)
            .where(PlanRevision.production_id == self.id)
            .order_by(PlanRevision.number.desc())
            .limit(1)
        )

    def add_plan(self, plan: JSONDict, source: str) -> PlanRevision:
        """A revision numbered after the latest; unique (production, number) catches races."""
        latest = self.current_plan()
        revision = PlanRevision(
            number=1 if latest is None else latest.number + 1, plan=plan, source=source
        )
        self.plan_revisions.append(revision)
        return revision

    @property
    def assets(self) -> list[Asset]:
        """The production's assets in their order."""
        return [link.asset for link in self.asset_links]


class Asset(Base):
    """A file in the store, named by the sha256 of its bytes, so an import twice is one asset."""

    __tablename__ = "asset"
    __table_args__ = (_one_of("kind", ASSET_KINDS),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    meta: Mapped[JSONDict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProductionAsset(Base):
    """An asset's place in a production: the same asset may serve many productions."""

    __tablename__ = "production_asset"

    production_id: Mapped[str] = mapped_column(
        ForeignKey("production.id", ondelete="CASCADE"), primary_key=True
    )
    asset_id: Mapped[str] = mapped_column(
        ForeignKey("asset.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    production: Mapped[Production] = relationship(back_populates="asset_links")
    asset: Mapped[Asset] = relationship()


class PlanRevision(Base):
    """One saved Production Plan; edits add revisions, so an earlier plan is never lost."""

    __tablename__ = "plan_revision"
    __table_args__ = (
        UniqueConstraint("production_id", "number"),
        _one_of("source", PLAN_SOURCES),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    production_id: Mapped[str] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    plan: Mapped[JSONDict]
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    production: Mapped[Production] = relationship(back_populates="plan_revisions")


class Shorts(Base):
    """A batch of shorts from one source (an idea, a script, a production or a video)."""

    __tablename__ = "shorts"
    __table_args__ = (_one_of("source_type", SHORTS_SOURCE_TYPES),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(300))
    source_type: Mapped[str] = mapped_column(String(16))
    source_payload: Mapped[JSONDict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variants: Mapped[list[ShortVariant]] = relationship(
        back_populates="shorts",
        order_by="ShortVariant.variant_id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ShortVariant(Base):
    """One variant of a Shorts Plan (a hook in a format) and its rendered video."""

    __tablename__ = "short_variant"
    __table_args__ = (UniqueConstraint("shorts_id", "variant_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    shorts_id: Mapped[str] = mapped_column(ForeignKey("shorts.id", ondelete="CASCADE"))
    variant_id: Mapped[str] = mapped_column(String(100))
    format: Mapped[str] = mapped_column(String(16))
    plan: Mapped[JSONDict]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    video_path: Mapped[str | None] = mapped_column(String(300))

    shorts: Mapped[Shorts] = relationship(back_populates="variants")


class Job(Base):
    """A unit of pipeline work in the persistent queue; see studio.services.jobs."""

    __tablename__ = "job"
    __table_args__ = (
        _one_of("status", JOB_STATUSES),
        Index("ix_job_status_priority_created_at", "status", "priority", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[JSONDict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    depends_on_id: Mapped[str | None] = mapped_column(
        ForeignKey("job.id", ondelete="SET NULL"), index=True
    )
    production_id: Mapped[str | None] = mapped_column(
        ForeignKey("production.id", ondelete="CASCADE"), index=True
    )
    shorts_id: Mapped[str | None] = mapped_column(
        ForeignKey("shorts.id", ondelete="CASCADE"), index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[JSONDict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    not_before: Mapped[datetime | None]
    checkpoint: Mapped[JSONDict | None] = mapped_column(JSON)
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class JobEvent(Base):
    """A job's status change, progress step, log line or error, in order of ``id``."""

    __tablename__ = "job_event"
    __table_args__ = (_one_of("kind", JOB_EVENT_KINDS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[float | None] = mapped_column(Float)


class SocialPost(Base):
    """A short scheduled to one or more platforms, and the numbers that came back."""

    __tablename__ = "social_post"
    __table_args__ = (_one_of("status", POST_STATUSES),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    variant_id: Mapped[str | None] = mapped_column(
        ForeignKey("short_variant.id", ondelete="SET NULL"), index=True
    )
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(300), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list[str]] = mapped_column(JSON, default=list)
    scheduled_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    metrics: Mapped[JSONDict] = mapped_column(default=dict)
    external_ids: Mapped[JSONDict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cloud_post_id: Mapped[str | None] = mapped_column(String(64))
    """The post's id on the cloud service, once ``social.schedule_post`` created it there."""
    platform_status: Mapped[JSONDict] = mapped_column(server_default=text("'{}'"))
    """Each platform's state as the service last told it (``studio.services.social_cloud``);
    the database fills in ``{}``, so inserts written before this column still work."""


class PostMetric(Base):
    """One fetch of one platform's numbers for a post: the rows over time make the series.

    ``SocialPost.metrics`` keeps only the latest numbers; these rows keep every fetch, so a
    creator sees a short grow. Counts are totals as of ``fetched_at``, not increments.
    """

    __tablename__ = "post_metric"
    __table_args__ = (Index("ix_post_metric_post_id_fetched_at", "post_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[str] = mapped_column(ForeignKey("social_post.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    fetched_at: Mapped[datetime]
    views: Mapped[int] = mapped_column(Integer, default=0)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    comments: Mapped[int] = mapped_column(Integer, default=0)
    shares: Mapped[int] = mapped_column(Integer, default=0)
    watch_time_seconds: Mapped[float | None] = mapped_column(Float)


class BrandKit(Base):
    """A named brand kit; ``document`` is the spec's BrandKit JSON."""

    __tablename__ = "brand_kit"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[JSONDict]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
