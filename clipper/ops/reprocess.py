"""Re-running the pipeline over stored articles from their archived pages (``clipper reprocess``).

Each selected article's page is read back from the WARC archive at the place its row
records (``warc_file``/``warc_offset``, written by the store from ``ArticleItem.warc``). The
spider's own callback extracts it again, called as the crawl called it (the callback and its
arguments are kept in the archived request record), with the spider's clock at the fetch
time; the page goes through the same charset decoding and the same pipeline stages as in a
crawl (ITEM_PIPELINES, all but the store). The chosen stages then decide which of the
fresh values replace the stored ones:

- ``extract``: everything read from the page: title, body, author, raw date and outlet, the
  HTML hash (and so, since the stages run on them, everything derived);
- ``text``: the page's title, body and author as the text stages clean them (the raw date and
  outlet strings stay as stored);
- ``tags``: date, outlet, region and relevance terms, computed on the text as it will be
  stored;
- ``stories``: every selected article joins its story again (an article whose text changed
  always does, as in a crawl).

Writes follow a crawl's rules: one transaction per batch (articles, outlets and stories
commit or roll back together), rows updated in place by id, never added or deleted, and a
re-run changes nothing that is already right. So a killed run is resumed by running it again:
the committed batches come out unchanged and the rest is done. An article whose fresh item a
stage would drop (no body, off topic) keeps its row and is named in the summary, as is every
article whose page is not in the archive. ``dry_run`` does the whole run in one transaction
and rolls it back, so the summary (story membership included) is what a real run would do.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.spiderloader import SpiderLoader
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.misc import load_object
from sqlalchemy import Connection, Engine, or_, select, update

from clipper.extensions.archive import read_page
from clipper.middlewares.charset import CharsetMiddleware
from clipper.store.articles import ArticleStore
from clipper.store.sanitize import sanitize
from clipper.store.stories import StoryConfig, StoryIndex
from clipper.text.dates import KST
from clipper.text.paragraphs import content_hash
from models import Article, Outlet, StoryMember

logger = logging.getLogger(__name__)

STAGES = ("extract", "text", "tags", "stories")
# The stored columns each stage's fresh values replace ("outlet" is the outlet's name).
PAGE_FIELDS = ("title", "body", "author", "published_raw", "outlet_raw", "html_hash")
TEXT_FIELDS = ("title", "body", "author")
TAG_FIELDS = ("published", "outlet", "region", "region_evidence", "matched_terms")
# Fields the summary counts changes of.
SUMMARY_FIELDS = ("title", "body", "author", "published", "outlet", "region", "matched_terms")
STORE_PIPELINE = "pipelines.store.StorePipeline"
# Changes shown per field in the summary.
EXAMPLES = 3


def stages_for(choice: str) -> frozenset[str]:
    return frozenset(STAGES) if choice == "all" else frozenset({choice})


@dataclass
class Summary:
    """What a reprocess run did (or, dry, would do)."""

    stages: tuple[str, ...]
    dry_run: bool
    selected: int = 0
    reprocessed: int = 0
    changed: int = 0
    field_changes: Counter = field(default_factory=Counter)
    # url -> why its page could not be read (not archived, file missing, ...)
    not_archived: dict[str, str] = field(default_factory=dict)
    # url -> the drop reason a stage gave the fresh item (the row is kept as it was)
    would_drop: dict[str, str] = field(default_factory=dict)
    # url -> the other URL the page now gives (not applied: a URL is the article's identity)
    url_changed: dict[str, str] = field(default_factory=dict)
    # a few examples per field: (url, before, after)
    examples: dict[str, list[tuple[str, Any, Any]]] = field(default_factory=dict)
    stories_before: int = 0
    stories_after: int = 0
    story_moved: int = 0  # articles whose story mates changed
    batches: int = 0

    def lines(self) -> list[str]:
        head = "Would change" if self.dry_run else "Changed"
        out = [
            f"Reprocess ({', '.join(self.stages)}{', dry run' if self.dry_run else ''}): "
            f"{self.selected} articles selected, {self.reprocessed} read from the archive, "
            f"{len(self.not_archived)} not in the archive.",
            f"{head} {self.changed} articles: "
            + (
                ", ".join(f"{name} {self.field_changes[name]}" for name in SUMMARY_FIELDS)
                or "nothing"
            )
            + ".",
            f"Stories: {self.stories_before} before, {self.stories_after} after; "
            f"{self.story_moved} articles changed story membership.",
        ]
        for name in SUMMARY_FIELDS:
            for url, before, after in self.examples.get(name, []):
                out.append(f"  {name}: {url}: {_show(before)} -> {_show(after)}")
        for title, found in (
            ("Not in the archive (kept as stored)", self.not_archived),
            ("A stage would drop them (kept as stored)", self.would_drop),
            ("The page now names another URL (not applied)", self.url_changed),
        ):
            if found:
                out.append(f"{title}: {len(found)}")
                out.extend(f"  {url}: {why}" for url, why in sorted(found.items()))
        return out


def _show(value: Any) -> str:
    text = value.isoformat() if isinstance(value, datetime) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Reprocessor:
    """One reprocess run over an engine's articles, with the project's Scrapy settings."""

    def __init__(
        self,
        engine: Engine,
        settings,
        archive_dir: Path | None,
        stages: frozenset[str],
        *,
        dry_run: bool = False,
        batch_size: int = 100,
    ):
        self.engine = engine
        self.settings = settings
        self.archive_dir = archive_dir
        self.stages = stages
        self.dry_run = dry_run
        self.batch_size = max(1, batch_size)
        self.store = ArticleStore(engine)
        self.loader = SpiderLoader.from_settings(settings)
        self._spiders: dict[str, tuple[Any, list, CharsetMiddleware]] = {}
        # Keep every band hash: the articles re-joined may be older than the index window.
        config = dataclasses.replace(StoryConfig.from_settings(settings), index_days=0)
        self.stories = StoryIndex(config)
        self.fields: set[str] = set()
        if "extract" in stages:
            self.fields.update(PAGE_FIELDS)
        if stages & {"extract", "text"}:
            self.fields.update(TEXT_FIELDS)
        if "tags" in stages:
            self.fields.update(TAG_FIELDS)

    # -- selection ------------------------------------------------------------------------
    def select_ids(self, since: date | None, spider: str | None) -> list[int]:
        query = select(Article.id).order_by(Article.id)
        if spider:
            query = query.where(Article.spider == spider)
        if since:
            start = datetime.combine(since, time(), KST).astimezone(UTC)
            query = query.where(
                or_(
                    Article.published >= start,
                    Article.published.is_(None) & (Article.first_seen >= start),
                )
            )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    # -- the run --------------------------------------------------------------------------
    def run(
        self,
        ids: list[int],
        progress: Callable[[int], None] = lambda n: None,
    ) -> Summary:
        summary = Summary(tuple(s for s in STAGES if s in self.stages), self.dry_run)
        summary.selected = len(ids)
        with self.engine.connect() as conn:
            before = _story_mates(conn, ids)
        if self.dry_run:
            with self.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    for batch in _chunks(ids, self.batch_size):
                        self._batch(conn, batch, summary)
                        progress(len(batch))
                    after = _story_mates(conn, ids)
                finally:
                    transaction.rollback()
        else:
            for batch in _chunks(ids, self.batch_size):
                with self.engine.begin() as conn:
                    self._batch(conn, batch, summary)
                self.batch_done(summary)
                progress(len(batch))
            with self.engine.connect() as conn:
                after = _story_mates(conn, ids)
        summary.stories_before = len(set(before.values()))
        summary.stories_after = len(set(after.values()))
        summary.story_moved = sum(1 for i in ids if before.get(i) != after.get(i))
        return summary

    def batch_done(self, summary: Summary) -> None:
        """Called after each committed batch (a test kills the process here)."""
        summary.batches += 1

    def _batch(self, conn: Connection, ids: list[int], summary: Summary) -> None:
        rows = conn.execute(
            select(Article.__table__, Outlet.name.label("outlet_name"))
            .outerjoin(Outlet, Article.outlet_id == Outlet.id)
            .where(Article.id.in_(ids))
            .order_by(Article.id)
        ).all()
        updates: list[tuple[int, dict]] = []
        rejoin: list[tuple[int, dict]] = []
        for article in rows:
            outlet_name = article.outlet_name
            fresh = self._fresh_item(article, summary)
            if fresh is None:
                continue
            summary.reprocessed += 1
            stored = _stored_values(article, outlet_name)
            changes = {
                name: fresh.get(name)
                for name in self.fields
                if _norm(fresh.get(name)) != _norm(stored[name])
            }
            final = {**stored, **changes}
            if changes:
                summary.changed += 1
                for name in changes:
                    summary.field_changes[name] += 1
                    examples = summary.examples.setdefault(name, [])
                    if len(examples) < EXAMPLES:  # not every body of a big run in memory
                        examples.append((article.url, stored[name], changes[name]))
                updates.append((article.id, {**fresh, **final, "changes": changes}))
            text_changed = content_hash(final["title"], final["body"]) != article.content_hash
            if text_changed or "stories" in self.stages:
                item = {**fresh, **final, "fetched_at": fresh.get("fetched_at")}
                # The signature of the text as stored, not of the fresh item's.
                item["extra"] = {
                    k: v for k, v in (fresh.get("extra") or {}).items() if k != "minhash"
                }
                rejoin.append((article.id, item))
        if updates:
            self._write(conn, updates)
        if rejoin:
            self.stories.assign(conn, rejoin)

    def _write(self, conn: Connection, updates: list[tuple[int, dict]]) -> None:
        outlet_ids, _created = self.store._outlet_ids_for(
            conn, [item for _id, item in updates if "outlet" in item["changes"]]
        )
        for article_id, item in updates:
            changes = item["changes"]
            values = {name: value for name, value in changes.items() if name != "outlet"}
            for name in ("author", "published_raw", "outlet_raw", "region_evidence", "html_hash"):
                if name in values:
                    values[name] = values[name] or None
            if "matched_terms" in values:
                values["matched_terms"] = values["matched_terms"] or []
            if "outlet" in changes:
                values["outlet_id"] = outlet_ids.get((changes["outlet"] or "").strip())
            if "title" in changes or "body" in changes:
                values["content_hash"] = content_hash(item["title"], item["body"])
            conn.execute(update(Article).where(Article.id == article_id).values(**values))

    # -- one article ----------------------------------------------------------------------
    def _fresh_item(self, article, summary: Summary):
        """The item a crawl would store from the article's archived page, as a dict; None
        (and the reason in ``summary``) when there is none."""
        url = article.url
        if not article.warc_file or article.warc_offset is None:
            summary.not_archived[url] = "no archived page recorded"
            return None
        if self.archive_dir is None:
            summary.not_archived[url] = "no archive directory (CLIPPER_ARCHIVE_DIR) given"
            return None
        path = self.archive_dir / article.warc_file
        if not path.is_file():
            summary.not_archived[url] = f"archive file missing: {article.warc_file}"
            return None
        try:
            page = read_page(path, article.warc_offset)
        except Exception as exc:  # a damaged file: named, never a traceback
            summary.not_archived[url] = (
                f"unreadable at {article.warc_file}:{article.warc_offset}: {exc}"
            )
            return None
        if not page.callback:
            summary.not_archived[url] = "archived without the spider's callback"
            return None
        try:
            spider, stages, charset = self._spider(article.spider)
        except KeyError:
            summary.not_archived[url] = f"unknown spider {article.spider!r}"
            return None
        callback = getattr(spider, page.callback, None)
        if callback is None:
            summary.not_archived[url] = f"spider {article.spider} has no {page.callback}()"
            return None
        response = charset.process_response(page.response.request, page.response)
        fetched = (page.fetched_at or article.first_seen).astimezone(KST)
        spider.now = lambda: fetched
        try:
            items = [
                out
                for out in callback(response, **page.cb_kwargs) or ()
                if not hasattr(out, "callback")  # requests the page leads to: not followed
            ]
        except Exception as exc:  # the spider's own trouble with its page: named, kept
            summary.would_drop[url] = f"{page.callback}() raised {type(exc).__name__}: {exc}"
            return None
        if not items:
            summary.would_drop[url] = "the page yields no item"
            return None
        item = items[-1]
        if "extract" not in self.stages:
            # Stages after extraction work on what was extracted before, as stored.
            for name in ("published_raw", "outlet_raw"):
                setattr(item, name, getattr(article, name) or "")
        if not self.stages & {"extract", "text"}:
            item.title, item.body = article.title, article.body
            item.author = article.author or ""
            item.prepared = None
        try:
            for stage in stages:
                item = stage.process_item(item)
        except DropItem as exc:
            summary.would_drop[url] = f"{type(exc).__name__}: {exc}"
            return None
        except Exception as exc:  # a stage's bug must not stop the run: named, row kept
            summary.would_drop[url] = f"a stage raised {type(exc).__name__}: {exc}"
            return None
        record = sanitize(ItemAdapter(item).asdict(), lambda _field: None)
        if record["url"] != url:
            summary.url_changed[url] = record["url"]
        return record

    def _spider(self, name: str):
        if name not in self._spiders:
            spidercls = self.loader.load(name)
            crawler = Crawler(spidercls, self.settings)
            crawler.stats = MemoryStatsCollector(crawler)
            spider = spidercls.from_crawler(crawler)
            crawler.spider = spider
            stages = [
                load_object(path).from_crawler(crawler)
                for path, _priority in sorted(
                    self.settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1]
                )
                if path != STORE_PIPELINE and _priority is not None
            ]
            self._spiders[name] = (spider, stages, CharsetMiddleware(crawler))
        return self._spiders[name]


def _stored_values(article, outlet_name: str | None) -> dict:
    return {
        "title": article.title,
        "body": article.body,
        "author": article.author,
        "published_raw": article.published_raw,
        "outlet_raw": article.outlet_raw,
        "html_hash": article.html_hash,
        "published": article.published,
        "outlet": outlet_name,
        "region": article.region,
        "region_evidence": article.region_evidence,
        "matched_terms": article.matched_terms,
    }


def _norm(value: Any) -> Any:
    """Stored and fresh values compared as the store would write them."""
    if value in ("", None, []):
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=value.microsecond)
    return value


def _story_mates(conn: Connection, ids: list[int]) -> dict[int, frozenset[int]]:
    """Article id -> the article ids of its story (itself included), for ``ids``."""
    story_of: dict[int, int] = dict(
        conn.execute(select(StoryMember.article_id, StoryMember.story_id)).all()
    )
    members: dict[int, set[int]] = defaultdict(set)
    for article_id, story_id in story_of.items():
        members[story_id].add(article_id)
    return {i: frozenset(members[story_of[i]]) for i in ids if i in story_of}


def _chunks(values: list, size: int) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
