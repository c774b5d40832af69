"""Identities recomputed over stored rows: the identity rule run again with today's evidence.

Why: ``store.identity`` decides a lone surname ("Clinton") by evidence (who
bears that surname in the corpus, how often, beside whom), and evidence grows
with every article. ``recompute`` rebuilds each stored article's entities from
its mention rows (the spans cut from the article text, the titles stored for
them), runs ``identity`` over the whole corpus at once (every article sees the
same candidates, so the result does not depend on the order articles came in),
and moves mentions, statements, titles and aliases to the actors that result.
Actors left with nothing are deleted.

Two callers: migration 0005 (the whole corpus, after the rule changed) and
``store.write`` after a batch that brings a new person of a surname already
stored (``words``: only the articles that name someone of those surnames, and
only their lone surnames and campaigns are re-keyed). A revisit for words whose
articles exceed ``REVISIT_LIMIT`` is skipped in the write path (the next full
recompute takes it up): a batch must not rewrite half of a 100k-article corpus.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, inspect, select, update

from newsgraph.models import Entity, Span
from newsgraph.store import identity, schema
from newsgraph.store.db import chunks
from newsgraph.store.write import _PRONOUNS, _surface_forms

REVISIT_LIMIT = 2000
"""The most articles a write-path revisit reads (see the module docstring)."""

ARTICLES: Table = schema.Article.__table__  # type: ignore[assignment]
ACTORS: Table = schema.Actor.__table__  # type: ignore[assignment]
ALIASES: Table = schema.ActorAlias.__table__  # type: ignore[assignment]
TITLES: Table = schema.ActorTitle.__table__  # type: ignore[assignment]
MENTIONS: Table = schema.Mention.__table__  # type: ignore[assignment]
ATTRIBUTIONS: Table = schema.Attribution.__table__  # type: ignore[assignment]
EVENTS: Table = schema.Event.__table__  # type: ignore[assignment]
FIGURES: Table = schema.FigureRow.__table__  # type: ignore[assignment]
PLACES: Table = schema.PlaceRow.__table__  # type: ignore[assignment]


def _has(conn: Connection, table: Table) -> bool:
    """Whether ``table`` exists yet: migration 0005 runs this before 0006 and 0007 add facts and events."""
    return inspect(conn).has_table(table.name)


def _entity_name(texts: list[str], type_: str) -> str:
    """The entity's name as the analysis gives it: its longest proper mention, titles aside."""
    from newsgraph.analysis.actors import TITLE_WORDS

    best, best_key = "", (0, 0)
    for text in texts:
        ws = text.split()
        if not text[:1].isupper() or text.lower() in _PRONOUNS:
            continue
        if type_ == "PERSON" and any(w.lower() in TITLE_WORDS or w.lower() == "the" for w in ws):
            continue
        key = (len(ws), len(text))
        if key > best_key:
            best, best_key = text, key
    return best


def recompute(conn: Connection, words: Iterable[str] | None = None) -> int:
    """Re-run the identity rule over stored rows; returns how many entities changed actor.

    ``words`` None: the whole corpus. Otherwise only the articles naming a
    person (or a lone surname) of those surnames, and only their lone
    surnames and campaigns change.
    """
    wanted = None if words is None else set(words)
    actors = (
        {
            row.id: row
            for row in conn.execute(
                select(ACTORS.c.id, ACTORS.c.key, ACTORS.c.type, ACTORS.c.name, ACTORS.c.surname)
            )
        }
        if wanted is None
        else {}
    )
    if wanted is not None:
        ids = set()
        keys = [f"{kind}:{w}" for w in wanted for kind in ("person?", "org")]
        for part in chunks(sorted(wanted)):
            ids.update(conn.scalars(select(ACTORS.c.id).where(ACTORS.c.surname.in_(part))))
        for part in chunks(keys):
            ids.update(conn.scalars(select(ACTORS.c.id).where(ACTORS.c.key.in_(part))))
        article_ids: set[int] = set()
        for part in chunks(sorted(ids)):
            article_ids.update(
                conn.scalars(select(MENTIONS.c.article_id).where(MENTIONS.c.actor_id.in_(part)))
            )
        if not article_ids or len(article_ids) > REVISIT_LIMIT:
            return 0
    else:
        article_ids = set(conn.scalars(select(ARTICLES.c.id)))

    # 1. The stored entities of those articles, rebuilt from their mention rows.
    rows: list[Any] = []
    for part in chunks(sorted(article_ids)):
        rows.extend(
            conn.execute(
                select(
                    MENTIONS.c.article_id, MENTIONS.c.local_id, MENTIONS.c.actor_id, MENTIONS.c.spans
                ).where(MENTIONS.c.article_id.in_(part))
            )
        )
    actor_ids = {r.actor_id for r in rows}
    if wanted is not None:
        for part in chunks(sorted(actor_ids)):
            for row in conn.execute(
                select(ACTORS.c.id, ACTORS.c.key, ACTORS.c.type, ACTORS.c.name, ACTORS.c.surname).where(
                    ACTORS.c.id.in_(part)
                )
            ):
                actors[row.id] = row
    titles: dict[tuple[int, int], list[str]] = defaultdict(list)
    for part in chunks(sorted(article_ids)):
        for article_id, actor_id, title in conn.execute(
            select(TITLES.c.article_id, TITLES.c.actor_id, TITLES.c.title).where(
                TITLES.c.article_id.in_(part)
            )
        ):
            titles[(article_id, actor_id)].append(title)
    texts: dict[int, str] = {}
    for part in chunks(sorted(article_ids)):
        for article_id, text in conn.execute(
            select(ARTICLES.c.id, ARTICLES.c.text).where(ARTICLES.c.id.in_(part))
        ):
            texts[article_id] = text

    per_article: dict[int, list[tuple[Entity, Any]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r.article_id, _local_order(r.local_id), r.actor_id)):
        actor = actors[r.actor_id]
        entity = stored_entity(
            r.local_id, actor.type, actor.key, actor.name, titles.get((r.article_id, r.actor_id), []),
            _spans(r.spans), texts[r.article_id],
        )
        if entity is not None:
            per_article[r.article_id].append((entity, r))

    # 2. Candidates: every full-name person of these articles, with all the evidence at once.
    identified: dict[int, list[tuple[Entity, identity.Identity, Any]]] = {}
    for article_id, pairs in per_article.items():
        identified[article_id] = [(e, identity.identify(e, f"{article_id}"), r) for e, r in pairs]
    known: dict[str, dict[str, identity.Candidate]] = defaultdict(dict)
    genders: dict[str, Counter[str]] = defaultdict(Counter)
    middles: dict[str, Counter[str]] = defaultdict(Counter)
    for article_id, triples in identified.items():
        text = texts[article_id]
        people = {i.key for _, i, _ in triples if i.surname}
        for entity, ident, _ in triples:
            if not ident.surname:
                continue
            cand = known[ident.surname].setdefault(ident.key, identity.Candidate(ident.key))
            gender, title_set = identity.entity_evidence(entity, text)
            if gender:
                genders[ident.key][gender] += 1
            if ident.middle:
                middles[ident.key][ident.middle] += 1
            cand.titles = cand.titles | title_set
        for key in people:
            cand = known[_surname_of(key)][key]
            cand.articles += 1
            for other in people - {key}:
                cand.beside[other] = cand.beside.get(other, 0) + 1
    for by_key in known.values():
        for key, cand in by_key.items():
            settle(cand, genders.get(key), middles.get(key))

    # 3. Resolve each article again and note what moves.
    moves: dict[tuple[int, str, int], identity.Identity] = {}
    for article_id, triples in identified.items():
        resolved = identity.resolve_article([(e, i) for e, i, _ in triples], texts[article_id], known)
        for entity, ident, r in triples:
            new = resolved[entity.id]
            old = actors[r.actor_id]
            if wanted is not None and not (
                (ident.lone and ident.lone in wanted) or (ident.owner and ident.owner[-1] in wanted)
            ):
                continue
            if "@" in new.key.split(":", 1)[0]:
                continue  # a local key (a group): keep the stored one (it names the content hash)
            if new.key != old.key:
                moves[(article_id, r.local_id, r.actor_id)] = new
    if moves:
        _apply(conn, moves, per_article, texts)
    return len(moves)


def stored_entity(
    local_id: str, kind: str, key: str, actor_name: str, titles: list[str], spans: list[tuple[int, int]],
    text: str,
) -> Entity | None:
    """An article entity as the stored rows give it back, or None when its actor is never re-keyed.

    Only people, groups, one-word organisations ("org:rubio": a person may
    claim it) and unresolved campaigns are revisited. The name is the entity's
    longest proper mention (``_entity_name``), the titles those stored for it.
    Shared with the Spark job (``spark.corpus``), which decides identities as
    a full recompute does.
    """
    lone_org = kind == "ORG" and " " not in key
    if kind not in ("PERSON", "GROUP") and not lone_org and not key.endswith(" campaign"):
        return None
    mentions = [Span(start=s, end=e, text=text[s:e]) for s, e in spans if 0 <= s < e <= len(text)]
    seen_titles = titles if kind == "PERSON" else []
    name = _entity_name([m.text for m in mentions], kind) or actor_name
    return Entity(id=local_id, name=name, type=kind, titles=seen_titles, mentions=mentions)


def settle(
    cand: identity.Candidate, genders: Counter[str] | None, middles: Counter[str] | None
) -> identity.Candidate:
    """A candidate's gender and middle initials from the votes of all its full-name mentions.

    The first name decides the gender when the name lists know it; otherwise
    the honorific and pronoun votes, with a clear majority (more than twice
    the next). The middle initials are the commonest (first counted on ties).
    """
    if middles:
        cand.middle = middles.most_common(1)[0][0]
    cand.gender = identity.first_name_gender(cand.key.split(":", 1)[1].split()[0])
    if cand.gender is None and genders:
        top = genders.most_common(2)
        if len(top) == 1 or top[0][1] > 2 * top[1][1]:
            cand.gender = top[0][0]
    return cand


def _surname_of(key: str) -> str:
    return identity.surname(key.split(":", 1)[1].split()) or ""


def _local_order(local_id: str) -> tuple[int, str]:
    return (int(local_id[1:]) if local_id[1:].isdigit() else 1 << 30, local_id)


def _spans(value: Any) -> list[tuple[int, int]]:
    import json

    if isinstance(value, str):
        value = json.loads(value)
    return [(int(s), int(e)) for s, e in value]


def _apply(
    conn: Connection,
    moves: dict[tuple[int, str, int], identity.Identity],
    per_article: dict[int, list[tuple[Entity, Any]]],
    texts: dict[int, str],
) -> None:
    """Move mentions, statements, titles and aliases to the new actors; drop emptied actors."""
    # the actors the moves need
    want = {ident.key: ident for ident in moves.values()}
    ids: dict[str, int] = {}
    for part in chunks(sorted(want)):
        ids.update(
            {
                key: i
                for i, key in conn.execute(select(ACTORS.c.id, ACTORS.c.key).where(ACTORS.c.key.in_(part)))
            }
        )
    new_rows = [
        {
            "key": key,
            "name": ident.name,
            "type": ident.type[:16],
            "surname": ident.surname if ident.lone is None else None,
        }
        for key, ident in sorted(want.items())
        if key not in ids
    ]
    if new_rows:
        conn.execute(insert(ACTORS), new_rows)
        for part in chunks([r["key"] for r in new_rows]):
            ids.update(
                {
                    key: i
                    for i, key in conn.execute(
                        select(ACTORS.c.id, ACTORS.c.key).where(ACTORS.c.key.in_(part))
                    )
                }
            )
    entities = {(a, r.local_id, r.actor_id): (e, r) for a, pairs in per_article.items() for e, r in pairs}
    touched: set[int] = set()
    linked = [t for t in (EVENTS, FIGURES, PLACES) if _has(conn, t)]
    for (article_id, local_id, old_id), ident in sorted(moves.items()):
        new_id = ids[ident.key]
        touched.update((old_id, new_id))
        entity, row = entities[(article_id, local_id, old_id)]
        spans = _spans(row.spans)
        conn.execute(
            delete(MENTIONS).where(
                MENTIONS.c.article_id == article_id,
                MENTIONS.c.local_id == local_id,
                MENTIONS.c.actor_id == old_id,
            )
        )
        existing = conn.execute(
            select(MENTIONS.c.spans).where(
                MENTIONS.c.article_id == article_id,
                MENTIONS.c.local_id == local_id,
                MENTIONS.c.actor_id == new_id,
            )
        ).scalar_one_or_none()
        if existing is None:
            conn.execute(
                insert(MENTIONS),
                [
                    {
                        "article_id": article_id,
                        "local_id": local_id,
                        "actor_id": new_id,
                        "spans": [list(s) for s in spans],
                    }
                ],
            )
        else:
            conn.execute(
                update(MENTIONS)
                .where(
                    MENTIONS.c.article_id == article_id,
                    MENTIONS.c.local_id == local_id,
                    MENTIONS.c.actor_id == new_id,
                )
                .values(spans=[list(s) for s in _spans(existing)] + [list(s) for s in spans])
            )
        # statements whose source (or addressee) span lies on one of this entity's mentions
        others = [
            _spans(r.spans)
            for e, r in per_article[article_id]
            if r.actor_id == old_id and r.local_id != local_id
        ]
        for role in ("source", "addressee"):
            actor_col = ATTRIBUTIONS.c[f"{role}_actor_id"]
            start_col, end_col = ATTRIBUTIONS.c[f"{role}_start"], ATTRIBUTIONS.c[f"{role}_end"]
            for attribution_id, start, end in conn.execute(
                select(ATTRIBUTIONS.c.id, start_col, end_col).where(
                    ATTRIBUTIONS.c.article_id == article_id, actor_col == old_id
                )
            ):
                if others and not _covers(spans, start, end) and any(_covers(o, start, end) for o in others):
                    continue  # another entity of the old actor in this article said it
                conn.execute(
                    update(ATTRIBUTIONS)
                    .where(ATTRIBUTIONS.c.id == attribution_id)
                    .values({actor_col: new_id})
                )
        if linked:
            _move_links(conn, article_id, local_id, old_id, new_id, spans, others)
        if not others:
            conn.execute(
                update(TITLES)
                .where(TITLES.c.article_id == article_id, TITLES.c.actor_id == old_id)
                .values(actor_id=new_id)
            )
        else:
            for title in entity.titles:
                conn.execute(
                    update(TITLES)
                    .where(
                        TITLES.c.article_id == article_id,
                        TITLES.c.actor_id == old_id,
                        TITLES.c.title == title,
                    )
                    .values(actor_id=new_id)
                )
    _refresh_actors(conn, touched)


def _move_links(
    conn: Connection,
    article_id: int,
    local_id: str,
    old_id: int,
    new_id: int,
    spans: list[tuple[int, int]],
    others: list[list[tuple[int, int]]],
) -> None:
    """Events' agents, targets and places, figures' speakers and resolved places follow the move."""
    for role in ("agent", "target", "place"):
        actor_col = EVENTS.c[f"{role}_actor_id"]
        start_col, end_col = EVENTS.c[f"{role}_start"], EVENTS.c[f"{role}_end"]
        for event_id, start, end in conn.execute(
            select(EVENTS.c.id, start_col, end_col).where(
                EVENTS.c.article_id == article_id, actor_col == old_id
            )
        ):
            if others and not _covers(spans, start, end) and any(_covers(o, start, end) for o in others):
                continue  # another entity of the old actor in this article
            conn.execute(update(EVENTS).where(EVENTS.c.id == event_id).values({actor_col: new_id}))
    conn.execute(
        update(PLACES)
        .where(PLACES.c.article_id == article_id, PLACES.c.local_id == local_id, PLACES.c.actor_id == old_id)
        .values(actor_id=new_id)
    )
    # a figure's speaker is its attribution's source, copied: copy it again
    speaker = (
        select(ATTRIBUTIONS.c.source_actor_id)
        .where(ATTRIBUTIONS.c.id == FIGURES.c.attribution_id)
        .scalar_subquery()
    )
    conn.execute(
        update(FIGURES)
        .where(FIGURES.c.article_id == article_id, FIGURES.c.speaker_actor_id == old_id)
        .values(speaker_actor_id=speaker)
    )


def _covers(spans: list[tuple[int, int]], start: int | None, end: int | None) -> bool:
    if start is None or end is None:
        return False
    return any(s < end and start < e for s, e in spans)


def _refresh_actors(conn: Connection, actor_ids: set[int]) -> None:
    """Aliases rebuilt from the mentions; names lengthened; actors with nothing left deleted."""
    events = _has(conn, EVENTS)
    for actor_id in sorted(actor_ids):
        rows = list(
            conn.execute(
                select(MENTIONS.c.article_id, MENTIONS.c.local_id, MENTIONS.c.spans).where(
                    MENTIONS.c.actor_id == actor_id
                )
            )
        )
        used = (
            rows
            or conn.execute(
                select(ATTRIBUTIONS.c.id)
                .where(
                    (ATTRIBUTIONS.c.source_actor_id == actor_id)
                    | (ATTRIBUTIONS.c.addressee_actor_id == actor_id)
                )
                .limit(1)
            ).first()
            or (
                events
                and conn.execute(
                    select(EVENTS.c.id)
                    .where(
                        (EVENTS.c.agent_actor_id == actor_id)
                        | (EVENTS.c.target_actor_id == actor_id)
                        | (EVENTS.c.place_actor_id == actor_id)
                    )
                    .limit(1)
                ).first()
            )
        )
        if not used:
            conn.execute(delete(ALIASES).where(ALIASES.c.actor_id == actor_id))
            conn.execute(delete(TITLES).where(TITLES.c.actor_id == actor_id))
            conn.execute(delete(ACTORS).where(ACTORS.c.id == actor_id))
            continue
        key, type_, name = conn.execute(
            select(ACTORS.c.key, ACTORS.c.type, ACTORS.c.name).where(ACTORS.c.id == actor_id)
        ).one()
        forms: dict[str, None] = {}
        longest = name
        by_article: dict[int, list[Any]] = defaultdict(list)
        for r in rows:
            by_article[r.article_id].append(r)
        for part in chunks(sorted(by_article)):
            for article_id, text in conn.execute(
                select(ARTICLES.c.id, ARTICLES.c.text).where(ARTICLES.c.id.in_(part))
            ):
                for r in by_article[article_id]:
                    mentions = [Span(start=s, end=e, text=text[s:e]) for s, e in _spans(r.spans)]
                    entity_name = _entity_name([m.text for m in mentions], type_)
                    entity = Entity(id=r.local_id, name=entity_name or name, type=type_, mentions=mentions)
                    forms.update(dict.fromkeys(_surface_forms(entity)))
                    full = key.startswith("person:") and len(identity.person_words(entity_name)) > 1
                    if full and (len(entity_name) > len(longest) or not identity.person_words(longest)[1:]):
                        longest = entity_name
        conn.execute(delete(ALIASES).where(ALIASES.c.actor_id == actor_id))
        if forms:
            conn.execute(insert(ALIASES), [{"actor_id": actor_id, "alias": f} for f in forms])
        if longest != name:
            conn.execute(
                update(ACTORS).where(ACTORS.c.id == actor_id).values(name=longest[: identity.NAME_LENGTH])
            )
