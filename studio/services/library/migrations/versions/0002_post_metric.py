"""Post metrics as a time series: one row per fetch of a post's numbers on one platform.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Written by hand to match ``PostMetric`` in studio/services/library/models.py; tests/library checks
that the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_metric",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("post_id", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("likes", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("shares", sa.Integer(), nullable=False),
        sa.Column("watch_time_seconds", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_metric")),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["social_post.id"],
            name=op.f("fk_post_metric_post_id_social_post"),
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_post_metric_post_id_fetched_at", "post_metric", ["post_id", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_post_metric_post_id_fetched_at", table_name="post_metric")
    op.drop_table("post_metric")
