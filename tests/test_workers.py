"""Tests for clipper.middlewares.workers: extraction in worker processes and its downloader middleware.

The pool tests start real (spawned) worker processes, a second or so each; they check that
a worker's result is the spider's own, that a closed or broken pool leaves no process
behind and sends the pages back to the spider, and that a page past the deadline or one that
kills its worker is a named drop while the pool goes on with fresh workers. The slow and the
deadly page are made by the test-only fault hook (``FAULT_ENV``) in the worker process.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

import pytest
from pages import file_response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from clipper.middlewares.workers import (
    EXTRACT_META,
    FAULT_ENV,
    RESULT_META,
    ExtractCrashed,
    ExtractMiddleware,
    ExtractPool,
    ExtractTimeout,
    PageExtract,
    PoolClosed,
    default_workers,
    extract_page,
    extract_timeout,
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


@pytest.mark.parametrize(("value", "timeout"), [(None, 30.0), ("", 30.0), ("2.5", 2.5), (10, 10.0)])
def test_extract_timeout_setting(value, timeout):
    settings = Settings({} if value is None else {"CLIPPER_EXTRACT_TIMEOUT": value})
    assert extract_timeout(settings) == timeout


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf", "nan"])
def test_extract_timeout_setting_rejects_nonsense(value):
    with pytest.raises(ValueError, match="CLIPPER_EXTRACT_TIMEOUT"):
        extract_timeout(Settings({"CLIPPER_EXTRACT_TIMEOUT": value}))


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


def test_a_dead_worker_is_replaced_and_the_next_job_done():
    counted = []
    pool = ExtractPool(1, count=counted.append)

    async def kill_then_run():
        await pool.run(*job(PAGES[0], 1))
        dead = pool._procs[0].process
        dead.kill()
        await asyncio.sleep(0.5)  # the pool sees the end of the stream
        return dead, await pool.run(*job(PAGES[1], 2))

    try:
        dead, got = asyncio.run(kill_then_run())
        assert pool._procs[0].process is not dead
    finally:
        pool.close()
    assert got == work_page(*job(PAGES[1], 2))
    assert counted == ["pool/replaced"]
    assert not pool.broken
    assert not multiprocessing.active_children()


def run_concurrently(pool: ExtractPool, jobs: list[tuple]) -> list:
    async def run_all():
        return await asyncio.gather(*(pool.run(*args) for args in jobs), return_exceptions=True)

    try:
        return asyncio.run(run_all())
    finally:
        pool.close()


def test_a_page_past_the_deadline_is_dropped_and_its_worker_replaced(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "hang:idxno=2")  # the worker hangs on page 2
    counted = []
    pool = ExtractPool(1, timeout=3.0, count=counted.append)
    jobs = [job(PAGES[0], 1), job(PAGES[1], 2), job(PAGES[1], 3)]
    started = time.monotonic()
    first, slow, behind = run_concurrently(pool, jobs)
    assert isinstance(slow, ExtractTimeout)
    assert not slow.lasting  # the next run tries the page again
    # The pages before and behind it get their own results (page 3 from the fresh worker).
    assert [first, behind] == [work_page(*jobs[0]), work_page(*jobs[2])]
    assert counted == ["pool/replaced"]
    assert time.monotonic() - started < 30  # not the hour the worker would have slept
    assert not multiprocessing.active_children()


def test_a_page_that_kills_workers_is_tried_once_more_then_dropped(monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "exit:idxno=2")  # the worker dies on page 2
    counted = []
    pool = ExtractPool(1, count=counted.append)
    jobs = [job(PAGES[0], 1), job(PAGES[1], 2), job(PAGES[1], 3)]
    first, deadly, behind = run_concurrently(pool, jobs)
    assert isinstance(deadly, ExtractCrashed)
    assert not deadly.lasting
    assert [first, behind] == [work_page(*jobs[0]), work_page(*jobs[2])]
    assert counted == ["pool/replaced", "pool/replaced"]  # two workers died on it
    assert not pool.broken
    assert not multiprocessing.active_children()


def test_workers_that_die_before_they_are_ready_break_the_pool(monkeypatch):
    pool = ExtractPool(1)

    async def kill_then_run():
        pool.start()
        pool._procs[0].process.kill()
        return await pool.run(*job(PAGES[0], 1))

    try:
        with pytest.raises(BrokenProcessPool):  # the spider extracts the page
            asyncio.run(kill_then_run())
        assert pool.closed
        assert pool.broken
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


def test_middleware_drops_a_page_past_the_deadline_by_name(monkeypatch):
    from scrapy import signals
    from scrapy.exceptions import IgnoreRequest

    monkeypatch.setenv(FAULT_ENV, "hang:idxno=7")
    spider = make_spider()
    dropped = []
    spider.crawler.signals.connect(
        lambda item, response, exception, spider: dropped.append((item, exception)),
        signal=signals.item_dropped,
        weak=False,
    )
    mw = ExtractMiddleware(spider.crawler, 1, timeout=3.0)
    slow = marked(PAGES[0], 7, cb_kwargs={"source_url": "https://board.example/helper/news/7"})
    fine = marked(PAGES[1], 8)

    async def process():
        mw.spider_opened()
        results = await asyncio.gather(
            mw.process_response(slow.request, slow),
            mw.process_response(fine.request, fine),
            return_exceptions=True,
        )
        mw.spider_closed()
        return results

    slow_out, fine_out = asyncio.run(process())
    # Not handed to the spider (which would extract it on the reactor, with no deadline).
    assert isinstance(slow_out, IgnoreRequest)
    assert fine_out is fine
    assert RESULT_META in fine.meta
    ((item, exception),) = dropped
    assert isinstance(exception, ExtractTimeout)
    assert item.source_url == "https://board.example/helper/news/7"
    assert item.spider == "pages"
    assert stats(spider) == {"pages/timeout": 1, "pool/replaced": 1, "pages/pool": 1}
    assert not multiprocessing.active_children()
