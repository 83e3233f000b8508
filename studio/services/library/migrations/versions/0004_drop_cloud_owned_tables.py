"""Drop the tables whose truth moved to the cloud service: account, trip_entry, social_account.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Trips are charged through the service (the bundled one when no cloud is configured), and social
accounts and their tokens live there too, so nothing reads or writes these tables any more.
Downgrading recreates them empty, as 0001 made them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index(op.f("ix_trip_entry_shorts_id"), table_name="trip_entry")
    op.drop_index(op.f("ix_trip_entry_production_id"), table_name="trip_entry")
    for table in ("trip_entry", "account", "social_account"):
        op.drop_table(table)


def downgrade() -> None:
    op.create_table(
        "social_account",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("handle", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_account")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_email", sa.String(320), nullable=True),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("trips_balance", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
    )
    op.create_table(
        "trip_entry",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.String(32), nullable=True),
        sa.Column("shorts_id", sa.String(32), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trip_entry")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_trip_entry_idempotency_key")),
        sa.CheckConstraint(
            "kind IN ('grant', 'purchase', 'use', 'refund')", name=op.f("ck_trip_entry_kind")
        ),
    )
    op.create_index(op.f("ix_trip_entry_production_id"), "trip_entry", ["production_id"])
    op.create_index(op.f("ix_trip_entry_shorts_id"), "trip_entry", ["shorts_id"])
