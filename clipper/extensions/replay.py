"""A crawl answered from WARC files instead of the network (``clipper crawl --replay``).

A downloader middleware at 890, nearest the downloader: for every request it finds the
page archived under the request's URL in ``CLIPPER_REPLAY_WARC`` (files written by
``clipper.extensions.archive``, or any WARC of responses) and answers with it, so every
other middleware, the spider and the pipelines see what they saw live: for tests, the demo,
and debugging a spider on exactly the pages it saw. A request not in the archive is never
fetched: it is counted (``clipper/replay/missing``), logged with its URL and ignored, like a
page the guard refuses. Answered pages are ``clipper/replay/answered``; the item's archive
location (``ArticleItem.warc``) names the replayed file.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.exceptions import IgnoreRequest, NotConfigured

from clipper.extensions.archive import WARC_META, index_pages, read_page

logger = logging.getLogger(__name__)


def warc_files(paths: list[str]) -> list[Path]:
    """The WARC files named: files as given, directories as their ``*.warc.gz`` files."""
    files: list[Path] = []
    for name in paths:
        path = Path(name)
        files.extend(sorted(path.glob("*.warc.gz")) if path.is_dir() else [path])
    return files


class ReplayMiddleware:
    def __init__(self, crawler, files: list[Path]):
        self.stats = crawler.stats
        # URL -> (file, offset, length); files in the order given, a later one winning.
        self.index: dict[str, tuple[Path, int, int]] = {}
        for path in files:
            try:
                pages = index_pages(path)
            except Exception as exc:  # missing or damaged: said and counted, the rest replays
                self.stats.inc_value("clipper/replay/unreadable_files")
                logger.error("Cannot read the WARC file %s: %s", path, exc)
                continue
            for url, (offset, length) in pages.items():
                self.index[url] = (path, offset, length)
        self.stats.set_value("clipper/replay/indexed", len(self.index))

    @classmethod
    def from_crawler(cls, crawler):
        names = crawler.settings.getlist("CLIPPER_REPLAY_WARC")
        if not names:
            raise NotConfigured
        return cls(crawler, warc_files(names))

    def process_request(self, request, spider=None):
        place = self.index.get(request.url)
        if place is None:
            self.stats.inc_value("clipper/replay/missing")
            logger.warning("Not in the replayed archive, not fetched: %s", request.url)
            raise IgnoreRequest(f"not in the replayed archive: {request.url}")
        path, offset, length = place
        response = read_page(path, offset).response.replace(request=request)
        request.meta[WARC_META] = (path.name, offset, length)
        self.stats.inc_value("clipper/replay/answered")
        return response
