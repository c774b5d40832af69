"""Training the learned attribution engine (``newsgraph.analysis.learned``) on PolNeAR.

Why like this. The engine's weights must be reproducible on a laptop: one
plain function, fixed seed, fixed thread count, LightGBM's deterministic
mode, so the same corpus and options give the same file byte for byte.

Steps: parse every article of the training and development splits with the
pipeline's own spaCy model (the parse the engine will see at analysis time);
collect the candidate attributions of each article (``learned.Candidates``,
each sourced one also without its source) with their feature rows and
hashed words; label a candidate 1 when it would count as a
who-said-what match of some gold attribution (content Dice >= 0.5 and
sources sharing a word, the scorer's ``_who_what``); fit gradient-boosted
trees and the lexical model (``analysis.lexical``) on the same rows, and
the dense network (``analysis.contextual``) and the cue chooser
(``analysis.cue_readings``); pick on the development split, with the
project's scorer, the probability threshold (of the blend) that maximises
who-said-what F1; fit the content chooser (``analysis.content_readings``)
on the training attributions kept at that threshold, and pick the
threshold again with it in place. The gold of a
development article with several annotators is the first file in sorted
order, as the scorer takes it; a training article counts once per annotator
file (``articles_of(all_annotators=True)``); an annotation file that cannot be read is reported with its
line and skipped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import content_readings, contextual, cue_readings, learned, lexical
from newsgraph.errors import NewsgraphError
from newsgraph.eval.scoring import (
    Roles,
    Tokens,
    TokenSet,
    _who_what,
    annotation_files,
    match,
    score_documents,
)
from newsgraph.eval.training import Example, load_split
from newsgraph.io.brat import Attr, read_ann

THRESHOLDS = tuple(round(0.2 + 0.025 * k, 3) for k in range(21))  # 0.2 .. 0.7
MIN_CATEGORY = 3  # a categorical value seen fewer times in training is "rare" (id 0)
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 10,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10,
    "max_cat_to_onehot": 8,
    "verbose": -1,
    "deterministic": True,
    "force_row_wise": True,
}
ROUNDS = 300
LEXICAL_C = 0.3  # the lexical model's inverse regularisation (0.1 .. 1.0 all gave the same blend on dev)
BLEND = 0.7  # the trees' share of a candidate's probability; the lexical model has the rest
DENSE_BAND = (0.2, 0.5)  # the dense network has a say where the trees and words give 0.2 to 0.5 ...
DENSE_SHARE = 0.4  # ... and this share of the probability there
DENSE_EPOCHS = 4


@dataclass
class Article:
    """One parsed article: its candidates, their raw feature rows and labels."""

    name: str
    text: str
    gold: list[Attr]
    found: list[rules.Found]
    rows: list[dict[str, Any]]
    labels: list[int]
    buckets: list[list[int]]  # each candidate's hashed lexical strings
    dense: Any = None  # each candidate's contextual features (``contextual.features``), one row each


def found_spans(f: rules.Found) -> Attr:
    """A candidate in the scorer's form (char spans per role)."""
    return {
        "cue": [(f.cue.start_char, f.cue.end_char)],
        "source": [] if f.source is None else [(f.source.start_char, f.source.end_char)],
        "content": [(s.start_char, s.end_char) for s in f.content],
    }


def labels_for(text: str, found: Sequence[rules.Found], gold: Sequence[Attr]) -> list[int]:
    """1 for each candidate that matches some gold attribution by the scorer's who-said-what test."""
    tokens = Tokens(text)
    golds = [tokens.roles(g) for g in gold]
    out = []
    for f in found:
        p = tokens.roles(found_spans(f))
        out.append(int(any(_who_what(p, g) >= 0.5 for g in golds)))
    return out


def article(doc: Doc, ex: Example) -> Article:
    """Candidates, rows and labels of one parsed article."""
    engine = learned.Candidates(doc)
    found = engine.readings()
    rows = learned.raw_rows(doc, engine, found) if found else []
    buckets = learned.lexical_rows(doc, engine, found)
    labels = labels_for(ex.text, found, ex.gold)
    return Article(ex.name, ex.text, ex.gold, found, rows, labels, buckets, dense_features(doc, found))


def dense_features(doc: Doc, found: Sequence[rules.Found]) -> Any:
    """The contextual features of every candidate (all of them: the band is applied when deciding)."""
    import numpy as np

    vectors = contextual.DocVectors(doc)
    vectors.prepare([s for f in found for s in contextual.sentences_of(f)])
    rows = [contextual.features(f, vectors) for f in found]
    width = contextual.WIDTH * len(contextual.PARTS)
    return np.stack(rows) if rows else np.zeros((0, width), dtype=np.float32)


def parse(examples: Sequence[Example], log: Callable[[str], None], processes: int = 1) -> list[Doc]:
    """The pipeline's spaCy parse of each article (the model's own components, ours before the parser)."""
    from newsgraph.analysis import pipeline

    nlp = pipeline.load("rules")
    late = pipeline._late(nlp)
    docs = []
    started = time.perf_counter()
    texts = (e.text for e in examples)
    for k, doc in enumerate(nlp.pipe(texts, disable=late, batch_size=16, n_process=processes), 1):
        docs.append(doc)
        if k % 100 == 0:
            log(f"parsed {k}/{len(examples)} ({time.perf_counter() - started:.0f} s)")
    return docs


def build_vocab(articles: Sequence[Article]) -> learned.Vocab:
    """Ids for the categorical values seen at least ``MIN_CATEGORY`` times (sorted: deterministic)."""
    tables: dict[str, dict[str, int]] = {}
    for name in learned.CATEGORICAL:
        counts: dict[str, int] = {}
        for a in articles:
            for row in a.rows:
                counts[str(row[name])] = counts.get(str(row[name]), 0) + 1
        kept = sorted(v for v, c in counts.items() if c >= MIN_CATEGORY)
        tables[name] = {v: k + 1 for k, v in enumerate(kept)}
    return learned.Vocab(tables)


def fit(
    articles: Sequence[Article], vocab: learned.Vocab, *, seed: int, threads: int, rounds: int = ROUNDS
) -> Any:
    """Gradient-boosted trees on every candidate of ``articles``."""
    import lightgbm
    import numpy as np

    rows = [r for a in articles for r in a.rows]
    y = [lab for a in articles for lab in a.labels]
    x = np.asarray(learned.encode_rows(rows, vocab), dtype=np.float64)
    params = dict(PARAMS, seed=seed, num_threads=threads)
    data = lightgbm.Dataset(
        x,
        label=np.asarray(y, dtype=np.float64),
        feature_name=list(learned.FEATURES),
        categorical_feature=list(learned.CATEGORICAL),
        free_raw_data=False,
    )
    return lightgbm.train(params, data, num_boost_round=rounds)


def cue_samples(a: Article) -> list[tuple[rules.Found, Callable[[rules.Found], bool]]]:
    """The candidates matching a gold attribution (one to one, as the scorer pairs them), each with a
    test of whether a reading of it has exactly that gold attribution's cue words."""
    tokens = Tokens(a.text)
    golds = [tokens.roles(g) for g in a.gold]
    roles = [tokens.roles(found_spans(f)) for f in a.found]
    out = []
    for i, j in match(roles, golds, _who_what, 0.5):
        cue = golds[j]["cue"]
        out.append((a.found[i], lambda f, cue=cue: tokens.roles(found_spans(f))["cue"] == cue))
    return out


def _cue_and_content(p: Roles, g: Roles) -> float:
    """How well a candidate stands for a gold attribution when only its bounds may be wrong:
    the cues must share a word; more shared cue words first, then more shared content words."""
    if not p["cue"] & g["cue"]:
        return 0.0
    return len(p["cue"] & g["cue"]) + 0.001 * len(p["content"] & g["content"])


def content_samples(a: Article, found: Sequence[rules.Found]) -> list[content_readings.Sample]:
    """``found`` (an article's candidates, their cues already placed) paired one to one with the gold
    attributions whose cue they share, each with the other candidates' cue tokens and a test of
    whether a reading of its content is right on one side (``content_readings.Sample``)."""
    tokens = Tokens(a.text)
    golds = [tokens.roles(g) for g in a.gold]
    roles = [tokens.roles(found_spans(f)) for f in found]
    own = [frozenset(range(f.cue.start, f.cue.end)) for f in found]
    every = frozenset().union(*own)

    def test(f: rules.Found, side: str, gold: TokenSet, marked: frozenset[tuple[int, int]]) -> bool:
        if side == "spans":
            return {(s.start, s.end) for s in f.content} == marked
        words = tokens.roles(found_spans(f))["content"]
        return bool(words) and (min(words) == min(gold) if side == "start" else max(words) == max(gold))

    out: list[content_readings.Sample] = []
    for i, j in match(roles, golds, _cue_and_content, 0.5):
        gold = golds[j]["content"]
        if gold and roles[i]["content"]:
            spans = [(s.start, s.end, tokens.covered([(s.start_char, s.end_char)])) for s in found[i].content]
            marked = frozenset((start, end) for start, end, words in spans if words & gold)
            out.append((found[i], every - own[i], lambda f, side, g=gold, m=marked: test(f, side, g, m)))
    return out


def score_at(
    trees: learned.Trees, articles: Sequence[Article], probs: Sequence[Sequence[float]], threshold: float
) -> dict[str, Any]:
    """The scorer's metrics on ``articles`` when candidates at ``threshold`` or above are kept."""
    preds: dict[str, list[Attr]] = {}
    for a, ps in zip(articles, probs, strict=True):
        for f, p in zip(a.found, ps, strict=True):
            f.confidence = float(p)
        kept = learned.choose(a.found, list(ps), threshold)
        if trees is not None:
            kept = trees.bounds(kept)
        kept = learned.settle(kept)
        kept.sort(key=lambda f: (f.cue.start, f.cue.end))
        for n, f in enumerate(kept, 1):
            f.id, f.parent = f"A{n}", None
        rules.nest(kept)
        preds[a.name] = [found_spans(f) for f in kept if f.parent is None]
    return score_documents({a.name: a.gold for a in articles}, preds, {a.name: a.text for a in articles})


def probabilities(trees: learned.Trees, a: Article) -> list[float]:
    """Each candidate's probability (the decision's blend) from the article's prepared rows."""
    return trees.with_dense(trees.predict(a.rows, a.buckets), a.dense.__getitem__)


def select_threshold(trees: learned.Trees, articles: Sequence[Article]) -> tuple[float, dict[str, Any]]:
    """The threshold with the best who-said-what F1 on ``articles`` (ties: the lower one)."""
    probs = [probabilities(trees, a) for a in articles]
    best: tuple[float, dict[str, Any]] | None = None
    for t in THRESHOLDS:
        result = score_at(trees, articles, probs, t)
        if best is None or result["attribution/who-what"]["f1"] > best[1]["attribution/who-what"]["f1"]:
            best = (t, result)
    assert best is not None
    return best


def other_annotators(files: Sequence[Path], log: Callable[[str], None]) -> list[list[Attr]]:
    """The gold of an article's second and later annotator files (``files`` sorted, as
    ``annotation_files`` gives them), unreadable ones reported and skipped."""
    out = []
    for path in files[1:]:
        try:
            out.append(read_ann(path))
        except NewsgraphError as err:
            log(f"skipped: {err}")
    return out


def articles_of(
    split_dir: str | Path,
    log: Callable[[str], None],
    limit: int | None = None,
    processes: int = 1,
    *,
    all_annotators: bool = False,
) -> list[Article]:
    """A split read, parsed and turned into candidates (malformed annotation files reported, skipped).

    ``all_annotators``: an article annotated by several people comes once
    more per further annotator, same candidates, labels from that
    annotator's file. For training: where annotators disagree the trees see
    both answers and learn how likely a candidate is to be marked, instead of
    one annotator's coin toss (16 training articles have 5 or 6 files).
    """
    examples = load_split(split_dir, on_error=lambda m: log(f"skipped: {m}"))
    if limit:
        examples = examples[:limit]
    docs = parse(examples, log, processes)
    files = annotation_files(Path(split_dir) / "attributions") if all_annotators else {}
    out = []
    started = time.perf_counter()
    for k, (doc, ex) in enumerate(zip(docs, examples, strict=True), 1):
        first = article(doc, ex)
        out.append(first)
        if k % 100 == 0:
            log(f"candidates and vectors of {k}/{len(examples)} ({time.perf_counter() - started:.0f} s)")
        if all_annotators:
            for gold in other_annotators(files.get(ex.name, []), log):
                labels = labels_for(ex.text, first.found, gold)
                copy = Article(
                    first.name, first.text, gold, first.found, first.rows, labels, first.buckets, first.dense
                )
                out.append(copy)
    return out


def train(
    train_dir: str | Path,
    dev_dir: str | Path,
    out: str | Path,
    *,
    seed: int = 13,
    threads: int = 2,
    limit: int | None = None,
    rounds: int = ROUNDS,
    log: Callable[[str], None] = print,
    prepared: tuple[list[Article], list[Article]] | None = None,
) -> dict[str, Any]:
    """Train on ``train_dir``, pick the threshold on ``dev_dir``, write the weights file ``out``.

    Returns the file's ``meta`` (dev metrics and training time included).
    ``limit`` keeps the first N training articles (quick checks);
    ``prepared`` skips parsing (already collected articles, for experiments).
    """
    started = time.perf_counter()
    if prepared is None:
        train_set = articles_of(train_dir, log, limit, threads, all_annotators=True)
        dev_set = articles_of(dev_dir, log, None, threads)
    else:
        train_set, dev_set = prepared
    log(f"candidates: {sum(len(a.rows) for a in train_set)} train, {sum(len(a.rows) for a in dev_set)} dev "
        f"({time.perf_counter() - started:.0f} s)")
    vocab = build_vocab(train_set)
    booster = fit(train_set, vocab, seed=seed, threads=threads, rounds=rounds)
    log(f"trees fitted ({time.perf_counter() - started:.0f} s)")
    buckets = [b for a in train_set for b in a.buckets]
    words = lexical.fit(buckets, [y for a in train_set for y in a.labels], LEXICAL_C)
    log(f"lexical model fitted ({time.perf_counter() - started:.0f} s)")
    import numpy as np

    x = np.concatenate([a.dense for a in train_set if len(a.rows)])
    y = np.asarray([lab for a in train_set for lab in a.labels], dtype=np.float32)
    dense = contextual.fit(x, y, seed=seed, band=DENSE_BAND, share=DENSE_SHARE, epochs=DENSE_EPOCHS)
    del x
    log(f"dense network fitted ({time.perf_counter() - started:.0f} s)")
    cues = cue_readings.fit([s for a in train_set for s in cue_samples(a)], seed)
    log(f"cue chooser fitted ({time.perf_counter() - started:.0f} s)")
    trees = learned.Trees(booster, vocab, 0.5, {}, words, BLEND, dense, cues)
    threshold, _ = select_threshold(trees, dev_set)  # what is kept without the content chooser ...
    samples = []
    kept: dict[int, list[rules.Found]] = {}  # an article's annotator copies share its candidates
    for a in train_set:  # ... is what it learns from: the training attributions the engine would keep
        if id(a.found) not in kept:
            kept[id(a.found)] = trees.bounds(learned.choose(a.found, probabilities(trees, a), threshold))
        samples += content_samples(a, kept[id(a.found)])
    trees.contents = content_readings.fit(samples, seed)
    log(f"content chooser fitted ({time.perf_counter() - started:.0f} s)")
    threshold, result = select_threshold(trees, dev_set)
    trees.threshold = threshold
    seconds = round(time.perf_counter() - started)
    trees.meta = {
        "train": str(train_dir),
        "dev": str(dev_dir),
        "train_articles": len({a.name for a in train_set}),
        "train_annotations": len(train_set),  # an article counts once per annotator file
        "seed": seed,
        "threads": threads,
        "rounds": rounds,
        "blend": BLEND,
        "lexical_c": LEXICAL_C,
        "dense_band": list(DENSE_BAND),
        "dense_share": DENSE_SHARE,
        "dense_epochs": DENSE_EPOCHS,
        "threshold": threshold,
        "dev_metrics": {k: v for k, v in result.items() if isinstance(v, dict)},
        "dev_who_what_f1": result["attribution/who-what"]["f1"],
        "train_seconds": seconds,
    }
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trees.to_json(), sort_keys=True) + "\n", encoding="utf-8")
    log(f"dev who-said-what F1 {trees.meta['dev_who_what_f1']:.3f} at threshold {threshold} ({seconds} s)")
    return trees.meta
