"""Full-text search as the store keeps it since migration 0004 (``newsgraph.store.search``).

The article index knows which articles hold which words, not where
(``detail=none``): a phrase is checked on the candidate articles. These tests
hold its answers to those of a full-detail FTS5 index over the same articles,
for phrases drawn at random; check that what is stored reads back exactly at
its offsets whatever the text; and that deleting an article leaves the
contentless indexes exactly as its rows say.
"""

from __future__ import annotations

import itertools
import random
import sqlite3

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_queries import corpus
from test_store import assert_fts_follows_rows

from newsgraph.models import Analysis, Article, Attribution, LinkedSpan, Span
from newsgraph.store import open_store, queries, schema, search
from newsgraph.web import data

WORDS = [
    "harbour",
    "front",
    "flood",
    "barrier",
    "council",
    "mayor",
    "said",
    "the",
    "of",
    "to",
    "and",
    "O'Brien",
    "U.S.",
    "e-mail",
    "naïve",
    "café",
    "vote",
    "figures",
    "report",
    "fund",
    "regional",
    "twenty",
    "20%",
    "--",
    "again",
    "Zoë",
    "budget",
]


def _article(rng: random.Random, i: int) -> Analysis:
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4))).capitalize() or None
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 60))) + f" (story {i})"
    published = None if i % 7 == 0 else f"2024-0{1 + i % 9}-1{i % 10}"
    return Analysis(
        article=Article(title=title, text=text, published=published, url=f"https://t.example/{i}")
    )


@pytest.fixture(scope="module")
def articles_store(tmp_path_factory):
    rng = random.Random(7)
    with open_store(tmp_path_factory.mktemp("search") / "c.db") as store:
        store.add([(_article(rng, i), f"a{i}") for i in range(120)])
        yield store


def full_detail_answer(store, q: str, limit: int) -> list[int]:
    """What ``search_articles`` answered before 0004: a full-detail index over title and text."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.Article.id, schema.Article.title, schema.Article.text, schema.Article.published)
        ).all()
    terms = search.search_terms(q)
    if not terms:
        return []
    index = sqlite3.connect(":memory:")
    index.execute(f"CREATE VIRTUAL TABLE f USING fts5(title, text, tokenize='{search.TOKENIZE}')")
    index.executemany("INSERT INTO f(rowid, title, text) VALUES (?, ?, ?)", [r[:3] for r in rows])
    hits = {i for (i,) in index.execute("SELECT rowid FROM f WHERE f MATCH ?", (search.fts5_query(terms),))}
    index.close()
    dated = sorted((r for r in rows if r.id in hits and r.published), key=lambda r: (r.published, r.id))[::-1]
    undated = sorted((r.id for r in rows if r.id in hits and not r.published), reverse=True)
    return ([r.id for r in dated] + undated)[:limit]


_query = st.lists(
    st.tuples(st.booleans(), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)), min_size=1, max_size=3
).map(lambda parts: " ".join(f'"{" ".join(ws)}"' if quoted else " ".join(ws) for quoted, ws in parts))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=_query, limit=st.sampled_from([1, 3, 20, 200]))
def test_store_search_article_phrases_as_a_full_detail_index_finds_them(articles_store, q, limit):
    got = [a.id for a in data.search_articles(articles_store, q, limit=limit)]
    assert got == full_detail_answer(articles_store, q, limit)


def test_store_search_article_phrase_candidates_are_checked(articles_store):
    """Words present everywhere, in an order found in few articles: most candidates fail the check."""
    with articles_store.engine.connect() as conn:
        texts = dict(conn.execute(sa.select(schema.Article.id, schema.Article.text)).all())
    pair = next(
        f"{a} {b}"
        for a, b in itertools.permutations(["the", "of", "to", "and", "said"], 2)
        if 0 < sum(f" {a} {b} " in f" {t} " for t in texts.values()) < 10
    )
    with sqlite3.connect(":memory:") as scratch:  # how many articles hold both words anywhere
        scratch.execute(f"CREATE VIRTUAL TABLE f USING fts5(text, tokenize='{search.TOKENIZE}')")
        scratch.executemany("INSERT INTO f(rowid, text) VALUES (?, ?)", list(texts.items()))
        a, b = pair.split()
        both = scratch.execute("SELECT count(*) FROM f WHERE f MATCH ?", (f'"{a}" "{b}"',)).fetchone()[0]
    found = data.search_articles(articles_store, f'"{pair}"', limit=1000)
    assert 0 < len(found) < both
    assert [a.id for a in found] == full_detail_answer(articles_store, f'"{pair}"', 1000)


def test_store_search_fts5_scratch_tokens_are_the_index_words():
    with search.Fts5Scratch(["x"]) as scratch:
        assert scratch.tokens("O'Brien naïve CAFÉ 20%") == ["o", "brien", "naive", "cafe", "20"]
        assert scratch.matching('"naive cafe"', [(1, "a naïve café"), (2, "café naïve")]) == {1}


_counter = itertools.count()


@pytest.fixture(scope="module")
def round_trip_store(tmp_path_factory):
    with open_store(tmp_path_factory.mktemp("round-trip") / "c.db") as store:
        yield store


@settings(max_examples=60, deadline=None)
@given(
    body=st.text(st.characters(blacklist_categories=("Cs",)), min_size=8, max_size=120),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), min_size=8, max_size=8),
)
def test_store_search_offsets_read_back_exactly(round_trip_store, body, cuts):
    """Whatever the text (accents, emoji, NUL, line breaks), the stored spans read back as analysed."""
    n = len(body)
    a, b, c, d, e, f, g, h = sorted(x % (n + 1) for x in cuts)
    text = body + f" #{next(_counter)}"  # a new text each time: stored, not skipped
    analysis = Analysis(
        article=Article(text=text, title=body[:20], published="2024-05-06"),
        attributions=[
            Attribution(
                id="A1", kind="direct", cue=Span(start=a, end=b, text=text[a:b]),
                source=LinkedSpan(start=c, end=d, text=text[c:d]),
                content=[Span(start=e, end=f, text=text[e:f]), Span(start=g, end=h, text=text[g:h])],
            )
        ],
    )  # fmt: skip
    store = round_trip_store
    [article_id] = store.add([(analysis, "x")]).article_ids
    [row] = [r for r in queries.quotes(store, limit=100_000) if r.article_id == article_id]
    assert (row.cue, row.source_text, row.addressee_text) == (text[a:b], text[c:d], None)
    assert row.content == search.CONTENT_JOIN.join([text[e:f], text[g:h]])
    assert data.get_article(store, article_id).analysis.article.text == text


def test_store_search_delete_leaves_the_indexes_as_the_rows_say(tmp_path):
    with open_store(tmp_path / "c.db") as store:
        store.add(corpus())
        assert queries.quotes(store, search='"regional fund"')
        for article_id in (1, 2):  # the original of a wire copy, then the copy
            assert data.delete_article(store, article_id)
            assert_fts_follows_rows(store)
        assert not queries.quotes(store, search='"regional fund"')
        assert not data.search_articles(store, '"flood barrier"')
        assert [a.id for a in data.search_articles(store, "harbour trust")] == [4]
