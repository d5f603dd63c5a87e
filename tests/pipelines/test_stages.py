"""Each pipeline stage on a real crawler: table-driven cases, and the stats they count."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from clipper.items import ArticleItem
from pipelines.boilerplate import BoilerplatePipeline
from pipelines.clean import CleanTextPipeline
from pipelines.dates import PublishedDatePipeline
from pipelines.errors import InvalidEntry, MissingBody, MissingTitle, OffTopic
from pipelines.outlet import OutletPipeline
from pipelines.region import RegionPipeline
from pipelines.relevance import RelevancePipeline
from pipelines.repeats import RepeatedTextPipeline
from pipelines.validate import ValidatePipeline

KST = timezone(timedelta(hours=9))
FETCHED = datetime(2025, 6, 10, 9, 0, tzinfo=KST)


def item(**fields) -> ArticleItem:
    base = {
        "url": "https://news.example.kr/a/1",
        "source_url": "https://board.example.kr/helper/news/1",
        "spider": "test",
        "fetched_at": FETCHED,
        "title": "작은도서관 개관",
        "body": "마을 작은도서관이 문을 열었다.",
    }
    return ArticleItem(**{**base, **fields})


def run_stage(cls, it, settings=None, spider_attrs=None):
    crawler = get_crawler(settings_dict=settings or {})
    crawler.stats.open_spider()
    crawler.spider = type("S", (), {"name": "test", **(spider_attrs or {})})()
    stage = cls.from_crawler(crawler)
    result = stage.process_item(it)
    return ItemAdapter(result), crawler.stats.get_stats()


@pytest.mark.parametrize(
    ("fields", "expected", "stats"),
    [
        pytest.param(
            {"title": "  작은도서관\n 개관 ", "body": "첫 문단.\r\n\r\n\r\n둘째   문단."},
            {"title": "작은도서관 개관", "body": "첫 문단.\n\n둘째 문단."},
            {},
            id="whitespace",
        ),
        pytest.param(
            {"body": "도서관이 문을 열었다.\n\n※기사 전문은 원문링크를 통해 확인하실 수 있습니다."},
            {"body": "도서관이 문을 열었다."},
            {"clipper/clean/body/trailer_removed": 1},
            id="board-trailer",
        ),
        pytest.param(
            {
                "body": "도서관 소식.\n\n[전문은 해당 뉴스사이트에서 확인가능합니다]\n\nadvertisement"
            },
            {"body": "도서관 소식."},
            {"clipper/clean/body/trailer_removed": 2},
            id="trailer-and-junk",
        ),
    ],
)
def test_clean(fields, expected, stats):
    result, got = run_stage(CleanTextPipeline, item(**fields))
    for key, value in expected.items():
        assert result[key] == value
    for key, value in stats.items():
        assert got.get(key) == value


@pytest.mark.parametrize(
    ("body", "expected", "removed"),
    [
        ("가 문단.\n\n나 문단.\n\n나 문단.", "가 문단.\n\n나 문단.", 1),
        (
            "가.\n\n나 문단이다.\n\n다 문단이다.\n\n나 문단이다.\n\n다 문단이다.",
            "가.\n\n나 문단이다.\n\n다 문단이다.",
            2,
        ),
        ("반복 없는 본문.", "반복 없는 본문.", 0),
    ],
)
def test_repeats(body, expected, removed):
    result, stats = run_stage(RepeatedTextPipeline, item(body=body))
    assert result["body"] == expected
    assert stats.get("clipper/repeats/body/repeated_removed", 0) == removed


def test_boilerplate_takes_the_byline_as_author():
    body = "(수원=뉴스1) 홍길동 기자 = 수원시가 작은도서관을 열었다.\n\n홍길동 기자 hong@news1.kr"
    result, stats = run_stage(BoilerplatePipeline, item(body=body))
    assert result["author"] == "홍길동"
    assert "hong@news1.kr" not in result["body"]
    assert "수원=뉴스1" not in result["body"]
    assert result["body"].startswith("수원시가 작은도서관을 열었다")
    assert stats.get("clipper/boilerplate/author/from_byline") == 1


@pytest.mark.parametrize(
    ("raw", "expected", "outcome"),
    [
        ("2015.10.05", datetime(2015, 10, 5, tzinfo=KST), "parsed"),
        ("입력 2024.05.30. 오전 11:40", datetime(2024, 5, 30, 11, 40, tzinfo=KST), "parsed"),
        ("3시간 전", FETCHED - timedelta(hours=3), "parsed"),
        ("언젠가", None, "unparseable"),
        ("", None, "missing"),
    ],
)
def test_dates(raw, expected, outcome):
    result, stats = run_stage(PublishedDatePipeline, item(published_raw=raw))
    assert result["published"] == expected
    assert result["published_raw"] == raw  # the raw string is always kept
    assert stats.get(f"clipper/dates/published/{outcome}") == 1


@pytest.mark.parametrize(
    ("outlet_raw", "url", "expected", "outcome"),
    [
        ("연합 뉴스", "https://example.kr/1", "연합뉴스", "resolved"),
        ("", "https://www.yna.co.kr/view/AKR2025", "연합뉴스", "from_url"),
        ("듣보잡 소식지", "https://example.kr/1", "듣보잡 소식지", "unknown"),
        ("", "https://example.kr/1", "", "missing"),
    ],
)
def test_outlet(outlet_raw, url, expected, outcome):
    result, stats = run_stage(OutletPipeline, item(outlet_raw=outlet_raw, url=url))
    assert result["outlet"] == expected
    assert stats.get(f"clipper/outlet/outlet/{outcome}") == 1


@pytest.mark.parametrize(
    ("fields", "region"),
    [
        ({"region_tag": "경기", "title": "작은도서관 개관"}, "경기"),
        ({"region_tag": "서을", "title": "작은도서관 개관"}, "서울"),
        ({"region_tag": "", "title": "고양시 작은도서관 아카데미 운영"}, "경기"),
        ({"region_tag": "칼럼", "title": "작은도서관을 생각한다"}, None),
    ],
)
def test_region(fields, region):
    result, stats = run_stage(RegionPipeline, item(**fields))
    assert result["region"] == region
    assert bool(result["region_evidence"]) == (region is not None)
    assert stats.get(f"clipper/region/region/{'tagged' if region else 'untagged'}") == 1


def test_relevance_drops_offtopic_unless_curated_or_kept():
    offtopic = {"title": "주식 시장 동향", "body": "코스피가 올랐다."}
    with pytest.raises(OffTopic):
        run_stage(RelevancePipeline, item(**offtopic))
    result, stats = run_stage(RelevancePipeline, item(**offtopic), spider_attrs={"curated": True})
    assert result["matched_terms"] == []
    assert stats.get("clipper/relevance/terms/unmatched_kept") == 1
    result, _ = run_stage(
        RelevancePipeline, item(**offtopic), settings={"CLIPPER_KEEP_OFFTOPIC": True}
    )
    assert result["title"] == "주식 시장 동향"
    result, stats = run_stage(RelevancePipeline, item(body="마을 작은 도서관이 열렸다."))
    assert result["matched_terms"]
    assert stats.get("clipper/relevance/terms/matched") == 1


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": ""}, MissingTitle),
        ({"title": "1"}, InvalidEntry),
        ({"title": "..."}, InvalidEntry),
        ({"body": ""}, MissingBody),
    ],
)
def test_validate_rejects(fields, error):
    with pytest.raises(error):
        run_stage(ValidatePipeline, item(**fields))


def test_validate_counts_field_coverage():
    _, stats = run_stage(ValidatePipeline, item(outlet="경기일보", region=None))
    assert stats["clipper/validate/outlet/present"] == 1
    assert stats["clipper/validate/region/absent"] == 1
    assert stats["clipper/validate/published/absent"] == 1
