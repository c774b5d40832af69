"""Asking the corpus: who said what, to whom, in which outlets, and exporting it all.

Why plain functions over a ``Store``: the CLI (``newsgraph quotes``, ``actors``,
``actor``, ``export``) and Python users ask the same questions and get the same
answers, as typed rows (dataclasses) rather than database cursors, so nothing
here depends on which database holds the corpus. SQLite and PostgreSQL give
the same answers for the same corpus: every query binds its parameters (user
text never becomes SQL), orders its results completely (date, then id), and
anything compared as text (outlet names) is compared in Python, not by the
database's collation.

What the answers mean:

* A **speaker** is looked up by any form an actor appeared under (its aliases,
  case-insensitive: "austin", "Lloyd Austin", "Defense Secretary Lloyd Austin")
  or its canonical name. A name can match several actors (two people called
  Austin): ``quotes`` then returns the statements of all of them, while
  ``actor`` raises ``AmbiguousActor`` listing them, so the user can pick one by
  id (``id:12``).
* **Copies**: an article found to be a near-duplicate of an earlier one (wire
  copy, syndication) has ``articles.copy_of`` set. Every count and list can be
  taken with copies (what readers saw) or without (what was said once).
* **Search** is full-text (SQLite FTS5 over ``attributions_fts``, PostgreSQL
  ``tsvector``) over an attribution's content, source and cue. The user's text
  is split into words and ``"quoted phrases"``; every word and phrase must
  occur. Operators are not interpreted: ``OR``, ``NEAR``, ``*`` and stray
  quotes are searched for as words (or ignored as punctuation), never parsed,
  so no search text can break the query.
* **Who quotes an actor**: the outlets that publish their statements
  (``ActorDetail.outlets``); **who addresses them**: the actors whose
  statements have them as addressee (``ActorDetail.addressed_by``).

Speed: the speaker lookup goes through the indexes on ``actor_aliases.alias``
and ``attributions(source_actor_id, published, ...)``, so ``quotes(speaker=...)``
reads only the rows it returns, even at millions of attributions.

Texts: a statement's cue, source, addressee and content texts are cut from its
article's stored text by their offsets (``store.search.statement_texts``;
nothing else stores them), one read of each article text per page of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.reading import parse_published
from newsgraph.store import identity
from newsgraph.store.schema import Actor, ActorAlias, ActorTitle, Article, Attribution, Quote
from newsgraph.store.search import CONTENT_JOIN as CONTENT_JOIN  # re-exported: the join in QuoteRow.content
from newsgraph.store.search import attribution_match, row_texts
from newsgraph.store.search import fts5_query as fts5_query  # re-exported (web search, tests)
from newsgraph.store.search import search_terms as search_terms  # re-exported

if TYPE_CHECKING:
    from newsgraph.store import Store

ExportFormat = Literal["parquet", "jsonl", "csv"]
EXPORT_FORMATS: tuple[str, ...] = ("parquet", "jsonl", "csv")

EXPORT_BATCH = 20_000
"""Rows per batch when exporting: memory stays flat whatever the corpus size."""

_A = Attribution.__table__
_ART = Article.__table__
_ACT = Actor.__table__
_ALIAS = ActorAlias.__table__
_TITLE = ActorTitle.__table__
_QUOTE = Quote.__table__
_SRC = _ACT.alias("src")
_ADR = _ACT.alias("adr")

_ID_NAME = re.compile(r"\s*id:\s*(\d+)\s*", re.I)

MAX_ID = 2**63 - 1
"""The largest row id (the databases' 64-bit integers): ``id:N`` above it names no actor here, and is
E050 where it enters (the CLI's arguments, the API's parameters: ``check_actor_name``)."""
MAX_COUNT = 2**31 - 1
"""The largest ``limit``, ``offset`` or ``top`` accepted (E050 above): far beyond any page."""


def check_count(what: str, value: int, low: int = 0, high: int = MAX_COUNT) -> int:
    """``value`` when ``low <= value <= high``; else E050 naming it (``what`` is the option's name)."""
    if not low <= value <= high:
        raise NewsgraphError(Errors.E050, what=what, value=value, low=low, high=high)
    return value


def check_actor_name(name: str, what: str = "id") -> None:
    """E050 for ``id:N`` with N beyond any row id; other names are looked up as given."""
    by_id = _ID_NAME.fullmatch(name)
    if by_id:
        digits = by_id.group(1)
        # Compare by length first: int() of thousands of digits is itself refused by Python.
        if len(digits.lstrip("0")) > len(str(MAX_ID)) or int(digits) > MAX_ID:
            shown = digits if len(digits) <= 40 else f"{digits[:20]}...({len(digits)} digits)"
            raise NewsgraphError(Errors.E050, what=what, value=shown, low=1, high=MAX_ID)


# ---------------------------------------------------------------- result rows


@dataclass(frozen=True)
class QuoteRow:
    """One attribution with its article: who said what, where and when, with offsets.

    Every offset refers to the stored article text (``articles.text``), so
    ``text[cue_start:cue_end] == cue`` and each ``content_spans`` pair cuts out
    a piece of ``content`` (the pieces joined with " … ", ``CONTENT_JOIN``).
    """

    attribution_id: int
    article_id: int
    url: str | None
    outlet: str | None
    published: dt.date | None
    title: str | None
    copy_of: int | None  # the article this one is a near-duplicate of, or None
    speaker: str | None  # the actor's canonical name, or None when the source is no known actor
    speaker_id: int | None
    source_text: str | None  # how the article names the source
    source_start: int | None
    source_end: int | None
    cue: str
    cue_start: int
    cue_end: int
    kind: str
    stance: str
    confidence: float
    content: str
    content_spans: list[tuple[int, int]]
    addressee: str | None  # the addressee actor's canonical name, else the addressee text
    addressee_id: int | None
    addressee_text: str | None
    addressee_start: int | None
    addressee_end: int | None
    quote_id: int | None  # the corpus-wide quote these words belong to, if quoted

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, spans as ``[start, end]`` lists."""
        out = asdict(self)
        out["published"] = _iso(self.published)
        out["content_spans"] = [list(span) for span in self.content_spans]
        return out


@dataclass(frozen=True)
class ActorRow:
    """An actor with how often it is a source: ``statements`` between ``first`` and ``last``."""

    actor_id: int
    name: str
    type: str
    statements: int
    first: dt.date | None
    last: dt.date | None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["first"], out["last"] = _iso(self.first), _iso(self.last)
        return out


@dataclass(frozen=True)
class TitleSeen:
    """A title an article gave the actor, and when: titles change over time."""

    title: str
    first: dt.date | None
    last: dt.date | None
    articles: int


@dataclass(frozen=True)
class Related:
    """Another actor and how many statements link the two."""

    actor_id: int
    name: str
    type: str
    statements: int


@dataclass(frozen=True)
class OutletCount:
    """An outlet and how many of the actor's statements it published."""

    outlet: str | None
    statements: int


@dataclass(frozen=True)
class ActorDetail:
    """Everything the corpus says about one actor.

    ``statements_total`` counts their statements in every article,
    ``statements_original`` leaves out near-duplicate copies. ``statements``
    lists the most recent ones (newest first, at most the ``limit`` given to
    ``actor``); ``timeline`` counts them per month (``"YYYY-MM"``, or
    ``"undated"``). ``addresses``: whom they address; ``addressed_by``: who
    addresses them; ``outlets``: who quotes them, i.e. the outlets publishing
    their statements. Lists of actors and outlets are ordered by count.
    """

    actor_id: int
    name: str
    type: str
    key: str
    aliases: list[str]
    titles: list[TitleSeen]
    statements_total: int
    statements_original: int
    first: dt.date | None
    last: dt.date | None
    timeline: list[tuple[str, int]]
    statements: list[QuoteRow]
    addresses: list[Related] = field(default_factory=list)
    addressed_by: list[Related] = field(default_factory=list)
    outlets: list[OutletCount] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["first"], out["last"] = _iso(self.first), _iso(self.last)
        out["titles"] = [{**asdict(t), "first": _iso(t.first), "last": _iso(t.last)} for t in self.titles]
        out["timeline"] = [{"month": month, "statements": n} for month, n in self.timeline]
        out["statements"] = [row.to_dict() for row in self.statements]
        return out


class AmbiguousActor(NewsgraphError):
    """A name that matches several actors; ``candidates`` lists them (the 20 most quoted first)."""

    def __init__(self, name: str, candidates: list[ActorRow], count: int | None = None) -> None:
        self.candidates = candidates
        super().__init__(Errors.E021, name=name, count=len(candidates) if count is None else count)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- inputs


def as_date(value: str | dt.date | None) -> dt.date | None:
    """A user-given date (``YYYY-MM-DD`` or ISO 8601 timestamp) as a date; ``E011`` if it is none."""
    if value is None or isinstance(value, dt.date):
        return value
    normalised = parse_published(value)
    assert normalised is not None
    try:
        return dt.date.fromisoformat(normalised[:10])
    except ValueError:
        raise NewsgraphError(Errors.E011, value=value) from None


# ---------------------------------------------------------------- lookups


_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """User text without NUL and the other control characters (tab and line breaks stay).

    PostgreSQL refuses NUL in any string, SQLite's LIKE stops at it (so a
    search for NUL would match everything), and no stored name holds one:
    they are dropped on both backends alike.
    """
    return _CONTROLS.sub("", text)


_clean = clean_text


def _identity_keys(name: str) -> list[str]:
    """The identity keys a typed name would have (``store.identity``'s rule, without spaCy).

    So "the Pentagon", "Pentagon" and "U.S." find ``org:pentagon`` and
    ``gpe:united states``, and "Mr. Lloyd Austin" or "LLOYD AUSTIN"
    ``person:lloyd austin``, whatever forms were stored as aliases.
    """
    ws = [w for w in identity.words(name) if w != "the"]
    while len(ws) > 1 and ws[0] in identity.HONORIFIC_WORDS:
        ws = ws[1:]
    if not ws:
        return []
    keys = [f"person:{' '.join(ws)}" if len(ws) > 1 else f"person?:{ws[0]}"]
    org = identity.org_name(name)
    if org:
        keys += [f"{kind}:{org}" for kind in ("org", "gpe", "norp")]
    return [key[: identity.KEY_LENGTH] for key in keys]


def _match(name: str) -> sa.CompoundSelect[Any] | None:
    """The ids of the actors with ``name`` as alias, canonical name or identity key (a subquery)."""
    alias = identity.alias(name)
    if not alias:
        return None
    return sa.union(
        sa.select(_ALIAS.c.actor_id.label("id")).where(_ALIAS.c.alias == alias),
        sa.select(_ACT.c.id.label("id")).where(_ACT.c.name == " ".join(name.split())),
        sa.select(_ACT.c.id.label("id")).where(_ACT.c.key.in_(_identity_keys(name))),
    )


def _actor_ids(conn: Connection, name: str) -> list[int]:
    """Ids of the actors a user-given name refers to: ``id:N``, an alias, the canonical name or its key."""
    name = _clean(name)
    by_id = _ID_NAME.fullmatch(name)
    if by_id:
        if int(by_id.group(1)) > MAX_ID:  # no such row, and too big for the database's integers
            return []
        found = conn.execute(sa.select(_ACT.c.id).where(_ACT.c.id == int(by_id.group(1)))).scalars()
        return list(found)
    stmt = _match(name)
    if stmt is None:
        return []
    found = sorted(conn.execute(stmt).scalars())
    if not found:
        # A form never stored, with a title in front ("Defense Secretary Lloyd Austin"): the
        # identity rule's title lexicon (it comes with spaCy, hence only now) finds the person.
        person = identity.person_words(name)
        if len(person) > 1:
            key = f"person:{' '.join(person)}"[: identity.KEY_LENGTH]
            found = list(conn.execute(sa.select(_ACT.c.id).where(_ACT.c.key == key)).scalars())
    return found


def _speaker_clause(name: str, ids: list[int]) -> sa.ColumnElement[bool]:
    """``attributions.source_actor_id`` is one of ``ids`` (which ``name`` resolved to).

    One id compares with ``=``, so SQLite walks ``(source_actor_id, published)``
    in order and stops after one page. Thousands of ids (a word like
    "officials" names one group actor per article) go as a subquery rather
    than as that many bound parameters.
    """
    if len(ids) == 1:
        return _A.c.source_actor_id == ids[0]
    if len(ids) <= MANY_IDS:
        return _A.c.source_actor_id.in_(ids)
    stmt = _match(_clean(name))
    assert stmt is not None
    return _A.c.source_actor_id.in_(stmt)


MANY_IDS = 500
"""Above this many actor ids, a name is matched by subquery instead of a list of parameters."""


def _outlets_matching(conn: Connection, outlet: str) -> list[str]:
    """Stored outlet names equal to ``outlet`` ignoring case (compared in Python: same on every database)."""
    wanted = " ".join(_clean(outlet).split()).casefold()
    names = conn.execute(sa.select(_ART.c.outlet).where(_ART.c.outlet.is_not(None)).distinct()).scalars()
    return sorted(name for name in names if " ".join(name.split()).casefold() == wanted)


# ---------------------------------------------------------------- quotes


def _quote_select() -> sa.Select[Any]:
    return sa.select(
        _A.c.id,
        _A.c.article_id,
        _ART.c.url,
        _ART.c.outlet,
        _A.c.published,
        _ART.c.title,
        _ART.c.copy_of,
        _SRC.c.name.label("speaker"),
        _A.c.source_actor_id,
        _A.c.source_start,
        _A.c.source_end,
        _A.c.cue_start,
        _A.c.cue_end,
        _A.c.kind,
        _A.c.stance,
        _A.c.confidence,
        _A.c.content,
        _ADR.c.name.label("addressee"),
        _A.c.addressee_actor_id,
        _A.c.addressee_start,
        _A.c.addressee_end,
        _A.c.quote_id,
    ).select_from(
        _A.join(_ART, _ART.c.id == _A.c.article_id)
        .outerjoin(_SRC, _SRC.c.id == _A.c.source_actor_id)
        .outerjoin(_ADR, _ADR.c.id == _A.c.addressee_actor_id)
    )


def _article_texts(conn: Connection, ids: set[int] | list[int]) -> dict[int, str]:
    """The stored texts of these articles (decompressed), by id."""
    out: dict[int, str] = {}
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), MANY_IDS):
        part = wanted[start : start + MANY_IDS]
        out.update(conn.execute(sa.select(_ART.c.id, _ART.c.text).where(_ART.c.id.in_(part))).all())
    return out


def _quote_rows(conn: Connection, rows: Sequence[sa.Row[Any]]) -> list[QuoteRow]:
    texts = _article_texts(conn, {r.article_id for r in rows})
    return [_quote_row(r, texts[r.article_id]) for r in rows]


def _quote_row(r: sa.Row[Any], text: str) -> QuoteRow:
    cut = row_texts(text, r)
    return QuoteRow(
        attribution_id=r.id,
        article_id=r.article_id,
        url=r.url,
        outlet=r.outlet,
        published=r.published,
        title=r.title,
        copy_of=r.copy_of,
        speaker=r.speaker,
        speaker_id=r.source_actor_id,
        source_text=cut.source,
        source_start=r.source_start,
        source_end=r.source_end,
        cue=cut.cue,
        cue_start=r.cue_start,
        cue_end=r.cue_end,
        kind=r.kind,
        stance=r.stance,
        confidence=r.confidence,
        content=cut.content,
        content_spans=[(int(s), int(e)) for s, e in (r.content or [])],
        addressee=r.addressee if r.addressee is not None else cut.addressee,
        addressee_id=r.addressee_actor_id,
        addressee_text=cut.addressee,
        addressee_start=r.addressee_start,
        addressee_end=r.addressee_end,
        quote_id=r.quote_id,
    )


def _newest_first(stmt: sa.Select[Any]) -> sa.Select[Any]:
    # NULLS LAST on both databases (SQLite's default for DESC, PostgreSQL's is the opposite).
    return stmt.order_by(_A.c.published.desc().nulls_last(), _A.c.id.desc())


def _dated(stmt: sa.Select[Any]) -> sa.Select[Any]:
    return stmt.where(_A.c.published.is_not(None)).order_by(_A.c.published.desc(), _A.c.id.desc())


def _undated(stmt: sa.Select[Any]) -> sa.Select[Any]:
    return stmt.where(_A.c.published.is_(None)).order_by(_A.c.id.desc())


def _page_newest_first(conn: Connection, stmt: sa.Select[Any], limit: int, offset: int) -> list[sa.Row[Any]]:
    """One page of ``stmt``'s rows, newest first and undated last, read in index order.

    Why dated and undated rows separately rather than ``ORDER BY published DESC
    NULLS LAST``: PostgreSQL's b-tree indexes put NULLs *first* in descending
    order, so it would sort every statement of a speaker before returning
    fifty; each half on its own is plain index order on both databases (on
    SQLite, ``(source_actor_id, published)`` with the rowid as the tie-break).
    """
    rows = list(conn.execute(_dated(stmt).limit(limit).offset(offset)))
    if len(rows) == limit:
        return rows
    if rows or not offset:
        dated = offset + len(rows)
    else:  # the page starts past the dated rows: how many are there?
        dated = conn.execute(
            sa.select(sa.func.count()).select_from(_dated(stmt).order_by(None).subquery())
        ).scalar_one()
    rows += conn.execute(_undated(stmt).limit(limit - len(rows)).offset(max(0, offset - dated)))
    return rows


def _check_page(limit: int, offset: int) -> None:
    check_count("limit", limit)
    check_count("offset", offset)


def _check_confidence(min_confidence: float | None) -> None:
    if min_confidence is not None and not (0.0 <= min_confidence <= 1.0):  # also refuses NaN
        raise ValueError(f"min_confidence must be between 0 and 1 (got {min_confidence})")


@dataclass
class _Filter:
    """A quotes query's conditions: ``empty`` when a filter already rules every row out."""

    conds: list[sa.ColumnElement[bool]] = field(default_factory=list)
    by_article: bool = False  # whether a condition is on the article (outlet, copies)
    ids: list[int] = field(default_factory=list)
    speaker: str = ""
    empty: bool = False


def _quote_filter(
    conn: Connection,
    store: Store,
    *,
    speaker: str | None,
    outlet: str | None,
    since: str | dt.date | None,
    until: str | dt.date | None,
    search: str | None,
    include_copies: bool,
    min_confidence: float | None,
    article: int | None,
) -> _Filter:
    """The conditions ``quotes`` and ``count_quotes`` share (so a page and its total always agree)."""
    _check_confidence(min_confidence)
    since_d, until_d = as_date(since), as_date(until)
    f = _Filter(speaker=speaker or "")
    if speaker is not None:
        f.ids = _actor_ids(conn, speaker)
        if not f.ids:
            f.empty = True
            return f
    if outlet is not None:
        outlets = _outlets_matching(conn, outlet)
        if not outlets:
            f.empty = True
            return f
        f.conds.append(_ART.c.outlet.in_(outlets))
        f.by_article = True
    if since_d is not None:
        f.conds.append(_A.c.published >= since_d)
    if until_d is not None:
        f.conds.append(_A.c.published <= until_d)
    if search is not None:
        terms = search_terms(_clean(search))
        if not terms:
            f.empty = True
            return f
        f.conds.append(attribution_match(store.dialect, terms))
    if not include_copies:
        f.conds.append(_ART.c.copy_of.is_(None))
        f.by_article = True
    if min_confidence is not None and min_confidence > 0:
        f.conds.append(_A.c.confidence >= min_confidence)
    if article is not None:
        f.conds.append(_A.c.article_id == article)
    return f


def quotes(
    store: Store,
    *,
    speaker: str | None = None,
    outlet: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    search: str | None = None,
    include_copies: bool = True,
    limit: int = 50,
    offset: int = 0,
    min_confidence: float | None = None,
    article: int | None = None,
) -> list[QuoteRow]:
    """Attributions matching every filter given, newest first (undated last), one page of them.

    ``speaker``: an actor's name or alias, case-insensitive, or ``id:N``;
    ``outlet``: the outlet's name, case-insensitive; ``since``/``until``:
    publication dates, inclusive (``E011`` if not a date); ``search``: words
    and ``"phrases"`` that must all occur in the content, source or cue;
    ``include_copies=False`` leaves out near-duplicate articles;
    ``min_confidence`` (0 to 1) leaves out statements the analysis was less
    sure of; ``article`` keeps one article's statements. ``limit`` and
    ``offset`` page through the results.
    """
    _check_page(limit, offset)
    with store.engine.connect() as conn:
        f = _quote_filter(
            conn, store, speaker=speaker, outlet=outlet, since=since, until=until, search=search,
            include_copies=include_copies, min_confidence=min_confidence, article=article,
        )  # fmt: skip
        if f.empty:
            return []
        conds, ids = f.conds, f.ids
        if len(ids) > 1:
            # Several speakers share the name (a surname can name hundreds): sort only the keys,
            # off the (source_actor_id, published) index, then read the page's rows. Sorting the
            # full rows of everything they all said would read every one of them.
            from_ = _A.join(_ART, _ART.c.id == _A.c.article_id) if f.by_article else _A
            keys = sa.select(_A.c.id).select_from(from_).where(*conds, _speaker_clause(speaker or "", ids))
            page = _newest_first(keys).limit(limit).offset(offset)
            rows = conn.execute(_newest_first(_quote_select().where(_A.c.id.in_(page)))).all()
        else:
            conds += [_speaker_clause(speaker or "", ids)] if ids else []
            rows = _page_newest_first(conn, _quote_select().where(*conds), limit, offset)
        return _quote_rows(conn, rows)


COUNT_CAP = 10_000
"""Counts of matching rows stop here (the pages say "10,000 or more"): a total costs at most this many
index entries, whatever the corpus size."""


def count_quotes(
    store: Store,
    *,
    speaker: str | None = None,
    outlet: str | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    search: str | None = None,
    include_copies: bool = True,
    min_confidence: float | None = None,
    article: int | None = None,
    cap: int = COUNT_CAP,
) -> int:
    """How many attributions ``quotes`` with the same filters would page through, at most ``cap``.

    Why capped: an exact total over millions of statements costs a scan of all
    of them; "more than ten thousand" is all a reader needs to know.
    """
    with store.engine.connect() as conn:
        f = _quote_filter(
            conn, store, speaker=speaker, outlet=outlet, since=since, until=until, search=search,
            include_copies=include_copies, min_confidence=min_confidence, article=article,
        )  # fmt: skip
        if f.empty:
            return 0
        from_ = _A.join(_ART, _ART.c.id == _A.c.article_id) if f.by_article else _A
        conds = f.conds + ([_speaker_clause(f.speaker, f.ids)] if f.ids else [])
        capped = sa.select(sa.literal(1).label("one")).select_from(from_).where(*conds).limit(cap)
        return int(conn.execute(sa.select(sa.func.count()).select_from(capped.subquery())).scalar_one())


# ---------------------------------------------------------------- actors


def actors(store: Store, *, top: int = 20, include_copies: bool = True, offset: int = 0) -> list[ActorRow]:
    """The ``top`` actors by number of statements (attributions with them as source), after ``offset``.

    Ties are broken by actor id (the first stored first). With
    ``include_copies=False`` statements in near-duplicate articles do not count.
    """
    return actors_page(store, top=top, include_copies=include_copies, offset=offset)[0]


def actors_page(
    store: Store, *, top: int = 20, include_copies: bool = True, offset: int = 0
) -> tuple[list[ActorRow], int]:
    """``actors``' page and how many actors have statements, from one pass over the statements.

    Why one pass: ranking the actors already groups every statement by
    speaker; a window count over those groups gives the total for free,
    where a separate count would read them all again.
    """
    check_count("top", top)
    check_count("offset", offset)
    n = sa.func.count().label("n")
    stmt = sa.select(
        _A.c.source_actor_id,
        n,
        sa.func.min(_A.c.published).label("first"),
        sa.func.max(_A.c.published).label("last"),
        sa.func.count().over().label("speakers"),
    ).where(_A.c.source_actor_id.is_not(None))
    if not include_copies:
        stmt = stmt.select_from(_A.join(_ART, _ART.c.id == _A.c.article_id)).where(_ART.c.copy_of.is_(None))
    stmt = stmt.group_by(_A.c.source_actor_id).order_by(n.desc(), _A.c.source_actor_id)
    stmt = stmt.limit(top).offset(offset)
    with store.engine.connect() as conn:
        counted = conn.execute(stmt).all()
        names = _actor_names(conn, [r.source_actor_id for r in counted])
    rows = [
        ActorRow(r.source_actor_id, *names[r.source_actor_id], r.n, r.first, r.last)  # type: ignore[call-arg]
        for r in counted
    ]
    if counted:
        return rows, int(counted[0].speakers)
    return rows, (count_actors(store, include_copies=include_copies) if offset or not top else 0)


def count_actors(store: Store, *, include_copies: bool = True) -> int:
    """How many actors are the source of at least one statement (what ``actors`` pages through)."""
    speakers = sa.func.count(sa.distinct(_A.c.source_actor_id))
    stmt = sa.select(speakers).where(_A.c.source_actor_id.is_not(None))
    if not include_copies:
        stmt = stmt.select_from(_A.join(_ART, _ART.c.id == _A.c.article_id)).where(_ART.c.copy_of.is_(None))
    with store.engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _actor_names(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        rows = conn.execute(sa.select(_ACT.c.id, _ACT.c.name, _ACT.c.type).where(_ACT.c.id.in_(chunk)))
        out.update({r.id: (r.name, r.type) for r in rows})
    return out


def _candidates(conn: Connection, ids: Sequence[int]) -> list[ActorRow]:
    """The actors a name matched, most quoted first (at most ``CANDIDATES`` of them)."""
    stats: dict[int, tuple[int, dt.date | None, dt.date | None]] = {}
    for start in range(0, len(ids), MANY_IDS):
        chunk = list(ids[start : start + MANY_IDS])
        rows = conn.execute(
            sa.select(
                _A.c.source_actor_id,
                sa.func.count(),
                sa.func.min(_A.c.published),
                sa.func.max(_A.c.published),
            )
            .where(_A.c.source_actor_id.in_(chunk))
            .group_by(_A.c.source_actor_id)
        )
        stats.update({r[0]: (r[1], r[2], r[3]) for r in rows})
    ranked = sorted(ids, key=lambda actor_id: (-stats.get(actor_id, (0,))[0], actor_id))[:CANDIDATES]
    names = _actor_names(conn, ranked)
    return [
        ActorRow(actor_id, *names[actor_id], *stats.get(actor_id, (0, None, None)))  # type: ignore[call-arg]
        for actor_id in ranked
    ]


CANDIDATES = 20
"""At most this many actors are listed for an ambiguous name (the message gives the full count)."""


def _related(conn: Connection, stmt: sa.Select[Any], top: int) -> list[Related]:
    counts = [(r[0], r[1]) for r in conn.execute(stmt)]
    counts.sort(key=lambda pair: (-pair[1], pair[0]))
    counts = counts[:top]
    names = _actor_names(conn, [actor_id for actor_id, _ in counts])
    return [Related(actor_id, *names[actor_id], n) for actor_id, n in counts]  # type: ignore[call-arg]


def actor(
    store: Store,
    name: str,
    *,
    limit: int = 20,
    top: int = 20,
    offset: int = 0,
    min_confidence: float | None = None,
) -> ActorDetail | None:
    """What the corpus says about the actor called ``name`` (an alias, the canonical name or ``id:N``).

    None when no actor has that name; ``AmbiguousActor`` (with the
    candidates) when several do. ``limit`` caps the statements listed (from
    ``offset`` on, newest first, only those with at least ``min_confidence``)
    and ``top`` the related actors and outlets (the counts cover everything).
    """
    _check_page(limit, offset)
    _check_confidence(min_confidence)
    with store.engine.connect() as conn:
        ids = _actor_ids(conn, name)
        if not ids:
            return None
        if len(ids) > 1:
            raise AmbiguousActor(name, _candidates(conn, ids), len(ids))
        actor_id = ids[0]
        me = conn.execute(sa.select(_ACT).where(_ACT.c.id == actor_id)).one()
        aliases = sorted(
            conn.execute(sa.select(_ALIAS.c.alias).where(_ALIAS.c.actor_id == actor_id)).scalars()
        )

        titles = [
            TitleSeen(r.title, r.first, r.last, r.n)
            for r in conn.execute(
                sa.select(
                    _TITLE.c.title,
                    sa.func.min(_TITLE.c.published).label("first"),
                    sa.func.max(_TITLE.c.published).label("last"),
                    sa.func.count(sa.distinct(_TITLE.c.article_id)).label("n"),
                )
                .where(_TITLE.c.actor_id == actor_id)
                .group_by(_TITLE.c.title)
            )
        ]
        titles.sort(key=lambda t: (t.first or dt.date.max, t.title))

        mine = _A.c.source_actor_id == actor_id
        # One row per day: at most a few thousand, read in index order.
        per_day = conn.execute(
            sa.select(_A.c.published, sa.func.count()).where(mine).group_by(_A.c.published)
        )
        months: dict[str, int] = defaultdict(int)
        days: list[str] = []
        total = 0
        for day, n in per_day:
            iso = day.isoformat() if day is not None else None
            months[iso[:7] if iso else "undated"] += n
            total += n
            if iso:
                days.append(iso)
        # Outlets and the count without copies in one pass: the actor's statements grouped by
        # article off the (source_actor_id, ...) index alone, then one look-up per article.
        per_article = (
            sa.select(_A.c.article_id, sa.func.count().label("n"))
            .where(mine)
            .group_by(_A.c.article_id)
            .subquery()
        )
        by_outlet: dict[str | None, int] = defaultdict(int)
        original = 0
        for outlet_name, copy, n in conn.execute(
            sa.select(_ART.c.outlet, _ART.c.copy_of.is_not(None), sa.func.sum(per_article.c.n))
            .select_from(per_article.join(_ART, _ART.c.id == per_article.c.article_id))
            .group_by(_ART.c.outlet, _ART.c.copy_of.is_not(None))
        ):
            by_outlet[outlet_name] += int(n)
            if not copy:
                original += int(n)
        sure = [_A.c.confidence >= min_confidence] if min_confidence else []
        statements = _quote_rows(
            conn, _page_newest_first(conn, _quote_select().where(mine, *sure), limit, offset)
        )
        addresses = _related(
            conn,
            sa.select(_A.c.addressee_actor_id, sa.func.count())
            .where(mine, _A.c.addressee_actor_id.is_not(None))
            .group_by(_A.c.addressee_actor_id),
            top,
        )
        addressed_by = _related(
            conn,
            sa.select(_A.c.source_actor_id, sa.func.count())
            .where(_A.c.addressee_actor_id == actor_id, _A.c.source_actor_id.is_not(None))
            .group_by(_A.c.source_actor_id),
            top,
        )
        outlet_counts = [OutletCount(name, n) for name, n in by_outlet.items()]
        outlet_counts.sort(key=lambda o: (-o.statements, o.outlet is None, o.outlet or ""))
    return ActorDetail(
        actor_id=actor_id,
        name=me.name,
        type=me.type,
        key=me.key,
        aliases=aliases,
        titles=titles,
        statements_total=total,
        statements_original=original,
        first=dt.date.fromisoformat(min(days)) if days else None,
        last=dt.date.fromisoformat(max(days)) if days else None,
        timeline=sorted(months.items(), key=lambda kv: (kv[0] == "undated", kv[0])),
        statements=statements,
        addresses=addresses,
        addressed_by=addressed_by,
        outlets=outlet_counts[:top],
    )


# ---------------------------------------------------------------- export


EXPORT_COLUMNS: tuple[str, ...] = (
    "attribution_id",
    "article_id",
    "article_name",
    "url",
    "outlet",
    "published",
    "title",
    "copy_of",
    "local_id",
    "parent_local_id",
    "kind",
    "stance",
    "confidence",
    "cue_start",
    "cue_end",
    "cue_text",
    "source_start",
    "source_end",
    "source_text",
    "source_actor_id",
    "source_actor",
    "source_actor_type",
    "addressee_start",
    "addressee_end",
    "addressee_text",
    "addressee_actor_id",
    "addressee_actor",
    "addressee_actor_type",
    "content",
    "content_text",
    "quote_id",
    "quote_variant_of",
)
"""The export's columns, in order: one row per attribution. ``content`` is a list of
``{start, end}`` (a JSON string in CSV); every offset refers to the stored article text."""


def _export_select() -> sa.Select[Any]:
    return (
        sa.select(
            _A.c.id.label("attribution_id"),
            _A.c.article_id,
            _ART.c.name.label("article_name"),
            _ART.c.url,
            _ART.c.outlet,
            _A.c.published,
            _ART.c.title,
            _ART.c.copy_of,
            _A.c.local_id,
            _A.c.parent_local_id,
            _A.c.kind,
            _A.c.stance,
            _A.c.confidence,
            _A.c.cue_start,
            _A.c.cue_end,
            _A.c.source_start,
            _A.c.source_end,
            _A.c.source_actor_id,
            _SRC.c.name.label("source_actor"),
            _SRC.c.type.label("source_actor_type"),
            _A.c.addressee_start,
            _A.c.addressee_end,
            _A.c.addressee_actor_id,
            _ADR.c.name.label("addressee_actor"),
            _ADR.c.type.label("addressee_actor_type"),
            _A.c.content,
            _A.c.quote_id,
            _QUOTE.c.variant_of.label("quote_variant_of"),
        )
        .select_from(
            _A.join(_ART, _ART.c.id == _A.c.article_id)
            .outerjoin(_SRC, _SRC.c.id == _A.c.source_actor_id)
            .outerjoin(_ADR, _ADR.c.id == _A.c.addressee_actor_id)
            .outerjoin(_QUOTE, _QUOTE.c.id == _A.c.quote_id)
        )
        .order_by(_A.c.id)
    )


def iter_export_rows(store: Store, batch_size: int = EXPORT_BATCH) -> Iterator[list[dict[str, Any]]]:
    """Every attribution as an export row (``EXPORT_COLUMNS``), in id order, in batches."""
    with store.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch_size).execute(_export_select())
        for part in result.partitions(batch_size):
            # Another connection: the first one is still streaming the export's rows.
            with store.engine.connect() as reader:
                texts = _article_texts(reader, {r.article_id for r in part})
            batch = []
            for r in part:
                cut = row_texts(texts[r.article_id], r)
                row = r._asdict()
                row.update(
                    cue_text=cut.cue,
                    source_text=cut.source,
                    addressee_text=cut.addressee,
                    content_text=cut.content,
                    content=[{"start": int(s), "end": int(e)} for s, e in (row["content"] or [])],
                )
                batch.append({name: row[name] for name in EXPORT_COLUMNS})
            yield batch


def _parquet_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    i64, s = pa.int64(), pa.string()
    types = dict.fromkeys(EXPORT_COLUMNS, s)
    for name in EXPORT_COLUMNS:
        if name.endswith(("_start", "_end", "_of")) or (name.endswith("_id") and "local" not in name):
            types[name] = i64
    types["published"] = pa.date32()
    types["confidence"] = pa.float64()
    types["content"] = pa.list_(pa.struct([("start", i64), ("end", i64)]))
    return pa.schema([(name, types[name]) for name in EXPORT_COLUMNS])


def export(store: Store, fmt: ExportFormat | str, out: Path | str) -> Path:
    """Write every attribution, one row each with its article's metadata and offsets, to ``out``.

    ``parquet`` (pyarrow; loads as is in pandas, DuckDB, polars), ``jsonl``
    (one object per line) or ``csv`` (a header row; ``content`` as JSON).
    Streams in batches, and writes to a temporary file renamed into place at
    the end, so an interrupted export never leaves a truncated file at
    ``out``. ``E018`` if it cannot be written.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"export format must be one of {', '.join(EXPORT_FORMATS)} (got {fmt!r})")
    out = Path(out)
    part = out.with_name(out.name + ".part")
    try:
        if fmt == "parquet":
            _write_parquet(store, part)
        elif fmt == "jsonl":
            with open(part, "w", encoding="utf-8", newline="\n") as f:
                for batch in iter_export_rows(store):
                    f.writelines(json.dumps(_jsonable(row), ensure_ascii=False) + "\n" for row in batch)
        else:
            with open(part, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(EXPORT_COLUMNS)
                for batch in iter_export_rows(store):
                    writer.writerows(_csv_values(row) for row in batch)
        os.replace(part, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise NewsgraphError(Errors.E018, path=str(out), reason=" ".join(str(exc).split())) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return out


def _write_parquet(store: Store, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in iter_export_rows(store):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    published = row["published"]
    return {**row, "published": _iso(published)}


def _csv_values(row: dict[str, Any]) -> list[Any]:
    values = []
    for name in EXPORT_COLUMNS:
        value = row[name]
        if name == "content":
            value = json.dumps(value)
        elif name == "published":
            value = _iso(value)
        values.append("" if value is None else value)
    return values


# ---------------------------------------------------------------- views (CLI)


def sqlite_path(url: str | None) -> Path | None:
    """The file a store URL names when it is SQLite (None for other databases and in-memory SQLite).

    Follows ``open_store``: None is ``newsgraph.db`` here, a plain path is a
    SQLite file, ``sqlite:///PATH`` too. The query commands use it to refuse a
    missing file (E022) rather than create an empty corpus there.
    """
    if url is None:
        return Path("newsgraph.db")
    if "://" not in url:
        return Path(url)
    if url.startswith("sqlite"):
        path = url.split("://", 1)[1]
        path = path[1:] if path.startswith("/") else path  # sqlite:///rel, sqlite:////abs
        path = path.split("?", 1)[0]
        if path in ("", ":memory:"):
            return None
        return Path(path)
    return None


QUOTE_CSV_COLUMNS: tuple[str, ...] = tuple(QuoteRow.__dataclass_fields__)


def _csv_text(header: Sequence[str], rows: Iterator[list[Any]] | list[list[Any]]) -> str:
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return buffer.getvalue()


def quotes_csv(rows: Sequence[QuoteRow]) -> str:
    """CSV with a header; ``content_spans`` as JSON (``[[start, end], ...]``)."""
    out = []
    for row in rows:
        d = row.to_dict()
        d["content_spans"] = json.dumps(d["content_spans"])
        out.append([d[c] for c in QUOTE_CSV_COLUMNS])
    return _csv_text(QUOTE_CSV_COLUMNS, out)


def actors_csv(rows: Sequence[ActorRow]) -> str:
    """CSV with a header: actor_id, name, type, statements, first, last."""
    header = tuple(ActorRow.__dataclass_fields__)
    return _csv_text(header, [[row.to_dict()[c] for c in header] for row in rows])


def quotes_table(rows: Sequence[QuoteRow], title: str | None = None) -> Any:
    """A rich table of statements: date, outlet, speaker, cue, content, addressee, ids."""
    from rich.table import Table

    table = Table(title=title if rows else "no statements match")
    for name in ("date", "outlet", "speaker", "cue", "content", "to", "id"):
        table.add_column(name, overflow="fold", ratio=4 if name == "content" else None)
    for row in rows:
        table.add_row(
            _iso(row.published) or "",
            row.outlet or "",
            row.speaker or row.source_text or "",
            row.cue,
            row.content,
            row.addressee or "",
            f"{row.attribution_id}" + (" (copy)" if row.copy_of is not None else ""),
        )
    return table


def actors_table(rows: Sequence[ActorRow]) -> Any:
    """A rich table of actors by number of statements."""
    from rich.table import Table

    table = Table(title=None if rows else "no actors")
    for name in ("id", "name", "type", "statements", "first", "last"):
        table.add_column(name, justify="right" if name in ("id", "statements") else "left")
    for r in rows:
        first, last = _iso(r.first) or "", _iso(r.last) or ""
        table.add_row(str(r.actor_id), r.name, r.type, str(r.statements), first, last)
    return table


def actor_tables(detail: ActorDetail) -> list[Any]:
    """``actor``'s answer as a heading and rich tables, one per question."""
    from rich.table import Table
    from rich.text import Text

    span = f"{_iso(detail.first)} to {_iso(detail.last)}" if detail.first else "undated"
    head = Text(
        f"{detail.name} ({detail.type}, id:{detail.actor_id}): {detail.statements_total} statements, "
        f"{detail.statements_original} without copies, {span}\n"
        f"also seen as: {', '.join(detail.aliases) or '-'}"
    )
    out: list[Any] = [head]
    titles = Table(title="titles seen")
    for name in ("title", "first", "last", "articles"):
        titles.add_column(name)
    for t in detail.titles:
        titles.add_row(t.title, _iso(t.first) or "", _iso(t.last) or "", str(t.articles))
    timeline = Table(title="statements by month")
    timeline.add_column("month")
    timeline.add_column("statements", justify="right")
    for month, n in detail.timeline:
        timeline.add_row(month, str(n))
    out += [titles, timeline, quotes_table(detail.statements, "latest statements")]
    for title, related in (
        ("whom they address", detail.addresses),
        ("who addresses them", detail.addressed_by),
    ):
        table = Table(title=title)
        for name in ("id", "name", "type", "statements"):
            table.add_column(name)
        for r in related:
            table.add_row(str(r.actor_id), r.name, r.type, str(r.statements))
        out.append(table)
    outlets = Table(title="who quotes them: outlets publishing their statements")
    outlets.add_column("outlet")
    outlets.add_column("statements", justify="right")
    for o in detail.outlets:
        outlets.add_row(o.outlet or "(unknown)", str(o.statements))
    out.append(outlets)
    return out
