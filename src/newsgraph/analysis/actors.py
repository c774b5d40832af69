"""``newsgraph_actors``: who the article is about, with their titles and every mention.

Why heuristics rather than a coreference model: none can be downloaded, and a
neural coreference pass would cost more than the whole English model. News
prose is regular enough that a few rules on en_core_web_sm's entities, tags and
dependency parse get most of the way, in one roughly linear pass:

* people cluster by name: a full name ("Lloyd Austin") absorbs its surname
  ("Austin") and first name ("Yoav"), wherever in the article the full name
  appears; two people who share a surname stay apart, and a bare surname goes
  to the one mentioned most recently;
* a mention whose text is a known person's name joins that person whatever
  NER label the model gave it (surnames that are also cities, people tagged
  ORG), and untagged proper nouns equal to a known name are added;
* organisations, places and nationalities cluster by normalised text;
* titles come from the parse: prenominal ("Secretary of Defense Lloyd Austin"),
  appositive ("Jane Roe, the mayor of Springfield") and copular ("Sam Reyes is
  the politics editor of Example News");
* "the Secretary", "the Israeli defense minister" go to the person with that
  title; he/she go to the most salient preceding person; "you"/"your" in a
  quotation go to a first name used as a vocative at its start ("Yoav, your").

``resolve(doc, span)`` answers, for any span, which actor it refers to, using
a per-token index so that the attribution engine can call it freely.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy
from spacy.attrs import DEP, ENT_IOB, ENT_TYPE, HEAD, LOWER, ORTH, POS, SENT_START, TAG
from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from newsgraph.analysis.budget import checkpoint
from newsgraph.analysis.names import ALIASES

# --- lexicons --------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TITLE_WORDS = _words(
    """
    secretary undersecretary minister premier chancellor president vice-president president-elect
    senator sen. governor gov. mayor representative rep. congressman congresswoman congressperson
    lawmaker legislator delegate speaker whip spokesman spokeswoman spokesperson director
    chairman chairwoman chairperson chair editor reporter correspondent journalist columnist
    commentator anchor host pollster strategist operative consultant lobbyist ambassador envoy
    diplomat general gen. admiral adm. colonel col. captain capt. lieutenant lt. sergeant sgt.
    commander chief leader candidate nominee adviser advisor aide staffer official officer
    professor prof. analyst economist historian scientist researcher expert fellow ceo cfo coo
    cto founder co-founder executive manager commissioner attorney lawyer counsel prosecutor
    judge justice sheriff inspector investigator detective agent administrator treasurer
    deputy head dean king queen prince princess pope bishop rabbi imam pastor cardinal
    activist organizer campaigner negotiator mediator superintendent publisher producer
    president chairman emir sheikh monarch czar ruler dictator warlord commander-in-chief
    """
)
HONORIFICS_MALE = frozenset({"mr", "mr.", "sir", "lord"})
HONORIFICS_FEMALE = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "dame", "madam", "lady"})
HONORIFICS = HONORIFICS_MALE | HONORIFICS_FEMALE | {"dr", "dr.", "mx", "mx."}
NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
FEMALE_TITLES = frozenset(
    {"spokeswoman", "congresswoman", "chairwoman", "queen", "princess", "businesswoman", "madam"}
)
MALE_TITLES = frozenset({"spokesman", "congressman", "chairman", "king", "prince", "businessman"})
# A small first-name gender list: enough to keep "he" off Hillary and "she" off Bill.
FEMALE_NAMES = _words(
    """
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
    margaret sandra ashley kimberly emily donna michelle carol amanda melissa deborah stephanie
    rebecca laura sharon cynthia kathleen amy angela anna brenda pamela nicole emma helen samantha
    katherine christine debra rachel catherine carolyn janet ruth maria heather diane virginia
    julie joyce victoria olivia christina lauren joan evelyn judith megan cheryl andrea
    hannah martha jacqueline frances gloria ann teresa kathryn sara janice alice madison
    doris abigail julia judy grace denise amber marilyn beverly danielle theresa sophia marie
    diana brittany natalie isabella charlotte rose kayla hillary nikki kamala nancy
    elizabeth theresa angela ursula marine giorgia jacinda kellyanne sarah huma condoleezza
    madeleine tulsi elise liz ilhan alexandria ayanna rashida kirsten dianne tammy amy maxine
    """
)
MALE_NAMES = _words(
    """
    james robert john michael david william richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
    ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
    scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
    tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger gerald harold sean austin carl arthur lawrence dylan jesse
    bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy
    vincent ralph eugene russell bobby mason philip louis barack bill mike mitch ted marco
    bernie chuck rand newt mitt jeb vladimir xi emmanuel boris rishi justin narendra
    recep volodymyr lloyd antony yoav benny bibi moshe ehud hassan ali mohammed muhammad
    ahmed omar abdul ibrahim yusuf hamid jim tim tom bob dan ben ron rick
    """
)
MALE_NAMES_IN_A = _words(
    """
    joshua luca ezra elijah jonah isaiah mustafa musa nikita sasha akira garcia costa
    andrea attila kostya ilya misha vanya borja jota yehuda shlomo moshe barnaba
    """
)
# Words that change who a title names: "the former president" is not "President X".
TITLE_MARKERS = frozenset({"former", "vice", "deputy", "assistant", "acting", "ex", "interim", "late"})
PRONOUNS_MALE = frozenset({"he", "him", "his", "himself"})
PRONOUNS_FEMALE = frozenset({"she", "her", "hers", "herself"})
PRONOUNS_YOU = frozenset({"you", "your", "yours", "yourself", "yourselves"})
PRONOUNS_THEY = frozenset({"they", "them", "their", "theirs", "themselves"})
DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})
POSSESSIVE_MARKS = frozenset({"'s", "’s", "'", "’", "s"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
OBJECT_DEPS = frozenset({"dobj", "dative", "pobj", "iobj"})
# Titles: modifiers of a title head that may go unmentioned ("the Israeli defense minister"
# still matches "Defense Minister"); other modifiers must match.
OPTIONAL_MODIFIER_DEPS = frozenset({"amod", "det", "poss", "punct", "advmod", "nummod"})
NAMED_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
IGNORED_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
# Outlets the NER glues onto a name ("the Washington Post Trump said"): dropped from a PERSON.
OUTLETS = frozenset(
    {
        "washington post", "new york times", "wall street journal", "associated press", "fox news",
        "usa today", "huffington post", "los angeles times", "cnn", "msnbc", "nbc", "abc", "cbs", "politico",
        "breitbart", "reuters", "bloomberg", "npr", "pbs", "axios", "fox", "the hill", "daily beast",
    }
)  # fmt: skip
# Platforms named like people ("follow him on Twitter"): organisations.
PLATFORMS = frozenset(
    {"twitter", "facebook", "instagram", "youtube", "tiktok", "reddit", "snapchat", "linkedin"}
)
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG", "NORP"})
# "operations in Rafah": a one-word name after these is a place, not a person.
PLACE_PREPOSITIONS = frozenset({"in", "near", "outside", "across", "throughout", "into", "inside"})
OPEN_QUOTES = frozenset('“«"')
CLOSE_QUOTES = frozenset('”»"')
QUOTE_MARKS = OPEN_QUOTES | CLOSE_QUOTES
LOCATIVE_PREPOSITIONS = _words("in from at to near outside across throughout into")
TITLE_PREPOSITIONS = _words("of for at to with in on")
PERSONAL_PRONOUNS = PRONOUNS_MALE | PRONOUNS_FEMALE | PRONOUNS_YOU


# --- the contract ----------------------------------------------------------------------------


@dataclass
class Actor:
    """One participant of the article: a person, organisation, place, nationality or group."""

    id: str
    name: str
    type: str
    titles: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)


class ActorList(list):
    """``doc._.actors``: a plain list of ``Actor`` that also carries the lookup index."""

    index: _Index | None = None


class Actors:
    """The pipeline component: sets ``doc._.actors``."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.actors = _Builder(doc).build()
        return doc


@Language.factory("newsgraph_actors", default_config={})
def make_actors(nlp: Language, name: str) -> Actors:
    return Actors()


if not Doc.has_extension("actors"):
    Doc.set_extension("actors", default=None)


def resolve(doc: Doc, span: Span) -> Actor | None:
    """The actor ``span`` refers to, or None.

    Handles names, surnames and first names, title-only phrases ("the
    Secretary"), pronouns, vocative addressees ("you" after "Yoav, ..."),
    organisations, and spans wider than a mention ("Defense Secretary Lloyd
    Austin", "the minister, Yoav Gallant"). A mention found here that the
    component had not recorded (a "they", a title phrase) is added to the
    actor, so that the output shows it.
    """
    if len(span) == 0 or span.end > len(doc):
        return None
    return _index_for(doc).resolve(span)


def entity_at(token: Token) -> Span | None:
    """The named entity (as in ``doc.ents``) that ``token`` is part of, or None.

    Why not search ``doc.ents``: that list has an entry per entity of the
    whole article, so a search per token is quadratic in a long one; the
    token's own IOB tags give the entity's bounds in a few steps.
    """
    if token.ent_iob_ not in ("B", "I"):
        return None
    doc = token.doc
    start = token.i
    while doc[start].ent_iob_ == "I" and start > 0 and doc[start - 1].ent_iob_ != "O":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return Span(doc, start, end, label=doc[start].ent_type_)


def add_actor(doc: Doc, span: Span, type: str = "GROUP") -> Actor:
    """Register ``span`` as a new actor, or as a mention of an actor of the same type and head.

    Why: the attribution engine meets sources no name or title reaches
    ("Officials", "Democratic aides"); they still deserve an entity, and the
    second "officials" should be the same one. Existing ids never change and the
    list stays sorted by first mention.
    """
    return _index_for(doc).add_actor(span, type)


# --- per-doc token arrays ---------------------------------------------------------------------


class _Tokens:
    """Token attributes pulled into Python lists once: the rules read them many times.

    Why ``to_array``: creating a ``Token`` object per attribute read costs more
    than all the rules together; one array call and a string table do not.
    """

    def __init__(self, doc: Doc) -> None:
        n = len(doc)
        self.ents: list[tuple[int, int, str]] = []
        if n == 0:
            self.text = self.lower = self.pos = self.tag = self.dep = []
            self.head = self.sent = self.sent_starts = self.quote = []
            return
        columns = doc.to_array([ORTH, LOWER, POS, TAG, DEP, ENT_TYPE, ENT_IOB, HEAD, SENT_START])
        strings = doc.vocab.strings
        hashes = [columns[:, k].tolist() for k in range(6)]
        table = {h: strings[h] for h in set().union(*hashes)}
        self.text, self.lower, self.pos, self.tag, self.dep, ent_type = (
            [table[h] for h in column] for column in hashes
        )
        signed = columns[:, 6:].astype("int64")
        self.head: list[int] = (signed[:, 1] + numpy.arange(n)).tolist()
        starts = signed[:, 2] == 1
        starts[0] = True
        self.sent_starts: list[int] = numpy.flatnonzero(starts).tolist()
        self.sent: list[int] = (numpy.cumsum(starts) - 1).tolist()
        iob = signed[:, 0].tolist()
        for i in numpy.flatnonzero(signed[:, 0] == 3).tolist():  # 3: an entity begins
            end = i + 1
            while end < n and iob[end] == 1:  # 1: inside the entity
                end += 1
            self.ents.append((i, end, ent_type[i]))
        self.quote = self._quotes()

    def _quotes(self) -> list[int]:
        """Quotation id of each token (-1 outside quotes); a quote never crosses a line break.

        Token-level on purpose: the tokenizer splits quotation marks off words,
        and building ``doc.text`` would cost more than this whole component.
        """
        quote = [-1] * len(self.text)
        current = -1
        count = 0
        for i, text in enumerate(self.text):
            first = text[:1]
            if first in QUOTE_MARKS:
                if current >= 0 and first in CLOSE_QUOTES:
                    current = -1
                elif first in OPEN_QUOTES:
                    current = count
                    count += 1
                continue
            if current >= 0 and self.pos[i] == "SPACE" and "\n" in text:
                current = -1
            quote[i] = current
        return quote

    def in_headline(self, i: int) -> bool:
        """Is token ``i`` in a title-case sentence, where NER boundaries ("Austin Tells") fail?"""
        s = self.sent[i]
        start = self.sent_starts[s]
        end = self.sent_starts[s + 1] if s + 1 < len(self.sent_starts) else len(self.text)
        words = [w for w in self.text[start:end] if w[:1].isalpha()]
        return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)

    def cap(self, i: int) -> bool:
        return self.text[i][:1].isupper()

    def is_title_word(self, i: int) -> bool:
        return self.lower[i] in TITLE_WORDS

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Drop a possessive ending, outer punctuation and a leading determiner."""
        while end > start and (self.tag[end - 1] == "POS" or self.lower[end - 1] in ("'s", "’s")):
            end -= 1
        while end > start and self.pos[end - 1] in ("PUNCT", "SPACE") and self.text[end - 1] != ".":
            end -= 1
        while start < end and (self.pos[start] in ("PUNCT", "SPACE") or self.lower[start] in DETERMINERS):
            start += 1
        return start, end

    def name_core(self, start: int, end: int, strict: bool) -> tuple[int, int, str | None]:
        """The name inside an entity: drop titles, honorifics and lowercase words before it.

        Returns (start, end, gender implied by an honorific). ``strict`` (for
        entities the model did not call PERSON) also requires the words to hang
        together as compounds, so ORG "Defense Lloyd Austin" yields "Lloyd Austin".
        """
        last = end - 1
        while last > start and self.lower[last] in NAME_SUFFIXES:
            last -= 1
        if not self.cap(last) or self.is_title_word(last) or self.lower[last] in HONORIFICS:
            return end, end, None
        j = last
        while j > start:
            k = j - 1
            if not self.cap(k) or self.is_title_word(k) or self.lower[k] in HONORIFICS:
                break
            if self.pos[k] not in ("PROPN", "NOUN", "ADJ", "X") and not self.text[k].endswith("."):
                break
            if strict and self.dep[k] not in ("compound", "flat"):
                break
            j = k
        gender = None
        if j > 0:
            before = self.lower[j - 1]
            gender = "m" if before in HONORIFICS_MALE else "f" if before in HONORIFICS_FEMALE else None
        return j, end, gender


@dataclass
class _Name:
    """A person's name as clustered: first and last word (lowercase) and suffix."""

    first: str
    last: str
    suffix: str = ""
    full: list[tuple[int, int]] = field(default_factory=list)  # multi-word mentions
    gender: str | None = None
    actor: Actor | None = None


@dataclass
class _Title:
    """A title as matching sees it: its lowercase words and its capitalised modifiers."""

    words: set[str]
    proper: set[str]

    @classmethod
    def of(cls, text: str) -> _Title:
        parts = text.replace("’s", " ").replace("'s", " ").split()
        words = {w.lower() for w in parts}
        proper = {w.lower() for w in parts[:-1] if w[:1].isupper() and w.lower() not in TITLE_WORDS}
        return cls(words, proper)


def _gender_of_name(name: _Name) -> str | None:
    """A clustered name's gender: an honorific seen with it, else its first name."""
    return name.gender or (_name_gender(name.first) if name.first else None)


def _name_gender(first: str) -> str | None:
    """Gender a first name suggests: the small lists, then the "-a" ending of many female names."""
    if first in FEMALE_NAMES:
        return "f"
    if first in MALE_NAMES:
        return "m"
    if len(first) > 2 and first.endswith("a") and first not in MALE_NAMES_IN_A:
        return "f"
    return None


# --- building the actors ----------------------------------------------------------------------


class _Builder:
    """One pass over a doc's entities and tokens that fills an ``_Index``."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.t = _Tokens(doc)
        self.index = _Index(doc, self.t)
        self.surnames: dict[str, list[_Name]] = {}
        self.first_names: dict[str, list[_Name]] = {}
        self.by_key: dict[tuple[str, str, str], _Name] = {}

    def build(self) -> ActorList:
        if len(self.doc):
            # the time budget between the passes, in a thread too (see ``budget.checkpoint``)
            for step in (self._names, self._titles, self._title_mentions, self._vocatives, self._pronouns):
                checkpoint()
                step()
        self.index.finish()
        return self.index.actors

    # -- names -------------------------------------------------------------------------------

    def _names(self) -> None:
        t = self.t
        persons: list[tuple[int, int, bool, str | None]] = []  # start, end, in a headline, gender
        others: list[tuple[int, int, str]] = []
        capitals: list[tuple[int, int, str | None]] = []
        covered: set[int] = set()
        for ent_start, ent_end, label in t.ents:
            covered.update(range(ent_start, ent_end))
            if label in IGNORED_LABELS:
                continue
            start, end = t.trim(ent_start, ent_end)
            if start >= end:
                continue
            if label != "PERSON" and self._titled_name(start, end):
                label = "PERSON"  # "Mayor Elena Costa" tagged WORK_OF_ART or ORG
            if label == "PERSON":
                end = next((k for k in range(start, end) if any(ch.isdigit() for ch in t.text[k])), end)
                cs, ce, gender = t.name_core(start, end, strict=False) if start < end else (end, end, None)
                cs, ce = self._repair_name(cs, ce)
                if cs < ce and self._all_caps(cs, ce):
                    capitals.append((cs, ce, gender))  # a dateline or a caps headline: names we know only
                elif cs < ce:
                    persons.append((cs, ce, ce - cs > 1 and t.in_headline(cs), gender))
            else:
                others.append((start, end, label))
        persons += self._untagged_titled_names(covered)

        # 1. full names from PERSON entities; singles wait until every full name is known
        singles: list[tuple[int, int, str | None]] = []
        weak: list[tuple[int, int, str | None, str]] = []  # start, end, gender, label
        single_words: set[str] = set()
        for cs, ce, in_headline, gender in persons:
            if in_headline:
                weak.append((cs, ce, gender, "PERSON"))
            elif not self._add_full(cs, ce, gender):
                singles.append((cs, ce, gender))
                single_words.add(t.lower[cs])

        for cs, ce, gender in capitals:
            key = self._key(cs, ce)
            if key is not None and key in self.by_key:
                self._add_full(cs, ce, gender)
            elif ce - cs == 1 and (self._known(t.lower[cs]) or t.lower[cs] in single_words):
                singles.append((cs, ce, gender))

        # 2. other labels: a name the model mislabelled joins the person of that name
        orgs: list[tuple[int, int, str]] = []
        for start, end, label in others:
            if t.in_headline(start):  # "Harbor Board Approves Dredging Plan": the name ends at its verb
                end = next((k for k in range(start + 1, end) if t.pos[k] == "VERB"), end)
            cs, ce, _ = t.name_core(start, end, strict=True)
            key = self._key(cs, ce) if ce - cs > 1 else None
            if key is not None and key in self.by_key:
                self._add_full(cs, ce, None)
            elif key is not None and (key[1] in single_words or key[1] in self.surnames):
                if self._known(key[0]) or t.in_headline(cs):  # "Delgado Presses Okafor"
                    weak.append((start, end, None, label))
                else:  # "Secretary of Defense Lloyd Austin" as ORG "Defense Lloyd Austin"
                    self._add_full(cs, ce, None)
            elif end - start == 1 and self._known(t.lower[start]) and not self._is_place(start, label):
                singles.append((start, end, None))
            elif label in NAMED_LABELS:
                orgs.append((start, end, label))

        # 3. headline entities ("Austin Tells Gallant"): the known names inside them
        for cs, ce, gender, label in weak:
            found = False
            k = cs
            while k < ce:
                stop = next((e for e in range(ce, k + 1, -1) if self._key(k, e) in self.by_key), 0)
                if stop:
                    self._add_full(k, stop, gender)
                    found, k = True, stop
                    continue
                if self._known(t.lower[k]) or t.lower[k] in single_words:
                    singles.append((k, k + 1, gender))
                    found = True
                k += 1
            if found:
                continue
            if label != "PERSON":
                if label in NAMED_LABELS:
                    orgs.append((cs, ce, label))
            elif ce - cs > 1 and _name_gender(t.lower[cs]) is None:
                singles.append((ce - 1, ce, gender))  # "Derelict Obama and Clinton": a headline word
            elif not self._add_full(cs, ce, gender):
                singles.append((cs, ce, gender))

        # 4. proper nouns outside any entity that equal a known surname or first name
        for i in range(len(t.text)):
            if t.pos[i] != "PROPN" or i in covered or not t.cap(i):
                continue
            low = t.lower[i]
            if low in self.surnames or (
                low in self.first_names
                and not (i + 1 < len(t.text) and t.pos[i + 1] == "PROPN" and t.cap(i + 1))
            ):
                singles.append((i, i + 1, None))

        # 5. a one-word "person" nobody bears as a name, which the article names as a place or
        # organisation, or which is a platform or a place by its preposition, is not a person
        place_words = {t.lower[s]: label for s, e, label in others if e - s == 1 and label in PLACE_LABELS}
        kept = []
        for s, e, g in singles:
            low = t.lower[s]
            if e - s == 1 and g is None and not self._known(low):
                label = place_words.get(low) or ("ORG" if low in PLATFORMS else None)
                if label is None and t.dep[s] == "pobj" and t.lower[t.head[s]] in PLACE_PREPOSITIONS:
                    label = "GPE"
                if label is not None:
                    orgs.append((s, e, label))
                    continue
            kept.append((s, e, g))
        singles = kept

        singles.extend(self._drop_sentence_initial_words())
        self._drop_junk_prefixes()
        self._person_actors(singles)
        self._named_actors(orgs)

    def _repair_name(self, start: int, end: int) -> tuple[int, int]:
        """A PERSON entity without what the NER glued to the name.

        A number ("Trump 47.3 percent", "Cruz—35"), an outlet before it
        ("Washington Post Trump"), or a sentence-initial word that is no name
        ("Notice Trump": the parser does not call it a proper noun).
        """
        t = self.t
        for k in range(start, end):
            if any(ch.isdigit() for ch in t.text[k]):
                end = k
                break
        while end > start and t.pos[end - 1] in ("PUNCT", "SPACE"):
            end -= 1
        for n in (3, 2, 1):
            if end - start > n and " ".join(t.lower[start : start + n]) in OUTLETS:
                start += n
                break
        if start >= end:
            return start, start
        if (
            end - start == 2
            and self._sentence_initial(start)
            and t.pos[start] not in ("PROPN",)
            and _name_gender(t.lower[start]) is None
        ):
            start += 1
        return start, end

    def _all_caps(self, start: int, end: int) -> bool:
        """Every word in capitals ("WASHINGTON", "JEROME ARTHUR"): a dateline or a caps line."""
        words = [w for w in self.t.text[start:end] if any(ch.isalpha() for ch in w)]
        return bool(words) and all(w.isupper() for w in words) and any(len(w) > 1 for w in words)

    def _untagged_titled_names(self, covered: set[int]) -> list[tuple[int, int, bool, str | None]]:
        """Titled names the model tagged as no entity at all, as ``_names``' person entries.

        The small English model misses names it has not seen, titled or not
        ("..., Mayor Ana Ruiz said": no entity). The attribution engine would
        then make the speaker an unnamed group, title and all. A capitalised
        title word followed by one to three capitalised proper nouns, none in
        an entity, outside the headline (where every word is capitalised),
        is a person's name: ``_titles`` then takes the title off.
        """
        t = self.t
        out: list[tuple[int, int, bool, str | None]] = []
        n = len(t.text)
        i = 0
        while i < n:
            if i in covered or t.lower[i] not in TITLE_WORDS or not t.cap(i) or t.in_headline(i):
                i += 1
                continue
            k = i
            while k < n and k not in covered and t.lower[k] in TITLE_WORDS and t.cap(k):
                k += 1
            end = k
            while end < n and end - k < 4 and end not in covered and t.pos[end] == "PROPN" and t.cap(end):
                end += 1
            if self._titled_name(i, end) and not self._all_caps(k, end):
                cs, ce, gender = t.name_core(i, end, strict=False)
                cs, ce = self._repair_name(cs, ce)
                if cs < ce:
                    out.append((cs, ce, False, gender))
                    covered.update(range(i, end))
            i = max(end, i + 1)
        return out

    def _titled_name(self, start: int, end: int) -> bool:
        """A title word followed by one to three capitalised proper nouns: a person's name."""
        t = self.t
        k = start
        while k < end and t.lower[k] in TITLE_WORDS:
            k += 1
        rest = range(k, end)
        return k > start and 1 <= len(rest) <= 3 and all(t.pos[i] == "PROPN" and t.cap(i) for i in rest)

    def _is_place(self, i: int, label: str) -> bool:
        """A place name used as a place ("in Houston"), even if a person shares it."""
        t = self.t
        return (
            label in ("GPE", "LOC", "FAC")
            and t.dep[i] == "pobj"
            and t.lower[t.head[i]] in LOCATIVE_PREPOSITIONS
        )

    def _sentence_initial(self, i: int) -> bool:
        t = self.t
        return i == 0 or t.sent_starts[t.sent[i]] == i or t.pos[i - 1] == "SPACE"

    def _drop_sentence_initial_words(self) -> list[tuple[int, int, str | None]]:
        """ "Derelict Kollin" beside "Vera Kollin": a capitalised sentence opener glued to a surname.

        A two-word name only ever seen at the start of a sentence, whose first
        word is no known first name, while a real full name with that surname
        is in the article, is that surname alone. Returns the surname mentions.
        """
        singles: list[tuple[int, int, str | None]] = []
        for key, name in list(self.by_key.items()):
            if key[2] or _name_gender(key[0]) is not None:
                continue
            if not all(e - s == 2 and self._sentence_initial(s) for s, e in name.full):
                continue
            real = [
                n
                for n in self.surnames.get(key[1], [])
                if n is not name
                and (
                    _name_gender(n.first) is not None
                    or not all(self._sentence_initial(s) for s, _ in n.full)
                )
            ]
            if not real:
                continue
            singles.extend((e - 1, e, name.gender) for s, e in name.full)
            del self.by_key[key]
            self.surnames[key[1]].remove(name)
            self.first_names[key[0]].remove(name)
            if not self.first_names[key[0]]:
                del self.first_names[key[0]]
        return singles

    def _drop_junk_prefixes(self) -> None:
        """Merge "Rip Donald Trump" (a headline verb glued on by NER) into "Donald Trump"."""
        for key, name in list(self.by_key.items()):
            kept = []
            for start, end in name.full:
                for k in range(start + 1, end - 1):
                    other = self.by_key.get(self._key(k, end) or ("", "", ""))
                    if other is not None and other is not name:
                        other.full.append((k, end))
                        break
                else:
                    kept.append((start, end))
            name.full = kept
            if not kept:
                del self.by_key[key]
                self.surnames[key[1]].remove(name)
                self.first_names[key[0]].remove(name)
                for table in (self.surnames, self.first_names):
                    for word in (key[0], key[1]):
                        if word in table and not table[word]:
                            del table[word]

    def _key(self, start: int, end: int) -> tuple[str, str, str] | None:
        """(first, last, suffix) of a name of two words or more; None for one word."""
        low = self.t.lower
        last = end - 1
        suffix = ""
        if last > start and low[last] in NAME_SUFFIXES:
            suffix = low[last].rstrip(".")
            last -= 1
        if last <= start:
            return None
        return low[start], low[last], suffix

    def _known(self, low: str) -> bool:
        return low in self.surnames or low in self.first_names

    def _add_full(self, start: int, end: int, gender: str | None) -> bool:
        """Record a full-name mention; False if the name is a single word."""
        key = self._key(start, end)
        if key is None:
            return False
        name = self.by_key.get(key)
        if name is None:
            name = self.by_key[key] = _Name(first=key[0], last=key[1], suffix=key[2])
            self.surnames.setdefault(key[1], []).append(name)
            self.first_names.setdefault(key[0], []).append(name)
        name.full.append((start, end))
        name.gender = name.gender or gender
        return True

    def _person_actors(self, singles: list[tuple[int, int, str | None]]) -> None:
        """Create person actors in text order; a one-word name goes to the most recent match."""
        index = self.index
        names = list(self.by_key.values())
        first_full = {id(n): min(s for s, _ in n.full) for n in names}
        events: list[tuple[int, int, _Name | None, str | None]] = [
            (s, e, n, None) for n in names for s, e in n.full
        ]
        events.extend((s, e, None, g or self._honorific_gender(s)) for s, e, g in singles)
        events.sort(key=lambda ev: (ev[0], -ev[1]))
        last_seen: dict[int, int] = {}
        lone: dict[tuple[str, str | None], _Name] = {}  # (word, gender) -> a person named by one word
        taken = -1
        for start, end, name, gender in events:
            if start <= taken:
                continue
            taken = end - 1
            if name is None:
                low = self.t.lower[start]
                # "Mrs. Clinton" is not Bill Clinton: an honorific rules out the other gender
                cands = [
                    n
                    for n in (self.surnames.get(low) or self.first_names.get(low) or ())
                    if not gender or _gender_of_name(n) in (None, gender)
                ]
                loners = [
                    n
                    for (word, _), n in lone.items()
                    if word == low and (not gender or n.gender in (None, gender))
                ]
                seen = [n for n in (*cands, *loners) if id(n) in last_seen]
                if seen:
                    name = max(seen, key=lambda n: last_seen[id(n)])
                elif cands:
                    name = min(cands, key=lambda n: first_full[id(n)])
                else:
                    name = lone.get((low, gender))
                    if name is None:
                        name = lone[(low, gender)] = _Name(first="", last=low)
                name.gender = name.gender or gender
            last_seen[id(name)] = start
            if name.actor is None:
                name.actor = index.new_actor("PERSON", name)
            index.add_mention(name.actor, self.doc[start:end])
        for name in (*names, *lone.values()):  # an honorific anywhere ("Ms. Joseph") sets the gender
            if name.actor is not None and name.gender:
                index.gender.setdefault(id(name.actor), name.gender)

    def _honorific_gender(self, i: int) -> str | None:
        """The gender an honorific right before token ``i`` gives ("Mrs." Clinton), else None."""
        before = self.t.lower[i - 1] if i > 0 else ""
        return "m" if before in HONORIFICS_MALE else "f" if before in HONORIFICS_FEMALE else None

    def _named_actors(self, orgs: list[tuple[int, int, str]]) -> None:
        """Organisations, places and nationalities, clustered by normalised text."""
        index = self.index
        for start, end, label in orgs:
            if index.owner[start] is not None:
                continue
            key = _org_key(self.doc[start:end].text)
            if not key:
                continue
            actor = index.orgs.get(key)
            if actor is None:
                actor = index.orgs[key] = index.new_actor(label)
            index.add_mention(actor, self.doc[start:end])

    # -- titles ------------------------------------------------------------------------------

    def _titles(self) -> None:
        """Collect the prenominal, appositive and copular titles of every person."""
        index = self.index
        for actor in index.all:
            if actor.type != "PERSON":
                continue
            found: list[tuple[int, str]] = []
            for m in actor.mentions:
                root = m.root.i
                for pos, start, end in self._titles_of(m.start, root):
                    text = self._clean_title(start, end)
                    if text:
                        found.append((pos, text))
                        for k in range(start, end):
                            index.title_owner.setdefault(k, actor)
            seen: set[str] = set()
            for _, text in sorted(found):
                if text.lower() not in seen:
                    seen.add(text.lower())
                    actor.titles.append(text)
            index.set_titles(actor)

    def _titles_of(self, start: int, h: int) -> Iterable[tuple[int, int, int]]:
        """(position, start, end) of title phrases attached to the name ``start``..``h``."""
        t = self.t
        doc = self.doc
        # prenominal: the part of the head's left subtree before the name
        left = doc[h].left_edge.i
        s = start
        while s > left:
            k = s - 1
            if t.pos[k] in ("PUNCT", "SPACE", "VERB", "AUX", "PRON", "PART", "CCONJ", "SCONJ", "DET"):
                break
            if t.pos[k] == "ADP" and t.lower[k] != "of":
                break
            if t.dep[k] == "poss" or t.lower[k] in HONORIFICS:
                break
            owner = self.index.owner[k]
            if owner is not None and owner.type == "PERSON" and t.dep[k] != "compound":
                break
            s = k
        while s < start and t.lower[s] == "of":
            s += 1
        if s < start and any(t.is_title_word(k) for k in range(s, start)):
            yield s, s, start
        # appositive after the name, or the name in apposition to a title before it
        for c in doc[h].rights:
            if c.dep_ == "appos" and t.is_title_word(c.i):
                yield self._np_title(c.i)
                yield from (self._np_title(d.i) for d in c.conjuncts if t.is_title_word(d.i))
        if t.dep[h] == "appos" and t.head[h] < start and t.is_title_word(t.head[h]):
            yield self._np_title(t.head[h])
        # copular: "X is the news editor of Y", "X, who is the mayor"
        verbs = []
        if t.dep[h] in SUBJECT_DEPS:
            verbs.append(doc[t.head[h]])
        verbs.extend(c for c in doc[h].rights if c.dep_ == "relcl")
        for verb in verbs:
            if verb.lemma_ == "be":
                for c in verb.rights:
                    if c.dep_ == "attr" and t.is_title_word(c.i):
                        yield self._np_title(c.i)

    def _np_title(self, head: int) -> tuple[int, int, int]:
        """The title phrase headed by ``head``: its modifiers and "of"-phrases, not clauses."""
        t = self.t
        tok = self.doc[head]
        start = tok.left_edge.i
        for k in range(start, head):
            if t.text[k] in (",", "(", "—", "–", ":", ";"):
                start = k + 1
        end = head + 1
        for c in tok.rights:
            if c.i != end:
                break
            if (c.dep_ == "prep" and c.lower_ in TITLE_PREPOSITIONS) or c.dep_ in ("compound", "flat"):
                end = c.right_edge.i + 1
            else:
                break
        for k in range(head + 1, end):
            owner = self.index.owner[k]
            if (
                t.text[k] in (",", "(", ")", "—", "–", ";", ":")
                or t.lower[k] in ("who", "which", "that")
                or t.pos[k] == "CCONJ"
                or (owner is not None and owner.type == "PERSON")
                or self._modifies_person(k)
            ):
                end = k
                break
        while end > head + 1 and t.pos[end - 1] in ("ADP", "DET", "PUNCT", "CCONJ", "PART"):
            end -= 1
        return head, start, end

    def _modifies_person(self, k: int) -> bool:
        """Is token ``k`` part of the prenominal title of a named person ("Vice" in "Vice President X")?"""
        t = self.t
        for _ in range(4):
            if t.dep[k] not in ("compound", "amod", "nmod", "flat") or t.head[k] == k:
                return False
            k = t.head[k]
            owner = self.index.owner[k]
            if owner is not None:
                return owner.type == "PERSON"
        return False

    def _clean_title(self, start: int, end: int) -> str:
        t = self.t
        while start < end and (t.lower[start] in DETERMINERS or t.pos[start] in ("PUNCT", "SPACE")):
            start += 1
        while end > start and t.pos[end - 1] in ("PUNCT", "SPACE") and t.text[end - 1] != ".":
            end -= 1
        if start >= end or not any(t.is_title_word(k) for k in range(start, end)):
            return ""
        return self.doc[start:end].text

    # -- title-only mentions, vocatives, pronouns --------------------------------------------

    def _title_mentions(self) -> None:
        """ "the Secretary", "The Israeli defense minister": the person with that title."""
        t = self.t
        index = self.index
        if not index.title_owner:
            return
        for i in range(len(t.text)):
            if (
                t.lower[i] not in TITLE_WORDS
                or t.pos[i] not in ("NOUN", "PROPN")
                or t.tag[i] in ("NNS", "NNPS")
                or t.dep[i] in ("compound", "amod", "appos", "attr")
                or i in index.title_owner
                or index.owner[i] is not None
            ):
                continue
            span = index.title_phrase(i, require_the=True)
            if span is not None:
                actor = index.match_title(span, i)
                if actor is not None:
                    index.add_mention(actor, span)

    def _vocatives(self) -> None:
        """A name opening a quotation and followed by a comma addresses that person ("Yoav, ...")."""
        t = self.t
        index = self.index
        n = len(t.text)
        prev = -1
        for i in range(n):
            q = t.quote[i]
            if q < 0 or q == prev or t.pos[i] == "SPACE":
                continue
            prev = q
            j = i + 1 if t.lower[i] in HONORIFICS else i
            k = j
            while k < n and t.quote[k] == q and t.pos[k] == "PROPN" and t.cap(k):
                k += 1
            if k == j or k >= n or t.text[k] != ",":
                continue
            actor = index.owner[j]
            if actor is None:
                actor = index.lookup_name(j, k)
                if actor is not None:
                    index.add_mention(actor, self.doc[j:k])
            if actor is not None and actor.type == "PERSON":
                index.vocative[q] = (k, actor)

    def _pronouns(self) -> None:
        """he/she (and "you" after a vocative), resolved now so that the output shows them."""
        t = self.t
        index = self.index
        for i, low in enumerate(t.lower):
            if low in PERSONAL_PRONOUNS and t.pos[i] == "PRON" and index.owner[i] is None:
                actor = index.resolve_pronoun(i)
                if actor is not None:
                    index.add_mention(actor, self.doc[i : i + 1])


def _org_key(text: str) -> str:
    """Normalise an organisation or place name: "the U.S.'s" -> "united states"."""
    low = text.lower().replace("’", "'")
    if low.endswith("'s"):
        low = low[:-2]
    low = low.rstrip("'").strip()
    if low.startswith("the "):
        low = low[4:]
    low = " ".join(low.replace(".", "").split())
    return ALIASES.get(low, low)


# --- the index --------------------------------------------------------------------------------


class _Index:
    """Who owns each token, plus what resolution needs: names, titles, genders, vocatives."""

    def __init__(self, doc: Doc, tokens: _Tokens) -> None:
        self.doc = doc
        self.t = tokens
        self.actors = ActorList()  # published: sorted by first mention
        self.actors.index = self
        self.all: list[Actor] = []  # every actor, in creation order
        self.building = True
        self.owner: list[Actor | None] = [None] * len(doc)
        self.starts: dict[int, list[int]] = {}  # id(actor) -> sorted mention starts
        self.names: dict[int, _Name] = {}  # id(person actor) -> its name
        self.gender: dict[int, str] = {}  # id(person actor) -> "m" or "f"
        self.titles: dict[int, list[_Title]] = {}  # id(person actor) -> its titles, as words
        self.title_owner: dict[int, Actor] = {}  # token in a title phrase -> the person it titles
        self.orgs: dict[str, Actor] = {}
        self.vocative: dict[int, tuple[int, Actor]] = {}  # quote id -> (comma after name, actor)
        # Indexes so that lookups cost the matches, not every actor (a long article has thousands):
        self.by_full: dict[tuple[str, str], list[Actor]] = {}  # (first, last) -> persons, in ``all`` order
        self.by_last: dict[str, list[Actor]] = {}
        self.by_first: dict[str, list[Actor]] = {}
        self.by_head: dict[tuple[str, str], set[int]] = {}  # (type, mention head) -> id(actor)s
        self._by_title_word: dict[str, list[Actor]] | None = None  # built on first use after a change

    # -- bookkeeping -------------------------------------------------------------------------

    def new_actor(self, type: str, name: _Name | None = None) -> Actor:
        actor = Actor(id="", name="", type=type)
        self.all.append(actor)
        self.starts[id(actor)] = []
        if name is not None:
            self.names[id(actor)] = name
            self._index_name(actor, name)
            if name.gender:
                self.gender[id(actor)] = name.gender
        return actor

    def _index_name(self, actor: Actor, name: _Name) -> None:
        self.by_full.setdefault((name.first, name.last), []).append(actor)
        self.by_last.setdefault(name.last, []).append(actor)
        self.by_first.setdefault(name.first, []).append(actor)

    def reindex_names(self) -> None:
        """Rebuild the name indexes in the order of ``all`` (after it was re-sorted)."""
        self.by_full, self.by_last, self.by_first = {}, {}, {}
        for actor in self.all:
            name = self.names.get(id(actor))
            if name is not None:
                self._index_name(actor, name)

    def set_titles(self, actor: Actor) -> None:
        titles = [_Title.of(title) for title in actor.titles]
        self.titles[id(actor)] = titles
        self._by_title_word = None
        if id(actor) in self.gender or actor.type != "PERSON":
            return
        words = {w for title in titles for w in title.words}
        name = self.names.get(id(actor))
        gender = _name_gender(name.first) if name is not None else None
        if words & FEMALE_TITLES:
            gender = "f"
        elif words & MALE_TITLES:
            gender = "m"
        if gender:
            self.gender[id(actor)] = gender

    def add_mention(self, actor: Actor, span: Span) -> None:
        starts = self.starts.setdefault(id(actor), [])
        k = bisect.bisect_left(starts, span.start)  # mentions are sorted by start, like ``starts``
        while k < len(starts) and starts[k] == span.start:
            if actor.mentions[k].end == span.end:
                return
            k += 1
        pos = bisect.bisect(starts, span.start)
        starts.insert(pos, span.start)
        actor.mentions.insert(pos, span)
        if len(span):
            self.by_head.setdefault((actor.type, span.root.lower_), set()).add(id(actor))
        for i in range(span.start, span.end):
            if self.owner[i] is None:
                self.owner[i] = actor
        self.owner[span.root.i] = actor
        if pos == 0 and not self.building:
            self.actors.sort(key=_first_mention)

    def finish(self) -> None:
        """Name the actors, sort them by first mention and number them."""
        actors = sorted((a for a in self.all if a.mentions), key=_first_mention)
        for n, actor in enumerate(actors, 1):
            actor.id = f"E{n}"
            actor.name = self._name(actor)
        self.all = actors
        self.actors[:] = actors
        self.building = False
        self.reindex_names()
        self._by_title_word = None

    def _name(self, actor: Actor) -> str:
        """The longest proper name among the mentions (fewest surprises for a reader)."""
        best = ""
        best_key = (0, 0)
        for m in actor.mentions:
            if m.root.pos_ == "PRON" or not m.text[:1].isupper():
                continue
            if actor.type == "PERSON" and any(w.lower_ in TITLE_WORDS or w.lower_ == "the" for w in m):
                continue
            text = m.text
            key = (len(m), len(text))
            if key > best_key:
                best, best_key = text, key
        return best or actor.mentions[0].text

    # -- lookups -----------------------------------------------------------------------------

    def most_recent(self, actors: Iterable[Actor], before: int) -> Actor | None:
        """The actor mentioned last before token ``before``, else the first one mentioned after."""
        best: Actor | None = None
        best_pos = -1
        later: Actor | None = None
        later_pos = len(self.owner) + 1
        for actor in actors:
            starts = self.starts.get(id(actor), [])
            k = bisect.bisect_left(starts, before)
            if k > 0 and starts[k - 1] > best_pos:
                best, best_pos = actor, starts[k - 1]
            elif k == 0 and starts and starts[0] < later_pos:
                later, later_pos = actor, starts[0]
        return best or later

    def lookup_name(self, start: int, end: int) -> Actor | None:
        """A person by the text of a name: full name, then surname, then first name."""
        words = self.t.lower[start:end]
        if not words:
            return None
        if len(words) > 1:
            tables = [(self.by_full, (words[0], words[-1]))]
        else:
            tables = [(self.by_last, words[0]), (self.by_first, words[0])]  # type: ignore[list-item]
        for table, key in tables:
            cands = table.get(key)  # type: ignore[attr-defined]
            if cands:
                return self.most_recent(cands, start)
        return None

    def title_phrase(self, i: int, require_the: bool) -> Span | None:
        """The noun phrase headed by title word ``i`` ("the Secretary"), or None."""
        t = self.t
        start = self.doc[i].left_edge.i
        if start > i:
            return None
        if t.lower[start] != "the" and (require_the or start != i or not t.cap(i)):
            return None
        for k in range(start + 1, i):
            if t.pos[k] in ("PUNCT", "VERB", "AUX", "PRON", "ADP", "SPACE") or not start <= t.head[k] <= i:
                return None
        return self.doc[start : i + 1]

    def match_title(self, span: Span, head: int) -> Actor | None:
        """The person with a title that fits the phrase ("the Israeli defense minister").

        The head and its noun modifiers must be in the title; adjectives may be
        missing ("the minister"), but a different proper adjective
        ("Democratic" against "Libertarian") or a marker like "former" or
        "vice" on one side only rules the title out.
        """
        t = self.t
        needed = {t.lower[head]}
        optional: set[str] = set()
        proper: set[str] = set()
        for k in range(span.start, head):
            low = t.lower[k]
            if low in DETERMINERS:
                continue
            if t.dep[k] in OPTIONAL_MODIFIER_DEPS and low not in TITLE_MARKERS:
                optional.add(low)
                if t.cap(k) and k > span.start:
                    proper.add(low)
            else:
                needed.add(low)
        phrase = needed | optional
        best: list[Actor] = []
        best_score = -1
        if self._by_title_word is None:  # actors by the words of their titles, in ``all`` order
            self._by_title_word = {}
            for actor in self.all:
                for word in {w for title in self.titles.get(id(actor), ()) for w in title.words}:
                    self._by_title_word.setdefault(word, []).append(actor)
        for actor in self._by_title_word.get(t.lower[head], ()):  # a fitting title has the head word
            for title in self.titles.get(id(actor), ()):
                if not needed <= title.words or (title.words & TITLE_MARKERS) - phrase:
                    continue
                if proper - title.words and title.proper - phrase:
                    continue
                score = len(optional & title.words)
                if score > best_score:
                    best, best_score = [actor], score
                elif score == best_score and actor not in best:
                    best.append(actor)
        return self.most_recent(best, span.start) if best else None

    def _rank(self, actor: Actor | None, want: str, banned: Actor | None) -> int:
        """2: a person of the pronoun's gender; 1: of unknown gender; 0: not a candidate.

        Unknown counts as male for "he": the name lists are small and news
        sources are mostly men, so "she" waits for a known woman if there is one.
        """
        if actor is None or actor.type != "PERSON" or actor is banned:
            return 0
        gender = self.gender.get(id(actor))
        if gender is None:
            return 2 if want == "m" else 1
        return 2 if gender == want else 0

    def resolve_pronoun(self, i: int) -> Actor | None:
        """he/she: a subject in this or the last narrative sentence, else the last fitting person.

        Why subjects first: news prose keeps its protagonist as the subject, and
        '... 40 times," he said' refers to the person of the sentence before the
        quote, not to the last name inside it. Outside quotes, names inside
        quotes are skipped for the same reason.
        """
        t = self.t
        low = t.lower[i]
        q = t.quote[i]
        if low in PRONOUNS_YOU:
            if q >= 0 and q in self.vocative and self.vocative[q][0] < i:
                return self.vocative[q][1]
            return None
        if low in PRONOUNS_THEY:
            return self._resolve_they(i)
        if low not in PRONOUNS_MALE and low not in PRONOUNS_FEMALE:
            return None
        want = "m" if low in PRONOUNS_MALE else "f"
        banned: Actor | None = None
        if t.dep[i] in OBJECT_DEPS and not low.endswith("self"):
            verb = t.head[t.head[i]] if t.dep[i] == "pobj" else t.head[i]
            for c in self.doc[verb].children:
                if c.dep_ in SUBJECT_DEPS:
                    banned = self.owner[c.i]
        # candidates in this sentence and the previous narrative one, most recent first
        window: list[tuple[Actor, int, bool]] = []
        s = t.sent[i]
        stop = i
        while s >= 0:
            narrative = False
            for j in range(stop - 1, t.sent_starts[s] - 1, -1):
                if q < 0 and t.quote[j] >= 0:
                    continue
                narrative = narrative or t.pos[j] not in ("PUNCT", "SPACE")
                actor = self.owner[j]
                rank = self._rank(actor, want, banned)
                if rank and actor is not None:
                    window.append((actor, rank, t.dep[j] in SUBJECT_DEPS))
            stop = t.sent_starts[s]
            s -= 1
            if (narrative and t.sent[i] - s > 1) or t.sent[i] - s > 8:
                break
        found: Actor | None = None
        for wanted, subjects_only in ((2, True), (2, False), (1, True), (1, False)):
            found = next((a for a, r, subj in window if r == wanted and (subj or not subjects_only)), None)
            if found is not None:
                break
        if found is None:  # nothing in the window: the last person of this gender before, however far
            for j in range(stop - 1, max(-1, stop - 400), -1):
                if (q >= 0 or t.quote[j] < 0) and self._rank(self.owner[j], want, banned) == 2:
                    found = self.owner[j]
                    break
        if found is not None:
            self.gender.setdefault(id(found), want)
        return found

    def _resolve_they(self, i: int) -> Actor | None:
        """they/their: the last group in this or the previous sentence, or an organisation subject.

        Why so strict: "they" often points at a plural no actor covers
        ("Netanyahu and other officials"); None is better than a wrong link.
        """
        t = self.t
        for j in range(i - 1, -1, -1):
            if t.sent[j] < t.sent[i] - 1:
                break
            actor = self.owner[j]
            if actor is None or (t.quote[i] < 0 and t.quote[j] >= 0):
                continue
            if actor.type == "GROUP":
                return actor
            if actor.type == "ORG" and t.dep[j] in SUBJECT_DEPS and t.sent[j] == t.sent[i]:
                return actor
        return None

    def resolve(self, span: Span) -> Actor | None:
        t = self.t
        root = span.root.i
        if self.owner[root] is not None:
            return self.owner[root]
        for c in self.doc[root].children:
            if c.dep_ == "appos" and span.start <= c.i < span.end and self.owner[c.i] is not None:
                return self.owner[c.i]
        if root in self.title_owner:  # "Secretary" in "Secretary of Defense Lloyd Austin"
            return self.title_owner[root]
        low = t.lower[root]
        if low in PERSONAL_PRONOUNS or low in PRONOUNS_THEY:
            actor = self.resolve_pronoun(root)
            if actor is not None:
                self.add_mention(actor, self.doc[root : root + 1])
            return actor
        if low in TITLE_WORDS:
            phrase = self.title_phrase(root, require_the=False)
            actor = self.match_title(phrase, root) if phrase is not None else None
            if actor is not None and phrase is not None:
                self.add_mention(actor, phrase)
                return actor
        start, end = t.trim(span.start, span.end)
        if start < end and all(t.cap(k) for k in range(start, end)):
            actor = self.lookup_name(start, end)
            if actor is None:
                actor = self.orgs.get(_org_key(self.doc[start:end].text))
            if actor is not None:
                self.add_mention(actor, self.doc[start:end])
                return actor
        return None

    def add_actor(self, span: Span, type: str) -> Actor:
        head = span.root.lower_ if len(span) else span.text.lower()
        having = self.by_head.get((type, head))
        if having:
            # only the actors with a mention of that head (an index, not a pass over every
            # mention of every actor), in ``actors`` order; an owner ("Clinton's campaign")
            # must agree with the owner of the mention it joins
            owner = _owner_words(span)
            for actor in self.actors:
                if id(actor) in having and any(
                    m.root.lower_ == head and (not owner or not _owner_words(m) or _owner_words(m) == owner)
                    for m in actor.mentions
                    if len(m)
                ):
                    self.add_mention(actor, span)
                    return actor
        number = 1 + max((int(a.id[1:]) for a in self.actors if a.id[1:].isdigit()), default=0)
        start, end = self.t.trim(span.start, span.end)
        actor = Actor(id=f"E{number}", name=self.doc[start:end].text if start < end else span.text, type=type)
        self.all.append(actor)
        self.starts[id(actor)] = []
        if len(span):
            self.add_mention(actor, span)
        else:
            actor.mentions.append(span)
        keys = [_first_mention(a) for a in self.actors]
        self.actors.insert(bisect.bisect(keys, _first_mention(actor)), actor)
        return actor


def _owner_words(span: Span) -> frozenset[str]:
    """The capitalised words before a phrase's head ("Trump" in "the Trump campaign").

    Why: "the Trump campaign" and "the Clinton campaign" share their head but
    are never one group.
    """
    if not len(span):
        return frozenset()
    root = span.root.i
    return frozenset(
        t.lower_.removesuffix("'s").removesuffix("’s")
        for t in span
        if t.i < root and t.text[:1].isupper() and t.lower_ not in DETERMINERS and t.tag_ != "POS"
    )


def _first_mention(actor: Actor) -> tuple[int, int]:
    return (actor.mentions[0].start, actor.mentions[0].end) if actor.mentions else (1 << 62, 0)


def _index_for(doc: Doc) -> _Index:
    """The index the component built; rebuilt when ``doc._.actors`` was replaced or never set."""
    actors = doc._.actors
    index = getattr(actors, "index", None)
    if isinstance(index, _Index) and index.doc is doc and index.actors is actors:
        return index
    index = _Index(doc, _Tokens(doc))
    index.building = False
    for actor in actors or []:
        index.all.append(actor)
        index.actors.append(actor)
        index.starts[id(actor)] = [m.start for m in actor.mentions]
        if actor.type == "PERSON":
            words = actor.name.lower().split()
            if words:
                index.names[id(actor)] = _Name(first=words[0] if len(words) > 1 else "", last=words[-1])
        index.set_titles(actor)
        for m in actor.mentions:
            if len(m):
                index.by_head.setdefault((actor.type, m.root.lower_), set()).add(id(actor))
            for i in range(m.start, min(m.end, len(doc))):
                if index.owner[i] is None:
                    index.owner[i] = actor
    index.reindex_names()
    doc._.actors = index.actors
    return index
