"""Event predictions in the form of ``../shared/bench/event_score.py`` (dev benchmark, floor test).

Why here: the benchmark (``benchmarks/events.py``) and the regression test
(``tests/test_events.py``) must write exactly the same predictions; both call
``predict``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsgraph.analysis.pipeline import analyze_articles
from newsgraph.io.reading import read_text
from newsgraph.models import Analysis, Event


def _spans(span: Any) -> list[list[int]]:
    return [] if span is None else [[span.start, span.end]]


def scorer_event(event: Event) -> dict[str, Any]:
    """One ``Event`` as the scorer's gold/prediction record."""
    return {
        "trigger": [event.trigger.start, event.trigger.end],
        "type": event.type,
        "agent": _spans(event.agent),
        "target": _spans(event.target),
        "place": _spans(event.place),
        "time": _spans(event.time),
        "time_value": event.time.value if event.time is not None else None,
        "negated": event.negated,
        "modality": event.modality,
        "source": "attributed" if event.attribution is not None else "author",
    }


def _gold_docs(gold_dir: Path) -> Iterator[tuple[str, str | None]]:
    for path in sorted(gold_dir.glob("*.json")):
        obj = json.loads(path.read_text(encoding="utf-8"))
        yield obj.get("doc") or path.stem, obj.get("published")


def predict(gold_dir: Path, text_dir: Path, out: Path, n_process: int = 1) -> list[Analysis]:
    """Analyse every article of ``gold_dir`` and write ``out`` (JSON Lines, one article a line)."""
    docs = list(_gold_docs(gold_dir))
    reads = [
        read_text((text_dir / f"{name}.txt").read_text(encoding="utf-8"), name=name, published=published)
        for name, published in docs
    ]
    analyses = list(analyze_articles(reads, n_process=n_process))
    with out.open("w", encoding="utf-8") as f:
        for (name, _), analysis in zip(docs, analyses, strict=True):
            record = {"doc": name, "events": [scorer_event(e) for e in analysis.events]}
            f.write(json.dumps(record) + "\n")
    return analyses
