"""Index events by place and date, so ``newsgraph events --place`` reads one place's newest events in order.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26

``ix_events_place`` held the place alone: a place's events came out in id
order and SQLite sorted all of them by date to keep 50, so ``--place`` cost
grew with the place's events (a capital named in thousands of articles).
With the date in the index, as ``ix_events_agent`` and ``ix_events_target``
have it, the query walks the index newest first and stops after one page
(measured with ``benchmarks/scale.py`` at 100,000 articles).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_WHERE = "place_actor_id IS NOT NULL"


def _index(columns: list[str]) -> None:
    where = sa.text(_WHERE)
    op.create_index("ix_events_place", "events", columns, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    op.drop_index("ix_events_place", table_name="events")
    _index(["place_actor_id", "date"])


def downgrade() -> None:
    op.drop_index("ix_events_place", table_name="events")
    _index(["place_actor_id"])
