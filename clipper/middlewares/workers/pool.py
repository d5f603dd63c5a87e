"""The extraction worker processes: :class:`ExtractPool`, its protocol and the job deadline.

A worker (:func:`_serve`) is a spawned process that runs
:func:`~clipper.middlewares.workers.job.work_page` on pickled jobs read from a socket pair;
the pool feeds the workers from the asyncio event loop, fails a job past its deadline with
:class:`ExtractTimeout` and one that kills two workers with :class:`ExtractCrashed` (named
drops, see :mod:`clipper.middlewares.workers`), and replaces the workers it loses.
"""

from __future__ import annotations

import asyncio
import collections
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
from typing import Any

from scrapy.exceptions import DropItem

from clipper.extract import Extracted
from clipper.middlewares.workers.job import work_page
from clipper.text.prepare import Prepared

__all__ = [
    "FAULT_ENV",
    "MAX_DEATHS",
    "ExtractCrashed",
    "ExtractPool",
    "ExtractTimeout",
    "PoolClosed",
]

# Worker deaths in one crawl past which the pool is given up as broken.
MAX_DEATHS = 10
# Test-only fault injection (see the module doc).
FAULT_ENV = "CLIPPER_TEST_WORKER_FAULT"
# A small page that walks every import and lazy cache the extractor uses (registry, dates).
_WARM_PAGE = (
    b'<html><head><meta property="og:title" content="x - y"><meta property="article:'
    b'published_time" content="2024-01-02T03:04:05+09:00"></head><body><p>x</p></body></html>'
)


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
