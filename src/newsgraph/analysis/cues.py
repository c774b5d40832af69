"""Cue words: which lemmas signal an attribution, how reliably, and with what stance.

Why two sources: *whether* a word cues an attribution is learned from PolNeAR's
training split (``data/cues.tsv``, built by ``tools/build_cue_lexicon.py``:
for each lemma and part of speech, how often it heads a gold cue and how often
it occurs); *how* the reporter frames the statement (the stance) is a
documented editorial judgement, so it is a hand-written table here.

Stance classes (the reporting verb's framing, not the speaker's opinion):

============  ==========================================================
neutral       say, tell, add, note, write, report, state, explain,
              according to — the reporter takes no position
emphatic      declare, stress, insist, emphasise, vow, warn, pledge,
              promise, affirm, vow — the speaker is shown as forceful
distancing    claim, allege, purport, contend, maintain — the reporter
              keeps the statement at arm's length
assertive     argue, assert, accuse, charge, blame, criticise, attack
              — the statement is an argument or accusation
tentative     suggest, hint, believe, think, speculate, guess, hope,
              estimate, expect — the statement is hedged or a belief
negative      deny, reject, dismiss, refute, refuse, decline, dispute,
              question, doubt — the speaker contradicts or refuses
============  ==========================================================
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

STANCE: dict[str, str] = {}
for _stance, _words in {
    "emphatic": "declare stress insist emphasize emphasise vow warn pledge promise affirm reiterate "
    "underscore proclaim demand swear announce",
    "distancing": "claim allege purport contend maintain profess",
    "assertive": "argue assert accuse charge blame criticize criticise attack slam blast condemn "
    "lambaste denounce fault",
    "tentative": "suggest hint believe think speculate guess hope estimate expect predict "
    "wonder suppose feel seem appear imply indicate",
    "negative": "deny reject dismiss refute refuse decline dispute question doubt disagree oppose "
    "deride scoff",
}.items():
    for _w in _words.split():
        STANCE[_w] = _stance


def stance_of(lemma: str) -> str:
    """The stance class of a cue lemma (``neutral`` when not listed)."""
    return STANCE.get(lemma.lower(), "neutral")


@dataclass(frozen=True)
class CueStats:
    """How often a lemma/POS headed a gold cue (``cue``) out of its occurrences (``total``)."""

    cue: int
    total: int

    @property
    def rate(self) -> float:
        # Add-one smoothing so a lemma seen twice as a cue in two uses is not "certain".
        return self.cue / (self.total + 1)


@lru_cache(maxsize=1)
def lexicon() -> dict[tuple[str, str], CueStats]:
    """The learned cue lexicon, keyed by (lower-case lemma, coarse POS)."""
    out: dict[tuple[str, str], CueStats] = {}
    path = resources.files("newsgraph") / "data" / "cues.tsv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            out[(row["lemma"], row["pos"])] = CueStats(int(row["cue"]), int(row["total"]))
    return out
