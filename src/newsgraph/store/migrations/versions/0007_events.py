"""Keep each article's PLOVER events (who did what to whom, where and when), linked to corpus actors.

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-26

A new table only (``events``, see ``store.schema.Event``): no existing table is
rebuilt. Articles stored before this revision have no events until they are
analysed again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsgraph.store.schema import MODALITIES, Coded, StoredDate

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_PARTIAL = {
    "ix_events_agent": ("agent_actor_id", "date"),
    "ix_events_target": ("target_actor_id", "date"),
    "ix_events_place": ("place_actor_id",),
}


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("local_id", sa.String(16), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("date", StoredDate(), nullable=True),
        sa.Column("time_value", sa.String(32), nullable=True),
        sa.Column("trigger_start", sa.Integer(), nullable=False),
        sa.Column("trigger_end", sa.Integer(), nullable=False),
        sa.Column("agent_start", sa.Integer(), nullable=True),
        sa.Column("agent_end", sa.Integer(), nullable=True),
        sa.Column("agent_actor_id", sa.Integer(), sa.ForeignKey("actors.id"), nullable=True),
        sa.Column("target_start", sa.Integer(), nullable=True),
        sa.Column("target_end", sa.Integer(), nullable=True),
        sa.Column("target_actor_id", sa.Integer(), sa.ForeignKey("actors.id"), nullable=True),
        sa.Column("place_start", sa.Integer(), nullable=True),
        sa.Column("place_end", sa.Integer(), nullable=True),
        sa.Column("place_actor_id", sa.Integer(), sa.ForeignKey("actors.id"), nullable=True),
        sa.Column("time_start", sa.Integer(), nullable=True),
        sa.Column("time_end", sa.Integer(), nullable=True),
        sa.Column("negated", sa.Boolean(), nullable=False),
        sa.Column("modality", Coded(MODALITIES), nullable=False),
        sa.Column("attribution_local_id", sa.String(16), nullable=True),
        sa.Column("statement_local_id", sa.String(16), nullable=True),
    )
    op.create_index("ix_events_article_id", "events", ["article_id"])
    op.create_index("ix_events_date", "events", ["date"])
    op.create_index("ix_events_type_date", "events", ["type", "date"])
    for name, columns in _PARTIAL.items():
        where = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(name, "events", list(columns), sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in (*_PARTIAL, "ix_events_type_date", "ix_events_date", "ix_events_article_id"):
        op.drop_index(name, table_name="events")
    op.drop_table("events")
