"""Where a kept attribution's cue ends: the learned engine's cue chooser.

Why. The candidates' cue is the word the rules found (and ``widen_cue``'s
adverbs): *expressed*, *pointed*, *refused*. PolNeAR's annotators often
take more words into the cue, and out of the content: *expressed concern
about* / the plan, *pointed to* / reports that ..., *refused to disclose* /
his returns. The trees cannot learn this: their labels are the scorer's
who-said-what test, which a cue one word short passes. So after the trees
have decided, each kept attribution is read a few more ways, its cue
widened over the words that follow it, and a second small LightGBM model,
trained on which reading's cue is exactly the annotators', picks one. On
PolNeAR dev this raised exact cue F1 by about 0.01 and exact content F1 by
about 0.005 (model card).

The readings of a verb cue whose content follows it: the cue as found; the
cue widened over its object noun (*issued a statement*), over the object and
the preposition right after it (*expressed concern about*), over a particle
or preposition right after it (*pointed to*), and over an infinitive
complement's verb (*refused to disclose*). The content loses the words the
cue takes; a reading that would leave no content is not made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from newsgraph.analysis import attributions as rules

CATEGORICAL = ("kind", "lemma", "tag", "word", "prep", "lemma_word", "lemma_prep", "after", "taken_pos")
NUMERIC = ("taken", "cue_len", "content_len", "rate", "passive", "taken_rate")
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "cat_smooth": 10,
    "min_data_per_group": 10,
    "deterministic": True,
    "force_col_wise": True,
    "verbose": -1,
}
ROUNDS = 300


@dataclass(frozen=True)
class Reading:
    """One way to read a found attribution's cue: how far it runs, and what told us so."""

    kind: str  # "found", "object", "object+prep", "particle", "infinitive"
    end: int  # the cue's end (a token index); the found cue's start is kept
    word: str = "-"  # the object noun's or the infinitive's lemma
    prep: str = "-"  # the preposition or particle taken in


def readings(f: rules.Found) -> list[tuple[Reading, rules.Found]]:
    """The found cue, and each widening of it that leaves some content after it, each read (``read``)."""
    found = Reading("found", f.cue.end)
    if not f.content or f.content[0].start < f.cue.end:
        return [(found, f)]  # a content before or around the cue: nothing follows to take in
    doc = f.cue.doc
    head, end, first = f.cue_word, f.cue.end, f.content[0].start
    wider = []
    for child in head.children:
        if child.dep_ == "xcomp" and end <= child.i < first + 4:
            wider.append(Reading("infinitive", child.i + 1, word=child.lemma_.lower()))
        if child.dep_ == "dobj" and child.i >= end and child.pos_ == "NOUN":
            noun, after = child.lemma_.lower(), child.i + 1
            wider.append(Reading("object", after, word=noun))
            if after < len(doc) and any(c.dep_ == "prep" and c.i == after for c in child.children):
                wider.append(Reading("object+prep", after + 1, word=noun, prep=doc[after].lower_))
        if child.dep_ in {"prt", "prep"} and child.i == end:
            wider.append(Reading("particle", end + 1, prep=child.lower_))
    out = [(found, f)]
    for r in wider:
        g = read(f, r)
        if g is not None:
            out.append((r, g))
    return out


def read(f: rules.Found, reading: Reading) -> rules.Found | None:
    """``f`` with its cue ending at ``reading.end`` and its content after it; None if no content is left."""
    if reading.end == f.cue.end:
        return f
    doc = f.cue.doc
    content = []
    for span in f.content:
        if span.end > reading.end:
            start, end = rules._trim(doc, max(span.start, reading.end), span.end)
            if start < end:
                content.append(doc[start:end])
    if not content:
        return None
    return replace(f, cue=doc[f.cue.start : reading.end], content=content)


def features(f: rules.Found, reading: Reading) -> dict[str, Any]:
    """What the chooser sees of one reading: the cue word, what the reading takes in, what follows."""
    doc = f.cue.doc
    head = f.cue_word
    lemma = head.lemma_.lower()
    taken = doc[f.cue.end : reading.end]
    return {
        "kind": reading.kind,
        "lemma": lemma,
        "tag": head.tag_,
        "word": reading.word,
        "prep": reading.prep,
        "lemma_word": f"{lemma}|{reading.word}",
        "lemma_prep": f"{lemma}|{reading.prep}",
        "after": doc[reading.end].lemma_.lower() if reading.end < len(doc) else "-",
        "taken_pos": "|".join(t.pos_ for t in taken) or "-",
        "taken": len(taken),
        "cue_len": len(f.cue),
        "content_len": sum(len(s) for s in f.content),
        "rate": rules.cue_rate(head),
        "passive": float(any(c.dep_ == "auxpass" for c in head.children)),
        "taken_rate": max((rules.cue_rate(t) for t in taken), default=-1.0),
    }


def with_copula(f: rules.Found) -> rules.Found:
    """``f`` with an adjectival cue widened back over its copula (*afraid* -> *are afraid*).

    PolNeAR's annotators take the copula, its auxiliaries, negation and the
    adverbs around it into the cue of an adjective: *have been critical of*,
    *weren't too concerned about*, *is more passionate about* (291 of the 298
    training cues whose word is an adjective after *be*). The candidates'
    cue starts at the adjective. A rule, not a reading for the chooser: the
    annotators almost never differ, and a cue does not enter the
    who-said-what test, so the decision is not touched. The cue is left as
    it is where the words it would take hold part of the source or content.
    """
    word = f.cue_word
    copula = word.head
    if word.pos_ != "ADJ" or word.dep_ != "acomp" or copula.lemma_ != "be" or copula.i >= f.cue.start:
        return f
    helpers = [c.i for c in copula.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < copula.i]
    start = min([copula.i, *helpers])
    taken = range(start, f.cue.start)
    spans = [f.source, *f.content] if f.source is not None else f.content
    if any(s.start < taken.stop and taken.start < s.end for s in spans) or any(
        f.cue.doc[i].is_space or f.cue.doc[i].text in {",", ";", ":", "(", ")"} for i in taken
    ):
        return f
    return replace(f, cue=f.cue.doc[start : f.cue.end])


@dataclass
class CueChooser:
    """A LightGBM model scoring each reading; the best-scored reading of each attribution is kept."""

    booster: Any
    tables: dict[str, dict[str, int]]  # categorical feature -> value -> code (unseen values: -1)

    def encode(self, rows: list[dict[str, Any]]) -> Any:
        import numpy as np

        return np.asarray(
            [[self.tables[c].get(r[c], -1) for c in CATEGORICAL] + [r[n] for n in NUMERIC] for r in rows],
            dtype=np.float64,
        )

    def choose(self, found: list[rules.Found]) -> list[rules.Found]:
        """Each attribution read the way the model scores best (order and everything else kept)."""
        options = [readings(f) for f in found]
        if all(len(opts) == 1 for opts in options):
            return found  # no attribution has another reading
        rows = [features(f, r) for f, opts in zip(found, options, strict=True) for r, _ in opts]
        scores = iter(self.booster.predict(self.encode(rows), num_threads=1))
        out = []
        for opts in options:
            scored = [next(scores) for _ in opts]
            out.append(opts[max(range(len(opts)), key=scored.__getitem__)][1])  # ties: the earlier reading
        return out

    def to_json(self) -> dict[str, Any]:
        return {"booster": self.booster.model_to_string(), "tables": self.tables}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CueChooser:
        import lightgbm

        tables = {c: {str(k): int(v) for k, v in data["tables"][c].items()} for c in CATEGORICAL}
        return cls(lightgbm.Booster(model_str=data["booster"]), tables)


def fit(samples: list[tuple[rules.Found, Callable[[rules.Found], bool]]], seed: int) -> CueChooser | None:
    """Train on the readings of candidates that match a gold attribution.

    ``samples``: each such candidate, with a test telling whether a reading
    of it has exactly the gold cue's words (the scorer's tokens). Each
    reading is one row, labelled by that test. None when the rows cannot
    teach a choice (none, or all with one label): the found cues stay.
    """
    import lightgbm
    import numpy as np

    rows, labels = [], []
    for f, is_gold_cue in samples:
        for r, candidate in readings(f):
            rows.append(features(f, r))
            labels.append(int(is_gold_cue(candidate)))
    if len(set(labels)) < 2:
        return None
    tables: dict[str, dict[str, int]] = {c: {} for c in CATEGORICAL}
    for row in rows:
        for c in CATEGORICAL:
            tables[c].setdefault(row[c], len(tables[c]))
    chooser = CueChooser(None, tables)
    data = lightgbm.Dataset(
        chooser.encode(rows),
        label=np.asarray(labels, dtype=np.float64),
        feature_name=list(CATEGORICAL + NUMERIC),
        categorical_feature=list(CATEGORICAL),
    )
    chooser.booster = lightgbm.train(dict(PARAMS, seed=seed, num_threads=1), data, num_boost_round=ROUNDS)
    return chooser
