"""The first library: productions, assets, shorts, jobs, social posts, brand kits, the account.

Revision ID: 0001
Revises:
Create Date: 2025-11-24

Written by hand to match studio/services/library/models.py; tests/library checks that the two
agree (Alembic's compare_metadata finds no difference on a migrated database).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id(name: str = "id", length: int = 32) -> sa.Column[str]:
    return sa.Column(name, sa.String(length), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "production",
        _id(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("style", sa.String(100), nullable=True),
        sa.Column("script_text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("final_video", sa.String(300), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production")),
        sa.CheckConstraint("mode IN ('simple', 'pro')", name=op.f("ck_production_mode")),
        sa.CheckConstraint(
            "status IN ('draft', 'planning', 'planned', 'rendering', 'done', 'failed', "
            "'cancelled')",
            name=op.f("ck_production_status"),
        ),
    )
    op.create_table(
        "asset",
        _id(length=64),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("original_name", sa.String(300), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asset")),
        sa.CheckConstraint(
            "kind IN ('image', 'video', 'audio', 'script', 'font')", name=op.f("ck_asset_kind")
        ),
    )
    op.create_table(
        "production_asset",
        _id("production_id"),
        _id("asset_id", length=64),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("production_id", "asset_id", name=op.f("pk_production_asset")),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["production.id"],
            name=op.f("fk_production_asset_production_id_production"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asset_id"],
            ["asset.id"],
            name=op.f("fk_production_asset_asset_id_asset"),
            ondelete="RESTRICT",
        ),
    )
    op.create_index(
        op.f("ix_production_asset_asset_id"), "production_asset", ["asset_id"], unique=False
    )
    op.create_table(
        "plan_revision",
        _id(),
        _id("production_id"),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_revision")),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["production.id"],
            name=op.f("fk_plan_revision_production_id_production"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "production_id", "number", name=op.f("uq_plan_revision_production_id_number")
        ),
        sa.CheckConstraint(
            "source IN ('offline', 'llm', 'edit')", name=op.f("ck_plan_revision_source")
        ),
    )
    op.create_table(
        "shorts",
        _id(),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("source_payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shorts")),
        sa.CheckConstraint(
            "source_type IN ('idea', 'script', 'production', 'video')",
            name=op.f("ck_shorts_source_type"),
        ),
    )
    op.create_table(
        "short_variant",
        _id(),
        _id("shorts_id"),
        sa.Column("variant_id", sa.String(100), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("video_path", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_short_variant")),
        sa.ForeignKeyConstraint(
            ["shorts_id"],
            ["shorts.id"],
            name=op.f("fk_short_variant_shorts_id_shorts"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "shorts_id", "variant_id", name=op.f("uq_short_variant_shorts_id_variant_id")
        ),
    )
    op.create_table(
        "job",
        _id(),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("depends_on_id", sa.String(32), nullable=True),
        sa.Column("production_id", sa.String(32), nullable=True),
        sa.Column("shorts_id", sa.String(32), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _when("not_before", nullable=True),
        sa.Column("checkpoint", sa.JSON(), nullable=True),
        sa.Column("worker", sa.String(200), nullable=True),
        _when("heartbeat_at", nullable=True),
        _when("created_at"),
        _when("started_at", nullable=True),
        _when("finished_at", nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.ForeignKeyConstraint(
            ["depends_on_id"],
            ["job.id"],
            name=op.f("fk_job_depends_on_id_job"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["production.id"],
            name=op.f("fk_job_production_id_production"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shorts_id"], ["shorts.id"], name=op.f("fk_job_shorts_id_shorts"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_job_idempotency_key")),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_job_status"),
        ),
    )
    op.create_index(
        "ix_job_status_priority_created_at", "job", ["status", "priority", "created_at"]
    )
    op.create_index(op.f("ix_job_depends_on_id"), "job", ["depends_on_id"])
    op.create_index(op.f("ix_job_production_id"), "job", ["production_id"])
    op.create_index(op.f("ix_job_shorts_id"), "job", ["shorts_id"])
    op.create_table(
        "job_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("job_id"),
        _when("at"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_event")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_job_event_job_id_job"), ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "kind IN ('status', 'progress', 'log', 'error')", name=op.f("ck_job_event_kind")
        ),
    )
    op.create_index(op.f("ix_job_event_job_id"), "job_event", ["job_id"])
    op.create_table(
        "social_account",
        _id(),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_account")),
    )
    op.create_table(
        "social_post",
        _id(),
        sa.Column("variant_id", sa.String(32), nullable=True),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        _when("scheduled_at", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("external_ids", sa.JSON(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_post")),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["short_variant.id"],
            name=op.f("fk_social_post_variant_id_short_variant"),
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'publishing', 'published', 'failed', 'cancelled')",
            name=op.f("ck_social_post_status"),
        ),
    )
    op.create_index(op.f("ix_social_post_variant_id"), "social_post", ["variant_id"])
    op.create_table(
        "brand_kit",
        _id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_kit")),
    )
    op.create_table(
        "account",
        _id(),
        sa.Column("user_email", sa.String(320), nullable=True),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("trips_balance", sa.Integer(), nullable=False),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
    )
    op.create_table(
        "trip_entry",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.String(32), nullable=True),
        sa.Column("shorts_id", sa.String(32), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip_entry")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_trip_entry_idempotency_key")),
        sa.CheckConstraint(
            "kind IN ('grant', 'purchase', 'use', 'refund')", name=op.f("ck_trip_entry_kind")
        ),
    )
    op.create_index(op.f("ix_trip_entry_production_id"), "trip_entry", ["production_id"])
    op.create_index(op.f("ix_trip_entry_shorts_id"), "trip_entry", ["shorts_id"])


def downgrade() -> None:
    for table in (
        "trip_entry",
        "account",
        "brand_kit",
        "social_post",
        "social_account",
        "job_event",
        "job",
        "short_variant",
        "shorts",
        "plan_revision",
        "production_asset",
        "asset",
        "production",
    ):
        op.drop_table(table)
