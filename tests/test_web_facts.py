"""The facts in the web app and the API: figures and times highlighted, the Claims lists, their JSON.

Why apart from ``test_web.py``: these tests need articles with figures, times
and places, analysed by the real pipeline once per module (invented text, never
corpus text), and they check every shown span against the stored text: the
marks in ``#article-text``, each claim's figure and sentence offsets, the
rebuilt analysis of ``/api/articles/{id}``.
"""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgraph.models import Analysis, Article, Figure, Time
from newsgraph.store.facts import SENTENCE_MAX, sentence_bounds
from newsgraph.web import create_app
from newsgraph.web.highlight import segments
from newsgraph.web.pages import value_text

PORT = """Port of Rotterdam Reports Record Cargo

The port handled 2.4 million containers in 2023, up 12 percent from the year before.

"We moved nearly 40 ships a day in March," harbour master Lena Ostrova said on Tuesday.

City treasurer Paul Marek told reporters the new quay would cost $310 million and employ 1,200 workers.

The harbour opened in 1921 and employs about 3,000 people in Rotterdam.
"""

BRIDGE = """Bridge Repairs Delayed Again

City treasurer Paul Marek said on Monday that the bridge repairs would cost 4 million euros.

Engineers found 17 cracks in the deck.
"""


def _analysed(text: str, published: str, url: str) -> Analysis:
    import newsgraph

    analysis = newsgraph.analyze(text, published=published)
    analysis.article = analysis.article.model_copy(update={"url": url, "outlet": "Quay Gazette"})
    return analysis


@pytest.fixture(scope="module")
def fact_analyses(nlp) -> dict[str, Analysis]:
    return {
        "port": _analysed(PORT, "2024-03-26", "https://quay.example/port"),
        "bridge": _analysed(BRIDGE, "2024-04-02", "https://quay.example/bridge"),
    }


def build_facts_db(path: Path, analyses: dict[str, Analysis]) -> str:
    from newsgraph.store import open_store

    with open_store(str(path)) as store:
        assert store.add([(a, name) for name, a in analyses.items()]).stored == len(analyses)
    return str(path)


@pytest.fixture(scope="module")
def client(fact_analyses, tmp_path_factory) -> Any:
    app = create_app(build_facts_db(tmp_path_factory.mktemp("facts-web") / "corpus.db", fact_analyses))
    with TestClient(app) as c:
        yield c
    app.state.web.close()


def ids(client: TestClient) -> dict[str, int]:
    items = client.get("/api/articles", params={"limit": 100}).json()["items"]
    return {item["url"].rsplit("/", 1)[1]: item["id"] for item in items}


def actor_id(client: TestClient, name: str) -> int:
    found = client.get("/api/actor", params={"name": name})
    assert found.status_code == 200, found.text
    return found.json()["actor_id"]


# ---------------------------------------------------------------------------- pure helpers


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab .!?\n\"”1Mr")), max_size=200), st.data())
def test_facts_sentence_bounds_hold_the_span_within_the_text(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    left, right = sentence_bounds(text, start, end)
    assert 0 <= left <= start <= end <= right <= len(text)
    assert right - left <= max(SENTENCE_MAX, end - start)
    if right > left:
        assert not text[left].isspace() or left == start
        assert not text[right - 1].isspace() or right == end


def test_facts_sentence_bounds_stop_at_sentence_ends_not_initials_or_decimals():
    text = 'Dr. A. Reed said 1.5 million came. "We saw 12 cars," she said.\n\nNext 3 here'
    cases = {"1.5 million": "Dr. A. Reed said 1.5 million came.", "12": '"We saw 12 cars," she said.',
             "3": "Next 3 here"}
    for figure, sentence in cases.items():
        start = text.index(figure)
        left, right = sentence_bounds(text, start, start + len(figure))
        assert text[left:right] == sentence


def test_web_value_text_reads_change_number_range_and_unit():
    assert value_text(40.0, None, "~") == "about 40"
    assert value_text(1_500_000.0, "person", "=") == "1,500,000 person"
    assert value_text([2.0, 3.5], "percent", ">") == "more than 2–3.5 percent"
    assert value_text(12.0, "percent", "up") == "up 12 percent"


@st.composite
def texts_with_facts(draw: st.DrawFn) -> Analysis:
    """Arbitrary text with arbitrary figure and time spans (overlapping, nested, out of range)."""
    text = draw(st.text(max_size=80))
    n = len(text)
    offset = st.integers(min_value=-3, max_value=n + 3)

    def bounds() -> dict[str, Any]:
        a, b = draw(offset), draw(offset)
        s, e = max(0, min(a, n)), max(0, min(b, n))
        return {"start": a, "end": b, "text": text[s:e] if s <= e else ""}

    figures = [Figure(id=f"F{i}", value=1.0, **bounds()) for i in range(draw(st.integers(0, 4)))]
    times = [Time(id=f"T{i}", type="DATE", value="2024", **bounds()) for i in range(draw(st.integers(0, 3)))]
    return Analysis(article=Article(text=text), figures=figures, times=times)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts_with_facts())
def test_web_highlight_figure_and_time_layers_cover_exactly_their_spans(analysis):
    text = analysis.article.text
    segs = segments(analysis)
    assert "".join(s.text for s in segs) == text
    for kind, items in (("figures", analysis.figures), ("times", analysis.times)):
        for item in items:
            s, e = max(0, min(item.start, len(text))), max(0, min(item.end, len(text)))
            covered = [seg for seg in segs if item.id in getattr(seg, kind)]
            assert all(s <= seg.start and seg.end <= e for seg in covered)
            assert sum(seg.end - seg.start for seg in covered) == max(0, e - s) or len({i.id for i in items}) < len(items)
            if s < e:
                assert any(seg.start == s and item.id in seg.fact_anchors for seg in segs)


# ---------------------------------------------------------------------------- the stored article


class Marks(HTMLParser):
    """The figure and time marks of ``#article-text``: their attributes and the text inside each."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[dict[str, Any]] = []
        self.stack: list[dict[str, Any] | None] = []  # open elements inside #article-text (marks or None)
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id") == "article-text":
            self.inside = True
        elif self.inside:
            mark = {**a, "text": ""} if tag == "mark" and "fact" in (a.get("class") or "").split() else None
            if mark is not None:
                self.marks.append(mark)
            self.stack.append(mark)

    def handle_endtag(self, tag: str) -> None:
        if self.inside and self.stack:
            self.stack.pop()
        elif self.inside:
            self.inside = False  # the </div> of #article-text

    def handle_data(self, data: str) -> None:
        for mark in self.stack:
            if mark is not None:
                mark["text"] += data


def test_web_article_page_marks_each_figure_and_time_at_its_offsets(client, fact_analyses):
    port = ids(client)["port"]
    analysis = client.get(f"/api/articles/{port}").json()["analysis"]
    text = analysis["article"]["text"]
    page = client.get(f"/articles/{port}")
    assert page.status_code == 200
    parser = Marks()
    parser.feed(page.text)
    figures = [m for m in parser.marks if "figure" in m["class"].split()]
    times = [m for m in parser.marks if "time" in m["class"].split()]
    assert figures and times
    for mark in parser.marks:
        assert text[int(mark["data-start"]) : int(mark["data-end"])] == mark["text"]
    # every figure's characters are marked, and its title says its value and who claims it
    for f in analysis["figures"]:
        marked = "".join(m["text"] for m in figures if m["data-figure-id"] == f["id"])
        assert marked == f["text"] == text[f["start"] : f["end"]]
        title = next(m["title"] for m in figures if m["data-figure-id"] == f["id"])
        assert value_text(f["value"], f["unit"], f["change"]) in title
    for t in analysis["times"]:
        shown = [m for m in times if m["data-time-id"] == t["id"]]
        assert "".join(m["text"] for m in shown) == t["text"]
        assert shown[0]["title"] == f"time: {t['type']} {t['value']}" and shown[0]["data-value"] == t["value"]
    # link targets in the text for the Claims list
    for f in analysis["figures"]:
        assert f'id="figure-{f["id"]}"' in page.text and f'href="#figure-{f["id"]}"' in page.text
    # the legend names both layers; the place shows its country
    legend = page.text[page.text.index('id="legend"') : page.text.index("</ul>", page.text.index('id="legend"'))]
    assert "fact figure" in legend and "fact time" in legend
    assert re.search(r'class="entity-place"[^>]*data-country="NL"[^>]*>Rotterdam \(NL\)<', page.text)


def test_web_stored_article_rebuilds_figures_times_and_places(client, fact_analyses):
    port = ids(client)["port"]
    got = client.get(f"/api/articles/{port}").json()
    analysis, original = got["analysis"], fact_analyses["port"]
    local_of = {a.id: a.id for a in original.attributions}  # ids survive the store for one article
    assert [(f["start"], f["end"], f["value"], f["unit"], f["change"]) for f in analysis["figures"]] == [
        (f.start, f.end, f.value, f.unit, f.change) for f in sorted(original.figures, key=lambda f: f.start)
    ]
    assert [f["claimed_by"] for f in analysis["figures"]] == [
        local_of.get(f.claimed_by) if f.claimed_by else None for f in sorted(original.figures, key=lambda f: f.start)
    ]
    assert [(t["start"], t["end"], t["type"], t["value"]) for t in analysis["times"]] == [
        (t.start, t.end, t.type, t.value) for t in sorted(original.times, key=lambda t: t.start)
    ]
    places = {e["name"]: e["place"] for e in analysis["entities"] if e["place"]}
    assert places["Rotterdam"]["country"] == "NL"
    assert set(got["figure_ids"]) == {f["id"] for f in analysis["figures"]}


def test_web_article_claims_section_names_who_claims_each_figure(client, fact_analyses):
    port = ids(client)["port"]
    page = client.get(f"/articles/{port}").text
    section = page[page.index('id="claims"') : page.index('id="events"')]
    rows = re.findall(r'<tr id="claim-(F\d+)" class="claim-row (claimed|own-voice)".*?</tr>', section, re.S)
    analysis = fact_analyses["port"]
    assert [r[0] for r in rows] == [f.id for f in sorted(analysis.figures, key=lambda f: f.start)]
    by_id = {f.id: f for f in analysis.figures}
    for figure_id, kind in rows:
        assert (kind == "claimed") == (by_id[figure_id].claimed_by is not None)
    row = lambda fid: re.search(rf'<tr id="claim-{fid}".*?</tr>', section, re.S).group()  # noqa: E731
    ostrova = next(f for f in analysis.figures if f.text == "40")
    assert "Lena Ostrova" in row(ostrova.id) and "/actors/" in row(ostrova.id)
    own = next(f for f in analysis.figures if f.text == "2.4 million")
    assert "the article (own voice)" in row(own.id)
    # the sentence as context, with the figure marked inside it
    assert '<mark class="claim-figure-mark">2.4 million</mark> containers in 2023' in row(own.id)
    assert 'data-total="6"' in section or f'data-total="{len(analysis.figures)}"' in section
    assert f'href="/claims?article={port}&amp;format=csv"' in section


# ---------------------------------------------------------------------------- the Claims lists and the API


def test_web_api_article_claims_offsets_sentences_and_speakers(client, fact_analyses):
    port = ids(client)["port"]
    text = client.get(f"/api/articles/{port}").json()["analysis"]["article"]["text"]
    got = client.get(f"/api/articles/{port}/claims").json()
    assert got["total"] == len(fact_analyses["port"].figures) == len(got["items"])
    assert [i["start"] for i in got["items"]] == sorted(i["start"] for i in got["items"])
    for item in got["items"]:
        assert text[item["start"] : item["end"]] == item["text"]
        assert text[item["sentence_start"] : item["sentence_end"]] == item["sentence"]
        assert item["sentence_start"] <= item["start"] < item["end"] <= item["sentence_end"]
        assert item["href"] == f"/articles/{port}#figure-{item['figure_id']}"
    speakers = {i["text"]: i["speaker"] for i in got["items"]}
    assert speakers["40"] == "Lena Ostrova" and speakers["$310 million"] == "Paul Marek"
    assert speakers["2.4 million"] is None
    page = client.get(f"/api/articles/{port}/claims", params={"limit": 2, "offset": 2}).json()
    assert [i["figure_id"] for i in page["items"]] == [i["figure_id"] for i in got["items"][2:4]]
    assert page["next_offset"] == 4 and page["total"] == got["total"]
    assert client.get("/api/articles/999999/claims").status_code == 404


def test_web_api_actor_claims_every_figure_they_put_forward(client):
    marek = actor_id(client, "Paul Marek")
    got = client.get(f"/api/actors/{marek}/claims").json()
    assert {i["text"] for i in got["items"]} == {"$310 million", "1,200", "4 million euros"}
    assert got["total"] == 3 and all(i["speaker_id"] == marek for i in got["items"])
    assert [i["published"] for i in got["items"]] == sorted((i["published"] for i in got["items"]), reverse=True)
    euros = client.get(f"/api/actors/{marek}/claims", params={"unit": "euro"}).json()
    assert [i["text"] for i in euros["items"]] == ["4 million euros"] and euros["total"] == 1
    march = client.get(f"/api/actors/{marek}/claims", params={"until": "2024-03-31"}).json()
    assert {i["text"] for i in march["items"]} == {"$310 million", "1,200"}
    assert client.get("/api/actors/999999/claims").status_code == 404


@pytest.mark.parametrize("path,params", [
    ("/api/actors/1/claims", {"limit": 0}), ("/api/actors/1/claims", {"limit": 501}),
    ("/api/actors/1/claims", {"offset": -1}), ("/api/actors/1/claims", {"since": "2024-02-30"}),
    ("/api/actors/0/claims", {}), ("/api/articles/1/claims", {"offset": 10_000_001}),
    ("/api/articles/99999999999999999999/claims", {}), ("/api/figures", {"article": 0}),
    ("/api/figures", {"format": "xml"}), ("/api/figures", {"speaker": "id:99999999999999999999"}),
    ("/claims", {"article": "abc"}), ("/claims", {"since": "someday"}), ("/claims", {"offset": -3}),
    ("/claims", {"format": "pdf"}), ("/claims", {"limit": 9999}),
])
def test_web_claims_filters_out_of_range_are_422(client, path, params):
    assert client.get(path, params=params).status_code == 422


def test_web_api_figures_counts_and_answers_csv(client):
    got = client.get("/api/figures", params={"author_only": True, "limit": 1}).json()
    every = client.get("/api/figures", params={"author_only": True, "limit": 500}).json()["items"]
    assert got["total"] == len(every) > 1 and all(i["speaker"] is None for i in every)
    answer = client.get("/api/figures", params={"speaker": "Paul Marek", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {r["text"] for r in rows} == {"$310 million", "1,200", "4 million euros"}


def test_web_claims_page_filters_totals_pages_and_downloads(client):
    page = client.get("/claims", params={"speaker": "Paul Marek", "limit": 2})
    assert page.status_code == 200
    assert 'data-total="3"' in page.text and 'id="next-page"' in page.text
    assert len(re.findall(r'<tr class="claim-row', page.text)) == 2
    second = client.get("/claims", params={"speaker": "Paul Marek", "limit": 2, "offset": 2}).text
    assert len(re.findall(r'<tr class="claim-row', second)) == 1
    links = dict(re.findall(r'class="download-(csv|json)" href="([^"]+)"', page.text))
    csv_answer = client.get(html.unescape(links["csv"]))
    assert csv_answer.headers["content-disposition"].endswith('claims.csv"')
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert len(rows) == 3 and {r["speaker"] for r in rows} == {"Paul Marek"}  # every match, not the page
    as_json = client.get(html.unescape(links["json"])).json()
    assert {r["figure_id"] for r in as_json} == {int(r["figure_id"]) for r in rows}
    own = client.get("/claims", params={"author_only": "1"}).text
    assert "the article (own voice)" in own and "Paul Marek" not in own
    nothing = client.get("/claims", params={"speaker": "Nobody Atall"}).text
    assert 'id="no-results"' in nothing


def test_web_actor_page_lists_their_claims_with_context_and_article_links(client):
    marek = actor_id(client, "Paul Marek")
    page = client.get(f"/actors/{marek}").text
    section = page[page.index('id="actor-claims"') : page.index('id="actor-events"')]
    rows = re.findall(r'<tr class="claim-row.*?</tr>', section, re.S)
    assert len(rows) == 3 and 'data-total="3"' in section
    assert all('class="title-link" href="/articles/' in r for r in rows)
    assert any('<mark class="claim-figure-mark">4 million euros</mark>' in r for r in rows)
    assert f'href="/claims?speaker=id%3A{marek}&amp;format=csv"' in section
    ostrova = client.get(f"/actors/{actor_id(client, 'Lena Ostrova')}").text
    assert 'class="claim-figure-mark">40<' in ostrova and "$310 million" not in ostrova


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_web_facts_same_answers_on_both_backends(backend, fact_analyses, tmp_path):
    """The article marks, both Claims endpoints and the concept filter on SQLite and PostgreSQL (skipped
    without ``NEWSGRAPH_TEST_PG``): the rebuilt article and the claims come from the same rows."""
    from contextlib import nullcontext

    from conftest import fresh_postgres

    from newsgraph.store import open_store

    where = nullcontext(str(tmp_path / "facts.db")) if backend == "sqlite" else fresh_postgres()
    with where as url:
        with open_store(url) as store:
            store.add([(a, name) for name, a in fact_analyses.items()])
        app = create_app(url)
        with TestClient(app) as c:
            port = ids(c)["port"]
            analysis = c.get(f"/api/articles/{port}").json()["analysis"]
            assert len(analysis["figures"]) == len(fact_analyses["port"].figures)
            page = Marks()
            page.feed(c.get(f"/articles/{port}").text)
            assert {m["data-figure-id"] for m in page.marks if "figure" in m["class"]} == {
                f["id"] for f in analysis["figures"]
            }
            claims = c.get(f"/api/articles/{port}/claims").json()
            assert [(i["start"], i["end"]) for i in claims["items"]] == [
                (f["start"], f["end"]) for f in analysis["figures"]
            ]
            marek = c.get(f"/api/actors/{actor_id(c, 'Paul Marek')}/claims").json()
            assert marek["total"] == 3
            quay = c.get("/api/figures", params={"concept": "quay"}).json()
            assert {i["text"] for i in quay["items"]} == {"$310 million", "1,200"} and quay["total"] is None
        app.state.web.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_web_facts_migration_0010_indexes_up_and_down(backend, fact_analyses, tmp_path):
    """Revision 0010 adds the two Claims indexes and its downgrade removes them; the claims read the
    same through them (by unit, own voice) as without them."""
    from contextlib import nullcontext

    import sqlalchemy as sa
    from alembic import command
    from conftest import fresh_postgres

    from newsgraph.store import db, facts, open_store

    names = {"ix_figures_unit_published", "ix_figures_own_voice"}

    def indexes(url: str) -> set[str]:
        engine = sa.create_engine(url)  # not open_store: that would upgrade to the head revision
        listed = (
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'figures'"
            if engine.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes WHERE tablename = 'figures'"
        )  # not sa.inspect: SQLite's reflection skips expression indexes
        try:
            with engine.connect() as conn:
                return set(conn.execute(sa.text(listed)).scalars())
        finally:
            engine.dispose()

    def answers(url: str) -> list[list[int]]:
        with open_store(url) as store:
            return [
                [r.figure_id for r in facts.claims(store, unit="PERCENT")],
                [r.figure_id for r in facts.claims(store, author_only=True)],
                [facts.count_claims(store, author_only=True)],
            ]

    where = nullcontext(str(tmp_path / "facts.db")) if backend == "sqlite" else fresh_postgres()
    with where as url:
        with open_store(url) as store:
            store.add([(a, name) for name, a in fact_analyses.items()])
            engine_url = store.engine.url.render_as_string(hide_password=False)
        assert names <= indexes(engine_url)
        with_indexes = answers(url)
        own = [f for a in fact_analyses.values() for f in a.figures if f.claimed_by is None]
        assert with_indexes[2] == [len(own)] and len(with_indexes[1]) == len(own)
        command.downgrade(db.alembic_config(url), "0009")
        assert not names & indexes(engine_url)
        command.upgrade(db.alembic_config(url), "head")
        assert names <= indexes(engine_url)
        assert answers(url) == with_indexes
