"""Quotation spans: where direct speech starts and ends, character by character.

Why not spaCy's tokens: quotation marks are a typographic matter (curly,
straight, single inside double, a quote running over several paragraphs with
no closing mark until its last one), and getting them right on the raw text
is simpler and faster than on tokens. The attribution engine then treats a
token as quoted when its character offset lies inside one of these spans.

Rules, in order of preference:

* ``“ ”`` (and ``« »``, ``„ “``) pair by direction; straight ``"`` opens after
  a space, line start or opening bracket and closes otherwise.
* A paragraph that ends inside an open quote, followed by a paragraph that
  starts with an opening mark, continues the quote (the journalistic
  convention for multi-paragraph quotes); the quote then has several pieces,
  one per paragraph.
* A quote still open at a paragraph end that is not continued is closed there
  (unbalanced marks never swallow the rest of the article).
* Single marks ``‘ ’`` count as quotes only outside double quotes' apostrophe
  uses: ``‘`` must follow a space or line start, ``’`` must be followed by a
  non-letter; what lies between must be short of a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsgraph.analysis.intervals import Spans

OPEN_DOUBLE = "“«„"
CLOSE_DOUBLE = "”»"
STRAIGHT = '"'
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[\"“«„])")


@dataclass
class Quote:
    """A quotation: ``start``/``end`` include the marks; ``pieces`` are per paragraph."""

    start: int
    end: int
    pieces: list[tuple[int, int]] = field(default_factory=list)
    closed: bool = True
    single: bool = False

    def contains(self, offset: int) -> bool:
        return any(s <= offset < e for s, e in self.pieces)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _opens(text: str, i: int) -> bool:
    ch = text[i]
    if ch in OPEN_DOUBLE:
        return True
    if ch in CLOSE_DOUBLE:
        return False
    j = i - 2 if i > 1 and text[i - 1] == "\x01" else i - 1  # skip the shadow of "''"
    prev = text[j] if j >= 0 else " "
    return prev.isspace() or prev in "([{—–-/" or i == 0


def _double_quotes(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], int | None]:
    """Closed quotes inside one paragraph, and the offset of a quote left open at its end."""
    found: list[tuple[int, int]] = []
    open_at: int | None = None
    for i in range(start, end):
        ch = text[i]
        if ch not in OPEN_DOUBLE and ch not in CLOSE_DOUBLE and ch != STRAIGHT:
            continue
        if open_at is None:
            if _opens(text, i) or ch == STRAIGHT:
                open_at = i - 1 if i > 0 and text[i - 1] == "\x01" else i
        elif ch in CLOSE_DOUBLE or ch == STRAIGHT or not _opens(text, i):
            found.append((open_at, i + 1))
            open_at = None
        else:  # a second opening mark: the first one was never closed
            open_at = i
    return found, open_at


_SINGLE = re.compile(r"(?:(?<=^)|(?<=[\s(\[—–\"“]))‘([^‘’\n]{1,300}?)’(?![A-Za-z])")


def find_quotes(text: str) -> list[Quote]:
    """All quotations in ``text``, sorted by start offset.

    Two apostrophes (``''``, some newspapers' double quotation mark) count as
    one straight double mark: they are replaced, length for length, by
    ``\x01"`` in a shadow copy of the text that the scan runs on.
    """
    text = text.replace("''", '\x01"')
    quotes: list[Quote] = []
    pending: Quote | None = None
    for p_start, p_end in _paragraphs(text):
        first = p_start + len(text[p_start:p_end]) - len(text[p_start:p_end].lstrip())
        starts_quoted = first < p_end and (text[first] in OPEN_DOUBLE or text[first] in (STRAIGHT, "\x01"))
        if pending is not None:
            if starts_quoted:
                found, open_at = _double_quotes(text, first, p_end)
                if found and found[0][0] == first:
                    close = found.pop(0)[1]
                    pending.pieces.append((first, close))
                    pending.end = close
                    pending.closed = True
                    quotes.append(pending)
                    pending = None
                elif open_at == first and not found:
                    pending.pieces.append((first, p_end))
                    pending.end = p_end
                    continue
                else:
                    pending.closed = False
                    quotes.append(pending)
                    pending = None
                quotes.extend(Quote(s, e, [(s, e)]) for s, e in found)
                if open_at is not None and open_at != first:
                    pending = Quote(open_at, p_end, [(open_at, p_end)], closed=False)
                continue
            pending.closed = False
            quotes.append(pending)
            pending = None
        found, open_at = _double_quotes(text, p_start, p_end)
        quotes.extend(Quote(s, e, [(s, e)]) for s, e in found)
        if open_at is not None:
            pending = Quote(open_at, p_end, [(open_at, p_end)], closed=False)
    if pending is not None:
        quotes.append(pending)
    # a single-quoted span inside or across a double quote is an apostrophe's doing
    doubles = Spans([(q.start, q.end) for q in quotes])
    for m in _SINGLE.finditer(text):
        s, e = m.start(), m.end()
        if not doubles.overlaps(s, e):
            quotes.append(Quote(s, e, [(s, e)], single=True))
    quotes.sort(key=lambda q: q.start)
    return quotes
