"""A linear model over the words around each candidate attribution, blended with the trees.

Why. The trees (``learned``) see a candidate through about fifty features,
of which only three are words (the cue's lemma, its head's, the source's).
Whether PolNeAR's annotators mark *sent a letter*, *imposed sanctions* or
*the rules promise* depends on the words themselves: the cue's object and
particle, the words next to it, what the content and the sentence are
about. A logistic regression over hashed strings of those words learns one
weight per word and context from the training split, cheaply and without a
vocabulary to ship. It is weaker alone (dev who-said-what F1 0.712 against
the trees' 0.721) but errs differently, so the average of the two
probabilities is better than either (``learned.Trees.blend``; model card).

Strings are hashed with CRC-32 (stable across runs and machines, unlike
Python's ``hash``) into ``DIM`` buckets; a bucket's weight is learned, and
the weights file stores only the buckets seen in training.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span

from newsgraph.analysis import attributions as rules

DIM = 1 << 18
WINDOW = (-3, -2, -1, 1, 2, 3)  # words before the cue's first and after its last token
CONTENT_WORDS = 40  # a long content's first words carry what it is about


def strings(doc: Doc, f: rules.Found, origin: str) -> list[str]:
    """The lexical features of one candidate, as strings ``name=value``."""
    return candidate_strings(doc, f, origin) + sentence_strings(f.cue_word.sent)


def candidate_strings(doc: Doc, f: rules.Found, origin: str) -> list[str]:
    """The strings of the candidate itself: cue, neighbours, source, content."""
    head = f.cue_word
    lemma = head.lemma_.lower()
    out = [f"cl={lemma}", f"o={origin}", f"o={origin}|cl={lemma}", f"cw={f.cue.text.lower()}"]
    for child in head.children:
        link = f"{child.dep_}:{child.lemma_.lower()}"
        out += [f"ch={link}", f"cl={lemma}|ch={link}"]
    out.append(f"hd={head.dep_}:{head.head.lemma_.lower()}")
    for offset in WINDOW:
        i = f.cue.start + offset if offset < 0 else f.cue.end - 1 + offset
        if 0 <= i < len(doc):
            out.append(f"w{offset}={doc[i].lower_}")
    if f.source is not None:
        root = f.source.root
        out += [f"sr={root.lemma_.lower()}", f"sf={f.source[0].lower_}", f"se={root.ent_type_}"]
        out.append(f"cl={lemma}|sr={root.lemma_.lower()}")
    else:
        out += ["sr=-", f"cl={lemma}|sr=-"]
    first = f.content[0]
    words = [t for s in f.content for t in s if not t.is_punct and not t.is_space]
    out += [f"cr={first.root.lemma_.lower()}", f"cl={lemma}|cr={first.root.lemma_.lower()}"]
    out += [f"cf{k}={t.lower_}" for k, t in enumerate(words[:3])]
    out += [f"c={t.lemma_.lower()}" for t in words[:CONTENT_WORDS]]
    return out


def sentence_strings(sent: Span) -> list[str]:
    """The lemmas of the cue's sentence: the same for every candidate in it."""
    return [f"s={t.lemma_.lower()}" for t in sent if not t.is_punct and not t.is_space]


def _hashed(features: Sequence[str]) -> set[int]:
    return {zlib.crc32(s.encode("utf-8")) % DIM for s in features}


def buckets(features: Sequence[str]) -> list[int]:
    """The distinct hash buckets of one candidate's strings (each counts once)."""
    return sorted(_hashed(features))


def rows(doc: Doc, found: Sequence[rules.Found], origins: Sequence[str]) -> list[list[int]]:
    """Each candidate's buckets, ``buckets(strings(...))``, with each sentence hashed once.

    A sentence holds many candidates (and each sourced one twice, with and
    without its source): its words are hashed once and shared.
    """
    by_sentence: dict[int, set[int]] = {}
    out = []
    for f, origin in zip(found, origins, strict=True):
        sent = f.cue_word.sent
        if sent.start not in by_sentence:
            by_sentence[sent.start] = _hashed(sentence_strings(sent))
        out.append(sorted(_hashed(candidate_strings(doc, f, origin)) | by_sentence[sent.start]))
    return out


@dataclass
class Lexical:
    """Logistic-regression weights over hashed strings: ``bias`` plus one weight per seen bucket."""

    bias: float
    weights: dict[int, float]
    c: float  # the inverse regularisation it was trained with (for the record)

    def probabilities(self, rows: Sequence[Sequence[int]]) -> list[float]:
        out = []
        for row in rows:
            z = self.bias + sum(self.weights.get(b, 0.0) for b in row)
            out.append(1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0)
        return out

    def to_json(self) -> dict[str, Any]:
        keys = sorted(self.weights)
        return {
            "dim": DIM,
            "c": self.c,
            "bias": self.bias,
            "buckets": keys,
            "weights": [self.weights[k] for k in keys],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lexical:
        if int(data["dim"]) != DIM:
            raise ValueError(f"hashed into {data['dim']} buckets, this newsgraph hashes into {DIM}")
        keys = (int(k) for k in data["buckets"])
        weights = dict(zip(keys, (float(w) for w in data["weights"]), strict=True))
        return cls(float(data["bias"]), weights, float(data["c"]))


def fit(rows: Sequence[Sequence[int]], labels: Sequence[int], c: float, iterations: int = 300) -> Lexical:
    """L2-regularised logistic regression (``c``: inverse strength), by L-BFGS: deterministic.

    Minimises ``sum(log loss) + |w|^2 / (2c)`` (the bias is not penalised),
    scikit-learn's ``LogisticRegression(C=c)``, with SciPy (already a
    LightGBM dependency) instead of a new one. Weights are rounded to six
    significant digits: the same data give the same file, and another
    machine's last-bit differences in the sums mostly vanish.
    """
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import minimize
    from scipy.special import expit

    cols = [b for row in rows for b in row]
    indptr = np.cumsum([0] + [len(row) for row in rows])
    x = sp.csr_matrix((np.ones(len(cols)), np.asarray(cols, dtype=np.int64), indptr), shape=(len(rows), DIM))
    y = np.asarray(labels, dtype=np.float64)

    def loss(wb: Any) -> tuple[float, Any]:
        w, b = wb[:-1], wb[-1]
        z = x @ w + b
        p = expit(z)
        value = float(np.sum(np.logaddexp(0.0, z) - y * z) + w @ w / (2 * c))
        grad = np.append(x.T @ (p - y) + w / c, np.sum(p - y))
        return value, grad

    result = minimize(loss, np.zeros(DIM + 1), jac=True, method="L-BFGS-B", options={"maxiter": iterations})
    seen = np.unique(np.asarray(cols, dtype=np.int64))
    weights = {int(k): float(f"{result.x[k]:.6g}") for k in seen}
    return Lexical(float(f"{result.x[-1]:.6g}"), weights, c)
