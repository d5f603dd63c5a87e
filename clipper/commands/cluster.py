"""``clipper cluster``: group syndicated copies into stories, JSON Lines in and out.

Reads articles (``id``, ``url``, ``title``, ``body``, ``outlet``, ``published_raw``) on
stdin and writes ``{"id": …, "story": …}`` per article, in input order; equal ``story``
values mean the same story. It runs the crawl's own code: boilerplate removal, the
signature stage, ``ArticleStore`` with the story hook, on an in-memory SQLite database.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from clipper.store.stories import DEFAULT_WINDOW_DAYS, StoryConfig
from clipper.text.minhash import MatchRule

if TYPE_CHECKING:
    from sqlalchemy import Engine

BATCH_SIZE = 50

try:
    from clipper.text.dates import parse_date
except ImportError:  # pragma: no cover - the dates module arrives separately

    def parse_date(raw: str, now: datetime | None = None) -> datetime | None:
        return None


try:
    from clipper.text.boilerplate import strip_boilerplate
except ImportError:  # pragma: no cover

    def _clean(body: str) -> str:
        return body

else:

    def _clean(body: str) -> str:
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
    from sqlalchemy import select

    from clipper.store.articles import ArticleStore
    from clipper.store.stories import StoryIndex
    from models import Article
    from models.stories import StoryMember

    now = now or datetime.now(UTC)
    engine = memory_engine()
    store = ArticleStore(engine, hooks=[StoryIndex(config, now=lambda: now).assign])
    keys: list[str] = []
    batch: list[dict] = []
    for n, record in enumerate(records):
        # One article per record: two records with the same URL stay two articles.
        key = f"cluster:{n}"
        keys.append(key)
        batch.append(_item(record, key, now))
        if len(batch) >= BATCH_SIZE:
            store.write(batch)
            batch = []
    if batch:
        store.write(batch)
    with engine.connect() as conn:
        stories = dict(
            conn.execute(
                select(Article.url, StoryMember.story_id).join(
                    StoryMember, StoryMember.article_id == Article.id
                )
            ).all()
        )
    engine.dispose()
    return [stories[key] for key in keys]


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _item(record: dict, key: str, now: datetime) -> dict:
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
    records, ids, bad = [], [], 0
    for lineno, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            bad += 1
            click.echo(f"warning: line {lineno}: skipped, not a JSON article: {exc}", err=True)
            continue
        records.append(record)
        ids.append(record.get("id", lineno))
    config = StoryConfig(rule=MatchRule(threshold=threshold), window=timedelta(days=window_days))
    for record_id, story in zip(ids, cluster_records(records, config), strict=True):
        click.echo(json.dumps({"id": record_id, "story": story}, ensure_ascii=False))
    if bad:
        click.echo(f"{bad} bad line(s) skipped", err=True)
        sys.exit(1)
