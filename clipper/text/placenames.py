"""Reading place names in text: the scanner, mentions, and board tags.

:func:`_scan` finds the place, institution and national-wording hits in a text with one pass
of the gazetteer's trie regex (:mod:`clipper.text.gazetteer`), plus cheap boundary checks on
the few hits, so that Hangul words that merely contain a place name (``고양이``, ``동해안``,
``독서대전``, ``안성맞춤``) do not count; :func:`_mentions` reads adjacent hits together
(``대전 중구``, ``경남 고성``) and :func:`_votes` counts them per 시도. On those rest
:func:`_phrase_region` (the region of a phrase made only of place names), the board's title
tags (:func:`normalize_board_tag`, :func:`split_title_tag`) and the tagger in
:mod:`clipper.text.regions`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from clipper.text.gazetteer import (
    _ANY,
    _NATIONAL,
    _SCAN_RE,
    _SURFACES,
    _TRAP,
    _VALID,
    _Surface,
    _words,
)

__all__ = [
    "TOPIC_TAGS",
    "normalize_board_tag",
    "split_title_tag",
]

# Hangul particles (and particle pairs) after a short form; they must end the word.
_PARTICLES = tuple(
    sorted(
        _words(
            "의 에 에서 에게 에선 에는 에도 에서도 서 은 는 이 가 과 와 과의 와의 도 로 으로 을 를 "
            "엔 만 까지 부터 처럼 보다 이나 나 랑 에서의 대"
        ),
        key=len,
        reverse=True,
    )
)
# Words that may follow a short form directly (``옥천지역``, ``광명도서관``, ``청주시립``).
_SUFFIXES = tuple(
    sorted(
        _words(
            "시 군 구 읍 면 시민 군민 구민 도민 시내 관내 일대 지역 권 권역 북부 남부 동부 서부 "
            "중부 소재 출신 발 형 도서관 작은도서관 공공도서관 시립 군립 구립 도립 공립 사립 국립 "
            "중앙 교육 문화 소식 뉴스 청 의회 학교 대학 대학교 시청 군청 구청 도청 새마을 지부 "
            "지회 지사 지청 본부 경찰 소방 보건 복지 평생 행복 마을 혁신 병원"
        ),
        key=len,
        reverse=True,
    )
)
# A 시-ending name followed by these is the causative verb 시키다 (``상주시키다``).
_CAUSATIVE = frozenset("키켜켰킨킬킵")
# Suffixes that turn a place mention into a named institution (evidence label only).
_INSTITUTION_SUFFIXES = tuple(
    sorted(
        _words(
            "교육청 교육지원청 의회 시청 군청 구청 도청 시립도서관 군립도서관 구립도서관 "
            "도립도서관 시립 군립 구립 도립 문화재단 문화원 평생학습관 도서관"
        ),
        key=len,
        reverse=True,
    )
)


def _is_hangul(char: str) -> bool:
    return "가" <= char <= "힣"


# --- scanning -----------------------------------------------------------------------------


@dataclass
class _Hit:
    start: int
    end: int
    surface: str
    info: _Surface
    label: str  # the text shown in evidence (surface plus an institution suffix)


def _right_ok(text: str, end: int, info: _Surface, surface: str, next_start: int | None) -> bool:
    if end >= len(text):
        return True
    nxt = text[end]
    if info.boundary == _ANY:
        return not (surface.endswith("시") and nxt in _CAUSATIVE)
    if surface.isascii():
        return not (nxt.isascii() and nxt.isalnum())
    if not _is_hangul(nxt) or next_start == end:
        return True
    rest = text[end : end + 6]
    for particle in _PARTICLES:
        if rest.startswith(particle):
            after = end + len(particle)
            if after >= len(text) or not _is_hangul(text[after]):
                return True
    return any(rest.startswith(suffix) for suffix in _SUFFIXES)


def _scan(text: str) -> list[_Hit]:
    """Accepted place / national hits in ``text``, in order (traps and word parts dropped)."""
    raw = [(m.start(), m.end(), m.group()) for m in _SCAN_RE.finditer(text)]
    hits: list[_Hit] = []
    last_end = -1
    for index, (start, end, surface) in enumerate(raw):
        info = _SURFACES[surface]
        if info.kind == _TRAP:
            continue
        # Left boundary: a word start, or glued to the previous accepted hit (``인천서구``).
        if start > 0 and start != last_end and not info.glued:
            prev = text[start - 1]
            if _is_hangul(prev) or (surface.isascii() and prev.isascii() and prev.isalnum()):
                continue
        next_start = raw[index + 1][0] if index + 1 < len(raw) else None
        if not _right_ok(text, end, info, surface, next_start):
            continue
        label = surface
        if info.kind == "place":
            rest = text[end : end + 6]
            for suffix in _INSTITUTION_SUFFIXES:
                if rest.startswith(suffix):
                    label = surface + suffix
                    break
                # ``수원시`` + ``립도서관``: the name's own 시/군/구 starts the suffix.
                if (
                    len(suffix) > 1
                    and suffix[0] == surface[-1]
                    and rest.startswith(suffix[1:])
                    and not rest.startswith("청소년")
                ):
                    label = surface + suffix[1:]
                    break
        hits.append(_Hit(start, end, surface, info, label))
        last_end = end
    return hits


@dataclass
class _Mention:
    """One place mention: a hit or a chain of adjacent hits read together."""

    start: int
    regions: frozenset[str]
    label: str
    institution: bool
    by_prior: bool = False  # an ambiguous name read as the outlet's region


def _mentions(text: str, hits: list[_Hit]) -> list[_Mention]:
    """Group adjacent place hits (``대전 중구``, ``경남 고성``) and intersect their readings."""
    mentions: list[_Mention] = []
    current: _Mention | None = None
    current_end = -1
    for hit in hits:
        if hit.info.kind not in ("place", "institution"):
            current = None
            continue
        gap = text[current_end : hit.start] if current is not None else None
        readings = hit.info.regions
        if current is not None and gap is not None and gap.strip() == "" and len(gap) <= 1:
            joint = current.regions & (readings | hit.info.qual_regions)
            if joint:
                current.regions = joint
                current.label = f"{current.label}{gap}{hit.label}"
                current.institution = current.institution or hit.label != hit.surface
                current_end = hit.end
                continue
        if not readings:  # a qualified-only form with nothing to qualify it
            current = None
            continue
        current = _Mention(
            hit.start,
            readings,
            hit.label,
            hit.info.kind == "institution" or hit.label != hit.surface,
        )
        current_end = hit.end
        mentions.append(current)
    return mentions


def _has_national(hits: list[_Hit]) -> _Hit | None:
    return next((hit for hit in hits if hit.info.kind == _NATIONAL), None)


@dataclass
class _Votes:
    counts: Counter[str]
    first: dict[str, _Mention]  # first resolved mention per region (for evidence, order)
    ambiguous: list[_Mention]


def _votes(mentions: list[_Mention]) -> _Votes:
    counts: Counter[str] = Counter()
    first: dict[str, _Mention] = {}
    ambiguous: list[_Mention] = []
    for mention in mentions:
        if len(mention.regions) == 1:
            (region,) = mention.regions
            counts[region] += 1
            first.setdefault(region, mention)
        else:
            ambiguous.append(mention)
    return _Votes(counts, first, ambiguous)


_PHRASE_GLUE = re.compile(r"[\s/·,]+")


@lru_cache(maxsize=4096)
def _phrase_region(phrase: str) -> str | None:
    """The region of a phrase made only of place names (``수원``, ``수원 영통구``), else None."""
    hits = _scan(phrase)
    covered = "".join(phrase[hit.start : hit.end] for hit in hits)
    if not hits or _PHRASE_GLUE.sub("", covered) != _PHRASE_GLUE.sub("", phrase):
        return None
    if any(hit.info.kind not in ("place", "institution") for hit in hits):
        return None
    votes = _votes(_mentions(phrase, hits))
    if votes.ambiguous or len(votes.counts) != 1:
        return None
    return next(iter(votes.counts))


# --- board tags ---------------------------------------------------------------------------

# Misspellings seen on the board, and odd spellings of valid tags.
_TAG_TYPOS = {
    "서을": "서울",
    "정북": "전북",
    "전븍": "전북",
    "경븍": "경북",
    "경낭": "경남",
    "젼국": "전국",
}
# Topic tags: not a region (listed so that they are also dropped from titles).
TOPIC_TAGS = frozenset(
    _words(
        "칼럼 사설 기고 인터뷰 통계 해외 기타 일사일언 포토 포토뉴스 사진 기획 특집 단독 연재 오피니언 "
        "시론 논단 독자투고 기자수첩 커버스토리 인물 알림 공지 행사 영상"
    )
)
_TAG_STRIP = " \t\u3000[]()【】<>「」『』"


def normalize_board_tag(tag: str | None) -> str | None:
    """The region a board title tag stands for: one of REGIONS, NATIONAL, or None (topic)."""
    if tag is None:
        return None
    cleaned = re.sub(r"\s+", " ", tag.strip(_TAG_STRIP)).strip()
    cleaned = _TAG_TYPOS.get(cleaned, cleaned)
    if cleaned in _VALID:
        return cleaned
    if not cleaned or cleaned in TOPIC_TAGS:
        return None
    # City tags (``전주``, ``수원 영통구``, ``연천소식``): a tag made only of place names.
    for trailer in ("소식", "뉴스", "발"):
        if cleaned.endswith(trailer) and len(cleaned) > len(trailer) + 1:
            cleaned = cleaned[: -len(trailer)].strip()
            break
    return _phrase_region(cleaned)


_LEADING_TAG_RE = re.compile(r"^\s*\[([^\[\]]{0,20})\]+\s*")
_UNCLOSED_TAG_RE = re.compile(r"^\s*\[\s*([가-힣]{2,8})(?:\s+|$)")


def split_title_tag(title: str) -> tuple[str | None, str]:
    """Split a board title into (raw first ``[...]`` tag or None, title without tag prefixes).

    ``[서울][일사일언] …`` → (``서울``, ``…``): bracketed tags right after the first one go
    too. ``[경북](칠곡) …`` keeps ``(칠곡) …`` (a place hint, not a tag). An unclosed
    ``[강원 작은도서관…`` gives (``강원``, ``작은도서관…``) when its first word is a region.
    """
    match = _LEADING_TAG_RE.match(title)
    if match:
        raw = match.group(1).strip() or None
        rest = title[match.end() :]
        # Further bracket tags right after the first: topic tags, series names.
        for _ in range(3):
            extra = _LEADING_TAG_RE.match(rest)
            if not extra:
                break
            rest = rest[extra.end() :]
        return raw, rest.strip()
    unclosed = _UNCLOSED_TAG_RE.match(title)
    if unclosed and "]" not in title[: unclosed.end() + 20]:
        word = unclosed.group(1)
        if normalize_board_tag(word) is not None:
            return word, title[unclosed.end() :].strip()
    return None, title.strip()
