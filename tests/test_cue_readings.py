"""The learned engine's cue chooser: the readings of a kept attribution's cue, and the model choosing one."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import candidate, damaged_weights_error
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import cue_readings, learned, pipeline


def _read(f: rules.Found) -> dict[str, tuple[str, list[str]]]:
    out = {}
    for r, g in cue_readings.readings(f):
        assert g == cue_readings.read(f, r)
        text = f.cue.doc.text
        for span in (g.cue, *g.content):  # offsets are sacred
            assert text[span.start_char : span.end_char] == span.text
        assert g.cue.start == f.cue.start and g.cue.end <= g.content[0].start
        out[r.kind] = (g.cue.text, [s.text for s in g.content])
    return out


def test_cue_readings_object_and_preposition(parser: Language) -> None:
    f = candidate(parser, "The mayor expressed concern about the cost of the barrier.", "expressed")
    got = _read(f)
    assert got["found"] == ("expressed", ["concern about the cost of the barrier"])
    assert got["object+prep"] == ("expressed concern about", ["the cost of the barrier"])
    assert got["object"] == ("expressed concern", ["about the cost of the barrier"])


def test_cue_readings_infinitive(parser: Language) -> None:
    f = candidate(parser, "The senator refused to disclose his tax returns.", "refused")
    assert _read(f)["infinitive"] == ("refused to disclose", ["his tax returns"])


def test_cue_readings_none_leaves_an_empty_content(parser: Language) -> None:
    f = candidate(parser, "Neighbours expressed concern.", "expressed")
    assert set(_read(f)) == {"found"}  # taking "concern" into the cue would leave no content


def test_cue_readings_content_before_the_cue_is_read_one_way(parser: Language) -> None:
    f = candidate(parser, "“The pier will reopen in May,” the harbour master said.", "said")
    assert [r.kind for r, _ in cue_readings.readings(f)] == ["found"]


@pytest.mark.parametrize(
    ("text", "cue", "widened"),
    [
        ("Residents have been critical of the plan.", "critical of", "have been critical of"),
        ("Officials weren't too concerned about the cost.", "too concerned about", "weren't too concerned about"),
        ("The mayor is afraid that the pier will flood.", "afraid", "is afraid"),
    ],
)
def test_cue_readings_adjective_takes_its_copula(parser: Language, text: str, cue: str, widened: str) -> None:
    f = candidate(parser, text, cue)
    got = cue_readings.with_copula(f)
    assert got.cue.text == widened and text[got.cue.start_char : got.cue.end_char] == widened
    assert got.source is f.source and got.content == f.content


def test_cue_readings_copula_never_taken_over_the_source_or_a_verb_cue(parser: Language) -> None:
    said = candidate(parser, "Officials said the pier was safe.", "said")
    assert cue_readings.with_copula(said) is said  # a verb: nothing to take
    f = candidate(parser, "The mayor is afraid that the pier will flood.", "afraid")
    source_over_copula = replace(f, source=f.cue.doc[1:3])  # "mayor is": the copula belongs to it
    assert cue_readings.with_copula(source_over_copula) is source_over_copula


def test_cue_readings_chooser_learns_and_round_trips(parser: Language) -> None:
    """Taught that 'expressed' takes its object and preposition and 'refused' its infinitive, it does so."""
    texts = [
        ("Residents expressed concern about the plan.", "expressed", "expressed concern about"),
        ("The union expressed anger over the cuts.", "expressed", "expressed anger over"),
        ("The council refused to publish the report.", "refused", "refused to publish"),
        ("The firm refused to release the figures.", "refused", "refused to release"),
    ] * 8
    samples = []
    for text, cue, gold in texts:
        f = candidate(parser, text, cue)
        samples.append((f, lambda g, gold=gold: g.cue.text == gold))
    chooser = cue_readings.fit(samples, seed=13)
    assert chooser is not None
    tests = [
        candidate(parser, "Parents expressed worry about the closure.", "expressed"),
        candidate(parser, "The mayor refused to answer the question.", "refused"),
    ]
    chosen = [f.cue.text for f in chooser.choose(tests)]
    assert chosen == ["expressed worry about", "refused to answer"]
    again = cue_readings.CueChooser.from_json(chooser.to_json())
    assert [f.cue.text for f in again.choose(tests)] == chosen


def test_cue_readings_fit_without_a_choice_to_learn(parser: Language) -> None:
    f = candidate(parser, "Residents expressed concern about the plan.", "expressed")
    assert cue_readings.fit([], seed=13) is None
    assert cue_readings.fit([(f, lambda g: True)], seed=13) is None  # one label only: nothing to learn


def test_cue_readings_shipped_engine_takes_in_a_preposition(parser: Language) -> None:
    """With the shipped weights, a particle cue is read as the annotators read it (and offsets hold)."""
    text = "Ms. Okafor pointed to reports that the ferry had been sold."
    doc = parser(text, disable=pipeline._late(parser))
    _, kept = learned.load_trees().decide(doc)
    cues = {f.cue.text: [s.text for s in f.content] for f in kept}
    assert cues.get("pointed to") == ["reports that the ferry had been sold"]
    for f in kept:
        for span in (f.cue, *f.content):
            assert text[span.start_char : span.end_char] == span.text


VOCABULARY = (
    "the mayor expressed concern about plan refused to disclose pointed reports said that it , . “ ” "
    "issued a statement calling for calm over cuts"
)
WORDS = st.sampled_from(VOCABULARY.split(" "))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(WORDS, min_size=1, max_size=25))
def test_cue_readings_any_text_reads_within_the_text(parser: Language, words: list[str]) -> None:
    text = " ".join(words)
    doc = parser(text, disable=pipeline._late(parser))
    for f in learned.Candidates(doc).readings():
        for r, g in cue_readings.readings(f):
            assert g is not None and g == cue_readings.read(f, r) and g.content
            for span in (g.cue, *g.content):
                assert text[span.start_char : span.end_char] == span.text
                assert span.start < span.end


def test_cue_readings_damaged_chooser_is_one_coded_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    error, damaged = damaged_weights_error(tmp_path, "cues", {"booster": "not a model", "tables": {}})
    assert error.code == "E036" and str(damaged) in str(error)
    assert "\n" not in str(error)
