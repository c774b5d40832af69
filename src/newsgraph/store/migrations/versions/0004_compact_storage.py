"""Store nothing twice: statement texts cut from the article by offsets, compressed text, grouped mentions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Why: a SQLite corpus was about six times its raw text (the target is three).
What changes, with every answer kept:

* ``attributions`` loses ``content_text``, ``cue_text``, ``source_text`` and
  ``addressee_text`` (copies of the article text; read by cutting the text at
  the stored offsets). Full-text search is fed by the write path: on SQLite
  contentless FTS5 tables replace the external-content ones and their
  triggers (``articles_fts`` with ``detail=none``, ``columnsize=0`` on both);
  on PostgreSQL a table ``attributions_fts(id, document tsvector)`` with a GIN
  index replaces the expression index over the dropped columns (the very same
  tsvector, computed once here).
* one ``mentions`` row per (article, entity, actor) with a JSON list of
  ``[start, end]`` spans, instead of a row (and a copy of the words) per
  mention; ``WITHOUT ROWID`` on SQLite, keyed by (article_id, local_id, actor_id).
* ``articles.text`` is zlib-compressed on SQLite (still a ``TEXT`` column
  holding BLOBs; ``store.schema.ArticleText``); PostgreSQL keeps plain text.
* dates (``published`` of articles, attributions and actor titles) are the
  integer ``YYYYMMDD`` on SQLite instead of ISO text (``store.schema.StoredDate``),
  and an attribution's kind and stance their number in a fixed list
  (``store.schema.Coded``, ``KINDS``, ``STANCES``).
* ``quotes.normalized`` goes (``dedupe.normalize(text)`` recomputes it);
  the three attribution indexes led by ``source_actor_id`` become one partial
  index, the addressee and quote indexes become partial, and the redundant
  ``ix_actor_aliases_actor_id`` goes (the unique (actor_id, alias) index covers it).

Everything that turns rows into index documents is frozen here (a migration
must not change when the code does), and it equals what ``store.search``
computes today, so what this revision indexes the write path can later
remove. ``store.db.upgrade`` runs a VACUUM after this revision on SQLite. The
downgrade rebuilds the previous schema (the texts cut from the article again).
On SQLite it needs version 3.35 (2021) or newer, for ``ALTER TABLE ... DROP
COLUMN`` on ``quotes``, which other tables point at and so cannot be rebuilt
inside the migration's transaction while foreign keys are enforced.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 500  # articles per round trip while rewriting
CONTENT_JOIN = " … "
TOKENIZE = "unicode61 remove_diacritics 2"
ATTRIBUTIONS_FTS = (
    "CREATE VIRTUAL TABLE attributions_fts USING fts5(content_text, source_text, cue_text, "
    f"content='', columnsize=0, tokenize='{TOKENIZE}')"
)
ARTICLES_FTS = (
    f"CREATE VIRTUAL TABLE articles_fts USING fts5(title, text, content='', detail=none, columnsize=0, "
    f"tokenize='{TOKENIZE}')"
)
PG_OLD_TSVECTOR = (  # 0001's expression over the columns this revision drops
    "to_tsvector('simple'::regconfig, coalesce(content_text, '') || ' ' || "
    "coalesce(source_text, '') || ' ' || coalesce(cue_text, ''))"
)
KINDS = ("direct", "indirect", "mixed")  # frozen copies of store.schema's lists
STANCES = ("neutral", "emphatic", "distancing", "assertive", "tentative", "negative")
SOURCE, ADDRESSEE, QUOTED = (
    "source_actor_id IS NOT NULL",
    "addressee_actor_id IS NOT NULL",
    "quote_id IS NOT NULL",
)
KEPT = [  # attribution columns that stay, in order
    "id", "article_id", "local_id", "parent_local_id", "kind", "stance", "confidence", "published",
    "cue_start", "cue_end", "source_start", "source_end", "source_actor_id", "addressee_start",
    "addressee_end", "addressee_actor_id", "content", "quote_id",
]  # fmt: skip
OFFSETS = "cue_start, cue_end, source_start, source_end, addressee_start, addressee_end, content"


def _cut(text: str, start: int | None, end: int | None) -> str | None:
    return None if start is None or end is None else text[start:end]


def _texts(text: str, row: Sequence[Any]) -> tuple[str, str | None, str | None, str]:
    """(cue, source, addressee, content) of an attribution row ``(id, *OFFSETS)`` in ``text``."""
    _, cue_start, cue_end, source_start, source_end, addressee_start, addressee_end, content = row
    spans = json.loads(content) if isinstance(content, str) else content
    return (
        text[cue_start:cue_end],
        _cut(text, source_start, source_end),
        _cut(text, addressee_start, addressee_end),
        CONTENT_JOIN.join(text[int(s) : int(e)] for s, e in (spans or [])),
    )


def _plain(value: bytes | str) -> str:
    return value if isinstance(value, str) else zlib.decompress(value).decode("utf-8")


def _ymd(column: str) -> str:
    """SQL turning an ISO date ``column`` (SQLite) into the integer YYYYMMDD."""
    return (
        f"CASE WHEN typeof({column}) = 'text' "
        f"THEN CAST(replace(substr({column}, 1, 10), '-', '') AS INTEGER) ELSE {column} END"
    )


def _iso(column: str) -> str:
    """SQL turning an integer YYYYMMDD ``column`` (SQLite) back into ISO text."""
    return (
        f"CASE WHEN typeof({column}) = 'integer' "
        f"THEN printf('%04d-%02d-%02d', {column} / 10000, {column} / 100 % 100, {column} % 100) "
        f"ELSE {column} END"
    )


def _coded(column: str, words: tuple[str, ...]) -> str:
    """SQL turning a word ``column`` into its position in ``words`` (other words stay as they are)."""
    cases = " ".join(f"WHEN '{word}' THEN '{i}'" for i, word in enumerate(words))
    return f"CASE {column} {cases} ELSE {column} END"


def _word(column: str, words: tuple[str, ...]) -> str:
    """SQL undoing ``_coded``."""
    cases = " ".join(f"WHEN '{i}' THEN '{word}'" for i, word in enumerate(words))
    return f"CASE {column} {cases} ELSE {column} END"


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _articles(conn: sa.Connection, columns: str) -> Iterator[list[Any]]:
    """Every article's ``id`` and ``columns``, in id order, in batches (keyset, so rows may change)."""
    last = 0
    while True:
        rows = conn.execute(
            sa.text(f"SELECT id, {columns} FROM articles WHERE id > :last ORDER BY id LIMIT {BATCH}"),
            {"last": last},
        ).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _attributions_of(conn: sa.Connection, ids: list[int], columns: str) -> dict[int, list[Any]]:
    marks = ", ".join("?" * len(ids))
    out: dict[int, list[Any]] = {}
    for row in conn.exec_driver_sql(
        f"SELECT article_id, id, {columns} FROM attributions WHERE article_id IN ({marks}) ORDER BY id",
        tuple(ids),
    ):
        out.setdefault(row[0], []).append(row[1:])
    return out


def _attributions_table(name: str, *, texts: bool) -> None:
    """``attributions`` as after (``texts=False``) or before (``texts=True``) this revision."""
    extra = (
        [
            sa.Column("cue_text", sa.String(length=512), nullable=False),
            sa.Column("source_text", sa.Text(), nullable=True),
            sa.Column("addressee_text", sa.Text(), nullable=True),
            sa.Column("content_text", sa.Text(), nullable=False),
        ]
        if texts
        else []
    )
    op.create_table(
        name,
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
        sa.Column("source_start", sa.Integer(), nullable=True),
        sa.Column("source_end", sa.Integer(), nullable=True),
        sa.Column("source_actor_id", sa.Integer(), nullable=True),
        sa.Column("addressee_start", sa.Integer(), nullable=True),
        sa.Column("addressee_end", sa.Integer(), nullable=True),
        sa.Column("addressee_actor_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        *extra,
        sa.ForeignKeyConstraint(["addressee_actor_id"], ["actors.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"]),
        sa.ForeignKeyConstraint(["source_actor_id"], ["actors.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def _attribution_indexes() -> None:
    op.create_index("ix_attributions_article_id", "attributions", ["article_id"])
    op.create_index("ix_attributions_published", "attributions", ["published"])
    op.create_index(
        "ix_attributions_source",
        "attributions",
        ["source_actor_id", "published", "article_id", "addressee_actor_id"],
        sqlite_where=sa.text(SOURCE),
        postgresql_where=sa.text(SOURCE),
    )
    op.create_index(
        "ix_attributions_addressee_actor_id",
        "attributions",
        ["addressee_actor_id"],
        sqlite_where=sa.text(ADDRESSEE),
        postgresql_where=sa.text(ADDRESSEE),
    )
    op.create_index(
        "ix_attributions_quote_id",
        "attributions",
        ["quote_id"],
        sqlite_where=sa.text(QUOTED),
        postgresql_where=sa.text(QUOTED),
    )


def _old_attribution_indexes() -> None:
    op.create_index("ix_attributions_addressee_actor_id", "attributions", ["addressee_actor_id"])
    op.create_index("ix_attributions_article_id", "attributions", ["article_id"])
    op.create_index("ix_attributions_published", "attributions", ["published"])
    op.create_index("ix_attributions_quote_id", "attributions", ["quote_id"])
    op.create_index("ix_attributions_source_actor_id", "attributions", ["source_actor_id"])
    op.create_index("ix_attributions_source_published", "attributions", ["source_actor_id", "published"])
    op.create_index(
        "ix_attributions_source_article",
        "attributions",
        ["source_actor_id", "article_id", "addressee_actor_id"],
    )


def _mentions_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("local_id", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["actors.id"]),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"]),
        sa.PrimaryKeyConstraint("article_id", "local_id", "actor_id"),
        sqlite_with_rowid=False,
    )


def _old_mentions_table(name: str) -> None:
    op.create_table(
        name,
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


def _drop_column(table: str, column: str) -> None:
    # Native on both (SQLite >= 3.35): a table others point at cannot be rebuilt inside the
    # migration's transaction while foreign keys are enforced.
    op.execute(f'ALTER TABLE {table} DROP COLUMN "{column}"')


# ---------------------------------------------------------------- upgrade


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _upgrade_sqlite(conn)
    else:
        _upgrade_postgresql()
    _drop_column("quotes", "normalized")
    op.drop_index("ix_actor_aliases_actor_id", table_name="actor_aliases")


def _upgrade_sqlite(conn: sa.Connection) -> None:
    # 1. Full-text search: the old tables read the columns that go; index from the offsets instead.
    for table in ("attributions", "articles"):
        for suffix in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    op.execute(ATTRIBUTIONS_FTS)
    op.execute(ARTICLES_FTS)
    for batch in _articles(conn, "title, text, authors, authorial"):
        texts = {row[0]: _plain(row[2]) for row in batch}
        documents = [
            (row[0], cue, source, content)
            for article_id, rows in _attributions_of(conn, list(texts), OFFSETS).items()
            for row in rows
            for cue, source, _, content in [_texts(texts[article_id], row)]
        ]
        if documents:
            conn.exec_driver_sql(
                "INSERT INTO attributions_fts(rowid, content_text, source_text, cue_text) "
                "VALUES (?, ?, ?, ?)",
                [(i, content, source, cue) for i, cue, source, content in documents],
            )
        conn.exec_driver_sql(
            "INSERT INTO articles_fts(rowid, title, text) VALUES (?, ?, ?)",
            [(row[0], row[1], texts[row[0]]) for row in batch],
        )
        # 2. The text compressed, the JSON without spaces.
        conn.exec_driver_sql(
            "UPDATE articles SET text = ?, authors = ?, authorial = ? WHERE id = ?",
            [
                (
                    zlib.compress(texts[row[0]].encode("utf-8")),
                    _compact(json.loads(row[3])) if row[3] is not None else None,
                    _compact(json.loads(row[4])) if row[4] is not None else None,
                    row[0],
                )
                for row in batch
            ],
        )

    for table in ("articles", "actor_titles"):
        op.execute(f"UPDATE {table} SET published = {_ymd('published')} WHERE published IS NOT NULL")

    # 3. Attributions without the text columns (nothing points at them: a plain rebuild).
    _attributions_table("attributions_new", texts=False)
    kept = ", ".join(KEPT)
    sql = {"published": _ymd("published"), "kind": _coded("kind", KINDS), "stance": _coded("stance", STANCES)}
    values = ", ".join(sql.get(c, c) for c in KEPT)
    op.execute(f"INSERT INTO attributions_new ({kept}) SELECT {values} FROM attributions ORDER BY id")
    op.drop_table("attributions")
    op.rename_table("attributions_new", "attributions")
    _attribution_indexes()

    # 4. Mentions grouped per (article, entity, actor), spans in the order they were stored.
    _mentions_table("mentions_new")
    _group_mentions(conn)
    op.drop_table("mentions")
    op.rename_table("mentions_new", "mentions")
    op.create_index("ix_mentions_actor_id", "mentions", ["actor_id"])


def _group_mentions(conn: sa.Connection) -> None:
    """Fill ``mentions_new`` from ``mentions``, article by article (in the old article_id index's order)."""
    rows: dict[tuple[int, str, int], list[list[int]]] = {}

    def flush() -> None:
        if rows:
            conn.exec_driver_sql(
                "INSERT INTO mentions_new (article_id, local_id, actor_id, spans) VALUES (?, ?, ?, ?)",
                [(a, local, actor, _compact(spans)) for (a, local, actor), spans in rows.items()],
            )
            rows.clear()

    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(
            'SELECT article_id, local_id, actor_id, start, "end" FROM mentions ORDER BY article_id, id'
        )
        current = None
        while chunk := cursor.fetchmany(20_000):
            for article_id, local_id, actor_id, start, end in chunk:
                if article_id != current and len(rows) >= 5_000:
                    flush()
                current = article_id
                rows.setdefault((article_id, local_id, actor_id), []).append([start, end])
        flush()
    finally:
        cursor.close()


def _upgrade_postgresql() -> None:
    # 1. The statements' tsvector, computed once from the columns that go, in a table of its own.
    op.execute(
        "CREATE TABLE attributions_fts ("
        "id INTEGER PRIMARY KEY REFERENCES attributions (id) ON DELETE CASCADE, document TSVECTOR NOT NULL)"
    )
    op.execute(f"INSERT INTO attributions_fts (id, document) SELECT id, {PG_OLD_TSVECTOR} FROM attributions")
    op.execute("DROP INDEX IF EXISTS ix_attributions_fts")
    op.execute("CREATE INDEX ix_attributions_fts ON attributions_fts USING gin (document)")
    for column in ("content_text", "cue_text", "source_text", "addressee_text"):
        _drop_column("attributions", column)
    for name in (
        "ix_attributions_source_actor_id",
        "ix_attributions_source_published",
        "ix_attributions_source_article",
        "ix_attributions_addressee_actor_id",
        "ix_attributions_quote_id",
        "ix_attributions_article_id",
        "ix_attributions_published",
    ):
        op.drop_index(name, table_name="attributions")
    _attribution_indexes()

    # 2. Mentions grouped; json_agg keeps the stored order.
    _mentions_table("mentions_new")
    op.execute(
        "INSERT INTO mentions_new (article_id, local_id, actor_id, spans) "
        'SELECT article_id, local_id, actor_id, json_agg(json_build_array(start, "end") ORDER BY id) '
        "FROM mentions GROUP BY article_id, local_id, actor_id"
    )
    op.drop_table("mentions")
    op.rename_table("mentions_new", "mentions")
    for old, new in (
        ("mentions_new_pkey", "mentions_pkey"),
        ("mentions_new_article_id_fkey", "mentions_article_id_fkey"),
        ("mentions_new_actor_id_fkey", "mentions_actor_id_fkey"),
    ):
        op.execute(f"ALTER TABLE mentions RENAME CONSTRAINT {old} TO {new}")
    op.create_index("ix_mentions_actor_id", "mentions", ["actor_id"])


# ---------------------------------------------------------------- downgrade


def downgrade() -> None:
    conn = op.get_bind()
    op.create_index("ix_actor_aliases_actor_id", "actor_aliases", ["actor_id"])
    op.add_column("quotes", sa.Column("normalized", sa.Text(), nullable=False, server_default=""))
    from newsgraph.store.dedupe import normalize  # what 0001-0003 stored there

    quotes = conn.execute(sa.text("SELECT id, text FROM quotes")).all()
    if quotes:
        conn.execute(
            sa.text("UPDATE quotes SET normalized = :n WHERE id = :i"),
            [{"n": normalize(text), "i": quote_id} for quote_id, text in quotes],
        )
    _attributions_table("attributions_old", texts=True)
    _old_mentions_table("mentions_old")
    _copy_back(conn)
    if conn.dialect.name == "sqlite":
        op.execute("DROP TABLE attributions_fts")
        op.execute("DROP TABLE articles_fts")
    else:
        op.drop_table("attributions_fts")
    op.drop_table("attributions")
    op.rename_table("attributions_old", "attributions")
    op.drop_table("mentions")
    op.rename_table("mentions_old", "mentions")
    _old_attribution_indexes()
    op.create_index("ix_mentions_actor_id", "mentions", ["actor_id"])
    op.create_index("ix_mentions_article_id", "mentions", ["article_id"])
    if conn.dialect.name == "sqlite":
        for batch in _articles(conn, "text"):
            conn.exec_driver_sql(
                "UPDATE articles SET text = ? WHERE id = ?", [(_plain(t), i) for i, t in batch]
            )
        for table in ("articles", "actor_titles", "attributions"):
            op.execute(f"UPDATE {table} SET published = {_iso('published')} WHERE published IS NOT NULL")
        op.execute(
            f"UPDATE attributions SET kind = {_word('kind', KINDS)}, stance = {_word('stance', STANCES)}"
        )
        # 0001's external-content tables and triggers, filled from the restored columns.
        from importlib import import_module

        initial = import_module("newsgraph.store.migrations.versions.0001_initial_schema")
        for statement in [
            *initial._fts5("attributions", ["content_text", "source_text", "cue_text"]),
            *initial._fts5("articles", ["title", "text"]),
        ]:
            op.execute(statement)
        for table in ("attributions_fts", "articles_fts"):
            op.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
    else:
        for table, suffixes in (
            ("attributions", ["pkey", "article_id_fkey", "source_actor_id_fkey", "addressee_actor_id_fkey",
                              "quote_id_fkey"]),
            ("mentions", ["pkey", "article_id_fkey", "actor_id_fkey"]),
        ):  # fmt: skip
            for suffix in suffixes:
                op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT {table}_old_{suffix} TO {table}_{suffix}")
        op.execute(
            "SELECT setval(pg_get_serial_sequence('attributions', 'id'), coalesce(max(id), 1)) "
            "FROM attributions"
        )
        op.execute(f"CREATE INDEX ix_attributions_fts ON attributions USING gin ({PG_OLD_TSVECTOR})")


def _copy_back(conn: sa.Connection) -> None:
    """Fill ``attributions_old`` and ``mentions_old`` article by article, the texts cut again."""
    old_attributions = sa.table(
        "attributions_old",
        *(sa.column(c, sa.JSON) if c == "content" else sa.column(c) for c in KEPT),
        *(sa.column(c) for c in ("cue_text", "source_text", "addressee_text", "content_text")),
    )
    old_mentions = sa.table(
        "mentions_old",
        *(sa.column(c) for c in ("article_id", "actor_id", "local_id", "start", "end", "text")),
    )
    select_attributions = sa.text(
        f"SELECT {', '.join(KEPT)} FROM attributions WHERE article_id IN :ids ORDER BY id"
    ).bindparams(sa.bindparam("ids", expanding=True))
    select_mentions = sa.text(
        "SELECT article_id, local_id, actor_id, spans FROM mentions WHERE article_id IN :ids "
        "ORDER BY article_id, local_id, actor_id"
    ).bindparams(sa.bindparam("ids", expanding=True))
    for batch in _articles(conn, "text"):
        texts = {article_id: _plain(text) for article_id, text in batch}
        rows = []
        for row in conn.execute(select_attributions, {"ids": list(texts)}).mappings():
            values = dict(row)
            content = values["content"]
            values["content"] = json.loads(content) if isinstance(content, str) else content
            cue, source, addressee, content_text = _texts(
                texts[values["article_id"]], (values["id"], *(values[c] for c in OFFSETS.split(", ")))
            )
            rows.append(
                {**values, "cue_text": cue[:512], "source_text": source, "addressee_text": addressee,
                 "content_text": content_text}
            )  # fmt: skip
        if rows:
            conn.execute(old_attributions.insert(), rows)
        mentions = [
            {
                "article_id": a,
                "actor_id": actor,
                "local_id": local,
                "start": s,
                "end": e,
                "text": texts[a][s:e],
            }
            for a, local, actor, spans in conn.execute(select_mentions, {"ids": list(texts)})
            for s, e in (json.loads(spans) if isinstance(spans, str) else spans)
        ]
        if mentions:
            conn.execute(old_mentions.insert(), mentions)
