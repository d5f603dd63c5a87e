"""``clipper cluster``: group syndicated copies into stories, JSON Lines in and out.

Reads articles (``id``, ``url``, ``title``, ``body``, ``outlet``, ``published_raw``) on
stdin and writes ``{"id": …, "story": …}`` per article, in input order; equal ``story``
values mean the same story. It runs the crawl's own code: boilerplate removal, the
signature stage, ``ArticleStore`` with the story hook, on an in-memory SQLite database.
Text is made storable as the crawl's store does (:mod:`clipper.store.sanitize`: NUL, lone
surrogates, over-long values). A line that is not a JSON object (:mod:`clipper.commands.jsonl`)
or cannot be read as an article is an error naming its line number, skipped; the others are
clustered and written, and the command exits 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from clipper.commands.jsonl import JsonLines, dump_line
from clipper.store.stories import DEFAULT_WINDOW_DAYS, StoryConfig
from clipper.text.minhash import MatchRule

if TYPE_CHECKING:
    from sqlalchemy import Engine

BATCH_SIZE = 50


def _clean(body: str) -> str:
    from clipper.text.boilerplate import strip_boilerplate

    return strip_boilerplate(body).body


def _foreign_keys_on(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def memory_engine() -> Engine:
    """A migrated in-memory SQLite database.

    An in-memory database lives as long as its connection: StaticPool hands every checkout
    the same one, so the migration's tables are still there for the store.
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import StaticPool

    from clipper.store.engine import upgrade

    engine = create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    event.listen(engine, "connect", _foreign_keys_on)
    upgrade(engine)
    return engine


def cluster_records(
    records: Iterable[dict],
    config: StoryConfig | None = None,
    now: datetime | None = None,
) -> list[int]:
    """The story id of each record, in order (records as described in the module doc)."""

    now = now or datetime.now(UTC)
    # One article per record: two records with the same URL stay two articles.
    items = [_item(record, f"cluster:{n}", now) for n, record in enumerate(records)]
    return cluster_items(items, config, now)


def cluster_items(
    items: list[dict], config: StoryConfig | None = None, now: datetime | None = None
) -> list[int]:
    """The story id of each item made by :func:`_item`, in order."""
    from sqlalchemy import select

    from clipper.store.articles import ArticleStore
    from clipper.store.stories import StoryIndex
    from models import Article
    from models.stories import StoryMember

    now = now or datetime.now(UTC)
    engine = memory_engine()
    store = ArticleStore(engine, hooks=[StoryIndex(config, now=lambda: now).assign])
    for start in range(0, len(items), BATCH_SIZE):
        store.write(items[start : start + BATCH_SIZE])
    with engine.connect() as conn:
        stories = dict(
            conn.execute(
                select(Article.url, StoryMember.story_id).join(
                    StoryMember, StoryMember.article_id == Article.id
                )
            ).all()
        )
    engine.dispose()
    return [stories[item["url"]] for item in items]


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _item(record: dict, key: str, now: datetime) -> dict:
    from clipper.store.sanitize import sanitize
    from clipper.text.dates import parse_date
    from pipelines.stories import sign_item

    raw = _text(record.get("published_raw"))
    item = {
        "url": key,
        "source_url": key,
        "spider": "cluster",
        "fetched_at": now,
        "title": _text(record.get("title")),
        "body": _clean(_text(record.get("body"))),
        "outlet": _text(record.get("outlet")),
        "published_raw": raw,
        "published": parse_date(raw, now=now) if raw else None,
        "extra": {"source_url": _text(record.get("url"))},
    }
    sanitize(item, lambda _field: None)
    sign_item(item)
    return item


@click.command("cluster")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=MatchRule.threshold,
    show_default=True,
    help="Similarity cut (CLIPPER_STORY_THRESHOLD).",
)
@click.option(
    "--window-days",
    type=click.FloatRange(0),
    default=DEFAULT_WINDOW_DAYS,
    show_default=True,
    help="Max days between two copies (CLIPPER_STORY_WINDOW_DAYS).",
)
def command(threshold: float, window_days: float) -> None:
    """Group syndicated copies: articles as JSON Lines on stdin, {"id", "story"} on stdout."""
    now = datetime.now(UTC)
    lines = JsonLines()
    items, ids = [], []
    for number, record in lines:
        try:
            # Read as an article now, so a record that cannot be is its own line's error.
            items.append(_item(record, f"cluster:{len(items)}", now))
        except Exception as error:
            lines.reject(number, f"not a readable article ({type(error).__name__}: {error})")
            continue
        ids.append(record.get("id", number))
    config = StoryConfig(rule=MatchRule(threshold=threshold), window=timedelta(days=window_days))
    for record_id, story in zip(ids, cluster_items(items, config, now), strict=True):
        click.echo(dump_line({"id": record_id, "story": story}), nl=False)
    lines.finish()
