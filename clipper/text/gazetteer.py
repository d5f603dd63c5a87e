"""The place-name table the region tagger matches against, and 시도 names.

Holds the 17 시도 (``REGIONS``) and ``NATIONAL``; every matchable string (a *surface*) with its
readings, boundary class and kind, built once from ``clipper/data/gazetteer.csv`` and
``institutions.csv`` plus the national wording and the trap words, and compiled into one trie
regex (``_SCAN_RE``) that :mod:`clipper.text.placenames` scans text with; and
:func:`region_from_name`, the 시도 a person means by a name such as 경기도 or 서울특별시.

The gazetteer's columns are ``sido`` (short name), ``name`` (full form), ``short`` (the
stand-alone short form, empty when that is ambiguous or a common word: 고성, 예산, 동작, 중구
…), ``kind`` and ``parent`` (the city of an 일반구). Kinds: ``sido`` (every form of a 시도
name), ``si``/``gun``/``gu`` (the 기초자치단체 as of 2026-07, plus 제주시/서귀포시),
``ilban_gu``, ``alias`` (well-known districts such as 일산, 조치원) and ``former`` (abolished
names still in the archive: 인천 중구/동구/남구, 청원군).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

__all__ = [
    "NATIONAL",
    "REGIONS",
    "region_from_name",
]

REGIONS: tuple[str, ...] = (
    "서울",
    "부산",
    "대구",
    "인천",
    "광주",
    "대전",
    "울산",
    "세종",
    "경기",
    "강원",
    "충북",
    "충남",
    "전북",
    "전남",
    "경북",
    "경남",
    "제주",
)
NATIONAL = "전국"
_VALID = frozenset((*REGIONS, NATIONAL))


# --- the surface table --------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Boundary classes. ANY: the name may run on into the next word (``수원시립도서관``,
# ``경기도교육청``, ``대구중앙도서관``). STRICT: a short form that is also a common word or a
# word part, so it must end at a non-Hangul character, a particle, a known suffix, or the
# next place name (``포항남구``).
_ANY, _STRICT, _QUAL = "any", "strict", "qual"
# Kinds that are not places.
_TRAP, _NATIONAL = "trap", "national"

# longest match wins at a position) and then dropped.
_TRAP_WORDS: tuple[str, ...] = (
    *_words(
        "고양이 동해안 동해바다 동해선 동해상 남해안 남해고속 서해안 고성능 고성방가 영광스러 "
        "영광스런 독서대전 세계대전 대전환 대전제 세종대왕 세종문화회관 세종대로 세종로 세종학당 "
        "세종도서 세종대 세종과학기지 세종기지 경기장 경기침체 경기도중 안성맞춤 부산물 전남편 "
        "태백산맥 구미가 울산바위 전국매일 전국일보 진주목걸이 강남스타일 국회의원"
    ),
    "동해 바다",
    "경기 침체",
    "경기 회복",
    "경기 부양",
    "경기 불황",
    "경기 둔화",
    "경기 활성화",
    "경기 악화",
    "경기 전망",
    "경기 도중",
    "구미에 맞",
    "광명을 찾",
    "광명을 얻",
    "구미를 당",
    "강남 스타일",
    "전주 대비",  # 전주 = the previous week in statistics
    "전주대비",
    "근거제시",  # 거제시
)

# National-scope wording. ANY boundary on the right (``문체부는``, ``국회도서관``); ``정부``
# needs the strict boundary (``정부 지원``) and a word start (not ``지방정부``, ``의정부``).
_NATIONAL_ANY = _words(
    "전국 문화체육관광부 문체부 문광부 국립중앙도서관 국립어린이청소년도서관 국회 교육부 "
    "행정안전부 행안부 여성가족부 여가부 보건복지부 국토교통부 국토부 농림축산식품부 "
    "기획재정부 기재부 한국도서관협회 한국작은도서관협회 도서관정보정책위원회 "
    "한국출판문화산업진흥원 출판진흥원 한국토지주택공사 정부세종청사 범국민 전국적"
)
_NATIONAL_STRICT = ("정부", "LH")


class _Surface(NamedTuple):
    """One matchable string: its readings (regions), reading when chained, class and kind."""

    regions: frozenset[str]
    qual_regions: frozenset[str]  # readings only valid right after a matching place
    boundary: str  # _ANY / _STRICT / _QUAL
    kind: str  # "place", "institution", _TRAP, _NATIONAL
    glued: bool = False  # may follow a Hangul letter (``새마을문고칠곡군지부``)


def _read_rows(filename: str) -> list[dict[str, str]]:
    with resources.files("clipper.data").joinpath(filename).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _is_full(name: str) -> bool:
    # A name that carries its own 시/군/구/도/읍 suffix and is long enough not to be a word part.
    return len(name) >= 3 and name[-1] in "시군구도읍"


def _build_surfaces() -> dict[str, _Surface]:
    regions: dict[str, set[str]] = {}
    qual: dict[str, set[str]] = {}
    boundary: dict[str, str] = {}
    kind: dict[str, str] = {}
    glued: dict[str, bool] = {}

    def add(surface: str, region: str, cls: str, what: str = "place", glue: bool = False) -> None:
        regions.setdefault(surface, set()).add(region)
        # STRICT wins over ANY when a surface is listed both ways.
        if boundary.get(surface) != _STRICT:
            boundary[surface] = cls
        kind.setdefault(surface, what)
        glued[surface] = glued.get(surface, True) and glue

    for row in _read_rows("gazetteer.csv"):
        sido, name, short, row_kind = row["sido"], row["name"], row["short"], row["kind"]
        if sido not in REGIONS:
            raise ValueError(f"gazetteer.csv: unknown sido {sido!r}")
        # A full 시군구 name may be glued to a preceding word (``…문고칠곡군지부``), except
        # the ``…주시`` ones, which end many honorific verbs (``보여주시는``).
        glue = row_kind != "sido" and _is_full(name) and not name.endswith("주시")
        add(name, sido, _ANY if _is_full(name) else _STRICT, glue=glue)
        if short:
            # 시도 short names run on freely (``대구중앙도서관``) except the two that are
            # also common words (경기: game/economy; 세종: the king, many named things);
            # so do the few three-letter short forms (``의정부과학도서관``).
            loose = (row_kind == "sido" and short not in ("경기", "세종")) or len(short) >= 3
            add(short, sido, _ANY if loose else _STRICT)
        elif row_kind != "sido" and _is_full(name) and len(name) >= 3:
            # A short form too ambiguous or too common to stand alone (고성, 영광, 예산,
            # 광주 for 경기 광주시) still counts right after a place that agrees with it:
            # ``경남 고성``, ``전남 영광``, ``경기 광주``, ``용인 수지``.
            qual.setdefault(name[:-1], set()).add(sido)
    for row in _read_rows("institutions.csv"):
        name = row["name"]
        # ``충남대`` (a university in 대전) must not swallow ``충남대표``/``충남대회``.
        cls = _STRICT if name.endswith("대") else _ANY
        add(name, row["sido"], cls, "institution", glue=name.endswith("도서관"))

    table: dict[str, _Surface] = {}
    for surface in set(regions) | set(qual):
        table[surface] = _Surface(
            frozenset(regions.get(surface, ())),
            frozenset(qual.get(surface, ())),
            boundary.get(surface, _QUAL),
            kind.get(surface, "place"),
            glued.get(surface, False),
        )
    for word in _NATIONAL_ANY:
        table[word] = _Surface(frozenset(), frozenset(), _ANY, _NATIONAL)
    for word in _NATIONAL_STRICT:
        table[word] = _Surface(frozenset(), frozenset(), _STRICT, _NATIONAL)
    for word in _TRAP_WORDS:
        table[word] = _Surface(frozenset(), frozenset(), _ANY, _TRAP)
    return table


def _trie_pattern(words: list[str]) -> str:
    """A regex matching any of ``words``, longest first, as a trie (fast in the C engine)."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        alternatives = [
            re.escape(char) + render(child) for char, child in sorted(node.items()) if char
        ]
        if not alternatives:
            return ""
        if "" in node:
            return "(?:" + "|".join(alternatives) + ")?"
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    return render(trie)


_SURFACES = _build_surfaces()
_SCAN_RE = re.compile(_trie_pattern(list(_SURFACES)))


@lru_cache(maxsize=1)
def _sido_names() -> dict[str, str]:
    names = {name: name for name in _VALID}
    for row in _read_rows("gazetteer.csv"):
        if row["kind"] == "sido":
            for form in (row["name"], row["short"]):
                if form:
                    names[form] = row["sido"]
    return names


def region_from_name(name: str) -> str | None:
    """The region (one of REGIONS or NATIONAL) a person means by ``name``, or None.

    Every form of a 시도 name in the gazetteer counts, official or common: 경기도, 서울특별시,
    서울시, 전라북도, 전북특별자치도, 강원도, …; NFC-normalised and without spaces, so a
    decomposed or spaced spelling works too. A city (수원) is not a region name.
    """
    key = "".join(unicodedata.normalize("NFC", name or "").split())
    return _sido_names().get(key)
