"""Contextual word vectors for the learned engine: the first three layers of MiniLM, run in NumPy.

Why. The trees and the lexical model (``learned``, ``lexical``) see a
candidate attribution through its lemmas, dependency relations and nearby
words. Whether PolNeAR's annotators mark a word as a cue often depends on
its meaning in context ("he *pressed* the button" / "he *pressed* for a
vote"), which a pretrained transformer's vectors carry. A small network over
those vectors (``Dense``) is a third member of the engine's blend; on
PolNeAR dev it adds about 0.01 who-said-what F1 (model card).

Why only three layers, and why NumPy. The vectors of MiniLM's third layer
served the blend as well as its sixth on dev, at half the cost; and the
three layers are small enough to run with NumPy's matrix products, so the
default engine needs neither PyTorch nor a download: the weights
(``data/minilm-l3.npz``, float16) and vocabulary (``data/minilm-vocab.txt``)
ship in the package. They are the first three layers of
``sentence-transformers/all-MiniLM-L6-v2`` (Apache License 2.0; Wang et al.,
*MiniLM*, NeurIPS 2020; Reimers & Gurevych, *Sentence-BERT*, EMNLP 2019),
unchanged but for the precision.

How a Doc is read. Each spaCy token is split into BERT's uncased word pieces
(``Encoder.pieces``; at most ``MAX_TOKEN_PIECES`` per token); each sentence
is encoded alone (cut into windows of ``MAX_PIECES`` pieces when longer), so
a token's vector does not depend on which other sentences were read, and the
engine reads only the sentences of the candidates the other two models are
unsure of (``Dense.band``): about a third of them on PolNeAR dev. A token's
vector is the mean of its pieces' vectors at the last layer kept; whitespace
tokens get zeros.
"""

from __future__ import annotations

import base64
import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Doc, Span, Token

from newsgraph.analysis import attributions as rules
from newsgraph.analysis.budget import checkpoint

DATA = Path(__file__).parent.parent / "data"
WEIGHTS_PATH = DATA / "minilm-l3.npz"
VOCAB_PATH = DATA / "minilm-vocab.txt"
WIDTH = 384
HEADS = 12
LAYERS = 3
MAX_PIECES = 254  # pieces per window, [CLS] and [SEP] aside
MAX_WORD = 100  # a longer word is one unknown piece, as BERT's tokenizer does
MAX_TOKEN_PIECES = 16  # a longer token (a URL, a run of symbols) is read by its first pieces
PIECE_CACHE = 200_000  # token texts whose pieces an encoder remembers (about 40 MB at most)
CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"
QKV = ("query", "key", "value")
WORDS = "embeddings.word_embeddings.weight"


def _is_punct(ch: str) -> bool:
    """BERT's punctuation: ASCII symbols and every Unicode P* character."""
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _basic_words(text: str) -> list[str]:
    """BERT's uncased basic tokenisation: lower case, no accents, punctuation split off."""
    text = unicodedata.normalize("NFD", text.lower())
    words: list[str] = []
    current: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn" or cat.startswith("C") or ch == "\ufffd":
            continue
        if ch.isspace() or _is_punct(ch):
            if current:
                words.append("".join(current))
                current = []
            if not ch.isspace():
                words.append(ch)
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


@dataclass
class _Layer:
    qkv: np.ndarray  # (WIDTH, 3 * WIDTH): query, key and value projections side by side
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


def _norm(x: np.ndarray, weight_bias: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight_bias[0] + weight_bias[1]


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU by its tanh approximation (three times faster than ``erf`` here; vectors differ < 1e-3)."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


class Encoder:
    """MiniLM's embeddings and first ``LAYERS`` layers, with its word-piece vocabulary."""

    def __init__(self, weights: str | Path = WEIGHTS_PATH, vocab: str | Path = VOCAB_PATH) -> None:
        with np.load(weights) as raw:
            w = {k: raw[k].astype(np.float32) for k in raw.files if k != WORDS}
            self.words = raw[WORDS]  # float16, rows widened when looked up: 23 MB less per process
        self.positions = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            att = p + "attention."
            self.layers.append(
                _Layer(
                    qkv=np.concatenate([w[f"{att}self.{n}.weight"] for n in QKV]).T.copy(),
                    qkv_bias=np.concatenate([w[f"{att}self.{n}.bias"] for n in QKV]),
                    out=w[f"{att}output.dense.weight"].T.copy(),
                    out_bias=w[f"{att}output.dense.bias"],
                    norm1=(w[f"{att}output.LayerNorm.weight"], w[f"{att}output.LayerNorm.bias"]),
                    up=w[f"{p}intermediate.dense.weight"].T.copy(),
                    up_bias=w[f"{p}intermediate.dense.bias"],
                    down=w[f"{p}output.dense.weight"].T.copy(),
                    down_bias=w[f"{p}output.dense.bias"],
                    norm2=(w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"]),
                )
            )
        lines = Path(vocab).read_text(encoding="utf-8").split("\n")
        self.vocab = {piece: k for k, piece in enumerate(lines) if piece}
        self.unk = self.vocab[UNK]
        self._cache: dict[str, tuple[int, ...]] = {}  # token text -> pieces (``pieces``)

    # ------------------------------------------------------------- word pieces

    def _word_pieces(self, word: str) -> tuple[int, ...]:
        """Greedy longest-match-first word pieces of one basic word (BERT's WordPiece)."""
        if len(word) > MAX_WORD:
            return (self.unk,)
        out = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return (self.unk,)
            out.append(found)
            start = end
        return tuple(out)

    def pieces(self, text: str) -> tuple[int, ...]:
        """The word-piece ids of a token's text (none for whitespace), at most ``MAX_TOKEN_PIECES``.

        Cached per token text: news repeats its words, and splitting is most
        of the cost outside the matrix products. The cache stops growing at
        ``PIECE_CACHE`` entries, so a long-running server's memory stays bounded.
        """
        found = self._cache.get(text)
        if found is None:
            found = tuple(p for word in _basic_words(text) for p in self._word_pieces(word))
            found = found[:MAX_TOKEN_PIECES]
            if len(self._cache) < PIECE_CACHE:
                self._cache[text] = found
        return found

    # ---------------------------------------------------------------- encoding

    def encode(self, ids: list[int]) -> np.ndarray:
        """The last kept layer's vectors of ``[CLS] ids [SEP]``, without the two markers."""
        return self.encode_many([ids])[0]

    def encode_many(self, sequences: list[list[int]]) -> list[np.ndarray]:
        """``encode`` of each sequence, each read alone, the matrix products of all done at once.

        The sequences are laid end to end (each with its own ``[CLS]``,
        ``[SEP]`` and positions from 0); only attention is computed
        sequence by sequence. One product over a few thousand rows is many
        times faster than dozens over a sentence's thirty.
        """
        seqs = [[self.vocab[CLS], *ids, self.vocab[SEP]] for ids in sequences]
        bounds = np.cumsum([0] + [len(q) for q in seqs])
        ids = np.asarray([p for q in seqs for p in q], dtype=np.int64)
        positions = np.concatenate([np.arange(len(q)) for q in seqs])
        x = _norm(self.words[ids].astype(np.float32) + self.positions[positions] + self.type0, self.norm)
        size = WIDTH // HEADS
        for layer in self.layers:
            checkpoint()  # the time budget, in a thread too (see ``budget.checkpoint``)
            qkv = x @ layer.qkv + layer.qkv_bias
            context = np.empty_like(x)
            for a, b in pairwise(bounds):
                n = b - a
                q, k, v = (
                    qkv[a:b, j * WIDTH : (j + 1) * WIDTH].reshape(n, HEADS, size).transpose(1, 0, 2)
                    for j in range(3)
                )
                scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
                scores = np.exp(scores - scores.max(-1, keepdims=True))
                scores /= scores.sum(-1, keepdims=True)
                context[a:b] = (scores @ v).transpose(1, 0, 2).reshape(n, WIDTH)
            x = _norm(x + context @ layer.out + layer.out_bias, layer.norm1)
            x = _norm(x + _gelu(x @ layer.up + layer.up_bias) @ layer.down + layer.down_bias, layer.norm2)
        return [x[a + 1 : b - 1] for a, b in pairwise(bounds)]

    def sentence_vectors(self, doc: Doc, start: int, end: int) -> np.ndarray:
        """One vector per token of ``doc[start:end]`` (a sentence), read with that sentence alone."""
        return self.spans_vectors(doc, [(start, end)])[0]

    def spans_vectors(self, doc: Doc, spans: list[tuple[int, int]]) -> list[np.ndarray]:
        """One vector per token of each token range of ``doc`` (sentences), each read alone.

        A sentence is its own window (cut into windows of ``MAX_PIECES``
        pieces when longer), so a token's vector does not depend on which
        other sentences were read: the engine reads only those it needs.
        """
        windows: list[tuple[int, int, int, list[tuple[int, ...]]]] = []  # (span, first, last, pieces)
        for n, (start, end) in enumerate(spans):
            pieces = [self.pieces(doc[i].text) if not doc[i].is_space else () for i in range(start, end)]
            first, size = 0, 0
            for k, tp in enumerate(pieces):
                if size and size + len(tp) > MAX_PIECES:
                    windows.append((n, first, k, pieces[first:k]))
                    first, size = k, 0
                size += len(tp)
            windows.append((n, first, len(pieces), pieces[first:]))
        windows = [w for w in windows if any(w[3])]
        hidden = self.encode_many([[p for tp in w[3] for p in tp] for w in windows]) if windows else []
        out = [np.zeros((end - start, WIDTH), dtype=np.float32) for start, end in spans]
        for (n, first, _, pieces), h in zip(windows, hidden, strict=True):
            counts = np.asarray([len(tp) for tp in pieces], dtype=np.int64)
            has = np.flatnonzero(counts)
            starts = np.concatenate([[0], np.cumsum(counts[has])[:-1]])
            out[n][first + has] = np.add.reduceat(h, starts, axis=0) / counts[has, None]
        return out


@lru_cache(maxsize=1)
def encoder() -> Encoder:
    """The shipped encoder, loaded once per process."""
    return Encoder(WEIGHTS_PATH, VOCAB_PATH)


class DocVectors:
    """The token vectors of one Doc, each sentence encoded the first time one of its tokens is asked for."""

    def __init__(self, doc: Doc, enc: Encoder | None = None) -> None:
        self.doc = doc
        self.enc = enc or encoder()
        self.sents: dict[int, np.ndarray] = {}
        self.means: dict[int, np.ndarray] = {}  # each sentence's mean vector, shared by its candidates

    def prepare(self, sents: list[Span]) -> None:
        """Encode these sentences (those not yet read) in one go: much faster than one by one."""
        todo = sorted({(s.start, s.end) for s in sents if s.start not in self.sents})
        for (start, _), v in zip(todo, self.enc.spans_vectors(self.doc, todo), strict=True):
            self.sents[start] = v

    def sentence(self, sent: Span) -> np.ndarray:
        if sent.start not in self.sents:
            self.sents[sent.start] = self.enc.sentence_vectors(self.doc, sent.start, sent.end)
        return self.sents[sent.start]

    def mean(self, sent: Span) -> np.ndarray:
        if sent.start not in self.means:
            self.means[sent.start] = self.sentence(sent).mean(0)
        return self.means[sent.start]

    def token(self, token: Token) -> np.ndarray:
        sent = token.sent
        return self.sentence(sent)[token.i - sent.start]


PARTS = ("cue", "source", "content", "sentence")  # what ``features`` puts side by side, WIDTH each


def sentences_of(f: rules.Found) -> list[Span]:
    """The sentences ``features`` reads for a candidate (to encode them all at once first)."""
    tokens = [f.cue_word]
    if f.source is not None:
        tokens.append(f.source.root)
    if f.content:
        tokens.append(f.content[0].root)
    return [t.sent for t in tokens]


def features(f: rules.Found, vectors: DocVectors) -> np.ndarray:
    """A candidate as four vectors: its cue's mean, its source's and content's roots, its sentence's mean."""
    zero = np.zeros(WIDTH, dtype=np.float32)
    cue = np.mean([vectors.token(t) for t in f.cue], axis=0)
    source = zero if f.source is None else vectors.token(f.source.root)
    content = vectors.token(f.content[0].root) if f.content else zero
    sentence = vectors.mean(f.cue_word.sent)
    return np.concatenate([cue, source, content, sentence]).astype(np.float32)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _unb64(s: str, shape: tuple[int, ...]) -> np.ndarray:
    a = np.frombuffer(base64.b64decode(s), dtype="<f4").astype(np.float32)
    if a.size != math.prod(shape):
        raise ValueError(f"an array of {a.size} numbers where {shape} was expected")
    return a.reshape(shape)


@dataclass
class Dense:
    """A one-hidden-layer network over ``features``: the probability that a candidate is an attribution.

    ``band``: the blended probability of the trees and the lexical model
    within which this network has a say (its ``share``); outside it, the
    others are sure enough, and the candidate's sentence is never encoded.
    """

    mean: np.ndarray
    scale: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    band: tuple[float, float]
    share: float

    def unsure(self, probs: list[float]) -> list[int]:
        """Which of the other models' probabilities lie in the band: the candidates this network reads."""
        lo, hi = self.band
        return [k for k, p in enumerate(probs) if lo <= p <= hi]

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        h = np.maximum(((x - self.mean) / self.scale) @ self.w1 + self.b1, 0.0)
        return 1.0 / (1.0 + np.exp(-(h @ self.w2 + self.b2)))

    def to_json(self) -> dict[str, Any]:
        return {
            "inputs": int(self.w1.shape[0]),
            "hidden": int(self.w1.shape[1]),
            "parts": list(PARTS),
            "layers": LAYERS,
            "mean": _b64(self.mean),
            "scale": _b64(self.scale),
            "w1": _b64(self.w1),
            "b1": _b64(self.b1),
            "w2": _b64(self.w2),
            "b2": self.b2,
            "band": list(self.band),
            "share": self.share,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dense:
        if list(data["parts"]) != list(PARTS) or int(data["layers"]) != LAYERS:
            raise ValueError(f"made for vectors {data['parts']} of {data['layers']} layers")
        n, h = int(data["inputs"]), int(data["hidden"])
        lo, hi = (float(v) for v in data["band"])
        return cls(
            _unb64(data["mean"], (n,)),
            _unb64(data["scale"], (n,)),
            _unb64(data["w1"], (n, h)),
            _unb64(data["b1"], (h,)),
            _unb64(data["w2"], (h,)),
            float(data["b2"]),
            (lo, hi),
            float(data["share"]),
        )


def fit(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    band: tuple[float, float],
    share: float,
    hidden: int = 256,
    epochs: int = 4,
    batch: int = 256,
    rate: float = 1e-3,
    decay: float = 1e-2,
    dropout: float = 0.2,
) -> Dense:
    """Train ``Dense`` by AdamW on mini-batches, with dropout; deterministic for a seed (NumPy only).

    The inputs are standardised first (mean and scale kept in the model).
    Four epochs: on PolNeAR dev the blend was best after three to five.
    """
    rng = np.random.default_rng(seed)
    mean = x.mean(0)
    scale = x.std(0) + 1e-4
    z = ((x - mean) / scale).astype(np.float32)
    y = y.astype(np.float32)
    n = z.shape[1]
    bound1, bound2 = 1 / math.sqrt(n), 1 / math.sqrt(hidden)
    params = [
        rng.uniform(-bound1, bound1, (n, hidden)).astype(np.float32),
        rng.uniform(-bound1, bound1, hidden).astype(np.float32),
        rng.uniform(-bound2, bound2, hidden).astype(np.float32),
        np.zeros(1, dtype=np.float32),
    ]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = 0
    for _ in range(epochs):
        order = rng.permutation(len(z))
        for k in range(0, len(z), batch):
            idx = order[k : k + batch]
            xb, yb = z[idx], y[idx]
            keep_in = (rng.random(xb.shape) >= dropout).astype(np.float32) / (1 - dropout)
            xd = xb * keep_in
            pre = xd @ params[0] + params[1]
            h = np.maximum(pre, 0.0)
            keep_h = (rng.random(h.shape) >= dropout).astype(np.float32) / (1 - dropout)
            hd = h * keep_h
            logit = hd @ params[2] + params[3][0]
            g = (1.0 / (1.0 + np.exp(-logit)) - yb) / len(idx)  # d(mean log loss)/d(logit)
            g_h = np.outer(g, params[2]) * keep_h * (pre > 0)
            grads = [xd.T @ g_h, g_h.sum(0), hd.T @ g, np.asarray([g.sum()], dtype=np.float32)]
            step += 1
            for p, gr, (m, v) in zip(params, grads, moments, strict=True):
                p *= 1 - rate * decay
                m *= 0.9
                m += 0.1 * gr
                v *= 0.999
                v += 0.001 * gr * gr
                p -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Dense(mean, scale, params[0], params[1], params[2], float(params[3][0]), band, share)
