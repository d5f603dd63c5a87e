"""Article extraction in worker processes, so the reactor thread keeps crawling.

Extracting a page (decode, the lxml and BeautifulSoup parses, the layers) is ~2 ms of CPU
per article; on the reactor thread it holds up every download and pipeline stage while the
machine's other core idles. :class:`ExtractMiddleware`, a downloader middleware, sends the
bytes of each article page to an :class:`ExtractPool` as the response arrives, awaits the
result without blocking the reactor and leaves it in ``request.meta`` for
:meth:`spiders.article.ArticlePageSpider.parse_article`, which then skips its own
extraction. The output is the same either way: one function, :func:`extract_page`, runs in
the worker or in the spider. The worker's job (:func:`work_page`) also does the text
steps on what it extracted (:func:`clipper.text.prepare.prepare`), which the text stages
then reuse, and ``clipper.middlewares.charset`` takes the page's encoding from the worker's decode. The
pool is driven by the asyncio event loop, so it needs the asyncio reactor (Scrapy's
default); under another reactor the middleware switches off.

Only requests that :meth:`~spiders.article.ArticlePageSpider.article_request` marks
(``meta[EXTRACT_META]``, set when ``parse_article`` is the callback) are sent, and only 2xx
responses; others pass untouched. When the workers already have ``8 x workers`` pages to do
(the machine's other core is busy), the spider extracts the page itself rather than let it
wait.

Setting ``CLIPPER_EXTRACT_WORKERS``: worker processes; default ``min(2, cores - 1)``, so 0 on
one core; 0 switches the middleware off. The workers are spawned when the spider opens (they
import while the crawl fetches its listings) and stopped and joined when it closes. Like any
spawned process they import the program's main module, which must keep its work under
``if __name__ == "__main__"`` (``scrapy`` and ``clipper`` do).

Stats ``clipper/workers/...``: ``pages/pool`` (extracted in a worker), ``pages/busy`` (the
workers had enough queued: extracted by the spider), ``pages/unavailable`` (the pool is
closed or broken: extracted by the spider), ``pages/failed`` (a job raised: extracted by the
spider), ``pool/broken`` (once: a worker died; the pool is shut down and the rest of the crawl
extracts in the spider).
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from clipper.extract import Extracted, SiteRules, extract_article
from clipper.text.encoding import charset_from_content_type
from clipper.text.prepare import Prepared, prepare

__all__ = [
    "EXTRACT_META",
    "ExtractMiddleware",
    "ExtractPool",
    "PageExtract",
    "default_workers",
    "extract_page",
    "extract_workers",
    "take_extracted",
    "work_page",
]

# request.meta key: extract this page in the pool (set by ArticlePageSpider.article_request).
EXTRACT_META = "clipper_extract"
# request.meta key: the pool's result, a PageExtract.
RESULT_META = "clipper_extracted"
# A small page that walks every import and lazy cache the extractor uses (registry, dates).
_WARM_PAGE = (
    b'<html><head><meta property="og:title" content="x - y"><meta property="article:'
    b'published_time" content="2024-01-02T03:04:05+09:00"></head><body><p>x</p></body></html>'
)


def extract_page(
    body: bytes,
    url: str,
    declared_encoding: str | None,
    site_rules: SiteRules | None,
    now: datetime | None,
) -> tuple[Extracted, str]:
    """The extraction of one fetched page and the SHA-1 of its bytes (the item's
    ``html_hash``): the job a worker runs, and what the spider runs without one."""
    found = extract_article(
        body, url, declared_encoding=declared_encoding, site_rules=site_rules, now=now
    )
    return found, hashlib.sha1(body).hexdigest()


def work_page(*args: Any) -> tuple[Extracted, str, Prepared]:
    """A worker's job: :func:`extract_page`, then the text steps on the extracted title and
    body (:func:`clipper.text.prepare.prepare`), which the reactor would otherwise do in the
    pipeline."""
    found, html_hash = extract_page(*args)
    return found, html_hash, prepare(found.title, found.body)


@dataclass(frozen=True)
class PageExtract:
    """A worker's result for one response; ``body`` is that response's bytes object, so a
    result copied into another request's meta is never taken for its page."""

    body: bytes
    found: Extracted
    html_hash: str
    prepared: Prepared


def worker_result(meta: dict, body: bytes) -> PageExtract | None:
    """The pool's result for the page ``body`` in its request's ``meta`` (left there), or
    None when there is none: no pool, or a failed job."""
    done = meta.get(RESULT_META)
    if not isinstance(done, PageExtract) or done.body is not body:
        return None
    return done


def take_extracted(response: Any) -> PageExtract | None:
    """The pool's result for ``response`` (removed from its meta), or None when there is
    none: no pool, a failed job, or a response not tied to a request (tests)."""
    try:
        meta = response.meta
    except AttributeError:  # Response.meta raises when there is no request
        return None
    done = worker_result(meta, response.body)
    meta.pop(RESULT_META, None)
    return done


def default_workers(cpu_count: int | None = None) -> int:
    """One or two workers, leaving a core to the reactor; none on a single core."""
    cores = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    return max(0, min(2, cores - 1))


def extract_workers(settings: Any) -> int:
    """``CLIPPER_EXTRACT_WORKERS``, else :func:`default_workers`. Raises ValueError on a
    value that is not a whole number >= 0."""
    raw = settings.get("CLIPPER_EXTRACT_WORKERS")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default_workers()
    try:
        workers = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"CLIPPER_EXTRACT_WORKERS must be a whole number, got {raw!r}") from None
    if workers < 0:
        raise ValueError(f"CLIPPER_EXTRACT_WORKERS must be 0 or more, got {workers}")
    return workers


class PoolClosed(Exception):
    """The pool was closed (the spider closed) while a job waited for its result."""


_HEADER = struct.Struct("!Q")  # the length of the pickled frame that follows


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from a blocking socket; None at end of stream."""
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _serve(sock: socket.socket) -> None:
    """A worker: read a job, extract, write the result, until the crawler closes its end."""
    # Ctrl-C reaches the whole process group: the crawl shuts down gracefully and closes
    # the pool itself, so a worker must not die of it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    work_page(_WARM_PAGE, "http://warm.invalid/", None, None, None)  # imports, caches
    with sock:
        while True:
            header = _recv_exactly(sock, _HEADER.size)
            payload = _recv_exactly(sock, _HEADER.unpack(header)[0]) if header else None
            if payload is None:
                return
            try:
                result: tuple[str, Any] = ("ok", work_page(*pickle.loads(payload)))
            except Exception as exc:  # work_page never raises; a bad job still must not
                result = ("error", repr(exc))  # take the worker down
            frame = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            sock.sendall(_HEADER.pack(len(frame)) + frame)


class _Worker:
    """One worker process and the crawler's end of its socket; results come back in the
    order the jobs were sent."""

    def __init__(self, context: Any) -> None:
        self.sock, child = socket.socketpair()
        try:
            self.process = context.Process(target=_serve, args=(child,), daemon=True)
            self.process.start()
        finally:
            child.close()
        self.sock.setblocking(False)
        self.waiting: collections.deque[asyncio.Future] = collections.deque()
        self.reader: asyncio.Task | None = None
        self.send_lock: asyncio.Lock | None = None


class ExtractPool:
    """Worker processes for :func:`work_page`, fed by the asyncio event loop itself.

    Each worker is a spawned process (not forked: the crawler process runs threads) joined
    to the crawler by a socket pair; pickled jobs and results are written and read by the
    event loop, non-blocking. No helper thread has to win the GIL from a busy reactor:
    ProcessPoolExecutor's feeder and result threads must, and with the main thread busy its
    one worker got 140 jobs/s done instead of 400 (measured), idle most of the crawl.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.closed = False
        self.broken = False  # closed because a worker died
        self._procs: list[_Worker] = []

    @property
    def running(self) -> bool:
        return bool(self._procs)

    @property
    def pending(self) -> int:
        """Jobs sent and not yet answered."""
        return sum(len(w.waiting) for w in self._procs)

    def start(self) -> None:
        """Start the workers (they import while the crawl begins), unless running, closed
        or sized 0."""
        if self._procs or self.closed or self.workers <= 0:
            return
        context = multiprocessing.get_context("spawn")
        try:
            for _ in range(self.workers):
                self._procs.append(_Worker(context))
        except Exception:
            self.close()
            raise

    async def run(self, *args: Any) -> tuple[Extracted, str, dict]:
        """:func:`work_page` with ``args`` in the least busy worker. Raises
        BrokenProcessPool when a worker died (the pool is then closed) and PoolClosed when
        the pool is or gets closed."""
        self.start()
        if self.closed or not self._procs:
            raise PoolClosed("the extraction pool is closed")
        loop = asyncio.get_running_loop()
        worker = min(self._procs, key=lambda w: len(w.waiting))
        if worker.reader is None:
            worker.send_lock = asyncio.Lock()
            worker.reader = loop.create_task(self._read(worker))
        frame = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        result: asyncio.Future = loop.create_future()
        # Shielded: a response cancelled mid-send must not leave half a frame on the stream.
        await asyncio.shield(loop.create_task(self._send(worker, frame, result)))
        status, value = await result
        if status != "ok":
            raise RuntimeError(f"extraction failed in a worker: {value}")
        return value

    async def _send(self, worker: _Worker, frame: bytes, result: asyncio.Future) -> None:
        assert worker.send_lock is not None
        async with worker.send_lock:
            if self.closed:
                result.set_exception(PoolClosed("the extraction pool closed"))
                return
            worker.waiting.append(result)  # in send order: the worker answers in order
            try:
                await asyncio.get_running_loop().sock_sendall(
                    worker.sock, _HEADER.pack(len(frame)) + frame
                )
            except OSError:
                self._broken()

    async def _read(self, worker: _Worker) -> None:
        loop = asyncio.get_running_loop()
        buffer = bytearray()

        async def receive(size: int) -> bytes | None:
            while len(buffer) < size:
                chunk = await loop.sock_recv(worker.sock, max(size - len(buffer), 1 << 16))
                if not chunk:
                    return None
                buffer.extend(chunk)
            data = bytes(buffer[:size])
            del buffer[:size]
            return data

        try:
            while True:
                header = await receive(_HEADER.size)
                payload = await receive(_HEADER.unpack(header)[0]) if header else None
                if payload is None:
                    break
                if worker.waiting:
                    done = worker.waiting.popleft()
                    if not done.done():
                        done.set_result(pickle.loads(payload))
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        if not self.closed:
            self._broken()  # the stream ended while the crawl still runs: a worker died

    def _broken(self) -> None:
        self.broken = True
        error = BrokenProcessPool("an extraction worker died")
        for worker in self._procs:
            for waiting in worker.waiting:
                if not waiting.done():
                    waiting.set_exception(error)
            worker.waiting.clear()
        self.close()

    def close(self) -> None:
        """Stop the workers for good: unanswered jobs fail with PoolClosed, sockets are
        closed (a worker exits at end of stream) and processes joined, killed if stuck."""
        self.closed = True
        procs, self._procs = self._procs, []
        for worker in procs:
            for waiting in worker.waiting:
                if not waiting.done():
                    waiting.set_exception(PoolClosed("the extraction pool closed"))
            worker.waiting.clear()
            if worker.reader is not None:
                worker.reader.cancel()
            worker.sock.close()
        for worker in procs:
            worker.process.join(timeout=5)
            if worker.process.is_alive():  # stuck on a pathological page
                worker.process.kill()
                worker.process.join()


class ExtractMiddleware:
    """Extracts marked article responses in an :class:`ExtractPool` (see the module doc)."""

    def __init__(self, crawler: Any, workers: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.pool = ExtractPool(workers)
        # Jobs a worker has or has queued, past which the spider extracts the page itself.
        self.max_pending = 8 * workers
        self.broken_counted = False
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractMiddleware:
        if not getattr(crawler.spidercls, "extract_in_workers", False):
            raise NotConfigured("the spider fetches no article pages")
        workers = extract_workers(crawler.settings)
        if workers == 0:
            raise NotConfigured("CLIPPER_EXTRACT_WORKERS is 0: the spider extracts its pages")
        from scrapy.utils.reactor import is_asyncio_reactor_installed, is_reactor_installed

        if is_reactor_installed() and not is_asyncio_reactor_installed():
            # The pool is driven by the asyncio event loop under the reactor.
            raise NotConfigured("extraction workers need the asyncio reactor")
        return cls(crawler, workers)

    def spider_opened(self, spider: Any = None) -> None:
        self.pool.start()

    def spider_closed(self, spider: Any = None) -> None:
        self.pool.close()

    def _unavailable(self) -> None:
        if self.pool.broken and not self.broken_counted:
            self.broken_counted = True
            self._count("pool/broken")
        self._count("pages/unavailable")

    def _count(self, key: str) -> None:
        self.stats.inc_value(f"clipper/workers/{key}")

    async def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        if not request.meta.get(EXTRACT_META) or not 200 <= response.status < 300:
            return response
        if self.pool.closed:
            self._unavailable()
            return response
        if self.pool.pending >= self.max_pending:
            # Enough queued to keep every worker busy: more would only wait (holding a
            # download slot) while the reactor's own core may have time to spare.
            self._count("pages/busy")
            return response
        crawl_spider = self.crawler.spider
        args = (
            response.body,
            response.url,
            charset_from_content_type(response.headers.get("Content-Type")),
            getattr(crawl_spider, "site_rules", None),
            crawl_spider.now() if hasattr(crawl_spider, "now") else None,
        )
        try:
            found, html_hash, prepared = await self.pool.run(*args)
        except (BrokenProcessPool, PoolClosed):
            self._unavailable()
            return response
        except Exception:
            self._count("pages/failed")
            return response
        request.meta[RESULT_META] = PageExtract(response.body, found, html_hash, prepared)
        self._count("pages/pool")
        return response
