"""Tests for clipper.text.boilerplate.strip_boilerplate."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.boilerplate import Cleaned, strip_boilerplate

STORY = "서울 마포구가 주민이 운영하는 작은도서관 세 곳을 새로 열었다고 13일 밝혔다."
STORY2 = "새 도서관은 평일 오후 9시까지 문을 열고 주말에는 어린이 독서교실을 운영한다."


@pytest.mark.parametrize(
    ("body", "expected", "author", "removed"),
    [
        # --- leading datelines ---
        (f"(서울=연합뉴스) 홍길동 기자 = {STORY}", STORY, "홍길동", ["dateline"]),
        (f"[서울=뉴시스]이현주 기자 = {STORY}", STORY, "이현주", ["dateline"]),
        (f"【서울=뉴시스】홍길동 기자 = {STORY}", STORY, "홍길동", ["dateline"]),
        (f"[OSEN=선미경 기자] {STORY}", STORY, "선미경", ["dateline"]),
        (f"(수원=뉴스1) 최대호 기자 = {STORY}", STORY, "최대호", ["dateline"]),
        (f"[대전=충청뉴스 김기자 기자] {STORY}", STORY, "김기자", ["dateline"]),
        (f"[아시아경제 박하늘 기자] {STORY}", STORY, "박하늘", ["dateline"]),
        (f"（서울＝연합뉴스） 홍길동 기자 ＝ {STORY}", STORY, "홍길동", ["dateline"]),
        (f"(서울=연합뉴스) 홍길동 김철수 기자 = {STORY}", STORY, "홍길동, 김철수", ["dateline"]),
        (f"[서울=뉴시스]홍길동·김철수 기자 = {STORY}", STORY, "홍길동, 김철수", ["dateline"]),
        (f"(서울=연합뉴스) 사회부 홍길동 기자 = {STORY}", STORY, "홍길동", ["dateline"]),
        (f"(연천=연합뉴스) {STORY}", STORY, "", ["dateline"]),
        (f"홍길동 기자 = {STORY}", STORY, "홍길동", ["dateline"]),
        # Dateline on its own line, after a subtitle.
        (
            f"작은도서관 3곳 개관\n\n(서울=연합뉴스) 홍길동 기자 =\n{STORY}",
            f"작은도서관 3곳 개관\n\n{STORY}",
            "홍길동",
            ["dateline"],
        ),
        # "[outlet name]" counts only when the same name signs the story as 기자.
        (
            f"[한국일간 정진영] {STORY}\n\n정진영 기자 jy@example.com",
            STORY,
            "정진영",
            ["dateline", "byline"],
        ),
        (f"[부산 영도구] {STORY}", f"[부산 영도구] {STORY}", "", []),
        # --- bylines and e-mails at the end ---
        (f"{STORY}\n\n최윤호 기자 uknow@example.com", STORY, "최윤호", ["byline"]),
        (f"{STORY}\n\n/정종엽 기자", STORY, "정종엽", ["byline"]),
        (f"{STORY} /정종엽 기자", STORY, "정종엽", ["byline"]),
        (f"{STORY} 홍길동 기자 hong@example.com", STORY, "홍길동", ["byline"]),
        (
            f"{STORY}\n\n[머니투데이방송 MTN = 유찬 기자 (yc@example.co.kr)]",
            STORY,
            "유찬",
            ["byline"],
        ),
        (f"{STORY}\n\n안채원 인턴기자", STORY, "안채원", ["byline"]),
        (f"{STORY}\n\n글·사진 홍길동 기자", STORY, "홍길동", ["byline"]),
        (f"{STORY}\n\n홍길동·김철수 기자", STORY, "홍길동, 김철수", ["byline"]),
        (f"{STORY}\n\nhong@example.com", STORY, "", ["email"]),
        (f"{STORY} hong@example.com", STORY, "", ["email"]),
        (
            f"{STORY}\n\n홍길동 기자 hong@example.com\n<저작권자 © 예시일보 무단전재 및 재배포 금지>"
            "\n홍길동 기자\n다른기사 보기",
            STORY,
            "홍길동",
            ["copyright", "byline"],
        ),
        # Dateline and byline with the same reporter give one name.
        (f"(서울=연합뉴스) 홍길동 기자 = {STORY}\n\nhong@example.com", STORY, "홍길동", None),
        # --- copyright ---
        (f"{STORY}\n\n<저작권자(c) 연합뉴스, 무단 전재-재배포 금지>", STORY, "", ["copyright"]),
        (f"{STORY}\n\nⓒ 예시신문 무단전재 및 재배포금지", STORY, "", ["copyright"]),
        (f"{STORY}\n\nCopyright © 2024 예시뉴스. All rights reserved.", STORY, "", ["copyright"]),
        (f"{STORY}\n\n무단 전재 및 재배포 금지", STORY, "", ["copyright"]),
        (f"{STORY} <저작권자 © 예시뉴스 무단전재 및 재배포 금지>", STORY, "", ["copyright"]),
        # --- captions ---
        (
            f"[서울=뉴시스] 13일 작은도서관 개관식 모습. (사진=마포구 제공) photo@example.com "
            f"*재판매 및 DB 금지\n\n[서울=뉴시스]이현주 기자 = {STORY}",
            STORY,
            "이현주",
            ["caption", "dateline"],
        ),
        (f"{STORY}\n\n(사진=마포구 제공)", STORY, "", ["caption"]),
        (f"{STORY}\n\n지난 13일 개관식 모습. (사진=마포구 제공)", STORY, "", ["caption"]),
        (f"{STORY}\n\n사진=마포구", STORY, "", ["caption"]),
        (f"{STORY}\n\n▲ 새로 문을 연 작은도서관 내부", STORY, "", ["caption"]),
        (
            f"{STORY}\n\n개관식에서 주민들이 테이프를 자르고 있다. /사진제공=마포구",
            STORY,
            "",
            ["caption"],
        ),
        # A credit after a story sentence: only the credit goes.
        (f"{STORY}(사진=마포구 제공)\n\n{STORY2}", f"{STORY}\n\n{STORY2}", "", ["caption"]),
        (f"{STORY} 사진=마포구", STORY, "", ["caption"]),
        (f"(사진=마포구 제공) {STORY}", STORY, "", ["caption"]),
        # --- promos and related articles ---
        (f"{STORY}\n\n▶ 네이버에서 예시일보를 구독하세요", STORY, "", ["promo"]),
        (f"{STORY}\n\n☞ 예시일보 기사 제보하기", STORY, "", ["promo"]),
        (f"{STORY}\n\n최신 소식 총집결 #도서관(클릭!)", STORY, "", ["promo"]),
        (
            f"{STORY}\n\n[관련기사]\n마포구, 작은도서관 지원 조례 제정\n작은도서관 수 1년새 10% 늘어",
            STORY,
            "",
            ["related"],
        ),
        (
            f"{STORY}\n\n[관련기사]\n\n마포구, 작은도서관 지원 조례 제정\n\n도서관 지원 늘린다",
            STORY,
            "",
            ["related"],
        ),
        (f"{STORY}\n\n[관련기사] 마포구, 작은도서관 지원 조례 제정", STORY, "", ["related"]),
        # A related block mid-body takes only its own paragraph.
        (
            f"{STORY}\n\n■ 관련기사\n마포구, 작은도서관 지원 조례 제정\n\n{STORY2}",
            f"{STORY}\n\n{STORY2}",
            "",
            ["related"],
        ),
        # --- board trailers ---
        (f"{STORY}\n\n※기사 전문은 원문링크를 통해 확인하세요.", STORY, "", ["trailer"]),
        (f"{STORY} [전문은 해당 뉴스사이트에서 확인가능합니다]", STORY, "", ["trailer"]),
    ],
)
def test_strip_boilerplate(
    body: str, expected: str, author: str, removed: list[str] | None
) -> None:
    cleaned = strip_boilerplate(body)
    assert cleaned.body == expected
    assert cleaned.author == author
    if removed is not None:
        assert cleaned.removed == removed


@pytest.mark.parametrize(
    "body",
    [
        # Names followed by 기자 inside the story.
        f"{STORY} 행사에는 홍길동 기자가 진행을 맡았다.\n\n{STORY2}",
        f"어린이 기자단 20명이 도서관을 취재했다. {STORY}",
        f"{STORY}\n\n김철수 기자는 이 도서관에서 10년째 봉사하고 있다.",
        # A long story paragraph that mentions copyright.
        f"{STORY} 출판계는 저작권자 보호를 위해 도서 무단 복제를 금지하는 캠페인을 벌인다고 밝혔다.",
        "저작권자의 허락 없이 책을 복사하면 안 된다고 사서는 설명했다. 주민들은 고개를 끄덕였다.",
        "도서관은 무단 전재를 막는 교육도 한다고 밝혔다.",
        # Bullets and lists that look like promos or captions.
        f"{STORY}\n\n▶일시: 5월 3일 오후 2시\n▶장소: 마포구 작은도서관",
        f"{STORY}\n\n△일시: 5월 3일 △장소: 작은도서관",
        "▲독서교실 ▲그림책 만들기 ▲작가와의 만남 등이 열린다.",
        # Story lines that start like a related-articles header.
        f"{STORY}\n\n관련 기사를 보면 작은도서관 수는 해마다 늘고 있다.\n이는 좋은 신호다.",
        # A mid-text (A=B) that is not at the start.
        f"{STORY} 참가비는 무료(단, 재료비=5천원)다.",
        # 전재산 is not 전재(reprint).
        "할머니는 전재산을 작은도서관에 기부했다.",
        # Dates without a photographer's stamp.
        f"{STORY} 행사는 2024.5.3/4 이틀간 열린다.",
    ],
)
def test_strip_boilerplate_leaves_story_intact(body: str) -> None:
    cleaned = strip_boilerplate(body)
    assert cleaned.body == body
    assert cleaned.removed == []
    assert cleaned.author == ""


def test_wire_photo_dateline_mid_text_is_not_the_author() -> None:
    body = (
        f"{STORY}\n\n"
        "(서울=뉴스1) 이광호 기자 = 시민들이 작은도서관에서 책을 읽고 있다. 2024.5.30/뉴스1\n\n"
        "【서울=뉴시스】최진석 기자 = 도서관 전경. 2018.10.18. cjs@example.com "
        "<저작권자ⓒ 공감언론 뉴시스통신사. 무단전재-재배포 금지.>\n\n"
        f"{STORY2}\n\n안채원 인턴기자"
    )
    cleaned = strip_boilerplate(body)
    assert cleaned.body == f"{STORY}\n\n{STORY2}"
    assert cleaned.author == "안채원"
    assert cleaned.removed == ["caption", "byline"]


def test_dateline_deep_in_text_is_not_taken() -> None:
    body = f"{STORY}\n\n(서울=연합뉴스) 홍길동 기자 = {STORY2}"
    cleaned = strip_boilerplate(body)
    assert cleaned.body == body
    assert cleaned.author == ""


def test_full_board_body() -> None:
    body = (
        "홈 | 뉴스 | 정치 | 경제 | 사회 | 문화\n\n"
        f"(서울=연합뉴스) 홍길동 기자 = {STORY}\n\n"
        "▲ 개관식 모습 (사진=마포구 제공)\n\n"
        f"{STORY2}\n\nadvertisement\n\n"
        "홍길동 기자 hong@example.com\n\n"
        "<저작권자(c) 연합뉴스, 무단 전재-재배포 금지>\n\n"
        "※ 기사전문은 원문링크를 클릭하세요"
    )
    cleaned = strip_boilerplate(body)
    assert cleaned == Cleaned(
        body=f"{STORY}\n\n{STORY2}",
        author="홍길동",
        removed=["trailer", "caption", "copyright", "dateline", "byline"],
    )


def test_whitespace_is_normalised() -> None:
    cleaned = strip_boilerplate(f"  {STORY}\r\n\r\n\r\n{STORY2}\u00a0 ")
    assert cleaned.body == f"{STORY}\n\n{STORY2}"


_PIECES = st.sampled_from(
    [
        STORY,
        STORY2,
        "(서울=연합뉴스) 홍길동 기자 =",
        "[OSEN=선미경 기자]",
        "홍길동 기자 hong@example.com",
        "/정종엽 기자",
        "<저작권자 © 예시 무단전재 및 재배포 금지>",
        "*재판매 및 DB 금지",
        "(사진=마포구 제공)",
        "▲",
        "▶",
        "[관련기사]",
        "※기사 전문은",
        "2024.5.30/뉴스1",
        "\n",
        "\n\n",
        " ",
        "\u2029",
        "\u3000",
        "=",
        "[",
        ")",
        "가",
    ]
)
_BODIES = st.one_of(st.lists(_PIECES, max_size=30).map("".join), st.text(max_size=200))


@settings(max_examples=300, deadline=None)
@given(_BODIES)
def test_strip_boilerplate_properties(body: str) -> None:
    cleaned = strip_boilerplate(body)
    assert len(cleaned.body) <= len(body)
    assert set(cleaned.removed) <= {
        "trailer",
        "caption",
        "copyright",
        "promo",
        "related",
        "dateline",
        "byline",
        "email",
    }
    assert len(cleaned.removed) == len(set(cleaned.removed))
    # The author is made of names only.
    assert all(name.strip() and " " not in name for name in cleaned.author.split(", ") if name)


# --- real pages (measurement; skipped without the shared folder) --------------------------

_REALPAGES = Path(__file__).resolve().parents[1] / ".." / "shared" / "realpages"


def _real_body(name: str, selector: str) -> str:
    if not (_REALPAGES / name).is_file():
        pytest.skip("shared/realpages not available")
    bs4 = pytest.importorskip("bs4")
    raw = (_REALPAGES / name).read_bytes()
    try:
        html = raw.decode("utf-8")
    except UnicodeDecodeError:
        html = raw.decode("cp949", errors="replace")
    element = bs4.BeautifulSoup(html, "lxml").select_one(selector)
    assert element is not None
    for script in element.select("script, style"):
        script.decompose()
    return element.get_text("\n")


@pytest.mark.parametrize(
    ("name", "selector", "author", "gone"),
    [
        # Naver copy of a wire story: captions above the dateline, dateline mid-line.
        ("25-naver-modern-newsis-2024.html", "article#dic_area", "이현주", ["DB 금지", "기자 ="]),
        # Local CMS: "[outlet name]" dateline confirmed by the closing byline.
        (
            "01-sporbiz-ndsoft-2017-taeyang.html",
            "#article-view-content-div",
            "정진영",
            ["저작권자", "@", "다른기사"],
        ),
        # A wire photo caption with another outlet's reporter; the intern signs the story.
        ("09-moneytoday-2019-utf8.html", "#textBody", "안채원", ["뉴시스통신사", "@"]),
    ],
)
def test_real_pages(name: str, selector: str, author: str, gone: list[str]) -> None:
    raw = _real_body(name, selector)
    cleaned = strip_boilerplate(raw)
    assert cleaned.author == author
    for text in gone:
        assert text not in cleaned.body
    # The story survives: its longest line is kept whole and most of the text stays.
    longest = max((" ".join(line.split()) for line in raw.splitlines()), key=len)
    assert longest in cleaned.body
    assert len(cleaned.body) > 0.6 * len(" ".join(raw.split()))


def test_board_body_through_repeats_then_boilerplate() -> None:
    """The order the pipelines use: repeated text first, then boilerplate."""
    from clipper.text.paragraphs import drop_repeated_paragraphs

    note = "※기사 전문은 원문링크를 통해 확인하세요."
    board = (
        f"(서울=뉴스1) 최대호 기자 = {STORY}\n\n{STORY2}\n\n최대호 기자 choi@example.com\n\n"
        f"{STORY2}\n\n최대호 기자 choi@example.com\n\n{note}\n\n{note}"
    )
    deduped, removed = drop_repeated_paragraphs(board)
    assert removed == 3
    cleaned = strip_boilerplate(deduped)
    assert cleaned.body == f"{STORY}\n\n{STORY2}"
    assert cleaned.author == "최대호"
    assert cleaned.removed == ["trailer", "dateline", "byline"]
