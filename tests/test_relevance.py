"""Tests for clipper.text.relevance."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.relevance import DEFAULT_TERMS, RELATED_TERMS, is_relevant, match_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("공공도서관 리모델링 완료", []),
        ("작은도서관 개관", ["작은도서관"]),
        ("작은 도서관 개관", ["작은도서관"]),
        ("작은  도서관", ["작은도서관"]),
        ("작은\n도서관", ["작은도서관"]),
        ("작 은 도 서 관", ["작은도서관"]),
        ("작은도서관에서 작은도서관으로", ["작은도서관"]),  # distinct
        # Compounds are covered by the core term.
        ("새마을작은도서관 독서교실", ["작은도서관"]),
        ("아파트 작은도서관 지원", ["작은도서관"]),
        ("공립작은도서관과 사립작은도서관", ["작은도서관"]),
        ("한국작은도서관협회 총회", ["작은도서관"]),
        # Order of first appearance.
        ("마을도서관과 작은도서관", ["마을도서관", "작은도서관"]),
        ("작은도서관과 마을 도서관", ["작은도서관", "마을도서관"]),
        ("새마을문고 회원들이 작은도서관을 청소했다", ["새마을문고", "작은도서관"]),
        ("작은도시관을 아시나요", ["작은도시관"]),
        # Not small libraries.
        ("교보문고 베스트셀러", []),
        ("시립어린이도서관 개관", []),
        ("스마트도서관 설치", []),
        ("작은 서점과 도서관", []),
        ("도서관 작은 음악회", []),
    ],
)
def test_match_terms_default(text: str, expected: list[str]) -> None:
    assert match_terms(text) == expected


@pytest.mark.parametrize(
    ("text", "terms", "expected"),
    [
        ("시립어린이도서관 개관", RELATED_TERMS, ["어린이도서관"]),
        ("동네 도서관 북카페", RELATED_TERMS, ["동네도서관", "북카페"]),
        # Terms given with spaces, twice, or empty are handled.
        ("작은도서관", ("작은 도서관", "작은도서관", "", " "), ["작은 도서관"]),
        # At one position the longer term comes first.
        ("작은도서관협회", ("작은도서관", "작은도서관협회"), ["작은도서관협회", "작은도서관"]),
        # Regex metacharacters in a term are literal.
        ("a+b 도서관", ("a+b",), ["a+b"]),
        ("aab 도서관", ("a+b",), []),
        # Latin terms are case-insensitive.
        ("Book Cafe 열린다", ("bookcafe",), ["bookcafe"]),
        ("작은도서관", (), []),
        # A generator works as well as a tuple.
        ("마을도서관", (t for t in DEFAULT_TERMS), ["마을도서관"]),
    ],
)
def test_match_terms_custom(text: str, terms: tuple[str, ...], expected: list[str]) -> None:
    assert match_terms(text, terms) == expected


@pytest.mark.parametrize(
    ("title", "body", "relevant", "terms"),
    [
        ("고양시 작은도서관 개관", "", True, ["작은도서관"]),
        ("고양시, 도서관 개관", "주민이 운영하는 작은 도서관이다.", True, ["작은도서관"]),
        ("마을도서관 개관", "새마을문고가 운영한다.", True, ["마을도서관", "새마을문고"]),
        ("작은도서관 개관", "작은도서관과 마을도서관", True, ["작은도서관", "마을도서관"]),
        ("시립도서관 개관", "책 10만 권을 갖췄다.", False, []),
        # A term may not straddle the title/body boundary.
        ("고양시 작은", "도서관 음악회", False, []),
        ("", "", False, []),
    ],
)
def test_is_relevant(title: str, body: str, relevant: bool, terms: list[str]) -> None:
    assert is_relevant(title, body) == (relevant, terms)


def test_default_terms_are_distinct_and_spaceless() -> None:
    assert len(set(DEFAULT_TERMS)) == len(DEFAULT_TERMS)
    assert all(term and " " not in term for term in DEFAULT_TERMS)
    assert not set(DEFAULT_TERMS) & set(RELATED_TERMS)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200), st.lists(st.text(max_size=8), max_size=5))
def test_match_terms_never_raises(text: str, terms: list[str]) -> None:
    found = match_terms(text, terms)
    assert len(found) == len(set(found))
    assert set(found) <= set(terms)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="작은도서관마을 \n가", max_size=40))
def test_match_terms_is_spacing_insensitive(text: str) -> None:
    squeezed = "".join(text.split())
    assert ("작은도서관" in match_terms(text)) == ("작은도서관" in squeezed)


_DEV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "regions_dev.tsv"


def test_board_titles_recall() -> None:
    """Measurement on the board's own titles (all about small libraries): the default terms
    must find more than half of them from the title alone (the rest name the topic only in
    the body)."""
    if not _DEV.is_file():
        pytest.skip("shared/data not available")
    with _DEV.open(encoding="utf-8") as handle:
        titles = [row["title"] for row in csv.DictReader(handle, delimiter="\t")]
    matched = sum(bool(match_terms(title)) for title in titles)
    assert len(titles) >= 500
    assert matched / len(titles) > 0.55
