"""newsgraph's attribution accuracy on PolNeAR dev, both engines side by side with the reference figures.

Runs ``newsgraph.eval.scoring.evaluate`` (the same numbers as
``../shared/bench/attribution_score.py``; ``tests/test_accuracy.py`` checks
that) with the trained model and with the rules, prints the scorer's table
for each, then one comparison table with the figures other tools and people
reach on the same split and scorer. The reference
figures are those given in the project brief (measured with the same scorer
on PolNeAR dev; CofeNet's are the published exact-span F1 on PolNeAR), and
one row measured here: PolNeAR's own annotators, each further annotator file
of an article annotated several times (train and the split) scored against
the first (``newsgraph.eval.scoring.agreement``), so that every column has a
human figure beside it.

Usage::

    .venv/bin/python benchmarks/accuracy.py [SPLIT_DIR] [--processes 2] [--predictions out.jsonl]
        [--threshold T]

``--predictions`` receives the trained model's predictions (``out.jsonl``)
and the rules' (``out.rules.jsonl``), for the official scorer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from newsgraph.eval.scoring import agreement, evaluate, format_table

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SPLIT = ROOT.parent / "shared" / "polnear" / "dev"

# name -> {metric: F1}; "who-what" is the headline figure
REFERENCES: dict[str, dict[str, float]] = {
    "BBC R&D Citron": {"attribution/who-what": 0.47},
    "textacy direct_quotations": {"attribution/who-what": 0.18},
    "two human annotators (brief)": {"attribution/who-what": 0.77},
    "BERT + CofeNet (2022, published)": {"source/exact": 0.832, "cue/exact": 0.753, "content/exact": 0.729},
}
COLUMNS = ["attribution/who-what", "source/exact", "cue/exact", "content/exact",
           "source/partial", "cue/partial", "content/partial"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split", nargs="?", type=Path, default=DEFAULT_SPLIT)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--predictions", type=Path, help="also write the predictions (scorer's JSONL form)")
    ap.add_argument("--threshold", type=float, default=0.0, help="trained model: lowest confidence kept")
    args = ap.parse_args()
    results = {}
    for engine in ("trained", "rules"):
        out = args.predictions
        if out is not None and engine == "rules":
            out = out.with_suffix(".rules" + out.suffix)
        start = time.perf_counter()
        results[engine] = evaluate(
            args.split, n_process=args.processes, predictions_out=out, model=engine,
            threshold=args.threshold if engine == "trained" else 0.0,
        )
        seconds = time.perf_counter() - start
        options = f" --threshold {args.threshold}" if engine == "trained" else ""
        print(f"newsgraph --model {engine}{options}")
        print(format_table(results[engine]))
        print(f"{results[engine]['documents']} articles in {seconds:.1f} s ({args.processes} processes)")
        print()
    print(f"date: {dt.date.today().isoformat()}  split: {args.split}")
    labels = [c.replace("attribution/", "").replace("/", " ") for c in COLUMNS]
    print(f"{'F1':34}" + "".join(f"{label:>16}" for label in labels))
    splits = {s.resolve() for s in (args.split.parent / "train", args.split) if s.is_dir()}
    humans = agreement(sorted(splits), print)
    rows = {
        "newsgraph (trained model)": {c: results["trained"][c]["f1"] for c in COLUMNS},
        "newsgraph (rules)": {c: results["rules"][c]["f1"] for c in COLUMNS},
        **REFERENCES,
    }
    if humans["pairs"]:  # no article annotated twice: no row rather than a row of zeros
        annotators = f"annotators ({humans['pairs']} files, {humans['articles']} art.)"
        rows[annotators] = {c: humans[c]["f1"] for c in COLUMNS}
    for name, figures in rows.items():
        cells = "".join(f"{figures[c]:16.3f}" if c in figures else f"{'-':>16}" for c in COLUMNS)
        print(f"{name:34}{cells}")


if __name__ == "__main__":
    main()
