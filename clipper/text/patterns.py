"""The Korean news patterns several stages share: e-mail addresses, reporter bylines,
copyright notices and hosts. One definition each, used by the extractor
(:mod:`clipper.extract`), the boilerplate stage (:mod:`clipper.text.boilerplate`) and the story
signatures (:mod:`clipper.text.minhash`), which used to keep three copies that disagreed (the
extractor deleted a story sentence mentioning 무단 복제 that the boilerplate stage keeps).

Every pattern here runs in time linear in its input, whatever the input (a 1 MB author
field, a body of one repeated character): no nested or overlapping quantifiers, possessive
quantifiers where a run is followed by a character it cannot contain, and a lookbehind so that
a standalone search is only tried where a run starts, not again at each of its characters.
Pure: no Scrapy, SQLAlchemy, models or pipelines.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = [
    "COPYRIGHT_HINTS",
    "COPYRIGHT_LINE_MAX",
    "COPYRIGHT_TAIL_RE",
    "EMAIL",
    "EMAIL_RE",
    "REPORTER_NAME",
    "REPORTER_NAMES",
    "REPORTER_SUFFIX",
    "STORY_END_RE",
    "TAIL_WINDOW",
    "host_in",
    "is_copyright_line",
    "strip_copyright",
    "tail_search",
    "url_host",
]

# --- e-mail addresses ---------------------------------------------------------------------

# For use inside larger patterns. Possessive runs: "@" and "." end the runs before them, so
# giving characters back could never make a match, only cost time.
EMAIL = r"[\w.+-]++@[\w-]++(?:\.[\w-]++)+"
# Standalone search (``EMAIL_RE.sub(" ", text)``): tried only where a run of address
# characters starts; it finds the same addresses as EMAIL, since a match inside a run always
# extends to the run's start.
EMAIL_RE = re.compile(rf"(?<![\w.+-]){EMAIL}")

# --- reporter bylines ---------------------------------------------------------------------

REPORTER_NAME = r"[가-힣]{2,4}"
# Several reporters: "홍길동·김철수 기자", "홍길동, 김철수 기자" (at most ten: a list no byline
# exceeds, and a bound that keeps a long run of names linear).
REPORTER_NAMES = rf"{REPORTER_NAME}(?:\s*+[·ㆍ,、/]\s*+{REPORTER_NAME}){{0,9}}"
REPORTER_SUFFIX = r"(?:(?:인턴|수습|객원|선임|수석|전문|사진|영상|취재)\s*)?(?:기자|특파원|통신원)"

# --- copyright notices --------------------------------------------------------------------

_COPYRIGHT_STRONG_RE = re.compile(
    r"ⓒ|©|copyright|all\s++rights\s++reserved|^[<\[(【]?\s*+저작권자\s*+(?:[ⓒ©:：]|\(c\))",
    re.IGNORECASE,
)
_COPYRIGHT_WEAK_RE = re.compile(
    r"\(c\)|무단\s*+(?:전재|복제|배포|게재)|재\s*+배포|전재\s*+(?:및|[-·,/])", re.IGNORECASE
)
# A weak marker only counts on a line shaped like a notice: ending in 금지 / reserved, or
# wrapped in brackets. "도서 무단 복제를 금지한다고 밝혔다." ends in a sentence, not in 금지.
_NOTICE_END_RE = re.compile(r"(?:금지|reserved)[\s.\])>】]*+$", re.IGNORECASE)
COPYRIGHT_LINE_MAX = 150
# A notice glued to the end of a line: "… 밝혔다. <저작권자 ⓒ 한빛일보 무단전재 및 재배포 금지>".
COPYRIGHT_TAIL_RE = re.compile(
    r"\s*[<\[(【]?\s*(?:저작권자|copyright|ⓒ|©)[^<>\[\]【】\n]{0,80}?(?:금지|reserved)"
    r"[\s.]*[>\])】]?\s*$"
    r"|\s*[<\[(【]\s*무단\s*전재[^\n<>]{0,40}?금지[\s.]*[>\])】]\s*$",
    re.IGNORECASE,
)
# Korean story sentences end in the plain declarative "-다." (밝혔다, 있다, 열린다).
STORY_END_RE = re.compile(r"다[.!]?[\"'”’)\]]*$")
# Literal parts of the copyright markers: a line holding none of them is no notice (a
# substring test is ~50x cheaper than the patterns).
COPYRIGHT_HINTS = ("ⓒ", "©", "저작권", "무단", "배포", "전재", "opyright", "OPYRIGHT", "(c)", "(C)")

# End-anchored patterns are bounded in length, so they are searched only in a line's last
# characters: scanning a whole 3 KB paragraph with each of them would cost ~100 us.
TAIL_WINDOW = 240


def tail_search(pattern: re.Pattern[str], line: str) -> re.Match[str] | None:
    """``pattern`` (anchored at the end) searched in the last :data:`TAIL_WINDOW` characters."""
    # search(pos=...) rather than slicing, so that lookbehinds still see the text before pos.
    return pattern.search(line, max(0, len(line) - TAIL_WINDOW))


def is_copyright_line(line: str, hints: tuple[str, ...] = COPYRIGHT_HINTS) -> bool:
    """Whether the whole ``line`` is a copyright notice (``ⓒ 한빛일보``, ``무단전재 및 재배포
    금지``, ``<저작권자 © …>``). A story sentence that merely mentions 무단 복제 is not, nor one
    with a notice glued to its end (:func:`strip_copyright` cuts that notice). ``hints``: the
    :data:`COPYRIGHT_HINTS` present in the text the line comes from, when already known."""
    if len(line) > COPYRIGHT_LINE_MAX or not any(hint in line for hint in hints):
        return False
    tail = tail_search(COPYRIGHT_TAIL_RE, line)
    if tail and STORY_END_RE.search(line[: tail.start()].rstrip()):
        return False
    if _COPYRIGHT_STRONG_RE.search(line):
        return True
    if not _COPYRIGHT_WEAK_RE.search(line):
        return False
    return bool(tail_search(_NOTICE_END_RE, line)) or (line[0] in "<[【" and line[-1] in ">]】")


def strip_copyright(line: str, hints: tuple[str, ...] = COPYRIGHT_HINTS) -> str:
    """``line`` without copyright: "" for a notice line, the story text before a notice glued
    to its end, else ``line`` unchanged."""
    if not any(hint in line for hint in hints):
        return line
    if is_copyright_line(line, hints):
        return ""
    tail = tail_search(COPYRIGHT_TAIL_RE, line)
    return line[: tail.start()].rstrip() if tail else line


# --- hosts --------------------------------------------------------------------------------


def url_host(url: str | None) -> str:
    """The host of ``url`` (also of ``host/path`` without a scheme), lower case and without a
    trailing dot; "" when there is none or the URL does not parse."""
    if not url or not isinstance(url, str):
        return ""
    raw = url.strip()
    if "://" not in raw and not raw.startswith("//"):
        raw = "//" + raw
    try:
        return (urlsplit(raw).hostname or "").rstrip(".")
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 literal
        return ""


def host_in(host: str, domain: str) -> bool:
    """Whether ``host`` is ``domain`` or one of its subdomains (not merely ending in it)."""
    return host == domain or host.endswith("." + domain)
