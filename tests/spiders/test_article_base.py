"""The article-page base: requests that skip stored pages, extraction into items, and the
field coverage stats that show a layout change."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pages import file_response
from scrapy.utils.test import get_crawler

from clipper.text.dates import KST
from clipper.text.relevance import DEFAULT_TERMS
from clipper.text.urls import canonical_url
from spiders.article import DEFAULT_KEYWORDS, ArticlePageSpider

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KST)
CMS = "http://www.sandeul.example/news/articleView.html?idxno={}"


class PageSpider(ArticlePageSpider):
    name = "pages"
    source_kind = "outlet"


def make_spider(settings: dict | None = None, known: set[str] = frozenset(), **kwargs):
    crawler = get_crawler(PageSpider, settings or {})
    spider = PageSpider.from_crawler(crawler, **kwargs)
    crawler.stats.open_spider()
    spider.now = lambda: NOW
    spider.known_urls = lambda urls: set(urls) & set(known)
    return spider


def stats(spider) -> dict:
    return spider.crawler.stats.get_stats()


def article(spider, fixture: str, page_url: str, content_type: str | None = None, **hints):
    response = file_response(fixture, page_url)
    if content_type:
        response = response.replace(headers={"Content-Type": content_type})
    (item,) = spider.parse_article(response, **hints)
    return item


# --- Requests ---------------------------------------------------------------------------------


def test_article_request_carries_the_canonical_source_and_the_hints():
    spider = make_spider()
    link = "http://www.sandeul.example/news/articleView.html?idxno=812&sc_word=x"
    request = spider.article_request(link, meta_item={"outlet_raw": "산들신문"}, priority=3)
    assert request.url == link  # fetched as linked: the canonical host may not be served
    assert request.priority == 3
    assert request.callback == spider.parse_article
    assert request.cb_kwargs == {
        "outlet_raw": "산들신문",
        "source_url": "http://sandeul.example/news/articleView.html?idxno=812",
    }


@pytest.mark.parametrize(
    ("full", "known", "expected_stat"),
    [
        ("0", {"http://sandeul.example/news/articleView.html?idxno=812"}, "skipped_known"),
        ("1", {"http://sandeul.example/news/articleView.html?idxno=812"}, None),
        ("0", set(), None),
    ],
)
def test_article_request_skips_stored_pages_unless_full(full, known, expected_stat):
    spider = make_spider(known=known, full=full)
    request = spider.article_request(CMS.format(812))
    assert (request is None) == (expected_stat is not None)
    assert stats(spider).get("clipper/pages/article/skipped_known") == (
        1 if expected_stat else None
    )


def test_article_request_once_per_canonical_page_and_never_for_junk():
    spider = make_spider()
    first = spider.article_request(CMS.format(5) + "&page=2")
    again = spider.article_request("http://sandeul.example/news/articleView.html?idxno=5#x")
    junk = spider.article_request("javascript:void(0)")
    assert first is not None
    assert again is None
    assert junk is None
    assert stats(spider)["clipper/pages/article/skipped_duplicate"] == 1
    assert stats(spider)["clipper/pages/article/bad_url"] == 1


def test_article_request_uses_a_given_known_set_without_asking_the_store():
    spider = make_spider()
    spider.known_urls = lambda urls: pytest.fail("the store was asked")
    source = "http://sandeul.example/news/articleView.html?idxno=9"
    assert spider.article_request(CMS.format(9), known={source}) is None
    assert spider.article_request(CMS.format(10), known={source}) is not None


def test_explicit_source_url_is_the_sighting():
    spider = make_spider()
    request = spider.article_request(
        "https://news.google.example/rss/articles/CBMi123?oc=5",
        source_url="https://news.google.example/rss/articles/CBMi123",
    )
    assert request.cb_kwargs["source_url"] == "https://news.google.example/rss/articles/CBMi123"


# --- Article pages ----------------------------------------------------------------------------


def test_parse_article_on_the_newer_cms_skin():
    spider = make_spider()
    url = "https://www.neoul.example/news/articleView.html?idxno=4410"
    item = article(spider, "localnews/article_new.html", url, source_url=url)
    assert item.url == item.source_url == "https://neoul.example/news/articleView.html?idxno=4410"
    assert item.title == "바닷가 마을 작은도서관, 어부 아저씨의 그림책"
    assert item.body.startswith("바닷가 마을 작은도서관에 평생")
    assert "무단전재" not in item.body
    # 입력, not 수정: the publication time, parsed and kept with its raw string.
    assert item.published == datetime(2026, 11, 2, 10, 20, tzinfo=KST)
    assert "2026.11.02 10:20" in item.published_raw
    assert item.outlet_raw == "너울일보"
    assert item.spider == "pages"
    assert item.fetched_at == NOW
    assert len(item.html_hash) == 40
    assert item.extra["source_kind"] == "outlet"
    counts = stats(spider)
    for name in ("title", "published", "body"):
        assert counts[f"clipper/extract/{name}/site"] == 1


def test_changed_layout_degrades_to_generic_layers_and_shows_in_stats():
    spider = make_spider()
    url = CMS.format(812)
    item = article(spider, "localnews/article_changed.html", url)
    # Still an article: the CMS selectors found nothing, the generic layers did.
    assert item.title == "들꽃마을 작은도서관, 가을 시 낭송회"
    assert "시 낭송회를 연다" in item.body
    assert item.published == datetime(2026, 10, 14, 9, 12, tzinfo=KST)
    counts = stats(spider)
    for name in ("title", "published", "body"):
        assert f"clipper/extract/{name}/site" not in counts
    assert counts["clipper/extract/title/meta"] == 1
    assert counts["clipper/extract/published/meta"] == 1
    assert sum(v for k, v in counts.items() if k.startswith("clipper/extract/body/")) == 1
    assert counts.get("clipper/extract/body/missing") is None


def test_euc_kr_page_with_cp949_bytes_is_read_through_the_header():
    spider = make_spider()
    item = article(
        spider,
        "localnews/article_old_euckr.html",
        CMS.format(807),
        content_type="text/html; charset=EUC-KR",
    )
    assert item.title == "읍내 작은도서관 열람실 넓힌다"
    assert "똠방각하" in item.body  # a cp949-only syllable
    assert item.published == datetime(2026, 9, 30, 17, 40, tzinfo=KST)
    assert item.extra["encoding"] == "cp949"


def test_hints_name_the_original_and_fill_only_what_the_page_lacks():
    spider = make_spider()
    portal_page = "https://portal.example/read/77?from=main"
    item = article(
        spider,
        "localnews/article_changed.html",
        portal_page,
        url="http://www.sandeul.example/news/articleView.html?idxno=812&utm_source=portal",
        outlet_raw="산들신문(제휴)",
        published_raw="2020.01.01",
        title="listing title",
        author="listing author",
        region_tag="경북",
        extra={"hit": 1},
    )
    assert item.url == "http://sandeul.example/news/articleView.html?idxno=812"
    assert item.source_url == "https://portal.example/read/77"
    assert item.outlet_raw == "산들신문(제휴)"  # the listing's outlet wins
    assert item.title == "들꽃마을 작은도서관, 가을 시 낭송회"  # the page's title wins
    assert item.published == datetime(2026, 10, 14, 9, 12, tzinfo=KST)
    assert item.region_tag == "경북"
    assert item.extra["hit"] == 1


@pytest.mark.parametrize(
    ("fetched", "site_domain", "expected_url", "declared"),
    [
        # The mirror (or any other host) serving the site's page: its declared URL names it.
        ("http://127.0.0.1:9/sandeul/news/articleView.html?idxno=812", "sandeul.example",
         "http://sandeul.example/news/articleView.html?idxno=812", 1),
        # Without the site's domain a foreign declared URL is not trusted.
        ("http://127.0.0.1:9/sandeul/news/articleView.html?idxno=812", "",
         "http://127.0.0.1:9/sandeul/news/articleView.html?idxno=812", None),
        # On its own host the declared URL and the fetched one agree.
        ("http://m.sandeul.example/news/articleView.html?idxno=812&page=2", "",
         "http://sandeul.example/news/articleView.html?idxno=812", None),
    ],
)  # fmt: skip
def test_the_url_a_page_declares_names_the_article(fetched, site_domain, expected_url, declared):
    spider = make_spider()
    response = file_response("localnews/article_new.html", fetched)
    og_url = b'<meta property="og:url" content="http://www.sandeul.example/news/articleView.html?idxno=812">'
    response = response.replace(body=response.body.replace(b"</head>", og_url + b"</head>"))
    (item,) = spider.parse_article(response, site_domain=site_domain)
    assert item.url == expected_url
    assert item.source_url == canonical_url(fetched)
    assert stats(spider).get("clipper/pages/article/url_declared") == declared


def test_hints_stand_in_when_the_page_has_nothing():
    spider = make_spider()
    response = file_response("localnews/list_empty.html", CMS.format(1))
    response = response.replace(body=b"<html><body></body></html>")
    (item,) = spider.parse_article(
        response, published_raw="2026-10-01 08:00:00", title="목록 제목", author="기자"
    )
    assert item.title == "목록 제목"
    assert item.published_raw == "2026-10-01 08:00:00"
    assert item.published is None  # the dates stage parses the raw string
    assert item.author == "기자"
    counts = stats(spider)
    for name in ("title", "published", "author", "body"):
        assert counts[f"clipper/extract/{name}/missing"] == 1


def test_unknown_hint_is_an_error_not_silence():
    spider = make_spider()
    with pytest.raises(TypeError):
        list(
            spider.parse_article(
                file_response("localnews/article_new.html", CMS.format(1)), outlet="x"
            )
        )


# --- Settings and feed entries ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, list(DEFAULT_KEYWORDS)),
        ([], list(DEFAULT_KEYWORDS)),
        (["새마을문고", " "], ["새마을문고"]),
        ("작은도서관,북카페", ["작은도서관", "북카페"]),
    ],
)
def test_keywords(setting, expected):
    spider = make_spider({} if setting is None else {"CLIPPER_KEYWORDS": setting})
    assert spider.keywords == expected
    assert set(expected) <= set(spider.filter_terms)
    assert set(DEFAULT_TERMS) <= set(spider.filter_terms)


@pytest.mark.parametrize(
    ("text", "published_raw", "since", "wanted", "outcome"),
    [
        ("마을 작은 도서관 개관", "2026-11-01 09:00:00", None, True, "matched"),
        ("시장 주차장 확장", "2026-11-01 09:00:00", None, False, "unmatched"),
        (
            "작은도서관 소식",
            "Sat, 31 Oct 2026 09:00:00 +0900",
            "2026-11-01",
            False,
            "outside_window",
        ),
        ("작은도서관 소식", "", "2026-11-01", True, "matched"),  # undated passes
        ("작은도서관 소식", "날짜 없음", "2026-11-01", True, "matched"),
    ],
)
def test_wants_entry(text, published_raw, since, wanted, outcome):
    spider = make_spider(since=since)
    assert spider.wants_entry(text, published_raw, stat="feed") is wanted
    assert stats(spider)[f"clipper/pages/feed/{outcome}"] == 1
    assert spider.since == (date.fromisoformat(since) if since else None)


# --- Extraction in worker processes (clipper.middlewares.workers) -----------------------------------------


def test_article_pages_are_marked_for_the_extraction_workers():
    from clipper.middlewares.workers import EXTRACT_META

    spider = make_spider()
    page = spider.article_request(CMS.format(21))
    other = spider.article_request(CMS.format(22), callback=spider.parse)
    assert page.meta.get(EXTRACT_META) is True
    assert EXTRACT_META not in other.meta  # its callback may never extract


def test_only_article_spiders_start_extraction_workers():
    from scrapy.exceptions import NotConfigured
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler

    from clipper import settings as project_settings
    from clipper.middlewares.workers import ExtractMiddleware
    from spiders.smalllibrary import SmallLibrarySpider

    project = Settings()
    project.setmodule(project_settings)
    assert (
        project.getdict("DOWNLOADER_MIDDLEWARES")["clipper.middlewares.workers.ExtractMiddleware"]
        == 100
    )
    options = {"CLIPPER_EXTRACT_WORKERS": 1}
    assert isinstance(
        ExtractMiddleware.from_crawler(get_crawler(PageSpider, options)), ExtractMiddleware
    )
    with pytest.raises(NotConfigured, match="no article pages"):
        ExtractMiddleware.from_crawler(get_crawler(SmallLibrarySpider, options))


def test_no_spider_callback_is_a_generator_returning_a_value():
    # Scrapy's own check is off (WARN_ON_GENERATOR_RETURN_VALUE: it re-parses the source of
    # a callback for every request); it runs here, on every generator method of our spiders.
    import importlib
    import inspect
    import pkgutil

    from scrapy.utils.misc import is_generator_with_return_value

    import spiders

    checked = 0
    for info in pkgutil.iter_modules(spiders.__path__):
        module = importlib.import_module(f"spiders.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for name, method in vars(cls).items():
                if inspect.isgeneratorfunction(method):
                    checked += 1
                    assert not is_generator_with_return_value(method), f"{cls.__name__}.{name}"
    assert checked > 5
