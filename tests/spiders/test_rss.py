"""The RSS spider: feeds in every encoding trap, keyword filtering, degraded items from the
feed when the article is gone, and end to end with the local-news spider on one database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from pages import FIXTURES, file_response
from scrapy.http import Request, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from twisted.python.failure import Failure

from clipper.mirror.localnews import load_localnews, sites_csv
from clipper.mirror.rss import feeds_csv, load_feeds
from clipper.text.dates import KST
from clipper.text.encoding import decode_html
from clipper.text.relevance import DEFAULT_TERMS, match_terms
from models import Article, Sighting
from spiders.rss import FeedSource, RssSpider, html_to_text, load_feed_sources, parse_feed

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KST)
SOURCE = FeedSource("https://www.solbit.example/rss.xml", "솔빛뉴스", "충남")


def make_spider(known: set[str] = frozenset(), **kwargs) -> RssSpider:
    crawler = get_crawler(RssSpider, {})
    spider = RssSpider.from_crawler(crawler, **kwargs)
    crawler.stats.open_spider()
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def feed_text(name: str, content_type: str | None = None) -> str:
    return decode_html((FIXTURES / "rss" / name).read_bytes(), content_type)[0]


def feed_response(name: str, content_type: str) -> TextResponse:
    body = (FIXTURES / "rss" / name).read_bytes()
    return TextResponse(
        SOURCE.url,
        body=body,
        headers={"Content-Type": content_type},
        request=Request(SOURCE.url),
    )


# --- Feeds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("feed_euckr.xml", "text/xml; charset=euc-kr"),
        ("feed_euckr.xml", None),  # the XML declaration alone
        ("feed_mislabelled.xml", "text/xml; charset=euc-kr"),  # UTF-8 bytes, EUC-KR label
        ("feed_mislabelled.xml", None),
    ],
)
def test_korean_legacy_feeds_decode(name, content_type):
    entries = parse_feed(feed_text(name, content_type))
    assert [e.title for e in entries] == ["고을 작은도서관 똠방 이야기 모임", "고을 체육관 보수"]
    # RSS 0.92: <link> after the description, an offset without a colon.
    assert entries[0].link == "http://goeul.example/view.php?id=31"
    assert entries[0].published_raw == "Sat, 14 Nov 2026 21:15:06 +0900"
    assert entries[0].summary == "원문 보기\n작은도서관에서 옛이야기 모임이 열린다."


def test_rss2_entries():
    entries = parse_feed(feed_text("feed_utf8.xml"))
    assert [e.link for e in entries] == [
        "https://www.solbit.example/view/1001?utm_source=rss",
        "https://www.solbit.example/view/1000",
        "https://www.solbit.example/view/998",
        "https://www.solbit.example/view/900",
    ]  # the entry without a link is skipped
    assert entries[0].author == "나무결 기자"  # dc:creator
    # A summary escaped twice is still read as HTML.
    assert entries[2].summary == "옛 창고가\n작은 도서관\n으로 바뀌었다."


def test_atom_entries():
    (first, second) = parse_feed(feed_text("atom.xml"))
    assert first.link == "https://yeoul.example/a/77"  # rel=alternate, not rel=edit
    assert first.title == "여울 작은도서관 <책 잔치>"
    assert first.published_raw == "2026-11-10T08:00:00+09:00"
    assert first.author == "강여울"
    assert second.link == "https://yeoul.example/a/76"
    assert second.published_raw == "2026-11-09T08:00:00Z"


@pytest.mark.parametrize(
    ("text", "links"),
    [
        # lxml recovers from a bare "&" where the XML is otherwise well-formed enough.
        (
            (FIXTURES / "rss" / "feed_broken.xml").read_text(),
            ["https://broken.example/read.php?id=5&cat=2"],
        ),
        ("", []),
        ("<html><body>not a feed</body></html>", []),
        ("<?xml version='1.0' encoding='euc-kr'?><rss><channel></channel></rss>", []),
    ],
)
def test_ugly_feeds(text, links):
    assert [e.link for e in parse_feed(text)] == links


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("plain  text", "plain text"),
        ("<p>a</p><p>b &amp; c</p>", "a\nb & c"),
        ("", ""),
    ],
)
def test_html_to_text(fragment, expected):
    assert html_to_text(fragment) == expected


def test_packaged_and_configured_feed_lists(tmp_path):
    packaged = load_feed_sources()
    assert packaged
    assert all(s.url.startswith("https://") and s.outlet for s in packaged)
    path = tmp_path / "feeds.csv"
    path.write_text(
        "url,outlet,home_region\n# a comment row\n,빈 줄,\nhttp://a.example/rss,가,서울\n"
    )
    assert load_feed_sources(path) == [FeedSource("http://a.example/rss", "가", "서울")]


# --- The spider -------------------------------------------------------------------------------


def test_feed_requests_matching_articles_with_hints():
    spider = make_spider(since="2026-11-01")
    requests = list(spider.parse(feed_response("feed_utf8.xml", "text/xml"), source=SOURCE))
    # 1000 is off topic, 900 older than since; "작은 도서관" matches without its space.
    assert [r.url for r in requests] == [
        "https://www.solbit.example/view/1001?utm_source=rss",
        "https://www.solbit.example/view/998",
    ]
    hints = requests[0].cb_kwargs
    assert hints["source_url"] == "https://solbit.example/view/1001"
    assert hints["outlet_raw"] == "솔빛뉴스"
    assert hints["published_raw"] == "Mon, 16 Nov 2026 10:00:00 +0900"
    assert hints["extra"]["outlet_home_region"] == "충남"
    counts = spider.crawler.stats.get_stats()
    assert counts["clipper/listing/entries"] == 4
    assert counts["clipper/rss/entries/matched"] == 2
    assert counts["clipper/rss/entries/unmatched"] == 1
    assert counts["clipper/rss/entries/outside_window"] == 1


def test_stored_articles_are_not_fetched_again():
    spider = make_spider(known={"https://solbit.example/view/1001"})
    requests = list(spider.parse(feed_response("feed_utf8.xml", "text/xml"), source=SOURCE))
    assert [r.url for r in requests] == [
        "https://www.solbit.example/view/998",
        "https://www.solbit.example/view/900",
    ]
    assert spider.crawler.stats.get_value("clipper/rss/article/skipped_known") == 1


def test_article_page_goes_through_the_base():
    spider = make_spider()
    (request, *_) = spider.parse(feed_response("feed_utf8.xml", "text/xml"), source=SOURCE)
    response = file_response("rss/article_jsonld.html", request.url)
    (item,) = request.callback(response, **request.cb_kwargs)
    assert item.url == item.source_url == "https://solbit.example/view/1001"
    assert item.title == "솔빛동 작은도서관, 동화 구연 대회"
    assert item.body.count("\n\n") == 2
    assert item.published == datetime(2026, 11, 16, 10, 0, tzinfo=KST)
    assert item.outlet_raw == "솔빛뉴스"
    assert item.extra["source_kind"] == "feed"
    assert "feed_summary" not in item.extra
    assert spider.crawler.stats.get_value("clipper/extract/published/jsonld") == 1


def failure_for(request: Request, status: int | None) -> Failure:
    if status is None:
        error: Exception = TimeoutError("took too long")
    else:
        error = HttpError(TextResponse(request.url, status=status, request=request))
    failure = Failure(error)
    failure.request = request
    return failure


@pytest.mark.parametrize(
    ("status", "degraded"), [(404, True), (410, True), (503, False), (None, False)]
)
def test_a_gone_article_becomes_a_degraded_item_from_the_feed(status, degraded):
    spider = make_spider()
    (request, *_) = spider.parse(feed_response("feed_utf8.xml", "text/xml"), source=SOURCE)
    items = list(request.errback(failure_for(request, status)))
    counts = spider.crawler.stats.get_stats()
    if not degraded:
        # Nothing stored: the next run tries the page again.
        assert items == []
        assert counts["clipper/rss/article/failed"] == 1
        return
    (item,) = items
    assert item.url == item.source_url == "https://solbit.example/view/1001"
    assert item.title == "솔빛동 작은도서관, 동화 구연 대회"
    assert item.body == "솔빛동 작은도서관에서 동화 구연 대회가 열린다."
    assert item.published_raw == "Mon, 16 Nov 2026 10:00:00 +0900"
    assert item.extra["degraded"] == "feed_entry"
    assert counts["clipper/rss/article/degraded"] == 1


def test_feed_argument_selects_feeds(tmp_path):
    path = tmp_path / "feeds.csv"
    path.write_text(
        "url,outlet,home_region\nhttp://a.example/rss,가,서울\nhttp://b.example/rss,나,\n"
    )
    crawler = get_crawler(RssSpider, {"CLIPPER_RSS_FEEDS": str(path)})
    assert [s.outlet for s in RssSpider.from_crawler(crawler, feed="b.example").feed_sources()] == [
        "나"
    ]
    assert [s.outlet for s in RssSpider.from_crawler(crawler, feed="가").feed_sources()] == ["가"]
    with pytest.raises(ValueError, match="nowhere"):
        RssSpider.from_crawler(crawler, feed="nowhere")


# --- End to end: rss and localnews on one database -------------------------------------------


def crawl(spider: str, setting: str, csv_text: str, mirror, tmp_path: Path, db: str) -> str:
    path = tmp_path / f"{spider}.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable, "-m", "clipper", "crawl", spider, "-s", f"{setting}={path}",
            "-s", f"CLIPPER_ALLOWED_PRIVATE_HOSTS={mirror.url.split('://')[1]}",
            "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "LOG_LEVEL=INFO",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, CLIPPER_DATABASE_URL=db),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.stderr


def test_crawl_feeds_after_localnews_one_article_per_page(mirror, tmp_path):
    db = f"sqlite:///{tmp_path / 'clipper.sqlite'}"
    crawl("localnews", "CLIPPER_LOCALNEWS_SITES", sites_csv(mirror.url), mirror, tmp_path, db)
    log = crawl("rss", "CLIPPER_RSS_FEEDS", feeds_csv(mirror.url), mirror, tmp_path, db)

    engine = create_engine(db)
    with Session(engine) as session:
        articles = {a.url: a for a in session.scalars(select(Article))}
        sightings = list(session.scalars(select(Sighting)))
    engine.dispose()

    # Every on-topic feed item is stored once, from all three encodings.
    expected = {}
    for feed in load_feeds().values():
        for item in feed.items:
            if match_terms("\n".join([item.title, *item.paragraphs]), DEFAULT_TERMS):
                expected[f"https://{feed.slug}.example/news/{item.n}"] = (feed, item)
    assert {url for url in articles if "/news/articleView" not in url} == set(expected)
    for url, (feed, item) in expected.items():
        article = articles[url]
        assert article.title == item.title, feed.encoding
        assert article.outlet_raw == feed.outlet
        assert article.published == item.published
        if item.missing:
            assert article.body == item.paragraphs[0]  # the feed's summary
        else:
            assert article.body.split("\n\n") == list(item.paragraphs)
    assert "'clipper/rss/article/degraded': 1" in log

    # The local site's feed lists the articles its search found: the same pages, so the
    # rss spider skips them and each stays one article with one sighting (its page).
    hanbit = [
        a for a in load_localnews().site_articles("hanbit") if match_terms(a.text, DEFAULT_TERMS)
    ]
    assert f"'clipper/rss/article/skipped_known': {len(hanbit)}" in log
    by_source = {}
    for sighting in sightings:
        by_source.setdefault(sighting.article_id, []).append(sighting.source_url)
    assert len(sightings) == len(articles)
    for article in articles.values():
        (source,) = by_source[article.id]
        assert source.startswith(mirror.url)


# --- Feed limits (issue 13, item 9) --------------------------------------------------------------


def big_feed(items: int) -> bytes:
    """An RSS feed of ``items`` on-topic entries, newest first (75,000 in about 5 MB)."""
    entries = "".join(
        f"<item><title>작은도서관 {n}</title><link>https://www.solbit.example/view/{n}</link></item>"
        for n in range(items, 0, -1)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss><channel>{entries}</channel></rss>'.encode()


def test_a_feed_of_75000_entries_reads_the_first_ones_and_counts_the_rest(caplog):
    spider = make_spider()
    response = TextResponse(
        SOURCE.url, body=big_feed(75_000), headers={"Content-Type": "text/xml"},
        request=Request(SOURCE.url),
    )  # fmt: skip
    started = time.perf_counter()
    requests = list(spider.parse(response, source=SOURCE))
    elapsed = time.perf_counter() - started
    assert len(requests) == 1000
    assert requests[0].url == "https://www.solbit.example/view/75000"  # the newest first
    stats = spider.crawler.stats.get_stats()
    assert stats["clipper/rss/feed/entries_truncated"] == 74_000
    assert stats["clipper/rss/feed/truncated"] == 1
    assert stats["clipper/listing/entries"] == 1000
    assert "lists 75000 entries: read the first 1000" in caplog.text
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_the_feed_cap_is_a_setting():
    crawler = get_crawler(RssSpider, {"CLIPPER_FEED_MAX_ITEMS": 0})
    spider = RssSpider.from_crawler(crawler)
    crawler.stats.open_spider()
    spider.now = lambda: NOW
    response = TextResponse(SOURCE.url, body=big_feed(1500), request=Request(SOURCE.url))
    assert len(list(spider.parse(response, source=SOURCE))) == 1500
    assert crawler.stats.get_value("clipper/rss/feed/entries_truncated") is None


def test_feed_requests_report_their_failures():
    # A feed over DOWNLOAD_MAXSIZE (or failing after retries) is a named failed download.
    spider = make_spider()

    async def collect():
        return [request async for request in spider.start()]

    requests = asyncio.run(collect())
    assert requests
    assert all(request.errback == spider.download_failed for request in requests)


def test_unclosed_cdata_sections_parse_in_linear_time():
    # A regex for whole CDATA sections rescanned to the end from every unclosed one.
    text = "<rss><channel>" + "<![CDATA[ &" * 200_000 + "</channel></rss>"
    started = time.perf_counter()
    parse_feed(text)
    assert time.perf_counter() - started < 2
    feed = parse_feed(
        "<rss><channel><item><title><![CDATA[a & b]]></title>"
        "<link>https://x.example/?a=1&b=2</link></item></channel></rss>"
    )
    assert [(e.title, e.link) for e in feed] == [("a & b", "https://x.example/?a=1&b=2")]
