"""An offline mirror of the sources: a local HTTP server for tests and ``clipper demo``.

Two small registries, so adding a mirrored source is two lines here:

- :data:`ROUTES`: path prefix → ``"module:function"`` rendering the pages below it (imported
  when the server first needs it). A handler gets the path below the prefix, the query (first
  value of each parameter) and the mirror's URL for the prefix; it returns HTML as ``str``
  (served as UTF-8), a ``(content_type, bytes)`` pair, or None for a 404.
- :data:`DEMO_SOURCES`: what ``clipper demo`` crawls: the spider, the setting that points it
  at the mirror and how to compute that setting's value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# prefix → (handler "module:function", path of the source's front page for the index)
ROUTES: dict[str, tuple[str, str]] = {
    "/smalllibrary": ("clipper.mirror.board:handle", "/helper/news?currentPage=1"),
    "/localnews": ("clipper.mirror.localnews_pages:handle", "/hanbit/news/articleList.html"),
    "/localnews-changed": (
        "clipper.mirror.localnews_pages:handle_changed",
        "/hanbit/news/articleList.html",
    ),
    "/rss": ("clipper.mirror.rss:handle", "/haneul.xml"),
    "/portals": ("clipper.mirror.portals:handle", "/search.daum.net/search?q=도서관"),
}


@dataclass(frozen=True)
class DemoSource:
    """One crawl of the demo: ``spider`` with ``setting`` pointed at the mirror.

    The setting's value is the mirror's URL plus ``prefix`` (a base URL setting), unless
    ``write`` is given: then ``write(mirror_url)`` returns a file's text, which the demo saves
    in a temporary directory and passes the path of (a CSV of sites or feeds).
    """

    spider: str
    setting: str
    prefix: str = ""
    write: Callable[[str], str] | None = None
    args: dict[str, str] = field(default_factory=dict)

    def value(self, mirror_url: str, workdir: Path) -> str:
        if self.write is None:
            return mirror_url + self.prefix
        path = workdir / f"{self.spider}.csv"
        path.write_text(self.write(mirror_url), encoding="utf-8")
        return str(path)


def _localnews_sites(mirror_url: str) -> str:
    from clipper.mirror.localnews import sites_csv

    return sites_csv(mirror_url)


def _rss_feeds(mirror_url: str) -> str:
    from clipper.mirror.rss import feeds_csv

    return feeds_csv(mirror_url)


DEMO_SOURCES: list[DemoSource] = [
    DemoSource("smalllibrary", "CLIPPER_SMALLLIBRARY_BASE_URL", "/smalllibrary"),
    DemoSource("localnews", "CLIPPER_LOCALNEWS_SITES", write=_localnews_sites),
    DemoSource("rss", "CLIPPER_RSS_FEEDS", write=_rss_feeds),
    DemoSource("naver_news", "CLIPPER_PORTAL_MIRROR_URL", "/portals"),
    DemoSource("daum_news", "CLIPPER_PORTAL_MIRROR_URL", "/portals"),
    DemoSource("google_news", "CLIPPER_PORTAL_MIRROR_URL", "/portals"),
]


def demo_jobs(mirror_url: str, workdir: Path) -> tuple[list[tuple[str, dict]], dict[str, object]]:
    """The demo's ``run_crawls`` job list and the setting overrides pointing at the mirror.

    The overrides also let the crawler fetch the mirror's loopback address: sources read
    from CSV files are not ``CLIPPER_*_URL`` settings, which the address guard trusts
    (clipper.middlewares.security).
    """
    jobs = [(source.spider, dict(source.args)) for source in DEMO_SOURCES]
    overrides: dict[str, object] = {
        source.setting: source.value(mirror_url, workdir) for source in DEMO_SOURCES
    }
    overrides["CLIPPER_ALLOWED_PRIVATE_HOSTS"] = [mirror_url.split("://", 1)[1]]
    return jobs, overrides


from clipper.mirror.server import MirrorServer  # noqa: E402  (after the registries it reads)

__all__ = ["DEMO_SOURCES", "ROUTES", "DemoSource", "MirrorServer", "demo_jobs"]
