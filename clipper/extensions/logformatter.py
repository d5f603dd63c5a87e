"""Log lines an operator reads: dropped items in one short line with the reason (not a dump
of the item), network failures in one line with the host and the cause (not a traceback)."""

from __future__ import annotations

import logging

from scrapy import exceptions, logformatter

# Download failures of the network kind. Scrapy's robots.txt middleware and its scraper (for
# a request without an errback) log them with the traceback through Twisted, which tells an
# operator nothing the message ("Error downloading <GET …>: Connection was refused …") does
# not; the run's failure class counts them. Other exceptions keep their traceback: a bug.
NETWORK_ERRORS = (
    exceptions.CannotResolveHostError,
    exceptions.DownloadConnectionRefusedError,
    exceptions.DownloadFailedError,
    exceptions.DownloadTimeoutError,
    exceptions.ResponseDataLossError,
)
# Loggers that attach such tracebacks.
QUIET_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.core.scraper")


class NetworkTracebackFilter(logging.Filter):
    """Drops the traceback from a record about a network failure; keeps the record, with the
    cause in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, NETWORK_ERRORS):
            message = record.getMessage()
            if str(error) not in message:
                record.msg, record.args = f"{message}: {error}", None
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = NetworkTracebackFilter()


class ClipperLogFormatter(logformatter.LogFormatter):
    @classmethod
    def from_crawler(cls, crawler):
        # Every crawl (clipper or scrapy command) builds its log formatter first.
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)
        return super().from_crawler(crawler)

    def dropped(self, item, exception, response, spider):
        return {
            "level": logging.WARNING,
            "msg": "Dropped (%(reason)s): %(message)s",
            "args": {"reason": type(exception).__name__, "message": exception},
        }
