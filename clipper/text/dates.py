"""Korean news date strings → aware datetimes in Asia/Seoul.

``parse_date`` reads every date form the sources print (see SOURCES.md, "Dates seen") and
returns an aware ``datetime`` in KST, or ``None`` when it cannot be sure: a missing date is
better than a wrong one.

How a string is read:

1. Normalise: cap the length, NFKC (full-width digits and colons), collapse whitespace, drop
   print-page noise such as ``A19면 1단``.
2. Split on labels (입력, 수정, 기사승인, 보도일 : …). Publication-type segments (and any text
   before the first label) are tried in order before modification-type ones (수정, 업데이트),
   so ``입력 … 수정 …`` yields the 입력 time and a lone ``수정 …`` still yields a date.
3. Fast path (``parse_date_fast``): compiled regexes for the numeric forms, ISO 8601, RFC 822,
   Korean ``년 월 일``, yearless ``MM-DD hh:mm`` and relative forms (``3시간 전``, ``어제``).
4. Fallback: dateparser, on label-free segments that hold words (month names, English
   relative forms). Purely numeric strings the fast path left are ambiguous
   (``05.06.2024``) and never reach it.

Choices worth knowing:

* A date without a time is midnight KST (``2026.03.19``, ``어제``, ``그저께``): the day is
  known, the time is not, and midnight keeps the day right in KST.
* ``N일 전`` / ``N시간 전`` are elapsed time (``now`` minus N days/hours), as the portals
  compute them; ``어제``/``그저께`` are calendar days.
* A yearless date takes the year of ``now``, or the year before when that would put it
  more than a day after ``now`` (a ``12-31 23:50`` read on 2 January). A bare time
  (``15:53``) is today, or yesterday when that is more than an hour after ``now``.
* A time printed before its date (``11:40 2024.05.30``) is not read: such a string gives
  the date at midnight.
* Years outside ``MIN_YEAR`` … ``now.year + 1`` are rejected as misreadings.
* A naive ``now`` is taken as KST wall time.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import dateparser

__all__ = ["KST", "parse_date", "parse_date_fast", "strip_labels"]

KST: Final = ZoneInfo("Asia/Seoul")

# Date strings are short; anything longer is page text. Capping keeps regexes and
# dateparser linear and fast on hostile input.
MAX_INPUT_CHARS: Final = 300
# dateparser is slow and guesses on long text; it only sees short label-free segments.
MAX_FALLBACK_CHARS: Final = 80
# Korean online news starts in the mid-1990s; an earlier year is a misreading.
MIN_YEAR: Final = 1990

# --- labels -------------------------------------------------------------------------------

_PUBLISHED_LABELS = (
    "기사입력", "입력", "기사승인", "승인", "송고", "등록", "게재", "작성", "발행", "보도",
    "published", "posted",
)  # fmt: skip
_MODIFIED_LABELS = (
    "최종수정", "기사수정", "수정", "최종업데이트", "업데이트", "갱신", "updated", "modified",
)  # fmt: skip
_MODIFIED_SET = frozenset(_MODIFIED_LABELS)
# Longest first so that 기사입력 wins over 입력 and 최종수정 over 수정 at the same spot.
_LABEL_RE = re.compile(
    r"(?P<label>"
    + "|".join(sorted(_PUBLISHED_LABELS + _MODIFIED_LABELS, key=len, reverse=True))
    + r")(?:일시|일자|시간|시각|일)?\s*:?\s*",
    re.IGNORECASE,
)

# Naver search prints the print-edition page (A19면 1단) next to the date.
_PRINT_PAGE_RE = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{0,2}[0-9]{1,3}\s?면(?:\s?[0-9]{1,2}\s?단)?")

# Characters that may wrap a date inside its segment: separators, brackets, stray dots.
_TRIM: Final = " \t|·•,()[]{}<>"

# --- regexes of the fast path ---------------------------------------------------------------

_AMPM = r"오전|오후|(?i:am|pm|a\.m\.|p\.m\.)"
_PM_WORDS = frozenset({"오후", "PM", "P.M."})
_TZ = r"Z|[+-][0-9]{2}(?::?[0-9]{2})?|GMT|UTC|UT|KST"

# A time after a date: ``T17:30:45.000+0900``, `` 11:40``, ``(목) 오후 3:53``,
# `` 오후 3시 20분``, ``11:40 AM``. The hour needs ``:`` or ``시`` after it, so a stray
# number after a date is never read as a time.
_TIME = (
    r"(?:(?P<T>T)|[ ,]*(?:\(?[월화수목금토일](?:요일)?\)?[ ,]*)?)"
    rf"(?:(?P<ap>{_AMPM})\s?)?"
    r"(?P<H>[0-9]{1,2})(?:"
    r":(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:[.,](?P<F>[0-9]{1,9}))?)?(?![0-9])"
    r"|\s?시(?:\s?(?P<KM>[0-9]{1,2})\s?분)?(?:\s?(?P<KS>[0-9]{1,2})\s?초)?"
    r")"
    rf"(?:\s?(?P<ap2>{_AMPM}))?"
    rf"(?:\s?(?P<tz>{_TZ}))?"
)

# 2017-12-18T17:30:45+09:00 · 2024.05.30. 오전 11:40 · 2018. 02. 01. 09:28 · 2019/01/16 13:59
_NUM_DATE_RE = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})\s?(?P<sep>[-./])\s?(?P<m>[0-9]{1,2})\s?(?P=sep)"
    r"\s?(?P<d>[0-9]{1,2})(?![0-9])\.?"
    rf"(?:{_TIME})?"
)
# 2015년 10월 5일 오후 3시 20분
_KO_DATE_RE = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2})\s?년\s?(?P<m>[0-9]{1,2})\s?월\s?(?P<d>[0-9]{1,2})\s?일"
    rf"(?:{_TIME})?"
)
# Yonhap lists: 12-01 23:26 (no year). The whole segment must be this, time included.
_YEARLESS_RE = re.compile(
    r"(?P<m>[0-9]{1,2})(?P<sep>[-./])(?P<d>[0-9]{1,2})\.?" + _TIME + r"|"
    r"(?P<km>[0-9]{1,2})\s?월\s?(?P<kd>[0-9]{1,2})\s?일(?:" + _TIME.replace("?P<", "?P<k") + ")?"
)
# Sat, 31 Dec 2005 13:47:03+0900 · Sun, 27 Sep 2026 02:32:00 GMT
_RFC822_RE = re.compile(
    r"(?:[A-Za-z]{3,9},?\s?)?(?P<d>[0-9]{1,2})\s(?P<mon>[A-Za-z]{3})[A-Za-z]*\.?\s(?P<y>[0-9]{4}),?"
    r"\s(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?"
    rf"(?:\s?(?P<tz>{_TZ}))?(?![0-9A-Za-z])"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# Daum article ids start with YYYYMMDDhhmmss; some feeds print YYYYMMDD.
_COMPACT_RE = re.compile(
    r"(?P<y>(?:19|20)[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
    r"(?:(?P<H>[0-9]{2})(?P<M>[0-9]{2})(?P<S>[0-9]{2}))?"
)
_AGO_RE = re.compile(
    r"(?<![0-9])(?P<n>[0-9]{1,4})\s?(?:(?P<unit>초|분|시간|일|주)\s?(?:전|前)"
    r"|(?P<en>sec|min|hour|day|week)[a-z]*\s(?:ago|before))",
    re.IGNORECASE,
)
_AGO_UNITS = {
    "초": timedelta(seconds=1),
    "분": timedelta(minutes=1),
    "시간": timedelta(hours=1),
    "일": timedelta(days=1),
    "주": timedelta(weeks=1),
    "sec": timedelta(seconds=1),
    "min": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
_JUST_NOW_RE = re.compile(r"방금|조금 전|just now", re.IGNORECASE)
# 어제, 어제 오후 3:20; 그제 and 엊그제 mean the same as 그저께.
_DAY_WORD_RE = re.compile(
    r"(?P<w>오늘|어제|그저께|엊그제|그제|today|yesterday)(?:" + _TIME + ")?", re.IGNORECASE
)
# A bare time (``15:53``, ``오후 3:53``) is how lists print today's items.
_TIME_ONLY_RE = re.compile(_TIME)
# A bare time later than now by more than this is from the day before.
_TIME_ONLY_SKEW = timedelta(hours=1)
_DAY_WORDS = {"오늘": 0, "어제": 1, "그저께": 2, "엊그제": 2, "그제": 2, "today": 0, "yesterday": 1}

# --- dateparser fallback ----------------------------------------------------------------------

_DATEPARSER_SETTINGS: Final = {
    "TIMEZONE": "Asia/Seoul",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DATES_FROM": "past",
}
_DATEPARSER_LANGUAGES: Final = ("ko", "en")
# Only text with a word (month name) or a number is worth the ~0.5 ms dateparser takes;
# text of numbers and separators alone that the regexes left is ambiguous (05.06.2024).
_FALLBACK_WORTH_TRYING = re.compile(r"[A-Za-z]{3}|[0-9]")
_ONLY_NUMBERS = re.compile(r"[0-9\s./:,-]+")


@lru_cache(maxsize=16)
def _dateparser_for(relative_base: datetime) -> dateparser.DateDataParser:
    """A parser anchored at ``relative_base`` (naive KST, whole seconds).

    RELATIVE_BASE is part of dateparser's settings, so each anchor needs its own parser; the
    rest of the configuration is built once above, and a batch sharing one ``now`` reuses
    one parser. Building one costs microseconds next to the parse itself.
    """
    # Imported on first use: the fast path answers most strings, and the import costs
    # about half a second (every ``clipper … --help`` would pay it).
    import dateparser

    return dateparser.DateDataParser(
        languages=list(_DATEPARSER_LANGUAGES),
        settings={**_DATEPARSER_SETTINGS, "RELATIVE_BASE": relative_base},
    )


# --- public API ------------------------------------------------------------------------------


def strip_labels(raw: str) -> str:
    """The string without its date labels (입력, 수정 :, 기사승인 …) and print-page noise."""
    text = _PRINT_PAGE_RE.sub(" ", _normalize(raw))
    return " ".join(_LABEL_RE.sub(" ", text).split())


def parse_date_fast(raw: str | None, now: datetime | None = None) -> datetime | None:
    """``parse_date`` without the dateparser fallback: regexes only."""
    return _parse(raw, now, fallback=False)


def parse_date(raw: str | None, now: datetime | None = None) -> datetime | None:
    """Parse a Korean news date string into an aware datetime in KST, or None.

    ``now`` (aware; naive means KST) anchors relative (``3시간 전``, ``어제``) and yearless
    (``12-01 23:26``) forms; it defaults to the current time. Never raises on any string.
    """
    return _parse(raw, now, fallback=True)


# --- internals --------------------------------------------------------------------------------


def _parse(raw: str | None, now: datetime | None, *, fallback: bool) -> datetime | None:
    if not raw or not isinstance(raw, str):
        return None
    now = _kst_now(now)
    segments = _segments(_PRINT_PAGE_RE.sub(" ", _normalize(raw)))
    for segment in segments:
        try:
            found = _parse_segment(segment, now)
        except (ValueError, OverflowError):
            # An impossible date (2026.13.45, Feb 30, hour 25) is no date.
            return None
        if isinstance(found, _Rejected):
            return None
        if found is not None:
            return found
        if fallback:
            found = _fallback(segment, now)
            if found is not None:
                return found
    return None


def _kst_now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(KST)
    if now.tzinfo is None:
        return now.replace(tzinfo=KST)
    return now.astimezone(KST)


def _normalize(raw: str) -> str:
    text = raw[:MAX_INPUT_CHARS]
    if not text.isascii():
        # Full-width digits, colons and spaces from CJK layouts.
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def _segments(text: str) -> list[str]:
    """Split at labels; publication-type segments first, each group in reading order."""
    matches = list(_LABEL_RE.finditer(text))
    if not matches:
        return [text]
    published = [text[: matches[0].start()]]
    modified = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        segment = text[match.end() : end]
        if match["label"].lower() in _MODIFIED_SET:
            modified.append(segment)
        else:
            published.append(segment)
    return [s for s in published + modified if s.strip(_TRIM)]


class _Rejected:
    """A segment that matched a date form but cannot be right (bad offset, year out of range)."""


_REJECTED: Final = _Rejected()


def _parse_segment(segment: str, now: datetime) -> datetime | _Rejected | None:
    text = segment.strip(_TRIM)
    if not text:
        return None
    if text.isdigit():
        match = _COMPACT_RE.fullmatch(text)
        return _from_date_match(match, now) if match else None
    match = _NUM_DATE_RE.search(text) or _KO_DATE_RE.search(text)
    if match:
        return _from_date_match(match, now)
    match = _RFC822_RE.search(text)
    if match:
        month = _MONTHS.get(match["mon"].lower())
        return _from_date_match(match, now, month=month) if month else None
    match = _YEARLESS_RE.fullmatch(text)
    if match:
        return _from_yearless(match, now)
    match = _TIME_ONLY_RE.fullmatch(text)
    if match:
        return _from_time_only(match, now)
    match = _DAY_WORD_RE.search(text)
    if match:
        return _from_day_word(match, now)
    match = _AGO_RE.search(text)
    if match:
        unit = match["unit"] or match["en"].lower()
        return now - int(match["n"]) * _AGO_UNITS[unit]
    if _JUST_NOW_RE.search(text):
        return now
    return None


def _from_date_match(
    match: re.Match[str], now: datetime, month: int | None = None, prefix: str = ""
) -> datetime | _Rejected:
    year = int(match["y"])
    if not MIN_YEAR <= year <= now.year + 1:
        return _REJECTED
    day = datetime(year, month or int(match["m"]), int(match["d"]), tzinfo=KST)
    return _with_time(match, day, prefix)


def _with_time(match: re.Match[str], day: datetime, prefix: str = "") -> datetime | _Rejected:
    """``day`` (midnight KST) at the time in ``match``'s time groups, if there is one."""
    groups = match.groupdict()
    hour = groups.get(prefix + "H")
    if hour is None:
        return day
    ampm = groups.get(prefix + "ap") or groups.get(prefix + "ap2")
    ampm = ampm.upper() if ampm else None
    hour_24 = _hour_24(int(hour), ampm)
    minute = groups.get(prefix + "M") or groups.get(prefix + "KM") or "0"
    second = groups.get(prefix + "S") or groups.get(prefix + "KS") or "0"
    fraction = groups.get(prefix + "F")
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    tz = _tzinfo(groups.get(prefix + "tz"))
    if tz is None:
        return _REJECTED
    # A "-hh:mm" right after a time without seconds is more likely a time range
    # (11:40-12:00) than a UTC offset west of Greenwich.
    raw_tz = groups.get(prefix + "tz") or ""
    if raw_tz.startswith("-") and not groups.get(prefix + "S") and not groups.get(prefix + "T"):
        tz = KST
    value = day.replace(
        hour=hour_24, minute=int(minute), second=int(second), microsecond=micro, tzinfo=tz
    )
    return value if tz is KST else value.astimezone(KST)


def _hour_24(hour: int, ampm: str | None) -> int:
    """오전 12:xx is 00:xx and 오후 12:xx is 12:xx; 오후 15:00 (redundant) stays 15."""
    if ampm is None or hour > 12:
        if ampm is not None and ampm not in _PM_WORDS:
            raise ValueError("morning hour after 12")
        return hour
    if ampm in _PM_WORDS:
        return hour if hour == 12 else hour + 12
    return 0 if hour == 12 else hour


@lru_cache(maxsize=64)
def _tzinfo(raw: str | None) -> tzinfo | None:
    """The tzinfo for an offset or zone name; KST when absent, None when impossible."""
    raw = raw.upper() if raw else None
    if raw is None or raw == "KST":
        return KST
    if raw in ("Z", "GMT", "UTC", "UT"):
        return UTC
    digits = raw[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 14 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    if offset == timedelta(hours=9) and raw[0] == "+":
        return KST
    return timezone(-offset if raw[0] == "-" else offset)


def _from_yearless(match: re.Match[str], now: datetime) -> datetime | _Rejected | None:
    korean = match["km"] is not None
    month = int(match["km"] if korean else match["m"])
    day = int(match["kd"] if korean else match["d"])
    latest = now + timedelta(days=1)
    for year in (now.year, now.year - 1):
        try:
            midnight = datetime(year, month, day, tzinfo=KST)
        except ValueError:
            continue  # 02-29 outside a leap year: maybe the year before was one
        value = _with_time(match, midnight, prefix="k" if korean else "")
        if isinstance(value, _Rejected):
            return value
        if value <= latest:
            return value
    return None


def _from_time_only(match: re.Match[str], now: datetime) -> datetime | _Rejected:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    value = _with_time(match, midnight)
    if not isinstance(value, _Rejected) and value > now + _TIME_ONLY_SKEW:
        return _with_time(match, midnight - timedelta(days=1))
    return value


def _from_day_word(match: re.Match[str], now: datetime) -> datetime | _Rejected:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = midnight - timedelta(days=_DAY_WORDS[match["w"].lower()])
    return _with_time(match, day)


def _fallback(segment: str, now: datetime) -> datetime | None:
    """dateparser on a label-free segment the regexes did not take; None when unsure."""
    text = segment.strip(_TRIM)
    if (
        not text
        or len(text) > MAX_FALLBACK_CHARS
        or _ONLY_NUMBERS.fullmatch(text)
        or not _FALLBACK_WORTH_TRYING.search(text)
    ):
        return None
    relative_base = now.replace(tzinfo=None, microsecond=0)
    try:
        data = _dateparser_for(relative_base).get_date_data(text)
    except Exception:  # dateparser raises assorted errors on odd input; none may escape
        return None
    value = data.date_obj
    # "2015년 10월" (period month) or "지난주" (week) would invent the day: refuse.
    if value is None or data.period not in ("day", "time") or "day" not in data.parts:
        return None
    value = value.replace(tzinfo=KST) if value.tzinfo is None else value.astimezone(KST)
    if not MIN_YEAR <= value.year <= now.year + 1:
        return None
    return value


# A listing's day (a board row's 보도일, a list page's date column): the first Y-M-D in the
# text. The end must not run into a letter: "2017.05.1ㅈ" is a typing slip, not May 1.
_LISTED_DAY = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})(?!\w)")


def parse_day(text: str | None) -> date | None:
    """The first ``YYYY.MM.DD`` (or ``-``, ``/``, spaced) day in ``text``; None when there is
    none or it is impossible. For the day columns of listing pages, which carry no time."""
    match = _LISTED_DAY.search(text or "")
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
