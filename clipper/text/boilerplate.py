"""Remove what is not the article from a plain-text body: datelines, bylines, e-mails,
copyright notices, photo captions, promos, related-article blocks and the small-library
board's trailer notes.

Bodies are plain text, paragraphs separated by a blank line (see :mod:`clipper.text.paragraphs`). The
work is line based: a line is dropped only when the whole line is boilerplate; otherwise at
most a recognised prefix (a dateline, a photo credit) or suffix (a byline, a copyright
notice, a credit) is cut. A paragraph is never dropped just because it mentions "기자".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from clipper.text.paragraphs import normalize_whitespace, split_paragraphs, strip_board_trailers
from clipper.text.patterns import (
    COPYRIGHT_HINTS,
    COPYRIGHT_TAIL_RE,
    EMAIL,
    REPORTER_NAME,
    REPORTER_NAMES,
    REPORTER_SUFFIX,
    STORY_END_RE,
    is_copyright_line,
    tail_search,
)

__all__ = ["Cleaned", "strip_boilerplate"]


@dataclass
class Cleaned:
    """Result of :func:`strip_boilerplate`.

    ``author``: reporter name(s) from the leading dateline and the closing byline, joined by
    ", " (empty when none). ``removed``: the kinds of text removed, in order of first
    removal: ``trailer``, ``caption``, ``copyright``, ``promo``, ``related``, ``dateline``,
    ``byline``, ``email``.
    """

    body: str
    author: str = ""
    removed: list[str] = field(default_factory=list)


# --- building blocks ----------------------------------------------------------------------

# The byline and e-mail rules are shared (clipper.text.patterns).
# After a closed dateline the names may also be separated by spaces: "(서울=연합뉴스) 홍길동
# 김철수 기자 =".
_NAMES_SPACED = rf"{REPORTER_NAME}(?:\s*+[·ㆍ,、/]\s*+{REPORTER_NAME}|\s++{REPORTER_NAME}){{0,9}}"
_EQ = r"[=＝]"
_OPEN = r"[(\[【〔<《（]"
_CLOSE = r"[)\]】〕>》）]"
_NOT_BRACKET = r"[^()\[\]【】〔〕<>《》（）=＝\n]"
_SENTENCE_END = r"[.!?。\"”’')\]]"

# Words that sit where a name would but are desks, roles or generic nouns.
_NOT_NAMES_TEXT = (
    "사진 취재 영상 편집 인턴 수습 객원 선임 수석 전문 온라인 디지털 뉴스 시민 명예 학생 어린이 청소년 대학생 주재 담당 현직 전직 방송 신문 "
    "일보 해당 모든 다른 많은 여러 사회부 정치부 경제부 문화부 산업부 국제부 체육부 편집부 사진부 전국부 지역부 기자 특파원 통신원 공동취재"
)
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())

# --- leading datelines (matched at the start of a line) -----------------------------------

# "[OSEN=선미경 기자]", "[대전=충청뉴스 김기자 기자]", "[아시아경제 홍길동 기자]",
# "[머니투데이방송 MTN = 유찬 기자 (x@mtn.co.kr)]": the reporter inside the brackets.
_DATELINE_BRACKETED_RE = re.compile(
    rf"{_OPEN}\s*(?:{_NOT_BRACKET}{{1,30}}?\s*{_EQ}\s*)?(?:{_NOT_BRACKET}{{1,30}}?\s+)?"
    rf"(?P<names>{REPORTER_NAMES})\s*{REPORTER_SUFFIX}\s*(?:\([^()\n]*\))?\s*{_CLOSE}\s*(?:{_EQ}\s*)?"
)
# "(서울=연합뉴스) 홍길동 기자 =", "[서울=뉴시스]이현주 기자 =", "【서울=뉴시스】", "(연천=연합뉴스)".
_DATELINE_PLACE_RE = re.compile(
    rf"{_OPEN}\s*{_NOT_BRACKET}{{1,20}}?\s*{_EQ}\s*{_NOT_BRACKET}{{1,25}}?\s*{_CLOSE}\s*"
    rf"(?:(?P<names>{_NAMES_SPACED})\s*{REPORTER_SUFFIX}\s*{_EQ}\s*)?"
)
# "홍길동 기자 = 고양시는 …" with no place.
_DATELINE_BARE_RE = re.compile(rf"(?P<names>{REPORTER_NAMES})\s*{REPORTER_SUFFIX}\s*{_EQ}\s*")
# "[한국스포츠경제 정진영] …": outlet and name, no "기자". Ambiguous on its own ("[부산 영도구]"),
# so it only counts when the same name signs the article as "정진영 기자" elsewhere.
_DATELINE_OUTLET_NAME_RE = re.compile(
    rf"[\[【]\s*{_NOT_BRACKET}{{2,20}}?\s+(?P<names>{REPORTER_NAME})\s*[\]】]\s*"
)
# Lines above the dateline may only be a headline/subtitle: short and not a sentence.
_SUBTITLE_MAX = 80
_DATELINE_SEARCH_LINES = 5

# --- bylines at the end -------------------------------------------------------------------

_CREDIT_PREFIX = r"(?:(?:글|사진|글\s*[·ㆍ/]\s*사진|취재|정리)\s*[=:]?\s*)?"
# A line that is only a byline: "최윤호 기자 uknow@donga.com", "/정종엽 기자", "안채원 인턴기자",
# "글·사진 홍길동 기자", "홍길동 기자 (hong@example.com)".
_BYLINE_LINE_RE = re.compile(
    rf"^(?:[/\-–—]\s*)?{_CREDIT_PREFIX}(?P<names>{REPORTER_NAMES})\s*{REPORTER_SUFFIX}\s*(?:{_EQ}\s*)?"
    rf"(?:[(<\[]?\s*{EMAIL}\s*[)>\]]?)?\s*$"
    # "[머니투데이방송 MTN = 유찬 기자 (…@mtn.co.kr)]", "[충청뉴스 김기자 기자]"
    rf"|^{_OPEN}\s*(?:{_NOT_BRACKET}{{1,30}}?\s*{_EQ}\s*)?(?:{_NOT_BRACKET}{{1,30}}?\s+)?"
    rf"(?P<names2>{REPORTER_NAMES})\s*{REPORTER_SUFFIX}\s*(?:\([^()\n]*\))?\s*{_CLOSE}$"
)
# "… 밝혔다. 홍길동 기자 hong@example.com" / "… 밝혔다. /정종엽 기자": after a sentence end.
_BYLINE_TAIL_RE = re.compile(
    rf"(?<={_SENTENCE_END})\s*(?:[/\-–—]\s*)?{_CREDIT_PREFIX}(?P<names>{REPORTER_NAMES})\s*{REPORTER_SUFFIX}"
    rf"\s*(?:[(<\[]?\s*{EMAIL}\s*[)>\]]?)?\s*$"
)
_EMAIL_LINE_RE = re.compile(rf"^[(<\[]?\s*{EMAIL}\s*[)>\]]?$")
_EMAIL_TAIL_RE = re.compile(rf"(?<={_SENTENCE_END})\s*[(<\[]?\s*{EMAIL}\s*[)>\]]?\s*$")
# CMS leftovers next to a byline: "다른기사 보기", "홍길동 기자의 다른기사 보기".
_BYLINE_JUNK_RE = re.compile(
    rf"^(?:{REPORTER_NAMES}\s*{REPORTER_SUFFIX}\s*)?(?:의\s*)?다른\s*기사\s*(?:보기|더\s*보기)?$"
    r"|^기자\s*(?:구독|응원|페이지)\S*$"
)

# --- copyright: clipper.text.patterns (is_copyright_line, COPYRIGHT_TAIL_RE) -----------------

# --- captions -----------------------------------------------------------------------------

_CAPTION_DB_RE = re.compile(r"DB\s*금지[\s.*)\]>]*$", re.IGNORECASE)
# A wire photo's stamp near the end of its caption: "2018.10.18. myjs@newsis.com",
# "2024.5.30/뉴스1" — a date then the photographer's e-mail or "/outlet".
_WIRE_STAMP_RE = re.compile(
    rf"\d{{4}}\.\s?\d{{1,2}}\.\s?\d{{1,2}}\.?\s*(?:/\s*(?!\d)[^\s/]{{1,15}}|{EMAIL})"
    r"[^\n]{0,80}$"
)
_WIRE_CAPTION_MAX = 500
_CAPTION_HEAD_RE = re.compile(
    r"^[(\[<【]?\s*사진\s*(?:제공)?\s*[=:／]|^[(\[<【]\s*사진\s*[)\]>】]|^▲"
)
_CAPTION_LINE_MAX = 200
# "…하고 있다. /사진제공=고양시", "/사진=뉴스1": the slash credit closes a caption.
_SLASH_CREDIT_RE = re.compile(r"\s*/\s*(?:사진\s*)?(?:제공|사진)\s*[=:]\s*[^\n/=]{1,30}$")
# "(사진=○○시 제공)" / "[사진=연합뉴스]" at the end or start of a line, or "사진=OSEN" after a
# sentence: only the credit is cut, since story paragraphs carry these too.
_CREDIT_TAIL_RE = re.compile(
    r"\s*[(\[<]\s*사진\s*(?:제공)?\s*[=:]?\s*[^()\[\]<>\n]{1,30}?[)\]>]\s*$"
    rf"|(?<={_SENTENCE_END})\s*사진\s*(?:제공)?\s*[=:]\s*[^\s=]{{1,20}}(?:\s*제공)?\s*$"
)
_CAPTION_REST_MAX = 60
_CREDIT_HEAD_RE = re.compile(r"^[(\[<]\s*사진\s*(?:제공)?\s*[=:]\s*[^()\[\]<>\n]{1,30}[)\]>]\s*")

# --- promos and related-article blocks ----------------------------------------------------

# "▶ 네이버에서 … 구독하기", "☞ 기사 제보". A "▶일시: 5월 3일" fact bullet (label and colon)
# is article text and stays.
_PROMO_RE = re.compile(r"^[▶☞►](?!\s*[가-힣]{1,6}\s*[:：])")
_PROMO_MISC_RE = re.compile(
    r"\(클릭!?\)|구독\s*(?:하기|하세요|신청)|네이버\s*(?:메인|채널|뉴스\s*스탠드)"
    r"|카카오\s*톡?\s*(?:채널|제보)|기사\s*제보|제보\s*(?:하기|는|:)"
)
_PROMO_MISC_MAX = 60
# "[관련기사]", "■ 관련기사", "관련기사:" — bracketed, bulleted, or followed by a colon or
# nothing, so that a story line starting "관련 기사를 보면 …" is left alone.
_RELATED_HEAD_RE = re.compile(
    r"^(?:[\[<【〔]\s*관련\s*기사\s*[\]>】〕]|[■◆●□◇]\s*관련\s*기사|관련\s*기사\s*(?:[:：]|$))"
)
_TITLE_LIKE_MAX = 80
_ENDS_SENTENCE_RE = re.compile(r"[.!?。][\"'”’)\]]*$")


# End-anchored patterns are searched only in a line's last characters (see tail_search).


def _names(raw: str | None) -> list[str]:
    if not raw:
        return []
    parts = re.split(r"[\s·ㆍ,、/]+", raw)
    return [p for p in parts if p and p not in _NOT_NAMES]


# Cheap substring pre-checks: a pattern family is tried only when one of its literal parts is
# in the line (most story lines carry none, and `in` is ~50x cheaper than a regex search).
# _Lines keeps only the hints present anywhere in the body, so the per-line loops are short.
_PROMO_HINTS = ("클릭", "구독", "네이버", "카카오", "제보")
_REPORTER_HINTS = ("기자", "특파원", "통신원")


def _has_any(line: str, hints: tuple[str, ...]) -> bool:
    return any(hint in line for hint in hints)


def _is_caption_line(line: str) -> bool:
    if "금지" in line and tail_search(_CAPTION_DB_RE, line):
        return True
    if (
        len(line) <= _WIRE_CAPTION_MAX
        and ("@" in line or "/" in line)
        and tail_search(_WIRE_STAMP_RE, line)
    ):
        return True
    if len(line) <= _CAPTION_LINE_MAX:
        if _CAPTION_HEAD_RE.match(line) and line.count("▲") <= 1:
            # "(사진=마포구 제공) 마포구는 …했다." is a credit before a story sentence: only the
            # credit goes (in _strip_line_parts).
            credit = _CREDIT_HEAD_RE.match(line)
            return not (credit and STORY_END_RE.search(line[credit.end() :]))
        # Slash credit closing a short caption (at most two sentences).
        if (
            "/" in line
            and tail_search(_SLASH_CREDIT_RE, line)
            and len(_ENDS_SENTENCE_SPLIT_RE.findall(line)) <= 2
        ):
            return True
    return False


_ENDS_SENTENCE_SPLIT_RE = re.compile(r"[.!?。](?:\s|$)")


class _Lines:
    """Paragraphs as lists of lines, with the removed kinds recorded in order."""

    def __init__(self, text: str) -> None:
        self.paragraphs = [p.split("\n") for p in split_paragraphs(text)]
        self.removed: list[str] = []
        self.copyright_hints = tuple(hint for hint in COPYRIGHT_HINTS if hint in text)
        self.promo_hints = tuple(hint for hint in _PROMO_HINTS if hint in text)
        self.reporter_hints = tuple(hint for hint in _REPORTER_HINTS if hint in text)

    def note(self, kind: str) -> None:
        if kind not in self.removed:
            self.removed.append(kind)

    def positions(self) -> list[tuple[int, int]]:
        return [(pi, li) for pi, lines in enumerate(self.paragraphs) for li in range(len(lines))]

    def text(self) -> str:
        return "\n\n".join(
            "\n".join(line for line in lines if line) for lines in self.paragraphs if any(lines)
        )


def _strip_line_parts(line: str, lines: _Lines) -> str:
    """Cut credits and copyright notices glued to the start or end of a story line."""
    match = tail_search(COPYRIGHT_TAIL_RE, line) if _has_any(line, lines.copyright_hints) else None
    if match:
        line = line[: match.start()].rstrip()
        lines.note("copyright")
    if "사진" not in line:
        return line
    match = tail_search(_CREDIT_TAIL_RE, line)
    if match:
        line = line[: match.start()].rstrip()
        lines.note("caption")
        # What is left of a short line that is not a sentence ("개관식 모습.") was the caption.
        if len(line) <= _CAPTION_REST_MAX and not STORY_END_RE.search(line):
            line = ""
    match = tail_search(_SLASH_CREDIT_RE, line)
    if match:
        line = line[: match.start()].rstrip()
        lines.note("caption")
    match = _CREDIT_HEAD_RE.match(line)
    if match:
        line = line[match.end() :]
        lines.note("caption")
    return line


def _drop_related_blocks(lines: _Lines) -> None:
    paragraphs = lines.paragraphs
    for pi, para in enumerate(paragraphs):
        for li, line in enumerate(para):
            if not line or not _RELATED_HEAD_RE.match(line):
                continue
            # The header and the rest of its paragraph are the block.
            for k in range(li, len(para)):
                para[k] = ""
            lines.note("related")
            # Following title-like paragraphs belong to it only when they run to the end.
            tail = paragraphs[pi + 1 :]
            if all(
                len(t) <= _TITLE_LIKE_MAX and not _ENDS_SENTENCE_RE.search(t)
                for p in tail
                for t in p
                if t
            ):
                for p in tail:
                    p[:] = [""] * len(p)
            return


def _classify_lines(lines: _Lines) -> None:
    for para in lines.paragraphs:
        for li, line in enumerate(para):
            if not line:
                continue
            if _is_caption_line(line):
                para[li] = ""
                lines.note("caption")
            elif is_copyright_line(line, lines.copyright_hints):
                para[li] = ""
                lines.note("copyright")
            elif _PROMO_RE.match(line) or (
                len(line) <= _PROMO_MISC_MAX
                and _has_any(line, lines.promo_hints)
                and _PROMO_MISC_RE.search(line)
                and not STORY_END_RE.search(line)
            ):
                para[li] = ""
                lines.note("promo")
            else:
                para[li] = _strip_line_parts(line, lines)


_SUFFIX_AT_RE = re.compile(rf"\s*{REPORTER_SUFFIX}")


def _signs_as_reporter(name: str, text: str) -> bool:
    """Whether ``name`` appears followed by 기자 (or 특파원 …) somewhere in ``text``."""
    start = text.find(name)
    while start != -1:
        if _SUFFIX_AT_RE.match(text, start + len(name)):
            return True
        start = text.find(name, start + 1)
    return False


def _take_dateline(lines: _Lines, body_text: str) -> list[str]:
    """Strip the leading dateline (at most one) and return the names it gives."""
    seen = 0
    for para in lines.paragraphs:
        for li, line in enumerate(para):
            if not line:
                continue
            match = (
                _DATELINE_BRACKETED_RE.match(line)
                or _DATELINE_PLACE_RE.match(line)
                or _DATELINE_BARE_RE.match(line)
            )
            if match is None:
                outlet_name = _DATELINE_OUTLET_NAME_RE.match(line)
                if outlet_name and _signs_as_reporter(outlet_name.group("names"), body_text):
                    match = outlet_name
            if match is not None and match.end() > 0:
                para[li] = line[match.end() :].strip()
                lines.note("dateline")
                return _names(match.group("names"))
            # Only a headline or subtitle may stand above the dateline.
            seen += 1
            if (
                seen >= _DATELINE_SEARCH_LINES
                or len(line) > _SUBTITLE_MAX
                or _ENDS_SENTENCE_RE.search(line)
            ):
                return []
    return []


def _take_bylines(lines: _Lines) -> list[str]:
    """Strip byline, e-mail and CMS lines from the end, and a byline glued to the last
    sentence; return the names found (in reading order)."""
    found: list[list[str]] = []
    positions = lines.positions()
    for pi, li in reversed(positions):
        line = lines.paragraphs[pi][li]
        if not line:
            continue
        match = _BYLINE_LINE_RE.match(line)
        if match:
            found.append(_names(match.group("names") or match.group("names2")))
            lines.paragraphs[pi][li] = ""
            lines.note("byline")
            continue
        if _EMAIL_LINE_RE.match(line):
            lines.paragraphs[pi][li] = ""
            lines.note("email")
            continue
        if _BYLINE_JUNK_RE.match(line):
            lines.paragraphs[pi][li] = ""
            lines.note("byline")
            continue
        match = tail_search(_BYLINE_TAIL_RE, line) if _has_any(line, lines.reporter_hints) else None
        if match:
            found.append(_names(match.group("names")))
            lines.paragraphs[pi][li] = line[: match.start()].rstrip()
            lines.note("byline")
        else:
            match = tail_search(_EMAIL_TAIL_RE, line) if "@" in line else None
            if match:
                lines.paragraphs[pi][li] = line[: match.start()].rstrip()
                lines.note("email")
        break
    return [name for names in reversed(found) for name in names]


def strip_boilerplate(body: str) -> Cleaned:
    """Remove non-article text from ``body`` and pick up the reporter's name.

    Removes the leading dateline (``(서울=연합뉴스) 홍길동 기자 =``, ``[OSEN=선미경 기자]`` …),
    closing bylines and e-mails, copyright notices, photo captions and credits, ``▶``/``☞``
    promos, ``[관련기사]`` blocks and the board's trailer notes. Only the leading dateline and
    the closing byline give the author: a wire photo's dateline quoted mid-text does not.
    The returned body is whitespace-normalised and never longer than ``body``.
    """
    # U+2028/U+2029 become single line breaks here (normalize_whitespace would turn U+2029
    # into a blank line), so that the result can never be longer than the input.
    text = normalize_whitespace(body.replace("\u2029", "\n").replace("\u2028", "\n"))
    text, trailers = strip_board_trailers(text)
    lines = _Lines(text)
    if trailers:
        lines.note("trailer")
    _drop_related_blocks(lines)
    _classify_lines(lines)
    lead = _take_dateline(lines, text)
    tail = _take_bylines(lines)
    authors: list[str] = []
    for name in lead + tail:
        if name not in authors:
            authors.append(name)
    result = lines.text()
    if len(result) > len(body):  # pragma: no cover - only NFC-expanding code points
        return Cleaned(body=body.strip(), author="", removed=[])
    return Cleaned(body=result, author=", ".join(authors), removed=lines.removed)
