"""Tests for clipper.middlewares.workers: extraction in worker processes and its downloader middleware.

The pool tests start real (spawned) worker processes, a second or so each; they check that
a worker's result is the spider's own, and that a closed or broken pool leaves no process
behind and sends the pages back to the spider.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import datetime

import pytest
from pages import file_response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from clipper.middlewares.workers import (
    EXTRACT_META,
    RESULT_META,
    ExtractMiddleware,
    ExtractPool,
    PageExtract,
    PoolClosed,
    default_workers,
    extract_page,
    extract_workers,
    take_extracted,
    work_page,
)
from clipper.text.dates import KST
from spiders.article import ArticlePageSpider

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KST)
CMS = "http://www.sandeul.example/news/articleView.html?idxno={}"
PAGES = ["localnews/article_new.html", "localnews/article_changed.html"]
OLD_EUCKR = "localnews/article_old_euckr.html"


class PageSpider(ArticlePageSpider):
    name = "pages"


def make_spider(settings: dict | None = None) -> PageSpider:
    crawler = get_crawler(PageSpider, settings or {})
    spider = PageSpider.from_crawler(crawler)
    crawler.spider = spider
    crawler.stats.open_spider()
    spider.now = lambda: NOW
    return spider


def job(path: str, idxno: int, content_type: str | None = None) -> tuple:
    response = file_response(path, CMS.format(idxno))
    return (response.body, response.url, content_type, None, NOW)


def stats(spider) -> dict:
    return {
        k.removeprefix("clipper/workers/"): v
        for k, v in spider.crawler.stats.get_stats().items()
        if k.startswith("clipper/workers/")
    }


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 1), (3, 2), (16, 2)])
def test_default_workers_leave_a_core_to_the_reactor(cores, workers):
    assert default_workers(cores) == workers


@pytest.mark.parametrize(
    ("value", "workers"),
    [(None, default_workers()), ("", default_workers()), ("0", 0), (3, 3), (" 2 ", 2)],
)
def test_extract_workers_setting(value, workers):
    settings = Settings({} if value is None else {"CLIPPER_EXTRACT_WORKERS": value})
    assert extract_workers(settings) == workers


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_extract_workers_setting_rejects_nonsense(value):
    with pytest.raises(ValueError, match="CLIPPER_EXTRACT_WORKERS"):
        extract_workers(Settings({"CLIPPER_EXTRACT_WORKERS": value}))


def test_zero_workers_switch_the_middleware_off():
    from scrapy.exceptions import NotConfigured

    crawler = get_crawler(PageSpider, {"CLIPPER_EXTRACT_WORKERS": 0})
    with pytest.raises(NotConfigured):
        ExtractMiddleware.from_crawler(crawler)


# --- results handed to the spider -----------------------------------------------------------


def test_take_extracted_only_for_the_same_bytes():
    response = file_response(PAGES[0], CMS.format(1))
    done = PageExtract(response.body, *work_page(*job(PAGES[0], 1)))
    response.meta[RESULT_META] = done
    assert take_extracted(response) == done
    assert take_extracted(response) is None  # taken once
    # A result copied along with the meta into another request is not that page's.
    other = file_response(PAGES[1], CMS.format(2))
    other.meta[RESULT_META] = done
    assert take_extracted(other) is None


def test_a_workers_job_is_the_extraction_plus_the_text_stages_work():
    from clipper.text.prepare import prepare

    found, html_hash, prepared = work_page(*job(PAGES[0], 1))
    assert (found, html_hash) == extract_page(*job(PAGES[0], 1))
    assert prepared == prepare(found.title, found.body)


def test_take_extracted_without_a_request():
    from scrapy.http import HtmlResponse

    assert take_extracted(HtmlResponse(url=CMS.format(1), body=b"<html></html>")) is None


# --- the pool -----------------------------------------------------------------------------------


def test_pool_gives_the_spiders_own_results_and_stops_its_workers():
    jobs = [job(PAGES[0], 1), job(PAGES[1], 2), job(OLD_EUCKR, 3, "euc-kr")] * 3
    pool = ExtractPool(1)

    async def run_all():
        return await asyncio.gather(*(pool.run(*args) for args in jobs))

    try:
        results = asyncio.run(run_all())
        processes = [w.process for w in pool._procs]
    finally:
        pool.close()
    assert results == [work_page(*args) for args in jobs]
    assert results[2][0].encoding == "cp949"
    assert processes
    assert not any(p.is_alive() for p in processes)
    assert not multiprocessing.active_children()
    with pytest.raises(PoolClosed):
        asyncio.run(pool.run(*jobs[0]))
    pool.start()  # closed for good: no new workers
    assert not pool.running


def test_a_dead_worker_breaks_the_pool():
    from concurrent.futures.process import BrokenProcessPool

    pool = ExtractPool(1)

    async def kill_then_run():
        await pool.run(*job(PAGES[0], 1))
        pool._procs[0].process.kill()
        return await pool.run(*job(PAGES[0], 1))

    try:
        with pytest.raises(BrokenProcessPool):
            asyncio.run(kill_then_run())
        assert pool.closed
    finally:
        pool.close()
    assert not multiprocessing.active_children()


def test_a_cancelled_job_does_not_shift_the_results():
    # Results come back in send order; the answer to a job whose response was cancelled
    # is skipped, so the next job gets its own result.
    pool = ExtractPool(1)

    async def cancel_then_run():
        first = asyncio.ensure_future(pool.run(*job(PAGES[0], 1)))
        await asyncio.sleep(0)
        first.cancel()
        return await pool.run(*job(PAGES[1], 2))

    try:
        got = asyncio.run(cancel_then_run())
    finally:
        pool.close()
    assert got == work_page(*job(PAGES[1], 2))


# --- the middleware -----------------------------------------------------------------------------


def middleware(spider, workers: int = 1) -> ExtractMiddleware:
    return ExtractMiddleware(spider.crawler, workers)


def marked(path: str, idxno: int, **kwargs):
    return file_response(path, CMS.format(idxno), meta={EXTRACT_META: True}, **kwargs)


def test_middleware_extracts_marked_pages_and_the_spider_uses_the_result(monkeypatch):
    spider = make_spider()
    mw = middleware(spider)
    pages = [marked(PAGES[0], 1), file_response(PAGES[1], CMS.format(2))]

    async def process():
        return [await mw.process_response(r.request, r) for r in pages]

    mw.spider_opened()
    try:
        out = asyncio.run(process())
    finally:
        mw.spider_closed()
    assert out == pages  # responses pass through unchanged
    assert RESULT_META in pages[0].meta
    assert RESULT_META not in pages[1].meta  # not marked: left to the spider
    assert stats(spider) == {"pages/pool": 1}
    expected = next(iter(make_spider().parse_article(file_response(PAGES[0], CMS.format(1)))))
    monkeypatch.setattr(
        "spiders.article.extract_page", lambda *a: pytest.fail("extracted a second time")
    )
    (item,) = spider.parse_article(pages[0])
    assert (item.title, item.body, item.published, item.url, item.html_hash) == (
        expected.title,
        expected.body,
        expected.published,
        expected.url,
        expected.html_hash,
    )


def test_middleware_leaves_work_to_the_spider_when_busy_closed_or_broken():
    spider = make_spider()
    mw = middleware(spider)
    mw.max_pending = 0  # the workers are "full"
    busy = marked(PAGES[0], 1)
    error = marked(PAGES[0], 2)
    error_response = error.replace(status=404)
    asyncio.run(mw.process_response(busy.request, busy))
    asyncio.run(mw.process_response(error.request, error_response))
    assert stats(spider) == {"pages/busy": 1}  # the 404 is not an article page

    mw.max_pending = 8
    broken = [marked(PAGES[0], n) for n in (3, 4)]

    async def kill_then_process():
        mw.pool.start()
        mw.pool._procs[0].process.kill()
        for response in broken:
            await mw.process_response(response.request, response)

    try:
        asyncio.run(kill_then_process())
    finally:
        mw.spider_closed()
    assert not any(RESULT_META in r.meta for r in [busy, *broken])
    assert stats(spider) == {"pages/busy": 1, "pool/broken": 1, "pages/unavailable": 2}
    assert not multiprocessing.active_children()
    # The spider extracts such pages itself.
    (item,) = spider.parse_article(broken[0])
    assert item.title == "바닷가 마을 작은도서관, 어부 아저씨의 그림책"
