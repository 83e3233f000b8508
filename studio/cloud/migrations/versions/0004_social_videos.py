"""Social videos: what the desktop uploads to publish (owner-scoped, one row per content hash),
and the post's video_id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 21:51:08.151308
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_social_video",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["cloud_user.id"], name=op.f("fk_cloud_social_video_owner_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_social_video")),
        sa.UniqueConstraint(
            "owner_id", "sha256", name=op.f("uq_cloud_social_video_owner_id_sha256")
        ),
    )
    with op.batch_alter_table("cloud_social_video", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cloud_social_video_owner_id"), ["owner_id"], unique=False
        )

    with op.batch_alter_table("cloud_social_post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_id", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_cloud_social_post_video_id_cloud_social_video"),
            "cloud_social_video",
            ["video_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_social_post", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cloud_social_post_video_id_cloud_social_video"), type_="foreignkey"
        )
        batch_op.drop_column("video_id")

    with op.batch_alter_table("cloud_social_video", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_social_video_owner_id"))

    op.drop_table("cloud_social_video")
