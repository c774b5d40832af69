"""Tests for ``newsgraph.io.sources``: feeds, pages, WARC archives, files, and everything failing.

Every page, feed and archive here is invented for the tests (the harbour town
of Port Wendle, its councillor Mara Quint, the Harbour Gazette); none is taken
from a corpus or the web. Feeds and pages are served by a local
``http.server`` on 127.0.0.1 (loopback only); WARC files are written with
warcio into ``tmp_path``.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsgraph.errors import NewsgraphError
from newsgraph.io import reading, sources
from newsgraph.io.reading import ReadArticle
from newsgraph.io.sources import decode_page, iter_sources, iter_warc

LEAK = "SCRIPT_MARKER_MUST_NOT_LEAK"
TIMEOUT = 0.5


# ---------------------------------------------------------------------------
# Invented pages


def _story(slug: str, title: str, *, site: str | None = None, date: str | None = None) -> str:
    """An article page with a script, a style, navigation and four paragraphs of body."""
    meta = ""
    if site:
        meta += f'<meta property="og:site_name" content="{site}">'
    if date:
        meta += f'<meta property="article:published_time" content="{date}">'
    paras = "".join(
        f"<p>Paragraph {n} on {slug}: councillor Mara Quint of Port Wendle told the works committee on "
        f"Tuesday that the {slug} would be finished before the winter storms, and that the budget of "
        f"the harbour board had been checked twice by independent engineers.</p>"
        for n in range(1, 5)
    )
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title>{meta}"
        f"<script>var tracking = '{LEAK}'; document.write(tracking);</script>"
        f"<style>p {{ color: black; }}</style></head><body>"
        f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{paras}</article>"
        f"<footer>Contact the newsroom</footer></body></html>"
    )


def _untitled(slug: str) -> str:
    """A page with body text but no <title>, no <h1> and no og:title."""
    paras = "".join(
        f"<p>Paragraph {n} about the {slug}: the ferry operator said on Monday that crossings to the "
        f"island of Lannock would resume once the new pontoon had been inspected by the coastguard.</p>"
        for n in range(1, 5)
    )
    return f"<html><head></head><body><div>{paras}</div></body></html>"


NO_ARTICLE = "<html><head><title>Gallery</title></head><body><img src='a.jpg'><img src='b.jpg'></body></html>"

SEA_WALL = _story("sea wall", "Port Wendle votes to rebuild the sea wall")
FERRY = _story("ferry pontoon", "Ferry crossings to Lannock to resume", site="Wendle Weekly")
LIBRARY = _story("library roof", "Library roof repairs approved")
BRIDGE = _story("swing bridge", "Swing bridge to close for a month")
DATED = _story("tide gauge", "A new tide gauge for the harbour", date="2024-02-10")


def _rss(base: str) -> str:
    items = [
        ("Sea wall vote", f"{base}/news/sea-wall.html", "Tue, 05 Mar 2024 09:30:00 GMT"),
        ("Ferry news", f"{base}/news/ferry.html", "Wed, 06 Mar 2024 10:00:00 +0100"),
        ("Gone", f"{base}/missing.html", "Wed, 06 Mar 2024 11:00:00 GMT"),
        ("Slow", f"{base}/slow.html", "Wed, 06 Mar 2024 12:00:00 GMT"),
        ("Untitled page", f"{base}/news/untitled.html", "Thu, 07 Mar 2024 08:00:00 GMT"),
    ]
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate></item>" for t, link, d in items
    )
    body += "<item><title>No link here</title><description>Just a note.</description></item>"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>Harbour Gazette</title><link>{base}/</link><description>News</description>"
        f"{body}</channel></rss>"
    )


def _atom(base: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><title>Valley Courier</title>'
        f'<id>{base}/atom</id><updated>2024-04-02T08:00:00Z</updated><link href="{base}/"/>'
        "<entry><title>Library roof</title><id>urn:x:1</id><updated>2024-04-01T07:15:00Z</updated>"
        f'<link href="{base}/news/library.html"/></entry>'
        "<entry><title>Bridge</title><id>urn:x:2</id><updated>2024-04-02T08:00:00Z</updated>"
        '<link href="news/bridge.html"/></entry>'
        "</feed>"
    )


# ---------------------------------------------------------------------------
# A local server (127.0.0.1 only)


class _Server:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.user_agents: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet test output
                pass

            def _send(self, body: bytes, ctype: str, *, length: bool = True, status: int = 200) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                server.user_agents.append(self.headers.get("User-Agent", ""))
                base = f"http://{self.headers['Host']}"
                path = self.path
                html = "text/html; charset=utf-8"
                pages = {
                    "/news/sea-wall.html": SEA_WALL,
                    "/news/ferry.html": FERRY,
                    "/news/library.html": LIBRARY,
                    "/news/bridge.html": BRIDGE,
                    "/news/untitled.html": _untitled("pontoon"),
                    "/dated.html": DATED,
                    "/no-article.html": NO_ARTICLE,
                }
                if path in pages:
                    self._send(pages[path].encode(), html)
                elif path == "/rss.xml":
                    self._send(_rss(base).encode(), "application/rss+xml")
                elif path == "/atom.xml":
                    self._send(_atom(base).encode(), "application/xml")  # root element decides
                elif path == "/broken-feed.xml":
                    self._send(b"<rss><channel><title>Broken", "application/rss+xml")
                elif path in ("/slow.html", "/slow-feed.xml"):
                    server.release.wait(10)  # never answers in time; released at teardown
                elif path == "/drip.html":
                    self.send_response(200)
                    self.send_header("Content-Type", html)
                    self.end_headers()
                    for _ in range(40):  # a byte every 0.1 s: each read is in time, the whole is not
                        if server.release.wait(0.1):
                            break
                        self.wfile.write(b" ")
                        self.wfile.flush()
                elif path == "/big.html":
                    self._send(b"<html><body><p>" + b"x" * 20_000 + b"</p></body></html>", html)
                elif path == "/big-unsized.html":
                    self._send(b"<html><body><p>" + b"y" * 20_000 + b"</p></body></html>", html, length=False)
                elif path == "/photo.png":
                    self._send(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
                elif path == "/to-file":
                    self.send_response(302)
                    self.send_header("Location", "file:///etc/passwd")
                    self.end_headers()
                elif path == "/to-page":
                    self.send_response(301)
                    self.send_header("Location", "/news/sea-wall.html")
                    self.end_headers()
                elif path == "/gzipped.html":  # compressed although we asked for identity
                    self.send_response(200)
                    self.send_header("Content-Type", html)
                    self.send_header("Content-Encoding", "gzip")
                    body = gzip.compress(LIBRARY.encode())
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif path == "/bomb.html":  # 2 KB that would inflate to 5 MB
                    self.send_response(200)
                    self.send_header("Content-Type", html)
                    self.send_header("Content-Encoding", "gzip")
                    self.end_headers()
                    self.wfile.write(gzip.compress(b"<p>" + b"z" * 5_000_000))
                elif path == "/plain.txt":
                    self._send(ARTICLE_TXT.encode(), "text/plain; charset=utf-8")
                elif path == "/feed-as-html":  # a feed served with the wrong type: the root decides
                    self._send(_rss(base).encode(), "text/html")
                elif path == "/latin1.html":
                    page = _story("café terrace", "Café terrace licence renewed")
                    self._send(page.encode("cp1252"), "text/html; charset=windows-1252")
                else:
                    self._send(b"<html><body>Not found</body></html>", html, status=404)

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that gave up (the timeout tests) is expected, not worth a traceback

        self.httpd = Quiet(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        host, port = self.httpd.server_address[:2]
        self.base = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server()
    yield srv
    srv.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to 127.0.0.1 must go straight there, whatever the environment's proxy."""
    for var in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


def _articles(items: list[ReadArticle | NewsgraphError]) -> list[ReadArticle]:
    return [item for item in items if isinstance(item, ReadArticle)]


def _errors(items: list[ReadArticle | NewsgraphError]) -> list[NewsgraphError]:
    return [item for item in items if isinstance(item, NewsgraphError)]


def _check_read(read: ReadArticle) -> None:
    """What every article from a source must satisfy: offsets, a name, no script text."""
    text = read.article.text
    assert read.name
    assert LEAK not in text and "tracking" not in text and "color: black" not in text
    if read.title_span is not None:
        start, end = read.title_span
        assert text[start:end] == read.article.title
    if read.dek_span is not None:
        start, end = read.dek_span
        assert text[start:end] == read.article.dek
    for start, end in read.excluded:
        assert 0 <= start <= end <= len(text)


# ---------------------------------------------------------------------------
# Feeds and pages


def test_sources_rss_feed_reads_entries_and_reports_each_failure(server: _Server):
    started = time.monotonic()
    items = list(iter_sources([f"{server.base}/rss.xml"], timeout=TIMEOUT))
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"a slow entry must not hold the feed ({elapsed:.1f} s)"
    names = [item.name if isinstance(item, ReadArticle) else item.code for item in items]
    base = server.base
    # In feed order: two pages, a 404, a timeout, a page without a title, an entry without a link.
    assert names == [
        f"{base}/news/sea-wall.html",
        f"{base}/news/ferry.html",
        "E023",
        "E023",
        f"{base}/news/untitled.html",
        "E028",
    ]
    errors = _errors(items)
    assert "HTTP 404" in str(errors[0]) and f"{base}/missing.html" in str(errors[0])
    assert "timed out" in str(errors[1]) and f"{base}/slow.html" in str(errors[1])
    assert "entry 6" in str(errors[2])
    sea_wall, ferry, untitled = _articles(items)
    for read in (sea_wall, ferry, untitled):
        _check_read(read)
        assert read.article.url == read.name
    assert sea_wall.article.title == "Port Wendle votes to rebuild the sea wall"
    assert "councillor Mara Quint" in sea_wall.article.text
    # The entry's date, in UTC; the feed's title as the outlet when the page names none.
    assert sea_wall.article.published == "2024-03-05T09:30:00+00:00"
    assert ferry.article.published == "2024-03-06T09:00:00+00:00"
    assert sea_wall.article.outlet == "Harbour Gazette"
    assert ferry.article.outlet == "Wendle Weekly"  # the page's own site name wins
    # A page without a headline gets the entry's title, so the text still opens with one.
    assert untitled.article.title == "Untitled page"
    assert untitled.article.text.startswith("Untitled page\n\n")


def test_sources_atom_feed_resolves_relative_links(server: _Server):
    items = list(iter_sources([f"{server.base}/atom.xml"], timeout=TIMEOUT))
    assert _errors(items) == []
    library, bridge = _articles(items)
    assert library.name == f"{server.base}/news/library.html"
    assert bridge.name == f"{server.base}/news/bridge.html"  # "news/bridge.html" in the feed
    assert library.article.published == "2024-04-01T07:15:00+00:00"
    assert bridge.article.outlet == "Valley Courier"
    assert bridge.article.title == "Swing bridge to close for a month"
    for read in (library, bridge):
        _check_read(read)


def test_sources_single_page_url(server: _Server):
    url = f"{server.base}/news/sea-wall.html"
    (read,) = list(iter_sources([url], published="2024-05-01", timeout=TIMEOUT))
    assert isinstance(read, ReadArticle)
    _check_read(read)
    assert read.name == url and read.article.url == url
    assert read.article.published == "2024-05-01"  # the page has no date: the given one
    assert read.article.outlet == "127.0.0.1"  # neither page nor feed names it: the host
    # The page's own date wins over the fallback.
    (dated,) = list(iter_sources([f"{server.base}/dated.html"], published="2024-05-01"))
    assert isinstance(dated, ReadArticle)
    assert dated.article.published is not None and dated.article.published.startswith("2024-02-10")


def test_sources_follows_http_redirects_but_keeps_the_asked_url(server: _Server):
    (read,) = list(iter_sources([f"{server.base}/to-page"], timeout=TIMEOUT))
    assert isinstance(read, ReadArticle)
    assert read.article.title == "Port Wendle votes to rebuild the sea wall"
    assert read.name == read.article.url == f"{server.base}/to-page"


def test_sources_unanswered_feed_times_out_and_the_run_goes_on(server: _Server):
    started = time.monotonic()
    items = list(
        iter_sources([f"{server.base}/slow-feed.xml", f"{server.base}/news/ferry.html"], timeout=TIMEOUT)
    )
    assert time.monotonic() - started < 4
    error, read = items
    assert isinstance(error, NewsgraphError) and error.code == "E023" and "timed out" in str(error)
    assert isinstance(read, ReadArticle) and read.article.title == "Ferry crossings to Lannock to resume"


def test_sources_dripping_server_hits_the_whole_request_deadline(server: _Server):
    started = time.monotonic()
    (error,) = list(iter_sources([f"{server.base}/drip.html"], timeout=TIMEOUT))
    assert time.monotonic() - started < 2.5  # the drip would last 4 s
    assert isinstance(error, NewsgraphError) and error.code == "E023" and "timed out" in str(error)


def test_sources_only_http_and_https(server: _Server):
    items = list(
        iter_sources(["ftp://example.invalid/a.html", "file:///etc/passwd", f"{server.base}/to-file"])
    )
    assert [e.code for e in _errors(items)] == ["E024", "E024", "E023"]
    assert len(items) == 3
    assert "'file'" in str(items[1]) and "file:///etc/passwd" in str(items[2])


def test_sources_refuses_bodies_over_max_bytes(server: _Server):
    items = list(
        iter_sources([f"{server.base}/big.html", f"{server.base}/big-unsized.html"], max_bytes=10_000)
    )
    assert [e.code for e in _errors(items)] == ["E025", "E025"]
    assert "10,000" in str(items[0])
    # Under a limit it fits, the same page is read.
    (fits,) = list(iter_sources([f"{server.base}/big.html"], max_bytes=100_000))
    assert isinstance(fits, ReadArticle)


def test_sources_non_page_content_and_broken_feeds(server: _Server):
    items = list(
        iter_sources(
            [f"{server.base}/photo.png", f"{server.base}/no-article.html", f"{server.base}/broken-feed.xml"],
            timeout=TIMEOUT,
        )
    )
    assert [e.code for e in _errors(items)] == ["E026", "E009", "E027"]
    assert "image/png" in str(items[0])


def test_sources_compressed_bodies_are_inflated_within_the_limit(server: _Server):
    (read,) = list(iter_sources([f"{server.base}/gzipped.html"], timeout=TIMEOUT))
    assert isinstance(read, ReadArticle) and read.article.title == "Library roof repairs approved"
    (bomb,) = list(iter_sources([f"{server.base}/bomb.html"], timeout=TIMEOUT, max_bytes=100_000))
    assert isinstance(bomb, NewsgraphError) and bomb.code == "E025"


def test_sources_plain_text_page_and_mislabelled_feed(server: _Server):
    (text,) = list(iter_sources([f"{server.base}/plain.txt"], timeout=TIMEOUT))
    assert isinstance(text, ReadArticle)
    assert text.article.text == ARTICLE_TXT  # plain text is analysed exactly as served
    assert (
        text.article.url == f"{server.base}/plain.txt"
        and text.article.title == "Port Wendle harbour dues to rise"
    )
    _check_read(text)
    items = list(iter_sources([f"{server.base}/feed-as-html"], timeout=TIMEOUT))
    assert [i.name for i in _articles(items)][:2] == [
        f"{server.base}/news/sea-wall.html",
        f"{server.base}/news/ferry.html",
    ]


def test_sources_sends_a_user_agent(server: _Server):
    server.user_agents.clear()
    list(iter_sources([f"{server.base}/news/library.html"], timeout=TIMEOUT))
    assert server.user_agents and all(ua.startswith("newsgraph/") for ua in server.user_agents)


def test_sources_declared_charset_is_used(server: _Server):
    (read,) = list(iter_sources([f"{server.base}/latin1.html"], timeout=TIMEOUT))
    assert isinstance(read, ReadArticle)
    assert read.article.title == "Café terrace licence renewed"
    assert not any(w.startswith("W002") for w in read.warnings)  # declared, not guessed


def test_sources_decode_page_meta_charset():
    page = (
        "<html><head><meta charset='windows-1252'></head><body><p>Le café ouvre à l’aube.</p></body></html>"
    )
    text, warns = decode_page(page.encode("cp1252"), name="x")
    assert "Le café ouvre à l’aube." in text and warns == []
    # Declared UTF-8 but not UTF-8: detected instead, with a warning.
    text, warns = decode_page(
        "<p>Crème brûlée à volonté, voilà.</p>".encode("cp1252"), name="x", charset="utf-8"
    )
    assert "Crème" in text and warns and warns[0].startswith("W002")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([None, "utf-8", "windows-1252", "no-such-codec", "utf-16"]))
def test_sources_decode_page_any_bytes_text_or_coded_error(data: bytes, charset: str | None):
    try:
        text, warns = decode_page(data, name="page", charset=charset)
    except NewsgraphError as err:
        assert err.code in {"E002", "E003"}
    else:
        assert isinstance(text, str) and all(isinstance(w, str) for w in warns)


def test_sources_fetch_pool_stops_cleanly_when_the_consumer_stops(server: _Server):
    # Taking only the first item must not wait for the slow entry nor leave a traceback.
    started = time.monotonic()
    stream = iter_sources([f"{server.base}/rss.xml"], timeout=TIMEOUT)
    first = next(stream)
    stream.close()
    assert isinstance(first, ReadArticle) and time.monotonic() - started < 5


# ---------------------------------------------------------------------------
# WARC archives


def _http_record(
    writer: WARCWriter,
    uri: str,
    body: bytes,
    ctype: str,
    *,
    status: str = "200 OK",
    date: str = "2024-03-05T10:00:00Z",
) -> None:
    headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        uri, "response", payload=io.BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": date}
    )
    writer.write_record(record)


def _request_record(writer: WARCWriter, uri: str) -> None:
    headers = StatusAndHeaders("GET / HTTP/1.1", [("Host", "www.wendle-news.example")], is_http_request=True)
    record = writer.create_warc_record(uri, "request", payload=io.BytesIO(b""), http_headers=headers)
    writer.write_record(record)


def _warc_bytes(*, gz: bool, pages: list[tuple[str, str]], extras: bool = True) -> bytes:
    """A WARC in CC-NEWS layout: warcinfo, then request + response per page, plus non-articles."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "tests"}))
    for uri, html in pages:
        _request_record(writer, uri)
        _http_record(writer, uri, html.encode(), "text/html; charset=UTF-8")
    if extras:
        _http_record(
            writer, "https://www.wendle-news.example/logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"
        )
        _http_record(writer, "https://www.wendle-news.example/robots.txt", b"User-agent: *\n", "text/plain")
        _http_record(
            writer,
            "https://www.wendle-news.example/gone",
            SEA_WALL.encode(),
            "text/html",
            status="404 Not Found",
        )
        _http_record(writer, "https://www.wendle-news.example/menu", NO_ARTICLE.encode(), "text/html")
    return buf.getvalue()


WARC_PAGES = [
    ("https://www.wendle-news.example/sea-wall", SEA_WALL),
    ("https://www.wendle-news.example/tide", DATED),
    ("https://ferries.example/ferry", FERRY),
]


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_sources_warc_reads_html_responses_only(tmp_path: Path, gz: bool):
    path = tmp_path / ("crawl.warc.gz" if gz else "crawl.warc")
    path.write_bytes(_warc_bytes(gz=gz, pages=WARC_PAGES))
    items = list(iter_sources([str(path)]))
    # The three pages; request, warcinfo, image, robots.txt and 404 records skipped silently;
    # the page that is no article: E009, named by its URI.
    names = [item.name if isinstance(item, ReadArticle) else item.code for item in items]
    assert names == [uri for uri, _ in WARC_PAGES] + ["E009"]
    assert "https://www.wendle-news.example/menu" in str(items[-1])
    sea_wall, tide, ferry = _articles(items)
    for read in (sea_wall, tide, ferry):
        _check_read(read)
        assert read.article.url == read.name and read.path == str(path)
    assert sea_wall.article.outlet == "wendle-news.example"  # the host, without www.
    assert ferry.article.outlet == "Wendle Weekly"  # the page's own site name
    assert sea_wall.article.published == "2024-03-05T10:00:00+00:00"  # WARC-Date: page has none
    assert tide.article.published is not None and tide.article.published.startswith("2024-02-10")


def test_sources_warc_published_argument_beats_crawl_date(tmp_path: Path):
    path = tmp_path / "crawl.warc.gz"
    path.write_bytes(_warc_bytes(gz=True, pages=WARC_PAGES[:2], extras=False))
    sea_wall, tide = _articles(list(iter_sources([str(path)], published="2024-01-31")))
    assert sea_wall.article.published == "2024-01-31"
    assert tide.article.published is not None and tide.article.published.startswith("2024-02-10")


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_sources_warc_garbage_in_the_middle_is_one_error_and_reading_resumes(tmp_path: Path, gz: bool):
    first = _warc_bytes(gz=gz, pages=WARC_PAGES[:1], extras=False)
    second = _warc_bytes(gz=gz, pages=WARC_PAGES[2:], extras=False)
    path = tmp_path / ("damaged.warc.gz" if gz else "damaged.warc")
    path.write_bytes(first + b"\x00garbage, not a record\n" * 50 + second)
    items = list(iter_warc(path))
    names = [item.name if isinstance(item, ReadArticle) else item.code for item in items]
    assert names == [WARC_PAGES[0][0], "E029", WARC_PAGES[2][0]]
    assert f"byte {len(first):,}" in str(items[1])


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_sources_warc_garbage_appended(tmp_path: Path, gz: bool):
    path = tmp_path / ("tail.warc.gz" if gz else "tail.warc")
    path.write_bytes(_warc_bytes(gz=gz, pages=WARC_PAGES, extras=False) + b"trailing garbage\n" * 3)
    items = list(iter_sources([str(path)]))
    assert [i.code for i in _errors(items)] == ["E029"]
    assert [r.name for r in _articles(items)] == [uri for uri, _ in WARC_PAGES]


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_sources_warc_truncated(tmp_path: Path, gz: bool):
    data = _warc_bytes(gz=gz, pages=WARC_PAGES, extras=False)
    path = tmp_path / ("cut.warc.gz" if gz else "cut.warc")
    path.write_bytes(data[: len(data) - 200])  # inside the last record
    items = list(iter_sources([str(path)]))
    assert [r.name for r in _articles(items)] == [uri for uri, _ in WARC_PAGES[:2]]
    (error,) = _errors(items)
    assert error.code == "E029" and "truncated" in str(error)


def test_sources_warc_gzipped_as_one_stream(tmp_path: Path):
    # Some tools gzip the whole file rather than each record: still readable, in order.
    plain = _warc_bytes(gz=False, pages=WARC_PAGES, extras=False)
    path = tmp_path / "whole.warc.gz"
    path.write_bytes(gzip.compress(plain))
    items = list(iter_sources([str(path)]))
    assert [r.name for r in _articles(items)] == [uri for uri, _ in WARC_PAGES] and not _errors(items)
    path.write_bytes(gzip.compress(plain)[:-20])  # ... and its truncation is reported
    items = list(iter_sources([str(path)]))
    assert [i.code for i in _errors(items)] == ["E029"]
    assert [r.name for r in _articles(items)] == [uri for uri, _ in WARC_PAGES[:2]]


def test_sources_warc_over_max_bytes_record(tmp_path: Path):
    path = tmp_path / "big.warc.gz"
    padded = SEA_WALL.replace("<footer>", "<!-- padding -->" * 50 + "<footer>")
    pages = [("https://big.example/a", padded), ("https://small.example/b", SEA_WALL)]
    path.write_bytes(_warc_bytes(gz=True, pages=pages, extras=False))
    items = list(iter_warc(path, max_bytes=len(SEA_WALL.encode()) + 10))
    assert [i.code if isinstance(i, NewsgraphError) else i.name for i in items] == ["E025", pages[1][0]]
    assert "https://big.example/a" in str(items[0])


def test_sources_warc_missing_empty_or_not_a_warc(tmp_path: Path):
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    other = tmp_path / "page.warc.gz"
    other.write_bytes(gzip.compress(SEA_WALL.encode()))
    items = list(iter_sources(["no/such/crawl.warc.gz", str(empty), str(other)]))
    assert [i.code for i in _errors(items)] == ["E005", "E001", "E029"] and len(items) == 3


_CLEAN_GZ = _warc_bytes(gz=True, pages=WARC_PAGES, extras=False)
_CLEAN_PLAIN = _warc_bytes(gz=False, pages=WARC_PAGES, extras=False)


def _records(data: bytes) -> list[tuple[str, int, int]]:
    """(type, start, end) of every record in ``data``: where a cut loses nothing, and where it does."""
    from warcio.archiveiterator import ArchiveIterator

    found = []
    it = ArchiveIterator(io.BytesIO(data))
    for record in it:
        it.read_to_end()
        start = it.get_record_offset()
        found.append((record.rec_type, start, start + it.get_record_length()))
    return found


_RECORDS = {True: _records(_CLEAN_GZ), False: _records(_CLEAN_PLAIN)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.data())
def test_sources_warc_cut_or_damaged_anywhere_never_raises(gz: bool, data: st.DataObject):
    clean = _CLEAN_GZ if gz else _CLEAN_PLAIN
    cut = data.draw(st.integers(min_value=1, max_value=len(clean)), label="cut")
    damaged = bytearray(clean[:cut])
    flips = data.draw(st.lists(st.integers(0, len(damaged) - 1), max_size=3), label="flips")
    for i in flips:
        damaged[i] ^= 0x5A
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "fuzz.warc.gz" if gz else "fuzz.warc")
        with open(path, "wb") as f:
            f.write(bytes(damaged))
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            items = list(iter_sources([path]))
    assert stderr.getvalue() == ""  # nothing printed: every problem is a yielded, coded error
    assert all(
        isinstance(i, ReadArticle) or (isinstance(i, NewsgraphError) and i.code in {"E009", "E029"})
        for i in items
    )
    for read in _articles(items):
        _check_read(read)
    if not flips:
        # Every page whose record ends before the cut is read, and a cut inside a record is
        # reported; except that a gzip member cut only in its last bytes (the 8-byte trailer and
        # the end of the deflate stream) may have lost no data, and then passes.
        margin = 16 if gz else 0
        responses = [end for kind, _, end in _RECORDS[gz] if kind == "response"]
        whole = [uri for (uri, _), end in zip(WARC_PAGES, responses, strict=True) if end <= cut]
        names = [r.name for r in _articles(items)]
        assert names[: len(whole)] == whole
        uris = [uri for uri, _ in WARC_PAGES]
        assert all(responses[uris.index(name)] - margin <= cut for name in names[len(whole) :])
        if any(start < cut < end - margin for _, start, end in _RECORDS[gz]):
            assert _errors(items), f"cut at {cut} inside a record went unreported"


# ---------------------------------------------------------------------------
# Files and directories


ARTICLE_TXT = (
    "Port Wendle harbour dues to rise\n\n"
    "The harbour board of Port Wendle said on Friday that mooring dues would rise by a tenth next year.\n\n"
    "\u201cWe have no choice,\u201d said the board's chair, Ines Marlow.\n"
)


def test_sources_files_and_directories_pass_through(tmp_path: Path):
    corpus = tmp_path / "corpus"
    (corpus / "b").mkdir(parents=True)
    (corpus / "a.txt").write_text(ARTICLE_TXT, encoding="utf-8")
    (corpus / "b" / "page.html").write_text(LIBRARY, encoding="utf-8")
    (corpus / "c.warc.gz").write_bytes(_warc_bytes(gz=True, pages=WARC_PAGES[:1], extras=False))
    (corpus / ".hidden.warc").write_bytes(b"not read")
    (corpus / "notes.ann").write_text("T1\tSource 0 4\tPort\n", encoding="utf-8")
    single = tmp_path / "single.txt"
    single.write_text(ARTICLE_TXT, encoding="utf-8")
    items = list(iter_sources([str(corpus), str(single), str(tmp_path / "missing.txt")]))
    names = [item.name if isinstance(item, ReadArticle) else item.code for item in items]
    assert names == ["a", "page", WARC_PAGES[0][0], "single", "E005"]
    a, page, _warc, one = _articles(items)
    # Exactly what reading gives for the same file: same text, same offsets.
    (expected,) = list(reading.read_path(corpus / "a.txt"))
    assert isinstance(expected, ReadArticle)
    assert a.article == expected.article and a.title_span == expected.title_span
    assert one.article.text == ARTICLE_TXT
    for read in _articles(items):
        _check_read(read)
    assert page.article.title == "Library roof repairs approved"


def test_sources_directory_of_warcs_only_is_not_empty(tmp_path: Path):
    (tmp_path / "2024" / "03").mkdir(parents=True)
    (tmp_path / "2024" / "03" / "CC-NEWS-1.warc.gz").write_bytes(
        _warc_bytes(gz=True, pages=WARC_PAGES[:1], extras=False)
    )
    items = list(iter_sources([str(tmp_path)]))
    assert [i.name if isinstance(i, ReadArticle) else i.code for i in items] == [WARC_PAGES[0][0]]
    (tmp_path / "2024" / "03" / "CC-NEWS-1.warc.gz").unlink()
    assert [i.code for i in _errors(list(iter_sources([str(tmp_path)])))] == ["E014"]


def test_sources_bad_published_is_one_error():
    items = list(iter_sources(["whatever.txt", "http://127.0.0.1:9/x"], published="next Tuesday"))
    assert len(items) == 1 and isinstance(items[0], NewsgraphError) and items[0].code == "E011"


def test_sources_unexpected_failure_is_e999_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE_TXT, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_text(ARTICLE_TXT, encoding="utf-8")
    real = reading.read_path

    def flaky(path, **kwargs):  # type: ignore[no-untyped-def]
        if Path(path).name == "bad.txt":
            raise RuntimeError("boom")
        return real(path, **kwargs)

    monkeypatch.setattr(sources.reading, "read_path", flaky)
    items = list(iter_sources([str(bad), str(good)]))
    assert isinstance(items[0], NewsgraphError) and items[0].code == "E999" and "boom" in str(items[0])
    assert isinstance(items[1], ReadArticle) and items[1].name == "good"
