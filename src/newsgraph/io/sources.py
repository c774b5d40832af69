"""Sources: files, directories, web pages, RSS/Atom feeds and WARC archives as ``ReadArticle``.

Why a layer above ``newsgraph.io.reading``: a corpus is built from wherever
news lives (a folder of files, a handful of feeds, a Common Crawl CC-NEWS
WARC file) and ingesting it should not care which. ``iter_sources`` turns any
mix of them into one stream of ``ReadArticle`` items, with a coded
``NewsgraphError`` *yielded* (never raised) for each input that fails, so one
dead link, slow server or corrupt archive record never stops the run.

Every page, whether fetched or taken from an archive, goes through
``reading.read_html``: the same extraction, the same built text, the same
offsets as an ``.html`` file on disk.

Network rules: only ``http://`` and ``https://`` are fetched (a redirect to
any other scheme is refused), every request has a timeout and a User-Agent,
and a body larger than ``max_bytes`` is refused after reading at most
``max_bytes + 1`` bytes of it. Nothing but the feeds and pages named is
fetched (trafilatura and feedparser are handed bytes, never URLs).
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import io
import logging
import os
import re
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urljoin, urlsplit

from newsgraph import __version__
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io import reading
from newsgraph.io.reading import ReadArticle

USER_AGENT = f"newsgraph/{__version__} (+https://github.com/newsgraph/newsgraph)"
"""Sent with every request: servers (and their operators) should know who is asking."""

FETCH_WORKERS = 4
"""Pages of one feed fetched at once. Why more than one: a feed lists dozens of
pages and each costs a round trip; four in flight keeps ingest busy without
hammering one site. Results still come out in feed order."""

WARC_SUFFIXES = (".warc", ".warc.gz")
"""File names read as WARC archives (compared case-insensitively)."""

_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_READ_CHUNK = 65_536
_SCAN_CHUNK = 1 << 20

T = TypeVar("T")
R = TypeVar("R")


def iter_sources(
    specs: Iterable[str | os.PathLike[str]],
    *,
    published: str | None = None,
    timeout: float = 10.0,
    max_bytes: int = reading.MAX_BYTES,
) -> Iterator[ReadArticle | NewsgraphError]:
    """Every article of every source, in order, or a coded error for each failure.

    Each spec is one of:

    - a file or directory: read with ``reading.iter_inputs`` and
      ``reading.read_path`` exactly as ``newsgraph analyze`` reads them;
      directories are also searched for ``.warc`` / ``.warc.gz`` files;
      ``-`` is stdin;
    - an ``http://`` or ``https://`` URL of an RSS/Atom feed (recognised by
      its content type or root element): every entry's page is fetched and
      read, named by its link; the entry's date wins over the page's; the
      feed's title is the outlet when the page names none; a page that
      cannot be fetched gives one error and the other entries go on;
    - an ``http(s)://`` URL of an HTML page (or of plain text);
    - a ``.warc`` or ``.warc.gz`` file (see ``iter_warc``).

    ``published`` (``YYYY-MM-DD`` or ISO 8601, ``E011`` otherwise) dates
    fetched and archived articles that carry no date of their own (files
    keep ``reading``'s rule). ``timeout`` (seconds) bounds each request;
    ``max_bytes`` bounds each file, download and archived page (not a WARC
    file itself: CC-NEWS files are a gigabyte each).

    Never raises: every failure is a yielded ``NewsgraphError``; an
    unexpected one becomes ``E999`` for its spec and the next spec goes on.
    """
    try:
        fallback = reading.parse_published(published)
    except NewsgraphError as err:
        yield err
        return
    fetcher = _Fetcher(timeout=timeout, max_bytes=max_bytes)
    for raw in specs:
        spec = os.fspath(raw)
        yield from _guarded(spec, lambda spec=spec: _iter_spec(spec, fetcher, fallback, max_bytes))


def _guarded(label: str, make: Callable[[], Iterable[T]]) -> Iterator[T | NewsgraphError]:
    """Iterate ``make()``; an unexpected exception becomes one ``E999`` instead of a traceback."""
    try:
        yield from make()
    except NewsgraphError as err:
        yield err
    except Exception as err:
        yield NewsgraphError(Errors.E999, path=label, reason=_one_line(f"{type(err).__name__}: {err}"))


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_warc(path: str | os.PathLike[str]) -> bool:
    """True when the file name ends in ``.warc`` or ``.warc.gz`` (any case)."""
    return os.fspath(path).lower().endswith(WARC_SUFFIXES)


def _iter_spec(
    spec: str, fetcher: _Fetcher, published: str | None, max_bytes: int
) -> Iterator[ReadArticle | NewsgraphError]:
    if _URL_LIKE.match(spec):
        yield from _iter_url(spec, fetcher, published)
    elif spec == "-":
        yield from reading.read_stdin(sys.stdin, published=published, max_bytes=max_bytes)
    elif Path(spec).is_dir():
        yield from _iter_directory(Path(spec), published, max_bytes)
    elif is_warc(spec):
        yield from iter_warc(spec, published=published, max_bytes=max_bytes)
    else:
        for item in reading.iter_inputs([spec]):
            if isinstance(item, NewsgraphError):
                yield item
            else:
                yield from reading.read_path(item, published=published, max_bytes=max_bytes)


def _walk_warcs(root: Path) -> list[Path]:
    """WARC files under ``root``, skipping hidden entries like ``reading.iter_inputs`` does."""
    found: list[Path] = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in files if not f.startswith(".") and is_warc(f))
    return found


def _iter_directory(
    root: Path, published: str | None, max_bytes: int
) -> Iterator[ReadArticle | NewsgraphError]:
    """Article files and WARC archives under ``root``, in sorted path order.

    Why merge: a CC-NEWS download is a directory of ``.warc.gz`` files, which
    ``reading.iter_inputs`` (article files only) would call empty (``E014``).
    """
    warcs = _walk_warcs(root)
    files: list[Path] = []
    for item in reading.iter_inputs([root]):
        if isinstance(item, NewsgraphError):
            if not (warcs and item.code == "E014"):
                yield item
        else:
            files.append(item)
    for path in sorted([*files, *warcs], key=lambda f: f.relative_to(root).parts):
        if is_warc(path):
            yield from iter_warc(path, published=published, max_bytes=max_bytes)
        else:
            yield from reading.read_path(path, published=published, max_bytes=max_bytes)


# ---------------------------------------------------------------------------
# Fetching


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s): a page must never send us to ``file:`` or ``ftp:``."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        target = urljoin(req.full_url, newurl)
        scheme = urlsplit(target).scheme.lower()
        if scheme not in ("http", "https"):
            raise urllib.error.URLError(f"redirect to a {scheme or 'relative'!r} URL refused")
        return super().redirect_request(req, fp, code, msg, headers, target)


@dataclass
class _Response:
    url: str
    data: bytes
    content_type: str  # "text/html", lower case; "" when the server sent none
    charset: str | None
    header: str  # the raw Content-Type header


class _Fetcher:
    """HTTP(S) GET with a timeout, a size limit and only http(s) handlers.

    Why a hand-built opener: ``urllib.request.urlopen``'s default one also
    opens ``file:``, ``ftp:`` and ``data:`` URLs, and a feed entry (or a
    redirect) could point anywhere.
    """

    def __init__(self, *, timeout: float, max_bytes: int) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.opener = urllib.request.OpenerDirector()
        for handler in (
            urllib.request.ProxyHandler(),
            urllib.request.UnknownHandler(),
            urllib.request.HTTPHandler(),
            urllib.request.HTTPSHandler(),
            urllib.request.HTTPDefaultErrorHandler(),
            _SafeRedirects(),
            urllib.request.HTTPErrorProcessor(),
        ):
            self.opener.add_handler(handler)

    def fetch(self, url: str) -> _Response:
        """The body of ``url``; raises a coded ``NewsgraphError`` on any failure.

        ``timeout`` applies to connecting and to every read, and the whole
        body must have arrived ``timeout`` seconds after the request started
        (checked between reads), so a server dripping bytes cannot hold the
        run. A body over ``max_bytes`` (by its Content-Length, or once
        ``max_bytes + 1`` bytes have arrived) is refused.
        """
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            raise NewsgraphError(Errors.E024, path=url, scheme=scheme)
        request = urllib.request.Request(
            url,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, */*",
                "Accept-Encoding": "identity",
            },
        )
        deadline = time.monotonic() + self.timeout
        try:
            with self.opener.open(request, timeout=self.timeout) as resp:
                length = resp.headers.get("Content-Length")
                if length is not None and length.strip().isdigit() and int(length) > self.max_bytes:
                    raise NewsgraphError(Errors.E025, path=url, limit=self.max_bytes)
                chunks: list[bytes] = []
                size = 0
                while size <= self.max_bytes:
                    if time.monotonic() > deadline:
                        raise NewsgraphError(
                            Errors.E023, path=url, reason=f"timed out after {self.timeout:g} s"
                        )
                    chunk = resp.read1(min(_READ_CHUNK, self.max_bytes + 1 - size))  # what has come
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                if size > self.max_bytes:
                    raise NewsgraphError(Errors.E025, path=url, limit=self.max_bytes)
                headers: Message = resp.headers
                data = b"".join(chunks)
                encoding = (headers.get("Content-Encoding") or "").strip().lower()
                if encoding in ("gzip", "x-gzip", "deflate"):
                    data = self._decompress(data, encoding, url)
                return _Response(
                    url=url,
                    data=data,
                    content_type=headers.get_content_type() if headers.get("Content-Type") else "",
                    charset=headers.get_content_charset(),
                    header=headers.get("Content-Type", ""),
                )
        except NewsgraphError:
            raise
        except urllib.error.HTTPError as err:
            raise NewsgraphError(
                Errors.E023, path=url, reason=f"HTTP {err.code} {_one_line(err.reason)}"
            ) from None
        except urllib.error.URLError as err:
            raise NewsgraphError(Errors.E023, path=url, reason=_reason(err.reason)) from None
        except Exception as err:  # timeouts, resets, bad URLs, broken HTTP: all one coded line
            raise NewsgraphError(Errors.E023, path=url, reason=_reason(err)) from None

    def _decompress(self, data: bytes, encoding: str, url: str) -> bytes:
        """A body the server compressed although we asked for ``identity``; at most ``max_bytes``.

        Why bounded: a few kilobytes of gzip can expand to gigabytes.
        """
        wbits = 16 + zlib.MAX_WBITS if encoding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        try:
            try:
                out = zlib.decompressobj(wbits).decompress(data, self.max_bytes + 1)
            except zlib.error:
                if encoding != "deflate":
                    raise
                out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, self.max_bytes + 1)  # raw deflate
        except zlib.error as err:
            raise NewsgraphError(Errors.E023, path=url, reason=f"bad {encoding} body: {err}") from None
        if len(out) > self.max_bytes:
            raise NewsgraphError(Errors.E025, path=url, limit=self.max_bytes)
        return out


def _reason(err: object) -> str:
    if isinstance(err, TimeoutError):
        return "timed out"
    if isinstance(err, BaseException):
        text = str(err) or type(err).__name__
        return _one_line(text if not isinstance(err, OSError) or not err.strerror else err.strerror)
    return _one_line(str(err))


def _ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(fn, items)`` on a few threads, results in input order, a bounded number in flight."""
    if workers <= 1:
        yield from map(fn, items)
        return
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsgraph-fetch")
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# ---------------------------------------------------------------------------
# Pages and feeds


_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf"})
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<![^>]*>)", re.S)
_ROOT = re.compile(rb"\s*<([A-Za-z][\w:.-]*)")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


def _root_element(data: bytes) -> str | None:
    """The name of the document's first element (lower case), skipping BOM, prolog and comments."""
    head = data[:8192]
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if b"\x00" in head[:64]:
        head = head.replace(b"\x00", b"")  # UTF-16 markup: good enough to find the root
    pos = 0
    while m := _PROLOG.match(head, pos):
        pos = m.end()
    m = _ROOT.match(head, pos)
    return m.group(1).decode("ascii").lower() if m else None


def decode_page(data: bytes, *, name: str, charset: str | None = None) -> tuple[str, list[str]]:
    """An HTML page's bytes as text: the declared charset first, then ``reading.decode_bytes``.

    Why the declared one first: a page served as ``windows-1252`` (HTTP
    header or ``<meta charset>``) is not a guess; only undeclared or wrongly
    declared bytes go to detection (and get ``W002``). Raises ``E002`` /
    ``E003`` like ``reading.decode_bytes``.
    """
    declared = charset
    if not declared:
        m = _META_CHARSET.search(data[:4096])
        declared = m.group(1).decode("ascii") if m else None
    if declared:
        try:
            codec = codecs.lookup(declared).name
        except LookupError:
            codec = None
        if codec and codec not in ("utf-8", "utf-8-sig"):
            try:
                if b"\x00" not in data[:65_536]:  # else binary: decode_bytes says so (E002)
                    return data.decode(codec), []
            except (UnicodeDecodeError, LookupError):
                pass
    return reading.decode_bytes(data, name=name)


def _host(url: str) -> str | None:
    """The site's host name, without ``www.``: an outlet name of last resort."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _page_article(
    html: str,
    *,
    url: str,
    name: str,
    published: str | None,
    fallback_published: str | None,
    outlet: str | None,
    title: str | None = None,
    warnings: Iterable[str] = (),
) -> ReadArticle:
    """``reading.read_html`` plus what the source knows and the page may lack.

    ``published`` (an entry's date) wins over the page's own date;
    ``fallback_published`` (the user's ``--published``, a WARC-Date) is used
    only when neither gives one. ``outlet`` fills in when the page names no
    site. ``title`` (a feed entry's) is used only when the page has none, so
    the analysed text still opens with a headline.
    """
    read = reading.read_html(html, name=name, url=url, published=published)
    if read.title_span is None and title:
        record = {"html": html, "title": title, "url": url}
        read = reading.read_json_record(record, name=name, published=published, label=name)
    article = read.article
    if article.published is None and fallback_published is not None:
        article.published = fallback_published
    if article.outlet is None:
        article.outlet = outlet or _host(url)
    article.url = url
    read.warnings[:0] = list(warnings)
    return read


def _read_response(
    resp: _Response,
    *,
    name: str,
    published: str | None = None,
    fallback_published: str | None,
    outlet: str | None = None,
    title: str | None = None,
) -> ReadArticle:
    """One fetched page as a ``ReadArticle`` (HTML, or plain text when served as such)."""
    html = resp.content_type in _HTML_TYPES or _root_element(resp.data) == "html"
    if not html and resp.content_type != "text/plain":
        raise NewsgraphError(Errors.E026, path=name, ctype=resp.header or "none")
    text, warns = decode_page(resp.data, name=name, charset=resp.charset)
    if not html:
        read = reading.read_text(text, name=name, published=published or fallback_published)
        read.article.url = resp.url
        read.article.outlet = outlet or _host(resp.url)
        read.warnings[:0] = warns
        return read
    return _page_article(
        text,
        url=resp.url,
        name=name,
        published=published,
        fallback_published=fallback_published,
        outlet=outlet,
        title=title,
        warnings=warns,
    )


def _is_feed(resp: _Response) -> bool:
    """By content type, or by root element: servers label feeds text/xml, text/html, text/plain."""
    return resp.content_type in _FEED_TYPES or _root_element(resp.data) in _FEED_ROOTS


def _entry_date(entry: Any) -> str | None:
    """An entry's date as ISO 8601 (UTC), from feedparser's parsed published/updated time."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return dt.datetime(*value[:6], tzinfo=dt.UTC).isoformat()
            except (TypeError, ValueError):
                continue
    return None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _iter_url(url: str, fetcher: _Fetcher, published: str | None) -> Iterator[ReadArticle | NewsgraphError]:
    try:
        resp = fetcher.fetch(url)
        if not _is_feed(resp):
            yield _read_response(resp, name=url, fallback_published=published)
            return
    except NewsgraphError as err:
        yield err
        return
    yield from _iter_feed(resp, fetcher, published)


@dataclass
class _Job:
    """One feed entry to fetch: its position, its page's absolute URL (None: no link), the entry."""

    n: int
    link: str | None
    entry: Any


def _iter_feed(
    resp: _Response, fetcher: _Fetcher, published: str | None
) -> Iterator[ReadArticle | NewsgraphError]:
    """Every entry's page of a fetched feed, in feed order (fetched a few at a time)."""
    import feedparser  # only feeds need it

    feed_url = resp.url
    try:
        parsed = feedparser.parse(
            io.BytesIO(resp.data),  # a stream: feedparser must never treat the body as a URL or path
            response_headers={"content-type": resp.header or "application/xml", "content-location": feed_url},
        )
    except Exception as err:
        yield NewsgraphError(Errors.E027, path=feed_url, reason=_reason(err))
        return
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        # Broken XML with nothing salvaged; a well-formed feed with no entries is just empty.
        reason = parsed.get("bozo_exception") or "no RSS or Atom feed found"
        yield NewsgraphError(Errors.E027, path=feed_url, reason=_reason(reason))
        return
    feed_title = _clean(parsed.feed.get("title"))

    def jobs() -> Iterator[_Job]:
        for n, entry in enumerate(parsed.entries, start=1):
            link = _clean(entry.get("link"))
            yield _Job(n, urljoin(feed_url, link) if link else None, entry)

    def fetch(job: _Job) -> tuple[_Job, _Response | NewsgraphError]:
        # Only the download runs on the pool's threads; extraction stays on the caller's,
        # because trafilatura's quieting (logger levels, warning filters) is process-wide.
        if job.link is None:
            return job, NewsgraphError(Errors.E028, path=feed_url, n=job.n)
        try:
            return job, fetcher.fetch(job.link)
        except NewsgraphError as err:
            return job, err
        except Exception as err:
            return job, NewsgraphError(
                Errors.E999, path=job.link, reason=_one_line(f"{type(err).__name__}: {err}")
            )

    for job, page in _ordered_map(fetch, jobs(), FETCH_WORKERS):
        if isinstance(page, NewsgraphError):
            yield page
            continue
        yield from _guarded(
            page.url,
            lambda job=job, page=page: [  # type: ignore[misc]
                _read_response(
                    page,
                    name=page.url,
                    published=_entry_date(job.entry),
                    fallback_published=published,
                    outlet=feed_title,
                    title=_clean(job.entry.get("title")),
                )
            ],
        )


# ---------------------------------------------------------------------------
# WARC archives


class _DecompressError(Exception):
    """Compressed data (a gzip member of the WARC, or a gzip-encoded page) is damaged."""


@lru_cache(maxsize=1)
def _warcio_classes() -> tuple[type, type, type]:
    """warcio's ArchiveIterator and body readers, made to fail loudly rather than print.

    Why: warcio writes some problems to stderr and carries on (a gzip member
    that stops decompressing is read as empty; a record longer than its
    Content-Length is announced with a warning), while newsgraph's stderr is
    one coded line per problem and a damaged record must be reported, not
    read short. Here a decompression failure raises ``_DecompressError`` and
    the length warning is silent; warcio still counts it in ``err_count``,
    which is how ``_warc_record`` notices it.
    """
    from warcio.archiveiterator import ArchiveIterator
    from warcio.bufferedreaders import BufferedReader, ChunkedDataReader, DecompressingBufferedReader

    class Strict:
        def _decompress(self, data: bytes) -> bytes:
            decompressor = self.decompressor  # type: ignore[attr-defined]
            if not (decompressor and data):
                return data
            try:
                return bytes(decompressor.decompress(data))
            except Exception as err:
                if self.num_block_read == 0:  # type: ignore[attr-defined]
                    # warcio's rule: a first block that does not decompress is not compressed
                    if self.decomp_type == "deflate":  # type: ignore[attr-defined]
                        self._init_decomp("deflate_alt")  # type: ignore[attr-defined]
                        return self._decompress(data)
                    self.decompressor = None
                    return data
                raise _DecompressError(_one_line(str(err) or type(err).__name__)) from None

    class StrictDecompressingReader(Strict, DecompressingBufferedReader):  # type: ignore[misc]
        pass

    class StrictBufferedReader(Strict, BufferedReader):  # type: ignore[misc]
        pass

    class StrictChunkedReader(Strict, ChunkedDataReader):  # type: ignore[misc]
        pass

    class QuietArchiveIterator(ArchiveIterator):  # type: ignore[misc]
        INC_RECORD = ""

        def __init__(self, fileobj: Any, **kwargs: Any) -> None:
            super().__init__(fileobj, **kwargs)
            self.reader = StrictDecompressingReader(self.fh, block_size=self.reader.block_size)

    return QuietArchiveIterator, StrictBufferedReader, StrictChunkedReader


def _quiet_archive_iterator() -> type:
    return _warcio_classes()[0]


def _content_stream(record: Any) -> Any:
    """The record's payload, de-chunked and decompressed: warcio's ``content_stream`` made strict."""
    _, buffered, chunked = _warcio_classes()
    http = record.http_headers
    if not http:
        return record.raw_stream
    encoding = (http.get_header("content-encoding") or "").lower() or None
    if encoding not in buffered.get_supported_decompressors():
        encoding = None
    if http.get_header("transfer-encoding") == "chunked":
        return chunked(record.raw_stream, decomp_type=encoding)
    if encoding:
        return buffered(record.raw_stream, decomp_type=encoding)
    return record.raw_stream


_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_MAGIC = re.compile(rb"WARC/1\.[01]\r?\n")


def _find_next(fh: BinaryIO, start: int, gz: bool) -> int | None:
    """Offset of the next plausible record start at or after ``start``, or None at the end.

    Why: warcio stops at the first bad record; a crawl file holds thousands
    of good ones after it. Gzipped WARCs compress each record as its own
    gzip member, so the next member header is the next record; plain WARCs
    start each record with a ``WARC/1.x`` line.
    """
    pos = start
    carry = b""
    while True:
        fh.seek(pos)
        chunk = fh.read(_SCAN_CHUNK)
        if not chunk:
            return None
        data = carry + chunk
        base = pos - len(carry)
        # A match inside ``carry`` would have been returned last time round, unless it straddles.
        if gz:
            i = data.find(_GZIP_MAGIC)
            if i >= 0:
                return base + i
        else:
            m = _WARC_MAGIC.search(data)
            if m:
                return base + m.start()
        carry = data[-16:]
        pos += len(chunk)


def iter_warc(
    path: str | os.PathLike[str],
    *,
    published: str | None = None,
    max_bytes: int = reading.MAX_BYTES,
) -> Iterator[ReadArticle | NewsgraphError]:
    """The articles in a WARC file (plain or gzipped), one per HTML ``response`` record.

    Read: ``response`` records (and ``resource`` records) whose HTTP status
    is 2xx and whose Content-Type is HTML (or, with none, whose body starts
    like HTML). Named by ``WARC-Target-URI``, which is also ``article.url``;
    ``published`` is the page's own date, else the ``published`` argument,
    else the record's ``WARC-Date`` (the crawl date); ``outlet`` is the
    page's site name, else the host name without ``www.``.

    Skipped silently, not counted (they are not articles, and CC-NEWS files
    hold one ``request`` and one ``metadata`` record per page): every other
    record type, non-HTML responses (images, robots.txt, JSON) and non-2xx
    responses (redirects, 404 pages).

    Failures, each one yielded error and the run goes on: a page with no
    article text ``E009``; a page over ``max_bytes`` ``E025``; a corrupt or
    truncated record, or garbage between records, ``E029`` once per damaged
    stretch, after which reading resumes at the next intact record (the next
    gzip member, or the next ``WARC/1.x`` line), so records before and after
    the damage are still read. A gzip file that is one stream rather than a
    member per record is read through a decompressing stream instead (it
    cannot resume after damage). Missing file ``E005``, unreadable ``E010``,
    empty ``E001``.
    """
    label = os.fspath(path)
    try:
        fh = open(label, "rb")  # noqa: SIM115  (closed in finally: the generator may stop early)
    except (FileNotFoundError, NotADirectoryError):
        yield NewsgraphError(Errors.E005, path=label)
        return
    except OSError as err:
        yield NewsgraphError(Errors.E010, path=label, reason=err.strerror or type(err).__name__)
        return
    try:
        empty = os.fstat(fh.fileno()).st_size == 0
    except OSError:
        empty = False
    if empty:
        fh.close()
        yield NewsgraphError(Errors.E001, path=label)
        return
    logger = logging.getLogger("warcio")  # it logs odd URIs it repairs; not ours to print
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield from _iter_warc_file(fh, label, published, max_bytes)
    finally:
        logger.setLevel(level)
        fh.close()


def _iter_warc_file(
    fh: BinaryIO, label: str, published: str | None, max_bytes: int
) -> Iterator[ReadArticle | NewsgraphError]:
    from warcio.exceptions import ArchiveLoadFailed

    iterator_class = _quiet_archive_iterator()
    head = fh.read(3)
    fh.seek(0)
    gz = head == _GZIP_MAGIC
    position = 0
    damaged = False  # inside a damaged stretch: report it once, not once per resync attempt
    seen = 0  # records taken from this file, for the whole-file-gzip fallback
    while True:
        fh.seek(position)
        it = iterator_class(fh)
        failure: tuple[int, str] | None = None
        try:
            for record in it:
                start = it.offset
                outcome = _warc_record(record, it, label, published, max_bytes)
                seen += 1
                if isinstance(outcome, _Corrupt):
                    if not damaged:
                        yield NewsgraphError(Errors.E029, path=label, offset=start, reason=outcome.reason)
                    damaged = True
                    failure = (start, "")
                    break
                damaged = False
                if outcome is not None:
                    yield outcome
        except ArchiveLoadFailed as err:
            if "non-chunked gzip" in str(err) and position == 0:
                yield from _iter_whole_gzip(fh, label, published, max_bytes, skip=seen)
                return
            failure = (it.offset, _load_failure(err))
        except Exception as err:  # zlib, EOF and parse errors inside warcio
            failure = (it.offset, _reason(err))
        if failure is None:
            if _only_blank_after(fh, it.offset):
                return
            # warcio took a record cut off in its headers for the end of the file
            failure = (it.offset, "file ends inside a record (truncated file)")
        offset, reason = failure
        if reason and not damaged:
            yield NewsgraphError(Errors.E029, path=label, offset=offset, reason=reason)
        damaged = True
        nxt = _find_next(fh, max(offset, position) + 1, gz)
        if nxt is None:
            return
        position = nxt


def _only_blank_after(fh: BinaryIO, offset: int) -> bool:
    """True when nothing but whitespace follows ``offset``: the archive ended where a record did."""
    fh.seek(offset)
    while chunk := fh.read(_SCAN_CHUNK):
        if chunk.strip():
            return False
    return True


def _load_failure(err: Exception) -> str:
    """A one-line reason for a warcio failure, without the binary junk it quotes.

    warcio's messages end with the offending line ("first line: ...") which,
    in a damaged gzip file, is compressed bytes; it is kept only when it is
    short printable text, the one case where it helps the reader.
    """
    if not isinstance(err, Exception) or not str(err).strip():
        return _reason(err)
    message = str(err).strip().split("\n", 1)[0]
    head, sep, line = message.partition(", first line: ")
    line = line.strip()
    if sep and line.isprintable() and line.isascii() and line:
        return _one_line(f"{head}: {line[:40]!r}")
    return _one_line(head or type(err).__name__)


def _iter_whole_gzip(
    fh: BinaryIO, label: str, published: str | None, max_bytes: int, *, skip: int
) -> Iterator[ReadArticle | NewsgraphError]:
    """A WARC gzipped as one stream: read through ``gzip``, skipping records already read."""
    import gzip

    iterator_class = _quiet_archive_iterator()
    fh.seek(0)
    it = iterator_class(_StrictGzip(gzip.GzipFile(fileobj=fh, mode="rb")))
    n = 0
    try:
        for record in it:
            n += 1
            if n <= skip:
                continue
            outcome = _warc_record(record, it, label, published, max_bytes)
            if isinstance(outcome, _Corrupt):
                yield NewsgraphError(Errors.E029, path=label, offset=it.offset, reason=outcome.reason)
                return
            if outcome is not None:
                yield outcome
    except Exception as err:
        yield NewsgraphError(Errors.E029, path=label, offset=it.offset, reason=_load_failure(err))


class _TruncatedGzip(Exception):
    """The gzip stream ends before its end marker."""


class _StrictGzip:
    """A gzip stream whose early end is an error, not the end of the archive.

    Why: warcio takes ``EOFError`` for "no more records", and ``GzipFile``
    raises exactly that for a truncated file, so a cut-off archive would
    end silently, the loss unreported.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            # read1: whatever decompresses now, so the data before the cut is not lost with it
            return self.stream.read1(size) if size and size > 0 else self.stream.read(size)
        except EOFError:
            raise _TruncatedGzip("file is cut short (truncated gzip)") from None

    def tell(self) -> int:
        return self.stream.tell()


@dataclass
class _Corrupt:
    reason: str


_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)


def _html_payload(record: Any) -> tuple[bool, str]:
    """Whether a record may hold an article page, and its Content-Type header ("" when none).

    Pages: ``response`` records with an HTTP 2xx status and ``resource``
    records, whose Content-Type is HTML or absent (then the body decides).
    """
    rec_type = record.rec_type
    if rec_type == "response":
        http = record.http_headers
        if http is None or not (http.get_statuscode() or "").startswith("2"):
            return False, ""  # dns:/whois: responses, redirects, 404 pages
        header = http.get_header("Content-Type") or ""
    elif rec_type == "resource":
        header = record.rec_headers.get_header("Content-Type") or ""
    else:
        return False, ""
    return (not header or _content_type(header) in _HTML_TYPES), header


def _content_type(header: str) -> str:
    msg = Message()
    msg["Content-Type"] = header
    return msg.get_content_type()


def _content_charset(header: str) -> str | None:
    msg = Message()
    msg["Content-Type"] = header
    return msg.get_content_charset()


def _warc_record(
    record: Any, it: Any, label: str, published: str | None, max_bytes: int
) -> ReadArticle | NewsgraphError | _Corrupt | None:
    """One record: an article, an error, ``_Corrupt``, or None for a record that is no page.

    Every record, page or not, is read to its end and checked, because a
    damaged record is only visible there: fewer bytes than its Content-Length
    (a truncated file), or no blank line after it (a wrong Content-Length).
    """
    length = record.rec_headers.get_header("Content-Length") or ""
    if not length.strip().isdigit() or not record.rec_type:
        it.read_to_end()
        return _Corrupt("record has no WARC-Type or no valid Content-Length")
    wanted, header = _html_payload(record)
    data = b""
    body_error = None
    if wanted:
        try:
            data = _content_stream(record).read(max_bytes + 1)
        except Exception as err:  # a damaged gzip or chunked body: this page, not the archive
            body_error = _reason(err)
    errors_before = it.err_count
    it.read_to_end()
    if it.err_count != errors_before:
        return _Corrupt("record is longer or shorter than its Content-Length")
    if getattr(record.raw_stream, "limit", 0) > 0:
        return _Corrupt("record is cut short (truncated file)")
    if not wanted:
        return None
    if body_error is not None:
        return NewsgraphError(
            Errors.E029, path=label, offset=it.get_record_offset(), reason=f"page body: {body_error}"
        )
    uri = _clean(record.rec_headers.get_header("WARC-Target-URI")) or f"{label}#{it.get_record_offset()}"
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]  # WARC/1.1 allows <...> around the URI
    if len(data) > max_bytes:
        return NewsgraphError(Errors.E025, path=uri, limit=max_bytes)
    if not header and not _HTML_START.match(data[:4096]):
        return None
    warc_date = None
    with contextlib.suppress(NewsgraphError):  # a malformed WARC-Date is no date, not a failure
        warc_date = reading.parse_published(record.rec_headers.get_header("WARC-Date"))
    try:
        text, warns = decode_page(data, name=uri, charset=_content_charset(header) if header else None)
        read = _page_article(
            text,
            url=uri,
            name=uri,
            published=None,
            fallback_published=published or warc_date,
            outlet=None,
            warnings=warns,
        )
        read.path = label  # the archive it came from
        return read
    except NewsgraphError as err:
        return err
