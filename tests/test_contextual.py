"""The contextual encoder (MiniLM's first layers in NumPy) and the dense network of the learned engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language

from newsgraph.analysis import contextual, learned, pipeline
from newsgraph.errors import NewsgraphError

TEXT = (
    "The harbour board said on Monday that the café pier would reopen in May.\n\n"
    "“We are not sure,” Ana Müller, its chair, told reporters, adding that repairs cost $1.5m."
)


@pytest.fixture(scope="module")
def encoder() -> contextual.Encoder:
    return contextual.encoder()


def _doc(parser: Language, text: str):  # type: ignore[no-untyped-def]
    return parser(text, disable=pipeline._late(parser))


def test_contextual_pieces_are_berts(encoder: contextual.Encoder) -> None:
    pytest.importorskip("tokenizers", reason="the reference tokenizer comes with the model extra")
    neural = pytest.importorskip("newsgraph.analysis.neural")
    try:
        reference = neural.tokenizer()  # MiniLM's own (Hugging Face's, in Rust), no padding
    except ImportError:
        pytest.skip("the pretrained encoder package (model extra) is not installed")
    for text in (TEXT, "Naïve CO₂-levels — “déjà vu”… U.S.-Israel talks (2024)!", "x" * 120):
        ours = [p for word in text.split() for p in encoder.pieces(word)]
        theirs = reference.encode(text, add_special_tokens=False).ids
        assert ours == theirs


def test_contextual_pieces_cache_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A long-running server sees ever new token texts: the cache stops at PIECE_CACHE, answers stay right."""
    monkeypatch.setattr(contextual, "PIECE_CACHE", 5)
    fresh = contextual.Encoder()
    words = [f"harbour{n}" for n in range(12)]
    first = [fresh.pieces(w) for w in words]
    assert len(fresh._cache) == 5
    assert [fresh.pieces(w) for w in words] == first
    monkeypatch.setattr(contextual, "PIECE_CACHE", 0)
    uncached = contextual.Encoder()
    assert [uncached.pieces(w) for w in words] == first and not uncached._cache
    assert len(set(first)) == len(words)  # each number its own piece: not one cached answer for all


def test_contextual_vectors_are_minilms(encoder: contextual.Encoder) -> None:
    torch = pytest.importorskip("torch", reason="the reference encoder comes with the model extra")
    transformers = pytest.importorskip("transformers")
    neural = pytest.importorskip("newsgraph.analysis.neural")
    try:
        base = neural.base_model_dir()
    except ImportError:
        pytest.skip("the pretrained encoder package (model extra) is not installed")
    model = transformers.AutoModel.from_pretrained(str(base)).eval()
    ids = [p for word in TEXT.split() for p in encoder.pieces(word)]
    with torch.no_grad():
        hidden = model(input_ids=torch.tensor([[101, *ids, 102]]), output_hidden_states=True).hidden_states
    reference = hidden[contextual.LAYERS][0, 1:-1].numpy()
    ours = encoder.encode(ids)
    assert ours.shape == reference.shape
    assert np.abs(ours - reference).max() < 0.05  # float16 weights, GELU by tanh: small differences only
    assert np.abs(ours - hidden[contextual.LAYERS - 1][0, 1:-1].numpy()).max() > 0.5  # and not another layer


def test_contextual_a_sentence_is_read_alone(parser: Language, encoder: contextual.Encoder) -> None:
    first = "The council met on Friday."
    doc = _doc(parser, TEXT)
    other = _doc(parser, first + " " + TEXT)
    sents, other_sents = list(doc.sents), list(other.sents)
    assert other_sents[0].text == first
    a = encoder.sentence_vectors(doc, sents[0].start, sents[0].end)
    b = encoder.sentence_vectors(other, other_sents[1].start, other_sents[1].end)
    assert a.shape == b.shape and np.allclose(a, b, atol=1e-5)
    assert not np.allclose(a[0], a[1])  # each token its own vector


def test_contextual_features_of_every_candidate(parser: Language) -> None:
    doc = _doc(parser, TEXT)
    engine = learned.Candidates(doc)
    found = engine.readings()
    vectors = contextual.DocVectors(doc)
    rows = np.stack([contextual.features(f, vectors) for f in found])
    assert rows.shape == (len(found), contextual.WIDTH * len(contextual.PARTS))
    assert np.isfinite(rows).all()
    sourceless = [k for k, f in enumerate(found) if f.source is None]
    assert sourceless and all(not rows[k, contextual.WIDTH : 2 * contextual.WIDTH].any() for k in sourceless)
    assert set(vectors.sents) <= {s.start for s in doc.sents}


def test_contextual_dense_learns_and_is_deterministic() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 12)).astype(np.float32)
    y = (x[:, 0] * x[:, 1] > 0).astype(np.float32)  # not linear: the hidden layer must do something
    a = contextual.fit(x, y, seed=3, band=(0.1, 0.9), share=0.5, hidden=32, epochs=30, rate=3e-3, dropout=0.0)
    b = contextual.fit(x, y, seed=3, band=(0.1, 0.9), share=0.5, hidden=32, epochs=30, rate=3e-3, dropout=0.0)
    assert np.array_equal(a.w1, b.w1) and a.b2 == b.b2
    test = rng.normal(size=(500, 12)).astype(np.float32)
    accuracy = ((a.probabilities(test) > 0.5) == (test[:, 0] * test[:, 1] > 0)).mean()
    assert accuracy > 0.85
    again = contextual.Dense.from_json(json.loads(json.dumps(a.to_json())))
    assert np.array_equal(again.probabilities(test), a.probabilities(test))
    assert again.band == (0.1, 0.9) and again.share == 0.5


def test_contextual_dense_speaks_only_in_its_band() -> None:
    dense = contextual.Dense(
        np.zeros(2, np.float32), np.ones(2, np.float32), np.eye(2, dtype=np.float32),
        np.zeros(2, np.float32), np.ones(2, np.float32), 0.0, (0.2, 0.6), 0.5,
    )
    model = learned.Trees(None, learned.Vocab({}), 0.5, {}, None, 1.0, dense)
    asked: list[int] = []

    def features(k: int) -> np.ndarray:
        asked.append(k)
        return np.asarray([5.0, 5.0], dtype=np.float32)  # the network says ~1.0

    out = model.with_dense([0.05, 0.3, 0.9], features)
    assert asked == [1]  # sentences of sure candidates are never encoded
    assert out[0] == 0.05 and out[2] == 0.9
    assert out[1] == pytest.approx(0.5 * 0.3 + 0.5 * float(dense.probabilities(np.asarray([[5.0, 5.0]]))[0]))


def test_contextual_broken_encoder_weights_is_one_coded_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if not learned.WEIGHTS_PATH.is_file():
        pytest.skip(f"{learned.WEIGHTS_PATH} is not in this checkout")
    cut = tmp_path / "minilm-l3.npz"
    cut.write_bytes(contextual.WEIGHTS_PATH.read_bytes()[:1000])
    monkeypatch.setattr(contextual, "WEIGHTS_PATH", cut)
    weights = tmp_path / "trees.json"
    weights.write_text(learned.WEIGHTS_PATH.read_text())  # a path of its own: not the cached load
    contextual.encoder.cache_clear()
    try:
        with pytest.raises(NewsgraphError) as err:
            learned.load_trees(str(weights))
        assert str(err.value).startswith(f"E036 {cut}: ") and "contextual encoder" in str(err.value)
        assert len(str(err.value).splitlines()) == 1
    finally:
        contextual.encoder.cache_clear()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=300) | st.builds(lambda w, n: (w + " ") * n, st.text(min_size=1, max_size=30), st.integers(1, 400)))
def test_contextual_any_text_gives_finite_vectors(parser: Language, encoder: contextual.Encoder, text: str) -> None:
    doc = _doc(parser, text)
    vectors = contextual.DocVectors(doc, encoder)
    for sent in doc.sents:
        v = vectors.sentence(sent)
        assert v.shape == (len(sent), contextual.WIDTH) and np.isfinite(v).all()


def test_contextual_shipped_engine_encodes_only_the_unsure_sentences(parser: Language) -> None:
    if not learned.WEIGHTS_PATH.is_file():
        pytest.skip(f"{learned.WEIGHTS_PATH} is not in this checkout")
    model = learned.load_trees(str(learned.WEIGHTS_PATH))
    assert model.dense is not None
    text = TEXT + "\n\nResidents believe the ferry will return, according to a survey. Rain fell all day."
    doc = _doc(parser, text)
    engine = learned.Candidates(doc)
    found = engine.readings()
    base = model.predict(learned.raw_rows(doc, engine, found), learned.lexical_rows(doc, engine, found))
    encoded: list[int] = []
    original = contextual.DocVectors.prepare

    def spy(self: contextual.DocVectors, sents: list) -> None:  # type: ignore[type-arg]
        encoded.extend(s.start for s in sents)
        original(self, sents)

    contextual.DocVectors.prepare = spy  # type: ignore[method-assign]
    try:
        final = model.probabilities(doc, engine, found)
    finally:
        contextual.DocVectors.prepare = original  # type: ignore[method-assign]
    lo, hi = model.dense.band
    inside = [k for k, p in enumerate(base) if lo <= p <= hi]
    assert inside, "the example should hold a candidate the trees are unsure of"
    assert all(final[k] == base[k] for k in range(len(base)) if k not in inside)
    assert any(final[k] != base[k] for k in inside)
    needed = {s.start for k in inside for s in contextual.sentences_of(found[k])}
    assert set(encoded) == needed and len(needed) < len(list(doc.sents))
