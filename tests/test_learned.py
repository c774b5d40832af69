"""The learned attribution engine: candidates, features, training, and its weights file's errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.language import Language
from typer.testing import CliRunner

from newsgraph.analysis import attributions as rules
from newsgraph.analysis import learned, pipeline
from newsgraph.cli import app
from newsgraph.errors import NewsgraphError
from newsgraph.eval import trees

SHIPPED = learned.WEIGHTS_PATH
needs_weights = pytest.mark.skipif(not SHIPPED.is_file(), reason=f"{SHIPPED} is not in this checkout")


def _doc(parser: Language, text: str):  # type: ignore[no-untyped-def]
    return parser(text, disable=pipeline._late(parser))


# ------------------------------------------------------------------ candidates and features


def test_learned_candidates_include_what_the_rules_miss(parser: Language) -> None:
    doc = _doc(parser, "The senator was sure that the bill would pass. Officials said the pier would open.")
    engine = learned.Candidates(doc)
    found = engine.candidates()
    origins = {f.cue.text: engine.origin[id(f)] for f in found}
    assert origins.get("said") == "verb"  # the rules' own
    assert origins.get("sure") == "loose-adj"  # a belief the lexicon does not list
    sure = next(f for f in found if f.cue.text == "sure")
    assert sure.source is not None and sure.source.text == "The senator"


def test_learned_candidates_prepositional_object_and_passive_subject(parser: Language) -> None:
    doc = _doc(parser, "The senator bristled at the questions. The bill was passed by the Senate.")
    engine = learned.Candidates(doc)
    found = {f.cue.text: f for f in engine.candidates()}
    at = found["bristled at"]
    assert engine.origin[id(at)] == "loose-prep"
    assert [c.text for c in at.content] == ["the questions"] and at.source is not None
    assert at.source.text == "The senator"
    passed = found["was passed by"]
    assert engine.origin[id(passed)] == "loose-passive"
    assert [c.text for c in passed.content] == ["The bill"] and passed.source is not None
    assert passed.source.text == "the Senate"


def test_learned_candidates_noun_with_preposition_or_infinitive(parser: Language, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = "The mayor voiced sharp criticism for the parking plan. Her determination to win the race grew."
    doc = _doc(parser, text)
    shipped = learned.Candidates(doc)
    assert "loose-noun-prep" not in {shipped.origin.get(id(f)) for f in shipped.candidates()}
    monkeypatch.setattr(learned, "NOUN_PREP", True)  # off in the shipped engine: see the model card
    engine = learned.Candidates(doc)
    found = {f.cue.text: f for f in engine.candidates() if engine.origin[id(f)] == "loose-noun-prep"}
    criticism = found["criticism for"]
    assert [c.text for c in criticism.content] == ["the parking plan"] and criticism.source is not None
    assert criticism.source.text == "The mayor"
    determination = found["determination to"]
    assert [c.text for c in determination.content] == ["win the race"] and determination.source is not None
    assert determination.source.text == "Her"
    for f in found.values():
        for span in (f.cue, f.source, *f.content):
            assert span is not None and text[span.start_char : span.end_char] == span.text


def test_learned_candidates_headline_news_verb_is_not_a_statement(parser: Language, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    text = "Harbor board delays new ferry terminal\n\nThe chair said the terminal would open in May."

    def cues() -> list[str]:
        return [f.cue.text for f in learned.Candidates(_doc(parser, text)).candidates()]

    assert "delays" not in cues() and "said" in cues()
    monkeypatch.setattr(learned, "HEADLINE_KNOWN_CUES", False)  # every headline verb tried: a phantom
    assert "delays" in cues()


def test_learned_in_headline_only_a_first_line_of_its_own(parser: Language) -> None:
    def first_verb_in_headline(text: str) -> bool:
        doc = _doc(parser, text)
        return learned.in_headline(next(t for t in doc if t.pos_ == "VERB"))

    assert first_verb_in_headline("Harbor board delays new ferry terminal\n\nThe chair spoke.")
    assert not first_verb_in_headline("The senator bristled at the questions. The bill passed.")
    assert not first_verb_in_headline("Intro\n\nThe board delays the terminal\n\nMore.")


def test_learned_candidates_line_signed_with_a_dash(parser: Language) -> None:
    text = "Letters from readers.\n\n”Taxes are far too high in this town.” ― Jane Roe\n“The new park is a delight.”― John Smith"
    doc = _doc(parser, text)
    assert not rules.Engine(doc).run()  # the rules find neither: the first quotation opens with a closing mark
    engine = learned.Candidates(doc)
    signed = {f.source.text: f for f in engine.candidates() if engine.origin[id(f)] == "dash" and f.source is not None}
    assert set(signed) == {"Jane Roe", "John Smith"}
    assert [c.text for c in signed["Jane Roe"].content] == ["”Taxes are far too high in this town.”"]
    assert signed["John Smith"].content[0].text.startswith("“The new park")
    for f in signed.values():
        for span in (f.cue, f.source, *f.content):
            assert span is not None and text[span.start_char : span.end_char] == span.text


def test_learned_candidates_headline_colon_without_a_known_name(parser: Language) -> None:
    text = "Poll: Voters Abandon The Mayor Over Taxes\n\nThe city voted on Tuesday."
    doc = _doc(parser, text)
    assert not [f for f in rules.Engine(doc).run() if f.cue.text == ":"]
    engine = learned.Candidates(doc)
    colon = [f for f in engine.candidates() if f.cue.text == ":"]
    assert len(colon) == 1 and engine.origin[id(colon[0])] == "colon"
    assert colon[0].source is not None and colon[0].source.text == "Poll"
    assert [c.text for c in colon[0].content] == ["Voters Abandon The Mayor Over Taxes"]
    assert text[colon[0].content[0].start_char : colon[0].content[0].end_char] == colon[0].content[0].text


def test_learned_candidates_quotation_introduced_by_a_colon_or_dash(parser: Language) -> None:
    text = (
        'The mayor gave the crowd a lesson from Jane Roe: "Never give up on the city you love." '
        'The plan was backed by John Smith -- "It is the best plan we have seen in years."'
    )
    doc = _doc(parser, text)
    engine = learned.Candidates(doc)
    marked = {f.cue.text: f for f in engine.candidates() if f.cue.text in {":", "--"}}
    assert set(marked) == {":", "--"}
    assert engine.origin[id(marked[":"])] == "colon" and engine.origin[id(marked["--"])] == "dash"
    assert marked[":"].source is not None and marked[":"].source.text == "Jane Roe"
    assert marked["--"].source is not None and marked["--"].source.text == "John Smith"
    assert [c.text for c in marked[":"].content] == ['"Never give up on the city you love."']
    for f in marked.values():
        for span in (f.cue, f.source, *f.content):
            assert span is not None and text[span.start_char : span.end_char] == span.text


def test_learned_candidates_content_ends_before_a_closing_relative_clause(parser: Language) -> None:
    text = (
        "The mayor praised the plan, which includes a new pier. "
        "She said that the plan, which the council approved, would cost millions."
    )
    engine = learned.Candidates(_doc(parser, text))
    found = {f.cue.text: f for f in engine.candidates()}
    assert [c.text for c in found["praised"].content] == ["the plan"]
    # a relative clause inside the content, not closing it, stays
    assert [c.text for c in found["said"].content] == ["that the plan, which the council approved, would cost millions"]


def test_learned_candidates_cue_takes_the_day_before_its_content(parser: Language) -> None:
    engine = learned.Candidates(_doc(parser, "The mayor said Friday that the pier would open in May."))
    (said,) = [f for f in engine.candidates() if f.cue.text.startswith("said")]
    assert said.cue.text == "said Friday"
    assert [c.text for c in said.content] == ["that the pier would open in May"]


def test_learned_candidates_no_inner_verb_twice(parser: Language) -> None:
    engine = learned.Candidates(_doc(parser, "Clinton wants to sign up new voters in Ohio."))
    cues = [f.cue.text for f in engine.candidates()]
    assert "wants" in cues
    assert not any("sign" in cue for cue in cues)  # "sign up" is what she wants, not a second statement


def test_learned_candidates_double_object_content_holds_the_object(parser: Language) -> None:
    engine = learned.Candidates(_doc(parser, "Regulators could deny them mining permits."))
    deny = next(f for f in engine.candidates() if f.cue.text == "could deny")
    assert [s.text for s in deny.content] == ["them mining permits"]  # not the recipient alone


def test_learned_candidates_a_date_after_the_cue_is_no_content(parser: Language) -> None:
    engine = learned.Candidates(_doc(parser, "Police announced on Friday the arrest of a man in the shooting."))
    announced = next(f for f in engine.candidates() if f.cue.text.startswith("announced"))
    assert [s.text for s in announced.content] == ["the arrest of a man in the shooting"]


def test_learned_source_variants_try_each_sourced_candidate_once_without_it(parser: Language) -> None:
    doc = _doc(parser, "Mr. Roe was accused of fraud by the board. Officials said the pier would open. Rain fell.")
    engine = learned.Candidates(doc)
    found = engine.candidates()
    twins = engine.source_variants(found)
    sourced = [f for f in found if f.source is not None]
    assert len(sourced) >= 2 and len(twins) == len(sourced)
    for f, twin in zip(sourced, twins, strict=True):
        assert twin is not f and twin.source is None and twin.source_entity is None
        assert (twin.cue, twin.content) == (f.cue, f.content)
        assert engine.origin[id(twin)] == engine.origin[id(f)]
    rows = learned.raw_rows(doc, engine, found + twins)
    assert [r["src_dropped"] for r in rows] == [0.0] * len(found) + [1.0] * len(twins)
    assert [r["has_source"] for r in rows[len(found) :]] == [0.0] * len(twins)


def test_learned_choose_keeps_one_reading_per_cue_and_content(parser: Language) -> None:
    doc = _doc(parser, "Officials said the pier would open. She told reporters that it rained.")
    engine = learned.Candidates(doc)
    found = engine.candidates()
    said = next(f for f in found if f.cue.text == "said")
    told = next(f for f in found if f.cue.text.startswith("told"))
    (twin,) = engine.source_variants([said])
    cands = [said, told, twin]
    assert learned.choose(cands, [0.6, 0.9, 0.7], 0.5) == [told, twin]  # the more probable reading
    assert learned.choose(cands, [0.7, 0.9, 0.6], 0.5) == [said, told]
    assert learned.choose(cands, [0.7, 0.9, 0.7], 0.5) == [said, told]  # a tie: the one with a source
    assert learned.choose(cands, [0.4, 0.9, 0.3], 0.5) == [told]  # neither reading reaches the threshold


def _found(doc, cue: str, contents: list[str], confidence: float, source: str | None = None) -> rules.Found:  # type: ignore[no-untyped-def]
    """An attribution on ``doc`` from the first occurrences of its words (spans by character offsets)."""

    def span(words: str):  # type: ignore[no-untyped-def]
        start = doc.text.index(words)
        out = doc.char_span(start, start + len(words))
        assert out is not None, words
        return out

    return rules.Found(
        id="", kind="indirect", cue=span(cue), content=[span(c) for c in contents],
        source=span(source) if source else None, confidence=confidence,
    )


def _words(f: rules.Found) -> set[int]:
    return {i for s in f.content for i in range(s.start, s.end) if not (s.doc[i].is_punct or s.doc[i].is_space)}


def test_learned_distinct_contents_a_quotation_goes_to_one_cue(parser: Language) -> None:
    doc = _doc(parser, '"The pier is safe," the mayor said. Later she added: "It will open in May."')
    said = _found(doc, "said", ["The pier is safe", "It will open in May"], 0.9, "the mayor")
    added = _found(doc, "added", ["It will open in May"], 0.8, "she")
    out = learned.distinct_contents([said, added])
    assert [f.cue.text for f in out] == ["said", "added"]
    assert [s.text for s in out[0].content] == ["The pier is safe"]  # it gives up the span "added" holds
    assert [s.text for s in out[1].content] == ["It will open in May"]
    assert out[0].source is said.source and out[0].confidence == 0.9


def test_learned_distinct_contents_the_less_confident_of_two_goes(parser: Language) -> None:
    doc = _doc(parser, "The mayor laughed and said the pier would open in May.")
    laughed = _found(doc, "laughed", ["the pier would open in May"], 0.5, "The mayor")
    said = _found(doc, "said", ["the pier would open in May"], 0.9, "The mayor")
    assert learned.distinct_contents([laughed, said]) == [said]
    assert learned.distinct_contents([said, laughed]) == [said]
    tie = _found(doc, "said", ["the pier would open"], 0.5, "The mayor")  # 5 of 6 words: Dice 0.9
    assert learned.distinct_contents([laughed, tie]) == [laughed]  # a tie: the first stays
    short = _found(doc, "said", ["May"], 0.9, "The mayor")  # one shared word of six: Dice 0.29
    assert learned.distinct_contents([laughed, short]) == [laughed, short]


def test_learned_distinct_contents_leaves_nested_attributions(parser: Language) -> None:
    doc = _doc(parser, "Officials said the mayor claimed the pier would open in May.")
    said = _found(doc, "said", ["the mayor claimed the pier would open in May"], 0.9, "Officials")
    claimed = _found(doc, "claimed", ["the pier would open in May"], 0.95, "the mayor")
    assert learned.distinct_contents([said, claimed]) == [said, claimed]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40), st.lists(st.tuples(st.integers(0, 44), st.integers(1, 12)), min_size=1, max_size=3),
            st.floats(0, 1),
        ),
        max_size=8,
    )
)
def test_learned_distinct_contents_no_two_outer_contents_share_half(parser: Language, specs) -> None:  # type: ignore[no-untyped-def]
    doc = _doc(parser, " ".join(["Officials said the pier would open in May, and the mayor agreed."] * 4))
    kept = []
    for cue, spans, p in specs:
        content = [doc[s : min(s + n, len(doc))] for s, n in spans if s < len(doc)]
        kept.append(rules.Found(id="", kind="indirect", cue=doc[cue : cue + 1], content=content, confidence=p))
    out = learned.distinct_contents(kept)
    by_cue = {id(f.cue): f for f in kept}
    originals = [k for k in kept if any(k.cue is f.cue for f in out)]
    assert len(out) == len(originals) and len(out) <= len(kept)
    for f in out:
        assert f.content and all(any(s is t for t in by_cue[id(f.cue)].content) for s in f.content)  # a subset
        for s in f.content:
            assert doc.text[s.start_char : s.end_char] == s.text
    nested = {  # nesting as the input has it: an attribution inside another is not compared
        id(f.cue) for f in kept for g in kept
        if f is not g and any(s.start <= f.cue.start and f.cue.end <= s.end for s in g.content)
    }
    outer = [f for f in out if id(f.cue) not in nested and _words(f)]
    for i, f in enumerate(outer):
        for g in outer[i + 1 :]:
            shared = len(_words(f) & _words(g))
            assert 2 * shared < 0.5 * (len(_words(f)) + len(_words(g))), (f, g)


def test_learned_rows_have_every_feature(parser: Language) -> None:
    doc = _doc(parser, 'Officials said the pier would open. "We are ready," she told reporters.')
    engine = learned.Candidates(doc)
    found = engine.candidates()
    rows = learned.raw_rows(doc, engine, found)
    assert len(rows) == len(found) >= 2
    assert all(set(row) == set(learned.FEATURES) for row in rows)
    encoded = learned.encode_rows(rows, learned.Vocab({"pos": {"VERB": 1}}))
    assert all(len(r) == len(learned.FEATURES) for r in encoded)
    assert encoded[0][len(learned.NUMERIC) + learned.CATEGORICAL.index("pos")] == 1.0
    assert encoded[0][len(learned.NUMERIC) + learned.CATEGORICAL.index("lemma")] == 0.0  # unseen: 0


def test_learned_labels_follow_the_scorer() -> None:
    text = "Officials said the pier would open."

    class Span:  # the attributes found_spans reads
        def __init__(self, start: int, end: int) -> None:
            self.start_char, self.end_char = start, end

    class Found:
        def __init__(self, source: tuple[int, int] | None) -> None:
            self.cue = Span(10, 14)
            self.source = Span(*source) if source else None
            self.content = [Span(15, 34)]

    gold = [{"cue": [(10, 14)], "source": [(0, 9)], "content": [(15, 34)]}]
    right, wrong_source = Found((0, 9)), Found((15, 18))
    assert trees.labels_for(text, [right, wrong_source], gold) == [1, 0]  # type: ignore[list-item]


# ------------------------------------------------------------------ training


@pytest.fixture(scope="module")
def mini_articles(mini_split: Path) -> list[trees.Article]:
    return trees.articles_of(mini_split, log=lambda _: None)


def test_learned_training_same_seed_same_weights(
    mini_split: Path, mini_articles: list[trees.Article], tmp_path: Path
) -> None:
    prepared = (mini_articles, mini_articles)
    first = trees.train(mini_split, mini_split, tmp_path / "a.json", rounds=5, prepared=prepared, log=print)
    trees.train(mini_split, mini_split, tmp_path / "b.json", rounds=5, prepared=prepared, log=print)
    assert first["train_articles"] == 2
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert a["booster"] == b["booster"] and a["vocab"] == b["vocab"] and a["threshold"] == b["threshold"]
    assert a["dense"] == b["dense"] and a["dense"]["band"] == list(trees.DENSE_BAND)
    assert a["cues"] == b["cues"] and a["contents"] == b["contents"]
    model = learned.load_trees(str(tmp_path / "a.json"))  # what train wrote loads and decides
    assert model.threshold == first["threshold"]


def _copy_split(source: Path, split: Path) -> Path:
    """A copy of a split (text/ and attributions/) that a test may add files to."""
    for folder in ("text", "attributions"):
        (split / folder).mkdir(parents=True)
        for f in (source / folder).iterdir():
            (split / folder / f.name).write_text(f.read_text())
    return split


def test_learned_training_skips_a_malformed_annotation(mini_split: Path, tmp_path: Path) -> None:
    split = _copy_split(mini_split, tmp_path / "split")
    (split / "attributions" / "school_0a1b.ann").write_text("T1 Cue 0 4\tbad\n")
    lines: list[str] = []
    got = trees.articles_of(split, log=lines.append)
    assert [a.name for a in got] == ["harbour"]
    assert any("school_0a1b.ann: line 1" in line for line in lines)


def test_learned_training_reads_every_annotator(mini_split: Path, tmp_path: Path) -> None:
    split = _copy_split(mini_split, tmp_path / "split")
    (split / "attributions" / "harbour_ffff.ann").write_text("")  # a second annotator who marked nothing
    got = trees.articles_of(split, log=print, all_annotators=True)
    harbour = [a for a in got if a.name == "harbour"]
    assert len(harbour) == 2 and harbour[0].gold and harbour[1].gold == []
    assert harbour[0].rows is harbour[1].rows  # same candidates, parsed once
    assert sum(harbour[0].labels) > 0 and sum(harbour[1].labels) == 0
    assert len(trees.articles_of(split, log=print)) == len({a.name for a in got})  # first file only


# ------------------------------------------------------------------ the weights file


def test_learned_missing_weights_is_one_coded_error(tmp_path: Path) -> None:
    with pytest.raises(NewsgraphError) as err:
        learned.load_trees(str(tmp_path / "none.json"))
    message = str(err.value)
    assert message.startswith(f"E036 {tmp_path / 'none.json'}: ") and "newsgraph train" in message


def test_learned_truncated_weights_is_one_coded_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"format": "newsgraph-attribution-trees", "version": 1, "booster": "tree\\nver')
    with pytest.raises(NewsgraphError) as err:
        learned.load_trees(str(path))
    assert str(err.value).startswith(f"E036 {path}: cannot use the attribution weights (truncated")


def test_learned_other_version_is_one_coded_error(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": learned.FORMAT, "version": 0, "features": ["rate"]}))
    with pytest.raises(NewsgraphError) as err:
        learned.load_trees(str(path))
    assert "format version 0" in str(err.value) and str(err.value).startswith("E036")


def test_learned_cli_missing_weights_one_line_rules_still_work(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    article = tmp_path / "a.txt"
    article.write_text("Officials said the pier would open in May.\n", encoding="utf-8")
    monkeypatch.setenv(learned.ENV, str(tmp_path / "gone.json"))
    pipeline.load.cache_clear()
    try:
        result = CliRunner().invoke(app, ["analyze", str(article), "--model", "trained"])
        assert result.exit_code == 1
        assert result.stderr.startswith(f"newsgraph: error: E036 {tmp_path / 'gone.json'}")
        assert len(result.stderr.splitlines()) == 1
        rules = CliRunner().invoke(app, ["analyze", str(article), "--model", "rules"])
        assert rules.exit_code == 0 and '"attributions"' in rules.stdout
    finally:
        pipeline.load.cache_clear()


# ------------------------------------------------------------------ the shipped engine


@needs_weights
def test_learned_shipped_engine_finds_and_scores(parser: Language) -> None:
    model = learned.load_trees(str(SHIPPED))
    doc = _doc(parser, 'Officials said the pier would open in May. "We are ready," she told reporters.')
    _, found = model.decide(doc)
    cues = {f.cue.text for f in found}
    assert "said" in cues
    assert all(model.threshold <= f.confidence <= 1.0 for f in found)


@needs_weights
def test_learned_shipped_engine_reads_an_agentless_passive_without_a_source(parser: Language) -> None:
    model = learned.load_trees(str(SHIPPED))
    doc = _doc(parser, "The pier is expected to open in May. Officials said the bridge would close.")
    _, found = model.decide(doc)
    by_cue = {f.cue.text: f for f in found}
    assert by_cue["is expected"].source is None  # the pier expects nothing: nobody named does
    assert by_cue["said"].source is not None and by_cue["said"].source.text == "Officials"
    assert len(found) == len({(f.cue.start, f.cue.end) for f in found})  # one reading per cue


@needs_weights
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(
            ['Officials said "the pier is safe".', "She was sure that it would rain.", "According to him, no.",
             "The statement called on voters to act.", "“Wait,” he added.", "Rain fell.", "\n\n", " — Ann Lee"]
        ),
        max_size=6,
    ).map(" ".join)
)
def test_learned_spans_hold_on_any_text(parser: Language, text: str) -> None:
    model = learned.load_trees(str(SHIPPED))
    doc = _doc(parser, text)
    _, found = model.decide(doc)
    for f in found:
        for span in (f.cue, f.source, *f.content):
            if span is not None:
                assert text[span.start_char : span.end_char] == span.text
