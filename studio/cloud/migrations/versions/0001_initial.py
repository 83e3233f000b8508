"""The cloud service's first schema: users, sign-ins, the trips ledger, idempotency, creator data.

Revision ID: 0001
Revises:
Create Date: 2026-11-24 19:15:24.036602
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_user",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("plan", sa.String(length=16), nullable=False),
        sa.Column("trips_balance", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("plan IN ('free', 'pro')", name=op.f("ck_cloud_user_plan")),
        sa.CheckConstraint(
            "trips_balance >= 0", name=op.f("ck_cloud_user_trips_balance_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_user")),
        sa.UniqueConstraint("email", name=op.f("uq_cloud_user_email")),
    )
    op.create_table(
        "cloud_auth_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cloud_user.id"], name=op.f("fk_cloud_auth_session_user_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_auth_session")),
    )
    with op.batch_alter_table("cloud_auth_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_auth_session_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "cloud_brand_kit",
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_brand_kit_owner_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("owner_id", name=op.f("pk_cloud_brand_kit")),
    )
    op.create_table(
        "cloud_idempotency_key",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cloud_user.id"], name=op.f("fk_cloud_idempotency_key_user_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_idempotency_key")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_cloud_idempotency_key_user_id_key")),
    )
    with op.batch_alter_table("cloud_idempotency_key", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_idempotency_key_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "cloud_production",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("style", sa.String(length=100), nullable=False),
        sa.Column("script_text", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("final_video_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('simple', 'pro')", name=op.f("ck_cloud_production_mode")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_production_owner_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_production")),
    )
    with op.batch_alter_table("cloud_production", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_production_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "cloud_shorts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=False),
        sa.Column("source_payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hooks", sa.JSON(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "source_type IN ('idea', 'script', 'video', 'production')",
            name=op.f("ck_cloud_shorts_source_type"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_shorts_owner_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_shorts")),
    )
    with op.batch_alter_table("cloud_shorts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cloud_shorts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "cloud_trip_entry",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("trip_type", sa.String(length=32), nullable=True),
        sa.Column("production_id", sa.String(length=32), nullable=True),
        sa.Column("shorts_id", sa.String(length=32), nullable=True),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('grant', 'purchase', 'use', 'refund')", name=op.f("ck_cloud_trip_entry_kind")
        ),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_cloud_trip_entry_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cloud_user.id"], name=op.f("fk_cloud_trip_entry_user_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_trip_entry")),
        sa.UniqueConstraint(
            "user_id", "reference", name=op.f("uq_cloud_trip_entry_user_id_reference")
        ),
    )
    with op.batch_alter_table("cloud_trip_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cloud_trip_entry_user_id"), ["user_id"], unique=False)

    op.create_table(
        "cloud_asset",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("production_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("original_name", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_asset_owner_id_cloud_user")
        ),
        sa.ForeignKeyConstraint(
            ["production_id"],
            ["cloud_production.id"],
            name=op.f("fk_cloud_asset_production_id_cloud_production"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_asset")),
    )
    with op.batch_alter_table("cloud_asset", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cloud_asset_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cloud_asset_production_id"), ["production_id"], unique=False
        )

    op.create_table(
        "cloud_refresh_token",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["cloud_auth_session.id"],
            name=op.f("fk_cloud_refresh_token_session_id_cloud_auth_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_cloud_refresh_token_token_hash")),
    )
    with op.batch_alter_table("cloud_refresh_token", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_refresh_token_session_id"), ["session_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_refresh_token_session_id"))

    op.drop_table("cloud_refresh_token")
    with op.batch_alter_table("cloud_asset", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_asset_production_id"))
        batch_op.drop_index(batch_op.f("ix_cloud_asset_owner_id"))

    op.drop_table("cloud_asset")
    with op.batch_alter_table("cloud_trip_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_trip_entry_user_id"))

    op.drop_table("cloud_trip_entry")
    with op.batch_alter_table("cloud_shorts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_shorts_owner_id"))

    op.drop_table("cloud_shorts")
    with op.batch_alter_table("cloud_production", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_production_owner_id"))

    op.drop_table("cloud_production")
    with op.batch_alter_table("cloud_idempotency_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_idempotency_key_user_id"))

    op.drop_table("cloud_idempotency_key")
    op.drop_table("cloud_brand_kit")
    with op.batch_alter_table("cloud_auth_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_auth_session_user_id"))

    op.drop_table("cloud_auth_session")
    op.drop_table("cloud_user")
