"""``newsgraph ingest DIR --metadata FILE``: a side file dates and names plain-text articles.

The analysis is the ingest tests' stand-in (no spaCy), except for the PolNeAR
check, which runs the real pipeline on the dev split with the corpus's own
``metadata.tsv`` (skipped when /work/shared is not there).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_ingest import runner, stand_in, write_corpus  # noqa: F401  (stand_in is a fixture)

from newsgraph.cli import app
from newsgraph.io.metadata import read_metadata
from newsgraph.store.ingest import ingest

POLNEAR = Path("/work/shared/polnear")


def stored(db: Path) -> dict[str, tuple]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT name, title, outlet, published, authors, url FROM articles").fetchall()
    return {r[0]: (r[1], r[2], _day(r[3]), *r[4:]) for r in rows}


def _day(value: object) -> str | None:
    """A stored date (an integer YYYYMMDD since the compact storage) as YYYY-MM-DD."""
    if value is None:
        return None
    digits = str(value).replace("-", "")
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


def ingest_with(tmp_path: Path, metadata: str | bytes, n: int = 3) -> tuple[object, list[str], Path]:
    write_corpus(tmp_path / "in", n)
    meta = tmp_path / "meta.tsv"
    meta.write_bytes(metadata if isinstance(metadata, bytes) else metadata.encode("utf-8"))
    warnings: list[str] = []
    db = tmp_path / "c.db"
    summary = ingest(
        [str(tmp_path / "in")], db=str(db), n_process=1, progress=False, metadata=meta, on_warning=warnings.append
    )
    return summary, warnings, db


def test_metadata_tsv_fills_title_date_outlet_authors_and_url(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    summary, warnings, db = ingest_with(
        tmp_path,
        "filename\ttitle\tpublication_date\tpublisher\tauthor\turl\n"
        "report-000.txt\tBridge row\t2016-09-12\tThe Courier\tAna Bell; Jo Park\thttps://example.org/a\n"
        "report-001\tLibrary cuts\t2016-10-01\tNone\tNone\t\n",
    )
    assert (summary.stored, warnings) == (3, [])
    rows = stored(db)
    assert rows["report-000"][:3] == ("Bridge row", "The Courier", "2016-09-12")
    assert "Ana Bell" in rows["report-000"][3] and "Jo Park" in rows["report-000"][3]
    assert rows["report-000"][4] == "https://example.org/a"
    assert rows["report-001"][:3] == ("Library cuts", None, "2016-10-01")  # "None" is no outlet
    assert rows["report-002"][2] is None  # no row: undated, as before


def test_metadata_csv_with_id_column_and_attributions_get_the_date(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    _, warnings, db = ingest_with(tmp_path, "id,published,outlet\nreport-002,2020-01-31,Gazette\n")
    assert warnings == []
    with sqlite3.connect(db) as con:
        dates = con.execute(
            "SELECT DISTINCT t.published FROM attributions t JOIN articles a ON a.id = t.article_id"
            " WHERE a.name = 'report-002'"
        ).fetchall()
    assert [_day(d) for (d,) in dates] == ["2020-01-31"]
    assert stored(db)["report-002"][1] == "Gazette"


def test_metadata_bad_rows_are_one_warning_each_and_articles_are_stored(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    summary, warnings, db = ingest_with(
        tmp_path,
        "filename\tpublished\toutlet\n"
        "report-000\tlast tuesday\tA\n"
        "report-001\t2016-09-12\tB\n"
        "report-001\t2016-09-13\tC\n"
        "nobody-1\t2016-09-12\tD\n"
        "nobody-2\t2016-09-12\tD\n",
    )
    assert summary.stored == 3 and summary.failed == 0
    codes = [w.split(" ", 1)[0] for w in warnings]
    assert codes == ["W008", "W007", "W006"], warnings
    assert "line 2" in warnings[0] and "'last tuesday'" in warnings[0]
    assert "line 4" in warnings[1] and "'report-001'" in warnings[1]
    assert "2 metadata row(s)" in warnings[2] and "'nobody-1'" in warnings[2]
    rows = stored(db)
    assert rows["report-000"][1:3] == ("A", None)  # the outlet kept, the bad date dropped
    assert rows["report-001"][1:3] == ("B", "2016-09-12")  # the first of the duplicates


def test_metadata_without_id_column_warns_and_stores_everything(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    summary, warnings, db = ingest_with(tmp_path, "title\tpublished\nX\t2016-01-01\n")
    assert summary.stored == 3
    assert len(warnings) == 1 and warnings[0].startswith("W005 ") and "filename" in warnings[0]
    assert all(r[2] is None for r in stored(db).values())


def test_metadata_in_another_encoding_is_read_with_a_warning(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    _, warnings, db = ingest_with(tmp_path, "filename\toutlet\nreport-000\tLe Monde Diplomatique \xe9t\xe9\n".encode("cp1252"))
    assert [w.split(" ", 1)[0] for w in warnings] == ["W009"]
    assert stored(db)["report-000"][1] == "Le Monde Diplomatique été"


def test_metadata_cli_prints_warnings_and_a_missing_file_is_one_error(tmp_path, stand_in):  # noqa: F811 (the imported fixture)
    write_corpus(tmp_path / "in", 2)
    meta = tmp_path / "m.csv"
    meta.write_text("filename,published\nreport-000,someday\n", encoding="utf-8")
    db = tmp_path / "c.db"
    result = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db), "-p", "1", "--metadata", str(meta)])
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("newsgraph: warning: W008 ") and "'someday'" in lines[0]
    assert lines[-1].startswith("newsgraph: ingested 2: stored 2")
    gone = runner.invoke(app, ["ingest", str(tmp_path / "in"), "--db", str(db), "--metadata", str(tmp_path / "x.tsv")])
    assert gone.exit_code == 1
    # one error line, then the summary every ingest ends with (nothing was stored)
    assert gone.stderr.splitlines() == [
        f"newsgraph: error: E005 {tmp_path / 'x.tsv'}: no such file or directory",
        "newsgraph: ingested 0: stored 0, skipped 0 (already stored), duplicates 0 (near-copies), failed 0",
    ]


def test_metadata_reads_polnear_metadata_ids_and_dates():
    if not (POLNEAR / "metadata.tsv").exists():
        pytest.skip("/work/shared/polnear/metadata.tsv is not there")
    meta = read_metadata(POLNEAR / "metadata.tsv")
    assert meta.warnings == []
    names = [p.stem.casefold() for p in (POLNEAR / "dev" / "text").glob("*.txt")]
    assert names and all(n in meta.rows for n in names)
    assert all("published" in meta.rows[n] and "outlet" in meta.rows[n] for n in names)


def test_metadata_polnear_dev_ingest_fills_dates_and_outlets(tmp_path):
    text = POLNEAR / "dev" / "text"
    if not text.is_dir() or not (POLNEAR / "metadata.tsv").exists():
        pytest.skip("/work/shared/polnear is not there")
    db = tmp_path / "dev.db"
    warnings: list[str] = []
    summary = ingest(
        [str(text)], db=str(db), n_process=1, progress=False,
        metadata=POLNEAR / "metadata.tsv", on_warning=warnings.append,
    )
    n = len(list(text.glob("*.txt")))
    assert summary.stored == n and summary.failed == 0
    assert [w.split(" ", 1)[0] for w in warnings] == ["W006"]  # the train and test rows name no input here
    rows = stored(db)
    assert sum(1 for r in rows.values() if r[2] is not None) == n
    assert sum(1 for r in rows.values() if r[1] is not None) == n
    with sqlite3.connect(db) as con:
        undated = con.execute("SELECT count(*) FROM attributions WHERE published IS NULL").fetchone()[0]
    assert undated == 0
