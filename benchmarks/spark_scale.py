"""How the Spark job scales on this machine, and what Spark costs against ``newsgraph analyze``.

    .venv/bin/python benchmarks/spark_scale.py [--input DIR] [--copies N]

Runs, on the same articles (PolNeAR dev's 84 texts by default, ``--copies``
times over under different file names), each in a fresh process:

* ``newsgraph spark`` with ``local[1]`` and with ``local[2]``: start-up (the
  JVM and the SparkContext) and the job (reading, analysis, writing the
  Parquet tables; the Python workers' model loading included), without the
  corpus-wide steps;
* ``newsgraph analyze -p 2`` (JSON Lines to /dev/null), and the same command
  on one short article, whose time stands for analyze's start-up (imports and
  model load).

and prints throughputs (articles/s), the speed-up from 1 to 2 cores (target
>= 1.7x) and Spark's overhead against analyze after start-up (target <= 15%
slower), next to the targets. Speed is never asserted in tests: these are
measurements, and the machine's load shows in them (reported with the load
average).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "polnear" / "dev" / "text"


def child(master: str, inputs: str, out: str) -> None:
    """One Spark run in this process; prints its timings as JSON."""
    from newsgraph.spark.job import run

    summary = run([inputs], out, master=master, partitions=8, corpus=False)
    print(json.dumps({"startup": summary.startup_seconds, "total": summary.seconds,
                      "analysed": summary.analysed, "failed": summary.failed}))


def _spark(master: str, inputs: Path, work: Path) -> dict:
    out = work / f"out-{master[len('local['):-1]}"
    proc = subprocess.run([sys.executable, __file__, "--child", master, str(inputs), str(out)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _analyze(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsgraph", "analyze", *args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEV)
    parser.add_argument("--copies", type=int, default=1, help="Use the input this many times over.")
    parser.add_argument("--child", nargs=3, metavar=("MASTER", "INPUT", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    work = Path(tempfile.mkdtemp(prefix="spark-scale-"))
    try:
        inputs = work / "in"
        inputs.mkdir()
        files = sorted(args.input.glob("*.txt"))
        for n in range(args.copies):
            for f in files:
                shutil.copy(f, inputs / f"{n}-{f.name}")
        count = len(files) * args.copies
        one = work / "one.txt"
        one.write_text("Officials said the bridge would reopen on Monday.\n", encoding="utf-8")

        load_before = os.getloadavg()
        r1 = _spark("local[1]", inputs, work)
        r2 = _spark("local[2]", inputs, work)
        analyze_total = _analyze([str(inputs), "-p", "2"])
        analyze_startup = _analyze([str(one)])
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    job1, job2 = r1["total"] - r1["startup"], r2["total"] - r2["startup"]
    analyze_work = analyze_total - analyze_startup
    speedup = job1 / job2
    overhead = job2 / analyze_work - 1
    print(f"articles: {count} ({args.input}, {args.copies}x); "
          f"analysed {r2['analysed']}, failed {r2['failed']}")
    print(f"spark local[1]: start-up {r1['startup']:.1f} s, job {job1:.1f} s, {count / job1:.2f} articles/s")
    print(f"spark local[2]: start-up {r2['startup']:.1f} s, job {job2:.1f} s, {count / job2:.2f} articles/s")
    print(f"analyze -p 2:   start-up {analyze_startup:.1f} s, work {analyze_work:.1f} s, "
          f"{count / analyze_work:.2f} articles/s")
    print(f"speed-up local[1] -> local[2]: {speedup:.2f}x (target >= 1.7x)")
    print(f"spark local[2] vs analyze -p 2 after start-up: {overhead:+.0%} (target <= +15%)")
    print(f"per core (local[1]): {count / job1:.2f} articles/s")
    print(f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
          f"on {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


if __name__ == "__main__":
    main()
