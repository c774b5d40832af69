"""Time the web's claims queries (an actor's claims, an article's claims, the /claims page).

Builds (once, cached) a synthetic SQLite store of ``--articles`` articles, each
with one attribution by a Zipf-chosen speaker (a few very active actors, a long
tail) and ``--per-article`` figures, two of them in that attribution's content
(claimed by the speaker), the rest in the article's own voice. Then times, over
random actors: ``store.facts.claims`` + ``count_claims`` for one speaker (the
actor page's Claims section and ``GET /api/actors/{id}/claims``), one article's
claims, a page of the /claims list filtered by unit, and whole ``GET
/actors/{id}`` pages through the app. Prints p50/p95 in milliseconds next to
the target (an actor's claims well under 100 ms at 100k articles). Not a test:
timings depend on the machine.

    PYTHONPATH=src .venv/bin/python benchmarks/claims_web.py --articles 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from newsgraph.store import open_store
from newsgraph.store.facts import FIGURES, claims, count_claims
from newsgraph.store.schema import Actor, Article, Attribution

TEXT = (
    "The ministry said {n} schools would close. Minister {a} said the plan would cost $12 million "
    "and employ 300 teachers. About 40 percent of pupils travel by bus, up 5 percent on last year. "
)
UNITS = ("dollar", "person", "percent", "percent", None)
TARGET_MS = 100.0


def build(path: Path, articles: int, per_article: int, actors: int, seed: int) -> None:
    rnd = random.Random(seed)
    claimed = [(TEXT.index("$12 million"), 11, "dollar"), (TEXT.index("300 teachers"), 12, "person")]
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
            rows, attributions, figures = [], [], []
            for aid in range(first, min(first + 5000, articles + 1)):
                day = start + dt.timedelta(days=rnd.randrange(1800))
                text = TEXT.format(n=aid % 90 + 10, a=aid)
                speaker = min(actors, int(rnd.paretovariate(1.1)))
                rows.append(
                    {"id": aid, "content_hash": f"{aid:064d}", "url": None, "name": f"a{aid}",
                     "outlet": f"Outlet {aid % 20}", "published": day, "text": text, "authors": [],
                     "ingested_at": now}
                )  # fmt: skip
                cue = text.index("said the plan")
                attributions.append(
                    {"id": aid, "article_id": aid, "local_id": "A1", "kind": "indirect", "stance": "neutral",
                     "confidence": 0.9, "published": day, "cue_start": cue, "cue_end": cue + 4,
                     "source_start": cue - len(f"Minister {aid} "), "source_end": cue - 1,
                     "source_actor_id": speaker, "content": [[cue + 5, len(text) - 1]]}
                )  # fmt: skip
                offset = len(TEXT.format(n=aid % 90 + 10, a=aid)) - len(TEXT)
                for k in range(per_article):
                    at, length, unit = claimed[k] if k < 2 else (TEXT.index("40 percent"), 10, UNITS[k % 5])
                    figures.append(
                        {"article_id": aid, "local_id": f"F{k + 1}", "start": at + offset,
                         "end": at + offset + length, "value": float(rnd.randrange(1, 1000)),
                         "value_high": None, "unit": unit, "change": "=", "concept_start": None,
                         "concept_end": None, "attribution_id": aid if k < 2 else None,
                         "speaker_actor_id": speaker if k < 2 else None, "published": day}
                    )  # fmt: skip
            conn.execute(Article.__table__.insert(), rows)
            conn.execute(Attribution.__table__.insert(), attributions)
            conn.execute(FIGURES.insert(), figures)


def timed(fn: Callable[[], object], runs: list[float]) -> None:
    t = time.perf_counter()
    fn()
    runs.append((time.perf_counter() - t) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--per-article", type=int, default=5)
    parser.add_argument("--actors", type=int, default=5_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    path = Path(tempfile.gettempdir()) / "newsgraph-claims-web" / f"claims-{args.articles}.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        t = time.perf_counter()
        build(path, args.articles, args.per_article, args.actors, args.seed)
        print(f"built {path} in {time.perf_counter() - t:.0f} s")
    rnd = random.Random(args.seed + 1)
    timings: dict[str, list[float]] = {
        k: []
        for k in (
            "actor claims (page + total)",
            "article claims",
            "/claims by unit (page + total)",
            "GET /actors/{id} (app)",
        )
    }
    store = open_store(str(path))
    with store.engine.connect() as conn:
        top = [
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT speaker_actor_id FROM figures WHERE speaker_actor_id IS NOT NULL"
                    " GROUP BY speaker_actor_id ORDER BY count(*) DESC LIMIT 5"
                )
            )
        ]
        most = conn.execute(
            sa.text("SELECT count(*) FROM figures WHERE speaker_actor_id = :a"), {"a": top[0]}
        ).scalar_one()
    from fastapi.testclient import TestClient

    from newsgraph.web import create_app

    app = create_app(str(path))
    with TestClient(app) as client:
        for _ in range(args.queries):
            actor = rnd.choice([*top, rnd.randrange(1, args.actors + 1)])
            timed(
                lambda a=actor: (
                    claims(store, speaker=f"id:{a}", limit=51),
                    count_claims(store, speaker=f"id:{a}"),
                ),
                timings["actor claims (page + total)"],
            )
            article = rnd.randrange(1, args.articles + 1)
            timed(lambda a=article: claims(store, article_id=a, limit=10_000), timings["article claims"])
            unit = rnd.choice(["percent", "dollar", "person"])
            timed(
                lambda u=unit: (claims(store, unit=u, limit=51), count_claims(store, unit=u)),
                timings["/claims by unit (page + total)"],
            )
            timed(
                lambda a=actor: client.get(f"/actors/{a}").raise_for_status(),
                timings["GET /actors/{id} (app)"],
            )
    app.state.web.close()
    store.close()
    print(
        f"{args.articles:,} articles, {args.articles * args.per_article:,} figures"
        f" (the busiest speaker claims {most:,}), {args.queries} queries each"
    )
    print(f"{'query':36} {'p50 ms':>8} {'p95 ms':>8}   target p95")
    for name, runs in timings.items():
        p95 = statistics.quantiles(runs, n=20)[-1]
        print(f"{name:36} {statistics.median(runs):8.1f} {p95:8.1f}   <= {TARGET_MS:.0f}")


if __name__ == "__main__":
    main()
