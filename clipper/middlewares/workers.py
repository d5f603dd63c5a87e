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

Setting ``CLIPPER_EXTRACT_TIMEOUT``: seconds a worker may spend on one page (default 30; a
page takes a few milliseconds). A page past it is dropped as ``ExtractTimeout`` and its
worker killed and replaced; a page whose extraction kills a worker is tried once more in a
fresh one, then dropped as ``ExtractCrashed``. Such a page is never extracted in the crawler
process (no deadline there: one such page would hang the crawl and its shutdown). Both drops
are counted like a pipeline's (``item_dropped_reasons_count/<Reason>``) and are not lasting:
the next run tries the page again.

Stats ``clipper/workers/...``: ``pages/pool`` (extracted in a worker), ``pages/busy`` (the
workers had enough queued: extracted by the spider), ``pages/unavailable`` (the pool is
closed or broken: extracted by the spider), ``pages/failed`` (a job raised: extracted by the
spider), ``pages/timeout`` and ``pages/crashed`` (dropped, above), ``pool/replaced`` (a
worker killed or dead and replaced), ``pool/broken`` (once: workers died before they were
ready, or more than ``MAX_DEATHS`` times; the rest of the crawl extracts in the spider).

Test-only: the environment variable ``CLIPPER_TEST_WORKER_FAULT`` (``FAULT_ENV``),
``hang:<text>`` or ``exit:<text>``, makes a worker hang or die on a page whose URL contains
``<text>`` (tests/test_workers.py); nothing else reads it and it must stay unset in use.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import logging
import multiprocessing
import os
import pickle
import signal
import socket
import struct
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured

from clipper.extract import Extracted, SiteRules, extract_article
from clipper.items import ArticleItem
from clipper.text.encoding import charset_from_content_type
from clipper.text.prepare import Prepared, prepare
from clipper.text.urls import canonical_url

__all__ = [
    "EXTRACT_META",
    "ExtractCrashed",
    "ExtractMiddleware",
    "ExtractPool",
    "ExtractTimeout",
    "PageExtract",
    "default_workers",
    "extract_page",
    "extract_timeout",
    "extract_workers",
    "take_extracted",
    "work_page",
]

logger = logging.getLogger(__name__)

# CLIPPER_EXTRACT_TIMEOUT's default, seconds for one page (which takes milliseconds).
DEFAULT_TIMEOUT = 30.0
# Worker deaths in one crawl past which the pool is given up as broken.
MAX_DEATHS = 10
# Test-only fault injection (see the module doc).
FAULT_ENV = "CLIPPER_TEST_WORKER_FAULT"

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


def extract_timeout(settings: Any) -> float:
    """``CLIPPER_EXTRACT_TIMEOUT`` in seconds (default :data:`DEFAULT_TIMEOUT`). Raises
    ValueError on a value that is not a number > 0."""
    raw = settings.get("CLIPPER_EXTRACT_TIMEOUT")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return DEFAULT_TIMEOUT
    try:
        timeout = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"CLIPPER_EXTRACT_TIMEOUT must be a number, got {raw!r}") from None
    if not timeout > 0 or timeout == float("inf"):
        raise ValueError(f"CLIPPER_EXTRACT_TIMEOUT must be a number of seconds > 0, got {raw!r}")
    return timeout


class PoolClosed(Exception):
    """The pool was closed (the spider closed) while a job waited for its result."""


class ExtractTimeout(DropItem):
    """The page's extraction ran past ``CLIPPER_EXTRACT_TIMEOUT``; its worker was replaced.
    Not remembered as a dropped page: the next run tries it again."""

    lasting = False


class ExtractCrashed(DropItem):
    """The page's extraction killed a worker, and a fresh worker too. Not remembered as a
    dropped page: the next run tries it again."""

    lasting = False


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


def _send_frame(sock: socket.socket, message: Any) -> None:
    frame = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(frame)) + frame)


def _injected_fault(url: str) -> None:
    """Test-only (``FAULT_ENV``): hang or die on a job whose URL contains the given text."""
    action, _, text = os.environ.get(FAULT_ENV, "").partition(":")
    if text and text in url:
        if action == "hang":
            time.sleep(3600)
        elif action == "exit":
            os._exit(70)


def _serve(sock: socket.socket) -> None:
    """A worker: say it is ready, then read a job, extract, write the result, until the
    crawler closes its end."""
    # Ctrl-C reaches the whole process group: the crawl shuts down gracefully and closes
    # the pool itself, so a worker must not die of it first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    work_page(_WARM_PAGE, "http://warm.invalid/", None, None, None)  # imports, caches
    with sock:
        try:
            # Jobs' deadlines run from here: the spawn and the imports take a second or more.
            _send_frame(sock, ("ready", None))
            while True:
                header = _recv_exactly(sock, _HEADER.size)
                payload = _recv_exactly(sock, _HEADER.unpack(header)[0]) if header else None
                if payload is None:
                    return
                try:
                    job = pickle.loads(payload)
                    _injected_fault(job[1])
                    result: tuple[str, Any] = ("ok", work_page(*job))
                except Exception as exc:  # work_page never raises; a bad job still must not
                    result = ("error", repr(exc))  # take the worker down
                _send_frame(sock, result)
        except OSError:
            return  # the crawler closed its end (the pool closed while this warmed up)


@dataclass(eq=False)
class _Job:
    frame: bytes  # the pickled arguments of work_page
    result: asyncio.Future
    url: str
    deaths: int = 0  # workers that died while doing it


class _Worker:
    """One worker process and the crawler's end of its socket; results come back in the
    order the jobs were sent, so the first waiting job is the one being worked on."""

    def __init__(self, context: Any) -> None:
        self.sock, child = socket.socketpair()
        try:
            self.process = context.Process(target=_serve, args=(child,), daemon=True)
            self.process.start()
        finally:
            child.close()
        self.sock.setblocking(False)
        self.waiting: collections.deque[_Job] = collections.deque()
        self.reader: asyncio.Task | None = None
        self.send_lock = asyncio.Lock()
        self.ready = False  # warmed up: the first job's deadline can run
        self.timer: asyncio.TimerHandle | None = None  # the first waiting job's deadline
        self.retired = False

    def retire(self) -> None:
        """Stop this worker now (stuck or dead): no goodbye, the process is killed."""
        self.retired = True
        if self.timer is not None:
            self.timer.cancel()
        if self.reader is not None:
            self.reader.cancel()
        self.sock.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


def _fail(job: _Job, error: BaseException) -> None:
    if not job.result.done():
        job.result.set_exception(error)


def _give_up(job: _Job) -> None:
    """Fail a job the pool cannot do: a job a worker died on is never handed back to the
    crawler process (it may kill or hang it), the others are (BrokenProcessPool)."""
    if job.deaths:
        _fail(job, ExtractCrashed("extraction killed a worker"))
    else:
        _fail(job, BrokenProcessPool("the extraction workers keep dying"))


class ExtractPool:
    """Worker processes for :func:`work_page`, fed by the asyncio event loop itself.

    Each worker is a spawned process (not forked: the crawler process runs threads) joined
    to the crawler by a socket pair; pickled jobs and results are written and read by the
    event loop, non-blocking. No helper thread has to win the GIL from a busy reactor:
    ProcessPoolExecutor's feeder and result threads must, and with the main thread busy its
    one worker got 140 jobs/s done instead of 400 (measured), idle most of the crawl.

    A job gets ``timeout`` seconds from when its worker starts on it; past that it fails
    with :class:`ExtractTimeout` and the worker is killed and replaced (the jobs queued
    behind it go to the new one). A worker that dies is replaced too: the job it was doing
    is tried once more in a fresh worker, then fails with :class:`ExtractCrashed`; neither
    is ever handed back to the crawler process, which has no deadline. After
    ``MAX_DEATHS`` deaths in one crawl (or a worker that dies before it is ready) the pool
    is broken: the other jobs fail with BrokenProcessPool and the spider extracts them.
    """

    def __init__(
        self,
        workers: int,
        timeout: float = 30.0,
        count: Callable[[str], None] | None = None,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.closed = False
        self.broken = False  # closed because workers kept dying
        self.deaths = 0
        self._count = count or (lambda _key: None)
        self._context: Any = None
        self._procs: list[_Worker] = []
        self._tasks: set[asyncio.Task] = set()  # resends in flight (a reference keeps them)

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
        self._context = multiprocessing.get_context("spawn")
        try:
            for _ in range(self.workers):
                self._procs.append(_Worker(self._context))
        except Exception:
            self.close()
            raise

    async def run(self, *args: Any) -> tuple[Extracted, str, Prepared]:
        """:func:`work_page` with ``args`` in the least busy worker. Raises ExtractTimeout
        or ExtractCrashed for this page, BrokenProcessPool when the pool broke and
        PoolClosed when the pool is or gets closed."""
        self.start()
        if self.closed or not self._procs:
            raise PoolClosed("the extraction pool is closed")
        loop = asyncio.get_running_loop()
        worker = min(self._procs, key=lambda w: len(w.waiting))
        frame = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
        job = _Job(frame, loop.create_future(), str(args[1]))
        # Shielded: a response cancelled mid-send must not leave half a frame on the stream.
        await asyncio.shield(loop.create_task(self._send(worker, [job])))
        status, value = await job.result
        if status != "ok":
            raise RuntimeError(f"extraction failed in a worker: {value}")
        return value

    async def _send(self, worker: _Worker, jobs: list[_Job]) -> None:
        loop = asyncio.get_running_loop()
        async with worker.send_lock:
            if self.closed:
                for job in jobs:
                    _fail(job, PoolClosed("the extraction pool closed"))
                return
            if worker.retired:  # replaced while this waited for the lock: go to another
                target = min(self._procs, key=lambda w: len(w.waiting), default=None)
            else:
                target = worker
                if worker.reader is None:
                    worker.reader = loop.create_task(self._read(worker))
                for job in jobs:  # in send order: the worker answers in order
                    worker.waiting.append(job)
                if len(worker.waiting) == len(jobs):
                    self._arm(worker)
                try:
                    for job in jobs:
                        await loop.sock_sendall(
                            worker.sock, _HEADER.pack(len(job.frame)) + job.frame
                        )
                except OSError:
                    self._died(worker)
        if target is not worker:
            if target is None:
                for job in jobs:
                    _fail(job, PoolClosed("the extraction pool closed"))
            else:
                await self._send(target, jobs)

    def _arm(self, worker: _Worker) -> None:
        """Start the deadline of the job the worker is on (the first waiting one)."""
        if worker.timer is not None:
            worker.timer.cancel()
            worker.timer = None
        if worker.ready and worker.waiting and not worker.retired:
            worker.timer = asyncio.get_running_loop().call_later(
                self.timeout, self._overdue, worker, worker.waiting[0]
            )

    def _overdue(self, worker: _Worker, job: _Job) -> None:
        if worker.retired or not worker.waiting or worker.waiting[0] is not job:
            return
        worker.waiting.popleft()
        _fail(job, ExtractTimeout(f"extraction took over {self.timeout:g} s"))
        self._replace(worker)

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
                message = pickle.loads(payload)
                if message[0] == "ready":
                    worker.ready = True
                elif worker.waiting:
                    done = worker.waiting.popleft()
                    if not done.result.done():
                        done.result.set_result(message)
                self._arm(worker)
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
        self._died(worker)  # the stream ended while the worker was in use

    def _died(self, worker: _Worker) -> None:
        if worker.retired or self.closed:
            return
        self.deaths += 1
        if worker.waiting and worker.ready:
            suspect = worker.waiting[0]  # the job it was doing
            suspect.deaths += 1
            if suspect.deaths > 1:
                worker.waiting.popleft()
                _fail(suspect, ExtractCrashed("extraction killed two workers"))
        if not worker.ready or self.deaths > MAX_DEATHS:
            # Dying before any job, or again and again: the workers themselves are broken.
            self._broken()
        else:
            self._replace(worker)

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and start a fresh one with the jobs that waited behind."""
        jobs = list(worker.waiting)
        worker.waiting.clear()
        self._procs.remove(worker)
        worker.retire()
        self._count("pool/replaced")
        try:
            fresh = _Worker(self._context)
        except Exception:
            for job in jobs:
                _give_up(job)
            self._broken()
            return
        self._procs.append(fresh)
        if jobs:
            task = asyncio.get_running_loop().create_task(self._send(fresh, jobs))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _broken(self) -> None:
        self.broken = True
        for worker in self._procs:
            for job in worker.waiting:
                _give_up(job)
            worker.waiting.clear()
        self.close()

    def close(self) -> None:
        """Stop the workers for good: unanswered jobs fail with PoolClosed, sockets are
        closed (an idle worker exits at end of stream) and processes joined; a worker busy
        on a job is killed at once (it may be stuck on a pathological page)."""
        self.closed = True
        procs, self._procs = self._procs, []
        busy = []
        for worker in procs:
            busy.append(bool(worker.waiting))
            for job in worker.waiting:
                _fail(job, PoolClosed("the extraction pool closed"))
            worker.waiting.clear()
            if worker.timer is not None:
                worker.timer.cancel()
            if worker.reader is not None:
                worker.reader.cancel()
            worker.sock.close()
        for worker, was_busy in zip(procs, busy, strict=True):
            if was_busy and worker.process.is_alive():
                worker.process.kill()
            worker.process.join(timeout=5)
            if worker.process.is_alive():  # stuck on a pathological page
                worker.process.kill()
                worker.process.join()


class ExtractMiddleware:
    """Extracts marked article responses in an :class:`ExtractPool` (see the module doc)."""

    def __init__(self, crawler: Any, workers: int, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.pool = ExtractPool(workers, timeout, count=self._count)
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
        timeout = extract_timeout(crawler.settings)
        if workers == 0:
            raise NotConfigured("CLIPPER_EXTRACT_WORKERS is 0: the spider extracts its pages")
        from scrapy.utils.reactor import is_asyncio_reactor_installed, is_reactor_installed

        if is_reactor_installed() and not is_asyncio_reactor_installed():
            # The pool is driven by the asyncio event loop under the reactor.
            raise NotConfigured("extraction workers need the asyncio reactor")
        return cls(crawler, workers, timeout)

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

    async def _drop(self, request: Any, response: Any, reason: DropItem) -> None:
        """A named, counted drop of the page, as if a pipeline stage had dropped its item:
        Scrapy counts it (``item_dropped_reasons_count/<Reason>``) and the dropped-page log
        treats it by its reason (not lasting: the next run tries the page again)."""
        spider = self.crawler.spider
        name = type(reason).__name__
        self._count(f"pages/{'timeout' if isinstance(reason, ExtractTimeout) else 'crashed'}")
        logger.warning("Dropped %s (%s): %s", response.url, name, reason)
        url = canonical_url(response.url) or response.url
        item = ArticleItem(
            url=url,
            source_url=canonical_url(request.cb_kwargs.get("source_url") or "") or url,
            spider=getattr(spider, "name", ""),
            fetched_at=spider.now() if hasattr(spider, "now") else datetime.now(UTC),
        )
        await self.crawler.signals.send_catch_log_async(
            signal=signals.item_dropped, item=item, response=response, exception=reason,
            spider=spider,
        )  # fmt: skip

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
        except (ExtractTimeout, ExtractCrashed) as reason:
            # Not handed to the spider: it would extract the page on the reactor thread,
            # with no deadline.
            await self._drop(request, response, reason)
            raise IgnoreRequest(f"{type(reason).__name__}: {reason}") from None
        except (BrokenProcessPool, PoolClosed):
            self._unavailable()
            return response
        except Exception:
            self._count("pages/failed")
            return response
        request.meta[RESULT_META] = PageExtract(response.body, found, html_hash, prepared)
        self._count("pages/pool")
        return response
