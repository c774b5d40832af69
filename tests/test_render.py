"""Rendering an Analysis: the JSON object and the terminal report.

The analyses here are built by hand from short invented articles, so the
renderer is tested on exactly the structures it must show, independent of
what the extraction components find today.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from newsgraph.io.render import one_line, report, to_json, to_text
from newsgraph.models import Analysis, Article, Attribution, Entity, LinkedSpan, Span

TEXT = (
    "Harbour fees to rise\n\n"
    "The port authority will raise fees in May.\n\n"
    '"We have no choice," Harbour Master Ana Ruiz told shippers on Friday.\n\n'
    "Ruiz insisted that the rise was modest.\n\n"
    "Union leader Tom Beck claimed the fees would cost jobs.\n\n"
    "Fees were last raised in 2019, officials said.\n\n"
    "The port handles 300 ships a year.\n"
)


def span(text: str, needle: str, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return Span(start=start, end=start + len(needle), text=needle)


def linked(text: str, needle: str, entity: str | None, nth: int = 0) -> LinkedSpan:
    s = span(text, needle, nth)
    return LinkedSpan(start=s.start, end=s.end, text=s.text, entity=entity)


def make_analysis(text: str = TEXT) -> Analysis:
    ruiz = Entity(
        id="E1",
        name="Ana Ruiz",
        type="PERSON",
        titles=["Harbour Master"],
        mentions=[span(text, "Ana Ruiz"), span(text, "Ruiz", 1)],
    )
    beck = Entity(id="E2", name="Tom Beck", type="PERSON", titles=["Union leader"],
                  mentions=[span(text, "Tom Beck")])
    shippers = Entity(id="E3", name="shippers", type="GROUP", mentions=[span(text, "shippers")])
    attributions = [
        Attribution(
            id="A1", kind="direct", source=linked(text, "Ana Ruiz", "E1"), cue=span(text, "told"),
            content=[span(text, "We have no choice,")], addressee=linked(text, "shippers", "E3"),
        ),
        Attribution(
            id="A2", kind="indirect", source=linked(text, "Ruiz", "E1", 1), cue=span(text, "insisted"),
            content=[span(text, "the rise was modest")], stance="emphatic",
        ),
        Attribution(
            id="A3", kind="indirect", source=linked(text, "Tom Beck", "E2"), cue=span(text, "claimed"),
            content=[span(text, "the fees would cost jobs")], stance="distancing", confidence=0.8,
        ),
        Attribution(
            id="A4", kind="indirect", source=None, cue=span(text, "officials said"),
            content=[span(text, "Fees were last raised in 2019")],
        ),
    ]
    return Analysis(
        article=Article(
            title="Harbour fees to rise", authors=["Mia Lund"], published="2025-02-01", text=text
        ),
        entities=[ruiz, beck, shippers],
        attributions=attributions,
        authorial=[span(text, "The port authority will raise fees in May."),
                   span(text, "The port handles 300 ships a year.")],
        warnings=["W003 <text>: unbalanced quotation marks; a quote may run to the end of its paragraph"],
    )


def test_render_json_round_trips_to_the_model():
    analysis = make_analysis()
    analysis.check_offsets()
    obj = json.loads(json.dumps(to_json(analysis, name="harbour", path="in/harbour.txt")))
    assert list(obj)[:2] == ["name", "path"]
    assert obj["name"] == "harbour" and obj["path"] == "in/harbour.txt"
    del obj["name"], obj["path"]
    assert Analysis.model_validate(obj) == analysis


def test_render_json_leaves_out_unknown_name_and_path():
    obj = to_json(make_analysis())
    assert "name" not in obj and "path" not in obj
    assert set(obj) == {"article", "entities", "attributions", "authorial", "figures", "times", "events", "warnings"}
    assert obj["attributions"][3]["source"] is None


def test_render_text_has_the_article_header():
    out = to_text(make_analysis())
    first_lines = out.splitlines()[:3]
    assert first_lines[0] == "Harbour fees to rise"
    assert "By Mia Lund" in first_lines[1] and "2025-02-01" in first_lines[1]
    assert "4 attributions from 2 sources" in out


def test_render_text_groups_attributions_by_actor_with_titles():
    out = to_text(make_analysis(), console_width=200)
    lines = out.splitlines()
    ruiz = next(i for i, line in enumerate(lines) if line.startswith("Ana Ruiz"))
    beck = next(i for i, line in enumerate(lines) if line.startswith("Tom Beck"))
    assert "Harbour Master" in lines[ruiz] and "Union leader" in lines[beck]
    # Both of Ruiz's attributions come under her one heading, before Beck's.
    told = next(i for i, line in enumerate(lines) if "• told" in line)
    insisted = next(i for i, line in enumerate(lines) if "• insisted" in line)
    claimed = next(i for i, line in enumerate(lines) if "• claimed" in line)
    assert ruiz < told < insisted < beck < claimed
    assert sum(line.startswith("Ana Ruiz") for line in lines) == 1


def test_render_text_shows_cue_stance_kind_addressee_and_content():
    out = to_text(make_analysis(), console_width=200)
    told = next(line for line in out.splitlines() if "• told" in line)
    assert "(neutral, direct)" in told and "→ to shippers" in told
    assert "(emphatic, indirect)" in out
    assert "(distancing, indirect, confidence 0.80)" in out
    assert "“We have no choice,”" in out


def test_render_text_puts_unattributed_after_the_actors():
    out = to_text(make_analysis(), console_width=200)
    assert out.index("Unattributed") > out.index("• claimed")
    assert out.index("• officials said") > out.index("Unattributed")


def test_render_text_counts_authorial_sentences_and_shows_warnings():
    analysis = make_analysis()
    out = to_text(analysis, console_width=200)
    assert "Authorial voice: 2 sentences" in out
    assert "warning: W003" in out
    analysis.authorial = analysis.authorial[:1]
    assert "Authorial voice: 1 sentences" in to_text(analysis, console_width=200)


def test_render_text_truncates_long_content():
    text = "Long quote\n\nShe said " + "word " * 400 + "end.\n"
    analysis = Analysis(
        article=Article(text=text),
        attributions=[
            Attribution(id="A1", kind="indirect", source=None, cue=span(text, "said"),
                        content=[span(text, ("word " * 400).strip())])
        ],
    )
    out = to_text(analysis, console_width=500)
    content_line = next(line for line in out.splitlines() if "word word" in line)
    assert "…" in content_line and len(content_line) < 300


def test_render_text_without_attributions_says_so():
    analysis = Analysis(article=Article(text="Nothing to see.\n"))
    out = to_text(analysis)
    assert "No attributions found." in out and "(untitled article)" in out
    assert "(untitled article)" not in to_text(analysis, name="quiet-day")


def test_render_report_is_a_renderable_the_cli_can_print():
    from rich.console import Console

    console = Console(record=True, width=120, color_system=None)
    console.print(report(make_analysis()))
    assert "Ana Ruiz" in console.export_text()


_visible = st.text(
    alphabet=st.characters(categories=["L", "N", "P", "S"], exclude_characters="\x7f"),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(name=_visible, title=_visible, quote=_visible)
def test_render_text_shows_any_text_literally(name: str, title: str, quote: str):
    # Square brackets and the like in article text must never be read as rich markup.
    text = f"{name} said {quote}\n"
    entity = Entity(id="E1", name=name, type="PERSON", titles=[title], mentions=[span(text, name)])
    attribution = Attribution(
        id="A1", kind="indirect", source=linked(text, name, "E1"), cue=span(text, " said ", 0),
        content=[Span(start=len(name) + 6, end=len(text) - 1, text=quote)],
    )
    analysis = Analysis(article=Article(text=text, title=f"[bold]{title}[/bold]"), entities=[entity],
                        attributions=[attribution])
    out = to_text(analysis, console_width=1000)
    assert name in out and title in out and quote in out
    assert f"[bold]{title}[/bold]" in out


@given(st.text(max_size=300), st.integers(min_value=1, max_value=200))
def test_render_one_line_never_exceeds_the_limit(text: str, limit: int):
    flat = one_line(text, limit)
    assert len(flat) <= limit
    assert "\n" not in flat and "  " not in flat
    whole = " ".join(text.split())
    if len(whole) <= limit:
        assert flat == whole
    else:
        assert flat.endswith("…")


def test_render_figure_concept_named_once_when_it_is_the_unit() -> None:
    from newsgraph.models import Figure

    text = "The storm cut power to 12,000 homes. The fund paid $3 million to the county's farmers."
    figures = [
        Figure(**span(text, "12,000").model_dump(), id="F1", value=12000.0, unit="homes", change="=",
               concept=span(text, "homes"), claimed_by=None),
        Figure(**span(text, "$3 million").model_dump(), id="F2", value=3e6, unit="dollar", change="=",
               concept=span(text, "farmers"), claimed_by=None),
    ]
    analysis = Analysis(article=Article(text=text), entities=[], attributions=[], authorial=[], figures=figures)
    lines = to_text(analysis).splitlines()
    homes = next(line for line in lines if line.startswith("• 12,000"))
    dollars = next(line for line in lines if line.startswith("• $3 million"))
    assert homes.count("homes") == 1 and " of " not in homes
    assert "3,000,000 dollar  of farmers" in dollars
