"""An analysis cut into the text segments the highlighted article view shows.

Why a pure function of its own: the article view is where an attribution
must be seen exactly where the analysis put it, so the cutting is done on
offsets alone and tested on its own (segments always concatenate back to the
exact article text, whatever spans the analysis holds: overlapping, nested,
empty, out of range). The template only wraps each segment's ``text`` in a
``<span>`` and lets Jinja's autoescaping make it inert; no HTML is ever built
here by gluing article text into strings.

Spans overlap in real analyses: a nested attribution sits inside the content
of another, a speaker's name is inside the authorial sentence that mentions
them. Each segment therefore carries every role and every attribution that
covers it; ``role`` and ``attribution`` pick the one to colour and describe:
the most specific role (cue, then source, then addressee, then content) and,
for that role, the attribution whose span is shortest (the innermost one).
Event triggers are a layer of their own (``events``): the view marks them
whatever attribution roles the same words have. Figures and time expressions
are two more such layers (``figures``, ``times``), and ``fact_anchors`` names
the figures and times that start at a segment (the link targets
``#figure-F3`` / ``#time-T2`` of the article's Claims list).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise

from newsgraph.models import Analysis

ROLES = ("cue", "source", "addressee", "content")
"""Highlight roles, most specific first: this order decides a segment's colour."""

_PRIORITY = {role: i for i, role in enumerate(ROLES)}

LAYERS = ("event", "figure", "time")
"""Marks shown whatever attribution roles cover the same words: event triggers, figures, times."""


@dataclass(frozen=True)
class Segment:
    """A stretch of the article text with everything that covers it.

    ``text == article.text[start:end]``. ``roles`` are ordered most specific
    first, ``attributions`` innermost first for the leading role. ``anchors``
    lists the attributions whose earliest span starts at this segment, so the
    view can put a link target (``#at-A3``) there.
    """

    start: int
    end: int
    text: str
    roles: tuple[str, ...] = ()
    attributions: tuple[str, ...] = ()
    authorial: bool = False
    anchors: tuple[str, ...] = ()
    events: tuple[str, ...] = ()  # the events whose trigger covers this segment (shortest trigger first)
    figures: tuple[str, ...] = ()  # the figures covering this segment (shortest first)
    times: tuple[str, ...] = ()  # the time expressions covering this segment (shortest first)
    fact_anchors: tuple[str, ...] = ()  # figures and times whose span starts here

    @property
    def role(self) -> str | None:
        """The role shown (colour): the most specific one covering the segment."""
        return self.roles[0] if self.roles else None

    @property
    def attribution(self) -> str | None:
        """The attribution described on hover/focus: the innermost one with the leading role."""
        return self.attributions[0] if self.attributions else None

    @property
    def highlighted(self) -> bool:
        return bool(self.roles)


@dataclass(frozen=True)
class _Interval:
    start: int
    end: int
    role: str  # one of ROLES, "authorial", or a layer in LAYERS (``attribution`` is then its id)
    attribution: str | None


def _clip(start: int, end: int, length: int) -> tuple[int, int] | None:
    """A span's offsets clamped to the text; None when nothing of it is left."""
    s = max(0, min(int(start), length))
    e = max(0, min(int(end), length))
    return (s, e) if s < e else None


def _intervals(analysis: Analysis, length: int) -> Iterable[_Interval]:
    for attribution in analysis.attributions:
        parts: list[tuple[str, object]] = [("cue", attribution.cue)]
        parts.extend(("content", span) for span in attribution.content)
        if attribution.source is not None:
            parts.append(("source", attribution.source))
        if attribution.addressee is not None:
            parts.append(("addressee", attribution.addressee))
        for role, span in parts:
            clipped = _clip(span.start, span.end, length)  # type: ignore[attr-defined]
            if clipped:
                yield _Interval(clipped[0], clipped[1], role, attribution.id)
    for span in analysis.authorial:
        clipped = _clip(span.start, span.end, length)
        if clipped:
            yield _Interval(clipped[0], clipped[1], "authorial", None)
    for event in analysis.events:
        clipped = _clip(event.trigger.start, event.trigger.end, length)
        if clipped:
            yield _Interval(clipped[0], clipped[1], "event", event.id)
    for figure in analysis.figures:
        clipped = _clip(figure.start, figure.end, length)
        if clipped:
            yield _Interval(clipped[0], clipped[1], "figure", figure.id)
    for time in analysis.times:
        clipped = _clip(time.start, time.end, length)
        if clipped:
            yield _Interval(clipped[0], clipped[1], "time", time.id)


def segments(analysis: Analysis) -> list[Segment]:
    """Cut the article text into segments; ``"".join(s.text for s in result) == analysis.article.text``.

    Boundaries are every (clipped) span start and end; consecutive pieces
    covered by the same roles and attributions are merged, so plain text
    between highlights is one segment. An empty text gives no segments.
    """
    text = analysis.article.text
    length = len(text)
    if length == 0:
        return []
    intervals = list(_intervals(analysis, length))
    first_start: dict[str, int] = {}
    for iv in intervals:
        if iv.attribution is not None and iv.role not in LAYERS:
            first_start[iv.attribution] = min(first_start.get(iv.attribution, length), iv.start)
    anchors_at: dict[int, list[str]] = {}
    for attribution_id, start in first_start.items():
        anchors_at.setdefault(start, []).append(attribution_id)
    fact_anchors_at: dict[int, list[str]] = {}
    for iv in intervals:
        if iv.role in ("figure", "time") and iv.attribution is not None:
            fact_anchors_at.setdefault(iv.start, []).append(iv.attribution)

    bounds = sorted({0, length, *(iv.start for iv in intervals), *(iv.end for iv in intervals)})
    starting: dict[int, list[_Interval]] = {}
    for iv in intervals:
        starting.setdefault(iv.start, []).append(iv)
    active: list[_Interval] = []
    out: list[Segment] = []
    for left, right in pairwise(bounds):
        active = [iv for iv in active if iv.end > left]
        active.extend(starting.get(left, ()))
        segment = _segment(text, left, right, active, tuple(anchors_at.get(left, ())))
        facts_here = tuple(fact_anchors_at.get(left, ()))
        out.append(replace(segment, fact_anchors=facts_here) if facts_here else segment)
    return _merge(out, text)


def _segment(text: str, left: int, right: int, active: list[_Interval], anchors: tuple[str, ...]) -> Segment:
    authorial = any(iv.role == "authorial" for iv in active)
    events, figures, times = (_layer(active, layer) for layer in LAYERS)
    spans = [iv for iv in active if iv.role != "authorial" and iv.role not in LAYERS]
    roles = tuple(sorted({iv.role for iv in spans}, key=_PRIORITY.__getitem__))
    # Innermost first for the leading role, then the others by span length; each id once.
    ordered = (
        sorted(spans, key=lambda iv: (_PRIORITY[iv.role] != _PRIORITY[roles[0]], iv.end - iv.start, iv.start))
        if roles
        else []
    )
    attributions = tuple(dict.fromkeys(iv.attribution for iv in ordered if iv.attribution is not None))
    return Segment(
        left, right, text[left:right], roles, attributions, authorial, anchors, events, figures, times
    )


def _layer(active: list[_Interval], layer: str) -> tuple[str, ...]:
    """The ids of one layer's spans covering a segment, shortest span first, each once."""
    spans = sorted((iv for iv in active if iv.role == layer), key=lambda iv: (iv.end - iv.start, iv.start))
    return tuple(dict.fromkeys(iv.attribution for iv in spans if iv.attribution is not None))


def _merge(pieces: list[Segment], text: str) -> list[Segment]:
    merged: list[Segment] = []
    for piece in pieces:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and not piece.anchors
            and not piece.fact_anchors
            and (prev.roles, prev.attributions, prev.authorial, prev.events, prev.figures, prev.times)
            == (piece.roles, piece.attributions, piece.authorial, piece.events, piece.figures, piece.times)
        ):
            merged[-1] = replace(prev, end=piece.end, text=text[prev.start : piece.end])
        else:
            merged.append(piece)
    return merged
