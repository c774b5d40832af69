"""Does the web app hold up under many readers? A bounded load test on loopback.

Starts ``newsgraph serve``'s app (uvicorn, one process, as ``newsgraph serve``
runs it) in a child process on 127.0.0.1 against ``--db``, then runs
``--clients`` concurrent clients (httpx, asyncio, one process) for
``--seconds`` seconds, each sending one request after another, drawn at
random from:

* ``GET /api/quotes?speaker=NAME`` (the quote search of the API),
* ``GET /actors/{id}`` (the actor page: titles, timeline chart, statements),
* ``GET /api/actor?name=NAME`` (the actor detail of the API),

with speakers drawn from the database (``--names`` canonical names of actors
with at least one statement, as ``benchmarks/scale.py`` draws them). A
warm-up of ``--warmup`` seconds comes first and is not counted; names that
several actors share (``/api/actor`` answers 300 with the candidates) are
dropped from the draw during it. Prints the requests, the errors (any answer
that is not 2xx, and any exception: timeouts, refused connections), the
throughput and the p50 / p99 / max latency, overall and per kind of request.
Exits 1 when there was an error.

Bounded: it stops after ``--seconds`` or ``--max-requests`` requests,
whichever comes first, then stops the server; it only ever talks to the
server it started, on 127.0.0.1.

The default database is the 100,000-article SQLite file that
``benchmarks/scale.py`` builds (``$TMPDIR/newsgraph-scale/scale-100000.db``);
``--build N`` builds an N-article one with ``scale.py`` first when the file
is missing (``--build 2000`` takes a minute or two).

Usage::

    .venv/bin/python benchmarks/load.py                                # 50 clients, 30 s, the 100k database
    .venv/bin/python benchmarks/load.py --clients 10 --seconds 5 --db corpus.db
    .venv/bin/python benchmarks/load.py --build 2000                   # a small database, built if missing
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(tempfile.gettempdir()) / "newsgraph-scale"  # where benchmarks/scale.py builds its databases
KINDS = ("quotes", "actor-page", "actor-api")


@dataclass
class Tally:
    """What one kind of request got: latencies (ms) of the answered ones, statuses, exceptions."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    exceptions: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.exceptions.values())

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300) + sum(
            self.exceptions.values()
        )


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0-100) of a non-empty sequence."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ---------------------------------------------------------------- the database and its names


def speakers(db: str, n: int, seed: int) -> tuple[list[tuple[int, str]], int]:
    """``n`` random (actor id, canonical name) of actors with a statement, and the article count."""
    import sqlalchemy as sa

    from newsgraph.store import open_store

    with open_store(db) as store, store.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.id, a.name FROM actors a WHERE a.type != 'GROUP' AND EXISTS "
                "(SELECT 1 FROM attributions t WHERE t.source_actor_id = a.id)"
            )
        ).all()
        articles = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
    pool = sorted((int(i), str(name)) for i, name in rows)
    if not pool:
        sys.exit(f"load.py: no actor with a statement in {db}")
    return random.Random(seed).sample(pool, min(n, len(pool))), int(articles)


def build(articles: int, db: Path) -> None:
    """An ``articles``-article database at ``db``, made by benchmarks/scale.py (which also times it)."""
    print(f"building {articles:,} articles into {db} with benchmarks/scale.py", file=sys.stderr)
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "scale.py"), "--articles", str(articles),
         "--db", str(db), "--names", "20"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# ---------------------------------------------------------------- the server


def serve_on(fd: int, db: str) -> None:
    """In the child: serve the app on the already bound and listening loopback socket ``fd``."""
    import uvicorn

    from newsgraph.web import create_app

    sock = socket.socket(fileno=fd)
    config = uvicorn.Config(create_app(db), log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


class Server:
    """The app in a child process on 127.0.0.1, on a port the system picks (bound here, so no race)."""

    def __init__(self, db: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        fd = self.sock.fileno()
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-fd", str(fd), "--db", db], pass_fds=(fd,)
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"load.py: the server exited with status {self.process.returncode}")
            try:
                if httpx.get(self.base + "/api/actors", params={"top": 1}, timeout=30).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        sys.exit(f"load.py: the server did not answer within {timeout:.0f} s")

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used so far (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.sock.close()


# ---------------------------------------------------------------- the clients


def request_for(kind: str, actor_id: int, name: str) -> str:
    if kind == "quotes":
        return f"/api/quotes?speaker={quote(name)}"
    if kind == "actor-page":
        return f"/actors/{actor_id}"
    return f"/api/actor?name={quote(name)}"


async def screen(base: str, names: list[tuple[int, str]], clients: int) -> tuple[set[str], Counter[str]]:
    """Ask ``/api/actor`` once for every name (``clients`` at a time): the names several actors share
    (answered 300), and what else came back (it also warms the server up)."""
    import httpx

    ambiguous: set[str] = set()
    answers: Counter[str] = Counter()
    gate = asyncio.Semaphore(clients)
    async with httpx.AsyncClient(base_url=base, timeout=60.0) as client:

        async def ask(name: str) -> None:
            async with gate:
                try:
                    response = await client.get(request_for("actor-api", 0, name))
                except Exception as exc:
                    answers[type(exc).__name__] += 1
                    return
                answers[str(response.status_code)] += 1
                if response.status_code == 300:
                    ambiguous.add(name)

        await asyncio.gather(*(ask(name) for _, name in names))
    return ambiguous, answers


async def load(
    base: str, names: list[tuple[int, str]], clients: int, seconds: float, max_requests: int, seed: int,
    kinds: Sequence[str],
) -> tuple[dict[str, Tally], float]:
    """``clients`` clients, each sending requests back to back, until ``seconds`` pass or
    ``max_requests`` have been sent."""
    import httpx

    tallies = {kind: Tally() for kind in kinds}
    sent = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def one_client(number: int) -> None:
            nonlocal sent
            rng = random.Random(f"{seed}:{number}")
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                kind = rng.choice(kinds)
                actor_id, name = rng.choice(names)
                tally = tallies[kind]
                t0 = time.perf_counter()
                try:
                    response = await client.get(request_for(kind, actor_id, name))
                except Exception as exc:  # every failure counts: timeouts, resets, refused connections
                    tally.exceptions[type(exc).__name__] += 1
                    continue
                tally.latencies.append((time.perf_counter() - t0) * 1000)
                tally.statuses[response.status_code] += 1

        await asyncio.gather(*(one_client(i) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return tallies, elapsed


def report(tallies: dict[str, Tally], elapsed: float) -> int:
    everything = Tally()
    for t in tallies.values():
        everything.latencies += t.latencies
        everything.statuses.update(t.statuses)
        everything.exceptions.update(t.exceptions)
    print(f"requests: {everything.requests:,} in {elapsed:.1f} s, errors: {everything.errors:,}, "
          f"throughput: {everything.requests / elapsed:,.0f} requests/s")
    rows = [("all", everything), *tallies.items()]
    print(f"{'':12} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, t in rows:
        if not t.latencies:
            print(f"{label:12} {t.requests:>9,} {t.errors:>7,} {'-':>8} {'-':>8} {'-':>8}")
            continue
        print(f"{label:12} {t.requests:>9,} {t.errors:>7,} {statistics.median(t.latencies):>8.1f} "
              f"{percentile(t.latencies, 99):>8.1f} {max(t.latencies):>8.1f}")
    statuses = ", ".join(f"{s}: {n:,}" for s, n in sorted(everything.statuses.items()))
    print(f"statuses: {statuses or 'none'}"
          + (f"; exceptions: {dict(everything.exceptions)}" if everything.exceptions else ""))
    return everything.errors


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help=f"database path or URL (default {WORK}/scale-100000.db, "
                        "or scale-N.db with --build N)")
    parser.add_argument("--build", type=int, metavar="N", help="build N articles (scale.py) if missing")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to load (default 30)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="stop after so many (default 500k)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of uncounted warm-up (default 3)")
    parser.add_argument("--names", type=int, default=500, help="speaker names to draw from (default 500)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"requests (default {','.join(KINDS)})")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--serve-fd", type=int, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args(argv)

    if args.serve_fd is not None:
        serve_on(args.serve_fd, args.db)
        return
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if not kinds or set(kinds) - set(KINDS):
        parser.error(f"--kinds: choose from {', '.join(KINDS)}")
    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 3600 or args.max_requests < 1:
        parser.error("--clients must be 1-1000, --seconds 0-3600, --max-requests at least 1")
    db = args.db or str(WORK / f"scale-{args.build or 100_000}.db")
    is_file = "://" not in db
    if is_file and not Path(db).is_file():
        if args.build:
            build(args.build, Path(db))
        else:
            sys.exit(f"load.py: {db} does not exist: build it with benchmarks/scale.py, or pass --build N "
                     "for a smaller one, or --db")

    names, articles = speakers(db, args.names, args.seed)
    import sqlite3

    print(f"newsgraph web load test, {dt.date.today()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"database: {db} ({articles:,} articles); {len(names)} speaker names; requests: {', '.join(kinds)}")
    server = Server(db)
    try:
        server.wait_ready()
        print(f"server: {server.base} (uvicorn, one process); {args.clients} clients for {args.seconds:g} s "
              f"after {args.warmup:g} s of warm-up")
        ambiguous, answers = asyncio.run(screen(server.base, names, args.clients))
        print(f"warm-up: /api/actor once per name: {dict(answers)}")
        if ambiguous:
            print(f"dropped {len(ambiguous)} name(s) that several actors share (300 with the candidates)")
            names = [n for n in names if n[1] not in ambiguous]
        if args.warmup > 0:
            asyncio.run(
                load(server.base, names, args.clients, args.warmup, args.max_requests, args.seed + 1, kinds)
            )
        server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
        tallies, elapsed = asyncio.run(
            load(server.base, names, args.clients, args.seconds, args.max_requests, args.seed, kinds)
        )
        client_cpu = time.process_time() - client_cpu
        after = server.cpu_seconds()
        server_cpu = after - server_cpu if after is not None and server_cpu is not None else None
    finally:
        server.stop()
    errors = report(tallies, elapsed)
    if server_cpu is not None:  # on a small machine the clients take their share of the cores
        print(f"CPU while loading: server {server_cpu:.1f} s, clients {client_cpu:.1f} s "
              f"({(server_cpu + client_cpu) / elapsed:.2f} of {os.cpu_count()} cores busy)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
