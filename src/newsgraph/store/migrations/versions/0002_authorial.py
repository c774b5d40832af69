"""Keep each article's authorial sentences, so a stored article shows the author's own voice.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25

A plain ``ADD COLUMN`` (nullable JSON list of ``[start, end]`` offsets into
``articles.text``): no table rebuild, so SQLite's full-text triggers stay.
Articles stored before this revision have NULL there (unknown, not "none").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("articles", sa.Column("authorial", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("articles", "authorial")
