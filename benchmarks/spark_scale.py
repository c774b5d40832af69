"""How the Spark job scales on this machine, and what Spark costs against ``newsgraph analyze``.

    nice -n 10 .venv/bin/python benchmarks/spark_scale.py [--input DIR] [--copies N] [--partitions N]

Runs, on the same articles (PolNeAR dev's 84 texts, ``--copies`` times over
under different file names: 6 by default, 504 articles, about ten minutes on
an idle 2-core machine), each in a fresh process:

* ``newsgraph spark`` with ``local[1]`` and with ``local[2]``: start-up (the
  JVM, the SparkContext, and one Python worker per core loading the spaCy
  pipeline, as ``analyze``'s start-up loads it) and the job (reading, the
  analysis in ``--partitions`` bins, writing the Parquet tables), without the
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


def child(master: str, inputs: str, out: str, partitions: str) -> None:
    """One Spark run in this process; prints its timings as JSON."""
    from newsgraph.spark.job import run

    summary = run([inputs], out, master=master, partitions=int(partitions) or None, corpus=False, warm=True)
    print(json.dumps({"startup": summary.startup_seconds, "total": summary.seconds,
                      "analysed": summary.analysed, "failed": summary.failed}))


def _spark(master: str, inputs: Path, work: Path, partitions: int) -> dict:
    out = work / f"out-{master[len('local['):-1]}"
    command = [sys.executable, __file__, "--child", master, str(inputs), str(out), str(partitions)]
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _analyze(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsgraph", "analyze", *args], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--input", type=Path, default=DEV)
    parser.add_argument("--copies", type=int, default=6, help="Use the input this many times over.")
    parser.add_argument("--partitions", type=int, default=0,
                        help="Spark partitions (bins of input files); 0: the job's default, a few per core.")
    parser.add_argument("--child", nargs=4, metavar=("MASTER", "INPUT", "OUT", "PARTS"),
                        help=argparse.SUPPRESS)
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
        began = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        r1 = _spark("local[1]", inputs, work, args.partitions)
        r2 = _spark("local[2]", inputs, work, args.partitions)
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
    print(f"partitions: {args.partitions or 'the default (3 per core)'}")
    print(f"spark local[1]: start-up {r1['startup']:.1f} s, job {job1:.1f} s, {count / job1:.2f} articles/s")
    print(f"spark local[2]: start-up {r2['startup']:.1f} s, job {job2:.1f} s, {count / job2:.2f} articles/s")
    print(f"analyze -p 2:   start-up {analyze_startup:.1f} s, work {analyze_work:.1f} s, "
          f"{count / analyze_work:.2f} articles/s")
    print(f"speed-up local[1] -> local[2]: {speedup:.2f}x (target >= 1.7x)")
    print(f"spark local[2] vs analyze -p 2 after start-up: {overhead:+.0%} (target <= +15%)")
    print(f"per core (local[1]): {count / job1:.2f} articles/s")
    print(f"load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f} "
          f"(15 min after: {load_after[2]:.1f}) on {os.cpu_count()} cores; {began} to "
          f"{time.strftime('%H:%M UTC', time.gmtime())}")
    if max(load_before[0], load_after[0]) > 1.0:
        print("the machine was busy: the ratios above measure its load as much as newsgraph; "
              "re-run on an idle machine before judging the targets")


if __name__ == "__main__":
    main()
