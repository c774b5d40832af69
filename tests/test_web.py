"""The web app: the HTTP API, the pages, their security, and the highlight segments.

The corpus is a handful of invented articles, analysed once per module with
``newsgraph.analyze`` and stored with ``Store.add`` into a fresh SQLite file;
tests that write (ingest, delete) get a database of their own.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span
from newsgraph.web import CSP, create_app
from newsgraph.web.highlight import ROLES, segments

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TOKEN = "test-token-4f9a"

# ---------------------------------------------------------------------------- invented articles

HARBOR = """Harbor Board Approves Dredging Plan After Long Debate

Port commissioner Dana Whitlock told the harbor board on Tuesday that the dredging plan was "the only way to keep the shipping lanes open for the next decade."

"We have waited long enough, and every delay costs the fishing fleet money," Whitlock said.

Board chair Marcus Fenwick warned the commissioner that the budget could not absorb another overrun. Fenwick said the board would review the costs every quarter.

The harbor was last dredged in 2009. Work is expected to begin in the spring.
"""

HARBOR_COPY = HARBOR.replace("on Tuesday", "on Tuesday evening").replace("in the spring", "early in the spring")

SCHOOL = """City Opens Two New Schools in the North District

Mayor Elena Ortiz said on Monday that the two schools would open in September.

"Every child in this city deserves a classroom close to home," Ortiz told reporters at the site.

Teachers union leader Paul Grant claimed the staffing plan was incomplete. Grant said the union would ask the council for more teachers.

The schools will serve about 900 students.
"""

XSS_SCRIPT = "<script>alert('title')</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LINK = '<a href=\\"javascript:alert(3)\\">anything</a>'
XSS = f"""Council Hears {XSS_SCRIPT} Complaint

Councillor Nora Bell said the letter contained {XSS_IMG} and a link to javascript:alert(2) that residents should not open.

"Do not click {XSS_LINK} in that message," Bell told residents on Wednesday.

The council meets again next month.
"""

# Markup that must never reach a page unescaped (tag-opening forms of the payloads).
RAW_MARKUP = ["<script>alert(", "<img src=x", "<a href=\\", "<b>evil", "<svg onload"]

HANDMADE_NAME = '<svg onload=alert("n")>Zed Quill'


def handmade() -> Analysis:
    """An analysis whose actor *name* is markup (the store keeps names as the analysis gives them)."""
    text = f"Strange Names\n\n{HANDMADE_NAME} said the plan failed.\n"
    start = text.index(HANDMADE_NAME)
    end = start + len(HANDMADE_NAME)
    cue = text.index("said")
    content = text.index("the plan failed")
    return Analysis(
        article=Article(title="Strange Names", published="2024-07-02", outlet="<b>evil</b> Outlet",
                        url="JaVaScRiPt:alert('hand')", authors=["<img src=x onerror=alert('a')>"], text=text),
        entities=[Entity(id="E1", name=HANDMADE_NAME, type="PERSON",
                         mentions=[Span(start=start, end=end, text=text[start:end])])],
        attributions=[Attribution(
            id="A1", kind="indirect",
            source=LinkedSpan(start=start, end=end, text=text[start:end], entity="E1"),
            cue=Span(start=cue, end=cue + 4, text="said"),
            content=[Span(start=content, end=content + 15, text="the plan failed")],
        )],
    )


def _analysed(text: str, published: str, **meta: Any) -> Analysis:
    import newsgraph

    analysis = newsgraph.analyze(text, published=published)
    analysis.article = analysis.article.model_copy(update=meta)
    return analysis


@pytest.fixture(scope="module")
def analyses(nlp) -> list[tuple[Analysis, str]]:
    return [
        (_analysed(HARBOR, "2024-03-05", outlet="Harbor Times", url="https://harbor.example/dredging",
                   authors=["Ida Marsh"]), "harbor"),
        (_analysed(HARBOR_COPY, "2024-03-06", outlet="Coast Wire", url="https://wire.example/dredging"),
         "harbor-copy"),
        (_analysed(SCHOOL, "2024-06-10", outlet="City Post", url="https://city.example/schools"), "school"),
        (_analysed(XSS, "2024-07-01", outlet="<script>alert('outlet')</script>",
                   url="javascript:alert('url')", authors=["<img src=x onerror=alert('author')>"]), "xss"),
        (handmade(), "handmade"),
    ]


def build_db(path: Path, analyses: list[tuple[Analysis, str]]) -> str:
    from newsgraph.store import open_store

    with open_store(str(path)) as store:
        result = store.add(analyses)
        assert result.stored == len(analyses)
    return str(path)


@pytest.fixture(scope="module")
def corpus(analyses, tmp_path_factory) -> str:
    return build_db(tmp_path_factory.mktemp("web") / "corpus.db", analyses)


@pytest.fixture(scope="module")
def client(corpus) -> TestClient:
    app = create_app(corpus, token=TOKEN)
    with TestClient(app) as c:
        yield c
    app.state.web.close()


@pytest.fixture()
def writable(analyses, tmp_path) -> TestClient:
    """A client on a database of its own, for tests that ingest or delete."""
    app = create_app(build_db(tmp_path / "own.db", analyses), token=TOKEN)
    with TestClient(app) as c:
        yield c
    app.state.web.close()


def ids_by_name(client: TestClient) -> dict[str, int]:
    items = client.get("/api/articles", params={"limit": 100}).json()["items"]
    return {item["outlet"] or item["name"]: item["id"] for item in items}


def article_id(client: TestClient, url: str) -> int:
    items = client.get("/api/articles", params={"limit": 100}).json()["items"]
    return next(item["id"] for item in items if item["url"] == url)


AUTH = {"Authorization": f"Bearer {TOKEN}"}

# ---------------------------------------------------------------------------- HTML helpers


class _TextOf(HTMLParser):
    """Collects the text inside the element with ``id=target`` (entities decoded) and its spans."""

    def __init__(self, target: str) -> None:
        super().__init__(convert_charrefs=True)
        self.target = target
        self.depth = 0
        self.text: list[str] = []
        self.spans: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self.depth:
            self.depth += 1
            if tag == "span":
                self.spans.append(a)
        elif a.get("id") == self.target:
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.text.append(data)


def text_of(page: str, element_id: str) -> tuple[str, list[dict[str, str | None]]]:
    parser = _TextOf(element_id)
    parser.feed(page)
    return "".join(parser.text), parser.spans


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])  # type: ignore[arg-type]
        if tag in ("input", "textarea", "select") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.labels.add(a["for"])  # type: ignore[arg-type]


def assert_accessible_forms(page: str) -> None:
    forms = _Forms()
    forms.feed(page)
    for control in forms.controls:
        assert control.get("id") in forms.labels, f"form control without a <label for>: {control}"
    duplicates = {i for i in forms.ids if forms.ids.count(i) > 1}
    assert not duplicates, f"duplicate element ids: {duplicates}"


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def assert_inert(body: str) -> None:
    """No hostile markup survives: no script but ours, no event handlers, no javascript: links,
    no inline styles (the CSP would block them, but they must not be there at all)."""
    for raw in RAW_MARKUP:
        assert raw not in body, f"raw markup {raw!r} in the response"
    elements = _Elements()
    elements.feed(body)
    for tag, attrs in elements.found:
        assert tag not in ("img", "iframe", "object", "embed", "style", "base", "form") or (
            tag == "form" and (attrs.get("action") or "").startswith("/")
        ), (tag, attrs)
        if tag == "script":
            assert attrs.get("src") == "/static/app.js", attrs
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, name, value)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                assert not scheme.startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)


# ---------------------------------------------------------------------------- highlight segments


@st.composite
def analyses_of_text(draw: st.DrawFn) -> Analysis:
    """Arbitrary text with arbitrary (overlapping, nested, empty, out-of-range) spans."""
    text = draw(st.text(max_size=120))
    n = len(text)
    offset = st.integers(min_value=-5, max_value=n + 5)

    def span() -> Span:
        a, b = draw(offset), draw(offset)
        s, e = max(0, min(a, n)), max(0, min(b, n))
        return Span(start=a, end=b, text=text[s:e] if s <= e else "")

    def linked() -> LinkedSpan | None:
        if draw(st.booleans()):
            return None
        s = span()
        return LinkedSpan(start=s.start, end=s.end, text=s.text, entity=draw(st.sampled_from([None, "E1"])))

    attributions = [
        Attribution(id=f"A{i}", kind="direct", source=linked(), cue=span(),
                    content=[span() for _ in range(draw(st.integers(0, 3)))], addressee=linked())
        for i in range(draw(st.integers(0, 5)))
    ]
    authorial = [span() for _ in range(draw(st.integers(0, 3)))]
    return Analysis(article=Article(text=text), attributions=attributions, authorial=authorial)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(analyses_of_text())
def test_web_highlight_segments_concatenate_to_the_text(analysis):
    text = analysis.article.text
    segs = segments(analysis)
    assert "".join(s.text for s in segs) == text
    position = 0
    for s in segs:
        assert s.start == position and s.end > s.start and text[s.start : s.end] == s.text
        position = s.end
    assert position == len(text)


@settings(max_examples=300, deadline=None)
@given(analyses_of_text())
def test_web_highlight_roles_cover_exactly_the_spans(analysis):
    """Every character inside a span of an attribution lies in a segment carrying that role and id;
    every role a segment claims comes from a span that covers it."""
    text = analysis.article.text
    segs = segments(analysis)
    covered: dict[int, set[tuple[str, str]]] = {i: set() for i in range(len(text))}
    for a in analysis.attributions:
        parts = [("cue", a.cue), *(("content", c) for c in a.content)]
        parts += [(r, s) for r, s in (("source", a.source), ("addressee", a.addressee)) if s is not None]
        for role, s in parts:
            for i in range(max(0, s.start), min(len(text), s.end)):
                covered[i].add((role, a.id))
    for seg in segs:
        for i in range(seg.start, seg.end):
            assert {r for r, _ in covered[i]} == set(seg.roles)
            assert {a for _, a in covered[i]} == set(seg.attributions)
        assert list(seg.roles) == sorted(seg.roles, key=ROLES.index)
        if seg.roles:
            assert (seg.role, seg.attribution) in covered[seg.start]


def test_web_highlight_innermost_attribution_leads():
    """A nested attribution's cue inside another's content: the segment shows the inner cue."""
    text = "She said he claimed it was fine."
    outer = Attribution(id="A1", kind="indirect", source=LinkedSpan(start=0, end=3, text="She"),
                        cue=Span(start=4, end=8, text="said"), content=[Span(start=9, end=31, text=text[9:31])])
    inner = Attribution(id="A2", kind="indirect", source=LinkedSpan(start=9, end=11, text="he"),
                        cue=Span(start=12, end=19, text="claimed"),
                        content=[Span(start=20, end=31, text=text[20:31])], parent="A1")
    segs = {s.text: s for s in segments(Analysis(article=Article(text=text), attributions=[outer, inner]))}
    assert segs["claimed"].role == "cue" and segs["claimed"].attribution == "A2"
    assert set(segs["claimed"].roles) == {"cue", "content"}
    assert segs["it was fine"].attribution == "A2" and segs["it was fine"].attributions == ("A2", "A1")
    assert segs["She"].anchors == ("A1",) and segs["he"].anchors == ("A2",)


def test_web_highlight_real_analysis_keeps_offsets(analyses):
    for analysis, _ in analyses:
        segs = segments(analysis)
        assert "".join(s.text for s in segs) == analysis.article.text
        ids = {a.id for a in analysis.attributions}
        assert {s.attribution for s in segs if s.highlighted} == ids
        assert any(s.authorial for s in segs) == bool(analysis.authorial)


# ---------------------------------------------------------------------------- analyze


def test_web_analyze_json_gives_an_analysis_with_sacred_offsets(client):
    r = client.post("/api/analyze", json={"text": SCHOOL, "published": "2024-06-10"})
    assert r.status_code == 200
    analysis = Analysis.model_validate(r.json())
    assert analysis.article.text == SCHOOL and analysis.article.published == "2024-06-10"
    analysis.check_offsets()
    assert {a.cue.text for a in analysis.attributions} >= {"said", "claimed"}


def test_web_analyze_stores_nothing(client):
    before = client.get("/api/articles", params={"limit": 500}).json()["items"]
    assert client.post("/api/analyze", json={"text": "Officials said the road will reopen."}).status_code == 200
    assert client.get("/api/articles", params={"limit": 500}).json()["items"] == before


def test_web_analyze_upload_text_and_html(client):
    r = client.post("/api/analyze", files={"file": ("school.txt", SCHOOL.encode(), "text/plain")})
    assert r.status_code == 200 and r.json()["article"]["text"] == SCHOOL
    page = ("<html><head><title>Bridge to reopen</title></head><body><article><h1>Bridge to reopen</h1>"
            "<p>Engineer Sara Holt said the bridge would reopen on Friday after repairs.</p>"
            "<p>The bridge carries 20,000 cars a day.</p></article></body></html>")
    r = client.post("/api/analyze", files={"file": ("page.html", page.encode(), "text/html")})
    assert r.status_code == 200
    analysis = Analysis.model_validate(r.json())
    analysis.check_offsets()
    assert "<p>" not in analysis.article.text and "Sara Holt" in analysis.article.text
    r = client.post("/api/analyze", json={"text": page})  # format auto: recognised as HTML
    assert r.status_code == 200 and "<p>" not in r.json()["article"]["text"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"json": {"text": "   \n "}}, "E001"),
        ({"json": {"text": "Officials said so.", "published": "last Tuesday"}}, "E011"),
        ({"json": {"published": "2024-01-01"}}, "invalid"),
        ({"json": {"text": 42}}, "invalid"),
        ({"json": ["not", "an", "object"]}, "invalid"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "invalid"),
        ({"files": {"file": ("x.bin", b"\x00\x01\x02\xff" * 200, "application/octet-stream")}}, "E002"),
        ({"files": {"file": ("empty.txt", b"", "text/plain")}}, "E001"),
        ({"data": {"published": "2024-01-01"}}, "invalid"),
    ],
)
def test_web_analyze_rejects_bad_input_with_422(client, kwargs, code):
    r = client.post("/api/analyze", **kwargs)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]


def test_web_analyze_unsupported_media_type_415(client):
    r = client.post("/api/analyze", content=b"text", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"


def test_web_analyze_too_large_413(corpus):
    app = create_app(corpus, max_bytes=2_000)
    with TestClient(app) as c:
        big = "Officials said the plan works. " * 100
        assert c.post("/api/analyze", json={"text": big[:1500]}).status_code == 200
        r = c.post("/api/analyze", json={"text": big})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        r = c.post("/api/analyze", files={"file": ("big.txt", big.encode(), "text/plain")})
        assert r.status_code == 413
        # No Content-Length (chunked): counted while reading.
        r = c.post("/api/analyze", content=iter([big.encode()[:1500], big.encode()[1500:]]),
                   headers={"content-type": "application/json"})
        assert r.status_code == 413
        r = c.post("/analyze", data={"text": big})
        assert r.status_code == 413 and "text/html" in r.headers["content-type"]
        assert c.post("/api/ingest", json=[{"text": big}]).status_code == 413
    app.state.web.close()


def test_web_analyze_page_highlights_the_text(client):
    r = client.post("/analyze", data={"text": HARBOR, "published": "2024-03-05"})
    assert r.status_code == 200
    page = r.text
    shown, spans = text_of(page, "article-text")
    assert shown == HARBOR  # the highlighted view is exactly the article text, every character
    segs = [s for s in spans if "seg" in (s.get("class") or "").split()]
    assert segs, "no highlighted spans"
    roles = {c for s in segs for c in (s["class"] or "").split() if c.startswith("role-")}
    assert roles >= {"role-source", "role-cue", "role-content", "role-addressee"}
    for s in segs:
        assert s["tabindex"] == "0" and s["data-attribution-id"]
        assert f'id="detail-{s["data-attribution-id"]}"' in page
        assert s["aria-describedby"] == f"detail-{s['data-attribution-id']}"
        assert s["title"]
    assert any("authorial" in (s.get("class") or "").split() for s in spans)
    # The detail names the speaker with titles, the cue with its stance, and the addressee.
    detail, _ = text_of(page, "attribution-details")
    assert "Dana Whitlock" in detail and "Port commissioner" in detail
    assert "warned" in detail and "stance: emphatic" in detail and "Addressed to:" in detail
    assert_accessible_forms(page)
    assert_inert(page)


def test_web_analyze_page_upload_and_errors(client):
    r = client.post("/analyze", files={"file": ("school.txt", SCHOOL.encode(), "text/plain")},
                    data={"text": ""})
    assert r.status_code == 200
    assert text_of(r.text, "article-text")[0] == SCHOOL
    r = client.post("/analyze", data={"text": "  "})
    assert r.status_code == 422 and 'id="analyze-error"' in r.text
    assert "paste or upload an article" in r.text and "E001" not in r.text and "file is empty" not in r.text
    r = client.post("/analyze", data={"text": "Officials said so.", "published": "soon"})
    assert r.status_code == 422 and "E011" in r.text
    assert client.get("/analyze").status_code == 200


def test_web_analyze_page_renders_hostile_text_inert(client):
    r = client.post("/analyze", data={"text": XSS})
    assert r.status_code == 200
    assert text_of(r.text, "article-text")[0] == XSS
    assert_inert(r.text)
    r = client.post("/api/analyze", json={"text": XSS})
    assert r.status_code == 200 and "<" not in r.text and ">" not in r.text  # escaped as \u003c
    assert r.json()["article"]["text"] == XSS


# ---------------------------------------------------------------------------- security headers, schema


def test_web_security_headers_on_every_response(client):
    responses = [
        client.get("/"), client.get("/analyze"), client.get("/static/app.css"), client.get("/static/app.js"),
        client.get("/api/openapi.json"), client.get("/api/articles"), client.get("/nowhere"),
        client.get("/api/articles/999999"), client.post("/api/ingest", json=[{"text": "x"}]),
        client.post("/api/analyze", json={}),
    ]
    for r in responses:
        assert r.headers["content-security-policy"] == CSP, r.url
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP


def test_web_internal_errors_are_coded_500_with_headers(corpus, monkeypatch):
    from newsgraph.web import data

    def boom(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(data, "list_articles", boom)
    app = create_app(corpus)
    with TestClient(app) as c:
        r = c.get("/api/articles")
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal"
        assert "on fire" not in r.text and r.headers["content-security-policy"] == CSP
        r = c.get("/articles")
        assert r.status_code == 500 and "text/html" in r.headers["content-type"]
        assert r.headers["content-security-policy"] == CSP
    app.state.web.close()


def test_web_openapi_lists_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    expected = {
        "/api/analyze": {"post"}, "/api/articles": {"get"}, "/api/articles/{article_id}": {"get", "delete"},
        "/api/quotes": {"get"}, "/api/actors": {"get"}, "/api/actors/{actor_id}": {"get"},
        "/api/actor": {"get"}, "/api/search": {"get"}, "/api/ingest": {"post"}, "/api/network": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths and methods <= set(paths[path]), path
    assert not any(p.startswith(("/articles", "/quotes", "/analyze")) for p in paths)  # pages are not API
    quote_params = {p["name"] for p in paths["/api/quotes"]["get"]["parameters"]}
    assert quote_params >= {"speaker", "outlet", "since", "until", "search", "copies", "limit", "offset"}
    assert "multipart/form-data" in paths["/api/analyze"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 404  # no CDN-loading Swagger UI


# ---------------------------------------------------------------------------- articles


def test_web_articles_paginate_newest_first(client):
    first = client.get("/api/articles", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_offset"] == 2
    rest = client.get("/api/articles", params={"limit": 2, "offset": 2}).json()
    everything = client.get("/api/articles", params={"limit": 100}).json()
    assert everything["next_offset"] is None
    assert [a["id"] for a in first["items"] + rest["items"]] == [a["id"] for a in everything["items"][:4]]
    dates = [a["published"] for a in everything["items"]]
    assert dates == sorted(dates, reverse=True)
    assert client.get("/api/articles", params={"limit": 0}).status_code == 422
    assert client.get("/api/articles", params={"limit": 100000}).status_code == 422
    assert client.get("/api/articles", params={"offset": -1}).status_code == 422


def test_web_article_detail_rebuilds_the_analysis(client, analyses):
    harbor = article_id(client, "https://harbor.example/dredging")
    body = client.get(f"/api/articles/{harbor}").json()
    analysis = Analysis.model_validate(body["analysis"])
    analysis.check_offsets()
    original = analyses[0][0]
    assert analysis.article.text == original.article.text
    assert analysis.article.outlet == "Harbor Times" and analysis.article.authors == ["Ida Marsh"]
    assert sorted((a.cue.start, a.cue.end) for a in analysis.attributions) == sorted(
        (a.cue.start, a.cue.end) for a in original.attributions)
    assert set(body["attribution_ids"]) == {a.id for a in analysis.attributions}
    copy = article_id(client, "https://wire.example/dredging")
    assert [d["id"] for d in body["near_duplicates"]] == [copy]
    assert client.get(f"/api/articles/{copy}").json()["copy_of"] == harbor


def test_web_article_404_and_bad_id(client):
    r = client.get("/api/articles/987654")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/api/articles/abc").status_code == 422
    r = client.get("/articles/987654")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert client.get("/api/actors/987654").status_code == 404
    assert client.get("/actors/987654").status_code == 404
    for huge in ("99999999999999999999999", "0", "-3"):
        assert client.get(f"/api/articles/{huge}").status_code == 422
        assert client.get(f"/articles/{huge}").status_code == 422
        assert client.get(f"/api/actors/{huge}").status_code == 422
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_web_article_page_shows_metadata_highlights_and_duplicates(client):
    harbor = article_id(client, "https://harbor.example/dredging")
    copy = article_id(client, "https://wire.example/dredging")
    r = client.get(f"/articles/{harbor}")
    assert r.status_code == 200
    page = r.text
    assert text_of(page, "article-text")[0] == HARBOR
    assert text_of(page, "article-outlet")[0] == "Harbor Times"
    assert text_of(page, "article-published")[0].startswith("2024-03-05")
    assert text_of(page, "article-authors")[0] == "Ida Marsh"
    assert 'href="https://harbor.example/dredging"' in page
    assert f'href="/articles/{copy}"' in text_of_html(page, "near-duplicates")
    body = client.get(f"/api/articles/{harbor}").json()
    for row_id in body["attribution_ids"].values():
        assert f'id="attribution-{row_id}"' in page  # the targets of links from quotes and actor pages
    whitlock = next(e for e in body["analysis"]["entities"] if e["name"] == "Dana Whitlock")
    assert f'href="/actors/{body["actor_ids"][whitlock["id"]]}"' in page  # speakers link to actor pages
    authorial = body["analysis"]["authorial"]
    assert authorial and all(HARBOR[a["start"] : a["end"]] == a["text"] for a in authorial)
    assert 'class="authorial"' in page  # the author's own sentences are styled on stored articles too
    assert_accessible_forms(page)


# ---------------------------------------------------------------------------- quotes, actors, search


def test_web_quotes_filters(client):
    everything = client.get("/api/quotes", params={"limit": 500}).json()["items"]
    assert everything and all(q["context"].startswith(f"/articles/{q['article_id']}#attribution-")
                              for q in everything)
    by_speaker = client.get("/api/quotes", params={"speaker": "dana whitlock"}).json()["items"]
    assert by_speaker and {q["speaker"] for q in by_speaker} == {"Dana Whitlock"}
    assert len(by_speaker) == sum(q["speaker"] == "Dana Whitlock" for q in everything)
    by_outlet = client.get("/api/quotes", params={"outlet": "city post"}).json()["items"]
    assert by_outlet and {q["outlet"] for q in by_outlet} == {"City Post"}
    june = client.get("/api/quotes", params={"since": "2024-06-01", "until": "2024-06-30"}).json()["items"]
    assert june and all("2024-06-01" <= q["published"] <= "2024-06-30" for q in june)
    searched = client.get("/api/quotes", params={"search": "classroom"}).json()["items"]
    assert searched and all("classroom" in q["content"].lower() for q in searched)
    with_copies = client.get("/api/quotes", params={"speaker": "Whitlock", "limit": 500}).json()["items"]
    without = client.get("/api/quotes", params={"speaker": "Whitlock", "copies": "false"}).json()["items"]
    assert len(without) < len(with_copies) and all(q["copy_of"] is None for q in without)
    r = client.get("/api/quotes", params={"since": "not a date"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "E011"


def test_web_quotes_paginate_without_overlap(client):
    total = client.get("/api/quotes", params={"limit": 500}).json()["items"]
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        body = client.get("/api/quotes", params={"limit": 3, "offset": offset}).json()
        assert len(body["items"]) <= 3
        seen.extend(q["attribution_id"] for q in body["items"])
        offset = body["next_offset"]
    assert seen == [q["attribution_id"] for q in total]


def test_web_actors_and_actor_detail(client):
    top = client.get("/api/actors", params={"top": 3}).json()["items"]
    assert len(top) == 3
    assert [a["statements"] for a in top] == sorted((a["statements"] for a in top), reverse=True)
    whitlock = client.get("/api/actor", params={"name": "Dana Whitlock"}).json()
    assert whitlock["name"] == "Dana Whitlock"
    assert any(t["title"] == "Port commissioner" for t in whitlock["titles"])
    assert {o["outlet"] for o in whitlock["outlets"]} == {"Harbor Times", "Coast Wire"}
    assert whitlock["statements"] and all(s["context"].startswith("/articles/") for s in whitlock["statements"])
    by_id = client.get(f"/api/actors/{whitlock['actor_id']}").json()
    assert by_id == whitlock
    fenwick = client.get("/api/actor", params={"name": "marcus fenwick"}).json()
    assert any(r["name"] == "Dana Whitlock" for r in fenwick["addresses"])
    assert any(r["name"] == "Marcus Fenwick" for r in whitlock["addressed_by"])
    r = client.get("/api/actor", params={"name": "Nobody Atall"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get("/api/actor").status_code == 422
    assert client.get("/api/actors", params={"top": 0}).status_code == 422


def test_web_actor_name_shared_by_several_lists_them(nlp, tmp_path):
    texts = [
        ("Plan Fails\n\nSenator John Smith said the plan failed. Smith said he was sorry.\n", "2024-01-01"),
        ("Road Opens\n\nDoctor Jane Smith said the road opened. Smith said it was safe.\n", "2024-01-02"),
    ]
    db = build_db(tmp_path / "smiths.db", [(_analysed(t, d), f"s{i}") for i, (t, d) in enumerate(texts)])
    app = create_app(db)
    with TestClient(app) as c:
        r = c.get("/api/actor", params={"name": "smith"})
        assert r.status_code == 300 and r.json()["error"]["code"] == "ambiguous"
        names = {cand["name"] for cand in r.json()["error"]["candidates"]}
        assert {"John Smith", "Jane Smith"} <= names
        page = c.get("/actor", params={"name": "smith"})
        assert page.status_code == 200
        for cand in r.json()["error"]["candidates"]:
            assert f'href="/actors/{cand["actor_id"]}"' in text_of_html(page.text, "actor-candidates")
        john = next(cand for cand in r.json()["error"]["candidates"] if cand["name"] == "John Smith")
        assert c.get("/api/actor", params={"name": "john smith"}).json()["actor_id"] == john["actor_id"]
    app.state.web.close()


def text_of_html(page: str, element_id: str) -> str:
    """The raw markup of the element with this id (up to its closing tag; no nesting of the same tag)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, element_id
    return match.group(2)


def test_web_actor_page_shows_titles_timeline_and_links(client):
    whitlock = client.get("/api/actor", params={"name": "Dana Whitlock"}).json()
    r = client.get(f"/actors/{whitlock['actor_id']}")
    assert r.status_code == 200
    page = r.text
    assert text_of(page, "actor-name")[0] == "Dana Whitlock"
    assert "Port commissioner" in text_of(page, "actor-titles")[0]
    bars = re.findall(r'<rect class="bar"[^>]*data-period="([^"]+)" data-count="(\d+)"', page)
    assert bars and sum(int(n) for _, n in bars) == whitlock["statements_total"]
    for s in whitlock["statements"]:
        assert f'href="{s["context"]}"' in page
    assert "Marcus Fenwick" in text_of(page, "actor-addressed-by")[0]
    assert "Harbor Times" in text_of(page, "actor-quoted-by")[0]
    r = client.get("/actor", params={"name": "dana whitlock"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/actors/{whitlock['actor_id']}"
    assert client.get("/actor", params={"name": "Nobody Atall"}).status_code == 404


def test_web_timeline_bars_fill_the_months():
    from newsgraph.web.pages import timeline_bars

    chart = timeline_bars([("2023-11", 2), ("2024-02", 5), ("undated", 1)])
    assert [b.label for b in chart["bars"]] == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert [b.count for b in chart["bars"]] == [2, 0, 0, 5] and chart["undated"] == 1
    tallest = max(chart["bars"], key=lambda b: b.height)
    assert tallest.label == "2024-02" and all(b.y + b.height <= chart["height"] for b in chart["bars"])
    yearly = timeline_bars([("2001-01", 1), ("2020-06", 3)])
    assert yearly["bars"][0].label == "2001" and len(yearly["bars"]) == 20
    assert timeline_bars([("undated", 4)])["bars"] == []


def test_web_search_finds_actors_quotes_and_articles(client):
    body = client.get("/api/search", params={"q": "Ortiz"}).json()
    assert [a["name"] for a in body["actors"]] == ["Elena Ortiz"]
    body = client.get("/api/search", params={"q": "dredging"}).json()
    assert {a["outlet"] for a in body["articles"]} == {"Harbor Times", "Coast Wire"}
    assert all("Dredging" in a["title"] for a in body["articles"])
    assert client.get("/api/search", params={"q": "classroom"}).json()["quotes"]
    assert client.get("/api/search").status_code == 422
    r = client.get("/search", params={"q": "Ortiz"})
    assert r.status_code == 200 and "Elena Ortiz" in text_of(r.text, "search-actors")[0]


def test_web_network_nodes_edges_and_dates(client):
    net = client.get("/api/network").json()
    names = {n["id"]: n["name"] for n in net["nodes"]}
    assert {"Dana Whitlock", "Marcus Fenwick", "Elena Ortiz"} <= set(names.values())
    assert all(0 <= n["x"] <= 1000 and 0 <= n["y"] <= 1000 for n in net["nodes"])
    kinds = {(names[e["source"]], names[e["target"]], e["kind"]) for e in net["edges"]}
    assert ("Marcus Fenwick", "Dana Whitlock", "addresses") in kinds
    co = {frozenset((names[e["source"]], names[e["target"]])) for e in net["edges"] if e["kind"] == "co-quoted"}
    assert frozenset(("Dana Whitlock", "Marcus Fenwick")) in co
    assert frozenset(("Dana Whitlock", "Elena Ortiz")) not in co
    june = client.get("/api/network", params={"since": "2024-06-01", "until": "2024-06-30"}).json()
    assert {n["name"] for n in june["nodes"]} >= {"Elena Ortiz"}
    assert "Dana Whitlock" not in {n["name"] for n in june["nodes"]}
    r = client.get("/network", params={"since": "2024-03-01", "until": "2024-03-31"})
    assert r.status_code == 200 and 'id="network-graph"' in r.text
    assert "Dana Whitlock" in r.text and "Elena Ortiz" not in r.text
    assert re.search(r'<line class="edge edge-addresses"[^>]*marker-end="url\(#arrowhead\)"', r.text)
    assert client.get("/network", params={"since": "nope"}).status_code == 422


# ---------------------------------------------------------------------------- pages


def test_web_every_page_renders_with_labels(client):
    harbor = article_id(client, "https://harbor.example/dredging")
    whitlock = client.get("/api/actor", params={"name": "Dana Whitlock"}).json()["actor_id"]
    pages = {
        "/": "corpus-counts", "/analyze": "analyze-form", "/articles": "articles-results",
        f"/articles/{harbor}": "article-text", "/quotes": "quotes-results", "/actors": "actors-results",
        f"/actors/{whitlock}": "timeline-chart", "/network": "network-graph", "/search?q=board": "search-form",
        "/login": "login-form",
    }
    for path, element in pages.items():
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")
        assert f'id="{element}"' in r.text, path
        assert '<html lang="en">' in r.text
        assert_accessible_forms(r.text)
        assert_inert(r.text)


def test_web_quotes_page_filters_and_paginates(client):
    r = client.get("/quotes", params={"speaker": "Elena Ortiz", "filtered": "1", "copies": "1", "limit": 1})
    assert r.status_code == 200
    rows = re.findall(r'<tr class="quote-row', r.text)
    assert len(rows) == 1 and 'id="next-page"' in r.text
    nxt = html.unescape(re.search(r'id="next-page"[^>]*href="([^"]+)"', r.text).group(1))
    assert "speaker=Elena+Ortiz" in nxt and "offset=1" in nxt
    second = client.get(nxt)
    assert second.status_code == 200 and 'id="prev-page"' in second.text
    r = client.get("/quotes", params={"since": "yesterday"})
    assert r.status_code == 422 and 'id="quotes-error"' in r.text


def test_web_hostile_article_renders_inert_everywhere(client):
    xss = article_id(client, "javascript:alert('url')")
    bell = client.get("/api/actor", params={"name": "Nora Bell"}).json()["actor_id"]
    hand = client.get("/api/search", params={"q": "Zed"}).json()["actors"][0]["actor_id"]
    for path in [f"/articles/{xss}", "/articles", "/quotes", "/quotes?search=letter", f"/actors/{bell}",
                 f"/actors/{hand}", "/actors", "/network", "/search?q=Zed", "/search?q=council", "/",
                 "/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/quotes?speaker=%3Cimg%20src=x%20onerror=alert(1)%3E"]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert_inert(r.text)
    page = client.get(f"/articles/{xss}").text
    assert text_of(page, "article-text")[0] == XSS
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page  # shown as text
    assert text_of(page, "article-url")[0] == "javascript:alert('url')"  # as text, not a link
    assert 'href="javascript' not in page.lower()
    assert "&lt;svg onload" in client.get(f"/actors/{hand}").text
    for path in [f"/api/articles/{xss}", "/api/quotes", f"/api/actors/{hand}", "/api/network", "/api/search?q=Zed"]:
        body = client.get(path).text
        assert "<" not in body and ">" not in body, path


def test_web_external_url_allows_only_http_and_https():
    from newsgraph.web.pages import external_url

    assert external_url("https://example.org/a?b=1") == "https://example.org/a?b=1"
    assert external_url("http://example.org") == "http://example.org"
    for bad in ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>", "vbscript:x", "//evil.org",
                "/relative", "https://", "http://exa mple.org", "https://a.org/\nx", "", None, "ftp://a.org"]:
        assert external_url(bad) is None, bad


SQL_INJECTIONS = [
    "' OR '1'='1", "'; DROP TABLE articles; --", '" OR 1=1 --', "1; DELETE FROM attributions",
    "%' UNION SELECT text FROM articles --", "Robert'); DROP TABLE actors;--", "\\", "%", "_", "*",
    '"unbalanced', "NEAR(a b)", "a OR b", "content_text:x", "\x00", "'))--",
]


def test_web_sql_injection_strings_are_harmless(client):
    before = client.get("/api/articles", params={"limit": 500}).json()["items"]
    quotes_before = len(client.get("/api/quotes", params={"limit": 500}).json()["items"])
    for s in SQL_INJECTIONS:
        for param in ("speaker", "outlet", "search"):
            r = client.get("/api/quotes", params={param: s})
            assert r.status_code == 200, (param, s, r.text)
            assert r.json()["items"] == [] or param == "search", (param, s)
        for param in ("since", "until"):
            r = client.get("/api/quotes", params={param: s})
            assert r.status_code == 422 and r.json()["error"]["code"] in ("E011", "invalid"), (param, s)
        assert client.get("/api/articles", params={"outlet": s}).json()["items"] == []
        assert client.get("/api/search", params={"q": s}).status_code == 200
        assert client.get("/api/actor", params={"name": s}).status_code in (404, 422)
        assert client.get("/api/network", params={"since": s}).status_code == 422
        for path in ("/quotes", "/articles", "/search", "/network", "/actor"):
            r = client.get(path, params={"speaker": s, "outlet": s, "search": s, "q": s, "name": s})
            assert r.status_code in (200, 404, 422), (path, s)
        assert client.get(f"/api/articles/{quote(s, safe='')}").status_code in (404, 422)
    assert client.get("/api/articles", params={"limit": 500}).json()["items"] == before
    assert len(client.get("/api/quotes", params={"limit": 500}).json()["items"]) == quotes_before


# ---------------------------------------------------------------------------- tokens, writing


def test_web_writes_need_the_token(writable):
    some = writable.get("/api/articles").json()["items"][0]["id"]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                    {"Authorization": f"Bearer {TOKEN}x"}):
        r = writable.post("/api/ingest", json=[{"text": "Officials said so."}], headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
        assert writable.delete(f"/api/articles/{some}", headers=headers).status_code == 401
    assert writable.get(f"/api/articles/{some}").status_code == 200  # still there


def test_web_writing_disabled_without_a_server_token(corpus):
    app = create_app(corpus)
    with TestClient(app) as c:
        r = c.post("/api/ingest", json=[{"text": "Officials said so."}], headers=AUTH)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        assert c.delete("/api/articles/1", headers=AUTH).status_code == 403
    app.state.web.close()


def test_web_token_compared_in_constant_time(monkeypatch):
    import hmac

    from newsgraph.web import WebState

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    web = WebState(None, "sekrit", False, 100)
    assert web.token_ok("sekrit") and not web.token_ok("sekrit2") and not web.token_ok(None)
    assert calls and all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in calls)


def test_web_ingest_json_and_upload_store_articles(writable):
    before = len(writable.get("/api/articles", params={"limit": 500}).json()["items"])
    records = [
        {"id": "bridge", "title": "Bridge Reopens", "text": "Engineer Sara Holt said the bridge would reopen on "
         "Friday.\n\nThe bridge carries 20,000 cars a day.", "outlet": "Valley News", "published": "2024-08-01",
         "url": "https://valley.example/bridge"},
        {"text": "Farmers said the rain came too late for the wheat harvest.", "published": "2024-08-02"},
    ]
    r = writable.post("/api/ingest", json=records, headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json() | {"errors": []} == {"stored": 2, "skipped": 0, "duplicates": 0, "failed": 0, "errors": [],
                                         "warnings": []}
    again = writable.post("/api/ingest", json=records, headers=AUTH).json()
    assert again["stored"] == 0 and again["skipped"] == 2
    items = writable.get("/api/articles", params={"limit": 500}).json()["items"]
    assert len(items) == before + 2
    holt = writable.get("/api/quotes", params={"speaker": "Sara Holt"}).json()["items"]
    assert holt and holt[0]["outlet"] == "Valley News"
    upload = "Drought Hits Valley\n\nHydrologist Mia Chen warned that the reservoir was at its lowest level.\n"
    r = writable.post("/api/ingest", files={"file": ("drought.txt", upload.encode(), "text/plain")},
                      data={"published": "2024-08-03"}, headers=AUTH)
    assert r.status_code == 200 and r.json()["stored"] == 1
    assert writable.get("/api/quotes", params={"speaker": "Mia Chen"}).json()["items"][0]["published"] == "2024-08-03"
    bad = writable.post("/api/ingest", json=[{"title": "no text"}], headers=AUTH).json()
    assert bad["failed"] == 1 and bad["errors"] and "E008" in bad["errors"][0] and "/tmp" not in bad["errors"][0]
    for body in ([], {"x": 1}, ["text"]):
        assert writable.post("/api/ingest", json=body, headers=AUTH).status_code == 422
    assert writable.post("/api/ingest", json=records, params={"published": "someday"}, headers=AUTH).status_code == 422
    r = writable.post("/api/ingest", content=b"x", headers={**AUTH, "content-type": "text/plain"})
    assert r.status_code == 415


def test_web_delete_removes_the_article_and_its_rows(writable):
    harbor = article_id(writable, "https://harbor.example/dredging")
    copy = article_id(writable, "https://wire.example/dredging")
    school = article_id(writable, "https://city.example/schools")
    ortiz = writable.get("/api/actor", params={"name": "Elena Ortiz"}).json()["actor_id"]
    r = writable.delete(f"/api/articles/{school}", headers=AUTH)
    assert r.status_code == 204 and r.content == b""
    assert writable.get(f"/api/articles/{school}").status_code == 404
    assert writable.delete(f"/api/articles/{school}", headers=AUTH).status_code == 404
    assert writable.get("/api/quotes", params={"outlet": "City Post"}).json()["items"] == []
    assert writable.get("/api/quotes", params={"search": "classroom"}).json()["items"] == []  # FTS follows
    assert writable.get(f"/api/actors/{ortiz}").status_code == 404  # no mention left anywhere
    # Deleting an original: its copy becomes the original and keeps its statements.
    assert writable.delete(f"/api/articles/{harbor}", headers=AUTH).status_code == 204
    remaining = writable.get(f"/api/articles/{copy}").json()
    assert remaining["copy_of"] is None and remaining["near_duplicates"] == []
    whitlock = writable.get("/api/actor", params={"name": "Dana Whitlock"}).json()
    assert {o["outlet"] for o in whitlock["outlets"]} == {"Coast Wire"}
    # The store still accepts the same text again (its near-duplicate index forgot the deleted rows).
    r = writable.post("/api/ingest", json=[{"text": HARBOR, "published": "2024-03-05"}], headers=AUTH)
    assert r.status_code == 200 and r.json()["stored"] == 1 and r.json()["failed"] == 0
    from newsgraph.store import open_store

    with open_store(writable.app.state.web.db) as store, store.engine.connect() as conn:
        import sqlalchemy as sa

        for table in ("attributions", "mentions", "actor_titles"):
            orphans = conn.execute(sa.text(
                f"SELECT count(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)")).scalar()
            assert orphans == 0, table
        dangling = conn.execute(sa.text(
            "SELECT count(*) FROM articles WHERE copy_of IS NOT NULL AND copy_of NOT IN (SELECT id FROM articles)"
        )).scalar()
        assert dangling == 0


def test_web_private_mode_needs_the_token_for_reading(corpus):
    app = create_app(corpus, token=TOKEN, private=True)
    with TestClient(app) as c:
        for path in ("/api/articles", "/api/quotes", "/api/openapi.json"):
            r = c.get(path)
            assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
            assert c.get(path, headers={"Authorization": "Bearer nope"}).status_code == 401
            assert c.get(path, headers=AUTH).status_code == 200
        r = c.get("/quotes")
        assert r.status_code == 401 and 'href="/login"' in r.text
        assert c.post("/api/analyze", json={"text": "Officials said so."}).status_code == 401
        assert c.get("/static/app.css").status_code == 200
        assert c.get("/login").status_code == 200
        assert c.post("/login", data={"token": "wrong"}).status_code == 401
        r = c.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303
        cookie = r.cookies.get("newsgraph_session")
        assert cookie and TOKEN not in cookie
        assert c.get("/quotes").status_code == 200  # the cookie now opens the pages
        c.cookies.clear()
        c.cookies.set("newsgraph_session", "forged")
        assert c.get("/quotes").status_code == 401
    app.state.web.close()
    with pytest.raises(ValueError):
        create_app(corpus, private=True)


# ---------------------------------------------------------------------------- a real server


def test_web_server_in_a_thread_serves_pages(corpus):
    from newsgraph.web.server import running

    app = create_app(corpus)
    with running(app) as base:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        r = httpx.get(base + "/quotes", timeout=10)
        assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
        assert httpx.get(base + "/api/actors", timeout=10).json()["items"]
    with pytest.raises(httpx.TransportError):
        httpx.get(base + "/", timeout=2)
    app.state.web.close()


def test_web_serve_command_is_wired(monkeypatch, corpus):
    from typer.testing import CliRunner

    from newsgraph.cli import app as cli

    seen: dict[str, Any] = {}

    def fake_serve(app, host, port):
        seen.update(app=app, host=host, port=port)

    monkeypatch.setattr("newsgraph.web.server.serve", fake_serve)
    monkeypatch.setenv("NEWSGRAPH_TOKEN", "from-env")
    result = CliRunner().invoke(cli, ["serve", "--db", corpus, "--port", "8123", "--private"])
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1"
    web = seen["app"].state.web
    assert web.token == "from-env" and web.private
    web.close()
    monkeypatch.delenv("NEWSGRAPH_TOKEN")
    result = CliRunner().invoke(cli, ["serve", "--db", corpus, "--private"])
    assert result.exit_code == 2 and "token" in result.output


def test_web_json_responses_escape_markup():
    from newsgraph.web import SafeJSONResponse

    body = SafeJSONResponse({"t": "<script>&</script>"}).body
    assert b"<" not in body and b">" not in body and b"&" not in body
    assert json.loads(body) == {"t": "<script>&</script>"}


# ---------------------------------------------------------------------------- list filters, totals, downloads

BAD_FILTERS = [
    "offset=-1", "offset=99999999999999999999", "offset=abc", "limit=0", "limit=-5", "limit=100000",
    "min_confidence=-0.1", "min_confidence=1.5", "min_confidence=nan", "min_confidence=inf",
    "min_confidence=x", "top=-3", "top=9999999", "format=xml", "since=2024-13-45",
]
HOSTILE_FILTERS = [
    "speaker=" + quote("' OR 1=1 --"), "search=" + quote("\"; DROP TABLE attributions; --"),
    "outlet=" + quote("<script>alert(1)</script>"), "q=" + quote("%_\\' UNION SELECT 1"),
    "speaker=" + quote("id:99999999999999999999999"), "search=" + quote("NEAR(a b) OR * \""),
]


@pytest.mark.parametrize("path", ["/quotes", "/actors", "/articles", "/api/quotes", "/api/actors"])
def test_web_bad_filter_values_are_422_or_empty_never_500(client, path):
    for query in BAD_FILTERS + HOSTILE_FILTERS:
        r = client.get(f"{path}?{query}")
        assert r.status_code in (200, 422), (path, query, r.status_code)
        if r.status_code == 200 and query in HOSTILE_FILTERS[:3] and path.startswith("/api/quotes"):
            assert r.json()["items"] == [], (path, query)
        assert_inert(r.text) if "html" in r.headers.get("content-type", "") else None
    actor = client.get("/api/actors", params={"top": 1}).json()["items"][0]["actor_id"]
    for query in BAD_FILTERS[:12]:
        for base in (f"/actors/{actor}", f"/api/actors/{actor}"):
            r = client.get(f"{base}?{query}")
            assert r.status_code in (200, 422), (base, query, r.status_code)


def test_web_min_confidence_filters_quotes_pages_api_and_actor(client):
    every = client.get("/api/quotes", params={"limit": 500}).json()
    values = sorted({q["confidence"] for q in every["items"]})
    assert every["total"] == len(every["items"]) and len(values) >= 2
    cut = (values[0] + values[-1]) / 2
    kept = client.get("/api/quotes", params={"limit": 500, "min_confidence": cut}).json()
    assert kept["total"] == len(kept["items"]) == sum(1 for q in every["items"] if q["confidence"] >= cut)
    assert 0 < kept["total"] < every["total"]
    r = client.get("/quotes", params={"min_confidence": cut})
    assert r.status_code == 200 and f'data-total="{kept["total"]}"' in r.text
    speaker = kept["items"][0]["speaker_id"]
    mine = client.get(f"/api/actors/{speaker}", params={"min_confidence": cut, "limit": 500}).json()
    assert all(s["confidence"] >= cut for s in mine["statements"])
    assert client.get("/api/quotes", params={"min_confidence": 2}).status_code == 422


def test_web_downloads_follow_the_filters_as_csv_and_json(client):
    import csv
    import io

    every = client.get("/api/quotes", params={"limit": 500, "speaker": "Dana Whitlock"}).json()["items"]
    r = client.get("/quotes", params={"speaker": "Dana Whitlock", "format": "json", "limit": 1})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert [q["attribution_id"] for q in r.json()] == [q["attribution_id"] for q in every]  # all, not one page
    r = client.get("/quotes", params={"speaker": "Dana Whitlock", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert r.headers["content-type"].startswith("text/csv") and len(rows) == len(every)
    assert {row["speaker"] for row in rows} == {"Dana Whitlock"} and all(row["confidence"] for row in rows)
    actors = client.get("/actors", params={"format": "csv"}).text.splitlines()
    assert actors[0] == "actor_id,name,type,statements,first,last"
    assert len(actors) - 1 == client.get("/api/actors", params={"top": 500}).json()["total"]
    article = every[0]["article_id"]
    found = client.get(f"/articles/{article}", params={"format": "json"}).json()
    assert {q["article_id"] for q in found} == {article} and len(found) >= 2
    assert client.get("/articles/987654", params={"format": "csv"}).status_code == 404


def test_web_api_lists_report_totals_and_actors_page(client):
    actors = client.get("/api/actors", params={"top": 2}).json()
    rest = client.get("/api/actors", params={"top": 500, "offset": 2}).json()
    everything = client.get("/api/actors", params={"top": 500}).json()
    assert actors["total"] == everything["total"] == len(everything["items"])
    assert [a["actor_id"] for a in actors["items"] + rest["items"]] == [a["actor_id"] for a in everything["items"]]


# ---------------------------------------------------------------------------- events (PLOVER) in the web

CLASHES = """Ministers Meet as Border Clashes Continue

Defence minister Ana Kell met General Omar Brandt in Lisbon on Tuesday.

Rebels attacked the northern garrison on Monday, the army said.

Kell accused the rebels of breaking the ceasefire. Brandt rejected the proposal from the rebels.

Kell said the talks would continue next week.
"""


@pytest.fixture(scope="module")
def events_client(analyses, tmp_path_factory) -> TestClient:
    """The corpus plus an invented article with events (met, attacked, accused, rejected)."""
    clashes = _analysed(CLASHES, "2024-04-02", outlet="Border Herald", url="https://border.example/clashes")
    assert {e.type for e in clashes.events} >= {"CONSULT", "ACCUSE", "REJECT"}
    db = build_db(tmp_path_factory.mktemp("events") / "corpus.db", [*analyses, (clashes, "clashes")])
    app = create_app(db, token=TOKEN)
    with TestClient(app) as c:
        yield c
    app.state.web.close()



ARMY_CHIEF = """Army Chief Meets Minister

General Tomas Vey met Defence Minister Ana Kell in Lisbon on Tuesday.

Kell said the talks had gone well and would continue next week.
"""


def test_web_network_gives_an_actor_who_only_acts_a_node_and_an_arrow(nlp, tmp_path):
    db = build_db(tmp_path / "army.db", [(_analysed(ARMY_CHIEF, "2024-04-02", url="https://army.example/"), "army")])
    app = create_app(db, token=TOKEN)
    with TestClient(app) as client:
        net = client.get("/api/network", params={"top": 1}).json()
        nodes = {n["name"]: n for n in net["nodes"]}
        assert set(nodes) == {"Ana Kell", "Tomas Vey"}
        assert nodes["Tomas Vey"]["statements"] == 0 and nodes["Ana Kell"]["statements"] == 1
        vey, kell = nodes["Tomas Vey"]["id"], nodes["Ana Kell"]["id"]
        assert net["event_edges"] == [
            {"source": vey, "target": kell, "family": "verbal-cooperation", "count": 1, "types": {"CONSULT": 1}}
        ]
        page = client.get("/network", params={"top": 1}).text
        assert re.search(rf'<line class="edge edge-event family-verbal-cooperation"[^>]*data-source="{vey}" '
                         rf'data-target="{kell}"', page)
        assert client.get("/api/network", params={"top": 1, "until": "2024-01-01"}).json()["nodes"] == []
    app.state.web.close()

from newsgraph.store.events import FAMILY_OF  # noqa: E402 (with the tests that use it)


def _event_ids(html_text: str) -> list[str]:
    return re.findall(r'<tr class="event-row[^"]*" data-event-id="(\d+)"', html_text)


def test_web_events_page_lists_filters_and_counts_like_the_api(events_client):
    every = events_client.get("/api/events", params={"limit": 500}).json()["items"]
    assert len(every) >= 4
    r = events_client.get("/events")
    assert r.status_code == 200 and 'id="nav-events"' in r.text and 'aria-current="page"' in r.text
    assert _event_ids(r.text) == [str(e["event_id"]) for e in every]
    assert f'data-total="{len(every)}"' in r.text
    kell = [e for e in every if e["source_actor"] == "Ana Kell"]
    assert kell and len(kell) < len(every)
    r = events_client.get("/events", params={"actor": "Ana Kell"})
    assert _event_ids(r.text) == [str(e["event_id"]) for e in kell]
    assert f'data-total="{len(kell)}"' in r.text and 'value="Ana Kell"' in r.text
    consult = [e for e in every if e["type"] == "CONSULT"]
    r = events_client.get("/events", params={"type": "consult"})  # any case, as the CLI
    assert _event_ids(r.text) == [str(e["event_id"]) for e in consult] and consult
    assert '<option value="CONSULT" selected>' in r.text
    for source in ("author", "attributed"):
        api = events_client.get("/api/events", params={"source": source, "limit": 500}).json()["items"]
        page = events_client.get("/events", params={"source": source}).text
        assert _event_ids(page) == [str(e["event_id"]) for e in api]
    assert any(e["source"] == "attributed" for e in every) and any(e["source"] == "author" for e in every)
    lisbon = events_client.get("/events", params={"place": "Lisbon"}).text
    assert _event_ids(lisbon) == [str(e["event_id"]) for e in every if e["place"] == "Lisbon"]
    r = events_client.get("/events", params={"actor": "Nobody Anywhere"})
    assert r.status_code == 200 and 'id="no-results"' in r.text
    r = events_client.get("/events", params={"until": "2000-01-01"})
    assert r.status_code == 200 and not _event_ids(r.text)


def test_web_events_page_pages_sorts_and_downloads(events_client):
    import csv
    import io

    every = events_client.get("/api/events", params={"limit": 500}).json()["items"]
    first = events_client.get("/events", params={"limit": 2})
    second = events_client.get("/events", params={"limit": 2, "offset": 2})
    assert _event_ids(first.text) + _event_ids(second.text) == [str(e["event_id"]) for e in every[:4]]
    assert 'id="next-page"' in first.text and "offset=2" in first.text and 'id="prev-page"' in second.text
    assert f'data-total="{len(every)}"' in second.text
    assert 'class="results events sortable"' in first.text and 'data-sort="' in first.text
    r = events_client.get("/events", params={"actor": "Ana Kell", "format": "csv", "limit": 1})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["source_actor"] for row in rows} == {"Ana Kell"}
    assert len(rows) == len([e for e in every if e["source_actor"] == "Ana Kell"])  # all, not one page
    assert list(rows[0]) == list(every[0])  # the columns of newsgraph events / the export
    found = events_client.get("/events", params={"format": "json"}).json()
    assert [e["event_id"] for e in found] == [e["event_id"] for e in every]
    # the page's download links carry its filters
    assert "format=csv" in events_client.get("/events", params={"type": "REJECT"}).text
    assert "type=REJECT&amp;format=csv" in events_client.get("/events", params={"type": "REJECT"}).text


@pytest.mark.parametrize(
    "params",
    [
        {"type": "PARTY"},
        {"source": "nobody"},
        {"since": "yesterday"},
        {"until": "2024-13-45"},
        {"offset": "-1"},
        {"limit": "0"},
        {"limit": "many"},
        {"format": "xml"},
    ],
)
def test_web_events_page_rejects_bad_filters_with_422(events_client, params):
    r = events_client.get("/events", params=params)
    assert r.status_code == 422, (params, r.status_code)
    assert "text/html" in r.headers["content-type"] and "Internal" not in r.text


def test_web_events_page_survives_odd_values_without_500(events_client):
    for params in ({"actor": "<script>alert(1)</script>"}, {"place": "%"}, {"target": "id:999999"},
                   {"actor": "id:abc"}, {"type": " consult "}, {"actor": "x" * 600}):
        r = events_client.get("/events", params=params)
        assert r.status_code in (200, 422), (params, r.status_code)
        assert "<script>alert(1)</script>" not in r.text


def test_web_article_view_marks_event_triggers_and_lists_events(events_client):
    ids = ids_by_name(events_client)
    article = events_client.get(f"/api/articles/{ids['Border Herald']}").json()["analysis"]
    text = article["article"]["text"]
    r = events_client.get(f"/articles/{ids['Border Herald']}")
    assert r.status_code == 200
    marks = re.findall(r'<mark class="event-trigger family-([a-z-]+)" data-event-id="(V\d+)"[^>]*'
                       r'data-type="([A-Z]+)" title="([^"]*)">', r.text)
    by_id = {e["id"]: e for e in article["events"]}
    assert {m[1] for m in marks} == set(by_id)
    for family, event_id, type_, title in marks:
        assert type_ == by_id[event_id]["type"] and html.unescape(title).startswith(type_ + ":")
        assert family == FAMILY_OF[type_]
    # the marked text, pieces joined, is each trigger's text at its offsets
    marked: dict[str, str] = {}
    for event_id, inner in re.findall(r'<mark class="event-trigger[^"]*" data-event-id="(V\d+)"[^>]*>(.*?)</mark>',
                                      r.text, flags=re.S):
        marked[event_id] = marked.get(event_id, "") + html.unescape(re.sub(r"<[^>]+>", "", inner))
    for event_id, e in by_id.items():
        assert marked[event_id] == text[e["trigger"]["start"] : e["trigger"]["end"]] == e["trigger"]["text"]
    met = next(e for e in article["events"] if e["type"] == "CONSULT")
    listed = re.findall(r'<li id="event-(V\d+)" class="event-item', r.text)
    assert listed == sorted(by_id, key=lambda i: (by_id[i]["trigger"]["start"], i))
    item = r.text[r.text.index('id="event-' + met["id"] + '"'):]
    item = item[: item.index("</li>")]
    kell = events_client.get("/api/actors", params={"top": 500}).json()["items"]
    kell_id = next(a["actor_id"] for a in kell if a["name"] == "Ana Kell")
    assert f'<a href="/actors/{kell_id}">Ana Kell</a>' in item and ">CONSULT<" in item and "Omar Brandt" in item
    assert "Lisbon" in item
    quiet = events_client.get(f"/articles/{ids['City Post']}").text
    assert 'id="events-title"' in quiet


def test_web_actor_page_shows_what_they_did_and_what_was_done_to_them(events_client):
    actors = {a["name"]: a["actor_id"] for a in events_client.get("/api/actors", params={"top": 500}).json()["items"]}
    every = events_client.get("/api/events", params={"limit": 500}).json()["items"]
    kell = actors["Ana Kell"]
    r = events_client.get(f"/actors/{kell}")
    assert r.status_code == 200 and 'id="actor-events"' in r.text
    did = r.text[r.text.index('id="actor-events-did"'): r.text.index('id="actor-events-done-to"')]
    counted = dict(re.findall(r'data-type="([A-Z]+)" data-count="(\d+)"', did))
    expected: dict[str, int] = {}
    for e in every:
        if e["source_actor_id"] == kell:
            expected[e["type"]] = expected.get(e["type"], 0) + 1
    assert {t: int(n) for t, n in counted.items()} == expected and expected
    assert 'id="events-did-chart"' in did and 'data-period="2024-04"' in did
    assert f"/events?actor=id%3A{kell}&amp;type=CONSULT" in did
    brandt = actors["Omar Brandt"]
    done = events_client.get(f"/actors/{brandt}").text
    done = done[done.index('id="actor-events-done-to"'):]
    assert 'data-type="CONSULT" data-count="1"' in done and f"target=id%3A{brandt}" in done
    quiet = actors["Dana Whitlock"]
    assert 'id="no-actor-events"' in events_client.get(f"/actors/{quiet}").text


def test_web_network_draws_event_edges_by_family_with_legend(events_client):
    actors = {a["name"]: a["actor_id"] for a in events_client.get("/api/actors", params={"top": 500}).json()["items"]}
    r = events_client.get("/network", params={"top": 200})
    assert r.status_code == 200
    kell, brandt = actors["Ana Kell"], actors["Omar Brandt"]
    edge = re.search(rf'<line class="edge edge-event family-([a-z-]+)"[^>]*data-source="{kell}" '
                     rf'data-target="{brandt}"[^>]*data-kind="event"', r.text)
    assert edge and edge.group(1) == "verbal-cooperation"  # CONSULT
    assert 'data-family="verbal-cooperation"' in r.text[r.text.index('id="network-legend"'):r.text.index("</ul>", r.text.index('id="network-legend"'))]
    assert 'marker-end="url(#arrowhead-verbal-cooperation)"' in r.text and 'id="arrowhead-verbal-cooperation"' in r.text
    assert 'class="edge edge-co-quoted"' in r.text or 'class="edge edge-addresses"' in r.text  # kept
    assert "event-edge-row" in r.text
    before = events_client.get("/network", params={"top": 200, "until": "2024-01-01"}).text
    assert "edge-event" not in before.split('id="network-graph"')[-1]
    assert events_client.get("/api/network").json()["edges"] == events_client.get("/api/network").json()["edges"]
