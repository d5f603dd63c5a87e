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
3. Fast path (``parse_date_fast``; its regexes are ``clipper.text.date_forms``): the numeric
   forms, ISO 8601, RFC 822, Korean ``년 월 일``, yearless ``MM-DD hh:mm`` and relative forms
   (``3시간 전``, ``어제``).
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
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from clipper.text.date_forms import KST, MIN_YEAR, TRIM, Rejected, parse_segment

if TYPE_CHECKING:
    import dateparser

__all__ = ["KST", "parse_date", "parse_date_fast", "strip_labels"]


# Date strings are short; anything longer is page text. Capping keeps regexes and
# dateparser linear and fast on hostile input.
MAX_INPUT_CHARS: Final = 300
# dateparser is slow and guesses on long text; it only sees short label-free segments.
MAX_FALLBACK_CHARS: Final = 80

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
            found = parse_segment(segment, now)
        except (ValueError, OverflowError):
            # An impossible date (2026.13.45, Feb 30, hour 25) is no date.
            return None
        if isinstance(found, Rejected):
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
    return [s for s in published + modified if s.strip(TRIM)]


def _fallback(segment: str, now: datetime) -> datetime | None:
    """dateparser on a label-free segment the regexes did not take; None when unsure."""
    text = segment.strip(TRIM)
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
