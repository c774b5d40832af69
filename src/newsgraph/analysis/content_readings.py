"""Which spans a kept attribution's content keeps, where it starts and ends: the content chooser.

Why. The candidates' content is the cue's complement subtree as spaCy
parses it, cut by a few rules (``Candidates.trim_content``). Where the parse
attaches a trailing phrase elsewhere, or the rules cut an apposition the
annotators kept, the content ends a few words short (*cited disparaging
remarks* / *Trump had made about her as examples of ...*); where a trailing
clause is the author's, it runs long (*wants to sign up voters, focusing on
the young*); where the cue's object is the addressee, the content starts
too early (*tells the host that ...*). The trees cannot learn this: their
labels are the scorer's who-said-what test, which a content half right
passes. A content in several spans (*"...," she said. "..."*) may also hold
one span too many. So after the trees have decided (and the cue chooser
has placed the cue's end), each kept attribution's content is read with
one span fewer, then with its start, then with its end at every boundary
near the found one, and three LightGBM rankers, trained on which spans,
start and end are exactly the annotators', pick one reading each. On
PolNeAR dev this raised exact content F1 from 0.581 to 0.618 and
who-said-what F1 from 0.738 to 0.746 (model card).

The readings of a content's spans: as found, without its first span and
without its last (when it has several). The readings of its end: as
found, and before every comma, semicolon, colon, dash, parenthesis,
quotation mark, sentence end or coordinating conjunction from the
content's first word to the end of the paragraph, at most two sentences
past the found end, never across another attribution's cue nor, for a
content before its cue, into the cue. The
readings of its start: as found, and after every such boundary, at every
marker word (*that*, *to*, *whether*, *as*, ...) up to twelve words into
the content, and at every word back towards the cue (twelve at most). A
reading whose content would hold no word is not made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from spacy.tokens import Doc, Token

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import cue_readings

SIDES = ("spans", "start", "end")  # in the order they are chosen
BOUNDARY = {",", ";", ":", "--", "—", "–", "―", "(", ")", ".", "!", "?", "-"}
MARKERS = {"that", "to", "whether", "if", "as", "for", "about", "of", "on", "how", "why", "what", "over"}
MAX_SENTENCES = 2  # an end is looked for in the found end's sentence and this many after it
MAX_SHIFT = 12  # a start moves at most this many words into the content or back towards the cue
CATEGORICAL = (
    "mark",
    "out_lemma",
    "out_dep",
    "out_pos",
    "in_pos",
    "in_dep",
    "in_lemma",
    "cue_lemma",
    "kind",
    "region_dep",
    "region_pos",
)
NUMERIC = (
    "found",
    "offset",
    "crossed",
    "sent_edge",
    "sents",
    "out_attached",
    "quote_open",
    "quoted",
    "length",
    "before_cue",
    "other_cue",
    "region_verb",
    "region_cue",
    "region_attached",
    "region_on_cue",
    "region_len",
    "gap_to_cue",
)
SPAN_CATEGORICAL = ("mark", "cue_lemma", "kind", "before_word", "dropped_root_dep", "dropped_root_pos")
SPAN_NUMERIC = (
    "found",
    "spans",
    "dropped_len",
    "dropped_quoted",
    "dropped_after_cue",
    "gap",
    "gap_sents",
    "gap_para",
    "gap_cue",
    "dropped_verb",
    "dropped_cue",
    "kept_len",
)
COLUMNS = {  # each side's categorical and numeric features
    "spans": (SPAN_CATEGORICAL, SPAN_NUMERIC),
    "start": (CATEGORICAL, NUMERIC),
    "end": (CATEGORICAL, NUMERIC),
}
# The cue chooser's settings, but ranking: one reading of each attribution is chosen, so they compete.
PARAMS = {**cue_readings.PARAMS, "objective": "lambdarank"}
ROUNDS = cue_readings.ROUNDS


@dataclass(frozen=True)
class Bound:
    """One place a content may start or end (a token index; an end is exclusive) and what stands there."""

    at: int  # for "spans": the index of the span left out (-1: none)
    mark: str  # "found", the boundary's punctuation, "cc", "para", "after," ..., a marker word, "word",
    # or for "spans" "drop-first", "drop-last"


def _boundary(doc: Doc, i: int) -> str | None:
    """What makes token ``i`` a place to stop before (or start after), if anything."""
    token = doc[i]
    if "\n" in token.text:
        return "para"
    if token.text in BOUNDARY or rules._is_quote_mark(token):
        return token.text
    if token.dep_ == "cc":
        return "cc"
    return None


def _has_word(doc: Doc, start: int, end: int) -> bool:
    return any(not (t.is_punct or t.is_space) for t in doc[start:end])


def _with_content(f: rules.Found, side: str, start: int, end: int) -> rules.Found:
    doc = f.cue.doc
    span = doc[start:end]
    content = [span, *f.content[1:]] if side == "start" else [*f.content[:-1], span]
    return replace(f, content=content)


Readings = list[tuple[Bound, rules.Found]]


def readings(f: rules.Found, side: str, cues: frozenset[int] = frozenset()) -> Readings:
    """The content as found, and read with its ``side`` at each boundary near the found one.

    ``cues``: the token indices of the other kept attributions' cues; a
    content does not grow over one, nor over its own cue.
    """
    if not f.content:
        return []
    if side == "spans":
        return _spans(f)
    return _starts(f, cues) if side == "start" else _ends(f, cues)


def _spans(f: rules.Found) -> Readings:
    """A content in several spans (*"...," he said. "..."*), also without its first or its last span."""
    out = [(Bound(-1, "found"), f)]
    if len(f.content) > 1:
        out.append((Bound(0, "drop-first"), replace(f, content=f.content[1:])))
        out.append((Bound(len(f.content) - 1, "drop-last"), replace(f, content=f.content[:-1])))
    return out


def _ends(f: rules.Found, cues: frozenset[int]) -> Readings:
    doc = f.cue.doc
    last = f.content[-1]
    out = [(Bound(last.end, "found"), f)]
    limit = doc[last.end - 1].sent.end
    for _ in range(MAX_SENTENCES):
        if limit < len(doc):
            limit = doc[limit].sent.end
    if last.start < f.cue.start:  # a content before its cue stops there
        limit = min(limit, f.cue.start)
    seen = {last.end}
    for i in range(last.start + 1, limit):
        if i > last.end and i - 1 in cues:
            break  # grown over a cue
        mark = _boundary(doc, i)
        if mark is None:
            continue
        start, end = rules._trim(doc, last.start, i)
        if _has_word(doc, start, end) and end not in seen:
            seen.add(end)
            out.append((Bound(end, mark), _with_content(f, "end", start, end)))
        if mark == "para" and i >= last.end:
            break
    return out


def _starts(f: rules.Found, cues: frozenset[int]) -> Readings:
    doc = f.cue.doc
    first = f.content[0]
    out = [(Bound(first.start, "found"), f)]
    if first.start >= f.cue.end:
        back = max(f.cue.end, first.start - MAX_SHIFT)
    else:
        back = max(first.start - MAX_SHIFT, doc[first.start].sent.start)
    seen = {first.start}
    for i in range(back, min(first.end - 1, first.start + MAX_SHIFT) + 1):
        if i == first.start or any(j in cues for j in range(min(i, first.start), max(i, first.start))):
            continue
        before = _boundary(doc, i - 1) if i > 0 else "para"
        if before is not None:
            mark = "after" + before if before in {",", ":", "cc", "para"} else "after-punct"
        elif doc[i].lower_ in MARKERS:
            mark = doc[i].lower_
        elif i < first.start:
            mark = "word"
        else:
            continue
        start, end = rules._trim(doc, i, first.end)
        if _has_word(doc, start, end) and start not in seen:
            seen.add(start)
            out.append((Bound(start, mark), _with_content(f, "start", start, end)))
    return out


def _sentences(doc: Doc, start: int, end: int) -> int:
    """How many sentences the tokens ``start`` to ``end`` touch (Span.sents: no walk per token)."""
    return sum(1 for _ in doc[start:end].sents) if start < end else 0


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i and depth < 50:
        token = token.head
        depth += 1
    return depth


def features(f: rules.Found, side: str, bound: Bound, found_at: int, cues: frozenset[int]) -> dict[str, Any]:
    """What a chooser sees of one reading: the boundary, the words on either side of it, what moved.

    "in" is the content's word at the bound, "out" the first word past it;
    the "region" is the words between the found bound and this one (taken
    in or left out). For "spans", what the span left out is and what lies
    between it and the span next to it.
    """
    if side == "spans":
        return _span_features(f, bound, cues)
    doc = f.cue.doc
    at = bound.at
    span = f.content[0] if side == "start" else f.content[-1]
    start, end = (at, span.end) if side == "start" else (span.start, at)
    step = -1 if side == "start" else 1
    inside = doc[at] if side == "start" else doc[at - 1]
    out = at - 1 if side == "start" else at
    while 0 <= out < len(doc) and (doc[out].is_punct or doc[out].is_space) and doc[out].dep_ != "cc":
        out += step
    outside = doc[out] if 0 <= out < len(doc) else None
    lo, hi = sorted((at, found_at))
    region = [doc[i] for i in range(lo, hi) if not (doc[i].is_punct or doc[i].is_space)]
    top = min(region, key=_depth, default=None)
    crossed = sum(1 for i in range(lo, hi) if _boundary(doc, i) is not None)
    moved_out = (at > found_at) == (side == "start")  # the region is left out of the content
    keep_lo, keep_hi = (start, end)
    quotes = sum(1 for t in doc[start:end] if rules._is_quote_mark(t))
    if bound.mark == "found":
        edge = _boundary(doc, at - 1 if side == "start" else at) if 0 < at < len(doc) else "para"
        mark = "found:" + (edge or "word")
    else:
        mark = bound.mark
    sent_edge = inside.sent.start == at if side == "start" else inside.sent.end == at
    gap = at - f.cue.end if f.cue.end <= at else f.cue.start - at
    return {
        "mark": mark,
        "out_lemma": outside.lemma_.lower() if outside is not None else "-",
        "out_dep": outside.dep_ if outside is not None else "-",
        "out_pos": outside.pos_ if outside is not None else "-",
        "in_pos": inside.pos_,
        "in_dep": inside.dep_,
        "in_lemma": inside.lemma_.lower(),
        "cue_lemma": f.cue_word.lemma_.lower(),
        "kind": f.kind,
        "region_dep": top.dep_ if top is not None else "-",
        "region_pos": top.pos_ if top is not None else "-",
        "found": float(bound.mark == "found"),
        "offset": float(at - found_at),
        "crossed": float(crossed if at >= found_at else -crossed),
        "sent_edge": float(sent_edge or (outside is not None and outside.sent.start != inside.sent.start)),
        "sents": float(_sentences(doc, start, end)),
        "out_attached": float(outside is not None and keep_lo <= outside.head.i < keep_hi),
        "quote_open": float(quotes % 2),
        "quoted": float(rules._is_quote_mark(doc[start]) or rules._is_quote_mark(doc[end - 1])),
        "length": float(end - start),
        "before_cue": float(span.start < f.cue.start),
        "other_cue": float(any(i in cues for i in range(lo, hi))),
        "region_verb": float(any(t.pos_ in {"VERB", "AUX"} for t in region)),
        "region_cue": max((rules.cue_rate(t) for t in region), default=-1.0),
        "region_attached": float(top is not None and keep_lo <= top.head.i < keep_hi and not moved_out),
        "region_on_cue": float(top is not None and top.head.i == f.cue_word.i),
        "region_len": float(len(region) if not moved_out else -len(region)),
        "gap_to_cue": float(gap),
    }


def _span_features(f: rules.Found, bound: Bound, cues: frozenset[int]) -> dict[str, Any]:
    doc = f.cue.doc
    row: dict[str, Any] = {
        "mark": bound.mark,
        "cue_lemma": f.cue_word.lemma_.lower(),
        "kind": f.kind,
        "found": float(bound.mark == "found"),
        "spans": float(len(f.content)),
    }
    if bound.at < 0:
        empty = {c: "-" for c in SPAN_CATEGORICAL if c not in row}
        return row | empty | {n: 0.0 for n in SPAN_NUMERIC if n not in row}
    dropped = f.content[bound.at]
    neighbour = f.content[1] if bound.at == 0 else f.content[bound.at - 1]
    lo, hi = (dropped.end, neighbour.start) if bound.at == 0 else (neighbour.end, dropped.start)
    gap = doc[lo:hi]
    before = dropped.start - 1
    while before >= 0 and (doc[before].is_punct or doc[before].is_space):
        before -= 1
    return row | {
        "before_word": doc[before].lemma_.lower() if before >= 0 else "-",
        "dropped_root_dep": dropped.root.dep_,
        "dropped_root_pos": dropped.root.pos_,
        "dropped_len": float(len(dropped)),
        "dropped_quoted": float(rules._is_quote_mark(dropped[0]) or rules._is_quote_mark(dropped[-1])),
        "dropped_after_cue": float(dropped.start >= f.cue.end),
        "gap": float(len(gap)),
        "gap_sents": float(_sentences(doc, lo, hi)),
        "gap_para": float(any("\n" in t.text for t in gap)),
        "gap_cue": float(any(i in cues for i in range(lo, hi))),
        "dropped_verb": float(any(t.pos_ in {"VERB", "AUX"} for t in dropped)),
        "dropped_cue": max((rules.cue_rate(t) for t in dropped), default=-1.0),
        "kept_len": float(sum(len(c) for c in f.content) - len(dropped)),
    }


@dataclass
class BoundChooser:
    """A LightGBM model scoring each reading of one side; the best-scored one is kept."""

    side: str
    booster: Any
    tables: dict[str, dict[str, int]]  # categorical feature -> value -> code (unseen values: -1)

    def encode(self, rows: list[dict[str, Any]]) -> Any:
        import numpy as np

        categorical, numeric = COLUMNS[self.side]
        return np.asarray(
            [[self.tables[c].get(r[c], -1) for c in categorical] + [r[n] for n in numeric] for r in rows],
            dtype=np.float64,
        )

    def choose(self, found: list[rules.Found], around: Sequence[rules.Found] = ()) -> list[rules.Found]:
        """Each attribution with this side of its content where the model scores best.

        No content grows over the cue of another attribution of ``found`` or
        of ``around`` (attributions already placed, such as the outer ones of
        nested attributions).
        """
        own = [frozenset(range(f.cue.start, f.cue.end)) for f in found]
        every = frozenset().union(*own, *(range(f.cue.start, f.cue.end) for f in around))
        options, rows = [], []
        for f, cue in zip(found, own, strict=True):
            others = every - cue
            opts = readings(f, self.side, others)
            options.append(opts)
            if len(opts) > 1:
                rows += [features(f, self.side, b, opts[0][0].at, others) for b, _ in opts]
        if not rows:
            return found
        scores = iter(self.booster.predict(self.encode(rows), num_threads=1))
        out = []
        for f, opts in zip(found, options, strict=True):
            if len(opts) <= 1:
                out.append(f)
                continue
            scored = [next(scores) for _ in opts]
            out.append(opts[max(range(len(opts)), key=scored.__getitem__)][1])  # ties: as found
        return out

    def to_json(self) -> dict[str, Any]:
        return {"side": self.side, "booster": self.booster.model_to_string(), "tables": self.tables}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BoundChooser:
        import lightgbm

        side = str(data["side"])
        tables = {c: {str(k): int(v) for k, v in data["tables"][c].items()} for c in COLUMNS[side][0]}
        return cls(side, lightgbm.Booster(model_str=data["booster"]), tables)


@dataclass
class ContentChooser:
    """The three choosers, each optional: which spans, then where the first starts, then where the
    last ends."""

    spans: BoundChooser | None
    starts: BoundChooser | None
    ends: BoundChooser | None

    def choose(self, found: list[rules.Found], around: Sequence[rules.Found] = ()) -> list[rules.Found]:
        """Each attribution's content as the models score best (see ``BoundChooser.choose`` for
        ``around``)."""
        for chooser in (self.spans, self.starts, self.ends):
            if chooser is not None:
                found = chooser.choose(found, around)
        return [paired_quotes(f) for f in found]

    def to_json(self) -> dict[str, Any]:
        choosers = (self.spans, self.starts, self.ends)
        return {side: None if c is None else c.to_json() for side, c in zip(SIDES, choosers, strict=True)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContentChooser:
        return cls(*(None if data.get(s) is None else BoundChooser.from_json(data[s]) for s in SIDES))


def paired_quotes(f: rules.Found) -> rules.Found:
    """``f`` with each content span that holds one of a pair of quotation marks given the other.

    A start reading may begin after an opening mark while the end keeps the
    closing one (*We cannot wait,"*), which reads as a stray mark. The
    scorer counts words only, so this changes no score; it only makes the
    reported quotation whole.
    """
    doc = f.cue.doc
    spans = []
    for s in f.content:
        start, end = s.start, s.end
        first, last = rules._is_quote_mark(doc[start]), rules._is_quote_mark(doc[end - 1])
        if last and not first and start > 0 and rules._is_quote_mark(doc[start - 1]) and end - start > 1:
            start -= 1
        elif first and not last and end < len(doc) and rules._is_quote_mark(doc[end]) and end - start > 1:
            end += 1
        spans.append(s if (start, end) == (s.start, s.end) else doc[start:end])
    if all(a is b for a, b in zip(spans, f.content, strict=True)):
        return f
    return replace(f, content=spans)


# A training sample: a candidate matching a gold attribution, the other candidates' cue tokens,
# and a test of whether a reading of it is right on one side: for "start" ("end"), it starts (ends)
# on the gold content's first (last) word; for "spans", it keeps exactly the spans that share a
# word with the gold content.
Sample = tuple[rules.Found, frozenset[int], Callable[[rules.Found, str], bool]]


def rows_of(samples: list[Sample], side: str) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    """Each sample's readings of ``side`` as feature rows, labelled by the sample's test, and how many
    rows each sample has (its group)."""
    rows, labels, groups = [], [], []
    for f, others, is_gold in samples:
        opts = readings(f, side, others)
        if len(opts) <= 1:
            continue
        for b, candidate in opts:
            rows.append(features(f, side, b, opts[0][0].at, others))
            labels.append(int(is_gold(candidate, side)))
        groups.append(len(opts))
    return rows, labels, groups


def fit_side(samples: list[Sample], side: str, seed: int) -> BoundChooser | None:
    """One side's chooser; None when the rows cannot teach a choice (none, or all one label)."""
    import lightgbm
    import numpy as np

    rows, labels, groups = rows_of(samples, side)
    if len(set(labels)) < 2:
        return None
    categorical, numeric = COLUMNS[side]
    tables: dict[str, dict[str, int]] = {c: {} for c in categorical}
    for row in rows:
        for c in categorical:
            tables[c].setdefault(row[c], len(tables[c]))
    chooser = BoundChooser(side, None, tables)
    data = lightgbm.Dataset(
        chooser.encode(rows),
        label=np.asarray(labels, dtype=np.float64),
        feature_name=list(categorical + numeric),
        categorical_feature=list(categorical),
        group=groups,
    )
    chooser.booster = lightgbm.train(dict(PARAMS, seed=seed, num_threads=1), data, num_boost_round=ROUNDS)
    return chooser


def fit(samples: list[Sample], seed: int) -> ContentChooser | None:
    """The three choosers from the same samples; None when none can be taught."""
    choosers = [fit_side(samples, side, seed) for side in SIDES]
    if all(c is None for c in choosers):
        return None
    return ContentChooser(*choosers)
