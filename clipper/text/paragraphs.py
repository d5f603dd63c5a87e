"""Plain-text helpers for article bodies.

A body is plain text whose paragraphs are separated by one blank line (``\\n\\n``); a paragraph
may hold several lines. Every function here is pure (str in, value out) so the pipelines can
call them in any process and the tests need no crawler.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "content_hash",
    "drop_repeated_paragraphs",
    "join_paragraphs",
    "normalize_whitespace",
    "split_paragraphs",
    "strip_board_trailers",
    "text_key",
]

# --- whitespace ---------------------------------------------------------------------------

# Line separators that are not "\n" become a line break; U+2029 (paragraph separator)
# becomes a blank line.
# (A regex, not str.translate: translate with a dict is ~20x slower on Hangul text.)
_LINE_BREAK_RE = re.compile("[\r\u2028\x0b\x0c\x85]")
# Horizontal spaces: tab, NBSP, full-width space (common in Korean CMS output), the
# typographic spaces U+2000-U+200A, narrow NBSP, medium mathematical space, Ogham space.
_SPACES_RE = re.compile("[\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Zero-width characters and the soft hyphen render as nothing, so they are deleted rather
# than turned into a space (a space would split the word they sit in, e.g. "작은\u200b도서관").
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff\xad]")
_ODD_CHAR_RE = re.compile(
    "[\r\u2028\u2029\x0b\x0c\x85\u200b-\u200d\u2060\ufeff\xad"
    "\t\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)


def normalize_whitespace(text: str) -> str:
    """NFC-normalise and tidy whitespace: one space between words, lines stripped, at most one
    blank line between paragraphs, no leading or trailing whitespace."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    # One scan decides whether the three substitutions are needed at all: most bodies reach
    # here already clean, and each regex pass over 3 KB of Hangul costs ~10 us.
    if _ODD_CHAR_RE.search(text):
        text = text.replace("\r\n", "\n").replace("\u2029", "\n\n")
        text = _LINE_BREAK_RE.sub("\n", text)
        text = _INVISIBLE_RE.sub("", text)
        text = _SPACES_RE.sub(" ", text)
    # str.replace loops beat the equivalent regexes by ~10x on typical text.
    while "  " in text:
        text = text.replace("  ", " ")
    if " \n" in text or "\n " in text:
        text = "\n".join(line.strip() for line in text.split("\n"))
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


_PARA_SPLIT_RE = re.compile(r"\n[ \t]*\n\s*")


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of ``text`` (split on blank lines), each stripped; empty ones dropped."""
    return [p for p in (part.strip() for part in _PARA_SPLIT_RE.split(text)) if p]


def join_paragraphs(paragraphs: Iterable[str]) -> str:
    """Inverse of :func:`split_paragraphs`: stripped, non-empty paragraphs joined by a blank
    line."""
    return "\n\n".join(p for p in (para.strip() for para in paragraphs) if p)


# --- comparison keys ----------------------------------------------------------------------

_NON_WORD_RE = re.compile(r"[\W_]+")


def text_key(text: str) -> str:
    """Whitespace-, punctuation- and case-insensitive key: NFKC (so full-width letters equal
    ASCII ones), casefolded, everything but letters and digits removed."""
    return _NON_WORD_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _unit_key(text: str) -> str:
    # A line of pure punctuation ("…", "―") has an empty text_key; fall back to the text so
    # that such lines still compare equal only to themselves.
    return text_key(text) or text.strip()


# --- repeated text ------------------------------------------------------------------------

# Shortest half (in key characters) that counts as "the paragraph printed twice". Shorter
# doublings ("하하 하하") are more likely to be meant.
_MIN_DOUBLED_HALF = 10
# Sentence boundary: whitespace after ., !, ?, 。 or …, optionally followed by a closing
# quote or bracket. Korean sentences end in "다." / "요." etc., so this is a good-enough split.
_SENTENCE_BREAK_RE = re.compile(r"(?:(?<=[.!?。…])|(?<=[.!?。…][\"'”’)\]」』]))\s+")
_MIN_REPEATED_RUN = 2


def _collapse_doubled(paragraph: str, key: str) -> str | None:
    """If ``paragraph`` (whose text_key is ``key``) is one text printed twice back to back,
    return the first copy."""
    half = len(key) // 2
    if len(key) % 2 or half < _MIN_DOUBLED_HALF or key[:half] != key[half:]:
        return None
    # Map key characters back to positions in the paragraph (per character, because NFKC may
    # expand one character into several).
    positions: list[int] = []
    for index, char in enumerate(paragraph):
        positions.extend([index] * len(text_key(char)))
    if len(positions) != len(key):  # NFKC composed across characters: give up, keep all
        return None
    end_of_first = positions[half - 1] + 1
    start_of_second = positions[half]
    # Cut at the last whitespace between the copies, so a closing quote or full stop stays
    # with the first copy and an opening quote goes with the second.
    gap = paragraph[end_of_first:start_of_second]
    cut = end_of_first + gap.rfind(" ") if " " in gap else start_of_second
    if "\n" in gap:
        cut = end_of_first + gap.rfind("\n")
    first = paragraph[:cut].strip()
    return first or None


def _sentences(paragraph: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The paragraph's sentences as (separator before it, sentence) pairs, and their keys."""
    pieces: list[tuple[str, str]] = []
    last = 0
    separator = ""
    for match in _SENTENCE_BREAK_RE.finditer(paragraph):
        pieces.append((separator, paragraph[last : match.start()]))
        separator = match.group()
        last = match.end()
    pieces.append((separator, paragraph[last:]))
    return pieces, [text_key(sentence) for _, sentence in pieces]


def _drop_repeated_sentence_runs(
    pieces: list[tuple[str, str]], keys: list[str]
) -> tuple[str | None, int]:
    """Remove runs of >= 2 consecutive sentences that already appeared earlier in the same
    paragraph (the board's "printed twice from the second sentence on"). Returns the new
    paragraph (None when unchanged) and the number of runs removed."""
    if len(pieces) < 2 * _MIN_REPEATED_RUN:
        return None, 0
    # Punctuation-only sentences ("…") compare as themselves, not as the empty key.
    keys = [key or sentence.strip() for key, (_, sentence) in zip(keys, pieces, strict=True)]
    first_seen: dict[str, list[int]] = {}
    kept: list[tuple[str, str]] = []
    removed = 0
    i = 0
    while i < len(keys):
        best = 0
        for j in first_seen.get(keys[i], ()):
            length = 0
            # The earlier copy must end before the current sentence (no overlap).
            while (
                i + length < len(keys) and j + length < i and keys[j + length] == keys[i + length]
            ):
                length += 1
            best = max(best, length)
        if best >= _MIN_REPEATED_RUN:
            removed += 1
            i += best
            continue
        first_seen.setdefault(keys[i], []).append(i)
        kept.append(pieces[i])
        i += 1
    if not removed:
        return None, 0
    return "".join(sep + sentence for sep, sentence in kept).strip(), removed


def _drop_repeats_once(text: str) -> tuple[str, int]:
    removed = 0
    seen_paragraphs: set[str] = set()
    seen_lines: set[str] = set()
    kept_paragraphs: list[str] = []
    for paragraph in split_paragraphs(text):
        # Keys are computed once per sentence and reused for the paragraph and its lines:
        # text_key costs ~30 ns a character, the bulk of this function's time.
        pieces, keys = _sentences(paragraph)
        single = _collapse_doubled(paragraph, "".join(keys))
        if single is not None:
            paragraph = single
            removed += 1
            pieces, keys = _sentences(paragraph)
        shorter, runs = _drop_repeated_sentence_runs(pieces, keys)
        if shorter is not None:
            paragraph = shorter
            removed += runs
            key = text_key(paragraph)
        else:
            key = "".join(keys)
        key = key or paragraph.strip()
        if key in seen_paragraphs:
            removed += 1
            continue
        seen_paragraphs.add(key)
        lines = paragraph.split("\n")
        line_keys = [key] if len(lines) == 1 else [_unit_key(line) for line in lines]
        kept_lines: list[str] = []
        for line, line_key in zip(lines, line_keys, strict=True):
            if not line_key:
                continue
            if line_key in seen_lines:
                removed += 1
                continue
            seen_lines.add(line_key)
            kept_lines.append(line.strip())
        if kept_lines:
            kept_paragraphs.append("\n".join(kept_lines))
    result = join_paragraphs(kept_paragraphs)
    if not result and text.strip():  # never empty a non-empty body
        return text, 0
    return result, removed


def drop_repeated_paragraphs(text: str) -> tuple[str, int]:
    """Remove text printed more than once, keeping the first occurrence and the order.

    Compared after :func:`text_key` normalisation, so spacing and punctuation differences do
    not hide a repeat. Handles, in this order per paragraph: a paragraph that is one text
    printed twice back to back (``ABC ABC``), runs of >= 2 sentences repeated inside a
    paragraph, whole paragraphs seen before, and single lines seen before. Passes repeat until
    nothing changes, so the function is idempotent.

    Returns the new text and the number of removed pieces (a doubled half, a sentence run, a
    paragraph or a line each count one). When nothing is removed the input is returned as is.
    A non-empty body is never reduced to an empty one.
    """
    total = 0
    current = text
    while True:
        current_next, removed = _drop_repeats_once(current)
        if not removed:
            break
        total += removed
        current = current_next
    return (current, total) if total else (text, 0)


# --- board trailers and junk ---------------------------------------------------------------

_MARK = r"[※*▶►▷☞→]"
_OPEN = r"[\[(【<〔{「『]"
_CLOSE = r"[\])】>〕}」』]"
# "(기사) 전문/원문 (기사)" followed by what such a note says next: a particle, 보기/읽기/가기,
# 확인, 링크, 클릭, 참조/참고, a colon or a closing bracket. The particle is required so that
# "전문가" / "전문성" (expert, expertise) never match.
_TRAILER_CORE = (
    r"(?:기\s*사\s*)?(?:전\s*문|원\s*문)(?:\s*기\s*사)?\s*"
    r"(?:은|는|을|보기|보러|읽기|바로\s*가기|가기|확인|링크|클릭|참[조고]|[:：]|" + _CLOSE + r"|$)"
)
_TRAILER_LINE_RE = re.compile(
    rf"^(?:{_MARK}\s*)?(?:{_OPEN}\s*)?{_TRAILER_CORE}.{{0,100}}$"
    # "※ ... 원문/전문/링크 ...": a ※ note about the link, e.g. "※ 자세한 내용은 원문링크 참조".
    rf"|^※.{{0,100}}?(?:전\s*문|원\s*문|링\s*크).{{0,100}}$"
    # "(자세한 내용은 해당 언론사 / 원문링크 / 아래 링크에서 …)"
    rf"|^(?:{_MARK}\s*)?(?:{_OPEN}\s*)?(?:보다\s*|더\s*)?자세한\s*(?:내용|기사|소식)\S*\s*"
    r".{0,30}?(?:원\s*문|링\s*크|해당\s*(?:뉴스|언론사|기사|매체)).{0,60}$"
)
# A trailer glued to the end of the last paragraph needs a marker or an opening bracket in
# front of it, so that a sentence such as "성명서 전문은 홈페이지에 있다." is left alone.
_TRAILER_TAIL_RE = re.compile(
    rf"\s*(?:{_MARK}|{_OPEN})\s*(?:{_OPEN}\s*)?{_TRAILER_CORE}[^\n]{{0,100}}$"
    rf"|\s*※[^\n※]{{0,100}}?(?:전\s*문|원\s*문|링\s*크)[^\n※]{{0,100}}$"
)
# Tail patterns are searched only in the last characters of a line: they are anchored at the
# end and bounded in length, and scanning a whole 3 KB paragraph costs ~100 us.
_TAIL_WINDOW = 300
_JUNK_LINE_RE = re.compile(
    r"^(?:advertisement|advertisment|광고|ad)$"
    r"|^read\s+more\s*[:：]?.{0,300}$"
    r"|^[.…·。‥]+$",
    re.IGNORECASE,
)
# A navigation menu printed as one line: >= 4 short items separated by | ㅣ │ or > (a
# breadcrumb). "·" is left out: "정치·경제·사회" is ordinary Korean prose.
_MENU_SEPARATOR_RE = re.compile(r"\s*(?:[|｜│¦]|\sㅣ\s|\s[>›»]\s)\s*")
_MENU_ITEM_MAX = 8
_MENU_MIN_ITEMS = 4
# A menu printed one item a line: a run of >= 4 lines of <= 6 characters each.
_SHORT_LINE_MAX = 6
_SHORT_RUN_MIN = 4


_MENU_HINT_RE = re.compile("[|｜│¦ㅣ>›»]")


def _is_menu_line(line: str) -> bool:
    if not _MENU_HINT_RE.search(line):  # cheap pre-check; the split below is the slow part
        return False
    items = [item for item in _MENU_SEPARATOR_RE.split(line) if item]
    if len(items) < _MENU_MIN_ITEMS:
        return False
    return all(len(item) <= _MENU_ITEM_MAX and not item.endswith(".") for item in items)


def strip_board_trailers(text: str) -> tuple[str, int]:
    """Remove the board's notes sending readers to the original article and junk lines.

    Notes: ``※기사 전문은 …``, ``[전문은 해당 뉴스사이트에서 확인가능합니다]``, ``(기사 전문 보기)``,
    ``▶ 원문 보기`` and variants, as their own line or at the end of the last paragraph. Junk:
    a lone ``advertisement``, ``Read more: <url>`` lines, lines of only ``.``/``…``, and a
    source site's navigation menu (one line of >= 4 short items separated by ``|``, or a run
    of >= 4 lines of <= 6 characters). Returns the text and the number of removed lines or
    notes; when nothing is removed the input is returned as is.
    """
    paragraphs = [p.split("\n") for p in split_paragraphs(text)]
    # Flat (paragraph index, line) list: menus printed one item a line may have blank lines
    # between the items, so a short-line run is counted across paragraph breaks.
    flat = [(pi, line.strip()) for pi, lines in enumerate(paragraphs) for line in lines]
    drop = [False] * len(flat)
    removed = 0
    for index, (_, line) in enumerate(flat):
        if (
            not line
            or _TRAILER_LINE_RE.match(line)
            or _JUNK_LINE_RE.match(line)
            or _is_menu_line(line)
        ):
            drop[index] = True
            removed += 1 if line else 0
    # Only when real text remains: a body of nothing but short lines is left to the caller.
    has_long_line = any(
        len(line) > _SHORT_LINE_MAX and not drop[i] for i, (_, line) in enumerate(flat)
    )
    index = 0
    while has_long_line and index < len(flat):
        end = index
        while end < len(flat) and not drop[end] and len(flat[end][1]) <= _SHORT_LINE_MAX:
            end += 1
        if end - index >= _SHORT_RUN_MIN:
            for k in range(index, end):
                drop[k] = True
            removed += end - index
        index = max(end, index + 1)
    if not removed and not _TRAILER_TAIL_RE.search(text.rstrip()[-_TAIL_WINDOW:]):
        return text, 0
    kept: list[list[str]] = [[] for _ in paragraphs]
    for (pi, line), dropped in zip(flat, drop, strict=True):
        if not dropped:
            kept[pi].append(line)
    result_paragraphs = ["\n".join(lines) for lines in kept if lines]
    # Trailers glued to the end of the last line (possibly printed twice): cut them off.
    while result_paragraphs:
        last = result_paragraphs[-1]
        offset = max(0, len(last) - _TAIL_WINDOW)
        match = _TRAILER_TAIL_RE.search(last, offset)
        if not match:
            break
        removed += 1
        trimmed = last[: match.start()].rstrip()
        if trimmed:
            result_paragraphs[-1] = trimmed
        else:
            result_paragraphs.pop()
    if not removed:
        return text, 0
    return join_paragraphs(result_paragraphs), removed


# --- identity -----------------------------------------------------------------------------


# The non-word characters of most article text. Deleting them with str.replace first
# leaves the regex little or nothing to do: it is ~4x faster than text_key on a body.
_COMMON_NON_WORD = (" ", "\n", ".", ",", '"', "'", "·", "“", "”", "‘", "’", "(", ")", "-", "%")


def _hash_key(text: str) -> str:
    """Exactly :func:`text_key`, faster on long text: ``[\\W_]`` deletes each character
    that is not ``str.isalnum()``, one at a time, so deleting some of them beforehand
    changes nothing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for char in _COMMON_NON_WORD:
        if char in text:
            text = text.replace(char, "")
    return text if text.isalnum() else _NON_WORD_RE.sub("", text)


def content_hash(title: str, body: str) -> str:
    """SHA-1 hex of the title and body keys (:func:`text_key`), so re-crawls that differ only
    in spacing, punctuation or Unicode form hash the same."""
    # The separator keeps ("ab", "c") and ("a", "bc") apart; text_key never emits it.
    payload = _hash_key(title) + "\x1f" + _hash_key(body)
    return hashlib.sha1(payload.encode("utf-8"), usedforsecurity=False).hexdigest()
