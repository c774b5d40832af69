"""Hostile input at the edges (issue 14): nothing lost in the store, every input checked where it
enters (CLI and API), and a quiet shutdown of the worker pool.

Each test is one of the cases a hostile pass over newsgraph found: a record
the database cannot store in a batch of good ones, ids and page sizes beyond
any integer column, JSON nested a million deep, NUL characters, arguments
that are not UTF-8, a symlink loop, Ctrl-C / SIGTERM / SIGKILL of
``ingest -p 2``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import fresh_postgres, stand_in_analyzer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsgraph.analysis import pipeline
from newsgraph.cli import app
from newsgraph.io.reading import ReadArticle, read_json_record
from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span
from newsgraph.store import open_store
from newsgraph.store.ingest import IngestSummary, ingest
from newsgraph.web import create_app

TOKEN = "edge-token"
BATCH = 32
HUGE = "99999999999999999999"  # above 2**63 - 1: no integer column holds it
SRC = Path(__file__).resolve().parents[1] / "src"
runner = CliRunner()


def report(n: int, *, title: str | None = None, extra: str = "") -> Analysis:
    """A small article with one actor and one attribution, built without spaCy; ``n`` makes it unique."""
    name = f"Ada Quill{n}"
    text = f"Harbour report {n}\n\n{name} said the pier number {n} would open in May.{extra}\n"
    start = text.index(name)
    cue = text.index(" said") + 1
    content = text.index("the pier")
    end = text.index(" would") + len(" would open in May")
    return Analysis(
        article=Article(title=title or f"Harbour report {n}", published="2024-03-05", outlet="Harbor Times",
                        url=f"https://harbor.example/{n}", text=text),
        entities=[Entity(id="E1", name=name, type="PERSON",
                         mentions=[Span(start=start, end=start + len(name), text=name)])],
        attributions=[Attribution(
            id="A1", kind="indirect",
            source=LinkedSpan(start=start, end=start + len(name), text=name, entity="E1"),
            cue=Span(start=cue, end=cue + 4, text="said"),
            content=[Span(start=content, end=end, text=text[content:end])],
        )],
    )


# Records no database can store, built directly (not through the reader, which cleans text).
POISONS: dict[str, Callable[[int], Analysis]] = {
    "surrogate in the text": lambda n: report(n, extra=" Bad \ud800 byte."),
    "surrogate in the title": lambda n: report(n, title="Harbour \udc80 report"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty corpus database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.db")
        return
    with fresh_postgres() as url:
        yield url


def _count(url: str, sql: str) -> int:
    from sqlalchemy import text

    with open_store(url) as store, store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


# ---------------------------------------------------------------- nothing lost in the store


@pytest.mark.parametrize(
    ("poison", "positions"),
    [("surrogate in the title", range(BATCH)), ("surrogate in the text", (0, 1, 16, BATCH - 1))],
)
def test_store_poison_record_at_every_position_fails_alone(db_url, poison, positions):
    """A batch of 32 with one record the database refuses, at each of the 32 positions: 31 stored,
    1 failed with its position and a one-line reason (no SQL), every time."""
    with open_store(db_url) as store:
        for position in positions:
            batch = [(report(position * 100 + i), f"r{position}-{i}") for i in range(BATCH)]
            batch[position] = (POISONS[poison](position * 100 + position), f"r{position}-{position}")
            result = store.add(batch)
            assert result.stored == BATCH - 1, (position, result.failed)
            assert [p for p, _ in result.failed] == [position]
            reason = result.failed[0][1]
            assert "\n" not in reason and "INSERT" not in reason and "SELECT" not in reason
            assert "surrogate" in reason
    assert _count(db_url, "SELECT count(*) FROM articles") == len(positions) * (BATCH - 1)
    assert _count(db_url, "SELECT count(*) FROM attributions") == len(positions) * (BATCH - 1)


def test_store_nul_character_is_stored_or_fails_alone(db_url):
    """NUL: SQLite stores it; PostgreSQL refuses it in any text, and then only that article fails."""
    with open_store(db_url) as store:
        batch = [(report(i), f"r{i}") for i in range(8)]
        batch[5] = (report(5, extra=" Nul \x00 here."), "r5")
        result = store.add(batch)
    if db_url.startswith("postgresql"):
        assert (result.stored, [p for p, _ in result.failed]) == (7, [5])
    else:
        assert (result.stored, result.failed) == (8, [])
    assert _count(db_url, "SELECT count(*) FROM articles") == result.stored


def test_store_lookup_of_an_unstorable_url_does_not_fail(db_url):
    with open_store(db_url) as store:
        bad = report(1)
        bad.article = bad.article.model_copy(update={"url": "https://x.example/\ud800"})
        result = store.add([(report(0), "r0"), (bad, "r1"), (report(2), "r2")])
        assert (result.stored, [p for p, _ in result.failed]) == (2, [1])


def _poisoned(read: ReadArticle) -> Analysis:
    """The stand-in analysis: an article whose text says POISON gets a title no database stores."""
    n = int(read.name.rsplit("-", 1)[-1])
    return POISONS["surrogate in the title"](n) if "POISON" in read.article.text else report(n)


@pytest.fixture
def poisoning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "analyze_articles", stand_in_analyzer(_poisoned))


@pytest.mark.parametrize("position", [0, 13, BATCH - 1])
def test_ingest_cli_poison_record_in_a_batch_of_32_stores_the_other_31(tmp_path, poisoning, position):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for i in range(BATCH):
        body = "POISON" if i == position else "fine"
        (corpus / f"report-{i:02d}.txt").write_text(f"Report {i}\n\nA {body} article.\n", encoding="utf-8")
    db = tmp_path / "corpus.db"
    result = runner.invoke(app, ["ingest", str(corpus), "--db", str(db), "-p", "1", "--batch-size", "32"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"newsgraph: error: E019 {corpus / f'report-{position:02d}.txt'}: cannot store")
    assert lines[1] == (
        "newsgraph: ingested 32: stored 31, skipped 0 (already stored), duplicates 0 (near-copies), failed 1"
    )
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 31


def test_ingest_lone_surrogate_in_a_json_record_loses_nothing_else(tmp_path, monkeypatch):
    """The issue's case: JSON ``"\\ud800"`` in one record stopped the whole ingest (E999, nothing
    stored, no summary). Now the other records are stored, whatever becomes of that one."""
    from newsgraph.store.ingest import ingest as run_ingest

    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        pipeline, "analyze_articles",
        stand_in_analyzer(lambda read: Analysis(article=read.article, entities=[], attributions=[])),
    )
    records = [{"id": f"rec-{i}", "text": f"Record number {i} of the harbour series."} for i in range(BATCH)]
    records[7]["text"] = "Record number 7 \ud800 of the harbour series."
    path = tmp_path / "records.json"
    path.write_text(json.dumps(records), encoding="ascii")  # the escape, as a scraper would write it
    errors: list[str] = []
    summary = run_ingest([str(path)], db=str(tmp_path / "c.db"), n_process=1, progress=False,
                         on_error=lambda e: errors.append(str(e)))
    assert summary.stored + summary.failed == BATCH and summary.stored >= BATCH - 1
    assert not any(e.startswith("E999") for e in errors)
    assert all(e.startswith("E019 ") and "rec-7" in e for e in errors)


def test_ingest_nul_in_a_json_record_is_replaced_and_stored(db_url, tmp_path, monkeypatch):
    """JSON ``"\\u0000"`` passes the binary check (the file holds no NUL byte) but PostgreSQL refuses
    NUL: that article used to fail at store time on PostgreSQL alone. The reader now replaces NUL
    one for one with U+FFFD (W010), so it is stored alike on both backends, offsets intact."""
    from newsgraph.store.ingest import ingest as run_ingest

    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        pipeline, "analyze_articles",
        stand_in_analyzer(lambda read: Analysis(article=read.article, entities=[], attributions=[])),
    )
    records = [{"id": f"rec-{i}", "text": f"Record number {i} of the harbour series."} for i in range(6)]
    records[3] = {"id": "rec-\x003", "text": "Record number 3 \x00 of the\x00 harbour series.",
                  "outlet": "Harbor\x00Times"}
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(records), encoding="ascii")  # "\u0000" escapes, as a scraper writes them
    errors: list[str] = []
    summary = run_ingest([str(path)], db=db_url, n_process=1, progress=False,
                         on_error=lambda e: errors.append(str(e)))
    assert (summary.stored, summary.failed, errors) == (6, 0, [])
    read = read_json_record(records[3], name="rec-3")
    assert read.warnings[0] == "W010 rec-3: replaced 3 lone surrogate or NUL character(s) with U+FFFD"
    from sqlalchemy import select

    from newsgraph.store.schema import Article as ArticleRow

    with open_store(db_url) as store, store.engine.connect() as conn:
        row = conn.execute(
            select(ArticleRow.text, ArticleRow.outlet).where(ArticleRow.name == "rec-\ufffd3")
        ).one()
    assert tuple(row) == ("Record number 3 \ufffd of the\ufffd harbour series.", "Harbor\ufffdTimes")


def test_ingest_summary_is_filled_in_even_when_the_run_stops(tmp_path, poisoning, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from newsgraph.store import Store

    corpus = tmp_path / "in"
    corpus.mkdir()
    for i in range(12):
        (corpus / f"report-{i:02d}.txt").write_text(f"Report {i}\n\nA fine article.\n", encoding="utf-8")
    real, calls = Store.add, []

    def failing_third(self, items):
        calls.append(1)
        if len(calls) == 3:
            raise OperationalError("INSERT ...", {}, Exception("disk I/O error"))
        return real(self, items)

    monkeypatch.setattr(Store, "add", failing_third)
    summary = IngestSummary()
    with pytest.raises(Exception, match="E031"):
        ingest([str(corpus)], db=str(tmp_path / "c.db"), n_process=1, batch_size=4, progress=False,
               summary=summary)
    assert (summary.stored, summary.failed) == (8, 0)


def test_ingest_overlong_url_is_stored_without_it_and_warned(tmp_path, monkeypatch):
    long_url = "https://news.example/" + "a" * 5000
    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "analyze_articles", stand_in_analyzer(lambda read: Analysis(
        article=read.article.model_copy(update={"url": long_url}), entities=[], attributions=[])))
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"text": "Harbour news from the coast today.", "url": long_url}), encoding="utf-8")
    db = tmp_path / "c.db"
    result = runner.invoke(app, ["ingest", str(path), "--db", str(db), "-p", "1"])
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"newsgraph: warning: W011 {path}: URL is {len(long_url):,} characters, above the limit of 2,048; "
        "stored without it"
    )
    assert lines[1].startswith("newsgraph: ingested 1: stored 1,")
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT url FROM articles").fetchall() == [(None,)]


# ---------------------------------------------------------------- the CLI's arguments


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = tmp_path_factory.mktemp("edges") / "corpus.db"
    with open_store(str(db)) as store:
        assert store.add([(report(n), f"r{n}") for n in range(3)]).stored == 3
    return str(db)


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["quotes", "--speaker", f"id:{HUGE}"], f"--speaker id {HUGE}"),
        (["actor", f"id:{HUGE}"], f"id {HUGE}"),
        (["quotes", "--offset", HUGE], f"--offset {HUGE}"),
        (["quotes", "--limit", HUGE], f"--limit {HUGE}"),
        (["quotes", "--limit", "-1"], "--limit -1"),
        (["actors", "--top", HUGE], f"--top {HUGE}"),
        (["actors", "--top", "-5"], "--top -5"),
        (["actor", "Ada Quill1", "--limit", HUGE], f"--limit {HUGE}"),
        (["figures", "--speaker", f"id:{HUGE}"], f"--speaker id {HUGE}"),
        (["figures", "--offset", HUGE], f"--offset {HUGE}"),
        (["events", "--actor", f"id:{HUGE}"], f"--actor id {HUGE}"),
        (["events", "--place", f"id:{HUGE}"], f"--place id {HUGE}"),
        (["events", "--limit", "-5"], "--limit -5"),
    ],
)
def test_cli_numbers_out_of_range_are_one_coded_usage_error(corpus_db, args, named):
    result = runner.invoke(app, [*args, "--db", corpus_db])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"newsgraph: error: E050 {named}: out of range (expected ")


def test_cli_an_id_of_thousands_of_digits_is_e050_too(corpus_db):
    result = runner.invoke(app, ["actor", "id:" + "9" * 5000, "--db", corpus_db])
    assert result.exit_code == 2
    assert result.stderr.startswith("newsgraph: error: E050 id 99999999999999999999...(5000 digits): ")


def test_cli_ids_and_pages_in_range_still_answer(corpus_db):
    result = runner.invoke(app, ["quotes", "--speaker", "id:1", "--limit", "2147483647", "--offset", "0",
                                 "--format", "json", "--db", corpus_db])
    assert result.exit_code == 0, result.stderr
    assert [row["speaker"] for row in json.loads(result.stdout)] == ["Ada Quill0"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["quotes", "--speaker", "Ada\udcff"], "--speaker"),
        (["quotes", "--search", "pier\udcff"], "--search"),
        (["actor", "\udcffQuill"], "NAME"),
    ],
)
def test_cli_argument_not_utf8_is_e041_not_e999(corpus_db, args, named):
    """Python hands undecodable argv bytes over as lone surrogates (``\\udcff`` for byte 0xff)."""
    result = runner.invoke(app, [*args, "--db", corpus_db])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"newsgraph: error: E051 {named} ")
    assert "not valid UTF-8" in result.stderr and "E999" not in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="bytes in argv are POSIX")
def test_cli_argument_not_utf8_from_a_real_shell(tmp_path, corpus_db):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for args in ([b"actor", b"\xffQuill", b"--db", corpus_db.encode()],
                 [b"ingest", b"x.txt", b"--db", str(tmp_path).encode() + b"/c\xff.db"]):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"newsgraph", *args], env=env,
                              capture_output=True, timeout=120)
        stderr = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 2, stderr
        assert stderr.startswith("newsgraph: error: E051 ") and "Traceback" not in stderr


def test_cli_database_error_is_one_line_without_sql(tmp_path):
    db = tmp_path / "broken.db"
    with open_store(str(db)) as store:
        store.add([(report(1), "r1")])
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE attributions")
    result = runner.invoke(app, ["quotes", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"newsgraph: error: E052 sqlite:///{db}: database error: OperationalError")
    assert "SELECT" not in result.stderr and "[SQL" not in result.stderr


def test_reading_symlink_loop_named_directly_is_e010(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    from newsgraph.io.reading import iter_inputs

    loop, dangling = list(iter_inputs([tmp_path / "a", tmp_path / "dangling"]))
    assert str(loop).startswith(f"E010 {tmp_path / 'a'}: cannot read the file: ")
    assert str(dangling) == f"E005 {tmp_path / 'dangling'}: no such file or directory"


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_reading_json_nested_a_million_deep_is_e043(tmp_path, suffix):
    from newsgraph.io.reading import read_path

    path = tmp_path / f"deep{suffix}"
    path.write_text('{"text": "Harbour news.", "x": ' + "[" * 1_000_000 + "]" * 1_000_000 + "}\n")
    (error,) = list(read_path(path))
    assert str(error).startswith(f"E053 {path}")


# ---------------------------------------------------------------- the API's inputs


@pytest.fixture(scope="module")
def client(corpus_db: str) -> Iterator[TestClient]:
    web = create_app(corpus_db, token=TOKEN)
    with TestClient(web) as c:
        yield c
    web.state.web.close()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/quotes", {"speaker": f"id:{HUGE}"}),
        ("/api/actor", {"name": f"id:{HUGE}"}),
        ("/api/quotes", {"offset": HUGE}),
        ("/api/quotes", {"limit": HUGE}),
        ("/api/actors", {"top": HUGE}),
        ("/api/actors", {"top": "-1"}),
        ("/api/actors/" + HUGE, {}),
    ],
)
def test_web_out_of_range_numbers_are_422(client, path, params):
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    assert set(response.json()["error"]) == {"code", "message"}


def test_web_speaker_id_out_of_range_says_e050(client):
    response = client.get("/api/quotes", params={"speaker": f"id:{HUGE}"})
    assert response.json()["error"]["code"] == "E050"
    assert HUGE in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "params", "key"),
    [
        ("/api/search", {"q": "\x00"}, "actors"),
        ("/api/search", {"q": "\x00\x01"}, "quotes"),
        ("/api/quotes", {"outlet": "Harbor\x00Times"}, "items"),
        ("/api/quotes", {"speaker": "\x00"}, "items"),
        ("/api/articles", {"outlet": "\x00"}, "items"),
    ],
)
def test_web_nul_in_a_query_string_matches_nothing(client, path, params, key):
    """``/api/search?q=%00`` used to list every actor (SQLite's LIKE stops at NUL)."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.json()[key] == []


def test_store_search_for_nul_matches_nothing(corpus_db):
    """SQLite's LIKE stops at NUL: ``%\\x00%`` used to match every actor (the pages call this too)."""
    from newsgraph.store import queries
    from newsgraph.web import data

    with open_store(corpus_db) as store:
        assert data.search_actors(store, "\x00") == []
        assert data.search_actors(store, "Quill1\x00") == data.search_actors(store, "Quill1") != []
        assert queries.quotes(store, search="\x00") == []


@pytest.mark.parametrize("endpoint", ["/api/analyze", "/api/ingest"])
def test_web_deeply_nested_json_body_is_422_not_500(client, endpoint):
    for body in ("[" * 100_000 + "]" * 100_000, '{"text": "a", "x": ' + "[" * 40 + "]" * 40 + "}"):
        response = client.post(endpoint, content=body, headers={
            "content-type": "application/json", "authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "E053"


@pytest.mark.parametrize("text", ["Mayor Ada Quill said \x00 the pier was ready.", "\x01\x02\x03\x04 said"])
def test_web_nul_and_control_characters_are_refused_as_the_cli_refuses_them(client, tmp_path, text):
    response = client.post("/api/analyze", json={"text": text})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "E002"
    path = tmp_path / "same.txt"
    path.write_text(text, encoding="utf-8")
    cli = runner.invoke(app, ["analyze", str(path)])
    assert cli.exit_code == 1 and cli.stderr.startswith("newsgraph: error: E002 ")


def test_web_analyze_lone_surrogate_is_analysed_not_500(client, nlp):
    text = "Mayor Ada Quill said the pier \ud800 was ready.\n"
    response = client.post("/api/analyze", content=json.dumps({"text": text}),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    analysis = response.json()
    shown = analysis["article"]["text"]
    assert len(shown) == len(text) and "\ud800" not in shown  # one for one: offsets still hold
    for attribution in analysis["attributions"]:
        cue = attribution["cue"]
        assert shown[cue["start"]:cue["end"]] == cue["text"]


def test_web_ingest_lone_surrogate_stores_the_other_records(tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        pipeline, "analyze_articles",
        stand_in_analyzer(lambda read: Analysis(article=read.article, entities=[], attributions=[])),
    )
    web = create_app(str(tmp_path / "c.db"), token=TOKEN)
    records = [{"id": f"rec-{i}", "text": f"Record {i} of the harbour series."} for i in range(4)]
    records[2]["text"] = "Record 2 \ud800 of the harbour series."
    with TestClient(web) as c:
        response = c.post("/api/ingest", content=json.dumps(records), headers={
            "content-type": "application/json", "authorization": f"Bearer {TOKEN}"})
    web.state.web.close()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["stored"] + body["failed"] == 4 and body["stored"] >= 3


# ---------------------------------------------------------------- quiet shutdown


def _corpus(directory: Path, n: int) -> Path:
    directory.mkdir()
    for i in range(n):
        (directory / f"story-{i:03d}.txt").write_text(
            f"Story {i} about the harbour\n\nMayor Ruth Adeyemi{i} told the council on Monday that barrier "
            f'{i} was "non-negotiable".\n\n"We have studied every option for {i} years," she said.\n',
            encoding="utf-8",
        )
    return directory


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    # A session of its own: SIGINT to its group is what a terminal's Ctrl-C does.
    return subprocess.Popen(
        [sys.executable, "-m", "newsgraph", *args], env={**os.environ, "PYTHONPATH": str(SRC)},
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )


def _when(ready: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"not ready: {proc.communicate()[1].decode()[-2000:]}")
        time.sleep(0.05)


def _stderr_after(proc: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """Everything written to the shared stderr pipe until every process holding it (the parent
    and any worker) has exited: a worker left printing would keep it open past ``timeout``."""
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        pytest.fail(f"still running or writing {timeout} s after the signal: {err.decode()[-2000:]}")
    return err.decode()


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_cli_ingest_interrupted_stops_workers_quietly_with_one_line(tmp_path, sig, status):
    corpus, db = _corpus(tmp_path / "in", 200), tmp_path / "c.db"
    proc = _start(["ingest", str(corpus), "--db", str(db), "-p", "2", "-m", "rules", "--batch-size", "4",
                   "--no-progress"])
    _when(lambda: _stored(db) >= 4, proc)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)
    err = _stderr_after(proc)
    assert proc.returncode == status, err
    lines = err.splitlines()
    stored = _stored(db)
    assert len(lines) == 2, err
    assert lines[0] == (
        f"newsgraph: error: E054 interrupted by {signal.Signals(sig).name} after storing {stored} articles: "
        "run the same command again to go on (stored articles are skipped)"
    )
    assert lines[1].startswith(f"newsgraph: ingested {stored}: stored {stored}, ")
    assert 4 <= stored < 200


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_cli_ingest_parent_killed_leaves_no_worker_printing(tmp_path):
    corpus, db = _corpus(tmp_path / "in", 200), tmp_path / "c.db"
    proc = _start(["ingest", str(corpus), "--db", str(db), "-p", "2", "-m", "rules", "--batch-size", "4",
                   "--no-progress"])
    _when(lambda: _stored(db) >= 4, proc)
    proc.send_signal(signal.SIGKILL)
    err = _stderr_after(proc, timeout=30)  # the workers share the pipe: EOF means they are gone too
    assert proc.returncode == -signal.SIGKILL
    assert err == ""


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
def test_cli_analyze_terminated_stops_workers_quietly(tmp_path):
    corpus, out = _corpus(tmp_path / "in", 200), tmp_path / "out"
    proc = _start(["analyze", str(corpus), "-p", "2", "-m", "rules", "--out", str(out)])
    _when(lambda: out.is_dir() and len(list(out.iterdir())) >= 4, proc)
    proc.send_signal(signal.SIGTERM)
    err = _stderr_after(proc)
    assert proc.returncode == 143, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsgraph: error: E054 interrupted by SIGTERM after analysing ")
    assert "Traceback" not in err


def test_outcomes_internal_error_never_shows_sql():
    from sqlalchemy.exc import OperationalError

    from newsgraph.outcomes import internal_error

    error = OperationalError("SELECT secret FROM notes WHERE id = ?", {"id": 1}, Exception("disk I/O error"))
    message = str(internal_error("corpus.db", error))
    assert message == "E999 corpus.db: internal error: Exception: disk I/O error (please report this with the input)"


def _deaf_to_sigterm() -> None:
    """A pool worker that, like one whose SIGTERM was lost in the fork, does not die of it."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


@pytest.mark.skipif(os.name != "posix", reason="fork and signals are POSIX")
def test_shutdown_worker_pool_stops_a_worker_that_missed_sigterm(monkeypatch):
    import multiprocessing
    import threading

    from newsgraph import shutdown

    monkeypatch.setattr(shutdown, "STOP_GRACE", 0.5)
    workers: list = []
    done = threading.Event()

    def run() -> None:
        with shutdown.worker_pool(multiprocessing.get_context("fork"), 2, os.getpid(), _deaf_to_sigterm) as pool:
            assert pool.apply(os.getpid) > 0  # the workers are up
            workers.extend(pool._pool)
            busy = [pool.apply_async(time.sleep, (120,)) for _ in workers]
            time.sleep(1)  # both are sleeping in their task when the pool is stopped
            assert not any(b.ready() for b in busy)
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)  # with plain Pool.terminate() this waits for the deaf workers' 120 s
    assert done.is_set()
    assert len(workers) == 2 and all(p.exitcode == -signal.SIGKILL for p in workers)


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_shutdown_signals_held_waits_even_when_another_thread_takes_the_signal(sig):
    """The kernel gives a signal sent to the process to a thread that does not block it: with a
    per-thread mask, the pool's threads took it and the handler ran inside the held block (CI saw
    ingest commit a batch it then did not count)."""
    import threading

    from newsgraph.shutdown import Interrupted, interruptible, signals_held

    idle = threading.Event()
    other = threading.Thread(target=idle.wait, daemon=True)
    other.start()
    finished = False
    try:
        with pytest.raises(Interrupted) as caught, interruptible(), signals_held():
            os.kill(os.getpid(), sig)
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:  # Python code runs: the handler would run here
                sum(range(1000))
            finished = True
    finally:
        idle.set()
        other.join()
    assert finished
    assert caught.value.signal_name == signal.Signals(sig).name
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(os.name != "posix", reason="signals are POSIX")
def test_shutdown_signals_held_still_interrupts_when_the_block_fails():
    """A Ctrl-C noted during a failed commit is not lost: the run stops rather than going on."""
    from newsgraph.shutdown import Interrupted, interruptible, signals_held

    with pytest.raises(Interrupted), interruptible(), signals_held():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        raise ValueError("the batch failed")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
