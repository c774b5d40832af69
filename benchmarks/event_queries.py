"""The event queries users run, drawn at random and timed: shared by ``scale.py`` and ``events_web.py``.

One list, so both benchmarks time the same questions: ``newsgraph events``
(``store.events.events``, limit 50) with each of the CLI's filters alone
(``--actor``, ``--target``, ``--type``, ``--place``, ``--since/--until``,
``--source``, none), what the ``/events`` page calls (``events`` for one page
and ``count_events`` for its total, with a random filter), what an actor page
calls (``actor_events``), the network's event arrows (``event_edges`` for the
40 most active agents), and, when a test client is given, whole ``GET /events``
pages through the app. Each is run once to warm the caches, then timed; the
summary prints p50 / p95 / max in milliseconds next to the target (issue 11:
p95 <= 100 ms at 100,000 articles). Not a test: timings depend on the machine.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from newsgraph.store.events import PLOVER_TYPES, actor_events, count_events, event_edges, events

TARGET_P95_MS = 100.0
FILTERS = ("--actor", "--target", "--type", "--place", "--since/--until", "--source", "(none)")


@dataclass
class Pool:
    """What the random queries draw from: actors as a user names them, and the dates events have."""

    agents: list[str]  # actors that did something, as typed after --actor (a name, or id:N)
    targets: list[str]  # actors something was done to
    places: list[str]
    actor_ids: list[int]  # actors with events in either role (actor pages)
    network: list[int]  # the 40 most active agents (the network's nodes)
    top_agents: list[str]  # the 10 most active agents: the worst case of --actor
    first: dt.date
    last: dt.date


def pool(store: Any, by_id: bool = False) -> Pool:
    """The actors and dates of ``store``'s events; names (canonical, not unnamed groups), or ``id:N``."""

    def spec(row: sa.Row[Any]) -> str:
        return f"id:{row.id}" if by_id else row.name

    with store.engine.connect() as conn:

        def role(column: str) -> list[sa.Row[Any]]:
            return list(
                conn.execute(
                    sa.text(
                        f"SELECT a.id, a.name, count(*) AS n FROM events e JOIN actors a ON a.id = e.{column}"
                        " WHERE a.type != 'GROUP' GROUP BY a.id, a.name ORDER BY n DESC, a.id"
                    )
                )
            )

        agents, targets, places = role("agent_actor_id"), role("target_actor_id"), role("place_actor_id")
        if not places:  # no event has a known place: ask for the places the corpus has
            places = list(
                conn.execute(
                    sa.text("SELECT DISTINCT a.id, a.name FROM places p JOIN actors a ON a.id = p.actor_id")
                )
            )
        first, last = conn.execute(sa.text("SELECT min(date), max(date) FROM events")).one()
    as_date = dt.date.fromisoformat
    return Pool(
        agents=sorted({spec(r) for r in agents}),
        targets=sorted({spec(r) for r in targets}),
        places=sorted({spec(r) for r in places}),
        actor_ids=sorted({r.id for r in agents} | {r.id for r in targets}),
        network=[r.id for r in agents[:40]],
        top_agents=[spec(r) for r in agents[:10]],
        first=first if isinstance(first, dt.date) else as_date(str(first)[:10]),
        last=last if isinstance(last, dt.date) else as_date(str(last)[:10]),
    )


def draw(pool: Pool, kind: str, rng: random.Random) -> dict[str, Any]:
    """The filters of one random query of ``kind`` (one of ``FILTERS``)."""
    if kind == "--actor":
        return {"actor": rng.choice(pool.agents)}
    if kind == "--target":
        return {"target": rng.choice(pool.targets)}
    if kind == "--type":
        return {"type": rng.choice(PLOVER_TYPES)}
    if kind == "--place":
        return {"place": rng.choice(pool.places)}
    if kind == "--since/--until":  # a month somewhere in the corpus
        since = pool.first + dt.timedelta(days=rng.randrange(max(1, (pool.last - pool.first).days)))
        return {"since": since, "until": since + dt.timedelta(days=30)}
    if kind == "--source":
        return {"source": rng.choice(["author", "attributed"])}
    return {}


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Milliseconds of wall-clock and of this process's CPU that ``fn()`` took.

    The CPU time is what the query costs whatever else runs on the machine; on a
    shared machine the wall-clock time is mostly waiting for a core."""
    started, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def run(
    store: Any, pool: Pool, n: int, seed: int, client: Any = None
) -> dict[str, list[tuple[float, float]]]:
    """(wall, CPU) milliseconds per query, by query: ``n`` random draws each, after one warm-up pass
    over the same. The CPU time of ``GET /events`` leaves out the server's threads' waits but not its work
    (the test client runs the app in this process)."""
    rng = random.Random(seed)
    plan: list[tuple[str, Callable[[], object]]] = []
    for kind in FILTERS:
        if kind == "--place" and not pool.places:  # a store without places (events_web.py's)
            continue
        for _ in range(n):
            f = draw(pool, kind, rng)
            plan.append((f"events {kind}", lambda f=f: events(store, **f, limit=50)))
    for _ in range(n):
        f = draw(pool, rng.choice([k for k in FILTERS if pool.places or k != "--place"]), rng)
        plan.append(
            (
                "/events page (rows + total)",
                lambda f=f: (events(store, **f, limit=51), count_events(store, **f)),
            )
        )
        actor_id = rng.choice(pool.actor_ids)
        plan.append(("actor page events", lambda a=actor_id: actor_events(store, a)))
        if client is not None:
            params = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in f.items()}
            plan.append(
                ("GET /events (app)", lambda p=params: client.get("/events", params=p).raise_for_status())
            )
    plan.append(("network event arrows (40 actors)", lambda: event_edges(store, pool.network)))
    for name in pool.top_agents:
        plan.append(("events --actor, 10 most active", lambda a=name: events(store, actor=a, limit=50)))
    for _, fn in plan:  # warm-up
        fn()
    out: dict[str, list[tuple[float, float]]] = {}
    for label, fn in plan:
        out.setdefault(label, []).append(_timed(fn))
    for _ in range(n - 1):  # the network query has no random part: time it n times
        out["network event arrows (40 actors)"].append(_timed(lambda: event_edges(store, pool.network)))
    return out


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (as ``scale.py`` has always reported it)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(timings: dict[str, list[tuple[float, float]]]) -> list[str]:
    """One line per query: wall-clock p50 / p95 / max in ms beside the target, then CPU p50 / p95."""
    lines = [
        f"{'query':38} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   target p95"
        f" {'CPU p50':>8} {'CPU p95':>8}"
    ]
    for label, runs in timings.items():
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        p95 = percentile(wall, 95)
        mark = "" if p95 <= TARGET_P95_MS else " MISSED"
        lines.append(
            f"{label:38} {len(runs):5d} {statistics.median(wall):8.1f} {p95:8.1f} {max(wall):8.1f}"
            f"   <= {TARGET_P95_MS:.0f} {statistics.median(cpu):8.1f} {percentile(cpu, 95):8.1f}{mark}"
        )
    return lines
