"""The text steps done ahead (clipper.text.prepare): same output as the stages' own work,
used only for the inputs it was computed on, and counted as reused or computed."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.utils.misc import load_object
from scrapy.utils.test import get_crawler

from clipper import settings
from clipper.items import ArticleItem
from clipper.text.prepare import STEPS, prepare

# The stages that run a text step, in ITEM_PIPELINES order.
STAGES = [
    cls
    for cls in map(load_object, sorted(settings.ITEM_PIPELINES, key=settings.ITEM_PIPELINES.get))
    if getattr(cls, "stage", "") in STEPS
]

KST = timezone(timedelta(hours=9))
TITLE = "  작은도서관\n 개관 "
BODY = (
    "(서울=연합뉴스) 홍길동 기자 = 마을 작은도서관이 문을 열었다.\r\n\r\n"
    "주민들은 책을 빌려 읽었다. 주민들은 책을 빌려 읽었다.\n\n"
    "주민들은 책을 빌려 읽었다. 주민들은 책을 빌려 읽었다.\n\n"
    "홍길동 기자 gildong@example.kr\n\n※기사 전문은 원문링크를 통해 확인하실 수 있습니다."
)


def item(title: str = TITLE, body: str = BODY, prepared: dict | None = None) -> ArticleItem:
    return ArticleItem(
        url="https://news.example.kr/a/1",
        source_url="https://news.example.kr/a/1",
        spider="test",
        fetched_at=datetime(2025, 6, 10, 9, 0, tzinfo=KST),
        title=title,
        body=body,
        prepared=prepared,
    )


def run(it: ArticleItem) -> tuple[dict, dict]:
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    for cls in STAGES:
        it = cls.from_crawler(crawler).process_item(it)
    return dataclasses.asdict(it), crawler.stats.get_stats()


def test_the_stages_run_the_steps_in_prepares_order():
    # prepare() is the one ordered list; the pipeline must run the steps in the same order.
    assert [cls.stage for cls in STAGES] == list(STEPS)
    assert list(prepare(TITLE, BODY)) == list(STEPS)


def prepare_stats(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if k.startswith("clipper/prepare/")}


def test_prepared_work_gives_the_stages_own_output_without_redoing_it(monkeypatch):
    expected = run(item())
    prepared = prepare(TITLE, BODY)
    for module, name in [
        ("pipelines.clean", "clean_body"),
        ("pipelines.boilerplate", "strip_boilerplate"),
        ("pipelines.repeats", "drop_repeated_paragraphs"),
        ("pipelines.stories", "signature_json"),
    ]:
        monkeypatch.setattr(f"{module}.{name}", lambda *a: pytest.fail("done twice"))
    got = run(item(prepared=prepared))
    assert got[0] == expected[0]
    assert got[0]["prepared"] is None  # dropped by the signature stage
    assert expected[1]["clipper/boilerplate/author/from_byline"] == 1
    # Every step: computed by the stages without a worker, reused with one.
    assert prepare_stats(expected[1]) == {"clipper/prepare/computed": len(STEPS)}
    assert prepare_stats(got[1]) == {"clipper/prepare/reused": len(STEPS)}
    other = {k: v for k, v in got[1].items() if not k.startswith("clipper/prepare/")}
    assert other == {k: v for k, v in expected[1].items() if not k.startswith("clipper/prepare/")}


@pytest.mark.parametrize(
    ("title", "body"),
    [("다른 제목", BODY), (TITLE, BODY + "\n\n덧붙인 문단."), ("", ""), (TITLE, "")],
)
def test_prepared_work_for_other_text_is_not_used(title, body):
    # A spider's hint or an earlier change gave the item other text than the page's.
    stale = prepare(TITLE, BODY)
    got, expected = run(item(title, body, prepared=stale)), run(item(title, body))
    assert got[0] == expected[0]
    # A changed body invalidates every step; a changed title only the signature.
    reused = 0 if body != BODY else len(STEPS) - 1
    assert prepare_stats(got[1]).get("clipper/prepare/reused", 0) == reused
    assert sum(prepare_stats(got[1]).values()) == len(STEPS)
