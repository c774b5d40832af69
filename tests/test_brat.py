"""BRAT standoff: reading like the official scorer, writing PolNeAR's form, offsets intact."""

from __future__ import annotations

import importlib.util
import os
import re
import tempfile
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.errors import NewsgraphError
from newsgraph.io.brat import (
    ROLES,
    attribution_spans,
    attributions_to_ann,
    fragments,
    parse_ann,
    read_ann,
    to_ann,
)
from newsgraph.models import Analysis, Article, Attribution, LinkedSpan, Span

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SCORER = SHARED / "bench" / "attribution_score.py"
POLNEAR = SHARED / "polnear"

# An invented article: one quote running over a line break, one attribution without a source.
TEXT = (
    "Harbour Council Backs Ferry Plan\n"
    "The council's chair, Ines Okafor, said on Tuesday that the ferry \"will run\n"
    'every hour by June." Some residents disagree.\n'
    "\n"
    "It is widely believed that fares will rise.\n"
)


def find(fragment: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of ``fragment`` in TEXT."""
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(fragment, start + 1)
    return start, start + len(fragment)


def span(fragment: str, cls: type[Span] = Span) -> Span:
    start, end = find(fragment)
    return cls(start=start, end=end, text=TEXT[start:end])


def invented_analysis() -> Analysis:
    return Analysis(
        article=Article(text=TEXT),
        attributions=[
            Attribution(
                id="a1",
                kind="mixed",
                source=span("The council's chair, Ines Okafor", LinkedSpan),
                cue=span("said"),
                content=[span("on Tuesday"), span('that the ferry "will run\nevery hour by June."')],
            ),
            Attribution(
                id="a2",
                kind="indirect",
                source=None,
                cue=span("widely believed"),
                content=[span("that fares will rise")],
            ),
        ],
    )


def load_scorer() -> ModuleType:
    if not SCORER.exists():
        pytest.skip(f"official scorer not found at {SCORER} (needs the ../shared checkout)")
    spec = importlib.util.spec_from_file_location("attribution_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def t_lines(ann: str) -> dict[str, tuple[str, list[tuple[int, int]], str]]:
    """T id -> (label, fragments, text field), checking each T line has exactly three columns."""
    out = {}
    for line in ann.splitlines():
        if line.startswith("T"):
            tid, middle, covered = line.split("\t")
            label, _, offsets = middle.partition(" ")
            pieces = [tuple(int(x) for x in part.split()) for part in offsets.split(";")]
            out[tid] = (label, pieces, covered)
    return out


def test_brat_round_trip_gives_back_spans() -> None:
    analysis = invented_analysis()
    analysis.check_offsets()
    ann = to_ann(analysis)
    parsed = parse_ann(ann)
    expected = [attribution_spans(a) for a in analysis.attributions]
    # The quote holds a line break, so its content span comes back as two fragments.
    quote_start, quote_end = find('that the ferry "will run\nevery hour by June."')
    newline = TEXT.index("\n", quote_start)
    expected[0]["content"][1:] = [(quote_start, newline), (newline + 1, quote_end)]
    assert parsed == expected


def test_brat_to_ann_polnear_form() -> None:
    ann = to_ann(invented_analysis())
    lines = ann.splitlines()
    assert ann.endswith("\n")
    labels = [re.split(r"[ :]", line.split("\t")[1])[0] for line in lines]
    assert labels == [
        "Source",
        "Cue",
        "Content",
        "Attribution",
        "Attribution",
        "Cue",
        "Content",
        "Attribution-no-source",
        "Attribution-no-source",
    ]
    spans = t_lines(ann)
    events = [line for line in lines if line.startswith("E")]
    assert [e.split("\t")[0] for e in events] == ["E1", "E2"]
    first = dict(arg.split(":") for arg in events[0].split("\t")[1].split())
    assert spans[first["Attribution"]][1] == spans[first["Cue"]][1]  # the trigger copies the cue
    assert spans[first["Source"]][2] == "The council's chair, Ines Okafor"
    second = dict(arg.split(":") for arg in events[1].split("\t")[1].split())
    assert "Source" not in second and set(second) == {"Attribution-no-source", "Cue", "Content"}
    assert spans[second["Cue"]][2] == "widely believed"


def test_brat_text_fields_match_offsets() -> None:
    for label, pieces, covered in t_lines(to_ann(invented_analysis())).values():
        assert covered == " ".join(TEXT[s:e] for s, e in pieces), label
        assert all("\n" not in TEXT[s:e] for s, e in pieces)


def test_brat_newline_splits_into_fragments() -> None:
    start, end = find('"will run\nevery hour')
    pieces = fragments(TEXT, start, end)
    assert [TEXT[s:e] for s, e in pieces] == ['"will run', "every hour"]
    # A span of nothing but breaks keeps one empty fragment; empty spans stay as they are.
    blank = TEXT.index("\n\n")
    assert fragments(TEXT, blank, blank + 2) == [(blank, blank)]
    assert fragments(TEXT, 5, 5) == [(5, 5)]
    ann = attributions_to_ann(TEXT, [{"cue": [(blank, blank + 2)], "content": [(start, end)]}])
    assert parse_ann(ann) == [{"cue": [(blank, blank)], "source": [], "content": pieces}]


def test_brat_skips_attributions_without_spans() -> None:
    ann = attributions_to_ann(TEXT, [{"source": [find("Ines Okafor")]}, {"cue": [], "content": []}])
    assert ann == ""
    # Content without a cue is anchored on the content and still read back.
    content = find("that fares will rise")
    ann = attributions_to_ann(TEXT, [{"content": [content]}])
    assert parse_ann(ann) == [{"cue": [], "source": [], "content": [content]}]


BREAKS = "\n\r\t\x0b\x0c\u2028"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab é,." + BREAKS, max_size=40),
    data=st.data(),
)
def test_brat_fragments_cover_exactly_the_non_break_characters(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    pieces = fragments(text, start, end)
    covered = {i for s, e in pieces for i in range(s, e)}
    assert covered == {i for i in range(start, end) if text[i] not in BREAKS}
    assert all(start <= s <= e <= end for s, e in pieces)
    assert all(not set(text[s:e]) & set(BREAKS) for s, e in pieces)
    assert pieces == sorted(pieces)


roles_strategy = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)).map(sorted), max_size=3)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="ab é,.'" + BREAKS, min_size=40, max_size=40),
    attributions=st.lists(st.fixed_dictionaries({role: roles_strategy for role in ROLES}), max_size=4),
)
def test_brat_written_file_is_line_valid_and_reads_back(text: str, attributions: list[dict]) -> None:
    attributions = [{r: [tuple(s) for s in a[r]] for r in ROLES} for a in attributions]
    ann = attributions_to_ann(text, attributions)
    # Every line (by any reader's idea of a line) is a well-formed T or E line.
    for line in ann.splitlines():
        columns = line.split("\t")
        assert line[0] in "TE"
        assert len(columns) == (3 if line[0] == "T" else 2)
    kept = [a for a in attributions if a["cue"] or a["content"]]
    parsed = parse_ann(ann)
    assert len(parsed) == len(kept)
    for got, want in zip(parsed, kept, strict=True):
        for role in ROLES:

            def chars(spans: list[tuple[int, int]]) -> set[int]:
                return {i for s, e in spans for i in range(s, e) if text[i] not in BREAKS}

            assert chars(got[role]) == chars(want[role])
            assert all(text[s:e] == text[s:e].strip(BREAKS) for s, e in got[role])


def test_brat_parse_ann_roles_and_references() -> None:
    ann = (
        "T1\tSource 0 7\tHarbour\n"
        "T2\tCue 8 15;20 24\tCouncil Ferry\n"
        "T3\tContent 30 40\tx\n"
        "#1\tAnnotatorNotes T1\ta note\n"
        "R1\tRel Arg1:T1 Arg2:T2\n"
        "T4\tDiscuss 0 3\tHar\n"
        "E1\tAttribution:T2 Cue:T2 SOURCE:T1 Content2:T3 Content:T9 Discuss:T4\n"
        "E2\tAttribution:T2 Source:T1\n"
        "E3\tCue:T1\n"
        "\n"
    )
    assert parse_ann(ann) == [{"cue": [(8, 15), (20, 24)], "source": [(0, 7)], "content": [(30, 40)]}]
    # Windows line ends read the same.
    assert parse_ann(ann.replace("\n", "\r\n")) == parse_ann(ann)


@pytest.mark.parametrize(
    "line",
    ["T1 Cue 0 4 said", "T1\tCue\tsaid", "T1\tCue 0 x\tsaid", "T1\tCue 0 4;\tsaid", "E1 Attribution:T1"],
)
def test_brat_parse_ann_malformed_line_is_one_coded_error(line: str) -> None:
    with pytest.raises(NewsgraphError) as info:
        parse_ann(f"T9\tCue 0 4\tsaid\n{line}\n", path="x.ann")
    message = str(info.value)
    assert info.value.code == "E016" and message.startswith("E016 x.ann: line 2:") and "\n" not in message


def test_brat_read_ann_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NewsgraphError) as info:
        read_ann(tmp_path / "missing.ann")
    assert info.value.code == "E005"


def _scorer_parse(scorer: ModuleType, content: str) -> list | type:
    """The scorer's reading of ``content`` (written byte for byte), or the exception type it raises."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "x.ann")
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
        try:
            return scorer.parse_ann(path)
        except (IndexError, ValueError) as error:
            return type(error)


t_line = st.builds(
    lambda tid, label, offsets, covered: f"T{tid}\t{label} {offsets}\t{covered}",
    st.integers(1, 5),
    st.sampled_from(["Source", "Cue", "Content", "Attribution", "Discuss"]),
    st.one_of(
        st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99)), min_size=1, max_size=3).map(
            lambda pairs: ";".join(f"{s} {e}" for s, e in pairs)
        ),
        st.text(alphabet="0123 ;x", max_size=8),
    ),
    st.text(alphabet="ab \t", max_size=6),
)
e_line = st.builds(
    lambda eid, args: f"E{eid}\t" + " ".join(args),
    st.integers(1, 5),
    st.lists(
        st.builds(
            lambda role, ref: f"{role}:{ref}",
            st.sampled_from(
                ["Attribution", "Cue", "Source", "Content", "Content2", "SOURCE", "cue1", "Addressee", ""]
            ),
            st.sampled_from(["T1", "T2", "T3", "T4", "T5", "T6", ""]),
        ),
        max_size=5,
    ),
)
noise = st.text(alphabet="TEab#\t 01:;", max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.one_of(t_line, e_line, noise), max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_brat_parse_ann_matches_scorer_on_random_files(lines: list[str], newline: str) -> None:
    scorer = load_scorer()
    content = newline.join(lines)
    expected = _scorer_parse(scorer, content)
    if isinstance(expected, type):
        with pytest.raises(NewsgraphError):
            parse_ann(content)
    else:
        assert parse_ann(content) == expected


def test_brat_parse_ann_matches_scorer_on_corpus() -> None:
    scorer = load_scorer()
    files = sorted(POLNEAR.glob("*/attributions/*.ann"))
    if not files:
        pytest.skip(f"PolNeAR not found under {POLNEAR}")
    crashed = 0
    for path in files:
        try:
            expected = scorer.parse_ann(str(path))
        except (IndexError, ValueError):
            crashed += 1
            with pytest.raises(NewsgraphError, match=r"^E016 "):
                read_ann(path)
            continue
        assert read_ann(path) == expected, path.name
    assert crashed < len(files) / 100  # nearly every gold file reads


def test_brat_corpus_gold_round_trips_through_writer() -> None:
    files = sorted((POLNEAR / "dev" / "attributions").glob("*.ann"))
    if not files:
        pytest.skip(f"PolNeAR dev not found under {POLNEAR}")
    for path in files[:20]:
        doc = re.sub(r"_[0-9a-f]{4}\.ann$", "", path.name)
        with open(POLNEAR / "dev" / "text" / f"{doc}.txt", encoding="utf-8") as f:
            text = f.read()
        gold = read_ann(path)
        back = parse_ann(attributions_to_ann(text, gold))
        assert len(back) == len(gold)
        for got, want in zip(back, gold, strict=True):
            for role in ROLES:
                split = [p for s, e in want[role] for p in fragments(text, s, e)]
                assert got[role] == split
