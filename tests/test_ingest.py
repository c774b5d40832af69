"""Ingest: sources in, analyses stored batch by batch, bad items counted, kills survived.

Most tests replace the analysis with a small stand-in (no spaCy) so they
check ingest's own plumbing: skipping before analysis, batching, failures,
streaming. The kill test runs the real command in a subprocess: it SIGKILLs
``python -m newsgraph ingest`` once some articles are committed, runs it
again, and checks that every article is stored exactly once with all its
attributions. All articles are invented here, from templates.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import fresh_postgres, stand_in_analyzer
from typer.testing import CliRunner

from newsgraph.analysis import pipeline
from newsgraph.cli import app
from newsgraph.errors import NewsgraphError
from newsgraph.io.reading import ReadArticle, read_text
from newsgraph.models import Analysis, Attribution, Entity, LinkedSpan, Span
from newsgraph.store.ingest import IngestSummary, ingest

# ---------------------------------------------------------------- invented articles

FIRST = ["Elena", "Marcus", "Priya", "Tomas", "Ingrid", "Kofi", "Mei", "Rafael", "Sofia", "Dmitri", "Aylin"]
LAST = ["Varga", "Okafor", "Lindqvist", "Haddad", "Moreau", "Tanaka", "Brennan", "Castillo", "Novak"]
PLACES = ["Port Halden", "Millbrook", "Eastwater", "Cedar Falls", "Norhaven", "Ashby", "Kestrel Bay"]
TOPICS = [("bridge", "repairs"), ("library", "budget"), ("ferry", "timetable"), ("school", "roof"),
          ("market", "rents"), ("clinic", "hours"), ("park", "fence"), ("harbour", "dredging")]
QUOTES = ["We cannot wait another winter for this", "The numbers simply do not add up",
          "Every family in this town deserves better", "We listened and we changed the plan",
          "This is the fairest option we have", "Nobody asked the people who live here",
          "The old scheme failed and everyone knows it"]


def invented(i: int) -> str:
    """A short invented local news report; names, places, topics and quotes vary with ``i``."""
    first, last = FIRST[i % len(FIRST)], LAST[(i * 4) % len(LAST)]
    rival_first, rival_last = FIRST[(i + 5) % len(FIRST)], LAST[(i + 2) % len(LAST)]
    place = PLACES[i % len(PLACES)]
    thing, issue = TOPICS[(i * 3) % len(TOPICS)]
    quote, other = QUOTES[i % len(QUOTES)], QUOTES[(i + 3) % len(QUOTES)]
    paragraphs = [
        f"{place} council argues over {thing} {issue} (report {i})",
        f"Mayor {first} {last} told the council on Monday that the {thing} {issue} had to be "
        f"settled before the end of the month.",
        f'"{quote}," {last} said. "We will vote on it next week."',
        f"Councillor {rival_first} {rival_last} claimed that the {issue} plan for the {thing} was "
        f'rushed. "{other}," {rival_last} told reporters.',
        f"According to the town's figures, the {thing} cost {i + 3} thousand pounds last year.",
        f"Residents of {place} will be able to comment until the {i % 28 + 1}th of the month.",
    ]
    if i % 2:
        paragraphs.insert(3, f"{last} denied that the council had ignored the {thing} for {i % 9 + 2} years.")
    return "\n\n".join(paragraphs) + "\n"


def write_corpus(directory: Path, n: int, start: int = 0) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + n):
        path = directory / f"report-{i:03d}.txt"
        path.write_text(invented(i), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- a stand-in analysis

MAYOR = re.compile(r"Mayor ([A-Z]\w+ [A-Z]\w+) (told)")


def _mayor_told(read: ReadArticle) -> Analysis:
    """One actor and one attribution ("Mayor X Y told ...") so the store has something to resolve;
    every article analysed is recorded in ``fake_analyze_articles.seen``."""
    fake_analyze_articles.seen.append(read.name)  # type: ignore[attr-defined]
    text = read.article.text
    entities, attributions = [], []
    match = MAYOR.search(text)
    if match:
        name = Span(start=match.start(1), end=match.end(1), text=match.group(1))
        entities.append(Entity(id="E1", name=name.text, type="PERSON", titles=["Mayor"], mentions=[name]))
        end = text.index(".", match.end(2))
        attributions.append(Attribution(
            id="A1", kind="indirect",
            source=LinkedSpan(start=name.start, end=name.end, text=name.text, entity="E1"),
            cue=Span(start=match.start(2), end=match.end(2), text="told"),
            content=[Span(start=match.end(2) + 1, end=end, text=text[match.end(2) + 1 : end])],
        ))
    return Analysis(article=read.article, entities=entities, attributions=attributions)


fake_analyze_articles = stand_in_analyzer(_mayor_told)


@pytest.fixture
def stand_in(monkeypatch):
    fake_analyze_articles.seen = []  # type: ignore[attr-defined]
    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "analyze_articles", fake_analyze_articles)
    return fake_analyze_articles


def db_rows(db: Path) -> dict[str, tuple[int, int]]:
    """Per stored article (by content hash): its number of attributions and of mentions."""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT a.content_hash,"
            " (SELECT count(*) FROM attributions t WHERE t.article_id = a.id),"
            " (SELECT count(*) FROM mentions m WHERE m.article_id = a.id)"
            " FROM articles a"
        ).fetchall()
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len({h for h, _, _ in rows})
    return {h: (n_attr, n_ment) for h, n_attr, n_ment in rows}


runner = CliRunner()


def run(specs: list[str], db: Path, **kwargs) -> tuple[IngestSummary, list[str]]:
    errors: list[str] = []
    kwargs.setdefault("n_process", 1)
    summary = ingest(specs, db=str(db), progress=False, on_error=lambda e: errors.append(str(e)), **kwargs)
    return summary, errors


# ---------------------------------------------------------------- library


def test_ingest_stores_each_article_and_a_rerun_skips_them_before_analysis(tmp_path, stand_in):
    write_corpus(tmp_path / "in", 10)
    db = tmp_path / "corpus.db"
    first, errors = run([str(tmp_path / "in")], db, batch_size=4)
    assert (first.stored, first.skipped, first.failed, errors) == (10, 0, 0, [])
    assert len(stand_in.seen) == 10
    rows = db_rows(db)
    assert len(rows) == 10 and all(n_attr == 1 for n_attr, _ in rows.values())

    write_corpus(tmp_path / "in", 3, start=10)  # three new articles beside the ten stored
    stand_in.seen.clear()
    second, errors = run([str(tmp_path / "in")], db, batch_size=4)
    assert (second.stored, second.skipped, second.failed, errors) == (3, 10, 0, [])
    assert sorted(stand_in.seen) == ["report-010", "report-011", "report-012"]  # only the new ones
    assert len(db_rows(db)) == 13


def test_ingest_skips_an_article_whose_url_is_stored_even_if_its_text_changed(tmp_path, stand_in):
    for name, i in (("a", 1), ("b", 2)):  # two different texts under one URL
        record = {"url": "https://news.example/a", "text": invented(i)}
        (tmp_path / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")
    db = tmp_path / "corpus.db"
    first, _ = run([str(tmp_path / "a.json")], db)
    second, _ = run([str(tmp_path / "b.json")], db)
    assert (first.stored, second.stored, second.skipped) == (1, 0, 1)
    assert stand_in.seen == ["a"]  # the second never reached the analysis


def test_ingest_commits_one_transaction_per_batch(tmp_path, stand_in, monkeypatch):
    from newsgraph.store import Store

    sizes: list[int] = []
    real_add = Store.add

    def spy(self, items):
        sizes.append(len(items))
        return real_add(self, items)

    monkeypatch.setattr(Store, "add", spy)
    write_corpus(tmp_path / "in", 11)
    summary, _ = run([str(tmp_path / "in")], tmp_path / "corpus.db", batch_size=4)
    assert summary.stored == 11
    assert sizes == [4, 4, 3]


def test_ingest_counts_bad_inputs_and_a_crashing_article_and_goes_on(tmp_path, stand_in):
    write_corpus(tmp_path / "in", 6)
    (tmp_path / "in" / "report-002.txt").write_text(invented(2) + "BOOM\n", encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    missing = tmp_path / "nowhere.txt"
    summary, errors = run([str(tmp_path / "in"), str(missing)], tmp_path / "corpus.db", batch_size=2)
    assert (summary.stored, summary.skipped, summary.failed) == (6 - 1, 0, 3)
    assert summary.ingested == 8
    assert [e.split()[0] for e in errors] == ["E001", "E999", "E005"]  # in input order
    assert "report-002.txt" in errors[1] and "stand-in crash" in errors[1]
    assert summary.errors == errors
    assert len(db_rows(tmp_path / "corpus.db")) == 5


def test_ingest_an_article_the_store_refuses_fails_alone(tmp_path, stand_in, monkeypatch):
    from newsgraph.store import Store

    real_add = Store.add

    def picky(self, items):
        if any(name == "report-003" for _, name in items):
            raise RuntimeError("disk says no")
        return real_add(self, items)

    monkeypatch.setattr(Store, "add", picky)
    write_corpus(tmp_path / "in", 6)
    summary, errors = run([str(tmp_path / "in")], tmp_path / "corpus.db", batch_size=4)
    assert (summary.stored, summary.failed) == (5, 1)
    assert len(errors) == 1 and errors[0].startswith("E019 ") and "report-003.txt" in errors[0]
    assert "disk says no" in errors[0]
    assert len(db_rows(tmp_path / "corpus.db")) == 5


def _warc(pages: list[tuple[str, str]]) -> bytes:
    """A gzipped WARC holding one HTML response per (uri, article text)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=True)
    for uri, text in pages:
        title, *paragraphs = text.strip().split("\n\n")
        html = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>")
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            uri, "response", payload=io.BytesIO(html.encode()), http_headers=headers,
            warc_headers_dict={"WARC-Date": "2025-03-04T08:00:00Z"},
        ))
    return buf.getvalue()


def test_ingest_web_archive_with_a_corrupt_record_stores_the_rest(tmp_path, stand_in):
    pages = [(f"https://news.example/story-{i}", invented(i)) for i in range(4)]
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(_warc(pages[:2]) + b"\x00 not a WARC record \x00\n" * 40 + _warc(pages[2:]))
    db = tmp_path / "corpus.db"
    summary, errors = run([str(archive)], db, batch_size=3)
    assert (summary.stored, summary.failed) == (4, 1)
    assert len(errors) == 1 and errors[0].startswith(f"E029 {archive}")
    with sqlite3.connect(db) as con:
        urls = [u for (u,) in con.execute("SELECT url FROM articles ORDER BY id")]
    assert urls == [uri for uri, _ in pages]
    # Skipped by URL on a second run, before analysis (the corrupt record fails again).
    stand_in.seen.clear()
    again, _ = run([str(archive)], db, batch_size=3)
    assert (again.stored, again.skipped, again.failed, stand_in.seen) == (0, 4, 1, [])


@pytest.mark.parametrize("method", ["add", "known"])
def test_ingest_database_failure_stops_the_run_with_one_e031(tmp_path, stand_in, monkeypatch, method):
    """A failing database is no article's fault: one E031, not an error per article, and
    nothing silently dropped; a later run does the rest."""
    from sqlalchemy.exc import OperationalError

    from newsgraph.store import Store

    real = getattr(Store, method)
    calls = 0

    def flaky(self, *args):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OperationalError("INSERT ...", {}, Exception("database or disk is full"))
        return real(self, *args)

    monkeypatch.setattr(Store, method, flaky)
    write_corpus(tmp_path / "in", 40)
    db = tmp_path / "corpus.db"
    result = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db), "-p", "1",
                                 "--batch-size", "4"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr  # the error, then the summary: printed however the run ends
    assert lines[0].startswith(f"newsgraph: error: E031 sqlite:///{db}: database failure, ingest stopped after storing ")
    assert lines[0].endswith(": database or disk is full")
    stored = len(db_rows(db))
    assert f"after storing {stored} articles" in lines[0]
    assert lines[1].startswith(f"newsgraph: ingested {stored}: stored {stored}, ")
    assert 0 < stored < 40 if method == "add" else stored < 40

    monkeypatch.setattr(Store, method, real)
    summary, errors = run([str(tmp_path / "in")], db, batch_size=4)
    assert (summary.stored, summary.skipped, errors) == (40 - stored, stored, [])
    assert len(db_rows(db)) == 40


def test_ingest_streams_its_sources(tmp_path, stand_in, monkeypatch):
    """The sources are read as the analysis goes, never all at once (memory stays bounded)."""
    import newsgraph.io.sources
    from newsgraph.store import Store

    pulled = 0
    pulled_at_first_write: list[int] = []

    def endless(specs, **kwargs):
        nonlocal pulled
        for i in range(2000):
            pulled += 1
            yield read_text(invented(i) + f"\nSerial {i}.\n", name=f"r{i}")

    real_add = Store.add

    def spy(self, items):
        pulled_at_first_write.append(pulled)
        return real_add(self, items)

    monkeypatch.setattr(newsgraph.io.sources, "iter_sources", endless)
    monkeypatch.setattr(Store, "add", spy)
    summary, _ = run(["feed"], tmp_path / "corpus.db", batch_size=50)
    assert summary.stored == 2000
    assert pulled_at_first_write[0] <= 200  # read ahead: a lookup chunk and an analysis window


def test_ingest_bad_published_date_is_e011(tmp_path, stand_in):
    with pytest.raises(NewsgraphError) as err:
        ingest([str(tmp_path)], db=str(tmp_path / "corpus.db"), published="yesterday", progress=False)
    assert err.value.code == "E011"


def test_ingest_progress_shows_counts_on_a_terminal_only(tmp_path, stand_in, monkeypatch):
    write_corpus(tmp_path / "in", 3)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for tty, expect in ((True, True), (False, False)):
        stream = Terminal() if tty else io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        summary = ingest([str(tmp_path / "in")], db=str(tmp_path / f"corpus-{tty}.db"), n_process=1,
                         batch_size=1, progress=True)
        assert summary.stored == 3
        assert ("stored 3 · skipped 0" in stream.getvalue()) is expect


def test_ingest_summary_line_counts():
    summary = IngestSummary(stored=7, skipped=3, duplicates=2, failed=1)
    assert str(summary) == (
        "ingested 11: stored 7, skipped 3 (already stored), duplicates 2 (near-copies), failed 1"
    )




def rows_by_url(url: str) -> dict[str, tuple[int, int]]:
    """``db_rows`` for any database URL, through the store's own engine."""
    from sqlalchemy import text

    from newsgraph.store import open_store

    with open_store(url) as store, store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT a.content_hash,"
            " (SELECT count(*) FROM attributions t WHERE t.article_id = a.id),"
            " (SELECT count(*) FROM mentions m WHERE m.article_id = a.id)"
            " FROM articles a"
        )).all()
    return {h: (n_attr, n_ment) for h, n_attr, n_ment in rows}


def test_ingest_into_postgresql_stores_and_skips_as_on_sqlite(tmp_path, stand_in):
    write_corpus(tmp_path / "in", 9)
    sqlite_summary, _ = run([str(tmp_path / "in")], tmp_path / "corpus.db", batch_size=4)

    with fresh_postgres() as url:
        first = ingest([str(tmp_path / "in")], db=url, n_process=1, batch_size=4, progress=False)
        again = ingest([str(tmp_path / "in")], db=url, n_process=1, batch_size=4, progress=False)
        assert (first.stored, first.failed) == (sqlite_summary.stored, 0) == (9, 0)
        assert (again.stored, again.skipped) == (0, 9)
        assert rows_by_url(url) == rows_by_url(str(tmp_path / "corpus.db"))


def test_ingest_cli_database_that_cannot_be_opened_is_one_line(tmp_path, stand_in):
    write_corpus(tmp_path / "in", 1)
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("just some notes, not a database\n" * 100, encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(not_a_db)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2 and lines[0].startswith("newsgraph: error: E030 "), result.stderr
    assert lines[1] == "newsgraph: ingested 0: stored 0, skipped 0 (already stored), duplicates 0 (near-copies), failed 0"
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------- command line



def test_ingest_cli_prints_errors_and_the_summary_and_exits_1_on_failure(tmp_path, stand_in):
    write_corpus(tmp_path / "in", 3)
    db = tmp_path / "corpus.db"
    args = ["ingest", str(tmp_path / "in"), str(tmp_path / "gone.txt"), "--db", str(db), "-p", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"newsgraph: error: E005 {tmp_path / 'gone.txt'}: no such file or directory",
        "newsgraph: ingested 4: stored 3, skipped 0 (already stored), duplicates 0 (near-copies), failed 1",
    ]
    again = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db), "--no-progress"])
    assert again.exit_code == 0
    assert again.stderr.splitlines()[-1].startswith("newsgraph: ingested 3: stored 0, skipped 3 ")


def test_ingest_cli_bad_published_is_a_usage_error(tmp_path, stand_in):
    result = runner.invoke(app, ["ingest", str(tmp_path), "--published", "soon", "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 2
    assert result.stderr.startswith("newsgraph: error: E011 'soon' is not a date")
    assert not (tmp_path / "c.db").exists()


# ---------------------------------------------------------------- the kill test


def _committed(db: Path) -> int | None:
    """Articles committed so far, read through a read-only connection (None: not there yet)."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        return None
    try:
        return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _ingest_command(corpus: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "newsgraph", "ingest", str(corpus), "--db", str(db),
            "--processes", "1", "--batch-size", "4", "--no-progress"]


def _kill_midway(corpus: Path, db: Path, total: int) -> int:
    """Start ingest, SIGKILL it once at least 8 articles are committed; the number committed.

    Returns 0 when the run finished before it could be killed (a very fast machine).
    """
    proc = subprocess.Popen(_ingest_command(corpus, db), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while True:
            n = _committed(db)
            if n is not None and n >= 8:
                proc.send_signal(signal.SIGKILL)
                break
            if proc.poll() is not None:
                stderr = proc.stderr.read().decode() if proc.stderr else ""
                assert proc.returncode == 0, stderr
                return 0
            assert time.monotonic() < deadline, "ingest committed nothing within 60 s"
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done = _committed(db)
    assert done is not None
    return 0 if done == total else done


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_ingest_killed_midway_then_rerun_stores_every_article_exactly_once(tmp_path, nlp):
    total = 40
    corpus = tmp_path / "corpus"
    write_corpus(corpus, total)

    # The reference: one clean run, in this process (the model is loaded already).
    reference, errors = run([str(corpus)], tmp_path / "reference.db", batch_size=8)
    assert (reference.stored, reference.failed, errors) == (total, 0, [])
    expected = db_rows(tmp_path / "reference.db")
    assert len(expected) == total and all(n_attr > 0 for n_attr, _ in expected.values())

    for attempt in range(3):
        db = tmp_path / f"killed-{attempt}.db"
        committed = _kill_midway(corpus, db, total)
        if committed:
            break
    else:
        pytest.fail("ingest finished every time before it could be killed")

    # Killed mid-run: what is there is whole (every article with all its attributions).
    stored = db_rows(db)
    assert 8 <= len(stored) == committed < total
    assert {h: expected[h] for h in stored} == stored

    # Run again: it skips what is stored, does the rest, and nothing is stored twice.
    proc = subprocess.run(_ingest_command(corpus, db), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1].startswith(
        f"newsgraph: ingested {total}: stored {total - committed}, skipped {committed} (already stored)"
    )
    assert db_rows(db) == expected

