"""The corpus database: SQLAlchemy 2 tables for articles, actors, attributions and quotes.

Why this shape: every stored statement must be showable in context and
verifiable, so attributions keep character offsets into ``articles.text``
(the exact analysed text) rather than copies cut loose from it. Actors are
corpus-wide (one row per person or organisation across all articles, see
``store.identity``); each article's mentions point at them. Quotes are
corpus-wide too: the same quoted words in forty syndicated articles are one
``quotes`` row with forty attributions pointing at it. Near-duplicate
articles (wire copy) point at their cluster's first article through
``articles.copy_of``, so every count can be taken with or without copies.

Why it is compact (migration 0004; the target is a SQLite file at most three
times the raw text): nothing is stored twice. Statement texts (cue, source,
addressee, content) are not columns: they are cut from the article text by
their offsets when read, which is also what keeps them exact. On SQLite the
article text itself is zlib-compressed (``ArticleText``; PostgreSQL compresses
long values itself), a mention row holds all the spans of one entity in one
article, and indexes over mostly-NULL columns are partial. Full-text search is
fed by the write path (``store.search``), not copied into columns.

The schema is created and changed only by the Alembic migrations in
``store/migrations``; this module is their single source of truth.
"""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class Base(DeclarativeBase):
    pass


def compress_text(value: str) -> bytes:
    """The text as SQLite stores it in ``articles.text``: UTF-8, zlib-compressed (a BLOB)."""
    return zlib.compress(value.encode("utf-8"))


def decompress_text(value: bytes | str) -> str:
    """``compress_text`` undone; a ``str`` (a value stored uncompressed) is returned as it is."""
    if isinstance(value, str):
        return value
    return zlib.decompress(value).decode("utf-8")


class ArticleText(TypeDecorator[str]):
    """An article's text: zlib-compressed on SQLite, plain ``TEXT`` on PostgreSQL.

    Why: the text is the largest thing stored and news prose compresses to
    about 45% of its size; PostgreSQL already compresses long values (TOAST),
    and keeps the text plain for its full-text expression index. The column is
    declared ``TEXT`` on both, so a SQLite file holds BLOBs in a TEXT column
    (SQLite stores a BLOB as given): read it through newsgraph, or with
    ``zlib.decompress(blob).decode()``. Reading also accepts plain text.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return compress_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return decompress_text(bytes(value) if isinstance(value, memoryview) else value)


class StoredDate(TypeDecorator[dt.date]):
    """A date: ``DATE`` on PostgreSQL, the integer ``YYYYMMDD`` on SQLite (``20240302``).

    Why: SQLite has no date type, and SQLAlchemy's default stores ``"2024-03-02"``,
    eleven bytes, in every attribution row and in two of its indexes; four bytes
    sort and compare the same (migration 0004). The column stays declared
    ``DATE``; ISO text (stored before 0004) still reads back.
    """

    impl = Date
    cache_ok = True

    # On SQLite these replace the DATE type's own processing (ISO text) altogether.
    def bind_processor(self, dialect: Dialect) -> Any:
        return _date_to_int if dialect.name == "sqlite" else super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        return _int_to_date if dialect.name == "sqlite" else super().result_processor(dialect, coltype)


def _date_to_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return int(value.year * 10_000 + value.month * 100 + value.day)


def _int_to_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):  # stored before migration 0004
        return dt.date.fromisoformat(value[:10])
    return dt.date(value // 10_000, value // 100 % 100, value % 100)


class Coded(TypeDecorator[str]):
    """A word from a short fixed list: the word on PostgreSQL, its position in the list on SQLite.

    Why: every attribution row has a kind and a stance; on SQLite the digit
    ("1" for "indirect") takes one byte against seven or eight for the word
    (migration 0004). A word not in the list is stored as the word, so a newer
    analysis with a new kind or stance still stores. The lists may only ever
    grow at the end (and stay under ten words): stored digits must keep
    meaning what they meant.
    """

    impl = String
    cache_ok = True

    def __init__(self, words: tuple[str, ...], length: int = 16) -> None:
        super().__init__(length)
        self.words = words
        self._code = {word: i for i, word in enumerate(words)}

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        code = self._code.get(value)
        return value if code is None else str(code)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, str) and len(value) == 1 and value.isdigit() and int(value) < len(self.words):
            return self.words[int(value)]
        return value


KINDS = ("direct", "indirect", "mixed")
"""``attributions.kind`` on SQLite: "0", "1", "2" (append only, see ``Coded``)."""
STANCES = ("neutral", "emphatic", "distancing", "assertive", "tentative", "negative")
"""``attributions.stance`` on SQLite: "0" to "5" (append only, see ``Coded``)."""


class Article(Base):
    """One analysed article and the exact text its offsets refer to."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the text
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(512))  # the input's name (file stem, record id)
    outlet: Mapped[str | None] = mapped_column(String(256), index=True)
    published: Mapped[dt.date | None] = mapped_column(StoredDate, index=True)
    published_raw: Mapped[str | None] = mapped_column(String(64))  # as given (date or timestamp)
    title: Mapped[str | None] = mapped_column(Text)
    dek: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(ArticleText)  # compressed on SQLite (migration 0004)
    authorial: Mapped[list[list[int]] | None] = mapped_column(JSON)  # [[start, end], ...] (migration 0002)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # signature for near-duplicate search
    copy_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), index=True)
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    attributions: Mapped[list[Attribution]] = relationship(back_populates="article")
    mentions: Mapped[list[Mention]] = relationship(back_populates="article")


class Actor(Base):
    """A person, organisation, place or group, one row across the whole corpus."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)  # identity key, see store.identity
    name: Mapped[str] = mapped_column(String(512), index=True)  # canonical (longest full name seen)
    type: Mapped[str] = mapped_column(String(16))
    # A PERSON named in full: its normalised last name, so a lone surname finds its namesakes.
    surname: Mapped[str | None] = mapped_column(String(256), index=True)

    aliases: Mapped[list[ActorAlias]] = relationship(back_populates="actor")
    titles: Mapped[list[ActorTitle]] = relationship(back_populates="actor")


class ActorAlias(Base):
    """A form the actor appears under ("Austin", "Lloyd Austin"), lower-cased, for lookup."""

    __tablename__ = "actor_aliases"
    __table_args__ = (UniqueConstraint("actor_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Looked up by actor through the unique (actor_id, alias) index (its own index went in 0004).
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    alias: Mapped[str] = mapped_column(String(512), index=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class ActorTitle(Base):
    """A title or role an article gave the actor, with when: titles change over time."""

    __tablename__ = "actor_titles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    title: Mapped[str] = mapped_column(String(512))
    published: Mapped[dt.date | None] = mapped_column(StoredDate)

    actor: Mapped[Actor] = relationship(back_populates="titles")


class Mention(Base):
    """Where an article mentions an actor: every span of one analysed entity, in one row.

    ``spans`` lists ``[start, end]`` offsets into the article text, in the
    order the analysis gave them; the mention texts are the text cut there.
    One row per (article, entity, actor) rather than per mention (migration
    0004): a third of the rows, and no copy of the mentioned words. On SQLite
    the table is clustered by its primary key (``WITHOUT ROWID``), so an
    article's mentions are read without an index of their own.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        PrimaryKeyConstraint("article_id", "local_id", "actor_id"),
        {"sqlite_with_rowid": False},
    )

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    local_id: Mapped[str] = mapped_column(String(16))  # the entity id within the analysis ("E3")
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    spans: Mapped[list[list[int]]] = mapped_column(JSON)  # [[start, end], ...]

    article: Mapped[Article] = relationship(back_populates="mentions")


class Quote(Base):
    """Quoted words, one row however many articles carry them (matched after normalisation)."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the normalised text
    text: Mapped[str] = mapped_column(Text)  # as first seen (its normalised form is dedupe.normalize(text))
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    variant_of: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"), index=True)  # near-duplicate


_SOURCE = "source_actor_id IS NOT NULL"
_ADDRESSEE = "addressee_actor_id IS NOT NULL"
_QUOTED = "quote_id IS NOT NULL"


class Attribution(Base):
    """Who said what to whom in one article; every span as offsets into ``articles.text``.

    The texts of the spans are not stored: ``store.search.statement_texts``
    cuts them from the article text (the content spans joined with " … ").
    """

    __tablename__ = "attributions"
    __table_args__ = (
        # One index for everything asked per speaker: their statements newest first
        # (source, published), and the actor page's counts by article and addressee, read from
        # the index alone. Partial: a third of the attributions have no known source.
        Index(
            "ix_attributions_source",
            "source_actor_id",
            "published",
            "article_id",
            "addressee_actor_id",
            sqlite_where=text(_SOURCE),
            postgresql_where=text(_SOURCE),
        ),
        # Partial too: almost no statement has an addressee, most quote nothing.
        Index(
            "ix_attributions_addressee_actor_id",
            "addressee_actor_id",
            sqlite_where=text(_ADDRESSEE),
            postgresql_where=text(_ADDRESSEE),
        ),
        Index(
            "ix_attributions_quote_id", "quote_id", sqlite_where=text(_QUOTED), postgresql_where=text(_QUOTED)
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # "A3" within the analysis
    parent_local_id: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(Coded(KINDS))  # a number on SQLite (see KINDS)
    stance: Mapped[str] = mapped_column(Coded(STANCES))  # a number on SQLite (see STANCES)
    confidence: Mapped[float] = mapped_column(Float)
    published: Mapped[dt.date | None] = mapped_column(StoredDate, index=True)  # the article's: fast filters
    cue_start: Mapped[int] = mapped_column(Integer)
    cue_end: Mapped[int] = mapped_column(Integer)
    source_start: Mapped[int | None] = mapped_column(Integer)
    source_end: Mapped[int | None] = mapped_column(Integer)
    source_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    addressee_start: Mapped[int | None] = mapped_column(Integer)
    addressee_end: Mapped[int | None] = mapped_column(Integer)
    addressee_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    content: Mapped[list[list[int]]] = mapped_column(JSON)  # [[start, end], ...]
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"))

    article: Mapped[Article] = relationship(back_populates="attributions")


MODALITIES = ("asserted", "planned", "hypothetical", "requested")
"""``events.modality`` on SQLite: "0" to "3" (append only, see ``Coded``)."""

_AGENT = "agent_actor_id IS NOT NULL"
_TARGET = "target_actor_id IS NOT NULL"
_PLACE = "place_actor_id IS NOT NULL"
_DYAD = "agent_actor_id IS NOT NULL AND target_actor_id IS NOT NULL"


class Event(Base):
    """Who did what to whom, where and when in one article, coded in PLOVER (migration 0007).

    Spans are offsets into ``articles.text``, like the attributions'; the
    actors are the corpus-wide ones. ``date`` is what event data counts by:
    the event's own time value when it names a day (a month or a year counts
    as its first day), else the article's publication date; ``time_value``
    keeps the value as the analysis gave it. ``attribution_local_id`` is the
    attribution it is reported in (None: the article's own voice).
    """

    __tablename__ = "events"
    __table_args__ = (
        Index(
            "ix_events_agent",
            "agent_actor_id",
            "date",
            sqlite_where=text(_AGENT),
            postgresql_where=text(_AGENT),
        ),
        Index(
            "ix_events_target",
            "target_actor_id",
            "date",
            sqlite_where=text(_TARGET),
            postgresql_where=text(_TARGET),
        ),
        Index(  # a place's events newest first, as for agents and targets (0009)
            "ix_events_place",
            "place_actor_id",
            "date",
            sqlite_where=text(_PLACE),
            postgresql_where=text(_PLACE),
        ),
        Index("ix_events_type_date", "type", "date"),
        Index(  # the network's event arrows: who did what to whom, read from the index alone (0008)
            "ix_events_dyad",
            "agent_actor_id",
            "target_actor_id",
            "type",
            sqlite_where=text(_DYAD),
            postgresql_where=text(_DYAD),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # "V3" within the analysis
    type: Mapped[str] = mapped_column(String(16))  # PLOVER type
    date: Mapped[dt.date | None] = mapped_column(StoredDate, index=True)
    time_value: Mapped[str | None] = mapped_column(String(32))
    trigger_start: Mapped[int] = mapped_column(Integer)
    trigger_end: Mapped[int] = mapped_column(Integer)
    agent_start: Mapped[int | None] = mapped_column(Integer)
    agent_end: Mapped[int | None] = mapped_column(Integer)
    agent_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    target_start: Mapped[int | None] = mapped_column(Integer)
    target_end: Mapped[int | None] = mapped_column(Integer)
    target_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    place_start: Mapped[int | None] = mapped_column(Integer)
    place_end: Mapped[int | None] = mapped_column(Integer)
    place_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    time_start: Mapped[int | None] = mapped_column(Integer)
    time_end: Mapped[int | None] = mapped_column(Integer)
    negated: Mapped[bool] = mapped_column(Boolean, default=False)
    modality: Mapped[str] = mapped_column(Coded(MODALITIES))
    attribution_local_id: Mapped[str | None] = mapped_column(String(16))
    statement_local_id: Mapped[str | None] = mapped_column(String(16))


# ---------------------------------------------------------------- facts (migration 0006)

_CLAIMED = "speaker_actor_id IS NOT NULL"


class FigureRow(Base):
    """A figure an article states, with who claims it: the claims ledger (migration 0006).

    Offsets index ``articles.text``; the figure's and the concept's words are
    cut from it when read, as for statements. ``attribution_id`` is the
    attribution whose content holds the figure (``None``: the article's own
    voice) and ``speaker_actor_id`` that attribution's source actor, copied
    here so "every figure X put forward" is one index range. ``value`` is the
    number or a range's low end, ``value_high`` a range's high end.
    """

    __tablename__ = "figures"
    __table_args__ = (
        Index(
            "ix_figures_speaker",
            "speaker_actor_id",
            "published",
            sqlite_where=text(_CLAIMED),
            postgresql_where=text(_CLAIMED),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # "F3" within the analysis
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(128), index=True)
    change: Mapped[str] = mapped_column(String(8))
    concept_start: Mapped[int | None] = mapped_column(Integer)
    concept_end: Mapped[int | None] = mapped_column(Integer)
    attribution_id: Mapped[int | None] = mapped_column(ForeignKey("attributions.id"), index=True)
    speaker_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"))
    published: Mapped[dt.date | None] = mapped_column(StoredDate, index=True)  # the article's


# The /claims list by unit, newest first, reads this index in order (migration 0010): units are compared
# folded to lower case, as ``store.facts.claims`` does.
Index("ix_figures_unit_published", func.lower(FigureRow.unit), FigureRow.published)
# The articles' own figures (``author_only``), newest first (migration 0010).
Index(
    "ix_figures_own_voice",
    FigureRow.published,
    sqlite_where=text("coalesce(attribution_id, 0) = 0"),
    postgresql_where=text("coalesce(attribution_id, 0) = 0"),
)


class TimeRow(Base):
    """A normalised time expression of an article (TIMEX3 type and value; migration 0006)."""

    __tablename__ = "times"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # "T2" within the analysis
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64), index=True)


class PlaceRow(Base):
    """Where a place actor of one article is: its GeoNames record (migration 0006).

    Per article, not per actor: "Georgia" may be the state in one article and
    the country in the next.
    """

    __tablename__ = "places"
    __table_args__ = (PrimaryKeyConstraint("article_id", "local_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    local_id: Mapped[str] = mapped_column(String(16))  # the entity id within the analysis ("E3")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    geonameid: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(256))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    feature: Mapped[str] = mapped_column(String(8))
