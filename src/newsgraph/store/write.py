"""The write path: analysed articles into the corpus database, one transaction per batch.

Why it looks the way it does: storing must cost a small fraction of the
analysis (a few milliseconds per article against ~150 ms of parsing), and
killing the process at any moment must leave either the whole batch or none
of it. So ``add``

* does the CPU work first (hashes, MinHash signatures, quoted words, identity
  keys), outside the transaction, so the write lock is held only for SQL;
* then, in one transaction, asks the database a handful of set-at-a-time
  questions (``WHERE key IN (...)``: which articles are stored, which actors
  and quotes exist, who shares a surname) and writes every table with one
  bulk ``INSERT`` each, never a query per row, and feeds the full-text
  indexes the statement and article texts (``store.search.index``), so no
  text is stored twice;
* is idempotent: an article whose content hash or URL is stored is skipped,
  and the unique constraints (``articles.content_hash``, ``articles.url``,
  ``actors.key``, ``quotes.key``) catch a concurrent writer storing the same
  thing at the same moment: the batch is rolled back and retried, and the
  retry skips what the other writer stored.

Near duplicates (``articles.copy_of``, ``quotes.variant_of``) are found with
MinHash LSH indexes held in memory on the ``Store`` (``NearDuplicates``),
built on first use from the stored signatures and topped up with rows stored
since, so opening a large corpus stays instant and only the first ``add``
pays for the rebuild. Both point at the *first* member of their cluster, so
"without copies" is simply ``copy_of IS NULL``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, StatementError

from newsgraph.store import facts, identity, schema, search
from newsgraph.store.db import chunks

if TYPE_CHECKING:
    from newsgraph.models import Analysis, Entity
    from newsgraph.store.db import Store
    from newsgraph.store.dedupe import NearDuplicateIndex

RETRIES = 3
"""Attempts at a batch that collides with a concurrent writer (unique constraint) before giving up."""
MIN_ARTICLE_WORDS = 3
"""Articles with fewer words get no near-duplicate search (their signature says nothing)."""
URL_LENGTH = 2048
CONTENT_JOIN = search.CONTENT_JOIN
"""Between the content spans of one attribution in its content text (``store.search``)."""
# fmt: off
_PRONOUNS = frozenset({
    "i", "me", "my", "mine", "we", "us", "our", "ours", "you", "your", "yours", "he", "him", "his", "she",
    "her", "hers", "it", "its", "they", "them", "their", "theirs", "who", "whom", "whose", "this", "that",
    "these", "those",
})
# fmt: on

ARTICLES: Table = schema.Article.__table__  # type: ignore[assignment]
ACTORS: Table = schema.Actor.__table__  # type: ignore[assignment]
ALIASES: Table = schema.ActorAlias.__table__  # type: ignore[assignment]
TITLES: Table = schema.ActorTitle.__table__  # type: ignore[assignment]
MENTIONS: Table = schema.Mention.__table__  # type: ignore[assignment]
QUOTES: Table = schema.Quote.__table__  # type: ignore[assignment]
ATTRIBUTIONS: Table = schema.Attribution.__table__  # type: ignore[assignment]
EVENTS: Table = schema.Event.__table__  # type: ignore[assignment]


def content_hash(text: str) -> str:
    """sha256 hex digest of the exact text: the article's identity in the store.

    ``surrogatepass``: a text with a lone surrogate (which no database can
    store) still gets a hash, so looking it up never fails; storing it then
    fails for that article alone (see ``add``).
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def url_warning(url: str | None, path: str) -> str | None:
    """W011 when ``url`` is too long for the store's column (the article is stored without it)."""
    if url and len(url) > URL_LENGTH:
        from newsgraph.errors import Warnings

        return Warnings.W011.format(path=path, length=len(url), limit=URL_LENGTH)
    return None


@dataclass
class AddResult:
    """What ``Store.add`` did with a batch.

    ``duplicates`` counts the stored articles found to be near-duplicates of an
    earlier one (``copy_of`` set); ``article_ids`` are the stored articles' ids
    in the order given.
    """

    stored: int = 0
    skipped: int = 0
    duplicates: int = 0
    article_ids: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    """``(position in the batch, one-line reason)`` of each article that could not be stored."""

    def merge(self, other: AddResult) -> None:
        self.stored += other.stored
        self.skipped += other.skipped
        self.duplicates += other.duplicates
        self.article_ids += other.article_ids
        self.failed += other.failed


# ---------------------------------------------------------------------------
# Near-duplicate indexes


class NearDuplicates:
    """In-memory LSH indexes over stored article and quote signatures.

    ``refresh`` loads the rows stored since the last call (all of them the
    first time), so the indexes follow what other processes commit too. Only
    committed rows are ever loaded: a rolled-back batch leaves no trace here.
    Each index maps a row to the first member of its cluster (``roots``).
    """

    def __init__(self) -> None:
        self.articles: NearDuplicateIndex | None = None  # keyed by articles.id
        self.quotes: NearDuplicateIndex | None = None  # keyed by quotes.id
        self.article_roots: dict[int, int] = {}
        self.quote_roots: dict[int, int] = {}
        self._article_max = 0
        self._quote_max = 0
        self.rebuild_seconds = 0.0

    def refresh(self, conn: Connection) -> None:
        """Index the rows stored since the last refresh (every row the first time)."""
        from newsgraph.store.dedupe import ARTICLE_THRESHOLD, QUOTE_THRESHOLD

        started = time.perf_counter()
        self.articles, self._article_max = _load(
            conn,
            ARTICLES,
            ARTICLES.c.copy_of,
            self.articles,
            ARTICLE_THRESHOLD,
            self._article_max,
            self.article_roots,
        )
        self.quotes, self._quote_max = _load(
            conn, QUOTES, QUOTES.c.variant_of, self.quotes, QUOTE_THRESHOLD, self._quote_max, self.quote_roots
        )
        self.rebuild_seconds += time.perf_counter() - started


def _load(
    conn: Connection,
    table: Table,
    parent: Any,
    index: NearDuplicateIndex | None,
    threshold: float,
    after: int,
    roots: dict[int, int],
) -> tuple[NearDuplicateIndex, int]:
    """``index`` topped up with the signatures of rows with ids above ``after`` (built if None)."""
    from newsgraph.store.dedupe import NUM_PERM, NearDuplicateIndex

    # The raw driver cursor: at 100,000s of rows SQLAlchemy's per-row result objects
    # cost more than reading them. ``after`` is an int, so formatting it in is safe.
    sql = (
        f"SELECT id, minhash, {parent.name} FROM {table.name} "
        f"WHERE id > {int(after)} AND minhash IS NOT NULL ORDER BY id"
    )
    pairs: list[tuple[int, bytes]] = []
    width = 4 * (index.num_perm if index is not None else NUM_PERM)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(20_000):
            for row_id, sig, parent_id in rows:
                if len(sig) == width:
                    pairs.append((row_id, bytes(sig)))
                    if parent_id is not None:  # a row absent from roots is its own cluster's root
                        roots[row_id] = parent_id
            after = rows[-1][0]
    finally:
        cursor.close()
    if index is None:
        return NearDuplicateIndex.from_signatures(pairs, threshold), after
    for row_id, sig in pairs:
        index.add(row_id, sig)
    return index, after


# ---------------------------------------------------------------------------
# Preparing one article (pure CPU, outside the transaction)


@dataclass
class _Quote:
    position: int  # of the attribution in the analysis
    text: str
    key: str
    signature: bytes


@dataclass
class _Prepared:
    analysis: Analysis
    name: str
    hash: str
    url: str | None
    signature: bytes
    searchable: bool  # enough words for near-duplicate search
    published: dt.date | None
    quotes: list[_Quote]
    position: int = -1  # in the batch given to ``add``


def _published(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _prepare(analysis: Analysis, name: str) -> _Prepared:
    from newsgraph.store import dedupe

    article = analysis.article
    url = article.url if article.url and len(article.url) <= URL_LENGTH else None
    quotes = []
    for position, attribution in enumerate(analysis.attributions):
        quoted = dedupe.quoted_text(analysis, attribution)
        if quoted is not None:
            quotes.append(_Quote(position, quoted, dedupe.quote_key(quoted), dedupe.signature(quoted)))
    return _Prepared(
        analysis=analysis,
        name=(name or article.url or "")[:512],
        hash=content_hash(article.text),
        url=url,
        signature=dedupe.signature(article.text),
        searchable=len(dedupe.normalize(article.text[:2000]).split()) >= MIN_ARTICLE_WORDS,
        published=_published(article.published),
        quotes=quotes,
    )


# ---------------------------------------------------------------------------
# The transaction


def add(store: Store, items: Sequence[tuple[Analysis, str]]) -> AddResult:
    """Store ``(analysis, name)`` pairs in one transaction; see the module docstring.

    One article that cannot be stored (a text the database refuses, such as
    a lone surrogate, or a NUL character on PostgreSQL) fails alone: it is
    listed in ``AddResult.failed`` with its position and the reason, and the
    rest of the batch is stored. The batch is first written in bulk under a
    savepoint; if that fails, it is rolled back to the savepoint and each
    article is written under a savepoint of its own, in the same transaction.

    Raises SQLAlchemy's errors when the database fails (locked past the busy
    timeout, disk full, server gone): then nothing of the batch is stored.
    """
    items = list(items)
    if not items:
        return AddResult()
    # Items stored already are not worth hashing quotes for; the transaction checks again.
    urls, hashes = store.known(
        [a.article.url for a, _ in items], [content_hash(a.article.text) for a, _ in items]
    )
    early = AddResult()
    prepared: list[_Prepared] = []
    for position, (analysis, name) in enumerate(items):
        if analysis.article.url in urls or content_hash(analysis.article.text) in hashes:
            early.skipped += 1
            continue
        try:
            p = _prepare(analysis, name)
        except Exception as exc:  # a text the hashing or the signatures cannot take: this article only
            early.failed.append((position, db_reason(exc)))
            continue
        p.position = position
        prepared.append(p)
    if not prepared:
        return early
    identity.title_words()  # the first call imports the analysis' lexicon: not under the lock
    near = store.near_duplicates
    with store.engine.connect() as conn:
        near.refresh(conn)  # the first call rebuilds: outside the write lock
        conn.rollback()
    for attempt in range(RETRIES):
        try:
            with store.engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
                near.refresh(conn)  # what other writers committed meanwhile (usually nothing)
                result = _add_batch(conn, prepared, near)
        except (IntegrityError, OperationalError) as error:
            store.forget_indexes()  # it may hold rows of the rolled-back transaction
            near = store.near_duplicates
            if attempt == RETRIES - 1 or not _retryable(error):
                raise
            continue
        except BaseException:
            store.forget_indexes()
            raise
        result.merge(early)
        result.failed.sort()
        return result
    raise AssertionError("unreachable")  # pragma: no cover


_DATABASE_FAILURES = (IntegrityError, OperationalError, InterfaceError)
"""Errors about the database or a concurrent writer, not about one article: never per-article failures."""


def _add_batch(conn: Connection, prepared: list[_Prepared], near: NearDuplicates) -> AddResult:
    """The batch under a savepoint; if an article makes it fail, find that article by halving.

    Each half is tried under a savepoint of its own, and a half that fails is
    halved again, down to the single article at fault, which is reported in
    ``failed``; everything else is stored. One bad article in a batch of 32
    costs about ten attempts, not 32. Database failures (and collisions with
    a concurrent writer) are no article's fault: they propagate.
    """
    try:
        with conn.begin_nested():
            return _add(conn, prepared, near)
    except _DATABASE_FAILURES:
        raise
    except Exception as exc:  # rolled back to the savepoint: find the article at fault
        if len(prepared) == 1:
            return AddResult(failed=[(prepared[0].position, db_reason(exc))])
    middle = len(prepared) // 2
    result = _add_batch(conn, prepared[:middle], near)
    # The second half may hold near-copies of the first: index what the first stored (our own
    # transaction sees it; should the transaction fail after all, ``add`` drops the indexes).
    near.refresh(conn)
    result.merge(_add_batch(conn, prepared[middle:], near))
    return result


def db_reason(error: BaseException) -> str:
    """Why a statement failed, in one line: the driver's message, never the SQL statement."""
    orig = getattr(error, "orig", None) if isinstance(error, DBAPIError | StatementError) else None
    shown = orig if orig is not None else error
    message = " ".join(str(shown).split())[:300]
    return f"{type(shown).__name__}: {message}" if message else type(shown).__name__


def _retryable(error: DBAPIError) -> bool:
    """A collision with a concurrent writer, which a fresh attempt resolves.

    A unique constraint hit (the other writer stored the same article, actor
    or quote first), or PostgreSQL breaking a deadlock or a serialisation
    conflict between two batches. "Database is locked" past the busy timeout
    is not retried: the other writer is stuck, and the caller should know.
    """
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def _insert_returning_ids(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` and return their new ids, in the rows' order.

    Why not always ``RETURNING``: asked to keep the parameters' order,
    SQLAlchemy sends SQLite one statement per row, and a 100,000-article
    archive stores millions of attributions. On SQLite a write transaction
    holds the database to itself (this one has written already, or takes the
    lock now), so the ids SQLite would give are known: the next ones after
    the largest, given explicitly and inserted in one ``executemany``.
    """
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        return list(conn.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
    conn.exec_driver_sql(f"UPDATE {table.name} SET id = id WHERE 0")  # take the write lock
    first = (conn.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    ids = list(range(first, first + len(rows)))
    conn.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids, strict=True)])
    return ids


def _insert_ignoring_conflicts(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING``: rows another writer (or an earlier batch) stored are kept."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(insert(table), rows)
        return
    conn.execute(dialect_insert(table).on_conflict_do_nothing(), rows)


def _select_in(conn: Connection, columns: list[Any], column: Any, values: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for part in chunks(values):
        rows.extend(conn.execute(select(*columns).where(column.in_(part))))
    return rows


def _add(conn: Connection, prepared: list[_Prepared], near: NearDuplicates) -> AddResult:
    result = AddResult()
    # 1. Skip what is stored already (and repeats within the batch).
    stored_hashes = {
        h
        for (h,) in _select_in(
            conn, [ARTICLES.c.content_hash], ARTICLES.c.content_hash, [p.hash for p in prepared]
        )
    }
    stored_urls = {
        u for (u,) in _select_in(conn, [ARTICLES.c.url], ARTICLES.c.url, [p.url for p in prepared if p.url])
    }
    todo: list[_Prepared] = []
    for p in prepared:
        if p.hash in stored_hashes or (p.url is not None and p.url in stored_urls):
            result.skipped += 1
            continue
        stored_hashes.add(p.hash)
        if p.url is not None:
            stored_urls.add(p.url)
        todo.append(p)
    if not todo:
        return result

    # 2. Actors: identities, then one look-up and one insert for the batch.
    identities = identity.resolve(
        [(p.hash, p.analysis.entities, p.analysis.article.text) for p in todo],
        lambda words: stored_namesakes(conn, words),
    )
    actor_ids, new_surnames = _actors(conn, identities)

    # 3. Articles, with copy_of for near duplicates.
    now = dt.datetime.now(dt.UTC)
    assert near.articles is not None and near.quotes is not None  # refreshed by add()
    clusters = _Clusters(near.articles, near.article_roots)
    copy_refs = [clusters.assign(p.signature if p.searchable else None) for p in todo]
    rows = [
        {
            "content_hash": p.hash,
            "url": p.url,
            "name": p.name,
            "outlet": (p.analysis.article.outlet or None) and p.analysis.article.outlet[:256],
            "published": p.published,
            "published_raw": (p.analysis.article.published or None) and p.analysis.article.published[:64],
            "title": p.analysis.article.title,
            "dek": p.analysis.article.dek,
            "authors": list(p.analysis.article.authors),
            "language": (p.analysis.article.language or None) and p.analysis.article.language[:16],
            "text": p.analysis.article.text,
            "authorial": [[s.start, s.end] for s in p.analysis.authorial],
            "minhash": p.signature,
            "copy_of": ref[1] if ref is not None and ref[0] == "db" else None,
            "ingested_at": now,
        }
        for p, ref in zip(todo, copy_refs, strict=True)
    ]
    article_ids = _insert_returning_ids(conn, ARTICLES, rows)
    in_batch = [
        {"_id": article_ids[i], "_copy": article_ids[ref[1]]}
        for i, ref in enumerate(copy_refs)
        if ref is not None and ref[0] == "batch"
    ]
    if in_batch:
        conn.execute(
            update(ARTICLES).where(ARTICLES.c.id == bindparam("_id")).values(copy_of=bindparam("_copy")),
            in_batch,
        )
    result.stored = len(todo)
    result.duplicates = sum(ref is not None for ref in copy_refs)
    result.article_ids = article_ids

    # 4. Quotes: exact key first, else a new row (a variant of a near-duplicate one).
    quote_ids = _quotes(conn, todo, near)

    # 5. Mentions, titles, aliases, attributions: one bulk insert each; then the full-text indexes.
    mentions: list[dict[str, Any]] = []
    titles: list[dict[str, Any]] = []
    aliases: dict[tuple[int, str], None] = {}
    attributions: list[dict[str, Any]] = []
    documents: list[search.StatementTexts] = []
    fact_rows = facts.FactRows()
    for position_in_batch, (p, article_id, idents) in enumerate(
        zip(todo, article_ids, identities, strict=True)
    ):
        local = {entity_id: actor_ids[ident.key] for entity_id, ident in idents.items()}
        spans: dict[tuple[str, int], list[list[int]]] = {}  # one row per (entity id, actor)
        for entity in p.analysis.entities:
            actor_id = local[entity.id]
            if entity.mentions:
                spans.setdefault((entity.id[:16], actor_id), []).extend(
                    [m.start, m.end] for m in entity.mentions
                )
            seen: set[str] = set()
            for title in entity.titles:
                folded = title.strip().lower()
                if folded and folded not in seen:
                    seen.add(folded)
                    titles.append(
                        {
                            "actor_id": actor_id,
                            "article_id": article_id,
                            "title": title.strip()[:512],
                            "published": p.published,
                        }
                    )
            for form in _surface_forms(entity):
                aliases[(actor_id, form)] = None
        mentions.extend(
            {"article_id": article_id, "local_id": local_id, "actor_id": actor_id, "spans": where}
            for (local_id, actor_id), where in spans.items()
        )
        facts.add_article(fact_rows, article_id, p.analysis, local, p.published)
        quotes_here = quote_ids[position_in_batch]
        for position, a in enumerate(p.analysis.attributions):
            source, addressee = a.source, a.addressee
            attributions.append(
                {
                    "article_id": article_id,
                    "local_id": a.id[:16],
                    "parent_local_id": a.parent[:16] if a.parent else None,
                    "kind": a.kind,
                    "stance": a.stance,
                    "confidence": a.confidence,
                    "published": p.published,
                    "cue_start": a.cue.start,
                    "cue_end": a.cue.end,
                    "source_start": source.start if source else None,
                    "source_end": source.end if source else None,
                    "source_actor_id": local.get(source.entity) if source and source.entity else None,
                    "addressee_start": addressee.start if addressee else None,
                    "addressee_end": addressee.end if addressee else None,
                    "addressee_actor_id": (
                        local.get(addressee.entity) if addressee and addressee.entity else None
                    ),
                    "content": [[s.start, s.end] for s in a.content],
                    "quote_id": quotes_here.get(position),
                }
            )
            # What the full-text index gets: the texts as the offsets cut them from the article
            # (exactly what ``search.unindex_article`` will hand back to remove them).
            documents.append(
                search.statement_texts(
                    p.analysis.article.text,
                    (a.cue.start, a.cue.end),
                    (source.start, source.end) if source else (None, None),
                    (addressee.start, addressee.end) if addressee else (None, None),
                    [(s.start, s.end) for s in a.content],
                )
            )
    events = [
        row
        for p, article_id, idents in zip(todo, article_ids, identities, strict=True)
        for row in _event_rows(p, article_id, {e: actor_ids[i.key] for e, i in idents.items()})
    ]
    if events:
        conn.execute(insert(EVENTS), events)
    if mentions:
        # In key order: the table is clustered by (article_id, local_id, actor_id) on SQLite, and
        # rows appended in order leave its pages full ("E10" sorts before "E2").
        mentions.sort(key=lambda m: (m["article_id"], m["local_id"], m["actor_id"]))
        conn.execute(insert(MENTIONS), mentions)
    if titles:
        conn.execute(insert(TITLES), titles)
    _insert_ignoring_conflicts(
        conn, ALIASES, [{"actor_id": actor_id, "alias": form} for actor_id, form in aliases]
    )
    attribution_ids = _insert_returning_ids(conn, ATTRIBUTIONS, attributions)
    facts.insert(
        conn,
        fact_rows,
        {
            (row["article_id"], row["local_id"]): (db_id, row["source_actor_id"])
            for row, db_id in zip(attributions, attribution_ids, strict=True)
        },
    )
    search.index(
        conn,
        [
            (i, p.analysis.article.title, p.analysis.article.text)
            for i, p in zip(article_ids, todo, strict=True)
        ],
        list(zip(attribution_ids, documents, strict=True)),
    )
    # 6. A new namesake changes the evidence for the lone surnames stored before: revisit them.
    if new_surnames:
        from newsgraph.store import reidentify

        reidentify.recompute(conn, new_surnames)
    return result


def event_date(value: str | None, published: dt.date | None) -> dt.date | None:
    """The day an event counts on: its time value when that names a day, month or year, else ``published``.

    ``2024-03-26`` is that day, ``2024-03`` and ``2024`` their first day,
    ``2024-W12`` that week's Monday; anything else (``PRESENT_REF``, a
    duration, an unresolved ``XXXX-10-07``) falls back to the publication date.
    """
    if value:
        try:
            if len(value) == 10:
                return dt.date.fromisoformat(value)
            if len(value) == 7 and value[4] == "-" and value[5:].isdigit():
                return dt.date(int(value[:4]), int(value[5:]), 1)
            if len(value) == 4 and value.isdigit():
                return dt.date(int(value), 1, 1)
            if len(value) == 8 and value[4:6] == "-W":
                return dt.date.fromisocalendar(int(value[:4]), int(value[6:]), 1)
        except ValueError:
            pass
    return published


def _event_rows(p: _Prepared, article_id: int, local: dict[str, int]) -> list[dict[str, Any]]:
    """One ``events`` row per event of the analysis, its spans linked to the corpus actors."""
    rows = []
    for e in p.analysis.events:
        row: dict[str, Any] = {
            "article_id": article_id,
            "local_id": e.id[:16],
            "type": e.type[:16],
            "date": event_date(e.time.value if e.time else None, p.published),
            "time_value": (e.time.value or None)[:32] if e.time and e.time.value else None,
            "trigger_start": e.trigger.start,
            "trigger_end": e.trigger.end,
            "time_start": e.time.start if e.time else None,
            "time_end": e.time.end if e.time else None,
            "negated": e.negated,
            "modality": e.modality,
            "attribution_local_id": e.attribution[:16] if e.attribution else None,
            "statement_local_id": e.statement[:16] if e.statement else None,
        }
        for role, span in (("agent", e.agent), ("target", e.target), ("place", e.place)):
            row[f"{role}_start"] = span.start if span else None
            row[f"{role}_end"] = span.end if span else None
            row[f"{role}_actor_id"] = local.get(span.entity) if span and span.entity else None
        rows.append(row)
    return rows


class _Clusters:
    """Assigns each new row of a batch to the first cluster it is a near duplicate of.

    Why the *first* cluster rather than the most similar row: every member
    then points at its cluster's first row, clusters stay flat, and the choice
    depends neither on the order candidates come in nor on the backend, so
    SQLite and PostgreSQL build the same clusters. Stored rows come before the
    batch's; within the batch, earlier rows before later ones.
    """

    def __init__(self, index: NearDuplicateIndex, roots: dict[int, int]) -> None:
        from newsgraph.store.dedupe import NearDuplicateIndex

        self.index = index
        self.roots = roots
        self.batch = NearDuplicateIndex(index.threshold, index.num_perm)
        self.batch_roots: list[tuple[str, int]] = []

    def assign(self, sig: bytes | None) -> tuple[str, int] | None:
        """("db", id) or ("batch", position) of the cluster root, or None; remembers the row."""
        ref: tuple[str, int] | None = None
        if sig is not None:
            stored = [self.roots.get(row_id, row_id) for row_id in self.index.query(sig)]
            if stored:
                ref = ("db", min(stored))
            else:
                earlier = self.batch.query(sig)
                if earlier:
                    ref = self.batch_roots[min(earlier)]
            self.batch.add(len(self.batch_roots), sig)
        self.batch_roots.append(ref if ref is not None else ("batch", len(self.batch_roots)))
        return ref


def _surface_forms(entity: Entity) -> list[str]:
    """The forms an actor is looked up by: its name and the mentions that name it.

    Pronouns and bare titles ("he", "the Secretary") are mentions, not names,
    and lower-case phrases ("the agency") are descriptions; neither is an alias.
    """
    forms = []
    for text in dict.fromkeys([entity.name, *(m.text for m in entity.mentions)]):
        if not any(ch.isupper() for ch in text):
            continue
        ws = identity.words(text)
        if not ws or (len(ws) == 1 and ws[0] in _PRONOUNS):
            continue
        if entity.type == "PERSON" and not identity.person_words(text):
            continue
        form = identity.alias(text)
        if form:
            forms.append(form)
    return forms


def stored_namesakes(conn: Connection, words: set[str]) -> dict[str, list[identity.Candidate]]:
    """The stored full-name people per surname, with what the identity rule weighs.

    Prominence is the number of articles naming each; titles are fetched only
    for surnames two people share (the only case where they can decide).
    """
    people: dict[int, tuple[str, str]] = {}  # actor id -> (key, surname)
    middles: dict[int, str] = {}
    for actor_id, key, last, name in _select_in(
        conn, [ACTORS.c.id, ACTORS.c.key, ACTORS.c.surname, ACTORS.c.name], ACTORS.c.surname, sorted(words)
    ):
        if key.startswith("person:"):
            people[actor_id] = (key, last)
            middles[actor_id] = identity.middle_initials(identity.person_words(name))
    if not people:
        return {}
    counts: dict[int, int] = {}
    for part in chunks(sorted(people)):
        rows = conn.execute(
            select(MENTIONS.c.actor_id, func.count(func.distinct(MENTIONS.c.article_id)))
            .where(MENTIONS.c.actor_id.in_(part))
            .group_by(MENTIONS.c.actor_id)
        )
        counts.update({actor_id: n for actor_id, n in rows})
    per_word: dict[str, list[int]] = {}
    for actor_id, (_, last) in people.items():
        per_word.setdefault(last, []).append(actor_id)
    shared = [actor_id for ids in per_word.values() if len(ids) > 1 for actor_id in ids]
    titles: dict[int, set[str]] = {}
    for part in chunks(shared):
        for actor_id, title in conn.execute(
            select(TITLES.c.actor_id, TITLES.c.title).where(TITLES.c.actor_id.in_(part)).distinct()
        ):
            titles.setdefault(actor_id, set()).update(identity.words(title))
    found: dict[str, list[identity.Candidate]] = {}
    for actor_id, (key, last) in sorted(people.items()):
        found.setdefault(last, []).append(
            identity.Candidate(
                key,
                gender=identity.first_name_gender(key.split(":", 1)[1].split()[0]),
                articles=counts.get(actor_id, 0),
                titles=frozenset(titles.get(actor_id, ())),
                middle=middles[actor_id],
            )
        )
    return found


def _actors(
    conn: Connection, identities: list[dict[str, identity.Identity]]
) -> tuple[dict[str, int], set[str]]:
    """Actor id per identity key, creating the missing actors and lengthening names.

    Also returns the surnames of the people it created (new evidence for lone surnames).
    """
    wanted: dict[str, identity.Identity] = {}
    longest: dict[str, str] = {}
    for idents in identities:
        for ident in idents.values():
            wanted.setdefault(ident.key, ident)
            if ident.lone is None or ident.key.startswith("person?:"):
                name = longest.get(ident.key)
                if name is None or len(ident.name) > len(name):
                    longest[ident.key] = ident.name
    ids: dict[str, int] = {}
    names: dict[str, str] = {}
    for actor_id, key, name in _select_in(
        conn, [ACTORS.c.id, ACTORS.c.key, ACTORS.c.name], ACTORS.c.key, list(wanted)
    ):
        ids[key] = actor_id
        names[key] = name
    new = [
        {
            "key": key,
            "name": longest.get(key, ident.name),
            "type": ident.type[:16],
            "surname": ident.surname if ident.lone is None else None,
        }
        for key, ident in sorted(wanted.items())  # one lock order for all writers: no deadlock here
        if key not in ids
    ]
    new_surnames = {row["surname"] for row in new if row["surname"]}
    if new:
        _insert_ignoring_conflicts(conn, ACTORS, new)
        for actor_id, key, name in _select_in(
            conn, [ACTORS.c.id, ACTORS.c.key, ACTORS.c.name], ACTORS.c.key, [row["key"] for row in new]
        ):
            ids[key] = actor_id
            names[key] = name
    renamed = [
        {"_id": ids[key], "_name": name}
        for key, name in longest.items()
        if key in names and len(name) > len(names[key])
    ]
    if renamed:
        conn.execute(
            update(ACTORS).where(ACTORS.c.id == bindparam("_id")).values(name=bindparam("_name")), renamed
        )
    return ids, new_surnames


def _quotes(conn: Connection, todo: list[_Prepared], near: NearDuplicates) -> list[dict[int, int]]:
    """Per article of ``todo``: quote id per attribution position; new quotes are inserted."""
    first: dict[str, _Quote] = {}
    for p in todo:
        for q in p.quotes:
            first.setdefault(q.key, q)
    ids: dict[str, int] = dict(
        (key, quote_id)
        for quote_id, key in _select_in(conn, [QUOTES.c.id, QUOTES.c.key], QUOTES.c.key, list(first))
    )
    new = [q for key, q in first.items() if key not in ids]
    clusters = _Clusters(near.quotes, near.quote_roots)
    refs = [clusters.assign(q.signature) for q in new]
    if new:
        _insert_ignoring_conflicts(
            conn,
            QUOTES,
            [
                {
                    "key": q.key,
                    "text": q.text,
                    "minhash": q.signature,
                    "variant_of": ref[1] if ref is not None and ref[0] == "db" else None,
                }
                for q, ref in zip(new, refs, strict=True)
            ],
        )
        for quote_id, key in _select_in(
            conn, [QUOTES.c.id, QUOTES.c.key], QUOTES.c.key, [q.key for q in new]
        ):
            ids[key] = quote_id
        in_batch = [
            {"_id": ids[q.key], "_variant": ids[new[ref[1]].key]}
            for q, ref in zip(new, refs, strict=True)
            if ref is not None and ref[0] == "batch"
        ]
        if in_batch:
            conn.execute(
                update(QUOTES)
                .where(QUOTES.c.id == bindparam("_id"))
                .values(variant_of=bindparam("_variant")),
                in_batch,
            )
    out: list[dict[int, int]] = []
    for p in todo:
        out.append({q.position: ids[q.key] for q in p.quotes if q.key in ids})
    return out
