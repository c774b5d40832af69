"""newsgraph's events on the annotated PolNeAR dev articles, next to the reference figures.

Writes the predictions in the form of ``../shared/bench/event_score.py`` and
scores them with that official scorer (imported from ``../shared/bench``), then
prints its table, the per-type F1 and a comparison with the figures from the
issue: two annotators working independently (dyad 0.83, typed 0.89) and a
verb-lexicon baseline on the parse (dyad 0.11, typed 0.28).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/events.py [--processes 1] [--predictions out.jsonl]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

from newsgraph.eval.events import predict

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "events" / "dev"
TEXTS = SHARED / "polnear" / "dev" / "text"
SCORER = SHARED / "bench" / "event_score.py"
REFERENCES = {"two annotators": (0.83, 0.89), "verb-lexicon baseline": (0.11, 0.28), "targets": (0.45, 0.60)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--predictions", type=Path, help="where to write the predictions (JSON Lines)")
    args = ap.parse_args()
    spec = importlib.util.spec_from_file_location("event_score", SCORER)
    assert spec is not None and spec.loader is not None
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    out = args.predictions or Path(tempfile.mkdtemp()) / "events.jsonl"
    start = time.perf_counter()
    predict(GOLD, TEXTS, out, n_process=args.processes)
    seconds = time.perf_counter() - start
    m = scorer.score(str(GOLD), str(TEXTS), str(out))
    print(f"documents: {m['documents']}  (analysed in {seconds:.1f} s; predictions: {out})")
    print(f"{'metric':<16}{'P':>8}{'R':>8}{'F1':>8}{'pred':>8}{'gold':>8}")
    for name in scorer.CRITERIA:
        x = m[name]
        print(
            f"{name:<16}{x['precision']:>8.3f}{x['recall']:>8.3f}{x['f1']:>8.3f}{x['pred']:>8}{x['gold']:>8}"
        )
    print("agreement on typed matches:")
    for attr, x in m["attributes"].items():
        rate = "-" if x["rate"] is None else f"{x['rate']:.3f}"
        print(f"  {attr:<12}{rate:>8}  ({x['agree']} of {x['of']})")
    print("typed F1 per type:")
    for t, x in m["per_type"].items():
        counts = f"P {x['precision']:.3f} R {x['recall']:.3f}; pred {x['pred']}, gold {x['gold']}"
        print(f"  {t:<12}{x['f1']:>8.3f}  ({counts})")
    print()
    print(f"{'':<24}{'dyad F1':>9}{'typed F1':>10}")
    print(f"{'newsgraph':<24}{m['dyad']['f1']:>9.3f}{m['typed']['f1']:>10.3f}")
    for name, (dyad, typed) in REFERENCES.items():
        print(f"{name:<24}{dyad:>9.2f}{typed:>10.2f}")


if __name__ == "__main__":
    main()
