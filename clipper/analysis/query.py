"""Read-side queries shared by the analyst commands (export, stats, report, search)."""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Engine, Select, select

from clipper.text.dates import KST
from clipper.text.gazetteer import NATIONAL, REGIONS, region_from_name
from models import Article, Outlet
from models.stories import StoryMember

# The first six are the original columns (scripts may read them by position); id, author
# and story (the story id shared by copies of one piece of news) were added for issue 17.
EXPORT_FIELDS = (
    "url", "title", "body", "published", "region", "outlet", "author", "id", "story",
)  # fmt: skip


def select_articles(*columns) -> Select:
    """SELECT what every analyst listing shows of an article (id, url, title, body,
    published, region and the outlet's canonical name as ``outlet``), then ``columns``."""
    return select(
        Article.id,
        Article.url,
        Article.title,
        Article.body,
        Article.published,
        Article.region,
        Outlet.name.label("outlet"),
        *columns,
    ).outerjoin(Outlet, Article.outlet_id == Outlet.id)


# The region filter value for articles without a region (shown as 미상 in stats and reports).
NO_REGION = "미상"
# What a user may type for it.
NO_REGION_NAMES = frozenset({NO_REGION, "none", "없음"})


def resolve_region(name: str) -> str:
    """The stored region for what a user typed: a 시도 in any official or common form
    (경기도, 서울특별시, 서울시, 경기), 전국, or ``none``/미상 for articles without one.

    Raises ValueError naming the valid regions for anything else (수원 is a city).
    """
    if unicodedata.normalize("NFC", name).strip().casefold() in NO_REGION_NAMES:
        return NO_REGION
    region = region_from_name(name)
    if region is None:
        valid = ", ".join((*REGIONS, NATIONAL, "none"))
        raise ValueError(f"unknown region {name!r}; choose one of {valid}")
    return region


@dataclass
class Filters:
    region: str | None = None  # a region name (resolve_region), or NO_REGION
    outlet: str | None = None
    since: date | None = None  # inclusive, KST day
    until: date | None = None  # inclusive, KST day

    def __post_init__(self) -> None:
        # No stored text holds NUL, and PostgreSQL rejects it in a query: drop it rather
        # than fail. Stored text is NFC (clipper/text/paragraphs.py), so the filters are too.
        for name in ("region", "outlet"):
            value = getattr(self, name)
            if value:
                setattr(self, name, unicodedata.normalize("NFC", value.replace("\x00", "")))
        if self.region:
            # The commands reject an unknown region (options.py); here it matches nothing.
            with contextlib.suppress(ValueError):
                self.region = resolve_region(self.region)

    def apply(self, stmt: Select) -> Select:
        if self.region == NO_REGION:
            stmt = stmt.where(Article.region.is_(None))
        elif self.region:
            stmt = stmt.where(Article.region == self.region)
        if self.outlet:
            stmt = stmt.where(Outlet.name == self.outlet)
        if self.since or self.until:
            # A date bound keeps dated articles only, even one that excludes no date.
            stmt = stmt.where(Article.published.is_not(None))
        start = kst_day_start(self.since) if self.since else None
        if start is not None:
            stmt = stmt.where(Article.published >= start)
        end = kst_day_start(self.until, days_after=1) if self.until else None
        if end is not None:
            stmt = stmt.where(Article.published < end)
        return stmt


def kst_day_start(day: date, days_after: int = 0) -> datetime | None:
    """Midnight KST at the start of ``day`` + ``days_after``, or None when that instant is
    outside what a datetime holds in UTC (``--since 0001-01-01``: KST midnight is 15:00 of
    the year-0 eve in UTC; ``--until 9999-12-31``: the next day does not exist). Such a
    bound excludes no date a database can hold, so the caller leaves it out."""
    try:
        start = datetime.combine(day + timedelta(days=days_after), time(), KST)
        start.astimezone(UTC)  # the stored form: raises when out of range
    except OverflowError:
        return None
    return start


def iter_articles(engine: Engine, filters: Filters | None = None) -> Iterator[dict]:
    """Articles as plain dicts (``EXPORT_FIELDS`` plus a few more), newest first.

    ``published`` is an aware datetime in KST (or None); ``story`` the story id (or None).
    """
    stmt = (
        select_articles(
            Article.published_raw,
            Article.region_evidence,
            Article.author,
            Article.outlet_raw,
            Article.spider,
            StoryMember.story_id.label("story"),
        )
        .outerjoin(StoryMember, StoryMember.article_id == Article.id)
        .order_by(Article.published.desc().nulls_last(), Article.id.desc())
    )
    stmt = (filters or Filters()).apply(stmt)
    with engine.connect() as conn:
        for row in conn.execute(stmt).mappings():
            record = dict(row)
            if record["published"] is not None:
                record["published"] = record["published"].astimezone(KST)
            yield record
