"""The facts in the corpus database: stored with the article, queried as a claims ledger, deleted with it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import fresh_postgres
from typer.testing import CliRunner

from newsgraph.analysis.pipeline import analyze
from newsgraph.cli import app
from newsgraph.store import facts, open_store
from newsgraph.web import data

TEXT = (
    "Harbour town counts the cost\n\n"
    "The storm destroyed 300 homes in Portsmouth on Monday, the council said. "
    'Mayor Ann Holt said: "We need more than $2 million to rebuild." '
    "The town has 40,000 residents.\n"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield str(tmp_path / "facts.db")
        return
    with fresh_postgres() as pg:
        yield pg


@pytest.fixture
def stored(url: str, nlp) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    analysis = analyze(TEXT, "2024-03-06")
    with open_store(url) as store:
        result = store.add([(analysis, "storm")])
    yield url, result.article_ids[0]


def test_store_facts_claims_ledger(stored: tuple[str, int]) -> None:
    url, _ = stored
    with open_store(url) as store:
        every = facts.claims(store)
        by_text = {row.text: row for row in every}
        assert set(by_text) >= {"300", "$2 million", "40,000"}
        assert by_text["$2 million"].speaker == "Ann Holt" and by_text["$2 million"].change == ">"
        assert by_text["40,000"].attribution_id is None
        for row in every:
            assert row.text in row.context
        assert [r.text for r in facts.claims(store, speaker="Ann Holt")] == ["$2 million"]
        author = {r.text for r in facts.claims(store, author_only=True)}
        assert "40,000" in author and "$2 million" not in author
        assert [r.text for r in facts.claims(store, unit="Dollar")] == ["$2 million"]
        assert [r.text for r in facts.claims(store, concept="homes")] == ["300"]
        assert facts.claims(store, since="2024-03-07") == []


def test_store_facts_deleted_with_the_article(stored: tuple[str, int]) -> None:
    url, article_id = stored
    with open_store(url) as store:
        assert facts.claims(store)
        assert data.delete_article(store, article_id)
        assert facts.claims(store) == []
        with store.engine.connect() as conn:
            for table in (facts.TIMES, facts.PLACES):
                assert conn.execute(table.select()).first() is None


def test_store_facts_figures_command(stored: tuple[str, int]) -> None:
    url, _ = stored
    runner = CliRunner()
    result = runner.invoke(app, ["figures", "--db", url, "--format", "json", "--speaker", "Ann Holt"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["text"] == "$2 million" and row["unit"] == "dollar" and row["value"] == 2_000_000
    result = runner.invoke(app, ["figures", "--db", url, "--format", "csv", "--author-only"])
    assert result.exit_code == 0 and result.output.startswith("figure_id,")
    result = runner.invoke(app, ["figures", "--db", url, "--since", "yesterday"])
    assert result.exit_code == 2 and "E011" in result.output
