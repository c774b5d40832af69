"""How well does newsgraph find figures and times, next to the published peers?

Writes newsgraph's predictions in the formats the official scorers read and
runs those scorers (``../shared/bench/quantity_score.py`` on NewsQuant dev,
``../shared/bench/timex_score.py`` on the TempEval-3 AQUAINT dev documents),
then prints the peers' published figures beside ours. Figures go through the
whole analysis (the counted nouns and concepts come from the parse), with the
rule attribution engine; times through the same function the
``newsgraph_times`` component calls, with each document's ``dct`` as the
publication date.

Targets (issue 10): figures value F1 >= 0.92, value+change >= 0.89,
value+unit >= 0.85; times value F1 >= 0.80, relaxed F1 >= 0.90.

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/facts.py [--out DIR] [--only figures|times]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")

PEERS_FIGURES = [
    ("CQE (whole NewsQuant)", "value 0.912, value+change 0.880, value+unit 0.842"),
    ("quantulum3 (whole NewsQuant)", "value 0.731"),
    ("GPT-3 (whole NewsQuant)", "value 0.703"),
]
PEERS_TIMES = [
    ("HeidelTime (TempEval-3 test)", "relaxed 0.903, value 0.776"),
    ("SUTime (TempEval-3 test)", "relaxed 0.903, value 0.674"),
]


def figures(out: Path) -> None:
    from newsgraph.eval.figures import predict

    gold_path = SHARED / "newsquant" / "dev.json"
    pred = out / "figures.jsonl"
    predict(gold_path, pred)
    print(f"$ python {SHARED / 'bench' / 'quantity_score.py'} {gold_path} {pred}")
    subprocess.run(
        [sys.executable, str(SHARED / "bench" / "quantity_score.py"), str(gold_path), str(pred)], check=True
    )
    for name, numbers in PEERS_FIGURES:
        print(f"  reference  {name:<30} {numbers}")


def times(out: Path) -> None:
    from newsgraph.analysis.times import find_times

    gold_dir = SHARED / "tempeval3" / "dev"
    pred = out / "times.jsonl"
    with pred.open("w", encoding="utf-8") as f:
        for path in sorted(gold_dir.glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            found = find_times(doc["text"], doc.get("dct"))
            timexes = [
                {"start": t.start, "end": t.end, "type": t.type, "value": t.value, "text": t.text}
                for t in found
            ]
            f.write(json.dumps({"doc": doc.get("doc") or path.stem, "timexes": timexes}) + "\n")
    print(f"$ python {SHARED / 'bench' / 'timex_score.py'} {gold_dir} {pred}")
    subprocess.run(
        [sys.executable, str(SHARED / "bench" / "timex_score.py"), str(gold_dir), str(pred)], check=True
    )
    for name, numbers in PEERS_TIMES:
        print(f"  reference  {name:<30} {numbers}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="/tmp/newsgraph-facts", help="where the prediction files go")
    parser.add_argument("--only", choices=("figures", "times"))
    args = parser.parse_args()
    if not (SHARED / "bench").is_dir():
        sys.exit(f"facts.py: no scorers in {SHARED / 'bench'}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "times"):
        times(out)
    if args.only in (None, "figures"):
        figures(out)


if __name__ == "__main__":
    main()
