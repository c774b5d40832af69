"""The facts in the store: figures (the claims ledger), times and places.

Why a module of its own: the write path, ``newsgraph figures``, the API and
the article deletion all need the same three tables (``schema.FigureRow``,
``TimeRow``, ``PlaceRow``; migration 0006), and keeping their code here keeps
the statement code in ``write``/``queries`` unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Connection

from newsgraph.models import Analysis
from newsgraph.store import schema

if TYPE_CHECKING:
    from newsgraph.store.db import Store

FIGURES: sa.Table = schema.FigureRow.__table__  # type: ignore[assignment]
TIMES: sa.Table = schema.TimeRow.__table__  # type: ignore[assignment]
PLACES: sa.Table = schema.PlaceRow.__table__  # type: ignore[assignment]
_ART: sa.Table = schema.Article.__table__  # type: ignore[assignment]
_ACT: sa.Table = schema.Actor.__table__  # type: ignore[assignment]
_A: sa.Table = schema.Attribution.__table__  # type: ignore[assignment]

CONTEXT_CHARS = 80
"""Characters of article text shown on each side of a figure as its context."""


# ---------------------------------------------------------------- writing


@dataclass
class FactRows:
    """The rows of one batch, gathered article by article before the attributions have ids."""

    figures: list[dict[str, Any]] = field(default_factory=list)
    times: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)


def add_article(
    rows: FactRows, article_id: int, analysis: Analysis, actors: dict[str, int], published: dt.date | None
) -> None:
    """Gather one article's figures, times and places (``actors``: entity id -> stored actor id)."""
    for figure in analysis.figures:
        low, high = (
            (figure.value[0], figure.value[1]) if isinstance(figure.value, list) else (figure.value, None)
        )
        rows.figures.append(
            {
                "article_id": article_id,
                "local_id": figure.id[:16],
                "start": figure.start,
                "end": figure.end,
                "value": low,
                "value_high": high,
                "unit": figure.unit[:128] if figure.unit else None,
                "change": figure.change,
                "concept_start": figure.concept.start if figure.concept else None,
                "concept_end": figure.concept.end if figure.concept else None,
                "claimed_by": figure.claimed_by,  # resolved to ids by ``insert``
                "published": published,
            }
        )
    for time in analysis.times:
        rows.times.append(
            {
                "article_id": article_id,
                "local_id": time.id[:16],
                "start": time.start,
                "end": time.end,
                "type": time.type,
                "value": time.value[:64],
            }
        )
    for entity in analysis.entities:
        if entity.place is None:
            continue
        place = entity.place
        rows.places.append(
            {
                "article_id": article_id,
                "local_id": entity.id[:16],
                "actor_id": actors.get(entity.id),
                "geonameid": place.geonameid,
                "name": place.name[:256],
                "country": place.country,
                "lat": place.lat,
                "lon": place.lon,
                "feature": place.feature[:8],
            }
        )


def insert(
    conn: Connection, rows: FactRows, attributions: dict[tuple[int, str], tuple[int, int | None]]
) -> None:
    """Store a batch's facts; ``attributions``: (article id, "A3") -> (attribution id, source actor id)."""
    figures = []
    for row in rows.figures:
        claim = row.pop("claimed_by")
        found = attributions.get((row["article_id"], claim[:16])) if claim else None
        row["attribution_id"], row["speaker_actor_id"] = found if found else (None, None)
        figures.append(row)
    if figures:
        conn.execute(sa.insert(FIGURES), figures)
    if rows.times:
        conn.execute(sa.insert(TIMES), rows.times)
    if rows.places:
        conn.execute(sa.insert(PLACES), rows.places)


def delete_article(conn: Connection, article_id: int) -> None:
    """Remove an article's facts (before its attributions, which figures point at)."""
    for table in (FIGURES, TIMES, PLACES):
        conn.execute(sa.delete(table).where(table.c.article_id == article_id))


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ClaimRow:
    """One stored figure with its article, who claims it and the text around it."""

    figure_id: int
    article_id: int
    title: str | None
    outlet: str | None
    url: str | None
    published: dt.date | None
    text: str  # the figure as written
    start: int
    end: int
    value: float | list[float]
    unit: str | None
    change: str
    concept: str | None
    speaker: str | None  # the claiming attribution's source actor; None: the article's own voice
    speaker_id: int | None
    attribution_id: int | None
    context: str  # the surrounding text, figure included

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["published"] = self.published.isoformat() if self.published else None
        return out


CLAIM_CSV_COLUMNS = (
    "figure_id",
    "article_id",
    "published",
    "outlet",
    "title",
    "speaker",
    "text",
    "value",
    "unit",
    "change",
    "concept",
    "context",
)


def claims(
    store: Store,
    *,
    speaker: str | None = None,
    author_only: bool = False,
    unit: str | None = None,
    concept: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    article_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ClaimRow]:
    """Stored figures matching every filter, newest first, one page.

    ``speaker``: who puts the figure forward (a name, alias or ``id:N``, as
    for statements); ``author_only``: only figures the articles assert in
    their own voice; ``unit``: the folded unit (``percent``, ``dollar``, any
    case); ``concept``: words that must all occur in the figure's concept or
    in the text around it; ``since``/``until``: publication dates, inclusive.
    """
    from newsgraph.store import queries

    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must be >= 0")
    since_d, until_d = queries.as_date(since), queries.as_date(until)
    conds: list[sa.ColumnElement[bool]] = []
    with store.engine.connect() as conn:
        if speaker is not None:
            ids = queries._actor_ids(conn, speaker)
            if not ids:
                return []
            conds.append(FIGURES.c.speaker_actor_id.in_(ids))
        if author_only:
            conds.append(FIGURES.c.attribution_id.is_(None))
        if unit is not None:
            conds.append(sa.func.lower(FIGURES.c.unit) == " ".join(unit.split()).lower())
        if since_d is not None:
            conds.append(FIGURES.c.published >= since_d)
        if until_d is not None:
            conds.append(FIGURES.c.published <= until_d)
        if article_id is not None:
            conds.append(FIGURES.c.article_id == article_id)
        stmt = (
            sa.select(
                FIGURES,
                _ART.c.title,
                _ART.c.outlet,
                _ART.c.url,
                _ACT.c.name.label("speaker"),
            )
            .select_from(
                FIGURES.join(_ART, _ART.c.id == FIGURES.c.article_id).outerjoin(
                    _ACT, _ACT.c.id == FIGURES.c.speaker_actor_id
                )
            )
            .where(*conds)
            .order_by(FIGURES.c.published.is_(None), FIGURES.c.published.desc(), FIGURES.c.id)
        )
        words = [w.lower() for w in (concept or "").split()]
        if not words:
            stmt = stmt.limit(limit).offset(offset)
        rows = conn.execute(stmt).all()
        texts: dict[int, str] = {}
        for article in {r.article_id for r in rows}:
            texts[article] = conn.execute(sa.select(_ART.c.text).where(_ART.c.id == article)).scalar_one()
    out = []
    for r in rows:
        text = texts[r.article_id]
        concept_text = text[r.concept_start : r.concept_end] if r.concept_start is not None else None
        context = " ".join(text[max(0, r.start - CONTEXT_CHARS) : r.end + CONTEXT_CHARS].split())
        if words and not all(w in (concept_text or "").lower() or w in context.lower() for w in words):
            continue
        out.append(
            ClaimRow(
                figure_id=r.id,
                article_id=r.article_id,
                title=r.title,
                outlet=r.outlet,
                url=r.url,
                published=r.published,
                text=text[r.start : r.end],
                start=r.start,
                end=r.end,
                value=[r.value, r.value_high] if r.value_high is not None else r.value,
                unit=r.unit,
                change=r.change,
                concept=concept_text,
                speaker=r.speaker,
                speaker_id=r.speaker_actor_id,
                attribution_id=r.attribution_id,
                context=context,
            )
        )
    return out[offset : offset + limit] if words else out


def claims_csv(rows: list[ClaimRow]) -> str:
    """CSV with a header (``CLAIM_CSV_COLUMNS``); a range's value as JSON ``[low, high]``."""
    from newsgraph.store.queries import _csv_text

    out = []
    for row in rows:
        d = row.to_dict()
        d["value"] = json.dumps(d["value"]) if isinstance(d["value"], list) else d["value"]
        out.append([d[c] for c in CLAIM_CSV_COLUMNS])
    return _csv_text(CLAIM_CSV_COLUMNS, out)


def claims_table(rows: list[ClaimRow]) -> Any:
    """A rich table: date, speaker (or "author"), figure, value, concept, context."""
    from rich.table import Table

    table = Table(title=None if rows else "no figures match")
    for name in ("date", "who", "figure", "value", "concept", "context", "id"):
        table.add_column(name, overflow="fold", ratio=4 if name == "context" else None)
    for row in rows:
        value = row.value if not isinstance(row.value, list) else f"{row.value[0]:g}–{row.value[1]:g}"
        shown = (
            f"{row.change if row.change != '=' else ''}{value if isinstance(value, str) else f'{value:g}'}"
        )
        table.add_row(
            row.published.isoformat() if row.published else "",
            row.speaker or ("(unnamed source)" if row.attribution_id else "author"),
            row.text,
            shown + (f" {row.unit}" if row.unit else ""),
            row.concept or "",
            row.context,
            str(row.figure_id),
        )
    return table
