"""Shared fixtures: the loaded pipeline, the shared data directory, invented articles."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from spacy.language import Language

from newsgraph.analysis import attributions, learned, pipeline
from newsgraph.errors import NewsgraphError
from newsgraph.io.reading import ReadArticle
from newsgraph.models import Analysis

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PG_URL = os.environ.get("NEWSGRAPH_TEST_PG")
"""The PostgreSQL server the store tests also run on (``scripts/test`` sets it); unset: they skip."""


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database of its own (``NEWSGRAPH_TEST_PG``), dropped afterwards.

    Why its own database: tests that check counts, migrations or concurrency
    must not see each other's rows, and dropping a database is the one cleanup
    that cannot miss a table. Skips the test when no server is configured.
    """
    if not PG_URL:
        pytest.skip("NEWSGRAPH_TEST_PG is not set: PostgreSQL tests skipped")
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from newsgraph.store import normalize_url

    base = make_url(normalize_url(PG_URL))
    name = f"ng_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(autouse=True)
def no_budget_left_behind() -> Iterator[None]:
    """Fail the test that leaves a time budget current (or its alarm handler installed), and clean up.

    Why: a budget left behind fails every later ``checkpoint`` of the test
    process with OverBudget, so without this a leak shows up as dozens of
    unrelated failures far from its cause (CI saw it once).
    """
    import signal

    from newsgraph.analysis import budget

    handler = signal.getsignal(signal.SIGALRM)
    yield
    leaked = budget._current.get() is not None, signal.getsignal(signal.SIGALRM) != handler
    budget._current.set(None)
    signal.signal(signal.SIGALRM, handler)
    assert leaked == (False, False), "a time budget (or its alarm handler) was left behind"


@pytest.fixture(scope="session")
def nlp() -> Language:
    """newsgraph's spaCy pipeline, loaded once for the whole test session."""
    return pipeline.load()


@pytest.fixture(scope="session")
def parser() -> Language:
    """The pipeline's spaCy model with newsgraph's early components, for the learned engine's tests
    (they parse with ``disable=pipeline._late(parser)`` and run the engine themselves)."""
    return pipeline.load("rules")


def candidate(parser: Language, text: str, cue: str) -> attributions.Found:
    """The learned engine's first candidate attribution in ``text`` whose cue reads ``cue``."""
    doc = parser(text, disable=pipeline._late(parser))
    found = [f for f in learned.Candidates(doc).candidates() if f.cue.text == cue]
    assert found, f"no candidate with the cue {cue!r} in {text!r}"
    return found[0]


def damaged_weights_error(tmp_path: Path, key: str, value: object) -> tuple[NewsgraphError, Path]:
    """The error of loading the shipped weights file with ``key`` replaced by ``value``, and the file."""
    data = json.loads(learned.weights_path().read_text(encoding="utf-8"))
    data[key] = value
    damaged = tmp_path / "trees.json"
    damaged.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(NewsgraphError) as info:
        learned.load_trees(str(damaged))
    return info.value, damaged


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repository (PolNeAR, the scorer, the seed); skip when absent."""
    if not (SHARED / "polnear").is_dir():
        pytest.skip(f"{SHARED} is missing: tests on the real corpus need ../shared beside the repo")
    return SHARED


INVENTED = """\
Mayor Tells Council Flood Barrier Is 'Non-Negotiable'

The coastal town's leader wants the money approved before winter

Mayor Ruth Adeyemi of Port Halden told the town council on Monday that the flood barrier was "non-negotiable" as the storm season approached.

"Ruth, our town cannot wait another year. The sea will not wait for us," councillor Tom Briggs said during the debate.

Adeyemi said the barrier would cost about 12 million pounds. "We have studied every option, and this is the only one that protects the harbour," she said.

According to the town's engineers, the old sea wall could fail within five years. The harbour flooded twice last winter.

Critics claimed the plan was rushed. The council will vote next week.
"""


@pytest.fixture(scope="session")
def invented_article() -> str:
    """A short invented news report with direct, indirect and 'according to' attributions."""
    return INVENTED


# ------------------------------------------------------- a corpus in PolNeAR's layout

MINI_TEXTS = {
    "harbour": 'The harbour master said the pier would open in May. "We are ready," she told reporters.\n',
    "school": "Officials claimed the school was safe. The head teacher denied that pupils were at risk.\n",
}


def _ann(text: str, items: list[tuple[str, str, str | None]]) -> str:
    """BRAT lines for (cue, content, source) strings found in ``text``."""
    lines, t = [], 0
    for n, (cue, content, source) in enumerate(items, 1):
        refs = []
        for label, piece in (("Cue", cue), ("Content", content), ("Source", source)):
            if piece is None:
                continue
            t += 1
            start = text.index(piece)
            lines.append(f"T{t}\t{label} {start} {start + len(piece)}\t{piece}")
            refs.append(f"{label}:T{t}")
        t += 1
        start = text.index(cue)
        lines.append(f"T{t}\tAttribution {start} {start + len(cue)}\t{cue}")
        lines.append(f"E{n}\tAttribution:T{t} " + " ".join(refs))
    return "\n".join(lines) + "\n"


MINI_GOLD = {
    "harbour": [
        ("said", "the pier would open in May", "The harbour master"),
        ("told", "We are ready", "she"),
    ],
    "school": [
        ("claimed", "the school was safe", "Officials"),
        ("denied", "that pupils were at risk", "The head teacher"),
    ],
}


@pytest.fixture(scope="session")
def mini_split(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two invented articles with gold attributions, in PolNeAR's layout."""
    root = tmp_path_factory.mktemp("mini-split")
    (root / "text").mkdir()
    (root / "attributions").mkdir()
    for name, text in MINI_TEXTS.items():
        (root / "text" / f"{name}.txt").write_text(text, encoding="utf-8")
        (root / "attributions" / f"{name}_0a1b.ann").write_text(_ann(text, MINI_GOLD[name]), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tiny_model(mini_split: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained for one epoch on ``mini_split``: real weights, no accuracy to speak of."""
    from newsgraph.eval.training import train

    out = tmp_path_factory.mktemp("tiny-model")
    train(mini_split, mini_split, out, epochs=1, threads=1, log=lambda _: None)
    return out


# ------------------------------------------------------- a stand-in for the analysis


def stand_in_analyzer(make: Callable[[ReadArticle], Analysis]) -> Callable[..., Iterator[Analysis]]:
    """A fake ``pipeline.analyze_articles`` that batches like the real one.

    ``make`` turns one article into its analysis; an article containing BOOM
    crashes its whole batch, as an unexpected error in spaCy would.
    """

    def analyze_articles(
        reads: Iterable[ReadArticle], n_process: int = 1, batch_size: int = 8, **options: object
    ) -> Iterator[Analysis]:
        batch: list[ReadArticle] = []

        def flush() -> list[Analysis]:
            if any("BOOM" in r.article.text for r in batch):
                raise RuntimeError("stand-in crash")
            done = [make(r) for r in batch]
            batch.clear()
            return done

        for read in reads:
            batch.append(read)
            if len(batch) == batch_size:
                yield from flush()
        if batch:
            yield from flush()

    return analyze_articles
