"""Local-news sites on the shared CMS, as data: the sites, their articles and the shared
stories, from ``data/localnews.json`` and ``data/stories.json``.

Each site lives at ``/localnews/{slug}`` on the mirror, and claims ``www.{slug}.example`` as its
own host; its pages are rendered by ``clipper.mirror.localnews_pages``. The portals and feeds
list the same articles, so one story is one article wherever it is found.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

DATA_DIR = Path(__file__).with_name("data")
PREFIX = "/localnews"


@dataclass(frozen=True)
class Site:
    slug: str
    name: str
    region: str
    skin: str  # "old" or "new"
    page_size: int
    feed_dates: str  # "iso" (2026-11-03 10:15:00) or "rfc822"

    @property
    def domain(self) -> str:
        """The site's own domain in the mirror's fiction (``.example`` is reserved)."""
        return f"{self.slug}.example"

    def article_url(self, idxno: int) -> str:
        """The URL the site's pages declare for an article (its identity)."""
        return f"https://www.{self.domain}/news/articleView.html?idxno={idxno}"


@dataclass(frozen=True)
class Article:
    site: str
    idxno: int
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    reporter: str
    section: str
    encoding: str  # "utf-8" or "euc-kr"
    story: str | None  # id in stories.json for a syndicated story

    @property
    def text(self) -> str:
        return "\n".join([self.title, *self.paragraphs])


@dataclass(frozen=True)
class LocalNews:
    sites: dict[str, Site]
    articles: tuple[Article, ...]  # newest first

    def site_articles(self, slug: str) -> list[Article]:
        return [a for a in self.articles if a.site == slug]

    def get(self, slug: str, idxno: int) -> Article | None:
        return next((a for a in self.site_articles(slug) if a.idxno == idxno), None)

    def search(
        self, slug: str, word: str, start: date | None = None, end: date | None = None
    ) -> list[Article]:
        found = []
        for article in self.site_articles(slug):
            day = article.published.date()
            if word and word not in article.text:
                continue
            if (start and day < start) or (end and day > end):
                continue
            found.append(article)
        return found


def load_stories(path: Path = DATA_DIR / "stories.json") -> dict[str, dict]:
    """The shared stories by id (see ``data/stories.json``)."""
    return {s["id"]: s for s in json.loads(path.read_text(encoding="utf-8"))["stories"]}


@functools.cache
def load_localnews(path: Path = DATA_DIR / "localnews.json") -> LocalNews:
    data = json.loads(path.read_text(encoding="utf-8"))
    stories = load_stories()
    sites = {row["slug"]: Site(**row) for row in data["sites"]}
    articles = []
    for row in data["articles"]:
        row = dict(row)
        story_id = row.pop("story", None)
        if story_id:
            story = stories[story_id]
            places = [story["original"], *story["copies"]]
            place = next(p for p in places if p["site"] == row["site"])
            row.setdefault("title", story["title"])
            row.setdefault("paragraphs", story["paragraphs"])
            row.setdefault("published", place.get("published", story["published"]))
            row.setdefault("reporter", place["reporter"])
        articles.append(
            Article(
                site=row["site"],
                idxno=row["idxno"],
                title=row["title"],
                paragraphs=tuple(row["paragraphs"]),
                published=datetime.fromisoformat(row["published"]),
                reporter=row["reporter"],
                section=row.get("section", ""),
                encoding=row.get("encoding", "utf-8"),
                story=story_id,
            )
        )
    articles.sort(key=lambda a: a.published, reverse=True)
    return LocalNews(sites, tuple(articles))


def sites_csv(mirror_url: str) -> str:
    """``clipper/data/localnews_sites.csv`` rows for the mirror's sites (tests, demo)."""
    lines = ["domain,base_url,name,home_region"]
    for site in load_localnews().sites.values():
        base = f"{mirror_url}{PREFIX}/{site.slug}"
        lines.append(f"{site.domain},{base},{site.name},{site.region}")
    return "\n".join(lines) + "\n"
