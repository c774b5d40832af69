"""Training the attribution model: gold targets, a split reader that survives bad files, determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from conftest import MINI_TEXTS as TEXTS

from newsgraph.analysis import neural
from newsgraph.errors import NewsgraphError
from newsgraph.eval.training import Example, load_split, targets, train


@pytest.fixture()
def split(mini_split: Path, tmp_path: Path) -> Path:
    """A private copy of the invented split, free to be spoiled."""
    import shutil

    return Path(shutil.copytree(mini_split, tmp_path / "split"))


def test_training_load_split_reports_and_skips_a_broken_file(split: Path) -> None:
    (split / "text" / "broken.txt").write_text("Someone said something.\n", encoding="utf-8")
    (split / "attributions" / "broken_0a1b.ann").write_text("T1 no tab here\n", encoding="utf-8")
    errors: list[str] = []
    examples = load_split(split, on_error=errors.append)
    assert [e.name for e in examples] == ["harbour", "school"]
    assert len(errors) == 1 and errors[0].startswith("E016")


def test_training_load_split_missing_layout_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(NewsgraphError) as err:
        load_split(tmp_path)
    assert str(err.value).startswith("E012")


def test_training_targets_tag_and_link_the_gold(split: Path) -> None:
    example = next(e for e in load_split(split) if e.name == "harbour")
    enc = neural.encode(example.text)
    gold = targets(example, enc)
    assert len(gold.spans["cue"]) == 2 and len(gold.spans["content"]) == 2
    for r, role in enumerate(neural.ROLES):
        for s, e in gold.spans[role]:
            assert gold.tags[s][r] == 1 and all(gold.tags[i][r] == 2 for i in range(s + 1, e))
    said = gold.spans["cue"].index(
        next(
            sp
            for sp in gold.spans["cue"]
            if example.text[slice(*neural.char_span(example.text, enc, sp))] == "said"
        )
    )
    linked = {j for i, j in gold.links["content"] if i == said}
    assert [
        example.text[slice(*neural.char_span(example.text, enc, gold.spans["content"][j]))] for j in linked
    ] == ["the pier would open in May"]


def test_training_targets_ignore_spans_outside_the_pieces() -> None:
    example = Example("x", "Hi.", [{"cue": [(10, 12)], "source": [], "content": [(0, 2)]}])
    gold = targets(example, neural.encode(example.text))
    assert gold.spans["cue"] == [] and gold.links["content"] == set()


def _digest(path: Path) -> str:
    return hashlib.sha256((path / neural.WEIGHTS_FILE).read_bytes()).hexdigest()


@pytest.mark.skipif(not neural.base_model_dir().is_dir(), reason="the pretrained encoder package is missing")
def test_training_same_seed_same_weights(split: Path, tmp_path: Path) -> None:
    first = train(split, split, tmp_path / "a", epochs=1, threads=1, log=lambda _: None)
    train(split, split, tmp_path / "b", epochs=1, threads=1, log=lambda _: None)
    assert first["train_articles"] == 2 and first["epoch"] == 1 and first["device"] == "cpu"
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")
    model = neural.AttributionModel.load(tmp_path / "a")  # what train saved loads and predicts
    for p in model.predict(TEXTS["school"]):
        assert 0 <= p.cue[0] < p.cue[1] <= len(TEXTS["school"])


@pytest.mark.parametrize(
    ("device", "why"),
    [("cuda", "no CUDA GPU"), ("meta", "only cpu and cuda"), ("graphics-card", "graphics-card")],
)
def test_training_device_without_it_is_a_coded_error(
    split: Path, tmp_path: Path, device: str, why: str
) -> None:
    import torch

    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU, so training there is not an error")
    with pytest.raises(NewsgraphError) as err:
        train(split, split, tmp_path / "m", epochs=1, threads=1, device=device, log=lambda _: None)
    assert err.value.code == "E037" and why in str(err.value) and "--device cpu" in str(err.value)
    assert not (tmp_path / "m").exists()  # refused before anything was written


def test_training_cli_device_errors_are_one_line(split: Path, tmp_path: Path) -> None:
    import torch
    from typer.testing import CliRunner

    from newsgraph.cli import app

    base = ["train", "--train", str(split), "--dev", str(split), "--out", str(tmp_path / "m")]
    trees = CliRunner().invoke(app, [*base, "--device", "cuda"])  # the trees have no GPU path
    assert trees.exit_code == 2 and "only --engine neural runs on a GPU" in trees.stderr
    if torch.cuda.is_available():
        return
    result = CliRunner().invoke(app, [*base, "--engine", "neural", "--device", "cuda"])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 1 and len(lines) == 1 and "E037" in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
