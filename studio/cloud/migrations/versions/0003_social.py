"""Social: connected accounts (tokens encrypted), posts, publish records, resumable upload
state and metric samples.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 20:11:43.441408
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_social_resume",
        sa.Column("slot", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slot", "key", name=op.f("pk_cloud_social_resume")),
    )
    op.create_table(
        "cloud_social_account",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("handle", sa.String(length=200), nullable=True),
        sa.Column("token_ciphertext", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "platform IN ('youtube', 'tiktok', 'instagram', 'x')",
            name=op.f("ck_cloud_social_account_platform"),
        ),
        sa.CheckConstraint(
            "status IN ('connected', 'needs_reconnect', 'revoked')",
            name=op.f("ck_cloud_social_account_status"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["cloud_user.id"],
            name=op.f("fk_cloud_social_account_owner_id_cloud_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_social_account")),
        sa.UniqueConstraint(
            "owner_id",
            "platform",
            "account_id",
            name=op.f("uq_cloud_social_account_owner_id_platform_account_id"),
        ),
    )
    with op.batch_alter_table("cloud_social_account", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_social_account_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "cloud_social_post",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("shorts_id", sa.String(length=32), nullable=True),
        sa.Column("variant_id", sa.String(length=100), nullable=False),
        sa.Column("hook", sa.Text(), nullable=True),
        sa.Column("platforms", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("caption", sa.Text(), nullable=False),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_social_post_owner_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_social_post")),
    )
    with op.batch_alter_table("cloud_social_post", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_social_post_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cloud_social_post_scheduled_at"), ["scheduled_at"], unique=False
        )

    op.create_table(
        "cloud_social_metric",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("watch_time_seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cloud_social_post.id"],
            name=op.f("fk_cloud_social_metric_post_id_cloud_social_post"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_social_metric")),
    )
    with op.batch_alter_table("cloud_social_metric", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cloud_social_metric_series", ["post_id", "platform", "fetched_at"], unique=False
        )

    op.create_table(
        "cloud_social_publish",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("post_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account_ref", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "platform IN ('youtube', 'tiktok', 'instagram', 'x')",
            name=op.f("ck_cloud_social_publish_platform"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'publishing', 'published', 'failed')",
            name=op.f("ck_cloud_social_publish_status"),
        ),
        sa.ForeignKeyConstraint(
            ["account_ref"],
            ["cloud_social_account.id"],
            name=op.f("fk_cloud_social_publish_account_ref_cloud_social_account"),
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["cloud_social_post.id"],
            name=op.f("fk_cloud_social_publish_post_id_cloud_social_post"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_social_publish")),
        sa.UniqueConstraint(
            "post_id", "platform", name=op.f("uq_cloud_social_publish_post_id_platform")
        ),
    )
    with op.batch_alter_table("cloud_social_publish", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_social_publish_post_id"), ["post_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_social_publish", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_social_publish_post_id"))

    op.drop_table("cloud_social_publish")
    with op.batch_alter_table("cloud_social_metric", schema=None) as batch_op:
        batch_op.drop_index("ix_cloud_social_metric_series")

    op.drop_table("cloud_social_metric")
    with op.batch_alter_table("cloud_social_post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_social_post_scheduled_at"))
        batch_op.drop_index(batch_op.f("ix_cloud_social_post_owner_id"))

    op.drop_table("cloud_social_post")
    with op.batch_alter_table("cloud_social_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_social_account_owner_id"))

    op.drop_table("cloud_social_account")
    op.drop_table("cloud_social_resume")
