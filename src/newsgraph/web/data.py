"""What the web app reads from (and deletes in) the corpus store, beyond ``store.queries``.

Why here and not in ``store.queries``: these are the questions only the web
pages ask (one stored article rebuilt as an ``Analysis`` for the highlighted
view, a page of articles, the actor network, a free-text search across
articles, quotes and actors) and the one write the API offers besides
ingest, deleting an article. Quotes, the top actors and an actor's detail
come from ``store.queries`` unchanged, so the web and the CLI answer alike.

Everything binds its parameters (user text never becomes SQL) and works on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from newsgraph.models import (
    Analysis,
    Attribution,
    Change,
    Entity,
    Event,
    Figure,
    LinkedSpan,
    Place,
    Span,
    Time,
    TimeRef,
    TimeType,
)
from newsgraph.models import Article as ArticleModel
from newsgraph.store.schema import (
    Actor,
    ActorAlias,
    ActorTitle,
    Article,
    Mention,
    Quote,
)
from newsgraph.store.schema import (
    Attribution as AttributionRow,
)
from newsgraph.store.schema import Event as EventRow

if TYPE_CHECKING:
    from newsgraph.store import Store

_ART = Article.__table__
_A = AttributionRow.__table__
_ACT = Actor.__table__
_ALIAS = ActorAlias.__table__
_TITLE = ActorTitle.__table__
_MENTION = Mention.__table__
_QUOTE = Quote.__table__
_EVENT = EventRow.__table__


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


# ---------------------------------------------------------------- articles


@dataclass(frozen=True)
class ArticleSummary:
    """One line of an article list."""

    id: int
    name: str
    title: str | None
    outlet: str | None
    published: dt.date | None
    url: str | None
    authors: list[str]
    copy_of: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "title": self.title,
            "outlet": self.outlet,
            "published": _iso(self.published),
            "url": self.url,
            "authors": list(self.authors or []),
            "copy_of": self.copy_of,
        }


def _summary_columns() -> list[Any]:
    return [
        _ART.c.id,
        _ART.c.name,
        _ART.c.title,
        _ART.c.outlet,
        _ART.c.published,
        _ART.c.url,
        _ART.c.authors,
        _ART.c.copy_of,
    ]


def _summary(row: sa.Row[Any]) -> ArticleSummary:
    return ArticleSummary(
        row.id, row.name, row.title, row.outlet, row.published, row.url, row.authors or [], row.copy_of
    )


def list_articles(
    store: Store,
    *,
    outlet: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_copies: bool = True,
    limit: int = 50,
    offset: int = 0,
) -> list[ArticleSummary]:
    """A page of stored articles, newest first (undated last, then by id descending)."""
    stmt = sa.select(*_summary_columns())
    if outlet is not None:
        from newsgraph.store.queries import clean_text  # no NUL: PostgreSQL refuses it in a parameter

        stmt = stmt.where(sa.func.lower(_ART.c.outlet) == " ".join(clean_text(outlet).split()).lower())
    if since is not None:
        stmt = stmt.where(_ART.c.published >= since)
    if until is not None:
        stmt = stmt.where(_ART.c.published <= until)
    if not include_copies:
        stmt = stmt.where(_ART.c.copy_of.is_(None))
    stmt = stmt.order_by(_ART.c.published.desc().nulls_last(), _ART.c.id.desc()).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        return [_summary(r) for r in conn.execute(stmt)]


def count_articles(
    store: Store,
    *,
    outlet: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    include_copies: bool = True,
    cap: int = 10_000,
) -> int:
    """How many articles ``list_articles`` pages through with these filters, at most ``cap``."""
    stmt = sa.select(_ART.c.id)
    if outlet is not None:
        stmt = stmt.where(sa.func.lower(_ART.c.outlet) == " ".join(outlet.split()).lower())
    if since is not None:
        stmt = stmt.where(_ART.c.published >= since)
    if until is not None:
        stmt = stmt.where(_ART.c.published <= until)
    if not include_copies:
        stmt = stmt.where(_ART.c.copy_of.is_(None))
    with store.engine.connect() as conn:
        counted = sa.select(sa.func.count()).select_from(stmt.limit(cap).subquery())
        return int(conn.execute(counted).scalar_one())


@dataclass
class StoredArticle:
    """A stored article rebuilt as an ``Analysis`` (local ids ``E1``/``A1`` as when it was analysed).

    ``actor_ids`` maps each local entity id to its corpus actor, and
    ``attribution_ids`` each local attribution id to its row id, so views can
    link to actor pages and quote rows can link back into the text.
    ``near_duplicates`` are the other articles of its copy cluster.
    Authorial sentences come from ``articles.authorial`` (empty for articles
    stored before migration 0002 added it).
    """

    id: int
    name: str
    copy_of: int | None
    analysis: Analysis
    actor_ids: dict[str, int] = field(default_factory=dict)
    attribution_ids: dict[str, int] = field(default_factory=dict)
    near_duplicates: list[ArticleSummary] = field(default_factory=list)
    authorial_known: bool = True  # False for articles stored before migration 0002
    figure_ids: dict[str, int] = field(default_factory=dict)  # local figure id -> ``figures`` row id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "copy_of": self.copy_of,
            "analysis": self.analysis.model_dump(mode="json"),
            "actor_ids": dict(self.actor_ids),
            "attribution_ids": dict(self.attribution_ids),
            "figure_ids": dict(self.figure_ids),
            "near_duplicates": [d.to_dict() for d in self.near_duplicates],
        }


def _span(text: str, start: int | None, end: int | None) -> Span | None:
    """A span rebuilt from stored offsets; None when they do not fit the text (never a wrong span)."""
    if start is None or end is None or not (0 <= start <= end <= len(text)):
        return None
    return Span(start=start, end=end, text=text[start:end])


def _linked(text: str, start: int | None, end: int | None, entity: str | None) -> LinkedSpan | None:
    span = _span(text, start, end)
    return None if span is None else LinkedSpan(**span.model_dump(), entity=entity)


def get_article(store: Store, article_id: int) -> StoredArticle | None:
    """The stored article with its actors, attributions and near-duplicates; None if there is none."""
    with store.engine.connect() as conn:
        art = conn.execute(sa.select(_ART).where(_ART.c.id == article_id)).first()
        if art is None:
            return None
        text: str = art.text
        # One row per (entity, actor) with its spans; flattened into single mentions in text
        # order (ties: entity id, then as stored), the order entities and mentions are shown in.
        mentions = sorted(
            (
                (int(start), _natural(r.local_id), k, r.local_id, r.actor_id, int(end))
                for r in conn.execute(
                    sa.select(_MENTION.c.local_id, _MENTION.c.actor_id, _MENTION.c.spans).where(
                        _MENTION.c.article_id == article_id
                    )
                )
                for k, (start, end) in enumerate(r.spans or [])
            )
        )
        actor_of: dict[str, int] = {}
        for _, _, _, local, actor_id, _ in mentions:
            actor_of.setdefault(local, actor_id)
        local_of: dict[int, str] = {}
        for local, actor_id in actor_of.items():
            local_of.setdefault(actor_id, local)
        rows = conn.execute(
            sa.select(_A).where(_A.c.article_id == article_id).order_by(_A.c.cue_start, _A.c.id)
        ).all()
        referenced = set(actor_of.values()) | {
            a for r in rows for a in (r.source_actor_id, r.addressee_actor_id) if a is not None
        }
        actors = (
            {
                r.id: r
                for r in conn.execute(
                    sa.select(_ACT.c.id, _ACT.c.name, _ACT.c.type).where(_ACT.c.id.in_(referenced))
                )
            }
            if referenced
            else {}
        )
        titles: dict[int, list[str]] = defaultdict(list)
        for t in conn.execute(
            sa.select(_TITLE.c.actor_id, _TITLE.c.title)
            .where(_TITLE.c.article_id == article_id)
            .order_by(_TITLE.c.id)
        ):
            if t.title not in titles[t.actor_id]:
                titles[t.actor_id].append(t.title)
        event_rows = conn.execute(
            sa.select(_EVENT).where(_EVENT.c.article_id == article_id).order_by(_EVENT.c.id)
        ).all()
        facts = _stored_facts(conn, article_id)
        cluster_root = art.copy_of if art.copy_of is not None else art.id
        duplicates = [
            _summary(r)
            for r in conn.execute(
                sa.select(*_summary_columns())
                .where(
                    sa.or_(_ART.c.id == cluster_root, _ART.c.copy_of == cluster_root),
                    _ART.c.id != article_id,
                )
                .order_by(_ART.c.published.nulls_last(), _ART.c.id)
                .limit(100)
            )
        ]

    # Actors that are sources or addressees but have no mention row still need a local id.
    for actor_id in sorted(referenced - set(local_of)):
        local = f"X{actor_id}"
        local_of[actor_id] = local
        actor_of[local] = actor_id
    by_local: dict[str, list[Span]] = defaultdict(list)
    for start, _, _, local, _, end in mentions:
        span = _span(text, start, end)
        if span is not None:
            by_local[local].append(span)
    entities = [
        Entity(
            id=local,
            name=actors[actor_id].name if actor_id in actors else local,
            type=actors[actor_id].type if actor_id in actors else "UNKNOWN",
            titles=titles.get(actor_id, []),
            mentions=by_local.get(local, []),
        )
        for local, actor_id in actor_of.items()
    ]
    attributions: list[Attribution] = []
    attribution_ids: dict[str, int] = {}
    for r in rows:
        cue = _span(text, r.cue_start, r.cue_end)
        if cue is None:
            continue
        content = [s for s in (_span(text, s, e) for s, e in (r.content or [])) if s is not None]
        local_id = r.local_id if r.local_id not in attribution_ids else f"{r.local_id}.{r.id}"
        attribution_ids[local_id] = r.id
        attributions.append(
            Attribution(
                id=local_id,
                kind=r.kind if r.kind in ("direct", "indirect", "mixed") else "indirect",
                source=_linked(text, r.source_start, r.source_end, local_of.get(r.source_actor_id)),
                cue=cue,
                content=content,
                addressee=_linked(
                    text, r.addressee_start, r.addressee_end, local_of.get(r.addressee_actor_id)
                ),
                stance=r.stance if r.stance in _STANCES else "neutral",
                confidence=r.confidence,
                parent=r.parent_local_id,
            )
        )
    events = _stored_events(text, event_rows, local_of, set(attribution_ids))
    figures, figure_ids, times = _facts_of(text, facts, {v: k for k, v in attribution_ids.items()})
    places = {
        local_of.get(r.actor_id, r.local_id) if r.actor_id is not None else r.local_id: r for r in facts[2]
    }
    for entity in entities:
        row = places.get(entity.id)
        if row is not None:
            entity.place = Place(
                geonameid=row.geonameid, name=row.name, country=row.country, lat=row.lat, lon=row.lon,
                feature=row.feature,
            )  # fmt: skip
    analysis = Analysis(
        article=ArticleModel(
            title=art.title,
            dek=art.dek,
            authors=list(art.authors or []),
            published=art.published_raw or _iso(art.published),
            outlet=art.outlet,
            url=art.url,
            language=art.language,
            text=text,
        ),
        entities=entities,
        attributions=attributions,
        authorial=[s for s in (_span(text, a, b) for a, b in (art.authorial or [])) if s is not None],
        events=events,
        figures=figures,
        times=times,
    )
    return StoredArticle(
        id=art.id,
        name=art.name,
        copy_of=art.copy_of,
        analysis=analysis,
        actor_ids=dict(actor_of),
        attribution_ids=attribution_ids,
        near_duplicates=duplicates,
        authorial_known=art.authorial is not None,
        figure_ids=figure_ids,
    )


def _stored_facts(conn: sa.Connection, article_id: int) -> tuple[list[Any], list[Any], list[Any]]:
    """An article's figure, time and place rows (``store.facts``), in text order."""
    from newsgraph.store.facts import FIGURES, PLACES, TIMES

    return (
        conn.execute(
            sa.select(FIGURES)
            .where(FIGURES.c.article_id == article_id)
            .order_by(FIGURES.c.start, FIGURES.c.id)
        ).all(),
        conn.execute(
            sa.select(TIMES).where(TIMES.c.article_id == article_id).order_by(TIMES.c.start, TIMES.c.id)
        ).all(),
        conn.execute(sa.select(PLACES).where(PLACES.c.article_id == article_id)).all(),
    )


def _facts_of(
    text: str, facts: tuple[list[Any], list[Any], list[Any]], local_attribution: dict[int, str]
) -> tuple[list[Figure], dict[str, int], list[Time]]:
    """Stored figures and times as models; a row whose offsets no longer fit the text is left out.

    ``local_attribution`` maps attribution row ids to this view's local ids, so ``claimed_by``
    names an attribution of the rebuilt analysis (None: the article's own voice).
    """
    figures: list[Figure] = []
    figure_ids: dict[str, int] = {}
    for r in facts[0]:
        span = _span(text, r.start, r.end)
        if span is None or span.start == span.end:
            continue
        local = r.local_id if r.local_id not in figure_ids else f"{r.local_id}.{r.id}"
        figure_ids[local] = r.id
        figures.append(
            Figure(
                **span.model_dump(),
                id=local,
                value=[r.value, r.value_high] if r.value_high is not None else r.value,
                unit=r.unit,
                change=r.change if r.change in _CHANGES else "=",
                concept=_span(text, r.concept_start, r.concept_end),
                claimed_by=local_attribution.get(r.attribution_id) if r.attribution_id is not None else None,
            )
        )
    times = []
    for r in facts[1]:
        span = _span(text, r.start, r.end)
        if span is not None and span.start < span.end and r.type in _TIME_TYPES:
            times.append(Time(**span.model_dump(), id=r.local_id, type=r.type, value=r.value))
    return figures, figure_ids, times


_CHANGES = frozenset(typing.get_args(Change))
_TIME_TYPES = frozenset(typing.get_args(TimeType))


def _stored_events(
    text: str, rows: list[sa.Row[Any]], local_of: dict[int, str], attributions: set[str]
) -> list[Event]:
    """The stored events as ``Event`` models, their actors as this article's local entity ids."""
    out = []
    for r in rows:
        trigger = _span(text, r.trigger_start, r.trigger_end)
        if trigger is None:
            continue
        time = _span(text, r.time_start, r.time_end)
        out.append(
            Event(
                id=r.local_id,
                type=r.type,
                trigger=trigger,
                agent=_linked(text, r.agent_start, r.agent_end, local_of.get(r.agent_actor_id)),
                target=_linked(text, r.target_start, r.target_end, local_of.get(r.target_actor_id)),
                place=_linked(text, r.place_start, r.place_end, local_of.get(r.place_actor_id)),
                time=TimeRef(**time.model_dump(), value=r.time_value) if time is not None else None,
                negated=bool(r.negated),
                modality=r.modality if r.modality in _MODALITIES else "asserted",
                attribution=r.attribution_local_id if r.attribution_local_id in attributions else None,
                statement=r.statement_local_id if r.statement_local_id in attributions else None,
            )
        )
    return out


_MODALITIES = frozenset({"asserted", "planned", "hypothetical", "requested"})
_STANCES = frozenset({"neutral", "emphatic", "distancing", "assertive", "tentative", "negative"})


def _natural(local_id: str) -> tuple[str, int]:
    """Sort key for entity ids: "E2" before "E10"."""
    digits = local_id.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    return (local_id[: len(local_id) - len(digits)], int(digits) if digits.isdigit() else -1)


def article_exists(store: Store, article_id: int) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(_ART.c.id).where(_ART.c.id == article_id)).first() is not None


def delete_article(store: Store, article_id: int) -> bool:
    """Delete an article and every row that belongs to it, in one transaction; False if absent.

    Removed with it: its events, attributions, mentions and actor titles; quotes that
    no other attribution carries any more (their variants are re-pointed to
    what the quote was a variant of); actors left with no mention, title or
    attribution anywhere (and their aliases). Its near-duplicate copies stay:
    the earliest of them becomes the cluster's original and the others point
    at it, so ``copy_of`` never points at a deleted article. The full-text
    indexes forget the article and its statements (``store.search.unindex_article``).
    """
    from newsgraph.store import facts as store_facts
    from newsgraph.store.search import unindex_article

    # BEGIN IMMEDIATE on SQLite (the store's write option): take the write lock up front.
    with store.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        if conn.execute(sa.select(_ART.c.id).where(_ART.c.id == article_id)).first() is None:
            return False
        art = conn.execute(sa.select(_ART.c.copy_of).where(_ART.c.id == article_id)).one()
        quote_ids = set(
            conn.execute(
                sa.select(_A.c.quote_id).where(_A.c.article_id == article_id, _A.c.quote_id.is_not(None))
            ).scalars()
        )
        actor_ids = set(
            conn.execute(sa.select(_MENTION.c.actor_id).where(_MENTION.c.article_id == article_id)).scalars()
        )
        actor_ids |= set(
            conn.execute(sa.select(_TITLE.c.actor_id).where(_TITLE.c.article_id == article_id)).scalars()
        )
        for r in conn.execute(
            sa.select(_A.c.source_actor_id, _A.c.addressee_actor_id).where(_A.c.article_id == article_id)
        ):
            actor_ids.update(a for a in r if a is not None)

        unindex_article(conn, article_id)
        conn.execute(sa.delete(_EVENT).where(_EVENT.c.article_id == article_id))
        store_facts.delete_article(conn, article_id)  # figures point at the attributions
        conn.execute(sa.delete(_A).where(_A.c.article_id == article_id))
        conn.execute(sa.delete(_MENTION).where(_MENTION.c.article_id == article_id))
        conn.execute(sa.delete(_TITLE).where(_TITLE.c.article_id == article_id))

        # Copies of this article: the earliest becomes the original, the rest point at it.
        copies = list(
            conn.execute(
                sa.select(_ART.c.id).where(_ART.c.copy_of == article_id).order_by(_ART.c.id)
            ).scalars()
        )
        if copies:
            root = art.copy_of  # a copy that was itself a copy: its copies join its original
            if root is None:
                root = copies[0]
                conn.execute(sa.update(_ART).where(_ART.c.id == root).values(copy_of=None))
                copies = copies[1:]
            if copies:
                conn.execute(sa.update(_ART).where(_ART.c.id.in_(copies)).values(copy_of=root))

        for quote_id in sorted(quote_ids):
            used = conn.execute(sa.select(_A.c.id).where(_A.c.quote_id == quote_id).limit(1)).first()
            if used is not None:
                continue
            parent = conn.execute(sa.select(_QUOTE.c.variant_of).where(_QUOTE.c.id == quote_id)).scalar()
            conn.execute(sa.update(_QUOTE).where(_QUOTE.c.variant_of == quote_id).values(variant_of=parent))
            conn.execute(sa.delete(_QUOTE).where(_QUOTE.c.id == quote_id))

        conn.execute(sa.delete(_ART).where(_ART.c.id == article_id))

        for actor_id in sorted(actor_ids):
            still = any(
                conn.execute(stmt.limit(1)).first() is not None
                for stmt in (
                    sa.select(_MENTION.c.article_id).where(_MENTION.c.actor_id == actor_id),
                    sa.select(_TITLE.c.id).where(_TITLE.c.actor_id == actor_id),
                    sa.select(_A.c.id).where(_A.c.source_actor_id == actor_id),
                    sa.select(_A.c.id).where(_A.c.addressee_actor_id == actor_id),
                )
            )
            if not still:
                conn.execute(sa.delete(_ALIAS).where(_ALIAS.c.actor_id == actor_id))
                conn.execute(sa.delete(_ACT).where(_ACT.c.id == actor_id))
    # The write path keeps in-memory near-duplicate indexes that only ever grow; drop them so the
    # next ``Store.add`` rebuilds them from what is stored now (never pointing at a deleted row).
    store.forget_indexes()
    return True


# ---------------------------------------------------------------- search


_LIKE_SPECIAL = re.compile(r"([\\%_])")


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%`` and ``_`` taken literally."""
    return "%" + _LIKE_SPECIAL.sub(r"\\\1", text) + "%"


def search_actors(store: Store, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Actors whose name or an alias contains ``q`` (case-insensitive), most quoted first
    (at most 500 matches by alias and 500 by name are looked at).

    Control characters are dropped first: SQLite's LIKE stops at a NUL, so
    ``q="\x00"`` would otherwise match every actor.
    """
    from newsgraph.store.queries import clean_text

    words = " ".join(clean_text(q).split()).lower()
    if not words:
        return []
    pattern = _like(words)
    with store.engine.connect() as conn:
        ids = set(
            conn.execute(
                sa.select(_ALIAS.c.actor_id).where(_ALIAS.c.alias.like(pattern, escape="\\")).limit(500)
            ).scalars()
        )
        ids |= set(
            conn.execute(
                sa.select(_ACT.c.id).where(sa.func.lower(_ACT.c.name).like(pattern, escape="\\")).limit(500)
            ).scalars()
        )
        if not ids:
            return []
        stats = {
            r[0]: (int(r[1]), r[2], r[3])
            for r in conn.execute(
                sa.select(
                    _A.c.source_actor_id,
                    sa.func.count(),
                    sa.func.min(_A.c.published),
                    sa.func.max(_A.c.published),
                )
                .where(_A.c.source_actor_id.in_(ids))
                .group_by(_A.c.source_actor_id)
            )
        }
        rows = conn.execute(sa.select(_ACT.c.id, _ACT.c.name, _ACT.c.type).where(_ACT.c.id.in_(ids))).all()
    found = []
    for r in rows:
        n, first, last = stats.get(r.id, (0, None, None))
        found.append(
            {
                "actor_id": r.id,
                "name": r.name,
                "type": r.type,
                "statements": n,
                "first": _iso(first),
                "last": _iso(last),
            }
        )
    found.sort(key=lambda a: (-a["statements"], a["name"].casefold(), a["actor_id"]))
    return found[:limit]


def _has_table(store: Store, name: str) -> bool:
    return sa.inspect(store.engine).has_table(name)


def search_articles(
    store: Store,
    q: str,
    *,
    limit: int = 20,
    outlet: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[ArticleSummary]:
    """Articles matching ``q``: full text (FTS5 ``articles_fts``) on SQLite when the store has it,
    else a case-insensitive match in the title. Every word and ``"phrase"`` must occur.

    The SQLite index knows which articles hold which words, not where
    (``detail=none``, see ``store.search``): a phrase of several words is
    looked up as its words, and the hits, newest first, are checked with FTS5
    on their title and text until ``limit`` pass, so the answer is what a
    full-detail index would give."""
    from newsgraph.store.queries import clean_text
    from newsgraph.store.search import Fts5Scratch, article_query, fts5_query, search_terms

    terms = search_terms(clean_text(q))
    if not terms:
        return []
    order = (_ART.c.published.desc().nulls_last(), _ART.c.id.desc())
    also: list[Any] = []  # the articles page's other filters
    if outlet is not None:
        also.append(sa.func.lower(_ART.c.outlet) == " ".join(outlet.split()).lower())
    if since is not None:
        also.append(_ART.c.published >= since)
    if until is not None:
        also.append(_ART.c.published <= until)
    if not (store.dialect == "sqlite" and _has_table(store, "articles_fts")):
        stmt = sa.select(*_summary_columns()).where(*also)
        for term in terms:
            stmt = stmt.where(sa.func.lower(_ART.c.title).like(_like(term.lower()), escape="\\"))
        with store.engine.connect() as conn:
            return [_summary(r) for r in conn.execute(stmt.order_by(*order).limit(limit))]
    with Fts5Scratch(["title", "text"]) as scratch:
        query, check = article_query(terms, scratch)
        matches = (
            sa.select(sa.literal_column("rowid"))
            .select_from(sa.table("articles_fts"))
            .where(sa.text("articles_fts MATCH :fts_query").bindparams(fts_query=query))
        )
        with store.engine.connect() as conn:
            if not check:
                stmt = sa.select(*_summary_columns()).where(_ART.c.id.in_(matches), *also)
                return [_summary(r) for r in conn.execute(stmt.order_by(*order).limit(limit))]
            stmt = (
                sa.select(*_summary_columns(), _ART.c.text)
                .where(_ART.c.id.in_(matches), *also)
                .order_by(*order)
            )
            found: list[ArticleSummary] = []
            done, size = 0, 50
            while len(found) < limit:
                rows = conn.execute(stmt.limit(size).offset(done)).all()
                passed = scratch.matching(fts5_query(terms), [(r.id, r.title, r.text) for r in rows])
                found += [_summary(r) for r in rows if r.id in passed]
                if len(rows) < size:
                    break
                done, size = done + size, min(size * 4, 2000)
            return found[:limit]


# ---------------------------------------------------------------- network


@dataclass(frozen=True)
class Node:
    id: int
    name: str
    type: str
    statements: int
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Edge:
    source: int
    target: int
    kind: str  # "addresses" (source -> target) or "co-quoted" (undirected, source < target)
    count: int


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]
    since: dt.date | None
    until: dt.date | None
    events: list[Any] = field(default_factory=list)  # store.events.EventEdge between the nodes

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "nodes": [
                {
                    "id": n.id,
                    "name": n.name,
                    "type": n.type,
                    "statements": n.statements,
                    "x": round(n.x, 2),
                    "y": round(n.y, 2),
                }
                for n in self.nodes
            ],
            "edges": [
                {"source": e.source, "target": e.target, "kind": e.kind, "count": e.count} for e in self.edges
            ],
            "event_edges": [
                {
                    "source": e.source,
                    "target": e.target,
                    "family": e.family,
                    "count": e.count,
                    "types": {t: n for t, n in e.types},
                }
                for e in self.events
            ],
        }


NETWORK_SIZE = 1000.0
"""The layout's coordinates lie in ``[0, NETWORK_SIZE]`` (the SVG's viewBox)."""


def network(
    store: Store,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    top: int = 40,
    include_copies: bool = True,
) -> Network:
    """The ``top`` actors by statements between ``since`` and ``until``, and the edges between them.

    Edges: ``addresses`` (A's statements have B as addressee; directed, with
    the number of such statements) and ``co-quoted`` (A and B are both
    sources in the same article; with the number of such articles). Event
    arrows (agent -> target, by PLOVER family) join them, and up to
    ``EVENT_ONLY_NODES(top)`` actors who act or are acted on but are not
    among the most quoted get a node too (``statements`` 0 if never quoted),
    so that an army or a leader reported on still has its arrows. Node
    positions come from a deterministic force layout (``layout``) over all of it.
    """
    from newsgraph.store.events import event_actors, event_edges

    where = [_A.c.source_actor_id.is_not(None)]
    if since is not None:
        where.append(_A.c.published >= since)
    if until is not None:
        where.append(_A.c.published <= until)
    base = _A
    if not include_copies:
        base = _A.join(_ART, _ART.c.id == _A.c.article_id)
        where.append(_ART.c.copy_of.is_(None))
    n = sa.func.count().label("n")
    with store.engine.connect() as conn:
        counted = conn.execute(
            sa.select(_A.c.source_actor_id, n)
            .select_from(base)
            .where(*where)
            .group_by(_A.c.source_actor_id)
            .order_by(n.desc(), _A.c.source_actor_id)
            .limit(top)
        ).all()
        ids = [r.source_actor_id for r in counted]
        acting = event_actors(store, since=since, until=until, exclude=ids, top=event_only_nodes(top))
        if not ids and not acting:
            return Network([], [], since, until)
        quoted = dict(
            conn.execute(
                sa.select(_A.c.source_actor_id, n)
                .select_from(base)
                .where(*where, _A.c.source_actor_id.in_([a for a, _ in acting]))
                .group_by(_A.c.source_actor_id)
            ).all()
        )
        counted = [*counted, *(_Counted(a, int(quoted.get(a, 0))) for a, _ in acting)]
        ids = [r.source_actor_id for r in counted]
        names = {
            r.id: r
            for r in conn.execute(sa.select(_ACT.c.id, _ACT.c.name, _ACT.c.type).where(_ACT.c.id.in_(ids)))
        }
        addressed = conn.execute(
            sa.select(_A.c.source_actor_id, _A.c.addressee_actor_id, sa.func.count())
            .select_from(base)
            .where(*where, _A.c.source_actor_id.in_(ids), _A.c.addressee_actor_id.in_(ids))
            .group_by(_A.c.source_actor_id, _A.c.addressee_actor_id)
        ).all()
        pairs = conn.execute(
            sa.select(_A.c.article_id, _A.c.source_actor_id)
            .select_from(base)
            .where(*where, _A.c.source_actor_id.in_(ids))
            .distinct()
        ).all()
    edges = [Edge(int(s), int(t), "addresses", int(c)) for s, t, c in addressed if s != t]
    by_article: dict[int, list[int]] = defaultdict(list)
    for article_id, actor_id in pairs:
        by_article[article_id].append(actor_id)
    together: Counter[tuple[int, int]] = Counter()
    for members in by_article.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                together[(a, b)] += 1
    edges.extend(Edge(a, b, "co-quoted", c) for (a, b), c in together.items())
    edges.sort(key=lambda e: (e.kind, -e.count, e.source, e.target))
    nodes = [
        Node(r.source_actor_id, names[r.source_actor_id].name, names[r.source_actor_id].type, int(r.n))
        for r in counted
        if r.source_actor_id in names
    ]
    events = event_edges(store, [node.id for node in nodes], since=since, until=until)
    links = [(e.source, e.target, e.count) for e in edges] + [(e.source, e.target, e.count) for e in events]
    positions = layout([node.id for node in nodes], links)
    nodes = [Node(node.id, node.name, node.type, node.statements, *positions[node.id]) for node in nodes]
    return Network(nodes, edges, since, until, events)


class _Counted(NamedTuple):
    source_actor_id: int
    n: int


def event_only_nodes(top: int) -> int:
    """How many actors the network adds for their events alone: a quarter of ``top``, at least one."""
    return max(1, top // 4)


def layout(
    ids: list[int], edges: list[tuple[int, int, int]], *, size: float = NETWORK_SIZE, iterations: int = 200
) -> dict[int, tuple[float, float]]:
    """A Fruchterman-Reingold force layout, deterministic (nodes start on a circle in the given order).

    Why our own: a few dozen nodes need a few milliseconds of numpy, and the
    page can then draw the graph server-side as SVG without any script.
    Positions are scaled into ``[margin, size - margin]``.
    """
    import numpy as np

    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (size / 2, size / 2)}
    index = {node: i for i, node in enumerate(ids)}
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    pos = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    # Edge weights in [0.5, 1]: a pair linked a hundred times is pulled closer, not into one point.
    weight = np.zeros((n, n))
    most = max((c for _, _, c in edges), default=1)
    for s, t, c in edges:
        if s in index and t in index and s != t:
            w = 0.5 + 0.5 * math.log1p(c) / math.log1p(most)
            i, j = index[s], index[t]
            weight[i, j] = weight[j, i] = max(weight[i, j], w)
    k = math.sqrt(1.0 / n)  # the ideal distance between neighbours
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist = np.sqrt((delta**2).sum(-1)) + 1e-9
        repulse = (k * k / dist**2)[:, :, None] * delta
        attract = (weight * dist / k)[:, :, None] * delta
        # Gravity towards the centre keeps unconnected actors from drifting off and squeezing the rest.
        gravity = pos * np.sqrt((pos**2).sum(-1))[:, None]
        disp = (repulse - attract).sum(axis=1) - gravity
        length = np.sqrt((disp**2).sum(-1))[:, None] + 1e-9
        pos += disp / length * np.minimum(length, temperature)
        temperature *= 0.98
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    margin = size * 0.08
    scaled = margin + (pos - lo) / span * (size - 2 * margin)
    return {node: (float(scaled[i, 0]), float(scaled[i, 1])) for node, i in index.items()}


def counts(store: Store) -> dict[str, int]:
    """How many articles, attributions and actors the store holds (for the home page)."""
    with store.engine.connect() as conn:
        return {
            "articles": int(conn.execute(sa.select(sa.func.count()).select_from(_ART)).scalar_one()),
            "attributions": int(conn.execute(sa.select(sa.func.count()).select_from(_A)).scalar_one()),
            "actors": int(conn.execute(sa.select(sa.func.count()).select_from(_ACT)).scalar_one()),
        }
