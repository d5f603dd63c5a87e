"""The Naver news spider: result pages keyed on links, the Search API, article copies (current
and legacy EUC-KR), on hand-written pages; end to end against the mirror's API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from pages import file_response
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from clipper import settings as project_settings
from clipper.mirror.naver import api_answer
from clipper.mirror.portal_entries import load_entries
from clipper.text.dates import KST
from clipper.text.urls import canonical_url
from models import Article, Sighting
from spiders.naver_news import NaverNewsSpider, api_hits, search_hits, strip_markup

REPO = Path(__file__).resolve().parents[2]
REAL_PAGES = REPO.parent / "shared" / "realpages"
NOW = datetime(2026, 5, 24, 12, 0, tzinfo=KST)
SEARCH_URL = "https://search.naver.com/search.naver?where=news&query=x&sort=1&start=1"
YNA = "https://www.yna.co.kr/view/AKR20260524000100051?input=1195m"
SETTINGS = {
    name: getattr(project_settings, name)
    for name in dir(project_settings)
    if name.startswith("CLIPPER_") and ("_NAVER_" in name or "PORTAL" in name)
}


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    monkeypatch.delenv("NAVER_CLIENT_ID", raising=False)
    monkeypatch.delenv("NAVER_CLIENT_SECRET", raising=False)


def make_spider(known=(), settings=None, **kwargs) -> NaverNewsSpider:
    crawler = get_crawler(NaverNewsSpider, {**SETTINGS, **(settings or {})})
    spider = NaverNewsSpider.from_crawler(crawler, **kwargs)
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def stats(spider) -> dict:
    return spider.crawler.stats.get_stats()


def search(spider, name="search.html", page=1, keyword="작은도서관"):
    response = file_response(f"naver_news/{name}", SEARCH_URL)
    requests = list(spider.parse(response, keyword=keyword, page=page))
    articles = [r for r in requests if r.callback == spider.parse_article]
    pages = [r for r in requests if r.callback == spider.parse]
    assert len(articles) + len(pages) == len(requests)
    return articles, pages


# --- Pure functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<b>작은도서관</b> 개관", "작은도서관 개관"),
        ("&quot;책&quot; 읽는 &amp; 쉬는 곳", '"책" 읽는 & 쉬는 곳'),
        ("두 번 &amp;lt;이스케이프&amp;gt;", "두 번 <이스케이프>"),
        ("  줄\n바꿈\t<b></b>공백  ", "줄 바꿈 공백"),
        ("", ""),
    ],
)
def test_strip_markup(raw, expected):
    assert strip_markup(raw) == expected


def test_search_hits_are_keyed_on_links_not_class_names():
    hits = search_hits(file_response("naver_news/search.html", SEARCH_URL).body, NOW)
    got = [(h.link, h.original, h.outlet_raw, h.published_raw, h.title) for h in hits]
    assert got == [
        # A partner: Naver copy + original; the print page (A19면 1단) is not the date, nor is
        # the date inside the snippet.
        (
            "https://n.news.naver.com/mnews/article/001/0015000111?sid=102",
            YNA,
            "연합뉴스",
            "3시간 전",
            "폐교가 작은도서관으로… 섬마을 아이들 책 읽는 저녁",
        ),
        # Not hosted by Naver: the outlet's front-page link names it; fetched at the outlet.
        (
            "https://www.gaon-ilbo.example/news/articleView.html?idxno=4410&utm_source=naver",
            "https://www.gaon-ilbo.example/news/articleView.html?idxno=4410&utm_source=naver",
            "가온일보",
            "2026.05.22.",
            "구립 작은도서관 세 곳 주말 연장 운영",
        ),
        # Naver copy only (the title links the copy too).
        (
            "https://n.news.naver.com/mnews/article/421/0007000222?sid=103",
            "",
            "뉴스1",
            "어제",
            "아파트 작은도서관 자원봉사자 '책 지킴이' 모집",
        ),
        # An unknown press id with an empty name: no outlet, still a hit.
        (
            "https://n.news.naver.com/mnews/article/999/0000000333",
            "https://www.byeol-news.example/article/20260518/333",
            "",
            "2026.05.18.",
            "마을 작은도서관에 별자리 교실",
        ),
    ]


def test_changed_layout_still_finds_results_outlet_from_the_press_id():
    hits = search_hits(file_response("naver_news/search_changed.html", SEARCH_URL).body, NOW)
    assert [(h.link, h.outlet_raw, h.published_raw) for h in hits] == [
        ("https://n.news.naver.com/mnews/article/001/0015000111", "연합뉴스", "2026.05.24."),
        ("https://n.news.naver.com/mnews/article/421/0007000222", "뉴스1", "2026.05.23."),
    ]


@pytest.mark.parametrize("body", [b"", b"   ", b"<html><body><p>no links</p></body></html>"])
def test_search_hits_on_pages_without_results(body):
    assert search_hits(body, NOW) == []


def test_search_hits_on_the_real_2026_page():
    path = REAL_PAGES / "26-naver-news-search-2026-sds.html"
    if not path.exists():
        pytest.skip("shared real pages not available")
    hits = search_hits(path.read_bytes(), NOW)
    # The saved page shows ten results, five of them with a Naver copy.
    assert len(hits) == 10
    assert sum("n.news.naver.com/mnews/article/" in h.link for h in hits) == 5
    assert all(h.title and h.outlet_raw and h.original for h in hits)
    assert all(h.published_raw.endswith("분 전") for h in hits)


def test_api_hits():
    data = json.loads(file_response("naver_news/api.json", SEARCH_URL).body)
    got = [(h.link, h.original, h.title, h.outlet_raw, h.published_raw) for h in api_hits(data)]
    assert got == [
        (
            "https://n.news.naver.com/mnews/article/001/0015000111?sid=102",
            YNA,
            '폐교가 작은도서관으로… "섬마을" 아이들 책 읽는 저녁',
            "연합뉴스",
            "Sun, 24 May 2026 09:00:00 +0900",
        ),
        (
            "https://www.gaon-ilbo.example/news/articleView.html?idxno=4410",
            "https://www.gaon-ilbo.example/news/articleView.html?idxno=4410",
            "구립 작은도서관 세 곳 주말 연장 운영 <현장>",
            "",
            "Fri, 22 May 2026 17:30:00 +0900",
        ),
        (
            "https://news.naver.com/main/read.naver?mode=LSD&mid=sec&sid1=102&oid=003&aid=0007000444",
            "",
            "마을도서관 열 곳 야간 개방",
            "뉴시스",
            "Thu, 20 Apr 2017 15:53:00 +0900",
        ),
    ]


@pytest.mark.parametrize(
    "data",
    [{}, {"items": None}, {"items": ["x", {"link": "javascript:;", "originallink": ""}]}],
)
def test_api_hits_on_odd_answers(data):
    assert api_hits(data) == []


# --- Result pages -----------------------------------------------------------------------------


def test_search_page_requests_each_hit_with_its_identity_and_hints():
    spider = make_spider()
    articles, pages = search(spider)
    by_source = {r.cb_kwargs["source_url"]: r for r in articles}
    assert list(by_source) == [
        "https://n.news.naver.com/mnews/article/001/0015000111",
        "https://gaon-ilbo.example/news/articleView.html?idxno=4410",
        "https://n.news.naver.com/mnews/article/421/0007000222",
        "https://n.news.naver.com/mnews/article/999/0000000333",
    ]
    yna = by_source["https://n.news.naver.com/mnews/article/001/0015000111"]
    assert yna.url == "https://n.news.naver.com/mnews/article/001/0015000111?sid=102"
    assert yna.cb_kwargs["url"] == YNA
    assert yna.cb_kwargs["outlet_raw"] == "연합뉴스"
    # "3시간 전" anchored to the fetch time.
    assert yna.cb_kwargs["published"] == datetime(2026, 5, 24, 9, 0, tzinfo=KST)
    assert [r.cb_kwargs for r in pages] == [{"keyword": "작은도서관", "page": 2}]
    assert "start=11" in pages[0].url
    assert stats(spider)["clipper/listing/entries"] == 4
    assert stats(spider)["clipper/naver_news/hit/no_outlet"] == 1


def test_mirror_setting_rewrites_where_requests_go_not_identities():
    spider = make_spider(settings={"CLIPPER_PORTAL_MIRROR_URL": "http://127.0.0.1:9/portals/"})
    articles, pages = search(spider)
    assert articles[0].url == (
        "http://127.0.0.1:9/portals/n.news.naver.com/mnews/article/001/0015000111?sid=102"
    )
    assert articles[0].cb_kwargs["source_url"] == (
        "https://n.news.naver.com/mnews/article/001/0015000111"
    )
    # The mirror stands in for the publishers' sites too; their identity stays theirs.
    assert articles[1].url == (
        "http://127.0.0.1:9/portals/www.gaon-ilbo.example/news/articleView.html"
        "?idxno=4410&utm_source=naver"
    )
    assert articles[1].cb_kwargs["source_url"] == (
        "https://gaon-ilbo.example/news/articleView.html?idxno=4410"
    )
    assert pages[0].url.startswith("http://127.0.0.1:9/portals/search.naver.com/search.naver?")


@pytest.mark.parametrize(
    ("kwargs", "expected_sources", "next_page"),
    [
        # since: older hits skipped; a page with a hit inside the window goes on.
        ({"since": "2026-05-22"}, 3, True),
        # until: newer hits skipped.
        ({"until": "2026-05-22"}, 2, True),
        # every dated hit older than since: nothing fetched, paging stops.
        ({"since": "2026-05-25"}, 0, False),
        ({"max_pages": "1"}, 4, False),
    ],
)
def test_window_and_page_limits(kwargs, expected_sources, next_page):
    spider = make_spider(**kwargs)
    articles, pages = search(spider)
    assert len(articles) == expected_sources
    assert bool(pages) == next_page


def test_known_pages_are_skipped_and_a_wholly_known_page_stops_paging():
    sources = [
        "https://n.news.naver.com/mnews/article/001/0015000111",
        "https://gaon-ilbo.example/news/articleView.html?idxno=4410",
        "https://n.news.naver.com/mnews/article/421/0007000222",
        "https://n.news.naver.com/mnews/article/999/0000000333",
    ]
    spider = make_spider(known=sources[:1])
    articles, pages = search(spider)
    assert [r.cb_kwargs["source_url"] for r in articles] == sources[1:]
    assert pages
    spider = make_spider(known=sources)
    assert search(spider) == ([], [])
    assert stats(spider)["clipper/naver_news/article/skipped_known"] == 4
    # A full crawl fetches them all again.
    articles, pages = search(make_spider(known=sources, full="1"))
    assert len(articles) == 4
    assert pages


def test_a_page_repeating_the_previous_one_stops_paging():
    spider = make_spider()
    search(spider, page=1)
    articles, pages = search(spider, page=2)
    assert articles == []
    assert pages == []
    assert stats(spider)["clipper/naver_news/article/skipped_duplicate"] == 4


@pytest.mark.parametrize(
    ("name", "entries", "no_outlet", "no_date"),
    [("search_empty.html", 0, 0, 0), ("search_changed.html", 2, 0, 0)],
)
def test_empty_and_changed_pages_are_counted(name, entries, no_outlet, no_date):
    spider = make_spider()
    articles, pages = search(spider, name=name)
    found = stats(spider)
    assert found["clipper/listing/pages"] == 1
    assert found.get("clipper/listing/entries", 0) == entries
    assert len(articles) == entries
    assert bool(pages) == bool(entries)
    assert found.get("clipper/naver_news/hit/no_outlet", 0) == no_outlet
    assert found.get("clipper/naver_news/hit/no_date", 0) == no_date


# --- The Search API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "api"),
    [
        ({"NAVER_CLIENT_ID": "id-1", "NAVER_CLIENT_SECRET": "secret-1"}, True),
        ({"NAVER_CLIENT_ID": "id-1"}, False),  # half a key pair is no key
        ({}, False),
    ],
)
def test_api_is_used_when_keys_are_set(monkeypatch, env, api):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    request = make_spider().search_request("작은도서관", 2)
    if api:
        assert request.url.startswith("https://openapi.naver.com/v1/search/news.json?")
        assert "start=101" in request.url
        assert "display=100" in request.url
        assert "sort=date" in request.url
        # The request holds no keys (it may wait in Redis, be archived or redirected):
        # clipper.middlewares.secrets adds them at download time, for the API's origin only.
        assert b"X-Naver-Client-Secret" not in request.headers
        assert "secret-1" not in request.url
        assert "secret-1" not in repr(request)
        spider = make_spider()
        assert spider.secret_headers(request) == {
            "X-Naver-Client-Id": "id-1",
            "X-Naver-Client-Secret": "secret-1",
        }
        for elsewhere in (
            "https://evil.example/v1/search/news.json",
            "http://openapi.naver.com/v1/search/news.json",  # another scheme, another port
            "https://openapi.naver.com:8443/v1/search/news.json",
        ):
            assert spider.secret_headers(request.replace(url=elsewhere)) == {}
    else:
        assert request.url.startswith("https://search.naver.com/search.naver?")
        assert "start=11" in request.url
        assert "sort=1" in request.url
        assert b"X-Naver-Client-Id" not in request.headers


def api_response(spider, total=None):
    request = spider.search_request("작은도서관", 1)
    body = json.loads(file_response("naver_news/api.json", request.url).body)
    if total is not None:
        body["total"] = total
    return TextResponse(
        request.url, body=json.dumps(body).encode(), encoding="utf-8", request=request
    )


@pytest.mark.parametrize(("total", "next_page"), [(3, False), (250, True), (5000, True)])
def test_api_pages_until_its_total(monkeypatch, total, next_page):
    monkeypatch.setenv("NAVER_CLIENT_ID", "id-1")
    monkeypatch.setenv("NAVER_CLIENT_SECRET", "secret-1")
    spider = make_spider()
    requests = list(spider.parse(api_response(spider, total), keyword="작은도서관", page=1))
    articles = [r for r in requests if r.callback == spider.parse_article]
    assert [r.cb_kwargs["source_url"] for r in articles] == [
        "https://n.news.naver.com/mnews/article/001/0015000111",
        "https://gaon-ilbo.example/news/articleView.html?idxno=4410",
        "https://n.news.naver.com/mnews/article/003/0007000444",
    ]
    # Article requests never carry the keys.
    assert all(b"X-Naver-Client-Secret" not in r.headers for r in articles)
    assert any(r.callback == spider.parse for r in requests) == next_page


def test_api_stops_at_start_1000(monkeypatch):
    monkeypatch.setenv("NAVER_CLIENT_ID", "id-1")
    monkeypatch.setenv("NAVER_CLIENT_SECRET", "secret-1")
    spider = make_spider(full="1")
    response = api_response(spider, total=50000)
    requests = list(spider.parse(response, keyword="작은도서관", page=10))
    assert not any(r.callback == spider.parse for r in requests)


def test_api_refusal_falls_back_to_the_result_pages(monkeypatch):
    monkeypatch.setenv("NAVER_CLIENT_ID", "id-1")
    monkeypatch.setenv("NAVER_CLIENT_SECRET", "wrong")
    spider = make_spider()
    request = spider.search_request("작은도서관", 1)
    refused = TextResponse(request.url, status=401, body=b'{"errorCode":"024"}', request=request)
    failure = Failure(HttpError(refused))
    failure.request = request
    (fallback,) = spider.api_failed(failure)
    assert fallback.url.startswith("https://search.naver.com/search.naver?")
    assert b"X-Naver-Client-Id" not in fallback.headers
    assert stats(spider)["clipper/naver_news/api/error/401"] == 1
    # The result pages it falls back to page on as result pages.
    response = file_response("naver_news/search.html", fallback.url)
    pages = [
        r
        for r in spider.parse(response, keyword="작은도서관", page=1)
        if r.callback == spider.parse
    ]
    assert [p.url.split("?")[0] for p in pages] == ["https://search.naver.com/search.naver"]


# --- Article pages ----------------------------------------------------------------------------

COPY = "https://n.news.naver.com/mnews/article/001/0015000111"


@pytest.mark.parametrize(
    ("name", "hints", "url", "original_stat"),
    [
        # The listing named the original: it is the article's identity.
        ("article.html", {"url": YNA}, canonical_url(YNA), "from_listing"),
        # No listing original: the copy's 기사원문 link.
        ("article.html", {}, canonical_url(YNA), "from_page"),
        # Neither: the canonical Naver URL.
        ("article_no_origin.html", {}, COPY, "missing"),
    ],
)
def test_article_copy_url_is_the_original(name, hints, url, original_stat):
    spider = make_spider()
    response = file_response(f"naver_news/{name}", COPY + "?sid=102")
    (item,) = spider.parse_article(response, source_url=COPY, outlet_raw="연합뉴스", **hints)
    assert item.url == url
    assert item.source_url == COPY
    assert item.title == "폐교가 작은도서관으로… 섬마을 아이들 책 읽는 저녁"
    assert item.published == datetime(2026, 5, 24, 9, 0, 41, tzinfo=KST)
    assert item.body.startswith("(목포=")
    assert "분교 교실에 마련된" not in item.body  # the photo caption
    assert item.outlet_raw == "연합뉴스"
    assert item.extra["source_kind"] == "portal"
    assert stats(spider)[f"clipper/naver_news/original/{original_stat}"] == 1


def test_legacy_euc_kr_article():
    legacy = (
        "https://news.naver.com/main/read.naver?mode=LSD&mid=sec&sid1=102&oid=003&aid=0007000444"
    )
    source = "https://n.news.naver.com/mnews/article/003/0007000444"
    spider = make_spider()
    response = file_response("naver_news/legacy_euckr.html", legacy)
    (item,) = spider.parse_article(response, source_url=source, outlet_raw="뉴시스")
    assert item.extra["encoding"] == "cp949"
    assert item.title == "마을도서관 열 곳 야간 개방"
    assert item.published == datetime(2017, 4, 20, 15, 53, tzinfo=KST)
    assert item.body.startswith("【안동=뉴시스】")
    assert "_flash_removeCallback" not in item.body
    assert item.url == "http://newsis.com/view/?cID=10812&id=NISX20170420_0000000444"
    assert item.source_url == source


# --- End to end: the mirror's Search API --------------------------------------------------------


def test_crawl_mirror_api_keeps_keys_secret(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    secret = "s3cr3t-Value-9"
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", "naver_news",
            "-s", f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "LOG_LEVEL=DEBUG", "-o", str(tmp_path / "items.jsonl"),
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(
            os.environ, CLIPPER_DATABASE_URL=db,
            NAVER_CLIENT_ID="client-Id-7", NAVER_CLIENT_SECRET=secret,
        ),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "openapi.naver.com/v1/search/news.json" in result.stderr
    output = result.stdout + result.stderr + (tmp_path / "items.jsonl").read_text()
    assert secret not in output
    assert "client-Id-7" not in output

    expected = {}
    for entry in load_entries():
        if entry.naver is None or not any(
            k in entry.title + "".join(entry.paragraphs) for k in ("작은도서관", "마을도서관")
        ):
            continue
        copy = canonical_url(entry.naver_link())
        original = canonical_url(entry.original)
        expected[original or copy] = copy or original
    engine = create_engine(db)
    with Session(engine) as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        sightings = {s.source_url: s.article.url for s in session.scalars(select(Sighting))}
    engine.dispose()
    assert set(articles) == set(expected)
    assert sightings == {source: url for url, source in expected.items()}
    legacy = next(a for a in articles.values() if a.published.date() == date(2017, 4, 20))
    assert legacy.title == "마을도서관 열 곳, 주말 야간 개방 시범 운영"


# --- The mirror's API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (None, 200),  # not checked: the server passes handlers no headers (yet)
        ({}, 401),
        ({"X-Naver-Client-Id": "a"}, 401),
        ({"X-Naver-Client-Id": "a", "X-Naver-Client-Secret": ""}, 401),
        ({"X-Naver-Client-Id": "a", "X-Naver-Client-Secret": "b"}, 200),
    ],
)
def test_mirror_api_checks_the_key_headers(headers, status):
    got, body = api_answer({"query": "작은도서관", "display": "2"}, headers, "http://m", NOW)
    data = json.loads(body)
    assert got == status
    if status == 401:
        assert set(data) == {"errorMessage", "errorCode"}
    else:
        assert data["display"] == len(data["items"]) == 2
        assert data["total"] > 2
        assert all("<b>작은도서관</b>" in item["title"] for item in data["items"])


# --- The keys never leave the API's host, and never wait in a queue ---------------------------


class _KeyLog(BaseHTTPRequestHandler):
    """Records the key headers each request brought. ``redirects`` maps a URL (without its
    query) to the URL it redirects to; everything else answers an empty API result."""

    redirects: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[tuple[str, str, str | None, str | None]]] = []

    def do_GET(self):
        host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        path = self.path.split("?", 1)[0]
        _KeyLog.seen.append(
            (host, path, self.headers.get("X-Naver-Client-Id"),
             self.headers.get("X-Naver-Client-Secret"))
        )  # fmt: skip
        if (target := self.redirects.get(f"http://{host}{path}")) is not None:
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            self.send_response(302)
            self.send_header("Location", f"{target}?{query}")
            self.end_headers()
            return
        body = json.dumps({"total": 0, "start": 1, "display": 0, "items": []}).encode()
        if path == "/robots.txt":
            body = b"User-agent: *\nAllow: /\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def two_hosts():
    """The same little server on 127.0.0.1 (the "API host") and 127.0.0.2 (another host)."""
    _KeyLog.seen = []
    servers = []
    for address in ("127.0.0.1", "127.0.0.2"):
        server = ThreadingHTTPServer((address, 0), _KeyLog)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://{s.server_address[0]}:{s.server_address[1]}" for s in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def crawl_api(api_url: str, tmp_path, *extra: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", "naver_news",
            "-s", f"CLIPPER_NAVER_API_URL={api_url}",
            "-s", "CLIPPER_KEYWORDS=작은도서관",
            # The other host is a private address: let the guard pass it, so only the
            # keys' own rule keeps them from it.
            "-s", "CLIPPER_ALLOWED_PRIVATE_HOSTS=127.0.0.2",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "RETRY_ENABLED=False", *extra,
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(
            os.environ, CLIPPER_DATABASE_URL=f"sqlite:///{tmp_path / 'clipper.sqlite'}",
            NAVER_CLIENT_ID="client-Id-7", NAVER_CLIENT_SECRET="s3cr3t-Value-9",
            **(env or {}),
        ),
    )  # fmt: skip


def test_keys_are_not_forwarded_on_a_redirect_to_another_host(two_hosts, tmp_path):
    api, other = two_hosts
    # The API moves on its own host (keys again), then sends the crawler to another host.
    _KeyLog.redirects = {
        f"{api}/v1/search/news.json": f"{api}/v2/search/news.json",
        f"{api}/v2/search/news.json": f"{other}/v1/search/news.json",
    }
    result = crawl_api(f"{api}/v1/search/news.json", tmp_path)
    # (An API answer without results: the run is flagged empty_results, exit 1.)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    api_calls = [s for s in _KeyLog.seen if s[1] != "/robots.txt"]
    assert [(host, path) for host, path, *_ in api_calls] == [
        (api[7:], "/v1/search/news.json"),
        (api[7:], "/v2/search/news.json"),
        (other[7:], "/v1/search/news.json"),
    ]
    assert [(key_id, secret) for _, _, key_id, secret in api_calls] == [
        ("client-Id-7", "s3cr3t-Value-9"),
        ("client-Id-7", "s3cr3t-Value-9"),
        (None, None),  # off the API's host: no keys
    ]


def test_keys_never_sit_in_the_redis_queue(two_hosts, tmp_path):
    """Distributed mode pickles every scheduled request into Redis: a redirected API request
    (scheduled again after its download) included. Every command Redis receives during the
    crawl is watched (MONITOR): none carries key material."""
    from test_distributed import ADDON, redis_url_or_skip

    redis_url = redis_url_or_skip()
    import redis

    api, other = two_hosts
    _KeyLog.redirects = {
        f"{api}/v1/search/news.json": f"{api}/v2/search/news.json",
        f"{api}/v2/search/news.json": f"{other}/v1/search/news.json",
    }
    server = redis.Redis.from_url(redis_url)
    run = f"keys-{uuid.uuid4().hex[:8]}"
    commands: list[str] = []
    watching = threading.Event()

    def watch():
        with server.monitor() as monitor:
            watching.set()
            for event in monitor.listen():
                commands.append(event["command"])
                if "STOP-WATCHING" in event["command"]:
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    watching.wait(5)
    try:
        result = crawl_api(
            f"{api}/v1/search/news.json", tmp_path,
            "-s", f"ADDONS={ADDON}", "-s", f"CLIPPER_REDIS_URL={redis_url}",
            "-s", f"CLIPPER_REDIS_RUN={run}", "-s", "CLIPPER_REDIS_IDLE_CLOSE=1",
        )  # fmt: skip
    finally:
        server.get("STOP-WATCHING")
        watcher.join(10)
        keys = server.keys(f"clipper:naver_news:{run}:*")
        if keys:
            server.delete(*keys)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    queued = [c for c in commands if f"clipper:naver_news:{run}:requests" in c and "ZADD" in c]
    assert len(queued) >= 3  # the API request and its redirects went through the queue
    assert not [c for c in commands if "s3cr3t-Value-9" in c or "client-Id-7" in c]
    # ...and the keys still reached the API, at download time.
    assert (api[7:], "/v2/search/news.json", "client-Id-7", "s3cr3t-Value-9") in _KeyLog.seen
