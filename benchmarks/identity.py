"""Is each person one actor across a corpus? Named statements on their person's single actor.

Over PolNeAR train + dev (924 articles) stored with ``newsgraph ingest``, this
looks at the statements (attributions) newsgraph stored whose speaker, as
written in the article (the source span), is an unambiguous name form of one
of the people below, and asks where they sit:

* share: of those statements, how many sit on their person's main actor (the
  actor most of them sit on); target >= 97%. A statement with no actor counts
  as a miss;
* shared: two people whose main actor is the same (target: none), and the
  statements of one person that sit on another person's main actor;
* checks: "Donald J. Trump" and "Donald Trump" are one actor; Hillary and Bill
  Clinton are two, each with their own statements.

The gold is built by rules on the written source, never by newsgraph. A source
span counts for person P when it ends with one of these forms (anything before
it, "Republican nominee", "Clinton spokesman", is a description, unless the
name hangs on a noun by a preposition, "supporters of", "aides to", which are
the speakers then; a span with "and", "&", "/" or a comma names several people
and does not count):

1. full name: one of P's first names, optionally a middle name or initial,
   and the surname ("Donald Trump", "Donald J. Trump", "Hillary Rodham
   Clinton"); a suffix after it ("Donald Trump Jr.") is someone else;
2. honorific + surname ("Mr. Trump", "Mrs. Clinton"): when P is the only person
   below of that surname and that gender;
3. title + surname ("President Obama", "Sen. Sanders", "Secretary Clinton"):
   for the titles listed for P;
4. the surname alone ("Trump"): for the people marked ``bare`` (the one bearer
   of that surname in the 2016 campaign news), and only when the article names
   no other person of that surname (a different first name before the surname,
   or an honorific of the other gender).

First names alone ("Hillary") and pronouns do not count.

The database is built once and cached (``--db``, default
/tmp/identity/polnear.db): ingesting 924 articles takes minutes. With
``--recompute`` the identities of a copy of it are recomputed by
``store.reidentify`` first (quick iterations on ``store/identity.py`` without
analysing again).

Usage::

    PYTHONPATH=src .venv/bin/python benchmarks/identity.py               # ingest if missing, then measure
    PYTHONPATH=src .venv/bin/python benchmarks/identity.py --recompute   # recompute identities first
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLNEAR = ROOT.parent / "shared" / "polnear"
TARGET = 0.97


@dataclass(frozen=True)
class Person:
    """One gold person: how their name may be written."""

    name: str
    first: tuple[str, ...]
    surname: str
    gender: str
    bare: bool = False
    titles: tuple[str, ...] = field(default_factory=tuple)


SEN = ("Sen.", "Senator")
GOV = ("Gov.", "Governor")
PEOPLE = [
    Person("Donald Trump", ("Donald",), "Trump", "m", bare=True),
    Person("Hillary Clinton", ("Hillary",), "Clinton", "f", titles=("Secretary",)),
    Person("Bill Clinton", ("Bill", "William"), "Clinton", "m"),
    Person("Barack Obama", ("Barack",), "Obama", "m", bare=True, titles=("President",)),
    Person("Michelle Obama", ("Michelle",), "Obama", "f"),
    Person("Bernie Sanders", ("Bernie", "Bernard"), "Sanders", "m", bare=True, titles=SEN),
    Person("Ted Cruz", ("Ted",), "Cruz", "m", bare=True, titles=SEN),
    Person("Rafael Cruz", ("Rafael",), "Cruz", "m"),
    Person("Heidi Cruz", ("Heidi",), "Cruz", "f"),
    Person("Marco Rubio", ("Marco",), "Rubio", "m", bare=True, titles=SEN),
    Person("Ben Carson", ("Ben",), "Carson", "m", bare=True),
    Person("Chris Christie", ("Chris",), "Christie", "m", bare=True, titles=GOV),
    Person("John Kasich", ("John",), "Kasich", "m", bare=True, titles=GOV),
    Person("Jeb Bush", ("Jeb",), "Bush", "m"),
    Person("George W. Bush", (r"George\s+W\.",), "Bush", "m"),
    Person("George H. W. Bush", (r"George\s+H\.\s*W\.",), "Bush", "m"),
    Person("Paul Manafort", ("Paul",), "Manafort", "m", bare=True),
    Person("Paul Ryan", ("Paul",), "Ryan", "m", bare=True, titles=("Speaker",)),
    Person("Mike Pence", ("Mike", "Michael"), "Pence", "m", bare=True, titles=GOV),
    Person("Tim Kaine", ("Tim", "Timothy"), "Kaine", "m", bare=True, titles=SEN),
    Person("Joe Biden", ("Joe", "Joseph"), "Biden", "m", bare=True, titles=("Vice President",)),
    Person("Elizabeth Warren", ("Elizabeth",), "Warren", "f", bare=True, titles=SEN),
    Person("Lindsey Graham", ("Lindsey",), "Graham", "m", bare=True, titles=SEN),
    Person("John McCain", ("John",), "McCain", "m", bare=True, titles=SEN),
    Person("Carly Fiorina", ("Carly",), "Fiorina", "f", bare=True),
    Person("Mitch McConnell", ("Mitch",), "McConnell", "m", bare=True, titles=SEN),
    Person("Harry Reid", ("Harry",), "Reid", "m", bare=True, titles=SEN),
    Person("Vladimir Putin", ("Vladimir",), "Putin", "m", bare=True, titles=("President",)),
    Person("Corey Lewandowski", ("Corey",), "Lewandowski", "m", bare=True),
    Person("Kellyanne Conway", ("Kellyanne",), "Conway", "f", bare=True),
    Person("Robby Mook", ("Robby",), "Mook", "m", bare=True),
    Person("John Podesta", ("John",), "Podesta", "m", bare=True),
    Person("Huma Abedin", ("Huma",), "Abedin", "f", bare=True),
    Person("Mike Huckabee", ("Mike",), "Huckabee", "m", bare=True),
    Person("Jill Stein", ("Jill",), "Stein", "f", bare=True),
    Person("Martin O'Malley", ("Martin",), "O'Malley", "m", bare=True),
    Person("Reince Priebus", ("Reince",), "Priebus", "m", bare=True),
    Person("James Comey", ("James",), "Comey", "m", bare=True),
    Person("Rand Paul", ("Rand",), "Paul", "m"),
    Person("Josh Earnest", ("Josh",), "Earnest", "m"),
    Person("Jorge Ramos", ("Jorge",), "Ramos", "m"),
    Person("David Axelrod", ("David",), "Axelrod", "m", bare=True),
    Person("Tad Devine", ("Tad",), "Devine", "m", bare=True),
    Person("Glenn Beck", ("Glenn",), "Beck", "m"),
    Person("Ivanka Trump", ("Ivanka",), "Trump", "f"),
    Person("Melania Trump", ("Melania",), "Trump", "f"),
    Person("Donald Trump Jr.", ("Donald",), "Trump Jr.", "m"),
    Person("Eric Trump", ("Eric",), "Trump", "m"),
]
MALE = ("Mr.", "Mr")
FEMALE = ("Mrs.", "Mrs", "Ms.", "Ms")
APOS = "['’]"
MIDDLE = r"(?:\s+(?:[A-Z]\.\s*)+|\s+[A-Z][a-z]+)?"
# Capitalised words before a surname that are no first names ("President Trump", "When Trump").
_NOT_FIRST = """President Sen Senator Gov Governor Secretary Mr Mrs Ms Dr Speaker Rep Vice Former The When
But And If As While After Before Then So Said Why How What That This Rodham Candidate Nominee Republican
Democrat Democratic Meanwhile Unlike Like For With From Against Did Does Do Is Was Has Had Will Would Can
Could Should Under Since Because Although Though Even Yet Still Only Also Asked Told Says Elect Elected"""
NOT_FIRST_NAMES = frozenset(_NOT_FIRST.split())
SEVERAL = re.compile(r"\band\b|&|/|,")


def _surname_re(p: Person) -> str:
    return re.escape(p.surname).replace("'", APOS).replace("\\ ", r"\s+")


def forms(p: Person) -> list[re.Pattern[str]]:
    """Regular expressions of P's unambiguous name forms, anchored at the end of the span."""
    end = rf"(?:{APOS}s?)?$"
    pats = [rf"\b(?:{'|'.join(p.first)}){MIDDLE}\s+{_surname_re(p)}{end}"]
    same = [q for q in PEOPLE if q.surname == p.surname and q is not p]
    if not any(q.gender == p.gender for q in same):
        hon = MALE if p.gender == "m" else FEMALE
        pats.append(rf"(?:^|\s)(?:{'|'.join(re.escape(h) for h in hon)})\s+{_surname_re(p)}{end}")
    if p.titles:
        pats.append(rf"\b(?:{'|'.join(re.escape(t) for t in p.titles)})\s+{_surname_re(p)}{end}")
    if p.bare:
        pats.append(rf"(?:^|\s|^the\s)(?<![A-Z][a-z]\s){_surname_re(p)}{end}")
    return [re.compile(x) for x in pats]


FORMS = {p.name: forms(p) for p in PEOPLE}


def others_named(p: Person, text: str) -> bool:
    """Does the article name another person of P's surname (another first name, the other honorific)?"""
    other_hon = FEMALE if p.gender == "m" else MALE
    if re.search(rf"\b(?:{'|'.join(re.escape(h) for h in other_hon)})\s+{_surname_re(p)}\b", text):
        return True
    for found in re.finditer(rf"\b([A-Z][a-z]+)\.?\s+(?:[A-Z]\.\s+)?{_surname_re(p)}\b(?!\s+Jr)", text):
        word = found.group(1)
        if not any(re.fullmatch(f, word) for f in p.first) and word not in NOT_FIRST_NAMES:
            return True
    return bool(re.search(rf"\b{_surname_re(p)}\s+Jr\b", text)) and p.surname == "Trump"


PREPOSITION = re.compile(r"\b(?:of|for|to|with|from|by|about|against|among|behind)\b", re.IGNORECASE)
_TITLE_START = "secretary former president vice sen senator gov governor speaker rep then democratic"
TITLE_START = frozenset(_TITLE_START.split()) | {"republican", "gop", "the"}


def depends(prefix: str) -> bool:
    """Does the name hang on a noun before it ("supporters of", "aides to")? Then it is not the speaker.

    "Secretary of State Hillary Clinton" is a title: a prefix that starts with a title word passes.
    """
    words = prefix.split()
    return bool(PREPOSITION.search(prefix)) and words[0].lower().rstrip(".") not in TITLE_START


def speaker(source: str, text: str) -> Person | None:
    """The gold person a written source names unambiguously, or None."""
    source = " ".join(source.split())
    if not source or SEVERAL.search(source):
        return None
    hits = []
    for p in PEOPLE:
        for k, pattern in enumerate(FORMS[p.name]):
            found = pattern.search(source)
            if found and depends(source[: found.start()]):
                break
            if found:
                bare_only = k == len(FORMS[p.name]) - 1 and p.bare
                bare_only = bare_only and not any(f.search(source) for f in FORMS[p.name][:-1])
                if bare_only and others_named(p, text):
                    continue
                hits.append(p)
                break
    return hits[0] if len(hits) == 1 else None


def build(db: Path) -> float:
    """Ingest PolNeAR train + dev into ``db`` (once); returns the seconds it took."""
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "newsgraph",
            "ingest",
            str(POLNEAR / "train" / "text"),
            str(POLNEAR / "dev" / "text"),
            "--db",
            str(db),
            "--no-progress",
        ],
        check=True,
    )
    return time.perf_counter() - started


def measure(db: Path) -> dict[str, object]:
    from sqlalchemy import select

    from newsgraph.store import open_store, schema

    art = schema.Article.__table__
    att = schema.Attribution.__table__
    act = schema.Actor.__table__
    alias = schema.ActorAlias.__table__
    with open_store(db) as store, store.engine.connect() as conn:
        texts = {i: t for i, t in conn.execute(select(art.c.id, art.c.text))}
        names = {i: (k, n) for i, k, n in conn.execute(select(act.c.id, act.c.key, act.c.name))}
        rows = list(
            conn.execute(
                select(att.c.article_id, att.c.source_start, att.c.source_end, att.c.source_actor_id).where(
                    att.c.source_start.is_not(None)
                )
            )
        )
        aliases: dict[str, set[int]] = defaultdict(set)
        for actor_id, form in conn.execute(select(alias.c.actor_id, alias.c.alias)):
            aliases[form].add(actor_id)
    per: dict[str, Counter[int | None]] = defaultdict(Counter)
    for article_id, start, end, actor_id in rows:
        text = texts[article_id]
        p = speaker(text[start:end], text)
        if p is not None:
            per[p.name][actor_id] += 1
    main = {
        name: max((a for a in c if a is not None), key=lambda a: c[a], default=None)
        for name, c in per.items()
    }
    total = sum(sum(c.values()) for c in per.values())
    on_main = sum(c[main[name]] for name, c in per.items() if main[name] is not None)
    owners: dict[int, list[str]] = defaultdict(list)
    for name, actor_id in main.items():
        if actor_id is not None:
            owners[actor_id].append(name)
    shared = {names[a][1]: who for a, who in owners.items() if len(who) > 1}
    crossed = {
        (name, other): c[main[other]]
        for name, c in per.items()
        for other in per
        if other != name and main[other] is not None and c[main[other]]
    }
    return {
        "per": per,
        "main": main,
        "names": names,
        "total": total,
        "on_main": on_main,
        "shared": shared,
        "crossed": crossed,
        "aliases": aliases,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/identity/polnear.db"))
    parser.add_argument("--recompute", action="store_true", help="recompute identities of a copy first")
    args = parser.parse_args(argv)
    if not POLNEAR.exists():
        print(f"PolNeAR not found at {POLNEAR}", file=sys.stderr)
        return 2
    db = args.db
    if not db.exists():
        print(f"ingesting PolNeAR train+dev into {db} ...", flush=True)
        print(f"ingested in {build(db):.0f} s")
    if args.recompute:
        from newsgraph.store import open_store, reidentify

        copy = db.with_name(db.stem + ".recomputed.db")
        copy.unlink(missing_ok=True)
        with sqlite3.connect(db) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        started = time.perf_counter()
        with open_store(copy) as store, store.engine.begin() as conn:
            moved = reidentify.recompute(conn)
        print(f"recomputed identities: {moved} entities moved in {time.perf_counter() - started:.1f} s")
        db = copy
    r = measure(db)
    per, main_actor, names = r["per"], r["main"], r["names"]
    print(f"\nnamed statements on their person's main actor ({db}):")
    print(f"{'person':22} {'stmts':>6} {'on main':>8} {'share':>7}  main actor [others]")
    for name, c in sorted(per.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(c.values())
        m = main_actor[name]
        on = c[m] if m is not None else 0
        others = ", ".join(
            f"{names[a][0] if a is not None else 'no actor'}:{k}" for a, k in c.most_common() if a != m
        )
        label = names[m][0] if m is not None else "-"
        print(f"{name:22} {n:6d} {on:8d} {on / n:7.1%}  {label} [{others}]")
    share = r["on_main"] / r["total"] if r["total"] else 0.0
    print(f"\nshare on the main actor: {r['on_main']}/{r['total']} = {share:.1%} (target >= {TARGET:.0%})")
    print(f"people sharing an actor: {r['shared'] or 'none'} (target: none)")
    print(f"statements on another person's main actor: {r['crossed'] or 'none'}")
    aliases = r["aliases"]
    djt, dt_ = aliases.get("donald j. trump", set()), aliases.get("donald trump", set())
    one_trump = bool(djt) and djt == dt_ and len(djt) == 1
    verdict = "yes" if one_trump else "NO"
    print(f'check "Donald J. Trump" = "Donald Trump" one actor: {verdict} {sorted(djt)} {sorted(dt_)}')
    hc, bc = main_actor.get("Hillary Clinton"), main_actor.get("Bill Clinton")
    own = hc is not None and bc is not None and hc != bc
    own = (
        own
        and not r["crossed"].get(("Hillary Clinton", "Bill Clinton"))
        and not r["crossed"].get(("Bill Clinton", "Hillary Clinton"))
    )
    verdict = "yes" if own else "NO"
    print(f"check Hillary and Bill Clinton two actors, each one's statements on their own page: {verdict}")
    ok = share >= TARGET and not r["shared"] and one_trump and own
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
