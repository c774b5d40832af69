"""The corpus store: migrations, the one-transaction idempotent write path, quotes and copies.

Every behaviour is checked on SQLite and, when ``NEWSGRAPH_TEST_PG`` names a
PostgreSQL server (``postgresql+psycopg://user:pw@host/db``, a role that may
create databases), on PostgreSQL too, each test in a fresh database of its own.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import fresh_postgres
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select, text

import newsgraph
from newsgraph.errors import NewsgraphError
from newsgraph.models import Analysis
from newsgraph.store import content_hash, db, dedupe, normalize_url, open_store, schema, search, write

TABLES = [
    schema.Article,
    schema.Actor,
    schema.ActorAlias,
    schema.ActorTitle,
    schema.Mention,
    schema.Quote,
    schema.Attribution,
]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.db")
    else:
        with fresh_postgres() as url:
            yield url


@pytest.fixture
def store(db_url):
    store = open_store(db_url)
    yield store
    store.close()


# --- invented articles, analysed once for the module -------------------------------------------

QUOTE = (
    "We will rebuild every school that the storm damaged, and no family in this county "
    "will be asked to pay for it before the end of the year"
)
VARIANT = QUOTE.replace("end of the year", "end of this year")
BRIDGE = """Council Approves Bridge Repairs

Brookfield's council voted on Monday to repair the old river bridge, closing it to trucks for two months.

"The bridge is safe for cars, but it cannot carry freight any longer," the county engineer, Priya Lindqvist, told the council.

Council member Omar Feld said the repairs were overdue. Residents complained that the detour would add twenty minutes to their trips, and shop owners said deliveries would suffer.

Lindqvist said the work would start in April and finish before the summer festival. The state will pay for most of the repairs, according to the county budget office.
"""
ARTICLES = {
    "storm_a": f"""Storm Relief Plan Announced

Governor Elena Marsh visited the flooded valley on Saturday and spoke to families in a school gym.

"{QUOTE}," Marsh said.

Aid workers said the shelters were full.
""",
    "storm_b": f"""Valley Families Wait for Help

Families who lost their homes in last week's floods spent another night in shelters, local officials said on Sunday.

Marsh promised on Saturday that help was coming. "{QUOTE}," she told reporters at the gym.
""",
    "storm_c": f"""Governor Tours Flood Zone

"{VARIANT}," Governor Elena Marsh said, according to a transcript released by her office on Monday.
""",
    "bridge": BRIDGE,
    # Wire copy: the same story with a sign-off added by the second outlet.
    "bridge_copy": BRIDGE + "\nReporting by the Valley Courier staff.\n",
    "ferry": """Ferry Service Resumes

The harbour authority said on Tuesday that the ferry to Gull Island would run again from Friday after repairs to its engine.

"Passengers have been patient, and we thank them," a spokeswoman for the authority said.
""",
}
META = {
    "storm_a": ("https://example.test/a/storm", "Example Herald", "2024-03-02"),
    "storm_b": ("https://example.test/b/families", "Valley Courier", "2024-03-03"),
    "storm_c": ("https://example.test/c/tour", "Example Herald", "2024-03-04"),
    "bridge": ("https://example.test/a/bridge", "Example Herald", "2024-02-01"),
    "bridge_copy": ("https://example.test/b/bridge", "Valley Courier", "2024-02-01"),
    "ferry": (None, None, None),
}


@pytest.fixture(scope="module")
def analyses() -> dict[str, Analysis]:
    out = {}
    for name, body in ARTICLES.items():
        url, outlet, published = META[name]
        analysis = newsgraph.analyze(body, published=published)
        analysis.article.url = url
        analysis.article.outlet = outlet
        out[name] = analysis
    return out


def items(analyses, *names):
    return [(analyses[name], name) for name in names]


def counts(store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.__tablename__: conn.scalar(select(func.count()).select_from(t)) for t in TABLES}


def statement_texts(store) -> dict[int, search.StatementTexts]:
    """Each attribution's texts, cut from its article's stored text by its stored offsets."""
    with store.session() as s:
        texts = dict(s.execute(select(schema.Article.id, schema.Article.text)).all())
        return {a.id: search.row_texts(texts[a.article_id], a) for a in s.scalars(select(schema.Attribution))}


def fts_vocabulary(conn, table: str) -> list[tuple[str, int]]:
    """(word, rows holding it) of a SQLite FTS5 index, read from the index itself."""
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_words USING fts5vocab(main, {table}, 'row')"
    )
    try:
        return [
            tuple(r) for r in conn.exec_driver_sql(f"SELECT term, doc FROM temp.{table}_words ORDER BY term")
        ]
    finally:
        conn.exec_driver_sql(f"DROP TABLE temp.{table}_words")


def assert_fts_follows_rows(store) -> None:
    """The SQLite full-text indexes hold exactly what the stored rows say, word for word.

    Contentless FTS5 cannot check itself against the rows: rebuild both indexes
    in a scratch database from the rows (``store.search``'s documents) and
    compare their vocabularies and the rows each word is in.
    """
    import sqlite3

    with store.session() as s:
        articles = s.execute(select(schema.Article.id, schema.Article.title, schema.Article.text)).all()
    documents = statement_texts(store)
    scratch = sqlite3.connect(":memory:")
    scratch.execute(search.ATTRIBUTIONS_FTS_SQLITE)
    scratch.execute(search.ARTICLES_FTS_SQLITE)
    scratch.executemany(
        "INSERT INTO attributions_fts(rowid, content_text, source_text, cue_text) VALUES (?, ?, ?, ?)",
        [(i, t.content, t.source, t.cue) for i, t in documents.items()],
    )
    scratch.executemany("INSERT INTO articles_fts(rowid, title, text) VALUES (?, ?, ?)", articles)
    with store.engine.connect() as conn:
        for table in search.FTS_TABLES:
            conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
            scratch.execute(f"CREATE VIRTUAL TABLE {table}_words USING fts5vocab({table}, 'row')")
            expected = scratch.execute(f"SELECT term, doc FROM {table}_words ORDER BY term").fetchall()
            assert fts_vocabulary(conn, table) == expected, table
            for term, _ in expected[:: max(1, len(expected) // 25)]:  # and which rows, for a sample of words
                query = f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid"
                want = scratch.execute(query, (f'"{term}"',)).fetchall()
                assert conn.exec_driver_sql(query, (f'"{term}"',)).all() == want, (table, term)
    scratch.close()


# --- opening and migrations --------------------------------------------------------------------


def test_store_migrations_create_the_schema(store):
    tables = set(inspect(store.engine).get_table_names())
    assert {t.__tablename__ for t in TABLES} <= tables
    script = ScriptDirectory.from_config(db.alembic_config())
    assert db.current_revision(store.engine) == script.get_current_head()
    # The migrated database is exactly what the models describe (no drift either way).
    with store.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": db.include_name, "compare_type": True}
        )
        assert compare_metadata(context, schema.Base.metadata) == []


def test_store_migrations_add_full_text_search(store):
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            query = text("SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'trigger')")
            rows = dict(conn.execute(query).all())
            assert rows["attributions_fts"] == search.ATTRIBUTIONS_FTS_SQLITE
            assert rows["articles_fts"] == search.ARTICLES_FTS_SQLITE
            # Contentless (fed by the write path): no triggers, no copy of the text anywhere.
            assert not [name for name in rows if name.endswith(("_insert", "_delete", "_update"))]
        else:
            # The statements' tsvector table and the articles' expression must hit the GIN indexes.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            for table, expression, index in [
                ("attributions_fts", "document", "ix_attributions_fts"),
                ("articles", db.PG_ARTICLES_TSVECTOR, "ix_articles_fts"),
            ]:
                plan = "\n".join(
                    conn.scalars(
                        text(
                            f"EXPLAIN SELECT id FROM {table} WHERE {expression} @@ plainto_tsquery('simple', 'x')"
                        )
                    )
                )
                assert index in plan


def test_store_sqlite_text_is_compressed_and_reads_back(tmp_path, analyses):
    import zlib

    with open_store(tmp_path / "c.db") as store:
        [article_id] = store.add(items(analyses, "bridge")).article_ids
        with store.engine.connect() as conn:
            raw = conn.exec_driver_sql("SELECT text FROM articles WHERE id = ?", (article_id,)).scalar_one()
            page_size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        with store.session() as s:
            assert s.get(schema.Article, article_id).text == BRIDGE
    assert isinstance(raw, bytes) and len(raw) < len(BRIDGE.encode())
    assert zlib.decompress(raw).decode() == BRIDGE
    assert page_size == db.PAGE_SIZE


@given(st.text(max_size=300))
def test_store_article_text_type_round_trips(body):
    assert schema.decompress_text(schema.compress_text(body)) == body
    assert schema.decompress_text(body) == body  # a plain value (stored before compression) passes


def test_store_full_text_search_follows_the_rows(store, analyses):
    store.add(items(analyses, "storm_a", "ferry"))
    if store.dialect == "sqlite":
        assert_fts_follows_rows(store)
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            hits = conn.scalars(
                text("SELECT rowid FROM attributions_fts WHERE attributions_fts MATCH 'rebuild'")
            ).all()
            articles = conn.scalars(
                text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'ferry'")
            ).all()
        else:
            hits = conn.scalars(
                text("SELECT id FROM attributions_fts WHERE document @@ plainto_tsquery('simple', 'rebuild')")
            ).all()
            articles = conn.scalars(
                text(
                    f"SELECT id FROM articles WHERE {db.PG_ARTICLES_TSVECTOR} @@ plainto_tsquery('simple', 'ferry')"
                )
            ).all()
        titles = conn.scalars(select(schema.Article.title).where(schema.Article.id.in_(articles))).all()
    documents = statement_texts(store)
    assert hits and all("rebuild" in documents[i].content for i in hits)
    assert not [i for i, t in documents.items() if "rebuild" in t.content and i not in hits]
    assert titles == ["Ferry Service Resumes"]


def test_store_open_again_keeps_data(db_url, analyses):
    with open_store(db_url) as store:
        store.add(items(analyses, "ferry"))
        before = counts(store)
    with open_store(db_url) as store:
        assert counts(store) == before
        assert before["articles"] == 1


def test_store_sqlite_settings(tmp_path):
    with open_store(tmp_path / "c.db") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS


def test_store_sqlite_foreign_keys_enforced(tmp_path):
    with (
        open_store(tmp_path / "c.db") as store,
        pytest.raises(Exception, match="FOREIGN KEY"),
        store.engine.begin() as conn,
    ):
        conn.execute(
            schema.Mention.__table__.insert(),
            {"article_id": 99, "actor_id": 99, "local_id": "E1", "spans": [[0, 1]]},
        )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "sqlite:///newsgraph.db"),
        ("corpus.db", "sqlite:///corpus.db"),
        ("/data/corpus.db", "sqlite:////data/corpus.db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_store_url_forms(given, expected):
    assert normalize_url(given) == expected


def test_store_open_default_is_newsgraph_db_here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open_store() as store:
        assert store.dialect == "sqlite"
    assert (tmp_path / "newsgraph.db").is_file()


@pytest.mark.parametrize("kind", ["not_a_database", "directory", "bad_url", "newer_schema"])
def test_store_open_failure_is_one_coded_error(tmp_path, kind):
    path = tmp_path / "c.db"
    if kind == "not_a_database":
        path.write_bytes(b"this is not a database file at all, just some text" * 100)
        url = str(path)
    elif kind == "directory":
        url = str(tmp_path)
    elif kind == "bad_url":
        url = "nosuchdriver://x/y"
    else:
        with open_store(path):
            pass
        con = sqlite3.connect(path)
        con.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        con.commit()
        con.close()
        url = str(path)
    with pytest.raises(NewsgraphError) as raised:
        open_store(url)
    assert raised.value.code == "E030"
    assert "\n" not in str(raised.value)


def test_store_error_hides_the_password():
    with pytest.raises(NewsgraphError) as raised:
        open_store("postgresql://someone:s3cret@127.0.0.1:1/nothing")
    assert raised.value.code == "E030"
    assert "s3cret" not in str(raised.value)


# --- the write path ----------------------------------------------------------------------------


def test_store_add_stores_everything(store, analyses):
    result = store.add(items(analyses, "storm_a", "bridge", "ferry"))
    assert (result.stored, result.skipped) == (3, 0)
    assert len(set(result.article_ids)) == 3
    with store.session() as s:
        for article_id, name in zip(result.article_ids, ["storm_a", "bridge", "ferry"], strict=True):
            analysis = analyses[name]
            article = s.get(schema.Article, article_id)
            assert article.name == name
            assert article.text == analysis.article.text
            assert article.content_hash == hashlib.sha256(analysis.article.text.encode()).hexdigest()
            assert article.url == META[name][0] and article.outlet == META[name][1]
            assert (article.published.isoformat() if article.published else None) == META[name][2]
            assert article.title == analysis.article.title
            n_attr = s.scalar(select(func.count()).where(schema.Attribution.article_id == article_id))
            assert n_attr == len(analysis.attributions)
            # One mention row per entity named in the text, holding all its spans.
            mentions = s.scalars(select(schema.Mention).where(schema.Mention.article_id == article_id)).all()
            assert sorted(m.local_id for m in mentions) == sorted(
                e.id for e in analysis.entities if e.mentions
            )
            assert sum(len(m.spans) for m in mentions) == sum(len(e.mentions) for e in analysis.entities)


def test_store_add_is_idempotent(store, analyses):
    first = store.add(items(analyses, "storm_a", "storm_b", "ferry"))
    before = counts(store)
    again = store.add(items(analyses, "storm_a", "storm_b", "ferry"))
    assert (first.stored, again.stored, again.skipped) == (3, 0, 3)
    assert again.article_ids == []
    assert counts(store) == before
    # The same text under another URL, and another text under a stored URL: both skipped.
    moved = analyses["ferry"].model_copy(deep=True)
    moved.article.url = "https://example.test/elsewhere"
    edited = analyses["storm_a"].model_copy(deep=True)
    edited.article.text += " "
    assert store.add([(moved, "moved"), (edited, "edited")]).skipped == 2
    # Repeats within one batch are stored once.
    result = store.add(items(analyses, "bridge", "bridge"))
    assert (result.stored, result.skipped) == (1, 1)


def test_store_known(store, analyses):
    store.add(items(analyses, "storm_a", "ferry"))
    urls, hashes = store.known(
        [META["storm_a"][0], META["storm_b"][0], None],
        [content_hash(ARTICLES["ferry"]), content_hash(ARTICLES["storm_b"])],
    )
    assert urls == {META["storm_a"][0]}
    assert hashes == {content_hash(ARTICLES["ferry"])}


@pytest.mark.parametrize("failing", ["quotes", "full-text"])
def test_store_add_is_one_transaction(store, analyses, monkeypatch, failing):
    def fail(*args, **kwargs):
        raise RuntimeError("disk on fire")

    def fail_once_indexed(*args, **kwargs):
        real_index(*args, **kwargs)
        raise RuntimeError("disk on fire")

    real_index = search.index
    # Fails after the articles and actors of the batch were inserted, or at the very end, with
    # everything inserted and indexed: either way nothing stays, in the tables or in the index.
    if failing == "quotes":
        monkeypatch.setattr(write, "_quotes", fail)
    else:
        monkeypatch.setattr(search, "index", fail_once_indexed)
    # Not a database failure, so each article is tried alone under a savepoint (and fails alone).
    result = store.add(items(analyses, "storm_a", "bridge", "ferry"))
    assert [position for position, _ in result.failed] == [0, 1, 2]
    assert all(reason == "RuntimeError: disk on fire" for _, reason in result.failed)
    assert result.stored == 0
    assert set(counts(store).values()) == {0}
    if store.dialect == "sqlite":
        with store.engine.connect() as conn:
            assert (
                conn.scalar(
                    text("SELECT count(*) FROM attributions_fts WHERE attributions_fts MATCH 'rebuild'")
                )
                == 0
            )
    monkeypatch.undo()
    # Nothing of the failed batch is remembered: the wire copy is not a copy of an unstored article.
    result = store.add(items(analyses, "bridge_copy"))
    assert (result.stored, result.duplicates) == (1, 0)
    with store.session() as s:
        assert s.get(schema.Article, result.article_ids[0]).copy_of is None


def test_store_concurrent_duplicate_is_caught_by_the_constraint(store, analyses, monkeypatch):
    """Another writer stores the article between our check and our insert: retried, then skipped."""
    store.add(items(analyses, "ferry"))  # no URL: only the content hash identifies it
    before = counts(store)
    real = write._select_in
    calls = []

    def blind_first_check(conn, columns, column, values):
        calls.append(column.name)
        if len(calls) == 1:
            return []  # the check ran before the other writer committed
        return real(conn, columns, column, values)

    monkeypatch.setattr(write, "_select_in", blind_first_check)
    monkeypatch.setattr(store, "known", lambda urls, hashes: (set(), set()))
    result = store.add(items(analyses, "ferry"))
    assert (result.stored, result.skipped) == (0, 1)
    assert calls.count("content_hash") == 2  # the batch was retried
    assert counts(store) == before


def test_store_concurrent_writers_store_each_article_once(db_url, analyses):
    """Two writers (two Store objects, two threads) adding the same articles in opposite orders."""
    names = list(ARTICLES)
    with open_store(db_url):
        pass  # create the schema once, as the first ingest would
    errors: list[BaseException] = []

    def writer(order: list[str]) -> None:
        try:
            with open_store(db_url) as store:
                for i in range(0, len(order), 2):
                    store.add(items(analyses, *order[i : i + 2]))
        except BaseException as e:  # reported below, with the test's failure
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(order,)) for order in (names, names[::-1])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_store(db_url) as store, store.session() as s:
        stored = Counter(s.scalars(select(schema.Article.name)))
        assert stored == Counter(names)
        for name in names:
            n = s.scalar(
                select(func.count())
                .select_from(schema.Attribution)
                .join(schema.Article)
                .where(schema.Article.name == name)
            )
            assert n == len(analyses[name].attributions)


def test_store_offsets_reproduce_span_texts(store, analyses):
    """What the store cuts from its text by the stored offsets is what the analysis found, span for span."""
    result = store.add(items(analyses, *ARTICLES))
    name_of = dict(zip(result.article_ids, ARTICLES, strict=True))
    documents = statement_texts(store)
    checked = 0
    with store.session() as s:
        for a in s.scalars(select(schema.Attribution).order_by(schema.Attribution.id)):
            analysis = analyses[name_of[a.article_id]]
            [want] = [x for x in analysis.attributions if x.id == a.local_id]
            got = documents[a.id]
            assert got.cue == want.cue.text
            assert got.source == (want.source.text if want.source else None)
            assert got.addressee == (want.addressee.text if want.addressee else None)
            assert got.content == write.CONTENT_JOIN.join(span.text for span in want.content)
            checked += 1
        for m in s.scalars(select(schema.Mention)):
            analysis = analyses[name_of[m.article_id]]
            [entity] = [e for e in analysis.entities if e.id == m.local_id]
            assert [analysis.article.text[start:end] for start, end in m.spans] == [
                x.text for x in entity.mentions
            ]
            checked += 1
    assert checked > 20


def test_store_keeps_authorial_sentences(store, analyses):
    chosen = items(analyses, *ARTICLES)
    store.add(chosen)
    with store.session() as s:
        rows = dict(s.execute(select(schema.Article.content_hash, schema.Article.authorial)).all())
    for analysis, _ in chosen:
        stored = rows[write.content_hash(analysis.article.text)]
        assert stored == [[a.start, a.end] for a in analysis.authorial]
    assert any(rows.values())


def test_store_quote_shared_across_articles(store, analyses):
    # Two batches, so the second finds the quote already stored.
    store.add(items(analyses, "storm_a"))
    quotes_before = counts(store)["quotes"]
    store.add(items(analyses, "storm_b"))
    key = dedupe.quote_key(QUOTE)
    documents = statement_texts(store)
    with store.session() as s:
        quote = s.scalars(select(schema.Quote).where(schema.Quote.key == key)).one()
        assert quote.variant_of is None
        rows = [
            (a.article_id, documents[a.id].content)
            for a in s.scalars(select(schema.Attribution).where(schema.Attribution.quote_id == quote.id))
        ]
        # storm_b quotes nothing storm_a did not: no new quotes row.
        assert s.scalar(select(func.count()).select_from(schema.Quote)) == quotes_before
    assert len({article_id for article_id, _ in rows}) == 2
    assert all("rebuild every school" in content for _, content in rows)


def test_store_quote_variant_points_at_first(store, analyses):
    store.add(items(analyses, "storm_a", "storm_b", "storm_c"))
    with store.session() as s:
        first = s.scalars(select(schema.Quote).where(schema.Quote.key == dedupe.quote_key(QUOTE))).one()
        variant = s.scalars(select(schema.Quote).where(schema.Quote.key == dedupe.quote_key(VARIANT))).one()
        assert variant.variant_of == first.id
        assert "this year" in variant.text
        articles = s.scalars(
            select(schema.Attribution.article_id).where(
                schema.Attribution.quote_id.in_([first.id, variant.id])
            )
        ).all()
    assert len(set(articles)) == 3


def test_store_near_duplicate_articles_get_copy_of(store, analyses):
    result = store.add(items(analyses, "bridge", "ferry", "bridge_copy"))  # the copy in the same batch
    assert (result.stored, result.duplicates) == (3, 1)
    bridge, ferry, copy = result.article_ids
    with store.session() as s:
        assert s.get(schema.Article, copy).copy_of == bridge
        assert s.get(schema.Article, bridge).copy_of is None
        assert s.get(schema.Article, ferry).copy_of is None


def test_store_near_duplicate_index_rebuilt_on_open(db_url, analyses):
    with open_store(db_url) as store:
        [bridge] = store.add(items(analyses, "bridge")).article_ids
    with open_store(db_url) as store:  # a fresh Store: the index comes from the stored signatures
        result = store.add(items(analyses, "bridge_copy", "ferry"))
        assert result.duplicates == 1
        with store.session() as s:
            assert s.get(schema.Article, result.article_ids[0]).copy_of == bridge
            assert s.get(schema.Article, result.article_ids[1]).copy_of is None


def test_store_empty_batch_and_empty_analysis(store):
    assert store.add([]).stored == 0
    bare = Analysis.model_validate({"article": {"text": "Nothing happened."}})
    result = store.add([(bare, "bare")])
    assert result.stored == 1
    assert counts(store)["attributions"] == 0


@given(st.text(max_size=200))
def test_store_content_hash_is_sha256_of_exact_text(body):
    assert content_hash(body) == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert content_hash(body) != content_hash(body + " ")


# --- the same corpus on both backends ------------------------------------------------------------


def ordered(values) -> list:
    """Sorted whatever the values hold (None beside strings)."""
    return sorted(values, key=repr)


def canonical(store) -> dict[str, object]:
    """The corpus without database ids: what must not depend on the backend."""
    with store.session() as s:
        article_hash = dict(s.execute(select(schema.Article.id, schema.Article.content_hash)).all())
        actor_key = dict(s.execute(select(schema.Actor.id, schema.Actor.key)).all())
        quote_key = dict(s.execute(select(schema.Quote.id, schema.Quote.key)).all())
        return {
            "articles": ordered(
                (
                    article_hash[a.id],
                    article_hash.get(a.copy_of),
                    a.published and a.published.isoformat(),
                    a.outlet,
                )
                for a in s.scalars(select(schema.Article))
            ),
            "actors": ordered((a.key, a.name, a.type, a.surname) for a in s.scalars(select(schema.Actor))),
            "aliases": ordered(
                (actor_key[a.actor_id], a.alias) for a in s.scalars(select(schema.ActorAlias))
            ),
            "titles": ordered(
                (actor_key[t.actor_id], article_hash[t.article_id], t.title, str(t.published))
                for t in s.scalars(select(schema.ActorTitle))
            ),
            "quotes": ordered(
                (q.key, q.text, quote_key.get(q.variant_of)) for q in s.scalars(select(schema.Quote))
            ),
            "attributions": ordered(
                Counter(
                    (
                        article_hash[a.article_id],
                        actor_key.get(a.source_actor_id),
                        actor_key.get(a.addressee_actor_id),
                        quote_key.get(a.quote_id),
                        a.cue_start,
                        a.kind,
                        tuple(map(tuple, a.content)),
                    )
                    for a in s.scalars(select(schema.Attribution))
                ).items()
            ),
            "mentions": ordered(
                (article_hash[m.article_id], m.local_id, actor_key[m.actor_id], tuple(map(tuple, m.spans)))
                for m in s.scalars(select(schema.Mention))
            ),
        }


def test_store_same_rows_on_sqlite_and_postgresql(tmp_path, analyses):
    batches = [["storm_a", "bridge"], ["storm_b", "bridge_copy", "storm_c"], ["ferry", "storm_a"]]
    dumps = []
    with fresh_postgres() as pg_url:
        for url in (str(tmp_path / "c.db"), pg_url):
            with open_store(url) as store:
                for batch in batches:
                    store.add(items(analyses, *batch))
                dumps.append(canonical(store))
    sqlite_dump, pg_dump = dumps
    assert sqlite_dump["quotes"] and sqlite_dump["actors"] and sqlite_dump["attributions"]
    for part in sqlite_dump:
        assert sqlite_dump[part] == pg_dump[part], part


# --- speed ---------------------------------------------------------------------------------------


def test_store_write_cost_is_small(tmp_path, analyses):
    """A generous bound (CI machines vary): storing must cost far less than analysing (~150 ms)."""
    with open_store(tmp_path / "speed.db") as store:
        store.add(items(analyses, "ferry"))  # warm up imports and the indexes
        copies = []
        for k in range(40):
            for name in ("storm_a", "bridge"):
                a = analyses[name].model_copy(deep=True)
                a.article.text += f"\n\nMarker {k}."  # offsets before the end stay valid
                a.article.url = None
                copies.append((a, f"{name}-{k}"))
        started = time.perf_counter()
        for i in range(0, len(copies), 32):
            store.add(copies[i : i + 32])
        per_article = (time.perf_counter() - started) / len(copies)
    assert per_article < 0.030, f"{per_article * 1000:.1f} ms per article"
