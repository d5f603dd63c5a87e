"""The text stages' work done ahead (pipelines.prepare): same output as the stages' own work,
used only for the inputs it was computed on."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from scrapy.utils.test import get_crawler

from clipper import settings
from clipper.items import ArticleItem
from pipelines.prepare import STAGES, prepare_text

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


def test_stages_done_ahead_are_in_pipeline_order():
    order = sorted(settings.ITEM_PIPELINES, key=settings.ITEM_PIPELINES.get)
    paths = [f"{cls.__module__}.{cls.__name__}" for cls in STAGES]
    assert paths == [path for path in order if path in paths]
    assert list(prepare_text(TITLE, BODY)) == [cls.stage for cls in STAGES]


def test_prepared_work_gives_the_stages_own_output_without_redoing_it(monkeypatch):
    expected = run(item())
    prepared = prepare_text(TITLE, BODY)
    for module, name in [
        ("pipelines.clean", "clean_body"),
        ("pipelines.boilerplate", "strip_boilerplate"),
        ("pipelines.repeats", "drop_repeated_paragraphs"),
        ("pipelines.stories", "signature_json"),
    ]:
        monkeypatch.setattr(f"{module}.{name}", lambda *a: pytest.fail("done twice"))
    got = run(item(prepared=prepared))
    assert got == expected
    assert got[0]["prepared"] is None  # dropped by the signature stage
    assert expected[1]["clipper/boilerplate/author/from_byline"] == 1


@pytest.mark.parametrize(
    ("title", "body"),
    [("다른 제목", BODY), (TITLE, BODY + "\n\n덧붙인 문단."), ("", ""), (TITLE, "")],
)
def test_prepared_work_for_other_text_is_not_used(title, body):
    # A spider's hint or an earlier change gave the item other text than the page's.
    stale = prepare_text(TITLE, BODY)
    assert run(item(title, body, prepared=stale)) == run(item(title, body))
