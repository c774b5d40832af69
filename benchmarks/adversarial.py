"""Hostile inputs: how long does newsgraph take on each, and how much memory, next to bare spaCy?

The corpus is generated here (nothing read from disk): a 2,000,000-character
single-line article, 200,000 characters with and without line breaks, 50,000
quotation marks, 50,000 ``"a``, quotes nested thousands deep, one endless
sentence, binary-looking text, very long words, tens of thousands of
attributions, lone surrogates. Each input runs in a fresh process (so peak
memory is that input's alone; it includes the loaded models) three ways:

* ``newsgraph``: ``pipeline.analyze_articles`` with the default time budget
  (``--time-budget`` to change it): the status is ``ok`` or the error code;
* ``bare``: the bare English model, ``nlp(text)`` on the whole text;
* ``bare-chunks``: the bare model over the very chunks newsgraph parses
  (``pipeline.chunk_bounds``), with ``nlp.pipe``: the fair comparison for
  texts newsgraph cuts into chunks (spaCy's own cost on one huge Doc is part
  of what chunking avoids).

What "bare spaCy on the same text" means, and why the ratio is fair: the
``ratio`` column is newsgraph's time over ``bare-chunks``. Both read the same
cleaned text (``read_text``), load the same English model
(``en_core_web_sm``: tok2vec, tagger, parser, attribute ruler, lemmatizer,
NER), warm it up on one sentence before the clock starts, and run the model
over the same parse units, one chunk at a time, in a fresh process each. So
the ratio counts exactly what newsgraph adds beyond spaCy's own parse: the
tokenizer wrapper for long runs, the paragraph component, joining the
chunks' Docs, newsgraph's components (actors, attributions, figures, times,
places, events) and the conversion to the ``Analysis`` model. The whole
text as one Doc (``bare``, skipped with ``--no-bare``) is printed beside it
but not used for the ratio: spaCy then runs the same passes over one larger
Doc with all its activations in memory at once, which is not what newsgraph
asks of it, and is slow to measure on the largest cases.

Models are loaded and warmed up before the clock starts. Each run has a
wall-clock limit (``--timeout``, default 600 s); a run past it shows ``>N``.
With ``--scaling`` it also prints time per character for ordinary news text
from 10 KB to 2 MB (``--sizes`` picks others; ``--only none`` runs the
scaling alone): the regression check that the analysis stays linear. On a
shared machine compare only ratios measured in the same run, and note the
load average (``uptime``) beside the times; the CPU-time ratio (process time,
also printed) is the steadier of the two when other jobs come and go.

Usage (slow: run it niced on a shared machine)::

    nice -n 10 .venv/bin/python benchmarks/adversarial.py
    nice -n 10 .venv/bin/python benchmarks/adversarial.py --only quotes_50k,news_2m_line --scaling
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FIRST = ["Maria", "John", "Aisha", "Pedro", "Lena", "Tom", "Grace", "Omar", "Nina", "Raj"]
_LAST = ["Calder", "Brennan", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Hollis", "Varga", "Quist", "Delmar"]
_ORGS = ["the Harbor Council", "Northfield Bank", "the Ministry of Water", "Acme Rail", "the city police"]
_VERBS = ["said", "told reporters", "warned", "added", "claimed", "argued", "explained"]


def _sentence(r: random.Random) -> str:
    """One invented news sentence, often an attribution."""
    who = f"{r.choice(_FIRST)} {r.choice(_LAST)}"
    k = r.randrange(6)
    if k == 0:
        return f'"The budget will not cover the new bridge," {who} {r.choice(_VERBS)}.'
    if k == 1:
        return f"{who}, a spokesperson for {r.choice(_ORGS)}, {r.choice(_VERBS)} that the plan was delayed."
    if k == 2:
        return f"According to {r.choice(_ORGS)}, the river rose by three metres overnight."
    if k == 3:
        return f"{r.choice(_ORGS).capitalize()} opened a new office on Tuesday in the old market district."
    if k == 4:
        return f'{who} said: "We have asked for the data, and we will publish it."'
    return f"She {r.choice(_VERBS)} that nobody had been warned about the closure."


def news(size: int, paragraph: int = 0, seed: int = 0) -> str:
    """``size`` characters of invented news; a blank line every ``paragraph`` sentences (0: one line)."""
    r = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        s = _sentence(r)
        parts.append(s)
        total += len(s) + 1
        if paragraph and len(parts) % (paragraph + 1) == paragraph:
            parts.append("\n\n")
    return " ".join(parts)[:size]


def _binaryish(size: int) -> str:
    r = random.Random(1)
    return "".join(chr(r.randrange(1, 0x3000)) for _ in range(size))


def _nested(depth: int) -> str:
    said = [f'{_FIRST[k % 10]} said "' if k % 2 == 0 else f"{_LAST[k % 10]} said '" for k in range(depth)]
    opening = " ".join(said)
    return "Nested quotes\n\n" + opening + "the bridge is closed" + "'\"" * (depth // 2) + "."


def _many_attributions(n: int) -> str:
    return "Quotes\n\n" + " ".join(f"{_FIRST[k % 10]} said it." for k in range(n))


def _long_words() -> str:
    r = random.Random(2)
    words = ["".join(r.choice("abcdefghij") for _ in range(5_000)) for _ in range(20)]
    return "Long words\n\n" + " said ".join(words) + "."


CASES: dict[str, Callable[[], str]] = {
    "news_10k": lambda: news(10_000, paragraph=4),
    "news_200k_line": lambda: news(200_000),
    "news_200k_paragraphs": lambda: news(200_000, paragraph=4),
    "news_2m_line": lambda: news(2_000_000),
    "quotes_50k": lambda: '"' * 50_000,
    "quote_a_50k": lambda: '"a' * 50_000,
    "nested_quotes_5k": lambda: _nested(5_000),
    "one_sentence_200k": lambda: "The council " + "and the bank and the ministry " * 6_800 + "agreed.",
    "huge_paragraph_500k": lambda: "Huge paragraph\n\n" + news(500_000),
    "binaryish_100k": lambda: _binaryish(100_000),
    "long_words_100k": _long_words,
    "many_attributions_20k": lambda: _many_attributions(20_000),
    "surrogates_10k": lambda: news(10_000, paragraph=4).replace("e", "\ud800", 50),
}
SCALING = (10_000, 100_000, 1_000_000, 2_000_000)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _measure(text: str, mode: str, budget: float | None) -> dict[str, object]:
    """One measurement, in this (fresh) process: load and warm up, then time ``mode`` on ``text``."""
    import spacy

    from newsgraph.analysis import pipeline
    from newsgraph.io.reading import read_text

    warm = "Officials said the bridge would reopen on Monday."
    status = "ok"
    if mode == "newsgraph":
        pipeline.load()
        list(pipeline.analyze_articles([read_text(warm)]))
        read = read_text(text)
        start, cpu = time.perf_counter(), time.process_time()
        result = next(pipeline.analyze_articles([read], time_budget=budget))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        status = getattr(result, "code", "ok")
        chars = len(read.article.text)
    else:
        nlp = spacy.load(pipeline.MODEL)
        nlp.max_length = pipeline.MAX_CHARS
        nlp(warm)
        text = read_text(text).article.text  # the same (cleaned) text newsgraph analyses
        chars = len(text)
        start, cpu = time.perf_counter(), time.process_time()
        if mode == "bare":
            nlp(text)
        else:  # one chunk at a time, as newsgraph parses them (nlp.pipe's default batch of
            # 1,000 texts would hold every chunk's activations at once: gigabytes)
            for _doc in nlp.pipe((text[s:e] for s, e in pipeline.chunk_bounds(text)), batch_size=1):
                pass
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_mb": _peak_mb(), "status": status, "chars": chars}


def _run(case: str, size: int, mode: str, budget: float | None, timeout: float) -> dict[str, object]:
    """``_measure`` in a fresh interpreter, killed after ``timeout`` seconds."""
    args = [sys.executable, __file__, "--child", case, "--size", str(size), "--mode", mode]
    if budget is not None:
        args += ["--time-budget", str(budget)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": None, "peak_mb": None, "status": f">{timeout:.0f}s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": None, "peak_mb": None, "status": f"crash: {tail[:60]}"}
    return json.loads(lines[-1])


def _text(case: str, size: int) -> str:
    return news(size, paragraph=4) if case == "scaling" else CASES[case]()


def _cell(r: dict[str, object]) -> str:
    if r["seconds"] is None:
        return f"{r['status']:>22}"
    return f"{r['seconds']:8.1f} s {r['peak_mb']:6.0f} MB {str(r['status'])[:4]:>4}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", default="", help="comma-separated case names (default: all; none: only --scaling)"
    )
    parser.add_argument("--time-budget", type=float, default=None, help="newsgraph's (default its own)")
    parser.add_argument("--timeout", type=float, default=600, help="wall-clock limit per run, seconds")
    parser.add_argument("--no-bare", action="store_true", help="skip the whole-text bare spaCy runs")
    parser.add_argument("--scaling", action="store_true", help="also time ordinary news from 10 KB to 2 MB")
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, SCALING)),
        help="characters of each --scaling run, comma-separated (default %(default)s)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="newsgraph", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "src"))
    if args.child:
        from newsgraph.analysis.budget import DEFAULT_TIME_BUDGET

        budget = args.time_budget if args.time_budget is not None else DEFAULT_TIME_BUDGET
        print(json.dumps(_measure(_text(args.child, args.size), args.mode, budget)))
        return

    import platform

    names = [n for n in args.only.split(",") if n and n != "none"] if args.only else list(CASES)
    machine = platform.processor() or platform.machine()
    print(f"# {platform.node()} · {machine} · Python {platform.python_version()}")
    print("# each cell: wall time, peak RSS of the process (models included), status")
    modes = ["newsgraph", "bare-chunks"] + ([] if args.no_bare else ["bare"])
    print(f"{'case':24} {'chars':>9}  " + "  ".join(f"{m:>22}" for m in modes) + "  ratio  cpu ratio")
    for name in names:
        results = {m: _run(name, 0, m, args.time_budget, args.timeout) for m in modes}
        chars = next((r["chars"] for r in results.values() if r.get("chars")), 0)
        ours, fair = results["newsgraph"]["seconds"], results["bare-chunks"]["seconds"]
        ratio = f"{ours / fair:5.2f}x" if ours and fair else "    -"
        ours_cpu, fair_cpu = results["newsgraph"].get("cpu"), results["bare-chunks"].get("cpu")
        cpu_ratio = f"{ours_cpu / fair_cpu:9.2f}x" if ours_cpu and fair_cpu else "        -"
        cells = "  ".join(_cell(results[m]) for m in modes)
        print(f"{name:24} {chars:>9,}  {cells}  {ratio}  {cpu_ratio}", flush=True)
    if args.scaling:
        print("\n# ordinary news, blank line every 4 sentences: microseconds per character")
        head = f"{'chars':>10}  {'newsgraph':>10}  {'bare-chunks':>11}  ratio"
        print(head + "  cpu µs/char: ours, bare  cpu ratio")
        for size in (int(n) for n in args.sizes.split(",") if n):
            ours = _run("scaling", size, "newsgraph", args.time_budget, args.timeout)
            bare = _run("scaling", size, "bare-chunks", args.time_budget, args.timeout)
            if ours["seconds"] is None or bare["seconds"] is None:
                print(f"{size:>10,}  {ours['status']!s:>10}  {bare['status']!s:>11}", flush=True)
                continue
            us, bus = 1e6 * ours["seconds"] / size, 1e6 * bare["seconds"] / size
            cus, cbus = 1e6 * ours["cpu"] / size, 1e6 * bare["cpu"] / size
            peak = ours["peak_mb"]
            print(
                f"{size:>10,}  {us:10.1f}  {bus:11.1f}  {us / bus:4.2f}x  {cus:12.1f} {cbus:11.1f}  "
                f"{cus / cbus:8.2f}x  peak {peak:.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
