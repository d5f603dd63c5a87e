"""Tag a news item with one of the 17 시도 (or 전국), and say why.

Signals, strongest first:

1. the small-library board's own title tag (``[경기] …``), normalised; a tag is overridden only
   when the title *opens* with a place of another 시도 and names nothing in the tagged one
   (``[충북]천안…`` → 충남: readers trust the place the headline starts with);
2. a wire dateline at the start of the body, ``(수원=뉴스1)``, ``[서울=뉴시스]``,
   ``【대전=뉴시스】``; 서울/세종 datelines are news-desk datelines (national desks, the
   ministries in 세종) and give way to a place or national wording in the title;
3. place names in the title (시도 in every form, 시군구 full and short forms, a few named
   institutions), one vote per mention, adjacent mentions read together (``대전 중구``);
4. national wording in the title (``전국``, ``문체부``, ``국립중앙도서관`` …) → 전국;
5. place names in the body lead (first ``LEAD_CHARS`` characters), then national wording there;
6. the outlet's home region, as a weak prior: it breaks ties and picks among the readings of
   an ambiguous name (``중구``, ``고성군``, ``광주시``), and decides only when nothing else does.

Without evidence the region is None, never a guess.

Matching is one pass of a precompiled trie regex over the text, plus cheap boundary checks
on the few hits, so that Hangul words that merely contain a place name (``고양이``,
``동해안``, ``독서대전``, ``안성맞춤``) do not count. The place list lives in
``clipper/data/gazetteer.csv`` and ``institutions.csv``. The gazetteer's columns are ``sido``
(short name), ``name`` (full form), ``short`` (the stand-alone short form, empty when that is
ambiguous or a common word: 고성, 예산, 동작, 중구 …), ``kind`` and ``parent`` (the city of an
일반구). Kinds: ``sido`` (every form of a 시도 name), ``si``/``gun``/``gu`` (the 기초자치단체 as
of 2026-07, plus 제주시/서귀포시), ``ilban_gu``, ``alias`` (well-known districts such as 일산,
조치원) and ``former`` (abolished names still in the archive: 인천 중구/동구/남구, 청원군).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

__all__ = [
    "LEAD_CHARS",
    "NATIONAL",
    "REGIONS",
    "RegionResult",
    "normalize_board_tag",
    "region_from_name",
    "split_title_tag",
    "tag_region",
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

# How much of the body counts as its lead (after any dateline).
LEAD_CHARS = 300


@dataclass(frozen=True)
class RegionResult:
    """A region (one of REGIONS, NATIONAL, or None) and a short, human-readable reason."""

    region: str | None
    evidence: str = ""


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

# Words that contain a place name but are not about the place. Matched like places (the
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


def _resolve_ambiguous(votes: _Votes, context: Counter[str], prior: str | None) -> None:
    """Give each ambiguous mention the reading that the rest of the text or the outlet backs.

    Mentions left unresolved stay in ``votes.ambiguous``.
    """
    unresolved: list[_Mention] = []
    for mention in votes.ambiguous:
        backed = [region for region in mention.regions if context[region]]
        if len(backed) == 1:
            region = backed[0]
        elif prior in mention.regions:
            region = prior
            mention.by_prior = True
        else:
            unresolved.append(mention)
            continue
        votes.counts[region] += 1
        if region not in votes.first or votes.first[region].start > mention.start:
            votes.first[region] = mention
    votes.ambiguous = unresolved


def _evidence(mention: _Mention, region: str, where: str) -> str:
    what = "institution" if mention.institution else "place"
    suffix = " (lead)" if where == "lead" else ""
    if mention.by_prior:
        suffix += " (reading chosen by outlet home region)"
    return f"{what} {mention.label} → {region}{suffix}"


def _decide(votes: _Votes, tiebreak: Counter[str], prior: str | None) -> str | None:
    if not votes.counts:
        return None
    best = max(votes.counts.values())
    leaders = [region for region, count in votes.counts.items() if count == best]
    if len(leaders) == 1:
        return leaders[0]
    by_context = [region for region in leaders if tiebreak[region]]
    if len(by_context) == 1:
        return by_context[0]
    if prior in leaders:
        return prior
    # Still tied: the region named first (headlines lead with their subject).
    return min(leaders, key=lambda region: votes.first[region].start)


# --- datelines ----------------------------------------------------------------------------

_DATELINE_RE = re.compile(
    r"^\s*[(\[【<]\s*([^=()\[\]【】<>]{1,12}?)\s*=\s*([^()\[\]【】<>]{0,30}?)\s*[)\]】>]"
)
_DESK_DATELINES = frozenset({"서울", "세종"})

# A ministry or national body named next to these words sponsors, rewards or selects a local
# subject (``○○도서관, 문체부 공모사업 선정``): national wording there is not national scope.
_SPONSORED_RE = re.compile("선정|수상|표창|장관상|주관|유공|우수기관")


def _split_dateline(body: str) -> tuple[str | None, str, str]:
    """(region of the dateline or None, the dateline text, the body after it)."""
    match = _DATELINE_RE.match(body)
    if not match:
        return None, "", body
    region = _phrase_region(match.group(1).strip())
    return region, match.group(0).strip(), body[match.end() :]


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


# --- tagging ------------------------------------------------------------------------------


def _board_override(tag_region: str, title: str) -> RegionResult | None:
    """A result for a title that opens with a place in another 시도 than its tag, else None."""
    if tag_region == NATIONAL:
        return None
    mentions = _mentions(title, _scan(title))
    votes = _votes(mentions)
    if votes.ambiguous or len(votes.counts) != 1 or tag_region in votes.counts:
        return None
    (region,) = votes.counts
    first = votes.first[region]
    opening = len(title) - len(title.lstrip(" \t'\"‘“(「『<《"))
    if first.start > opening:
        return None
    return RegionResult(
        region, f"{_evidence(first, region, 'title')} (board tag [{tag_region}] overridden)"
    )


def tag_region(
    title: str,
    body: str = "",
    *,
    board_tag: str | None = None,
    outlet_region: str | None = None,
    outlet_name: str | None = None,
) -> RegionResult:
    """Tag one item with a region (see the module docstring for the order of signals).

    ``outlet_region`` is the outlet's home region (a 시도 short name; 전국 is ignored);
    ``outlet_name`` only feeds the evidence text.
    """
    title = title or ""
    body = body or ""
    prior = outlet_region if outlet_region in REGIONS else None

    if board_tag is not None:
        tagged = normalize_board_tag(board_tag)
        raw, rest = split_title_tag(title)
        if raw is not None and normalize_board_tag(raw) == tagged:
            title = rest  # the caller passed the board title with its tag still on
        if tagged is not None:
            override = _board_override(tagged, title)
            if override is not None:
                return override
            return RegionResult(tagged, f"board tag [{board_tag.strip(_TAG_STRIP)}]")

    dateline_region, dateline, rest = _split_dateline(body)
    lead = rest[:LEAD_CHARS]

    title_hits = _scan(title)
    lead_hits = _scan(lead) if lead else []
    title_votes = _votes(_mentions(title, title_hits))
    lead_votes = _votes(_mentions(lead, lead_hits))
    context = title_votes.counts + lead_votes.counts
    _resolve_ambiguous(title_votes, context, prior)
    _resolve_ambiguous(lead_votes, context, prior)
    title_national = _has_national(title_hits)
    if title_national is not None and _SPONSORED_RE.search(title):
        title_national = None

    # A local dateline is near-certain; a desk dateline (서울, 세종) only says where the
    # wire's desk sits, so it comes after everything the text itself says.
    if dateline_region is not None and dateline_region not in _DESK_DATELINES:
        return RegionResult(dateline_region, f"dateline {dateline}")

    region = _decide(title_votes, lead_votes.counts, prior)
    if region is not None:
        return RegionResult(region, _evidence(title_votes.first[region], region, "title"))
    if title_national is not None:
        return RegionResult(NATIONAL, f"national wording {title_national.surface}")
    region = _decide(lead_votes, Counter(), prior)
    if region is not None:
        return RegionResult(region, _evidence(lead_votes.first[region], region, "lead"))
    lead_national = _has_national(lead_hits)
    if lead_national is not None:
        return RegionResult(NATIONAL, f"national wording {lead_national.surface} (lead)")
    if dateline_region is not None:
        return RegionResult(dateline_region, f"dateline {dateline}")
    if prior is not None and not (title_votes.ambiguous or lead_votes.ambiguous):
        # (An ambiguous name that the prior is not a reading of, e.g. 남구 from a 대전
        # outlet, says the story is elsewhere: no tag rather than the outlet's region.)
        named = f" {outlet_name}" if outlet_name else ""
        return RegionResult(prior, f"outlet home region{named} → {prior}")
    return RegionResult(None, "")


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
