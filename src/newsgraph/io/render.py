"""Turning an ``Analysis`` into what a person or a program reads: JSON or a terminal report.

Why plain functions returning data or strings: the CLI only decides where the
output goes, so every format can be tested without a terminal, and library
users get the same JSON the CLI prints. The text report is built from rich
``Text`` objects (never from markup strings) because article text is full of
square brackets that rich would otherwise take for style tags.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.text import Text

from newsgraph.models import Analysis, Attribution, Entity, Event, Figure

CONTENT_CHARS = 240
"""Longest content shown per attribution in the text report (JSON is never truncated)."""

_QUOTES = "\"'“‘«„"

def to_json(analysis: Analysis, *, name: str | None = None, path: str | None = None) -> dict[str, Any]:
    """The documented JSON object for one article: ``analysis.model_dump()`` plus where it came from.

    ``name`` and ``path`` come first when known (the reader's article name and
    input file), so JSON Lines output from many files can be traced back.
    """
    out: dict[str, Any] = {}
    if name is not None:
        out["name"] = name
    if path is not None:
        out["path"] = path
    out.update(analysis.model_dump(mode="json"))
    return out


def one_line(text: str, limit: int | None = None) -> str:
    """Collapse whitespace (a quote may span paragraphs) and cut at ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if limit is not None and len(flat) > limit:
        cut = flat[: max(limit - 1, 0)]
        # Prefer to cut at a word boundary when one is reasonably close.
        space = cut.rfind(" ")
        if space > limit * 2 // 3:
            cut = cut[:space]
        flat = cut.rstrip() + "…"
    return flat


def _actor_label(entity: Entity | None, fallback: str) -> Text:
    label = Text()
    label.append(one_line(entity.name if entity else fallback, 80), style="bold")
    if entity is not None:
        if entity.titles:
            label.append(" — " + ", ".join(one_line(t, 60) for t in entity.titles), style="italic")
        label.append(f"  [{entity.type}]", style="dim")
    return label


def _attribution_lines(attribution: Attribution, entities: dict[str, Entity]) -> Text:
    line = Text()
    line.append("• ")
    line.append(one_line(attribution.cue.text, 60), style="bold cyan")
    details = [attribution.stance, attribution.kind]
    if attribution.confidence < 1.0:
        details.append(f"confidence {attribution.confidence:.2f}")
    line.append(" (" + ", ".join(details) + ")", style="cyan")
    if attribution.addressee is not None:
        target = entities.get(attribution.addressee.entity or "")
        line.append(" → to ")
        line.append(one_line(target.name if target else attribution.addressee.text, 80), style="bold")
    if attribution.parent is not None:
        line.append(f"  nested in {attribution.parent}", style="dim")
    line.append(f"  {attribution.id}", style="dim")
    content = " … ".join(one_line(span.text) for span in attribution.content)
    if content:
        line.append("\n  ")
        shown = one_line(content, CONTENT_CHARS)
        if shown[:1] not in _QUOTES:  # a direct quote already carries its quotation marks
            shown = "“" + shown + "”"
        line.append(shown, style="green")
    return line


def _indented(attribution: Attribution, entities: dict[str, Entity]) -> RenderableType:
    # Padding keeps wrapped lines under the bullet rather than at the left margin.
    return Padding(_attribution_lines(attribution, entities), (0, 0, 0, 2), expand=False)


def _group_by_actor(
    analysis: Analysis,
) -> tuple[list[tuple[Entity | None, str, list[Attribution]]], list[Attribution]]:
    """Attributions grouped by their source actor, in order of the actor's first attribution.

    A source linked to an entity groups under it; an unlinked source groups by
    its (case-folded) text; an attribution with no source goes to the second list.
    """
    entities = {entity.id: entity for entity in analysis.entities}
    groups: dict[str, tuple[Entity | None, str, list[Attribution]]] = {}
    unattributed: list[Attribution] = []
    for attribution in sorted(analysis.attributions, key=lambda a: (a.cue.start, a.cue.end)):
        source = attribution.source
        if source is None:
            unattributed.append(attribution)
            continue
        entity = entities.get(source.entity) if source.entity else None
        key = f"entity:{entity.id}" if entity else "text:" + one_line(source.text).casefold()
        if key not in groups:
            groups[key] = (entity, source.text, [])
        groups[key][2].append(attribution)
    return list(groups.values()), unattributed


def _event_line(event: Event, entities: dict[str, Entity]) -> Text:
    """``• ASSAULT attacked → Rafah · in Gaza · 2024-03-26 · planned, negated · in A3``."""

    def named(span) -> str:  # type: ignore[no-untyped-def]
        entity = entities.get(span.entity or "")
        return one_line(entity.name if entity else span.text, 80)

    line = Text("  • ")
    line.append(event.type, style="bold magenta")
    line.append(" " + one_line(event.trigger.text, 40))
    if event.target is not None:
        line.append(" → ")
        line.append(named(event.target), style="bold")
    if event.place is not None:
        line.append(" · in " + named(event.place))
    if event.time is not None:
        line.append(" · " + (event.time.value or one_line(event.time.text, 40)))
    flags = [event.modality] if event.modality != "asserted" else []
    if event.negated:
        flags.append("negated")
    if flags:
        line.append(" · " + ", ".join(flags), style="yellow")
    if event.attribution is not None:
        line.append(f"  reported in {event.attribution}", style="dim")
    return line


def _events_by_actor(analysis: Analysis) -> list[RenderableType]:
    """Events grouped by their agent (named actor, else the agent's text, else "no agent")."""
    entities = {entity.id: entity for entity in analysis.entities}
    groups: dict[str, tuple[Entity | None, str, list[Event]]] = {}
    for event in sorted(analysis.events, key=lambda e: e.trigger.start):
        agent = event.agent
        entity = entities.get(agent.entity or "") if agent is not None else None
        if entity is not None:
            key, fallback = f"entity:{entity.id}", entity.name
        elif agent is not None:
            key, fallback = "text:" + one_line(agent.text).casefold(), agent.text
        else:
            key, fallback = "none", "(no agent named)"
        groups.setdefault(key, (entity, fallback, []))[2].append(event)
    parts: list[RenderableType] = [Rule("Who did what to whom (PLOVER events)", align="left", style="dim")]
    for entity, fallback, events in groups.values():
        parts.append(_actor_label(entity, fallback))
        parts.extend(_event_line(e, entities) for e in events)
    return parts


def _header(analysis: Analysis, name: str | None) -> Iterable[RenderableType]:
    article = analysis.article
    title = article.title or name or "(untitled article)"
    yield Text(one_line(title, 200), style="bold underline")
    if article.dek:
        yield Text(one_line(article.dek, 300), style="italic")
    byline = []
    if article.authors:
        byline.append("By " + ", ".join(one_line(a, 60) for a in article.authors))
    if article.published:
        byline.append(article.published)
    if article.outlet:
        byline.append(one_line(article.outlet, 60))
    if byline:
        yield Text(" · ".join(byline), style="dim")
    n_sources = len({a.source.entity or a.source.text for a in analysis.attributions if a.source})
    yield Text(
        f"{len(analysis.attributions)} attributions from {n_sources} sources · "
        f"{len(analysis.entities)} actors · {len(analysis.authorial)} authorial sentences",
        style="dim",
    )


def _figure_value(figure: Figure) -> str:
    def number(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.4g}"

    value = figure.value
    shown = f"{number(value[0])}–{number(value[1])}" if isinstance(value, list) else number(value)
    markers = {"=": "", "~": "~", ">": ">", "<": "<", ">=": "≥", "<=": "≤", "up": "+", "down": "−"}
    marker = markers[figure.change]
    return marker + shown + (f" {figure.unit}" if figure.unit else "")


def _facts(analysis: Analysis, entities: dict[str, Entity]) -> Iterable[RenderableType]:
    """The figures (with who claims each), the times and the resolved places."""
    if analysis.figures:
        yield Rule("Figures", align="left", style="dim")
        sources = {a.id: a for a in analysis.attributions}
        for figure in analysis.figures:
            line = Text("• ")
            line.append(one_line(figure.text, 60), style="bold")
            line.append(f"  = {_figure_value(figure)}", style="cyan")
            if figure.concept is not None and figure.concept.text != figure.unit:  # not "homes of homes"
                line.append(f"  of {one_line(figure.concept.text, 60)}")
            claim = sources.get(figure.claimed_by or "")
            if claim is None:
                line.append("  — the article's own voice", style="dim")
            else:
                entity = entities.get(claim.source.entity or "") if claim.source else None
                who = entity.name if entity else (claim.source.text if claim.source else "unnamed source")
                line.append(f"  — claimed by {one_line(who, 60)} ({claim.id})", style="dim")
            yield line
    if analysis.times:
        yield Rule("Times", align="left", style="dim")
        yield Text("  ".join(f"{one_line(t.text, 40)} = {t.value}" for t in analysis.times))
    places = [e for e in analysis.entities if e.place is not None]
    if places:
        yield Rule("Places", align="left", style="dim")
        for entity in places:
            place = entity.place
            assert place is not None
            yield Text(
                f"• {one_line(entity.name, 60)} → {place.name}, {place.country or '?'} "
                f"({place.lat:.2f}, {place.lon:.2f}; GeoNames {place.geonameid})"
            )


def report(analysis: Analysis, *, name: str | None = None) -> RenderableType:
    """The terminal report as a rich renderable (the CLI prints it, ``to_text`` renders it to a string)."""
    parts: list[RenderableType] = list(_header(analysis, name))
    entities = {entity.id: entity for entity in analysis.entities}
    groups, unattributed = _group_by_actor(analysis)
    if groups:
        parts.append(Rule("Who said what", align="left", style="dim"))
    for i, (entity, source_text, attributions) in enumerate(groups):
        if i:
            parts.append(Text(""))
        parts.append(_actor_label(entity, source_text))
        parts.extend(_indented(a, entities) for a in attributions)
    if unattributed:
        parts.append(Rule("Unattributed (no source found)", align="left", style="dim"))
        parts.extend(_indented(a, entities) for a in unattributed)
    if not analysis.attributions:
        parts.append(Text("No attributions found.", style="dim"))
    if analysis.events:
        parts.extend(_events_by_actor(analysis))
    parts.extend(_facts(analysis, entities))
    parts.append(Rule(style="dim"))
    parts.append(Text(f"Authorial voice: {len(analysis.authorial)} sentences state things in the "
                      "article's own voice, attributed to no one."))
    for warning in analysis.warnings:
        parts.append(Text("warning: " + one_line(warning), style="yellow"))
    return Group(*parts)


def to_text(analysis: Analysis, console_width: int = 100, *, name: str | None = None) -> str:
    """The terminal report as plain text (no colour codes), ``console_width`` columns wide."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=console_width, color_system=None, force_terminal=False, highlight=False
    )
    console.print(report(analysis, name=name))
    # Padding fills lines to the console width; trailing blanks only get in the way in a file.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
