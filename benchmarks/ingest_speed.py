"""What does storing cost? ``newsgraph ingest`` against ``newsgraph analyze`` on the same articles.

Runs, in one process and over the very same files, (1) analyze's library
path: read each file (``reading.read_path``), ``pipeline.analyze_articles``
and the JSON serialisation ``analyze`` writes (``render.to_json`` +
``json.dumps``), and (2) ``ingest.ingest`` into a fresh SQLite file (opening
and migrating the database, looking up what is stored, analysing, resolving
actors and quotes, committing batches). Both use ``--processes`` worker
processes. The model is loaded, and each path warmed up on one article,
before any timing starts; with ``--repeat N`` the runs alternate and the
best of N counts for each (the least disturbed by other load). Prints both
throughputs and their ratio (the target is ingest >= 0.90x analyze), and the
CPU time each used, workers included, which other load does not disturb.

Usage::

    .venv/bin/python benchmarks/ingest_speed.py                 # ../shared/polnear/dev/text/*.txt
    .venv/bin/python benchmarks/ingest_speed.py --repeat 3 some/dir/*.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from itertools import tee
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = ROOT.parent / "shared" / "polnear" / "dev" / "text"
TARGET = 0.90


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the pool's workers, reaped at the
    end of each run): unlike wall time, it does not depend on what else the machine is doing."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _files(paths: Sequence[str]) -> list[Path]:
    if not paths:
        files = sorted(DEFAULT_DIR.glob("*.txt"))
        if not files:
            sys.exit(f"ingest_speed.py: no articles in {DEFAULT_DIR}; give paths to article files")
        return files
    files: list[Path] = []
    for arg in paths:
        path = Path(arg)
        files.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return files


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="article files or .txt directories (default: PolNeAR dev)")
    parser.add_argument("--processes", type=int, default=2, help="processes for both (default 2)")
    parser.add_argument("--batch-size", type=int, default=32, help="ingest's articles per transaction")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts (default 1)")
    args = parser.parse_args(argv)

    from newsgraph.analysis import pipeline
    from newsgraph.io import render
    from newsgraph.io.reading import read_path
    from newsgraph.store.ingest import ANALYSIS_BATCH, ingest

    files = _files(args.paths)
    specs = [str(f) for f in files]
    chars = sum(len(f.read_text(encoding="utf-8")) for f in files)

    pipeline.load()  # cached per process; forked workers inherit it

    def run_analyze() -> int:
        """analyze's path: read, analyse, serialise each result as ``analyze`` prints it."""
        n = 0
        with open(os.devnull, "w", encoding="utf-8") as sink:
            # analyze keeps each read beside its analysis (for the name and path): a tee does it here
            reads, also = tee(r for f in specs for r in read_path(f) if not isinstance(r, Exception))
            analyses = pipeline.analyze_articles(reads, n_process=args.processes, batch_size=ANALYSIS_BATCH)
            for read, analysis in zip(also, analyses, strict=True):
                sink.write(json.dumps(render.to_json(analysis, name=read.name, path=read.path)) + "\n")
                n += 1
        return n

    with tempfile.TemporaryDirectory(prefix="ingest-speed-") as tmp:
        runs = 0

        def run_ingest() -> int:
            nonlocal runs
            runs += 1
            summary = ingest(specs, db=str(Path(tmp) / f"run-{runs}.db"), n_process=args.processes,
                             batch_size=args.batch_size, progress=False)
            if summary.failed:
                sys.exit(f"ingest_speed.py: {summary.failed} articles failed: {summary.errors[:3]}")
            return summary.stored

        # Warm-up on one article each (imports, first pipe call, the database code).
        list(pipeline.analyze_articles(r for r in read_path(specs[0]) if not isinstance(r, Exception)))
        ingest(specs[:1], db=str(Path(tmp) / "warm.db"), n_process=1, progress=False)

        best = {"analyze": float("inf"), "ingest": float("inf")}
        cpu = {"analyze": float("inf"), "ingest": float("inf")}
        counts = {}
        paths = [("analyze", run_analyze), ("ingest", run_ingest)]
        for i in range(args.repeat):
            for label, run in paths if i % 2 == 0 else paths[::-1]:  # alternate who goes first
                start, cpu_start = time.perf_counter(), _cpu_seconds()
                counts[label] = run()
                best[label] = min(best[label], time.perf_counter() - start)
                cpu[label] = min(cpu[label], _cpu_seconds() - cpu_start)
        db_size = (Path(tmp) / f"run-{runs}.db").stat().st_size

    n = len(files)
    if counts["analyze"] != n or counts["ingest"] != n:
        sys.exit(f"ingest_speed.py: expected {n} articles, got {counts}")
    import spacy
    import sqlalchemy

    print(f"date:      {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:   {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python:    {platform.python_version()}, spaCy {spacy.__version__}, "
          f"SQLAlchemy {sqlalchemy.__version__}, model {pipeline.MODEL}")
    print(f"input:     {n} articles, {chars:,} characters; --processes {args.processes}, "
          f"ingest --batch-size {args.batch_size}, best of {args.repeat}")
    print(f"{'':10}{'seconds':>10}{'articles/s':>12}{'chars/s':>12}{'CPU s':>10}{'CPU ms/article':>16}")
    for label in ("analyze", "ingest"):
        seconds = best[label]
        print(f"{label:10}{seconds:10.2f}{n / seconds:12.2f}{chars / seconds:12,.0f}"
              f"{cpu[label]:10.2f}{1000 * cpu[label] / n:16.1f}")
    ratio = best["analyze"] / best["ingest"]
    cpu_ratio = cpu["ingest"] / cpu["analyze"]
    print(f"CPU:       ingest uses {cpu_ratio:.2f}x analyze's CPU time (main process and workers): "
          f"where both are CPU-bound, about {1 / cpu_ratio:.2f}x analyze's articles/s")
    print(f"database:  {db_size:,} bytes (SQLite, {db_size / chars:.2f}x the characters of text)")
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"ratio:     ingest runs at {ratio:.2f}x analyze's articles/s (target >= {TARGET:.2f}x: {verdict})")


if __name__ == "__main__":
    main()
