"""The Google News spider: the RSS search, opaque links followed (or kept as sightings), on
hand-written feeds; end to end against the mirror with following switched off (the
sightings test crawls it with following on)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from pages import file_response
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from clipper import settings as project_settings
from clipper.mirror.portal_entries import load_entries
from clipper.mirror.portals import handle
from clipper.text.dates import KST
from pipelines.validate import ValidatePipeline
from spiders.google_news import GoogleNewsSpider, feed_entries, strip_outlet_suffix

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 24, 12, 0, tzinfo=KST)
FEED_URL = "https://news.google.com/rss/search?q=x&hl=ko&gl=KR&ceid=KR:ko"
OPAQUE = "https://news.google.com/rss/articles/CBMiQ0FVX3lxTE9hYmNkZWYxMjM0NTY3ODkw?oc=5"
SETTINGS = {
    name: getattr(project_settings, name)
    for name in (
        "CLIPPER_GOOGLE_NEWS_URL",
        "CLIPPER_GOOGLE_NEWS_FOLLOW",
        "CLIPPER_PORTAL_MIRROR_URL",
    )
}


def make_spider(settings=None, known=(), **kwargs) -> GoogleNewsSpider:
    crawler = get_crawler(GoogleNewsSpider, {**SETTINGS, **(settings or {})})
    spider = GoogleNewsSpider.from_crawler(crawler, **kwargs)
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def stats(spider) -> dict:
    return spider.crawler.stats.get_stats()


def feed(spider, name="feed.xml") -> list:
    return list(spider.parse(file_response(f"google_news/{name}", FEED_URL), keyword="작은도서관"))


@pytest.mark.parametrize(
    ("title", "outlet", "expected"),
    [
        ("작은도서관 개관 - 연합뉴스", "연합뉴스", "작은도서관 개관"),
        ("작은도서관 - 동네의 거실 - 가온일보", "가온일보", "작은도서관 - 동네의 거실"),
        # Only the named outlet is cut: " - " inside a headline stays.
        ("작은도서관 - 동네의 거실", "가온일보", "작은도서관 - 동네의 거실"),
        ("작은도서관 - 동네의 거실", "", "작은도서관 - 동네의 거실"),
        ("개관 - KBS 뉴스", "KBS뉴스", "개관"),  # spacing differs
        ("  여러  칸   띄움 -  연합뉴스 ", "연합뉴스", "여러 칸 띄움"),
        ("", "연합뉴스", ""),
    ],
)
def test_strip_outlet_suffix(title, outlet, expected):
    assert strip_outlet_suffix(title, outlet) == expected


def test_feed_entries():
    entries = feed_entries(file_response("google_news/feed.xml", FEED_URL).body)
    assert [(e.title, e.outlet, e.outlet_url, e.published_raw) for e in entries] == [
        (
            "폐교가 작은도서관으로… 섬마을 아이들 책 읽는 저녁",
            "연합뉴스",
            "https://www.yna.co.kr",
            "Sun, 24 May 2026 00:00:41 GMT",
        ),
        (
            "작은도서관 - 동네의 거실",
            "가온일보",
            "https://www.gaon-ilbo.example",
            "Fri, 22 May 2026 16:10:00 GMT",
        ),
        ("작은도서관 - 동네의 거실", "", "", "Wed, 01 Apr 2026 03:00:00 GMT"),
    ]  # the item without a link is skipped
    assert entries[0].link == OPAQUE


@pytest.mark.parametrize("body", [b"", b"  \n", b"<rss><channel></channel></rss>"])
def test_feed_entries_of_empty_feeds(body):
    assert feed_entries(body) == []


def test_follow_requests_the_opaque_links_with_gmt_read_as_kst():
    spider = make_spider(settings={"CLIPPER_PORTAL_MIRROR_URL": "http://127.0.0.1:9/portals"})
    requests = feed(spider)
    assert len(requests) == 3
    first = requests[0]
    assert first.url == (
        "http://127.0.0.1:9/portals/news.google.com/rss/articles/"
        "CBMiQ0FVX3lxTE9hYmNkZWYxMjM0NTY3ODkw?oc=5"
    )
    assert first.callback == spider.parse_followed
    assert first.cb_kwargs["source_url"] == OPAQUE
    assert first.cb_kwargs["published"] == datetime(2026, 5, 24, 9, 0, 41, tzinfo=KST)
    assert first.cb_kwargs["outlet_raw"] == "연합뉴스"
    assert stats(spider)["clipper/listing/entries"] == 3


@pytest.mark.parametrize(
    ("kwargs", "known", "count"),
    [
        ({"since": "2026-05-01"}, (), 2),
        ({"until": "2026-04-30"}, (), 1),
        ({}, (OPAQUE,), 2),
        ({"full": "1"}, (OPAQUE,), 3),
    ],
)
def test_window_and_known_entries(kwargs, known, count):
    assert len(feed(make_spider(known=known, **kwargs))) == count


def test_empty_feed_is_counted():
    spider = make_spider()
    assert feed(spider, "feed_empty.xml") == []
    assert stats(spider)["clipper/listing/pages"] == 1
    assert stats(spider).get("clipper/listing/entries", 0) == 0


def followed(spider, request, url: str, body: bytes, redirected: bool):
    meta = {"redirect_urls": [request.url]} if redirected else {}
    response = HtmlResponse(url, body=body, request=Request(url, meta=meta))
    return list(spider.parse_followed(response, **request.cb_kwargs))


ARTICLE = file_response("naver_news/article.html", "https://x").body


def test_a_redirect_off_google_gives_the_article_with_the_opaque_link_as_sighting():
    spider = make_spider()
    request = feed(spider)[0]
    target = "https://www.yna.co.kr/view/AKR20260524000100051?input=1195m&utm_source=gn"
    (item,) = followed(spider, request, target, ARTICLE, redirected=True)
    assert item.url == "https://yna.co.kr/view/AKR20260524000100051?input=1195m"
    assert item.source_url == OPAQUE
    assert item.body
    assert "sighting_only" not in item.extra
    assert stats(spider)["clipper/google_news/follow/resolved"] == 1


@pytest.mark.parametrize(
    ("url", "redirected"),
    [
        (OPAQUE, False),  # the real site answers 200 with a script page
        ("https://consent.google.com/ml?continue=x", True),  # redirected, but still on Google
    ],
)
def test_an_unresolved_link_is_a_sighting_only(url, redirected):
    spider = make_spider()
    request = feed(spider)[0]
    body = b"<html><body><script>var x = 1;</script></body></html>"
    (item,) = followed(spider, request, url, body, redirected=redirected)
    assert item.url == item.source_url == OPAQUE
    assert item.extra["sighting_only"] is True
    assert item.title == "폐교가 작은도서관으로… 섬마을 아이들 책 읽는 저녁"
    assert item.outlet_raw == "연합뉴스"
    assert item.published == datetime(2026, 5, 24, 9, 0, 41, tzinfo=KST)
    assert item.body == ""
    # The validate stage lets it through without a body (the store attaches it to its
    # article, tests/pipelines/test_store.py) and leaves it out of the field coverage.
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    assert ValidatePipeline.from_crawler(crawler).process_item(item) is item
    assert not any("validate" in key for key in crawler.stats.get_stats())


def test_without_following_the_feed_gives_sightings_once():
    spider = make_spider(settings={"CLIPPER_GOOGLE_NEWS_FOLLOW": False})
    items = feed(spider)
    assert [i.source_url for i in items] == [i.url for i in items]
    assert len(items) == 3
    assert all(i.extra["sighting_only"] for i in items)
    assert feed(spider) == []  # a second keyword listing the same entries
    assert stats(spider)["clipper/google_news/article/skipped_duplicate"] == 3


def test_crawl_mirror_without_following(mirror, tmp_path):
    out = tmp_path / "items.jsonl"
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", "google_news", "--dry-run",
            "-s", f"CLIPPER_PORTAL_MIRROR_URL={mirror.url}/portals",
            "-s", "CLIPPER_GOOGLE_NEWS_FOLLOW=0", "-s", "CLIPPER_KEEP_OFFTOPIC=1",
            "-s", 'ITEM_PIPELINES={"pipelines.dates.PublishedDatePipeline": 400}',
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
            "-o", str(out),
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLIPPER_DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    items = [json.loads(line) for line in out.read_text().splitlines()]
    expected = {
        f"https://news.google.com/rss/articles/{e.google}?oc=5": e
        for e in load_entries()
        if e.google and (e.matches("작은도서관") or e.matches("마을도서관"))
    }
    assert {i["source_url"] for i in items} == set(expected)
    for item in items:
        entry = expected[item["source_url"]]
        assert item["url"] == item["source_url"]
        assert item["title"] == entry.title
        assert item["outlet_raw"] == entry.outlet
        assert datetime.fromisoformat(item["published"]) == entry.published
    # Only the feed itself was fetched, once per keyword.
    assert "'downloader/request_count': 3" in result.stderr  # robots.txt + two feeds


def test_mirror_opaque_links_redirect_only_to_originals_it_serves():
    origin = "http://127.0.0.1:9"
    pages = {}
    for entry in load_entries():
        if entry.google:
            path = f"/news.google.com/rss/articles/{entry.google}"
            pages[entry.id] = handle(path, {"oc": "5"}, origin + "/portals")
    # On the mirror: a 302 to the site's own host as the mirror serves it.
    assert pages["night-library"].status == 302
    assert dict(pages["night-library"].headers)["Location"] == (
        "http://127.0.0.1:9/portals/www.hanbit.example/news/articleView.html?idxno=1203"
    )
    # Off the mirror: the script page, nothing to follow.
    assert isinstance(pages["wire-mobile-library"], str)
    assert "refresh" not in pages["wire-mobile-library"]
    page = handle(
        "/www.hanbit.example/news/articleView.html", {"idxno": "1203"}, origin + "/portals"
    )
    assert "한밤의 책 읽기" in (page if isinstance(page, str) else page[1].decode("cp949"))
    assert handle("/news.google.com/rss/articles/nope", {}, origin + "/portals") is None
    assert handle("/unknown.example/x", {}, origin + "/portals") is None
