"""End-to-end tests of the web app in a real headless Chromium, with an accessibility pass.

Why a real browser on top of the httpx tests in ``test_web.py``: only a
browser shows that the Content-Security-Policy still lets our own CSS and
script work, that hostile article text stays inert once it is *parsed* (not
just escaped in the bytes), that the hover/focus detail appears, and what a
keyboard or screen-reader user meets (labels, focus, contrast).

Chromium is Debian's ``/usr/bin/chromium`` driven by Playwright (sync API);
the module is skipped, with a message, when it is missing (``scripts/test``
installs it; CI must have it). One browser and one server (uvicorn in a
thread on 127.0.0.1, port 0) serve the whole module, over a small corpus of
invented articles built once: ``test_web.analyses`` plus a handmade article
whose title, names, titles, quote, outlet, authors and URL are script
payloads that would set ``window.__pwned``, and two actors sharing a surname
(the "which one?" page). Every request the pages make to anything but
127.0.0.1 is aborted and fails the test.

Screenshots of every page go to ``$NEWSGRAPH_SCREENSHOTS``, or to
``test-artifacts/screenshots/`` when ``CI`` is set, or to a pytest temporary
directory otherwise.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from test_web import CLASHES, TOKEN, XSS, analyses, build_db  # noqa: F401 (analyses: a fixture used here)

from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]
XSS_URL = "javascript:alert('url')"  # test_web's hostile article

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
                "(scripts/test installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the browser tests need the playwright package")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# ---------------------------------------------------------------------------- invented articles

LIBRARY = """Library Hours Extended for Exam Season

Librarian Rosa Lindqvist told students on Thursday that the main reading room would stay open until midnight.

"Nobody should have to study in a cold stairwell," Lindqvist said.

Student council president Omar Haddad warned the university that the heating bills would rise. Haddad said the council supported the change.

The library was built in 1968 and holds two million books.
"""

PWN_TITLE = "Payload <script>window.__pwned='title'</script> Report"
PWN_NAME = "<img src=x onerror=\"window.__pwned='name'\">Vera Stroud"
PWN_ADDRESSEE = "<iframe src=\"javascript:window.__pwned='frame'\"></iframe>Ames"
PWN_QUOTE = "<a href=\"javascript:window.__pwned='link'\">read this</a> and <svg onload=\"window.__pwned='svg'\"></svg>"
PWN_TEXT = (f"{PWN_TITLE}\n\n{PWN_NAME} told {PWN_ADDRESSEE} that {PWN_QUOTE} today.\n\n"
            "<style>body{display:none}</style><b onmouseover=\"window.__pwned='bold'\">The end.</b>\n")


def pwned_analysis() -> Analysis:
    """A stored article whose every shown field is a payload setting ``window.__pwned`` if it ever ran."""
    text = PWN_TEXT

    def span(part: str, cls: type[Span] = Span, **extra: Any) -> Any:
        start = text.index(part)
        return cls(start=start, end=start + len(part), text=part, **extra)

    name, addressee, cue, content = span(PWN_NAME), span(PWN_ADDRESSEE), span("told"), span(PWN_QUOTE)
    return Analysis(
        article=Article(
            title=PWN_TITLE, published="2024-07-03", outlet="<script>window.__pwned='outlet'</script>",
            url="javascript:window.__pwned='url'", text=text,
            authors=["<img src=/static/favicon.svg onload=\"window.__pwned='author'\">"],
        ),
        entities=[
            Entity(id="E1", name=PWN_NAME, type="PERSON", mentions=[name],
                   titles=["<b onmouseover=\"window.__pwned='t'\">chief</b>"]),
            Entity(id="E2", name=PWN_ADDRESSEE, type="PERSON", mentions=[addressee]),
        ],
        attributions=[Attribution(
            id="A1", kind="indirect", cue=cue, content=[content],
            source=LinkedSpan(start=name.start, end=name.end, text=name.text, entity="E1"),
            addressee=LinkedSpan(start=addressee.start, end=addressee.end, text=addressee.text, entity="E2"),
        )],
        authorial=[span("<b onmouseover=\"window.__pwned='bold'\">The end.</b>")],
    )


SMITHS = [
    ("Plan Fails\n\nSenator Anna Smith said the plan failed. Smith said she was sorry.\n", "2024-01-01"),
    ("Road Opens\n\nDoctor Ben Smith said the road opened. Smith said it was safe.\n", "2024-01-02"),
]

# ---------------------------------------------------------------------------- fixtures


@dataclass
class Site:
    """The running server and what the tests look up in its corpus."""

    base: str
    articles: dict[str, int]  # url (or title) -> id
    actors: dict[str, int]  # name -> id

    def api(self, path: str, **params: Any) -> Any:
        r = httpx.get(self.base + path, params=params, timeout=30)
        r.raise_for_status()
        return r.json()

    def pages(self) -> dict[str, str]:
        """Every page of the app (name -> path): each kind, every article, the actors that matter."""
        pages = {
            "home": "/", "analyze": "/analyze", "articles": "/articles", "quotes": "/quotes",
            "quotes-filtered": "/quotes?speaker=Dana+Whitlock&filtered=1&copies=1",
            "actors": "/actors", "network": "/network", "events": "/events",
            "events-filtered": "/events?type=CONSULT&source=author", "search": "/search?q=harbor", "login": "/login",
            "choose-actor": "/actor?name=smith",
        }
        for i, article_id in enumerate(sorted(self.articles.values())):
            pages[f"article-{i}"] = f"/articles/{article_id}"
        for name in ("Dana Whitlock", "Elena Ortiz", "Nora Bell", PWN_NAME, "Ana Kell"):
            pages[f"actor-{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')[-12:]}"] = f"/actors/{self.actors[name]}"
        return pages


@pytest.fixture(scope="module")
def site(analyses, nlp, tmp_path_factory) -> Iterator[Site]:  # noqa: F811 (the imported fixture)
    import newsgraph
    from newsgraph.web import create_app
    from newsgraph.web.server import running

    extra = [(pwned_analysis(), "pwned")]
    extra += [(newsgraph.analyze(text, published=day), f"smith-{i}") for i, (text, day) in enumerate(SMITHS)]
    clashes = newsgraph.analyze(CLASHES, published="2024-04-02")
    clashes.article = clashes.article.model_copy(update={"outlet": "Border Herald", "url": "https://border.example/clashes"})
    extra.append((clashes, "clashes"))
    db = build_db(tmp_path_factory.mktemp("browser") / "corpus.db", [*analyses, *extra])
    app = create_app(db, token=TOKEN)
    with running(app) as base:
        items = httpx.get(base + "/api/articles", params={"limit": 100}, timeout=30).json()["items"]
        actors = httpx.get(base + "/api/actors", params={"top": 500}, timeout=30).json()["items"]
        yield Site(
            base=base,
            articles={item["url"] or item["title"]: item["id"] for item in items},
            actors={item["name"]: item["actor_id"] for item in actors},
        )
    app.state.web.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where screenshots go: $NEWSGRAPH_SCREENSHOTS, test-artifacts/screenshots on CI, else a tmp dir."""
    if os.environ.get("NEWSGRAPH_SCREENSHOTS"):
        where = Path(os.environ["NEWSGRAPH_SCREENSHOTS"])
    elif os.environ.get("CI"):
        where = ROOT / "test-artifacts" / "screenshots"
    else:
        where = tmp_path_factory.mktemp("screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


@dataclass
class Watch:
    """Everything a page did that it should not: console errors, script errors, failed or outside requests."""

    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self, where: str = "") -> None:
        assert not self.dialogs, f"{where}: a dialog fired: {self.dialogs}"
        assert not self.errors, f"{where}: script errors: {self.errors}"
        assert not self.console, f"{where}: console errors: {self.console}"
        assert not self.failed, f"{where}: failed requests: {self.failed}"
        assert not self.outside, f"{where}: requests outside 127.0.0.1: {self.outside}"

    def clear(self) -> None:
        for found in (self.console, self.errors, self.failed, self.outside, self.dialogs):
            found.clear()


@dataclass
class Browsing:
    page: Any
    watch: Watch
    site: Site

    def go(self, path: str, status: int = 200) -> Any:
        """Load a page, check its status, and let any payload that could fire do so."""
        response = self.page.goto(self.site.base + path, wait_until="load")
        assert response is not None and response.status == status, (path, response and response.status)
        return response


@pytest.fixture()
def browsing(browser, site) -> Iterator[Browsing]:
    """A fresh browser context: loopback only, everything untoward recorded; a dialog anywhere fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    watch = Watch()

    def only_loopback(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.on("console", lambda m: watch.console.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    # net::ERR_ABORTED is a request cut short by the next navigation (the favicon, often): not a failure.
    page.on("requestfailed", lambda r: None if r.failure == "net::ERR_ABORTED"
            else watch.failed.append(f"{r.url}: {r.failure}"))
    page.on("response", lambda r: watch.failed.append(f"{r.url}: {r.status}") if r.status >= 400 else None)

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield Browsing(page, watch, site)
    context.close()
    assert not watch.dialogs, f"a dialog fired: {watch.dialogs}"


def shoot(b: Browsing, shots: Path, name: str) -> Path:
    path = shots / f"{name}.png"
    b.page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000, f"{path} looks empty"
    return path


# ---------------------------------------------------------------------------- in-page checks

INERT_JS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    if (['img', 'iframe', 'object', 'embed', 'frame', 'frameset', 'base', 'style', 'form'].includes(tag)
        && !(tag === 'form' && (el.getAttribute('action') || '').startsWith('/'))) bad.push(tag);
    if (tag === 'script' && el.getAttribute('src') !== '/static/app.js') bad.push('script ' + el.outerHTML);
    if (tag === 'meta' && el.hasAttribute('http-equiv')) bad.push('meta http-equiv');
    if (tag === 'svg' && !['timeline-chart', 'network-graph'].includes(el.id)) bad.push('svg ' + el.outerHTML);
    for (const a of el.attributes) {
      // app.js positions the detail box through the CSSOM (allowed by the CSP): its only style attribute
      if (a.name.startsWith('on') || (a.name === 'style' && el.id !== 'tooltip')) bad.push(tag + '[' + a.name + ']');
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(a.name)
          && /^(javascript|data|vbscript):/i.test(a.value.replace(/[\\s\\x00-\\x1f]/g, ''))) {
        bad.push(tag + '[' + a.name + '=' + a.value + ']');
      }
    }
  }
  return {bad, pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned)};
}"""

# Each highlighted or authorial span, with its offsets counted in the text as the page shows it.
SEGMENTS_JS = """(selector) => {
  const out = [];
  let at = 0;
  for (const node of document.getElementById('article-text').childNodes) {
    const length = node.textContent.length;
    if (node.nodeType === 1 && node.matches(selector)) {
      const cs = getComputedStyle(node);
      out.push({
        at, start: +node.dataset.start, end: +node.dataset.end, text: node.textContent,
        roles: [...node.classList].filter(c => /^(role|also)-/.test(c)).map(c => c.replace(/^(role|also)-/, '')),
        role: node.dataset.role, id: node.dataset.attributionId,
        ids: (node.dataset.attributions || '').split(' ').filter(Boolean),
        authorial: node.classList.contains('authorial'), background: cs.backgroundColor, fontStyle: cs.fontStyle,
      });
    }
    at += length;
  }
  return out;
}"""

CONTRAST_JS = """() => {
  function parse(c) {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const bg = parse(getComputedStyle(n).backgroundColor);
      if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  }
  function luminance(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || cs.display === 'none') continue;
    if (![...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.closest('[hidden], [aria-hidden="true"]')) continue;
    const svg = el instanceof SVGElement;
    const bg = background(svg ? el.ownerSVGElement || el : el);
    let fg = parse(svg ? cs.fill : cs.color);
    if (!fg) continue;
    let opacity = 1;
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity);
    fg = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const l1 = luminance(fg), l2 = luminance(bg);
    out.push({
      tag: el.localName, id: el.id, cls: el.getAttribute('class') || '', tooltip: !!el.closest('#tooltip'),
      text: el.textContent.trim().slice(0, 40),
      ratio: (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05),
      fg: fg.slice(0, 3).map(Math.round), bg: bg.slice(0, 3).map(Math.round),
    });
  }
  return out;
}"""

HEADINGS_JS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => h.getClientRects().length && !h.closest('[hidden]'))
  .map(h => [+h.localName[1], h.textContent.trim().slice(0, 40)])"""

CONTROLS_JS = """() => [...document.querySelectorAll('input, textarea, select, button')]
  .filter(el => el.type !== 'hidden')
  .map(el => ({id: el.id, tag: el.localName, type: el.type,
               labels: [...(el.labels || [])].map(l => l.textContent.trim()),
               aria: el.getAttribute('aria-label'), text: el.textContent.trim()}))"""

NAMES_JS = """() => {
  const missing = [];
  for (const img of document.querySelectorAll('img')) if (!(img.getAttribute('alt') || '').trim()) missing.push(img.outerHTML);
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.getAttribute('aria-hidden') === 'true') continue;
    const by = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .map(id => (document.getElementById(id) || {textContent: ''}).textContent.trim()).join(' ');
    const title = svg.querySelector(':scope > title');
    if (svg.getAttribute('role') !== 'img' || !((svg.getAttribute('aria-label') || '').trim() || by
        || (title && title.textContent.trim()))) missing.push('svg#' + svg.id);
  }
  for (const a of document.querySelectorAll('a[href], svg a')) {
    const title = a.querySelector(':scope > title');
    if (!(a.textContent.trim() || (a.getAttribute('aria-label') || '').trim() || (title && title.textContent.trim())))
      missing.push('link ' + a.outerHTML.slice(0, 80));
  }
  return missing;
}"""

FOCUSABLES_JS = """() => {
  const sel = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), textarea, select, '
            + '[tabindex]:not([tabindex="-1"])';
  const found = [...document.querySelectorAll(sel)].filter(el => el.getClientRects().length
    && getComputedStyle(el).visibility === 'visible' && !el.closest('[hidden]'));
  found.forEach((el, i) => el.setAttribute('data-kb', String(i)));
  return found.map(el => el.id || el.localName + ':' + el.textContent.trim().slice(0, 30));
}"""

ACTIVE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || !el.hasAttribute('data-kb')) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  let ring = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1;
  ring = ring || (cs.boxShadow && cs.boxShadow !== 'none');
  const circle = el.querySelector && el.querySelector('circle');
  if (!ring && circle) ring = parseFloat(getComputedStyle(circle).strokeWidth) >= 3;  // the network's nodes
  return {kb: +el.dataset.kb, id: el.id, tag: el.localName, ring: !!ring,
          visible: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0};
}"""


def tab_through(b: Browsing, limit: int = 400) -> tuple[list[str], list[dict[str, Any]]]:
    """Press Tab from the top of the page until focus leaves the page or wraps round; what got focus, in order."""
    expected = b.page.evaluate(FOCUSABLES_JS)
    b.page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    visited: list[dict[str, Any]] = []
    for _ in range(min(limit, 3 * len(expected) + 10)):
        b.page.keyboard.press("Tab")
        active = b.page.evaluate(ACTIVE_JS)
        if active is None:
            if visited:
                break
            continue
        if visited and visited[-1]["kb"] == active["kb"]:
            continue  # a stop inside the same control (the parts of a date input)
        if any(v["kb"] == active["kb"] for v in visited):
            break  # wrapped round to the top
        visited.append(active)
    return expected, visited


# ---------------------------------------------------------------------------- every page


def test_browser_every_page_loads_clean_and_is_styled(browsing, shots):
    """Each page: status 200, no console or script errors, no failed or outside requests, CSS and
    script served under the CSP (the header's background shows app.css applied), and a screenshot."""
    b = browsing
    pages = b.site.pages()
    assert len(pages) >= 20
    for name, path in pages.items():
        b.go(path)
        b.watch.assert_clean(path)
        header = b.page.eval_on_selector(".site-header", "h => getComputedStyle(h).backgroundColor")
        assert header == "rgb(245, 246, 248)", f"{path}: app.css not applied"
        assert b.page.evaluate("() => document.querySelectorAll('script[src=\"/static/app.js\"]').length") == 1
        assert b.page.title().endswith("· newsgraph"), path
        shoot(b, shots, name)
    assert len(list(shots.glob("*.png"))) >= len(pages)
    # Error pages are pages too: styled, coded, no script errors (the 404 itself is the only failure).
    b.watch.clear()
    b.go("/articles/987654", status=404)
    assert "no article" in b.page.inner_text("#error-message")
    assert b.page.eval_on_selector(".site-header", "h => getComputedStyle(h).backgroundColor") == "rgb(245, 246, 248)"
    assert not b.watch.errors and not b.watch.outside
    assert all("987654" in f for f in b.watch.failed), b.watch.failed
    shoot(b, shots, "error-404")


def test_browser_csp_header_forbids_inline_script(browsing):
    """The header has no 'unsafe-inline'/'unsafe-eval', and the browser enforces it: a script element or an
    event handler that got into the page anyway (here put there from outside) does not run."""
    b = browsing
    response = b.go("/articles")
    csp = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"] and directives["default-src"] == ["'self'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and directives["object-src"] == ["'none'"]
    violations = b.page.evaluate("""() => new Promise(resolve => {
      const seen = [];
      document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective));
      const s = document.createElement('script');
      s.textContent = "window.__pwned = 'inline script'";
      document.body.appendChild(s);
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="/static/favicon.svg" onload="window.__pwned=\\'handler\\'">'
                       + '<a id="jslink" href="javascript:window.__pwned=\\'link\\'">x</a>';
      document.body.appendChild(holder);
      document.getElementById('jslink').click();
      setTimeout(() => resolve(seen), 300);
    })""")
    assert b.page.evaluate("() => typeof window.__pwned") == "undefined"
    assert len(violations) >= 3 and all(v.startswith("script-src") for v in violations), violations
    b.watch.console.clear()  # the browser reports each refusal as a console error: that is the point


# ---------------------------------------------------------------------------- analyze


def submit_analyze(b: Browsing, text: str, published: str | None = "2024-05-02") -> None:
    b.go("/analyze")
    b.page.fill("#analyze-text", text)
    if published:
        b.page.fill("#analyze-published", published)
    with b.page.expect_navigation():
        b.page.click("#analyze-submit")


def role_spans(analysis: Analysis) -> list[tuple[str, str, Span]]:
    out: list[tuple[str, str, Span]] = []
    for a in analysis.attributions:
        parts: list[tuple[str, Span | None]] = [("cue", a.cue), *(("content", c) for c in a.content),
                                                ("source", a.source), ("addressee", a.addressee)]
        out.extend((a.id, role, s) for role, s in parts if s is not None)
    return out


def test_browser_analyze_form_highlights_the_article(browsing, shots):
    """The posted article comes back exactly, each source, cue, content and addressee highlighted with
    the right text in its own colour, and the author's own sentence marked authorial.

    Offsets are counted in the text as the page shows it (see the xfail test below for the data-start
    attributes)."""
    import newsgraph

    b = browsing
    submit_analyze(b, LIBRARY)
    b.watch.assert_clean("analyze")
    assert b.page.text_content("#article-text") == LIBRARY
    expected = newsgraph.analyze(LIBRARY, published="2024-05-02")
    assert expected.attributions and expected.authorial
    segs = b.page.evaluate(SEGMENTS_JS, "span.seg")
    for s in segs:
        assert LIBRARY[s["at"] : s["at"] + len(s["text"])] == s["text"]
        assert s["role"] in s["roles"] and s["id"] == s["ids"][0]
    # Every span of every attribution is covered, character for character, by segments with its role.
    for attribution_id, role, span in role_spans(expected):
        covering = [s for s in segs if s["at"] < span.end and s["at"] + len(s["text"]) > span.start]
        assert covering, (role, span.text)
        assert covering[0]["at"] <= span.start and covering[-1]["at"] + len(covering[-1]["text"]) >= span.end
        assert all(role in s["roles"] and attribution_id in s["ids"] for s in covering), (role, span.text)
        for before, after in itertools.pairwise(covering):
            assert after["at"] == before["at"] + len(before["text"]), (role, span.text)  # no gap
    by_role: dict[str, set[str]] = {}
    for s in segs:
        by_role.setdefault(s["role"], set()).add(s["text"])
    assert any("Rosa Lindqvist" in t for t in by_role["source"])
    assert {"told", "warned"} <= by_role["cue"]
    assert "that the heating bills would rise" in by_role["content"]
    assert "the university" in by_role["addressee"]
    # Distinct colours per role, and the author's voice looks different again.
    colours = {role: {s["background"] for s in segs if s["role"] == role} for role in by_role}
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for c in colours.values()}) == len(colours) == 4
    authorial = b.page.evaluate(SEGMENTS_JS, ".authorial")
    sentence = "The library was built in 1968 and holds two million books."
    plain = [a for a in authorial if a["text"] == sentence and not a["roles"]]
    assert plain and plain[0]["at"] == LIBRARY.index(sentence), authorial
    assert plain[0]["fontStyle"] == "italic"
    assert plain[0]["background"] not in {next(iter(c)) for c in colours.values()}
    marked = {(a["at"], a["at"] + len(a["text"])) for a in authorial}
    for s in expected.authorial:  # every authorial stretch outside the highlights is marked
        outside = not any(x["at"] < s.end and x["at"] + len(x["text"]) > s.start for x in segs)
        assert not outside or (s.start, s.end) in marked, s.text
    shoot(b, shots, "analyze-result")


def test_browser_analyze_form_offsets_index_the_text_shown(browsing):
    b = browsing
    submit_analyze(b, LIBRARY)
    shown = b.page.text_content("#article-text")
    for s in b.page.evaluate(SEGMENTS_JS, "span.seg, .authorial"):
        assert shown[s["start"] : s["end"]] == s["text"], s


def test_browser_highlight_detail_on_hover_and_keyboard_focus(browsing, shots):
    """Hovering a span, or reaching it with Tab, shows the whole attribution: speaker with titles,
    cue with stance, addressee; moving away or Escape hides it."""
    b = browsing
    submit_analyze(b, LIBRARY)
    page = b.page
    tooltip = page.locator("#tooltip")
    assert tooltip.is_hidden()
    warned = page.locator("#article-text span.seg.role-cue", has_text="warned").first
    warned.hover()
    assert tooltip.is_visible()
    assert tooltip.get_attribute("data-attribution-id") == warned.get_attribute("data-attribution-id")
    detail = tooltip.inner_text()
    for part in ("Omar Haddad", "Student council president", "warned", "stance: emphatic",
                 "Addressed to:", "the university", "the heating bills would rise"):
        assert part in detail, (part, detail)
    box, tip = warned.bounding_box(), tooltip.bounding_box()
    assert tip["y"] >= box["y"] + box["height"] - 1  # shown below the span, not over it
    shoot(b, shots, "analyze-tooltip-hover")
    page.hover("h1")
    assert tooltip.is_hidden()
    # Keyboard: from the submit button, Tab reaches the first highlighted span, which shows its detail.
    page.focus("#analyze-submit")
    first = page.locator("#article-text span.seg").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#article-text span.seg')"):
            break
    else:
        pytest.fail("Tab never reached a highlighted span")
    assert page.evaluate("() => document.activeElement") == page.evaluate("el => el", first.element_handle())
    focused_id = first.get_attribute("data-attribution-id")
    assert tooltip.is_visible() and tooltip.get_attribute("data-attribution-id") == focused_id
    assert "Rosa Lindqvist" in tooltip.inner_text() and "stance:" in tooltip.inner_text()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Tab")
    second = page.evaluate("() => document.activeElement.dataset.attributionId")
    assert second and tooltip.get_attribute("data-attribution-id") == second
    shoot(b, shots, "analyze-tooltip-focus")
    page.keyboard.press("Escape")
    assert tooltip.is_hidden()
    b.watch.assert_clean("tooltip")


# ---------------------------------------------------------------------------- quotes, actor, network


def test_browser_quotes_search_filters_and_paginates(browsing, shots):
    b = browsing
    page = b.page
    b.go("/quotes")
    page.get_by_label("Speaker").fill("Dana Whitlock")
    with page.expect_navigation():
        page.click("#quotes-submit")
    assert page.input_value("#quotes-speaker") == "Dana Whitlock"
    speakers = page.locator("tr.quote-row .quote-speaker").all_inner_texts()
    api = b.site.api("/api/quotes", speaker="Dana Whitlock", limit=500)["items"]
    assert speakers and set(speakers) == {"Dana Whitlock"} and len(speakers) == len(api)
    assert any("copy" in w for w in page.locator("tr.quote-row .quote-where").all_inner_texts())
    shoot(b, shots, "quotes-search")
    # Untick "include copies": only originals remain.
    page.get_by_label("Include near-duplicate copies").uncheck()
    with page.expect_navigation():
        page.click("#quotes-submit")
    originals = page.locator("tr.quote-row .quote-where").all_inner_texts()
    assert 0 < len(originals) < len(speakers) and not any("copy" in w for w in originals)
    # Pagination, two at a time: Next until there is none gives every quote once, in order.
    everything = [str(q["attribution_id"]) for q in b.site.api("/api/quotes", limit=500)["items"]]
    assert len(everything) > 4
    b.go("/quotes?limit=2")
    seen: list[str] = []
    for _ in range(len(everything)):
        rows = page.locator("tr.quote-row")
        assert rows.count() <= 2
        seen += [rows.nth(i).get_attribute("data-attribution-id") for i in range(rows.count())]
        if page.locator("#next-page").count() == 0:
            break
        with page.expect_navigation():
            page.click("#next-page")
    assert seen == everything
    with page.expect_navigation():
        page.click("#prev-page")
    assert "offset=" in page.url or page.locator("#prev-page").count() == 0
    b.watch.assert_clean("quotes")


def test_browser_actor_page_shows_titles_timeline_and_statements(browsing, shots):
    """Reached from a quote's speaker link: titles, a bar per month whose heights follow the counts,
    statements linking to their place in the article."""
    b = browsing
    page = b.page
    b.go("/quotes?speaker=Dana+Whitlock")
    with page.expect_navigation():
        page.locator("tr.quote-row .quote-speaker a").first.click()
    detail = b.site.api("/api/actor", name="Dana Whitlock")
    assert page.url.endswith(f"/actors/{detail['actor_id']}")
    assert page.inner_text("#actor-name") == "Dana Whitlock"
    titles = page.inner_text("#actor-titles")
    assert all(t["title"] in titles for t in detail["titles"]) and "Port commissioner" in titles
    chart = page.locator("#timeline-chart")
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    bars = chart.locator("rect.bar")
    counts = [int(bars.nth(i).get_attribute("data-count")) for i in range(bars.count())]
    heights = [bars.nth(i).bounding_box()["height"] if c else 0.0 for i, c in enumerate(counts)]
    assert counts and sum(counts) == detail["statements_total"]
    assert all(h > 5 for c, h in zip(counts, heights, strict=True) if c)
    tallest = max(range(len(counts)), key=lambda i: heights[i])
    assert counts[tallest] == max(counts)
    statements = page.locator("#actor-statements tr.quote-row")
    assert statements.count() == len(detail["statements"])
    shoot(b, shots, "actor-whitlock")
    link = page.locator("#actor-statements a.context-link").first
    href = link.get_attribute("href")
    with page.expect_navigation():
        link.click()
    anchor = href.split("#", 1)[1]
    assert page.url.endswith(href) and page.locator(f"#{anchor}").count() == 1
    assert page.evaluate("() => document.querySelector(':target') !== null")
    b.watch.assert_clean("actor")


def test_browser_network_shows_nodes_and_filters_by_date(browsing, shots):
    b = browsing
    page = b.page
    b.go("/network")
    net = b.site.api("/api/network")
    graph = page.locator("#network-graph")
    assert graph.is_visible()
    nodes = graph.locator("circle.node")
    assert nodes.count() == len(net["nodes"]) >= 3
    frame = graph.bounding_box()
    radii = {}
    for i in range(nodes.count()):
        box = nodes.nth(i).bounding_box()
        assert box["width"] > 4 and frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1
        radii[nodes.nth(i).get_attribute("data-statements")] = box["width"]
    assert radii[max(radii, key=int)] >= radii[min(radii, key=int)]
    labels = graph.locator("text.node-label").all_text_contents()
    names = sorted(n["name"] for n in net["nodes"])
    # long names are shortened with an ellipsis in the drawing (the full name is in the node's <title>)
    shown = sorted(lab[:-1] if lab.endswith("…") else lab for lab in labels)
    assert len(shown) == len(names)
    assert all(any(name.startswith(label.rstrip()) for name in names) for label in shown)
    assert graph.locator("line.edge:not(.edge-event)").count() == len(net["edges"])  # + the page's event arrows
    shoot(b, shots, "network-all")
    page.fill("#network-since", "2024-03-01")
    page.fill("#network-until", "2024-03-31")
    with page.expect_navigation():
        page.click("#network-submit")
    march = set(page.locator("#network-graph text.node-label").all_text_contents())
    assert "Dana Whitlock" in march and "Elena Ortiz" not in march
    with page.expect_navigation():
        page.locator("#network-graph a.node-link", has_text="Dana Whitlock").click()
    assert page.inner_text("#actor-name") == "Dana Whitlock"
    b.watch.assert_clean("network")


def test_browser_network_labels_lie_inside_the_drawing(browsing):
    b = browsing
    b.go("/network")
    clipped = b.page.evaluate("""() => {
      const frame = document.getElementById('network-graph').getBoundingClientRect();
      return [...document.querySelectorAll('#network-graph text.node-label')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5
               || r.bottom > frame.bottom + 0.5;
      }).map(t => t.textContent);
    }""")
    assert clipped == []


# ---------------------------------------------------------------------------- lists, downloads, network

# For each element: the words whose characters do not all sit on one line (a word broken inside).
BROKEN_WORDS_JS = """(selector) => {
  const broken = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.textContent.includes('<')) continue;  // markup posing as a name (hostile input) is no name
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      const re = /[\\p{L}\\p{N}]+/gu;  // a word: letters and digits (punctuation may break a line)
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const tops = new Set();
        for (let i = m.index; i < m.index + m[0].length; i++) {
          const range = document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const rect = range.getBoundingClientRect();
          if (rect.width) tops.add(Math.round(rect.top));
        }
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def column(page: Any, table: str, index: int) -> list[str]:
    return page.eval_on_selector_all(
        f"{table} tbody tr:not(.group-head)",
        f"rows => rows.map(r => r.cells[{index}].dataset.sort ?? r.cells[{index}].textContent.trim())",
    )


def test_browser_names_never_break_inside_a_word_even_in_a_narrow_window(browsing, shots):
    b = browsing
    b.page.set_viewport_size({"width": 400, "height": 900})
    for path in ("/quotes", "/actors", f"/actors/{b.site.actors['Dana Whitlock']}", "/network", "/search?q=said"):
        b.go(path)
        assert b.page.evaluate(BROKEN_WORDS_JS, "td.name-cell") == [], path
        b.watch.assert_clean(path)
    b.go("/quotes")
    shoot(b, shots, "quotes-narrow")


def test_browser_long_titles_are_cut_with_the_full_title_on_hover(browsing):
    b = browsing
    b.page.set_viewport_size({"width": 900, "height": 900})
    b.go("/quotes?search=" + quote("read this"))
    b.go("/articles")
    links = b.page.eval_on_selector_all(
        "a.title-link", "els => els.map(a => [a.scrollWidth > a.clientWidth + 1, a.title, a.textContent])")
    assert links and any(cut for cut, _, _ in links), links  # the payload title is long enough to be cut
    assert all(title == text for _, title, text in links)
    height = b.page.eval_on_selector("a.title-link", "a => a.getBoundingClientRect().height")
    assert height < 30  # one line
    b.watch.assert_clean("titles")


def test_browser_quotes_list_counts_sorts_filters_by_confidence_and_downloads(browsing, shots):
    b = browsing
    page = b.page
    everything = b.site.api("/api/quotes", limit=500)
    b.go("/quotes?limit=3")
    assert int(page.get_attribute("#quotes-count .list-count", "data-total")) == everything["total"]
    assert "of " + str(everything["total"]) in page.inner_text("#quotes-count")
    assert "page 1 of" in page.inner_text("#pagination")
    # Confidence on every row, and sorting by it (then back the other way).
    page.click("#quotes-results th:nth-child(5) button")
    values = [float(v) for v in column(page, "#quotes-results", 4)]
    assert values == sorted(values)
    assert page.get_attribute("#quotes-results th:nth-child(5)", "aria-sort") == "ascending"
    page.click("#quotes-results th:nth-child(5) button")
    assert [float(v) for v in column(page, "#quotes-results", 4)] == sorted(values, reverse=True)
    page.click("#quotes-results th:nth-child(1) button")
    speakers = column(page, "#quotes-results", 0)
    assert speakers == sorted(speakers, key=str.casefold)
    # The minimum-confidence filter: a threshold between the lowest and highest confidence.
    confidences = sorted({q["confidence"] for q in everything["items"]})
    assert len(confidences) >= 2, "the corpus needs statements of different confidence"
    threshold = round((confidences[0] + confidences[-1]) / 2, 3)
    b.go("/quotes")
    page.fill("#quotes-min-confidence", str(threshold))
    with page.expect_navigation():
        page.click("#quotes-submit")
    kept = [float(v) for v in column(page, "#quotes-results", 4)]
    expected = [q for q in everything["items"] if q["confidence"] >= threshold]
    assert kept and all(v >= threshold for v in kept) and len(kept) == len(expected)
    assert int(page.get_attribute("#quotes-count .list-count", "data-total")) == len(expected)
    shoot(b, shots, "quotes-min-confidence")
    # Downloads carry the same filters: every matching row, not just the page.
    csv_href = page.get_attribute("#quotes-count a.download-csv", "href")
    json_href = page.get_attribute("#quotes-count a.download-json", "href")
    assert "min_confidence=" in csv_href and "format=csv" in csv_href
    got = httpx.get(b.site.base + json_href, timeout=30)
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    assert sorted(r["attribution_id"] for r in got.json()) == sorted(q["attribution_id"] for q in expected)
    text = httpx.get(b.site.base + csv_href, timeout=30).text
    assert text.splitlines()[0].startswith("attribution_id,") and len(text.splitlines()) >= len(expected) + 1
    b.watch.assert_clean("quotes lists")


def test_browser_actors_list_counts_pages_sorts_and_downloads(browsing, shots):
    b = browsing
    page = b.page
    everything = b.site.api("/api/actors", top=500)
    b.go("/actors?top=2")
    assert int(page.get_attribute("#actors-count .list-count", "data-total")) == everything["total"]
    seen = []
    for _ in range(everything["total"]):
        seen += page.eval_on_selector_all("tr.actor-row", "rows => rows.map(r => +r.dataset.actorId)")
        if page.locator("#next-page").count() == 0:
            break
        with page.expect_navigation():
            page.click("#next-page")
    assert seen == [a["actor_id"] for a in everything["items"]]
    b.go("/actors")
    page.click("#actors-results th:nth-child(3) button")
    counts = [int(v) for v in column(page, "#actors-results", 2)]
    assert counts == sorted(counts)
    shoot(b, shots, "actors-sorted")
    rows = httpx.get(b.site.base + page.get_attribute("a.download-json", "href"), timeout=30).json()
    assert [r["actor_id"] for r in rows] == [a["actor_id"] for a in everything["items"]]
    page.fill("#actors-q", "smith")
    with page.expect_navigation():
        page.click("#actors-submit")
    names = column(page, "#actors-results", 0)
    assert names and all("smith" in n.lower() for n in names)
    b.watch.assert_clean("actors list")


def test_browser_search_shows_section_totals_and_links_to_full_lists(browsing, shots):
    b = browsing
    page = b.page
    b.go("/search?q=said")
    total = b.site.api("/api/quotes", search="said", limit=1)["total"]
    assert f"({total})" in page.inner_text("#search-quotes-title")
    assert f"{total} quotes" in page.inner_text("#search-totals")
    shoot(b, shots, "search-totals")
    with page.expect_navigation():
        page.click("#all-quotes")
    assert page.input_value("#quotes-search") == "said"
    assert int(page.get_attribute("#quotes-count .list-count", "data-total")) == total
    b.go("/search?q=smith")
    with page.expect_navigation():
        page.click("#all-actors")
    assert page.input_value("#actors-q") == "smith" and page.locator("tr.actor-row").count() >= 2
    b.go("/search?q=harbor")
    n_articles = int(re.search(r"\((\d+)\)", page.inner_text("#search-articles-title")).group(1))
    with page.expect_navigation():
        page.click("#all-articles")
    assert page.locator("tr.article-row").count() == n_articles >= 1
    b.watch.assert_clean("search")


def test_browser_actor_page_pages_statements_grouped_by_article_with_confidence(browsing, shots):
    b = browsing
    page = b.page
    actor_id = b.site.actors["Dana Whitlock"]
    detail = b.site.api(f"/api/actors/{actor_id}", limit=500)
    statements = detail["statements"]
    assert len({s["article_id"] for s in statements}) >= 2  # the article and its copy
    b.go(f"/actors/{actor_id}")
    groups = page.locator("#statements-results tbody.article-group")
    assert groups.count() == len({s["article_id"] for s in statements})
    for i in range(groups.count()):
        article_id = int(groups.nth(i).get_attribute("data-article-id"))
        rows = groups.nth(i).locator("tr.quote-row")
        assert rows.count() == sum(1 for s in statements if s["article_id"] == article_id)
        assert groups.nth(i).locator("tr.group-head a.title-link").count() == 1  # the title once per article
    assert page.locator("#statements-results td.quote-confidence").count() == len(statements)
    shoot(b, shots, "actor-grouped")
    b.go(f"/actors/{actor_id}?limit=1")
    seen = []
    for _ in range(len(statements)):
        seen += page.eval_on_selector_all("#statements-results tr.quote-row", "rs => rs.map(r => +r.dataset.attributionId)")
        if page.locator("#next-page").count() == 0:
            break
        with page.expect_navigation():
            page.click("#next-page")
    assert seen == [s["attribution_id"] for s in statements]
    top = max(s["confidence"] for s in statements)
    b.go(f"/actors/{actor_id}")
    page.fill("#actor-min-confidence", str(top))
    with page.expect_navigation():
        page.click("#actor-filter-submit")
    kept = [float(v) for v in column(page, "#statements-results", 3)]
    assert kept and all(v >= top for v in kept)
    assert len(kept) == sum(1 for s in statements if s["confidence"] >= top)
    b.watch.assert_clean("actor page")


def test_browser_article_attributions_count_sort_and_download(browsing, shots):
    b = browsing
    page = b.page
    harbor = b.site.articles["https://harbor.example/dredging"]
    found = b.site.api(f"/api/articles/{harbor}")
    b.go(f"/articles/{harbor}")
    n = len(found["analysis"]["attributions"])
    assert int(page.get_attribute("#attributions-count", "data-total")) == n >= 2
    assert page.locator("#attribution-list .detail-confidence").count() == n
    page.click(".list-sort button[data-key=confidence]")
    shown = page.eval_on_selector_all("#attribution-list > li", "ls => ls.map(l => +l.dataset.confidence)")
    assert shown == sorted(shown, reverse=True)
    page.click(".list-sort button[data-key=order]")
    order = page.eval_on_selector_all("#attribution-list > li", "ls => ls.map(l => +l.dataset.order)")
    assert order == sorted(order)
    rows = httpx.get(b.site.base + page.get_attribute("#attributions a.download-json", "href"), timeout=30).json()
    assert sorted(r["attribution_id"] for r in rows) == sorted(found["attribution_ids"].values())
    b.watch.assert_clean("article attributions")


LABEL_BOXES_JS = """() => [...document.querySelectorAll('#network-graph text.node-label')]
  .filter(t => getComputedStyle(t).display !== 'none')
  .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, t.textContent]; })"""


def test_browser_network_legend_labels_zoom_pan_drag_and_hover(browsing, shots):
    b = browsing
    page = b.page
    b.go("/network")
    legend = page.inner_text("#network-legend")
    assert "person" in legend and "addresses" in legend and "same article" in legend
    boxes = page.evaluate(LABEL_BOXES_JS)
    assert len(boxes) >= 3
    overlaps = [(a[4], c[4]) for i, a in enumerate(boxes) for c in boxes[i + 1:]
                if a[0] < c[2] - 1 and c[0] < a[2] - 1 and a[1] < c[3] - 1 and c[1] < a[3] - 1]
    assert overlaps == []
    graph = page.locator("#network-graph")
    box = graph.bounding_box()
    view = graph.get_attribute("viewBox")
    # the middle of the drawing, or the lowest point of it in the window when the legend pushes it down
    page.mouse.move(box["x"] + box["width"] / 2, min(box["y"] + box["height"] / 2, 850))
    page.mouse.wheel(0, -300)
    page.wait_for_function("v => document.getElementById('network-graph').getAttribute('viewBox') !== v", arg=view)
    zoomed = [float(v) for v in graph.get_attribute("viewBox").split()]
    assert zoomed[2] < 1000  # zoomed in
    page.click("#network-reset")
    assert graph.get_attribute("viewBox") == "0 0 1000 1000"
    # Pan: drag an empty corner of the background.
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 105, box["y"] + 55, steps=5)
    page.mouse.up()
    panned = [float(v) for v in graph.get_attribute("viewBox").split()]
    assert panned[0] < -50 and panned[1] < -20
    page.click("#network-reset")
    # Drag a node with links: it moves, its lines follow, and the page stays put.
    net = b.site.api("/api/network")
    linked = net["edges"][0]["source"]
    node = page.locator(f"#network-graph a.node-link[data-actor-id='{linked}'] circle")
    before = float(node.get_attribute("cx"))
    edge = page.locator(f"#network-graph line.edge[data-source='{linked}']").first
    line_before = edge.get_attribute("x1")
    node.scroll_into_view_if_needed()
    nb = node.bounding_box()
    url = page.url
    page.mouse.move(nb["x"] + nb["width"] / 2, nb["y"] + nb["height"] / 2)
    page.mouse.down()
    page.mouse.move(nb["x"] + nb["width"] / 2 + 60, nb["y"] + nb["height"] / 2 + 30, steps=6)
    page.mouse.up()
    assert float(node.get_attribute("cx")) > before + 20
    assert edge.get_attribute("x1") != line_before
    assert page.url == url  # the drag did not follow the node's link
    # Hover: the node, its neighbours and its lines stand out, the rest fades.
    neighbours = {str(e["target"]) for e in net["edges"] if e["source"] == linked}
    neighbours |= {str(e["source"]) for e in net["edges"] if e["target"] == linked}
    page.locator(f"#network-graph a.node-link[data-actor-id='{linked}'] circle").hover()
    assert "has-focus" in graph.get_attribute("class")
    marked = set(page.eval_on_selector_all("#network-graph a.is-neighbour", "as => as.map(a => a.dataset.actorId)"))
    assert marked == neighbours
    incident = page.eval_on_selector_all("#network-graph line.is-incident:not(.edge-event)", "ls => ls.length")
    assert incident == sum(1 for e in net["edges"] if linked in (e["source"], e["target"]))
    shoot(b, shots, "network-hover")
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)
    assert "has-focus" not in (graph.get_attribute("class") or "")
    # The links table: each row links to both actors.
    first = page.locator("#network-edges tr.edge-row").first
    assert first.locator("a.edge-source").get_attribute("href") == f"/actors/{first.get_attribute('data-source')}"
    target = first.get_attribute("data-target")
    with page.expect_navigation():
        first.locator("a.edge-target").click()
    assert page.url.endswith(f"/actors/{target}")
    b.watch.assert_clean("network interactions")


# ---------------------------------------------------------------------------- hostile text


def test_browser_hostile_text_renders_inert(browsing, site, shots):
    """Articles whose text, title, names, titles, quotes, outlet, authors and URL are script: no dialog,
    no injected element or handler in the DOM, ``window.__pwned`` never set, the text shown as text.
    Hovering and focusing the hostile spans (the detail box copies their markup) changes nothing."""
    b = browsing
    page = b.page
    pwned = site.articles["javascript:window.__pwned='url'"]
    xss = site.articles[XSS_URL]
    hand = site.articles["JaVaScRiPt:alert('hand')"]
    ames = next(a["actor_id"] for a in site.api("/api/search", q="Ames")["actors"] if a["name"] == PWN_ADDRESSEE)
    paths = [
        f"/articles/{pwned}", f"/articles/{xss}", f"/articles/{hand}", f"/actors/{site.actors[PWN_NAME]}",
        f"/actors/{ames}", "/", "/articles", "/quotes", "/quotes?search=read",
        "/actors", "/network", "/search?q=Stroud", "/search?q=" + quote("<script>window.__pwned=1</script>"),
        "/quotes?speaker=" + quote("<img src=x onerror=window.__pwned=1>"), "/actor?name=" + quote(PWN_NAME),
    ]
    for path in paths:
        b.go(path)
        found = page.evaluate(INERT_JS)
        assert found == {"bad": [], "pwned": None}, (path, found)
        for seg in page.locator("#article-text span.seg").all()[:6]:
            seg.hover()
            seg.focus()
            assert page.locator("#tooltip").is_visible()
            assert page.evaluate("() => document.querySelectorAll('#tooltip img, #tooltip script, "
                                 "#tooltip iframe, #tooltip svg').length") == 0
            page.keyboard.press("Escape")  # the box of a focused span stays up, over the next line
        assert page.evaluate(INERT_JS) == {"bad": [], "pwned": None}, path
        b.watch.assert_clean(path)
    b.go(f"/articles/{pwned}")
    assert page.text_content("#article-text") == PWN_TEXT
    assert page.inner_text("#article-title") == PWN_TITLE
    assert page.inner_text("#article-url") == "javascript:window.__pwned='url'"
    assert page.locator("#article-url a").count() == 0
    assert page.is_visible("#article-text")  # the injected <style> did not hide the body
    shoot(b, shots, "hostile-article")
    b.go(f"/articles/{xss}")
    assert page.text_content("#article-text") == XSS
    # Pasted into the analyze form: shown as text, nothing runs.
    submit_analyze(b, PWN_TEXT, published=None)
    assert page.text_content("#article-text") == PWN_TEXT
    for seg in page.locator("#article-text span.seg").all():
        seg.hover()
        page.keyboard.press("Escape")
    assert page.evaluate(INERT_JS) == {"bad": [], "pwned": None}
    shoot(b, shots, "hostile-analyze")
    b.watch.assert_clean("analyze hostile")


def test_browser_long_words_wrap_so_no_page_scrolls_sideways(browsing):
    b = browsing
    wide = []
    for path in b.site.pages().values():
        b.go(path)
        scroll, client = b.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if scroll > client:
            wide.append((path, scroll))
    assert wide == []


# ---------------------------------------------------------------------------- accessibility


def a11y_pages(site: Site) -> dict[str, str]:
    harbor = site.articles["https://harbor.example/dredging"]
    return {
        "home": "/", "analyze": "/analyze", "articles": "/articles", "article": f"/articles/{harbor}",
        "quotes": "/quotes", "actors": "/actors", "actor": f"/actors/{site.actors['Dana Whitlock']}",
        "network": "/network", "search": "/search?q=harbor", "login": "/login", "choose-actor": "/actor?name=smith",
    }


def test_browser_a11y_every_control_has_a_label(browsing):
    """Each input is found by its label text (``get_by_label``), each button by its name."""
    b = browsing
    checked = 0
    for path in a11y_pages(b.site).values():
        b.go(path)
        for control in b.page.evaluate(CONTROLS_JS):
            if control["tag"] == "button":
                name = control["aria"] or control["text"]
                assert name, (path, control)
                assert b.page.get_by_role("button", name=name, exact=True).count() >= 1, (path, control)
                continue
            label = (control["labels"] or [control["aria"]])[0]
            assert label, f"{path}: unlabelled control {control}"
            ids = b.page.get_by_label(label, exact=True).evaluate_all("els => els.map(e => e.id)")
            assert control["id"] in ids, (path, control, ids)
            checked += 1
    assert checked >= 15


def test_browser_a11y_images_svgs_and_links_have_names(browsing):
    b = browsing
    for path in a11y_pages(b.site).values():
        b.go(path)
        assert b.page.evaluate(NAMES_JS) == [], path
    b.go(a11y_pages(b.site)["actor"])
    assert b.page.get_by_role("img", name=re.compile("Statements by Dana Whitlock")).count() == 1
    b.go("/network")
    assert b.page.get_by_role("img", name=re.compile(r"Network of \d+ actors")).count() == 1


def assert_headings_in_order(b: Browsing, where: str) -> None:
    levels = b.page.evaluate(HEADINGS_JS)
    assert levels and levels[0][0] == 1, (where, levels)
    assert sum(1 for level, _ in levels if level == 1) == 1, (where, levels)
    for (before, _), (after, text) in itertools.pairwise(levels):
        assert after <= before + 1, f"{where}: h{before} followed by h{after} ({text!r}): {levels}"


def test_browser_a11y_headings_in_order(browsing):
    """One h1 first, and no level skipped on the way down."""
    b = browsing
    for path in a11y_pages(b.site).values():
        b.go(path)
        assert_headings_in_order(b, path)


def test_browser_a11y_headings_in_order_on_the_analyze_result(browsing):
    b = browsing
    submit_analyze(b, LIBRARY)
    assert_headings_in_order(b, "analyze result")


def test_browser_a11y_keyboard_reaches_everything_with_visible_focus(browsing):
    """Tab from the top reaches every link, control and highlighted span, in order, each with a visible
    focus ring; the first stop is the skip link, which shows itself."""
    b = browsing
    pages = dict(a11y_pages(b.site))
    pages["xss-article"] = f"/articles/{b.site.articles[XSS_URL]}"
    for path in pages.values():
        b.go(path)
        expected, visited = tab_through(b)
        assert [v["kb"] for v in visited] == list(range(len(expected))), (path, expected, visited)
        assert visited[0]["id"] == "" and b.page.evaluate("() => document.activeElement") is not None
        missing_ring = [expected[v["kb"]] for v in visited if not v["ring"]]
        assert not missing_ring, f"{path}: focus not visible on {missing_ring}"
        assert all(v["visible"] for v in visited), (path, [v for v in visited if not v["visible"]])
    b.go("/")
    b.page.keyboard.press("Tab")
    assert b.page.evaluate("() => document.activeElement.className") == "skip-link"
    box = b.page.locator(".skip-link").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0


def test_browser_a11y_analyze_page_works_by_keyboard_alone(browsing, shots):
    """Type the article, Tab to the submit button, press Enter, then Tab to the highlighted spans."""
    b = browsing
    page = b.page
    b.go("/analyze")
    order: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        active = page.evaluate("() => document.activeElement.id")
        if not order or order[-1] != active:
            order.append(active)
        if active == "analyze-text":
            page.keyboard.insert_text(LIBRARY)
        if active == "analyze-submit":
            break
    wanted = ["analyze-text", "analyze-file", "analyze-published", "analyze-submit"]
    assert [i for i in order if i in wanted] == wanted, order
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.text_content("#article-text") == LIBRARY
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('#article-text span.seg')"):
            break
    else:
        pytest.fail("Tab never reached a highlighted span")
    assert page.locator("#tooltip").is_visible()
    b.watch.assert_clean("keyboard analyze")


def test_browser_a11y_text_contrast_at_least_4_5(browsing):
    """Every visible text (body text, highlighted spans, links, buttons, labels, chart labels, the
    detail box) against its effective background: contrast ratio >= 4.5:1 (WCAG AA)."""
    b = browsing
    page = b.page
    results: list[dict[str, Any]] = []
    for path in a11y_pages(b.site).values():
        b.go(path)
        results += [{**r, "page": path} for r in page.evaluate(CONTRAST_JS)]
    b.go("/articles/987654", status=404)
    results += [{**r, "page": "404"} for r in page.evaluate(CONTRAST_JS)]
    submit_analyze(b, LIBRARY)
    page.locator("#article-text span.seg.role-cue").first.hover()
    results += [{**r, "page": "analyze result"} for r in page.evaluate(CONTRAST_JS)]
    page.locator("#analyze-submit").hover()  # the button's hover colour
    results += [{**r, "page": "hover"} for r in page.evaluate(CONTRAST_JS) if r["tag"] == "button"]
    kinds = {
        "text": lambda r: r["tag"] in ("p", "td", "li", "dd"),
        "highlights": lambda r: "seg" in r["cls"].split(),
        "authorial": lambda r: "authorial" in r["cls"].split(),
        "links": lambda r: r["tag"] == "a",
        "buttons": lambda r: r["tag"] == "button",
        "tooltip": lambda r: r["tooltip"],
        "chart": lambda r: r["tag"] == "text",
    }
    for kind, test in kinds.items():
        assert any(test(r) for r in results), f"no {kind} checked"
    for kind, test in kinds.items():
        worst = min((r for r in results if test(r)), key=lambda r: r["ratio"])
        print(f"contrast, lowest for {kind}: {worst['ratio']:.2f} ({worst['tag']}.{worst['cls']} {worst['text']!r})")
    low = [r for r in results if r["ratio"] < 4.5]
    assert not low, "contrast below 4.5:1: " + "; ".join(
        f"{r['page']} {r['tag']}.{r['cls']} {r['text']!r} {r['fg']} on {r['bg']}: {r['ratio']:.2f}" for r in low[:10])



# ---------------------------------------------------------------------------- events (PLOVER)


def test_browser_events_page_filters_sorts_pages_and_downloads(browsing, shots):
    b = browsing
    page = b.page
    every = b.site.api("/api/events", limit=500)["items"]
    assert len(every) >= 4
    b.go("/")
    with page.expect_navigation():
        page.click("#nav-events")
    assert page.url.endswith("/events")
    assert int(page.get_attribute("#events-count .list-count", "data-total")) == len(every)
    assert page.locator("#events-results tbody tr").count() == len(every)
    # Sort by date, then by who acted (client-side, this page).
    page.click("#events-results th:nth-child(1) button")
    dates = column(page, "#events-results", 0)
    assert dates == sorted(dates)
    page.click("#events-results th:nth-child(2) button")
    who = column(page, "#events-results", 1)
    assert who == sorted(who, key=str.casefold)
    shoot(b, shots, "events-page")
    # The type filter, by the form.
    page.select_option("#events-type", "CONSULT")
    with page.expect_navigation():
        page.click("#events-submit")
    consult = [e for e in every if e["type"] == "CONSULT"]
    assert page.locator("#events-results tbody tr").count() == len(consult) >= 1
    assert set(page.eval_on_selector_all("#events-results tbody tr", "rs => rs.map(r => r.dataset.type)")) == {"CONSULT"}
    href = page.get_attribute("#events-count a.download-csv", "href")
    assert "type=CONSULT" in href and "format=csv" in href
    got = httpx.get(b.site.base + page.get_attribute("#events-count a.download-json", "href"), timeout=30)
    assert [e["event_id"] for e in got.json()] == [e["event_id"] for e in consult]
    # Paging: two a page.
    b.go("/events?limit=2")
    assert "page 1 of" in page.inner_text("#pagination")
    with page.expect_navigation():
        page.click("#next-page")
    assert page.locator("#events-results tbody tr").count() == min(2, len(every) - 2)
    # A bad filter: the page says so, with 422.
    b.go("/events?type=PARTY", status=422)
    assert "PLOVER" in page.inner_text("#main")
    b.watch.clear()  # the 422 above is expected
    b.go("/events?actor=" + quote("Ana Kell"))
    assert set(column(page, "#events-results", 1)) == {"Ana Kell"}
    shoot(b, shots, "events-filtered")
    b.watch.assert_clean("events page")


def test_browser_article_highlights_event_triggers_with_type_on_hover(browsing, shots):
    b = browsing
    page = b.page
    article = b.site.articles["https://border.example/clashes"]
    stored = b.site.api(f"/api/articles/{article}")["analysis"]
    b.go(f"/articles/{article}")
    marks = page.locator("#article-text mark.event-trigger")
    assert marks.count() >= len(stored["events"]) >= 3
    met = page.locator("#article-text mark.event-trigger[data-type='CONSULT']").first
    assert met.inner_text() == next(e["trigger"]["text"] for e in stored["events"] if e["type"] == "CONSULT")
    assert met.get_attribute("title").startswith("CONSULT:")
    border = met.evaluate("m => getComputedStyle(m).borderTopColor")
    assert border not in ("rgba(0, 0, 0, 0)", "transparent")
    met.hover()
    # the legend has the trigger swatch; the list below has agent -> type -> target with actor links
    assert "event" in page.inner_text("#legend")
    items = page.locator("#event-list li.event-item")
    assert items.count() == len(stored["events"])
    consult = page.locator("#event-list li.event-item[data-type='CONSULT']").first
    assert "Ana Kell" in consult.inner_text() and "Omar Brandt" in consult.inner_text()
    shoot(b, shots, "article-events")
    with page.expect_navigation():
        consult.locator(".event-agent a").click()
    assert page.url.endswith(f"/actors/{b.site.actors['Ana Kell']}")
    b.watch.assert_clean("article events")


def test_browser_actor_page_shows_events_by_type_and_over_time(browsing, shots):
    b = browsing
    page = b.page
    kell = b.site.actors["Ana Kell"]
    mine = b.site.api("/api/events", actor=f"id:{kell}", limit=500)["items"]
    b.go(f"/actors/{kell}")
    section = page.locator("#actor-events")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    counts = page.eval_on_selector_all(
        "#actor-events-did tr.event-type-row", "rs => rs.map(r => [r.dataset.type, +r.dataset.count])")
    assert sum(n for _, n in counts) == len(mine) and {t for t, _ in counts} == {e["type"] for e in mine}
    bars = page.eval_on_selector_all("#events-did-chart rect.bar", "rs => rs.map(r => +r.dataset.count)")
    assert sum(bars) == sum(1 for e in mine if e["date"])
    assert page.locator("#events-did-chart").bounding_box()["height"] > 40
    section.screenshot(path=str(shots / "actor-events.png"))
    with page.expect_navigation():
        page.locator("#actor-events-did a.type-badge").first.click()
    assert "/events?" in page.url and page.locator("#events-results tbody tr").count() >= 1
    b.watch.assert_clean("actor events")


def test_browser_network_shows_event_edges_with_legend(browsing, shots):
    b = browsing
    page = b.page
    b.go("/network?top=200")
    legend = page.inner_text("#network-legend")
    assert "event:" in legend and "verbal cooperation" in legend
    lines = page.locator("#network-graph line.edge-event")
    assert lines.count() >= 1
    colour = lines.first.evaluate("l => getComputedStyle(l).stroke")
    key = page.locator("#network-legend .key-edge.edge-event").first.evaluate(
        "k => getComputedStyle(k).borderTopColor")
    family = lines.first.get_attribute("data-family")
    key_for = page.locator(f"#network-legend li[data-family='{family}'] .key-edge").evaluate(
        "k => getComputedStyle(k).borderTopColor")
    assert colour == key_for and key  # the arrow's colour is its legend entry's
    assert page.locator("#network-graph line.edge-co-quoted, #network-graph line.edge-addresses").count() >= 1
    kell = str(b.site.actors["Ana Kell"])
    page.locator(f"#network-graph a.node-link[data-actor-id='{kell}'] circle").hover()
    assert page.locator(f"#network-graph line.edge-event.is-incident[data-source='{kell}']").count() >= 1
    shoot(b, shots, "network-events")
    assert page.locator("#network-edges tr.event-edge-row").count() == lines.count()
    b.watch.assert_clean("network events")
