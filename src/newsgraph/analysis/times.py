"""``newsgraph_times``: time expressions, normalised as TimeML TIMEX3 does.

Why: "on Tuesday" or "since October 7th" only become checkable once they are
dates. Every expression gets a TIMEX3 ``type`` (DATE, TIME, DURATION, SET) and
``value`` ("2024-03-26", "2023-10", "1998-W32", "P6D", "PRESENT_REF"),
resolved against the article's publication date, which the pipeline puts on
``doc._.published`` (ISO ``YYYY-MM-DD...``). Without it, values that need
it stay unresolved, with X for the unknown digits ("XXXX-10-07").

How: one compiled regular expression over ``doc.text`` finds the
expressions (longest alternatives first) and a small function per kind
computes the value with ``datetime``; the parse is not needed, so the cost is
linear in the text. Weekdays and month-days without a year are taken as the
latest one on or before publication, or the next one when the sentence speaks
of the future ("will", "next", "scheduled").

Result: ``doc._.times`` is a list of ``newsgraph.models.Time``, ids "T1",
"T2"... in text order, character offsets into ``doc.text``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from spacy.language import Language
from spacy.tokens import Doc

from newsgraph.analysis.budget import checkpoint
from newsgraph.analysis.numbers import WORD_NUMBER, word_value
from newsgraph.models import Time

for _name in ("times", "published"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

MONTH_NUMBERS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI"}
UNITS = {
    "year": "Y",
    "month": "M",
    "week": "W",
    "day": "D",
    "decade": "DE",
    "century": "CE",
    "hour": "H",
    "minute": "M",
    "second": "S",
    "weekend": "WE",
    "fortnight": "W",
}

_MONTHS = (
    r"Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|"
    r"Sep(?:t(?:ember|\.)?|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?"
)
_MONTH = "(?P<{0}>" + _MONTHS + r")(?!\w)"
_WEEKDAYS = r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day"
_DAY = r"(?P<{0}>[0-3]?\d)(?:st|nd|rd|th)?\b"
_WEEKDAY = "(?P<{0}>" + _WEEKDAYS + ")"
_NUMBER = rf"(?:\d+(?:\.\d+)?(?:\s1/2)?|an?|{WORD_NUMBER.pattern[4:-1]}|several|a few|few|many|a couple of)"
_UNIT = r"(?:years?|months?|weeks?|days?|decades?|centur(?:y|ies)|hours?|minutes?|seconds?|fortnights?)"
_PART = r"(?:morning|afternoon|evening|night)"
_CLOCK = r"(?P<{0}>\d{{1,2}})(?::(?P<{1}>\d{{2}}))?\s?(?P<{2}>[ap])\.?\s?m\b\.?"

_PATTERNS: list[tuple[str, str]] = [
    # a clock time, perhaps with a zone and a day: "9 a.m. EST Tuesday", "10:35 a.m."
    (
        "clock",
        _CLOCK.format("hour", "minute", "ampm")
        + rf"(?:\s(?:[ECMP][SD]T|GMT|local time))?(?:,?\s(?:on\s)?{_WEEKDAY.format('cday')})?",
    ),
    ("noon", r"(?<!high\s)(?<!High\s)\b(?:midday|noon|midnight)\b"),
    (
        "holiday",
        r"\b(?:(?P<hwhich>last|this|next)\s)?(?P<holiday>Thanksgiving|Christmas Eve|Christmas|New Year's Eve|"
        r"New Year's Day|Election Day|Independence Day|Halloween|Valentine's Day)(?:\sDay)?\b",
    ),
    # full dates: "Thursday, April 6", "Aug. 7, 1998", "7 October 2023", "March 5, 1946"
    (
        "mdy",
        rf"\b(?:{_WEEKDAY.format('wd1')},?\s)?{_MONTH.format('m1')}\s{_DAY.format('d1')}(?:,?\s(?P<y1>\d{{4}})\b)?",
    ),
    ("dmy", rf"\b{_DAY.format('d2')}\s(?:of\s)?{_MONTH.format('m2')}(?:,?\s(?P<y2>\d{{4}})\b)?"),
    ("iso", r"\b(?P<y3>\d{4})-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)\b"),
    (
        "my",
        rf"\b(?:(?P<mod1>early|mid|late)[- ])?{_MONTH.format('m4')}"
        rf"(?:,?\s(?:of\s)?(?P<y4>\d{{4}})\b|\s(?P<yrel>this|next|last)\syear\b)?(?!\s(?:for|of)\s)",
    ),
    ("decade", r"\b(?:(?P<mod2>early|mid|late)[- ])?(?:the\s)?(?P<dec>1[89]\d0|20\d0)'?s\b"),
    ("year", r"\b(?:(?:post|pre)-)?(?P<y5>1[89]\d\d|20\d\d)\b(?![-/]\d|\s?%|,\d)"),
    # relative: "last year", "this week", "next month", "last fall", "last November", "last Friday"
    (
        "rel",
        rf"\b(?:(?P<early>early|late|earlier|later)\s)?(?P<which>last|this|next|past|coming|previous|that)\s"
        rf"(?P<rel>year|month|week|weekend|quarter|decade|century|spring|summer|fall|autumn|winter|"
        rf"{_MONTHS}|{_WEEKDAYS})(?!\w)(?!\s?\d)",
    ),
    ("weekday", rf"\b{_WEEKDAY.format('wd3')}(?:'s)?(?:\s(?P<part1>{_PART}))?\b"),
    ("today", rf"\b(?P<day>today|tonight|tomorrow|yesterday)(?:'s)?(?:\s(?P<part2>{_PART}))?\b"),
    (
        "ago",
        rf"\b(?:(?:almost|nearly|about|some|more than|less than|over|just|only)\s)?(?P<n1>{_NUMBER})\s"
        rf"(?P<u1>{_UNIT})\s(?:ago)\b",
    ),
    ("for_vague", r"(?<=\b[Ff]or\s)(?P<u5>years|months|weeks|days|decades)\b"),
    ("present", r"\b(?:now|currently|the present|at present|nowadays|these days)\b"),
    ("future", r"\b(?:the\s)?future\b"),
    (
        "set",
        r"\b(?:daily|weekly|monthly|annually|yearly|hourly|nightly|every\s(?:day|week|month|year|night)|"
        r"each\s(?:day|week|month|year))\b",
    ),
    (
        "span_adj",
        rf"\b(?P<n2>\d+|{WORD_NUMBER.pattern[4:-1]})-(?P<u2>year|month|week|day|hour|minute)(?!-old)\b",
    ),
    (
        "duration",
        rf"\b(?:(?:the\s)?(?:past|last|next|first|coming|previous)\s)?(?:(?:more than|less than|over|about|"
        rf"nearly|almost|at least|some|up to)\s)?(?P<n3>{_NUMBER})\s(?:more\s)?(?P<u3>{_UNIT})\b(?![-\s]old)",
    ),
    ("vague", r"\b(?:(?:recent|coming|past|previous)\s)(?P<u4>years|months|weeks|days|decades)\b"),
    ("weekend", r"\bthe\sweekend\b"),
]
# Every expression starts at a word boundary: the look-behind rejects the positions inside words at once,
# before any of the alternatives is tried (most of the cost of a scan otherwise).
_TIMEX = re.compile(
    r"(?<!\w)(?:" + "|".join(f"(?P<k_{kind}>{pattern})" for kind, pattern in _PATTERNS) + ")", re.IGNORECASE
)
_FUTURE = re.compile(
    r"(?:\b(?:will|would|shall|going to|scheduled(?: to)?|set to|plans? to|planned|planning|expected|is to|"
    r"are to|due to|until|as soon as)|'ll)"
    r"(?:\s+\w+){0,4}\s+(?:\w+\s+)?(?:on\s+|by\s+|until\s+|before\s+)?$",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"(?:^|\n)\s*[A-Z][A-Z .'-]+,\s(?:[A-Z][a-z]+\.?,\s)?$")
FUTURE_WINDOW_DAYS = 90  # a month-day up to this far after publication is the coming one
_SENTENCE_START = re.compile(r"[.!?\n][^.!?\n]*$")


def _month(token: str) -> int:
    return MONTH_NUMBERS[token[:3].lower()]


def _amount(token: str) -> float | None:
    t = token.lower().strip()
    if t in ("a", "an"):
        return 1.0
    if t in ("several", "a few", "few", "many", "a couple of"):
        return None
    if t.endswith(" 1/2"):
        return float(t[:-4]) + 0.5
    try:
        return float(t)
    except ValueError:
        return word_value(t)


def _num(x: float) -> str:
    return str(int(x)) if x == int(x) else str(x)


def _duration(amount: float | None, unit: str) -> str:
    """ISO 8601 duration: P3D, PT5H, P10Y (a decade), PXY when the amount is vague."""
    unit = unit.lower().rstrip("s")
    if unit == "centurie":
        unit = "century"
    if amount is not None and unit == "decade":
        return f"P{_num(amount * 10)}Y"
    if amount is not None and unit == "century":
        return f"P{_num(amount * 100)}Y"
    if amount is not None and unit == "fortnight":
        return f"P{_num(amount * 2)}W"
    code = UNITS.get(unit, "D")
    clock = unit in ("hour", "minute", "second")
    if amount is not None and amount != int(amount) and clock:
        whole = int(amount)
        sub = {"H": ("H", 60, "M"), "M": ("M", 60, "S"), "S": ("S", 1, "S")}[code]
        return f"PT{whole}{code}{int((amount - whole) * sub[1])}{sub[2]}"
    return f"P{'T' if clock else ''}{'X' if amount is None else _num(amount)}{code}"


class _Resolver:
    """Turns one match into (type, value) against the publication date (None when unknown)."""

    def __init__(self, text: str, published: dt.date | None) -> None:
        self.text = text
        self.dct = published
        self.last_day: str | None = None  # the latest full date the text named: what a bare clock time is on

    def future(self, start: int) -> bool:
        """Does the clause before ``start`` speak of the future ("will meet on", "is scheduled to ... by")?"""
        before = self.text[max(0, start - 60) : start]
        cut = _SENTENCE_START.search(before)
        return bool(_FUTURE.search(before[cut.start() + 1 :] if cut else before))

    def anchor_day(self, month: int, day: int, start: int) -> str:
        """A month-day without a year: the latest one on or before publication, or the next one."""
        if self.dct is None:
            return f"XXXX-{month:02d}-{day:02d}"
        year = self.dct.year
        candidate = dt.date(year, month, day) if _valid(year, month, day) else None
        if candidate is not None and candidate > self.dct:
            soon = (candidate - self.dct).days <= FUTURE_WINDOW_DAYS
            if not soon:
                year -= 1
        elif candidate is not None and self.future(start) and (self.dct - candidate).days > 7:
            year += 1
        if not _valid(year, month, day):
            return f"XXXX-{month:02d}-{day:02d}"
        return f"{year:04d}-{month:02d}-{day:02d}"

    def anchor_month(self, month: int, start: int, strictly_past: bool = False) -> str:
        if self.dct is None:
            return f"XXXX-{month:02d}"
        year = self.dct.year
        if strictly_past:
            year = year if month < self.dct.month else year - 1
        elif self.future(start):
            year = year if month >= self.dct.month else year + 1
        elif month > self.dct.month + FUTURE_WINDOW_DAYS // 30:
            year -= 1
        return f"{year:04d}-{month:02d}"

    def weekday(self, name: str, start: int, which: str | None = None) -> str:
        index = WEEKDAYS.index(name.lower())
        if self.dct is None:
            return f"XXXX-WXX-{index + 1}"
        delta = (index - self.dct.weekday()) % 7
        if which == "next" or (which is None and delta and self.future(start)):
            day = self.dct + dt.timedelta(days=delta or 7)
        elif which == "last":
            day = self.dct - dt.timedelta(days=(self.dct.weekday() - index) % 7 or 7)
        else:
            day = self.dct - dt.timedelta(days=(self.dct.weekday() - index) % 7)
        return day.isoformat()

    def shift(self, days: int = 0) -> str:
        if self.dct is None:
            return "XXXX-XX-XX"
        return (self.dct + dt.timedelta(days=days)).isoformat()

    def resolve(self, m: re.Match[str]) -> tuple[str, str] | None:
        kind = (m.lastgroup or "")[2:]
        g = m.group
        dct = self.dct
        if kind == "clock":
            hour = int(g("hour")) % 12 + (12 if g("ampm").lower() == "p" else 0)
            if int(g("hour")) > 12 or int(g("minute") or 0) > 59:
                return None
            clock = f"T{hour:02d}:{int(g('minute') or 0):02d}"
            day = self.weekday(g("cday"), m.start()) if g("cday") else (self.last_day or self.shift(0))
            return "TIME", day + clock
        if kind == "noon":
            word = m.group(0).lower()
            return "TIME", (self.last_day or self.shift(0)) + ("T24:00" if word == "midnight" else "T12:00")
        if kind in ("mdy", "dmy", "iso") and _DATELINE.search(self.text, max(0, m.start() - 40), m.start()):
            return None  # "WASHINGTON, August 11 (Xinhua) --": the dateline is the publication date itself
        if kind in ("mdy", "dmy", "iso"):
            n = {"mdy": "1", "dmy": "2", "iso": "3"}[kind]
            month = _month(g("m" + n)) if kind != "iso" else int(g("m3"))
            day, year = int(g("d" + n)), g("y" + n)
            if year is not None:
                if not _valid(int(year), month, day):
                    return None
                return "DATE", f"{int(year):04d}-{month:02d}-{day:02d}"
            if not _valid(2000, month, day):  # "February 30": no such day in any year
                return None
            return "DATE", self.anchor_day(month, day, m.start())
        if kind == "my":
            if not g("y4") and not g("m4")[0].isupper():
                return None  # "may", "march", "dec" as words
            token = g("m4")
            if not g("y4") and len(token) <= 3 and token not in ("May", "Jun", "Jul"):
                return None  # "Jan Kavan": a name, not January
            month = _month(token)
            if g("yrel") and dct is not None:
                year = dct.year + {"this": 0, "next": 1, "last": -1}[g("yrel").lower()]
                return "DATE", f"{year:04d}-{month:02d}"
            if g("y4"):
                return "DATE", f"{g('y4')}-{month:02d}"
            return "DATE", self.anchor_month(month, m.start())
        if kind == "decade":
            return "DATE", g("dec")[:3] + "X"
        if kind == "year":
            return "DATE", g("y5")
        if kind == "rel":
            return self.relative(m)
        if kind == "weekday":
            # "Friday night" stays the date: news TimeML mostly annotates the day, not the part of it
            return "DATE", self.weekday(g("wd3"), m.start())
        if kind == "today":
            word = g("day").lower()
            value = self.shift({"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}[word])
            part = g("part2") or ("night" if word == "tonight" else None)
            return (
                ("TIME", value + "T" + PARTS[part.lower()]) if part and word != "tonight" else ("DATE", value)
            )
        if kind == "holiday":
            return "DATE", self.holiday(g("holiday"), (g("hwhich") or "").lower(), m.start())
        if kind == "for_vague":
            return "DURATION", _duration(None, g("u5"))
        if kind == "ago":
            return self.ago(_amount(g("n1")), g("u1"))
        if kind == "present":
            return "DATE", "PRESENT_REF"
        if kind == "future":
            return "DATE", "FUTURE_REF"
        if kind == "set":
            word = m.group(0).lower().split()[-1]
            unit = {
                "daily": "D",
                "day": "D",
                "nightly": "D",
                "night": "D",
                "weekly": "W",
                "week": "W",
                "monthly": "M",
                "month": "M",
                "annually": "Y",
                "yearly": "Y",
                "year": "Y",
                "hourly": "TH",
            }[word]
            return "SET", f"P{unit[:-1]}1{unit[-1]}" if unit == "TH" else f"P1{unit}"
        if kind == "span_adj":
            amount = _amount(g("n2"))
            return "DURATION", _duration(amount, g("u2"))
        if kind == "duration":
            amount = _amount(g("n3"))
            if amount is not None and amount > 10_000:
                return None
            if g("u3")[0].isupper() or (g("n3").lower() in ("a", "an") and g("u3").lower() == "second"):
                return None  # "60 Minutes" (a title), "a second betrayal"
            return "DURATION", _duration(amount, g("u3"))
        if kind == "vague":
            return "DURATION", _duration(None, g("u4"))
        if kind == "weekend":
            return "DURATION", "P2D"
        del dct
        return None

    def relative(self, m: re.Match[str]) -> tuple[str, str] | None:
        which = m.group("which").lower()
        word = m.group("rel").lower()
        dct = self.dct
        step = {"last": -1, "past": -1, "previous": -1, "this": 0, "that": 0, "next": 1, "coming": 1}[which]
        if word in WEEKDAYS:
            return "DATE", self.weekday(word, m.start(), "last" if step < 0 else "next" if step > 0 else None)
        if re.fullmatch(_MONTHS, m.group("rel"), re.IGNORECASE):
            if not m.group("rel")[0].isupper():
                return None  # "this march"
            month = _month(word)
            if dct is None:
                return "DATE", f"XXXX-{month:02d}"
            if step < 0:
                return "DATE", self.anchor_month(month, m.start(), strictly_past=True)
            year = dct.year + (1 if step > 0 and month <= dct.month else 0)
            return "DATE", f"{year:04d}-{month:02d}"
        if which == "past" and word in ("year", "month", "week", "decade", "century"):
            return "DURATION", _duration(1.0, word)  # "the past decade": a stretch of time
        if dct is None:
            return "DATE", {"year": "XXXX", "month": "XXXX-XX", "week": "XXXX-WXX"}.get(word, "XXXX")
        if word == "year":
            return "DATE", str(dct.year + step)
        if word == "month":
            month = dct.month + step
            year = dct.year + (month - 1) // 12
            return "DATE", f"{year:04d}-{(month - 1) % 12 + 1:02d}"
        if word in ("week", "weekend"):
            year, week, _ = (dct + dt.timedelta(weeks=step)).isocalendar()
            return "DATE", f"{year:04d}-W{week}" + ("-WE" if word == "weekend" else "")
        if word == "quarter":
            quarter = (dct.month - 1) // 3 + step
            year = dct.year + quarter // 4
            return "DATE", f"{year:04d}-Q{quarter % 4 + 1}"
        if word == "decade":
            return "DATE", str(dct.year // 10 + step)
        if word == "century":
            return "DATE", str(dct.year // 100 + step)
        season = SEASONS[word]
        year = dct.year
        order = ["WI", "SP", "SU", "FA"]
        current = order[(dct.month % 12) // 3]
        if step < 0 and order.index(season) >= order.index(current):
            year -= 1
        elif step > 0 and order.index(season) <= order.index(current):
            year += 1
        return "DATE", f"{year:04d}-{season}"

    def holiday(self, name: str, which: str, start: int) -> str:
        """A named day: the latest one on or before publication, or the coming one (see ``anchor_day``)."""
        key = name.lower()

        def on(year: int) -> dt.date:
            if key == "thanksgiving":  # fourth Thursday of November
                first = dt.date(year, 11, 1)
                return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
            if key == "election day":  # the Tuesday after the first Monday of November
                first = dt.date(year, 11, 2)
                return first + dt.timedelta(days=(1 - first.weekday()) % 7)
            month, day = {
                "christmas eve": (12, 24),
                "christmas": (12, 25),
                "new year's eve": (12, 31),
                "new year's day": (1, 1),
                "independence day": (7, 4),
                "halloween": (10, 31),
                "valentine's day": (2, 14),
            }[key]
            return dt.date(year, month, day)

        if self.dct is None:
            return (
                "XXXX-" + on(2000).isoformat()[5:] if key not in ("thanksgiving", "election day") else "XXXX"
            )
        this = on(self.dct.year)
        if which == "last":
            return (this if this < self.dct else on(self.dct.year - 1)).isoformat()
        if which == "next" or (this > self.dct and (this - self.dct).days <= FUTURE_WINDOW_DAYS):
            return (this if this >= self.dct else on(self.dct.year + 1)).isoformat()
        return (this if this <= self.dct else on(self.dct.year - 1)).isoformat()

    def ago(self, amount: float | None, unit: str) -> tuple[str, str] | None:
        unit = unit.lower().rstrip("s")
        if self.dct is None or amount is None:
            return "DATE", "PAST_REF"
        n = int(amount)
        if unit in ("day", "hour", "minute", "second"):
            return "DATE", self.shift(-n if unit == "day" else 0)
        if unit in ("week", "fortnight"):
            year, week, _ = (
                self.dct - dt.timedelta(weeks=n * (2 if unit == "fortnight" else 1))
            ).isocalendar()
            return "DATE", f"{year:04d}-W{week}"
        if unit == "month":
            month = self.dct.month - n
            year = self.dct.year + (month - 1) // 12
            return "DATE", f"{year:04d}-{(month - 1) % 12 + 1:02d}"
        years = n * {"year": 1, "decade": 10, "century": 100, "centurie": 100}.get(unit, 1)
        if not 0 < self.dct.year - years <= 9999:
            return None
        return "DATE", f"{self.dct.year - years:04d}"


def _valid(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def parse_published(published: str | None) -> dt.date | None:
    """The date part of an ISO publication date, or None."""
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def find_times(text: str, published: str | None = None) -> list[Time]:
    """Every time expression in ``text``, in order, normalised against ``published``."""
    resolver = _Resolver(text, parse_published(published))
    out: list[Time] = []
    for m in _TIMEX.finditer(text):
        checkpoint()  # the time budget, in a thread too (see ``budget.checkpoint``)
        start, end = m.start(), m.end()
        while end > start and text[end - 1] in " ,'":
            end -= 1
        if start == end:
            continue
        try:
            found = resolver.resolve(m)
        except (OverflowError, ValueError):  # "999999 days ago": before year 1, no date to give
            found = None
        if found is None:
            continue
        kind, value = found
        if kind == "DATE" and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            resolver.last_day = value
        out.append(
            Time(id=f"T{len(out) + 1}", start=start, end=end, text=text[start:end], type=kind, value=value)  # type: ignore[arg-type]
        )
    return out


class Times:
    """The pipeline component: sets ``doc._.times`` from ``doc.text`` and ``doc._.published``."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.times = find_times(doc.text, doc._.published)
        return doc


TimesFinder = Callable[[str, str | None], list[Time]]


@Language.factory("newsgraph_times", default_config={})
def make_times(nlp: Language, name: str) -> Times:
    """Time expression finder: TIMEX3 type and value, resolved against ``doc._.published``."""
    return Times()
