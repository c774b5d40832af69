"""Typed results of an analysis: what the JSON output, the store and the views share.

Why pydantic: one definition gives validation, ``model_dump()`` for the JSON
format documented in the README, and type hints for library users. Every span
carries character offsets into ``Article.text`` (the exact text analysed), and
``Article.text[span.start:span.end] == span.text`` holds for every span;
``Analysis.check_offsets()`` verifies it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["direct", "indirect", "mixed"]
Change = Literal["=", "~", ">", "<", ">=", "<=", "up", "down"]
TimeType = Literal["DATE", "TIME", "DURATION", "SET"]
Modality = Literal["asserted", "planned", "hypothetical", "requested"]
Stance = Literal["neutral", "emphatic", "distancing", "assertive", "tentative", "negative"]


class Span(BaseModel):
    """A stretch of the article text: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


class LinkedSpan(Span):
    """A span that refers to an actor (``entity`` is an ``Entity.id`` or None)."""

    entity: str | None = None


class Place(BaseModel):
    """The GeoNames record a place actor resolves to (offline gazetteer)."""

    geonameid: int
    name: str
    country: str | None  # ISO 3166-1 alpha-2
    lat: float
    lon: float
    feature: str  # GeoNames feature class: A (country, state, region), P (city, village), ...


class Entity(BaseModel):
    """An actor: a person, organisation, place or group, with every mention of it."""

    id: str
    name: str
    type: str
    titles: list[str] = Field(default_factory=list)
    mentions: list[Span] = Field(default_factory=list)
    place: Place | None = None  # places only: where it is, when the gazetteer knows it


class Figure(Span):
    """A quantity the article states: "nearly 40 times", "$1.2bn", "1.5 million Palestinians"."""

    id: str
    value: float | list[float]  # a number, or [low, high] for a range
    unit: str | None = None  # "percent", "dollar", "person", "year", ...; None for a bare count
    change: Change = "="
    concept: Span | None = None  # what it counts or measures, when the text says
    claimed_by: str | None = None  # the attribution whose content holds it; None: the author's own voice


class Time(Span):
    """A time expression, normalised as TimeML TIMEX3 does against the publication date."""

    id: str
    type: TimeType
    value: str  # "2024-03-26", "2023-10", "P6D", "PRESENT_REF", "XXXX-10-07" when unresolved


class TimeRef(Span):
    """A time expression an event points to, with its normalised value."""

    value: str | None = None


class Event(BaseModel):
    """Who did what to whom, where and when, coded in PLOVER (../shared/events/guidelines.md)."""

    id: str
    type: str  # one of PLOVER's 16 types, e.g. "CONSULT", "ASSAULT", "REJECT"
    trigger: Span
    agent: LinkedSpan | None = None
    target: LinkedSpan | None = None
    place: LinkedSpan | None = None
    time: TimeRef | None = None
    negated: bool = False
    modality: Modality = "asserted"
    attribution: str | None = None  # the attribution it sits inside; None: the article's own voice
    statement: str | None = None  # a verbal event ("accused", "called for"): the attribution it also is


class Attribution(BaseModel):
    """Someone (source) said (cue) something (content), perhaps to someone (addressee)."""

    id: str
    kind: Kind
    source: LinkedSpan | None
    cue: Span
    content: list[Span]
    addressee: LinkedSpan | None = None
    stance: Stance = "neutral"
    confidence: float = 1.0
    parent: str | None = None  # id of the attribution this one is nested in


class Article(BaseModel):
    """The article as read: its metadata and the exact text that was analysed."""

    title: str | None = None
    dek: str | None = None
    authors: list[str] = Field(default_factory=list)
    published: str | None = None
    outlet: str | None = None
    url: str | None = None
    language: str | None = None
    text: str


class Analysis(BaseModel):
    """Everything newsgraph found in one article."""

    article: Article
    entities: list[Entity] = Field(default_factory=list)
    attributions: list[Attribution] = Field(default_factory=list)
    authorial: list[Span] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    times: list[Time] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    def spans(self) -> list[Span]:
        """Every span in the analysis, for offset checks."""
        out: list[Span] = []
        for entity in self.entities:
            out.extend(entity.mentions)
        for a in self.attributions:
            out.append(a.cue)
            out.extend(a.content)
            out.extend(s for s in (a.source, a.addressee) if s is not None)
        out.extend(self.authorial)
        for figure in self.figures:
            out.append(figure)
            if figure.concept is not None:
                out.append(figure.concept)
        out.extend(self.times)
        for event in self.events:
            out.append(event.trigger)
            out.extend(s for s in (event.agent, event.target, event.place, event.time) if s is not None)
        return out

    def check_offsets(self) -> None:
        """Raise ``ValueError`` if any span's text differs from the article text at its offsets."""
        text = self.article.text
        for span in self.spans():
            if not (0 <= span.start <= span.end <= len(text)) or text[span.start : span.end] != span.text:
                raise ValueError(f"span {span.start}-{span.end} {span.text!r} does not match the text")
