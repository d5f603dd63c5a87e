"""Tests for clipper.extract (layered article extraction) and the ``clipper extract`` command."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector

from clipper import extract as extract_module
from clipper.cli import main
from clipper.extract import (
    Extracted,
    SiteRules,
    clean,
    clean_body_html,
    extract_article,
    fields,
    rules_for,
    scripts,
    strip_title_suffix,
)
from clipper.text.dates import KST

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "extract"
REALPAGES = Path(__file__).resolve().parents[1] / ".." / "shared" / "realpages"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=KST)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=KST)


# --- whole pages ------------------------------------------------------------------------------

PAGES = [
    pytest.param(
        "naver_modern.html",
        "https://n.news.naver.com/mnews/article/003/0000000001",
        {
            "title": "작은도서관 50곳에 책 나눔…시민 기부 이어져",
            "published": kst(2024, 3, 5, 9, 12, 30),
            "modified": kst(2024, 3, 5, 10, 1),
            "outlet": "뉴시스",
            "author": "박하늘 기자",
            "encoding": "utf-8",
        },
        ["[청주=뉴시스]박하늘 기자 = 충북 청주시는", "시 관계자는"],
        ["재판매", "도서 3천권 모여", "속보를 받아보세요", "document.write"],
        {"title": "site", "published": "site", "body": "site", "outlet": "site"},
        id="naver-modern",
    ),
    pytest.param(
        "naver_legacy_utf8_under_euckr.html",
        "https://news.naver.com/main/read.naver?mode=LSD&oid=001&aid=0000000002",
        {
            "title": "[가평소식] 군, 작은도서관 운영자 연수 열어",
            "published": kst(2016, 9, 7, 14, 5),
            "modified": kst(2016, 9, 7, 16, 40),
            "outlet": "연합뉴스",
            "author": "최다솜",
            "encoding": "utf-8",  # declared EUC-KR, holds UTF-8
        },
        ["(가평=연합뉴스) 경기 가평군은", "연수는 그림책"],
        ["flash", "_flash_removeCallback", "인기 기사 모음"],
        {"title": "site", "published": "site", "body": "site"},
        id="naver-legacy-utf8-under-euckr",
    ),
    pytest.param(
        "daum.html",
        "https://v.daum.net/v/20231101084600123",
        {
            "title": "섬마을 작은도서관, 배 타고 오는 책",
            "published": kst(2023, 11, 1, 8, 46),
            "modified": kst(2023, 11, 1, 9, 30),
            "outlet": "연합뉴스",
            "author": "한바다 기자",
        },
        ["섬마을 작은도서관에 매달", "장날처럼"],
        ["독자 제공"],
        {"title": "site", "published": "site", "body": "site"},
        id="daum",
    ),
    pytest.param(
        "local_cms_old_euckr.html",
        None,  # no URL: the layout is recognised from the markup
        {
            "title": "똠방골 작은도서관, 개관 10주년 잔치",
            "published": kst(2017, 12, 18, 17, 34),  # the 승인 time of the info line
            "modified": None,
            "outlet": "한울타리뉴스",
            "author": "한가을 기자",
            "encoding": "cp949",  # EUC-KR label, UHC-only syllable 똠
        },
        ["똠방골 작은도서관이 개관 10주년", "회원이 삼백 명"],
        ["잔치에 모인 주민들", "무단전재", "autumn@example.kr"],
        {"title": "site", "published": "site", "body": "site", "outlet": "site"},
        id="local-cms-old-skin-euckr-bytes",
    ),
    pytest.param(
        "local_cms_new.html",
        "https://www.example-local.kr/news/articleView.html?idxno=12",
        {
            "title": "동네 책방과 작은도서관, 함께 여는 북콘서트",
            "published": kst(2022, 9, 26, 8, 33),
            "modified": kst(2022, 9, 27, 11, 5),
            "outlet": "바른지역신문",
            "author": "윤솔 기자",
        },
        ["북콘서트를 연다.", "누구나 참여할 수 있다."],
        ["포스터", "무단전재", "다른기사 보기"],
        {"title": "site", "published": "site", "modified": "site", "body": "site"},
        id="local-cms-new-skin",
    ),
    pytest.param(
        "jsonld_only.html",
        "https://www.example.kr/article/1",
        {
            "title": '폐교가 작은도서관으로…"아이들 웃음소리 다시"',
            "published": kst(2019, 1, 7, 16, 47),
            "modified": kst(2019, 1, 8, 9, 0),
            "outlet": "새벽경제",
            "author": "문가람, 서이든",
        },
        ["폐교가 주민들이 운영하는", "다시 들린다"],
        ["홈"],
        {"title": "jsonld", "published": "jsonld", "body": "jsonld", "outlet": "jsonld"},
        id="jsonld-graph-only",
    ),
    pytest.param(
        "meta_only.html",
        None,
        {
            # og:title "…-사회ㅣ한빛일보": section and outlet (after a Hangul ㅣ) removed.
            "title": "어르신 한글교실, 작은도서관서 첫 졸업식",
            "published": kst(2025, 5, 15, 20, 0, 52),
            "outlet": "한빛일보",  # og:site_name is a slogan
            "author": "이서윤 기자",
        },
        ["첫 졸업생 열두 명", "편지를 써 보냈다"],
        ["많이 본 뉴스", "등록번호", "사회"],
        {"title": "meta", "published": "meta", "body": "text", "outlet": "meta"},
        id="meta-only",
    ),
    pytest.param(
        "nextjs.html",
        None,
        {
            "title": "주말마다 문 여는 아파트 작은도서관",
            "published": kst(2025, 6, 4, 2, 37, 8),
            "outlet": "미래투데이",
        },
        ["아파트 단지가 주말마다", '"주말 이용객이 평일의 두 배"'],
        ["불러오는 중", "<p>"],
        {"body": "script"},
        id="nextjs-escaped-json",
    ),
    pytest.param(
        "no_charset_cp949.html",
        None,
        {"published": kst(2009, 1, 5, 10, 30), "encoding": "cp949", "outlet": ""},
        ["독서교실 참가자를 모집한다", "화요일과 목요일"],
        ["입력 2009"],
        {"published": "text", "body": "text"},
        id="no-declaration-cp949",
    ),
    pytest.param(
        "naver_changed_layout.html",
        "https://n.news.naver.com/mnews/article/421/0000000003",
        {
            "title": "작은도서관 지원 조례 개정안 통과",
            "published": kst(2026, 2, 10, 15, 20),
            "outlet": "뉴스1",
            "author": "",
        },
        ["부산시의회는 작은도서관", "두 배로 늘 것으로"],
        [],
        # The Naver selectors match nothing here: every field falls back, and says so.
        {"title": "meta", "published": "meta", "body": "text"},
        id="naver-layout-changed",
    ),
]


@pytest.mark.parametrize(("name", "url", "fields", "body_has", "body_lacks", "sources"), PAGES)
def test_fixture_pages(name, url, fields, body_has, body_lacks, sources):
    got = extract_article(fixture(name), url, now=NOW)
    for field, want in fields.items():
        assert getattr(got, field) == want, field
    for text in body_has:
        assert text in got.body
    for text in body_lacks:
        assert text not in got.body
    for field, layer in sources.items():
        assert got.fields_from.get(field) == layer, field
    # Paragraphs are separated by exactly one blank line, never more.
    assert "\n\n\n" not in got.body
    assert got.body == got.body.strip()


def test_changed_layout_uses_no_site_field():
    got = extract_article(
        fixture("naver_changed_layout.html"), "https://n.news.naver.com/mnews/article/421/1"
    )
    assert "site" not in {got.fields_from[f] for f in ("title", "published", "body")}
    # Only og:article:author "뉴스1 | 네이버" remained for the outlet.
    assert got.outlet == "뉴스1"


def test_published_raw_is_kept():
    got = extract_article(fixture("naver_legacy_utf8_under_euckr.html"), "https://news.naver.com/x")
    assert got.published_raw == "2016.09.07. 오후 2:05"


def test_declared_encoding_is_used():
    body = "<html><body><h1>작은도서관 소식</h1></body></html>".encode("cp949")
    assert extract_article(body, declared_encoding="euc-kr").encoding == "cp949"
    assert extract_article(body.decode("cp949")).encoding == ""


# --- site rules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "markup", "want"),
    [
        ("https://n.news.naver.com/mnews/article/001/1", "", extract_module.NAVER_RULES),
        ("https://m.news.naver.com/read.nhn?oid=1", "", extract_module.NAVER_RULES),
        ("https://news.naver.com/main/read.naver?oid=1", "", extract_module.NAVER_RULES),
        ("https://v.daum.net/v/20231101084600123", "", extract_module.DAUM_RULES),
        ("http://www.any.kr/news/articleView.html?idxno=3", "", extract_module.LOCAL_CMS_RULES),
        (None, '<div id="article-view-content-div">x</div>', extract_module.LOCAL_CMS_RULES),
        (None, '<article id="dic_area">x</article>', extract_module.NAVER_RULES),
        ("https://notnaver.com/a", "<p>x</p>", None),
        ("https://evil-news.naver.com.example/a", "", None),
        (None, "", None),
    ],
)
def test_rules_for(url, markup, want):
    from parsel import Selector

    assert rules_for(url, Selector(text=markup or "<p></p>")) is want


def test_custom_site_rules_with_xpath_and_attributes():
    page = """<html><body>
      <div class="hd"><span class="t">작은도서관 축제</span></div>
      <div class="when" data-ts="2021-04-01 10:00:00">어제</div>
      <dl><dt>글쓴이</dt><dd>오누리 기자</dd></dl>
      <div class="txt">첫 문단이다.<br><br>둘째 문단이다.</div>
    </body></html>"""
    rules = SiteRules(
        title="div.hd span.t",
        published="div.when::attr(data-ts)",
        author="//dt[.='글쓴이']/following-sibling::dd[1]",
        body="div.txt",
    )
    got = extract_article(page, site_rules=rules, now=NOW)
    assert (got.title, got.published, got.author) == (
        "작은도서관 축제",
        kst(2021, 4, 1, 10),
        "오누리 기자",
    )
    assert got.body == "첫 문단이다.\n\n둘째 문단이다."
    assert set(got.fields_from.values()) == {"site"}


def test_bad_selector_in_rules_degrades():
    rules = SiteRules(title="div[[[", body="//*[", published="::nonsense")
    page = '<html><head><meta property="og:title" content="작은도서관 기사"></head></html>'
    got = extract_article(page, site_rules=rules)
    assert got.title == "작은도서관 기사"
    assert got.fields_from["title"] == "meta"


@pytest.mark.parametrize(
    ("items", "published", "modified"),
    [
        # 입력 wins over 승인, 수정 is only ever the modification time.
        (
            ["수정 2022.09.27 11:05", "입력 2022.09.26 08:33"],
            kst(2022, 9, 26, 8, 33),
            kst(2022, 9, 27, 11, 5),
        ),
        (["승인 2017.12.18 17:34", "입력 2017.12.18 17:30"], kst(2017, 12, 18, 17, 30), None),
        (["승인 2017.12.18 17:34"], kst(2017, 12, 18, 17, 34), None),
        (["기자명 홍길동 기자", "수정 2022.09.27 11:05"], None, kst(2022, 9, 27, 11, 5)),
        (["댓글 0", "조회수 120"], None, None),
    ],
)
def test_local_cms_date_labels(items, published, modified):
    lis = "".join(f"<li>{item}</li>" for item in items)
    page = f'<html><body><ul class="infomation">{lis}</ul><article id="article-view-content-div"><p>본문</p></article></body></html>'
    got = extract_article(page, "http://www.any.kr/news/articleView.html?idxno=1", now=NOW)
    assert (got.published, got.modified) == (published, modified)


# --- JSON-LD ----------------------------------------------------------------------------------


def ld_page(*blobs: str, extra_head: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blobs)
    return f"<html><head>{extra_head}{scripts}</head><body></body></html>"


@pytest.mark.parametrize(
    ("blobs", "title", "published"),
    [
        (
            '{"@type": "NewsArticle", "headline": "가", "datePublished": "2020-01-02T03:04:05+09:00"}',
            "가",
            kst(2020, 1, 2, 3, 4, 5),
        ),
        ('[{"@type": "WebPage"}, {"@type": "Article", "headline": "나"}]', "나", None),
        (
            '{"@graph": [{"@type": "NewsArticle", "headline": "다", "datePublished": "2020-01-02"}]}',
            "다",
            kst(2020, 1, 2),
        ),
        # Trailing commas and a type list.
        (
            '{"@type": ["NewsArticle"], "headline": "라", "datePublished": "2021-05-05T10:00:00+0900",}',
            "라",
            kst(2021, 5, 5, 10),
        ),
        # Raw newline inside a string, entity-escaped quotes.
        ('{"@type": "NewsArticle", "headline": "&quot;마\n바&quot;"}', '"마 바"', None),
        # Two objects back to back.
        (
            '{"@type": "Organization", "name": "x"}{"@type": "NewsArticle", "headline": "사"}',
            "사",
            None,
        ),
        # Beyond repair: fields are salvaged by pattern.
        (
            '{"@type": "NewsArticle", "headline": "아", "datePublished": "2022-02-02T02:02:02+09:00", oops}',
            "아",
            kst(2022, 2, 2, 2, 2, 2),
        ),
        # Not an article: ignored.
        ('{"@type": "WebSite", "name": "자"}', "", None),
        ("not json at all", "", None),
        ("", "", None),
    ],
)
def test_jsonld_variants(blobs, title, published):
    got = extract_article(ld_page(blobs), now=NOW)
    assert got.title == title
    assert got.published == published
    if title:
        assert got.fields_from["title"] == "jsonld"


def test_jsonld_date_in_the_future_falls_back_to_meta():
    page = ld_page(
        '{"@type": "NewsArticle", "datePublished": "2030-01-01T00:00:00+09:00"}',
        extra_head='<meta property="article:published_time" content="2025-12-01T09:00:00+09:00">',
    )
    got = extract_article(page, now=NOW)
    assert got.published == kst(2025, 12, 1, 9)
    assert got.fields_from["published"] == "meta"


def test_short_jsonld_body_loses_to_page_text():
    paragraphs = "".join(
        f"<p>작은도서관 자원봉사자들이 {n}번째 이야기 모임을 열고 이웃과 책을 나눴다.</p>"
        for n in range(6)
    )
    page = ld_page(
        '{"@type": "NewsArticle", "headline": "제목", "articleBody": "요약 한 줄."}'
    ).replace("<body></body>", f"<body><div class='news'>{paragraphs}</div></body>")
    got = extract_article(page)
    assert got.fields_from["body"] == "text"
    assert got.body.count("\n\n") == 5


# --- titles and outlets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "known", "title", "suffix"),
    [
        ("왜 싸우나... 이재명 | 한국일보", [], "왜 싸우나... 이재명", "한국일보"),
        ("정치 신화 - 매일경제", ["매일경제"], "정치 신화", "매일경제"),
        ("'국민 통합' 외친 이재명-정치ㅣ한국일보", [], "'국민 통합' 외친 이재명", "한국일보"),
        ("기사 제목 : 네이버 뉴스", [], "기사 제목", "네이버 뉴스"),
        ("철밥통 없다 - 머니투데이 뉴스", [], "철밥통 없다", "머니투데이 뉴스"),
        ("동네 책방 < 사회 < 기사본문 - 바른지역신문", [], "동네 책방", "바른지역신문"),
        ("동네 소식 | 가나다", ["가나다"], "동네 소식", "가나다"),
        # Not an outlet after the dash: the title stays whole.
        ("군-초록우산어린이재단, 아동복지 협약", [], "군-초록우산어린이재단, 아동복지 협약", ""),
        ("서울 - 부산 고속도로 개통", [], "서울 - 부산 고속도로 개통", ""),
        ("한국일보", [], "한국일보", ""),
        ("", [], "", ""),
    ],
)
def test_strip_title_suffix(raw, known, title, suffix):
    assert strip_title_suffix(raw, known) == (title, suffix)


def meta_page(**meta: str) -> str:
    """``og_site_name="x"`` → ``<meta property="og:site_name" content="x">``."""
    tags = "".join(
        f'<meta property="{k.replace("og_", "og:", 1).replace("article_", "article:", 1)}" content="{v}">'
        for k, v in meta.items()
    )
    return f"<html><head>{tags}</head><body></body></html>"


@pytest.mark.parametrize(
    ("page", "url", "outlet"),
    [
        (meta_page(og_site_name="한국일보"), None, "한국일보"),
        # Naver: the outlet is left of the pipe; on Naver Sports right of it.
        (meta_page(og_article_author="뉴시스 | 네이버"), None, "뉴시스"),
        (meta_page(og_article_author="네이버 스포츠 | 연합뉴스"), None, "연합뉴스"),
        # A slogan in og:site_name is skipped for the title suffix.
        (
            meta_page(
                og_site_name="세상을 바꾸는 정직한 목소리, 늘 함께", og_title="제목 - 새날일보"
            ),
            None,
            "새날일보",
        ),
        # The registry spells an outlet its canonical way.
        (meta_page(og_site_name="매경"), None, "매일경제"),
        # Only the URL is left: the registry knows the domain.
        (meta_page(og_title="제목"), "https://www.hankookilbo.com/News/Read/A1", "한국일보"),
        (meta_page(og_title="제목"), "https://unknown.example/a", ""),
    ],
)
def test_outlet_candidates(page, url, outlet):
    assert extract_article(page, url).outlet == outlet


def test_outlet_without_registry(monkeypatch):
    # clipper.text.outlets missing (or broken): raw names still come through.
    monkeypatch.setattr(fields, "_registry", lambda: None)
    page = meta_page(og_site_name="매경", og_title="제목")
    assert extract_article(page, "https://www.hankookilbo.com/News/Read/A1").outlet == "매경"
    got = extract_article(fixture("naver_modern.html"))
    assert got.outlet == "뉴시스"


# --- body cleaning ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "body"),
    [
        ("<div>첫째.<br><br>둘째.<br/>셋째.</div>", "첫째.\n\n둘째.\n\n셋째."),
        ("<div><p>가</p><p>  나 \n 다 </p><p></p></div>", "가\n\n나 다"),
        ('<div><em class="img_desc">사진 설명</em>본문</div>', "본문"),
        ('<div><strong class="media_end_summary">요약</strong>본문</div>', "본문"),
        ("<div><figure><img><figcaption>캡션</figcaption></figure>본문</div>", "본문"),
        ("<div>본문<br><br>ⓒ 가상일보 무단전재 및 재배포 금지</div>", "본문"),
        ("<div>본문<br><br>▶ 다른 기사 보러 가기</div>", "본문"),
        ('<div>본문<br><br><a href="/x">클릭하세요</a><br><br></div>', "본문"),
        # A link inside a sentence is text.
        (
            '<div>작은도서관 <a href="/x">누리집</a>에서 신청한다.</div>',
            "작은도서관 누리집에서 신청한다.",
        ),
        ('<div>본문<script>var a = "스크립트";</script><!-- 주석 --></div>', "본문"),
        (
            '<div>본문<div class="ad-box">광고 문구</div><div class="related-news">관련</div></div>',
            "본문",
        ),
        ("<div>본문&nbsp;계속<blockquote>인용</blockquote></div>", "본문 계속"),
        ("", ""),
        ("<div><br><br></div>", ""),
    ],
)
def test_clean_body_html(fragment, body):
    assert clean_body_html(fragment) == body


def test_noise_class_on_the_main_wrapper_is_kept():
    # A wrapper named like a photo box but holding the article is not dropped.
    text = "작은도서관에 새 책이 들어왔다. " * 15
    fragment = f'<div><div class="photo_article_body"><p>{text}</p></div><div class="photo">사진</div></div>'
    assert clean_body_html(fragment) == text.strip()


# --- Next.js and other script bodies ------------------------------------------------------------


def test_body_in_next_app_router_push():
    # App-router pages push JSON as an escaped string inside a JS call: two escape levels.
    inner = json.dumps(
        {
            "articleBody": "도서관 이야기 첫 문단이다. 아이들이 모인다.\n둘째 문단도 충분히 길게 이어진다. 어른들도 함께 책을 읽는다."
        },
        ensure_ascii=False,
    )
    script = f"self.__next_f.push([1,{json.dumps(inner, ensure_ascii=False)}])"
    page = f'<html><head><meta property="og:title" content="제목"></head><body><div id="__next"></div><script>{script}</script></body></html>'
    got = extract_article(page)
    assert got.fields_from["body"] == "script"
    assert got.body.startswith("도서관 이야기 첫 문단이다.")
    assert "둘째 문단도" in got.body
    assert "\\" not in got.body


def test_script_body_does_not_override_a_real_body():
    page = fixture("naver_modern.html").replace(
        b"</body>",
        b'<script>var cfg = {"content": "short promotional text that is long enough to be considered a body by the detector"};</script></body>',
    )
    assert (
        extract_article(page, "https://n.news.naver.com/mnews/article/003/1").fields_from["body"]
        == "site"
    )


# --- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\x00\x00",
        b"<html><body><div",
        b"<<<>>>",
        "<html>" * 3000,
        b"<?xml version='1.0'?><rss><channel><item><title>x</title></item></channel></rss>",
        '<script type="application/ld+json">' + "[" * 5000 + "</script>",
        '<script id="__NEXT_DATA__" type="application/json">{"content": "'
        + "\\" * 999
        + '"}</script>',
        '<meta property="article:published_time" content="2026-99-99T99:99:99+09:00">',
        "<div>" * 2000 + "본문" + "</div>" * 2000,
    ],
)
def test_broken_pages_give_empty_fields(body):
    got = extract_article(body, "https://n.news.naver.com/mnews/article/001/1", now=NOW)
    assert isinstance(got, Extracted)
    assert got.published is None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(body):
    got = extract_article(body, "https://example.kr/news/articleView.html?idxno=1")
    assert isinstance(got, Extracted)
    assert isinstance(got.body, str)


HTMLISH = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<br>",
            "<div class='ad'>",
            "</div>",
            "<script>",
            "</script>",
            '<meta property="og:title" content="',
            '">',
            '<script type="application/ld+json">',
            '{"@type": "NewsArticle", "headline": "',
            '"}',
            "입력 2024.01.02 ",
            "작은도서관 ",
            "&amp;",
            "ㅣ",
            " - ",
            "\\",
            '"',
            "<a href='x'>",
            "</a>",
            "\x00",
        ]
    ),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HTMLISH)
def test_arbitrary_markup_never_raises(text):
    got = extract_article(text, "https://n.news.naver.com/mnews/article/001/1", now=NOW)
    assert isinstance(got, Extracted)
    assert got.published is None or got.published <= NOW


# --- CLI ----------------------------------------------------------------------------------------


def test_cli_prints_json():
    result = CliRunner().invoke(
        main,
        [
            "extract",
            str(FIXTURES / "local_cms_old_euckr.html"),
            "--url",
            "http://www.example.kr/news/articleView.html?idxno=9",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["title"] == "똠방골 작은도서관, 개관 10주년 잔치"
    assert data["published"] == "2017-12-18T17:34:00+09:00"
    assert data["modified"] is None
    assert data["encoding"] == "cp949"
    assert data["outlet"] == "한울타리뉴스"
    assert "똠방골" in result.output  # not \uXXXX-escaped
    assert set(data) >= {"title", "published", "modified", "outlet", "author", "body", "encoding"}


def test_cli_missing_file():
    result = CliRunner().invoke(main, ["extract", "/no/such/page.html"])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# --- the saved real pages -----------------------------------------------------------------------


def real_cases() -> list[dict]:
    index = REALPAGES / "index.jsonl"
    if not index.exists():
        return []
    return [
        json.loads(line) for line in index.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.mark.parametrize("case", real_cases() or [None], ids=lambda c: c["file"] if c else "absent")
def test_real_article_pages(case):
    if case is None:
        pytest.skip("shared/realpages not available")
    got = extract_article((REALPAGES / case["file"]).read_bytes(), case["url"])
    assert " ".join(got.title.split()) == " ".join(case["title"].split())
    assert got.published is not None
    assert abs(got.published - datetime.fromisoformat(case["published"])).total_seconds() <= 600
    assert got.outlet in case["outlet"]
    # A photo story's whole text is its caption paragraph: short, but the article's own.
    assert len(got.body) >= 100


# --- cleaning: drop lists as one compiled XPath on the lxml tree ---------------------------------


@pytest.mark.parametrize(
    ("fragment", "drop", "body"),
    [
        ('<div>가<span hidden>숨김</span>나<i aria-hidden="true">아이콘</i>다</div>', "", "가나다"),
        (
            '<div>본문<div style="color:red; display: none">숨은 글</div>'
            '<p style="display:none">또</p></div>',
            "",
            "본문",
        ),
        # Class names match case-sensitively.
        (
            '<div><p>첫째</p><div class="IMGFLOATING">사진</div><div class="imgfloating">소문자</div></div>',
            "div.IMGFLOATING",
            "첫째\n\n소문자",
        ),
        (
            '<div><p>첫째</p><span data-x="1">데이터</span><span id="x">아이디</span></div>',
            "[data-x], #x",
            "첫째",
        ),
        # Pseudo-classes and combinators are CSS too (cssselect translates them).
        ("<div><p>첫째</p><p class='x'>둘째</p><p>셋째</p></div>", "p:first-child", "둘째\n\n셋째"),
        # A broken drop rule never costs the body: the fragment is read by stripping tags.
        ('<div><p>첫째</p><div class="2col">둘째</div></div>', "div.2col", "첫째\n\n둘째"),
        # A link alone on its line, even inside <b>, is a promo; one inside a line is text.
        (
            '<div>본문 <a href="/x">링크</a><br>둘째 줄<br><b><a href="/y">더 보기</a></b><br></div>',
            "",
            "본문 링크\n\n둘째 줄",
        ),
        ("<div>한 줄\n\t이어진다<br>다음 줄</div>", "", "한 줄 이어진다\n\n다음 줄"),
    ],
)
def test_clean_body_html_drops(fragment, drop, body):
    assert clean_body_html(fragment, drop) == body


@pytest.mark.parametrize("depth", [3000, 5000, 50_000])
def test_clean_body_html_on_deeply_nested_markup(depth):
    # No recursion: thousands of nested blocks are walked, not recursed into; past libxml2's
    # depth limit (2,048) the wrappers are flattened instead of the text being cut off.
    assert clean_body_html("<div>" * depth + "깊은 본문" + "</div>" * depth) == "깊은 본문"


def test_clean_body_html_combinator_in_a_site_drop():
    fragment = "<div><div class='box'><p>상자 속</p></div><p>본문</p><p class='note'>덧</p></div>"
    assert clean_body_html(fragment, "div.box > p, p.note") == "본문"


def test_cleaning_elements_leaves_the_page_tree_alone():
    from clipper.extract.clean import clean_body_elements
    from clipper.extract.page import parse_html

    root = parse_html(
        "<div id='a'><figure>사진</figure><p class='ad'>광고</p><p>본문 <a href='/x'>링크</a></p>"
        "<!-- 주석 --><p><a href='/y'>관련 기사</a></p></div>"
    )
    before = etree.tostring(root, encoding="unicode")
    assert clean_body_elements(root.xpath("//div[@id='a']")) == "본문 링크"
    assert etree.tostring(root, encoding="unicode") == before


def _deep_page(depth: int, wrapper: str = "<div>") -> str:
    paragraph = "<p>" + "작은도서관이 주민과 함께 책 읽기 모임을 열었다고 밝혔다. " * 4 + "</p>"
    return (
        "<html><head><title>작은도서관 책 잔치 - 한빛일보</title>"
        '<meta property="article:published_time" content="2026-02-27T09:30:00+09:00"></head>'
        "<body>" + wrapper * depth + "<h1>작은도서관 책 잔치</h1>"
        '<div id="article-view-content-div">' + paragraph * 3 + "</div>"
        + "</div>" * depth + "<footer>끝</footer></body></html>"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("depth", "wrapper", "layer"),
    [
        (5000, "<div>", "site"),
        (50_000, "<div>", "site"),
        # Wrappers with attributes: flattened too (the article's own div with them).
        (5000, '<div class="w">', "text"),
    ],
)
def test_pages_nested_thousands_deep_are_extracted(depth, wrapper, layer):
    # libxml2 stops at a depth of 2,048: without flattening, the article after the wrappers
    # was silently lost (an empty body); nothing here may raise either.
    got = extract_article(
        _deep_page(depth, wrapper), "https://www.example.kr/news/articleView.html?idxno=1"
    )
    assert got.title == "작은도서관 책 잔치"
    assert got.published is not None
    assert got.body.count("책 읽기 모임을 열었다고 밝혔다.") == 12
    assert got.fields_from["body"] == layer


def test_the_body_fragment_is_cleaned_once_per_page(monkeypatch):
    # The CMS body is also itemprop=articleBody; once the site layer has the body, the
    # microdata and text layers do not clean it again.
    calls = []
    original = clean._body_text
    monkeypatch.setattr(clean, "_body_text", lambda *a: calls.append(a) or original(*a))
    page = fixture("local_cms_new.html").replace(
        b'id="article-view-content-div"', b'id="article-view-content-div" itemprop="articleBody"'
    )
    got = extract_article(page, "https://www.example-local.kr/news/articleView.html?idxno=12")
    assert got.fields_from["body"] == "site"
    assert len(calls) == 1


# --- the URL a page declares ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "canonical"),
    [
        ('<link rel="canonical" href="https://a.example/news/1">', "https://a.example/news/1"),
        ('<link rel="alternate canonical" href="/news/2">', "/news/2"),  # as written
        # An empty href gives way to og:url; a blank one is what the page says (nothing).
        (
            '<link rel="canonical" href=""><meta property="og:url" content="https://b.example/3">',
            "https://b.example/3",
        ),
        ('<link rel="canonical" href="  "><meta property="og:url" content="x">', "  "),
        (
            '<meta property="og:url"><meta property="og:url" content="https://c.example/4">',
            "https://c.example/4",
        ),
        ('<meta name="og:url" content="https://d.example/5">', ""),  # property only
        ('<link rel="alternate" href="https://e.example/6">', ""),
        ("", ""),
    ],
)
def test_canonical_is_the_declared_url(head, canonical):
    page = f"<html><head>{head}</head><body><p>본문</p></body></html>"
    assert extract_article(page).canonical == canonical


# --- scripts: only those that can hold a body are searched -------------------------------------


@pytest.mark.parametrize(
    ("script", "may"),
    [
        ("(adsbygoogle = window.adsbygoogle || []).push({});", False),
        ('var c = {"banner1": "x", "slot2": "y"}; document.body.appendChild(c);', False),
        ('var cfg = {"content": "본문"};', True),
        ('{"props": {"text": 1}}', True),
        ('self.__next_f.push([1,"{\\"articleBody\\": \\"x\\"}"])', True),
        ('{"props": {"title": 1}}', False),  # JSON, but no body key
    ],
)
def test_may_hold_body(script, may):
    assert scripts._may_hold_body(script) is may


SCRIPT_TOKENS = ['{"', '"', "content", "articleBody", "text", ":", " ", "\\", '\\"', "{", "[",
                 "}", "본문 문장이 길게 이어진다 " * 4, "var a = ", ";", "<p>", "</p>", "\\n"]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SCRIPT_TOKENS), max_size=40).map("".join))
def test_scripts_skipped_by_the_filter_hold_no_body(script):
    if not scripts._may_hold_body(script):
        assert list(scripts._script_bodies(script)) == []


# --- script payloads: Arc XP's Fusion.globalContent ----------------------------------------------


def _arc_page(content: dict, *, meta_published: str = "2024-03-05T00:40:00Z") -> str:
    related = {"type": "story", "headlines": {"basic": "다른 기사 제목"}, "content_elements": []}
    return (
        "<html><head><title>마을 책방 이야기 - 한빛일보</title>"
        '<meta property="og:site_name" content="한빛일보">'
        f'<meta property="article:published_time" content="{meta_published}">'
        '<meta property="article:author" content="한빛일보">'
        "</head><body><div id='fusion-app'></div>"
        f"<script>Fusion=window.Fusion||{{}};Fusion.globalContent={json.dumps(content)};"
        f"Fusion.contentCache={{'related':{json.dumps(related)}}};</script></body></html>"
    )


ARC_STORY = {
    "type": "story",
    "headlines": {"basic": "골목 작은도서관, 주민 손으로 다시 문 열어"},
    "created_date": "2024-03-05T00:40:00.100Z",
    "first_publish_date": "2024-03-05T01:05:30.500Z",
    "display_date": "2024-03-05T01:20:00Z",
    "last_updated_date": "2024-03-05T03:00:00Z",
    "distributor": {"name": "Sports Chosun"},
    "credits": {"by": [{"byline": "스포츠조선 = 김도란 기자", "name": "스포츠조선 = 김도란 기자"}]},
    "content_elements": [
        {"type": "image", "caption": "도서관 전경 사진 설명"},
        {"type": "text", "content": "문을 닫았던 골목 작은도서관이 주민들의 모금으로 다시 열렸다."},
        {"type": "raw_html", "content": "<div class='ad'>광고: 오늘의 다른 소식</div>"},
        {"type": "text", "content": "주민 <b>서른 명</b>이 돌아가며 사서를 맡고, 주말에는 어린이 "
         "책 읽기 모임이 열린다. 운영위원장은 \"동네 사랑방이 돌아왔다\"고 말했다."},
    ],
}  # fmt: skip


def test_arc_payload_gives_the_story_fields():
    got = extract_article(_arc_page(ARC_STORY), "https://www.hanbit.example/culture/2024/03/05/X/")
    assert got.title == "골목 작은도서관, 주민 손으로 다시 문 열어"
    # first_publish_date, not created_date (which the meta tag copies, 25 minutes early).
    assert got.published == datetime(2024, 3, 5, 10, 5, 30, 500000, tzinfo=KST)
    assert got.fields_from["published"] == "script"
    # A syndicated copy names its own outlet, not the host's.
    assert got.outlet == "스포츠조선"
    assert got.author == "김도란 기자"
    assert "주민 서른 명이 돌아가며" in got.body
    for chrome in ("광고", "사진 설명", "다른 기사"):
        assert chrome not in got.body


def test_arc_dateline_byline_names_the_outlet_on_either_side():
    story = dict(
        ARC_STORY, distributor={}, credits={"by": [{"byline": "(서울=연합뉴스) 김도란 기자"}]}
    )
    assert extract_article(_arc_page(story), None).outlet == "연합뉴스"
    story["credits"] = {"by": [{"byline": "[OSEN=대전, 김도란 기자]"}]}
    assert extract_article(_arc_page(story), None).outlet == "OSEN"


def test_broken_arc_payload_falls_back_to_the_page():
    page = _arc_page(ARC_STORY).replace("Fusion.globalContent={", "Fusion.globalContent={{")
    got = extract_article(page, None)
    assert got.title == "마을 책방 이야기"
    assert got.published == datetime(2024, 3, 5, 9, 40, tzinfo=KST)


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="og:title" content="한 총리 &amp;quot;도서관 예산 늘린다&amp;quot;">',
        '<script type="application/ld+json">{"@type":"NewsArticle",'
        '"headline":"한 총리 &amp;quot;도서관 예산 늘린다&amp;quot;",}}</script>',
    ],
)
def test_titles_escaped_twice_are_unescaped(head):
    got = extract_article(f"<html><head>{head}</head><body><p>본문</p></body></html>", None)
    assert got.title == '한 총리 "도서관 예산 늘린다"'


def test_symbol_led_lines_are_promos_only_with_promo_words():
    fragment = (
        "<div><p>◇ 진행자: 도서관은 어떻게 운영됩니까?</p><p>◆ 관장: 주민 서른 명이 돌아가며 맡습니다.</p>"
        "<p>■ 관련기사</p><p>◆ 많이 본 뉴스</p><p>▶ 구독하기</p></div>"
    )
    assert clean_body_html(fragment) == (
        "◇ 진행자: 도서관은 어떻게 운영됩니까?\n\n◆ 관장: 주민 서른 명이 돌아가며 맡습니다."
    )


def test_photo_zoom_labels_are_not_body_text():
    fragment = (
        "<div><p>이미지 확대하기</p><p>작은도서관 개관식이 열렸다.</p><p>사진 크게보기</p>"
        "<p>확대보기</p><p>주민들이 책을 기증했다. 확대하기 버튼은 없다.</p></div>"
    )
    assert clean_body_html(fragment) == (
        "작은도서관 개관식이 열렸다.\n\n주민들이 책을 기증했다. 확대하기 버튼은 없다."
    )


@pytest.mark.parametrize("site", ["한빛일보", "연합뉴스"])
def test_title_that_is_only_the_site_name_gives_way_to_the_heading(site):
    page = (
        f"<html><head><title>{site}</title><meta property='og:site_name' content='{site}'>"
        f"<meta property='og:title' content='{site}'></head><body>"
        f"<h1 class='logo'><a href='/'>{site}</a></h1><div class='art'>"
        "<h2 class='headline'>골목 작은도서관, 다시 문 열어</h2><p>"
        + "문을 닫았던 골목 작은도서관이 주민들의 모금으로 다시 열렸다. " * 5
        + "</p></div></body></html>"
    )
    assert extract_article(page, "https://www.hanbit.example/news/1").title == (
        "골목 작은도서관, 다시 문 열어"
    )


@pytest.mark.parametrize(
    ("meta", "published", "source"),
    [
        ("2024-03-05", datetime(2024, 3, 5, 14, 20, tzinfo=KST), "text"),  # date-only meta
        ("2024-03-05T14:20:00Z", datetime(2024, 3, 5, 14, 20, tzinfo=KST), "text"),  # Z on KST
        ("2024-03-05T05:20:00+09:00", datetime(2024, 3, 5, 14, 20, tzinfo=KST), "text"),  # reverse
        # Agreeing to the minute: the meta's seconds are kept; a real disagreement keeps meta.
        ("2024-03-05T14:20:31+09:00", datetime(2024, 3, 5, 14, 20, 31, tzinfo=KST), "meta"),
        ("2024-03-05T13:50:00+09:00", datetime(2024, 3, 5, 13, 50, tzinfo=KST), "meta"),
    ],
)
def test_structured_time_weighed_against_the_visible_one(meta, published, source):
    page = (
        "<html><head><meta property='og:title' content='골목 작은도서관 다시 문 열어'>"
        f"<meta property='article:published_time' content='{meta}'></head><body>"
        "<div class='info'>입력 2024.03.05 14:20</div><article><p>"
        + "문을 닫았던 골목 작은도서관이 주민들의 모금으로 다시 열렸다. " * 5
        + "</p></article></body></html>"
    )
    got = extract_article(page, "https://www.hanbit.example/news/1")
    assert got.published == published
    assert got.fields_from["published"] == source


@pytest.mark.parametrize("site", ["zum 뉴스", "네이트 뉴스", ""])
def test_portal_copy_names_the_outlet_of_its_dateline(site):
    page = (
        "<html><head><meta property='og:title' content='골목 작은도서관 다시 문 열어'>"
        f"<meta property='og:site_name' content='{site}'>"
        "<meta property='article:published_time' content='2024-03-05T14:20:00+09:00'></head>"
        "<body><div class='article_body'><p>(세종=연합뉴스) 김도란 기자 = 문을 닫았던 골목 "
        "작은도서관이 주민들의 모금으로 다시 열렸다.</p><p>"
        + "주민 서른 명이 돌아가며 사서를 맡고 주말에는 책 읽기 모임이 열린다. " * 4
        + "</p></div></body></html>"
    )
    assert extract_article(page, "https://news.portal.example/articles/1").outlet == "연합뉴스"


def test_page_selector_flattens_a_page_nested_past_the_parser_limit():
    from clipper.extract import page_selector

    text = _deep_page(5000)
    plain = Selector(text=text)
    assert not plain.css("#article-view-content-div")  # libxml2 stopped at 2,048 levels
    sel, flat = page_selector(text)
    assert sel.css("#article-view-content-div p")
    assert len(flat) < len(text)
    shallow = "<html><body><p>얕은 글</p></body></html>"
    assert page_selector(shallow)[1] == shallow
