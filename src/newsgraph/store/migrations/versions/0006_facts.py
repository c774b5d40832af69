"""The facts an article asserts: figures (with who claims each), times and places.

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-26

Three new tables, nothing else changes: ``figures`` (the claims ledger; the
speaker copied from the claiming attribution, indexed with the date for "every
figure X put forward"), ``times`` (TIMEX3 type and value) and ``places``
(per article, since a name may be a different place in another article).
Articles stored before this revision have no rows there: re-ingesting them
(``newsgraph ingest`` skips stored texts, so after deleting them) fills them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005_identity"
branch_labels = None
depends_on = None

_CLAIMED = "speaker_actor_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("local_id", sa.String(16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("value_high", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(128), nullable=True),
        sa.Column("change", sa.String(8), nullable=False),
        sa.Column("concept_start", sa.Integer(), nullable=True),
        sa.Column("concept_end", sa.Integer(), nullable=True),
        sa.Column("attribution_id", sa.Integer(), sa.ForeignKey("attributions.id"), nullable=True),
        sa.Column("speaker_actor_id", sa.Integer(), sa.ForeignKey("actors.id"), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
    )
    op.create_index("ix_figures_article_id", "figures", ["article_id"])
    op.create_index("ix_figures_unit", "figures", ["unit"])
    op.create_index("ix_figures_attribution_id", "figures", ["attribution_id"])
    op.create_index("ix_figures_published", "figures", ["published"])
    op.create_index(
        "ix_figures_speaker",
        "figures",
        ["speaker_actor_id", "published"],
        sqlite_where=sa.text(_CLAIMED),
        postgresql_where=sa.text(_CLAIMED),
    )
    op.create_table(
        "times",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("local_id", sa.String(16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
    )
    op.create_index("ix_times_article_id", "times", ["article_id"])
    op.create_index("ix_times_value", "times", ["value"])
    op.create_table(
        "places",
        sa.Column("article_id", sa.Integer(), sa.ForeignKey("articles.id"), nullable=False),
        sa.Column("local_id", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("actors.id"), nullable=True),
        sa.Column("geonameid", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("feature", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("article_id", "local_id"),
    )
    op.create_index("ix_places_actor_id", "places", ["actor_id"])
    op.create_index("ix_places_geonameid", "places", ["geonameid"])
    op.create_index("ix_places_country", "places", ["country"])


def downgrade() -> None:
    op.drop_table("places")
    op.drop_table("times")
    op.drop_index("ix_figures_speaker", table_name="figures")
    op.drop_table("figures")
