"""The reference article with ``--published 2024-03-26``: the figures, times and places issue 10 lists.

The article is read at test time, never copied into the project.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgraph.analysis.pipeline import analyze_articles
from newsgraph.io.reading import read_path
from newsgraph.models import Analysis


@pytest.fixture(scope="module")
def seed(shared: Path, nlp) -> Analysis:  # type: ignore[no-untyped-def]
    path = shared / "seed" / "article.txt"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    (read,) = list(read_path(path, published="2024-03-26"))
    return next(analyze_articles([read]))


def source_name(seed: Analysis, attribution_id: str | None) -> str | None:
    attribution = next((a for a in seed.attributions if a.id == attribution_id), None)
    if attribution is None or attribution.source is None:
        return None
    return next((e.name for e in seed.entities if e.id == attribution.source.entity), None)


def test_seed_figures_and_who_claims_them(seed: Analysis) -> None:
    seed.check_offsets()
    by_value = {f.value: f for f in seed.figures if not isinstance(f.value, list)}
    million = by_value[1_500_000]
    assert million.claimed_by is None  # the reporter's own figure
    assert million.concept is not None and million.concept.text == "Palestinians"
    forty = by_value[40]
    assert forty.change == "~"
    assert source_name(seed, forty.claimed_by) == "Lloyd Austin"


def test_seed_no_figure_from_model_names_or_dates(seed: Analysis) -> None:
    text = seed.article.text
    for name in ("F-35", "F-15", "October 7th"):
        start = text.index(name)
        assert not any(f.start < start + len(name) and start < f.end for f in seed.figures), name


def test_seed_times(seed: Analysis) -> None:
    values = {t.text: t.value for t in seed.times}
    assert values["Tuesday"] == "2024-03-26"
    assert values["October 7th"] == "2023-10-07"


def test_seed_places(seed: Analysis) -> None:
    countries = {e.name: e.place.country for e in seed.entities if e.place is not None}
    assert countries["Washington"] == "US"
    assert countries["Gaza"] == "PS"
    assert countries["Rafah"] == "PS"
    assert countries["Israel"] == "IL"
    assert all(e.place is None for e in seed.entities if e.type not in ("GPE", "LOC", "FAC"))
