"""Does the corpus store answer fast at 100,000 articles, and how big does it get?

Builds a synthetic corpus of ``--articles`` articles (default 100,000) in a
SQLite file, then measures, warm, the latency of the two questions users ask
most: ``newsgraph quotes --speaker NAME`` (``queries.quotes(speaker=NAME,
limit=50)``) and ``newsgraph actor NAME`` (``queries.actor``), over at least
200 speaker names drawn at random, and prints the p50 / p95 / max, the build
time, and the database size against the raw text size. Targets: p95 <= 100 ms,
database <= 3x the raw text.

How the corpus is made. The PolNeAR texts (train + dev, 924 articles) are
analysed once with newsgraph (cached in ``--cache``, outside the repository:
it holds corpus text). Each synthetic article is a copy of one of them in
which every person gets another name, with its outlet, date and URL varied,
stored through the real write path (``Store.add``, batches of
``--batch-size``, so identities, quotes and near-duplicates are resolved as in
``newsgraph ingest``). Nothing is re-analysed: names are replaced in the text
and every span of the analysis is moved by the length changes before it, so
offsets stay exact (``check_offsets`` is run on a sample). New names come from
an invented population of first names and surnames, drawn with a Zipf law
(a few people are quoted everywhere, most rarely, as in real news), and a
lone surname follows the full name it stood for. Each copy ends with a
one-line archive reference so that no two texts are identical. Copies of one
text differ only in names, so most of them are (correctly) found to be near
duplicates of an earlier copy.

The copies carry every kind of span the analysis has: entity mentions (and
the GeoNames record of places), attributions, authorial spans, figures and
their concepts (with the attribution that claims them), times, and events with
their trigger, agent, target, place and time, linked to the same entities and
attributions; so the store gets facts and events as a real ingest does.
``check_offsets`` and a stricter check (each span is the base's with only its
names changed) run on a sample of 200 copies.

Latency is taken on the finished database, in one process, after one warm-up
pass over the same names (the page cache and SQLite's cache are warm, as on a
server that has been answering for a while). Names are canonical names of
actors with at least one statement, excluding unnamed groups ("officials",
which are per-article actors and not identities); ambiguous names count as
answered (``AmbiguousActor`` listing the candidates is ``actor``'s answer).
The most quoted actors are timed separately, as the worst case.

Then the event queries (issue 11's target: p95 <= 100 ms at 100,000
articles), the list ``benchmarks/event_queries.py`` keeps for this and for
``benchmarks/events_web.py``: ``newsgraph events`` with each of its filters
(``--actor``, ``--target``, ``--type``, ``--place``, ``--since/--until``,
``--source``, none) over ``--names`` random actors, places, types, months and
voices; the ``/events`` page (rows and total), an actor page's events, the
network's event arrows, and ``--actor`` for the 10 most active agents.

Usage::

    .venv/bin/python benchmarks/scale.py                       # 100,000 articles
    .venv/bin/python benchmarks/scale.py --articles 5000       # a quick run
    .venv/bin/python benchmarks/scale.py --reuse               # measure an existing database again
    .venv/bin/python benchmarks/scale.py --build-seconds 1800  # a loaded machine: measure what 30 min stored
    .venv/bin/python benchmarks/scale.py --resume              # go on from what --build-seconds stored
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import event_queries  # benchmarks/event_queries.py: the event queries events_web.py times too

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = ROOT.parent / "shared" / "polnear"
WORK = Path(tempfile.gettempdir()) / "newsgraph-scale"



def _words(text: str) -> list[str]:
    return text.split()


# An invented population: first names x surnames made of two syllables.
FIRST = _words("""Ada Alma Anders Ansel Aria Arlo Aurel Bea Bram Bruno Calla Cato Cleo Cyra Dagny Dario Edda
Elio Elsa Emil Enzo Esme Fenna Fitz Flora Gerd Greta Hale Hedda Ilse Ines Ivo Jalen Jonna Jory Juna
Kaspar Kira Lars Leni Lior Lotta Luca Mael Mara Milo Mina Nela Nico Noor Odile Olin Orla Otto Pia
Piet Quill Rafe Rhea Rosa Runa Saskia Silas Soren Stine Tali Tess Theo Ulla Vera Viggo Wren Yara
Zeno Zora Alba Benno Carys Dov Elin Fabian Gale Hanne Ilan Jessa Kai Linnea Matteo Nadia Oskar
Petra Remy Signe Tomas Una Valo Wilma Yannick""")
SYL1 = _words("""Ash Bel Bran Cal Cor Dal Dun Fen Gar Hal Har Hol Kel Ken Lan Lind Mar Mor Nor Orm Pen Quar
Ros Sel Stav Thorn Tor Val Wes Wyn Ald Brix Corm Drey Elm Falk Grim Hask Ing Jar""")
SYL2 = _words("""berg bury by croft dale den ford gate ham holm hurst ley lund man mere more ness quist rick
sen shaw stad stone strom ton vik wald well wick worth""")
OUTLET_PLACES = _words("""Harbor Valley Northfield Ridge Lakeshore Prairie Summit Coastal Riverside
Granite Pine
Meadow""")
OUTLET_KINDS = _words("Herald Times Post Gazette Courier Tribune Observer Ledger")
POPULATION = 30_000
ZIPF_OFFSET = 5  # weight of the name ranked r: 1 / (r + ZIPF_OFFSET)

_NAME_WORD = re.compile(r"[A-Z][A-Za-z\-]+(?:['’][A-Z][A-Za-z\-]+)?")  # O'Brien, not Trump's


# ---------------------------------------------------------------- 1. analyse PolNeAR once


def analyses(cache: Path, processes: int) -> list[dict]:
    """The PolNeAR train + dev analyses as dicts, analysed once and cached (JSON Lines)."""
    if cache.is_file():
        with open(cache, encoding="utf-8") as f:
            return [json.loads(line) for line in f]
    from newsgraph.analysis import pipeline
    from newsgraph.io.reading import read_path

    files = [f for split in ("train", "dev") for f in sorted((POLNEAR / split / "text").glob("*.txt"))]
    if not files:
        sys.exit(f"scale.py: no PolNeAR texts under {POLNEAR}")
    reads = [read for f in files for read in read_path(f) if not isinstance(read, Exception)]
    started = time.perf_counter()
    out = []
    for read, analysis in zip(reads, pipeline.analyze_articles(reads, n_process=processes), strict=True):
        out.append({"name": read.name, "analysis": analysis.model_dump()})
    print(f"analysed {len(out)} PolNeAR articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache, "w", encoding="utf-8") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    return out


# ---------------------------------------------------------------- 2. copies with other names


class Base:
    """One analysed article, prepared for cheap copies: where each person-name word occurs."""

    def __init__(self, name: str, analysis: dict) -> None:
        self.name = name
        self.a = analysis
        text = analysis["article"]["text"]
        self.text = text
        full: list[list[str]] = []  # name words of people named in full
        lone: set[str] = set()
        for entity in analysis["entities"]:
            if entity["type"] != "PERSON":
                continue
            # The name and every mention that names the person ("Donald Trump" in a cluster
            # called "Trump"), titles and pronouns left out, so that no old name survives.
            for form in [entity["name"], *(m["text"] for m in entity["mentions"])]:
                ws = _name_words(form)
                if len(ws) >= 2:
                    full.append(ws)
                elif len(ws) == 1:
                    lone.add(ws[0])
        self.full = full
        self.lone = sorted(lone - {w for ws in full for w in ws})
        words = {w for ws in full for w in ws} | set(self.lone)
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        self.pattern = re.compile(rf"\b(?:{alternatives})\b") if words else None
        found = self.pattern.finditer(text) if self.pattern else ()
        self.matches = [(m.start(), m.end(), m.group()) for m in found]


def _name_words(form: str) -> list[str]:
    """The capitalised words of a person's name as written, without titles ("Sen. Ann Holt" -> Ann, Holt)."""
    from newsgraph.store.identity import person_words

    keep = set(person_words(form))
    return [w for w in _NAME_WORD.findall(form) if w.lower() in keep]


class Population:
    """Invented full names with Zipf popularity."""

    def __init__(self, rng: random.Random) -> None:
        surnames = [a + b for a in SYL1 for b in SYL2]
        names = [(f, s) for f in FIRST for s in surnames]
        rng.shuffle(names)
        self.names = names[:POPULATION]
        self.cum: list[float] = []
        total = 0.0
        for rank in range(len(self.names)):
            total += 1.0 / (rank + ZIPF_OFFSET)
            self.cum.append(total)
        self.surnames = surnames

    def draw(self, rng: random.Random) -> tuple[str, str]:
        return self.names[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]


def copy_of(base: Base, number: int, population: Population, rng: random.Random):  # type: ignore[no-untyped-def]
    """The ``number``-th synthetic article: ``base`` with new names, outlet, date and URL."""
    from newsgraph.models import (
        Analysis,
        Article,
        Attribution,
        Entity,
        Event,
        Figure,
        LinkedSpan,
        Place,
        Span,
        Time,
        TimeRef,
    )

    mapping: dict[str, str] = {}
    used: set[tuple[str, str]] = set()
    for ws in base.full:
        first, last = ws[0], ws[-1]
        if first in mapping or last in mapping:
            new = (mapping.get(first, first), mapping.get(last, last))
        else:
            new = population.draw(rng)
            while new in used:
                new = population.draw(rng)
        used.add(new)
        mapping.setdefault(first, new[0])
        mapping.setdefault(last, new[1])
        for middle in ws[1:-1]:
            mapping.setdefault(middle, middle)
    for word in base.lone:
        mapping.setdefault(word, population.draw(rng)[1])

    text = base.text
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    lengths: list[int] = []  # of each replacement
    after = [0]  # after[k]: total length change made by the first k replacements
    pos = 0
    for s, e, word in base.matches:
        new = mapping[word]
        pieces += (text[pos:s], new)
        starts.append(s)
        ends.append(e)
        lengths.append(len(new))
        after.append(after[-1] + len(new) - (e - s))
        pos = e
    pieces.append(text[pos:])
    outlet = f"{rng.choice(OUTLET_PLACES)} {rng.choice(OUTLET_KINDS)}"
    day = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(10 * 365))
    new_text = "".join(pieces) + f"\n\n(Archive reference {number:07d}.)\n"

    def at(offset: int, is_start: bool) -> int:
        """Where an offset of the base text is in the copy."""
        k = bisect.bisect_right(ends, offset)  # replacements that end at or before the offset
        if k < len(starts) and starts[k] < offset:  # inside a replaced word: snap to its edge
            new_start = starts[k] + after[k]
            return new_start if is_start else new_start + lengths[k]
        return offset + after[k]

    def span(d: dict, cls=Span, **fields):  # type: ignore[no-untyped-def]
        """``d``'s span moved into the copy, as ``cls`` with ``fields`` (a Figure's value, ...)."""
        s, e = at(d["start"], True), at(d["end"], False)
        if cls is LinkedSpan:
            fields["entity"] = d.get("entity")
        return cls.model_construct(start=s, end=e, text=new_text[s:e], **fields)

    def maybe(d: dict | None, cls=Span, **fields):  # type: ignore[no-untyped-def]
        return span(d, cls, **fields) if d else None

    def rename(value: str) -> str:
        return base.pattern.sub(lambda m: mapping[m.group()], value) if base.pattern else value

    a = base.a
    art = a["article"]
    article = Article.model_construct(
        title=rename(art["title"]) if art.get("title") else None,
        dek=rename(art["dek"]) if art.get("dek") else None,
        authors=list(art.get("authors") or []),
        published=day.isoformat(),
        outlet=outlet,
        url=f"https://{outlet.lower().replace(' ', '-')}.example/{day:%Y/%m}/{base.name}-{number}",
        language=art.get("language"),
        text=new_text,
    )
    entities = [
        Entity.model_construct(
            id=e["id"], name=rename(e["name"]), type=e["type"], titles=[rename(t) for t in e["titles"]],
            mentions=[span(m) for m in e["mentions"]],
            place=Place.model_construct(**e["place"]) if e.get("place") else None,
        )
        for e in a["entities"]
    ]
    attributions = [
        Attribution.model_construct(
            id=x["id"], kind=x["kind"], stance=x["stance"], confidence=x["confidence"],
            parent=x.get("parent"),
            source=span(x["source"], LinkedSpan) if x.get("source") else None,
            addressee=span(x["addressee"], LinkedSpan) if x.get("addressee") else None,
            cue=span(x["cue"]), content=[span(c) for c in x["content"]],
        )
        for x in a["attributions"]
    ]
    # Facts and events (migrations 0006-0008): every span moved like the others; values, units,
    # types, modality and the links to entities and attributions (ids) are the base's.
    figures = [
        span(
            f, Figure, id=f["id"], value=f["value"], unit=f.get("unit"), change=f.get("change", "="),
            concept=maybe(f.get("concept")), claimed_by=f.get("claimed_by"),
        )
        for f in a.get("figures", [])
    ]
    times = [span(t, Time, id=t["id"], type=t["type"], value=t["value"]) for t in a.get("times", [])]
    events = [
        Event.model_construct(
            id=v["id"], type=v["type"], trigger=span(v["trigger"]),
            agent=maybe(v.get("agent"), LinkedSpan), target=maybe(v.get("target"), LinkedSpan),
            place=maybe(v.get("place"), LinkedSpan),
            time=maybe(v.get("time"), TimeRef, value=(v.get("time") or {}).get("value")),
            negated=v.get("negated", False), modality=v.get("modality", "asserted"),
            attribution=v.get("attribution"), statement=v.get("statement"),
        )
        for v in a.get("events", [])
    ]
    return Analysis.model_construct(
        article=article, entities=entities, attributions=attributions,
        authorial=[span(s) for s in a.get("authorial", [])], figures=figures, times=times, events=events,
        warnings=[],
    )  # fmt: skip


_RENAMED = r"[A-Z][\w'’\-]*"  # what a name word becomes in a copy


def check_shift(base: Base, copy) -> int:  # type: ignore[no-untyped-def]
    """Check that every span of ``copy`` (entities, attributions, authorial, figures and their concepts,
    times, events and their roles) is the base's span with only its person names changed; the number
    of spans checked.

    Stronger than ``check_offsets`` (which only proves each span's text is the copy's text at its
    offsets): a span moved by a wrong length would cut other words and fail here. Spans whose edge
    fell inside a name in the base (snapped to the new name's edge) are skipped.
    """
    from newsgraph.models import Analysis

    old_spans = Analysis.model_validate(base.a).spans()
    new_spans = copy.spans()
    if len(old_spans) != len(new_spans):
        raise ValueError(f"{base.name}: {len(old_spans)} spans in the base, {len(new_spans)} in the copy")
    inside = [(s, e) for s, e, _ in base.matches]
    checked = 0
    for old, new in zip(old_spans, new_spans, strict=True):
        if any(s < offset < e for offset in (old.start, old.end) for s, e in inside):
            continue
        parts = base.pattern.split(old.text) if base.pattern else [old.text]
        if not re.fullmatch(_RENAMED.join(map(re.escape, parts)), new.text):
            raise ValueError(f"{base.name}: span {old.text!r} became {new.text!r}")
        checked += 1
    return checked


_WORKER: dict = {}


def _start_worker(bases: Sequence[Base], seed: int) -> None:
    _WORKER.update(bases=bases, population=Population(random.Random(seed)), seed=seed)


def _make(bounds: tuple[int, int]) -> list[tuple[object, str]]:
    """Synthetic articles ``start`` to ``end``; the same for the same seed, whichever process makes them."""
    start, end = bounds
    bases, population = _WORKER["bases"], _WORKER["population"]
    rng = random.Random(f"{_WORKER['seed']}:{start}")
    out = []
    for number in range(start, end):
        base = bases[number % len(bases)]
        out.append((copy_of(base, number, population, rng), f"{base.name}-{number}"))
    return out


def build(
    db: Path, bases: Sequence[Base], n: int, batch_size: int, seed: int, seconds: float | None = None,
    resume: bool = False,
) -> tuple[float, int, int]:
    """Store ``n`` synthetic articles through ``Store.add``; (seconds, raw text bytes, articles
    stored by this run).

    A second process makes the copies while this one stores them (a few
    batches ahead at most, so memory stays flat). With ``seconds``, stops
    after the batch that passes that time (a loaded machine's partial corpus,
    measured as it is; the summary prints how many articles it holds). With
    ``resume``, goes on from the articles ``db`` already holds (a run stopped
    by ``seconds``): copies are made per batch from the seed and the batch's
    first number, so the articles are the ones a single run would have made.
    """
    import multiprocessing

    from newsgraph.store import open_store

    first = raw = 0
    if resume and db.is_file():
        import sqlite3

        with sqlite3.connect(db) as conn:
            first = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        if first % batch_size:
            sys.exit(f"--resume: {db} holds {first:,} articles, not a multiple of --batch-size {batch_size}")
        raw = int(Path(f"{db}.raw").read_text())
        print(f"  resuming after {first:,} articles", file=sys.stderr)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    checked = done = spans = 0
    bounds = [(i, min(i + batch_size, n)) for i in range(first, n, batch_size)]
    report_every = max(1, len(bounds) // 100)
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1, initializer=_start_worker, initargs=(bases, seed)) as pool, open_store(db) as store:
        pending = [pool.apply_async(_make, (b,)) for b in bounds[:3]]
        for i in range(len(bounds)):
            batch = pending.pop(0).get()
            if i + 3 < len(bounds):
                pending.append(pool.apply_async(_make, (bounds[i + 3],)))
            for position, (analysis, _) in enumerate(batch[:2]):
                if checked < 200:
                    analysis.check_offsets()  # every span's text is the copy's text at its offsets
                    spans += check_shift(bases[(bounds[i][0] + position) % len(bases)], analysis)
                    checked += 1
            raw += sum(len(analysis.article.text.encode("utf-8")) for analysis, _ in batch)
            store.add(batch)
            done += len(batch)
            if (i + 1) % report_every == 0:
                rate = done / (time.perf_counter() - started)
                stored = first + done
                print(f"  stored {stored:,} / {n:,} ({rate:.0f} articles/s)", file=sys.stderr, flush=True)
            if seconds is not None and time.perf_counter() - started > seconds and first + done < n:
                stored = first + done
                print(f"  stopped after {stored:,} articles (--build-seconds {seconds:.0f})", file=sys.stderr)
                pool.terminate()
                break
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"  offsets checked: {spans:,} spans of {checked} copies moved exactly", file=sys.stderr)
    return time.perf_counter() - started, raw, done


# ---------------------------------------------------------------- 3. measure


def db_size(db: Path) -> int:
    """Bytes the database uses: its pages less the free ones (after a checkpoint, the file size)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    return (pages - free) * size


def breakdown(db: Path) -> list[tuple[str, int]]:
    """Bytes per table and index (SQLite's ``dbstat``, where compiled in; FTS5 shadow tables summed
    under their table), largest first; empty when ``dbstat`` is missing."""
    import sqlite3

    sizes: dict[str, int] = {}
    with sqlite3.connect(db) as conn:
        try:
            rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
        except sqlite3.OperationalError:
            return []
    for name, size in rows:
        for fts in ("attributions_fts", "articles_fts"):
            if name.startswith(fts + "_"):
                name = fts
        sizes[name] = sizes.get(name, 0) + size
    return sorted(sizes.items(), key=lambda kv: -kv[1])


percentile = event_queries.percentile


def timed(store, names: Sequence[str], ask, cpu: list[float] | None = None) -> list[float]:  # type: ignore[no-untyped-def]
    """Wall-clock ms of ``ask`` per name; with ``cpu``, this process's CPU ms appended there too."""
    out = []
    for name in names:
        started, cpu_started = time.perf_counter(), time.process_time()
        ask(store, name)
        out.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
    return out


def measure(db: Path, n_names: int, seed: int) -> dict:
    import sqlalchemy as sa

    from newsgraph.store import open_store, queries

    def ask_quotes(store, name):  # type: ignore[no-untyped-def]
        return queries.quotes(store, speaker=name, limit=50)

    def ask_actor(store, name):  # type: ignore[no-untyped-def]
        try:
            return queries.actor(store, name)
        except queries.AmbiguousActor as error:
            return error.candidates

    with open_store(db) as store:
        with store.engine.connect() as conn:
            counts = conn.execute(sa.text(
                "SELECT a.name, count(*) FROM attributions t JOIN actors a ON a.id = t.source_actor_id "
                "WHERE a.type != 'GROUP' GROUP BY a.id, a.name"
            )).all()
            totals = {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("articles", "attributions", "actors", "mentions", "quotes")
            }
            # A mention row holds every span of one entity in one article (migration 0004).
            totals["mention spans"] = conn.execute(
                sa.text("SELECT coalesce(sum(json_array_length(spans)), 0) FROM mentions")
            ).scalar_one()
            copies = conn.execute(
                sa.text("SELECT count(*) FROM articles WHERE copy_of IS NOT NULL")
            ).scalar_one()
        names = sorted({name for name, _ in counts})
        rng = random.Random(seed)
        sample = rng.sample(names, min(n_names, len(names)))
        top = [name for name, _ in sorted(counts, key=lambda c: -c[1])[:10]]
        result: dict = {"totals": totals, "copies": copies, "names": len(sample)}
        for label, ask in (("quotes --speaker", ask_quotes), ("actor", ask_actor)):
            timed(store, sample, ask)  # warm-up pass
            cpu: list[float] = []
            times = timed(store, sample, ask, cpu)
            timed(store, top, ask)
            worst = timed(store, top, ask)
            result[label] = {
                "p50": statistics.median(times),
                "p95": percentile(times, 95),
                "max": max(times),
                "top10_max": max(worst),
                "top10_median": statistics.median(worst),
                "cpu_p50": statistics.median(cpu),
                "cpu_p95": percentile(cpu, 95),
            }
        result["top_actor"] = sorted(counts, key=lambda c: -c[1])[0]
        # The event queries (issue 11): the list benchmarks/events_web.py times too.
        with store.engine.connect() as conn:
            totals["events"] = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
            for table in ("figures", "times", "places"):
                totals[table] = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        pool = event_queries.pool(store)
        result["event pool"] = (len(pool.agents), len(pool.targets), len(pool.places))
        result["events"] = event_queries.run(store, pool, n_names, seed) if pool.actor_ids else {}
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="synthetic articles (default 100,000)")
    parser.add_argument("--db", type=Path, help=f"SQLite file to build (default {WORK}/scale-N.db)")
    parser.add_argument("--cache", type=Path, default=WORK / "polnear-analyses.jsonl",
                        help="cached PolNeAR analyses (made on the first run)")
    parser.add_argument("--processes", type=int, default=2, help="processes for the one-off analysis")
    parser.add_argument("--batch-size", type=int, default=500, help="articles per Store.add (default 500)")
    parser.add_argument("--names", type=int, default=250, help="random speaker names to time (default 250)")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db without building")
    parser.add_argument("--resume", action="store_true",
                        help="go on building --db from its articles (after --build-seconds stopped it)")
    parser.add_argument("--build-seconds", type=float,
                        help="stop building after this long and measure the articles stored by then")
    args = parser.parse_args(argv)
    db = args.db or WORK / f"scale-{args.articles}.db"

    if args.reuse and db.is_file():
        build_s, raw, built = None, None, 0
        raw_path = Path(f"{db}.raw")
        raw = int(raw_path.read_text()) if raw_path.is_file() else None
    else:
        bases = [Base(item["name"], item["analysis"]) for item in analyses(args.cache, args.processes)]
        print(f"building {args.articles:,} articles into {db}", file=sys.stderr)
        build_s, raw, built = build(
            db, bases, args.articles, args.batch_size, args.seed, args.build_seconds, args.resume
        )
        Path(f"{db}.raw").write_text(str(raw))
    size = db_size(db)
    result = measure(db, args.names, args.seed)

    import sqlite3

    print(f"newsgraph corpus scale benchmark, {dt.date.today()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    t = result["totals"]
    print(f"corpus: {t['articles']:,} articles ({result['copies']:,} near-duplicate copies), "
          f"{t['attributions']:,} attributions, {t['actors']:,} actors, {t['mention spans']:,} mentions "
          f"({t['mentions']:,} rows), {t['quotes']:,} quotes")
    if build_s is not None:
        resumed = "" if built == t["articles"] else f" for the last {built:,} (resumed)"
        print(f"build: {build_s:.0f} s{resumed} ({built / build_s:.0f} articles/s through Store.add)")
    if raw:
        print(f"size: database {size / 1e6:.0f} MB, raw text {raw / 1e6:.0f} MB, ratio {size / raw:.2f}x "
              f"(target <= 3x)")
        parts = breakdown(db)
        if parts:
            shown = [f"{name} {n / raw:.3f}" for name, n in parts if n / raw >= 0.005]
            print("size by table and index (x raw text): " + ", ".join(shown))
    else:
        print(f"size: database {size / 1e6:.0f} MB (raw text size unknown: rebuild to measure it)")
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs "
          "(wall-clock latency includes waiting for a core; CPU time does not)")
    name, statements = result["top_actor"]
    for label in ("quotes --speaker", "actor"):
        r = result[label]
        print(f"{label:>17}: p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms over "
              f"{result['names']} random speakers (target p95 <= 100 ms); 10 most quoted: median "
              f"{r['top10_median']:.1f} ms, max {r['top10_max']:.1f} ms; CPU p50 {r['cpu_p50']:.1f} ms, "
              f"p95 {r['cpu_p95']:.1f} ms")
    print(f"most quoted actor: {name} ({statements:,} statements)")
    agents, targets, places = result["event pool"]
    print(f"events: {t['events']:,} (facts: {t['figures']:,} figures, {t['times']:,} times, "
          f"{t['places']:,} places); random draws from {agents:,} agents, {targets:,} targets, "
          f"{places:,} places, the 16 PLOVER types and the corpus' dates")
    print("\n".join(event_queries.report(result["events"])))


if __name__ == "__main__":
    main()
