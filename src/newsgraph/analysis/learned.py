"""The learned attribution engine: gradient-boosted trees that decide which candidate attributions stand.

Why this design. The rule engine (``attributions.Engine``) already knows how
to find a cue's source and content in the dependency parse; what it gets
wrong is *which* words cue an attribution. It only tries words whose lemma is
a frequent cue (the lexicon's rate), so a long tail of beliefs and nominal
cues ("was sure", "a statement", "suggesting") is never tried, and its
phantom tests keep out many words that do cue one. Here every verb, noun and
adjective of the text is a candidate: the rules' own attributions, plus what
the rules' machinery finds for every other word when no lexicon or phantom
test stops it, a verb's prepositional object ("bristled *at* the questions")
and a passive's subject ("the bill *was passed by* the Senate") included.
Two boundary fixes, chosen on dev to match how PolNeAR's annotators draw
spans, apply to every candidate: a cue takes a time word before its content ("said Friday
that"), and a content ends before a closing ", which ..." clause.
A LightGBM classifier, trained on PolNeAR's training split,
reads cheap features of each candidate (lemma, part of speech, dependency
relations, the lexicon's rate, which rule produced it, its source and
content, the quotations around it); a logistic regression over the
candidate's words (``lexical``) reads what those features leave out, and the
two probabilities are averaged. Each candidate with a source is also tried
without one (PolNeAR marks none where the text names none), and the likelier
reading stands. Candidates likely to be a gold attribution are kept; the
probability is the attribution's ``confidence``. Where the cue of a kept
attribution could run on over the words after it ("expressed *concern
about*"), a second small model (``cue_readings``) chooses where it ends;
two more (``content_readings``) choose where its content starts and ends.

Everything after the decision is shared with the rules: addressee, stance,
kind, nesting, speaker resolution, authorial voice.

Cost: the candidate pass is linear in the Doc (each candidate looks at its
token, children and sentence), features are one row per candidate, and the
trees score all rows of a Doc in one call.

The weights are one JSON file (``data/attribution-trees.json``): the
LightGBM model as text plus the vocabularies and threshold it was trained
with and a format version; ``load_trees`` turns a missing, truncated or
foreign file into one coded error (E036) that names the file and the fix.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from spacy.tokens import Doc, Span, Token

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import content_readings, contextual, cue_readings, intervals, lexical
from newsgraph.analysis.cues import lexicon
from newsgraph.errors import Errors, NewsgraphError

FORMAT = "newsgraph-attribution-trees"
VERSION = 3  # 2: the feature src_dropped (source variants) and the lexical model; 3: the dense network
WEIGHTS_FILE = "attribution-trees.json"
WEIGHTS_PATH = Path(__file__).parent.parent / "data" / WEIGHTS_FILE
ENV = "NEWSGRAPH_TREES"  # another weights file (one made by ``newsgraph train``)

# Where a candidate came from: the rules' own methods, or the loose pass over every other word.
ORIGINS = (
    "verb", "noun", "according", "colon", "headline", "dash",
    "loose-verb", "loose-noun", "loose-adj", "loose-prep", "loose-passive", "loose-noun-prep",
)
LOOSE_POS = {"VERB", "NOUN", "ADJ", "AUX"}
LOOSE_PREP = True  # the loose pass also tries prepositional objects and passive subjects as contents
NOUN_PREPS = {"on", "over", "for", "against", "regarding", "concerning", "toward", "towards", "of"}
NOUN_PREP = False  # "comments on X", "her determination to X": raises the ceiling, not F1 (model card)
INTRODUCED_QUOTES = True  # 'a lesson from Jane Roe: "..."', 'Jane Roe -- "..."'
COLON_LOOSE = True  # "Poll: ..." at a paragraph's start, no recognised name needed
HEADLINE_KNOWN_CUES = True  # in the headline, the loose pass tries only words PolNeAR has seen as cues
LINE_SIGNATURES = True  # '"...." ― Jane Roe' on a line of its own, even when the quote marks do not pair
SIGNATURE_DASHES = {"―", "—", "–"}
QUOTE_CHARS = set("\"“”‘’«»")
WIDEN_CUES = True
WIDEN_DEPS = {"npadvmod", "advmod"}  # "said Friday that", "said again that" (prep phrases: worse on dev)
SOURCE_VARIANTS = True  # each candidate with a source is also tried without it (see ``source_variants``)
TRIM_DEPS = {"relcl", "appos"}  # a content's closing comment after a comma (see ``Candidates.trim_content``)
WIDEN_MAX = 12  # tokens between a cue and its content, at most, for the cue to take them in
CATEGORICAL = (
    "lemma",
    "pos",
    "tag",
    "dep",
    "head_dep",
    "head_pos",
    "head_lemma",
    "origin",
    "source_ent",
    "source_pos",
    "source_lemma",
)


def headline_end(doc: Doc, text: str | None = None) -> int:
    """Where the headline ends (a token index), or 0 where there is none.

    The headline is the document's first sentence, on a line of its own, not
    ended by a full stop ("The senator bristled at it." opening a text is
    not a headline). ``text``: ``doc.text``, when the caller has it already.
    """
    if not len(doc):
        return 0
    sent = doc[0].sent
    words = [t for t in sent if not t.is_space]
    if not words or words[-1].text == ".":
        return 0
    text = doc.text if text is None else text
    rest = text[words[-1].idx + len(words[-1].text) :].lstrip(" \t")
    return sent.end if rest == "" or rest.startswith(("\n", "\r")) else 0


def in_headline(token: Token) -> bool:
    """Whether ``token`` is in the headline (``headline_end``)."""
    return token.i < headline_end(token.doc)


class Candidates(rules.Engine):
    """The rule engine, recording which method found each attribution, plus a loose pass.

    ``loose`` turns off the tests that keep a word from being tried (lexicon
    rate, phantom): the classifier decides instead, and sees the phantom test
    as a feature.
    """

    def __init__(self, doc: Doc, min_rate: float = rules.MIN_RATE) -> None:
        super().__init__(doc, min_rate)
        self.origin: dict[int, str] = {}  # id(Found) -> origin
        self.dropped: set[int] = set()  # id(Found) of the copies made by ``source_variants``
        self.loose = False

    def _mark(self, found: rules.Found | None, origin: str) -> rules.Found | None:
        if found is not None:
            self.origin[id(found)] = origin
        return found

    def verb_attribution(self, head: Token) -> rules.Found | None:
        return self._mark(super().verb_attribution(head), "loose-verb" if self.loose else "verb")

    def noun_attribution(self, head: Token) -> rules.Found | None:
        return self._mark(super().noun_attribution(head), "loose-noun" if self.loose else "noun")

    def according_to(self, head: Token) -> rules.Found | None:
        return self._mark(super().according_to(head), "according")

    def speaker_colon(self, sent: Any) -> rules.Found | None:
        found = super().speaker_colon(sent)
        if found is None and COLON_LOOSE:
            found = self.loose_colon(sent)
        return self._mark(found, "colon")

    def loose_colon(self, sent: Any) -> rules.Found | None:
        """'Poll: Voters Abandon ...', 'Sanders: Clinton needs ...': up to three capitalised words, a colon.

        The rules' speaker colon wants a recognised name; in a headline the
        tagger often sees none. The trees weigh it (the source's entity type
        and lemma are features).
        """
        doc = self.doc
        first = sent.start
        while first < sent.end and (doc[first].is_space or rules._is_quote_mark(doc[first])):
            first += 1
        if first > 0 and "\n" not in doc[first - 1].text:
            return None
        colon = next((t for t in doc[first : min(first + 4, sent.end)] if t.text == ":"), None)
        if colon is None or colon.i == first:
            return None
        if not all(t.is_title or t.is_upper for t in doc[first : colon.i]):
            return None
        end = colon.i + 1
        while end < len(doc) and "\n" not in doc[end].text:
            end += 1
        content = rules._runs(doc, range(colon.i + 1, end))
        if not content:
            return None
        return self._found(colon, (colon.i, colon.i + 1), content, doc[first : colon.i], None, 0.6)

    def headline(self, sent: Any) -> rules.Found | None:
        return self._mark(super().headline(sent), "headline")

    def dash_signature(self, qi: int) -> rules.Found | None:
        return self._mark(super().dash_signature(qi), "dash")

    def phantom(self, head: Token) -> bool:
        return False if self.loose else super().phantom(head)

    def subject_of(self, verb: Token) -> Token | None:
        if self.loose and verb.dep_ == "acomp" and verb.head.i != verb.i:
            verb = verb.head  # "she was sure that ...": the subject of "was"
        return super().subject_of(verb)

    def candidates(self) -> list[rules.Found]:
        """The rules' attributions (nesting and ids left for later) and every loose one."""
        found = self.run()
        taken = {i for f in found for i in range(f.cue.start, f.cue.end)}
        self.loose = True
        extra = []
        headline = headline_end(self.doc, self.text) if HEADLINE_KNOWN_CUES else 0
        for token in self.doc:
            if token.i in taken or token.pos_ not in LOOSE_POS or self.quoted[token.i] >= 0:
                continue
            if token.i < headline and rules.cue_rate(token) == 0.0:
                continue  # "Council delays barrier" is news, not a statement
            if token.pos_ == "NOUN":
                f = self.noun_attribution(token)
                if f is None and NOUN_PREP:
                    f = self.noun_prep_attribution(token)
            else:
                f = self.verb_attribution(token)
                if f is not None and token.pos_ in {"ADJ", "AUX"}:
                    self.origin[id(f)] = "loose-adj"
                if f is None and LOOSE_PREP and token.pos_ == "VERB":
                    f = self.prep_attribution(token)
            if f is not None:
                extra.append(f)
        self.loose = False
        out = found + self.drop_inner_loose(found, rules.drop_inner_verbs(extra))
        if LINE_SIGNATURES:
            out += self.line_signatures(out)
        if INTRODUCED_QUOTES:
            out += self.introduced_quotes(out)
        for f in out:
            if WIDEN_CUES:
                self.widen_cue(f)
            if TRIM_DEPS:
                self.trim_content(f)
        return out

    def readings(self) -> list[rules.Found]:
        """What the classifier scores: every candidate, and each sourced one once more without its source."""
        found = self.candidates()
        return found + self.source_variants(found)

    def source_variants(self, found: list[rules.Found]) -> list[rules.Found]:
        """Each candidate that has a source, once more without one: the trees choose between the two.

        The source the rules find is a subject; PolNeAR's annotators leave the
        source out where the text names none. *Mr. Roe was accused of fraud*
        has no source (three in four agentless passive cues in the training
        split have none), and *the plan is expected to pass* neither. The
        copy carries the original's origin and the feature ``src_dropped``;
        ``choose`` keeps at most one of the two.
        """
        if not SOURCE_VARIANTS:
            return []
        out = []
        for f in found:
            if f.source is None:
                continue
            twin = replace(f, source=None, source_entity=None)
            self.origin[id(twin)] = self.origin.get(id(f), "verb")
            self.dropped.add(id(twin))
            out.append(twin)
        return out

    def line_signatures(self, found: list[rules.Found]) -> list[rules.Found]:
        """A line that ends in a quotation mark, a dash and a name: the line is what the name said.

        '"Taxes are too high." ― Jane Roe' is found by the rules' dash
        signature only when the quotation's marks pair up; a reader's letter
        opened with the wrong mark (”...”) leaves the line unclaimed, or
        claimed with a content that runs over several lines. Here the line
        itself is the content. One pass over the tokens: linear.
        """
        doc = self.doc
        at_cue = {f.cue.start: f for f in found}
        out = []
        line_start = 0
        for t in doc:
            if "\n" in t.text:
                line_start = t.i + 1
                continue
            glued = len(t.text) > 1 and t.text[-1] in SIGNATURE_DASHES and set(t.text[:-1]) <= QUOTE_CHARS
            if t.text not in SIGNATURE_DASHES and not glued:
                continue  # a dash, or one the tokenizer left stuck to its quote mark: '”―'
            j = t.i - 1
            while j >= line_start and doc[j].is_space:
                j -= 1
            if j < line_start or not (glued or rules._is_quote_mark(doc[j])):
                continue
            k = t.i + 1
            while k < len(doc) and doc[k].is_space and "\n" not in doc[k].text:
                k += 1
            end = k
            while end < len(doc) and "\n" not in doc[end].text and self._name_word(doc[end]):
                end += 1
            line_ends = end == len(doc) or "\n" in doc[end].text or doc[end].is_space
            if end == k or end - k > 6 or not line_ends:
                continue
            start = line_start
            while start < j and doc[start].is_space:
                start += 1
            content = rules._runs(doc, range(start, j + 1))
            if not content:
                continue
            old = at_cue.get(t.i)
            if old is not None:
                if old.content[0].start < start:
                    old.content = content
                continue
            f = self._found(t, (t.i, t.i + 1), content, doc[k:end], None, 0.7)
            self.origin[id(f)] = "dash"
            out.append(f)
        return out

    def introduced_quotes(self, found: list[rules.Found]) -> list[rules.Found]:
        """A quotation no candidate claims, introduced by a noun and a colon or dash: 'Jane Roe: "..."'.

        The noun before the mark is the source ("a lesson from *Jane Roe*:
        '...'", "*this finding*: '...'", "*Jane Roe* -- '...'"). One look per
        quotation: linear.
        """
        doc = self.doc
        claimed = {i for f in found for s in f.content for i in range(s.start, s.end)}
        out = []
        for qi in range(len(self.quotes)):
            ids = self.quote_tokens(qi)
            if not ids or ids & claimed:
                continue
            j = min(ids) - 1
            while j >= 0 and (doc[j].is_space or rules._is_quote_mark(doc[j])):
                j -= 1
            if j < 1 or doc[j].text not in {":", "--", "—", "–"}:
                continue
            k = j - 1
            while k >= 0 and doc[k].is_space:
                k -= 1
            noun = doc[k]
            if noun.pos_ not in {"NOUN", "PROPN"} or "\n" in doc[k + 1 : j].text:
                continue
            content = rules._runs(doc, ids)
            if not content:
                continue
            source = rules._span(doc, *rules._name_range(noun))
            f = self._found(doc[j], (j, j + 1), content, source, None, 0.6)
            self.origin[id(f)] = "colon" if doc[j].text == ":" else "dash"
            out.append(f)
        return out

    @staticmethod
    def _name_word(token: Token) -> bool:
        return token.pos_ == "PROPN" or token.is_title or token.text == "."

    def trim_content(self, f: rules.Found) -> None:
        """Leave out a comment that closes the content after a comma: "..., which ...", "..., who ...".

        PolNeAR's annotators end a reported statement before a non-restrictive
        relative clause or apposition the reporter adds about its last noun
        ("praised her proposals for small businesses*, which include ...*").
        Quoted words are never cut: a quotation is the speaker's own.
        """
        doc = self.doc
        last = f.content[-1]
        end = last.end
        while end > last.start and (doc[end - 1].is_punct or doc[end - 1].is_space):
            end -= 1
        for t in last:
            if t.dep_ not in TRIM_DEPS or self.quoted[t.i] >= 0:
                continue
            left = t.left_edge.i
            if left - 1 <= last.start or doc[left - 1].text != "," or t.right_edge.i + 1 < end:
                continue
            cut = rules._span(doc, last.start, left - 1)
            if len(cut):
                f.content = [*f.content[:-1], cut]
            return

    @staticmethod
    def drop_inner_loose(found: list[rules.Found], extra: list[rules.Found]) -> list[rules.Found]:
        """Leave out a loose candidate that is the verb of another candidate's content.

        In "Clinton wants to sign up voters" the loose pass finds "wants"
        (content "to sign up voters") and "sign up", whose cue the rules widen
        to "wants to sign up": the same statement twice, one of them with the
        wrong cue and content. The inner verb goes when its governing verb is a
        candidate whose content holds it, or whose cue it overlaps. One lookup
        per candidate: linear.
        """
        by_head = {f.head.i: f for f in (*found, *extra) if f.head is not None}
        kept = []
        for f in extra:
            head = f.head
            outer = by_head.get(head.head.i) if head is not None and head.head.i != head.i else None
            if (
                outer is not None
                and outer is not f
                and head is not None
                and head.dep_ in {"ccomp", "xcomp"}
                and (
                    (outer.cue.start < f.cue.end and f.cue.start < outer.cue.end)
                    or any(s.start <= head.i < s.end for s in outer.content)
                )
            ):
                continue
            kept.append(f)
        return kept

    def prep_attribution(self, head: Token) -> rules.Found | None:
        """A verb whose content is a prepositional object or its passive subject (loose pass only).

        PolNeAR counts "bristled *at* the questions", "believes *in* the
        people", "agreed *with* McLenny" (the preposition joins the cue, its
        object is the content) and "the bill *was passed by* the Senate" (the
        passive subject is the content, the agent the source), which the rules'
        complement tests never offer.
        """
        doc = self.doc
        sent = head.sent
        content_ids: set[int] = set()
        cue_extra: list[int] = []
        source_tok: Token | None = None
        origin = "loose-prep"
        for c in head.children:
            if c.dep_ != "prep" or c.i < head.i or c.i - head.i > 4:
                continue
            between = range(head.i + 1, c.i)
            if not all(doc[j].dep_ in {"prt", "advmod", "npadvmod"} for j in between):
                break
            objs = [g for g in c.children if g.dep_ in {"pobj", "pcomp"}]
            if objs:
                cue_extra = [*between, c.i]
                content_ids = rules._subtree_ids(objs[0])
            break
        if not content_ids and any(c.dep_ == "auxpass" for c in head.children):
            subj = next((c for c in head.children if c.dep_ == "nsubjpass"), None)
            if subj is not None and subj.lower_ not in rules.EMPTY_SUBJECTS | rules.RELATIVE:
                content_ids = rules._subtree_ids(subj)
                origin = "loose-passive"
                agent = next((c for c in head.children if c.dep_ == "agent"), None)
                if agent is not None:
                    objs = [g for g in agent.children if g.dep_ == "pobj"]
                    source_tok = objs[0] if objs else None
                    if agent.i == head.i + 1:
                        cue_extra = [agent.i]
        if not content_ids or any(self.quoted[i] >= 0 for i in content_ids):
            return None
        cue_start, cue_end = self.cue_span(head, cue_extra)
        if cue_start <= min(content_ids) < cue_end:
            return None
        cue_ids = set(range(cue_start, cue_end))
        if origin == "loose-prep":
            source_tok = self.subject_of(head)
        source = None
        in_sentence = source_tok is not None and sent.start <= source_tok.i < sent.end
        if source_tok is not None and in_sentence and source_tok.i not in content_ids:
            source = self.source_span(source_tok, content_ids | cue_ids)
        if source is None and origin == "loose-prep":
            return None  # nobody says it
        if source is not None:
            content_ids -= set(range(source.start, source.end))
        content = rules._runs(doc, content_ids - cue_ids)
        if not content:
            return None
        found = self._found(head, (cue_start, cue_end), content, source, None, 0.0)
        self.origin[id(found)] = origin
        return found

    def noun_prep_attribution(self, head: Token) -> rules.Found | None:
        """A noun whose content is a prepositional object or an infinitive (loose pass only).

        PolNeAR counts "his comments *on* the budget", "sharp criticism *for*
        the plan" and "her determination *to* win" as attributions: the
        preposition (or "to") joins the cue, what follows is the content. The
        source is the noun's possessor ("her"), else the subject of the verb
        the noun is the object of ("the senator voiced concern over ...").
        """
        doc = self.doc
        content_ids: set[int] = set()
        cue_extra: list[int] = []
        for c in head.children:
            if c.i <= head.i:
                continue
            if c.dep_ == "prep" and c.lower_ in NOUN_PREPS and c.i == head.i + 1:
                objs = [g for g in c.children if g.dep_ in {"pobj", "pcomp"}]
                if objs:
                    cue_extra = [c.i]
                    content_ids = rules._subtree_ids(objs[0])
                break
            if c.dep_ == "acl" and c.pos_ in {"VERB", "AUX"}:
                to = next((g for g in c.children if g.dep_ == "aux" and g.lower_ == "to"), None)
                if to is not None and to.i == head.i + 1:
                    cue_extra = [to.i]
                    content_ids = rules._subtree_ids(c) - {to.i}
                break
        if not content_ids or any(self.quoted[i] >= 0 for i in content_ids):
            return None
        cue_ids = {head.i, *cue_extra}
        source = None
        poss = next((c for c in head.children if c.dep_ == "poss"), None)
        if poss is not None:
            source = rules._span(doc, *rules._name_range(poss))
        elif head.dep_ in rules.OBJECT_DEPS and head.head.pos_ in {"VERB", "AUX"}:
            subj = self.subject_of(head.head)
            if subj is not None and head.sent.start <= subj.i < head.sent.end and subj.i not in content_ids:
                source = self.source_span(subj, content_ids | cue_ids)
        if source is not None:
            content_ids -= set(range(source.start, source.end))
        content = rules._runs(doc, content_ids - cue_ids)
        if not content:
            return None
        found = self._found(head, (head.i, max(cue_ids) + 1), content, source, None, 0.0)
        self.origin[id(found)] = "loose-noun-prep"
        return found

    def widen_cue(self, f: rules.Found) -> None:
        """Stretch a verb cue over the adjuncts between it and its content, as PolNeAR's annotators do.

        "said *in an interview on Monday* that ...", "said *Friday* that ...":
        the words between the verb group and a content that follows it, when
        they hang from the verb as a prepositional phrase or a time or manner
        adverb, belong to the cue. Only contiguous: the gap must be made of
        such subtrees (and punctuation) and nothing else.
        """
        head = f.head
        if head is None or head.pos_ not in {"VERB", "AUX"} or not f.content:
            return
        doc = self.doc
        start = f.content[0].start
        end = f.cue.end
        if start <= end or start - end > WIDEN_MAX:
            return
        gap: set[int] = set()
        for c in head.children:
            if end <= c.i < start and c.dep_ in WIDEN_DEPS:
                gap |= rules._subtree_ids(c)
        words = [j for j in range(end, start) if not doc[j].is_punct and not doc[j].is_space]
        if not words or any(j not in gap for j in words) or max(gap) >= start:
            return
        new_end = max(words) + 1
        f.cue = doc[f.cue.start : new_end]


# ------------------------------------------------------------------ features

NUMERIC = (
    "rate",
    "lex_cue",
    "lex_total",
    "rule_confidence",
    "phantom",
    "kind",
    "has_source",
    "source_len",
    "source_before",
    "source_dist",
    "source_pron",
    "source_personish",
    "content_spans",
    "content_len",
    "content_quoted",
    "content_before",
    "content_dist",
    "content_that",
    "cue_len",
    "cue_quoted",
    "has_ccomp",
    "has_xcomp",
    "has_dobj",
    "has_prep",
    "has_neg",
    "passive",
    "head_rate",
    "sent_len",
    "sent_quotes",
    "sent_index",
    "sent_rel",
    "para_first",
    "in_rule_content",
    "overlaps_rule",
    "same_sent_rules",
    "addressee",
    "content_verbs",
    "content_quote_start",
    "cue_position",
    "sent_candidates",
    "rivals",
    "src_dropped",
)
FEATURES = NUMERIC + CATEGORICAL
KINDS = {"indirect": 0, "mixed": 1, "direct": 2}


def _rate(token: Token) -> tuple[float, int, int]:
    stats = lexicon().get((token.lemma_.lower(), token.pos_))
    if stats is None:
        return 0.0, 0, 0
    return stats.rate, stats.cue, stats.total


@dataclass
class Vocab:
    """String -> id tables for the categorical features, fixed at training time."""

    tables: dict[str, dict[str, int]]

    def id(self, name: str, value: str) -> int:
        return self.tables.get(name, {}).get(value, 0)  # 0: unseen or rare


def raw_rows(doc: Doc, engine: Candidates, found: list[rules.Found]) -> list[dict[str, Any]]:
    """One feature row per candidate, categorical features still as strings."""
    rule_found = [f for f in found if not engine.origin.get(id(f), "").startswith("loose")]
    rule_content = rules.intervals.Spans([(s.start, s.end) for f in rule_found for s in f.content])
    rule_all = rules.intervals.Spans(
        [(s.start, s.end) for f in rule_found for s in (f.cue, f.source, *f.content) if s is not None]
    )
    sents = list(doc.sents)
    sent_index = {s.start: k for k, s in enumerate(sents)}
    rules_per_sent: dict[int, int] = {}
    for f in rule_found:
        rules_per_sent[f.cue.sent.start] = rules_per_sent.get(f.cue.sent.start, 0) + 1
    per_sent: dict[int, int] = {}
    cover: dict[int, int] = {}  # token -> how many candidates' contents hold it (linear, no pairs)
    for f in found:
        per_sent[f.cue.sent.start] = per_sent.get(f.cue.sent.start, 0) + 1
        for s in f.content:
            for i in range(s.start, s.end):
                cover[i] = cover.get(i, 0) + 1
    rows = []
    for f in found:
        head = f.cue_word
        origin = engine.origin.get(id(f), "verb")
        loose = origin.startswith("loose")
        rate, lex_cue, lex_total = _rate(head)
        sent = head.sent
        children = list(head.children)
        content_tokens = [t for s in f.content for t in s if not t.is_punct and not t.is_space]
        content_len = len(content_tokens)
        quoted = sum(1 for t in content_tokens if engine.quoted[t.i] >= 0)
        first = f.content[0]
        last = f.content[-1]
        src = f.source
        rivals = max((cover.get(t.i, 1) for t in content_tokens), default=1) - 1
        row: dict[str, Any] = {
            "rate": rate,
            "lex_cue": lex_cue,
            "lex_total": lex_total,
            "rule_confidence": -1.0 if loose else f.confidence,
            "phantom": float(loose and head.pos_ in {"VERB", "NOUN"} and rules.Engine.phantom(engine, head)),
            "kind": KINDS.get(f.kind, 0),
            "has_source": float(src is not None),
            "source_len": len(src) if src is not None else 0,
            "source_before": float(src is not None and src.start < f.cue.start),
            "source_dist": (
                min(abs(src.start - f.cue.end), abs(f.cue.start - src.end)) if src is not None else -1
            ),
            "source_pron": float(src is not None and src.root.pos_ == "PRON"),
            "source_personish": float(src is not None and rules._personish(src.root)),
            "content_spans": len(f.content),
            "content_len": content_len,
            "content_quoted": quoted / content_len if content_len else 0.0,
            "content_before": float(first.start < f.cue.start),
            "content_dist": min(abs(first.start - f.cue.end), abs(f.cue.start - last.end)),
            "content_that": float(first.start > 0 and doc[first.start - 1].lower_ == "that"),
            "cue_len": len(f.cue),
            "cue_quoted": float(engine.quoted[head.i] >= 0),
            "has_ccomp": float(any(c.dep_ == "ccomp" for c in children)),
            "has_xcomp": float(any(c.dep_ == "xcomp" for c in children)),
            "has_dobj": float(any(c.dep_ in rules.OBJECT_DEPS for c in children)),
            "has_prep": float(any(c.dep_ == "prep" for c in children)),
            "has_neg": float(any(c.dep_ == "neg" for c in children)),
            "passive": float(any(c.dep_ == "auxpass" for c in children)),
            "head_rate": _rate(head.head)[0] if head.head.i != head.i else -1.0,
            "sent_len": len(sent),
            "sent_quotes": len(engine.quotes_in(sent)),
            "sent_index": sent_index.get(sent.start, 0),
            "sent_rel": sent_index.get(sent.start, 0) / max(1, len(sents)),
            "para_first": float(sent.start == 0 or "\n" in doc[sent.start - 1].text),
            "in_rule_content": float(loose and rule_content.overlaps(head.i, head.i + 1)),
            "overlaps_rule": float(loose and rule_all.overlaps(f.cue.start, f.cue.end)),
            "same_sent_rules": rules_per_sent.get(sent.start, 0),
            "addressee": float(f.addressee is not None),
            "content_verbs": sum(1 for t in content_tokens if t.pos_ in {"VERB", "AUX"}),
            "content_quote_start": float(rules._is_quote_mark(first[0])),
            "cue_position": (head.i - sent.start) / max(1, len(sent)),
            "sent_candidates": per_sent.get(sent.start, 0),
            "rivals": rivals,
            "src_dropped": float(id(f) in engine.dropped),
            "lemma": head.lemma_.lower(),
            "pos": head.pos_,
            "tag": head.tag_,
            "dep": head.dep_,
            "head_dep": head.head.dep_,
            "head_pos": head.head.pos_,
            "head_lemma": head.head.lemma_.lower(),
            "origin": origin,
            "source_ent": src.root.ent_type_ if src is not None else "-",
            "source_pos": src.root.pos_ if src is not None else "-",
            "source_lemma": src.root.lemma_.lower() if src is not None else "-",
        }
        rows.append(row)
    return rows


def lexical_rows(doc: Doc, engine: Candidates, found: list[rules.Found]) -> list[list[int]]:
    """Each candidate's hashed lexical strings (``lexical.strings``)."""
    return lexical.rows(doc, found, [engine.origin.get(id(f), "verb") for f in found])


def encode_rows(rows: list[dict[str, Any]], vocab: Vocab) -> list[list[float]]:
    """Rows as numbers in ``FEATURES`` order, categoricals as vocabulary ids."""
    out = []
    for row in rows:
        out.append(
            [float(row[n]) for n in NUMERIC]
            + [float(vocab.id(n, str(row[n]))) for n in CATEGORICAL]
        )
    return out


# ------------------------------------------------------------------ the shipped model


def choose(found: list[rules.Found], probs: list[float], threshold: float) -> list[rules.Found]:
    """The candidates at or above ``threshold``, one per cue and content: the most probable.

    A candidate and its source variant (``Candidates.source_variants``) share
    cue and content; keeping both would report one attribution twice. Ties
    go to the earlier candidate (the one with the source). Order is kept.
    """
    best: dict[tuple[int, int, tuple[tuple[int, int], ...]], int] = {}
    for k, (f, p) in enumerate(zip(found, probs, strict=True)):
        if p < threshold:
            continue
        key = (f.cue.start, f.cue.end, tuple((s.start, s.end) for s in f.content))
        if key not in best or p > probs[best[key]]:
            best[key] = k
    return [found[k] for k in sorted(best.values())]


def distinct_contents(kept: list[rules.Found]) -> list[rules.Found]:
    """``kept`` with no two outermost attributions claiming the same words as content.

    PolNeAR's annotators never give two attributions the same words unless
    one is nested in the other's content: among the 19,823 training
    attributions, 9 pairs of contents not nested in each other overlap. The
    engine's do (26 such pairs on dev in version 7), where two cues lead to
    one quotation (*"...," she said, adding later "..."*; *chimed in,
    saying*). At most one of them can be right, so:

    1. a content of several spans loses the spans that share words with
       another outermost attribution's content, when a span without is left
       (*said*: "first quote" / "second quote", *adding*: "second quote");
    2. of two contents that still share at least half their words (Dice, as
       the scorer measures a match), the less confident attribution goes.

    Nested attributions (a cue inside another kept content) are left alone.
    No pair of attributions is compared: step 1 counts each word's owners,
    step 2 looks a content's words up among the contents kept so far, and
    those share little (after step 1 a shared span is mostly a content's
    only one, and contiguous contents that pairwise share under half their
    words nest only a few deep at any word).
    """
    if len(kept) < 2:
        return kept
    containers = [(s.start, s.end, k) for k, f in enumerate(kept) for s in f.content]
    parents = intervals.first_container(containers, [(f.cue.start, f.cue.end, k) for k, f in enumerate(kept)])
    outer = [k for k, p in enumerate(parents) if p is None]
    doc = kept[0].cue.doc

    def words(spans: list[Span]) -> list[int]:
        return [i for s in spans for i in range(s.start, s.end) if not (doc[i].is_punct or doc[i].is_space)]

    out = list(kept)
    owners = Counter(i for k in outer for i in set(words(out[k].content)))
    for k in outer:  # 1: one by one, so a span shared by two stays with the second once the first lets it go
        f = out[k]
        if len(f.content) < 2:
            continue
        own = [s for s in f.content if not any(owners[i] > 1 for i in words([s]))]
        if own and len(own) < len(f.content):
            owners.subtract(i for s in f.content if s not in own for i in set(words([s])))
            out[k] = replace(f, content=own)
    held: dict[int, list[int]] = {}  # 2: word -> the attributions kept so far that hold it
    size: dict[int, int] = {}
    gone = set()
    for k in sorted(outer, key=lambda k: -out[k].confidence):  # ties: the earlier in the text stays
        mine = set(words(out[k].content))
        common = Counter(j for i in mine for j in held.get(i, ()))
        if any(2 * n >= 0.5 * (len(mine) + size[j]) for j, n in common.items()):  # Dice >= 0.5
            gone.add(k)
            continue
        size[k] = len(mine)
        for i in mine:
            held.setdefault(i, []).append(k)
    return [f for k, f in enumerate(out) if k not in gone]


def settle(kept: list[rules.Found]) -> list[rules.Found]:
    """The last steps of the decision, once the choosers have placed every bound: no two contents
    claiming the same words (``distinct_contents``), an adjective's cue over its copula
    (``cue_readings.with_copula``)."""
    return [cue_readings.with_copula(f) for f in distinct_contents(kept)]


@dataclass
class Trees:
    """A trained classifier with what it needs to read a Doc: vocabularies and a threshold."""

    booster: Any
    vocab: Vocab
    threshold: float
    meta: dict[str, Any]
    lexical: lexical.Lexical | None = None
    blend: float = 1.0  # a candidate's probability: blend * the trees' + (1 - blend) * the lexical model's
    dense: contextual.Dense | None = None  # the network over contextual vectors, for candidates in its band
    cues: cue_readings.CueChooser | None = None  # where each kept attribution's cue ends
    contents: content_readings.ContentChooser | None = None  # ... and where its content starts and ends

    def decide(self, doc: Doc, min_rate: float = rules.MIN_RATE) -> tuple[Candidates, list[rules.Found]]:
        """Candidates scored; those at or above the threshold kept, their cues' and contents' bounds
        chosen, numbered."""
        engine = Candidates(doc, min_rate)
        found = engine.readings()
        if not found:
            return engine, []
        probs = self.probabilities(doc, engine, found)
        for f, p in zip(found, probs, strict=True):
            f.confidence = round(float(p), 3)
        kept = choose(found, probs, self.threshold)
        taken = {id(f) for f in kept}
        rejected = [f for f in found if id(f) not in taken]
        kept = settle(self.bounds(kept))  # as in training: no nested attribution stops a content
        kept += self.bounds(self.nested_rules(engine, kept, rejected), around=kept)
        kept.sort(key=lambda f: (f.cue.start, f.cue.end))
        for n, f in enumerate(kept, 1):
            f.id = f"A{n}"
            f.parent = None
        rules.nest(kept)
        return engine, kept

    def bounds(self, kept: list[rules.Found], around: list[rules.Found] | None = None) -> list[rules.Found]:
        """Where each kept attribution's cue ends (``cue_readings``), then its content's start and end
        (``content_readings``; no content grows over a cue of ``kept`` or ``around``)."""
        if self.cues is not None:
            kept = self.cues.choose(kept)
        if self.contents is not None:
            kept = self.contents.choose(kept, around or [])
        return kept

    @staticmethod
    def nested_rules(
        engine: Candidates, kept: list[rules.Found], rejected: list[rules.Found]
    ) -> list[rules.Found]:
        """The rules' attributions nested inside kept ones ("the Pentagon said the Secretary stressed ...").

        PolNeAR marks only the outermost attribution, so the trees learned to
        reject nested ones; but newsgraph reports nesting (``parent``), so a
        rule attribution whose cue lies inside a kept content comes back, with
        its own (low) confidence. Only one whose content holds no kept cue:
        it must not change which attributions are outermost.
        """
        contents = rules.intervals.Spans([(s.start, s.end) for f in kept for s in f.content])
        cues = rules.intervals.Spans([(f.cue.start, f.cue.end) for f in kept])
        return [
            f
            for f in rejected
            if not engine.origin.get(id(f), "").startswith("loose")
            and id(f) not in engine.dropped  # the rule's own reading comes back, not its variant
            and not cues.overlaps(f.cue.start, f.cue.end)  # nor a second reading of a kept cue
            and contents.contains(f.cue.start, f.cue.end)
            and not any(cues.overlaps(s.start, s.end) for s in f.content)
        ]

    def probabilities(self, doc: Doc, engine: Candidates, found: list[rules.Found]) -> list[float]:
        probs = self.predict(raw_rows(doc, engine, found), lexical_rows(doc, engine, found))
        if self.dense is None:
            return probs
        vectors = contextual.DocVectors(doc)
        unsure = self.dense.unsure(probs)
        if unsure:  # every sentence the unsure candidates need, encoded at once (much faster)
            vectors.prepare([s for k in unsure for s in contextual.sentences_of(found[k])])
        return self.with_dense(probs, lambda k: contextual.features(found[k], vectors))

    def predict(self, rows: list[dict[str, Any]], buckets: list[list[int]]) -> list[float]:
        """Each candidate's probability from its feature row and its lexical buckets (trees and words)."""
        import numpy as np

        if not rows:
            return []
        x = np.asarray(encode_rows(rows, self.vocab), dtype=np.float64)
        trees = [float(p) for p in self.booster.predict(x, num_threads=1)]
        if self.lexical is None or self.blend >= 1.0:
            return trees
        words = self.lexical.probabilities(buckets)
        return [self.blend * t + (1.0 - self.blend) * w for t, w in zip(trees, words, strict=True)]

    def with_dense(self, probs: list[float], features: Callable[[int], Any]) -> list[float]:
        """``probs`` with the dense network's say where they lie in its band.

        ``features(k)``: candidate k's contextual features, asked for only
        inside the band, so a sentence whose candidates the trees and the
        lexical model are sure of is never encoded (most of the cost).
        """
        import numpy as np

        if self.dense is None:
            return probs
        inside = self.dense.unsure(probs)
        if not inside:
            return probs
        dense = self.dense.probabilities(np.stack([features(k) for k in inside]))
        out = list(probs)
        share = self.dense.share
        for k, d in zip(inside, dense, strict=True):
            out[k] = (1.0 - share) * probs[k] + share * float(d)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "features": list(FEATURES),
            "categorical": list(CATEGORICAL),
            "vocab": self.vocab.tables,
            "threshold": self.threshold,
            "meta": self.meta,
            "booster": self.booster.model_to_string(),
            "blend": self.blend,
            "lexical": None if self.lexical is None else self.lexical.to_json(),
            "dense": None if self.dense is None else self.dense.to_json(),
            "cues": None if self.cues is None else self.cues.to_json(),
            "contents": None if self.contents is None else self.contents.to_json(),
        }


def weights_path(path: str | Path | None = None) -> Path:
    """The weights file: ``path``, else ``$NEWSGRAPH_TREES``, else the one shipped in the package.

    A directory (``newsgraph train --out DIR``) stands for the weights file in it.
    """
    where = Path(path or os.environ.get(ENV) or WEIGHTS_PATH)
    return where / WEIGHTS_FILE if where.is_dir() else where


FIX = "reinstall newsgraph, or run newsgraph train and set NEWSGRAPH_TREES to its file, or use --model rules"


def load_trees(path: str | None = None) -> Trees:
    """The classifier in ``path`` (see ``weights_path``), loaded once per process.

    A missing, unreadable, truncated or foreign file is one ``E036`` naming the
    file and the fix; never a traceback. The cache is keyed by the resolved file,
    so setting ``NEWSGRAPH_TREES`` later is not answered with the weights loaded before.
    """
    return _load_trees(weights_path(path))


@lru_cache(maxsize=4)
def _load_trees(where: Path) -> Trees:
    try:
        data = json.loads(where.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NewsgraphError(Errors.E036, path=where, reason="no such file", fix=FIX) from None
    except (OSError, UnicodeDecodeError) as err:
        raise NewsgraphError(Errors.E036, path=where, reason=str(err).splitlines()[0], fix=FIX) from None
    except json.JSONDecodeError as err:
        reason = f"truncated or not JSON ({err.msg})"
        raise NewsgraphError(Errors.E036, path=where, reason=reason, fix=FIX) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise NewsgraphError(Errors.E036, path=where, reason="not a newsgraph weights file", fix=FIX)
    if data.get("version") != VERSION or data.get("features") != list(FEATURES):
        raise NewsgraphError(
            Errors.E036,
            path=where,
            reason=f"made for format version {data.get('version')!r}, this newsgraph reads {VERSION}",
            fix=FIX,
        )
    try:
        import lightgbm

        booster = lightgbm.Booster(model_str=data["booster"])
        vocab = Vocab({k: dict(v) for k, v in data["vocab"].items()})
        threshold = float(data["threshold"])
        blend = float(data.get("blend", 1.0))
        words = None if data.get("lexical") is None else lexical.Lexical.from_json(data["lexical"])
        dense = None if data.get("dense") is None else contextual.Dense.from_json(data["dense"])
        cues = None if data.get("cues") is None else cue_readings.CueChooser.from_json(data["cues"])
        contents = data.get("contents")
        contents = None if contents is None else content_readings.ContentChooser.from_json(contents)
    except ImportError as err:
        raise NewsgraphError(Errors.E036, path=where, reason=f"lightgbm missing: {err}", fix=FIX) from None
    except Exception as err:  # a damaged booster string: LightGBM raises its own error types
        reason = (str(err).splitlines() or ["damaged model"])[0][:200]
        raise NewsgraphError(Errors.E036, path=where, reason=reason, fix=FIX) from None
    if dense is not None:
        try:
            contextual.encoder()
        except Exception as err:  # missing, truncated (zipfile's BadZipFile) or damaged encoder weights
            reason = (str(err).splitlines() or ["damaged"])[0][:200]
            path = contextual.WEIGHTS_PATH
            reason = f"the contextual encoder: {reason}"
            raise NewsgraphError(Errors.E036, path=path, reason=reason, fix=FIX) from None
    return Trees(booster, vocab, threshold, dict(data.get("meta") or {}), words, blend, dense, cues, contents)


def available(path: str | Path | None = None) -> bool:
    """Whether a weights file is there (it may still be damaged: ``load_trees`` says)."""
    return weights_path(path).is_file()
