"""Opening the corpus database: URLs, engine settings, migrations, and the ``Store`` handle.

Why migrations on open: a corpus lives for years while newsgraph changes, so
the schema is versioned with Alembic, and every ``open_store`` brings the
database to the current version before anything reads or writes it (a no-op
costing a few milliseconds when it is already there). The migration scripts
ship inside the package; no ``alembic.ini`` is needed.

SQLite is the embedded default. Its settings are chosen for one writer (the
ingest process) and many readers: WAL journal (readers never block the writer),
``synchronous=NORMAL`` (safe in WAL: a power cut can lose the last commits but
never corrupt the file), foreign keys enforced, and a busy timeout so a second
writer waits instead of failing. Write transactions start with ``BEGIN
IMMEDIATE``: they take the write lock up front rather than failing half-way
when another process got it first. A new file gets 16 KiB pages: an article
row (its compressed text, a couple of KiB) then shares its page with others
instead of leaving a third of a 4 KiB page empty, and the full-text index
segments pack tighter (about 3% of the file).

JSON columns are written without spaces (``[[12,17]]``): offsets lists are
most of some rows.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.store import schema
from newsgraph.store.search import FTS_TABLES

if TYPE_CHECKING:
    from alembic.config import Config

    from newsgraph.models import Analysis
    from newsgraph.store.write import AddResult, NearDuplicates

DEFAULT_URL = "sqlite:///newsgraph.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
_PG_MIGRATION_LOCK = 0x6E657773  # pg_advisory_xact_lock key: one migrating process at a time
_IN_CHUNK = 5_000  # values per "IN (...)": below every backend's parameter limit
PAGE_SIZE = 16_384
"""Bytes per page of a new SQLite file (see the module docstring)."""
COMPACT_AFTER = "0004"
"""An upgrade from before this revision ends with a VACUUM (SQLite), giving back what it freed."""

# Full-text search on PostgreSQL over articles: an expression GIN index (created by the
# initial migration). A query must use exactly this expression for the index to apply:
#   WHERE <PG_ARTICLES_TSVECTOR> @@ websearch_to_tsquery('simple', :q)
# Statements have a table of their own, attributions_fts (see store.search).
PG_ARTICLES_TSVECTOR = (
    # left(): a tsvector holds at most 1 MB; 200,000 characters of an article is plenty to find it.
    "to_tsvector('simple'::regconfig, left(coalesce(title, '') || ' ' || text, 200000))"
)


def normalize_url(url: str | Path | None) -> str:
    """A SQLAlchemy URL for what the user typed.

    None is ``newsgraph.db`` in the current directory; a plain path is a
    SQLite file; ``postgresql://`` and ``postgres://`` use the psycopg 3 driver.
    """
    if url is None:
        return DEFAULT_URL
    url = str(url)
    if url == ":memory:":
        return "sqlite://"
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def shown_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would COMMIT before DDL and never
    # BEGIN IMMEDIATE; turn it off and let the "begin" hook below do it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")  # a new file only; a no-op on an existing one
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MB page cache per connection
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


def _sqlite_begin(conn: Any) -> None:
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def make_engine(url: str) -> Engine:
    """An engine for ``url`` (already normalised) with newsgraph's connection settings."""
    engine = create_engine(url, json_serializer=_compact_json)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the packaged migrations (for developers writing new ones).

    ``alembic`` commands work with it from Python, e.g.
    ``command.revision(alembic_config("sqlite:///dev.db"), "add x", autogenerate=True)``.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """Objects the migrations create that the models do not describe (full-text search).

    Used by ``env.py`` so autogenerate neither drops nor re-creates them.
    """
    if name is None:
        return True
    if type_ == "table":
        return not any(name == t or name.startswith(t + "_") for t in FTS_TABLES)
    if type_ == "index":
        return not name.endswith("_fts")
    return True


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema in one transaction (``alembic upgrade head``).

    Two processes opening a new database at once are serialised: SQLite by
    ``BEGIN IMMEDIATE``, PostgreSQL by an advisory lock; the second finds the
    schema in place and does nothing. A SQLite file upgraded from before
    ``COMPACT_AFTER`` (which drops copied text) is then compacted (``compact``).
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    config = alembic_config()
    with engine.connect().execution_options(sqlite_immediate=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    if engine.dialect.name == "sqlite" and before is not None and before < COMPACT_AFTER:
        compact(engine)


def compact(engine: Engine) -> bool:
    """Rewrite a SQLite file without its free pages, with ``PAGE_SIZE`` pages (``VACUUM``).

    Why after migration 0004: it frees about half of an older file's pages,
    which SQLite would otherwise keep in the file for later rows. Needs the
    file to itself for a moment (leaving WAL mode to change the page size);
    when another connection holds it, the page size stays and only the
    ``VACUUM`` runs, and if even that cannot, the file stays as it is (still
    correct, only bigger). Returns whether it was compacted.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return False
    engine.dispose()  # this process's idle connections must not hold the file
    raw = engine.raw_connection()
    cursor = raw.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete":
            cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")
        cursor.execute("VACUUM")
        return True
    except sqlite3.Error:  # busy or locked: the file stays as it is, correct and only bigger
        return False
    finally:
        with contextlib.suppress(sqlite3.Error):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
        raw.close()


def current_revision(engine: Engine) -> str | None:
    """The schema version the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def open_store(url: str | Path | None = None) -> Store:
    """Open (creating or upgrading as needed) the corpus database at ``url``.

    Raises ``NewsgraphError`` (E030) when the database cannot be opened or
    migrated: a bad URL, an unreachable server, a file that is no database, or
    a database written by a newer newsgraph.
    """
    full = normalize_url(url)
    try:
        engine = make_engine(full)
    except (ArgumentError, ImportError, ValueError) as e:
        raise NewsgraphError(Errors.E030, path=shown_url(full), reason=_reason(e)) from None
    try:
        upgrade(engine)
    except Exception as e:  # alembic and the drivers raise many kinds; all mean "cannot open"
        engine.dispose()
        raise NewsgraphError(Errors.E030, path=shown_url(full), reason=_reason(e)) from None
    return Store(engine)


def _reason(error: BaseException) -> str:
    if isinstance(error, SQLAlchemyError) and getattr(error, "orig", None) is not None:
        error = error.orig  # type: ignore[assignment]
    message = " ".join(str(error).split()) or type(error).__name__
    return message[:300]


def _storable(value: str) -> bool:
    """Whether every database can take ``value`` as a string parameter (UTF-8, no NUL)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def chunks(values: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices small enough for one ``IN (...)`` clause."""
    for i in range(0, len(values), size):
        yield values[i : i + size]


class Store:
    """An open corpus database: the engine plus the write path's in-memory indexes.

    Use as a context manager or call ``close()``. Reading goes through
    ``session()`` (or ``engine`` directly); writing through ``add``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=False)
        self.dialect: str = engine.dialect.name
        self._sessions = sessionmaker(engine)
        self._near: NearDuplicates | None = None

    def __repr__(self) -> str:
        return f"Store({shown_url(self.url)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release every connection (the in-memory indexes are dropped with them)."""
        self.forget_indexes()
        self.engine.dispose()

    def forget_indexes(self) -> None:
        """Drop the in-memory near-duplicate indexes; the next ``add`` rebuilds them from the rows.

        Why: they only ever grow, so after rows are deleted they could point a
        new copy at an article that no longer exists.
        """
        self._near = None

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session in one transaction: committed at the end, rolled back on an error."""
        with self._sessions.begin() as session:
            yield session

    def known(self, urls: Iterable[str | None], hashes: Iterable[str]) -> tuple[set[str], set[str]]:
        """Which of these URLs and content hashes are already stored."""
        articles = schema.Article.__table__
        # A URL no database can hold (a lone surrogate, a NUL) is stored by no one: not worth
        # asking about, and asking would fail the whole look-up rather than that one article.
        url_list = sorted({u for u in urls if u and _storable(u)})
        hash_list = sorted(set(hashes))
        found_urls: set[str] = set()
        found_hashes: set[str] = set()
        with self.engine.connect() as conn:
            for part in chunks(url_list):
                found_urls.update(conn.scalars(select(articles.c.url).where(articles.c.url.in_(part))))
            for part in chunks(hash_list):
                found_hashes.update(
                    conn.scalars(select(articles.c.content_hash).where(articles.c.content_hash.in_(part)))
                )
        return found_urls, found_hashes

    def add(self, items: Sequence[tuple[Analysis, str]]) -> AddResult:
        """Store analysed articles, ``(analysis, name)`` pairs, in one transaction.

        See ``newsgraph.store.write.add``.
        """
        from newsgraph.store.write import add

        return add(self, items)

    @property
    def near_duplicates(self) -> NearDuplicates:
        """The near-duplicate indexes over stored articles and quotes, built on first use."""
        if self._near is None:
            from newsgraph.store.write import NearDuplicates

            self._near = NearDuplicates()
        return self._near
