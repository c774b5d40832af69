"""Who is who across the corpus: the identity rule that turns article actors into corpus actors.

The analysis clusters actors *within* one article ("Lloyd Austin", "Defense
Secretary Lloyd Austin" and "Austin" are entity E2 there). The store has to
decide which corpus actor each article entity is, article after article, with
no coreference model and without ever merging two different people. The rule:

* **People named in full** are keyed by their normalised full name,
  ``person:<name>``: case-folded, accents stripped, possessive ("'s") dropped,
  honorifics and abbreviated titles (Mr., Mrs., Dr., Sen., Gov., Gen.) removed,
  and a leading title phrase ("Defense Secretary", "President") removed as long
  as a full name (two words or more) remains. So "Lloyd Austin", "Defense
  Secretary Lloyd Austin" and "Mr. Lloyd Austin" are all ``person:lloyd austin``,
  and an article's "Austin", already clustered to "Lloyd Austin" by the
  analysis, comes along with its entity. Suffixes stay in the key: "Donald
  Trump Jr." is not "Donald Trump". Middle names and initials stay too, so
  "George W. Bush" and "George H. W. Bush" stay apart (the price: "Lloyd J.
  Austin" is a separate actor from "Lloyd Austin").
* **A person named by one word only** in an article (a surname, "Harlow", with
  no full name in that article) joins the corpus person whose last name is that
  word *if exactly one such person exists* when the article is stored. With no
  namesake, or with two or more ("Bill Harlow" and "Jane Harlow"), or when the
  same article names a different person with that surname (the analysis kept
  them apart for a reason), it becomes the actor ``person?:<word>``, shared by
  every such ambiguous mention, and is never merged into one of the namesakes.
  The decision is taken when the article is stored and not revisited: a lone
  "Harlow" that joined Bill Harlow stays with him when a Jane Harlow turns up
  later, and ``person?:harlow`` is not split retroactively.
* **Organisations, places, nationalities** are keyed by type and normalised
  name: ``org:pentagon`` for "the Pentagon" and "Pentagon" (leading "the" and
  periods dropped), with a few standard aliases ("US", "U.S.", "USA", "the
  United States" are ``gpe:united states``; see ``ALIASES``). The type is part of
  the key, because a city and a team, or a person and a town, share names.
* **Groups** ("officials", "Democratic aides") are not identities: their key
  includes the article's content hash and the entity id
  (``group@<hash>:E5``), so two articles' "officials" are never one actor. A
  person whose name is nothing but titles ("the Secretary") is treated the same
  way (``person@<hash>:E3``). One exception: a "group" named by one capitalised
  word ("Delane said ...", a surname the NER missed at the start of a sentence)
  joins the corpus person of that surname when there is exactly one, like a
  lone surname; otherwise it stays the article's own group.

Everything here is pure (no database): ``store.write`` feeds it the namesakes it
looked up, so the rule can be tested on invented names alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from newsgraph.models import Entity

KEY_LENGTH = 512  # actors.key column
NAME_LENGTH = 512  # actors.name and actor_aliases.alias columns
SURNAME_LENGTH = 256  # actors.surname column

ALIASES = {
    "us": "united states",
    "usa": "united states",
    "united states of america": "united states",
    "uk": "united kingdom",
    "britain": "united kingdom",
    "great britain": "united kingdom",
    "un": "united nations",
    "eu": "european union",
    "ussr": "soviet union",
}
"""Normalised names that are one place or body whatever the spelling ("U.S." -> "us")."""

# Abbreviated titles and honorifics: always dropped, whatever is left ("Mr. Harlow" -> "harlow").
# fmt: off
HONORIFIC_WORDS = frozenset({
    "mr", "mrs", "ms", "mx", "miss", "dr", "sen", "rep", "gov", "lt", "gen", "adm", "col", "capt", "sgt",
    "cpl", "maj", "prof", "pres", "supt", "rev", "fr", "atty", "sir", "dame", "lord", "lady", "madam",
})
# fmt: on
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
_GROUP_TYPES = frozenset({"GROUP"})
_PERSON = "PERSON"
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*|&")
_POSSESSIVE = re.compile(r"'s?$")
_DISPLAY_POSSESSIVE = re.compile(r"(?<=\w)['’‘]s?$")


@lru_cache(maxsize=1)
def title_words() -> frozenset[str]:
    """The analysis' own title lexicon, periods dropped ("sen." -> "sen").

    Imported on first use: ``newsgraph.analysis.actors`` pulls in spaCy, which the
    query commands that import the store never need.
    """
    from newsgraph.analysis.actors import HONORIFICS, TITLE_WORDS

    words = {w.rstrip(".") for w in TITLE_WORDS | HONORIFICS}
    words |= {"former", "acting", "interim", "then", "vice", "deputy", "assistant", "senior"}
    return frozenset(words) | HONORIFIC_WORDS


def _fold(text: str) -> str:
    """Case-folded, accents stripped, curly apostrophes made straight."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The normalised words of a name: folded, periods dropped, possessive stripped."""
    folded = _POSSESSIVE.sub("", _fold(text).strip().rstrip(".,;:").strip())
    return _WORD.findall(folded.replace(".", ""))


def person_words(name: str) -> list[str]:
    """A person's name words without honorifics or a leading title phrase.

    "Defense Secretary Lloyd Austin" -> ["lloyd", "austin"]; "Mr. Harlow" ->
    ["harlow"]; "Dean Baker" stays whole (dropping the title-like "Dean" would
    leave one word, and a first name is likelier than a title there).
    """
    ws = [w for w in words(name) if w != "the"]
    titles = title_words()
    # Honorifics anywhere before the last word go ("Sen. Bill Harlow", "Bill 'Sen.' Harlow" rare).
    while len(ws) > 1 and ws[0] in HONORIFIC_WORDS:
        ws = ws[1:]
    # A title phrase goes when a full name remains after it: "Defense Secretary Lloyd Austin".
    last_title = max((i for i, w in enumerate(ws[:-2]) if w in titles), default=-1)
    if last_title >= 0:
        rest = ws[last_title + 1 :]
        if rest and rest[0] == "of":  # "Secretary of Defense Lloyd Austin": keep the name at the end
            rest = rest[-2:]
        ws = rest
    while len(ws) > 1 and ws[0] in HONORIFIC_WORDS:
        ws = ws[1:]
    if ws and all(w in titles for w in ws):
        return []  # "the Secretary": a role, not a name
    return ws


def surname(name_words: Sequence[str]) -> str | None:
    """The last name of a full name (suffixes skipped): "donald trump jr" -> "trump"."""
    ws = list(name_words)
    while len(ws) > 2 and ws[-1] in SUFFIXES:
        ws.pop()
    return ws[-1] if len(ws) >= 2 else None


def org_name(name: str) -> str:
    """An organisation's or place's normalised name: "the U.S." -> "united states"."""
    ws = words(name)
    if len(ws) > 1 and ws[0] == "the":
        ws = ws[1:]
    joined = " ".join(ws)
    return ALIASES.get(joined, joined)


@dataclass(frozen=True)
class Identity:
    """A corpus actor as decided for one article entity.

    ``surname`` is set for a person named in full (so later lone surnames can
    find it); ``lone`` is set for an actor named by one word, which ``resolve``
    may re-key to the one person of that surname; otherwise ``key`` stands.
    """

    key: str
    type: str
    name: str
    surname: str | None = None
    lone: str | None = None


def identify(entity: Entity, article_hash: str) -> Identity:
    """The identity of one entity before corpus look-ups (a lone surname's key is provisional)."""
    # the display name without a possessive the analysis left on ("Norvik’s", "Norvik‘s")
    name = _DISPLAY_POSSESSIVE.sub("", " ".join(entity.name.split()))[:NAME_LENGTH] or entity.id
    local = f"{entity.type.lower()}@{article_hash}:{entity.id}"[:KEY_LENGTH]
    if entity.type in _GROUP_TYPES:
        # "Delane said": a sentence-initial surname the NER missed reaches the store as a
        # one-word group. It may join a person (see resolve), never a namesake-less actor.
        ws = words(entity.name)
        if len(ws) == 1 and entity.name[:1].isupper() and ws[0] not in title_words():
            return Identity(local, entity.type, name, lone=ws[0])
        return Identity(local, entity.type, name)
    if entity.type == _PERSON:
        ws = person_words(entity.name)
        if not ws:
            return Identity(local, entity.type, name)
        if len(ws) == 1:
            return Identity(f"person?:{ws[0]}"[:KEY_LENGTH], entity.type, name, lone=ws[0])
        last = surname(ws)
        return Identity(
            f"person:{' '.join(ws)}"[:KEY_LENGTH],
            entity.type,
            name,
            surname=last[:SURNAME_LENGTH] if last else None,
        )
    normalised = org_name(entity.name)
    if not normalised:
        return Identity(local, entity.type, name)
    if name[:4].lower() == "the " and len(name) > 4:
        name = name[4:]  # "the Pentagon" is shown as "Pentagon", like its key
    return Identity(f"{entity.type.lower()}:{normalised}"[:KEY_LENGTH], entity.type, name)


Namesakes = Callable[[set[str]], dict[str, set[str]]]
"""Looks up full-name people by surname: ``{surname: {key, ...}}`` for those stored."""


def resolve(
    articles: Sequence[tuple[str, Iterable[Entity]]], namesakes: Namesakes
) -> list[dict[str, Identity]]:
    """The identity of every entity of every article, articles taken in order.

    ``articles`` are ``(content_hash, entities)`` pairs; the result maps each
    article's entity ids to identities. ``namesakes`` answers for the stored
    corpus; people named in full by earlier articles of the same call count
    too, so storing a batch gives the same actors as storing its articles one
    by one.
    """
    identified = [
        (article_hash, [(e.id, identify(e, article_hash)) for e in entities])
        for article_hash, entities in articles
    ]
    lone_words = {ident.lone for _, pairs in identified for _, ident in pairs if ident.lone}
    known: dict[str, set[str]] = {w: set(keys) for w, keys in namesakes(lone_words).items()}
    out: list[dict[str, Identity]] = []
    for _, pairs in identified:
        here = {ident.surname for _, ident in pairs if ident.surname}
        resolved: dict[str, Identity] = {}
        for entity_id, ident in pairs:
            if ident.lone is not None and ident.lone not in here:
                found = known.get(ident.lone, set())
                if len(found) == 1:
                    ident = Identity(next(iter(found)), _PERSON, ident.name, lone=ident.lone)
            resolved[entity_id] = ident
        for _, ident in pairs:
            if ident.surname and ident.surname in lone_words:
                known.setdefault(ident.surname, set()).add(ident.key)
        out.append(resolved)
    return out


def alias(text: str) -> str:
    """The lookup form of a surface form: lower-cased, whitespace collapsed."""
    return " ".join(text.split()).lower()[:NAME_LENGTH]
