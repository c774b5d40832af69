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

The schema is created and changed only by the Alembic migrations in
``store/migrations``; this module is their single source of truth.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Article(Base):
    """One analysed article and the exact text its offsets refer to."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the text
    url: Mapped[str | None] = mapped_column(String(2048), unique=True)
    name: Mapped[str] = mapped_column(String(512))  # the input's name (file stem, record id)
    outlet: Mapped[str | None] = mapped_column(String(256), index=True)
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)
    published_raw: Mapped[str | None] = mapped_column(String(64))  # as given (date or timestamp)
    title: Mapped[str | None] = mapped_column(Text)
    dek: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
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
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    alias: Mapped[str] = mapped_column(String(512), index=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases")


class ActorTitle(Base):
    """A title or role an article gave the actor, with when: titles change over time."""

    __tablename__ = "actor_titles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    title: Mapped[str] = mapped_column(String(512))
    published: Mapped[dt.date | None] = mapped_column(Date)

    actor: Mapped[Actor] = relationship(back_populates="titles")


class Mention(Base):
    """One mention of an actor in an article, with offsets into the article text."""

    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # the entity id within the analysis ("E3")
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="mentions")


class Quote(Base):
    """Quoted words, one row however many articles carry them (matched after normalisation)."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the normalised text
    text: Mapped[str] = mapped_column(Text)  # as first seen
    normalized: Mapped[str] = mapped_column(Text)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    variant_of: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"), index=True)  # near-duplicate


class Attribution(Base):
    """Who said what to whom in one article; every span as offsets into ``articles.text``."""

    __tablename__ = "attributions"
    __table_args__ = (
        Index("ix_attributions_source_published", "source_actor_id", "published"),
        # Covers what `newsgraph actor` counts per speaker (outlets, copies, addressees) without
        # reading the wide attribution rows: 130 ms -> ~30 ms for the most quoted actor at 100k articles.
        Index("ix_attributions_source_article", "source_actor_id", "article_id", "addressee_actor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    local_id: Mapped[str] = mapped_column(String(16))  # "A3" within the analysis
    parent_local_id: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    stance: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    published: Mapped[dt.date | None] = mapped_column(Date, index=True)  # the article's, for fast filters
    cue_start: Mapped[int] = mapped_column(Integer)
    cue_end: Mapped[int] = mapped_column(Integer)
    cue_text: Mapped[str] = mapped_column(String(512))
    source_start: Mapped[int | None] = mapped_column(Integer)
    source_end: Mapped[int | None] = mapped_column(Integer)
    source_text: Mapped[str | None] = mapped_column(Text)
    source_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    addressee_start: Mapped[int | None] = mapped_column(Integer)
    addressee_end: Mapped[int | None] = mapped_column(Integer)
    addressee_text: Mapped[str | None] = mapped_column(Text)
    addressee_actor_id: Mapped[int | None] = mapped_column(ForeignKey("actors.id"), index=True)
    content: Mapped[list[list[int]]] = mapped_column(JSON)  # [[start, end], ...]
    content_text: Mapped[str] = mapped_column(Text)  # the content spans joined, for search and display
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"), index=True)

    article: Mapped[Article] = relationship(back_populates="attributions")
