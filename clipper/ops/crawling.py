"""Running crawls from Python: the project settings, one crawl per process, ending a run
cleanly on SIGINT/SIGTERM, and closing a crawl from inside a component."""

from __future__ import annotations

import contextlib
import os
import signal
from datetime import datetime

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.project import get_project_settings

from clipper.text.dates import KST

# Signals that end a crawl cleanly (Ctrl-C at a terminal; systemd, cron's kill, `kill`).
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def project_settings(overrides: dict | None = None) -> Settings:
    """clipper's settings wherever the command runs from (no scrapy.cfg needed)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "clipper.settings")
    settings = get_project_settings()
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def close_crawl(crawler: Crawler, reason: str) -> None:
    """Ask the engine to close the running spider with ``reason`` (idempotent)."""
    engine = crawler.engine
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=reason))


def drop_queued_downloads(crawler: Crawler) -> None:
    """Fail the requests waiting in the downloader's per-site queues (not yet sent), so a
    stopping crawl waits only for the ones on the wire: the engine closes the spider after
    every request it handed the downloader is answered, and with 16 queued behind a slow site
    that takes minutes. Each is counted in ``clipper/interrupted/requests_dropped``; the run
    is recorded as failed, so the next nightly walks every listing page and fetches them."""
    from scrapy.exceptions import IgnoreRequest

    downloader = getattr(crawler.engine, "downloader", None)
    for slot in list(getattr(downloader, "slots", {}).values()):
        while slot.queue:
            request, waiting = slot.queue.popleft()
            crawler.stats.inc_value("clipper/interrupted/requests_dropped")
            waiting.errback(IgnoreRequest(f"not fetched, the crawl was interrupted: {request}"))


# Exit status of a command ended by a signal, as a shell reports it (128 + the number):
# 130 for Ctrl-C (SIGINT), 143 for SIGTERM (systemd stop, kill).
def signal_exit_code(signum: int) -> int:
    return 128 + signum


class CrawlResult:
    """What one spider's crawl did, from its stats: or why it did not run.

    ``error`` is a start error (an unknown spider, a setting it rejects); ``usage_error``
    marks one caused by the spider's arguments (exit code 2); ``not_run`` a job left out
    because the run was interrupted before it; ``forced`` a crawl stopped at once by a second
    signal, which never closed (its ``crawl_runs`` row stays ``running``).
    """

    def __init__(
        self,
        spider: str,
        stats: dict,
        error: str | None = None,
        *,
        usage_error: bool = False,
        not_run: bool = False,
        forced: bool = False,
        started: datetime | None = None,
        finished: datetime | None = None,
    ):
        self.spider = spider
        self.stats = stats
        self.error = error
        self.usage_error = usage_error
        self.not_run = not_run
        self.forced = forced
        self.finished = finished or datetime.now(KST)
        self.started = started or self.finished

    @property
    def finish_reason(self) -> str:
        return self.stats.get("finish_reason", "not run")

    @property
    def interrupted(self) -> bool:
        """Stopped by a signal (Scrapy closes the spider with reason ``shutdown``)."""
        return self.finish_reason == "shutdown"

    @property
    def seconds(self) -> float:
        return (self.finished - self.started).total_seconds()

    @property
    def failure_class(self) -> str | None:
        from clipper.ops.health import classify

        if self.error:
            return "start_error"
        if self.not_run:
            return "not_run"
        return self.stats.get("clipper/health/failure_class") or classify(
            self.stats, self.finish_reason
        )

    @property
    def ok(self) -> bool:
        return self.failure_class is None

    def summary_line(self) -> str:
        if self.error:
            return f"{self.spider}: failed: {self.error}"
        if self.not_run:
            return f"{self.spider}: not run"
        from clipper.extensions.runlog import summarize

        s = summarize(self.stats)
        drops = s["items_dropped"]
        if self.forced:
            status = "stopped at once (its run stays 'running')"
        elif self.interrupted:
            status = "interrupted (recorded as failed)"
        else:
            status = "ok" if self.ok else f"failed ({self.failure_class})"
        return (
            f"{self.spider}: {status}: {s['pages_fetched']} pages, {s['items_scraped']} items, "
            f"{s['articles_new']} new, {s['articles_updated']} updated, {drops} dropped, "
            f"{self.seconds:.1f}s"
        )

    def dated_line(self) -> str:
        """The summary line after the time the spider ended (KST, ISO 8601): a log that
        gains a line per spider every night can be read and grepped by day."""
        return f"{self.finished.isoformat(timespec='seconds')} {self.summary_line()}"


class CrawlResults(list):
    """The results of :func:`run_crawls`, one per job, in job order; ``signal`` is the
    number of the signal that interrupted the run (None when nothing did)."""

    signal: int | None = None

    @property
    def not_run(self) -> list[str]:
        return [r.spider for r in self if r.not_run]


def run_crawls(jobs: list[tuple[str, dict]], overrides: dict | None = None) -> CrawlResults:
    """Run spiders one after another in this process (the reactor starts once) and return
    one result per job. A spider that fails to start is reported, the others still run.

    SIGINT (Ctrl-C) or SIGTERM stops the run cleanly: the running spider closes (reason
    ``shutdown``, its ``crawl_runs`` row ``failed``), the jobs after it are reported as not
    run, and ``CrawlResults.signal`` says which signal it was. A second signal stops at once
    (the running spider's row then stays ``running``, which the next nightly treats like a
    crash). Scrapy's own handlers are not installed: they stop the reactor under the job loop,
    which then fails to stop it again (``ReactorNotRunning``, logged as critical).
    """
    from scrapy.crawler import CrawlerProcess
    from scrapy.spiderloader import SpiderLoader
    from twisted.internet import defer

    settings = project_settings(overrides)
    loader = SpiderLoader.from_settings(settings)
    process = CrawlerProcess(settings)
    results = CrawlResults()
    running: dict[str, tuple[str, Crawler, datetime]] = {}

    @defer.inlineCallbacks
    def crawl_all():
        for name, args in jobs:
            if results.signal is not None:
                results.append(CrawlResult(name, {}, not_run=True))
                continue
            started = datetime.now(KST)
            try:
                spidercls = loader.load(name)
            except KeyError:
                known = ", ".join(sorted(loader.list()))
                results.append(CrawlResult(name, {}, f"no spider named {name!r} (known: {known})"))
                continue
            crawler = process.create_crawler(spidercls)
            running["job"] = (name, crawler, started)
            try:
                yield process.crawl(crawler, **args)
            except ValueError as exc:  # the spider rejects an -a argument (its __init__)
                results.append(CrawlResult(name, {}, str(exc), usage_error=True))
                continue
            except Exception as exc:
                results.append(CrawlResult(name, {}, str(exc)))
                continue
            finally:
                running.pop("job", None)
            results.append(CrawlResult(name, crawler.stats.get_stats(), started=started))

    def stop_reactor(result=None):
        from twisted.internet import reactor  # the one CrawlerProcess installed

        # Already stopping after a second signal: nothing left to do.
        with contextlib.suppress(RuntimeError):
            reactor.stop()
        return result

    def graceful_stop() -> None:
        job = running.get("job")
        if job is not None:
            crawler = job[1]
            # Closes the spider with reason "shutdown" once the requests being transferred
            # are answered; crawl_all then goes on to mark the other jobs as not run.
            deferred_from_coro(crawler.stop_async())
            drop_queued_downloads(crawler)

    def on_signal(signum, _frame) -> None:
        from twisted.internet import reactor

        # Only flags and a call into the reactor thread: a signal handler must not log.
        if results.signal is None:
            results.signal = signum
            reactor.callFromThread(graceful_stop)
        else:
            reactor.callFromThread(stop_reactor)

    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    # The reactor Scrapy's settings ask for, installed before anything imports the default.
    if not is_reactor_installed():
        install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    from twisted.internet import reactor

    # Start only once the reactor runs: a job list that fails at once (an unknown spider,
    # a bad argument) would otherwise try to stop a reactor that has not started yet.
    reactor.callWhenRunning(lambda: crawl_all().addBoth(stop_reactor))
    previous = {sig: signal.signal(sig, on_signal) for sig in SHUTDOWN_SIGNALS}
    try:
        process.start(stop_after_crawl=False, install_signal_handlers=False)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if "job" in running:  # stopped at once by a second signal, mid-crawl
        name, crawler, started = running.pop("job")
        stats = {"finish_reason": "shutdown", **crawler.stats.get_stats()}
        results.append(CrawlResult(name, stats, forced=True, started=started))
    for name, _args in jobs[len(results) :]:
        results.append(CrawlResult(name, {}, not_run=True))
    return results
