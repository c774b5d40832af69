"""BRAT standoff in PolNeAR's form: read gold attributions, write ours.

Why our own reader rather than importing the benchmark's scorer: the package
must work without the benchmark checkout, yet ``newsgraph eval`` has to give
the very numbers the official scorer gives. So ``parse_ann`` follows the
scorer's reading rules line for line (see ``/work/shared/bench``), and the
tests check it against the scorer on the real corpus:

* only lines starting with ``T`` (a text-bound span) or ``E`` (an event) count;
  anything else (``#`` notes, relations, stray continuation lines) is skipped;
* a ``T`` line's label is ignored; its offsets are ``start end`` fragments
  separated by ``;``;
* an ``E`` line's first argument is the trigger and is skipped; every other
  argument ``Role:Tn`` adds the spans of ``Tn`` to that role, the role name
  lower-cased with trailing digits removed (``Content2`` is ``content``); roles
  other than cue, source and content are ignored, as are unknown ``Tn`` ids;
* an event is kept when it has a content or a cue span.

Where the scorer would crash on a malformed line, ``parse_ann`` raises a coded
``NewsgraphError`` (E016) instead.

The writer produces what PolNeAR's gold files look like, one block per
attribution::

    T1  Source 0 5  Marta
    T2  Cue 6 10  said
    T3  Content 12 30;32 40  first fragment second
    T4  Attribution 6 10  said
    E1  Attribution:T4 Cue:T2 Source:T1 Content:T3

An attribution without a source uses the event type ``Attribution-no-source``
and has no ``Source`` argument, as in the corpus. The text field of a
discontinuous span is its fragments joined by one space (BRAT's convention).
BRAT files are line based, so a text field must not contain a line break:
a span whose text contains line breaks (or tabs, the column separator) is
written as a discontinuous span of the stretches between them. No word token
ever contains such a character, so the split changes no score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from newsgraph.errors import Errors, NewsgraphError
from newsgraph.models import Analysis, Attribution, Event

ROLES = ("cue", "source", "content")

SpanList = list[tuple[int, int]]
Attr = dict[str, SpanList]
"""One attribution as character spans per role: ``{"cue": [...], "source": [...], "content": [...]}``."""

_TRAILING_DIGITS = re.compile(r"\d+$")
# Characters that end a line for some reader (Python's universal newlines and
# str.splitlines), plus the tab that separates BRAT's columns.
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")


# --------------------------------------------------------------------- reading


def _parse_offsets(field: str) -> SpanList:
    """``"0 5;7 9"`` -> ``[(0, 5), (7, 9)]`` (raises ValueError when malformed)."""
    spans = []
    for part in field.split(";"):
        start, end = part.split()
        spans.append((int(start), int(end)))
    return spans


def parse_ann(text: str, *, path: str = "<ann>") -> list[Attr]:
    """Read the content of an ``.ann`` file into attributions (char spans per role).

    ``path`` only names the file in error messages. Line ends are read the way
    Python's text files read them (``\\r\\n`` and ``\\r`` end a line too).
    """
    spans: dict[str, SpanList] = {}
    events: list[dict[str, list[str]]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if not line or line[0] not in "TE":
            continue
        columns = line.split("\t")
        if len(columns) < 2:
            raise NewsgraphError(Errors.E016, path=path, line=number, reason="no tab after the id")
        if line[0] == "T":
            _label, _, offsets = columns[1].partition(" ")
            try:
                spans[columns[0]] = _parse_offsets(offsets)
            except ValueError:
                raise NewsgraphError(
                    Errors.E016, path=path, line=number, reason=f"bad offsets {offsets!r}"
                ) from None
        else:
            roles: dict[str, list[str]] = {}
            for argument in columns[1].split()[1:]:  # the first argument is the trigger
                role, _, ref = argument.partition(":")
                role = _TRAILING_DIGITS.sub("", role).lower()
                if role in ROLES:
                    roles.setdefault(role, []).append(ref)
            events.append(roles)

    attributions = []
    for roles in events:
        attribution: Attr = {role: [] for role in ROLES}
        for role, refs in roles.items():
            for ref in refs:
                attribution[role].extend(spans.get(ref, []))
        if attribution["content"] or attribution["cue"]:
            attributions.append(attribution)
    return attributions


def read_text_file(path: str | Path) -> str:
    """Read a UTF-8 file exactly as the scorer does (universal newlines), or raise a coded error."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise NewsgraphError(Errors.E005, path=path) from None
    except UnicodeDecodeError:
        raise NewsgraphError(Errors.E003, path=path) from None
    except OSError as error:
        raise NewsgraphError(Errors.E010, path=path, reason=error.strerror or error) from None


def read_ann(path: str | Path) -> list[Attr]:
    """Read an ``.ann`` file into attributions (see ``parse_ann``)."""
    return parse_ann(read_text_file(path), path=str(path))


# --------------------------------------------------------------------- writing


def fragments(text: str, start: int, end: int) -> SpanList:
    """Split ``text[start:end]`` at line breaks and tabs into the stretches between them.

    A span holding nothing but breaks becomes one empty fragment at its start,
    so that the role is still written (it covers no word token either way).
    Empty and reversed spans are returned unchanged.
    """
    if end <= start:
        return [(start, end)]  # empty (or reversed) spans are kept as they are
    pieces = []
    position = start
    for found in _BREAKS.finditer(text, start, end):
        if found.start() > position:
            pieces.append((position, found.start()))
        position = found.end()
    if position < end:
        pieces.append((position, end))
    return pieces or [(start, start)]


def attribution_spans(attribution: Attribution) -> Attr:
    """An ``Attribution`` model as char spans per role (the scorer's prediction form)."""
    return {
        "cue": [(attribution.cue.start, attribution.cue.end)],
        "source": [] if attribution.source is None else [(attribution.source.start, attribution.source.end)],
        "content": [(span.start, span.end) for span in attribution.content],
    }


def attributions_to_ann(text: str, attributions: Iterable[Mapping[str, Sequence[Sequence[int]]]]) -> str:
    """Write attributions given as char spans per role (``Attr``) as PolNeAR-form standoff.

    The spans of a role become one (possibly discontinuous) ``T`` line, in the
    order given. The event's trigger copies the cue (or, lacking a cue, the
    first content span); an attribution with no span at all is skipped, as
    the reader would drop it anyway.
    """
    lines: list[str] = []
    t_count = 0
    e_count = 0

    def add_span(label: str, spans: Sequence[Sequence[int]]) -> str:
        nonlocal t_count
        pieces = [piece for start, end in spans for piece in fragments(text, start, end)]
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        covered = " ".join(text[s:e] for s, e in pieces)
        t_count += 1
        lines.append(f"T{t_count}\t{label} {offsets}\t{covered}")
        return f"T{t_count}"

    for attribution in attributions:
        cue = list(attribution.get("cue") or [])
        source = list(attribution.get("source") or [])
        content = list(attribution.get("content") or [])
        anchor = cue or content[:1]
        if not anchor:
            continue
        kind = "Attribution" if source else "Attribution-no-source"
        # PolNeAR's order: Source, Cue, Content, then the trigger and the event.
        source_id = add_span("Source", source) if source else None
        cue_id = add_span("Cue", cue) if cue else None
        content_id = add_span("Content", content) if content else None
        arguments = [
            f"{role}:{ref}"
            for role, ref in (("Cue", cue_id), ("Source", source_id), ("Content", content_id))
            if ref is not None
        ]
        trigger = add_span(kind, anchor)
        e_count += 1
        lines.append(f"E{e_count}\t{kind}:{trigger} " + " ".join(arguments))
    return "".join(line + "\n" for line in lines)


def to_ann(analysis: Analysis, *, nested: bool = False, facts: bool = True, events: bool = True) -> str:
    """Write an analysis' attributions as PolNeAR-form BRAT standoff (the ``.ann`` file content).

    The matching ``.txt`` file is ``analysis.article.text``, unchanged. PolNeAR
    annotates only the outermost attribution where one is nested in another's
    content, so nested ones (``parent`` set) are left out unless ``nested``.
    With ``facts`` the figures, times and resolved places follow as entities
    (see ``facts_to_ann``), and with ``events`` the PLOVER events (see
    ``events_to_ann``); PolNeAR readers ignore both.
    """
    chosen = (a for a in analysis.attributions if nested or a.parent is None)
    ann = attributions_to_ann(analysis.article.text, (attribution_spans(a) for a in chosen))
    if facts:
        first = sum(1 for line in ann.splitlines() if line.startswith("T")) + 1
        ann += facts_to_ann(analysis, first)
    if events and analysis.events:
        ann += events_to_ann(analysis.article.text, analysis.events, ann)
    return ann


def facts_to_ann(analysis: Analysis, first: int = 1) -> str:
    """Figures, times and places as BRAT entities, their values in ``AnnotatorNotes``.

    Labels: ``Figure`` (note: value, unit, change, claimed_by), ``Time`` (note:
    TIMEX3 type and value) and ``Place`` (one per mention of a resolved place
    actor; note: GeoNames id, name, country). Ids continue from ``first``.
    """
    text = analysis.article.text
    lines: list[str] = []
    number = first - 1

    def add(label: str, start: int, end: int, note: str) -> None:
        nonlocal number
        pieces = fragments(text, start, end)
        if not pieces or pieces[0][0] == pieces[0][1]:
            return
        number += 1
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        lines.append(f"T{number}\t{label} {offsets}\t{' '.join(text[s:e] for s, e in pieces)}")
        lines.append(f"#{number}\tAnnotatorNotes T{number}\t{note}")

    for figure in analysis.figures:
        value = figure.value
        shown = "-".join(f"{v:g}" for v in value) if isinstance(value, list) else f"{value:g}"
        note = f"value={shown} unit={figure.unit or '-'} change={figure.change}"
        note += f" claimed_by={figure.claimed_by or '-'}"
        add("Figure", figure.start, figure.end, " ".join(note.split()))
    for time in analysis.times:
        add("Time", time.start, time.end, f"type={time.type} value={time.value}")
    for entity in analysis.entities:
        if entity.place is None:
            continue
        place = entity.place
        note = f"geonameid={place.geonameid} name={place.name} country={place.country or '-'}"
        note = " ".join(note.split())
        for mention in entity.mentions:
            add("Place", mention.start, mention.end, note)
    return "".join(line + "\n" for line in lines)


def events_to_ann(text: str, events: Iterable[Event], preceding: str = "") -> str:
    """PLOVER events as BRAT events: a trigger labelled with its type; Agent, Target, Place, Time.

    ``E7\tASSAULT:T30 Agent:T31 Target:T32``, plus attribute lines for
    negation (``Negated``) and modality other than asserted (``Modality E7
    planned``). Numbering continues after the ids used in ``preceding`` (the
    attribution lines), so both fit in one file; readers of attributions skip
    these events, which have no cue or content.
    """
    used = [line.split("\t", 1)[0] for line in preceding.splitlines() if line[:1] in "TEA"]
    counts = {k: max((int(u[1:]) for u in used if u[:1] == k and u[1:].isdigit()), default=0) for k in "TEA"}
    lines: list[str] = []

    def add(kind: str) -> str:
        counts[kind] += 1
        return f"{kind}{counts[kind]}"

    def span_line(label: str, start: int, end: int) -> str:
        ident = add("T")
        pieces = fragments(text, start, end)
        offsets = ";".join(f"{s} {e}" for s, e in pieces)
        lines.append(f"{ident}\t{label} {offsets}\t" + " ".join(text[s:e] for s, e in pieces))
        return ident

    for event in events:
        trigger = span_line(event.type, event.trigger.start, event.trigger.end)
        arguments = [f"{event.type}:{trigger}"]
        roles = {"Agent": event.agent, "Target": event.target, "Place": event.place, "Time": event.time}
        for role, span in roles.items():
            if span is not None:
                arguments.append(f"{role}:{span_line(role, span.start, span.end)}")
        ident = add("E")
        lines.append(f"{ident}\t" + " ".join(arguments))
        if event.negated:
            lines.append(f"{add('A')}\tNegated {ident}")
        if event.modality != "asserted":
            lines.append(f"{add('A')}\tModality {ident} {event.modality}")
    return "".join(line + "\n" for line in lines)
