"""Log lines for dropped items: one short line with the reason, not a dump of the item."""

from __future__ import annotations

import logging

from scrapy import logformatter


class ClipperLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider):
        return {
            "level": logging.WARNING,
            "msg": "Dropped (%(reason)s): %(message)s",
            "args": {"reason": type(exception).__name__, "message": exception},
        }
