"""Stored events: the events table, ``newsgraph events``, ``newsgraph export events`` and ``/api/events``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import fresh_postgres
from typer.testing import CliRunner

from newsgraph.analysis.pipeline import analyze
from newsgraph.cli import app
from newsgraph.store import open_store
from newsgraph.store.events import EVENT_COLUMNS, events
from newsgraph.store.write import event_date

ARTICLE = (
    "Council news\n\n"
    "Police arrested twelve protesters in Minsk on Monday. "
    "Mayor Elena Costa met union leaders in Riverton.\n\n"
    '"The council did not veto the budget," the mayor told reporters.\n'
)


def _fill(url: str) -> None:
    store = open_store(url)
    try:
        store.add([(analyze(ARTICLE, published="2024-03-26"), "council")])
    finally:
        store.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, nlp) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("events") / "corpus.db"
    _fill(str(path))
    return path


def test_events_store_on_postgresql(nlp) -> None:  # type: ignore[no-untyped-def]
    with fresh_postgres() as url:
        _fill(url)
        store = open_store(url)
        try:
            assert [e.type for e in events(store, source="author", type="consult")] == ["CONSULT"]
            (veto,) = events(store, source="attributed")
            assert veto.negated is True and veto.modality == "asserted"
        finally:
            store.close()


def test_events_store_date_from_time_value() -> None:
    published = dt.date(2024, 3, 26)
    assert event_date("2024-03-25", published) == dt.date(2024, 3, 25)
    assert event_date("2023-10", published) == dt.date(2023, 10, 1)
    assert event_date("2016", published) == dt.date(2016, 1, 1)
    assert event_date("2024-W12", published) == dt.date(2024, 3, 18)
    assert event_date("PRESENT_REF", published) == published
    assert event_date("XXXX-10-07", None) is None


def test_events_store_keeps_events_linked_to_actors(corpus: Path) -> None:
    store = open_store(str(corpus))
    try:
        (arrest,) = events(store, type="coerce")
        assert arrest.trigger == "arrested" and arrest.place == "Minsk"
        assert arrest.date == "2024-03-25"  # its own time, "on Monday", not the publication date
        assert arrest.source == "author" and arrest.speaker is None
        assert "Police arrested twelve protesters" in arrest.sentence
        (meeting,) = events(store, actor="Elena Costa")
        assert meeting.type == "CONSULT" and meeting.target_actor == "union leaders"
        assert meeting.source_actor_id is not None
        (veto,) = events(store, source="attributed")
        assert veto.type == "REJECT" and veto.negated is True
        assert events(store, actor="nobody of that name") == []
        assert events(store, until=dt.date(2024, 3, 24)) == []
        assert [e.trigger for e in events(store, until=dt.date(2024, 3, 25))] == ["arrested"]
    finally:
        store.close()


def test_events_cli_query_formats(corpus: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["events", "--db", str(corpus), "--type", "CONSULT", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["trigger"] for r in rows] == ["met"]
    result = runner.invoke(app, ["events", "--db", str(corpus), "--source", "author", "-f", "json"])
    assert {r["type"] for r in json.loads(result.stdout)} == {"COERCE", "CONSULT"}
    bad = runner.invoke(app, ["events", "--db", str(corpus), "--since", "yesterday-ish"])
    assert bad.exit_code == 2 and "E011" in bad.stderr


def test_events_export_csv_and_parquet(corpus: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    runner = CliRunner()
    out = tmp_path / "events.parquet"
    result = runner.invoke(app, ["export", "events", "-f", "parquet", "-o", str(out), "--db", str(corpus)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert tuple(table.schema.names) == EVENT_COLUMNS and table.num_rows == 3
    minsk = next(r for r in table.to_pylist() if r["place"] == "Minsk")
    assert minsk["place_country"] == "BY" and minsk["place_lat"] is not None
    out_csv = tmp_path / "events.csv"
    runner.invoke(app, ["export", "events", "-f", "csv", "-o", str(out_csv), "--db", str(corpus)])
    with open(out_csv, encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    wrong = runner.invoke(
        app, ["export", "events", "-f", "jsonl", "-o", str(tmp_path / "x"), "--db", str(corpus)]
    )
    assert wrong.exit_code == 2 and "E070" in wrong.stderr


def test_events_api_filters(corpus: Path) -> None:
    from fastapi.testclient import TestClient

    from newsgraph.web import create_app

    client = TestClient(create_app(str(corpus)))
    body = client.get("/api/events", params={"place": "Minsk"}).json()
    assert [item["type"] for item in body["items"]] == ["COERCE"]
    assert client.get("/api/events", params={"source": "somebody"}).status_code == 422


def test_events_deleted_with_their_article(tmp_path: Path, nlp) -> None:  # type: ignore[no-untyped-def]
    from newsgraph.web.data import delete_article

    url = str(tmp_path / "one.db")
    _fill(url)
    store = open_store(url)
    try:
        (article_id,) = {e.article_id for e in events(store)}
        assert delete_article(store, article_id)
        assert events(store) == []
    finally:
        store.close()


def test_events_come_back_with_the_stored_article(corpus: Path) -> None:
    from newsgraph.web.data import get_article

    store = open_store(str(corpus))
    try:
        (article_id,) = {e.article_id for e in events(store)}
        stored = get_article(store, article_id)
        assert stored is not None
        analysis = stored.analysis
        analysis.check_offsets()
        assert sorted(e.type for e in analysis.events) == ["COERCE", "CONSULT", "REJECT"]
        ids = {e.id for e in analysis.entities}
        meeting = next(e for e in analysis.events if e.type == "CONSULT")
        assert meeting.agent is not None and meeting.agent.entity in ids
        veto = next(e for e in analysis.events if e.type == "REJECT")
        assert veto.attribution in {a.id for a in analysis.attributions}
    finally:
        store.close()


def test_events_store_place_index_migration_up_and_down(corpus: Path, tmp_path: Path) -> None:
    """Migration 0009: ``--place`` reads the (place, date) index newest first; the downgrade restores
    the old index; the answers stay the same either way."""
    import shutil

    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy import inspect as sa_inspect

    from newsgraph.store.db import alembic_config

    path = tmp_path / "copy.db"
    shutil.copy(corpus, path)
    url = str(path)

    def place_index() -> list[str]:
        store = open_store(url)
        try:
            with store.engine.connect() as conn:
                (index,) = [i for i in sa_inspect(conn).get_indexes("events") if i["name"] == "ix_events_place"]
                plan = " ".join(
                    str(row[-1])
                    for row in conn.exec_driver_sql(
                        "EXPLAIN QUERY PLAN SELECT id FROM events WHERE place_actor_id = 1"
                        " ORDER BY date DESC LIMIT 50"
                    )
                )
            return [*index["column_names"], "sorts" if "TEMP B-TREE" in plan else "in order"]
        finally:
            store.close()

    store = open_store(url)
    before = [e.to_dict() for e in events(store, place="Minsk")]
    store.close()
    assert [e["trigger"] for e in before] == ["arrested"]
    assert place_index() == ["place_actor_id", "date", "in order"]
    command.downgrade(alembic_config(url), "0008")
    with create_engine(f"sqlite:///{path}").connect() as conn:
        (index,) = [i for i in sa_inspect(conn).get_indexes("events") if i["name"] == "ix_events_place"]
        assert index["column_names"] == ["place_actor_id"]
    store = open_store(url)  # upgrades to head again
    try:
        assert [e.to_dict() for e in events(store, place="Minsk")] == before
    finally:
        store.close()
    assert place_index() == ["place_actor_id", "date", "in order"]


def test_events_store_many_actor_ids_by_subquery(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name matching more than ``MANY_IDS`` actors is matched by subquery: the same events."""
    from newsgraph.store import events as stored_events

    store = open_store(str(corpus))
    try:
        wanted = [e.to_dict() for e in events(store, actor="Elena Costa")]
        targets = [e.to_dict() for e in events(store, target="union leaders")]
        assert [e["trigger"] for e in wanted] == ["met"]
        monkeypatch.setattr(stored_events, "MANY_IDS", 0)
        assert [e.to_dict() for e in events(store, actor="Elena Costa")] == wanted
        assert [e.to_dict() for e in events(store, target="union leaders")] == targets
        assert events(store, actor="nobody of that name") == []
    finally:
        store.close()


def test_events_store_name_of_a_few_actors_pages_like_one_list(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A name of a few actors ("union leaders": one group actor per article) is read actor by actor
    (``_newest_first``), and every page is the page the plain ``IN (...)`` query gives."""
    from newsgraph.store import events as stored_events

    store = open_store(str(tmp_path / "few.db"))
    try:
        for n, day in enumerate(["2024-03-01", "2024-05-01", "2024-04-01"]):
            text = f"Port news {n}\n\nMayor Elena Costa met union leaders in Riverton. The mayor met union leaders again.\n"
            store.add([(analyze(text, published=day), f"port-{n}")])
        from newsgraph.store import queries

        with store.engine.connect() as conn:
            assert 1 < len(queries._actor_ids(conn, "union leaders")) <= stored_events.SPLIT_IDS
        pages = [(limit, offset) for limit in (1, 2, 5) for offset in (0, 1, 3)]
        split = {page: [e.to_dict() for e in events(store, target="union leaders", limit=page[0], offset=page[1])]
                 for page in pages}
        assert [e["published"] for e in split[(5, 0)]][:2] == ["2024-05-01", "2024-05-01"]
        monkeypatch.setattr(stored_events, "SPLIT_IDS", 1)  # the plain IN (...) list
        plain = {page: [e.to_dict() for e in events(store, target="union leaders", limit=page[0], offset=page[1])]
                 for page in pages}
        assert split == plain and len(plain[(5, 0)]) == 5
    finally:
        store.close()
