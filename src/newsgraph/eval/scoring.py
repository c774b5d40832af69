"""Built-in evaluation against PolNeAR-style gold: the official scorer's numbers, exactly.

Why a re-implementation rather than calling the benchmark's scorer: the
package must work without the benchmark checkout. The tests run the official
scorer (``/work/shared/bench/attribution_score.py``) on the same predictions
and require identical metrics and an identical printed table, so the two can
never silently drift apart.

How scoring works (micro-averaged over the documents of a split):

1. The text is cut into word tokens (``TOKEN``); every role of an attribution
   (cue, source, content) becomes the set of tokens its character spans touch.
2. Span level, per role, over the attributions whose role is non-empty:
   ``exact`` counts one-to-one pairs with identical token sets; ``partial``
   pairs predictions and gold one-to-one by token overlap, and credits a pair
   ``|p & g| / |p|`` towards precision and ``|p & g| / |g|`` towards recall.
3. Attribution level, one-to-one: ``content`` pairs attributions whose content
   token sets have Dice >= 0.5; ``who-what`` also needs the sources to share a
   token (or both to lack one); ``exact`` needs all three roles identical.
   ``attribution/who-what`` F1 is the headline figure.

"One-to-one" is always the same greedy matching: every (prediction, gold)
pair scoring at least the threshold is a candidate; candidates are taken best
score first, ties broken by prediction index then gold index, skipping pairs
whose prediction or gold is already taken. Floating point sums are done in the
scorer's order, so even the last digit agrees.
"""

from __future__ import annotations

import json
import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.io.brat import ROLES, Attr, attribution_spans, read_ann, read_text_file
from newsgraph.models import Analysis

TOKEN = re.compile(r"\w+(?:['\u2019\-]\w+)*")
"""A word token: word characters, possibly joined by apostrophes or hyphens (``don't``, ``re-run``)."""

METRICS = (
    *(f"{role}/{kind}" for role in ROLES for kind in ("exact", "partial")),
    "attribution/content",
    "attribution/who-what",
    "attribution/exact",
)
"""Metric names in the order the table prints them."""

HEADLINE = "attribution/who-what"

_GOLD_FILE = re.compile(r"_[0-9a-f]{4}\.ann$")  # NAME_<annotator>.ann

TokenSet = frozenset[int]
Roles = dict[str, TokenSet]  # one attribution as token sets per role
T = TypeVar("T")


# ---------------------------------------------------------------- tokens


class Tokens:
    """The word tokens of a text, to turn character spans into token-index sets."""

    def __init__(self, text: str) -> None:
        found = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        self.starts = [start for start, _ in found]
        self.ends = [end for _, end in found]

    def __len__(self) -> int:
        return len(self.starts)

    def covered(self, spans: Iterable[Sequence[int]]) -> TokenSet:
        """Indices of the tokens that overlap any span (share at least one character position).

        A token (ts, te) overlaps (start, end) when ``ts < end and te > start``.
        Tokens are sorted and disjoint, so the overlapping ones form one run,
        found by binary search; an empty span inside a token touches it.
        """
        covered: set[int] = set()
        for start, end in spans:
            first = bisect_right(self.ends, start)  # first token ending after start
            stop = bisect_left(self.starts, end)  # tokens before this one start before end
            covered.update(range(first, stop))
        return frozenset(covered)

    def roles(self, attribution: Mapping[str, Any]) -> Roles:
        """An attribution's char spans per role as token sets per role (a missing role is empty)."""
        return {role: self.covered(attribution.get(role) or []) for role in ROLES}


# ---------------------------------------------------------------- matching


def match(
    pred: Sequence[T], gold: Sequence[T], score: Callable[[T, T], float], threshold: float
) -> list[tuple[int, int]]:
    """Greedy one-to-one matching: best score first, ties by prediction then gold index.

    Returns (prediction index, gold index) pairs in the order they were taken.
    """
    candidates = [
        (s, i, j) for i, p in enumerate(pred) for j, g in enumerate(gold) if (s := score(p, g)) >= threshold
    ]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    taken_pred: set[int] = set()
    taken_gold: set[int] = set()
    pairs = []
    for _, i, j in candidates:
        if i not in taken_pred and j not in taken_gold:
            taken_pred.add(i)
            taken_gold.add(j)
            pairs.append((i, j))
    return pairs


def dice(a: TokenSet, b: TokenSet) -> float:
    """Dice coefficient of two token sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def _identical(a: TokenSet, b: TokenSet) -> float:
    return 1.0 if a == b else 0.0


def _overlap(a: TokenSet, b: TokenSet) -> int:
    return len(a & b)


def _content(p: Roles, g: Roles) -> float:
    """Content Dice, or 0 when either side has no content."""
    return dice(p["content"], g["content"]) if p["content"] and g["content"] else 0.0


def _who_what(p: Roles, g: Roles) -> float:
    """Content Dice when it reaches 0.5 and the sources agree (share a token, or both absent)."""
    score = _content(p, g)
    if score < 0.5:
        return 0.0
    if not p["source"] and not g["source"]:
        return score
    return score if p["source"] & g["source"] else 0.0


def _all_exact(p: Roles, g: Roles) -> float:
    return 1.0 if all(p[role] == g[role] for role in ROLES) else 0.0


ATTRIBUTION_LEVEL: tuple[tuple[str, Callable[[Roles, Roles], float], float], ...] = (
    ("attribution/content", _content, 0.5),
    ("attribution/who-what", _who_what, 0.5),
    ("attribution/exact", _all_exact, 1.0),
)


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    """Credit and counts for one metric, summed over documents."""

    credited_pred: float = 0.0  # sum of credit given to predictions (precision numerator)
    credited_gold: float = 0.0  # sum of credit given to gold items (recall numerator)
    n_pred: int = 0
    n_gold: int = 0

    def add(self, credit_pred: float, credit_gold: float, n_pred: int, n_gold: int) -> None:
        self.credited_pred += credit_pred
        self.credited_gold += credit_gold
        self.n_pred += n_pred
        self.n_gold += n_gold

    def prf(self) -> dict[str, float | int]:
        """Precision, recall and F1 rounded to 4 places, with the counts."""
        p = self.credited_pred / self.n_pred if self.n_pred else 0.0
        r = self.credited_gold / self.n_gold if self.n_gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f, 4),
            "pred": self.n_pred,
            "gold": self.n_gold,
        }


def score_document(pred: Sequence[Roles], gold: Sequence[Roles], tallies: Mapping[str, Tally]) -> None:
    """Add one document's credit to ``tallies`` (one ``Tally`` per name in ``METRICS``)."""
    for role in ROLES:
        p = [a[role] for a in pred if a[role]]
        g = [a[role] for a in gold if a[role]]
        n_exact = len(match(p, g, _identical, 1.0))
        tallies[f"{role}/exact"].add(n_exact, n_exact, len(p), len(g))
        pairs = match(p, g, _overlap, 1)
        credit_pred = sum(len(p[i] & g[j]) / len(p[i]) for i, j in pairs)
        credit_gold = sum(len(p[i] & g[j]) / len(g[j]) for i, j in pairs)
        tallies[f"{role}/partial"].add(credit_pred, credit_gold, len(p), len(g))
    for name, score, threshold in ATTRIBUTION_LEVEL:
        n = len(match(pred, gold, score, threshold))
        tallies[name].add(n, n, len(pred), len(gold))


def score_documents(
    gold: Mapping[str, Sequence[Mapping[str, Any]]],
    pred: Mapping[str, Sequence[Mapping[str, Any]]],
    texts: Mapping[str, str],
) -> dict[str, Any]:
    """Score predictions against gold: the official scorer's JSON result.

    ``gold`` and ``pred`` map a document name to its attributions (char spans
    per role, ``Attr``); ``texts`` maps every gold document to its text. The
    documents scored are those of ``gold``, in sorted order; a document absent
    from ``pred`` counts as predicting nothing. Raises E017 when a predicted
    span lies outside its text.
    """
    docs = sorted(gold)
    tallies = {name: Tally() for name in METRICS}
    for doc in docs:
        text = texts[doc]
        predicted = pred.get(doc, [])
        _check_spans(doc, predicted, len(text))
        tokens = Tokens(text)
        score_document([tokens.roles(a) for a in predicted], [tokens.roles(a) for a in gold[doc]], tallies)
    result: dict[str, Any] = {name: tally.prf() for name, tally in tallies.items()}
    result["documents"] = len(docs)
    result["documents_without_prediction"] = sum(1 for doc in docs if doc not in pred)
    return result


def _check_spans(doc: str, attributions: Iterable[Mapping[str, Any]], length: int) -> None:
    for attribution in attributions:
        for role in ROLES:
            for start, end in attribution.get(role) or []:
                if not (0 <= start <= end <= length):
                    raise NewsgraphError(Errors.E017, doc=doc, start=start, end=end, length=length)


def format_table(result: Mapping[str, Any]) -> str:
    """The scorer's printed report; ``print(format_table(result))`` reproduces its stdout."""
    lines = [
        f"documents: {result['documents']}  without a prediction: {result['documents_without_prediction']}",
        f"{'metric':24} {'P':>7} {'R':>7} {'F1':>7} {'pred':>7} {'gold':>7}",
    ]
    for name in METRICS:
        m = result[name]
        lines.append(
            f"{name:24} {m['precision']:7.3f} {m['recall']:7.3f} {m['f1']:7.3f} {m['pred']:7d} {m['gold']:7d}"
        )
    lines.append(f"who-said-what F1 = {result[HEADLINE]['f1']:.3f}")
    return "\n".join(lines)


# ---------------------------------------------------------------- corpus


def gold_split(split_dir: str | Path) -> tuple[list[str], dict[str, str], dict[str, list[Attr]]]:
    """Read a split in PolNeAR layout: ``(docs, texts, gold)``.

    ``SPLIT/text/NAME.txt`` is the article, ``SPLIT/attributions/NAME_<annotator>.ann``
    its annotation; when several annotators did one article, the first file in
    sorted order is the gold. ``docs`` lists, sorted, the documents that have
    both; texts are read as the scorer reads them (UTF-8, universal newlines).
    """
    files = gold_files(split_dir)
    docs = sorted(files)
    texts = {doc: read_text_file(files[doc][0]) for doc in docs}
    gold = {doc: read_ann(files[doc][1]) for doc in docs}
    return docs, texts, gold


def gold_files(split_dir: str | Path) -> dict[str, tuple[Path, Path]]:
    """``{doc: (text file, gold annotation file)}`` for a split in PolNeAR layout.

    The gold of an article with several annotator files is the first in sorted
    order; articles without a text file are left out, as the scorer does.
    """
    split = Path(split_dir)
    text_dir, ann_dir = split / "text", split / "attributions"
    if not (text_dir.is_dir() and ann_dir.is_dir()):
        raise NewsgraphError(Errors.E012, path=split_dir)
    return {
        doc: (text_dir / f"{doc}.txt", paths[0])
        for doc, paths in annotation_files(ann_dir).items()
        if (text_dir / f"{doc}.txt").exists()
    }


def annotation_files(ann_dir: Path) -> dict[str, list[Path]]:
    """Each article's annotator files (``NAME_<annotator>.ann``) in sorted order, articles sorted.

    One grouping for every use: the first file is the gold the scorer takes
    (``gold_files``); training adds the others (``trees.articles_of``), and
    ``agreement`` scores them against the first.
    """
    by_article: dict[str, list[Path]] = {}
    for name in sorted(os.listdir(ann_dir)):
        if _GOLD_FILE.search(name):
            by_article.setdefault(_GOLD_FILE.sub("", name), []).append(ann_dir / name)
    return dict(sorted(by_article.items()))


def predictions_from_analysis(analysis: Analysis) -> list[Attr]:
    """An analysis' outermost attributions as char spans per role, the scorer's prediction form.

    Nested attributions (``parent`` set) are left out: PolNeAR annotates only
    the outermost one ("the Pentagon said: 'the Secretary stressed ...'").
    """
    return [attribution_spans(a) for a in analysis.attributions if a.parent is None]


def write_predictions(path: str | Path, predictions: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write predictions as JSON Lines in the scorer's input format, one document a line."""
    with open(path, "w", encoding="utf-8") as f:
        for doc, attributions in predictions.items():
            items = [
                {role: [list(span) for span in a.get(role) or []] for role in ROLES} for a in attributions
            ]
            f.write(json.dumps({"doc": doc, "attributions": items}, ensure_ascii=False) + "\n")


def evaluate(
    split_dir: str | Path,
    *,
    n_process: int = 1,
    limit: int | None = None,
    predictions_out: str | Path | None = None,
    model: str | None = None,
    threshold: float = 0.0,
) -> dict[str, Any]:
    """Analyse every article of a split and score the attributions found against the gold.

    ``limit`` keeps the first N documents (like the scorer's ``--docs N``;
    None or 0 keeps all). ``predictions_out``, when given, receives the
    predictions as JSON Lines, so that the official scorer can be run on the
    very same predictions: ``attribution_score.py SPLIT PREDICTIONS``.
    """
    from newsgraph.analysis.pipeline import DEFAULT_ATTRIBUTION_MODEL, analyze_articles  # spaCy: only now
    from newsgraph.io.reading import ReadArticle, read_text

    docs, texts, gold = gold_split(split_dir)
    if limit:
        docs = docs[:limit]

    def reads() -> Iterable[ReadArticle]:
        for doc in docs:
            read = read_text(texts[doc], name=doc)
            # Offsets must refer to the file's text; never let reading alter it.
            if read.article.text != texts[doc]:
                read = ReadArticle(name=doc, article=read.article.model_copy(update={"text": texts[doc]}))
            yield read

    predictions = {
        doc: predictions_from_analysis(analysis)
        for doc, analysis in zip(docs, analyze_articles(
            reads(), n_process=n_process, model=model or DEFAULT_ATTRIBUTION_MODEL, threshold=threshold
        ), strict=True)
    }
    if predictions_out is not None:
        write_predictions(predictions_out, predictions)
    return score_documents({doc: gold[doc] for doc in docs}, predictions, texts)


def agreement(
    split_dirs: Iterable[str | Path], log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """How well PolNeAR's annotators agree, measured as the scorer measures newsgraph.

    Why: the targets for the learned engine are set against "the human
    annotators", and this says what that means per metric. In every split,
    each article with several annotator files has its second and later files
    scored as predictions against its first (the gold the scorer uses), with
    the scorer's own matching, so every figure compares directly with
    ``evaluate``'s. The result is ``score_documents``' plus ``articles`` (with
    several files) and ``pairs`` (further files scored). A malformed file is
    reported through ``log`` and left out; the article is kept while it has
    two readable files.
    """
    tallies = {name: Tally() for name in METRICS}
    articles = pairs = 0
    for split_dir in split_dirs:
        split = Path(split_dir)
        if not (split / "text").is_dir() or not (split / "attributions").is_dir():
            raise NewsgraphError(Errors.E012, path=split_dir)
        for doc, paths in annotation_files(split / "attributions").items():
            text_file = split / "text" / f"{doc}.txt"
            if len(paths) < 2 or not text_file.exists():
                continue
            readings = []
            for path in paths:
                try:
                    readings.append(read_ann(path))
                except NewsgraphError as err:
                    if log is not None:
                        log(f"skipped: {err}")
            if len(readings) < 2:
                continue
            tokens = Tokens(read_text_file(text_file))
            gold = [tokens.roles(a) for a in readings[0]]
            for other in readings[1:]:
                score_document([tokens.roles(a) for a in other], gold, tallies)
            articles += 1
            pairs += len(readings) - 1
    result: dict[str, Any] = {name: tally.prf() for name, tally in tallies.items()}
    result["articles"] = articles
    result["pairs"] = pairs
    return result
