"""Asking the corpus: quotes, actors, actor detail and export, on SQLite and on PostgreSQL.

The corpus is a handful of invented articles whose analyses are written by
hand (every span cut from the text, so offsets are real), stored through the
real write path (``Store.add``): what the queries must answer is then known
exactly. Two more invented articles go through the real analysis, to check
that what ``newsgraph.analyze`` finds can be found again. Every test runs on
SQLite and, when ``NEWSGRAPH_TEST_PG`` is set, on a fresh PostgreSQL database
of its own; one test compares the two answer for answer.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import fresh_postgres
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.errors import NewsgraphError
from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span
from newsgraph.store import open_store, queries
from newsgraph.store.queries import AmbiguousActor
from newsgraph.store.schema import Article as ArticleRow
from newsgraph.store.write import CONTENT_JOIN

NASTY = [
    "'; DROP TABLE attributions; --",
    "\" OR 1=1 --",
    "Robert'); DELETE FROM actors WHERE ('1'='1",
    'NEAR(barrier flood) AND "unbalanced',
    "* OR ^ - : ( ) { } \\",
    "%_%",
    "zz\x00top",
    "",
    "   ",
]


# ---------------------------------------------------------------- the invented corpus


def _span(text: str, needle: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return Span(start=start, end=start + len(needle), text=needle)


def _linked(text: str, needle: str, entity: str | None, nth: int = 0) -> LinkedSpan:
    return LinkedSpan(**_span(text, needle, nth).model_dump(), entity=entity)


FILLER = (
    "The harbour front has flooded four times in the last ten years, and insurers have raised "
    "premiums for every street between the fish market and the old lighthouse. Shop owners on "
    "Quay Road kept sandbags stacked behind their doors all winter, and the ferry timetable was "
    "cut twice when the slipway went under water."
)


def _gazette(extra: str = "") -> str:
    return (
        "Council backs flood barrier\n\n"
        'Mayor Ann Holt told the council on Monday that "the barrier will protect every home on the '
        'harbour front". Councillor Ben Ortiz said the cost was too high for a small town.\n\n'
        f"{FILLER}\n\n"
        f"Holt insisted the money would come from the regional fund.{extra}\n"
    )


def gazette_analysis(text: str, *, outlet: str, published: str, url: str) -> Analysis:
    """Ann Holt tells the council; Ben Ortiz disagrees; Holt insists (three attributions)."""
    return Analysis(
        article=Article(title="Council backs flood barrier", outlet=outlet, published=published, url=url, text=text),
        entities=[
            Entity(id="E1", name="Ann Holt", type="PERSON", titles=["Mayor"],
                   mentions=[_span(text, "Ann Holt"), _span(text, "Holt", 1)]),
            Entity(id="E2", name="Ben Ortiz", type="PERSON", titles=["Councillor"],
                   mentions=[_span(text, "Ben Ortiz")]),
            Entity(id="E3", name="the council", type="ORG", mentions=[_span(text, "the council")]),
        ],
        attributions=[
            Attribution(
                id="A1", kind="mixed", source=_linked(text, "Mayor Ann Holt", "E1"), cue=_span(text, "told"),
                content=[_span(text, "the barrier will protect every home on the harbour front")],
                addressee=_linked(text, "the council", "E3"),
            ),
            Attribution(
                id="A2", kind="indirect", source=_linked(text, "Councillor Ben Ortiz", "E2"),
                cue=_span(text, "said"), content=[_span(text, "the cost was too high for a small town")],
            ),
            Attribution(
                id="A3", kind="indirect", source=_linked(text, "Holt", "E1", 1), cue=_span(text, "insisted"),
                content=[_span(text, "the money would come from the regional fund")], stance="emphatic",
            ),
        ],
    )


def followup_analysis() -> Analysis:
    """Months later, Ortiz urges Holt (named by her surname only) to publish the figures."""
    text = (
        "Barrier figures due next month\n\n"
        "Ortiz urged Holt to publish the full figures before the vote. Holt said the figures "
        "would be published next month, together with the engineers' report.\n"
    )
    return Analysis(
        article=Article(title="Barrier figures due next month", outlet="Valley Times", published="2024-06-01",
                        url="https://valley.example/figures", text=text),
        entities=[
            Entity(id="E1", name="Ortiz", type="PERSON", mentions=[_span(text, "Ortiz")]),
            Entity(id="E2", name="Holt", type="PERSON", mentions=[_span(text, "Holt"), _span(text, "Holt", 1)]),
        ],
        attributions=[
            Attribution(
                id="A1", kind="indirect", source=_linked(text, "Ortiz", "E1"), cue=_span(text, "urged"),
                content=[_span(text, "to publish the full figures before the vote")],
                addressee=_linked(text, "Holt", "E2"), stance="emphatic",
            ),
            Attribution(
                id="A2", kind="indirect", source=_linked(text, "Holt", "E2", 1), cue=_span(text, "said"),
                content=[_span(text, "the figures would be published next month"),
                         _span(text, "together with the engineers' report")],
            ),
        ],
    )


def trust_analysis() -> Analysis:
    """Another Holt (Ruth), and a speaker whose name and words are full of SQL-ish characters."""
    text = (
        "Harbour trust warns on fees\n\n"
        "Ruth Holt, director of the harbour trust, said mooring fees would rise in spring. "
        "Sean O'Brien, a fisherman, said \"prices fell 20% -- again; DROP everything\" at the quay.\n"
    )
    return Analysis(
        article=Article(title="Harbour trust warns on fees", outlet="Coastal Post", published="2023-11-20",
                        url="https://coastal.example/trust", text=text),
        entities=[
            Entity(id="E1", name="Ruth Holt", type="PERSON", titles=["director of the harbour trust"],
                   mentions=[_span(text, "Ruth Holt")]),
            Entity(id="E2", name="Sean O'Brien", type="PERSON", titles=["a fisherman"],
                   mentions=[_span(text, "Sean O'Brien")]),
        ],
        attributions=[
            Attribution(
                id="A1", kind="indirect", source=_linked(text, "Ruth Holt", "E1"), cue=_span(text, "said"),
                content=[_span(text, "mooring fees would rise in spring")],
            ),
            Attribution(
                id="A2", kind="direct", source=_linked(text, "Sean O'Brien", "E2"), cue=_span(text, "said", 1),
                content=[_span(text, "prices fell 20% -- again; DROP everything")],
            ),
        ],
    )


def undated_analysis() -> Analysis:
    """A lone "Holt" once two Holts are known: an ambiguous actor of its own; no date."""
    text = "Trust stays silent\n\nHolt said the trust had nothing to add about the mooring fees.\n"
    return Analysis(
        article=Article(title="Trust stays silent", outlet="Coastal Post", url="https://coastal.example/silent",
                        text=text),
        entities=[Entity(id="E1", name="Holt", type="PERSON", mentions=[_span(text, "Holt")])],
        attributions=[
            Attribution(
                id="A1", kind="indirect", source=_linked(text, "Holt", "E1"), cue=_span(text, "said"),
                content=[_span(text, "the trust had nothing to add about the mooring fees")],
            ),
        ],
    )


def corpus() -> list[tuple[Analysis, str]]:
    """The invented corpus, in storing order: original, wire copy, follow-up, other Holt, undated."""
    original = gazette_analysis(_gazette(), outlet="Harbour Gazette", published="2024-03-04",
                                url="https://gazette.example/barrier")
    copy = gazette_analysis(_gazette(" (Reporting by Gazette staff.)"), outlet="Valley Times",
                            published="2024-03-05", url="https://valley.example/barrier")
    return [
        (original, "barrier"),
        (copy, "barrier-copy"),
        (followup_analysis(), "figures"),
        (trust_analysis(), "trust"),
        (undated_analysis(), "silent"),
    ]


# ---------------------------------------------------------------- stores


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL database of this module's own."""
    if request.param == "sqlite":
        yield str(tmp_path_factory.mktemp("corpus") / "corpus.db")
        return
    with fresh_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def store(db_url):
    """The invented corpus stored through the real write path, on each database."""
    with open_store(db_url) as s:
        result = s.add(corpus())
        assert result.stored == 5
        yield s


def ids(store) -> dict[str, int]:
    """Actor ids by key, to name actors in assertions."""
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT key, id FROM actors")).all())


def article_id(store, url: str) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM articles WHERE url = :u"), {"u": url}).scalar_one()


def texts(store) -> dict[int, str]:
    """Each article's stored text (through the model: SQLite stores it compressed)."""
    with store.engine.connect() as conn:
        return dict(conn.execute(sa.select(ArticleRow.id, ArticleRow.text)).all())


def contents(rows) -> list[str]:
    return [row.content for row in rows]


# ---------------------------------------------------------------- quotes


def test_queries_speaker_by_name_alias_and_case(store):
    ann = ids(store)["person:ann holt"]
    rows = queries.quotes(store, speaker="Ann Holt")
    assert {row.speaker_id for row in rows} == {ann}
    # Both articles of the wire story, and the follow-up where she is only "Holt".
    assert sorted(contents(rows)) == sorted([
        "the barrier will protect every home on the harbour front",
        "the barrier will protect every home on the harbour front",
        "the money would come from the regional fund",
        "the money would come from the regional fund",
        f"the figures would be published next month{CONTENT_JOIN}together with the engineers' report",
    ])
    for variant in ("ann holt", "  ANN   HOLT ", "Mayor Ann Holt", "Mrs. Ann Holt", f"id:{ann}"):
        assert queries.quotes(store, speaker=variant) == rows, variant
    assert queries.quotes(store, speaker="Ann Holtz") == []


def test_queries_speaker_shared_surname_gives_every_namesake(store):
    keys = ids(store)
    rows = queries.quotes(store, speaker="Holt", limit=100)
    speakers = {row.speaker_id for row in rows}
    # The lone "Holt" of the undated article stays its own actor; Ann Holt answers to "Holt" too.
    assert keys["person?:holt"] in speakers and keys["person:ann holt"] in speakers
    assert "the trust had nothing to add about the mooring fees" in contents(rows)
    assert keys["person:ruth holt"] not in {r.speaker_id for r in queries.quotes(store, speaker="Ann Holt")}


def test_queries_outlet_filter_ignores_case(store):
    rows = queries.quotes(store, outlet="valley TIMES", limit=100)
    assert rows and {row.outlet for row in rows} == {"Valley Times"}
    assert len(rows) == 3 + 2  # the wire copy's three, the follow-up's two
    assert queries.quotes(store, outlet="Valley") == []


def test_queries_dates_inclusive_and_validated(store):
    since = queries.quotes(store, since="2024-03-05", limit=100)
    assert {row.published for row in since} == {dt.date(2024, 3, 5), dt.date(2024, 6, 1)}
    until = queries.quotes(store, until="2023-11-20", limit=100)
    assert {row.published for row in until} == {dt.date(2023, 11, 20)}
    window = queries.quotes(store, since="2024-03-04", until="2024-03-04T23:59:00Z", limit=100)
    assert {row.outlet for row in window} == {"Harbour Gazette"} and len(window) == 3
    with pytest.raises(NewsgraphError) as error:
        queries.quotes(store, since="last tuesday")
    assert error.value.code == "E011"


def test_queries_newest_first_undated_last_and_pages(store):
    every = queries.quotes(store, limit=1000)
    assert len(every) == 3 + 3 + 2 + 2 + 1
    dated = [row.published for row in every if row.published is not None]
    assert dated == sorted(dated, reverse=True)
    assert every[-1].published is None
    pages = [queries.quotes(store, limit=4, offset=start) for start in range(0, 12, 4)]
    assert [row for page in pages for row in page] == every
    # Pages that start among, or past, the dated statements (the undated come last).
    assert queries.quotes(store, limit=5, offset=8) == every[8:]
    assert queries.quotes(store, limit=5, offset=10) == every[10:] and every[10].published is None
    assert queries.quotes(store, limit=5, offset=11) == []
    assert queries.quotes(store, limit=0) == []


def test_queries_search_words_and_phrases(store):
    fund = queries.quotes(store, search="regional FUND", limit=100)
    assert contents(fund) == ["the money would come from the regional fund"] * 2
    assert contents(queries.quotes(store, search='"small town"')) == ["the cost was too high for a small town"] * 2
    assert queries.quotes(store, search='"town small"') == []
    assert queries.quotes(store, search="regional nonexistentword") == []
    # The source and the cue are searched too.
    insisted = queries.quotes(store, search="insisted Holt")
    assert insisted and {row.cue for row in insisted} == {"insisted"}


def test_queries_filters_combine(store):
    rows = queries.quotes(store, speaker="ann holt", outlet="Harbour Gazette", search="barrier", limit=100)
    assert contents(rows) == ["the barrier will protect every home on the harbour front"]
    assert queries.quotes(store, speaker="ben ortiz", since="2024-04-01")[0].addressee_id == ids(store)[
        "person:ann holt"
    ]


def test_queries_with_and_without_copies(store):
    copy = article_id(store, "https://valley.example/barrier")
    original = article_id(store, "https://gazette.example/barrier")
    with_copies = queries.quotes(store, speaker="Ann Holt", limit=100)
    without = queries.quotes(store, speaker="Ann Holt", include_copies=False, limit=100)
    assert {row.copy_of for row in with_copies if row.article_id == copy} == {original}
    assert len(with_copies) == 5 and len(without) == 3
    assert all(row.article_id != copy for row in without)
    counts = {r.name: r.statements for r in queries.actors(store)}
    counts_original = {r.name: r.statements for r in queries.actors(store, include_copies=False)}
    assert counts["Ann Holt"] == 5 and counts_original["Ann Holt"] == 3
    assert counts["Ben Ortiz"] == 3 and counts_original["Ben Ortiz"] == 2


def test_queries_rows_carry_real_offsets(store):
    text_of = texts(store)
    rows = queries.quotes(store, limit=1000)
    assert rows
    for row in rows:
        text = text_of[row.article_id]
        assert text[row.cue_start : row.cue_end] == row.cue
        assert text[row.source_start : row.source_end] == row.source_text
        assert CONTENT_JOIN.join(text[s:e] for s, e in row.content_spans) == row.content
        if row.addressee_start is not None:
            assert text[row.addressee_start : row.addressee_end] == row.addressee_text


@pytest.mark.parametrize("nasty", NASTY)
def test_queries_nasty_strings_are_harmless(store, nasty):
    before = len(queries.quotes(store, limit=1000))
    assert queries.quotes(store, speaker=nasty) == []
    assert queries.quotes(store, outlet=nasty) == []
    queries.quotes(store, search=nasty)  # may match words like "or", never fails
    assert queries.quotes(store, speaker=nasty, outlet=nasty, search=nasty) == []
    assert queries.actor(store, nasty) is None
    assert len(queries.quotes(store, limit=1000)) == before and queries.actor(store, "Ann Holt") is not None
    # A NUL (which PostgreSQL refuses in any string) is dropped, not an error.
    assert queries.quotes(store, speaker="ann\x00 holt") == queries.quotes(store, speaker="ann holt")


def test_queries_sqlish_words_are_found_as_words(store):
    rows = queries.quotes(store, search="DROP everything", limit=10)
    assert contents(rows) == ["prices fell 20% -- again; DROP everything"]
    assert queries.quotes(store, speaker="sean o'brien") == rows
    assert contents(queries.quotes(store, search="20 again")) == contents(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_queries_any_text_is_a_valid_search_or_speaker(store, text):
    every = queries.quotes(store, limit=1000)
    found = queries.quotes(store, search=text, limit=1000)
    assert all(row in every for row in found)
    if not queries.search_terms(text):
        assert found == []
    assert all(row in every for row in queries.quotes(store, speaker=text, outlet=text, limit=5))
    with contextlib.suppress(AmbiguousActor):
        detail = queries.actor(store, text)
        assert detail is None or detail.statements_total >= 0


def test_queries_search_terms_keep_words_drop_syntax():
    assert queries.search_terms('flood "regional  fund" OR x*') == ["flood", "regional fund", "OR", "x"]
    assert queries.search_terms('"unbalanced phrase') == ["unbalanced phrase"]
    assert queries.search_terms("-- ; ' \"") == []
    assert queries.fts5_query(["a b", "c"]) == '"a b" "c"'


# ---------------------------------------------------------------- actors and actor


def test_queries_actors_ranked_by_statements(store):
    rows = queries.actors(store, top=3)
    assert [r.name for r in rows] == ["Ann Holt", "Ben Ortiz", *[r.name for r in rows[2:]]]
    assert [r.statements for r in rows] == sorted((r.statements for r in rows), reverse=True)
    ann = rows[0]
    assert (ann.first, ann.last) == (dt.date(2024, 3, 4), dt.date(2024, 6, 1))
    assert len(queries.actors(store, top=1)) == 1 and queries.actors(store, top=0) == []


def test_queries_actor_detail(store):
    keys = ids(store)
    detail = queries.actor(store, "Ann Holt", limit=2)
    assert detail is not None and detail.actor_id == keys["person:ann holt"]
    assert {"ann holt", "holt"} <= set(detail.aliases)
    assert [(t.title, t.first, t.last, t.articles) for t in detail.titles] == [
        ("Mayor", dt.date(2024, 3, 4), dt.date(2024, 3, 5), 2)
    ]
    assert (detail.statements_total, detail.statements_original) == (5, 3)
    assert (detail.first, detail.last) == (dt.date(2024, 3, 4), dt.date(2024, 6, 1))
    assert detail.timeline == [("2024-03", 4), ("2024-06", 1)]
    assert [row.published for row in detail.statements] == [dt.date(2024, 6, 1), dt.date(2024, 3, 5)]
    # Whom she addresses: the council, twice (original and copy). Who addresses her: Ortiz.
    assert [(r.actor_id, r.statements) for r in detail.addresses] == [(keys["org:council"], 2)]
    assert [(r.name, r.statements) for r in detail.addressed_by] == [("Ben Ortiz", 1)]
    assert [(o.outlet, o.statements) for o in detail.outlets] == [("Valley Times", 3), ("Harbour Gazette", 2)]
    as_json = json.loads(json.dumps(detail.to_dict()))
    assert as_json["titles"][0]["first"] == "2024-03-04" and as_json["timeline"][0] == {
        "month": "2024-03", "statements": 4,
    }


def test_queries_actor_unknown_and_ambiguous(store):
    assert queries.actor(store, "Nobody Atall") is None
    with pytest.raises(AmbiguousActor) as error:
        queries.actor(store, "holt")
    keys = ids(store)
    candidates = {row.actor_id for row in error.value.candidates}
    assert {keys["person:ann holt"], keys["person?:holt"]} <= candidates
    assert error.value.code == "E021"
    counts = [row.statements for row in error.value.candidates]
    assert counts == sorted(counts, reverse=True)
    # id:N picks one of them.
    lone = queries.actor(store, f"id:{keys['person?:holt']}")
    assert lone is not None and lone.statements_total == 1 and lone.first is None
    assert lone.timeline == [("undated", 1)]


def test_queries_many_namesakes_match_by_subquery(store, monkeypatch):
    # A word like "officials" names one group actor per article: thousands of ids. Above
    # MANY_IDS they are matched by subquery; the answer must not change, and the list of
    # candidates is capped while the message keeps the full count.
    pages = [{"limit": 100}, {"limit": 2, "offset": 1}, {"limit": 1, "offset": 3}, {"limit": 3, "offset": 4},
             {"limit": 2, "offset": 5}, {"include_copies": False}, {"since": "2024-03-05"}, {"search": "figures"}]
    # Two actors answer to "holt": their statements are sorted by key, then read; the pages must
    # be what one actor at a time, merged here, gives.
    one_by_one = [row for key in ("person:ann holt", "person?:holt")
                  for row in queries.quotes(store, speaker=f"id:{ids(store)[key]}", limit=100)]
    one_by_one.sort(key=lambda r: (r.published is None, -(r.published or dt.date.min).toordinal(), -r.attribution_id))
    merged = [queries.quotes(store, speaker="holt", **kwargs) for kwargs in pages]
    assert merged[0] == one_by_one and len(one_by_one) == 6
    assert [len(m) for m in merged[1:5]] == [2, 1, 2, 1] and merged[4] == one_by_one[5:]
    assert merged[1] == one_by_one[1:3] and merged[3] == one_by_one[4:]
    monkeypatch.setattr(queries, "MANY_IDS", 1)  # by subquery rather than a list of ids: the same
    assert [queries.quotes(store, speaker="holt", **kwargs) for kwargs in pages] == merged
    monkeypatch.setattr(queries, "CANDIDATES", 1)
    with pytest.raises(AmbiguousActor) as error:
        queries.actor(store, "holt")
    assert len(error.value.candidates) == 1 and error.value.fields["count"] == 2
    assert error.value.candidates[0].name == "Ann Holt"  # the most quoted first


# ---------------------------------------------------------------- export


def _export_rows(store, tmp_path, fmt):
    out = queries.export(store, fmt, tmp_path / f"all.{fmt}")
    assert not (tmp_path / f"all.{fmt}.part").exists()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(out).to_pylist()
    if fmt == "jsonl":
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    with open(out, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_queries_export_parquet_reads_back(store, tmp_path):
    import pyarrow.parquet as pq

    rows = _export_rows(store, tmp_path, "parquet")
    assert pq.read_schema(tmp_path / "all.parquet").names == list(queries.EXPORT_COLUMNS)
    assert len(rows) == 11 and [r["attribution_id"] for r in rows] == sorted(r["attribution_id"] for r in rows)
    text_of = texts(store)
    for row in rows:
        text = text_of[row["article_id"]]
        assert text[row["cue_start"] : row["cue_end"]] == row["cue_text"]
        assert CONTENT_JOIN.join(text[c["start"] : c["end"]] for c in row["content"]) == row["content_text"]
    dates = {r["published"] for r in rows}
    assert dt.date(2024, 3, 4) in dates and None in dates
    copies = [r for r in rows if r["copy_of"] is not None]
    assert len(copies) == 3 and {r["outlet"] for r in copies} == {"Valley Times"}
    holt = [r for r in rows if r["source_actor"] == "Ann Holt"]
    assert len(holt) == 5 and {r["source_actor_type"] for r in holt} == {"PERSON"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_queries_export_jsonl_csv_match_parquet(store, tmp_path, fmt):
    reference = _export_rows(store, tmp_path, "parquet")
    rows = _export_rows(store, tmp_path, fmt)
    assert len(rows) == len(reference)
    for got, want in zip(rows, reference, strict=True):
        assert list(got) == list(queries.EXPORT_COLUMNS)
        content = json.loads(got["content"]) if fmt == "csv" else got["content"]
        assert content == want["content"]
        assert str(got["attribution_id"]) == str(want["attribution_id"])
        assert (got["published"] or None) == (want["published"].isoformat() if want["published"] else None)
        assert got["content_text"] == want["content_text"] and got["cue_text"] == want["cue_text"]


def test_queries_export_unwritable_is_e018(store, tmp_path):
    with pytest.raises(NewsgraphError) as error:
        queries.export(store, "jsonl", tmp_path / "no" / "such" / "dir" / "out.jsonl")
    assert error.value.code == "E018"


# ---------------------------------------------------------------- the real analysis


REAL = (
    "Library reopens after repairs\n\n"
    '"This building belongs to everyone," Mayor Greta Lindqvist told the crowd on Saturday.\n\n'
    "Lindqvist said the repairs had cost $3 million.\n"
)


def test_queries_find_what_the_analysis_found(db_url, nlp):
    from newsgraph.analysis.pipeline import analyze

    analysis = analyze(REAL, published="2025-02-01")
    analysis.article.url = "https://library.example/reopens"
    found = [a for a in analysis.attributions if a.source is not None and "Lindqvist" in a.source.text]
    assert found, "the analysis should find the mayor's statements"
    with open_store(db_url) as s:
        s.add([(analysis, "library")])
        rows = queries.quotes(s, speaker="greta lindqvist", limit=100)
        text = texts(s)[rows[0].article_id]
    assert sorted(r.cue for r in rows) == sorted(a.cue.text for a in found)
    for row in rows:
        assert text[row.cue_start : row.cue_end] == row.cue and row.published == dt.date(2025, 2, 1)


# ---------------------------------------------------------------- same answers on both databases


def _answers(s) -> list:
    out: list = [[r.to_dict() for r in queries.quotes(s, limit=1000)]]
    for kwargs in (
        {"speaker": "Holt"}, {"speaker": "ann holt", "include_copies": False}, {"outlet": "coastal post"},
        {"since": "2024-01-01", "until": "2024-03-31"}, {"search": "figures published"},
        {"search": '"harbour front"'}, {"limit": 3, "offset": 2},
    ):
        out.append([r.to_dict() for r in queries.quotes(s, **kwargs)])
    out.append([r.to_dict() for r in queries.actors(s, top=50)])
    out.append([r.to_dict() for r in queries.actors(s, top=50, include_copies=False)])
    for name in ("Ann Holt", "Ben Ortiz", "Ruth Holt", "the council"):
        out.append(queries.actor(s, name).to_dict())
    return out


def test_queries_same_answers_on_sqlite_and_postgresql(tmp_path):
    with fresh_postgres() as pg_url, open_store(tmp_path / "same.db") as lite, open_store(pg_url) as pg:
        lite.add(corpus())
        pg.add(corpus())
        assert _answers(lite) == _answers(pg)


# ---------------------------------------------------------------- the command line


runner = CliRunner()


def invoke(args: list[str]):
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_queries_cli_quotes_formats(store):
    db = store.url
    as_json = invoke(["quotes", "--db", db, "--speaker", "Ann Holt", "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert [r["attribution_id"] for r in rows] == [r.attribution_id for r in queries.quotes(store, speaker="Ann Holt")]
    as_csv = invoke(["quotes", "--db", db, "--outlet", "harbour gazette", "--format", "csv", "--limit", "2"])
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(parsed) == 2 and {r["outlet"] for r in parsed} == {"Harbour Gazette"}
    assert json.loads(parsed[0]["content_spans"])
    table = invoke(["quotes", "--db", db, "--search", "regional fund", "--no-copies"])
    assert table.exit_code == 0 and "regional fund" in table.stdout and "Harbour Gazette" in table.stdout
    assert "Valley Times" not in table.stdout


def test_queries_cli_bad_date_and_missing_db(store, tmp_path):
    bad = invoke(["quotes", "--db", store.url, "--since", "2024-13-45"])
    assert bad.exit_code == 2 and bad.stderr.strip().splitlines() == [
        "newsgraph: error: E011 '2024-13-45' is not a date (expected YYYY-MM-DD or an ISO 8601 timestamp)"
    ]
    missing = tmp_path / "nothing-here.db"
    result = invoke(["actors", "--db", str(missing)])
    assert result.exit_code == 1 and "E022" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not missing.exists()


def test_queries_cli_actors_and_actor(store):
    db = store.url
    actors = invoke(["actors", "--db", db, "--top", "2", "--format", "json"])
    assert [r["name"] for r in json.loads(actors.stdout)] == ["Ann Holt", "Ben Ortiz"]
    no_copies = json.loads(invoke(["actors", "--db", db, "--no-copies", "--format", "json"]).stdout)
    assert {r["name"]: r["statements"] for r in no_copies}["Ann Holt"] == 3
    assert "Ann Holt" in invoke(["actors", "--db", db]).stdout
    detail = invoke(["actor", "Mayor Ann Holt", "--db", db, "--format", "json"])
    assert detail.exit_code == 0 and json.loads(detail.stdout)["statements_total"] == 5
    table = invoke(["actor", "ann holt", "--db", db])
    assert "Mayor" in table.stdout and "Valley Times" in table.stdout and "Ben Ortiz" in table.stdout


def test_queries_cli_actor_unknown_and_ambiguous(store):
    unknown = invoke(["actor", "Nobody Atall", "--db", store.url])
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr.strip().splitlines() == [
        "newsgraph: error: E020 'Nobody Atall': no actor of that name in the database"
    ]
    ambiguous = invoke(["actor", "Holt", "--db", store.url])
    lines = ambiguous.stderr.strip().splitlines()
    assert ambiguous.exit_code == 1 and "E021" in lines[0]
    lone = ids(store)["person?:holt"]
    assert any(line.strip().startswith(f"id:{lone} ") for line in lines[1:])
    picked = invoke(["actor", f"id:{lone}", "--db", store.url, "--format", "json"])
    assert picked.exit_code == 0 and json.loads(picked.stdout)["actor_id"] == lone


@pytest.mark.parametrize("fmt", ["parquet", "jsonl", "csv"])
def test_queries_cli_export(store, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    result = invoke(["export", "--db", store.url, "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert _export_rows(store, tmp_path, fmt) == _read(out, fmt)


def _read(path: Path, fmt: str) -> list:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ---------------------------------------------------------------- totals, confidence, paging (web lists)


def test_queries_count_quotes_agrees_with_the_pages_for_every_filter(store):
    ann = ids(store)["person:ann holt"]
    for filters in ({}, {"speaker": "Holt"}, {"speaker": f"id:{ann}"}, {"outlet": "valley times"},
                    {"since": "2024-03-05"}, {"search": "barrier"}, {"include_copies": False},
                    {"speaker": "nobody at all"}, {"min_confidence": 0.5}):
        every = queries.quotes(store, **filters, limit=1000)
        assert queries.count_quotes(store, **filters) == len(every), filters
    total = queries.count_quotes(store)
    assert total > 3 and queries.count_quotes(store, cap=3) == 3  # totals stop at the cap


def test_queries_min_confidence_keeps_the_surer_statements(store):
    every = queries.quotes(store, limit=1000)
    values = sorted({row.confidence for row in every})
    cut = values[len(values) // 2] if len(values) > 1 else values[0]
    kept = queries.quotes(store, min_confidence=cut, limit=1000)
    assert [r.attribution_id for r in kept] == [r.attribution_id for r in every if r.confidence >= cut]
    assert queries.quotes(store, min_confidence=0.0, limit=1000) == every
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            queries.quotes(store, min_confidence=bad)


def test_queries_article_filter_gives_one_articles_statements(store):
    every = queries.quotes(store, limit=1000)
    article = every[0].article_id
    mine = queries.quotes(store, article=article, limit=1000)
    assert mine and {r.article_id for r in mine} == {article}
    assert len(mine) == sum(1 for r in every if r.article_id == article)


def test_queries_actor_statements_page_with_offset_and_confidence(store):
    ann = ids(store)["person:ann holt"]
    whole = queries.actor(store, f"id:{ann}", limit=100)
    assert whole is not None and len(whole.statements) >= 3
    pages = [queries.actor(store, f"id:{ann}", limit=2, offset=o).statements for o in range(0, 100, 2)]
    flat = [r.attribution_id for page in pages for r in page]
    assert flat == [r.attribution_id for r in whole.statements]
    top = max(r.confidence for r in whole.statements)
    sure = queries.actor(store, f"id:{ann}", limit=100, min_confidence=top)
    assert [r.attribution_id for r in sure.statements] == [
        r.attribution_id for r in whole.statements if r.confidence >= top
    ]
    assert sure.statements_total == whole.statements_total  # the counts cover everything


def test_queries_actors_page_with_offset_and_count(store):
    every = queries.actors(store, top=1000)
    assert queries.count_actors(store) == len(every)
    paged = queries.actors(store, top=2) + queries.actors(store, top=1000, offset=2)
    assert paged == every
    assert queries.count_actors(store, include_copies=False) <= len(every)
    for top, offset in ((2, 0), (1, 3), (5, 1000), (1000, 0)):
        rows, total = queries.actors_page(store, top=top, offset=offset)
        assert rows == every[offset : offset + top] and total == len(every), (top, offset)


def test_queries_huge_id_names_no_actor(store):
    assert queries.quotes(store, speaker="id:99999999999999999999999") == []
    assert queries.actor(store, "id:99999999999999999999999") is None
    assert queries.count_quotes(store, speaker="id:99999999999999999999999") == 0


def test_queries_cli_min_confidence_on_quotes_and_actor(store):
    db = store.url
    every = queries.quotes(store, limit=1000)
    top = max(r.confidence for r in every)
    got = json.loads(invoke(["quotes", "--db", db, "--min-confidence", str(top), "--limit", "1000",
                             "--format", "json"]).stdout)
    assert [r["attribution_id"] for r in got] == [r.attribution_id for r in every if r.confidence >= top]
    ann = json.loads(invoke(["actor", "id:" + str(ids(store)["person:ann holt"]), "--db", db,
                             "--min-confidence", str(top), "--format", "json"]).stdout)
    assert all(s["confidence"] >= top for s in ann["statements"])
    bad = invoke(["quotes", "--db", db, "--min-confidence", "1.5"])
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr
