"""What every stage shares: the crawler's settings, a namespaced stats counter, and the
lookup of a text step done ahead in the extraction worker (:mod:`clipper.text.prepare`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self, TypeVar

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

_T = TypeVar("_T")
StatsT = StatsCollector | None

# The item field holding the text steps done ahead of the pipeline (clipper.text.prepare):
# by step name, the inputs the step was computed on and its result.
PREPARED_FIELD = "prepared"


def done_ahead(
    adapter: Any, step: str, work: Callable[..., _T], *given: Any, stats: StatsT = None
) -> _T:
    """``work(*given)``, unless the item (an ``ItemAdapter``) carries the result of the text
    ``step`` done ahead on the same inputs; then that result. Counted in ``stats`` (when
    given) as ``clipper/prepare/reused`` or ``clipper/prepare/computed``, one per step.

    The inputs are compared, not trusted: a spider hint or an earlier stage that changed the
    text makes the stage do its own work, so the output never depends on where it was done.
    """
    prepared = adapter.get(PREPARED_FIELD)
    if prepared is not None:
        ahead = prepared.get(step)
        if ahead is not None and ahead[0] == given:
            if stats is not None:
                stats.inc_value("clipper/prepare/reused")
            return ahead[1]
    if stats is not None:
        stats.inc_value("clipper/prepare/computed")
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

    def step(self, adapter: Any, work: Callable[..., _T], *given: Any) -> _T:
        """This stage's text step (``stage`` names it in :mod:`clipper.text.prepare`) on
        ``given``, reused from the extraction worker when it was done there on the same
        inputs (:func:`done_ahead`)."""
        return done_ahead(adapter, self.stage, work, *given, stats=self.stats)

    def count(self, field: str, outcome: str, n: int = 1) -> None:
        if n:
            self.stats.inc_value(f"clipper/{self.stage}/{field}/{outcome}", n)
