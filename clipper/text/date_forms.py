"""The fast path of ``clipper.text.dates``: compiled regexes for the date forms Korean news prints.

Numeric dates (ISO 8601, ``2024.05.30. 오전 11:40``, ``2018. 02. 01. 09:28``), RFC 822, Korean
``년 월 일``, compact ``YYYYMMDDhhmmss``, yearless ``MM-DD hh:mm``, bare times and relative
forms (``3시간 전``, ``어제``), each anchored at ``now`` where it needs to be. ``parse_segment``
reads one label-free segment; splitting at labels, the dateparser fallback and the choices
behind them are described in ``clipper.text.dates``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

KST: Final = ZoneInfo("Asia/Seoul")

# Korean online news starts in the mid-1990s; an earlier year is a misreading.
MIN_YEAR: Final = 1990

# Characters that may wrap a date inside its segment: separators, brackets, stray dots.
TRIM: Final = " \t|·•,()[]{}<>"

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


class Rejected:
    """A segment that matched a date form but cannot be right (bad offset, year out of range)."""


_REJECTED: Final = Rejected()


def parse_segment(segment: str, now: datetime) -> datetime | Rejected | None:
    text = segment.strip(TRIM)
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
) -> datetime | Rejected:
    year = int(match["y"])
    if not MIN_YEAR <= year <= now.year + 1:
        return _REJECTED
    day = datetime(year, month or int(match["m"]), int(match["d"]), tzinfo=KST)
    return _with_time(match, day, prefix)


def _with_time(match: re.Match[str], day: datetime, prefix: str = "") -> datetime | Rejected:
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


def _from_yearless(match: re.Match[str], now: datetime) -> datetime | Rejected | None:
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
        if isinstance(value, Rejected):
            return value
        if value <= latest:
            return value
    return None


def _from_time_only(match: re.Match[str], now: datetime) -> datetime | Rejected:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    value = _with_time(match, midnight)
    if not isinstance(value, Rejected) and value > now + _TIME_ONLY_SKEW:
        return _with_time(match, midnight - timedelta(days=1))
    return value


def _from_day_word(match: re.Match[str], now: datetime) -> datetime | Rejected:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = midnight - timedelta(days=_DAY_WORDS[match["w"].lower()])
    return _with_time(match, day)
