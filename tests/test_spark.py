"""The Spark job: same answers as analyze and ingest, faults survived, bad set-ups one coded line.

Spark is slow to start (a JVM, then a Python worker per core), so every test
that runs a job shares one local[2] session (``spark`` fixture) and small
inputs; only the kill test starts a second JVM, in a subprocess it kills. The
test hook ``NEWSGRAPH_TEST_CRASH_MARKER`` is set before the session starts, so
that Spark's Python workers inherit it: an article holding the marker kills
its worker with ``os._exit``, as a segfault would.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsgraph.cli import app
from newsgraph.models import Analysis, Article, Attribution, Entity, Event, Figure, LinkedSpan, Span, Time
from newsgraph.spark import tables

POISON = "NEWSGRAPH-POISON-3f9a1c"
PG_URL = os.environ.get("NEWSGRAPH_TEST_PG")
ROOT = Path(__file__).resolve().parent.parent


def _have_java() -> bool:
    return bool(os.environ.get("JAVA_HOME") or shutil.which("java"))


@pytest.fixture(scope="session")
def spark():
    """One local[2] SparkSession for every test here, quiet, with the crash hook armed."""
    pytest.importorskip("pyspark")
    if not _have_java():
        pytest.skip("no Java runtime: scripts/test installs openjdk-17-jre-headless")
    from newsgraph.spark.analyse import CRASH_MARKER_ENV
    from newsgraph.spark.job import spark_session, temporary_log_dir

    os.environ[CRASH_MARKER_ENV] = POISON
    with spark_session("local[2]", Path(temporary_log_dir())) as session:
        yield session


def run_job(inputs: list[Path | str], out: Path, **options):
    from newsgraph.spark.job import run

    return run([str(i) for i in inputs], str(out), master="local[2]", **options)


def table(out: Path, name: str) -> list[dict]:
    folder = out / name
    rows: list[dict] = []
    for part in sorted(folder.glob(f"{tables.PARTITION}=*")):
        for f in sorted(part.glob("*.parquet")):
            rows.extend(pq.read_table(f).to_pylist())
    return rows


# ---------------------------------------------------------------- tables (no Spark)


def _full_analysis() -> Analysis:
    text = "Mayor Ann Lee said on Monday the 2% rise was fair. It rained."
    def span(piece: str) -> Span:
        start = text.index(piece)
        return Span(start=start, end=start + len(piece), text=piece)

    lee = LinkedSpan(**span("Mayor Ann Lee").model_dump(), entity="E1")
    return Analysis(
        article=Article(title="Lee", authors=["A. Writer"], published="2024-03-05", text=text),
        entities=[Entity(id="E1", name="Ann Lee", type="PERSON", titles=["Mayor"], mentions=[span("Ann Lee")])],
        attributions=[Attribution(id="A1", kind="indirect", source=lee, cue=span("said"),
                                  content=[span("the 2% rise was fair")], confidence=0.75)],
        authorial=[span("It rained.")],
        figures=[Figure(id="F1", **span("2%").model_dump(), value=[1.5, 2.0], unit="percent", change="up",
                        claimed_by="A1"),
                 Figure(id="F2", **span("2%").model_dump(), value=2.0)],
        times=[Time(id="T1", **span("Monday").model_dump(), type="DATE", value="2024-03-04")],
        events=[Event(id="V1", type="CONSULT", trigger=span("said"), agent=lee, negated=True)],
        warnings=["W003 x: unbalanced quotation marks; a quote may run to the end of its paragraph"],
    )


def test_spark_tables_follow_the_models():
    schemas = tables.schemas()
    # One table per list-of-models field of Analysis, named like its JSON key, plus articles and failures.
    assert list(schemas) == ["articles", "entities", "attributions", "authorial", "figures", "times", "events",
                             "failures"]
    for name, model in tables.row_tables().items():
        assert schemas[name].names == ["article_id", "position", *model.model_fields]
    assert set(Article.model_fields) | {"warnings", "article_id", "content_hash"} <= set(schemas["articles"].names)
    assert str(schemas["figures"].field("value").type) == "string"  # number or range: JSON text
    assert str(schemas["entities"].field("mentions").type).startswith("list<item: struct<start: int64")


def test_spark_tables_rows_round_trip_to_the_same_analysis():
    analysis = _full_analysis()
    analysis.check_offsets()
    rows = tables.rows_of(analysis, aid="x", name="n", path=None, content_hash="h", input="i",
                          input_index=0, record=0)
    assert [len(rows[t]) for t in ("articles", "entities", "attributions", "figures", "events")] == [1, 1, 1, 2, 1]
    # through Parquet and back, as the loader reads it
    import pyarrow as pa

    back = {t: pa.Table.from_pylist(r, schema=tables.schemas()[t]).to_pylist() for t, r in rows.items()}
    assert tables.analysis_from(back["articles"][0], back) == analysis
    assert tables.article_id("a.txt", 1) == tables.article_id("a.txt", 1) != tables.article_id("a.txt", 2)


def test_spark_tables_pack_keeps_every_row_of_each_table_and_input_in_order(monkeypatch):
    monkeypatch.setattr(tables, "PACKED_ROWS", 2)  # blocks of two rows at most: chunking is exercised
    items = []
    for key in ("k1", "k2"):
        for n in range(3):
            rows = tables.rows_of(_full_analysis(), aid=f"{key}-{n}", name="n", path=None, content_hash="h",
                                  input=key, input_index=0, record=n)
            items += [(t, key, row) for t, table_rows in rows.items() for row in table_rows]
    blocks = list(tables.pack(iter(items)))
    assert all(1 <= count <= 2 for _, _, count, _ in blocks)
    for table, schema in tables.schemas().items():
        for key in ("k1", "k2"):
            mine = [b for b in blocks if b[0] == table and b[1] == key]
            expected = [(*(row.get(n) for n in schema.names), key) for t, k, row in items if (t, k) == (table, key)]
            assert [values for b in mine for values in tables.unpack(b)] == expected
            assert sum(b[2] for b in mine) == len(expected)



@settings(max_examples=40, deadline=None)
@given(text=st.text(min_size=1, max_size=60), cuts=st.lists(st.integers(0, 60), min_size=2, max_size=6))
def test_spark_tables_round_trip_keeps_offsets_of_any_text(text, cuts):
    import pyarrow as pa

    points = sorted(min(c, len(text)) for c in cuts)
    spans = [Span(start=a, end=b, text=text[a:b]) for a, b in itertools.pairwise(points)]
    analysis = Analysis(article=Article(text=text), authorial=spans,
                        attributions=[Attribution(id="A1", kind="direct", source=None, cue=spans[0],
                                                  content=spans[1:])] if spans else [])
    rows = tables.rows_of(analysis, aid="x", name="n", path=None, content_hash="h", input="i",
                          input_index=0, record=0)
    back = {t: pa.Table.from_pylist(r, schema=tables.schemas()[t]).to_pylist() for t, r in rows.items()}
    again = tables.analysis_from(back["articles"][0], back)
    assert again == analysis
    again.check_offsets()


# ---------------------------------------------------------------- task-written files and the commit (no Spark)


def _article_items(key: str, count: int, first: int = 0) -> list[tuple[str, str, dict]]:
    items = []
    for n in range(first, first + count):
        rows = tables.rows_of(_full_analysis(), aid=f"{key}-{n}", name=f"{key}/{n}", path=None,
                              content_hash="h", input=key, input_index=0, record=n)
        items += [(t, key, row) for t, table_rows in rows.items() for row in table_rows]
    return items


def _failure(key: str, code: str) -> tuple[str, str, dict]:
    return ("failures", key, {"input": key, "record": 0, "code": code, "message": f"{code} {key}: bad",
                              "input_index": 0})


def test_spark_files_write_rows_keeps_every_row_of_each_table_and_input_in_order(tmp_path, monkeypatch):
    from newsgraph.spark import files

    monkeypatch.setattr(files, "FLUSHED_ROWS", 2)  # row groups of two: the buffering is exercised
    # k1's rows come back after k2's: a second file, never an overwritten one.
    items = _article_items("k1", 3) + _article_items("k2", 2) + _article_items("k1", 1, first=3)
    items.append(_failure("k2", "E002"))
    result = files.write_rows(iter(items), tmp_path / "task")
    assert result.counts["articles"] == 6 and result.counts["failures"] == 1
    assert result.messages == ["E002 k2: bad"]
    for name in tables.table_names():
        for key in ("k1", "k2"):
            folder = tmp_path / "task" / name / f"{tables.PARTITION}={key}"
            expected = [row for t, k, row in items if (t, k) == (name, key)]
            assert ((name, key) in result.written) == bool(expected)
            back = [r for f in sorted(folder.glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
            assert back == [{n: row.get(n) for n in tables.schemas()[name].names} for row in expected]
    assert len(list((tmp_path / "task" / "articles" / f"{tables.PARTITION}=k1").glob("*.parquet"))) == 2


def _rows_by_key(out: Path, name: str) -> dict[str, list]:
    rows = table(out, name)
    return {r["article_id"] if "article_id" in r else r["input"]: r for r in rows} | {"count": len(rows)}


def test_spark_files_commit_takes_the_successful_attempts_and_replaces_whole_inputs(tmp_path):
    from newsgraph.spark import files

    out = tmp_path / "out"
    staging = files.new_staging(out)
    # Run 1: k1 (3 articles), k2 (one article and a failure). A failed attempt wrote k1 too.
    files.write_rows(iter(_article_items("k1", 2)), files.task_folder(str(staging), 0, 0))  # died
    done = [files.write_rows(iter(_article_items("k1", 3)), files.task_folder(str(staging), 0, 1)),
            files.write_rows(iter([*_article_items("k2", 1), _failure("k2", "E029")]),
                             files.task_folder(str(staging), 1, 0))]
    files.commit(out, staging, done, {"k1", "k2"})
    assert sorted(r["article_id"] for r in table(out, "articles")) == ["k1-0", "k1-1", "k1-2", "k2-0"]
    assert [r["code"] for r in table(out, "failures")] == ["E029"]
    assert not (out / files.STAGING).exists()
    assert all((out / name / "_SUCCESS").exists() for name in tables.table_names())
    # Run 2 over k2 alone, fixed: its failure row goes; k1 (not in the run) stays as it was.
    staging = files.new_staging(out)
    done = [files.write_rows(iter(_article_items("k2", 2)), files.task_folder(str(staging), 0, 0))]
    files.commit(out, staging, done, {"k2"})
    assert sorted(r["article_id"] for r in table(out, "articles")) == ["k1-0", "k1-1", "k1-2", "k2-0", "k2-1"]
    assert table(out, "failures") == []
    assert len(table(out, "attributions")) == 5


def test_spark_files_commit_of_files_the_driver_cannot_see_is_one_line_and_moves_nothing(tmp_path):
    """On a cluster, a local --out on the executors' own disks: the driver finds no task folder."""
    from newsgraph.errors import NewsgraphError
    from newsgraph.spark import files

    out = tmp_path / "out"
    staging = files.new_staging(out)
    done = [files.write_rows(iter(_article_items("k1", 1)), tmp_path / "elsewhere")]
    shutil.rmtree(tmp_path / "elsewhere")  # as if written on another machine
    with pytest.raises(NewsgraphError) as caught:
        files.commit(out, staging, done, {"k1"})
    assert caught.value.code == "E067" and "\n" not in str(caught.value)
    assert not (out / "articles").exists()


def test_spark_files_commit_interrupted_then_run_again_has_each_row_once(tmp_path, monkeypatch):
    from newsgraph.spark import files

    out = tmp_path / "out"
    keys = [f"k{i}" for i in range(4)]

    def run_once() -> None:
        staging = files.new_staging(out)
        done = [files.write_rows(iter(_article_items(k, 2)), files.task_folder(str(staging), i, 0))
                for i, k in enumerate(keys)]
        files.commit(out, staging, done, set(keys))

    run_once()
    real_replace = os.replace
    calls = []

    def dying_replace(src, dst):
        calls.append(src)
        if len(calls) == 12:  # renames: old folder out, new in; this is the second table's new k1
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        run_once()
    monkeypatch.setattr(os, "replace", real_replace)
    # Half committed: an input is there once or (in the table being replaced) not at all, never twice.
    ids = [r["article_id"] for r in table(out, "entities")]
    assert len(ids) == len(set(ids)) == 6 and "k1-0" not in ids
    assert len(table(out, "articles")) == 8
    run_once()
    for name in ("articles", "entities", "attributions"):
        ids = sorted(r["article_id"] for r in table(out, name))
        assert ids == sorted(f"{k}-{n}" for k in keys for n in range(2)), name
    assert not (out / files.STAGING).exists()


# ---------------------------------------------------------------- bad set-ups: one coded line, no Java


def test_spark_cli_wrong_master_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text("Officials said the pier would open.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["spark", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
                                      "--master", "locl[2]"])
    assert result.exit_code == 1
    assert result.stderr.startswith("newsgraph: error: E062 'locl[2]' is not a Spark master URL")
    assert len(result.stderr.splitlines()) == 1
    result = CliRunner().invoke(app, ["spark", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
                                      "--master", "spark://127.0.0.1:9"])
    assert result.exit_code == 1 and result.stderr.startswith("newsgraph: error: E063 spark://127.0.0.1:9")


def test_spark_cli_trained_model_missing_is_one_line(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("Officials said the pier would open.\n", encoding="utf-8")
    monkeypatch.setenv("NEWSGRAPH_MODEL", str(tmp_path / "no-model"))
    result = CliRunner().invoke(app, ["spark", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
                                      "--master", "local[1]", "--model", "neural"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"newsgraph: error: E032 {tmp_path / 'no-model'}: no trained attribution model")
    assert len(result.stderr.splitlines()) == 1


def test_spark_cli_missing_java_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text("Officials said the pier would open.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv: python, no java
    proc = subprocess.run([sys.executable, "-m", "newsgraph", "spark", str(tmp_path / "a.txt"), "--out",
                           str(tmp_path / "o")], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "newsgraph: error: E061 no Java runtime for Spark (no java on PATH and JAVA_HOME is not set): "
        "install Java 17 or set JAVA_HOME"
    ]


def test_spark_cli_unreachable_input_is_one_line_and_starts_nothing(tmp_path):
    result = CliRunner().invoke(app, ["spark", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o"),
                                      "--master", "local[1]"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == f"newsgraph: error: E005 {tmp_path / 'nowhere'}: no such file or directory"
    assert lines[-1].startswith("newsgraph: spark: analysed 0, failed 1")
    assert "Exception" not in result.stderr and "at org." not in result.stderr


def test_spark_load_not_a_dataset_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["load", str(tmp_path), "--db", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"newsgraph: error: E065 {tmp_path}: not a newsgraph Spark dataset: no articles/ folder"


# ---------------------------------------------------------------- same answers as analyze and ingest


def test_spark_polnear_dev_equals_analyze(spark, shared, tmp_path):
    """Over all 84 PolNeAR dev texts, the dataset holds exactly what ``newsgraph analyze`` prints."""
    dev = shared / "polnear" / "dev" / "text"
    result = CliRunner().invoke(app, ["analyze", str(dev)])
    assert result.exit_code == 0, result.stderr
    expected = {obj["path"]: obj for obj in map(json.loads, result.stdout.splitlines())}
    assert len(expected) == 84

    summary = run_job([dev], tmp_path / "out", partitions=4, corpus=False)
    assert (summary.analysed, summary.failed) == (84, 0)
    from newsgraph.spark.load import analyses

    articles = {r["article_id"]: r for r in table(tmp_path / "out", "articles")}
    got = {}
    for analysis, name in analyses(tmp_path / "out"):
        head = next(r for r in articles.values() if r["name"] == name)
        got[head["path"]] = {"name": name, "path": head["path"], **analysis.model_dump(mode="json")}
    assert set(got) == set(expected)
    for path, obj in expected.items():
        assert got[path]["article"] == obj["article"], path
        assert got[path]["attributions"] == obj["attributions"], path
        assert got[path] == obj, path  # and everything else: entities, authorial, warnings
    # Rows are where the analysis put them: offsets hold in the stored text.
    texts = {r["article_id"]: r["text"] for r in articles.values()}
    for row in table(tmp_path / "out", "attributions"):
        for span in [row["cue"], *row["content"]]:
            assert texts[row["article_id"]][span["start"] : span["end"]] == span["text"]


def _answers(db: str, speakers: list[str]) -> dict:
    runner = CliRunner()
    out = {}
    result = runner.invoke(app, ["actors", "--db", db, "--top", "100", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    out["actors"] = json.loads(result.stdout)
    for speaker in speakers:
        result = runner.invoke(app, ["quotes", "--db", db, "--speaker", speaker, "--format", "json"])
        assert result.exit_code == 0, result.stderr
        out[f"quotes {speaker}"] = json.loads(result.stdout)
        result = runner.invoke(app, ["actor", speaker, "--db", db, "--format", "json"])
        out[f"actor {speaker}"] = (result.exit_code, result.stdout, result.stderr)
    return out


def _corpus(directory: Path, n: int) -> list[Path]:
    from test_ingest import write_corpus

    paths = write_corpus(directory, n)
    # a near-copy of the first (wire copy), so copies and quote keys are exercised too
    (directory / "report-copy.txt").write_text(paths[0].read_text(encoding="utf-8") + "\nAP contributed.\n",
                                               encoding="utf-8")
    return paths


def test_spark_load_answers_like_ingest(spark, tmp_path):
    from newsgraph.store.ingest import ingest

    _corpus(tmp_path / "in", 10)
    summary = run_job([tmp_path / "in"], tmp_path / "out", partitions=3)
    assert (summary.analysed, summary.failed) == (11, 0)
    # The same batch size as ingest: actor ids are given out per batch (in key order).
    loaded = CliRunner().invoke(app, ["load", str(tmp_path / "out"), "--db", str(tmp_path / "loaded.db"),
                                      "--batch-size", "4"])
    assert loaded.exit_code == 0, loaded.stderr
    assert "stored 11" in loaded.stderr and "duplicates 1" in loaded.stderr
    ingest([str(tmp_path / "in")], db=str(tmp_path / "ingested.db"), n_process=1, batch_size=4, progress=False)

    actors = _answers(str(tmp_path / "ingested.db"), [])["actors"]
    speakers = [row["name"] for row in actors[:6]] + ["Varga", "id:1"]
    assert _answers(str(tmp_path / "loaded.db"), speakers) == _answers(str(tmp_path / "ingested.db"), speakers)

    # The corpus-wide Spark tables agree with what the store decided on the same articles.
    store_side, spark_side = _store_corpus(str(tmp_path / "ingested.db")), _spark_corpus(tmp_path / "out")
    # Actors: the same key for every stored entity as the store gave it.
    store_keys = {(h, e): k for h, e, k in store_side.pop("actors")}
    spark_keys = {(h, e): k for h, e, k in spark_side.pop("actors")}
    assert store_keys.keys() == spark_keys.keys()
    assert store_keys == spark_keys, sorted(set(store_keys.items()) ^ set(spark_keys.items()))
    assert store_side == spark_side  # copies, quote keys and variants: exactly the same

    # Loading again stores nothing twice.
    again = CliRunner().invoke(app, ["load", str(tmp_path / "out"), "--db", str(tmp_path / "loaded.db")])
    assert again.exit_code == 0 and "stored 0, skipped 11" in again.stderr

    if PG_URL:  # the same on PostgreSQL
        import uuid

        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url
        from sqlalchemy.pool import NullPool

        from newsgraph.store import normalize_url

        base = make_url(normalize_url(PG_URL))
        names = [f"ng_{uuid.uuid4().hex[:16]}" for _ in range(2)]
        admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            loaded_url, ingested_url = (base.set(database=n).render_as_string(hide_password=False) for n in names)
            loaded = CliRunner().invoke(app, ["load", str(tmp_path / "out"), "--db", loaded_url, "--batch-size", "4"])
            assert loaded.exit_code == 0, loaded.stderr
            ingest([str(tmp_path / "in")], db=ingested_url, n_process=1, batch_size=4, progress=False)
            assert _answers(loaded_url, speakers) == _answers(ingested_url, speakers)
        finally:
            with admin.connect() as conn:
                for name in names:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


# Invented reports where the store decides by evidence: two people of one surname (a woman and a
# man, one more prominent), a lone surname with an honorific, a title, and two middle initials.
EVIDENCE_REPORTS = [
    "Mayor Anna Kovar said the bridge would reopen. Kovar told reporters she was confident.",
    "Anna Kovar told the council the budget was fair. Councillor Peter Kovar disagreed with her plan.",
    "Mrs. Kovar said the vote would be held on Friday. She thanked the residents.",
    "Peter Kovar said the road needed repairs. Mr. Kovar added that he would wait.",
    "George H. W. Bush said the treaty was signed. Bush praised the negotiators.",
    "George W. Bush said the war would end soon. Bush told troops to be patient.",
    "Governor Bush said on Monday that taxes would fall. Anna Kovar agreed with Kovar.",
    "Kovar said the bridge was safe. The mayor thanked the engineers.",
]


def test_spark_actor_keys_decide_by_evidence_as_the_store(spark, tmp_path):
    """Lone surnames, honorifics and middle initials: every entity gets the store's actor key."""
    from newsgraph.store.ingest import ingest

    (tmp_path / "in").mkdir()
    for i, text in enumerate(EVIDENCE_REPORTS):
        (tmp_path / "in" / f"r{i}.txt").write_text(text + "\n", encoding="utf-8")
    summary = run_job([tmp_path / "in"], tmp_path / "out", partitions=2)
    assert (summary.analysed, summary.failed) == (len(EVIDENCE_REPORTS), 0)
    ingest([str(tmp_path / "in")], db=str(tmp_path / "ingested.db"), n_process=1, batch_size=4, progress=False)
    store_keys = {(h, e): k for h, e, k in _store_corpus(str(tmp_path / "ingested.db"))["actors"]}
    spark_keys = {(h, e): k for h, e, k in _spark_corpus(tmp_path / "out", quoted=False)["actors"]}
    assert store_keys == spark_keys, sorted(set(store_keys.items()) ^ set(spark_keys.items()))
    keys = set(spark_keys.values())
    # The cases are there: both Kovars, both Bushes told apart by their middle initials.
    assert {"person:anna kovar", "person:peter kovar", "person:george bush"} <= keys, sorted(keys)
    assert any(k.startswith("person:george ") and k.endswith(" bush") and k != "person:george bush" for k in keys)


def _store_corpus(db: str) -> dict:
    from sqlalchemy import create_engine, text

    from newsgraph.store import normalize_url

    engine = create_engine(normalize_url(db))
    with engine.connect() as conn:
        hashes = dict(conn.execute(text("SELECT id, content_hash FROM articles")).all())
        keys = dict(conn.execute(text("SELECT id, key FROM actors")).all())
        quote_keys = dict(conn.execute(text("SELECT id, key FROM quotes")).all())
        out = {
            "actors": {(hashes[a], local, keys[actor]) for a, local, actor in
                       conn.execute(text("SELECT article_id, local_id, actor_id FROM mentions"))},
            "copies": {(hashes[a], hashes[c]) for a, c in
                       conn.execute(text("SELECT id, copy_of FROM articles WHERE copy_of IS NOT NULL"))},
            "quotes": {(hashes[a], local, quote_keys[q]) for a, local, q in conn.execute(text(
                "SELECT article_id, local_id, quote_id FROM attributions WHERE quote_id IS NOT NULL"))},
            "variants": {(k, quote_keys[v]) for k, v in
                         conn.execute(text("SELECT key, variant_of FROM quotes WHERE variant_of IS NOT NULL"))},
        }
    engine.dispose()
    return out


def _spark_corpus(out: Path, quoted: bool = True) -> dict:
    hashes = {r["article_id"]: r["content_hash"] for r in table(out, "articles")}
    attribution_ids = {(r["article_id"], r["position"]): r["id"] for r in table(out, "attributions")}

    def rows(name: str) -> list[dict]:
        return [r for f in sorted((out / name).glob("*.parquet")) for r in pq.read_table(f).to_pylist()]

    # The store keeps one mentions row per (entity, actor) that has mentions.
    mentioned = {(r["article_id"], r["id"]) for r in table(out, "entities") if r["mentions"]}
    quotes = rows("corpus_quotes")
    assert rows("corpus_actors") and (quotes or not quoted)
    return {
        "actors": {(hashes[r["article_id"]], r["entity"], r["actor_key"]) for r in rows("corpus_actor_keys")
                   if (r["article_id"], r["entity"]) in mentioned},
        "copies": {(hashes[r["article_id"]], hashes[r["copy_of"]]) for r in rows("corpus_copies")},
        "quotes": {(hashes[r["article_id"]], attribution_ids[(r["article_id"], r["position"])], r["quote_key"])
                   for r in quotes},
        "variants": {(r["quote_key"], r["variant_of"]) for r in quotes if r["variant_of"]},
    }


def test_spark_near_duplicates_are_the_pairs_the_store_index_finds(spark):
    """The Spark join over LSH bands finds the clusters the store's own index and rule find, at both
    of the store's thresholds (the same ``dedupe.signature``, bands and ``similarity``)."""
    from test_ingest import invented

    from newsgraph.spark.corpus import near_duplicate_roots
    from newsgraph.store.dedupe import ARTICLE_THRESHOLD, QUOTE_THRESHOLD, NearDuplicateIndex, signature

    texts = []
    for i in range(6):
        base = invented(i)
        texts += [base, base + "\nAP contributed to this report.\n", base.replace("Monday", "Tuesday", 1)]
        lede, rest = base.split("\n\n", 1)
        texts.append(f"Updated: {lede} (corrected)\n\n" + rest[: len(rest) // 2])  # a shortened rewrite
    signed = [(f"a{i}", i, signature(t)) for i, t in enumerate(texts)]
    for threshold in (ARTICLE_THRESHOLD, QUOTE_THRESHOLD):
        # The store's rule, row by row: join the earliest cluster root among the earlier rows found.
        index, roots = NearDuplicateIndex(threshold), {}
        for ident, order, sig in signed:
            found = index.query(sig)
            if found:
                roots[ident] = min((roots.get(f"a{k}", f"a{k}") for k in found), key=lambda r: int(r[1:]))
            index.add(order, sig)
        got = near_duplicate_roots(spark, spark.sparkContext.parallelize(signed, 3), threshold)
        assert got == roots, threshold
        assert len(roots) >= 12  # near duplicates are there to find


# ---------------------------------------------------------------- inputs on Hadoop's filesystems


def _by_record(out: Path, name: str) -> dict:
    """A table's rows keyed by input file name, record and position, without the path-derived ids."""
    where = {r["article_id"]: (Path(r["input"]).name, r["record"]) for r in table(out, "articles")}
    drop = {"article_id", "input", "input_index", "path", tables.PARTITION}
    return {(*where[r["article_id"]], r.get("position")): {k: v for k, v in r.items() if k not in drop}
            for r in table(out, name)}


def test_spark_file_uri_inputs_read_through_hadoop_as_local_paths(spark, tmp_path):
    """file:// URIs (as hdfs:// or s3a://) are listed and read by Spark: the same rows as local paths."""
    from test_ingest import _warc, invented, write_corpus

    write_corpus(tmp_path / "in", 2)
    pages = [(f"https://news.example/uri-{i}", invented(i + 30)) for i in range(2)]
    (tmp_path / "in" / "crawl.warc.gz").write_bytes(_warc(pages))
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02\x03 not text")
    (tmp_path / "in" / ".hidden.txt").write_text("Hidden files are skipped, she said.\n", encoding="utf-8")
    local = run_job([tmp_path / "in"], tmp_path / "local", partitions=2, corpus=False)
    missing = (tmp_path / "missing").as_uri()
    uri = run_job([(tmp_path / "in").as_uri(), missing], tmp_path / "uri", partitions=2, corpus=False)
    assert (local.analysed, local.failed) == (4, 1), local.messages
    assert (uri.analysed, uri.failed) == (4, 2), uri.messages
    for name in ("articles", "attributions", "entities"):
        assert _by_record(tmp_path / "uri", name) == _by_record(tmp_path / "local", name), name
    inputs = {r["input"] for r in table(tmp_path / "uri", "articles")}
    assert all(i.startswith("file:") and i.endswith((".txt", ".warc.gz")) for i in inputs), inputs
    failures = {r["code"]: r for r in table(tmp_path / "uri", "failures")}
    assert set(failures) == {"E002", "E005"}
    assert failures["E002"]["input"].startswith("file:") and failures["E002"]["input"].endswith("binary.txt")
    assert "newsgraph-input-" not in failures["E002"]["message"]  # labelled by its URI, not the local copy
    assert failures["E005"]["input"] == missing


def test_spark_out_uri_is_written_through_hadoop_with_the_same_rows(spark, tmp_path):
    """An --out URI (as hdfs:// or s3a://) is written by Spark itself: the same tables as a local
    path, the corpus tables too, and the log kept in a local folder, not in the dataset."""
    from test_ingest import write_corpus

    write_corpus(tmp_path / "in", 3)
    local = run_job([tmp_path / "in"], tmp_path / "local", partitions=2)
    remote = run_job([tmp_path / "in"], (tmp_path / "remote").as_uri(), partitions=2)
    assert (remote.analysed, remote.failed) == (local.analysed, local.failed) == (3, 0)
    for name in ("articles", "attributions", "entities"):
        assert _by_record(tmp_path / "remote", name) == _by_record(tmp_path / "local", name), name
    assert {p.name for p in (tmp_path / "remote").iterdir()} >= {"articles", "corpus_actors"}
    assert not (tmp_path / "remote" / "_logs").exists()
    assert tmp_path / "remote" not in Path(remote.log).parents


# ---------------------------------------------------------------- faults


def test_spark_files_check_shared_fails_fast_where_executors_miss_the_folder(spark, tmp_path, monkeypatch):
    """Before any analysis on a cluster: the tasks look for a file the driver wrote in --out."""
    from newsgraph.errors import NewsgraphError
    from newsgraph.spark import files

    context = spark.sparkContext
    (tmp_path / "here.txt").write_text("x", encoding="utf-8")
    assert files.executors_see(context, str(tmp_path / "here.txt"))
    assert not files.executors_see(context, str(tmp_path / "elsewhere.txt"))
    staging = files.new_staging(tmp_path / "out")
    files.check_shared(context, staging)  # local mode: the same disk
    assert list(staging.iterdir()) == []  # the probe is gone
    monkeypatch.setattr(files, "executors_see", lambda context, path: False)  # a cluster's own disks
    with pytest.raises(NewsgraphError) as caught:
        files.check_shared(context, staging)
    assert caught.value.code == "E067" and str(tmp_path / "out") in str(caught.value)
    assert list(staging.iterdir()) == []


def test_spark_poison_input_fails_one_task_and_the_job_finishes(spark, tmp_path):
    from test_ingest import _warc, invented, write_corpus

    write_corpus(tmp_path / "in", 3)
    (tmp_path / "in" / "poison.txt").write_text(f"Officials said the {POISON} was safe.\n", encoding="utf-8")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02\x03 not text")
    pages = [(f"https://news.example/story-{i}", invented(i + 20)) for i in range(3)]
    (tmp_path / "in" / "crawl.warc.gz").write_bytes(_warc(pages[:2]) + b"\x00 not a WARC record \x00\n" * 40
                                                    + _warc(pages[2:]))
    summary = run_job([tmp_path / "in"], tmp_path / "out", partitions=2, corpus=False)
    assert (summary.analysed, summary.failed) == (6, 3), summary.messages
    failures = {Path(r["input"]).name: r for r in table(tmp_path / "out", "failures")}
    assert failures["binary.txt"]["code"] == "E002"
    assert failures["crawl.warc.gz"]["code"] == "E029"  # the corrupt record; the archive's 3 pages are read
    # E060 exists only on a retried task that isolated the crash: the worker died, Spark retried.
    assert failures["poison.txt"]["code"] == "E060"
    assert "crashed its worker process" in failures["poison.txt"]["message"]
    articles = table(tmp_path / "out", "articles")
    assert sorted(Path(r["input"]).name for r in articles) == [
        "crawl.warc.gz", "crawl.warc.gz", "crawl.warc.gz", "report-000.txt", "report-001.txt", "report-002.txt"]
    assert sorted(r["url"] for r in articles if r["url"]) == [uri for uri, _ in pages]


def _spark_command(inputs: Path, out: str) -> list[str]:
    return [sys.executable, "-m", "newsgraph.spark", str(inputs), "--out", out, "--master", "local[1]",
            "--partitions", "6"]


@pytest.mark.parametrize("as_uri", [False, True], ids=["tasks-write", "spark-writes"])
def test_spark_killed_midway_then_rerun_has_each_article_once(spark, tmp_path, as_uri):
    """Killed halfway, run again (twice): every article exactly once. A local --out is written by
    the tasks and committed at the end, so the kill comes while tasks have written but nothing is
    committed; an --out URI is written table by table by Spark, so it comes after the first table."""
    from test_ingest import write_corpus

    from newsgraph.spark.files import STAGING

    write_corpus(tmp_path / "in", 12)
    out = tmp_path / "out"
    target = out.as_uri() if as_uri else str(out)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    proc = subprocess.Popen(_spark_command(tmp_path / "in", target), env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    halfway = f"articles/{tables.PARTITION}=*" if as_uri else f"{STAGING}/*/*/articles/{tables.PARTITION}=*/*"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if list(out.glob(halfway)):
                break
            time.sleep(0.2)
        running = proc.poll() is None
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert running, "the job finished before it could be killed"
    if not as_uri:  # nothing committed before the end
        assert not list(out.glob(f"*/{tables.PARTITION}=*"))
    for _ in range(2):
        summary = run_job([tmp_path / "in"], target, partitions=3, corpus=False)
        assert (summary.analysed, summary.failed) == (12, 0)
        for name in ("articles", "attributions", "entities"):
            rows = table(out, name)
            keys = [(r["article_id"], r.get("position")) for r in rows]
            assert len(keys) == len(set(keys)), name
        assert len(table(out, "articles")) == 12
        assert {r["article_id"] for r in table(out, "attributions")} == {r["article_id"] for r in table(out, "articles")}
        assert not (out / STAGING).exists()
