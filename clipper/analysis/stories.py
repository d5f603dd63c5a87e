"""Story reads for analysts: which outlets ran a story."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from models import Article, Outlet
from models.stories import StoryMember

# --- analyst helpers -----------------------------------------------------------------------


class StoryOutlet(NamedTuple):
    outlet: str
    articles: int
    regions: tuple[str, ...]
    first_published: datetime


def story_outlets(conn: Connection, story_id: int) -> list[StoryOutlet]:
    """The outlets that ran a story, earliest first, with their article count and regions.

    The outlet is the canonical name, else the raw outlet string, else "".
    """
    outlet = func.coalesce(Outlet.name, Article.outlet_raw, "")
    rows = conn.execute(
        select(outlet, Article.region, StoryMember.story_time)
        .select_from(StoryMember)
        .join(Article, Article.id == StoryMember.article_id)
        .outerjoin(Outlet, Outlet.id == Article.outlet_id)
        .where(StoryMember.story_id == story_id)
    ).all()
    grouped: dict[str, list[tuple[str | None, datetime]]] = defaultdict(list)
    for name, region, story_time in rows:
        grouped[name].append((region, story_time))
    result = [
        StoryOutlet(
            outlet=name,
            articles=len(entries),
            regions=tuple(sorted({region for region, _t in entries if region})),
            first_published=min(t for _r, t in entries),
        )
        for name, entries in grouped.items()
    ]
    return sorted(result, key=lambda row: (row.first_published, row.outlet))
