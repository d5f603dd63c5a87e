"""Shared base for every clipper spider.

A spider states what the page says (as an ``ArticleItem``); pipelines normalise and store.
Spiders never touch the database: the store pipeline gives them ``known_urls`` so an
incremental crawl can stop early and skip pages it already has (on a nightly run, pages
that nightly runs stored: ad hoc runs never move the nightly's incremental state).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime

import scrapy

from clipper.text.dates import KST


def truthy(value: object) -> bool:
    """Spider arguments arrive as strings: ``-a full=1`` / ``true`` / ``yes`` mean on."""
    return str(value).strip().lower() in {"1", "true", "yes", "y", "on"}


class ClipperSpider(scrapy.Spider):
    """Base spider: common arguments (``full``, ``since``, ``until``, ``max_pages``).

    A spider declares its own arguments as keyword parameters of its ``__init__``; an
    argument no class of the spider names is refused (``-a max_page=2`` would otherwise
    be set as an attribute nobody reads, and the crawl would silently ignore it). Names
    starting with ``_`` pass: Scrapyd adds ``_job``.
    """

    def __init__(
        self,
        *args,
        full: str = "0",
        since: str | None = None,
        until: str | None = None,
        max_pages: str | None = None,
        **kwargs,
    ):
        unknown = sorted(key for key in kwargs if not key.startswith("_"))
        if unknown:
            raise ValueError(
                f"{self.name} has no argument {', '.join(map(repr, unknown))} "
                f"(its arguments: {', '.join(self.arguments())})"
            )
        super().__init__(*args, **kwargs)
        self.full = truthy(full)
        self.since: date | None = _parse_day(since, "since")
        self.until: date | None = _parse_day(until, "until")
        self.max_pages: int | None = _parse_positive_int(max_pages, "max_pages")
        # Replaced by the store pipeline with a database lookup; the default knows nothing.
        self.known_urls: Callable[[Iterable[str]], set[str]] = lambda urls: set()
        # Set by the run log: False after a crashed, failed or partial nightly run.
        self.previous_run_ok = True

    @classmethod
    def arguments(cls) -> list[str]:
        """The ``-a`` arguments this spider takes: the keyword parameters of the ``__init__``
        of each class from the spider up to this base, the spider's own first."""
        names: list[str] = []
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for param in inspect.signature(init).parameters.values():
                named = param.kind in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD)
                if named and param.name != "self" and param.name not in names:
                    names.append(param.name)
            if klass is ClipperSpider:
                break
        return names

    @property
    def incremental(self) -> bool:
        return not self.full

    @property
    def partial_listing(self) -> bool:
        """Whether this run may stop paging before a page it has (``max_pages``, ``since``):
        recorded by the run log, so the nightly run after such a nightly one walks every page."""
        return self.max_pages is not None or self.since is not None

    def may_stop_at_known_page(self) -> bool:
        """Whether an incremental crawl may stop paging at a page whose items are all stored.

        Not after a crashed, failed or partial nightly run: the pages behind the known ones
        may never have been fetched, so that run walks every list page (skipping known
        articles).
        """
        return self.incremental and self.previous_run_ok

    def count_listing(self, entries: int) -> None:
        """Record one listing page and the entries on it (new or known): run health flags
        a source whose listing pages suddenly show nothing (a layout change)."""
        stats = self.crawler.stats
        stats.inc_value("clipper/listing/pages")
        stats.inc_value("clipper/listing/entries", entries)

    def download_failed(self, failure) -> None:
        """Errback for every request: one line naming the page and the problem, counted as
        ``clipper/download/failed/<Error>``, instead of a traceback or silence.

        A 404/410 or a redirect loop is a WARNING (the page is gone or broken for good; run
        health still fails a run that lost a page to a redirect loop or a gzip bomb);
        anything else that survived the retries (timeouts, resets, 5xx, oversized pages) is an
        ERROR, which makes the run unhealthy, so the next run walks every listing page. Requests refused on purpose (address guard, robots.txt) were counted
        where they were refused.
        """
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        error = failure.value
        name = type(error).__name__
        url = getattr(getattr(failure, "request", None), "url", "") or ""
        level = logging.ERROR
        message = failure.getErrorMessage() or name
        if isinstance(error, HttpError):  # a subclass of IgnoreRequest: test it first
            status = error.response.status
            url = error.response.url
            name = f"HttpError{status}"
            level = logging.WARNING if status in (404, 410) else logging.ERROR
            message = f"HTTP {status}"
        elif "redirect" in message.lower():
            # A page that only redirects is broken for good, like a 404: said, not fatal.
            name = "RedirectLoop"
            level = logging.WARNING
        elif "during decompression" in message:
            # A response inflating past DOWNLOAD_MAXSIZE (a gzip bomb), which Scrapy's
            # decompression refuses as an IgnoreRequest: a lost page, not a refusal.
            name = "DecompressionBomb"
        elif failure.check(IgnoreRequest):
            return  # refused on purpose (address guard, robots.txt), counted there
        self.crawler.stats.inc_value(f"clipper/download/failed/{name}")
        self.logger.log(level, "Could not fetch %s: %s", url, message)

    def now(self) -> datetime:
        """The fetch time, aware, in KST (tests may override)."""
        return datetime.now(KST)

    def in_window(self, day: date | None) -> bool:
        """Whether a publication day lies inside ``since``/``until`` (unknown days pass)."""
        if day is None:
            return True
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)


def _parse_day(value: str | None, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"-a {name}= expects a date as YYYY-MM-DD, got {value!r}") from None


def _parse_positive_int(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"-a {name}= expects a whole number of at least 1, got {value!r}")
    return number
