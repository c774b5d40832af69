"""Reading articles: files, directories, HTML, JSON/JSONL and stdin into ``ReadArticle``.

Why a reader of its own: newsgraph reports character offsets, and those must
line up with what the user has on disk (BRAT annotations, their own tools).
So the reader never strips, normalises or re-wraps plain text: it *finds* the
article's structure (headline, standfirst, bylines, author bio, "Read more"
lines) and reports where it is, leaving ``article.text`` exactly as given.
Where the text has to be built (HTML pages, JSON records with a separate
title), every offset refers to the built text, which is what gets analysed.

Bad input is never a traceback: every failure is a ``NewsgraphError`` with a
coded one-line message (see ``newsgraph.errors``). ``read_path`` and
``read_stdin`` *yield* those errors rather than raising them, so one bad
record in a JSONL file, or one bad file in a directory, does not stop the rest.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import stat
import warnings as _pywarnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from newsgraph.errors import Errors, NewsgraphError, Warnings
from newsgraph.models import Article

MAX_BYTES = 10_000_000
"""Default size limit for one input file or stdin (10 MB, the CLI's ``--max-bytes``).

Why a limit at all: a news article is a few kilobytes; a file of many
megabytes is almost certainly something else (a dump, a log, a binary), and
the parser's memory grows with the text. Checked with ``stat`` before reading.
"""

SUFFIX_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
}
"""File extensions newsgraph reads, and the format each implies."""


@dataclass
class ReadArticle:
    """One article as read, ready for analysis.

    ``article.text`` is the exact text analysed; every offset refers to it.
    ``excluded`` lists (start, end) regions that are metadata rather than body
    (bylines, author bios, "Read more" lines): actors are still found there,
    but no attribution or authorial sentence is reported inside them.
    """

    name: str
    article: Article
    path: str | None = None
    title_span: tuple[int, int] | None = None
    dek_span: tuple[int, int] | None = None
    excluded: list[tuple[int, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Dates


def _normalise_date(value: object) -> str | None:
    """``YYYY-MM-DD`` or an ISO 8601 timestamp, normalised to ISO; None if not a date."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if not v or not v[:1].isdigit():
        return None
    try:
        if "T" not in v and " " not in v and len(v) <= 10:
            return date.fromisoformat(v).isoformat()
        return datetime.fromisoformat(v).isoformat()
    except ValueError:
        return None


def parse_published(value: str | None) -> str | None:
    """Validate a user-given publication date; raise ``E011`` if it is not one.

    Accepts ``YYYY-MM-DD`` or an ISO 8601 timestamp (``2024-03-05T10:00:00Z``)
    and returns it in Python's ISO form (``2024-03-05T10:00:00+00:00``).
    """
    if value is None:
        return None
    normalised = _normalise_date(value)
    if normalised is None:
        raise NewsgraphError(Errors.E011, value=value)
    return normalised


# ---------------------------------------------------------------------------
# Plain-text structure: lines and paragraphs with offsets into the input


@dataclass(frozen=True)
class _Line:
    """A non-blank line: ``text == source[start:end]``, stripped of surrounding whitespace."""

    start: int
    end: int
    text: str


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _split_lines(text: str) -> list[_Line | None]:
    """Every line of ``text`` (split on \\n, \\r\\n, \\r only); blank lines are None."""
    out: list[_Line | None] = []
    pos = 0
    for m in [*_LINE_BREAK.finditer(text), None]:
        end = m.start() if m is not None else len(text)
        raw = text[pos:end]
        stripped = raw.strip()
        if stripped:
            start = pos + (len(raw) - len(raw.lstrip()))
            out.append(_Line(start, start + len(stripped), stripped))
        else:
            out.append(None)
        if m is not None:
            pos = m.end()
    return out


def _paragraphs(text: str) -> list[list[_Line]]:
    """Paragraphs are runs of lines between blank lines.

    Why the fallback: some sources (scrapers, trafilatura's plain output) put
    one paragraph per line with no blank lines at all; then each line is a
    paragraph, or the headline could never be told from the body.
    """
    paras: list[list[_Line]] = []
    current: list[_Line] = []
    for line in _split_lines(text):
        if line is None:
            if current:
                paras.append(current)
                current = []
        else:
            current.append(line)
    if current:
        paras.append(current)
    if len(paras) == 1 and len(paras[0]) > 1:
        paras = [[line] for line in paras[0]]
    return paras


# Bylines: "By Jane Roe", "Author: Jane Roe", "Written by Jane Roe and John Doe".
_BYLINE = re.compile(
    r"""^(?P<prefix>
        (?:written|reported|reporting|words|story|text|compiled)\s+by
        |by
        |authors?|writers?|reporters?
    )\b\s*[:\-–—]?\s*(?P<names>\S.*)$""",
    re.IGNORECASE | re.VERBOSE,
)
_NAME_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*")
# fmt: off
_PARTICLES = frozenset({
    "de", "da", "das", "do", "dos", "du", "del", "della", "der", "den", "di", "la", "le", "van",
    "von", "y", "bin", "ibn", "al", "el", "st", "st.", "ter", "ten",
})
# fmt: on
# fmt: off
_ROLE_WORDS = frozenset({
    "staff", "writer", "writers", "reporter", "reporters", "correspondent", "correspondents",
    "editor", "editors", "contributor", "contributors", "columnist", "senior", "chief", "political",
    "national", "foreign", "desk", "press", "associated", "agency", "news", "wire", "wires",
    "reuters", "afp", "ap", "bloomberg", "newsroom", "team",
})
# fmt: on
_INITIAL = re.compile(r"^[A-Z]\.(?:[A-Z]\.)*$")


def _name_word_ok(word: str) -> bool:
    if _INITIAL.match(word) or word.lower() in _PARTICLES:
        return True
    if not word[0].isupper() or any(ch.isdigit() for ch in word):
        return False
    return all(ch.isalpha() or ch in ".-'’" for ch in word)


def _byline_authors(line: str) -> list[str] | None:
    """The author names in a byline line, or None when the line is not a byline.

    Why so strict: "By Tuesday, the council had voted." starts like a byline;
    only a line that is nothing but names (and roles such as "Staff Writer")
    counts. An agency byline ("By The Associated Press") is a byline with no
    person in it: excluded from the body, no author recorded.
    """
    m = _BYLINE.match(line)
    if m is None or len(line.split()) > 16:
        return None
    prefix = m.group("prefix").lower()
    names = m.group("names")
    # "Reporting by X; Editing by Y" / "By X | Outlet" / "By X - Outlet": the first part.
    names = re.split(r"\s*(?:;|\||\s[-–—]\s)\s*", names)[0]
    names = re.sub(r"\s+in\s+[A-Z][\w .'’-]*$", "", names)  # "Reporting by X in Paris"
    if names.endswith(".") and not re.search(r"(?:^|\s)[A-Z]\.$", names):
        names = names[:-1]
    found: list[str] = []
    saw_role = False
    for part in _NAME_SEPARATORS.split(names.strip()):
        words = part.split()
        if not words:
            continue
        if any(w.lower().strip(".,") in _ROLE_WORDS for w in words):
            saw_role = True
            continue
        min_words = 2 if prefix.split()[-1] == "by" else 1
        if not (min_words <= len(words) <= 5) or not all(_name_word_ok(w) for w in words):
            return None
        if not words[-1][0].isupper():
            return None
        found.append(" ".join(words))
    if not found and not saw_role:
        return None
    return found


_BOILERPLATE = re.compile(
    r"""^[\W_]{0,3}(?:
        read\s+(?:more|the\s+(?:rest|full|original)|also|next)\b
        |continue\s+reading\b
        |click\s+here\b
        |follow\s+(?:us|him|her|them|me)\b
        |follow\s+[^.!?]{1,60}?\s+on\s+(?:twitter|x|facebook|instagram|threads|bluesky|mastodon
            |linkedin|tiktok|youtube|telegram)\b
        |(?:like|find)\s+us\s+on\b
        |subscribe\b|sign\s+up\b
        |share\s+(?:this|on)\b
        |(?:this\s+(?:article|story|piece)\s+)?(?:was\s+)?(?:originally|first)\s+(?:published|appeared)\b
        |this\s+(?:article|story|piece)\s+(?:was\s+)?(?:published|appeared|republished)\b
        |copyright\b|©|\(c\)\s*\d{4}
        |all\s+rights\s+reserved\b
        |related(?:\s+(?:articles?|stories|coverage|content|reading))?\s*:
        |see\s+also\s*:
        |(?:advertisement|sponsored\s+content)\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_boilerplate(line: str) -> bool:
    return len(line.split()) <= 50 and _BOILERPLATE.match(line) is not None


# "Published March 5, 2024", "Updated: 2024-03-05 10:00", "March 5, 2024": header dates.
_DATE_LINE = re.compile(
    r"""^(?:(?:published|updated|posted|last\s+updated)\b[:\s]*)?
    (?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?
    (?:\d{4}-\d{2}-\d{2}\S*
      |[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}
      |\d{1,2}\s+[A-Z][a-z]{2,8}\.?\s+\d{4})
    [\w\s:,.()+-]{0,30}$""",
    re.IGNORECASE | re.VERBOSE,
)

_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")


def _is_headline(line: _Line, only_paragraph: bool) -> bool:
    """Short, one line, not a byline; and not a lone sentence that is the whole text.

    Why the last condition: ``analyze("The mayor said the plan is fair.")``
    is one sentence of body, not a headline; a lone line only counts as a
    headline when it does not end like a sentence. Headlines may otherwise end
    with a full stop (some outlets write them that way).
    """
    words = line.text.split()
    if not (1 <= len(words) <= 25) or len(line.text) > 250:
        return False
    if not any(ch.isalpha() for ch in line.text) or line.text[-1] in ":;,":
        return False
    if _byline_authors(line.text) is not None or _is_boilerplate(line.text):
        return False
    return not (only_paragraph and _SENTENCE_END.search(line.text))


def _is_dek(line: _Line) -> bool:
    """A standfirst: short, one line, and not ending like a sentence (body paragraphs do)."""
    words = line.text.split()
    if not (1 <= len(words) <= 40) or not any(ch.isalpha() for ch in line.text):
        return False
    if _SENTENCE_END.search(line.text) or line.text[-1] in ":;,":
        return False
    return _byline_authors(line.text) is None and not _is_boilerplate(line.text)


def _starts_with_name(line: str, names: Iterable[str]) -> bool:
    for name in names:
        if len(name) >= 2 and line.startswith(name):
            rest = line[len(name) : len(name) + 1]
            if not rest or not (rest.isalnum() or rest == "_"):
                return True
    return False


@dataclass
class _Structure:
    title: _Line | None = None
    dek: _Line | None = None
    authors: list[str] = field(default_factory=list)
    excluded: list[tuple[int, int]] = field(default_factory=list)
    date: str | None = None  # a dateline near the top ("March 4, 2025"), as written


def _add_authors(into: list[str], names: Iterable[str]) -> None:
    for name in names:
        if name and name not in into:
            into.append(name)


def _structure(
    text: str,
    *,
    title_given: bool = False,
    known_authors: Iterable[str] = (),
    known_dek: str | None = None,
) -> _Structure:
    """Find headline, dek, bylines, bio and boilerplate; offsets into ``text``.

    ``title_given``: the first line *is* the headline (HTML, JSON with a
    title). ``known_authors``: names from metadata, so a closing bio can be
    recognised even without a byline in the text.
    """
    found = _Structure()
    paras = _paragraphs(text)
    if not paras:
        return found
    idx = 0

    def skip_bylines(idx: int) -> int:
        # Up to two paragraphs made only of byline and date lines.
        for _ in range(2):
            if idx >= len(paras):
                break
            lines = paras[idx]
            bylines = [_byline_authors(line.text) for line in lines]
            if any(
                b is None and not _DATE_LINE.match(line.text) for b, line in zip(bylines, lines, strict=True)
            ):
                break
            if all(b is None for b in bylines) and not found.authors:
                break  # a date line alone counts only after a byline
            for b, line in zip(bylines, lines, strict=True):
                _add_authors(found.authors, b or [])
                found.excluded.append((line.start, line.end))
                if b is None and found.date is None:
                    found.date = line.text
            idx += 1
        return idx

    first = paras[0]
    if title_given or (len(first) == 1 and _is_headline(first[0], only_paragraph=len(paras) == 1)):
        found.title = first[0]
        idx = 1
        idx = skip_bylines(idx)
        if idx < len(paras) - 1 and len(paras[idx]) == 1:
            candidate = paras[idx][0]
            matches_known = known_dek is not None and " ".join(known_dek.split()) == candidate.text
            byline_next = idx + 1 < len(paras) and any(_byline_authors(x.text) for x in paras[idx + 1])
            short = len(candidate.text.split()) <= 40
            if matches_known or (known_dek is None and (_is_dek(candidate) or (byline_next and short))):
                found.dek = candidate
                idx += 1
    elif not title_given and len(first) == 2 and first[0].text.endswith(";"):
        # "Headline; \nSubhead." on two lines: some wire feeds write the pair this way.
        head_text = first[0].text[:-1].rstrip()
        head = _Line(first[0].start, first[0].start + len(head_text), head_text)
        sub = first[1]
        if (
            _is_headline(head, only_paragraph=False)
            and len(sub.text.split()) <= 40
            and _byline_authors(sub.text) is None
        ):
            found.title, found.dek = head, sub
            idx = 1
    idx = skip_bylines(idx)
    body_start = idx

    # Trailing metadata: walk back from the end over bylines, boilerplate and a bio.
    tail_authors = list(found.authors)
    _add_authors(tail_authors, known_authors)
    for para in paras[max(body_start, len(paras) - 6) :]:
        for line in para:
            _add_authors(tail_authors, _byline_authors(line.text) or [])
    trailing: list[tuple[int, int]] = []
    for j in range(len(paras) - 1, body_start - 1, -1):
        para = paras[j]
        regions: list[tuple[int, int]] = []
        authors: list[str] = []
        ok = True
        for k, line in enumerate(para):
            names = _byline_authors(line.text)
            if names is not None:
                authors.extend(names)
                regions.append((line.start, line.end))
            elif _is_boilerplate(line.text):
                regions.append((line.start, line.end))
            elif (
                _starts_with_name(line.text, tail_authors)
                and sum(len(rest.text.split()) for rest in para[k:]) <= 150
            ):
                regions.append((line.start, para[-1].end))  # the bio runs to the paragraph's end
                break
            else:
                ok = False
                break
        if not ok:
            break
        trailing.extend(regions)
        _add_authors(found.authors, authors)
    found.excluded.extend(trailing)
    _add_authors(found.authors, known_authors)
    found.excluded.sort()
    return found


# ---------------------------------------------------------------------------
# Language


MIN_LANGUAGE_LETTERS = 100
"""Letters needed before a non-English verdict is trusted enough to warn."""


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    """py3langid with normalised probabilities, loaded once (it takes ~0.7 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _detect_language(text: str) -> tuple[str | None, float, int]:
    """(language, probability, letters in the sample) for the first 3,000 characters.

    Why a sample: a few paragraphs settle the language, and the identifier's
    cost grows with the text (it ran at 8 ms an article on the whole text).
    """
    sample = text[:3_000]
    letters = sum(1 for ch in sample if ch.isalpha())
    if not letters:
        return None, 0.0, 0
    try:
        lang, prob = _language_identifier().classify(sample)
    except Exception:  # the identifier must never take the reader down
        return None, 0.0, letters
    return str(lang), float(prob), letters


def _language_fields(text: str, name: str) -> tuple[str | None, list[str]]:
    """``article.language`` (None when unsure) and a W001 warning when confidently not English."""
    lang, prob, letters = _detect_language(text)
    if lang is None or prob < 0.5:
        return None, []
    warns: list[str] = []
    if lang != "en" and letters >= MIN_LANGUAGE_LETTERS and prob >= 0.9:
        warns.append(Warnings.W001.format(path=name, lang=lang))
    return lang, warns


# ---------------------------------------------------------------------------
# Building a ReadArticle


def _assemble(
    text: str,
    *,
    name: str,
    path: str | None = None,
    published: str | None = None,
    title_given: bool = False,
    authors: Iterable[str] = (),
    dek: str | None = None,
    outlet: str | None = None,
    url: str | None = None,
    warnings: Iterable[str] = (),
    label: str | None = None,
) -> ReadArticle:
    """The ``ReadArticle`` for ``text``; ``label`` names the input in warnings (default ``name``)."""
    text, replaced = _encodable(text, 0)
    name, replaced = _encodable(name, replaced)  # a JSON record's id names the stored article
    cleaned_authors = []
    for author in authors:
        author, replaced = _encodable(author, replaced)
        cleaned_authors.append(author)
    authors = cleaned_authors
    if dek is not None:
        dek, replaced = _encodable(dek, replaced)
    if outlet is not None:
        outlet, replaced = _encodable(outlet, replaced)
    if url is not None:
        url, replaced = _encodable(url, replaced)
    if replaced:
        warnings = [*warnings, Warnings.W010.format(path=label or name, count=replaced)]
    structure = _structure(text, title_given=title_given, known_authors=authors, known_dek=dek)
    language, lang_warnings = _language_fields(text, label or name)
    title = structure.title
    dek_line = structure.dek
    article = Article(
        title=title.text if title else None,
        dek=dek_line.text if dek_line else dek,
        authors=structure.authors,
        published=published or _dateline(structure.date),
        outlet=outlet,
        url=url,
        language=language,
        text=text,
    )
    return ReadArticle(
        name=name,
        article=article,
        path=path,
        title_span=(title.start, title.end) if title else None,
        dek_span=(dek_line.start, dek_line.end) if dek_line else None,
        excluded=structure.excluded,
        warnings=[*warnings, *lang_warnings],
    )


_UNENCODABLE = re.compile("[\x00\ud800-\udfff]")
"""Code points no article may keep: lone surrogates (UTF-8 cannot encode them) and NUL
(PostgreSQL cannot store it)."""


def _encodable(text: str, count: int) -> tuple[str, int]:
    """``text`` with every code point that cannot be encoded or stored replaced by U+FFFD, and
    ``count`` plus how many were replaced.

    Why: a JSON record may carry ``"\\ud800"`` (a lone surrogate) and so may
    text decoded with ``surrogateescape``; such a string cannot be written to
    stdout, a file or the database, and one of them used to lose the whole
    batch it came in. A JSON record's ``"\\u0000"`` (NUL) passes the binary
    check (the file holds no NUL byte) but PostgreSQL refuses it, so that
    article failed at store time on PostgreSQL only. Replaced one for one, so
    every offset still holds, and alike on every backend. (A file or posted
    text with NUL bytes in it is binary, ``E002``, before it gets here.)
    """
    if "\x00" not in text and text.isascii():
        return text, count
    cleaned, n = _UNENCODABLE.subn("\ufffd", text)
    return cleaned, count + n


def _dateline(line: str | None) -> str | None:
    """The ISO date of a dateline such as "March 4, 2025" or "4 March 2025", or None."""
    if not line:
        return None
    for fmt in ("%B %d, %Y", "%B %d %Y", "%d %B %Y", "%b %d, %Y", "%b. %d, %Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(line.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    return None


def read_text(text: str, *, name: str = "<text>", published: str | None = None) -> ReadArticle:
    """Plain text: the first line is the headline when it looks like one.

    ``article.text`` is ``text`` itself, unchanged, so offsets line up with
    the input. Found: the headline (first line, short, on its own), a
    standfirst right after it (short, no closing full stop), bylines
    ("By …", "Author: …") after the headline or at the end, a closing author
    bio ("Jane Roe is a reporter…") and "Read more" / "Follow us" lines; the
    last three are listed in ``excluded``. ``published`` must be a
    ``YYYY-MM-DD`` date or an ISO 8601 timestamp, else ``E011``.
    """
    return _assemble(text, name=name, published=parse_published(published))


def _clean_str(value: object) -> str | None:
    """A metadata string with its whitespace collapsed, or None when absent or not a string."""
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _split_authors(value: object) -> list[str]:
    """Authors from metadata: a list of names or one string ("A; B", "A and B")."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        cleaned = _clean_str(item)
        if cleaned:
            _add_authors(out, (p.strip() for p in re.split(r"\s*;\s*|\s+and\s+|\s*&\s*", cleaned)))
    return out


def _build_titled(title: str | None, body: str) -> tuple[str, bool]:
    """The analysed text: ``title + "\\n\\n" + body``, unless the body already opens with the title."""
    if not title:
        return body, False
    lines = [line for line in _split_lines(body) if line is not None]
    if lines and " ".join(lines[0].text.split()) == title and not body[: lines[0].start].strip():
        return body, True
    return f"{title}\n\n{body}", True


# ---------------------------------------------------------------------------
# HTML


_QUIET_LOGGERS = ("trafilatura", "htmldate", "courlan", "justext", "readability")


@contextlib.contextmanager
def _quiet_extraction() -> Iterator[None]:
    """Silence trafilatura and friends: their log lines and warnings are not ours to print."""
    loggers = [logging.getLogger(n) for n in _QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    try:
        for lg in loggers:
            lg.setLevel(logging.CRITICAL + 1)
        with _pywarnings.catch_warnings():
            _pywarnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@dataclass
class _Extracted:
    title: str | None
    paragraphs: list[str]
    authors: list[str]
    date: str | None
    outlet: str | None
    url: str | None
    description: str | None
    replaced: int = 0  # code points of the markup replaced by U+FFFD (see ``_encodable``)


def _extract_html(html: str, label: str) -> _Extracted:
    """Main text and metadata of a page with trafilatura; ``E009`` when there is no text.

    trafilatura is given the markup as a string, so it never fetches anything;
    scripts, styles, navigation and comments are dropped by its extractor.
    Lone surrogates and NUL are replaced first (lxml finds no text in markup
    holding a lone surrogate).
    """
    html, replaced = _encodable(html, 0)
    try:
        with _quiet_extraction():
            import trafilatura  # inside: its modules log while they load

            doc = trafilatura.bare_extraction(
                html,
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                include_images=False,
                include_links=False,
            )
    except Exception as err:  # malformed markup: lxml and trafilatura raise many kinds
        raise NewsgraphError(Errors.E009, path=label) from err
    if doc is None:
        raise NewsgraphError(Errors.E009, path=label)
    text = doc.text if isinstance(doc.text, str) else ""
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    title = _clean_str(doc.title)
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the page's <h1>, already the headline
    if not paragraphs:
        raise NewsgraphError(Errors.E009, path=label)
    return _Extracted(
        title=title,
        paragraphs=paragraphs,
        authors=_split_authors(doc.author),
        date=_normalise_date(doc.date),
        outlet=_clean_str(doc.sitename),
        url=_clean_str(doc.url),
        description=_clean_str(doc.description),
        replaced=replaced,
    )


def _replaced_warning(extracted: _Extracted, label: str) -> list[str]:
    return [Warnings.W010.format(path=label, count=extracted.replaced)] if extracted.replaced else []


def read_html(
    html: str,
    *,
    name: str = "<html>",
    url: str | None = None,
    published: str | None = None,
    label: str | None = None,
) -> ReadArticle:
    """An HTML page: the article's text and metadata, extracted with trafilatura.

    The analysed text is built as ``title + "\\n\\n" + paragraphs`` (one blank
    line between paragraphs), so the headline is analysed too and
    ``title_span`` points at it; every offset refers to this built text, not
    to the markup. ``published`` (if given) overrides the page's own date.
    ``label`` names the input in messages (default: ``name``). ``E009`` when
    the page holds no article text.
    """
    published_iso = parse_published(published)
    extracted = _extract_html(html, label or name)
    body = "\n\n".join(extracted.paragraphs)
    text, titled = _build_titled(extracted.title, body)
    dek = extracted.description if extracted.description in extracted.paragraphs[:1] else None
    return _assemble(
        text,
        name=name,
        published=published_iso or extracted.date,
        title_given=titled,
        authors=extracted.authors,
        dek=dek,
        outlet=extracted.outlet,
        url=url or extracted.url,
        warnings=_replaced_warning(extracted, label or name),
        label=label,
    )


# ---------------------------------------------------------------------------
# JSON records


def read_json_record(
    obj: dict[str, Any],
    *,
    name: str = "<record>",
    published: str | None = None,
    label: str | None = None,
) -> ReadArticle:
    """One article from a JSON object.

    Fields: ``text`` (or ``html``, extracted like a page), ``title``, ``dek``,
    ``authors`` (list or string) or ``author``, ``published`` (or ``date``),
    ``outlet`` (or ``publisher``), ``url``. With a separate title the text is
    ``title + "\\n\\n" + text`` (unless the text already opens with it).
    ``E008`` when there is no text. A record date that is not ISO is dropped
    with ``W004``; the ``published`` argument, when given, wins. ``label``
    names the record in messages (default: ``name``).
    """
    published_iso = parse_published(published)
    label = label or name
    if not isinstance(obj, dict):
        raise NewsgraphError(Errors.E008, path=label)
    warns: list[str] = []
    title = _clean_str(obj.get("title"))
    authors = _split_authors(obj.get("authors")) or _split_authors(obj.get("author"))
    outlet = _clean_str(obj.get("outlet")) or _clean_str(obj.get("publisher"))
    url = _clean_str(obj.get("url"))
    dek = _clean_str(obj.get("dek"))
    raw_text, raw_html = obj.get("text"), obj.get("html")
    if isinstance(raw_text, str) and raw_text.strip():
        body = raw_text
        page_date = None
    elif isinstance(raw_html, str) and raw_html.strip():
        extracted = _extract_html(raw_html, label)
        body = "\n\n".join(extracted.paragraphs)
        title = title or extracted.title
        authors = authors or extracted.authors
        outlet = outlet or extracted.outlet
        url = url or extracted.url
        page_date = extracted.date
        warns += _replaced_warning(extracted, label)
    else:
        raise NewsgraphError(Errors.E008, path=label)
    record_date = obj.get("published", obj.get("date"))
    record_iso = None
    if record_date is not None:
        record_iso = _normalise_date(record_date)
        if record_iso is None and published_iso is None:
            warns.append(Warnings.W004.format(path=label, value=record_date))
    text, titled = _build_titled(title, body)
    return _assemble(
        text,
        name=name,
        published=published_iso or record_iso or page_date,
        title_given=titled,
        authors=authors,
        dek=dek,
        outlet=outlet,
        url=url,
        warnings=warns,
        label=label,
    )


# ---------------------------------------------------------------------------
# Bytes: binary detection and decoding


_MAGIC = (
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\x1f\x8b", "gzip data"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\x7fELF", "executable"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Office document"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D} | {0x7F}
MAX_CONTROL_SHARE = 0.05
"""Share of control bytes (other than tab and line breaks) above which input is binary."""


def _binary_reason(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text has NUL bytes by design
    sample = data[:65_536]
    if b"\x00" in sample:
        return "contains NUL bytes"
    controls = sum(1 for b in sample if b in _CONTROL_BYTES)
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        return "mostly control characters"
    return None


def _charset_normalizer_decode(data: bytes) -> tuple[str, str] | None:
    """Best guess from charset-normalizer, preferring cp1252 on a tie.

    Why the preference: for Western text cp1250, cp1252 and latin-1 often
    score the same, and charset-normalizer then picks the first
    alphabetically (cp1250), turning "élèves" into "élčves". cp1252 (a
    superset of latin-1's printable characters) is by far the likeliest
    non-UTF-8 encoding of an English-language news article.
    """
    import charset_normalizer

    results = list(charset_normalizer.from_bytes(data))
    if not results:
        return None
    best = results[0]
    for match in results:
        if (
            "cp1252" in match.could_be_from_charset
            and match.chaos <= best.chaos + 0.01
            and match.coherence >= best.coherence - 0.01
        ):
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                break
    return str(best), best.encoding


def decode_bytes(data: bytes, *, name: str) -> tuple[str, list[str]]:
    """Bytes to text: UTF-8 first, then a detected encoding with ``W002``.

    A UTF-8 byte-order mark is dropped, so offsets count from the first
    character after it (as every editor and BRAT tool does). UTF-16/32 need
    their BOM. Raises ``E002`` for binary data and ``E003`` when no encoding fits.
    """
    reason = _binary_reason(data)
    if reason is not None:
        raise NewsgraphError(Errors.E002, path=name, reason=reason)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), [Warnings.W002.format(path=name, encoding=encoding)]
            except UnicodeDecodeError as err:
                raise NewsgraphError(Errors.E003, path=name) from err
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        guess = _charset_normalizer_decode(data)
    except Exception:  # a detector failure is an undecodable file, not a crash
        guess = None
    if guess is None:
        raise NewsgraphError(Errors.E003, path=name)
    text, encoding = guess
    return text, [Warnings.W002.format(path=name, encoding=encoding)]


# ---------------------------------------------------------------------------
# Files, stdin, directories


_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body|article|main|div|p|h1|title|meta)\b", re.I)


def _sniff(text: str) -> str:
    """Guess the format of text without a telling extension."""
    head = text.lstrip()[:2000]
    if head.startswith("<") and _HTML_TAG.search(head):
        return "html"
    if head.startswith(("{", "[")):
        try:
            json.loads(text)
            return "json"
        except RecursionError:  # JSON, nested too deeply: the json branch says so (E053)
            return "json"
        except ValueError:
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if lines and all(line.startswith("{") for line in lines):
                return "jsonl"
    return "text"


def _record_name(obj: object, stem: str, n: int) -> str:
    if isinstance(obj, dict):
        ident = obj.get("id")
        if isinstance(ident, (str, int)) and not isinstance(ident, bool) and str(ident).strip():
            return str(ident).strip()
    return f"{stem}#{n}"


def _with_file_info(read: ReadArticle, path: str | None, warns: list[str]) -> ReadArticle:
    read.path = path
    read.warnings[:0] = warns
    return read


def _items_from_text(
    text: str,
    *,
    fmt: str,
    label: str,
    stem: str,
    path: str | None,
    published: str | None,
    warns: list[str],
) -> Iterator[ReadArticle | NewsgraphError]:
    """Articles (or per-item errors) from decoded text of a known format."""
    if fmt == "text":
        read = _assemble(text, name=stem, published=published, label=label)
        yield _with_file_info(read, path, warns)
    elif fmt == "html":
        try:
            read = read_html(text, name=stem, published=published, label=label)
            yield _with_file_info(read, path, warns)
        except NewsgraphError as err:
            yield err
    elif fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            yield NewsgraphError(Errors.E007, path=label, line=err.lineno, reason=err.msg)
            return
        except RecursionError:  # Python's parser recurses: [[[[... a million deep exhausts it
            yield NewsgraphError(Errors.E053, path=label)
            return
        records = data if isinstance(data, list) else [data]
        for n, obj in enumerate(records, start=1):
            if isinstance(data, list):
                name, where = _record_name(obj, stem, n), f"{label}#{n}"
            else:
                name, where = stem, label
            try:
                read = read_json_record(obj, name=name, published=published, label=where)
                yield _with_file_info(read, path, warns)
            except NewsgraphError as err:
                yield err
    elif fmt == "jsonl":
        for n, line in enumerate(_LINE_BREAK.split(text), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                yield NewsgraphError(Errors.E007, path=label, line=n, reason=err.msg)
                continue
            except RecursionError:
                yield NewsgraphError(Errors.E053, path=f"{label}: line {n}")
                continue
            if not isinstance(obj, dict):
                yield NewsgraphError(Errors.E007, path=label, line=n, reason="expected a JSON object")
                continue
            name = _record_name(obj, stem, n)
            try:
                read = read_json_record(obj, name=name, published=published, label=f"{label}#{n}")
                yield _with_file_info(read, path, warns)
            except NewsgraphError as err:
                yield err
    else:
        yield NewsgraphError(Errors.E006, path=label, fmt=fmt)


def _items_from_bytes(
    data: bytes,
    *,
    label: str,
    stem: str,
    suffix: str,
    path: str | None,
    published: str | None,
) -> Iterator[ReadArticle | NewsgraphError]:
    if not data:
        yield NewsgraphError(Errors.E001, path=label)
        return
    try:
        published_iso = parse_published(published)
        text, warns = decode_bytes(data, name=label)
    except NewsgraphError as err:
        yield err
        return
    if not text.strip():
        yield NewsgraphError(Errors.E001, path=label)
        return
    fmt = SUFFIX_FORMATS.get(suffix.lower()) or _sniff(text)
    try:
        yield from _items_from_text(
            text, fmt=fmt, label=label, stem=stem, path=path, published=published_iso, warns=warns
        )
    except NewsgraphError as err:
        yield err
    except Exception as err:  # a bug must still reach the user as one coded line
        yield NewsgraphError(Errors.E999, path=label, reason=f"{type(err).__name__}: {err}")


def _os_reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def read_path(
    path: str | Path,
    *,
    published: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Iterator[ReadArticle | NewsgraphError]:
    """Read one file: one ``ReadArticle`` per article, or a ``NewsgraphError`` per failure.

    Never raises: errors are yielded, so a JSONL file with one bad line still
    gives its other records. The format comes from the extension (.txt .text
    .md, .html .htm, .json holding an object or a list, .jsonl), else from
    sniffing the content. Names: the file stem; for records of a JSONL file
    or a JSON list, the record's ``id`` or ``stem#N`` (N the line or item).

    ``max_bytes`` (default ``MAX_BYTES`` = 10_000_000, 10 MB) is checked with
    ``stat`` before reading, so an oversized file is never loaded (``E004``).
    Other failures: missing file ``E005``, empty or blank ``E001``, binary
    ``E002``, undecodable ``E003``, unreadable ``E010``. Text that is not
    UTF-8 is decoded with the detected encoding and gets ``W002``; a UTF-8 BOM
    is dropped and offsets count from the character after it.
    """
    p = Path(path)
    label = str(path)
    try:
        st = p.stat()
    except (FileNotFoundError, NotADirectoryError):
        yield NewsgraphError(Errors.E005, path=label)
        return
    except OSError as err:
        yield NewsgraphError(Errors.E010, path=label, reason=_os_reason(err))
        return
    if stat.S_ISDIR(st.st_mode):
        yield NewsgraphError(Errors.E010, path=label, reason="is a directory")
        return
    regular = stat.S_ISREG(st.st_mode)
    if regular and st.st_size > max_bytes:
        yield NewsgraphError(Errors.E004, path=label, size=st.st_size, limit=max_bytes)
        return
    if regular and st.st_size == 0:
        yield NewsgraphError(Errors.E001, path=label)
        return
    try:
        with p.open("rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as err:
        yield NewsgraphError(Errors.E010, path=label, reason=_os_reason(err))
        return
    if len(data) > max_bytes:  # grew since stat, or not a regular file
        yield NewsgraphError(Errors.E004, path=label, size=len(data), limit=max_bytes)
        return
    yield from _items_from_bytes(
        data, label=label, stem=p.stem or p.name, suffix=p.suffix, path=label, published=published
    )


def read_stdin(
    stream: BinaryIO | TextIO,
    *,
    published: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Iterator[ReadArticle | NewsgraphError]:
    """Articles from a stream (``sys.stdin.buffer``), decoded and sniffed like a file.

    Named ``<stdin>`` (records ``<stdin>#N`` or their ``id``). Above
    ``max_bytes`` the rest of the stream is counted, not kept, and ``E004``
    reports its size.
    """
    label = "<stdin>"
    source: Any = getattr(stream, "buffer", stream)
    try:
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogatepass")
        size = len(data)
        if size > max_bytes:
            while chunk := source.read(1 << 20):
                size += len(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            yield NewsgraphError(Errors.E004, path=label, size=size, limit=max_bytes)
            return
    except OSError as err:
        yield NewsgraphError(Errors.E010, path=label, reason=_os_reason(err))
        return
    yield from _items_from_bytes(data, label=label, stem=label, suffix="", path=None, published=published)


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[Path | NewsgraphError]:
    """Expand the command line's paths into files to read.

    Files pass through as given (whatever their extension: ``read_path``
    sniffs). Directories are walked recursively, in sorted order, for
    .txt .text .md .html .htm .json .jsonl files, skipping hidden files and
    directories (and so never picking up BRAT ``.ann`` files). Missing paths
    give ``E005``; a directory without article files ``E014``; an unreadable
    directory ``E010``.
    """
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            errors: list[OSError] = []
            found: list[Path] = []
            for root, dirs, files in os.walk(p, onerror=errors.append):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for fname in files:
                    if fname.startswith(".") or Path(fname).suffix.lower() not in SUFFIX_FORMATS:
                        continue
                    found.append(Path(root) / fname)
            found.sort(key=lambda f: f.relative_to(p).parts)
            for err in errors:
                yield NewsgraphError(Errors.E010, path=err.filename or str(p), reason=_os_reason(err))
            if not found and not errors:
                yield NewsgraphError(Errors.E014, path=str(raw))
            yield from found
        elif p.exists():
            yield p
        elif p.is_symlink():  # a link whose target cannot be reached (a loop, a dangling link)
            try:
                p.stat()
                yield p  # pragma: no cover - appeared in between
            except OSError as err:
                if err.errno == errno.ENOENT:
                    yield NewsgraphError(Errors.E005, path=str(raw))
                else:
                    yield NewsgraphError(Errors.E010, path=str(raw), reason=_os_reason(err))
        else:
            yield NewsgraphError(Errors.E005, path=str(raw))
