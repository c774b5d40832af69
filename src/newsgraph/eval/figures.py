"""Figure predictions in the form of ``../shared/bench/quantity_score.py`` (NewsQuant benchmark, floor test).

Why here: the benchmark (``benchmarks/facts.py``) and the regression test
(``tests/test_facts.py``) must write exactly the same predictions; both call
``predict``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsgraph.analysis.pipeline import analyze_articles
from newsgraph.io.reading import read_text
from newsgraph.models import Figure


def scorer_unit(unit: str | None, text: str) -> str:
    """Our unit in the spelling the NewsQuant scorer folds.

    newsgraph folds a currency symbol to the currency's name (issue 10's
    contract: "118.5p" is ``pence``); NewsQuant keeps the symbol "p" as
    written (and normalises it to "point"), and the scorer's alias table has
    no entry joining the two. Only that symbol is respelled, and only here.
    """
    if unit == "pence" and text.rstrip().endswith("p"):
        return "p"
    return unit or ""


def scorer_quantity(figure: Figure) -> dict[str, Any]:
    """One ``Figure`` as the scorer's prediction record."""
    return {
        "value": figure.value,
        "unit": scorer_unit(figure.unit, figure.text),
        "change": figure.change,
        "concept": figure.concept.text if figure.concept else "",
        "text": figure.text,
    }


def predict(gold_path: Path, out: Path) -> None:
    """Analyse every NewsQuant sentence (rule attributions) and write one JSONL line per sentence."""
    sentences = json.loads(gold_path.read_text(encoding="utf-8"))
    reads = [read_text(s["text"]) for s in sentences]
    with out.open("w", encoding="utf-8") as f:
        for sentence, analysis in zip(sentences, analyze_articles(reads, model="rules"), strict=True):
            quantities = [scorer_quantity(figure) for figure in analysis.figures]
            f.write(json.dumps({"id": sentence["id"], "quantities": quantities}) + "\n")
