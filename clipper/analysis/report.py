"""What analysts read, as data: counts (``clipper stats``) and the daily clipping's stories
grouped by region (``clipper report``), in the official region order.

Rendering the clipping as HTML or Markdown is ``clipper.analysis.render``; terminal tables are
``clipper.analysis.tables``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Engine, func, select

from clipper.analysis.query import Filters, select_articles
from clipper.text.dates import KST
from models import Article, Outlet
from models.stories import Story, StoryMember

# The 17 시도 in the official (administrative code) order, then national, then unknown.
REGIONS = (
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종",
    "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주",
)  # fmt: skip
NATIONAL = "전국"
UNKNOWN = "미상"
LEAD_CHARS = 300
STATS_KEYS = ("region", "outlet", "month")


def region_rank(region: str | None) -> tuple[int, str]:
    """Sort key: the 17 시도 in order, 전국, other tags alphabetically, then no region."""
    if region in REGIONS:
        return (REGIONS.index(region), "")
    if region == NATIONAL:
        return (len(REGIONS), "")
    if region is None or region == UNKNOWN:
        return (len(REGIONS) + 2, "")
    return (len(REGIONS) + 1, region)


# -- stats -------------------------------------------------------------------------------


def kst_month(engine: Engine) -> ColumnElement[str]:
    if engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Seoul", Article.published), "YYYY-MM")
    # SQLite holds naive UTC text; Korea has no daylight saving time.
    return func.strftime("%Y-%m", Article.published, "+9 hours")


def count_by(
    engine: Engine, by: str, filters: Filters | None = None
) -> list[tuple[str | None, int]]:
    """Article counts per region, outlet or KST month (``YYYY-MM``), in a readable order."""
    keys = {"region": Article.region, "outlet": Outlet.name, "month": kst_month(engine)}
    if by not in keys:
        raise ValueError(f"cannot count by {by!r}; choose one of {', '.join(STATS_KEYS)}")
    key = keys[by].label("key")
    stmt = (
        select(key, func.count(Article.id).label("n"))
        .select_from(Article)
        .outerjoin(Outlet, Article.outlet_id == Outlet.id)
        .group_by(key)
    )
    stmt = (filters or Filters()).apply(stmt)
    with engine.connect() as conn:
        rows = [(k, int(n)) for k, n in conn.execute(stmt).all()]
    if by == "region":
        return sorted(rows, key=lambda r: region_rank(r[0]))
    if by == "month":
        return sorted(rows, key=lambda r: (r[0] is None, r[0] or ""))
    return sorted(rows, key=lambda r: (-r[1], r[0] is None, r[0] or ""))


# -- the daily clipping ------------------------------------------------------------------


@dataclass
class Coverage:
    """One outlet's article of a story."""

    article_id: int
    outlet: str | None
    url: str
    title: str
    published: datetime | None


@dataclass
class ReportStory:
    key: str
    title: str
    lead: str
    region: str  # the region most of its articles carry (its first section)
    published: datetime | None
    coverage: list[Coverage] = field(default_factory=list)
    url: str = ""  # the article the headline links to (the canonical one, else the first)
    # Every region its articles carry, in official order; the story is listed under each.
    regions: list[str] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(c.outlet or "(매체 미상)" for c in self.coverage))


@dataclass
class Report:
    start: date  # first KST day, inclusive
    end: date  # last KST day, inclusive
    sections: list[tuple[str, list[ReportStory]]]
    scope: str = ""  # the filters, e.g. "경기 · 경기일보" ("" for everything)

    @property
    def stories(self) -> list[ReportStory]:
        """Every story once (one covering two regions is in both sections)."""
        unique = {s.key: s for _, stories in self.sections for s in stories}
        return list(unique.values())

    def region_counts(self) -> list[tuple[str, int]]:
        """Stories per region: all 17 시도, 전국 and 미상 (zeros included), then any other."""
        counts = {region: len(stories) for region, stories in self.sections}
        names = [*REGIONS, NATIONAL, UNKNOWN, *counts]
        names = sorted(dict.fromkeys(names), key=region_rank)
        return [(name, counts.get(name, 0)) for name in names]

    @property
    def title(self) -> str:
        period = self.start.isoformat()
        if self.end != self.start:
            period += f" ~ {self.end.isoformat()}"
        scope = f" · {self.scope}" if self.scope else ""
        return f"뉴스 클리핑 {period} (KST){scope}"


def first_paragraph(body: str, limit: int = LEAD_CHARS) -> str:
    for chunk in re.split(r"\n\s*\n|\n", body or ""):
        text = " ".join(chunk.split())
        if text:
            return text if len(text) <= limit else text[: limit - 1] + "…"
    return ""


def build_report(
    engine: Engine, day: date, days: int = 1, filters: Filters | None = None
) -> Report:
    """The stories published in the ``days`` KST days ending on ``day``, by region.

    Articles of one story (``story_members``) form one entry; an article not (yet) in a
    story is its own. A story's title, lead and headline link come from its canonical
    article when that is in the period, else from its earliest one. A story is listed under
    every region its articles carry (first under the one most of them carry). ``filters``'
    region and outlet keep only the matching articles (a regional association's clipping);
    its dates are ignored, the period is ``day``/``days``.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    # A period reaching before year 1 starts on its first day.
    start = date.fromordinal(max(1, day.toordinal() - (days - 1)))
    stmt = (
        select_articles(StoryMember.story_id, Story.canonical_article_id)
        .outerjoin(StoryMember, StoryMember.article_id == Article.id)
        .outerjoin(Story, Story.id == StoryMember.story_id)
        .order_by(Article.published.asc(), Article.id.asc())
    )
    wanted = filters or Filters()
    stmt = Filters(region=wanted.region, outlet=wanted.outlet, since=start, until=day).apply(stmt)
    groups: dict[str, list[dict]] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt).mappings():
            key = f"s{row['story_id']}" if row["story_id"] is not None else f"a{row['id']}"
            groups.setdefault(key, []).append(dict(row))
    by_region: dict[str, list[ReportStory]] = {}
    for key, rows in groups.items():
        story = _story(key, rows)
        for region in story.regions:
            by_region.setdefault(region, []).append(story)
    sections = []
    for region in sorted(by_region, key=region_rank):
        # Most widely covered first, then newest.
        stories = sorted(
            by_region[region],
            key=lambda s: (-len(s.outlets), -(s.published.timestamp() if s.published else 0)),
        )
        sections.append((region, stories))
    scope = " · ".join(v for v in (wanted.region, wanted.outlet) if v)
    return Report(start=start, end=day, sections=sections, scope=scope)


def _story(key: str, rows: list[dict]) -> ReportStory:
    first = next((r for r in rows if r["id"] == r["canonical_article_id"]), rows[0])
    lead = next((p for p in (first_paragraph(r["body"]) for r in [first, *rows]) if p), "")
    regions = Counter(r["region"] for r in rows if r["region"])
    region = UNKNOWN
    if regions:
        top = max(regions.values())
        region = min((r for r, n in regions.items() if n == top), key=region_rank)
    coverage = [
        Coverage(
            article_id=r["id"],
            outlet=r["outlet"],
            url=r["url"],
            title=r["title"],
            published=r["published"].astimezone(KST) if r["published"] else None,
        )
        for r in rows
    ]
    others = sorted((r for r in regions if r != region), key=region_rank)
    return ReportStory(
        key=key,
        title=" ".join(first["title"].split()),
        lead=lead,
        region=region,
        published=coverage[0].published,
        coverage=coverage,
        url=first["url"],
        regions=[region, *others],
    )
