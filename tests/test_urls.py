"""Canonical URLs: every link to one article gives one string."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.urls import canonical_url, daum_id, declared_canonical, naver_ids

NAVER = "https://n.news.naver.com/mnews/article/003/0012345678"

CASES = [
    # Naver, every form of one article.
    ("https://n.news.naver.com/mnews/article/003/0012345678?sid=102", NAVER),
    ("https://n.news.naver.com/article/003/0012345678", NAVER),
    ("https://m.news.naver.com/article/003/0012345678?sid=102&ntype=RANKING", NAVER),
    ("https://news.naver.com/main/read.naver?mode=LSD&mid=sec&sid1=102&oid=003&aid=0012345678", NAVER),
    ("http://news.naver.com/main/read.nhn?aid=0012345678&oid=003", NAVER),
    ("https://m.news.naver.com/read.nhn?oid=003&aid=0012345678&sid1=102", NAVER),
    ("https://n.news.naver.com/mnews/hotissue/article/003/0012345678?type=series", NAVER),
    ("https://sports.news.naver.com/news?oid=003&aid=0012345678", NAVER),
    ("https://m.entertain.naver.com/article/003/0012345678#comment", NAVER),
    ("HTTPS://N.NEWS.NAVER.COM/mnews/article/003/0012345678/", NAVER),
    # Naver pages that are not one article keep their own form.
    ("https://media.naver.com/press/003", "https://media.naver.com/press/003"),
    ("https://news.naver.com/main/read.naver?oid=003", "https://news.naver.com/main/read.naver?oid=003"),
    ("https://blog.naver.com/some_one/2233", "https://blog.naver.com/some_one/2233"),
    # Daum.
    ("https://v.daum.net/v/20231101084612345", "https://v.daum.net/v/20231101084612345"),
    ("http://m.v.daum.net/v/20231101084612345?f=o", "https://v.daum.net/v/20231101084612345"),
    ("https://news.v.daum.net/v/20231101084612345/", "https://v.daum.net/v/20231101084612345"),
    ("https://v.daum.net/v/abc", "https://v.daum.net/v/abc"),
    # The local-news CMS: only idxno is identity, whatever the list link carried.
    (
        "http://www.sporbiz.example/news/articleView.html?idxno=177073&replyAll=&reply_sc_order_by=C",
        "http://sporbiz.example/news/articleView.html?idxno=177073",
    ),
    (
        "https://m.gnnews.example/news/articleView.html?sc_word=%EC%9E%91&idxno=5&page=2",
        "https://gnnews.example/news/articleView.html?idxno=5",
    ),
    (
        "http://127.0.0.1:8800/localnews/a/news/articleView.html?idxno=3&sc_area=A",
        "http://127.0.0.1:8800/localnews/a/news/articleView.html?idxno=3",
    ),
    # No idxno at all: the rest of the query stays (a broken link is still a link).
    (
        "http://a.example/news/articleView.html?no=3",
        "http://a.example/news/articleView.html?no=3",
    ),
    # Host prefixes, case, ports, fragments, tracking and order.
    (
        "https://WWW.Example.co.kr:443/News/Read?b=2&a=1&utm_source=naver&fbclid=Z#top",
        "https://example.co.kr/News/Read?a=1&b=2",
    ),
    ("http://mobile.example.kr:80/view?no=7&ref=main", "http://example.kr/view?no=7"),
    ("http://example.kr:8080/view", "http://example.kr:8080/view"),
    ("http://m.kr/view", "http://m.kr/view"),  # no dot left after "m.": not a mobile prefix
    ("http://www.kr/", "http://www.kr/"),
    ("http://a.kr/read.php?id=1&page=", "http://a.kr/read.php?id=1&page="),
    ("http://a.kr/view?sid=3&from=rss&sns=y&gclid=1", "http://a.kr/view?sid=3"),
    ("  http://a.kr  ", "http://a.kr/"),
    ("//www.yna.example/view/AKR1?input=1195m", "https://yna.example/view/AKR1?input=1195m"),
    ("http://a.kr/search?q=%EC%9E%91%EC%9D%80+%EB%8F%84%EC%84%9C%EA%B4%80", "http://a.kr/search?q=%EC%9E%91%EC%9D%80+%EB%8F%84%EC%84%9C%EA%B4%80"),
    # Not a web page.
    ("javascript:;", ""),
    ("mailto:desk@a.kr", ""),
    ("www.a.kr/view?id=1", ""),
    ("http://", ""),
    ("http://a.kr:99999/", ""),
    ("", ""),
]  # fmt: skip


@pytest.mark.parametrize(("url", "expected"), CASES)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [url for url, expected in CASES if expected])
def test_canonical_url_is_idempotent(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://n.news.naver.com/mnews/article/421/0007654321?sid=101", ("421", "0007654321")),
        ("https://news.naver.com/main/read.naver?oid=001&aid=0014567890", ("001", "0014567890")),
        ("https://news.naver.com/main/read.naver?OID=001&AID=0014567890", ("001", "0014567890")),
        ("https://news.naver.com/main/read.naver?oid=001&aid=", None),
        ("https://news.naver.com/main/read.naver?oid=x01&aid=0014567890", None),
        ("https://search.naver.com/search.naver?where=news&oid=001&aid=0014567890", None),
        ("https://naver.com.evil.example/article/001/0014567890", None),
        ("https://v.daum.net/v/20231101084612345", None),
        ("not a url", None),
    ],
)
def test_naver_ids(url, expected):
    assert naver_ids(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://v.daum.net/v/20231101084612345", "20231101084612345"),
        ("https://v.daum.net/v/20231101084612345?f=o#comment", "20231101084612345"),
        ("https://v.daum.net/v/", None),
        ("https://daum.net/v/20231101084612345", None),
        ("https://news.daum.net/v/20231101084612345", None),
    ],
)
def test_daum_id(url, expected):
    assert daum_id(url) == expected


@pytest.mark.parametrize(
    ("fetched", "declared", "domain", "expected"),
    [
        # A page on its own host naming itself without the tracking it was linked with.
        (
            "https://www.a.kr/news/articleView.html?idxno=5&sc_word=x",
            "https://www.a.kr/news/articleView.html?idxno=5",
            "",
            "https://a.kr/news/articleView.html?idxno=5",
        ),
        ("https://m.a.kr/view/7", "https://www.a.kr/view/7", "", "https://a.kr/view/7"),
        # Fetched elsewhere (a mirror): trusted only on the site's own domain.
        (
            "http://127.0.0.1:8800/localnews/a/news/articleView.html?idxno=5",
            "https://www.a.example/news/articleView.html?idxno=5",
            "a.example",
            "https://a.example/news/articleView.html?idxno=5",
        ),
        (
            "http://127.0.0.1:8800/localnews/a/news/articleView.html?idxno=5",
            "https://www.a.example/news/articleView.html?idxno=5",
            "",
            "",
        ),
        ("https://news.a.kr/v/1", "https://www.a.kr/v/1", "a.kr", "https://a.kr/v/1"),
        ("https://www.a.kr/v/1", "https://evil.example/v/1", "a.kr", ""),
        ("https://www.a.kr/v/1", "https://nota.kr/v/1", "a.kr", ""),  # suffix, not a subdomain
        # CMS misconfigurations: the home page, another article.
        ("https://www.a.kr/news/articleView.html?idxno=5", "https://www.a.kr/", "", ""),
        (
            "https://www.a.kr/news/articleView.html?idxno=5",
            "https://www.a.kr/news/articleView.html?idxno=6",
            "",
            "",
        ),
        ("https://www.a.kr/v/1", "", "", ""),
        ("https://www.a.kr/v/1", "/v/1", "", ""),  # callers make it absolute first
        ("", "https://www.a.kr/v/1", "", ""),
    ],
)
def test_declared_canonical(fetched, declared, domain, expected):
    assert declared_canonical(fetched, declared, domain) == expected


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("http://a.kr/뉴스/작은도서관", "http://a.kr/%EB%89%B4%EC%8A%A4/%EC%9E%91%EC%9D%80%EB%8F%84%EC%84%9C%EA%B4%80"),
        ("http://a.kr/%eb%89%b4%ec%8a%a4", "http://a.kr/%EB%89%B4%EC%8A%A4"),
        ("http://a.kr/view?q=작은", "http://a.kr/view?q=%EC%9E%91%EC%9D%80"),
        ("http://a.kr/a/../b", "http://a.kr/b"),
    ],
)  # fmt: skip
def test_canonical_url_settles_percent_encoding(raw, encoded):
    assert canonical_url(raw) == canonical_url(encoded) == encoded


@pytest.mark.parametrize(
    "url", ["http://example.com/a #x", "http://a.kr/a b/c%20d", "http://a.kr/%zz"]
)
def test_canonical_url_is_a_fixed_point_on_odd_input(url):
    once = canonical_url(url)
    assert once
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    "url",
    [
        "http://../x",
        "//./",
        "http://\\/",
        "http://..//f%2../",
        "http://a.kr/\ud800",
        "http://a.kr/?q=\ud800",
    ],
)
def test_canonical_url_has_no_form_without_a_host_or_for_unencodable_text(url):
    # Issue 17: "http://../x" gave "http:///x", whose second pass is "" (two keys for one
    # link); a lone surrogate raised UnicodeEncodeError out of the store's key function.
    assert canonical_url(url) == ""


# Pieces a link on a scraped page may carry: spaces of every kind, fragments, Hangul raw and
# encoded, broken and valid percent escapes, dot segments, delimiters, a lone surrogate.
_URL_PIECES = st.sampled_from(
    [*"a작 %#?/&=+.;:@~-_\\[]|<>\"'`{}^", "\t", "\n", "\r", "\x0b", "\x0c", "\x00", "\x7f",
     "\x85", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u2028", "é", "F", "2", "%20", "%2",
     "%zz", "%EC%9E%91", "%2F", "%23", "%3F", "%25", "%00", "%C2%A0", "%ED%A0%80", "../",
     "./", "xn--", "\ud800", "도서관"]
)  # fmt: skip
_URL_TEXT = st.lists(_URL_PIECES, max_size=14).map("".join)


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["http://", "https://", " http://", "//", "HTTP://"]),
    st.sampled_from(["a.kr", "www.a.kr", "작은도서관.kr", "A.KR:80", "a.kr:8080", "[::1]", ""]),
    _URL_TEXT,
    _URL_TEXT,
    _URL_TEXT,
)
def test_canonical_url_is_idempotent_on_any_text(scheme, host, junk, path, fragment):
    # Issue 17: one article must have one key, whatever the link looked like.
    for url in (
        f"{scheme}{host}/{path}#{fragment}",
        f"{scheme}{host}{junk}/{path}",
        f"{scheme}{host}/{path}?{junk}={fragment}",
        f"{scheme}{junk}/{path} #{fragment}",
    ):
        once = canonical_url(url)
        assert canonical_url(once) == once, url
        assert "#" not in once
        assert " " not in once
