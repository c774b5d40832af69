"""Reading numbers as a newsroom writes them: digits, words, scales, ranges.

Why a module of its own: the figures component and the times component both
need "how much is *forty-five*", "*1,5 million*" or "*5 1/2*", and both must
agree. Everything here is compiled regular expressions over the text plus a
few dictionary look-ups, so the cost is linear in the text.
"""

from __future__ import annotations

import re

ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "bn": 1e9,
    "b": 1e9,
    "tn": 1e12,
    "tr": 1e12,
}
FRACTIONS = {"half": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25, "quarters": 0.25}
VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 0.125}
"""Single-character fractions: "½", "2¾"."""

_WORD_NUMBER = (
    r"(?:"
    + "|".join(sorted([*TENS], key=len, reverse=True))
    + r")(?:[- ](?:"
    + "|".join(k for k in ONES if ONES[k] and ONES[k] < 10)
    + r"))?|"
    + "|".join(sorted(ONES, key=len, reverse=True))
)

WORD_NUMBER = re.compile(rf"(?i:{_WORD_NUMBER})")
"""A spelled-out number under a hundred: "forty", "forty-five", "seven"."""


def word_value(text: str) -> float | None:
    """The value of a spelled-out number under a hundred, or None."""
    words = re.split(r"[- ]", text.lower())
    total = 0
    for word in words:
        if word in TENS:
            total += TENS[word]
        elif word in ONES:
            total += ONES[word]
        else:
            return None
    return float(total)


def digits_value(text: str, *, european: bool = False) -> float | None:
    """The value of a written number: "1,500,000", "1.5", "1 500 000", "1.234.567", "1,5" (european)."""
    s = text.replace("\u00a0", " ").replace("\u202f", " ").replace(" ", "")
    if european or re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?", s):
        s = s.replace(".", "").replace(",", ".")
    else:
        s = s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


def fraction_value(text: str) -> float | None:
    """The value of a written fraction: "1/16", "1⁄32" (fraction slash), or None for "3/0"."""
    top, _, bottom = text.replace("\u2044", "/").replace(" ", "").partition("/")
    try:
        return int(top) / int(bottom)
    except (ValueError, ZeroDivisionError):
        return None
