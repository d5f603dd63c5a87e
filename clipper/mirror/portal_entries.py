"""What the mirror's portals list, from ``data/portals.json``, and the helpers their pages share.

An :class:`Entry` is one article as the portals know it: its text (its own, a shared story's
from ``data/stories.json``, or a mirror local-news article's), its outlet and its original's URL,
and where Naver, Daum and Google News carry it. Relative dates (``-3h``) are taken from the
moment asked about. The per-portal pages are ``clipper.mirror.naver``, ``clipper.mirror.daum``
and ``clipper.mirror.google_news``; ``clipper.mirror.portals`` routes the hosts to them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from clipper.mirror.localnews import Site, load_localnews, load_stories
from clipper.text.dates import KST

DATA_FILE = Path(__file__).with_name("data") / "portals.json"
PREFIX = "/portals"
NAVER_NEWS = "https://n.news.naver.com"
NAVER_LEGACY = "https://news.naver.com/main/read.naver"
WEB_PAGE_SIZE = 10


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    paragraphs: tuple[str, ...]
    outlet: str
    reporter: str
    published: datetime
    original: str  # the publisher's URL (a mirror local-news site's own, or off the mirror), or ""
    naver: Mapping | None
    daum: str | None
    google: str | None

    def on_mirror(self) -> bool:
        """Whether the original is a page of one of the mirror's local-news sites."""
        return local_site(urlsplit(self.original).hostname or "") is not None

    def matches(self, word: str) -> bool:
        return bool(word) and any(word in text for text in (self.title, *self.paragraphs))

    @property
    def naver_copy(self) -> bool:
        return self.naver is not None and self.naver.get("copy", True)

    def naver_link(self) -> str:
        if not self.naver_copy:
            return ""
        oid, aid = self.naver["oid"], self.naver["aid"]
        if self.naver.get("legacy"):
            return f"{NAVER_LEGACY}?mode=LSD&mid=sec&sid1=102&oid={oid}&aid={aid}"
        return f"{NAVER_NEWS}/mnews/article/{oid}/{aid}?sid=102"


def _entry(row: dict, stories: dict, now: datetime) -> Entry:
    row = dict(row)
    if "story" in row:
        story = stories[row["story"]]
        original = story["original"]
        local = load_localnews().get(original["site"], original["idxno"])
        url = original.get("url") or load_localnews().sites[original["site"]].article_url(
            original["idxno"]
        )
        row.update(title=story["title"], paragraphs=story["paragraphs"], original=url)
        row.update(outlet=original["outlet"], reporter=original["reporter"])
        row["published"] = local.published.isoformat() if local else story["published"]
    elif "local" in row:
        site, idxno = row["local"]
        news = load_localnews()
        local = news.get(site, idxno)
        row.update(title=local.title, paragraphs=list(local.paragraphs), reporter=local.reporter)
        row.update(outlet=news.sites[site].name, published=local.published.isoformat())
        row["original"] = news.sites[site].article_url(idxno)
    published = row["published"]
    if published.startswith("-") and published.endswith("h"):
        moment = now - timedelta(hours=int(published[1:-1]))
    else:
        moment = datetime.fromisoformat(published)
    return Entry(
        id=row["id"],
        title=row["title"],
        paragraphs=tuple(row["paragraphs"]),
        outlet=row["outlet"],
        reporter=row.get("reporter", ""),
        published=moment.astimezone(KST).replace(second=0, microsecond=0),
        original=row.get("original", ""),
        naver=row.get("naver"),
        daum=row.get("daum"),
        google=row.get("google"),
    )


@functools.cache
def _rows(path: Path = DATA_FILE) -> tuple[dict, ...]:
    return tuple(json.loads(path.read_text(encoding="utf-8"))["entries"])


def load_entries(now: datetime | None = None) -> list[Entry]:
    """Every entry, newest first (relative dates computed from ``now``)."""
    now = now or datetime.now(KST)
    stories = load_stories()
    entries = [_entry(row, stories, now) for row in _rows()]
    return sorted(entries, key=lambda e: e.published, reverse=True)


def local_site(host: str) -> Site | None:
    """The mirror local-news site whose own host ``host`` is (with or without ``www.``)."""
    host = host.lower().removeprefix("www.")
    return next((s for s in load_localnews().sites.values() if s.domain == host), None)


def mirrored(url: str, origin: str) -> str:
    """Where the mirror serves a real URL (what ``CLIPPER_PORTAL_MIRROR_URL`` does)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin}{PREFIX}/{parts.hostname}{parts.path}{query}"


def int_arg(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def ago(moment: datetime, now: datetime, space: str = " ") -> str:
    """Portal style: ``3시간 전`` within a day, else the day (Naver ``2026.05.24.``)."""
    elapsed = now - moment
    if elapsed < timedelta(hours=1):
        return f"{max(1, int(elapsed.total_seconds() // 60))}분{space}전"
    if elapsed < timedelta(days=1):
        return f"{int(elapsed.total_seconds() // 3600)}시간{space}전"
    return ""


def marked(text: str, word: str, tag: str) -> str:
    """The text escaped, the search word wrapped in ``tag`` (Naver <mark>, Daum <b>)."""
    return (
        escape(text).replace(escape(word), f"<{tag}>{escape(word)}</{tag}>")
        if word
        else escape(text)
    )


def html_page(title: str, body: str, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="ko"><head><meta charset="{charset}">'
        f"<title>{escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
