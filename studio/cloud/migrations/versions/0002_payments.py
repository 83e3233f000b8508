"""Payments: the billing history, store messages applied once, and the end of a Pro plan.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 20:02:26.264428
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
        "cloud_payment_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("event_id", sa.String(length=300), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_payment_event")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_cloud_payment_event_provider_event_id")
        ),
    )
    op.create_table(
        "cloud_payment",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("reference", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trips", sa.Integer(), nullable=False),
        sa.Column("pro_days", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "provider IN ('stripe', 'apple', 'google')", name=op.f("ck_cloud_payment_provider")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'reversed')", name=op.f("ck_cloud_payment_status")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["cloud_user.id"], name=op.f("fk_cloud_payment_user_id_cloud_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_payment")),
        sa.UniqueConstraint("reference", name=op.f("uq_cloud_payment_reference")),
    )
    with op.batch_alter_table("cloud_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cloud_payment_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("cloud_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pro_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cloud_user", schema=None) as batch_op:
        batch_op.drop_column("pro_until")

    with op.batch_alter_table("cloud_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cloud_payment_user_id"))

    op.drop_table("cloud_payment")
    op.drop_table("cloud_payment_event")
