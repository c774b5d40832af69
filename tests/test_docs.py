"""The README is part of the interface: these tests keep it true.

Every command and option, every JSON key, error code and stance must be
documented; the set-up commands must be the ones CI runs; the README's JSON
example must carry real offsets into the example article.
"""

from __future__ import annotations

import json
import os
import re
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from newsgraph import models
from newsgraph.cli import app
from newsgraph.errors import Errors, Warnings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README text under the ``## title`` heading, up to the next ``## `` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def setup_commands() -> list[str]:
    blocks = re.findall(r"^```sh\n(.*?)^```", section("Set-up"), re.M | re.S)
    assert len(blocks) == 2, "the Set-up section must hold exactly two sh blocks"
    commands = [block.strip() for block in blocks]
    assert all("\n" not in command for command in commands), "each set-up command is one line"
    return commands


def documented(name: str) -> bool:
    return f"`{name}`" in README


def test_docs_every_command_documented():
    group = typer.main.get_command(app)
    # typer vendors its own click: go by duck type (commands, params) rather than class.
    assert hasattr(group, "commands")
    missing = []
    options = [(None, param) for param in group.params]
    for name, command in group.commands.items():
        if f"### `newsgraph {name}`" not in README:
            missing.append(f"### `newsgraph {name}` heading")
        options.extend((name, param) for param in command.params)
        assert command.help, f"newsgraph {name} has no help text"
    for name, param in options:
        if getattr(param, "param_type_name", None) != "option":
            continue
        for opt in (*param.opts, *param.secondary_opts):
            if opt != "--help" and not documented(opt):
                missing.append(f"`{opt}` (newsgraph {name or ''})")
    assert {"analyze", "eval"} <= set(group.commands)
    assert missing == [], f"not documented in README.md: {missing}"


def test_docs_ci_runs_readme_test_command():
    run_example, run_tests = setup_commands()
    assert run_tests == "bash scripts/test"
    script_text = (ROOT / "scripts" / "test").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in script_text
    assert script_text.rstrip().endswith(".venv/bin/pytest")
    ci = ROOT / ".ci" / "run"
    script = ci.read_text(encoding="utf-8")
    assert run_tests in script.splitlines(), ".ci/run must run README's test command verbatim"
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    assert os.access(ci, os.X_OK)
    # The other command installs newsgraph and runs it on an example that exists.
    match = re.search(r"\.venv/bin/newsgraph analyze (examples/\S+\.txt) --format text$", run_example)
    assert match, run_example
    assert (ROOT / match.group(1)).is_file()
    assert run_example.startswith("python3.11 -m venv .venv && .venv/bin/pip install --require-hashes -r requirements.lock && ")


def _model_keys(model: type[BaseModel], seen: set[type]) -> set[str]:
    keys: set[str] = set()
    if model in seen:
        return keys
    seen.add(model)
    for name, field in model.model_fields.items():
        keys.add(name)
        stack = [field.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                keys |= _model_keys(tp, seen)
            stack.extend(typing.get_args(tp))
    return keys


def _json_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _json_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _json_keys(v)}
    return set()


def test_docs_model_fields_documented():
    keys = _model_keys(models.Analysis, set())
    assert {"article", "cue", "entity", "start"} <= keys  # the walk reaches nested models
    assert sorted(k for k in keys if not documented(k)) == []


def test_docs_json_keys_documented(tmp_path):
    # A real output, with a source, an addressee and nested spans, from the example article.
    result = CliRunner().invoke(app, ["analyze", str(ROOT / "examples" / "flood-barrier.txt")])
    assert result.exit_code == 0, result.stderr
    keys = _json_keys(json.loads(result.stdout))
    assert {"name", "path", "article", "attributions", "start", "text"} <= keys
    assert sorted(k for k in keys if not documented(k)) == []


def test_docs_example_json_has_real_offsets():
    block = re.search(r"^```json\n(.*?)^```", section("JSON output"), re.M | re.S)
    assert block
    example = json.loads(block.group(1))
    text = (ROOT / example["path"]).read_text(encoding="utf-8")
    spans = []

    def collect(value: object) -> None:
        if isinstance(value, dict):
            if {"start", "end", "text"} <= set(value):
                spans.append(value)
            for v in value.values():
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    collect(example)
    assert len(spans) >= 5
    for span in spans:
        assert text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize("catalogue", [Errors, Warnings])
def test_docs_error_codes_documented(catalogue):
    rows = dict(re.findall(r"^\| ([EW]\d{3}) \| `(.*)` \|$", section("Error codes"), re.M))
    for code, template in vars(catalogue).items():
        if not re.fullmatch(r"[EW]\d{3}", code):
            continue
        expected = template.split(" ", 1)[1]
        assert rows.get(code) == expected, f"README row should be: | {code} | `{expected}` |"


def test_docs_stances_documented():
    table = section("Stance")
    for stance in typing.get_args(models.Stance):
        assert re.search(rf"^\| `{stance}` \| \S", table, re.M), f"stance {stance} not in the table"
    # The neutral and emphatic rows list the cues the brief fixes.
    assert "according to" in table and "insisted" in table and "claimed" in table
