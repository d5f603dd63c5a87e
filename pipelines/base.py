"""What every stage shares: the crawler's settings, a namespaced stats counter, and the
lookup of work done ahead for a stage (``pipelines.prepare``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar

from scrapy.crawler import Crawler

_T = TypeVar("_T")

# The item field holding a stage's work done ahead of the pipeline (pipelines.prepare): by
# stage name, the inputs the work was done on and its result.
PREPARED_FIELD = "prepared"


def done_ahead(adapter: Any, stage: str, work: Callable[..., _T], *given: Any) -> _T:
    """``work(*given)``, unless the item (an ``ItemAdapter``) carries the result of that work
    for ``stage`` done ahead on the same inputs; then that result.

    The inputs are compared, not trusted: a spider hint or an earlier stage that changed the
    text makes the stage do its own work, so the output never depends on where it was done.
    """
    prepared = adapter.get(PREPARED_FIELD)
    if prepared is not None:
        ahead = prepared.get(stage)
        if ahead is not None and ahead[0] == given:
            return ahead[1]
    return work(*given)


class Stage:
    """Base for clipper's pipeline stages: ``from_crawler`` plus ``count``."""

    #: the stats namespace, ``clipper/<stage>/…``
    stage = ""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def count(self, field: str, outcome: str, n: int = 1) -> None:
        if n:
            self.stats.inc_value(f"clipper/{self.stage}/{field}/{outcome}", n)
