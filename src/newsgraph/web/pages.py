"""The server-rendered pages: analyze, articles, quotes, actors, network, search.

Why server-rendered: every page works (and can be tested) without any
script; ``static/app.js`` only adds the floating detail box when a
highlighted span is hovered or focused, and the same detail is in the
span's ``title`` and in the attribution list below the article. Charts
(an actor's timeline, the network) are SVG computed here, with their data in
attributes, never in inline scripts or styles (the CSP forbids both).

Stable hooks for tests and for the eye: the highlighted text is
``#article-text``; each highlighted span is ``span.seg`` with a ``role-*``
class (``role-source``, ``role-cue``, ``role-content``, ``role-addressee``),
``data-attribution-id`` (the attribution it describes) and ``tabindex=0``;
its detail is ``#detail-<id>``; the author's own sentences are
``span.authorial``. Each page's main parts carry ids listed in the README.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from newsgraph.errors import NewsgraphError
from newsgraph.models import Analysis, Entity
from newsgraph.web import COOKIE, HERE, ApiError, error_status, state_of
from newsgraph.web.api import RowId
from newsgraph.web.highlight import Segment, segments

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


# ------------------------------------------------------------------ templates


def external_url(url: str | None) -> str | None:
    """An article's own URL when it is safe to link (http or https with a host), else None."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x20 or c.isspace() for c in url.strip()):
        return None
    return url.strip()


def _date(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _qs(params: dict[str, Any], **changes: Any) -> str:
    """A query string from ``params`` with ``changes`` applied; empty values are left out."""
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its name: article text is untrusted
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["external_url"] = external_url
ENV.filters["date"] = _date
ENV.globals["qs"] = _qs


def render(
    template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    html = ENV.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=headers)


def render_error(
    status: int, message: str, *, login: bool = False, headers: dict[str, str] | None = None
) -> HTMLResponse:
    titles = {
        401: "Token needed",
        403: "Forbidden",
        404: "Not found",
        413: "Too large",
        422: "Invalid input",
        500: "Internal error",
        503: "Unavailable",
    }
    return render(
        "error.html",
        status=status,
        headers=headers,
        title=titles.get(status, "Error"),
        status_code=status,
        message=message,
        login=login,
        page="error",
    )


# ------------------------------------------------------------------ the article view


STANCE_WORDS = {
    "neutral": "neutral",
    "emphatic": "emphatic",
    "distancing": "distancing (at arm's length)",
    "assertive": "assertive",
    "tentative": "tentative",
    "negative": "negative (denial or refusal)",
}


@dataclass
class Detail:
    """What hovering or focusing a highlighted span shows about its attribution."""

    id: str
    anchors: list[str]
    kind: str
    stance: str
    confidence: float
    speaker: str | None
    speaker_titles: list[str]
    speaker_href: str | None
    source_text: str | None
    cue: str
    addressee: str | None
    addressee_titles: list[str]
    addressee_href: str | None
    content: str
    parent: str | None
    summary: str


@dataclass
class EntityItem:
    entity: Entity
    href: str | None
    statements: int


@dataclass
class EventItem:
    """One event as the article view lists it: agent -> type -> target, with its actors' pages."""

    id: str
    type: str
    family: str
    trigger: str
    agent: str | None
    agent_href: str | None
    target: str | None
    target_href: str | None
    place: str | None
    place_href: str | None
    time: str | None
    negated: bool
    modality: str
    attribution: str | None
    summary: str


@dataclass
class FigureItem:
    """One figure as the article view shows it: highlighted in the text and a row of its Claims list."""

    id: str
    anchor: str  # the link target in the text: "figure-F3"
    text: str
    value: float | list[float]
    shown: str  # the normalised value in words: "about 40", "1,500,000 person", "2–3 percent"
    unit: str | None
    change: str
    concept: str | None
    attribution: str | None  # the claiming attribution (local id); None: the article's own voice
    speaker: str | None
    speaker_href: str | None
    sentence: tuple[str, str, str]  # the sentence around the figure: before, the figure, after
    summary: str


@dataclass
class TimeItem:
    """One time expression: its TIMEX3 type and normalised value, shown on hover."""

    id: str
    anchor: str
    text: str
    type: str
    value: str
    summary: str


@dataclass
class ArticleView:
    analysis: Analysis
    segments: list[Segment]
    details: dict[str, Detail]
    entities: list[EntityItem] = field(default_factory=list)
    authorial_known: bool = True  # False for articles stored before the store kept authorial sentences
    events: dict[str, EventItem] = field(default_factory=dict)  # by event id, in text order
    figures: dict[str, FigureItem] = field(default_factory=dict)  # by figure id, in text order
    times: dict[str, TimeItem] = field(default_factory=dict)  # by time id, in text order
    claims_download: str | None = None  # stored articles: the Claims list's download base (``/claims``)
    claims_params: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def authorial_ends(self) -> dict[int, int]:
        """Where each run of authorial text outside the highlights ends, by where it starts.

        Figures, times and events cut the author's sentences into several segments; the view still
        wraps each run in one ``span.authorial`` (the marks inside it), so a sentence stays one element.
        """
        ends: dict[int, int] = {}
        start: int | None = None
        for seg in self.segments:
            if _plain_authorial(seg):
                start = seg.start if start is None else start
                ends[start] = seg.end
            else:
                start = None
        return ends

    def opens_authorial(self, seg: Segment, before: Segment | None) -> bool:
        return _plain_authorial(seg) and not (before is not None and _plain_authorial(before))

    def closes_authorial(self, seg: Segment, after: Segment | None) -> bool:
        return _plain_authorial(seg) and not (after is not None and _plain_authorial(after))

    def fact_anchor(self, fact_id: str) -> str | None:
        """The link target of a figure or time expression (its id attribute in the text)."""
        item = self.figures.get(fact_id) or self.times.get(fact_id)
        return item.anchor if item else None

    def anchors(self, attribution_id: str) -> list[str]:
        detail = self.details.get(attribution_id)
        return detail.anchors if detail else [f"at-{attribution_id}"]


def _plain_authorial(seg: Segment) -> bool:
    """A stretch in the article's own voice that no attribution highlights."""
    return seg.authorial and not seg.highlighted


def _flat(text: str, limit: int | None = None) -> str:
    from newsgraph.io.render import one_line

    return one_line(text, limit)


def _quoted(text: str) -> str:
    """Content in quotation marks, unless it already opens with one (a direct quote)."""
    return text if text[:1] in "\"'“‘«„" else f"“{text}”"


def article_view(
    analysis: Analysis,
    *,
    actor_href: Callable[[str], str | None] | None = None,
    attribution_ids: dict[str, int] | None = None,
) -> ArticleView:
    """Everything the article template shows, from an analysis.

    ``actor_href`` maps a local entity id to the actor's page (stored
    articles); without it speakers link to their entry in the page's own
    actor list. ``attribution_ids`` (stored articles) adds an
    ``attribution-<row id>`` anchor per attribution, the target of the
    links from quote lists and actor pages.
    """
    entities = {e.id: e for e in analysis.entities}

    def href(entity_id: str | None) -> str | None:
        if entity_id is None or entity_id not in entities:
            return None
        if actor_href is not None:
            return actor_href(entity_id)
        return f"#entity-{entity_id}"

    statements: dict[str, int] = {}
    details: dict[str, Detail] = {}
    for a in analysis.attributions:
        source_entity = entities.get(a.source.entity) if a.source and a.source.entity else None
        addressee_entity = entities.get(a.addressee.entity) if a.addressee and a.addressee.entity else None
        if source_entity is not None:
            statements[source_entity.id] = statements.get(source_entity.id, 0) + 1
        speaker = source_entity.name if source_entity else (_flat(a.source.text, 120) if a.source else None)
        addressee = (
            addressee_entity.name
            if addressee_entity
            else (_flat(a.addressee.text, 120) if a.addressee else None)
        )
        content = " … ".join(_flat(s.text) for s in a.content)
        titles = list(source_entity.titles) if source_entity else []
        summary = (
            f"{speaker or 'unknown source'}"
            + (f" ({', '.join(titles)})" if titles else "")
            + f" — {_flat(a.cue.text, 60)} [{a.stance}, {a.kind}]"
            + (f" → to {addressee}" if addressee else "")
            + (f": {_quoted(_flat(content, 200))}" if content else "")
        )
        anchors = [f"at-{a.id}"]
        if attribution_ids and a.id in attribution_ids:
            anchors.append(f"attribution-{attribution_ids[a.id]}")
        details[a.id] = Detail(
            id=a.id,
            anchors=anchors,
            kind=a.kind,
            stance=a.stance,
            confidence=a.confidence,
            speaker=speaker,
            speaker_titles=titles,
            speaker_href=href(source_entity.id) if source_entity else None,
            source_text=_flat(a.source.text, 200) if a.source else None,
            cue=_flat(a.cue.text, 100),
            addressee=addressee,
            addressee_titles=list(addressee_entity.titles) if addressee_entity else [],
            addressee_href=href(addressee_entity.id) if addressee_entity else None,
            content=content,
            parent=a.parent,
            summary=summary,
        )
    events = _event_items(analysis, entities, href)
    figures, times = _fact_items(analysis, details)
    items = [EntityItem(e, href(e.id), statements.get(e.id, 0)) for e in analysis.entities]
    items.sort(
        key=lambda item: (-item.statements, item.entity.mentions[0].start if item.entity.mentions else 0)
    )
    return ArticleView(
        analysis, segments(analysis), details, items, events=events, figures=figures, times=times
    )


CHANGE_WORDS = {
    "=": "",
    "~": "about ",
    ">": "more than ",
    "<": "less than ",
    ">=": "at least ",
    "<=": "at most ",
    "up": "up ",
    "down": "down ",
}
"""How a figure's change marker reads in the view: "~" 40 is "about 40"."""


def _squash(text: str) -> str:
    """Whitespace runs (line breaks too) as one space, the ends kept: pieces of one sentence still join."""
    return re.sub(r"\s+", " ", text)


def number_text(value: float) -> str:
    """A figure's number as people write it: 1500000.0 -> "1,500,000", 0.25 -> "0.25"."""
    if not math.isfinite(value):
        return str(value)
    return format(value, ",.15g") if abs(value) < 1e15 else format(value, ".6g")


def value_text(value: float | list[float], unit: str | None, change: str) -> str:
    """A figure's normalised value in words: change, number (or range), unit."""
    number = (
        f"{number_text(value[0])}–{number_text(value[1])}" if isinstance(value, list) else number_text(value)
    )
    return f"{CHANGE_WORDS.get(change, change + ' ')}{number}" + (f" {unit}" if unit else "")


def _fact_items(
    analysis: Analysis, details: dict[str, Detail]
) -> tuple[dict[str, FigureItem], dict[str, TimeItem]]:
    """The article's figures (with who claims each and their sentence) and times, in text order."""
    from newsgraph.store.facts import sentence_bounds

    text = analysis.article.text
    figures: dict[str, FigureItem] = {}
    for f in sorted(analysis.figures, key=lambda f: (f.start, f.id)):
        claim = details.get(f.claimed_by) if f.claimed_by else None
        left, right = sentence_bounds(text, f.start, f.end)
        shown = value_text(f.value, f.unit, f.change)
        who = (claim.speaker or "an unnamed source") if claim else "the article (own voice)"
        concept = _flat(f.concept.text, 120) if f.concept else None
        figures[f.id] = FigureItem(
            id=f.id,
            anchor=f"figure-{f.id}",
            text=f.text,
            value=f.value,
            shown=shown,
            unit=f.unit,
            change=f.change,
            concept=concept,
            attribution=claim.id if claim else None,
            speaker=claim.speaker if claim else None,
            speaker_href=claim.speaker_href if claim else None,
            sentence=(_squash(text[left : f.start]), _squash(f.text), _squash(text[f.end : right])),
            summary=f"figure: {shown}" + (f" ({concept})" if concept else "") + f" · claimed by {who}",
        )
    times = {
        t.id: TimeItem(
            id=t.id,
            anchor=f"time-{t.id}",
            text=t.text,
            type=t.type,
            value=t.value,
            summary=f"time: {t.type} {t.value}",
        )
        for t in sorted(analysis.times, key=lambda t: (t.start, t.id))
    }
    return figures, times


def _event_items(
    analysis: Analysis, entities: dict[str, Entity], href: Callable[[str | None], str | None]
) -> dict[str, EventItem]:
    """The article's events in text order, each with its actors' names (the span text when unlinked)."""
    from newsgraph.store.events import FAMILY_OF

    def who(span: Any) -> tuple[str | None, str | None]:
        if span is None:
            return None, None
        entity = entities.get(span.entity) if span.entity else None
        return (entity.name if entity else _flat(span.text, 80)), href(entity.id) if entity else None

    out: dict[str, EventItem] = {}
    for e in sorted(analysis.events, key=lambda e: (e.trigger.start, e.id)):
        agent, agent_href = who(e.agent)
        target, target_href = who(e.target)
        place, place_href = who(e.place)
        flags = ("not " if e.negated else "") + ("" if e.modality == "asserted" else f"{e.modality} ")
        summary = (
            f"{e.type}: {agent or 'someone'} → {flags}{_flat(e.trigger.text, 40)}"
            + (f" → {target}" if target else "")
            + (f" in {place}" if place else "")
            + (f" ({e.time.value or e.time.text})" if e.time else "")
            + (" [reported in a statement]" if e.attribution else "")
        )
        out[e.id] = EventItem(
            id=e.id,
            type=e.type,
            family=FAMILY_OF.get(e.type, "other"),
            trigger=_flat(e.trigger.text, 60),
            agent=agent,
            agent_href=agent_href,
            target=target,
            target_href=target_href,
            place=place,
            place_href=place_href,
            time=(e.time.value or _flat(e.time.text, 40)) if e.time else None,
            negated=e.negated,
            modality=e.modality,
            attribution=e.attribution,
            summary=summary,
        )
    return out


# ------------------------------------------------------------------ charts


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out


def timeline_bars(
    timeline: list[tuple[str, int]], *, width: float = 640, height: float = 160
) -> dict[str, Any]:
    """Bars for an actor's statements per month (every month between the first and the last, or per
    year past ten years), scaled into a ``width`` × ``height`` SVG. Undated statements are left out."""
    dated = {month: n for month, n in timeline if month != "undated" and len(month) == 7}
    undated = sum(n for month, n in timeline if month == "undated")
    if not dated:
        return {"bars": [], "width": width, "height": height, "max": 0, "undated": undated, "ticks": []}
    months = _months(min(dated), max(dated))
    if len(months) > 120:
        years: dict[str, int] = {}
        for month, n in dated.items():
            years[month[:4]] = years.get(month[:4], 0) + n
        labels = [str(y) for y in range(int(min(years)), int(max(years)) + 1)]
        counts = [years.get(label, 0) for label in labels]
    else:
        labels, counts = months, [dated.get(m, 0) for m in months]
    top = max(counts)
    left, plot_h = 36.0, height - 24.0 - 8.0  # 24 below for the labels, 8 above
    slot = min((width - left - 4) / len(labels), 48.0)  # a few months: narrow bars, not slabs
    bars = []
    for i, (label, n) in enumerate(zip(labels, counts, strict=True)):
        h = plot_h * n / top if top else 0
        bars.append(
            Bar(
                round(left + i * slot + slot * 0.1, 2),
                round(8 + plot_h - h, 2),
                round(max(slot * 0.8, 1), 2),
                round(h, 2),
                label,
                n,
            )
        )
    step = max(1, math.ceil(len(labels) / 8))
    ticks = [{"x": round(b.x + b.width / 2, 2), "label": b.label} for b in bars[::step]]
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "max": top,
        "undated": undated,
        "ticks": ticks,
        "baseline": round(8 + plot_h, 2),
        "left": left,
        "top_y": 8 + 4,
    }


FAMILY_WORDS = {
    "verbal-cooperation": "verbal cooperation",
    "material-cooperation": "material cooperation",
    "verbal-conflict": "verbal conflict",
    "material-conflict": "material conflict",
    "other": "other events",
}
"""The network legend's words for each PLOVER family (``store.events.PLOVER_FAMILIES``)."""


def network_drawing(net: Any, event_edges: list[Any] | None = None) -> dict[str, Any]:
    """Circles, lines and labels for the network SVG: node radius by statements, line width by count;
    an ``addresses`` line stops at the target's edge so its arrowhead shows. ``event_edges``
    (``store.events.EventEdge``) become arrows agent -> target, one per PLOVER family, drawn a little
    to the side of the straight line so they do not hide an ``addresses`` line between the same two."""
    if not net.nodes:
        return {"nodes": [], "edges": [], "event_edges": [], "families": [], "size": 1000}
    most = max(max(n.statements for n in net.nodes), 1)  # event-only actors have no statements
    radius = {n.id: 6 + 22 * math.sqrt(n.statements / most) for n in net.nodes}
    pos = {n.id: (n.x, n.y) for n in net.nodes}
    names = {n.id: n.name for n in net.nodes}
    top_count = max((e.count for e in net.edges), default=1)
    edges = []
    for e in net.edges:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        sx, sy = x1 + dx / length * radius[e.source], y1 + dy / length * radius[e.source]
        pad = radius[e.target] + (6 if e.kind == "addresses" else 0)
        tx, ty = x2 - dx / length * pad, y2 - dy / length * pad
        edges.append(
            {
                "x1": round(sx, 1),
                "y1": round(sy, 1),
                "x2": round(tx, 1),
                "y2": round(ty, 1),
                "kind": e.kind,
                "count": e.count,
                "width": round(1 + 5 * math.log1p(e.count) / math.log1p(top_count), 2),
                "source": e.source,
                "target": e.target,
                "source_name": names[e.source],
                "target_name": names[e.target],
                "label": (
                    f"{names[e.source]} addresses {names[e.target]}"
                    if e.kind == "addresses"
                    else f"{names[e.source]} and {names[e.target]} quoted in the same article"
                )
                + f" ({e.count})",
            }
        )
    event_lines = []
    top_events = max([top_count, *(e.count for e in event_edges or [])])
    offsets = {
        "verbal-cooperation": 9,
        "material-cooperation": 18,
        "verbal-conflict": -9,
        "material-conflict": -18,
    }
    for e in event_edges or []:
        if e.source not in pos or e.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e.source], pos[e.target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        ux, uy = dx / length, dy / length
        side = offsets.get(e.family, 0)  # perpendicular shift: each family its own lane
        px, py = -uy * side, ux * side
        types = ", ".join(f"{t} {n}" for t, n in e.types)
        event_lines.append(
            {
                "x1": round(x1 + ux * radius[e.source] + px, 1),
                "y1": round(y1 + uy * radius[e.source] + py, 1),
                "x2": round(x2 - ux * (radius[e.target] + 6) + px, 1),
                "y2": round(y2 - uy * (radius[e.target] + 6) + py, 1),
                "kind": "event",
                "family": e.family,
                "offset": side,
                "types": types,
                "count": e.count,
                "width": round(1 + 3 * math.log1p(e.count) / math.log1p(top_events), 2),
                "source": e.source,
                "target": e.target,
                "source_name": names[e.source],
                "target_name": names[e.target],
                "label": f"{names[e.source]} → {names[e.target]}: {types}",
            }
        )
    linked = [(e.source, e.target) for e in net.edges] + [(e["source"], e["target"]) for e in event_lines]
    nodes = [
        {
            "id": n.id,
            "name": n.name,
            "type": n.type,
            "statements": n.statements,
            "x": round(n.x, 1),
            "y": round(n.y, 1),
            "r": round(radius[n.id], 1),
            "neighbours": " ".join(
                str(other)
                for other in sorted({t for s, t in linked if s == n.id} | {s for s, t in linked if t == n.id})
            ),
        }
        for n in net.nodes
    ]
    from newsgraph.store.events import PLOVER_FAMILIES

    place_labels(nodes, size=1000.0)
    families = sorted({e["family"] for e in event_lines}, key=list(FAMILY_WORDS).index)
    return {
        "nodes": nodes,
        "edges": edges,
        "event_edges": event_lines,
        "families": [
            {"family": f, "words": FAMILY_WORDS[f], "types": ", ".join(PLOVER_FAMILIES.get(f, ()))}
            for f in families
        ],
        "size": 1000,
    }


# ------------------------------------------------------------------ helpers

LABEL_CHARS = 28  # longer node names are shortened in the drawing (the full name is in <title>)
CHAR_WIDTH = 7.5  # rough width of one label character in drawing units


LABEL_HEIGHT = 16.0  # one label line in drawing units (13px type and its white halo)


def place_labels(nodes: list[dict[str, Any]], *, size: float) -> None:
    """Give each node a label position where it overlaps no other label and no other circle.

    Greedy, most quoted first: below the circle, above, right, left, then the
    four diagonals; a label that fits nowhere is hidden (``label_hidden``) and
    shown when its node is hovered or focused (the full name is in the node's
    ``<title>`` and in the links table). Boxes are estimated from the number of
    characters, which is what the server can know without a browser.
    """
    placed: list[tuple[float, float, float, float]] = []
    circles = [(n["x"], n["y"], n["r"], n["id"]) for n in nodes]

    def clear(box: tuple[float, float, float, float], own: int) -> bool:
        x0, y0, x1, y1 = box
        if x0 < 2 or y0 < 2 or x1 > size - 2 or y1 > size - 2:
            return False
        if any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in placed):
            return False
        for cx, cy, r, other in circles:
            if other == own:
                continue
            nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
            if (nx - cx) ** 2 + (ny - cy) ** 2 < r * r:
                return False
        return True

    for n in sorted(nodes, key=lambda n: (-n["statements"], n["id"])):
        label = n["name"] if len(n["name"]) <= LABEL_CHARS else n["name"][: LABEL_CHARS - 1].rstrip() + "…"
        w, h, x, y, r = len(label) * CHAR_WIDTH, LABEL_HEIGHT, n["x"], n["y"], n["r"]
        gap = 3.0
        # (anchor, text x, baseline y, box) for each candidate spot
        spots = [
            ("middle", x, y + r + gap + h - 4, (x - w / 2, y + r + gap, x + w / 2, y + r + gap + h)),
            ("middle", x, y - r - gap - 4, (x - w / 2, y - r - gap - h, x + w / 2, y - r - gap)),
            ("start", x + r + gap, y + 5, (x + r + gap, y - h / 2, x + r + gap + w, y + h / 2)),
            ("end", x - r - gap, y + 5, (x - r - gap - w, y - h / 2, x - r - gap, y + h / 2)),
            ("start", x + r * 0.7, y + r + h, (x + r * 0.7, y + r + 2, x + r * 0.7 + w, y + r + 2 + h)),
            ("end", x - r * 0.7, y + r + h, (x - r * 0.7 - w, y + r + 2, x - r * 0.7, y + r + 2 + h)),
            ("start", x + r * 0.7, y - r - 4, (x + r * 0.7, y - r - h, x + r * 0.7 + w, y - r)),
            ("end", x - r * 0.7, y - r - 4, (x - r * 0.7 - w, y - r - h, x - r * 0.7, y - r)),
        ]
        chosen = next((spot for spot in spots if clear(spot[3], n["id"])), None)
        hidden = chosen is None
        if chosen is None:  # kept inside the drawing below the node, shown only on hover or focus
            anchor_info = _node_label(n["name"], x, size=size)
            chosen = (str(anchor_info["anchor"]), float(anchor_info["label_x"]), y + r + 14, (0, 0, 0, 0))  # type: ignore[arg-type]
        else:
            placed.append(chosen[3])
        n.update(
            label=label,
            anchor=chosen[0],
            label_x=round(chosen[1], 1),
            label_y=round(min(max(chosen[2], 14.0), size - 4), 1),
            label_hidden=hidden,
        )


def _node_label(name: str, x: float, *, size: float) -> dict[str, object]:
    """A node's label, shortened and anchored so that it stays inside the drawing."""
    label = name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "…"
    half = len(label) * CHAR_WIDTH / 2
    if x - half < 4:
        return {"label": label, "label_x": 4.0, "anchor": "start"}
    if x + half > size - 4:
        return {"label": label, "label_x": size - 4.0, "anchor": "end"}
    return {"label": label, "label_x": round(x, 1), "anchor": "middle"}



def _store(request: Request) -> Any:
    return state_of(request).store()


def _page_params(request: Request, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip()[:500] for k in keys}


def _int_param(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name, "")
    try:
        value = int(raw) if raw.strip() else default
    except ValueError:
        raise ApiError(422, "invalid", f"{name} must be a whole number") from None
    if not lo <= value <= hi:
        raise ApiError(422, "invalid", f"{name} must be between {lo} and {hi}")
    return value


def _date_param(value: str) -> dt.date | None:
    from newsgraph.web.api import as_date

    return as_date(value or None)


def _copies(request: Request) -> bool:
    """The ``copies`` checkbox: on unless the form was sent with it unticked (``copies=0`` in links)."""
    if "filtered" in request.query_params:
        return request.query_params.get("copies") in ("1", "on", "true")
    return request.query_params.get("copies", "1") not in ("0", "false", "off")


DOWNLOAD_MAX = 10_000
"""The most rows a page's CSV or JSON download holds (the same cap as the totals, ``COUNT_CAP``)."""


def _min_confidence(request: Request) -> float | None:
    """The ``min_confidence`` filter: empty for none, else a number from 0 to 1 (422 otherwise)."""
    raw = request.query_params.get("min_confidence", "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(422, "invalid", "min_confidence must be a number from 0 to 1") from None
    if not (0.0 <= value <= 1.0):  # NaN fails too
        raise ApiError(422, "invalid", "min_confidence must be a number from 0 to 1")
    return value


def _download_format(request: Request) -> str | None:
    """``format=csv`` or ``format=json`` asks a list page for its rows as a file; anything else is 422."""
    fmt = request.query_params.get("format", "").strip().lower()
    if fmt in ("", "html"):
        return None
    if fmt not in ("csv", "json"):
        raise ApiError(422, "invalid", "format must be csv or json")
    return fmt


def download(name: str, fmt: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> Response:
    """A list as a file to save: CSV with a header (lists as JSON text) or a JSON array."""
    from newsgraph.store.queries import _csv_text
    from newsgraph.web import SafeJSONResponse

    headers = {"content-disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "json":
        return SafeJSONResponse(rows, headers=headers)

    def cell(value: Any) -> Any:
        return json.dumps(value) if isinstance(value, list | dict) else value

    body = _csv_text(columns, [[cell(row.get(c)) for c in columns] for row in rows])
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


def _quote_download(name: str, fmt: str, rows: list[Any]) -> Response:
    from newsgraph.store.queries import QUOTE_CSV_COLUMNS
    from newsgraph.web.api import quote_dict

    return download(name, fmt, [quote_dict(r) for r in rows], (*QUOTE_CSV_COLUMNS, "context"))


def _page_info(offset: int, size: int, shown: int, total: int | None) -> dict[str, Any]:
    """What the pager says: rows ``first``-``last`` of ``total`` (capped totals end with "+")."""
    from newsgraph.store.queries import COUNT_CAP

    info: dict[str, Any] = {"first": offset + 1 if shown else 0, "last": offset + shown, "size": size}
    info["total"] = total
    info["capped"] = total is not None and total >= COUNT_CAP
    info["page"] = offset // size + 1 if size else 1
    info["pages"] = max(1, math.ceil(total / size)) if total is not None and size else None
    return info


# ------------------------------------------------------------------ pages


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    from newsgraph.store import queries
    from newsgraph.web import data

    store = _store(request)
    return render(
        "home.html",
        page="home",
        counts=data.counts(store),
        top=queries.actors(store, top=10),
        recent=data.list_articles(store, limit=10),
    )


EMPTY_FORM = "Nothing to analyze: paste or upload an article."


@router.get("/analyze", response_class=HTMLResponse)
def analyze_form(request: Request) -> Response:
    return render("analyze.html", page="analyze", view=None, error=None, text="", published="", filename=None)


@router.post("/analyze", response_class=HTMLResponse)
async def analyze_submit(request: Request) -> Response:
    from starlette.concurrency import run_in_threadpool

    from newsgraph.web.api import analyze_request

    text = published = ""
    form = None
    ctype = request.headers.get("content-type", "")
    if "form" in ctype:
        form = await request.form()
        text = form.get("text") if isinstance(form.get("text"), str) else ""  # type: ignore[assignment]
        published = form.get("published") if isinstance(form.get("published"), str) else ""  # type: ignore[assignment]
        upload = form.get("file")
        if upload is not None and not isinstance(upload, str) and upload.filename:
            text = ""  # the file wins; the box stays as the user left it only for pasted text
    try:
        read, filename = await analyze_request(request)
        analysis = await run_in_threadpool(state_of(request).analyze, read)
    except (ApiError, NewsgraphError) as exc:
        status = exc.status if isinstance(exc, ApiError) else error_status(exc)
        message = exc.message if isinstance(exc, ApiError) else " ".join(str(exc).split())
        if isinstance(exc, NewsgraphError) and exc.code == "E001" and exc.fields.get("path") == "<text>":
            # The form sent without text or file: say what to do, not a file error about "<text>".
            message = EMPTY_FORM
        return render(
            "analyze.html",
            status=status,
            page="analyze",
            view=None,
            error=message,
            text=text,
            published=published,
            filename=None,
        )
    return render(
        "analyze.html",
        page="analyze",
        view=article_view(analysis),
        error=None,
        text=text,
        published=published,
        filename=filename,
    )


ARTICLE_COLUMNS = ("id", "name", "title", "outlet", "published", "url", "authors", "copy_of")


@router.get("/articles", response_class=HTMLResponse)
def articles_page(request: Request) -> Response:
    """Stored articles, newest first, filtered by outlet, dates and words (``q``); ``format`` downloads."""
    from newsgraph.store.queries import COUNT_CAP
    from newsgraph.web import data

    params = _page_params(request, ("outlet", "since", "until", "q"))
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    fmt = _download_format(request)
    store = _store(request)
    context: dict[str, Any] = {"page": "articles", "params": params, "offset": offset, "page_size": PAGE_SIZE}
    try:
        filters = {
            "outlet": params["outlet"] or None,
            "since": _date_param(params["since"]),
            "until": _date_param(params["until"]),
        }
        if params["q"]:
            found = data.search_articles(store, params["q"], limit=COUNT_CAP, **filters)
            total: int = len(found)
            rows = found[offset : offset + PAGE_SIZE + 1] if not fmt else found[:DOWNLOAD_MAX]
        else:
            limit = DOWNLOAD_MAX if fmt else PAGE_SIZE + 1
            rows = data.list_articles(store, **filters, limit=limit, offset=0 if fmt else offset)
            total = data.count_articles(store, **filters)
    except NewsgraphError as exc:
        return render(
            "articles.html", status=422, rows=[], next_offset=None, error=" ".join(str(exc).split()),
            info=_page_info(offset, PAGE_SIZE, 0, None), **context,
        )  # fmt: skip
    if fmt:
        return download("articles", fmt, [r.to_dict() for r in rows], ARTICLE_COLUMNS)
    more = len(rows) > PAGE_SIZE
    return render(
        "articles.html",
        rows=rows[:PAGE_SIZE],
        next_offset=offset + PAGE_SIZE if more else None,
        error=None,
        info=_page_info(offset, PAGE_SIZE, len(rows[:PAGE_SIZE]), total),
        **context,
    )


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: RowId) -> Response:
    from newsgraph.store import queries
    from newsgraph.web import data

    fmt = _download_format(request)
    store = _store(request)
    if fmt:
        if not data.article_exists(store, article_id):
            raise ApiError(404, "not_found", f"no article with id {article_id}")
        rows = queries.quotes(store, article=article_id, limit=DOWNLOAD_MAX)
        rows.sort(key=lambda r: (r.cue_start, r.attribution_id))
        return _quote_download(f"article-{article_id}-attributions", fmt, rows)
    stored = data.get_article(store, article_id)
    if stored is None:
        raise ApiError(404, "not_found", f"no article with id {article_id}")
    actor_ids = stored.actor_ids

    def actor_href(local: str) -> str | None:
        return f"/actors/{actor_ids[local]}" if local in actor_ids else None

    view = article_view(stored.analysis, actor_href=actor_href, attribution_ids=stored.attribution_ids)
    view.authorial_known = stored.authorial_known
    view.claims_download, view.claims_params = "/claims", {"article": stored.id}
    return render(
        "article.html",
        page="articles",
        stored=stored,
        view=view,
        article_url=external_url(stored.analysis.article.url),
    )


CLAIM_KEYS = ("speaker", "unit", "concept", "since", "until", "author_only", "article")

CLAIMS_SHOWN = 10
"""Claims an actor's page shows; the rest are a link away, on ``/claims?speaker=id:N``."""


def claim_dict(row: Any) -> dict[str, Any]:
    """A stored claim (``store.facts.ClaimRow``) for the lists: its keys, its page URL in the article
    (``href``), its value in words (``shown``), and its sentence cut around the figure (``parts``)."""
    out = row.to_dict()
    out["href"] = f"/articles/{row.article_id}#figure-{row.figure_id}"
    out["shown"] = value_text(row.value, row.unit, row.change)
    out["sort_value"] = row.value[0] if isinstance(row.value, list) else row.value
    cut_start, cut_end = row.start - row.sentence_start, row.end - row.sentence_start
    sentence = row.sentence
    out["parts"] = tuple(
        _squash(part) for part in (sentence[:cut_start], sentence[cut_start:cut_end], sentence[cut_end:])
    )
    return out


CLAIM_COLUMNS = (
    "figure_id", "article_id", "published", "outlet", "title", "speaker", "speaker_id", "attribution_id",
    "text", "start", "end", "value", "unit", "change", "concept", "sentence", "href",
)  # fmt: skip
"""The columns of a Claims list's CSV download (its JSON download has every key of ``claim_dict``)."""


VIEW_ONLY = ("parts", "sort_value")
"""Keys of ``claim_dict`` only the pages use (the downloads and the API leave them out)."""


def _claim_filters(request: Request, params: dict[str, str]) -> dict[str, Any]:
    """The Claims list's form as ``store.facts.claims`` filters (422 for a bad date, article or speaker)."""
    from newsgraph.store import queries

    article = params["article"]
    if article and not (article.isdigit() and 1 <= int(article) <= 2**63 - 1):
        raise ApiError(422, "invalid", f"article must be a row id from 1 to {2**63 - 1}")
    if params["speaker"]:
        queries.check_actor_name(params["speaker"], "speaker id")
    return {
        "speaker": params["speaker"] or None,
        "author_only": params["author_only"] in ("1", "on", "true"),
        "unit": params["unit"] or None,
        "concept": params["concept"] or None,
        "since": _date_param(params["since"]),
        "until": _date_param(params["until"]),
        "article_id": int(article) if article else None,
    }


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request) -> Response:
    """Figures and who claims each, with ``newsgraph figures``' filters, newest first, paged, with their
    total; ``format=csv`` / ``format=json`` download every match (up to ``DOWNLOAD_MAX``)."""
    from newsgraph.store import facts

    params = _page_params(request, CLAIM_KEYS)
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    limit = _int_param(request, "limit", PAGE_SIZE, 1, 500)
    fmt = _download_format(request)
    context: dict[str, Any] = {"page": "claims", "params": params, "offset": offset, "limit": limit}
    store = _store(request)
    try:
        filters = _claim_filters(request, params)
        if fmt:
            rows = facts.claims(store, **filters, limit=DOWNLOAD_MAX)
            name = f"article-{filters['article_id']}-claims" if filters["article_id"] else "claims"
            shown = [{k: v for k, v in claim_dict(r).items() if k not in VIEW_ONLY} for r in rows]
            return download(name, fmt, shown, CLAIM_COLUMNS)
        rows = facts.claims(store, **filters, limit=limit + 1, offset=offset)
        # The concept words are matched on the text, row by row: no total for them (it would read
        # every figure's article); the page still says how many it shows and whether there are more.
        total = None if filters["concept"] else facts.count_claims(store, **filters)
    except (NewsgraphError, ApiError) as exc:
        if fmt:
            raise
        message = exc.message if isinstance(exc, ApiError) else " ".join(str(exc).split())
        return render(
            "claims.html", status=422, rows=[], next_offset=None, error=message, link_params={},
            info=_page_info(offset, limit, 0, None), **context,
        )  # fmt: skip
    more = len(rows) > limit
    link_params = {**params, "limit": limit if limit != PAGE_SIZE else ""}
    return render(
        "claims.html",
        rows=[claim_dict(r) for r in rows[:limit]],
        next_offset=offset + limit if more else None,
        error=None,
        link_params=link_params,
        info=_page_info(offset, limit, len(rows[:limit]), total),
        **context,
    )


QUOTE_KEYS = ("speaker", "outlet", "since", "until", "search", "min_confidence")


@router.get("/quotes", response_class=HTMLResponse)
def quotes_page(request: Request) -> Response:
    """Statements with the CLI's filters and a minimum confidence, paged, with their total;
    ``format=csv`` / ``format=json`` download every match (up to ``DOWNLOAD_MAX``)."""
    from newsgraph.store import queries
    from newsgraph.web.api import quote_dict

    params = _page_params(request, QUOTE_KEYS)
    copies = _copies(request)
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    limit = _int_param(request, "limit", PAGE_SIZE, 1, 500)
    min_confidence = _min_confidence(request)
    fmt = _download_format(request)
    context: dict[str, Any] = {
        "page": "quotes",
        "params": params,
        "copies": copies,
        "offset": offset,
        "limit": limit,
    }
    store = _store(request)
    filters: dict[str, Any] = {
        "speaker": params["speaker"] or None,
        "outlet": params["outlet"] or None,
        "search": params["search"] or None,
        "include_copies": copies,
        "min_confidence": min_confidence,
    }
    try:
        filters["since"], filters["until"] = _date_param(params["since"]), _date_param(params["until"])
        if fmt:
            return _quote_download("quotes", fmt, queries.quotes(store, **filters, limit=DOWNLOAD_MAX))
        rows = queries.quotes(store, **filters, limit=limit + 1, offset=offset)
        total = queries.count_quotes(store, **filters)
    except NewsgraphError as exc:
        return render(
            "quotes.html",
            status=422,
            rows=[],
            next_offset=None,
            error=" ".join(str(exc).split()),
            link_params={},
            info=_page_info(offset, limit, 0, None),
            **context,
        )
    more = len(rows) > limit
    link_params = {**params, "copies": "1" if copies else "0", "limit": limit if limit != PAGE_SIZE else ""}
    return render(
        "quotes.html",
        rows=[quote_dict(r) for r in rows[:limit]],
        next_offset=offset + limit if more else None,
        error=None,
        link_params=link_params,
        info=_page_info(offset, limit, len(rows[:limit]), total),
        **context,
    )


EVENT_KEYS = ("actor", "target", "type", "place", "since", "until", "source")


@router.get("/events", response_class=HTMLResponse)
def events_page(request: Request) -> Response:
    """Events (PLOVER) with the filters of ``newsgraph events``, newest first, paged, with their total;
    ``format=csv`` / ``format=json`` download every match (up to ``DOWNLOAD_MAX``) as event-data rows."""
    from newsgraph.store import events as stored

    params = _page_params(request, EVENT_KEYS)
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    limit = _int_param(request, "limit", PAGE_SIZE, 1, 500)
    fmt = _download_format(request)
    context: dict[str, Any] = {
        "page": "events",
        "params": params,
        "offset": offset,
        "limit": limit,
        "types": stored.PLOVER_TYPES,
    }
    store = _store(request)
    try:
        filters = _event_filters(params)
        if fmt:
            rows = stored.events(store, **filters, limit=DOWNLOAD_MAX)
            return download("events", fmt, [r.to_dict() for r in rows], stored.EVENT_COLUMNS)
        rows = stored.events(store, **filters, limit=limit + 1, offset=offset)
        total = stored.count_events(store, **filters)
    except (NewsgraphError, ApiError) as exc:
        message = exc.message if isinstance(exc, ApiError) else " ".join(str(exc).split())
        return render(
            "events.html", status=422, rows=[], next_offset=None, error=message, link_params={},
            info=_page_info(offset, limit, 0, None), **context,
        )  # fmt: skip
    more = len(rows) > limit
    link_params = {**params, "limit": limit if limit != PAGE_SIZE else ""}
    return render(
        "events.html",
        rows=[_event_row(r) for r in rows[:limit]],
        next_offset=offset + limit if more else None,
        error=None,
        link_params=link_params,
        info=_page_info(offset, limit, len(rows[:limit]), total),
        **context,
    )


def _event_filters(params: dict[str, str]) -> dict[str, Any]:
    """The events page's form as ``store.events`` filters; an unknown type or source is a 422."""
    from newsgraph.store.events import PLOVER_TYPES

    type_ = params["type"].upper() or None
    if type_ is not None and type_ not in PLOVER_TYPES:
        raise ApiError(422, "invalid", f"type must be one of the PLOVER types: {', '.join(PLOVER_TYPES)}")
    source = params["source"].lower() or None
    if source not in (None, "author", "attributed"):
        raise ApiError(422, "invalid", "source must be author or attributed")
    return {
        "actor": params["actor"] or None,
        "target": params["target"] or None,
        "type": type_,
        "place": params["place"] or None,
        "since": _date_param(params["since"]),
        "until": _date_param(params["until"]),
        "source": source,
    }


def _event_row(row: Any) -> dict[str, Any]:
    """An event row for the template: the row's fields, its PLOVER family, and a link to the sentence."""
    from newsgraph.store.events import FAMILY_OF

    out = row.to_dict()
    out["family"] = FAMILY_OF.get(row.type, "other")
    return out


ACTOR_COLUMNS = ("actor_id", "name", "type", "statements", "first", "last")


@router.get("/actors", response_class=HTMLResponse)
def actors_page(request: Request) -> Response:
    """The most quoted actors, ``top`` a page from ``offset``, or those whose name contains ``q``."""
    from newsgraph.store import queries
    from newsgraph.web import data

    top = _int_param(request, "top", 50, 1, 500)
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    q = request.query_params.get("q", "").strip()[:500]
    fmt = _download_format(request)
    store = _store(request)
    if q:
        found = data.search_actors(store, q, limit=queries.COUNT_CAP)
        total = len(found)
        rows = found[:DOWNLOAD_MAX] if fmt else found[offset : offset + top]
    else:
        size, start = (DOWNLOAD_MAX, 0) if fmt else (top, offset)
        listed, total = queries.actors_page(store, top=size, offset=start)
        rows = [r.to_dict() for r in listed]
    if fmt:
        return download("actors", fmt, rows, ACTOR_COLUMNS)
    link_params = {"q": q, "top": top if top != 50 else ""}
    return render(
        "actors.html",
        page="actors",
        rows=rows,
        top=top,
        q=q,
        offset=offset,
        link_params=link_params,
        next_offset=offset + top if offset + top < total else None,
        info=_page_info(offset, top, len(rows), total),
    )


@router.get("/actors/{actor_id}", response_class=HTMLResponse)
def actor_page(request: Request, actor_id: RowId) -> Response:
    """One actor: titles, timeline, relations, and their statements (``limit`` a page from ``offset``,
    at least ``min_confidence``) grouped by article; ``format`` downloads the statements."""
    from newsgraph.store import queries
    from newsgraph.web.api import quote_dict

    limit = _int_param(request, "limit", PAGE_SIZE, 1, 500)
    offset = _int_param(request, "offset", 0, 0, 10_000_000)
    min_confidence = _min_confidence(request)
    fmt = _download_format(request)
    store = _store(request)
    if fmt:
        if queries.actor(store, f"id:{actor_id}", limit=0) is None:
            raise ApiError(404, "not_found", f"no actor with id {actor_id}")
        mine = f"id:{actor_id}"
        rows = queries.quotes(store, speaker=mine, min_confidence=min_confidence, limit=DOWNLOAD_MAX)
        return _quote_download(f"actor-{actor_id}-statements", fmt, rows)
    detail = queries.actor(
        store, f"id:{actor_id}", limit=limit + 1, offset=offset, min_confidence=min_confidence
    )
    if detail is None:
        raise ApiError(404, "not_found", f"no actor with id {actor_id}")
    shown = [quote_dict(r) for r in detail.statements[:limit]]
    total = (
        queries.count_quotes(store, speaker=f"id:{actor_id}", min_confidence=min_confidence)
        if min_confidence
        else detail.statements_total
    )
    groups: dict[int, list[dict[str, Any]]] = {}
    for row in shown:
        groups.setdefault(row["article_id"], []).append(row)
    link_params = {
        "min_confidence": request.query_params.get("min_confidence", "").strip()[:20],
        "limit": limit if limit != PAGE_SIZE else "",
    }
    from newsgraph.store.events import FAMILY_OF, actor_events

    events = actor_events(store, actor_id)
    from newsgraph.store import facts

    mine = f"id:{actor_id}"
    claims = [claim_dict(r) for r in facts.claims(store, speaker=mine, limit=CLAIMS_SHOWN)]
    claims_total = facts.count_claims(store, speaker=mine) if len(claims) >= CLAIMS_SHOWN else len(claims)
    return render(
        "actor.html",
        page="actors",
        actor=detail,
        events=events,
        claims=claims,
        claims_info=_page_info(0, CLAIMS_SHOWN, len(claims), claims_total),
        claims_params={"speaker": mine},
        families=FAMILY_OF,
        did_chart=timeline_bars(events.did_months, height=120),
        done_to_chart=timeline_bars(events.done_to_months, height=120),
        statements=shown,
        groups=list(groups.values()),
        chart=timeline_bars(detail.timeline),
        limit=limit,
        offset=offset,
        min_confidence=link_params["min_confidence"],
        link_params=link_params,
        next_offset=offset + limit if len(detail.statements) > limit else None,
        info=_page_info(offset, limit, len(shown), total),
    )


@router.get("/actor", response_class=HTMLResponse)
def actor_by_name(request: Request) -> Response:
    from newsgraph.store import queries

    name = request.query_params.get("name", "").strip()[:500]
    if not name:
        raise ApiError(422, "invalid", "give a name: /actor?name=...")
    try:
        detail = queries.actor(_store(request), name, limit=1)
    except queries.AmbiguousActor as exc:
        return render("choose_actor.html", page="actors", name=name, candidates=exc.candidates)
    if detail is None:
        raise ApiError(404, "not_found", f"no actor called {name!r}")
    return RedirectResponse(f"/actors/{int(detail.actor_id)}", status_code=303)


@router.get("/network", response_class=HTMLResponse)
def network_page(request: Request) -> Response:
    from newsgraph.web import data

    params = _page_params(request, ("since", "until"))
    top = _int_param(request, "top", 40, 1, 200)
    try:
        since, until = _date_param(params["since"]), _date_param(params["until"])
        net = data.network(_store(request), since=since, until=until, top=top)
    except NewsgraphError as exc:
        return render(
            "network.html",
            status=422,
            page="network",
            params=params,
            top=top,
            drawing=network_drawing(data.Network([], [], None, None)),
            net=None,
            error=" ".join(str(exc).split()),
        )
    return render(
        "network.html",
        page="network",
        params=params,
        top=top,
        drawing=network_drawing(net, net.events),
        net=net,
        error=None,
    )


SEARCH_SHOWN = 10
"""Rows of each section the search page shows; each links to its full list."""


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> Response:
    """Actors, quotes and articles matching ``q``: the first few of each with the section's total and a
    link to its full list (``/actors?q=``, ``/quotes?search=``, ``/articles?q=``)."""
    from newsgraph.store import queries
    from newsgraph.web import data
    from newsgraph.web.api import quote_dict

    q = request.query_params.get("q", "").strip()[:500]
    if not q:
        return render("search.html", page="search", q="", actors=[], quotes=[], articles=[], totals={})
    store = _store(request)
    actors = data.search_actors(store, q, limit=queries.COUNT_CAP)
    articles = data.search_articles(store, q, limit=queries.COUNT_CAP)
    totals = {
        "actors": len(actors),
        "quotes": queries.count_quotes(store, search=q),
        "articles": len(articles),
        "cap": queries.COUNT_CAP,
    }
    return render(
        "search.html",
        page="search",
        q=q,
        actors=actors[:SEARCH_SHOWN],
        quotes=[quote_dict(r) for r in queries.quotes(store, search=q, limit=SEARCH_SHOWN)],
        articles=articles[:SEARCH_SHOWN],
        totals=totals,
    )


# ------------------------------------------------------------------ private mode


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return render("login.html", page="login", error=None, private=state_of(request).private)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    """Check the token typed into the form and set the session cookie (an HMAC of the token)."""
    web = state_of(request)
    form = await request.form()
    token = form.get("token")
    if not isinstance(token, str) or not web.token_ok(token.strip()):
        return render(
            "login.html",
            status=401,
            page="login",
            error="That token is not valid.",
            private=web.private,
            headers={"WWW-Authenticate": "Bearer"},
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        web.session_value() or "",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response
