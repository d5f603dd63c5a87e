"""Korean full-text search on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm), the analyst
views, and migration 0003 going down and up again.

``seed`` (used by the other analyst tests too) stores a handful of articles written for
these tests: substrings inside compounds, a KST day boundary, hostile titles.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect, text

from clipper.analysis.query import Filters, resolve_region
from clipper.analysis.search import fts5_phrase, search, search_terms, snippet, trigrams
from clipper.store.articles import ArticleStore
from clipper.store.engine import (
    create_db_engine,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)

KST = ZoneInfo("Asia/Seoul")

HOSTILE_TITLE = (
    '작은도서관 "AND" 100% 확충 <script>document.title="pwned";'
    'document.body.appendChild(document.createElement("mark")).id="pwned"</script>'
)

# key: (title, body, outlet, region, published KST or None, url)
ARTICLES = {
    "suwon": (
        "수원 마을작은도서관 개관식 열려",
        "수원시 영통구에 마을작은도서관이 문을 열었다.\n\n주민 누구나 이용할 수 있다.",
        "경기일보",
        "경기",
        datetime(2025, 3, 3, 10, 0, tzinfo=KST),
        "https://news.example.kr/suwon",
    ),
    "seoul": (
        "작은도서관 독서 프로그램 운영",
        "서울 마포구 작은도서관들이 봄 독서 프로그램을 운영한다.",
        "서울신문",
        "서울",
        datetime(2025, 3, 2, 9, 0, tzinfo=KST),
        "https://news.example.kr/seoul",
    ),
    # 00:30 KST on 2 March is still 1 March in UTC: the KST day must be the 2nd.
    "busan": (
        "주민 북카페 새단장",
        "부산 해운대구는 주민 북카페를 새단장하고 작은도서관 기능을 더했다고 밝혔다.",
        "부산일보",
        "부산",
        datetime(2025, 3, 2, 0, 30, tzinfo=KST),
        "https://news.example.kr/busan",
    ),
    "hostile": (
        HOSTILE_TITLE,
        "도서 확충 예산이 100% 집행됐다. 밑줄_변수 같은 글자도 있다.",
        "전국<b>매체</b>",
        "전국",
        datetime(2025, 3, 3, 8, 0, tzinfo=KST),
        "javascript:alert(document.domain)",
    ),
    "undated": (
        "날짜 없는 도서관 소식",
        "언제인지 모르는 작은도서관 이야기.",
        None,
        None,
        None,
        "https://news.example.kr/undated",
    ),
    "old": (
        "작은도서관 지원 조례 제정",
        "제주도의회가 작은도서관 지원 조례를 제정했다.",
        "제주일보",
        "제주",
        datetime(2025, 1, 15, 14, 0, tzinfo=KST),
        "https://news.example.kr/old",
    ),
}


def item(key: str, **changes) -> dict:
    title, body, outlet, region, published, url = ARTICLES[key]
    data = {
        "url": url,
        "source_url": f"https://board.example.kr/{key}",
        "spider": "test",
        "fetched_at": datetime(2025, 3, 4, 9, 0, tzinfo=KST),
        "title": title,
        "body": body,
        "published": published,
        "published_raw": published.isoformat() if published else None,
        "outlet": outlet,
        "outlet_raw": outlet,
        "region": region,
        "region_evidence": "test",
        "author": None,
        "matched_terms": ["작은도서관"],
        "html_hash": None,
        "extra": {},
    }
    data.update(changes)
    return data


def seed(engine) -> dict[str, int]:
    """Store ``ARTICLES`` (plus a second sighting of ``suwon``); returns key → article id."""
    store = ArticleStore(engine)
    store.write([item(key) for key in ARTICLES])
    store.write([item("suwon", source_url="https://portal.example.kr/suwon")])
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT url, id FROM articles")).all())
    return {key: ids[value[5]] for key, value in ARTICLES.items()}


@pytest.fixture
def seeded(engine):
    return engine, seed(engine)


def keys_of(hits, ids):
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h["id"]] for h in hits]


# (query, filters, expected keys in order)
SEARCH_CASES = [
    # Title matches first (newest first), then body-only matches.
    ("작은도서관", Filters(), ["suwon", "hostile", "seoul", "old", "busan", "undated"]),
    ("마을작은도서관", Filters(), ["suwon"]),
    # A phrase inside a compound word: 작은도서관 inside 마을작은도서관.
    ("작은도서관 개관식", Filters(), ["suwon"]),
    ("작은도서관", Filters(region="경기"), ["suwon"]),
    ("작은도서관", Filters(outlet="서울신문"), ["seoul"]),
    ("작은도서관", Filters(since=date(2025, 3, 2), until=date(2025, 3, 2)), ["seoul", "busan"]),
    ("작은도서관", Filters(until=date(2025, 2, 28)), ["old"]),
    # Short terms (fewer than 3 characters) fall back to a substring match.
    ("도서", Filters(region="전국"), ["hostile"]),
    ("북카페", Filters(), ["busan"]),
    ("조례 제주", Filters(), ["old"]),
    # FTS5 syntax and LIKE wildcards in user input are searched for literally.
    ('"AND"', Filters(), ["hostile"]),
    ("AND", Filters(), ["hostile"]),
    ("100%", Filters(), ["hostile"]),
    ("%", Filters(), ["hostile"]),
    ("_", Filters(), ["hostile"]),
    ("밑줄_변수", Filters(), ["hostile"]),
    ('"', Filters(), ["hostile"]),
    ("<script>", Filters(), ["hostile"]),
    ("NEAR(작은 도서관)", Filters(), []),
    ("작은도서관 OR 북카페", Filters(), []),
    ("*", Filters(), []),
    ("없는말입니다", Filters(), []),
    ("마을\x00작은도서관", Filters(), ["suwon"]),
    # Issue 17: natural Korean input. Region names in their official and common forms, and
    # the articles without a region.
    ("작은도서관", Filters(region="경기도"), ["suwon"]),
    ("작은도서관", Filters(region="서울특별시"), ["seoul"]),
    ("작은도서관", Filters(region="서울시"), ["seoul"]),
    ("작은도서관", Filters(region="제주특별자치도"), ["old"]),
    ("작은도서관", Filters(region=unicodedata.normalize("NFD", "경기도")), ["suwon"]),
    ("작은도서관", Filters(region="none"), ["undated"]),
    ("작은도서관", Filters(region="미상"), ["undated"]),
    # A decomposed (NFD) query finds what the composed one does.
    (unicodedata.normalize("NFD", "마을작은도서관"), Filters(), ["suwon"]),
    (unicodedata.normalize("NFD", "개관식 작은도서관"), Filters(), ["suwon"]),
    # A quoted phrase is its words side by side, without the quotes.
    ('"지원 조례"', Filters(), ["old"]),
    ('"지원   조례" 제주도의회', Filters(), ["old"]),
    ('"조례 제주"', Filters(), []),
]


def test_search_finds_substrings_with_filters(seeded, subtests):
    # One seeded database per backend for the whole table: the cases only read.
    engine, ids = seeded
    for query, filters, expected in SEARCH_CASES:
        with subtests.test(query=query, filters=filters):
            assert keys_of(search(engine, query, filters), ids) == expected


def test_search_hits_carry_snippet_and_kst_time(seeded):
    engine, ids = seeded
    hits = search(engine, "기능을", limit=5)
    assert keys_of(hits, ids) == ["busan"]
    hit = hits[0]
    assert "기능을" in hit["snippet"]
    assert hit["published"] == ARTICLES["busan"][4]
    assert hit["published"].utcoffset().total_seconds() == 9 * 3600
    assert hit["outlet"] == "부산일보"
    assert hit["region"] == "부산"
    assert hit["title_match"] is False


def test_search_limit_and_empty_query(seeded):
    engine, _ = seeded
    assert len(search(engine, "작은도서관", limit=2)) == 2
    with pytest.raises(ValueError, match="empty"):
        search(engine, "   ")


def test_search_index_follows_updates_and_deletes(seeded):
    engine, ids = seeded
    ArticleStore(engine).write(
        [item("seoul", title="구립 도서관 리모델링 완료", body="공사가 끝났다.")]
    )
    assert "seoul" not in keys_of(search(engine, "작은도서관"), ids)
    assert keys_of(search(engine, "리모델링"), ids) == ["seoul"]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM sightings WHERE article_id = :id"), {"id": ids["seoul"]})
        conn.execute(text("DELETE FROM articles WHERE id = :id"), {"id": ids["seoul"]})
    assert search(engine, "리모델링") == []


def test_search_checks_the_substring_not_just_its_trigrams(engine):
    # Every trigram of 작은도서관 (작은도, 은도서, 도서관) is in the first body, but never
    # the whole word: the trigram index offers it as a candidate, the substring check drops it.
    scattered = "작은도 모임과 은도서 행사, 그리고 도서관 공사 소식이다."
    ArticleStore(engine).write(
        [
            item("seoul", title="동네 소식", body=scattered),
            item("suwon", title="새 소식", body="마을작은도서관에서 책을 빌렸다."),
        ]
    )
    hits = search(engine, "작은도서관")
    assert [h["title"] for h in hits] == ["새 소식"]
    assert [h["title"] for h in search(engine, "은도서 행사")] == ["동네 소식"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [("작은도서관", ["작은도", "은도서", "도서관"]), ("도서", []), ("aaaa", ["aaa"]), ("", [])],
)
def test_trigrams(term, expected):
    assert trigrams(term) == expected


@pytest.mark.parametrize(
    ("query", "terms", "phrase"),
    [
        ("작은도서관", ["작은도서관"], '"작은도서관"'),
        ('  a "b"  a ', ["a", "b"], '"a"'),
        ('say "hi"', ["say", "hi"], '"say"'),
        ('"작은  도서관" 개관', ["작은 도서관", "개관"], '"작은 도서관"'),
        ('x "unclosed', ["x", '"unclosed'], '"x"'),
        ('"" x', ["x"], '"x"'),
        ('"', ['"'], '""""'),
        ("a\x00b", ["a", "b"], '"a"'),
    ],
)
def test_terms_and_fts5_quoting(query, terms, phrase):
    assert search_terms(query) == terms
    assert fts5_phrase(terms[0]) == phrase


@pytest.mark.parametrize(
    ("body", "terms", "width", "expected"),
    [
        ("", ["x"], 10, ""),
        ("짧은 글", ["없음"], 10, "짧은 글"),
        ("0123456789abcdefghij", ["k"], 10, "0123456789…"),
        ("0123456789abcdefghij", ["ab"], 10, "…6789abcdef…"),
        ("0123456789abcdefghij", ["ij"], 10, "…abcdefghij"),
        ("줄\n바꿈   공백\t정리", ["바꿈"], 40, "줄 바꿈 공백 정리"),
        ("대소문자 LIBRARY 구분", ["library"], 40, "대소문자 LIBRARY 구분"),
    ],
)
def test_snippet(body, terms, width, expected):
    assert snippet(body, terms, width) == expected


def test_views_have_the_same_columns_and_kst_days(seeded):
    engine, ids = seeded
    with engine.connect() as conn:
        clippings = {r["id"]: r for r in conn.execute(text("SELECT * FROM clippings")).mappings()}
        daily = conn.execute(
            text("SELECT day, region, outlet, n FROM daily_counts ORDER BY day, region")
        ).all()
    assert set(clippings[ids["suwon"]].keys()) == {
        "id", "published", "published_kst", "published_day", "region", "outlet", "title",
        "url", "story_id", "sightings", "spider",
    }  # fmt: skip
    assert clippings[ids["suwon"]]["sightings"] == 2
    assert clippings[ids["seoul"]]["sightings"] == 1
    assert clippings[ids["undated"]]["outlet"] is None
    # 00:30 KST on 2 March: the KST day, not the UTC one.
    assert str(clippings[ids["busan"]]["published_day"]) == "2025-03-02"
    assert str(clippings[ids["busan"]]["published_kst"]).startswith("2025-03-02 00:30")
    assert [(str(d), r, o, n) for d, r, o, n in daily] == [
        ("2025-01-15", "제주", "제주일보", 1),
        ("2025-03-02", "부산", "부산일보", 1),
        ("2025-03-02", "서울", "서울신문", 1),
        ("2025-03-03", "경기", "경기일보", 1),
        ("2025-03-03", "전국", "전국<b>매체</b>", 1),
    ]


def _search_objects(engine) -> set[str]:
    names = set(inspect(engine).get_view_names())
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name LIKE 'articles_fts%'")
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT indexname FROM pg_indexes"
                    " WHERE indexname LIKE '%trgm' AND schemaname = current_schema()"
                )
            )
        names.update(rows.scalars())
    return names


def test_migration_0003_down_and_up_keeps_search_working(database_url):
    engine = create_db_engine(database_url)
    ids = seed(engine)
    assert {"clippings", "daily_counts"} <= _search_objects(engine)
    expected = (
        {"articles_fts", "articles_fts_ai", "articles_fts_ad", "articles_fts_au"}
        if engine.dialect.name == "sqlite"
        else {"ix_articles_title_trgm", "ix_articles_body_trgm"}
    )
    assert expected <= _search_objects(engine)
    downgrade(engine, "0002")  # below 0003, which made the search objects
    left = _search_objects(engine)
    assert not left & (expected | {"clippings", "daily_counts"})
    # Rows changed while the index was gone are indexed again on upgrade (FTS rebuild). In
    # SQL, not through the store: today's store writes columns later revisions added.
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE articles SET title = :title WHERE id = :id"),
            {"title": "북카페 리모델링 마을작은도서관", "id": ids["busan"]},
        )
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert keys_of(search(engine, "마을작은도서관"), ids) == ["suwon", "busan"]


SCHEMA_DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


def test_schema_doc_examples_run(seeded):
    engine, _ = seeded
    blocks = re.findall(r"```sql\n(.*?)```", SCHEMA_DOC.read_text("utf-8"), re.DOTALL)
    ran = 0
    for sql in blocks:
        only = re.match(r"-- (\w+) only", sql)
        if only and only.group(1) != engine.dialect.name:
            continue
        with engine.connect() as conn:
            conn.execute(text(sql)).all()
        ran += 1
    assert ran >= 4


@pytest.mark.parametrize(
    ("name", "region"),
    [("경기", "경기"), ("경기도", "경기"), ("서울특별시", "서울"), ("서울시", "서울"),
     ("전라북도", "전북"), ("전북특별자치도", "전북"), ("강원도", "강원"), ("세종시", "세종"),
     ("전국", "전국"), ("none", "미상"), ("None", "미상"), ("미상", "미상"), (" 경기 도 ", "경기")],
)  # fmt: skip
def test_resolve_region(name, region):
    assert resolve_region(name) == region


@pytest.mark.parametrize("name", ["수원", "gyeonggi", "경기북부", ""])
def test_resolve_region_rejects_others_with_the_list(name):
    with pytest.raises(ValueError, match=r"서울, 부산.*제주, 전국, none"):
        resolve_region(name or " ")
