"""Article storage: an idempotent upsert of articles, their outlets and sightings.

A re-crawl updates (``last_seen``, and the text when it changed), never duplicates: the
article is keyed by its canonical URL, the sighting by the page it was seen on. A nightly
run's store (``nightly=True``) marks the pages it stores ``seen_by_nightly`` and knows only
such pages, so ad hoc runs never move the nightly's incremental state. One
``ArticleStore.write`` is one transaction. Hooks run inside it for every new or changed
article, so derived tables (stories) commit or roll back with the article. Usable outside
Scrapy: the store pipeline, the CLI, tests and benchmarks share it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import StatementError

from clipper.store import retries
from clipper.text.paragraphs import content_hash, text_key
from models import Article, DroppedPage, Outlet, Sighting

logger = logging.getLogger(__name__)

# How far apart a sighting's time and its article's publication time may be.
SIGHTING_MATCH_WINDOW = timedelta(days=2)
# SQLite limits bound parameters per statement; stay well below it for IN (...) lookups.
LOOKUP_CHUNK = 500


# Where the page lies in the WARC archive (item["warc"]: file, offset, length), on articles and
# sightings. A re-crawl overwrites it, with NULL when that crawl did not archive: the
# location always names the page the stored text came from.
WARC_COLUMNS = ("warc_file", "warc_offset", "warc_length")


def warc_values(item: dict) -> tuple:
    """The WARC_COLUMNS values of ``item`` (NULLs when its page was not archived)."""
    place = item.get("warc")
    return tuple(place) if place else (None, None, None)


# The article columns the store sends for each row, in this order; the batch's time
# (BATCH_TIME_COLUMNS, the same for every row) follows them.
ARTICLE_COLUMNS = (
    "url",
    "title",
    "body",
    "author",
    "published",
    "published_raw",
    "region",
    "region_evidence",
    "outlet_id",
    "outlet_raw",
    "spider",
    "matched_terms",
    "content_hash",
    "html_hash",
    *WARC_COLUMNS,
)
CONTENT_HASH = ARTICLE_COLUMNS.index("content_hash")
SIGHTING_COLUMNS = ("source_url", "article_id", "spider", "seen_by_nightly", *WARC_COLUMNS)
BATCH_TIME_COLUMNS = ("first_seen", "last_seen")

# Columns a re-crawl overwrites: everything the item gives but the key, and last_seen
# (first_seen stays).
UPDATED_COLUMNS = (*(c for c in ARTICLE_COLUMNS if c != "url"), "last_seen")


def is_nightly(settings) -> bool:
    """Whether a crawl with these (Scrapy) settings is a nightly run."""
    return settings.get("CLIPPER_RUN_KIND", "adhoc") == "nightly"


def nightly_updated(columns: tuple[str, ...], nightly: bool) -> tuple[str, ...]:
    """The columns an upsert overwrites: ``columns``, and the nightly mark on a nightly run
    (set, never cleared: an ad hoc run leaves a page a nightly saw marked)."""
    return (*columns, "seen_by_nightly") if nightly else columns


def _chunks(values: list, size: int = LOOKUP_CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _outlet_name(item: dict) -> str:
    return (item.get("outlet") or "").strip()


def _insert(engine: Engine):
    return postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert


class DriverUpsert:
    """``INSERT … VALUES (…), (…) ON CONFLICT (key) DO UPDATE …`` sent as the driver's SQL.

    Through SQLAlchemy, preparing the parameters took more of a row's time than SQLite took
    to store it without the search index (under cProfile 81 of 320 µs per row, against 38
    in ``execute``): every parameter of every row went through the compiled statement's
    processing, the batch's time four times per article and sighting. Here the SQL is
    written once per row count, the rows are tuples, the bind processors are SQLAlchemy's
    own (so values are stored exactly as before), visited only for the columns that have
    one, and the batch's time is converted once. The same SQL runs on SQLite and PostgreSQL;
    rows go in pages that keep within the dialect's limit on parameters per statement. One
    multi-row statement per page, not one per row, matters on SQLite: the FTS trigger flushes
    FTS5's pending terms at the end of every statement.
    """

    def __init__(
        self,
        engine: Engine,
        table: Table,
        columns: tuple[str, ...],
        key: str,
        updated: Iterable[str],
        returning: tuple[str, ...] = (),
    ):
        dialect = engine.dialect
        quote = dialect.identifier_preparer.quote
        self.columns = columns
        processors = [
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in columns + BATCH_TIME_COLUMNS
        ]
        # Only the columns whose type converts values (timestamps, JSON) are visited per row.
        self._processed = [
            (index, process) for index, process in enumerate(processors[: len(columns)]) if process
        ]
        self._time_processor = processors[len(columns)]
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        width = len(columns) + len(BATCH_TIME_COLUMNS)
        self._row_sql = "(" + ", ".join([marker] * width) + ")"
        names = ", ".join(quote(name) for name in columns + BATCH_TIME_COLUMNS)
        self._head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "
        self._tail = f" ON CONFLICT ({quote(key)}) DO UPDATE SET " + ", ".join(
            f"{quote(name)} = excluded.{quote(name)}" for name in updated
        )
        if returning:
            self._tail += " RETURNING " + ", ".join(quote(name) for name in returning)
        self.returning = bool(returning)
        self.page_size = max(
            1,
            min(
                dialect.insertmanyvalues_page_size, dialect.insertmanyvalues_max_parameters // width
            ),
        )
        self._sql: dict[int, str] = {}

    def sql(self, n_rows: int) -> str:
        if n_rows not in self._sql:
            self._sql[n_rows] = self._head + ", ".join([self._row_sql] * n_rows) + self._tail
        return self._sql[n_rows]

    def execute(self, conn: Connection, rows: list[tuple], batch_time: datetime) -> list[tuple]:
        """Upsert ``rows`` (values of ``columns``, in order) stamped ``batch_time``; the
        ``returning`` columns of every row."""
        returned: list[tuple] = []
        for start in range(0, len(rows), self.page_size):
            page = rows[start : start + self.page_size]
            sql = self.sql(len(page))
            try:
                params = self._bind(page, batch_time)
            except Exception as exc:
                # What SQLAlchemy raises for a value its type refuses (a naive datetime): a
                # StatementError, which the pipeline retries and then reports like any other.
                raise StatementError(
                    f"({type(exc).__module__}.{type(exc).__qualname__}) {exc}", sql, None, exc
                ) from exc
            result = conn.exec_driver_sql(sql, params)
            if self.returning:
                returned.extend(result.all())
        return returned

    def _bind(self, rows: list[tuple], batch_time: datetime) -> tuple:
        stamp = self._time_processor(batch_time) if self._time_processor else batch_time
        stamps = (stamp,) * len(BATCH_TIME_COLUMNS)
        params: list = []
        for row in rows:
            if self._processed:
                row = list(row)
                for index, process in self._processed:
                    row[index] = process(row[index])
            params.extend(row)
            params.extend(stamps)
        return tuple(params)


# Called inside the batch's transaction with (article id, item) for every article that is
# new or whose text changed, so derived tables (stories) commit or roll back with it.
StoreHook = Callable[[Connection, list[tuple[int, dict]]], None]


class ArticleStore:
    """Maps items onto the models; usable outside Scrapy (tests, benchmarks)."""

    def __init__(self, engine: Engine, hooks: Iterable[StoreHook] = (), *, nightly: bool = False):
        self.engine = engine
        self.insert = _insert(engine)
        self.hooks = list(hooks)
        self.nightly = nightly
        # Outlet ids of committed batches (an outlet created in a batch that rolled back
        # does not exist, so its id is cached only once the batch commits).
        self._outlet_ids: dict[str, int] = {}
        self._article_upsert = DriverUpsert(
            engine,
            Article.__table__,
            ARTICLE_COLUMNS,
            key="url",
            updated=UPDATED_COLUMNS,
            returning=("url", "id"),
        )
        self._sighting_upsert = DriverUpsert(
            engine,
            Sighting.__table__,
            SIGHTING_COLUMNS,
            key="source_url",
            # An ad hoc run's re-crawl of a page leaves its nightly mark as it was.
            updated=nightly_updated(("article_id", "last_seen", *WARC_COLUMNS), nightly),
        )

    # -- reads ---------------------------------------------------------------------------
    def known_source_urls(self, urls: Iterable[str]) -> set[str]:
        """The pages among ``urls`` already handled: stored, or dropped for a lasting reason
        or for a transient one whose retry is not due yet (``clipper.store.retries``).

        For a nightly run, only pages a nightly run handled: what an ad hoc run stored or
        dropped (one listing page of it, half a Ctrl-C'd run, other relevance terms) is
        fetched again, so the nightly neither skips it nor stops paging at it.
        """
        urls = list(dict.fromkeys(urls))
        now = datetime.now(UTC)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(urls), LOOKUP_CHUNK):
                chunk = urls[start : start + LOOKUP_CHUNK]
                for table in (Sighting, DroppedPage):
                    query = select(table.source_url).where(table.source_url.in_(chunk))
                    if self.nightly:
                        query = query.where(table.seen_by_nightly.is_(True))
                    if table is DroppedPage:  # a transient drop whose retry is due: fetched
                        query = query.where(retries.skipped(now))
                    found.update(conn.execute(query).scalars())
        return found

    # -- writes --------------------------------------------------------------------------
    def attach_sighting(self, item: dict) -> int | None:
        """Record ``item`` (sighting-only: title, outlet, time, no text) as a sighting of the
        stored article it names; the article's id, or None when none matches."""
        published = item.get("published")
        key = text_key(item.get("title") or "")
        if published is None or not key:
            return None
        stmt = (
            select(Article.id, Article.title)
            .join(Outlet, Article.outlet_id == Outlet.id)
            .where(
                Outlet.name == _outlet_name(item),
                Article.published >= published - SIGHTING_MATCH_WINDOW,
                Article.published <= published + SIGHTING_MATCH_WINDOW,
            )
        )
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            article_id = next(
                (row.id for row in conn.execute(stmt) if text_key(row.title) == key), None
            )
            if article_id is None:
                return None
            insert = self.insert(Sighting).values(
                article_id=article_id,
                source_url=item["source_url"],
                spider=item["spider"],
                first_seen=now,
                last_seen=now,
                seen_by_nightly=self.nightly,
                **dict(zip(WARC_COLUMNS, warc_values(item), strict=True)),
            )
            updated = nightly_updated(("article_id", "last_seen", *WARC_COLUMNS), self.nightly)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["source_url"],
                    set_={name: insert.excluded[name] for name in updated},
                )
            )
        return article_id

    def write(self, items: list[dict]) -> tuple[int, int, int]:
        """Upsert a batch in one transaction; returns (new, updated, unchanged)."""
        # The same URL twice in one batch (a story posted twice): the last one wins.
        by_url = {item["url"]: item for item in items}
        urls = list(by_url)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            existing: dict[str, str] = {}
            for chunk in _chunks(urls):
                existing.update(
                    conn.execute(
                        select(Article.url, Article.content_hash).where(Article.url.in_(chunk))
                    ).all()
                )
            outlet_ids, created = self._outlet_ids_for(conn, by_url.values())
            # In ARTICLE_COLUMNS order.
            rows = [
                (
                    url,
                    item["title"],
                    item["body"],
                    item.get("author") or None,
                    item.get("published"),
                    item.get("published_raw") or None,
                    item.get("region"),
                    item.get("region_evidence") or None,
                    outlet_ids.get(_outlet_name(item)),
                    item.get("outlet_raw") or None,
                    item["spider"],
                    item.get("matched_terms") or [],
                    content_hash(item["title"], item["body"]),
                    item.get("html_hash") or None,
                    *warc_values(item),
                )
                for url, item in by_url.items()
            ]
            ids: dict[str, int] = dict(self._article_upsert.execute(conn, rows, now))
            changed = [
                (ids[row[0]], by_url[row[0]])
                for row in rows
                if existing.get(row[0]) != row[CONTENT_HASH]
            ]
            if changed:
                for hook in self.hooks:
                    hook(conn, changed)
            # One sighting per page (SIGHTING_COLUMNS order); the last item of a page wins.
            sightings = {
                item["source_url"]: (
                    item["source_url"],
                    ids[item["url"]],
                    item["spider"],
                    self.nightly,
                    *warc_values(item),
                )
                for item in items
            }
            self._sighting_upsert.execute(conn, list(sightings.values()), now)
        self._outlet_ids.update(created)
        new = sum(1 for url in urls if url not in existing)
        updated = len(changed) - new
        return new, updated, len(by_url) - new - updated

    def _outlet_ids_for(
        self, conn: Connection, items: Iterable[dict]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """Outlet name -> id for the batch's outlets, and the part of it not cached yet.

        One insert (of the names not cached, ignoring those that exist) and one select for
        the whole batch instead of two statements per outlet.
        """
        missing: dict[str, dict] = {}
        for item in items:
            name = _outlet_name(item)
            if name and name not in self._outlet_ids and name not in missing:
                extra = item.get("extra") or {}
                missing[name] = {
                    "name": name,
                    "kind": extra.get("outlet_kind"),
                    "home_region": extra.get("outlet_home_region"),
                    "known": "outlet_kind" in extra,
                }
        created: dict[str, int] = {}
        if missing:
            conn.execute(
                self.insert(Outlet).on_conflict_do_nothing(index_elements=["name"]),
                list(missing.values()),
            )
            for chunk in _chunks(list(missing)):
                created.update(
                    conn.execute(select(Outlet.name, Outlet.id).where(Outlet.name.in_(chunk))).all()
                )
        # The caller caches ``created`` once the batch commits: an outlet inserted by a batch
        # that rolled back does not exist, and its id must not be reused.
        return {**self._outlet_ids, **created}, created
