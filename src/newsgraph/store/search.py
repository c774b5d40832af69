"""Full-text search over statements and articles: what is indexed, how it is kept, how it is asked.

Why a module of its own: since migration 0004 the indexes are fed by the write
path instead of by triggers over copied text columns (the copies made the
database twice as big as it needs to be), so the write path, the delete path,
the queries and the migration must agree on what each indexed document is.
They all take it from here.

A statement's document is its content (the content spans cut from the article
text and joined with ``CONTENT_JOIN``), its source and its cue, the texts
``statement_texts`` cuts from the article by the stored offsets. An article's
document is its title and its text.

**SQLite** holds two contentless FTS5 tables (``content=''``: the words are
indexed, the text is not stored again), with the tokenizer ``TOKENIZE``:

* ``attributions_fts(content_text, source_text, cue_text)``, full detail
  (word positions), so ``"quoted phrases"`` are matched by the index;
* ``articles_fts(title, text)`` with ``detail=none``: only which articles
  hold which words, a sixth of the size of full detail. Single words are
  answered by the index alone; a phrase of several words is looked up as its
  words, and the candidate articles (newest first, as many as needed) are
  checked with FTS5 itself on a full-detail index of just those articles
  (``Fts5Scratch``), so the answer is exactly what a full-detail index gives.

Both have ``columnsize=0`` (no per-row token counts: only ranking uses them,
and results are ordered by date). A contentless table cannot look up what it
indexed, so removing a row means handing FTS5 the very values it indexed:
``unindex_article`` recomputes them from the stored text and offsets, the
same way ``index`` computed them.

**PostgreSQL** holds ``attributions_fts(id, document tsvector)``, one row per
attribution with a GIN index, deleted with its attribution (``ON DELETE
CASCADE``). The document is ``to_tsvector('simple', content || ' ' || source
|| ' ' || cue)``, as the expression index before 0004 computed it; articles
keep their expression GIN index (``db.PG_ARTICLES_TSVECTOR``) over the plain
text. 'simple' (no stemming, lower-casing only) finds what FTS5's unicode61
tokenizer finds, so both backends give the same answers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

CONTENT_JOIN = " … "
"""Between the content spans of one statement, in its shown and indexed content text."""
TOKENIZE = "unicode61 remove_diacritics 2"
ATTRIBUTIONS_FTS = "attributions_fts"
ARTICLES_FTS = "articles_fts"
FTS_TABLES = (ATTRIBUTIONS_FTS, ARTICLES_FTS)

ATTRIBUTIONS_FTS_SQLITE = (
    f"CREATE VIRTUAL TABLE {ATTRIBUTIONS_FTS} USING fts5(content_text, source_text, cue_text, "
    f"content='', columnsize=0, tokenize='{TOKENIZE}')"
)
ARTICLES_FTS_SQLITE = (
    f"CREATE VIRTUAL TABLE {ARTICLES_FTS} USING fts5(title, text, "
    f"content='', detail=none, columnsize=0, tokenize='{TOKENIZE}')"
)

_PG_FTS = sa.table(ATTRIBUTIONS_FTS, sa.column("id"), sa.column("document"))


class StatementTexts(NamedTuple):
    """The texts of one statement's spans, cut from the article text by their offsets."""

    cue: str
    source: str | None
    addressee: str | None
    content: str


def _cut(text: str, start: int | None, end: int | None) -> str | None:
    return None if start is None or end is None else text[start:end]


def statement_texts(
    text: str,
    cue: tuple[int, int],
    source: tuple[int | None, int | None],
    addressee: tuple[int | None, int | None],
    content: Iterable[Sequence[int]] | None,
) -> StatementTexts:
    """What an attribution row's offsets point at in ``text`` (its article's text).

    ``source`` and ``addressee`` are ``(None, None)`` when absent; ``content``
    is the stored ``[[start, end], ...]`` list.
    """
    return StatementTexts(
        cue=text[cue[0] : cue[1]],
        source=_cut(text, *source),
        addressee=_cut(text, *addressee),
        content=CONTENT_JOIN.join(text[int(s) : int(e)] for s, e in (content or [])),
    )


def row_texts(text: str, row: Any) -> StatementTexts:
    """``statement_texts`` for a row with the attribution columns (``cue_start`` ... ``content``)."""
    return statement_texts(
        text,
        (row.cue_start, row.cue_end),
        (row.source_start, row.source_end),
        (row.addressee_start, row.addressee_end),
        row.content,
    )


def pg_document(texts: StatementTexts) -> str:
    """The text PostgreSQL turns into a statement's ``tsvector`` (as the pre-0004 expression did)."""
    return f"{texts.content} {texts.source or ''} {texts.cue}"


# ---------------------------------------------------------------- keeping the indexes


def index(
    conn: Connection,
    articles: Sequence[tuple[int, str | None, str]],
    attributions: Sequence[tuple[int, StatementTexts]],
) -> None:
    """Index new rows: ``(id, title, text)`` per article, ``(id, texts)`` per attribution.

    Runs in the caller's transaction, so the index commits or rolls back with the rows.
    """
    if conn.dialect.name == "sqlite":
        if articles:
            conn.exec_driver_sql(
                f"INSERT INTO {ARTICLES_FTS}(rowid, title, text) VALUES (?, ?, ?)", list(articles)
            )
        if attributions:
            conn.exec_driver_sql(
                f"INSERT INTO {ATTRIBUTIONS_FTS}(rowid, content_text, source_text, cue_text) "
                "VALUES (?, ?, ?, ?)",
                [(i, t.content, t.source, t.cue) for i, t in attributions],
            )
    elif conn.dialect.name == "postgresql" and attributions:
        conn.execute(
            sa.text(
                f"INSERT INTO {ATTRIBUTIONS_FTS} (id, document) "
                "VALUES (:id, to_tsvector('simple'::regconfig, :document))"
            ),
            [{"id": i, "document": pg_document(t)} for i, t in attributions],
        )


def unindex_article(conn: Connection, article_id: int) -> None:
    """Remove an article and its statements from the SQLite full-text indexes (before deleting them).

    PostgreSQL needs nothing: its index rows go with the attributions.
    """
    if conn.dialect.name != "sqlite":
        return
    from newsgraph.store.schema import Article, Attribution

    arts, attrs = Article.__table__, Attribution.__table__
    article = conn.execute(sa.select(arts.c.title, arts.c.text).where(arts.c.id == article_id)).first()
    if article is None:
        return
    rows = conn.execute(
        sa.select(
            attrs.c.id,
            attrs.c.cue_start,
            attrs.c.cue_end,
            attrs.c.source_start,
            attrs.c.source_end,
            attrs.c.addressee_start,
            attrs.c.addressee_end,
            attrs.c.content,
        ).where(attrs.c.article_id == article_id)
    ).all()
    if rows:
        conn.exec_driver_sql(
            f"INSERT INTO {ATTRIBUTIONS_FTS}({ATTRIBUTIONS_FTS}, rowid, content_text, source_text, cue_text) "
            "VALUES ('delete', ?, ?, ?, ?)",
            [(r.id, t.content, t.source, t.cue) for r in rows for t in [row_texts(article.text, r)]],
        )
    conn.exec_driver_sql(
        f"INSERT INTO {ARTICLES_FTS}({ARTICLES_FTS}, rowid, title, text) VALUES ('delete', ?, ?, ?)",
        (article_id, article.title, article.text),
    )


# ---------------------------------------------------------------- asking


_PHRASE = re.compile(r'"([^"]*)"?|([^\s"]+)')


def search_terms(text: str) -> list[str]:
    """The words and ``"quoted phrases"`` of a search text, each as space-separated words.

    Only word characters survive, so the terms can be handed to FTS5 as
    quoted phrases and to PostgreSQL's ``phraseto_tsquery`` without any
    character of the user's text being read as query syntax.
    """
    terms = []
    for match in _PHRASE.finditer(text):
        phrase = match.group(1) if match.group(1) is not None else match.group(2)
        words = re.findall(r"[^\W_]+", phrase)
        if words:
            terms.append(" ".join(words))
    return terms


def fts5_query(terms: Sequence[str]) -> str:
    """An FTS5 MATCH expression requiring every term, each as a quoted phrase."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def attribution_match(dialect: str, terms: Sequence[str]) -> sa.ColumnElement[bool]:
    """``attributions.id`` among the full-text matches of every term (FTS5 or tsvector)."""
    from newsgraph.store.schema import Attribution

    ids = Attribution.__table__.c.id
    if dialect == "sqlite":
        matches = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table(ATTRIBUTIONS_FTS))
            .where(sa.text(f"{ATTRIBUTIONS_FTS} MATCH :fts_query").bindparams(fts_query=fts5_query(terms)))
        )
        return ids.in_(matches)
    query: sa.ColumnElement[Any] | None = None
    for term in terms:
        part = sa.func.phraseto_tsquery(sa.literal_column("'simple'::regconfig"), sa.bindparam(None, term))
        query = part if query is None else query.op("&&")(part)
    assert query is not None
    return ids.in_(sa.select(_PG_FTS.c.id).where(_PG_FTS.c.document.op("@@")(query)))


class Fts5Scratch:
    """A private in-memory FTS5 index (full detail, the store's tokenizer) for exact checks.

    ``tokens`` splits a text into words exactly as the store's indexes do;
    ``matching`` evaluates an FTS5 query on the given documents only. Python's
    ``sqlite3`` is the very library the store uses, so FTS5 behaves the same.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = list(columns)
        self._con = sqlite3.connect(":memory:")
        self._con.execute(
            f"CREATE VIRTUAL TABLE d USING fts5({', '.join(self.columns)}, tokenize='{TOKENIZE}')"
        )
        self._con.execute("CREATE VIRTUAL TABLE w USING fts5vocab(d, 'instance')")

    def __enter__(self) -> Fts5Scratch:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def tokens(self, text: str) -> list[str]:
        """The words FTS5 indexes for ``text`` (folded as indexed), in order."""
        self._con.execute("DELETE FROM d")
        self._con.execute(f"INSERT INTO d(rowid, {self.columns[0]}) VALUES (1, ?)", (text,))
        return [term for (term,) in self._con.execute("SELECT term FROM w ORDER BY offset")]

    def matching(self, query: str, docs: Iterable[Sequence[Any]]) -> set[int]:
        """The ids of ``docs`` (``(id, column values...)``) that ``query`` matches."""
        self._con.execute("DELETE FROM d")
        marks = ", ".join("?" * (len(self.columns) + 1))
        self._con.executemany(f"INSERT INTO d(rowid, {', '.join(self.columns)}) VALUES ({marks})", docs)
        return {rowid for (rowid,) in self._con.execute("SELECT rowid FROM d WHERE d MATCH ?", (query,))}


def article_query(terms: Sequence[str], scratch: Fts5Scratch) -> tuple[str, bool]:
    """The MATCH expression for ``articles_fts`` (``detail=none``) and whether hits need checking.

    A term of one word (or none) goes in as it is; a phrase of several words
    goes in as its words, and then (``True``) each hit must be checked with
    ``fts5_query(terms)`` on a full-detail index (``Fts5Scratch.matching``).
    """
    parts: list[str] = []
    check = False
    for term in terms:
        words = scratch.tokens(term)
        if len(words) > 1:
            check = True
            parts.extend(dict.fromkeys(words))
        else:
            parts.append(term)
    return fts5_query(parts), check
