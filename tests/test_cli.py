"""The ``newsgraph`` command: output formats, bad inputs, exit codes, never a traceback.

Most tests run the typer app in-process (``CliRunner``), so the spaCy model
is loaded once for the whole module (``pipeline.load()`` caches it). Tests of
the CLI's own plumbing (crash recovery, file naming) replace the analysis
with a small stand-in so they do not depend on what the extractors find. One
test runs ``python -m newsgraph`` in a subprocess to check the real entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from conftest import stand_in_analyzer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from newsgraph.analysis import pipeline
from newsgraph.cli import app
from newsgraph.io.reading import ReadArticle
from newsgraph.models import Analysis, Span

ARTICLE = (
    "Town opens new library after two years of work\n\n"
    "The new library on Mill Street opened its doors on Saturday.\n\n"
    '"This building belongs to everyone," Mayor Ann Holt told the crowd.\n\n'
    "Holt said the project had cost $3 million.\n\n"
    "Local resident Ben Ortiz claimed that the money should have gone to repairing roads.\n"
)

SECOND = (
    "Ferry service resumes\n\n"
    "The island ferry sailed again on Monday after a week of storms.\n\n"
    "Captain Rosa Lind said the crossing had been calm.\n"
)

runner = CliRunner()


def invoke(args: list[str], input: str | bytes | None = None):
    result = runner.invoke(app, args, input=input)
    # Whatever happens, the user sees no traceback and no escaped exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return result


def stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def check_analysis(obj: dict) -> Analysis:
    """Validate one JSON object against the models and every span against the text."""
    body = {k: v for k, v in obj.items() if k not in ("name", "path")}
    analysis = Analysis.model_validate(body)
    text = analysis.article.text
    for span in analysis.spans():
        assert text[span.start : span.end] == span.text
    return analysis


# ---------------------------------------------------------------- a stand-in analysis


def _first_line_authorial(read: ReadArticle) -> Analysis:
    first = read.article.text.split("\n", 1)[0]
    return Analysis(article=read.article, authorial=[Span(start=0, end=len(first), text=first)],
                    warnings=list(read.warnings))


fake_analyze_articles = stand_in_analyzer(_first_line_authorial)


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(pipeline, "load", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "analyze_articles", fake_analyze_articles)


# ---------------------------------------------------------------- json


def test_cli_analyze_one_article_prints_one_valid_pretty_json(tmp_path):
    path = write(tmp_path / "library.txt", ARTICLE)
    result = invoke(["analyze", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("{\n")
    obj = json.loads(result.stdout)
    assert obj["name"] == "library" and obj["path"] == str(path)
    analysis = check_analysis(obj)
    assert analysis.article.text == ARTICLE
    assert stderr_lines(result) == []  # one input: no summary line


def test_cli_analyze_several_articles_print_json_lines_in_order(tmp_path):
    first = write(tmp_path / "b-library.txt", ARTICLE)
    second = write(tmp_path / "a-ferry.txt", SECOND)
    result = invoke(["analyze", str(first), str(second)])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    objs = [json.loads(line) for line in lines]
    assert [o["name"] for o in objs] == ["b-library", "a-ferry"]
    for obj in objs:
        check_analysis(obj)
    assert stderr_lines(result) == ["newsgraph: analysed 2, failed 0, warnings 0"]


def test_cli_analyze_out_writes_one_json_file_per_article(tmp_path):
    write(tmp_path / "in" / "library.txt", ARTICLE)
    write(tmp_path / "in" / "sub" / "ferry.txt", SECOND)
    out = tmp_path / "out"
    result = invoke(["analyze", str(tmp_path / "in"), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in out.iterdir()) == ["ferry.json", "library.json"]
    assert check_analysis(json.loads((out / "ferry.json").read_text("utf-8"))).article.text == SECOND


# ---------------------------------------------------------------- text and brat


def test_cli_analyze_text_shows_actor_names(tmp_path):
    path = write(tmp_path / "library.txt", ARTICLE)
    analysis = check_analysis(json.loads(invoke(["analyze", str(path)]).stdout))
    result = invoke(["analyze", str(path), "--format", "text"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(analysis.article.title or "Town opens new library")
    names = {e.id: e.name for e in analysis.entities}
    sources = [a.source for a in analysis.attributions if a.source is not None and a.source.entity in names]
    assert sources, "the invented article's speakers should be found"
    assert all(line == line.rstrip() for line in result.stdout.splitlines())
    flat = " ".join(result.stdout.split())
    for source in sources:
        assert names[source.entity] in flat
    for attribution in analysis.attributions:
        assert attribution.cue.text in flat


def test_cli_analyze_brat_writes_ann_files_that_parse(tmp_path):
    from newsgraph.io.brat import parse_ann

    path = write(tmp_path / "library.txt", ARTICLE)
    analysis = check_analysis(json.loads(invoke(["analyze", str(path)]).stdout))
    out = tmp_path / "brat"
    result = invoke(["analyze", str(path), "--format", "brat", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["library.ann", "library.txt"]
    text = (out / "library.txt").read_text(encoding="utf-8")
    assert text == analysis.article.text
    events = parse_ann((out / "library.ann").read_text(encoding="utf-8"))
    assert len(events) == len(analysis.attributions)
    cues = sorted(tuple(e["cue"][0]) for e in events)
    assert cues == sorted((a.cue.start, a.cue.end) for a in analysis.attributions)
    for event in events:
        for spans in event.values():
            for start, end in spans:
                assert 0 <= start <= end <= len(text)


def test_cli_analyze_brat_without_out_is_a_usage_error(tmp_path):
    path = write(tmp_path / "library.txt", ARTICLE)
    result = invoke(["analyze", str(path), "--format", "brat"])
    assert result.exit_code == 2
    assert stderr_lines(result) == [f"newsgraph: error: E013 {path}: --out is required for --format brat"]
    assert result.stdout == ""


# ---------------------------------------------------------------- bad inputs


def test_cli_bad_files_get_one_error_line_each_and_the_good_one_is_written(tmp_path):
    folder = tmp_path / "in"
    write(folder / "empty.txt", "")
    write(folder / "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" * 4)
    write(folder / "good.txt", ARTICLE)
    out = tmp_path / "out"
    result = invoke(["analyze", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    lines = stderr_lines(result)
    errors = [line for line in lines if line.startswith("newsgraph: error: ")]
    assert len(errors) == 2
    assert any(line.startswith("newsgraph: error: E001 ") and "empty.txt" in line for line in errors)
    assert any(line.startswith("newsgraph: error: E002 ") and "image.txt" in line for line in errors)
    assert lines[-1] == "newsgraph: analysed 1, failed 2, warnings 0"
    assert [p.name for p in out.iterdir()] == ["good.json"]
    check_analysis(json.loads((out / "good.json").read_text(encoding="utf-8")))


def test_cli_bad_published_date_is_one_coded_line(tmp_path):
    path = write(tmp_path / "library.txt", ARTICLE)
    result = invoke(["analyze", str(path), "--published", "2024-13-45"])
    assert result.exit_code != 0
    assert stderr_lines(result) == [
        "newsgraph: error: E011 '2024-13-45' is not a date (expected YYYY-MM-DD or an ISO 8601 timestamp)"
    ]
    assert result.stdout == ""


def test_cli_published_date_reaches_the_article(tmp_path, stand_in):
    path = write(tmp_path / "library.txt", ARTICLE)
    result = invoke(["analyze", str(path), "--published", "2025-03-04"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["article"]["published"] == "2025-03-04"


def test_cli_reads_stdin(tmp_path):
    result = invoke(["analyze", "-"], input=ARTICLE.encode("utf-8"))
    assert result.exit_code == 0, result.stderr
    obj = json.loads(result.stdout)
    assert obj["name"] == "<stdin>"
    assert check_analysis(obj).article.text == ARTICLE


def test_cli_crash_on_one_article_is_one_e999_line_and_the_rest_go_on(tmp_path, stand_in):
    names = ["a", "b", "boom", "c", "d"]
    paths = [write(tmp_path / f"{n}.txt", f"{n.upper()} headline\n\nbody {n}\n") for n in names]
    result = invoke(["analyze", *map(str, paths)])
    assert result.exit_code == 1
    assert [json.loads(line)["name"] for line in result.stdout.splitlines()] == ["a", "b", "c", "d"]
    lines = stderr_lines(result)
    assert len(lines) == 2
    assert lines[0].startswith(f"newsgraph: error: E999 {paths[2]}: internal error: RuntimeError: stand-in crash")
    assert lines[1] == "newsgraph: analysed 4, failed 1, warnings 0"


def test_cli_processes_give_the_same_output(tmp_path):
    paths = [str(write(tmp_path / f"{i}.txt", text)) for i, text in enumerate([ARTICLE, SECOND, ARTICLE])]
    one = invoke(["analyze", *paths])
    two = invoke(["analyze", *paths, "--processes", "2"])
    assert one.exit_code == two.exit_code == 0
    assert len(one.stdout.splitlines()) == 3
    assert two.stdout == one.stdout


def test_cli_crash_in_a_worker_process_is_one_line(tmp_path, monkeypatch):
    real = pipeline.to_analysis

    def fragile(doc, read):
        if "BOOM" in doc.text:
            raise ValueError("worker crash")
        return real(doc, read)

    monkeypatch.setattr(pipeline, "to_analysis", fragile)  # forked workers inherit the patch
    texts = [ARTICLE, SECOND + "BOOM\n", SECOND, ARTICLE]
    paths = [str(write(tmp_path / f"{i}.txt", text)) for i, text in enumerate(texts)]
    result = invoke(["analyze", *paths, "--processes", "2"])
    assert result.exit_code == 1
    assert [json.loads(line)["name"] for line in result.stdout.splitlines()] == ["0", "2", "3"]
    assert stderr_lines(result) == [
        f"newsgraph: error: E999 {paths[1]}: internal error: ValueError: worker crash "
        "(please report this with the input)",
        "newsgraph: analysed 3, failed 1, warnings 0",
    ]


def test_cli_errors_keep_input_order_with_analyses(tmp_path, stand_in):
    good = write(tmp_path / "good.txt", "Headline\n\nBody.\n")
    result = invoke(["analyze", str(tmp_path / "missing.txt"), str(good), str(tmp_path / "gone.txt")])
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert [line.split()[2] for line in lines[:2]] == ["E005", "E005"]
    assert "missing.txt" in lines[0] and "gone.txt" in lines[1]
    assert json.loads(result.stdout)["name"] == "good"


def test_cli_out_names_are_unique_and_safe(tmp_path, stand_in):
    write(tmp_path / "in" / "one" / "same.txt", "First\n\nOne.\n")
    write(tmp_path / "in" / "two" / "same.txt", "Second\n\nTwo.\n")
    records = [{"id": "a/b c", "text": "Third\n\nThree."}, {"id": "a/b c", "text": "Fourth\n\nFour."}]
    write(tmp_path / "in" / "records.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    out = tmp_path / "out"
    result = invoke(["analyze", str(tmp_path / "in"), "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in out.iterdir())
    assert written == ["a_b_c-2.json", "a_b_c.json", "same-2.json", "same.json"]
    texts = {json.loads((out / n).read_text("utf-8"))["article"]["text"].split("\n")[0] for n in written}
    assert texts == {"First", "Second", "Third", "Fourth"}


def test_cli_unwritable_output_is_one_e018_line_per_article(tmp_path, stand_in):
    blocked = write(tmp_path / "in" / "blocked.txt", "Blocked\n\nBody.\n")
    fine = write(tmp_path / "in" / "fine.txt", "Fine\n\nBody.\n")
    out = tmp_path / "out"
    (out / "blocked.json").mkdir(parents=True)  # a directory where the file should go
    result = invoke(["analyze", str(blocked), str(fine), "--out", str(out)])
    assert result.exit_code == 1
    lines = stderr_lines(result)
    assert len(lines) == 2 and lines[0].startswith(f"newsgraph: error: E018 {blocked}: cannot write the output: ")
    assert lines[1] == "newsgraph: analysed 1, failed 1, warnings 0"
    assert json.loads((out / "fine.json").read_text("utf-8"))["name"] == "fine"


def test_cli_text_report_with_out_goes_to_a_file(tmp_path, stand_in):
    path = write(tmp_path / "fine.txt", "Fine day\n\nThe sun shone.\n")
    result = invoke(["analyze", str(path), "--format", "text", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    report = (tmp_path / "out" / "fine.report.txt").read_text("utf-8")
    assert report.startswith("fine\n") or report.startswith("Fine day\n")
    assert "Authorial voice: 1 sentences" in report


def test_cli_text_too_long_for_the_parser_is_e015(tmp_path, monkeypatch, stand_in):
    monkeypatch.setattr(pipeline, "MAX_CHARS", 40)
    long = write(tmp_path / "long.txt", "Headline\n\n" + "A sentence of the body. " * 3)
    short = write(tmp_path / "short.txt", "Headline\n\nShort body.\n")
    result = invoke(["analyze", str(long), str(short)])
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == (
        f"newsgraph: error: E015 {long}: text is 82 characters, above the limit of 40"
    )
    assert json.loads(result.stdout)["name"] == "short"


def test_cli_warnings_are_printed_and_counted(tmp_path, stand_in):
    latin1 = "Caf\xe9 reopens\n\nThe caf\xe9 on the square reopened, its owner said on Tuesday.\n"
    path = write(tmp_path / "cafe.txt", latin1.encode("latin-1") * 3)
    other = write(tmp_path / "other.txt", SECOND)
    result = invoke(["analyze", str(path), str(other)])
    assert result.exit_code == 0, result.stderr
    lines = stderr_lines(result)
    warnings = [line for line in lines if line.startswith("newsgraph: warning: W")]
    assert any(line.startswith(f"newsgraph: warning: W002 {path}: ") for line in warnings)
    assert len(warnings) == len(lines) - 1
    assert lines[-1] == f"newsgraph: analysed 2, failed 0, warnings {len(warnings)}"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8"))))
def test_cli_any_stdin_gives_valid_json_or_coded_lines(data: bytes):
    result = invoke(["analyze", "-"], input=data)
    lines = stderr_lines(result)
    errors = [line for line in lines if line.startswith("newsgraph: error: E0")]
    others = [line for line in lines if line not in errors]
    assert all(
        line.startswith("newsgraph: warning: W") or line.startswith("newsgraph: analysed ") for line in others
    )
    assert result.exit_code == (1 if errors else 0)
    if result.stdout.startswith("{\n"):
        check_analysis(json.loads(result.stdout))
    else:
        for line in result.stdout.splitlines():
            check_analysis(json.loads(line))
    if result.exit_code == 0:
        assert result.stdout


# ---------------------------------------------------------------- eval, version, entry point


def _tiny_split(root: Path) -> Path:
    text = 'Rain expected\n\n"Bring an umbrella," forecaster Lena Park said.\n'
    write(root / "text" / "rain.txt", text)
    cue = text.index("said")
    content = text.index("Bring an umbrella,")
    source = text.index("forecaster Lena Park")
    ann = (
        f"T1\tSource {source} {source + 20}\tforecaster Lena Park\n"
        f"T2\tCue {cue} {cue + 4}\tsaid\n"
        f"T3\tContent {content} {content + 18}\tBring an umbrella,\n"
        f"T4\tAttribution {cue} {cue + 4}\tsaid\n"
        "E1\tAttribution:T4 Cue:T2 Source:T1 Content:T3\n"
    )
    write(root / "attributions" / "rain_ab12.ann", ann)
    return root


def test_cli_eval_prints_the_scorers_table_and_predictions(tmp_path):
    from newsgraph.eval.scoring import evaluate, format_table

    split = _tiny_split(tmp_path / "split")
    predictions = tmp_path / "pred.jsonl"
    result = invoke(["eval", str(split), "--predictions", str(predictions)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == format_table(evaluate(split)).strip()
    records = [json.loads(line) for line in predictions.read_text("utf-8").splitlines()]
    assert [r["doc"] for r in records] == ["rain"]


def test_cli_eval_on_a_directory_that_is_no_split_is_one_line(tmp_path):
    result = invoke(["eval", str(tmp_path), "--limit", "1"])
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        f"newsgraph: error: E012 {tmp_path}: "
        "the split directory needs text/ and attributions/ sub-directories"
    ]


def test_cli_version_is_the_package_version():
    result = invoke(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"newsgraph {metadata.version('newsgraph')}"


def test_cli_python_m_newsgraph_runs_the_command(tmp_path):
    good = write(tmp_path / "library.txt", ARTICLE)
    proc = subprocess.run(
        [sys.executable, "-m", "newsgraph", "analyze", str(good), str(tmp_path / "nope.txt")],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        f"newsgraph: error: E005 {tmp_path / 'nope.txt'}: no such file or directory",
        "newsgraph: analysed 1, failed 1, warnings 0",
    ]
    check_analysis(json.loads(proc.stdout))
