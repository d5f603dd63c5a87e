"""Outlet RSS feeds and their article pages, rendered from ``data/rss.json``.

Our own writing, modelled on the feeds in ``realpages/``: ``/rss/{slug}.xml`` is the feed
(RSS 2.0, or RSS 0.92 with ``<link>`` after the description and an RFC 822 offset without a
colon); ``/rss/{slug}/article/{n}.html`` the article page. The encoding traps are each one
feed: UTF-8, EUC-KR bytes declared as such (in the XML declaration and the Content-Type),
and UTF-8 bytes declared as EUC-KR. Article pages expose their fields through JSON-LD,
microdata or plain markup only, so the extractor's generic layers do the work; an item marked
``missing`` links to a page that answers 404.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

from clipper.mirror.localnews import PREFIX as LOCALNEWS_PREFIX
from clipper.mirror.localnews import load_localnews

DATA_FILE = Path(__file__).with_name("data") / "rss.json"
PREFIX = "/rss"
FEED_PATH = re.compile(r"^/([a-z0-9-]+)\.xml$")
ARTICLE_PATH = re.compile(r"^/([a-z0-9-]+)/article/(\d+)\.html$")
# The local-news site whose CMS feed is also listed as an RSS source (same articles as its
# search: one article, one sighting, whichever spider fetches it first).
LOCAL_FEED_SITE = "hanbit"

Page = str | tuple[str, bytes]


@dataclass(frozen=True)
class Item:
    n: int
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    author: str
    missing: bool


@dataclass(frozen=True)
class Feed:
    slug: str
    outlet: str
    region: str
    encoding: str  # "utf-8", "euc-kr" or "utf-8-labelled-euc-kr"
    page: str  # "jsonld", "microdata" or "plain"
    format: str  # "rss2" or "rss092"
    items: tuple[Item, ...]  # newest first

    @property
    def domain(self) -> str:
        """The outlet's own domain in the mirror's fiction."""
        return f"{self.slug}.example"

    def article_url(self, n: int) -> str:
        """The URL the outlet's pages (and feed guids) declare for an article."""
        return f"https://www.{self.domain}/news/{n}"

    def get(self, n: int) -> Item | None:
        return next((item for item in self.items if item.n == n), None)


@functools.cache
def load_feeds(path: Path = DATA_FILE) -> dict[str, Feed]:
    feeds = {}
    for row in json.loads(path.read_text(encoding="utf-8"))["feeds"]:
        items = tuple(
            Item(
                n=item["n"],
                title=item["title"],
                paragraphs=tuple(item["paragraphs"]),
                published=datetime.fromisoformat(item["published"]),
                author=item["author"],
                missing=item.get("missing", False),
            )
            for item in row.pop("items")
        )
        feeds[row["slug"]] = Feed(
            **row, items=tuple(sorted(items, key=lambda i: i.published, reverse=True))
        )
    return feeds


def feeds_csv(mirror_url: str) -> str:
    """``clipper/data/rss_feeds.csv`` rows for the mirror's feeds (tests, demo), including
    one local-news CMS feed."""
    lines = ["url,outlet,home_region,domain"]
    for feed in load_feeds().values():
        url = f"{mirror_url}{PREFIX}/{feed.slug}.xml"
        lines.append(f"{url},{feed.outlet},{feed.region},{feed.domain}")
    site = load_localnews().sites[LOCAL_FEED_SITE]
    url = f"{mirror_url}{LOCALNEWS_PREFIX}/{site.slug}/rss/allArticle.xml"
    lines.append(f"{url},{site.name},{site.region},{site.domain}")
    return "\n".join(lines) + "\n"


def handle(path: str, query: Mapping[str, str], base: str) -> Page | None:
    feeds = load_feeds()
    match = FEED_PATH.match(path)
    if match and match.group(1) in feeds:
        feed = feeds[match.group(1)]
        return _encode(feed, "application/rss+xml", _feed(feed, base))
    match = ARTICLE_PATH.match(path)
    if match and match.group(1) in feeds:
        feed = feeds[match.group(1)]
        item = feed.get(int(match.group(2)))
        if item is None or item.missing:
            return None
        return _encode(feed, "text/html", _article(feed, item))
    return None


def _encode(feed: Feed, media_type: str, text: str) -> tuple[str, bytes]:
    if feed.encoding == "euc-kr":
        return f"{media_type}; charset=euc-kr", text.encode("cp949")
    if feed.encoding == "utf-8-labelled-euc-kr":
        # A misconfigured server: the label says EUC-KR, the bytes are UTF-8.
        return f"{media_type}; charset=euc-kr", text.encode("utf-8")
    return f"{media_type}; charset=utf-8", text.encode("utf-8")


def _label(feed: Feed) -> str:
    return "UTF-8" if feed.encoding == "utf-8" else "euc-kr"


def _feed(feed: Feed, base: str) -> str:
    entries = []
    for item in feed.items:
        link = f"{base}/{feed.slug}/article/{item.n}.html"
        summary = f"<p>{escape(item.paragraphs[0])}</p>"
        if feed.format == "rss092":
            # RSS 0.92 as old blog engines wrote it: link after the description, +0900.
            date = item.published.strftime("%a, %d %b %Y %H:%M:%S %z")
            entries.append(
                f"<item>\n<title>{escape(item.title)}</title>\n<pubDate>{date}</pubDate>\n"
                f"<description><![CDATA[\n{summary}<BR>\n]]></description>\n<link>{link}</link>\n</item>\n"
            )
        else:
            entries.append(
                f"<item><title>{escape(item.title)}</title><link>{link}</link>"
                f"<description><![CDATA[{summary}]]></description>"
                f"<author>{escape(item.author)}</author><pubDate>{format_datetime(item.published)}</pubDate>"
                f'<guid isPermaLink="true">{feed.article_url(item.n)}</guid></item>\n'
            )
    version = "0.92" if feed.format == "rss092" else "2.0"
    return (
        f'<?xml version="1.0" encoding="{_label(feed)}" ?>\n<rss version="{version}">\n<channel>\n'
        f"<title>{escape(feed.outlet)}</title>\n<link>{base}/{feed.slug}</link>\n"
        f"<description>{escape(feed.outlet)} 최신기사</description>\n{''.join(entries)}</channel>\n</rss>\n"
    )


def _article(feed: Feed, item: Item) -> str:
    charset = _label(feed).lower()
    paragraphs = "".join(f"<p>{escape(p)}</p>\n" for p in item.paragraphs)
    meta = (
        f'<link rel="canonical" href="{feed.article_url(item.n)}">\n'
        f'<meta property="og:title" content="{escape(item.title)} | {escape(feed.outlet)}">\n'
        f'<meta property="og:site_name" content="{escape(feed.outlet)}">\n'
    )
    if feed.page == "jsonld":
        ld = json.dumps(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": item.title,
                "datePublished": item.published.isoformat(),
                "author": {"@type": "Person", "name": item.author},
                "publisher": {"@type": "Organization", "name": feed.outlet},
            },
            ensure_ascii=False,
        )
        head = meta + f'<script type="application/ld+json">{ld}</script>\n'
        view = f'<div class="news-view"><h1>{escape(item.title)}</h1>\n<div class="news-text">\n{paragraphs}</div></div>\n'
    elif feed.page == "microdata":
        head = meta
        view = (
            f'<div itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">{escape(item.title)}</h1>'
            f'<span itemprop="datePublished" content="{item.published.isoformat()}">{item.published:%Y.%m.%d %H:%M}</span>'
            f' <span class="writer">{escape(item.author)}</span>\n'
            f'<div itemprop="articleBody">\n{paragraphs}</div></div>\n'
        )
    else:
        head = meta
        view = (
            f'<div id="content"><h1>{escape(item.title)}</h1><p class="date">입력 {item.published:%Y-%m-%d %H:%M}'
            f' | {escape(item.author)}</p>\n<div class="txt">\n{paragraphs}</div></div>\n'
        )
    return (
        f'<!DOCTYPE html>\n<html lang="ko">\n<head>\n<meta charset="{charset}">\n'
        f"<title>{escape(item.title)} - {escape(feed.outlet)}</title>\n{head}</head>\n<body>\n"
        f'<div id="top"><a href="/">{escape(feed.outlet)}</a></div>\n{view}'
        f'<div id="foot">Copyright ⓒ {escape(feed.outlet)} All rights reserved.</div>\n</body>\n</html>\n'
    )
