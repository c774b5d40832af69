"""Upgrading a corpus stored before migration 0004 (revision 0003) keeps every row and every answer.

The old database is written the way revisions 0001-0003 stored things (text
columns beside the offsets, one mention row per mention, ISO dates, the
SQLite full-text triggers filling the index), holding what a reference store
built by today's write path holds. Opening it with ``open_store`` upgrades it;
then every question the CLI, the API and the web pages ask must get the same
answer from both, before and after more articles are added and one is
deleted. The downgrade must give back the old rows. On SQLite and, when
``NEWSGRAPH_TEST_PG`` is set, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic import command
from conftest import fresh_postgres
from test_queries import _gazette, corpus, gazette_analysis
from test_store import assert_fts_follows_rows

from newsgraph.store import db, dedupe, open_store, queries, schema
from newsgraph.web import data

OLD = "0003"
SEARCHES = ["barrier", '"regional fund"', "Holt said", '"the figures would"', "figures report", "prices 20"]
ARTICLE_SEARCHES = [
    "barrier",
    '"flood barrier"',
    "council",
    '"harbour trust warns"',
    "Holt figures",
    "O'Brien",
]


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path) -> Iterator[tuple[str, str]]:
    """Two empty databases of one kind: (reference, old)."""
    if request.param == "sqlite":
        yield str(tmp_path / "reference.db"), str(tmp_path / "old.db")
        return
    with fresh_postgres() as reference, fresh_postgres() as old:
        yield reference, old


def _plain(value: object) -> object:
    """A stored JSON value as Python (SQLite hands back text, PostgreSQL the value)."""
    return json.loads(value) if isinstance(value, str) else value


def write_old(reference_url: str, old_url: str) -> None:
    """An 0003 database at ``old_url`` holding what the reference store holds, stored the old way."""
    command.upgrade(db.alembic_config(old_url), OLD)
    with open_store(reference_url) as reference, reference.engine.connect() as conn:
        tables = {
            table.__tablename__: [r._asdict() for r in conn.execute(sa.select(table.__table__))]
            for table in (schema.Actor, schema.Article, schema.ActorAlias, schema.ActorTitle, schema.Quote)
        }
        attributions = [
            r._asdict() for r in conn.execute(sa.select(schema.Attribution).order_by(schema.Attribution.id))
        ]
        mentions = [r._asdict() for r in conn.execute(sa.select(schema.Mention))]
    text_of = {a["id"]: a["text"] for a in tables["articles"]}
    engine = sa.create_engine(db.normalize_url(old_url))
    sqlite = engine.dialect.name == "sqlite"

    def date(value: dt.date | None) -> object:
        return value.isoformat() if sqlite and value is not None else value

    for a in tables["articles"]:
        a["published"] = date(a["published"])
    for t in tables["actor_titles"]:
        t["published"] = date(t["published"])
    for q in tables["quotes"]:
        q["normalized"] = dedupe.normalize(q["text"])

    def cut(text: str, start: int | None, end: int | None) -> str | None:
        return None if start is None else text[start:end]

    old_attributions = []
    for a in attributions:
        text = text_of[a["article_id"]]
        old_attributions.append(
            {
                **a,
                "published": date(a["published"]),
                "content": json.dumps(a["content"]),
                "cue_text": text[a["cue_start"] : a["cue_end"]],
                "source_text": cut(text, a["source_start"], a["source_end"]),
                "addressee_text": cut(text, a["addressee_start"], a["addressee_end"]),
                "content_text": " … ".join(text[s:e] for s, e in a["content"]),
            }
        )
    old_mentions = [  # one row per mention, in the order the analysis gave them
        {"article_id": m["article_id"], "actor_id": m["actor_id"], "local_id": m["local_id"], "start": s,
         "end": e, "text": text_of[m["article_id"]][s:e]}
        for m in sorted(mentions, key=lambda m: (m["article_id"], int(m["local_id"][1:])))
        for s, e in m["spans"]
    ]  # fmt: skip
    with engine.begin() as conn:
        for name in ("actors", "articles", "actor_aliases", "actor_titles", "quotes"):
            rows = [
                {**r, "authors": json.dumps(r["authors"])} if name == "articles" else r for r in tables[name]
            ]
            if name == "articles":
                rows = [{**r, "authorial": json.dumps(r["authorial"])} for r in rows]
            conn.execute(sa.table(name, *(sa.column(c) for c in rows[0])).insert(), rows)
        conn.execute(
            sa.table("attributions", *(sa.column(c) for c in old_attributions[0])).insert(), old_attributions
        )
        conn.execute(sa.table("mentions", *(sa.column(c) for c in old_mentions[0])).insert(), old_mentions)
        if not sqlite:  # explicit ids: move the sequences past them, as the old write path had
            for name in (
                "actors",
                "articles",
                "actor_aliases",
                "actor_titles",
                "quotes",
                "attributions",
                "mentions",
            ):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"
                )
    engine.dispose()


def answers(store) -> dict[str, object]:
    """Everything the CLI, the API and the web pages can ask of the corpus, as plain values."""
    out: dict[str, object] = {
        "quotes": [r.to_dict() for r in queries.quotes(store, limit=1000)],
        "quotes without copies": [
            r.to_dict() for r in queries.quotes(store, include_copies=False, limit=1000)
        ],
        "quotes since": [r.to_dict() for r in queries.quotes(store, since="2024-03-05", limit=1000)],
        "actors": [r.to_dict() for r in queries.actors(store, top=1000)],
        "export": [row for batch in queries.iter_export_rows(store) for row in batch],
        "network": data.network(store).to_dict(),
        "articles": [a.to_dict() for a in data.list_articles(store, limit=1000)],
    }
    for q in SEARCHES:
        out[f"search {q}"] = [r.to_dict() for r in queries.quotes(store, search=q, limit=1000)]
    for q in ARTICLE_SEARCHES:
        out[f"article search {q}"] = [a.to_dict() for a in data.search_articles(store, q)]
    for row in queries.actors(store, top=1000):
        for name in (row.name, f"id:{row.actor_id}"):
            try:
                detail = queries.actor(store, name)
                out[f"actor {name}"] = detail.to_dict() if detail else None
            except queries.AmbiguousActor as error:
                out[f"actor {name}"] = [c.to_dict() for c in error.candidates]
            out[f"speaker {name}"] = [r.to_dict() for r in queries.quotes(store, speaker=name, limit=1000)]
    with store.engine.connect() as conn:
        article_ids = sorted(conn.execute(sa.select(schema.Article.id)).scalars())
    for article_id in article_ids:
        stored = data.get_article(store, article_id)
        out[f"article {article_id}"] = stored.to_dict() if stored else None
    return out


def later_article():
    """Another wire copy of the barrier story (a copy of article 1, which the test then deletes)."""
    return gazette_analysis(
        _gazette(" The vote moves to May."), outlet="Coast Wire", published="2024-04-02",
        url="https://wire.example/vote",
    )  # fmt: skip


def test_migrations_upgrade_keeps_every_answer(urls):
    reference_url, old_url = urls
    with open_store(reference_url) as reference:
        reference.add(corpus())
    write_old(reference_url, old_url)

    with open_store(old_url) as upgraded, open_store(reference_url) as reference:
        assert db.current_revision(upgraded.engine) == db.current_revision(reference.engine) != OLD
        want = answers(reference)
        assert want["quotes"] and want["export"] and all(want[f"search {q}"] for q in SEARCHES)
        if reference.dialect == "sqlite":  # (PostgreSQL matches article titles only)
            assert all(want[f"article search {q}"] for q in ARTICLE_SEARCHES)
        assert answers(upgraded) == want
        if upgraded.dialect == "sqlite":
            assert_fts_follows_rows(upgraded)
            with upgraded.engine.connect() as conn:
                assert (
                    conn.exec_driver_sql(
                        "SELECT count(*) FROM articles WHERE typeof(text) != 'blob'"
                    ).scalar()
                    == 0
                )
                assert conn.exec_driver_sql("PRAGMA page_size").scalar() == db.PAGE_SIZE  # compacted

        # Writing and deleting after the upgrade: the same again.
        for store in (upgraded, reference):
            store.add([(later_article(), "vote")])
            assert data.delete_article(store, 1)  # the original of the wire copy
        assert answers(upgraded) == answers(reference)
        if upgraded.dialect == "sqlite":
            assert_fts_follows_rows(upgraded)


def dump(url: str) -> dict[str, object]:
    """The rows of every table of a database at revision 0003, as comparable values."""
    engine = sa.create_engine(db.normalize_url(url))
    out: dict[str, object] = {}
    with engine.connect() as conn:
        for name in (
            "actors",
            "articles",
            "actor_aliases",
            "actor_titles",
            "quotes",
            "attributions",
            "mentions",
        ):
            rows = []
            for row in conn.execute(sa.text(f"SELECT * FROM {name}")).mappings():
                values = {
                    k: _plain(v) if k in ("content", "authors", "authorial") else v for k, v in row.items()
                }
                if name == "mentions":
                    values.pop("id")  # renumbered in key order by the downgrade
                rows.append(tuple(sorted(values.items())))
            out[name] = sorted(rows, key=repr)
        if engine.dialect.name == "sqlite":
            out["search"] = conn.exec_driver_sql(
                "SELECT rowid FROM attributions_fts WHERE attributions_fts MATCH 'barrier' ORDER BY rowid"
            ).all()
            out["article search"] = conn.exec_driver_sql(
                "SELECT rowid FROM articles_fts WHERE articles_fts MATCH '\"flood barrier\"' ORDER BY rowid"
            ).all()
        else:
            out["search"] = conn.exec_driver_sql(
                "SELECT id FROM attributions WHERE to_tsvector('simple'::regconfig, coalesce(content_text, '') "
                "|| ' ' || coalesce(source_text, '') || ' ' || coalesce(cue_text, '')) @@ "
                "plainto_tsquery('simple', 'barrier') ORDER BY id"
            ).all()
    engine.dispose()
    return out


def test_migrations_downgrade_gives_the_old_rows_back(urls, tmp_path):
    reference_url, old_url = urls
    with open_store(reference_url) as reference:
        reference.add(corpus())
    write_old(reference_url, old_url)
    before = dump(old_url)
    assert before["search"] and before["attributions"] and before["mentions"]

    with open_store(old_url) as upgraded:
        want = answers(upgraded)
    command.downgrade(db.alembic_config(old_url), OLD)
    assert dump(old_url) == before
    with open_store(old_url) as again:  # and up again
        assert answers(again) == want
