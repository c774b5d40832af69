"""Index figures by folded unit and date, and the article's own figures by date, for the Claims list.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26

Two indexes. ``ix_figures_unit_published`` on ``lower(unit), published``:
``/claims?unit=percent`` (and ``newsgraph figures --unit``) compares units folded
to lower case and lists the newest first; with only ``ix_figures_unit`` every
figure in that unit was read and sorted (measured with
``benchmarks/claims_web.py``: about 0.8 s at 100,000 articles and 500,000
figures; see the README for the figures after). ``ix_figures_own_voice`` on
``published``, partial (``coalesce(attribution_id, 0) = 0``, no attribution): the figures the articles
state in their own voice (``author_only``), newest first, without reading and
sorting all of them (about 0.7 s before).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OWN_VOICE = "coalesce(attribution_id, 0) = 0"  # as store.facts.OWN_VOICE writes it


def upgrade() -> None:
    op.create_index("ix_figures_unit_published", "figures", [sa.text("lower(unit)"), "published"])
    own = sa.text(_OWN_VOICE)
    op.create_index("ix_figures_own_voice", "figures", ["published"], sqlite_where=own, postgresql_where=own)


def downgrade() -> None:
    op.drop_index("ix_figures_own_voice", table_name="figures")
    op.drop_index("ix_figures_unit_published", table_name="figures")
