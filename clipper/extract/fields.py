"""Field choice: which raw value becomes a date, an outlet, a title or an author."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from clipper.extract.page import VISIBLE_TEXT, WS_RE, ParsedPage, norm
from clipper.text.patterns import EMAIL_RE

# --- dates --------------------------------------------------------------------------------------

_DATE_SHAPE_RE = re.compile(
    r"\d{1,4}\s*+[-./년:]\s*+\d{1,2}|\d{8,14}|\d{1,4}\s*+(?:분|시간|일)\s*+전|어제"
)
# What is read of a raw date value: a date string is short; a page can put anything there.
_DATE_MAX = 300
_MODIFIED_LABEL_RE = re.compile(r"수정|업데이트|갱신|updated|modified", re.I)
_PUBLISHED_LABEL_RE = re.compile(r"입력|등록|송고|작성|게재|발행|published|posted", re.I)
_APPROVED_LABEL_RE = re.compile(r"승인")


def parse_field_date(raw: str | None, now: datetime | None) -> datetime | None:
    if not raw or not _DATE_SHAPE_RE.search(raw, 0, _DATE_MAX):
        return None
    try:
        from clipper.text.dates import parse_date

        found = parse_date(raw[:_DATE_MAX], now)
    except Exception:
        return None
    if found is None:
        return None
    if now is not None and found > now + timedelta(days=1):
        return None  # a "publication" after the crawl is a misreading
    return found


def pick_date(values: list[str], kind: str) -> str:
    """Pick the raw value for ``published`` or ``modified`` from labelled candidates.

    Published: an 입력-type label first, then 승인, then unlabelled; never a 수정 value.
    Modified: a 수정-type label first, then unlabelled; never an 입력/승인 value.
    """
    dated = [v for v in values if _DATE_SHAPE_RE.search(v, 0, _DATE_MAX)]
    modified = [v for v in dated if _MODIFIED_LABEL_RE.search(v)]
    published = [v for v in dated if v not in modified and _PUBLISHED_LABEL_RE.search(v)]
    approved = [v for v in dated if v not in modified and _APPROVED_LABEL_RE.search(v)]
    unlabelled = [v for v in dated if v not in modified + published + approved]
    order = (published + approved + unlabelled) if kind == "published" else (modified + unlabelled)
    return order[0] if order else ""


# --- outlets ------------------------------------------------------------------------------------

_PORTALS = frozenset(
    {"네이버", "네이버뉴스", "네이버스포츠", "네이버연예", "naver", "navernews", "다음", "다음뉴스",
     "daum", "daumnews", "네이트", "네이트뉴스", "nate", "줌", "zum", "구글뉴스", "googlenews"}
)  # fmt: skip
_OUTLET_SUFFIX_RE = re.compile(
    r"(일보|신문|뉴스|경제|방송|미디어|타임스|타임즈|저널|닷컴|데일리|투데이|헤럴드|포스트|통신|매일|"
    r"TV|tv|News|NEWS|news|Times|Daily|Herald|Post|\.com|\.co\.kr|\.kr|\.net)(\s*[0-9]+)?$"
)
_COPYRIGHT_OUTLET_RE = re.compile(
    r"(?:저작권자|copyright|ⓒ|©|\(c\))\s*+(?:ⓒ|©|\(c\)|[:：])?\s*+"
    r"(?:\(주\)|㈜|주식회사)?\s*+([^\s,.:]++(?:\s[^\s,.:]++)?)",
    re.I,
)


def is_portal(text: str) -> bool:
    key = WS_RE.sub("", text).lower()
    return key in _PORTALS or key.removesuffix("뉴스").removesuffix("news") in _PORTALS


def dateline_outlet(body: str) -> str | None:
    """The outlet the body's opening dateline names: ``(세종=연합뉴스) 김도란 기자 = …``."""
    for line in body.split("\n")[:3]:
        if line.strip():
            named, _ = byline_outlet(line.strip())
            return next((n for n in map(resolve_outlet_text, named) if n), None)
    return None


def _plausible_outlet(text: str) -> bool:
    """Short, name-like, not a sentence or slogan, not a URL, not a portal."""
    if not text or len(text) > 20 or is_portal(text):
        return False
    if "://" in text or "@" in text or len(text.split()) > 3:
        return False
    return not re.search(r"[,!?…·~\"'“”‘’]|\.\s|기자", text)


def outlet_from_pipe(value: str) -> str:
    """``뉴시스 | 네이버`` → 뉴시스; ``네이버 스포츠 | 연합뉴스`` → 연합뉴스."""
    parts = [p.strip() for p in value.split("|") if p.strip()]
    if len(parts) < 2:
        return value.strip()
    if is_portal(parts[0]):
        return parts[-1]
    return parts[0]


def outlet_from_copyright(value: str) -> str:
    match = _COPYRIGHT_OUTLET_RE.search(value)
    if not match:
        return value
    name = match.group(1).strip()
    # "저작권자 © 한국스포츠경제 무단전재" → stop before the notice words.
    return re.split(r"\s*(?:무단|all\s+rights|재배포|전재)", name, flags=re.I)[0].strip()


@functools.cache
def _registry() -> Any:
    """The outlet registry, or None when :mod:`clipper.text.outlets` is unavailable."""
    try:
        from clipper.text.outlets import default_registry

        return default_registry()
    except Exception:
        return None


def resolve_outlet_text(text: str) -> str | None:
    registry = _registry()
    if registry is None or not text:
        return None
    try:
        outlet = registry.resolve(text)
    except Exception:
        return None
    return outlet.name if outlet is not None else None


def _resolve_outlet_url(url: str | None) -> str | None:
    registry = _registry()
    if registry is None or not url:
        return None
    try:
        outlet = registry.resolve_url(url)
    except Exception:
        return None
    return outlet.name if outlet is not None else None


# --- titles -------------------------------------------------------------------------------------

# " - 한국일보", " | 매일경제", " : 네이버 뉴스", "ㅣ한국일보" (a Hangul ㅣ, not a pipe).
TITLE_SEP_RE = re.compile(r"\s+[-–—:|·/<]{1,2}\s+|\s*[|ㅣ]\s*")
# The local CMS's <title>: "제목 < 사회 < 기사본문 - 매체".
_CMS_CRUMB_RE = re.compile(r"(?:\s+<\s+[^<>]{1,20}){1,4}$")
_SECTION_TAIL_RE = re.compile(r"\s*-\s*([가-힣A-Za-z/·]{1,6})$")


def _looks_like_site_suffix(tail: str, known: Iterable[str]) -> bool:
    key = WS_RE.sub("", tail).lower()
    if not key or len(tail) > 25:
        return False
    if any(key == WS_RE.sub("", k).lower() for k in known if k):
        return True
    if is_portal(tail) or resolve_outlet_text(tail):
        return True
    return bool(_OUTLET_SUFFIX_RE.search(tail)) and len(tail.split()) <= 3


def strip_title_suffix(title: str, known_outlets: Iterable[str] = ()) -> tuple[str, str]:
    """Remove a trailing outlet name from an ``og:title``/``<title>``.

    Returns ``(title, suffix)``; ``suffix`` is the outlet text removed (empty when none), so
    it can serve as an outlet candidate. Handles `` - 한국일보``, `` | 매일경제``,
    ``-정치ㅣ한국일보`` (a section before the outlet) and `` : 네이버 뉴스``.
    """
    known = tuple(known_outlets)
    title = norm(title)
    removed = ""
    for _ in range(2):
        matches = list(TITLE_SEP_RE.finditer(title))
        if not matches:
            break
        last = matches[-1]
        head, tail = title[: last.start()].strip(), title[last.end() :].strip()
        if not head or not _looks_like_site_suffix(tail, known):
            break
        title, removed = head, removed or tail
        if "ㅣ" in last.group(0) or "|" in last.group(0):
            # "…-정치ㅣ한국일보": the section name left behind goes too.
            section = _SECTION_TAIL_RE.search(title)
            if section and len(title) > len(section.group(0)) + 5:
                title = title[: section.start()].strip()
    crumb = _CMS_CRUMB_RE.search(title)
    if crumb and "기사본문" in crumb.group(0) and crumb.start() > 0:
        title = title[: crumb.start()].strip()
    return title, removed


_AUTHOR_LABEL_RE = re.compile(r"^(?:기자명|기자\s*이름|글|작성자|취재|by)\s*[:：]?\s*", re.I)


def clean_author(value: str) -> str:
    value = norm(EMAIL_RE.sub(" ", value))
    value = _AUTHOR_LABEL_RE.sub("", value).strip(" /|·,")
    if not value or len(value) > 40 or "://" in value or re.search(r"\d", value):
        return ""
    if re.search(r"댓글|입력|수정|승인|등록|조회|공유|구독", value):
        return ""
    return value


# "(서울=연합뉴스) 홍길동 기자", "[OSEN=대전, 지형준 기자]": a dateline naming place and outlet
# in either order; the registry tells which side is the outlet.
_DATELINE_RE = re.compile(
    r"^[(\[]\s*([^=()\[\],]{1,15})\s*=\s*([^=()\[\],]{1,15})[^()\[\]]{0,30}[)\]]\s*"
)


def byline_outlet(byline: str) -> tuple[list[str], str]:
    """Outlet candidates a byline names, and the rest: ``스포츠조선 = 안소윤 기자`` →
    ([스포츠조선], 안소윤 기자); ``(서울=연합뉴스) 홍길동 기자`` → ([서울, 연합뉴스], 홍길동 기자)."""
    dateline = _DATELINE_RE.match(byline)
    if dateline:
        sides = [side.strip() for side in dateline.groups()]
        return [s for s in sides if _plausible_outlet(s)], byline[dateline.end() :]
    head, sep, tail = byline.partition("=")
    if sep and _plausible_outlet(head.strip()):
        return [head.strip()], tail.strip()
    return [], byline


TEXT_DATE_RE = re.compile(
    r"(?:기사\s*)?(?:입력|등록|승인|작성|송고|게재)\s*(?:일시|시간|일)?\s*[:：]?\s*"
    r"(\d{4}\s*[-./년]\s*\d{1,2}\s*[-./월]\s*\d{1,2}\s*[.일]?\s*(?:(?:오전|오후)\s*)?(?:\d{1,2}:\d{2}(?::\d{2})?)?)"
)


_CLOCK_RE = re.compile(r"\d{1,2}\s*(?::|시)\s*\d{2}")
_OFFSET_SLIP = timedelta(hours=9)


def visible_published(page: ParsedPage, now: datetime | None) -> tuple[str, datetime] | None:
    """The page's first visible 입력-type time, when it gives the time of day."""
    match = TEXT_DATE_RE.search(norm(" ".join(VISIBLE_TEXT(page.root))))
    if not match or not _CLOCK_RE.search(match.group(1)):
        return None
    raw = norm(match.group(0))
    parsed = parse_field_date(raw, now)
    return (raw, parsed) if parsed is not None else None


def visible_outweighs(raw: str, structured: datetime, visible: datetime) -> bool:
    """Whether the visible 입력 time should replace a structured one that disagrees: the
    structured value has no time of day (a date-only meta, read as midnight) on the same day,
    or it is off by exactly Korea's nine hours (``Z`` on Korean wall-clock time, or the reverse)."""
    if not _CLOCK_RE.search(raw) and structured.date() == visible.date():
        return True
    return abs(abs(structured - visible) - _OFFSET_SLIP) <= timedelta(minutes=1)


def choose_outlet(candidates: list[tuple[str, str]], url: str | None) -> tuple[str, str]:
    """The first candidate the registry resolves, then the URL's domain, then the first
    plausible raw candidate."""
    for text, layer in candidates:
        name = resolve_outlet_text(text)
        if name:
            return name, layer
    name = _resolve_outlet_url(url)
    if name:
        return name, "url"
    for text, layer in candidates:
        if _plausible_outlet(text):
            return text, layer
    return "", ""
