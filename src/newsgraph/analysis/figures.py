"""``newsgraph_figures``: the quantities an article states, and who states them.

Why: fact-checkers start from the checkable figures ("1.5 million
Palestinians", "nearly 40 times", "$1.2bn"), and above all need to know
whether the reporter asserts a figure or quotes a source who does. Run after
``newsgraph_attributions``, this component finds every figure and sets
``claimed_by`` to the attribution whose content holds it.

How: the numbers are found by compiled regular expressions over ``doc.text``
(digits, words, scales, currencies, units, ranges, change words), never by
loops over token pairs; spaCy's parse is only consulted for the few tokens
next to each figure (the counted noun, the concept). Things that look like
numbers but are not figures (dates, years, times of day, model names such as
F-35, law articles, ordinals, phone numbers, ISBNs, sports scores) are
blocked first.

Result: ``doc._.figures`` is a list of ``newsgraph.models.Figure`` with ids
"F1", "F2"... in text order and character offsets into ``doc.text``.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.analysis import intervals
from newsgraph.analysis.budget import checkpoint
from newsgraph.analysis.numbers import (
    FRACTIONS,
    SCALES,
    VULGAR,
    WORD_NUMBER,
    digits_value,
    fraction_value,
    word_value,
)
from newsgraph.models import Figure, Span

if not Doc.has_extension("figures"):
    Doc.set_extension("figures", default=None)

MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)

# --- what is not a figure ---------------------------------------------------------------------------

_BLOCKED = re.compile(
    rf"""
    \b{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?      # March 29, Oct. 31, 2019
  | \b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}(?:,?\s+\d{{4}}\b)? # 7 October 2023
  | \b{MONTHS}\s+(?:of\s+)?\d{{4}}\b                                 # June of 2018
  | \b\d{{4}}-\d{{2}}-\d{{2}}\b | \b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b     # ISO and slashed dates
  | \b\d{{4}}(?:-|/|–)\d{{2,4}}\b                                      # seasons: 2019-20
  | \b\d{{1,2}}(?:[:.]\d{{2}})?\s?(?:[ap]\.m\.?|[ap]m\b)                # 3 p.m., 10.30am
  | \b\d{{1,2}}:\d{{2}}(?::\d{{2}})?\b                                  # 10:35
  | \b\d{{1,2}}\s+o'clock\b
  | \bISBN(?:-1[03])?:?\s*[\dXx][\d\sXx-]{{8,}}[\dXx]\b | \b97[89]-\d[\d-]{{9,}}\d\b
  | \+\d[\d\s().-]{{7,}}\d | \(\d{{2,4}}\)\s?\d{{3,4}}[\s.-]?\d{{3,4}}\b
  | \b\d{{3}}[-.]\d{{3}}[-.]\d{{4}}\b | \b\d{{3}}-\d{{4}}\b                 # phone numbers
  | \b(?!minus|sub\b)[A-Za-z]++\s?-\d+\w*                             # F-35, MH-17, COVID-19
  | (?:\b(?:Article|Art\.|Section|Sec\.|Chapter|Clause|Paragraph|Amendment|Resolution|Rule|Title|No\.|
         Number|Nos?\.|Bill|Act|Route|Highway|Flight|Room|Page|Pages|pp?\.|Vol\.|Volume|Episode|Season|
         Level|Grade|Class|Phase|Stage|Round|Game|Week|Model|Version|v|Series|Type|Gate|Platform|
         [Cc]ategory|level|grade|phase|stage|number|no\.)
       |§|\#)\s?\d+[\w.()]*
  | \b\d+(?:st|nd|rd|th)\b                                             # ordinals
  | \b(?:19|20)\d0s\b | '\d0s\b                                        # decades
  | \b(?=\d)(?:                                # after a number (one look-ahead, so other places fail fast):
        \d+(?:-\d+)?[A-Z]?\s+(?:[NSEW]\.?\s+)?(?:\d+(?:st|nd|rd|th)\s+|[A-Z][a-z]+\s+){{0,3}}
        (?:Street|St|Road|Rd|Avenue|Ave|Boulevard|Blvd|Lane|Drive|Way|Place|Court|Terrace|
           Crescent|Parkway|Square)\b\.?(?=\s*[,;)]|\s+[A-Z]|\s*$)     # "49 Zorro Ranch Road, Stanley"
      | \d+\s+(?:Ave|Avenue|Rue|Via|Calle)\s+[A-Z]                    # "22 Ave Foch"
      | \d{{3,}}\s+(?:ZIP|[Zz]ip)\s?[Cc]odes?\b                      # "the 90049 ZIP code"
      | \d+\s+(?:Pro|Max|MAX|Plus|Ultra|Mini|Lite|Dreamliner|Turbo|GTI?|XL)\b  # "787 Dreamliner", "11 Pro"
      | (?<!\d\s)\d{{1,4}}/\d{{1,4}}\b(?!\s+of\b)                   # 24/7, 9/11, 50/50: no fraction
    )
    """,
    re.VERBOSE,
)

_SCORE_CONTEXT = re.compile(
    r"\b(?:won|win|wins|beat|beats|lost|lose|loses|defeat\w*|draw|drew|victory|score\w*)\b", re.I
)

# --- the number itself ------------------------------------------------------------------------------

_CURRENCY_SYMBOL = (
    r"(?P<cur>(?-i:(?:US|U\.S\.|A|AU|C|CA|NZ|HK|S|NT|R|Z|Mex)\s?\$|\$(?:US|A|NZ|C)?|€|£|¥|₹|₪|₩|PS(?=\d)|Y=|"
    r"(?:USD|EUR|GBP|JPY|INR|CHF|AUD|CAD|NIS|Rs\.?|Rp|RM|R)\s?(?=\d)))"
)
_SCALE = (
    r"(?:\s?-?(?P<scale>(?:hundred\s)?(?:hundred|thousand|million|billion|trillion))s?\b"
    r"|(?P<abbr>mn|mln|bn|tn|[kmbM])\b)"
)
_VAGUE = (
    r"(?P<vague>(?:tens|hundreds|dozens)\s+of\s+(?:thousands|millions|billions)"
    r"|dozens|hundreds|thousands|millions|billions)"
)

_NUMBER = re.compile(
    rf"""
    (?:(?<![\w.,/$€£¥])|(?<=,)(?=minus\b))                  # ",minus 233": a missing space
    {_CURRENCY_SYMBOL}?
    (?P<minus>minus[-\s]?|sub-)?
    (?:
        (?P<eu>\d{{1,3}}(?:\.\d{{3}}){{2,}}(?:,\d+)?|\d+,\d{{1,2}}(?=\s?(?:million|billion|thousand|trillion|mn|bn|m\b)))
      | (?P<sci>\d{{1,3}}(?:\.\d+)?)\s?(?:×\s?|x\s?(?=10\^))10\^?(?P<exp>[-−]?\d{{1,3}})\b  # 1.99×10−30
      | (?P<slash>\d{{1,3}}\s?\u2044\s?\d{{1,3}}|\d{{1,3}}/\d{{1,3}}(?=\s+of\b))   # "1⁄32", "1/16 of a pint"
      | (?P<num>-?(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+))
        (?:\s(?P<frac>[1-9]/[1-9]\d?)\b|(?P<vfrac>[½¼¾⅓⅔⅛]))?
      | (?P<vulgar>[½¼¾⅓⅔⅛])
      | (?P<fracw>(?:a|one|two|three)[- ](?:half|thirds?|quarters?)\b|half\b)
      | {_VAGUE}\b
      | (?P<dozen>(?:a\s)?dozen\b)
      | (?P<a>an?)(?=\s(?:hundred|thousand|million|billion|trillion)\b)
      | (?P<word>\b(?:{WORD_NUMBER.pattern[4:-1]})\b)
    )
    {_SCALE}?
    """,
    re.VERBOSE | re.IGNORECASE,
)

# Units written after the number, folded to one name. Order matters: longer spellings first.
_UNITS: list[tuple[str, str]] = [
    (r"pound-f(?:ee|oo)t\b|lb-ft\b", "pound-foot"),
    (r"%|per\s?cent\b|percent\b|pct\b|pc\b", "percent"),
    (r"percentage[- ]points?\b|pct\.? points?\b", "percentage point"),
    (r"basis[- ]points?\b|bps\b", "basis point"),
    (r"-?years?[- ]old\b|-year-old\b", "year of age"),
    (r"months?[- ]old\b", "month-old"),
    (r"(?:australian|canadian|new zealand|hong kong|singapore|taiwan) dollars?\b", None),
    (r"(?:US|U\.S\.|American) dollars?\b|dollars?\b|bucks\b", "dollar"),
    (r"euros?\b", "euro"),
    (r"pounds? sterling\b|pounds?\b|quid\b", "pound"),
    (r"yen\b", "yen"),
    (r"yuan\b|renminbi\b", "yuan"),
    (r"rupees?\b", "rupee"),
    (r"shekels?\b", "shekel"),
    (r"ringgit\b", "malaysian ringgit"),
    (r"francs?\b", "franc"),
    (r"pesos?\b", "peso"),
    (r"roubles?\b|rubles?\b", "rouble"),
    (r"cents?\b|¢", "cent"),
    (r"(?-i:USD|US\$)(?![\w=])", "dollar"),  # codes after the number: "108.79 JPY", "5 USD"
    (r"(?-i:EUR)(?![\w=])", "euro"),
    (r"(?-i:GBP)(?![\w=])", "pound"),
    (r"(?-i:JPY)\b", "yen"),
    (r"(?-i:NIS)\b", "shekel"),
    (r"(?-i:CHF)\b", "franc"),
    (r"pence\b|p\b", "pence"),
    (r"nanomet(?:er|re)s?\b|(?-i:nm)\b", "nanometre"),
    (r"millilit(?:er|re)s?\b|ml\b", "millilitre"),
    (r"m2\b|sq\.? ?m\b", "square metre"),
    (r"cubic (?:feet|foot)\b|cu\.? ?ft\b", "cubic foot"),
    (r"cubic met(?:er|re)s?\b|m3\b", "cubic metre"),
    (r"μm\b|micromet(?:er|re)s?\b|microns?\b", "micrometre"),
    (r"gpa\b|gigapascals?\b", "gigapascal"),
    (r"(?-i:Nm)\b|newton[- ]met(?:er|re)s?\b", "newton metre"),
    (r"″", "inch"),
    (r"mph\b|miles? (?:per|an|a) hour\b", "mile per hour"),
    (r"km/hr?\b|kph\b|kilomet(?:er|re)s? (?:per|an) hour\b", "kilometre per hour"),
    (r"mpg\b|miles? per gallon\b", "mile per gallon"),
    (r"square (?:feet|foot)\b|sq\.? ?ft\b", "square foot"),
    (r"square met(?:er|re)s?\b", "square metre"),
    (r"square (?:kilomet(?:er|re)s?|km)\b|km2\b|sq km\b", "square kilometre"),
    (r"square miles?\b", "square mile"),
    (r"miles?\b", "mile"),
    (r"kilomet(?:er|re)s?\b|km\b", "kilometre"),
    (r"centimet(?:er|re)s?\b|cm\b", "centimetre"),
    (r"millimet(?:er|re)s?\b|mm\b", "millimetre"),
    (r"met(?:er|re)s?\b|m\b", "metre"),
    (r"feet\b|foot\b|ft\b", "foot"),
    (r"inch(?:es)?\b|in\.", "inch"),
    (r"yards?\b|yds?\b", "yard"),
    (r"acres?\b", "acre"),
    (r"hectares?\b|ha\b", "hectare"),
    (r"kilo(?:gram)?s?\b|kg\b", "kilogram"),
    (r"milligrams?\b|mg\b", "milligram"),
    (r"micrograms?\b|mcg\b|µg\b|μg\b", "microgram"),
    (r"(?-i:G)\b", "generation wireless"),  # "5G": a mobile network generation, not grams
    (r"grams?\b|(?-i:g)\b", "gram"),
    (r"tonnes?\b|tons?\b", "tonne"),
    (r"lbs?\b", "pound"),
    (r"ounces?\b|oz\b", "ounce"),
    (r"litres?\b|liters?\b|l\b", "litre"),
    (r"gallons?\b", "gallon"),
    (r"barrels?\b", "barrel"),
    (r"degrees? (?:celsius|centigrade|c)\b|°\s?c\b", "celsius"),
    (r"degrees? (?:fahrenheit|f)\b|°\s?f\b", "fahrenheit"),
    (r"degrees?\b|°", "degree"),
    (r"(?-i:C)(?=[\s,;.)]|$)(?!\.\w)", "celsius"),  # "12 C melting point"
    (r"fahrenheit\b", "fahrenheit"),
    (r"celsius\b", "celsius"),
    (r"decades?\b", "decade"),
    (r"centur(?:y|ies)\b", "century"),
    (r"years?\b", "year"),
    (r"months?\b", "month"),
    (r"weeks?\b", "week"),
    (r"days?\b", "day"),
    (r"hours?\b|hrs?\b", "hour"),
    (r"minutes?\b|mins?\b", "minute"),
    (r"seconds?\b|secs?\b", "second"),
    (r"times\b", "time"),
    (r"rpm\b", "revolutions per minute"),
    (r"bhp\b", "brake horsepower"),
    (r"hp\b|horsepower\b", "horsepower"),
    (r"kilowatts?\b|kw\b", "kilowatt"),
    (r"megawatts?\b|mw\b", "megawatt"),
    (r"gigawatts?\b|gw\b", "gigawatt"),
    (r"watts?\b|w\b", "watt"),
    (r"kwh\b", "kilowatt hour"),
    (r"gigabytes?\b|gb\b", "gigabyte"),
    (r"terabytes?\b|tb\b", "terabyte"),
    (r"megabytes?\b|mb\b", "megabyte"),
    (r"mah\b", "milliampere-hour"),
    (r"ghz\b", "gigahertz"),
    (r"mhz\b", "megahertz"),
    (r"hz\b", "hertz"),
    (r"decibels?\b|db\b", "decibel"),
    (r"ppm\b", "parts-per-million"),
    (r"ppb\b", "parts-per-billion"),
    (r"people\b|persons\b", "person"),
]
_UNIT = re.compile(
    r"[\s-]?(?:" + "|".join(f"(?P<u{i}>{pattern})" for i, (pattern, _) in enumerate(_UNITS)) + r")",
    re.IGNORECASE,
)
_PER = re.compile(
    r"[\s-]?(?:(?:a|an)[\s-](?P<per_a>share|barrel|hour|day|week|month|year|gallon|person|head|kilogram|pound|"
    r"ounce|litre|liter|mile|night|ton|tonne)\b(?!\s+(?:earlier|ago|later|before|after|on|from|in|of))"
    r"|(?:per|/)\s?(?P<per>sq\.? m|sq\.? ft|square (?:metre|meter|foot|feet|mile)|[a-z]+))\b",
    re.I,
)

# Change and approximation words right before a figure ("nearly 40", "more than $1bn", "up 5%").
_CHANGE_WORDS = {
    "~": r"about|around|approximately|approx\.|roughly|some|nearly|almost|barely|close to|an estimated|"
    r"estimated|circa|c\.|just about|around about|~|averaged|averaging|averages",
    ">": r"more than|over|above|at least|exceeding|exceeds|exceeded|upwards of|in excess of|north of|"
    r"greater than|higher than|no fewer than|no less than|more then|over than|beyond|\+|>",
    "<": r"less than|fewer than|under|below|up to|at most|no more than|lower than|as little as|as few as|"
    r"not more than|<|short of|shy of",
    "up": r"up|rose|rise|rises|rising|increased|increase|increases|increasing|gained|gain|gains|jumped|"
    r"jumps|climbed|climbs|grew|grow|grows|growing|soared|soars|surged|surges|added|adding|adds|boost|boosted|"
    r"advanced|higher|hiked|rallied|spiked|upward|upwards|jumping|climbing|soaring|surging|gaining|advancing|"
    r"advances|rallying|rallies|hiking|rebounded|rebounding|skyrocketed|rocketed",
    "down": r"down|fell|fall|falls|falling|fallen|dropped|drop|drops|dropping|declined|decline|declines|"
    r"declining|decreased|decrease|decreases|decreasing|lost|loses|lose|losing|slipped|slips|slipping|slid|slides|sliding|"
    r"plunged|plunges|plunging|plummeted|plummets|plummeting|tumbled|tumbles|tumbling|shed|sheds|shedding|"
    r"cut|cuts|cutting|lower|lowered|lowering|shrank|shrink|shrinks|shrinking|sank|sinks|sinking|dipped|dips|"
    r"dipping|eased|easing|retreated|retreating|slumped|slumping|contracted|slashed|slashing|trimmed|reduced|"
    r"reducing|dived|diving|off",
}
# "grow sales by 35%", "cut its workforce by a tenth": a change verb, its object, then "by" and the figure.
_VERB_OBJECT_BY = re.compile(
    r"\b(?:(?P<up>increas|rais|boost|grow|grew|lift|expand|hik)|(?P<down>cut|reduc|lower|decreas|shrink|shrank|slash|"
    r"trim))\w*\s+(?:[\w'’-]+\s+){1,3}by\s+$",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"(?:^|\b)(?:"
    + "|".join(f"(?P<c{i}>{words})" for i, words in enumerate(_CHANGE_WORDS.values()))
    + r")(?:\s+(?:by|just|only|a\s+further|another))?\s+$",
    re.IGNORECASE,
)
_CHANGE_NAMES = list(_CHANGE_WORDS)
_PHRASAL_UP = re.compile(
    r"\b(?:gave|give|gives|giving|set|sets|picked|pick|picks|ended|end|ends|made|make|makes|took|take|takes|"
    r"signed|turned|put|puts|showed|show|shows|opened|open|opens|backed|stepped|used|use|wrapped|locked|built|"
    r"held|hold|holds|stood|broke|came|come|comes|summed|lined|racked|rack|racks|freed|brought|kept|caught|"
    r"beefed|ramped|shored|fed|heated|warmed|cleaned|cheered|dried|filled|followed|looked|pumped|snapped|"
    r"scooped|served|shot|wound|added|adding|adds)\s+$",
    re.I,
)
_INHERITS = re.compile(r"\s*(?:\(|/|\sor\s)\s*")
_INHERITS_AFTER_NOUN = re.compile(r"\s+(?:[A-Za-z]+\s+){1,2}\(\s*")
_FROM_TO_GAP = re.compile(r"(?:(?![.!?]\s+[A-Z])[^\n;!?]){0,40}\bto\s?")
_RATIO = re.compile(r"\s+(?:out\s+of|in)\s+", re.I)

_MILLIONS_AFTER = re.compile(
    r"\s+(?!(?:long|high|wide|deep|tall|away|race|sprint|hurdles|freestyle|butterfly|backstroke|"
    r"breaststroke|relay|medley|above|below|under|of|in|from|to|and|or|at|on|by)\b)[a-z]"
)  # "1.5m people": millions; "100m sprint", "37m (121ft)": metres
_RANGE_JOIN = re.compile(r"\s?(?:-|–|—|to|and|or)\s?$")
_AGE_APPOSITION = re.compile(r"[A-Z][a-z]+,\s$")
_BY = re.compile(r"\bby\s+$", re.I)
_FROM = re.compile(r"\bfrom\s+$", re.I)
_BETWEEN = re.compile(r"\b(?:between|from)\s+$", re.I)
_NOT_COUNT_ONE = re.compile(
    r"\b(?:no|the|this|that|each|every|any|which|one|another|last|only|next|single|same)\s+$", re.I
)
_ONE_BEFORE = re.compile(r"\s+(?:another\b|\d)")
# A name just before a bare number makes it part of the name: an index ("s&p 500", "ftse 100", lowercase
# too), a postcode ("zip code 10027"); checked on the few characters before a number, not over the text.
_INDEX_BEFORE = re.compile(
    r"\b(?:s&p|sp|ftse|russell|nikkei|nasdaq|stoxx|asx|kospi|dax|cac|zip(?:\s?code)?)\s?$", re.I
)
# "this half", "the second half": a period, not a share
_PERIOD_HALF = re.compile(r"\b(?:this|first|second|next|last|previous|latter|former)\s+$", re.I)
_CAPITALISED_NAME = re.compile(r"(?:^|[^.!?\"“\n]\s)(?P<name>[a-z]*[A-Z][\w&'’]*[A-Za-z]|[A-Z])\s$")
_NAME_OK = re.compile(
    r"(?:About|Around|Some|Nearly|Almost|Over|Only|Just|Roughly|Approximately|More|Less|Fewer|Up|Down|"
    r"Between|From|At|To|By|In|On|For|With|Of|And|But|Or|As|After|Before|Since|Until|Than|All|Another|"
    r"The|A|An|Those|These|Its|Their|His|Her|Our|My|Your|Every|I|We|They|He|She|It|Exactly|Almost|"
    r"Estimated|Roughly|Least|Most|Another|Only|Still|Now|Then|Today|Yesterday|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday)"
)


_SPAN_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute", "second", "decade", "century"})


@dataclass
class RawFigure:
    """A figure as found in the text, before the parse adds its concept and speaker."""

    start: int
    end: int
    value: float | tuple[float, float]
    unit: str | None
    change: str
    counted: bool = False  # a bare number: the noun after it is what it counts


def _per_unit(per: re.Match[str]) -> str:
    """The unit after "per" or "a", folded like the units themselves ("per sq m" -> "square metre")."""
    word = (per.group("per") or per.group("per_a")).lower()
    folded, end = _unit_at(word, 0)
    return folded if folded is not None and end == len(word) else word.rstrip(".")


def _unit_at(text: str, pos: int) -> tuple[str | None, int]:
    """The unit written at ``pos`` (folded name, end offset), or (None, pos)."""
    m = _UNIT.match(text, pos)
    if m is None or m.end() == pos:
        return None, pos
    index = int(m.lastgroup[1:]) if m.lastgroup else -1
    name = _UNITS[index][1] if index >= 0 else None
    if name is None:  # "Australian dollars": keep the country
        name = " ".join(m.group(0).split()).lower().rstrip("s")
    end = m.end()
    per = _PER.match(text, end)
    if per is not None and name not in ("percent", "year of age", "time"):
        name = f"{name} per {_per_unit(per)}"
        end = per.end()
    return name, end


_CURRENCY_NAMES = {
    "€": "euro",
    "£": "pound",
    "¥": "yen",
    "₹": "rupee",
    "₪": "shekel",
    "₩": "won",
    "EUR": "euro",
    "GBP": "pound",
    "JPY": "yen",
    "INR": "rupee",
    "CHF": "franc",
    "NIS": "shekel",
    "Rs": "rupee",
    "RS.": "rupee",
    "PS": "pound",
    "Y=": "yen",
    "$A": "australian dollar",
    "$NZ": "new zealand dollar",
    "$C": "canadian dollar",
    "RS": "rupee",
    "RP": "rupiah",
    "RM": "malaysian ringgit",
    "R": "rand",
    "A$": "australian dollar",
    "AU$": "australian dollar",
    "C$": "canadian dollar",
    "CA$": "canadian dollar",
    "NZ$": "new zealand dollar",
    "HK$": "hong kong dollar",
    "S$": "singapore dollar",
    "AUD": "australian dollar",
    "CAD": "canadian dollar",
}


def _currency(symbol: str) -> str:
    key = symbol.replace(" ", "").upper()
    return _CURRENCY_NAMES.get(key, _CURRENCY_NAMES.get(symbol.strip(), "dollar"))


def _value(m: re.Match[str]) -> float | tuple[float, float] | None:
    """The number an atom match stands for (a pair for vague plurals such as "thousands")."""
    scale = 1.0
    if m.group("scale"):
        for word in m.group("scale").lower().split():
            scale *= SCALES[word]
    elif m.group("abbr"):
        scale = SCALES[m.group("abbr").lower()]
    if m.group("eu"):
        base = digits_value(m.group("eu"), european=True)
    elif m.group("num"):
        base = digits_value(m.group("num"))
        if base is not None and m.group("frac"):
            top, bottom = m.group("frac").split("/")
            base += int(top) / int(bottom)
        if base is not None and m.group("vfrac"):
            base += VULGAR[m.group("vfrac")]
    elif m.group("sci"):
        exponent = int(m.group("exp").replace("\u2212", "-"))
        base = float(m.group("sci")) * 10.0**exponent if abs(exponent) < 300 else None
    elif m.group("slash"):
        base = fraction_value(m.group("slash"))
    elif m.group("vulgar"):
        base = VULGAR[m.group("vulgar")]
    elif m.group("fracw"):
        words = re.split(r"[- ]", m.group("fracw").lower())
        base = FRACTIONS[words[-1]] * (1 if words[0] in ("a", "half") else (word_value(words[0]) or 1))
    elif m.group("vague"):
        words = m.group("vague").lower().split()
        magnitude = {"dozens": 12.0, "hundreds": 1e2, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
        if len(words) == 3:
            low = {"tens": 10.0, "hundreds": 100.0, "dozens": 12.0}[words[0]] * magnitude[words[2]]
        else:
            low = magnitude[words[0]]
        return (low, low * 10)
    elif m.group("dozen"):
        base = 12.0
    elif m.group("a"):
        base = 1.0
    else:
        base = word_value(m.group("word"))
    if base is None:
        return None
    if (m.group("minus") or "").lower().startswith("minus"):
        base = -base
    return base * scale


def _blocked_mask(text: str) -> bytearray:
    """One byte per character: 1 where a date, model name, phone number... sits."""
    mask = bytearray(len(text))
    for m in _BLOCKED.finditer(text):
        mask[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return mask


def scan(text: str) -> list[RawFigure]:
    """Every figure in ``text``, in order, with offsets into ``text``.

    Pure text in, figures out: the component adds the parse-based parts
    (counted nouns, concepts, speakers); tests and benchmarks can call this
    directly.
    """
    mask = _blocked_mask(text)
    atoms: list[tuple[re.Match[str], float | tuple[float, float], str | None, int]] = []
    for m in _NUMBER.finditer(text):
        start, end = m.start(), m.end()
        if start == end or any(mask[start:end]):
            continue
        if end < len(text) and (text[end].isalnum() and not _UNIT.match(text, end)):
            continue  # "5G", "10th", "3s": part of a word
        value = _value(m)
        ends = value if isinstance(value, tuple) else (value,)
        if value is None or not all(math.isfinite(v) for v in ends):
            continue  # no number, or one too large for a float
        unit: str | None = None
        cur = m.group("cur")
        bare = m.group("num") and not cur and not m.group("scale") and not m.group("abbr")
        if m.group("abbr") == "m" and not cur and not _MILLIONS_AFTER.match(text, end):
            # "100m sprint", "ran 100m.": metres; "1.5m people", "£1.5m": millions
            value = value / 1e6 if not isinstance(value, tuple) else value
            unit = "metre"
        if cur:
            unit = _currency(cur)
        word_unit, unit_end = _unit_at(text, end)
        if re.match(r"-[A-Za-z]", text[end : end + 2]) and (word_unit is None or word_unit in _SPAN_UNITS):
            continue  # "five-year plan", "last-32": part of a compound word, not a figure
        if word_unit is not None and (unit is None or word_unit.startswith(("cent", "pence"))):
            unit, end = word_unit, unit_end
        elif word_unit is not None and cur and word_unit.startswith(unit or "~"):
            end = unit_end  # "$5 dollars"
        elif unit is not None and cur:
            per = _PER.match(text, end)
            if per is not None:
                unit = f"{unit} per {_per_unit(per)}"
                end = per.end()
        if bare and unit is None:
            number = m.group("num")
            if re.fullmatch(r"1[0-9]{3}|2[01][0-9]{2}", number):
                continue  # a year
            if _AGE_APPOSITION.search(text[max(0, start - 30) : start]) and text[end : end + 1] == ",":
                continue  # "Maddon, 66, has": an age in apposition, not a claim
            if len(re.sub(r"\D", "", number)) > 12 and "," not in number and "." not in number:
                continue  # an identifier, not an amount
        if cur and start and text[start - 1] == "-":
            continue  # "PLX-R18": a product code, not 18 rand
        if bare and _INDEX_BEFORE.search(text, max(0, start - 12), start):
            continue  # "s&p 500", "zip code 10027"
        fracw = (m.group("fracw") or "").lower()
        if fracw == "half" and _PERIOD_HALF.search(text, max(0, start - 12), start):
            continue  # "this half", "the second half": a period, not a share
        if m.group("word") or m.group("num") or m.group("a"):
            before = text[max(0, start - 40) : start]
            name = _CAPITALISED_NAME.search(before)
            if name is not None and unit is None and not _NAME_OK.fullmatch(name.group("name")):
                continue  # "Fortune 100", "iPhone 11", "Big 12", "Boeing 737"
            if m.group("word") and m.group("word").lower() == "one" and _NOT_COUNT_ONE.search(before):
                continue  # "no one", "the one", "this one"
            if m.group("word") and m.group("word").lower() == "one" and _ONE_BEFORE.match(text, end):
                continue  # "one another"; "just one 52,000 barrel-a-day refinery": the count is the second
        atoms.append((m, value, unit, end))
    return _combine(text, atoms)


def _change(text: str, start: int) -> str:
    if start and text[start - 1] in "+~":
        return "up" if text[start - 1] == "+" else "~"
    if text[start : start + 4].lower() == "sub-":
        return "<"  # "sub-7 nanometer"
    before = text[max(0, start - 40) : start]
    m = _CHANGE.search(before)
    if m is None or m.lastgroup is None:
        verb = _VERB_OBJECT_BY.search(before)
        if verb is not None:
            return "up" if verb.group("up") else "down"
        return "="
    change = _CHANGE_NAMES[int(m.lastgroup[1:])]
    if change == "up" and m.group(0).lower().startswith("up") and _PHRASAL_UP.search(before[: m.start()]):
        return "="  # "gave up 517 yards", "set up 3 centres": a phrasal verb, not a rise
    return change


def _is_ratio(
    value: float | tuple[float, float],
    unit: str | None,
    value2: float | tuple[float, float],
    unit2: str | None,
    m2: re.Match[str],
    gap: str,
) -> bool:
    """Is "A out of B" / "A in B" a share ("one in five adults"), not "5 in 10 days" or "3 in 2019"?"""
    if isinstance(value, tuple) or isinstance(value2, tuple) or unit is not None or unit2 is not None:
        return False
    if not (0 < value < value2 and float(value).is_integer() and float(value2).is_integer()):
        return False
    if "out" in gap.lower():
        return True
    return value2 <= 100 and not (m2.group("scale") or m2.group("abbr"))


def _combine(
    text: str, atoms: list[tuple[re.Match[str], float | tuple[float, float], str | None, int]]
) -> list[RawFigure]:
    """Join "2-3", "between 5 and 10", "252 miles to 287 miles" into ranges; add change markers."""
    out: list[RawFigure] = []
    i = 0
    while i < len(atoms):
        m, value, unit, end = atoms[i]
        start = m.start()
        if i + 1 < len(atoms) and not isinstance(value, tuple):
            m2, value2, unit2, end2 = atoms[i + 1]
            gap = text[end : m2.start()]
            joined = _RANGE_JOIN.fullmatch(gap) if len(gap) <= 5 else None
            if joined is None and unit is None and unit2 is not None:
                # "1 to 1.5 degrees", "$89 to $93 billion": the unit comes after the second number
                gap = text[m.end() : m2.start()]
                joined = _RANGE_JOIN.fullmatch(gap) if len(gap) <= 5 else None
            before = text[max(0, start - 12) : start]
            if joined is None and _FROM.search(before) and len(text[end : m2.start()]) <= 45:
                # "from $75 U.S. per barrel to $45.88", "from 21 mpg combined to 23": one span, what lies
                # between is about the first end
                gap = text[end : m2.start()]
                joined = _FROM_TO_GAP.fullmatch(gap)
            word = gap.strip().lower()
            ratio = _RATIO.fullmatch(text[end : m2.start()])
            if ratio is not None and _is_ratio(value, unit, value2, unit2, m2, ratio.group(0)):
                # "one out of three Germans", "1 in 5 adults": the share, counting what the second counts
                out.append(RawFigure(start, end2, value / value2, None, _change(text, start), counted=True))
                i += 2
                continue
            if (
                joined is not None
                and not isinstance(value2, tuple)
                and (word != "and" or _BETWEEN.search(before))
                and (
                    not _BY.search(before)  # "rose by 5 to 105": the change, then the level
                    or (unit is None and unit2 is not None and 0 < value < value2 <= 4 * value)
                )  # "dropped by 1 to 1.5 degrees": a range of changes
                and (unit is None or unit2 is None or unit2.startswith(unit) or unit.startswith(unit2))
            ):
                low, high = value, value2
                scale2 = m2.group("scale") or m2.group("abbr")
                if scale2 and not (m.group("scale") or m.group("abbr")) and high >= 1e3:
                    scaled = low * SCALES[scale2.lower()]  # "$89 to $93 billion", "2-3 million"
                    low = scaled if scaled <= high else low
                if low < high or (low != high and _FROM.search(before)):  # "from 4.8 to 4.7 percent"
                    change = _change(text, start)
                    out.append(RawFigure(start, end2, (low, high), unit2 or unit, change))
                elif word == "-" or _SCORE_CONTEXT.search(text[max(0, start - 40) : end2 + 20]):
                    pass  # "3-2": a score, not a figure
                else:
                    out.append(RawFigure(start, end, value, unit, _change(text, start), counted=unit is None))
                    out.append(RawFigure(m2.start(), end2, value2, unit2, "=", counted=unit2 is None))
                i += 2
                continue
        out.append(RawFigure(start, end, value, unit, _change(text, start), counted=unit is None))
        i += 1
    # A conversion in brackets ("under 296 hp (224 kW / 300 PS)") carries the change marker of the
    # figure just before it.
    # So does one after the noun a count counts ("more than 7.5 million Danish crowns (US $1.1 million)").
    for previous, figure in itertools.pairwise(out):
        gap = text[previous.end : figure.start]
        if (
            figure.change == "="
            and previous.change != "="
            and (_INHERITS.fullmatch(gap) or (previous.counted and _INHERITS_AFTER_NOUN.fullmatch(gap)))
        ):
            figure.change = previous.change
    return out


# --- the component ----------------------------------------------------------------------------------

_PEOPLE = re.compile(r"^(?:people|persons|residents|civilians|citizens|inhabitants|individuals)$", re.I)


def _counted(doc: Doc, char_end: int) -> tuple[int, int] | None:
    """Character span of the noun phrase a bare number counts: "14 first-team players", "seven countries"."""
    before = doc.char_span(0, char_end, alignment_mode="expand") if char_end else None
    index = len(before) if before is not None else 0
    if index >= len(doc):
        return None
    # skip "of the" in "one of the best", "millions of Americans"
    k = index
    if k < len(doc) and doc[k].lower_ == "of":
        k += 1
        if k < len(doc) and doc[k].lower_ in ("the", "its", "their", "his", "her", "our", "these", "those"):
            k += 1
    first = k
    last = None
    while k < len(doc) and k - first < 5:
        tok = doc[k]
        if tok.pos_ in ("NOUN", "PROPN") or (tok.pos_ == "NUM" and k > first):
            last = k
            if tok.dep_ not in ("compound", "amod", "nmod") or tok.head.i <= k or tok.head.i - k > 3:
                break
        elif (
            tok.pos_ in ("ADJ", "VERB") and tok.tag_ in ("JJ", "JJS", "JJR", "VBN", "VBG")
        ) or tok.text == "-":
            pass
        else:
            break
        k += 1
    if last is None:
        return None
    return doc[first].idx, doc[last].idx + len(doc[last])


def _concept(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """What a measured figure is about: "of its revenue" after it, else the subject of its clause."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    after = span.end
    if after < len(doc) and doc[after].lower_ == "of":
        chunk = _counted(doc, doc[after].idx + len(doc[after]))
        if chunk is not None:
            return chunk
    head = span.root
    for _ in range(4):
        if head.head is head:
            break
        head = head.head
        if head.pos_ in ("VERB", "AUX"):
            for child in head.children:
                if (
                    child.dep_ in ("nsubj", "nsubjpass")
                    and child.pos_ in ("NOUN", "PROPN")
                    and child.i < span.start
                ):
                    left = min(t.i for t in child.subtree if t.dep_ in ("compound", "amod") or t.i == child.i)
                    return doc[left].idx, child.idx + len(child)
            break
    return None


def _aside(doc: Doc, start: int, end: int) -> bool:
    """Is ``start:end`` in a non-restrictive relative clause (", which is packed with 1.5 million ...")?

    Why: reporters slip background facts into what they report a source said;
    outside a direct quote, such an aside is the reporter's own figure.
    """
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    for token in span.root.ancestors:
        if token.dep_ == "relcl":
            first = token.left_edge
            return (
                first.lower_ in ("which", "who", "where", "whose")
                and first.i > 0
                and doc[first.i - 1].text == ","
            )
    return False


def _claimants(doc: Doc, spans: list[tuple[int, int]]) -> list[str | None]:
    """For each ``(start, end)``, the id of the innermost attribution whose content holds it.

    A figure in an aside ("..., which cost 3 million,") inside reported speech
    is the writer's, not the speaker's: there only direct quotations claim it.
    Why all figures at once: one sweep over the contents (``intervals.innermost``)
    rather than every figure against every attribution, which was quadratic in
    a long article.
    """
    attributions = list(doc._.attributions or ())
    every = [(c.start_char, c.end_char, k) for k, found in enumerate(attributions) for c in found.content]
    direct = [c for c in every if attributions[c[2]].kind == "direct"]
    inner = intervals.innermost(every, spans)
    inner_direct = intervals.innermost(direct, spans) if len(direct) < len(every) else inner
    out: list[str | None] = []
    for (start, end), k, kd in zip(spans, inner, inner_direct, strict=True):
        if k is None:
            out.append(None)
            continue
        found = attributions[every[k][2]]
        if found.kind != "direct" and _aside(doc, start, end):  # only direct quotations claim it
            out.append(None if kd is None else attributions[direct[kd][2]].id)
        else:
            out.append(found.id)
    return out


class Figures:
    """The pipeline component: sets ``doc._.figures``."""

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        figures: list[Figure] = []
        for n, raw in enumerate(scan(text), start=1):
            checkpoint()  # the time budget, in a thread too (see ``budget.checkpoint``)
            unit = raw.unit
            concept: tuple[int, int] | None = None
            if raw.counted:
                concept = _counted(doc, raw.end)
                if concept is not None:
                    noun = doc.char_span(concept[0], concept[1], alignment_mode="expand")
                    measured, _ = _unit_at(noun.root.text, 0) if noun is not None else (None, 0)
                    if noun is not None and _PEOPLE.match(noun.root.text):
                        unit = "person"
                    elif measured is not None and noun is not None and len(noun.root.text) > 2:
                        unit = measured  # "517 rushing yards": the unit is the yard
                    else:
                        unit = text[concept[0] : concept[1]]
                        per = _PER.match(text, concept[1])
                        if per is not None:  # "3,000 tests per day", "five meals a day"
                            unit = f"{unit} per {_per_unit(per)}"
            if concept is None:
                concept = _concept(doc, raw.start, raw.end)
            value = list(raw.value) if isinstance(raw.value, tuple) else raw.value
            figures.append(
                Figure(
                    id=f"F{n}",
                    start=raw.start,
                    end=raw.end,
                    text=text[raw.start : raw.end],
                    value=value,
                    unit=unit,
                    change=raw.change,  # type: ignore[arg-type]
                    concept=Span(start=concept[0], end=concept[1], text=text[concept[0] : concept[1]])
                    if concept
                    else None,
                )
            )
        claimants = _claimants(doc, [(f.start, f.end) for f in figures])
        for figure, claimant in zip(figures, claimants, strict=True):
            figure.claimed_by = claimant
        doc._.figures = figures
        return doc


@Language.factory("newsgraph_figures", default_config={})
def make_figures(nlp: Language, name: str) -> Figures:
    """Figure finder: quantities with value, unit, change marker, concept and speaker."""
    return Figures()
