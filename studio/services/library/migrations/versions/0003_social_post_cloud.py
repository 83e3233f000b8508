"""A post's twin on the cloud service: its id there, and each platform's state as last read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

``cloud_post_id`` is what ``social.schedule_post`` got back from the service, so a retried job
never creates a second post; ``platform_status`` mirrors the service's per-platform answer
(published with its link, retrying and why, failed and why, late) for the Growth tab. Written by
hand to match ``SocialPost`` in studio/services/library/models.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("social_post") as batch:
        batch.add_column(sa.Column("cloud_post_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("platform_status", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )


def downgrade() -> None:
    with op.batch_alter_table("social_post") as batch:
        batch.drop_column("platform_status")
        batch.drop_column("cloud_post_id")
