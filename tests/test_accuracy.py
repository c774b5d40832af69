"""Accuracy on PolNeAR dev, scored exactly as ``../shared/bench/attribution_score.py`` does.

Why a test: accuracy is the product. The learned engine (``--model
trained``, the default) ships its weights, and its run is deterministic, so
its dev who-said-what F1 must stay within 0.01 of what docs/model-card.md
reports (the other headline metrics within 0.02): a larger move either way
means the weights or the code around them changed and the card is stale.
The rule engine keeps its floors for who-said-what F1 and precision, 0.02
under what it reached when they were last raised (docs/results.md). The MiniLM
tagger (``--model neural``) is checked only where its weights are installed
(``NEWSGRAPH_MODEL``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from newsgraph.analysis import learned, neural
from newsgraph.eval.scoring import evaluate, format_table

# `--model trained` (the shipped weights, version 8: trees, lexical model, dense network, cue and content
# choosers; with the twelfth session's question and misparse candidates) on dev, as reported in
# docs/model-card.md.
LEARNED = {
    "attribution/who-what": 0.754,
    "source/exact": 0.788,
    "cue/exact": 0.731,
    "content/exact": 0.626,
}
LEARNED_TOLERANCE = {"attribution/who-what": 0.01}  # the headline; the others 0.02
# `--model neural` (rules + MiniLM, full precision) on dev as reported in docs/model-card.md, for the weights
# made by `newsgraph train --engine neural --epochs 10 --device cuda` (twelfth session; not shipped: run with
# NEWSGRAPH_MODEL=DIR to check them).
REPORTED = {
    "attribution/who-what": 0.733,
    "source/exact": 0.783,
    "cue/exact": 0.716,
    "content/exact": 0.580,
}
TOLERANCE = 0.02
# The rules reached P 0.822, R 0.604, F1 0.696 on 2026-11-27 (docs/results.md, twelfth session).
# Each floor is 0.02 under, but never under issue 9's targets (F1 >= 0.671 with precision >= 0.78).
RULES_WHO_WHAT_FLOOR = 0.671
RULES_WHO_WHAT_PRECISION_FLOOR = 0.797
RULES_PARTIAL_FLOOR = 0.70  # the lowest of cue/source/content partial F1 was 0.723


@pytest.fixture(scope="module")
def learned_result(shared: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not learned.available():
        pytest.skip(f"no learned weights at {learned.weights_path()}")
    out = tmp_path_factory.mktemp("pred") / "dev.jsonl"
    return evaluate(shared / "polnear" / "dev", n_process=2, predictions_out=out, model="trained"), out


@pytest.fixture(scope="module")
def dev_result(shared: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not neural.available():
        pytest.skip("no MiniLM weights installed (NEWSGRAPH_MODEL)")
    out = tmp_path_factory.mktemp("pred") / "dev.jsonl"
    return evaluate(shared / "polnear" / "dev", n_process=2, predictions_out=out, model="neural"), out


@pytest.mark.parametrize("metric", sorted(LEARNED))
def test_accuracy_learned_engine_as_reported(learned_result, metric: str) -> None:  # type: ignore[no-untyped-def]
    result, _ = learned_result
    assert result["documents"] == 84
    tolerance = LEARNED_TOLERANCE.get(metric, 0.02)
    assert abs(result[metric]["f1"] - LEARNED[metric]) <= tolerance, (metric, result[metric])


def test_accuracy_learned_engine_beats_the_rules(learned_result, rules_result) -> None:  # type: ignore[no-untyped-def]
    result, _ = learned_result
    assert result["attribution/who-what"]["f1"] > rules_result["attribution/who-what"]["f1"]


def test_accuracy_learned_table_identical_to_scorer(learned_result, shared: Path) -> None:  # type: ignore[no-untyped-def]
    result, predictions = learned_result
    scorer = shared / "bench" / "attribution_score.py"
    printed = subprocess.run(
        [sys.executable, str(scorer), str(shared / "polnear" / "dev"), str(predictions)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.rstrip("\n") == format_table(result)


@pytest.fixture(scope="module")
def rules_result(shared: Path):  # type: ignore[no-untyped-def]
    return evaluate(shared / "polnear" / "dev", n_process=2, model="rules")


@pytest.mark.parametrize("metric", sorted(REPORTED))
def test_accuracy_neural_model_as_reported(dev_result, metric: str) -> None:  # type: ignore[no-untyped-def]
    result, _ = dev_result
    assert result["documents"] == 84
    assert abs(result[metric]["f1"] - REPORTED[metric]) <= TOLERANCE, (metric, result[metric])


def test_accuracy_neural_model_beats_the_rules(dev_result, rules_result) -> None:  # type: ignore[no-untyped-def]
    result, _ = dev_result
    assert result["attribution/who-what"]["f1"] > rules_result["attribution/who-what"]["f1"]


def test_accuracy_rules_who_said_what_floor(rules_result) -> None:  # type: ignore[no-untyped-def]
    assert rules_result["documents"] == 84
    assert rules_result["attribution/who-what"]["f1"] >= RULES_WHO_WHAT_FLOOR


def test_accuracy_rules_who_said_what_precision_floor(rules_result) -> None:  # type: ignore[no-untyped-def]
    # phantom statements (purpose clauses, a content's own verb, ...) cost precision: keep them out
    assert rules_result["attribution/who-what"]["precision"] >= RULES_WHO_WHAT_PRECISION_FLOOR


@pytest.mark.parametrize("role", ["cue", "source", "content"])
def test_accuracy_rules_partial_floor(rules_result, role: str) -> None:  # type: ignore[no-untyped-def]
    assert rules_result[f"{role}/partial"]["f1"] >= RULES_PARTIAL_FLOOR


def test_accuracy_neural_table_identical_to_scorer(dev_result, shared: Path) -> None:  # type: ignore[no-untyped-def]
    result, predictions = dev_result
    scorer = shared / "bench" / "attribution_score.py"
    printed = subprocess.run(
        [sys.executable, str(scorer), str(shared / "polnear" / "dev"), str(predictions)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.rstrip("\n") == format_table(result)


@pytest.mark.parametrize("engine", ["trained", "neural"])
def test_accuracy_threshold_trades_recall_for_precision(shared: Path, engine: str) -> None:
    if not (learned.available() if engine == "trained" else neural.available()):
        pytest.skip(f"no {engine} weights installed")
    split = shared / "polnear" / "dev"
    low = evaluate(split, n_process=2, model=engine, limit=20)
    high = evaluate(split, n_process=2, model=engine, limit=20, threshold=0.9)
    metric = "attribution/who-what"
    assert high[metric]["pred"] < low[metric]["pred"]
    assert high[metric]["recall"] <= low[metric]["recall"]
    assert high[metric]["precision"] >= low[metric]["precision"]
