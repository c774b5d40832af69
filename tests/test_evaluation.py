"""Built-in evaluation: the official scorer's numbers and printed table, exactly.

Most tests build predictions without spaCy (gold, perturbed gold, another
annotator's file), run the official scorer on them as a subprocess and require
identical JSON metrics and an identical table. They read ``../shared`` (the
benchmark checkout next to the repository) and skip when it is missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.errors import NewsgraphError
from newsgraph.eval.scoring import (
    METRICS,
    Tally,
    Tokens,
    agreement,
    annotation_files,
    dice,
    evaluate,
    format_table,
    gold_split,
    match,
    predictions_from_analysis,
    score_document,
    score_documents,
    write_predictions,
)
from newsgraph.io.brat import ROLES, Attr, attributions_to_ann, read_ann
from newsgraph.models import Analysis, Article, Attribution, LinkedSpan, Span

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCORER = SHARED / "bench" / "attribution_score.py"
POLNEAR = SHARED / "polnear"
DEV = POLNEAR / "dev"
TRAIN = POLNEAR / "train"

# Invented texts for the property tests: hyphens, apostrophes (straight and curly), accents, digits.
TEXTS = [
    "Mayor Ana-Lucía Ortiz said the town’s budget won't balance in 2031, aides said.",
    '"We re-ran the numbers," the auditor\'s office told reporters -- twice.\nNo one agreed.',
    "É preciso, disse ela. Officials, however, declined to comment; the plan was dropped.",
]


def require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found (needs the ../shared checkout next to the repository)")
    return path


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("attribution_score", require(SCORER))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def dev() -> tuple[list[str], dict[str, str], dict[str, list[Attr]]]:
    return gold_split(require(DEV))


def run_scorer(split: Path, pred: Path, *extra: str) -> tuple[dict[str, Any], str]:
    """Run the official scorer as a program: its JSON metrics and its stdout."""
    out = pred.parent / (pred.name + ".metrics.json")
    proc = subprocess.run(
        [sys.executable, str(require(SCORER)), str(split), str(pred), "--json", str(out), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    with open(out, encoding="utf-8") as f:
        return json.load(f), proc.stdout


def assert_same_as_scorer(result: dict[str, Any], split: Path, pred: Path, *extra: str) -> None:
    expected, stdout = run_scorer(split, pred, *extra)
    assert result == expected
    assert format_table(result) + "\n" == stdout


# ---------------------------------------------------------------- perturbations of the gold


def _clamp(span: tuple[int, int], length: int) -> tuple[int, int]:
    start = min(max(span[0], 0), length)
    return start, min(max(span[1], start), length)


def shift_content(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    out = []
    for a in attrs:
        k = rng.choice([-12, -3, 0, 2, 7, 30])
        out.append({**a, "content": [_clamp((s + k, e + k), len(text)) for s, e in a["content"]]})
    return out


def truncate_content(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    out = []
    for a in attrs:
        content = [(s, e - int((e - s) * rng.choice([0.0, 0.2, 0.5, 0.7]))) for s, e in a["content"]]
        out.append({**a, "content": content[: rng.choice([1, len(content)])]})
    return out


def drop_sources(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    return [{**a, "source": []} if rng.random() < 0.5 else a for a in attrs]


def swap_sources(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    sources = [a["source"] for a in attrs]
    rng.shuffle(sources)
    return [{**a, "source": s} for a, s in zip(attrs, sources, strict=True)]


def remove_some(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    return [a for a in attrs if rng.random() < 0.6]


def add_spurious(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    out = list(attrs)
    for _ in range(rng.randint(0, 8)):
        s = rng.randrange(len(text))
        e = min(len(text), s + rng.randint(0, 120))
        cue = _clamp((s - 6, s - 1), len(text))
        out.insert(rng.randint(0, len(out)), {"cue": [cue], "source": [], "content": [(s, e)]})
    # Duplicates and near-duplicates stress the one-to-one matching and its tie-breaking.
    out.extend(dict(a) for a in attrs if rng.random() < 0.2)
    return out


def widen_cue_and_source(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    def widen(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        return [_clamp((s - rng.randint(0, 8), e + rng.randint(0, 8)), len(text)) for s, e in spans]

    return [{**a, "cue": widen(a["cue"]), "source": widen(a["source"])} for a in attrs]


def odd_spans(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    """Empty spans, punctuation-only spans, spans at the text's edges, missing roles."""
    out = []
    for a in attrs:
        s = rng.randrange(len(text))
        choice = rng.randrange(4)
        if choice == 0:
            out.append({**a, "cue": [(s, s)]})
        elif choice == 1:
            out.append({"content": a["content"]})
        elif choice == 2:
            out.append({**a, "source": [(0, 0)], "content": [*a["content"], (len(text), len(text))]})
        else:
            out.append(a)
    return out


def shuffle_order(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    out = shift_content(add_spurious(attrs, text, rng), text, rng)
    rng.shuffle(out)
    return out


def everything(attrs: list[Attr], text: str, rng: random.Random) -> list[Attr]:
    for step in (remove_some, add_spurious, truncate_content, drop_sources, widen_cue_and_source):
        attrs = step(attrs, text, rng)
    return attrs


PERTURBATIONS: dict[str, Callable[[list[Attr], str, random.Random], list[Attr]]] = {
    "gold": lambda attrs, text, rng: attrs,
    "shift_content": shift_content,
    "truncate_content": truncate_content,
    "drop_sources": drop_sources,
    "swap_sources": swap_sources,
    "remove_some": remove_some,
    "add_spurious": add_spurious,
    "widen_cue_and_source": widen_cue_and_source,
    "odd_spans": odd_spans,
    "shuffle_order": shuffle_order,
    "everything": everything,
}


def perturbed(name: str, docs: list[str], texts: dict[str, str], gold: dict[str, list[Attr]]) -> dict:
    rng = random.Random(name)
    # Leave a few documents without any prediction line.
    kept = [d for d in docs if name == "gold" or rng.random() < 0.93]
    return {d: PERTURBATIONS[name]([dict(a) for a in gold[d]], texts[d], rng) for d in kept}


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_evaluation_matches_scorer_jsonl(name: str, dev: tuple, tmp_path: Path) -> None:
    docs, texts, gold = dev
    preds = perturbed(name, docs, texts, gold)
    path = tmp_path / "pred.jsonl"
    write_predictions(path, preds)
    result = score_documents(gold, preds, texts)
    assert result["documents"] == len(docs) == 84
    assert result["documents_without_prediction"] == len(docs) - len(preds)
    assert_same_as_scorer(result, DEV, path)
    if name == "gold":
        assert all(result[m]["f1"] == 1.0 for m in METRICS)
    elif name == "everything":
        assert result["attribution/who-what"]["f1"] < 1.0


@pytest.mark.parametrize("name", ["everything", "odd_spans"])
def test_evaluation_matches_scorer_ann_directory(name: str, dev: tuple, tmp_path: Path) -> None:
    docs, texts, gold = dev
    preds = perturbed(name, docs, texts, gold)
    folder = tmp_path / "pred"
    folder.mkdir()
    for doc, attrs in preds.items():
        (folder / f"{doc}.ann").write_text(attributions_to_ann(texts[doc], attrs), encoding="utf-8")
    result = score_documents(gold, preds, texts)
    assert_same_as_scorer(result, DEV, folder)
    # Reading the written files back gives the same numbers.
    reread = {p.stem: read_ann(p) for p in folder.glob("*.ann")}
    assert score_documents(gold, reread, texts) == result


def test_evaluation_matches_scorer_docs_limit(dev: tuple, tmp_path: Path) -> None:
    docs, texts, gold = dev
    preds = perturbed("everything", docs, texts, gold)
    path = tmp_path / "pred.jsonl"
    write_predictions(path, preds)
    first = docs[:9]
    result = score_documents({d: gold[d] for d in first}, preds, texts)
    assert result["documents"] == 9
    assert_same_as_scorer(result, DEV, path, "--docs", "9")


def test_evaluation_matches_scorer_second_annotator(scorer: ModuleType, tmp_path: Path) -> None:
    """Score one annotator against another on the articles annotated twice (train and dev)."""
    require(TRAIN)
    split = tmp_path / "split"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    second: dict[str, Path] = {}
    for part in (TRAIN, DEV):
        by_doc: dict[str, list[Path]] = {}
        for path in sorted((part / "attributions").glob("*.ann")):
            by_doc.setdefault(re.sub(r"_[0-9a-f]{4}\.ann$", "", path.name), []).append(path)
        for doc, paths in by_doc.items():
            if len(paths) < 2:
                continue
            try:  # the official scorer cannot read every gold file; leave those out
                for path in paths:
                    scorer.parse_ann(str(path))
            except (IndexError, ValueError):
                continue
            for path in paths:
                os.symlink(path, split / "attributions" / path.name)
            os.symlink(part / "text" / f"{doc}.txt", split / "text" / f"{doc}.txt")
            second[doc] = paths[1]
    assert len(second) >= 5
    folder = tmp_path / "pred"
    folder.mkdir()
    for doc, path in second.items():
        os.symlink(path, folder / f"{doc}.ann")
    docs, texts, gold = gold_split(split)
    assert docs == sorted(second)
    preds = {doc: read_ann(path) for doc, path in second.items()}
    result = score_documents(gold, preds, texts)
    assert 0.0 < result["attribution/who-what"]["f1"] < 1.0
    assert_same_as_scorer(result, split, folder)


# ---------------------------------------------------------------- properties vs. the scorer's functions

spans_on = st.lists(st.tuples(st.integers(0, 90), st.integers(0, 90)), max_size=3)


@settings(max_examples=300, deadline=None)
@given(text=st.sampled_from(TEXTS) | st.text(alphabet="ab’'- \n.é1_", max_size=30), spans=spans_on)
def test_evaluation_tokens_match_scorer(scorer: ModuleType, text: str, spans: list) -> None:
    """Same tokens, same covered token set, even for empty, reversed and out-of-text spans."""
    tokens = Tokens(text)
    reference = scorer.tokenize(text)
    assert list(zip(tokens.starts, tokens.ends, strict=True)) == reference
    assert tokens.covered(spans) == scorer.token_set(reference, spans)


token_sets = st.lists(st.frozensets(st.integers(0, 6), max_size=4), max_size=6)


@settings(max_examples=300, deadline=None)
@given(pred=token_sets, gold=token_sets)
def test_evaluation_match_matches_scorer(scorer: ModuleType, pred: list, gold: list) -> None:
    assert match(pred, gold, lambda a, b: len(a & b), 1) == scorer.match(pred, gold, scorer.overlap, 1)
    assert match(pred, gold, dice, 0.5) == scorer.match(pred, gold, scorer.dice, 0.5)
    for a, b in zip(pred, gold, strict=False):
        assert dice(a, b) == scorer.dice(a, b)


attribution_strategy = st.fixed_dictionaries(
    {},
    optional={
        role: st.lists(st.tuples(st.integers(0, 80), st.integers(0, 80)).map(sorted), max_size=2)
        for role in ROLES
    },
)


def _scorer_tallies(scorer: ModuleType, text: str, pred: list, gold: list) -> dict[str, tuple]:
    tokens = scorer.tokenize(text)
    tallies = {name: scorer.Tally() for name in METRICS}
    scorer.score_doc(scorer.as_tokens(pred, tokens), scorer.as_tokens(gold, tokens), tallies)
    return {n: (t.tp_p, t.tp_g, t.n_pred, t.n_gold) for n, t in tallies.items()}


@settings(max_examples=300, deadline=None)
@given(
    text=st.sampled_from(TEXTS),
    pred=st.lists(attribution_strategy, max_size=5),
    gold=st.lists(attribution_strategy, max_size=5),
)
def test_evaluation_score_document_matches_scorer(
    scorer: ModuleType, text: str, pred: list, gold: list
) -> None:
    tokens = Tokens(text)
    tallies = {name: Tally() for name in METRICS}
    score_document([tokens.roles(a) for a in pred], [tokens.roles(a) for a in gold], tallies)
    mine = {n: (t.credited_pred, t.credited_gold, t.n_pred, t.n_gold) for n, t in tallies.items()}
    assert mine == _scorer_tallies(scorer, text, pred, gold)


@settings(max_examples=60, deadline=None)
@given(
    gold=st.lists(st.lists(attribution_strategy, max_size=4), min_size=1, max_size=3),
    pred=st.lists(st.none() | st.lists(attribution_strategy, max_size=4), min_size=3, max_size=3),
)
def test_evaluation_whole_run_matches_scorer_main(scorer: ModuleType, gold: list, pred: list) -> None:
    """Invented split, random gold and predictions: same JSON and same printout as the scorer's main()."""
    with tempfile.TemporaryDirectory() as directory:
        split = Path(directory) / "split"
        (split / "text").mkdir(parents=True)
        (split / "attributions").mkdir()
        texts, golds, preds = {}, {}, {}
        for n, attrs in enumerate(gold):
            doc = f"doc{n}"
            texts[doc] = TEXTS[n % len(TEXTS)]
            golds[doc] = attrs
            (split / "text" / f"{doc}.txt").write_text(texts[doc], encoding="utf-8", newline="")
            ann = attributions_to_ann(texts[doc], attrs)
            (split / "attributions" / f"{doc}_ab12.ann").write_text(ann, encoding="utf-8")
            if pred[n] is not None:
                preds[doc] = pred[n]
        path = Path(directory) / "pred.jsonl"
        write_predictions(path, preds)
        out = Path(directory) / "out.json"
        stdout = io.StringIO()
        docs, read_texts, read_gold = gold_split(split)
        assert docs == sorted(texts) and read_texts == texts
        try:
            with contextlib.redirect_stdout(stdout):
                scorer.main([str(split), str(path), "--json", str(out)])
        except SystemExit as stop:  # a predicted span lies outside its text
            with pytest.raises(NewsgraphError) as info:
                score_documents(read_gold, preds, read_texts)
            assert str(info.value) == f"E017 {stop.code}"
            return
        result = score_documents(read_gold, preds, read_texts)
        assert result == json.loads(out.read_text(encoding="utf-8"))
        assert format_table(result) + "\n" == stdout.getvalue()


# ---------------------------------------------------------------- errors and helpers


def test_evaluation_span_outside_text_is_one_coded_line(dev: tuple, tmp_path: Path) -> None:
    docs, texts, gold = dev
    doc = docs[0]
    length = len(texts[doc])
    preds = {doc: [{"cue": [(length - 2, length + 3)], "content": [(0, 4)]}]}
    with pytest.raises(NewsgraphError) as info:
        score_documents(gold, preds, texts)
    assert info.value.code == "E017"
    path = tmp_path / "bad.jsonl"
    write_predictions(path, preds)
    proc = subprocess.run(
        [sys.executable, str(SCORER), str(DEV), str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert str(info.value) == "E017 " + proc.stderr.strip()


def test_evaluation_gold_split_layout_error(tmp_path: Path) -> None:
    (tmp_path / "text").mkdir()
    with pytest.raises(NewsgraphError) as info:
        gold_split(tmp_path)
    assert info.value.code == "E012" and str(tmp_path) in str(info.value)


def test_evaluation_gold_split_first_annotator_and_texts(tmp_path: Path) -> None:
    text = "Ines said rain. Tom said sun.\n"
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    (tmp_path / "text" / "b.txt").write_text(text, encoding="utf-8")
    first = attributions_to_ann(text, [{"cue": [(5, 9)], "source": [(0, 4)], "content": [(10, 14)]}])
    second = attributions_to_ann(text, [{"cue": [(20, 24)], "source": [(16, 19)], "content": [(25, 28)]}])
    (tmp_path / "attributions" / "b_ff00.ann").write_text(second, encoding="utf-8")
    (tmp_path / "attributions" / "b_0a1b.ann").write_text(first, encoding="utf-8")
    (tmp_path / "attributions" / "a_0a1b.ann").write_text(first, encoding="utf-8")  # no text: left out
    docs, texts, gold = gold_split(tmp_path)
    assert docs == ["b"]
    assert texts == {"b": text}
    assert gold["b"] == [{"cue": [(5, 9)], "source": [(0, 4)], "content": [(10, 14)]}]
    for role, spans in gold["b"][0].items():
        assert [text[s:e] for s, e in spans] == [{"cue": "said", "source": "Ines", "content": "rain"}[role]]


def test_evaluation_agreement_scores_further_annotators_against_the_first(tmp_path: Path) -> None:
    """Each further annotator file is a prediction against the first; single and unreadable files left out."""
    text = "Ines said rain. Tom said sun.\n"
    (tmp_path / "text").mkdir()
    (tmp_path / "attributions").mkdir()
    for doc in ("b", "c", "d"):
        (tmp_path / "text" / f"{doc}.txt").write_text(text, encoding="utf-8")
    right = {"cue": [(5, 9)], "source": [(0, 4)], "content": [(10, 14)]}
    wrong_source = {**right, "source": [(16, 19)]}
    files = {
        "b_0001.ann": [right],  # the gold of b
        "b_0002.ann": [right],  # agrees
        "b_0003.ann": [wrong_source],  # same cue and content, another source
        "c_0001.ann": [right],  # one file only: nothing to compare
        "d_0001.ann": [right],
    }
    for name, attrs in files.items():
        (tmp_path / "attributions" / name).write_text(attributions_to_ann(text, attrs), encoding="utf-8")
    (tmp_path / "attributions" / "d_0002.ann").write_text("T1\tCue 5 x\tsaid\n", encoding="utf-8")
    logged: list[str] = []
    result = agreement([tmp_path], logged.append)
    assert (result["articles"], result["pairs"]) == (1, 2)
    assert len(logged) == 1 and "E016" in logged[0] and "d_0002.ann" in logged[0]
    assert result["attribution/who-what"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "pred": 2, "gold": 2}
    assert result["attribution/content"]["f1"] == 1.0
    assert result["source/exact"]["f1"] == 0.5 and result["cue/exact"]["f1"] == 1.0


def test_evaluation_agreement_matches_scorer_on_polnear(scorer: ModuleType) -> None:
    """The human agreement on PolNeAR's articles annotated several times, as the official scorer counts it."""
    require(TRAIN)
    result = agreement([TRAIN, DEV])
    tallies = {name: scorer.Tally() for name in METRICS}
    pairs = 0
    for part in (TRAIN, DEV):
        by_doc: dict[str, list[Path]] = {}
        for path in sorted((part / "attributions").glob("*.ann")):
            by_doc.setdefault(re.sub(r"_[0-9a-f]{4}\.ann$", "", path.name), []).append(path)
        for doc, paths in sorted(by_doc.items()):
            if len(paths) < 2:
                continue
            tokens = scorer.tokenize(scorer.read_text(str(part / "text" / f"{doc}.txt")))
            gold = scorer.as_tokens(scorer.parse_ann(str(paths[0])), tokens)
            for other in paths[1:]:
                scorer.score_doc(scorer.as_tokens(scorer.parse_ann(str(other)), tokens), gold, tallies)
                pairs += 1
    assert result["pairs"] == pairs >= 50
    assert {name: result[name] for name in METRICS} == {name: t.prf() for name, t in tallies.items()}


def test_evaluation_predictions_from_analysis_offsets() -> None:
    text = "Ines Okafor said the ferry runs hourly. Officials disagree, it is said."

    def span(fragment: str, cls: type[Span] = Span) -> Span:
        start = text.index(fragment)
        return cls(start=start, end=start + len(fragment), text=fragment)

    analysis = Analysis(
        article=Article(text=text),
        attributions=[
            Attribution(
                id="a1",
                kind="indirect",
                source=span("Ines Okafor", LinkedSpan),
                cue=span("said"),
                content=[span("the ferry runs hourly")],
            ),
            Attribution(
                id="a2",
                kind="indirect",
                source=None,
                cue=span("is said"),
                content=[span("Officials disagree")],
            ),
        ],
    )
    predictions = predictions_from_analysis(analysis)
    assert [a["source"] for a in predictions] == [[(0, 11)], []]
    for attribution in predictions:
        covered = {role: [text[s:e] for s, e in attribution[role]] for role in ROLES}
        assert covered["cue"] in (["said"], ["is said"])
    assert predictions[1]["content"] == [(text.index("Officials"), text.index(", it"))]


def test_evaluation_format_table_rows(dev: tuple) -> None:
    docs, texts, gold = dev
    result = score_documents(gold, {}, texts)
    lines = format_table(result).split("\n")
    assert lines[0] == f"documents: {len(docs)}  without a prediction: {len(docs)}"
    assert [line.split()[0] for line in lines[2:-1]] == list(METRICS)
    assert lines[-1] == "who-said-what F1 = 0.000"
    assert result["attribution/who-what"]["gold"] == sum(len(gold[d]) for d in docs)


# ---------------------------------------------------------------- end to end, through spaCy


def test_evaluation_evaluate_pipeline_matches_scorer(tmp_path: Path) -> None:
    """Three dev articles through the real pipeline; the scorer agrees on the written predictions."""
    require(DEV)
    pytest.importorskip("newsgraph.analysis.pipeline", reason="the pipeline's components are not importable yet")
    out = tmp_path / "pred.jsonl"
    result = evaluate(DEV, limit=3, predictions_out=out)
    assert result["documents"] == 3 and result["documents_without_prediction"] == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["doc"] for line in lines] == gold_split(DEV)[0][:3]
    assert_same_as_scorer(result, DEV, out, "--docs", "3")


def test_evaluation_annotation_files_group_each_articles_annotators(tmp_path: Path) -> None:
    """One article's files together in sorted order (the first is the gold), other files ignored."""
    for name in ("pier_b2c3.ann", "pier_0a1f.ann", "ferry_ffff.ann", "notes.ann", "pier_0a1f.txt", "x_12.ann"):
        (tmp_path / name).write_text("", encoding="utf-8")
    assert annotation_files(tmp_path) == {
        "ferry": [tmp_path / "ferry_ffff.ann"],
        "pier": [tmp_path / "pier_0a1f.ann", tmp_path / "pier_b2c3.ann"],
    }
