# ruff: noqa: F811 (test_browser's fixtures, imported, are the tests' parameters)
"""The facts in a real headless Chromium: figures and times highlighted, the Claims lists.

Why a browser on top of ``test_web_facts.py``: only a browser shows that the
figure and time marks are drawn (their underline styles differ, they show on
top of an attribution's highlight), that the hover title says the value and
who claims it, that the Claims tables sort, link into the text and download
with the page's filters, and that the new parts pass the same accessibility
checks as the rest (labels, names, headings, keyboard, contrast).

The server and browser fixtures are ``test_browser``'s; the corpus is this
module's own: ``test_web_facts``' invented articles. Screenshots go where
``test_browser``'s do (``$NEWSGRAPH_SCREENSHOTS``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from test_browser import (  # noqa: F401 (fixtures used by name)
    CONTRAST_JS,
    NAMES_JS,
    Site,
    assert_headings_in_order,
    browser,
    browsing,
    shoot,
    shots,
    submit_analyze,
    tab_through,
)
from test_web_facts import BRIDGE, PORT, build_facts_db, fact_analyses  # noqa: F401 (fixture)

from newsgraph.web.pages import value_text


@pytest.fixture(scope="module")
def site(fact_analyses, tmp_path_factory) -> Iterator[Site]:
    from newsgraph.web import create_app
    from newsgraph.web.server import running

    app = create_app(build_facts_db(tmp_path_factory.mktemp("browser-facts") / "corpus.db", fact_analyses))
    with running(app) as base:
        items = httpx.get(base + "/api/articles", params={"limit": 100}, timeout=30).json()["items"]
        actors = httpx.get(base + "/api/actors", params={"top": 500}, timeout=30).json()["items"]
        yield Site(
            base=base,
            articles={item["url"].rsplit("/", 1)[1]: item["id"] for item in items},
            actors={item["name"]: item["actor_id"] for item in actors},
        )
    app.state.web.close()


MARKS_JS = """() => Array.from(document.querySelectorAll('#article-text mark.fact')).map(m => {
  const s = getComputedStyle(m);
  return {kind: m.classList.contains('figure') ? 'figure' : 'time', id: m.dataset.figureId || m.dataset.timeId,
          start: +m.dataset.start, end: +m.dataset.end, text: m.textContent, title: m.title,
          line: s.textDecorationLine, style: s.textDecorationStyle, colour: s.textDecorationColor,
          inSeg: !!m.closest('.seg'), height: m.getBoundingClientRect().height};
})"""


def test_browser_facts_article_highlights_figures_and_times_at_their_offsets(browsing, shots):
    b = browsing
    page = b.page
    port = b.site.articles["port"]
    analysis = b.site.api(f"/api/articles/{port}")["analysis"]
    text = analysis["article"]["text"]
    b.go(f"/articles/{port}")
    assert page.text_content("#article-text") == text
    marks = page.evaluate(MARKS_JS)
    for m in marks:
        assert text[m["start"] : m["end"]] == m["text"], m
        assert m["line"] == "underline" and m["height"] > 0, m
    figures = [m for m in marks if m["kind"] == "figure"]
    times = [m for m in marks if m["kind"] == "time"]
    for f in analysis["figures"]:
        mine = [m for m in figures if m["id"] == f["id"]]
        assert "".join(m["text"] for m in mine) == f["text"]
        assert value_text(f["value"], f["unit"], f["change"]) in mine[0]["title"]
    for t in analysis["times"]:
        assert any(m["id"] == t["id"] and m["title"] == f"time: {t['type']} {t['value']}" for m in times)
    # figures and times look different (colour and line style), also inside an attribution's highlight
    assert {m["colour"] for m in figures}.isdisjoint({m["colour"] for m in times})
    assert {m["style"] for m in times} == {"wavy"} and "wavy" not in {m["style"] for m in figures}
    claimed = next(m for m in figures if m["text"] == "40")
    assert claimed["inSeg"] and "Lena Ostrova" in claimed["title"]
    own = next(m for m in figures if m["text"] == "2.4 million")
    assert "the article (own voice)" in own["title"] and own["style"] == "double"
    legend = page.inner_text("#legend")
    assert "figure" in legend and "time" in legend
    assert page.inner_text("#entity-list .entity-place") == "Rotterdam (NL)"
    page.locator("#article-text mark.fact.figure").first.hover()
    shoot(b, shots, "facts-article")
    page.locator("#article-view").screenshot(path=str(shots / "facts-article-text.png"))
    b.watch.assert_clean("article facts")


def test_browser_facts_article_claims_list_sorts_links_into_the_text_and_downloads(browsing, shots):
    b = browsing
    page = b.page
    port = b.site.articles["port"]
    claims = b.site.api(f"/api/articles/{port}/claims")["items"]
    b.go(f"/articles/{port}")
    table = page.locator("#claims-results")
    table.scroll_into_view_if_needed()
    assert page.locator("#claims-count .list-count").get_attribute("data-total") == str(len(claims))
    figures = page.eval_on_selector_all("#claims-results tbody tr td.claim-figure", "cs => cs.map(c => c.textContent)")
    assert figures == [c["text"] for c in claims]  # text order
    speakers = page.eval_on_selector_all("#claims-results td.claim-speaker", "cs => cs.map(c => c.innerText)")
    assert [re.sub(r" \(A[\d.]+\)$", "", s) for s in speakers] == [
        c["speaker"] or "the article (own voice)" for c in claims
    ]
    contexts = page.eval_on_selector_all("#claims-results td.claim-sentence", "cs => cs.map(c => c.textContent)")
    assert contexts == [" ".join(c["sentence"].split()) for c in claims]
    # sort by value, largest first on the second click
    page.locator("#claims-results thead th:nth-child(2) button").click()
    values = page.eval_on_selector_all("#claims-results td.claim-value", "cs => cs.map(c => +c.dataset.sort)")
    assert values == sorted(values)
    page.locator("#claims-results thead th:nth-child(2) button").click()
    values = page.eval_on_selector_all("#claims-results td.claim-value", "cs => cs.map(c => +c.dataset.sort)")
    assert values == sorted(values, reverse=True)
    assert page.locator("#claims-results thead th:nth-child(2)").get_attribute("aria-sort") == "descending"
    table.screenshot(path=str(shots / "facts-article-claims.png"))
    # a figure's link jumps to its place in the text
    page.locator("#claims-results td.claim-figure a", has_text="$310 million").click()
    analysis = b.site.api(f"/api/articles/{port}")["analysis"]
    local = next(f["id"] for f in analysis["figures"] if f["text"] == "$310 million")
    assert page.url.endswith(f"#figure-{local}")
    target = page.evaluate("() => location.hash.slice(1)")
    assert page.locator(f"[id='{target}']").count() == 1
    box = page.evaluate(f"() => document.getElementById('{target}').getBoundingClientRect().top")
    assert 0 <= box < 900
    # the download has the same rows
    href = page.locator("#claims-count a.download-json").get_attribute("href")
    got = httpx.get(b.site.base + href, timeout=30).json()
    assert [r["figure_id"] for r in sorted(got, key=lambda r: r["start"])] == [c["figure_id"] for c in claims]
    # the speaker links to the actor
    with page.expect_navigation():
        page.locator("#claims-results td.claim-speaker a.speaker-link", has_text="Paul Marek").first.click()
    assert page.url.endswith(f"/actors/{b.site.actors['Paul Marek']}")
    b.watch.assert_clean("article claims")


def test_browser_facts_actor_page_lists_their_claims_and_links_to_all(browsing, shots):
    b = browsing
    page = b.page
    marek = b.site.actors["Paul Marek"]
    mine = b.site.api(f"/api/actors/{marek}/claims")["items"]
    b.go(f"/actors/{marek}")
    section = page.locator("#actor-claims")
    section.scroll_into_view_if_needed()
    rows = page.eval_on_selector_all("#actor-claims-results tbody tr", "rs => rs.map(r => r.dataset.figureId)")
    assert rows == [str(c["figure_id"]) for c in mine] and len(rows) == 3
    assert page.locator("#actor-claims-count .list-count").get_attribute("data-total") == "3"
    titles = page.eval_on_selector_all("#actor-claims-results a.title-link", "as => as.map(a => a.getAttribute('href'))")
    assert sorted(titles) == sorted(f"/articles/{c['article_id']}" for c in mine)
    section.screenshot(path=str(shots / "facts-actor-claims.png"))
    with page.expect_navigation():
        page.locator("#all-claims").click()
    assert "/claims?speaker=id%3A" in page.url
    assert page.locator("#claims-results tbody tr").count() == 3
    b.watch.assert_clean("actor claims")


def test_browser_facts_claims_page_filters_pages_and_sorts(browsing, shots):
    b = browsing
    page = b.page
    b.go("/claims?limit=3")
    total = int(page.locator("#claims-count .list-count").get_attribute("data-total"))
    assert total == len(b.site.api("/api/figures", limit=500)["items"]) > 3
    assert page.locator("#claims-results tbody tr").count() == 3
    shoot(b, shots, "facts-claims-page")
    with page.expect_navigation():
        page.locator("#next-page").click()
    assert page.locator("#claims-results tbody tr").count() == min(3, total - 3)
    b.go("/claims")
    page.get_by_label("Unit").fill("euro")
    with page.expect_navigation():
        page.locator("#claims-submit").click()
    assert page.eval_on_selector_all("#claims-results td.claim-figure", "cs => cs.map(c => c.textContent)") == [
        "4 million euros"]
    b.go("/claims")
    page.get_by_label("Only the articles' own voice").check()
    with page.expect_navigation():
        page.locator("#claims-submit").click()
    speakers = page.eval_on_selector_all("#claims-results td.claim-speaker", "cs => cs.map(c => c.innerText)")
    assert speakers and set(speakers) == {"the article (own voice)"}
    shoot(b, shots, "facts-claims-own-voice")
    b.watch.assert_clean("claims page")


def test_browser_facts_analyze_form_highlights_figures_and_lists_claims(browsing, shots):
    b = browsing
    page = b.page
    submit_analyze(b, BRIDGE, published="2024-04-02")
    assert page.text_content("#article-text") == BRIDGE
    marks = page.evaluate(MARKS_JS)
    assert {m["text"] for m in marks if m["kind"] == "figure"} >= {"4 million euros", "17"}
    assert any(m["kind"] == "time" and m["title"] == "time: DATE 2024-04-01" for m in marks)  # "Monday"
    for m in marks:
        assert BRIDGE[m["start"] : m["end"]] == m["text"]
    rows = page.locator("#claims-results tbody tr")
    assert rows.count() == len([m for m in marks if m["kind"] == "figure"])
    assert page.locator("#claims-count a.download-csv").count() == 0  # nothing stored: nothing to download
    shoot(b, shots, "facts-analyze")
    b.watch.assert_clean("analyze facts")


def facts_pages(site: Site) -> dict[str, str]:
    return {
        "article": f"/articles/{site.articles['port']}",
        "actor": f"/actors/{site.actors['Paul Marek']}",
        "claims": "/claims",
        "claims-empty": "/claims?speaker=Nobody",
    }


def test_browser_facts_a11y_names_headings_keyboard_and_contrast(browsing):
    b = browsing
    results: list[dict[str, Any]] = []
    for path in facts_pages(b.site).values():
        b.go(path)
        assert b.page.evaluate(NAMES_JS) == [], path
        assert_headings_in_order(b, path)
        expected, visited = tab_through(b)
        assert [v["kb"] for v in visited] == list(range(len(expected))), (path, expected, visited)
        assert all(v["ring"] for v in visited), path
        b.page.locator("#article-text mark.fact").first.hover() if "/articles/" in path else None
        results += [{**r, "page": path} for r in b.page.evaluate(CONTRAST_JS)]
    assert any("claim" in r["cls"] for r in results)
    low = [r for r in results if r["ratio"] < 4.5]
    assert not low, "; ".join(f"{r['page']} {r['tag']}.{r['cls']} {r['text']!r}: {r['ratio']:.2f}" for r in low[:10])
    b.watch.assert_clean("facts a11y")
