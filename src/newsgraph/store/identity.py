"""Who is who across the corpus: the identity rule that turns article actors into corpus actors.

The analysis clusters actors *within* one article ("Lloyd Austin", "Defense
Secretary Lloyd Austin" and "Austin" are entity E2 there). The store has to
decide which corpus actor each article entity is, with no coreference model and
without ever merging two different people. The rule:

* **People named in full** are keyed by first name and surname,
  ``person:<first> <last>``: case-folded, accents stripped, possessive ("'s")
  dropped, honorifics and abbreviated titles (Mr., Mrs., Dr., Sen., Gov., Gen.)
  removed, a leading title phrase ("Defense Secretary", "President") removed as
  long as a full name remains, and middle names and initials dropped: "Donald J.
  Trump", "Donald Trump" and "Mr. Donald Trump" are all ``person:donald trump``,
  "Hillary Rodham Clinton" is ``person:hillary clinton``. Suffixes stay in the
  key ("Donald Trump Jr." is not "Donald Trump"), and so do surname particles
  ("Bill de Blasio" is ``person:bill de blasio``, surname "de blasio"). The
  price of dropping middle names: "George W. Bush" and "George H. W. Bush" are
  one actor.
* **A person named by one word** (a surname, "Clinton", with no full name that
  the analysis clustered it with) is resolved by evidence (``choose``): the
  people of that surname named in the same article come first (unless the
  evidence rules them out: "Mrs. Clinton" beside "Bill Clinton"), then the
  corpus's people of that surname, narrowed by gender (an honorific, "she"/"he"
  among the entity's mentions, against the candidate's first name), by titles
  ("President Obama" against the titles the corpus gave each candidate), by the
  people the article also names (how often each candidate appears beside them
  in the corpus), and last by prominence (in how many articles each candidate
  is named). A candidate wins only with a clear margin; when the evidence is
  balanced, or nobody bears the surname, the entity becomes the actor
  ``person?:<word>``, shared by every such ambiguous mention and never merged
  into a namesake.
* **Decisions are revisited.** ``store.reidentify`` runs the same rule over
  stored rows: after a batch that brings a new namesake, for the entities of
  that surname, and over the whole corpus in migration 0005.
* **Campaigns and teams** of a person ("the Clinton campaign", "Clinton's
  campaign", "Hillary Clinton's campaign") are keyed by the person they belong
  to, resolved like a person in that article: ``org:campaign of hillary clinton``.
  Two people's campaigns never share a key.
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
  is resolved like a lone surname, but stays the article's own group when no
  person bears that name.

Everything here is pure (no database): ``store.write`` and ``store.reidentify``
feed it the candidates they looked up, so the rule can be tested on invented
names alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from newsgraph.analysis.names import ALIASES
from newsgraph.models import Entity

KEY_LENGTH = 512  # actors.key column
NAME_LENGTH = 512  # actors.name and actor_aliases.alias columns
SURNAME_LENGTH = 256  # actors.surname column


# Abbreviated titles and honorifics: always dropped, whatever is left ("Mr. Harlow" -> "harlow").
# fmt: off
HONORIFIC_WORDS = frozenset({
    "mr", "mrs", "ms", "mx", "miss", "dr", "sen", "rep", "gov", "lt", "gen", "adm", "col", "capt", "sgt",
    "cpl", "maj", "prof", "pres", "supt", "rev", "fr", "atty", "sir", "dame", "lord", "lady", "madam",
})
# fmt: on
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
# Lower-case words that belong to a surname ("Bill de Blasio", "Chris Van Hollen").
PARTICLES = frozenset(
    {"de", "del", "della", "der", "di", "da", "van", "von", "la", "le", "du", "bin", "al", "el"}
)
MALE_HONORIFICS = frozenset({"mr", "sir", "lord"})
FEMALE_HONORIFICS = frozenset({"mrs", "ms", "miss", "dame", "lady", "madam"})
_PRONOUN_GENDER = {
    "he": "m",
    "him": "m",
    "his": "m",
    "himself": "m",
    "she": "f",
    "her": "f",
    "hers": "f",
    "herself": "f",
}
# "the Clinton campaign", "Clinton's campaign", "Hillary Clinton's presidential campaign"
_CAMPAIGN = re.compile(
    r"^(?:the\s+)?(?P<who>.+?)(?:'s?)?\s+(?:(?:presidential|reelection|re-election|senate|primary|election)\s+)?"
    r"(?P<what>campaign|camp)$"
)
_HONORIFIC_BEFORE = re.compile(r"\b(mr|mrs|ms|miss)\.?\s*$")
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
    # "President Obama": a title before a single name goes too (the name is a lone surname).
    while len(ws) == 2 and ws[0] in titles and ws[0] not in _FIRST_NAME_TITLES:
        ws = ws[1:]
    if ws and all(w in titles for w in ws):
        return []  # "the Secretary": a role, not a name
    return ws


# Title words that are also common first names: "Dean Baker" keeps "Dean".
_FIRST_NAME_TITLES = frozenset({"dean", "king", "prince", "judge", "chase", "major", "bishop", "earl"})


def key_words(name_words: Sequence[str]) -> list[str]:
    """The words a full name is keyed by: first name, surname (with particles), suffix.

    "donald j trump" -> ["donald", "trump"]; "hillary rodham clinton" ->
    ["hillary", "clinton"]; "bill de blasio" -> ["bill", "de", "blasio"];
    "donald trump jr" -> ["donald", "trump", "jr"]. One word stays one word.
    """
    ws = list(name_words)
    suffix = []
    while len(ws) > 2 and ws[-1] in SUFFIXES:
        suffix.insert(0, ws.pop())
    if len(ws) < 2:
        return ws + suffix
    last = [ws[-1]]
    k = len(ws) - 2
    while k > 0 and ws[k] in PARTICLES:
        last.insert(0, ws[k])
        k -= 1
    return [NICKNAMES.get(ws[0], ws[0]), *last, *suffix]


# Nicknames keyed as the full first name ("Joe Biden" = "Joseph Biden"); only unambiguous ones
# ("Chris" may be Christine, "Pat" Patricia, "Ted" Edward, Theodore or, for Senator Cruz, Rafael
# Edward: they stay as written).
NICKNAMES = {
    "joe": "joseph", "bill": "william", "will": "william", "mike": "michael", "bob": "robert",
    "jim": "james", "tom": "thomas", "dick": "richard", "rick": "richard", "chuck": "charles",
    "dan": "daniel", "ben": "benjamin", "tim": "timothy", "nick": "nicholas", "tony": "anthony",
    "bernie": "bernard", "ron": "ronald", "don": "donald", "liz": "elizabeth",
    "matt": "matthew", "andy": "andrew", "dave": "david", "jeff": "jeffrey", "greg": "gregory",
}  # fmt: skip


def middle_initials(name_words: Sequence[str]) -> str:
    """The initials of the middle names of a full name: "george h w bush" -> "hw", "donald trump" -> ""."""
    ws = list(name_words)
    tail = len(key_words(ws)) - 1
    middle = ws[1 : len(ws) - tail] if tail > 0 and len(ws) > 2 else []
    return "".join(w if len(w) <= 2 else w[0] for w in middle)  # "h.w." is "hw", "john" is "j"


def surname(name_words: Sequence[str]) -> str | None:
    """The last name of a full name (suffixes skipped): "donald trump jr" -> "trump"."""
    ws = list(name_words)
    while len(ws) > 2 and ws[-1] in SUFFIXES:
        ws.pop()
    if len(ws) < 2:
        return None
    k = len(ws) - 1
    while k > 1 and ws[k - 1] in PARTICLES:
        k -= 1
    return " ".join(ws[k:])


def _lone_word(ws: Sequence[str]) -> str | None:
    """The surname a name of one word (or particles and a word: "de Blasio") is."""
    if len(ws) == 1:
        return ws[0]
    if len(ws) > 1 and all(w in PARTICLES for w in ws[:-1]):
        return " ".join(ws)
    return None


def org_name(name: str) -> str:
    """An organisation's or place's normalised name: "the U.S." -> "united states"."""
    ws = words(name)
    if len(ws) > 1 and ws[0] == "the":
        ws = ws[1:]
    joined = " ".join(ws)
    return ALIASES.get(joined, joined)


def first_name_gender(first: str) -> str | None:
    """ "m", "f" or None for a first name, by the analysis' name lists."""
    from newsgraph.analysis.actors import _name_gender

    return _name_gender(first)


@dataclass(frozen=True)
class Evidence:
    """What an article says about one of its entities, beyond its name.

    ``gender`` comes from honorifics before its mentions, he/she among them,
    or its first name; ``titles`` are the words of the titles the article gave
    it; ``people`` are the other people named in full in the article (keys).
    """

    gender: str | None = None
    titles: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()


@dataclass
class Candidate:
    """A corpus person a lone surname may be: what the corpus knows of them."""

    key: str
    gender: str | None = None
    articles: int = 0  # in how many articles the corpus names them
    titles: frozenset[str] = frozenset()  # title words the corpus gave them
    beside: dict[str, int] = field(default_factory=dict)  # person key -> articles naming both
    middle: str = ""  # the middle initials of the person who owns the key ("hw" for George H. W. Bush)


# Title words that say nothing about who is meant.
_WEAK_TITLE_WORDS = frozenset(
    {"former", "acting", "interim", "then", "vice", "deputy", "assistant", "senior", "the", "of", "a", "an"}
)
ORG_CLAIM = 5
"""In how many articles a person must be named in full to claim a one-word "organisation" ("Rubio")."""
MARGIN = 3.0
"""How many times more evidence the best candidate needs than the next (prominence, co-occurrence)."""


def choose(evidence: Evidence, candidates: Sequence[Candidate]) -> str | None:
    """The key of the person a lone surname with this evidence is, or None when it is balanced.

    Gender rules candidates out; titles narrow them when some candidate shares
    one; then the people named beside it, then prominence, each deciding only
    with a clear margin (``MARGIN``).
    """
    cands = [c for c in candidates if not (evidence.gender and c.gender and c.gender != evidence.gender)]
    if not cands:
        return None
    title_words_here = evidence.titles - _WEAK_TITLE_WORDS
    if title_words_here and len(cands) > 1:
        titled = [c for c in cands if c.titles & title_words_here]
        if titled:
            cands = titled
    if len(cands) == 1:
        return cands[0].key
    if evidence.people:
        scores = sorted(
            ((sum(c.beside.get(p, 0) for p in evidence.people), c.key) for c in cands), reverse=True
        )
        if scores[0][0] >= 2 and scores[0][0] >= MARGIN * scores[1][0]:
            return scores[0][1]
    ranked = sorted(((c.articles, c.key) for c in cands), reverse=True)
    if ranked[0][0] >= 2 and ranked[0][0] >= MARGIN * ranked[1][0]:
        return ranked[0][1]
    return None


def entity_evidence(entity: Entity, text: str | None) -> tuple[str | None, frozenset[str]]:
    """(gender, title words) an article gives an entity: honorifics, pronouns, titles."""
    honorific: str | None = None
    votes = {"m": 0, "f": 0}
    for m in entity.mentions:
        low = m.text.lower()
        if low in _PRONOUN_GENDER:
            votes[_PRONOUN_GENDER[low]] += 1
            continue
        before = text[max(0, m.start - 6) : m.start].lower() if text else ""
        first = words(m.text)[:1]
        found = _HONORIFIC_BEFORE.search(before)
        word = found.group(1) if found else (first[0] if first else "")
        if word in MALE_HONORIFICS:
            honorific = honorific or "m"
        elif word in FEMALE_HONORIFICS:
            honorific = honorific or "f"
    title_set = frozenset(w for t in entity.titles for w in words(t))
    from newsgraph.analysis.actors import FEMALE_TITLES, MALE_TITLES

    gender = honorific
    if gender is None and title_set & FEMALE_TITLES:
        gender = "f"
    elif gender is None and title_set & MALE_TITLES:
        gender = "m"
    if gender is None and votes["m"] != votes["f"] and max(votes.values()) >= 2:
        gender = "m" if votes["m"] > votes["f"] else "f"
    return gender, title_set


@dataclass(frozen=True)
class Identity:
    """A corpus actor as decided for one article entity.

    ``surname`` is set for a person named in full (so later lone surnames can
    find it); ``lone`` is set for an actor named by one word, which ``resolve``
    may re-key to a person of that surname; ``owner`` is set for a campaign
    ("Clinton" in "the Clinton campaign"), re-keyed to its person's campaign;
    otherwise ``key`` stands.
    """

    key: str
    type: str
    name: str
    surname: str | None = None
    lone: str | None = None
    owner: tuple[str, ...] | None = None
    middle: str = ""


def identify(entity: Entity, article_hash: str) -> Identity:
    """The identity of one entity before corpus look-ups (a lone surname's key is provisional)."""
    # the display name without a possessive the analysis left on ("Norvik’s", "Norvik‘s")
    name = _DISPLAY_POSSESSIVE.sub("", " ".join(entity.name.split()))[:NAME_LENGTH] or entity.id
    local = f"{entity.type.lower()}@{article_hash}:{entity.id}"[:KEY_LENGTH]
    if entity.type != _PERSON:
        campaign = _CAMPAIGN.match(_fold(" ".join(entity.name.split())).replace("'s ", " "))
        capitals = sum(w[:1].isupper() for w in entity.name.split() if w.lower() != "the")
        if campaign is not None:
            who = person_words(campaign.group("who"))
            if who and capitals >= len(who) and len(who) <= 4 and all(w[:1].isalpha() for w in who):
                owner = tuple(key_words(who))
                provisional = f"org:{' '.join(owner)} campaign"[:KEY_LENGTH]
                display = " ".join(name.split()[1:]) if name[:4].lower() == "the " else name
                return Identity(provisional, "ORG", display, owner=owner)
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
        lone = _lone_word(ws)
        if lone is not None:
            return Identity(f"person?:{lone}"[:KEY_LENGTH], entity.type, name, lone=lone[:SURNAME_LENGTH])
        kws = key_words(ws)
        last = surname(kws)
        return Identity(
            f"person:{' '.join(kws)}"[:KEY_LENGTH],
            entity.type,
            name,
            surname=last[:SURNAME_LENGTH] if last else None,
            middle=middle_initials(ws),
        )
    normalised = org_name(entity.name)
    if not normalised:
        return Identity(local, entity.type, name)
    if name[:4].lower() == "the " and len(name) > 4:
        name = name[4:]  # "the Pentagon" is shown as "Pentagon", like its key
    key = f"{entity.type.lower()}:{normalised}"[:KEY_LENGTH]
    if entity.type == "ORG" and " " not in normalised and name[:1].isupper() and not name.isupper():
        # "Rubio said": a surname the NER called an organisation; a prominent person may claim it
        return Identity(key, entity.type, name, lone=normalised[:SURNAME_LENGTH])
    return Identity(key, entity.type, name)


Namesakes = Callable[[set[str]], dict[str, list[Candidate]]]
"""Looks up the stored full-name people by surname: ``{surname: [Candidate, ...]}``."""

Article = tuple[str, Iterable[Entity]] | tuple[str, Iterable[Entity], str]
"""``(content_hash, entities)`` or ``(content_hash, entities, text)``: the text gives evidence."""


def resolve(articles: Sequence[Article], namesakes: Namesakes) -> list[dict[str, Identity]]:
    """The identity of every entity of every article, articles taken in order.

    The result maps each article's entity ids to identities. ``namesakes``
    answers for the stored corpus; people named in full by earlier articles of
    the same call count too (as more articles naming them), so storing a batch
    gives the same actors as storing its articles one by one.
    """
    identified = []
    for article in articles:
        article_hash, entities = article[0], list(article[1])
        text = article[2] if len(article) > 2 else None  # type: ignore[misc]
        identified.append((article_hash, text, [(e, identify(e, article_hash)) for e in entities]))
    lone_words = {ident.lone for _, _, pairs in identified for _, ident in pairs if ident.lone}
    lone_words |= {ident.owner[-1] for _, _, pairs in identified for _, ident in pairs if ident.owner}
    lone_words |= {i.surname for _, _, pairs in identified for _, i in pairs if i.surname and i.middle}
    known: dict[str, dict[str, Candidate]] = {
        w: {c.key: c for c in cands} for w, cands in namesakes(lone_words).items()
    }
    # Each person's candidacies (one per lone word they could be), so an article's evidence
    # touches only its own people's, not every namesake of every word in the batch.
    by_key: dict[str, list[Candidate]] = {}
    for cands in known.values():
        for key, cand in cands.items():
            by_key.setdefault(key, []).append(cand)
    out: list[dict[str, Identity]] = []
    for _, text, pairs in identified:
        resolved = resolve_article(pairs, text, known)
        out.append(resolved)
        # this article's full-name people count as evidence for the later ones
        people = {i.key for i in resolved.values() if i.surname}
        for entity, ident in ((e, resolved[e.id]) for e, _ in pairs):
            if ident.surname and ident.surname in lone_words:
                cands = known.setdefault(ident.surname, {})
                cand = cands.get(ident.key)
                if cand is None:
                    cand = cands[ident.key] = Candidate(ident.key)
                    by_key.setdefault(ident.key, []).append(cand)
                gender, titles = entity_evidence(entity, text)
                cand.gender = (
                    cand.gender or gender or first_name_gender(ident.key.split(":", 1)[1].split()[0])
                )
                cand.titles = cand.titles | titles
                cand.middle = cand.middle or ident.middle
        for key in people:
            for cand in by_key.get(key, ()):
                cand.articles += 1
                for p in people - {key}:
                    cand.beside[p] = cand.beside.get(p, 0) + 1
    return out


def resolve_article(
    pairs: Sequence[tuple[Entity, Identity]], text: str | None, known: dict[str, dict[str, Candidate]]
) -> dict[str, Identity]:
    """One article's identities, given the corpus candidates per surname (``known``)."""
    pairs = [(e, _by_middle(i, known)) for e, i in pairs]
    full = [(e, i) for e, i in pairs if i.surname]
    people = frozenset(i.key for _, i in full)
    # the people beside a lone surname: those named in full, and lone surnames only one person bears
    beside = people | {
        next(iter(known[i.lone]))
        for _, i in pairs
        if i.lone
        and i.lone in known
        and len(known[i.lone]) == 1
        and i.lone not in {x.surname for _, x in full}
    }
    resolved: dict[str, Identity] = {}
    lone_keys: dict[str, str] = {}  # surname -> the key its lone mention got here
    for entity, ident in pairs:
        if ident.lone is not None:
            gender, titles = entity_evidence(entity, text)
            evidence = Evidence(
                gender, titles, frozenset(p for p in beside if _surname_of_key(p) != ident.lone)
            )
            here = [
                Candidate(
                    i.key, gender=_gender_of(e, i, text), articles=1, titles=entity_evidence(e, text)[1]
                )
                for e, i in full
                if i.surname == ident.lone
            ]
            key = choose(evidence, here) if here else None
            if key is None:
                elsewhere = [c for k, c in known.get(ident.lone, {}).items() if k not in people]
                key = choose(evidence, elsewhere) if elsewhere else None
            if key is not None and ident.type == "ORG" and key not in people:
                claimed = known.get(ident.lone, {}).get(key)
                if claimed is None or claimed.articles < ORG_CLAIM:
                    key = None
            if key is not None:
                ident = Identity(key, _PERSON, ident.name, lone=ident.lone)
                lone_keys.setdefault(ident.lone or "", key)
            elif ident.type == _PERSON:
                lone_keys.setdefault(ident.lone or "", ident.key)
        resolved[entity.id] = ident
    for entity_id, ident in list(resolved.items()):
        if ident.owner is None:
            continue
        owner = ident.owner
        key = None
        if len(owner) > 1:
            key = "person:" + " ".join(owner)
        else:
            same = [i.key for _, i in full if i.surname == owner[0]]
            if len(same) == 1:
                key = same[0]
            elif owner[0] in lone_keys:
                key = lone_keys[owner[0]]
            elif not same:
                key = choose(Evidence(people=people), list(known.get(owner[0], {}).values()))
        if key is not None:
            who = key.split(":", 1)[1]
            resolved[entity_id] = Identity(f"org:campaign of {who}"[:KEY_LENGTH], "ORG", ident.name)
    return resolved


def _by_middle(ident: Identity, known: dict[str, dict[str, Candidate]]) -> Identity:
    """A full name whose middle initials differ from the key owner's gets its own key.

    "George W. Bush" when "George H. W. Bush" owns ``person:george bush``:
    ``person:george w bush``. A name without a middle keeps the plain key.
    """
    if not ident.middle or not ident.surname:
        return ident
    owner = known.get(ident.surname, {}).get(ident.key)
    if owner is None or not owner.middle or owner.middle == ident.middle:
        return ident
    first, rest = ident.key.split(":", 1)[1].split(" ", 1)
    key = f"person:{first} {ident.middle} {rest}"[:KEY_LENGTH]
    return Identity(key, ident.type, ident.name, surname=ident.surname, middle=ident.middle)


def _surname_of_key(key: str) -> str | None:
    return surname(key.split(":", 1)[1].split())


def _gender_of(entity: Entity, ident: Identity, text: str | None) -> str | None:
    gender, _ = entity_evidence(entity, text)
    return gender or first_name_gender(ident.key.split(":", 1)[1].split()[0])


def alias(text: str) -> str:
    """The lookup form of a surface form: lower-cased, whitespace collapsed."""
    return " ".join(text.split()).lower()[:NAME_LENGTH]
