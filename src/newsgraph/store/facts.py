"""The facts in the store: figures (the claims ledger), times and places.

Why a module of its own: the write path, ``newsgraph figures``, the API and
the article deletion all need the same three tables (``schema.FigureRow``,
``TimeRow``, ``PlaceRow``; migration 0006), and keeping their code here keeps
the statement code in ``write``/``queries`` unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import re
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

ARTICLE_MAX = 10_000
"""The most figures one article's Claims list reads (an article holds a few dozen at most)."""


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
    sentence: str = ""  # the sentence that holds the figure: text[sentence_start:sentence_end]
    sentence_start: int = 0
    sentence_end: int = 0
    source_text: str | None = None  # the claiming attribution's source as written ("Engineers")

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
    "sentence",
)


OWN_VOICE: sa.ColumnElement[bool] = sa.func.coalesce(
    FIGURES.c.attribution_id, sa.literal_column("0")
) == sa.literal_column("0")
"""A figure in the article's own voice (no attribution; row ids start at 1). Written as the partial
index ``ix_figures_own_voice`` (migration 0010) is, literally, so SQLite reads that index in date order:
with ``attribution_id IS NULL`` it picks the attribution index and sorts every own-voice figure."""


def _conditions(
    conn: Connection,
    *,
    speaker: str | None,
    author_only: bool,
    unit: str | None,
    since: dt.date | None,
    until: dt.date | None,
    article_id: int | None,
) -> list[sa.ColumnElement[bool]] | None:
    """The WHERE clauses of the claims filters; None when the speaker names no actor (nothing matches)."""
    from newsgraph.store import queries

    conds: list[sa.ColumnElement[bool]] = []
    if speaker is not None:
        ids = queries._actor_ids(conn, speaker)
        if not ids:
            return None
        conds.append(FIGURES.c.speaker_actor_id.in_(ids))
    if author_only:
        conds.append(OWN_VOICE)
    if unit is not None:
        conds.append(sa.func.lower(FIGURES.c.unit) == " ".join(unit.split()).lower())
    if since is not None:
        conds.append(FIGURES.c.published >= since)
    if until is not None:
        conds.append(FIGURES.c.published <= until)
    if article_id is not None:
        conds.append(FIGURES.c.article_id == article_id)
    return conds


def newest_first(dialect: str) -> tuple[sa.ColumnElement[Any], ...]:
    """Claims' order: newest first, undated last, then as stored (text order within an article).

    Written so an index ending in ``published`` gives the order without sorting every match: on
    SQLite ``published DESC`` already puts NULL last (a leading ``published IS NULL`` term would make
    SQLite sort all of an actor's figures: about a second for 100,000); PostgreSQL needs NULLS LAST.
    """
    published = FIGURES.c.published.desc()
    return (published.nulls_last() if dialect == "postgresql" else published, FIGURES.c.id)


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
    with store.engine.connect() as conn:
        conds = _conditions(
            conn, speaker=speaker, author_only=author_only, unit=unit, since=since_d, until=until_d,
            article_id=article_id,
        )  # fmt: skip
        if conds is None:
            return []
        stmt = (
            sa.select(
                FIGURES,
                _ART.c.title,
                _ART.c.outlet,
                _ART.c.url,
                _ACT.c.name.label("speaker"),
                _A.c.source_start,
                _A.c.source_end,
            )
            .select_from(
                FIGURES.join(_ART, _ART.c.id == FIGURES.c.article_id)
                .outerjoin(_ACT, _ACT.c.id == FIGURES.c.speaker_actor_id)
                .outerjoin(_A, _A.c.id == FIGURES.c.attribution_id)
            )
            .where(*conds)
            .order_by(*newest_first(conn.dialect.name))
        )
        words = [w.lower() for w in (concept or "").split()]
        if not words:  # with words the rows are tested here, in batches, until the page is full
            stmt = stmt.limit(limit).offset(offset)
        out: list[ClaimRow] = []
        skipped = 0
        result = conn.execute(stmt.execution_options(yield_per=500))
        while len(out) < limit and (batch := result.fetchmany(500)):
            texts = dict(
                conn.execute(
                    sa.select(_ART.c.id, _ART.c.text).where(_ART.c.id.in_({r.article_id for r in batch}))
                ).all()
            )  # one query per batch of rows, not one per article
            for r in batch:
                row = _claim_row(r, texts[r.article_id])
                about = f"{row.concept or ''}\n{row.context}".lower()
                if not all(w in about for w in words):
                    continue
                if words and skipped < offset:  # with words the page is cut here, not in SQL
                    skipped += 1
                    continue
                out.append(row)
                if len(out) >= limit:
                    break
        result.close()
    return out


def _claim_row(r: Any, text: str) -> ClaimRow:
    """One figure row of ``claims``' query as a ``ClaimRow``, its words cut from the article text."""
    concept_text = text[r.concept_start : r.concept_end] if r.concept_start is not None else None
    s_start, s_end = sentence_bounds(text, r.start, r.end)
    return ClaimRow(
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
        context=" ".join(text[max(0, r.start - CONTEXT_CHARS) : r.end + CONTEXT_CHARS].split()),
        sentence=text[s_start:s_end],
        sentence_start=s_start,
        sentence_end=s_end,
        source_text=(
            " ".join(text[r.source_start : r.source_end].split()) or None
            if r.source_start is not None and r.source_end is not None
            else None
        ),
    )


def count_claims(
    store: Store,
    *,
    speaker: str | None = None,
    author_only: bool = False,
    unit: str | None = None,
    concept: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    article_id: int | None = None,
    cap: int | None = None,
) -> int:
    """How many figures ``claims`` with the same filters pages through, at most ``cap``
    (``queries.COUNT_CAP``): a total costs at most that many index entries, whatever the corpus."""
    from newsgraph.store import queries

    cap = queries.COUNT_CAP if cap is None else cap
    if concept and concept.split():  # the concept words are matched in Python, on the rows' text
        return len(
            claims(
                store, speaker=speaker, author_only=author_only, unit=unit, concept=concept, since=since,
                until=until, article_id=article_id, limit=cap,
            )
        )  # fmt: skip
    since_d, until_d = queries.as_date(since), queries.as_date(until)
    with store.engine.connect() as conn:
        conds = _conditions(
            conn, speaker=speaker, author_only=author_only, unit=unit, since=since_d, until=until_d,
            article_id=article_id,
        )  # fmt: skip
        if conds is None:
            return 0
        capped = sa.select(FIGURES.c.id).where(*conds).limit(cap).subquery()
        return int(conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())


_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "gen",
        "sen",
        "rep",
        "gov",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "prof",
        "jr",
        "sr",
        "inc",
        "corp",
        "co",
        "ltd",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mt",
        "ft",
        "pres",
        "adm",
        "maj",
    }
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n\s*\n|\n(?=\s*[-•*]\s)")
SENTENCE_MAX = 600
"""The longest context a figure's sentence gives, in characters (a run-on paragraph is cut around it)."""


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether a full stop ends a sentence: not after an initial ("J. Smith") or an abbreviation ("Dr.")."""
    if not match.group().startswith("."):
        return True
    word = re.search(r"(\w+)$", text[max(0, match.start() - 12) : match.start()])
    if word is None:
        return True
    w = word.group(1)
    return not (len(w) == 1 and w.isalpha() and w.isupper()) and w.lower() not in _ABBREVIATIONS


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of the sentence holding ``text[start:end]``: from just after the previous sentence
    end (or paragraph break) to just after the next one, stripped of surrounding whitespace.

    Why a small splitter and not spaCy's: the store keeps offsets, not sentences, and a claims list
    shows one sentence per figure; a full stop inside a number ("1.5") is never followed by a space,
    initials and common abbreviations do not end a sentence. The figure is always inside the result,
    which is at most ``SENTENCE_MAX`` characters (cut around the figure when longer).
    """
    length = len(text)
    start, end = max(0, min(start, length)), max(0, min(end, length))
    if end < start:
        start, end = end, start
    window_start = max(0, start - SENTENCE_MAX)
    left = window_start
    for m in _SENTENCE_END.finditer(text, window_start, start):
        if m.end() <= start and _ends_sentence(text, m):
            left = m.end()
    right = min(length, end + SENTENCE_MAX)
    for m in _SENTENCE_END.finditer(text, end, right):
        if _ends_sentence(text, m):
            right = m.end() if m.group().strip() else m.start()
            break
    while left < start and text[left].isspace():
        left += 1
    while right > end and text[right - 1].isspace():
        right -= 1
    if right - left > SENTENCE_MAX:  # no sentence end nearby: a window around the figure
        half = max(0, (SENTENCE_MAX - (end - start)) // 2)
        left, right = max(left, start - half), min(right, end + half)
    return left, right


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
