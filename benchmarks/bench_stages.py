"""Cost per article of each step of the clipper path, in-process, on the generated pages.

The pages are the ones the crawl benchmark serves (:mod:`benchmarks.site`, same bytes). Each
round builds a real crawler (``scrapy.utils.test.get_crawler`` with clipper's settings, a
fresh SQLite file), the real pipeline classes from ``ITEM_PIPELINES`` and an
``ArticlePageSpider``, then runs every page through:

- ``extract``: ``parse_article`` on an ``HtmlResponse`` of the page's bytes (decode, layered
  extraction, the item);
- ``clean``: clean + boilerplate + repeats;
- ``signature``: the story signature (MinHash);
- ``dates``, ``tag`` (outlet + region + relevance), ``validate``;
- ``store`` and ``assign``: the store pipeline's batched upsert, with the story assignment
  (``StoryIndex.assign``, a hook inside the store's transaction) timed apart.

Figures are µs per article (per stored article for store and assign), the median of the
rounds. ``near_duplicate`` = signature + assign.

    .venv/bin/python -m benchmarks.bench_stages [--articles 300] [--rounds 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from benchmarks import site
from clipper import settings as clipper_settings
from spiders.article import ArticlePageSpider

BASE_URL = "http://127.0.0.1:8080"
# Stage groups as reported, by pipeline class name (ITEM_PIPELINES order is kept).
GROUPS = {
    "CleanTextPipeline": "clean",
    "BoilerplatePipeline": "clean",
    "RepeatedTextPipeline": "clean",
    "StorySignaturePipeline": "signature",
    "PublishedDatePipeline": "dates",
    "OutletPipeline": "tag",
    "RegionPipeline": "tag",
    "RelevancePipeline": "tag",
    "ValidatePipeline": "validate",
    "StorePipeline": "store",
}
REPORTED = ("extract", "clean", "signature", "dates", "tag", "validate", "store", "assign")


class StageSpider(ArticlePageSpider):
    name = "bench_stages"


def pages(n: int, start: int = 1) -> list[HtmlResponse]:
    """Responses for articles ``start .. start+n-1``, as the server would send them."""
    out = []
    for idxno in range(start, start + n):
        content_type, body = site.render(idxno)
        out.append(
            HtmlResponse(
                url=site.article_url(BASE_URL, idxno),
                body=body,
                headers={"Content-Type": content_type},
            )
        )
    return out


def _timed_hook(hook: Callable, spent: list[float]) -> Callable:
    def timed(conn, changed):
        started = time.perf_counter()
        try:
            return hook(conn, changed)
        finally:
            spent[0] += time.perf_counter() - started

    return timed


def one_round(responses: list[HtmlResponse], workdir: Path, n: int) -> dict:
    """All pages through the path once, with a fresh database; seconds per group."""
    settings = {
        **{
            name: getattr(clipper_settings, name)
            for name in dir(clipper_settings)
            if name.isupper()
        },
        "CLIPPER_DATABASE_URL": f"sqlite:///{workdir / f'stages-{n}.sqlite'}",
    }
    crawler = get_crawler(StageSpider, settings)
    crawler.stats.open_spider()
    spider = StageSpider.from_crawler(crawler)
    crawler.spider = spider
    ordered = sorted(crawler.settings.getdict("ITEM_PIPELINES").items(), key=lambda kv: kv[1])
    stages = []
    for path, _priority in ordered:
        stage = load_object(path).from_crawler(crawler)
        if hasattr(stage, "open_spider"):
            stage.open_spider()
        stages.append((GROUPS.get(type(stage).__name__, type(stage).__name__), stage))
    store = next(s for g, s in stages if g == "store")
    assign_spent = [0.0]
    store.store.hooks = [_timed_hook(h, assign_spent) for h in store.store.hooks]
    spent = dict.fromkeys(REPORTED, 0.0)
    stored = dropped = 0
    for response in responses:
        started = time.perf_counter()
        item = next(iter(spider.parse_article(response)))
        spent["extract"] += time.perf_counter() - started
        try:
            for group, stage in stages:
                started = time.perf_counter()
                if group == "store":
                    assign_before = assign_spent[0]
                    item = stage.process_item(item)
                    elapsed = time.perf_counter() - started
                    spent["store"] += elapsed - (assign_spent[0] - assign_before)
                    stored += 1
                    continue
                item = stage.process_item(item)
                spent[group] += time.perf_counter() - started
        except DropItem:
            dropped += 1
    started = time.perf_counter()
    assign_before = assign_spent[0]
    store.close_spider()
    spent["store"] += time.perf_counter() - started - (assign_spent[0] - assign_before)
    spent["assign"] = assign_spent[0]
    store.store.engine.dispose()
    per_article = {
        name: 1e6 * seconds / (stored if name in ("store", "assign") else len(responses))
        for name, seconds in spent.items()
    }
    return {"us": per_article, "stored": stored, "dropped": dropped, "stats": crawler.stats}


def run(n_articles: int = 300, rounds: int = 3, profile_to: Path | None = None) -> dict:
    """µs per article of each step, median of ``rounds``; optionally cProfile one more round."""
    responses = pages(n_articles)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-stages-") as tmp:
        one_round(responses[: min(20, n_articles)], Path(tmp), 0)  # warm caches (registries)
        for n in range(1, rounds + 1):
            results.append(one_round(responses, Path(tmp), n))
        profile = None
        if profile_to is not None:
            profile = cProfile.Profile()
            profile.enable()
            one_round(responses, Path(tmp), rounds + 1)
            profile.disable()
    us = {name: round(statistics.median(r["us"][name] for r in results), 1) for name in REPORTED}
    us["near_duplicate"] = round(us["signature"] + us["assign"], 1)
    last = results[-1]
    stats = last["stats"]
    figures = {
        "articles": n_articles,
        "rounds": rounds,
        "stored": last["stored"],
        "dropped": last["dropped"],
        "stage_us_per_article": us,
        "total_us_per_article": round(
            sum(us[name] for name in REPORTED if name not in ("store", "assign"))
            + (us["store"] + us["assign"]) * last["stored"] / n_articles,
            1,
        ),
        "check": {
            "body_from_site": stats.get_value("clipper/extract/body/site", 0),
            "published_parsed": stats.get_value("clipper/dates/published/given", 0)
            + stats.get_value("clipper/dates/published/parsed", 0),
            "region_tagged": stats.get_value("clipper/region/region/tagged", 0),
            "stories_joined": stats.get_value("clipper/stories/articles/joined", 0),
        },
    }
    if profile_to is not None and profile is not None:
        from benchmarks.bench_crawl import top_entries

        profile_to.mkdir(parents=True, exist_ok=True)
        figures["profile_top"] = top_entries(profile, profile_to / "profile_stages.txt")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="write bench/profile_stages.txt")
    args = parser.parse_args()
    profile_to = Path("bench") if args.profile else None
    print(json.dumps(run(args.articles, args.rounds, profile_to), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
