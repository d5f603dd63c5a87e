"""Google News on the offline mirror: the RSS search feed and its opaque ``/rss/articles/{token}``
links, which redirect (HTTP 302) to the original when it is on the mirror and otherwise answer
with a script page, as the real site does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape as xml_escape

from clipper.mirror.portal_entries import Entry, html_page, load_entries, mirrored
from clipper.mirror.server import Page, Reply

GOOGLE_ARTICLES = "https://news.google.com/rss/articles/"


def google_news_host(
    path: str, query: Mapping[str, str], origin: str, now: datetime
) -> Page | None:
    if path == "/rss/search":
        return "application/rss+xml; charset=utf-8", google_feed(query, origin, now).encode()
    if path.startswith("/rss/articles/"):
        token = path[len("/rss/articles/") :].strip("/")
        entry = next((e for e in load_entries(now) if e.google == token), None)
        if entry is None:
            return None
        return google_article(entry, origin)
    return None


def google_feed(query: Mapping[str, str], origin: str, now: datetime) -> str:
    word = query.get("q", "").strip()
    items = []
    for entry in load_entries(now):
        if not (entry.google and entry.matches(word)):
            continue
        home = f"https://{urlsplit(entry.original).hostname}" if entry.original else ""
        link = f"{GOOGLE_ARTICLES}{entry.google}?oc=5"
        items.append(
            f"<item><title>{xml_escape(entry.title)} - {xml_escape(entry.outlet)}</title>"
            f'<link>{link}</link><guid isPermaLink="false">{entry.google}</guid>'
            f"<pubDate>{format_datetime(entry.published.astimezone(UTC), usegmt=True)}</pubDate>"
            f"<description>{xml_escape(entry.title)}</description>"
            f'<source url="{xml_escape(home)}">{xml_escape(entry.outlet)}</source></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<rss version="2.0" '
        'xmlns:media="http://search.yahoo.com/mrss/"><channel><generator>NFE/5.0</generator>'
        f'<title>"{xml_escape(word)}" - Google 뉴스</title>'
        f"<link>https://news.google.com/search?q={quote(word)}&amp;hl=ko&amp;gl=KR&amp;ceid=KR:ko</link>"
        f"<language>ko</language>{''.join(items)}</channel></rss>\n"
    )


def google_article(entry: Entry, origin: str) -> str:
    """A 302 to an original on the mirror, or the script page the real site answers with
    (nothing a crawler can follow)."""
    if entry.on_mirror():
        return Reply(
            302, "text/html; charset=utf-8", b"", (("Location", mirrored(entry.original, origin)),)
        )
    return html_page("Google 뉴스", '<script>window.__wiz = "opaque";</script><c-wiz></c-wiz>')
