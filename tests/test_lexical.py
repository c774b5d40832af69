"""The lexical model blended with the learned engine's trees: strings, fitting, its part of the weights file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language

from newsgraph.analysis import learned, lexical, pipeline
from newsgraph.errors import NewsgraphError


def test_lexical_strings_name_the_cue_its_neighbours_source_and_content(parser: Language) -> None:
    doc = parser("Officials in the city said the pier would open in May.", disable=pipeline._late(parser))
    engine = learned.Candidates(doc)
    said = next(f for f in engine.candidates() if f.cue.text == "said")
    found = lexical.strings(doc, said, engine.origin[id(said)])
    for expected in ("cl=say", "o=verb|cl=say", "w-1=city", "w1=the", "sr=official", "cl=say|sr=official",
                     "c=pier", "cf0=the", "s=may"):
        assert expected in found
    assert lexical.buckets(found) == sorted(set(lexical.buckets(found)))
    assert all(0 <= b < lexical.DIM for b in lexical.buckets(found))


def test_lexical_rows_hash_each_sentence_once_and_equal_each_candidates_own_buckets(parser: Language) -> None:
    text = "Officials said the pier would open. She told reporters that the council agreed. Rain fell."
    doc = parser(text, disable=pipeline._late(parser))
    engine = learned.Candidates(doc)
    found = engine.readings()
    origins = [engine.origin[id(f)] for f in found]
    assert len(found) >= 3 and any(id(f) in engine.dropped for f in found)
    assert lexical.rows(doc, found, origins) == [
        lexical.buckets(lexical.strings(doc, f, o)) for f, o in zip(found, origins, strict=True)
    ]


def test_lexical_fit_learns_which_words_mark_an_attribution_and_is_deterministic() -> None:
    marks, noise, other = 5, 9, 77
    rows = [[marks, noise]] * 30 + [[other, noise]] * 30 + [[marks]] * 5 + [[other]] * 5
    labels = [1] * 30 + [0] * 30 + [1] * 5 + [0] * 5
    model = lexical.fit(rows, labels, c=1.0)
    assert model.weights[marks] > 1.0 > -1.0 > model.weights[other]
    assert abs(model.weights[noise]) < 0.5  # seen with both labels
    assert set(model.weights) == {marks, noise, other}  # only the buckets seen are kept
    high, low = model.probabilities([[marks], [other]])
    assert 0.8 < high < 1.0 and 0.0 < low < 0.2
    assert lexical.fit(rows, labels, c=1.0) == model  # same data, same weights


def test_lexical_round_trips_through_json_and_refuses_another_hash_size() -> None:
    model = lexical.Lexical(bias=-0.5, weights={3: 0.25, 70000: -1.5}, c=0.3)
    data = json.loads(json.dumps(model.to_json()))
    assert lexical.Lexical.from_json(data) == model
    with pytest.raises(ValueError, match="buckets"):
        lexical.Lexical.from_json(dict(data, dim=1024))


@pytest.mark.skipif(not learned.WEIGHTS_PATH.is_file(), reason="no shipped weights in this checkout")
def test_lexical_weights_file_with_another_hash_size_is_one_coded_error(tmp_path: Path) -> None:
    data = json.loads(learned.WEIGHTS_PATH.read_text(encoding="utf-8"))
    assert data["lexical"] is not None and 0.0 < data["blend"] < 1.0  # the shipped engine blends both
    data["lexical"]["dim"] = 1024
    path = tmp_path / "trees.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(NewsgraphError) as err:
        learned.load_trees(str(path))
    assert err.value.code == "E036" and "1024" in str(err.value) and str(path) in str(err.value)
