"""Initial schema: articles, actors (aliases, titles), mentions, quotes, attributions, full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Full-text search is not in the models (``store.schema``): on SQLite it is two
FTS5 tables with external content (the text is not stored twice) kept in sync
by triggers; on PostgreSQL two expression GIN indexes over ``to_tsvector``
(see ``store.db.PG_ATTRIBUTIONS_TSVECTOR`` for the expressions queries must
use). A later migration that rebuilds ``articles`` or ``attributions`` with
SQLite's batch mode must re-create these triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# Frozen copies of store.db.PG_ATTRIBUTIONS_TSVECTOR / PG_ARTICLES_TSVECTOR as of this revision
# (a migration must not change when the code does; tests check queries still hit the indexes).
PG_ATTRIBUTIONS_TSVECTOR = (
    "to_tsvector('simple'::regconfig, coalesce(content_text, '') || ' ' || "
    "coalesce(source_text, '') || ' ' || coalesce(cue_text, ''))"
)
PG_ARTICLES_TSVECTOR = "to_tsvector('simple'::regconfig, left(coalesce(title, '') || ' ' || text, 200000))"


def _fts5(table: str, columns: list[str]) -> list[str]:
    """An external-content FTS5 table over ``table``'s ``columns`` and the triggers that keep it."""
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        # Only when a searched column changes: setting articles.copy_of must not re-index the text.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
    ]


def upgrade() -> None:
    op.create_table(
        "actors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("surname", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_actors_name", "actors", ["name"])
    op.create_index("ix_actors_surname", "actors", ["surname"])

    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("outlet", sa.String(length=256), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("published_raw", sa.String(length=64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("dek", sa.Text(), nullable=True),
        sa.Column("authors", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("copy_of", sa.Integer(), nullable=True),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["copy_of"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_hash"),
        sa.UniqueConstraint("url"),
    )
    op.create_index("ix_articles_copy_of", "articles", ["copy_of"])
    op.create_index("ix_articles_outlet", "articles", ["outlet"])
    op.create_index("ix_articles_published", "articles", ["published"])

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.Text(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=True),
        sa.Column("variant_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["variant_of"], ["quotes.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_quotes_variant_of", "quotes", ["variant_of"])

    op.create_table(
        "actor_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("actor_id", "alias"),
    )
    op.create_index("ix_actor_aliases_actor_id", "actor_aliases", ["actor_id"])
    op.create_index("ix_actor_aliases_alias", "actor_aliases", ["alias"])

    op.create_table(
        "actor_titles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_actor_titles_actor_id", "actor_titles", ["actor_id"])
    op.create_index("ix_actor_titles_article_id", "actor_titles", ["article_id"])

    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=16), nullable=False),
        sa.Column("parent_local_id", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("cue_start", sa.Integer(), nullable=False),
        sa.Column("cue_end", sa.Integer(), nullable=False),
        sa.Column("cue_text", sa.String(length=512), nullable=False),
        sa.Column("source_start", sa.Integer(), nullable=True),
        sa.Column("source_end", sa.Integer(), nullable=True),
        sa.Column("source_text", sa.Text(), nullable=True),
        sa.Column("source_actor_id", sa.Integer(), nullable=True),
        sa.Column("addressee_start", sa.Integer(), nullable=True),
        sa.Column("addressee_end", sa.Integer(), nullable=True),
        sa.Column("addressee_text", sa.Text(), nullable=True),
        sa.Column("addressee_actor_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_text", sa.Text(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["addressee_actor_id"], ["actors.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"]),
        sa.ForeignKeyConstraint(["source_actor_id"], ["actors.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_attributions_addressee_actor_id", "attributions", ["addressee_actor_id"])
    op.create_index("ix_attributions_article_id", "attributions", ["article_id"])
    op.create_index("ix_attributions_published", "attributions", ["published"])
    op.create_index("ix_attributions_quote_id", "attributions", ["quote_id"])
    op.create_index("ix_attributions_source_actor_id", "attributions", ["source_actor_id"])
    op.create_index("ix_attributions_source_published", "attributions", ["source_actor_id", "published"])

    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_mentions_actor_id", "mentions", ["actor_id"])
    op.create_index("ix_mentions_article_id", "mentions", ["article_id"])

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in [
            *_fts5("attributions", ["content_text", "source_text", "cue_text"]),
            *_fts5("articles", ["title", "text"]),
        ]:
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_attributions_fts ON attributions USING gin ({PG_ATTRIBUTIONS_TSVECTOR})")
        op.execute(f"CREATE INDEX ix_articles_fts ON articles USING gin ({PG_ARTICLES_TSVECTOR})")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in ("attributions", "articles"):
            for suffix in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_attributions_fts")
        op.execute("DROP INDEX IF EXISTS ix_articles_fts")
    for table in (
        "mentions",
        "attributions",
        "actor_titles",
        "actor_aliases",
        "quotes",
        "articles",
        "actors",
    ):
        op.drop_table(table)
