"""Time the web's event queries (the /events page, an actor's events, the network's event arrows).

Builds (once, cached) a synthetic SQLite store of ``--articles`` articles with
``--per-article`` events each between ``--actors`` actors, then times, over
random actors and types: ``store.events.events`` + ``count_events`` (one
/events page: rows and total), ``actor_events`` (an actor page's section),
``event_edges`` for the 40 most active actors (the network), and whole
``GET /events`` pages through the app: the query list of
``benchmarks/event_queries.py``, which ``benchmarks/scale.py`` times on its
100,000-article store of analysed articles. Prints p50/p95/max in milliseconds
next to the target (p95 <= 100 ms at 100k articles, issue 11). Not a test:
timings depend on the machine.

    PYTHONPATH=src .venv/bin/python benchmarks/events_web.py --articles 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path

import event_queries  # benchmarks/event_queries.py: the query list scale.py times too

from newsgraph.store import open_store
from newsgraph.store.events import PLOVER_TYPES
from newsgraph.store.schema import Actor, Article, Event

TEXT = "Minister {a} met {b} in the capital on Tuesday and accused {c} of delays. "


def build(path: Path, articles: int, per_article: int, actors: int, seed: int) -> None:
    rnd = random.Random(seed)
    with open_store(str(path)) as store, store.engine.begin() as conn:
        now = dt.datetime.now(dt.UTC)
        conn.execute(
            Actor.__table__.insert(),
            [
                {"id": i, "key": f"person:actor {i}", "name": f"Actor {i}", "type": "PERSON"}
                for i in range(1, actors + 1)
            ],
        )
        start = dt.date(2020, 1, 1)
        for first in range(1, articles + 1, 5000):
            rows, evs = [], []
            for aid in range(first, min(first + 5000, articles + 1)):
                day = start + dt.timedelta(days=rnd.randrange(1800))
                text = TEXT.format(a=aid, b=aid + 1, c=aid + 2) * 3
                rows.append(
                    {
                        "id": aid,
                        "content_hash": f"{aid:064d}",
                        "url": None,
                        "name": f"a{aid}",
                        "outlet": f"Outlet {aid % 20}",
                        "published": day,
                        "text": text,
                        "authors": [],
                        "ingested_at": now,
                    }
                )
                for k in range(per_article):
                    # a few very active actors, a long tail (Zipf-like)
                    agent = min(actors, int(rnd.paretovariate(1.1)))
                    target = rnd.randrange(1, actors + 1)
                    evs.append(
                        {
                            "article_id": aid,
                            "local_id": f"V{k + 1}",
                            "type": rnd.choice(PLOVER_TYPES),
                            "date": day,
                            "trigger_start": 20,
                            "trigger_end": 23,
                            "agent_start": 0,
                            "agent_end": 10,
                            "agent_actor_id": agent,
                            "target_start": 24,
                            "target_end": 30,
                            "target_actor_id": target,
                            "negated": False,
                            "modality": "asserted",
                            "attribution_local_id": "A1" if k % 3 == 0 else None,
                        }
                    )
            conn.execute(Article.__table__.insert(), rows)
            conn.execute(Event.__table__.insert(), evs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--per-article", type=int, default=3)
    parser.add_argument("--actors", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / "newsgraph-events-web" / f"events-{args.articles}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        t = time.perf_counter()
        build(path, args.articles, args.per_article, args.actors, args.seed)
        print(f"built {path} in {time.perf_counter() - t:.0f} s")
    from fastapi.testclient import TestClient

    from newsgraph.web import create_app

    store = open_store(str(path))
    app = create_app(str(path))
    with TestClient(app) as client:
        timings = event_queries.run(
            store, event_queries.pool(store, by_id=True), args.queries, args.seed + 1, client=client
        )
    app.state.web.close()
    store.close()
    print(
        f"{args.articles:,} articles, {args.articles * args.per_article:,} events,"
        f" {args.queries} queries each"
    )
    print("\n".join(event_queries.report(timings)))


if __name__ == "__main__":
    main()
