"""``newsgraph_attributions``: who said what, to whom, according to whom.

Three engines fill the same slot (``model`` in the component's config):
``"rules"``, below; ``"trained"``, the learned engine of
``newsgraph.analysis.learned`` (gradient-boosted trees, trained on PolNeAR and
shipped in the package, that decide which of the rules' candidates, and of
every other word's, stand); and ``"neural"``, the rules completed by the
transformer tagger of ``newsgraph.analysis.neural`` (weights not shipped; see
``combine``). Whichever finds the spans, the rest is shared: stance from the
cue, kind from the quotation marks, addressee from the parse, speaker
resolution, nesting, authorial voice. A ``threshold`` drops attributions
less confident than it.

Why rules on the dependency parse too: they run at the speed of the parser, need
no training run to install, and every decision can be explained. The cue
words are not hand-picked, though: ``cues.lexicon()`` says, for each lemma and
part of speech, how often it cued an attribution in PolNeAR's training split.

How one attribution is found (PolNeAR's definition: a source, one contiguous
cue, and content — a statement, belief, intention or decree):

1. **Cue.** A token whose lemma is a frequent cue (``MIN_RATE``) and which has
   something to attribute: a clausal complement ("said *that* ..."), an
   infinitive ("plans *to* ..."), an object ("denied *it*"), a quotation next
   to it, or a colon. ``according to`` and a headline colon
   ("Caddell: ...") are cues of their own. The cue span keeps the verb group
   together (auxiliaries, negation, adverbs between them, particles).
2. **Source.** The verb's subject with its modifiers (appositions, relative
   clauses that identify it); for participles ("..., *saying* that") and
   conjoined verbs the subject of the governing verb; for passives the
   ``by`` agent; for ``according to`` its object; none for "it is said".
3. **Content.** The complement's words; for direct speech every quotation in
   the sentence, plus the quoted sentences that follow in the same paragraph
   (and a quoted paragraph after "He continued:"); for a cue that comments on
   its clause ("..., officials said") the rest of the clause.
4. **Addressee.** The person told ("told *CNN*", "warned *Gallant*"), the
   object of "to" after say/write, the person welcomed or interviewed in "in
   remarks welcoming *Gallant*", or the name a quote opens by addressing
   ("*Yoav*, your ...").
5. **Nesting.** An attribution whose cue lies inside another's content is
   nested in it (``parent``); PolNeAR annotates only the outermost, so the
   evaluation leaves nested ones out, while the JSON output keeps both.
6. **No phantoms.** A cue word that attributes nothing where it stands is
   left out (``Engine.phantom``, ``Engine.free_relative``,
   ``drop_inner_verbs``): purpose and infinitival clauses ("to ask for"),
   modifiers ("voters *supporting* Trump"), framing verbs ("*seemed* to"),
   the verb of a content already attributed ("vowed they *will launch*"), a
   free relative's "what", and a non-passive verb with no source. ``direct``
   needs quotation marks in the content.

Sentences of the text that take part in no attribution are the author's own
voice (``doc._.authorial``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from newsgraph.analysis import actors, intervals, neural
from newsgraph.analysis.budget import checkpoint
from newsgraph.analysis.cues import lexicon, stance_of
from newsgraph.analysis.quotes import Quote, find_quotes
from newsgraph.errors import Errors, NewsgraphError

for _name in ("attributions", "authorial", "quotes"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

MIN_RATE = 0.2
MIN_COUNT = 3
TELL_LEMMAS = {
    "tell",
    "inform",
    "assure",
    "warn",
    "remind",
    "ask",
    "urge",
    "brief",
    "notify",
    "advise",
    "promise",
    "caution",
    "reassure",
    "convince",
    "persuade",
    "show",
    "teach",
    "email",
}
SPEECH_LEMMAS = {
    "say",
    "write",
    "explain",
    "speak",
    "talk",
    "complain",
    "announce",
    "describe",
    "admit",
    "confess",
    "mention",
    "report",
    "declare",
    "state",
    "suggest",
    "tweet",
    "add",
}
SAY_LIKE = {
    "say",
    "add",
    "tell",
    "note",
    "write",
    "explain",
    "continue",
    "state",
    "insist",
    "argue",
    "claim",
    "warn",
    "declare",
    "stress",
    "ask",
    "reply",
    "respond",
    "answer",
    "conclude",
    "tweet",
    "quip",
    "joke",
    "recall",
    "acknowledge",
    "admit",
    "emphasize",
    "predict",
    "observe",
    "remark",
    "announce",
    "complain",
    "concede",
    "confirm",
    "report",
    "shout",
    "vow",
    "promise",
    "pledge",
    "suggest",
    "contend",
    "allege",
    "assert",
    "maintain",
    "muse",
}
MEDIUM_NOUNS = {
    "remark",
    "remarks",
    "interview",
    "statement",
    "speech",
    "address",
    "conversation",
    "call",
    "letter",
    "meeting",
    "briefing",
    "message",
    "email",
    "note",
    "appearance",
    "conference",
    "op-ed",
    "post",
    "tweet",
    "video",
}
RELATIVE = {"who", "which", "that", "whom"}
EMPTY_SUBJECTS = {"it", "there"}
SUBJECT_DEPS = {"nsubj", "csubj"}
OBJECT_DEPS = {"dobj", "dative", "obj"}
# prepositions that usually add when/where it was said rather than what ("in tweets", "since May")
CIRCUMSTANTIAL = {"in", "at", "since", "during", "after", "before", "on", "over", "through", "amid", "via"}
OBJECT_COMPLEMENTS = {"prep", "oprd", "xcomp", "ccomp", "acomp", "attr"}
ARTIFACTS = {
    "report",
    "study",
    "poll",
    "survey",
    "statement",
    "tweet",
    "ad",
    "advertisement",
    "letter",
    "memo",
    "analysis",
    "document",
    "book",
    "video",
    "article",
    "story",
    "editorial",
    "review",
    "paper",
    "email",
    "release",
    "post",
    "ruling",
    "order",
    "bill",
    "resolution",
    "law",
    "speech",
    "interview",
    "campaign",
    "commercial",
    "filing",
    "lawsuit",
    "complaint",
    "proposal",
    "plan",
}
PERSONISH = {
    "official",
    "source",
    "aide",
    "critic",
    "people",
    "expert",
    "analyst",
    "supporter",
    "voter",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "leader",
    "lawmaker",
    "member",
    "resident",
    "observer",
    "strategist",
    "adviser",
    "advisor",
    "democrat",
    "republican",
    "activist",
    "economist",
    "staffer",
    "campaign",
    "group",
    "organization",
    "agency",
}


@dataclass
class Found:
    """One attribution on the Doc: spaCy spans plus the actor ids they resolve to."""

    id: str
    kind: str
    cue: Span
    content: list[Span]
    source: Span | None = None
    addressee: Span | None = None
    source_entity: str | None = None
    addressee_entity: str | None = None
    stance: str = "neutral"
    confidence: float = 1.0
    parent: str | None = None
    head: Token | None = field(default=None, repr=False)

    @property
    def cue_word(self) -> Token:
        """The word the cue was found at: the rule's head word, else the cue span's root."""
        return self.head if self.head is not None else self.cue.root


# ------------------------------------------------------------------ helpers


def _trim(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token range without leading/trailing punctuation and spaces (quotation marks stay)."""
    while start < end and (doc[start].is_punct or doc[start].is_space) and not _is_quote_mark(doc[start]):
        start += 1
    while (
        end > start and (doc[end - 1].is_punct or doc[end - 1].is_space) and not _is_quote_mark(doc[end - 1])
    ):
        end -= 1
    return start, end


def _is_quote_mark(token: Token) -> bool:
    return token.text in {'"', "“", "”", "‘", "’", "«", "»", "''", "``"}


def _runs(doc: Doc, indices: Iterable[int]) -> list[Span]:
    """Contiguous runs of token indices as trimmed spans (runs may bridge spaces/punctuation)."""
    ids = sorted(set(indices))
    spans: list[Span] = []
    run: list[int] = []
    for i in ids:
        if run and i != run[-1] + 1:
            gap = range(run[-1] + 1, i)
            if not all(doc[j].is_space or doc[j].is_punct for j in gap):
                spans.append(_span(doc, run[0], run[-1] + 1))
                run = []
        run.append(i)
    if run:
        spans.append(_span(doc, run[0], run[-1] + 1))
    return [s for s in spans if len(s) and any(not t.is_punct and not t.is_space for t in s)]


def _span(doc: Doc, start: int, end: int) -> Span:
    start, end = _trim(doc, start, end)
    return doc[start:end]


def _subtree_ids(token: Token, stop: set[int] | None = None) -> set[int]:
    """Indices of a token's subtree, not descending into tokens in ``stop``."""
    out: set[int] = set()
    todo = [token]
    while todo:
        t = todo.pop()
        if stop and t.i in stop:
            continue
        out.add(t.i)
        todo.extend(t.children)
    return out


SUBORDINATORS = {
    "after", "although", "as", "because", "before", "if", "once", "since", "though", "unless",
    "until", "when", "whenever", "where", "whereas", "while", "whether",
}


def _subordinate(clause: Token) -> bool:
    """Does this clause open with a subordinating word ("when the council met")? Not when that word
    has an object of its own: "after the storm it would ..." opens with a phrase."""
    first = clause.doc[clause.left_edge.i]
    return first.lower_ in SUBORDINATORS and not any(c.dep_ == "pobj" for c in first.children)


def _personish(token: Token) -> bool:
    """Could this noun speak? Names, pronouns, people and organisations."""
    return (
        token.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"}
        or token.pos_ in {"PROPN", "PRON"}
        or token.lemma_.lower() in PERSONISH
    )


# verbs that only frame another verb ("seemed to reverberate", "continue to show"): no statement of their own
ASPECTUAL = {
    "seem", "appear", "continue", "attempt", "try", "begin", "start", "keep", "fail", "manage", "tend",
}
# a purpose clause after these gives a meeting's agenda, which PolNeAR counts ("met to discuss the budget")
MEETING = {"meet", "gather", "speak", "go"}
# verbs whose own meaning is saying something: never phantoms, whatever clause they sit in
SPEAKING = SAY_LIKE | SPEECH_LEMMAS | TELL_LEMMAS
FREE_RELATIVE = {"what", "whatever"}
NOMINAL_CLAUSES = {"pcomp", "csubj", "csubjpass"}


def cue_rate(token: Token) -> float:
    """How often PolNeAR's annotators took this lemma and part of speech as a cue (0: too rarely
    seen to say)."""
    stats = lexicon().get((token.lemma_.lower(), token.pos_))
    if stats is None or stats.cue < MIN_COUNT:
        return 0.0
    return stats.rate


# ------------------------------------------------------------------ the engine


class Engine:
    """Finds attributions in one parsed Doc."""

    def __init__(self, doc: Doc, min_rate: float = MIN_RATE) -> None:
        self.doc = doc
        self.min_rate = min_rate
        self.text = doc.text  # spaCy rebuilds doc.text on every access: keep one copy
        self.quotes: list[Quote] = find_quotes(self.text)
        self.quoted = self._quoted_tokens()
        self._members: dict[int, set[int]] | None = None
        self.found: list[Found] = []
        self.used_cues: set[int] = set()

    def _quoted_tokens(self) -> list[int]:
        """For each token, the index of the quote it lies in, or -1."""
        out = [-1] * len(self.doc)
        if not self.quotes:
            return out
        qi = 0
        for t in self.doc:
            while qi < len(self.quotes) and self.quotes[qi].end <= t.idx:
                qi += 1
            if qi < len(self.quotes) and self.quotes[qi].contains(t.idx):
                out[t.i] = qi
        return out

    # -- cue spans ---------------------------------------------------------

    def cue_span(self, head: Token, extra: Iterable[int] = ()) -> tuple[int, int]:
        """The verb group around a cue head: auxiliaries, negation, adverbs, particles."""
        ids = {head.i, *extra}
        for child in head.children:
            if child.dep_ in {"aux", "auxpass", "neg", "prt"} or (
                child.dep_ == "advmod" and child.i < head.i and child.i > head.i - 4
            ):
                ids.add(child.i)
        start, end = min(ids), max(ids) + 1
        # a verb group must be contiguous: drop pieces separated by other words
        while start < head.i and any(
            self.doc[j].i not in ids and not self.doc[j].is_space for j in range(start, head.i)
        ):
            start = min(i for i in ids if i > start)
        while end - 1 > head.i and any(
            self.doc[j].i not in ids and not self.doc[j].is_space for j in range(head.i + 1, end)
        ):
            end = max(i for i in ids if i < end - 1) + 1
        return start, end

    # -- sources -------------------------------------------------------------

    def subject_of(self, verb: Token) -> Token | None:
        """The subject of a verb, inherited from governing verbs when it has none."""
        seen = 0
        t = verb
        while seen < 4:
            for child in t.children:
                if child.dep_ in SUBJECT_DEPS:
                    if child.lower_ in EMPTY_SUBJECTS and child.dep_ == "nsubj" and t.lemma_ == "be":
                        return None
                    return child
                if child.dep_ == "agent":
                    objs = [c for c in child.children if c.dep_ == "pobj"]
                    if objs:
                        return objs[0]
            if any(c.dep_ == "nsubjpass" for c in t.children):
                return None
            if t.head.i == t.i:
                return None
            if t.dep_ == "acl" and t.tag_ in {"VBG", "VBN"}:
                noun = t.head
                if _personish(noun) or noun.lemma_.lower() in ARTIFACTS:
                    return noun  # "officials saying that ...", "a tweet attacking ..."
                # "at a news conference announcing that ...": the one who held it
                t = noun.head if noun.dep_ in {"pobj", "dobj", "attr"} else noun
                if t.dep_ == "prep":
                    t = t.head
                seen += 1
                continue
            if t.dep_ in {"conj", "xcomp", "advcl", "pcomp", "prep", "acl"}:
                t = t.head  # "..., saying that", "stopped short of calling", "went on to say"
                seen += 1
                continue
            if t.dep_ == "relcl" and t.head.pos_ in {"NOUN", "PROPN", "PRON"}:
                return t.head
            return None
        return None

    def source_span(self, subject: Token, exclude: set[int]) -> Span | None:
        stop = {i for i in exclude if i != subject.i}
        ids = _subtree_ids(subject, stop)
        # never let a source run into a quotation or the content
        ids = {i for i in ids if self.quoted[i] < 0 or self.quoted[i] == self.quoted[subject.i]}
        if not ids:
            return None
        start, end = min(ids), max(ids) + 1
        # keep it contiguous around the subject's head
        for j in range(subject.i, end):
            if j not in ids and not self.doc[j].is_space and not self.doc[j].is_punct:
                end = j
                break
        for j in range(subject.i, start - 1, -1):
            if j not in ids and not self.doc[j].is_space and not self.doc[j].is_punct:
                start = j + 1
                break
        span = _span(self.doc, start, end)
        return span if len(span) else None

    # -- contents --------------------------------------------------------------

    def quotes_in(self, sent: Span) -> list[int]:
        """Quotations that start or end in a sentence and are long enough to be speech."""
        out = []
        for qi in sorted({self.quoted[t.i] for t in sent if self.quoted[t.i] >= 0}):
            q = self.quotes[qi]
            words = len(self.text[q.start : q.end].split())
            starts_here = q.start >= sent.start_char - 1
            ends_here = q.end <= sent.end_char + 1  # a quote of several sentences, cue after it
            if (starts_here or ends_here) and (words >= 3 or not q.single):
                out.append(qi)
        return out

    def quote_before(self, sent: Span, head: Token) -> int | None:
        """The quotation that closes right before ``sent``, when ``sent`` opens with its cue.

        spaCy ends a sentence after a quotation's ``?”``, ``!”`` or ``.”``, so in
        *“Why now?” she asked.* the cue's sentence holds no quotation at all: what
        was asked is the one that closed just before it, in the same paragraph.
        Only when nothing but the speaker (a few words, none quoted) stands
        between the sentence's start and the cue.
        """
        doc = self.doc
        j = sent.start - 1
        while j >= 0 and doc[j].is_space and "\n" not in doc[j].text:
            j -= 1
        if j < 0 or self.quoted[j] < 0 or not _is_quote_mark(doc[j]):
            return None
        lead = [t for t in doc[sent.start : head.i] if not t.is_space]
        if len(lead) > 6 or any(self.quoted[t.i] >= 0 or "\n" in t.text for t in lead):
            return None
        return self.quoted[j]

    def quote_tokens(self, qi: int) -> set[int]:
        """Indices of the tokens inside quotation ``qi``."""
        if self._members is None:
            self._members = {}
            for i, v in enumerate(self.quoted):
                if v >= 0:
                    self._members.setdefault(v, set()).add(i)
        return self._members.get(qi, set())

    def continuation(self, sent: Span) -> list[int]:
        """Quotation sentences right after ``sent`` in its paragraph that carry no cue of their own."""
        out: list[int] = []
        doc = self.doc
        t = sent.end
        while t < len(doc):
            nxt = doc[t].sent
            if any("\n" in doc[j].text for j in range(sent.end - 1 if out == [] else t - 1, t)):
                break
            first = next((tok for tok in nxt if not tok.is_space), None)
            if first is None or self.quoted[first.i] < 0:
                break
            if any(self.is_cue_candidate(tok) for tok in nxt if self.quoted[tok.i] < 0):
                break
            for qi in {self.quoted[tok.i] for tok in nxt if self.quoted[tok.i] >= 0}:
                out.extend(self.quote_tokens(qi))  # a quote may run on into later paragraphs
            t = nxt.end
            sent = nxt
        return out

    def next_paragraph_quote(self, sent: Span) -> list[int]:
        """After "He continued:" at a paragraph's end, the quoted paragraph that follows."""
        doc = self.doc
        j = sent.end
        if j >= len(doc) or not any("\n" in doc[k].text for k in range(sent.end - 1, min(j + 1, len(doc)))):
            return []
        while j < len(doc) and doc[j].is_space:
            j += 1
        if j >= len(doc):
            return []
        para_end = j
        while para_end < len(doc) and "\n\n" not in doc[para_end].text:
            para_end += 1
        return list(range(j, para_end))

    def is_cue_candidate(self, token: Token) -> bool:
        return token.pos_ in {"VERB", "NOUN"} and cue_rate(token) >= self.min_rate

    # -- one cue ---------------------------------------------------------------

    def phantom(self, head: Token) -> bool:
        """Is this cue word, here, no attribution at all (a phantom statement)?

        The lexicon says how often a lemma cues an attribution, not where:
        "ask" cues one in "she asked whether ..." but not in "the purpose of
        the trip was to ask for weapons". Measured on PolNeAR dev (every rule
        raised who-said-what precision; docs/results.md), a verb is no
        statement when it is

        * a to-infinitive below another word (purpose and infinitival clauses:
          "to ask for", "a delegation meant to discuss", "plans to attack"),
          except a meeting's agenda ("met to discuss the budget");
        * a gerund after a preposition ("fined for promoting pills") or a
          participle or infinitive modifying a noun ("voters supporting
          Trump", "a lawsuit seeking records"), unless a verb of speaking;
        * in a relative clause, or conjoined to a verb that cues nothing, and
          neither a verb of speaking nor one with a clausal complement
          ("the paper that the group published");
        * an aspectual or raising verb whose infinitive cues nothing
          ("seemed to reverberate", "will continue their attacks").

        Each test looks at the token and its children only: linear in the Doc.
        """
        lemma = head.lemma_.lower()
        children = list(head.children)
        speaking = lemma in SPEAKING
        reports = speaking or any(c.dep_ == "ccomp" for c in children)
        if head.dep_ != "ROOT" and any(c.dep_ == "aux" and c.lower_ == "to" for c in children):
            agenda = speaking or lemma in {"discuss", "debate", "consider", "review"}
            return not (head.dep_ == "advcl" and head.head.lemma_.lower() in MEETING and agenda)
        if head.dep_ == "pcomp" and head.tag_ == "VBG" and not speaking:
            return True
        if head.dep_ == "acl" and not speaking:
            return True
        if head.dep_ == "relcl" and not reports:
            return True
        if head.dep_ == "conj" and not reports and cue_rate(head.head) < self.min_rate:
            return True
        return self.aspectual(head)

    def aspectual(self, head: Token) -> bool:
        """'seemed to reverberate', 'continues his adulation': a framing verb with no statement."""
        if head.lemma_.lower() not in ASPECTUAL or any(c.dep_ == "ccomp" for c in head.children):
            return False
        if any(self.quoted[c.i] >= 0 for c in head.children):
            return False  # "She continued, “...”": continue as a verb of speaking
        inner = [c for c in head.children if c.dep_ == "xcomp"]
        return not any(self.is_cue_candidate(c) for c in inner)  # "appeared to suggest" stays

    @staticmethod
    def object_control(head: Token, addressee: Token, complements: list[Token]) -> bool:
        """'urged *lawmakers* to act', 'asked *her* to resign': the addressee is also the doer of the content.

        PolNeAR's annotators put such an object inside the content (three in
        four of them on the training split: 133 of 179), where the object of
        "told *him* that ..." stays out of it (259 of 355). It is still the addressee.
        """
        return bool(complements) and all(
            c.dep_ == "xcomp" and c.i > addressee.i > head.i and any(g.lower_ == "to" for g in c.children)
            for c in complements
        )

    def verb_attribution(self, head: Token) -> Found | None:
        doc = self.doc
        if (
            head.dep_ == "acl"
            and head.head.lemma_.lower() in MEDIUM_NOUNS
            and not any(c.dep_ in {"ccomp", "xcomp"} for c in head.children)
        ):
            return None  # "in remarks welcoming Gallant": who was addressed, not a statement
        if self.phantom(head):
            return None
        sent = head.sent
        lemma = head.lemma_.lower()
        rate = cue_rate(head)
        cue_extra: list[int] = []
        content_ids: set[int] = set()
        addressee: Token | None = None
        complements = [c for c in head.children if c.dep_ in {"ccomp", "xcomp"}]
        if not complements and lemma in SAY_LIKE:
            # "Trump said after the convention he would not accept it": the parser hangs the
            # clause off "said" as an adverbial one; with its own subject and not opened by "if",
            # "because" or "when" it is what was said ("after the storm" opens it as a phrase)
            complements = [
                c
                for c in head.children
                if c.dep_ == "advcl"
                and c.i > head.i
                and any(g.dep_ in SUBJECT_DEPS for g in c.children)
                and not _subordinate(c)
            ]
        objects = [c for c in head.children if c.dep_ in OBJECT_DEPS]
        if lemma in TELL_LEMMAS and objects and (complements or len(objects) > 1 or lemma != "show"):
            person = objects[0]
            if (
                complements
                or person.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"}
                or person.pos_
                in {
                    "PRON",
                    "PROPN",
                }
            ):
                addressee = person
                objects = objects[1:]
        for c in complements:
            content_ids |= _subtree_ids(c)
        if not content_ids:
            # "called for X", "talked about X", "warned about X"
            for c in head.children:
                if (
                    c.dep_ == "prep"
                    and c.lower_ in {"about", "for", "on", "against", "of"}
                    and c.i == head.i + 1
                ):
                    objs = [g for g in c.children if g.dep_ in {"pobj", "pcomp"}]
                    if objs and objs[0].ent_type_ in {"DATE", "TIME"}:
                        break  # "announced on Friday that ...": when, not what
                    if objs:
                        cue_extra.append(c.i)
                        content_ids |= _subtree_ids(objs[0])
                        break
        if not content_ids and objects:
            obj = objects[0]
            if self.quoted[obj.i] < 0 or len(self.quote_tokens(self.quoted[obj.i])) > 2:
                # "attacked Clinton for her vote", "appointed him as senator": the object and
                # what completes it
                content_ids |= _subtree_ids(obj)
                for c in head.children:
                    if c.i > obj.i and c.dep_ in OBJECT_COMPLEMENTS and c.lower_ not in CIRCUMSTANTIAL:
                        content_ids |= _subtree_ids(c)
                    if obj.dep_ == "dative" and c.i > obj.i and c.dep_ == "dobj":
                        # "granted Mr. Roe an extension": what was granted, with its recipient (PolNeAR's
                        # annotators mark the object in 23 of the 24 training contents of such verbs)
                        content_ids |= _subtree_ids(c)
        quoted_direct: list[int] = []
        if lemma in SAY_LIKE or head.dep_ in {"parataxis", "ROOT"}:
            main_clause = head.dep_ in {"ROOT", "parataxis"} or (
                head.dep_ == "conj" and head.head.dep_ in {"ROOT", "parataxis"}
            )
            own = None if main_clause else _subtree_ids(head)
            for qi in self.quotes_in(sent):
                ids = self.quote_tokens(qi)
                if head.i in ids or (own is not None and not ids & own):
                    continue
                if content_ids and not (ids & content_ids) and len(ids) < 3:
                    continue
                quoted_direct.append(qi)
        if not quoted_direct and not content_ids and (lemma in SAY_LIKE or head.dep_ == "ROOT"):
            before = self.quote_before(sent, head)  # “Why now?” she asked. / “Why?” he demanded.
            if before is not None:
                quoted_direct.append(before)
        if quoted_direct:
            for qi in quoted_direct:
                content_ids |= self.quote_tokens(qi)
            content_ids |= set(self.continuation(sent))
        # "..., officials said." / "Officials said, ..." with no complement: the rest of the clause
        if not content_ids and lemma in SAY_LIKE:
            subordinate = any(c.dep_ == "mark" for c in head.children)  # "as X continues"
            if head.dep_ in {"parataxis", "ccomp", "advcl"} and head.head.i != head.i and not subordinate:
                content_ids = _subtree_ids(head.head) - _subtree_ids(head)
            elif head.dep_ == "ROOT":
                rest = [t.i for t in sent if t.i > head.i and not t.is_space]
                colon = any(doc[j].text == ":" for j in range(head.i + 1, min(head.i + 3, len(doc))))
                if colon and len(rest) <= 2:
                    content_ids = set(self.next_paragraph_quote(sent))
        colon = [j for j in range(head.i + 1, min(head.i + 3, sent.end)) if doc[j].text == ":"]
        if not content_ids:
            return None
        subject = self.subject_of(head)
        cue_start, cue_end = self.cue_span(head, cue_extra)
        cue_start = self.governing_verbs(head, cue_start)
        if colon and colon[0] == cue_end:
            cue_end = colon[0] + 1
        cue_ids = set(range(cue_start, cue_end))
        source = None
        if subject is not None and subject.i in content_ids:
            # the parser took a piece of the quotation for the subject ("... mode,” said Leslie Wimes")
            subject = next(
                (c for c in head.children if c.dep_ in SUBJECT_DEPS and c.i not in content_ids), None
            )
        if subject is None:
            subject = self.fallback_subject(head, (cue_start, cue_end), content_ids)
        if subject is not None and subject.i not in content_ids:
            source = self.source_span(subject, content_ids | cue_ids)
        if source is not None:
            content_ids -= set(range(source.start, source.end))
        content_ids -= cue_ids
        if addressee is not None:
            if self.object_control(head, addressee, complements):
                content_ids |= _subtree_ids(addressee)
            else:
                content_ids -= _subtree_ids(addressee)
        if addressee is None:
            addressee = self.addressee_of(head, content_ids)
        content_ids = self.clip(head, content_ids)
        content = _runs(doc, content_ids)
        if not content:
            return None
        if source is None and not quoted_direct and not any(c.dep_ == "auxpass" for c in head.children):
            return None  # nobody says it: only a passive ("was accused of") or a quotation may lack a source
        if self.free_relative(head, content):
            return None
        confidence = min(1.0, 0.5 + rate) if quoted_direct else rate
        return self._found(head, (cue_start, cue_end), content, source, addressee, confidence)

    def free_relative(self, head: Token, content: list[Span]) -> bool:
        """'what we expect from Clinton', 'find themselves': a bare wh-word or reflexive is no content.

        In a free relative the cue's object "what" is the thing expected, and
        the clause is a noun phrase of the sentence around it ("... is what we
        expect"), not a statement; a reflexive object ("they find themselves")
        says nothing either. Other bare pronouns ("he does not believe it")
        are what PolNeAR annotates, and stay.
        """
        first = next((t for t in content[0] if not t.is_punct), None)
        if first is None:
            return False
        if first.lower_ in FREE_RELATIVE and first.head.i == head.i and head.dep_ in NOMINAL_CLAUSES:
            return True
        words = [t for s in content for t in s if not t.is_punct and not t.is_space]
        return len(words) == 1 and first.pos_ == "PRON" and first.lower_.endswith(("self", "selves"))

    def governing_verbs(self, head: Token, cue_start: int) -> int:
        """Widen a cue over the verbs it hangs from: 'went on to say', 'stopped short of calling'.

        PolNeAR keeps the whole verb group in the cue; a governing verb that is
        not a cue itself ("try", "go on") joins it when nothing but particles,
        auxiliaries and 'to'/'of' stand between them.
        """
        doc = self.doc
        t = head
        while t.dep_ in {"xcomp", "pcomp"} and t.head.i < t.i and t.head.pos_ in {"VERB", "ADP", "ADJ"}:
            gov = t.head
            if gov.pos_ == "ADP":  # "of" in "stopped short of calling"
                gov = gov.head
            if gov.pos_ not in {"VERB", "ADJ"} or self.is_cue_candidate(gov) or gov.i >= cue_start:
                break
            g_start, _ = self.cue_span(gov)
            between = range(gov.i + 1, cue_start)
            if not all(
                doc[j].dep_ in {"aux", "prt", "prep", "advmod", "acomp"} or doc[j].lower_ in {"to", "of"}
                for j in between
            ):
                break
            cue_start = g_start
            t = gov
        return cue_start

    def clip(self, head: Token, content_ids: set[int]) -> set[int]:
        """Cut indirect content at a semicolon: what follows is the reporter's next clause."""
        doc = self.doc
        after = sorted(i for i in content_ids if i > head.i)
        for i in after:
            if doc[i].text == ";" and self.quoted[i] < 0:
                content_ids = {j for j in content_ids if j < i}
                break
        before = sorted((i for i in content_ids if i < head.i), reverse=True)
        for i in before:
            if doc[i].text == ";" and self.quoted[i] < 0:
                content_ids = {j for j in content_ids if j > i}
                break
        return content_ids

    def fallback_subject(self, head: Token, cue: tuple[int, int], content_ids: set[int]) -> Token | None:
        """A subject the parser missed: the name right before the cue, or after it ('..., said Jordan')."""
        doc = self.doc
        sent = head.sent
        j = cue[0] - 1
        while j >= sent.start and doc[j].pos_ == "ADV":
            j -= 1
        if (
            j >= sent.start
            and j not in content_ids
            and doc[j].pos_ in {"PROPN", "NOUN", "PRON"}
            and (_personish(doc[j]) and doc[j].lower_ not in EMPTY_SUBJECTS)
            and doc[j].dep_ != "nsubjpass"  # "Mr. Roe was accused of ...": the one spoken of, not the speaker
        ):
            return doc[j]
        j = cue[1]
        if j < sent.end and j not in content_ids and doc[j].pos_ in {"PROPN", "PRON"} and _personish(doc[j]):
            # take the head of the name ("said Tulsa police Chief Chuck Jordan")
            t = doc[j]
            while t.dep_ in {"compound", "amod"} and t.head.i > t.i and t.head.i < sent.end:
                t = t.head
            return t
        return None

    def addressee_of(self, head: Token, content_ids: set[int]) -> Token | None:
        """'said to X', 'in remarks welcoming X', 'in an interview with X', or a quote's vocative."""
        for c in head.children:
            if c.dep_ == "prep" and c.i not in content_ids:
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if not objs:
                    continue
                obj = objs[0]
                if (
                    c.lower_ == "to"
                    and head.lemma_.lower() in SPEECH_LEMMAS
                    and (obj.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or obj.pos_ in {"PROPN", "PRON"})
                ):
                    return obj
                if c.lower_ in {"in", "during", "at"} and obj.lemma_.lower() in MEDIUM_NOUNS:
                    for g in obj.subtree:
                        if (
                            g.ent_type_ == "PERSON"
                            and g.dep_ in {"dobj", "pobj", "compound"}
                            and (g.head.pos_ == "VERB" or g.head.lower_ in {"with", "to"})
                        ):
                            return g if g.dep_ != "compound" else g.head
        for qi in {self.quoted[i] for i in content_ids if self.quoted[i] >= 0}:
            q = self.quotes[qi]
            toks = [
                t for t in self.doc.char_span(q.start, q.end, alignment_mode="expand") or [] if not t.is_punct
            ]
            if len(toks) > 2 and toks[0].pos_ == "PROPN" and toks[1].i + 0 < len(self.doc):
                nxt = self.doc[toks[0].i + 1]
                if nxt.text == ",":
                    return toks[0]
        return None

    def according_to(self, head: Token) -> Found | None:
        """'According to X, CONTENT' and 'CONTENT, according to X'."""
        doc = self.doc
        # "to" after "according", never before it ("to Ruth according council")
        to = next((c for c in head.children if c.lower_ == "to" and c.i > head.i), None)
        if to is None and head.i + 1 < len(doc) and doc[head.i + 1].lower_ == "to":
            to = doc[head.i + 1]
        if to is None:
            return None
        objs = [c for c in to.children if c.dep_ == "pobj"]
        phrase = _subtree_ids(head) | _subtree_ids(to)
        sent = head.sent
        content_ids = {t.i for t in sent if t.i not in phrase}
        governor = head.head
        if governor.i != head.i and governor.pos_ in {"VERB", "AUX"} and governor.dep_ in {"ccomp", "xcomp"}:
            # "X said that, according to Y, Z": Y is the source of Z only, not of what X said
            marks = {c.i for c in governor.children if c.dep_ == "mark"}
            content_ids = _subtree_ids(governor) - phrase - marks
        source = self.source_span(objs[0], content_ids) if objs else None
        if source is not None:
            content_ids -= set(range(source.start, source.end))
        content = _runs(doc, content_ids)
        if not content:
            return None
        return self._found(head, (head.i, to.i + 1), content, source, None, cue_rate(head) or 0.9)

    def speaker_colon(self, sent: Span) -> Found | None:
        """'Caddell: Democrats Worried ...' or a transcript's 'WALLACE: ...': a name, a colon, speech.

        Only at the start of a paragraph (headlines are paragraphs too); the
        content runs to the end of the paragraph.
        """
        doc = self.doc
        first = sent.start
        while first < sent.end and (doc[first].is_space or _is_quote_mark(doc[first])):
            first += 1
        colon = next((t for t in doc[first : min(first + 6, sent.end)] if t.text == ":"), None)
        if colon is None or colon.i == first:
            return None
        before = doc[first : colon.i]
        if not all(t.pos_ in {"PROPN", "DET", "PUNCT"} or t.is_title or t.is_upper for t in before):
            return None
        if not (
            any(t.ent_type_ in {"PERSON", "ORG", "NORP"} for t in before)
            or all(t.is_upper or t.is_punct for t in before)
            or (len(before) == 1 and _personish(before[0]))
        ):
            return None
        source = _span(doc, before.start, before.end)
        if not len(source):
            return None  # ", : ...": punctuation names nobody
        end = colon.i + 1
        while end < len(doc) and "\n" not in doc[end].text:
            end += 1
        content = _runs(doc, range(colon.i + 1, end))
        if not content:
            return None
        return self._found(colon, (colon.i, colon.i + 1), content, source, None, 0.6)

    def headline(self, sent: Span) -> Found | None:
        """'Mayor Tells Council Barrier Is "Vital"': title case hides the verb from the tagger.

        In a title-cased line a word like 'Tells' or 'Warns' is tagged as a
        proper noun; we recognise the cue by its form instead, take the name
        before it as the source, a name right after a telling verb as the
        addressee, and the rest of the line as the content.
        """
        doc = self.doc
        words = [t for t in sent if t.is_alpha]
        if len(words) < 4 or sum(t.is_title or t.is_upper for t in words) < 0.6 * len(words):
            return None
        for t in sent[1:]:
            lemma = _headline_lemma(t.lower_)
            if lemma is None or self.quoted[t.i] >= 0:
                continue
            before = [x for x in doc[sent.start : t.i] if not x.is_space]
            if (
                not before
                or len(before) > 6
                or not all(x.is_title or x.is_upper or x.is_punct for x in before)
            ):
                return None
            start = t.i + 1
            addressee = None
            if lemma in TELL_LEMMAS:
                end = start
                while (
                    end < sent.end and doc[end].pos_ == "PROPN" and self.quoted[end] < 0 and end - start < 3
                ):
                    if end + 1 < sent.end and doc[end + 1].text == "-" and not doc[end].whitespace_:
                        break  # "US-Israel" is a compound, not a name
                    end += 1
                if start < end < sent.end - 1:
                    addressee = doc[start:end]
                    start = end
            content = _runs(doc, range(start, sent.end))
            if not content:
                return None
            source = _span(doc, before[0].i, before[-1].i + 1)
            found = self._found(t, (t.i, t.i + 1), content, source, addressee, 0.7)
            found.stance = stance_of(lemma)
            return found
        return None

    def dash_signature(self, qi: int) -> Found | None:
        """'"...," ― Jane Roe': a quotation signed with a dash and a name."""
        doc = self.doc
        q = self.quotes[qi]
        span = doc.char_span(q.end, min(len(self.text), q.end + 4), alignment_mode="expand")
        if span is None:
            return None
        j = span.start
        while j < len(doc) and (doc[j].is_space or doc[j].text in {",", "."}):
            j += 1
        if j >= len(doc) or doc[j].text not in {"―", "—", "--", "–"}:
            return None
        k = j + 1
        while k < len(doc) and doc[k].is_space and "\n" not in doc[k].text:
            k += 1
        end = k
        while end < len(doc) and (doc[end].pos_ == "PROPN" or doc[end].is_title) and end - k < 5:
            end += 1
        if end == k:
            return None
        ids = self.quote_tokens(qi)
        content = _runs(doc, ids)
        if not content:
            return None
        return self._found(doc[j], (j, j + 1), content, doc[k:end], None, 0.7)

    def _found(
        self,
        head: Token,
        cue: tuple[int, int],
        content: list[Span],
        source: Span | None,
        addressee: Token | Span | None,
        confidence: float,
    ) -> Found:
        doc = self.doc
        if isinstance(addressee, Token):
            addressee = _span(doc, *_name_range(addressee))
        quoted = sum(1 for s in content for t in s if self.quoted[t.i] >= 0 and not t.is_punct)
        words = sum(1 for s in content for t in s if not t.is_punct and not t.is_space)
        if not any(_is_quote_mark(t) for s in content for t in s):
            quoted = 0  # inside someone else's quotation, or no quotation at all: not shown as quoted
        kind = "direct" if quoted and quoted >= words - 1 else ("mixed" if quoted else "indirect")
        if source is not None and not len(source):
            source = None  # trimmed to nothing (". said ..."): no word names a speaker
        return Found(
            id="",
            kind=kind,
            cue=doc[cue[0] : cue[1]],
            content=content,
            source=source,
            addressee=addressee,
            stance=stance_of(head.lemma_) if head.text != ":" else "neutral",
            confidence=round(float(confidence), 3),
            head=head,
        )

    # -- the whole document -----------------------------------------------------

    def run(self) -> list[Found]:
        doc = self.doc
        for sent in doc.sents:
            checkpoint()  # the time budget, in a thread too (see ``budget.checkpoint``)
            if sent.start == 0 or "\n" in doc[sent.start - 1].text:
                found = self.speaker_colon(sent)
                if found is None and sent.start == 0:
                    found = self.headline(sent)
                if found:
                    self.found.append(found)
                    self.used_cues.add(found.head.i)
            for token in sent:
                if token.i in self.used_cues:
                    continue
                if token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
                    found = self.according_to(token)
                elif self.is_cue_candidate(token):  # a verb or noun with a high cue rate
                    found = (
                        self.verb_attribution(token) if token.pos_ == "VERB" else self.noun_attribution(token)
                    )
                else:
                    continue
                if found is not None:
                    self.found.append(found)
        for qi in range(len(self.quotes)):
            found = self.dash_signature(qi)
            if found is not None:
                self.found.append(found)
        self.found = drop_inner_verbs(self.found)
        self.found.sort(key=lambda f: f.cue.start)
        for n, f in enumerate(self.found, 1):
            f.id = f"A{n}"
        self._nest()
        return self.found

    def noun_attribution(self, head: Token) -> Found | None:
        """'his concern that ...', 'Trump's claim that ...', 'the statement said ...'."""
        content_ids: set[int] = set()
        for c in head.children:
            if c.dep_ in {"acl", "ccomp"} and any(
                g.dep_ == "mark" and g.lower_ == "that" for g in c.children
            ):
                content_ids |= _subtree_ids(c)
            elif c.dep_ == "prep" and c.lower_ in {"about", "that"}:
                content_ids |= _subtree_ids(c) - {c.i}
        if not content_ids and head.dep_ in {"nsubj"} and head.head.lemma_ == "be":
            for c in head.head.children:
                if c.dep_ in {"ccomp", "attr"} and c.i > head.i and any(g.dep_ == "mark" for g in c.children):
                    content_ids |= _subtree_ids(c)
        if not content_ids:
            return None
        source_tok = next((c for c in head.children if c.dep_ == "poss"), None)
        source = _span(self.doc, *_name_range(source_tok)) if source_tok is not None else None
        content = _runs(self.doc, content_ids - {head.i})
        if not content:
            return None
        return self._found(head, (head.i, head.i + 1), content, source, None, cue_rate(head))

    def _nest(self) -> None:
        nest(self.found)

    def addressee_for(self, head: Token, content_ids: set[int]) -> Token | Span | None:
        """The addressee of a cue found by the model: the person told, or what ``addressee_of`` finds."""
        if head.lemma_.lower() in TELL_LEMMAS:
            for c in head.children:
                if c.dep_ in OBJECT_DEPS and c.i not in content_ids and (
                    c.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or c.pos_ in {"PRON", "PROPN"}
                ):
                    return c
        return self.addressee_of(head, content_ids)

    def from_model(self, predicted: Iterable[neural.Predicted]) -> list[Found]:
        """The model's attributions as ``Found``, with the parse supplying stance, kind and addressee."""
        doc = self.doc
        out = []
        for p in predicted:
            cue = doc.char_span(*p.cue, alignment_mode="expand")
            content = [doc.char_span(s, e, alignment_mode="expand") for s, e in p.content]
            content = [c for c in content if c is not None and len(c)]
            if cue is None or not len(cue) or not content:
                continue
            source = doc.char_span(*p.source, alignment_mode="expand") if p.source else None
            head = cue.root
            content_ids = {t.i for c in content for t in c}
            addressee = self.addressee_for(head, content_ids | {t.i for t in source or []})
            if addressee is not None and source is not None and source.start <= addressee.i < source.end:
                addressee = None
            out.append(self._found(head, (cue.start, cue.end), content, source, addressee, p.confidence))
        return out


def drop_inner_verbs(found: list[Found]) -> list[Found]:
    """Leave out an attribution whose cue is the main verb of another's content.

    In "Netanyahu vowed they will launch an invasion" the rules see two cues,
    "vowed" and "launch"; but "they will launch ..." is what Netanyahu vowed,
    not a statement of "they". A verb heading the content clause (``ccomp``,
    ``xcomp``) of another cue is that content, unless it is a verb of speaking
    itself ("the Pentagon said the Secretary stressed ..." reports a second
    statement).
    One lookup per attribution: linear.
    """
    by_head = {f.head.i: f for f in found if f.head is not None}
    kept = []
    for f in found:
        head = f.head
        outer = by_head.get(head.head.i) if head is not None and head.head.i != head.i else None
        if (
            outer is not None
            and outer is not f
            and head.pos_ == "VERB"
            and head.dep_ in {"ccomp", "xcomp"}
            and head.lemma_.lower() not in SPEAKING
            and any(s.start <= f.cue.start and f.cue.end <= s.end for s in outer.content)
        ):
            continue
        kept.append(f)
    return kept


def nest(found: list[Found]) -> None:
    """Mark each attribution whose cue lies inside another's content as nested in it.

    The parent is the first attribution in ``found`` (other than itself) with a
    content span holding the whole cue. Found by one sort and sweep
    (``intervals.first_container``), not by comparing every pair: an article
    with tens of thousands of attributions would take minutes.
    """
    containers = [(s.start, s.end, g) for g, f in enumerate(found) for s in f.content]
    queries = [(f.cue.start, f.cue.end, k) for k, f in enumerate(found)]
    for f, parent in zip(found, intervals.first_container(containers, queries), strict=True):
        f.parent = None if parent is None else found[parent].id


HEADLINE_IRREGULAR = {"says": "say", "said": "say", "tells": "tell", "told": "tell"}


def _headline_lemma(word: str) -> str | None:
    """The cue lemma of a headline verb form ('warns' -> 'warn'), or None."""
    if word in HEADLINE_IRREGULAR:
        return HEADLINE_IRREGULAR[word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("es", "e")):
        if word.endswith(suffix):
            lemma = word[: -len(suffix)] + repl
            if lemma in SAY_LIKE or lemma in TELL_LEMMAS:
                return lemma
    return None


def _name_range(token: Token) -> tuple[int, int]:
    """A name token widened to its compound name ('Yoav' -> 'Yoav Gallant'), without possessive."""
    start, end = token.i, token.i + 1
    for c in token.children:
        if c.dep_ in {"compound", "amod", "det"} and c.i < token.i:
            start = min(start, c.i)
    if token.ent_iob_ != "O":
        ent = actors.entity_at(token)
        if ent is not None:
            start, end = min(start, ent.start), max(end, ent.end)
    while end > start and token.doc[end - 1].tag_ == "POS":
        end -= 1
    return start, end


def authorial_sentences(doc: Doc, found: list[Found]) -> list[Span]:
    """Sentences that take part in no attribution: the author's own voice."""
    # Every character some attribution covers, as one sorted index (marking them one by one
    # costs the sum of the spans' lengths, quadratic when contents nest thousands deep).
    taken = intervals.Spans(
        [
            (s.start_char, s.end_char)
            for f in found
            for s in [f.cue, *f.content, *([f.source] if f.source is not None else [])]
            if s.end_char > s.start_char
        ]
    )
    out = []
    for sent in doc.sents:
        start, end = sent.start, sent.end
        while start < end and doc[start].is_space:
            start += 1
        while end > start and doc[end - 1].is_space:
            end -= 1
        span = doc[start:end]
        if not len(span) or not any(t.is_alpha for t in span):
            continue
        if not taken.overlaps(span.start_char, span.end_char):
            out.append(span)
    return out


def link_actors(doc: Doc, found: list[Found]) -> None:
    """Resolve each source and addressee to an actor, registering unnamed groups as new actors."""
    if doc._.actors is None:  # used without newsgraph_actors before it: cluster actors now
        actors.Actors()(doc)
    for f in found:
        if f.source is not None:
            target = f.source
            if len(target) == 1 and target[0].lower_ in RELATIVE and target[0].head.dep_ == "relcl":
                head = target[0].head.head
                target = doc[head.i : head.i + 1]
            actor = actors.resolve(doc, target)
            if actor is None and _personish(target.root) and target.root.pos_ != "PRON":
                # "Officials", "Democratic aides": a group with no name is an actor too
                actor = actors.add_actor(doc, target)
            f.source_entity = actor.id if actor is not None else None
        if f.addressee is not None:
            actor = actors.resolve(doc, f.addressee)
            f.addressee_entity = actor.id if actor is not None else None


def combine(model: list[Found], rules: list[Found]) -> list[Found]:
    """The rule engine's attributions, completed by the model's, numbered and nested.

    Where both engines found an attribution (their cues overlap), the rules'
    one is kept: its cue, source and content spans follow PolNeAR's
    conventions more exactly. The model adds every attribution whose cue
    touches none of the rules' spans. On PolNeAR dev this ensemble beats
    either engine alone (docs/model-card.md).
    """
    spans = [s for f in rules for s in (f.cue, f.source, *f.content) if s is not None]
    taken = intervals.Spans([(s.start, s.end) for s in spans])
    extra = [f for f in model if not taken.overlaps(f.cue.start, f.cue.end)]
    found = sorted(rules + extra, key=lambda f: (f.cue.start, f.cue.end))
    for n, f in enumerate(found, 1):
        f.id = f"A{n}"
    nest(found)
    return found


def keep_confident(found: list[Found], threshold: float) -> list[Found]:
    """Attributions at least ``threshold`` confident; one nested in a dropped one goes with it."""
    kept = [f for f in found if f.confidence >= threshold]
    ids = {f.id for f in kept}
    return [f for f in kept if f.parent is None or f.parent in ids]


MODELS = ("trained", "rules", "neural")


class Attributions:
    """The spaCy component: sets ``doc._.attributions``, ``doc._.authorial`` and ``doc._.quotes``."""

    def __init__(
        self,
        min_rate: float = MIN_RATE,
        model: str = neural.DEFAULT_ENGINE,
        threshold: float = 0.0,
        model_path: str = "",
    ) -> None:
        if model not in MODELS:
            raise NewsgraphError(Errors.E033, model=model)
        self.min_rate = min_rate
        self.model = model
        self.threshold = threshold
        self.network = neural.load_model(model_path or None) if model == "neural" else None
        self.trees = None
        if model == "trained":
            from newsgraph.analysis import learned  # imported here: it builds on this module

            self.trees = learned.load_trees(model_path or None)

    def __call__(self, doc: Doc) -> Doc:
        engine: Engine
        if self.trees is not None:
            engine, found = self.trees.decide(doc, self.min_rate)
        else:
            engine = Engine(doc, self.min_rate)
            found = engine.run()
        if self.network is not None:
            found = combine(engine.from_model(self.network.predict(doc.text)), found)
        if self.threshold > 0:
            found = keep_confident(found, self.threshold)
        link_actors(doc, found)
        doc._.attributions = found
        doc._.quotes = engine.quotes
        doc._.authorial = authorial_sentences(doc, found)
        return doc


@Language.factory(
    "newsgraph_attributions",
    default_config={"min_rate": MIN_RATE, "model": neural.DEFAULT_ENGINE, "threshold": 0.0, "model_path": ""},
)
def make_attributions(
    nlp: Language, name: str, min_rate: float, model: str, threshold: float, model_path: str
) -> Attributions:
    """Attribution finder.

    ``model``: ``"trained"`` (the shipped trees, or the weights file in
    ``model_path``), ``"rules"``, or ``"neural"`` (the MiniLM tagger in the
    directory ``model_path`` or ``NEWSGRAPH_MODEL``); ``min_rate``: the
    lowest cue rate a word needs to count as a cue for the rules;
    ``threshold``: the lowest confidence kept.
    """
    return Attributions(min_rate, model, threshold, model_path)
