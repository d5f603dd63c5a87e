"""Tests for clipper.text.paragraphs: whitespace, repeated text, board trailers, content hash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.paragraphs import (
    content_hash,
    drop_repeated_paragraphs,
    join_paragraphs,
    normalize_whitespace,
    split_paragraphs,
    strip_board_trailers,
    text_key,
)

# Text built from what trips these functions: Hangul, ASCII, punctuation the board uses,
# and every kind of whitespace and separator.
_ALPHABET = st.sampled_from(
    [
        *"작은도서관 개관했다.가나다abc1",
        *["\n", "\n\n", "\r\n", "\t", "\xa0", "\u3000", "\u200b", "\u2028", "\u2029"],
        *"※[]()▶…|.!?\"'=@©",
    ]
)
_TEXT = st.lists(_ALPHABET, max_size=120).map("".join)
_SENTENCE = st.sampled_from(
    [
        "작은도서관이 문을 열었다.",
        "주민 50명이 모였다.",
        "구청장은 축사를 했다.",
        "책 3천 권을 갖췄다.",
        "※기사 전문은 원문링크를 통해 확인하세요.",
        "…",
        "홍길동 기자",
    ]
)
_BODY = st.lists(
    st.lists(_SENTENCE, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=8
).map(lambda paragraphs: "\n\n".join(paragraphs))


# --- normalize_whitespace -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("   \n\t \n", ""),
        ("작은  도서관", "작은 도서관"),
        ("작은\u00a0도서관\u3000개관", "작은 도서관 개관"),
        ("작은\u200b도서관", "작은도서관"),  # zero-width space is deleted, not spaced
        ("\ufeff제목", "제목"),
        ("첫줄\r\n둘째줄\r셋째줄\u2028넷째줄", "첫줄\n둘째줄\n셋째줄\n넷째줄"),
        ("문단1\u2029문단2", "문단1\n\n문단2"),
        ("  문단1  \n\n\n\n  문단2\t\t끝  ", "문단1\n\n문단2 끝"),
        ("a \n \n \n b", "a\n\nb"),
        # Decomposed Hangul (NFD, as macOS file names) becomes precomposed.
        ("\u1112\u1161\u11ab\u1100\u116e\u11a8", "한국"),
    ],
)
def test_normalize_whitespace(raw: str, expected: str) -> None:
    assert normalize_whitespace(raw) == expected


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_normalize_whitespace_is_idempotent_and_tidy(text: str) -> None:
    once = normalize_whitespace(text)
    assert normalize_whitespace(once) == once
    assert "  " not in once
    assert "\n\n\n" not in once
    assert once == once.strip()


# --- split / join -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "paragraphs"),
    [
        ("", []),
        ("한 문단", ["한 문단"]),
        ("가\n\n나", ["가", "나"]),
        ("가\n나\n\n\n\n다", ["가\n나", "다"]),
        ("  가 \n \n 나  ", ["가", "나"]),
        ("\n\n가\n\n", ["가"]),
    ],
)
def test_split_paragraphs(text: str, paragraphs: list[str]) -> None:
    assert split_paragraphs(text) == paragraphs


def test_join_paragraphs_drops_empty_and_strips() -> None:
    assert join_paragraphs([" 가 ", "", "  ", "나"]) == "가\n\n나"


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_split_join_round_trip(text: str) -> None:
    normal = normalize_whitespace(text)
    assert join_paragraphs(split_paragraphs(normal)) == normal


# --- drop_repeated_paragraphs -------------------------------------------------------------

P1 = "서울 마포구가 작은도서관 세 곳을 새로 열었다고 13일 밝혔다."
P2 = "새 도서관은 주민자치회가 운영하며 평일 오후 9시까지 문을 연다."
P3 = "구는 내년에 두 곳을 더 열 계획이다."
NOTE = "※기사 전문은 원문링크를 통해 확인하실 수 있습니다."


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        # Nothing repeated: returned unchanged (even its odd spacing).
        (f"{P1}\n\n{P2}", f"{P1}\n\n{P2}", 0),
        (f"{P1}  \n\n\n{P2}", f"{P1}  \n\n\n{P2}", 0),
        # The board prints the body twice from the second paragraph on.
        (f"{P1}\n\n{P2}\n\n{P3}\n\n{P2}\n\n{P3}", f"{P1}\n\n{P2}\n\n{P3}", 2),
        # ... or only the trailing note.
        (f"{P1}\n\n{P2}\n\n{NOTE}\n\n{NOTE}", f"{P1}\n\n{P2}\n\n{NOTE}", 1),
        # A repeat that differs in spacing and punctuation is still a repeat.
        (f"{P1}\n\n{P2}\n\n{P2.replace(' ', '  ').rstrip('.')}!", f"{P1}\n\n{P2}", 1),
        # The whole body printed twice inside one paragraph ("ABC ABC").
        (f"{P1} {P2} {P3} {P1} {P2} {P3}", f"{P1} {P2} {P3}", 1),
        # Doubled single sentence without a space between the copies.
        (P1 + P1, P1, 1),
        # Printed twice from the second sentence on, inside one paragraph.
        (f"{P1} {P2} {P3} {P2} {P3}", f"{P1} {P2} {P3}", 1),
        # A single repeated sentence inside a paragraph is not a run: kept.
        (f"{P1} {P2} {P1}", f"{P1} {P2} {P1}", 0),
        # Quoted sentences: the closing quote stays with the first copy.
        ('"책이 좋다." 그가 말했다. "책이 좋다." 그가 말했다.', '"책이 좋다." 그가 말했다.', 1),
        # Repeated lines inside a paragraph (single line breaks).
        (f"{P1}\n{P2}\n{P2}\n{P3}", f"{P1}\n{P2}\n{P3}", 1),
        # Four copies collapse to one (the function runs to a fixed point).
        (" ".join([P1] * 4), P1, 2),
        # Short doubled text is more likely meant: kept.
        ("하하 하하", "하하 하하", 0),
        # A body that is only repeats keeps its first copy.
        (f"{NOTE}\n\n{NOTE}\n\n{NOTE}", NOTE, 2),
        # Repeated punctuation-only lines compare as themselves.
        (f"{P1}\n\n…\n\n{P2}\n\n…", f"{P1}\n\n…\n\n{P2}", 1),
        ("", "", 0),
    ],
)
def test_drop_repeated_paragraphs(text: str, expected: str, removed: int) -> None:
    assert drop_repeated_paragraphs(text) == (expected, removed)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_BODY, _TEXT))
def test_drop_repeated_is_idempotent_and_never_empties(text: str) -> None:
    once, _ = drop_repeated_paragraphs(text)
    assert drop_repeated_paragraphs(once) == (once, 0)
    if text.strip():
        assert once.strip()
    assert len(once) <= len(text)


@settings(max_examples=100, deadline=None)
@given(_BODY)
def test_drop_repeated_keeps_first_occurrence_order(text: str) -> None:
    result, _ = drop_repeated_paragraphs(text)
    # Every kept paragraph was in the input, in the same relative order.
    source = split_paragraphs(text)
    position = 0
    for paragraph in split_paragraphs(result):
        first_sentence = paragraph.split(" ")[0]
        while position < len(source) and first_sentence not in source[position]:
            position += 1
        assert position < len(source)


# --- strip_board_trailers -----------------------------------------------------------------

BODY = "고양시 작은도서관이 개관 10주년을 맞아 북콘서트를 연다."


@pytest.mark.parametrize(
    "trailer",
    [
        "※기사 전문은 원문링크를 통해 확인하실 수 있습니다.",
        "※ 기사전문은 원문링크를 클릭하세요",
        "※기사 전문은 해당 언론사 홈페이지에서 보실 수 있습니다",
        "[전문은 해당 뉴스사이트에서 확인가능합니다]",
        "[ 전문은 해당 뉴스 사이트에서 확인 가능합니다 ]",
        "(기사 전문 보기)",
        "(기사전문보기)",
        "▶ 원문 보기",
        "▶원문보기",
        "☞ 원문기사 바로가기",
        "* 기사 전문은 아래 링크를 참고하세요",
        "※ 자세한 내용은 원문링크를 참조하세요.",
        "기사 원문 보기",
        "원문 : 링크 참조",
    ],
)
def test_strip_board_trailers_own_line(trailer: str) -> None:
    assert strip_board_trailers(f"{BODY}\n\n{trailer}") == (BODY, 1)
    # As a line inside the last paragraph, too.
    assert strip_board_trailers(f"{BODY}\n{trailer}") == (BODY, 1)


@pytest.mark.parametrize(
    ("text", "expected", "removed"),
    [
        # Glued to the end of the last paragraph.
        (f"{BODY} ※기사 전문은 원문링크를 통해 확인하세요.", BODY, 1),
        (f"{BODY}[전문은 해당 뉴스사이트에서 확인가능합니다]", BODY, 1),
        (f"{BODY} (기사 전문 보기)", BODY, 1),
        # The note printed twice.
        (f"{BODY} ※기사 전문은 원문링크를. ※기사 전문은 원문링크를.", BODY, 1),
        (f"{BODY}\n\n※기사 전문은 원문링크를\n\n※기사 전문은 원문링크를", BODY, 2),
        # Not trailers: experts (전문가), a statement's full text in a sentence, ※ notes about
        # something else, a mid-body ▶ fact.
        (f"{BODY} 전문가들은 이를 반겼다.", f"{BODY} 전문가들은 이를 반겼다.", 0),
        ("전문가 강연이 이어진다.", "전문가 강연이 이어진다.", 0),
        (
            f"{BODY} 성명서 전문은 구청 홈페이지에 있다.",
            f"{BODY} 성명서 전문은 구청 홈페이지에 있다.",
            0,
        ),
        (f"{BODY}\n\n※ 문의: 031-123-4567", f"{BODY}\n\n※ 문의: 031-123-4567", 0),
        (f"{BODY}\n\n전문성을 갖춘 사서를 뽑는다.", f"{BODY}\n\n전문성을 갖춘 사서를 뽑는다.", 0),
        # Junk lines.
        (f"{BODY}\n\nadvertisement", BODY, 1),
        (f"ADVERTISEMENT\n\n{BODY}", BODY, 1),
        (f"{BODY}\n\nRead more: https://example.com/news/1", BODY, 1),
        (f"{BODY}\n\nread more https://example.com", BODY, 1),
        (f"{BODY}\n\n.", BODY, 1),
        (f"{BODY}\n\n…\n\n..", BODY, 2),
        # Navigation menus: one line of items, or a run of short lines.
        (f"홈 | 뉴스 | 정치 | 경제 | 사회 | 문화\n\n{BODY}", BODY, 1),
        (f"홈 > 뉴스 > 사회 > 교육\n\n{BODY}", BODY, 1),
        (f"홈\n뉴스\n정치\n경제\n사회\n\n{BODY}", BODY, 5),
        (f"홈\n\n뉴스\n\n정치\n\n경제\n\n{BODY}", BODY, 4),
        # Three short lines are not a menu; a short line between two sentences is not either.
        (f"일시\n장소\n대상\n\n{BODY}", f"일시\n장소\n대상\n\n{BODY}", 0),
        # Items too long for a menu: a table row, kept.
        (
            f"구분 | 2023년 작은도서관 수 | 2024년 작은도서관 수 | 증감 | 비고\n\n{BODY}",
            f"구분 | 2023년 작은도서관 수 | 2024년 작은도서관 수 | 증감 | 비고\n\n{BODY}",
            0,
        ),
        # A body of nothing but short lines is left alone.
        ("가\n나\n다\n라\n마", "가\n나\n다\n라\n마", 0),
        ("", "", 0),
    ],
)
def test_strip_board_trailers(text: str, expected: str, removed: int) -> None:
    assert strip_board_trailers(text) == (expected, removed)


def test_strip_board_trailers_keeps_middle_and_removes_mixed() -> None:
    text = (
        "홈 | 뉴스 | 지역 | 교육 | 문화\n\n"
        f"{BODY}\n\nadvertisement\n\n도서관은 주민이 운영한다.\n\n"
        "Read more: https://example.com/a\n\n※ 기사전문은 원문링크를 이용해 주세요"
    )
    assert strip_board_trailers(text) == (f"{BODY}\n\n도서관은 주민이 운영한다.", 4)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_strip_board_trailers_never_raises_or_grows(text: str) -> None:
    result, removed = strip_board_trailers(text)
    assert removed >= 0
    assert (result == text) == (removed == 0)
    assert len(result) <= len(text)


# --- content_hash -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("제목", "본문이다."), (" 제목 ", "본문 이다")),
        (("제목", "가\n\n나"), ("제목", "가 나")),
        (("제목", "작은도서관"), ("제목", "작은\u00a0도서관!")),
        (("ＡＢＣ 도서관", "본문"), ("abc 도서관", "본문")),  # full-width and case
    ],
)
def test_content_hash_ignores_spacing_and_punctuation(
    a: tuple[str, str], b: tuple[str, str]
) -> None:
    assert content_hash(*a) == content_hash(*b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("제목", "본문"), ("제목", "본문2")),
        (("제목", "본문"), ("다른 제목", "본문")),
        # Text moved between title and body is a different item.
        (("제목본", "문"), ("제목", "본문")),
    ],
)
def test_content_hash_differs(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert content_hash(*a) != content_hash(*b)


def test_content_hash_is_sha1_hex() -> None:
    digest = content_hash("제목", "본문")
    assert len(digest) == 40
    assert int(digest, 16) >= 0


@pytest.mark.parametrize(
    ("text", "key"),
    [("작은 도서관!", "작은도서관"), ("A-B_c", "abc"), ("…", ""), ("①", "1")],
)
def test_text_key(text: str, key: str) -> None:
    assert text_key(text) == key
