"""Stories: syndicated copies join one story, template look-alikes stay apart, on the real
store path (SQLite and PostgreSQL), the migration, the ``cluster`` command and the figures
on the labelled set ``tests/data/stories_eval.jsonl``."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler
from sqlalchemy import func, inspect, select, text

from clipper.analysis.evaluation import pair_scores
from clipper.analysis.stories import story_outlets
from clipper.cli import main
from clipper.commands.cluster import cluster_records
from clipper.items import ArticleItem
from clipper.store.articles import ArticleStore
from clipper.store.engine import create_db_engine, current_revision, downgrade, upgrade
from clipper.store.stories import StoryConfig, StoryIndex
from clipper.text.minhash import MatchRule, Signature, jaccard, normalise, signature
from models import Article, Sighting
from models.stories import Story, StoryBand, StoryMember
from pipelines.stories import StorySignaturePipeline

KST = timezone(timedelta(hours=9))
NOW = datetime(2025, 5, 20, 12, 0, tzinfo=KST)
EVAL_SET = Path(__file__).resolve().parent / "data" / "stories_eval.jsonl"

# A wire story of our own, in paragraphs, and what outlets do to it when they reprint it.
LEAD = "충북 제천시는 의림지동 복지회관 3층에 '의림 솔숲 작은도서관'을 새로 열었다고 20일 밝혔다."
PARAGRAPHS = [
    LEAD,
    "도서관은 120㎡ 규모로 그림책과 청소년 소설, 건강 생활서 등 4천800여 권을 갖췄다. "
    "어린이 열람실에는 신발을 벗고 앉아 읽는 온돌 마루를 깔았다.",
    "시는 지난해 주민참여예산으로 사업비 2억1천만원을 확보해 복지회관의 빈 강의실을 고쳤다. "
    "운영은 의림지동 주민자치회가 맡고 시립도서관 사서가 매주 두 차례 들러 돕는다.",
    "도서관은 화요일부터 일요일까지 오전 10시부터 오후 7시까지 문을 연다. "
    "매달 마지막 토요일에는 의림지 둘레길을 걸으며 책을 읽는 '숲길 독서 산책'이 열린다.",
    "시는 이용자 의견을 들어 하반기에는 야간 개방 시간을 늘리는 방안도 검토하기로 했다.",
]
QUOTE = '주민자치회장 윤모(63)씨는 "동네 아이들이 학원 사이에 잠시 쉬어 갈 곳이 생겼다"고 말했다.'
CAPTION = "의림 솔숲 작은도서관 어린이 열람실. (사진=제천시 제공)"


def story(paragraphs: list[str]) -> str:
    return "\n\n".join(paragraphs)


def reordered_lead() -> list[str]:
    first, second = PARAGRAPHS[1].split(". ", 1)
    return [PARAGRAPHS[0], f"{second} {first}.", *PARAGRAPHS[2:]]


ORIGINAL = story(["(제천=뉴스1) 박서윤 기자 = " + PARAGRAPHS[0], *PARAGRAPHS[1:]])
VARIANTS = {
    "other-dateline-and-byline": story(
        ["[제천=뉴시스] 김도현 기자 = " + PARAGRAPHS[0], *PARAGRAPHS[1:], "dohyun@newsis.com"]
    ),
    "copyright-and-email": story(
        [
            *PARAGRAPHS,
            "정하람 기자 haram@example.kr",
            "저작권자 © 충청타임즈 무단전재 및 재배포 금지",
        ]
    ),
    "trimmed-ending": story(PARAGRAPHS[:-1]),
    "reordered-sentences": story(reordered_lead()),
    "paragraph-dropped": story([PARAGRAPHS[0], *PARAGRAPHS[2:]]),
    "local-quote-added": story([*PARAGRAPHS[:4], QUOTE, PARAGRAPHS[4]]),
    "caption-added": story([CAPTION, *PARAGRAPHS]),
    "url-appended": story([*PARAGRAPHS, "관련 기사 https://news.example.kr/article/1234"]),
}

# The same press-release template filled in for two other towns: names, numbers, dates.
TEMPLATE = [
    "{prov} {city}는 {dong} 행정복지센터 {floor}층에 '{name}'을 새로 열었다고 {day}일 밝혔다.",
    "도서관은 {area}㎡ 규모로 그림책과 청소년 소설, 건강 생활서 등 {books}권을 갖췄다. "
    "어린이 열람실에는 신발을 벗고 앉아 읽는 온돌 마루를 깔았다.",
    "시는 지난해 주민참여예산으로 사업비 {money}을 확보해 센터의 빈 강의실을 고쳤다. "
    "운영은 {dong} 주민자치회가 맡고 시립도서관 사서가 매주 {visits} 차례 들러 돕는다.",
    "도서관은 화요일부터 일요일까지 오전 {open}시부터 오후 {close}시까지 문을 연다.",
]
TOWN_A = {
    "prov": "충남", "city": "공주시", "dong": "옥룡동", "floor": "2", "name": "금강 햇살 작은도서관",
    "day": "12", "area": "96", "books": "3천600여", "money": "1억4천만원", "visits": "한",
    "open": "9", "close": "6",
}  # fmt: skip
TOWN_B = {
    "prov": "충남", "city": "논산시", "dong": "취암동", "floor": "3", "name": "탑정 호수 작은도서관",
    "day": "14", "area": "132", "books": "5천200여", "money": "1억9천만원", "visits": "세",
    "open": "10", "close": "8",
}  # fmt: skip


def town(values: dict[str, str]) -> str:
    return story([line.format(**values) for line in TEMPLATE])


def make_item(n: int, body: str, published: datetime | None = NOW, **changes) -> dict:
    item = ArticleItem(
        url=f"https://news{n}.example.kr/article/{n}",
        source_url=f"https://news{n}.example.kr/article/{n}",
        spider="test",
        fetched_at=NOW,
        title=f"작은도서관 개관 {n}",
        body=body,
        published=published,
        outlet=f"매체{n}",
        region="충북",
    )
    return {**asdict(item), **changes}


def stories_of(engine) -> dict[str, int]:
    """Article URL -> story id."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Article.url, StoryMember.story_id).join(
                StoryMember, StoryMember.article_id == Article.id
            )
        ).all()
    return dict(rows)


def store_for(engine, **config) -> ArticleStore:
    index = StoryIndex(StoryConfig(**config), now=lambda: NOW)
    return ArticleStore(engine, hooks=[index.assign])


# --- normalisation and signatures ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(
            "(수원=뉴스1) 홍길동 기자 = 도서관이 열렸다.", "도서관이열렸다", id="news1-dateline"
        ),
        pytest.param(
            "[서울=뉴시스]이현주 기자 = 도서관이 열렸다.", "도서관이열렸다", id="newsis-dateline"
        ),
        pytest.param("【서울=뉴시스】도서관이 열렸다.", "도서관이열렸다", id="full-width-brackets"),
        pytest.param("[OSEN=선미경 기자] 도서관이 열렸다.", "도서관이열렸다", id="osen"),
        pytest.param(
            "도서관이 열렸다.\n최윤호 기자 uknow@donga.com", "도서관이열렸다", id="byline-email"
        ),
        pytest.param("도서관이 열렸다. /정종엽 기자", "도서관이열렸다", id="slash-byline"),
        pytest.param(
            "도서관이 열렸다.\n<저작권자 © 경기일보 무단전재 및 재배포 금지>",
            "도서관이열렸다",
            id="copyright-line",
        ),
        pytest.param(
            "개관식 모습. 2025.3.1 *재판매 및 DB 금지\n도서관이 열렸다.",
            "도서관이열렸다",
            id="caption-line",
        ),
        pytest.param("▶ 관련기사 보기\n도서관이 열렸다.", "도서관이열렸다", id="promo-line"),
        pytest.param("도서관이 열렸다. https://example.kr/a?b=1", "도서관이열렸다", id="url"),
        pytest.param(
            "시장은 기자회견에서 밝혔다.", "시장은기자회견에서밝혔다", id="press-conference-kept"
        ),
        pytest.param("Library  OPENS\t2025!", "libraryopens2025", id="latin-lowercased"),
        pytest.param("", "", id="empty"),
    ],
)
def test_normalise_removes_what_outlets_change(raw, expected):
    assert normalise(raw) == expected


def test_signature_round_trips_and_rejects_other_schemes():
    sig = signature("제목", ORIGINAL)
    again = Signature.from_json(json.loads(json.dumps(sig.to_json())))
    assert again is not None
    assert jaccard(sig, again) == 1.0
    assert again.n_shingles == sig.n_shingles > 0
    assert Signature.from_json({**sig.to_json(), "scheme": "k5-old"}) is None
    assert Signature.from_json({"scheme": sig.to_json()["scheme"], "sig": "!!", "n": 3}) is None
    assert Signature.from_json(None) is None


def test_empty_text_matches_nothing():
    empty = signature("", "")
    assert empty.n_shingles == 0
    assert jaccard(empty, empty) == 0.0
    assert MatchRule().score(empty, empty) is None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_syndicated_variant_matches_the_original(variant):
    score = MatchRule().score(signature("a", ORIGINAL), signature("b", VARIANTS[variant]))
    assert score is not None
    assert score >= MatchRule().threshold


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param(town(TOWN_A), town(TOWN_B), id="template-two-towns"),
        pytest.param(story(PARAGRAPHS), town(TOWN_A), id="template-vs-wire-story"),
        pytest.param(ORIGINAL, "국회는 오늘 본회의를 열어 예산안을 처리했다. " * 5, id="unrelated"),
        pytest.param(ORIGINAL, PARAGRAPHS[0], id="one-line-brief-inside-long-story"),
    ],
)
def test_look_alikes_do_not_match(left, right):
    assert MatchRule().score(signature("", left), signature("", right)) is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400), st.text(max_size=60))
def test_arbitrary_text_never_raises(body, title):
    sig = signature(title, body)
    assert len(sig.values) == 128
    assert len(sig.band_hashes()) > 0
    assert Signature.from_json(sig.to_json()) is not None
    assert 0.0 <= jaccard(sig, signature(title, body + "도서관")) <= 1.0


@pytest.mark.parametrize(
    ("gold", "predicted", "expected"),
    [
        pytest.param("aabb", [1, 1, 2, 2], (1.0, 1.0, 1.0), id="perfect"),
        pytest.param("aabb", [1, 1, 1, 1], (2 / 6, 1.0, 0.5), id="all-merged"),
        pytest.param("aabb", [1, 2, 3, 4], (1.0, 0.0, 0.0), id="all-split"),
        pytest.param("aaab", [1, 1, 2, 2], (0.5, 1 / 3, 0.4), id="half-right"),
        pytest.param("abc", [1, 2, 3], (1.0, 1.0, 1.0), id="singletons"),
    ],
)
def test_pair_scores(gold, predicted, expected):
    assert pair_scores(list(gold), predicted) == pytest.approx(expected)


# --- the store hook on a real database -----------------------------------------------------


def test_syndicated_copies_become_one_story_with_many_outlets(engine):
    store = store_for(engine)
    store.write([make_item(0, ORIGINAL, published=NOW - timedelta(hours=5))])
    copies = [make_item(n, body) for n, body in enumerate(VARIANTS.values(), start=1)]
    store.write(copies[:4])
    store.write(copies[4:])
    found = stories_of(engine)
    assert len(found) == 1 + len(VARIANTS)
    assert len(set(found.values())) == 1
    story_id = next(iter(found.values()))
    with engine.connect() as conn:
        row = conn.execute(select(Story)).one()
        canonical_url = conn.execute(
            select(Article.url).where(Article.id == row.canonical_article_id)
        ).scalar_one()
        outlets = story_outlets(conn, story_id)
        summary = conn.execute(
            text("SELECT n_articles, n_outlets, canonical_title FROM story_summary")
        ).one()
    assert row.n_articles == 1 + len(VARIANTS)
    # The earliest published copy is the canonical one.
    assert canonical_url == make_item(0, "")["url"]
    assert outlets[0].outlet == "매체0"
    assert len(outlets) == 1 + len(VARIANTS)
    assert tuple(summary) == (1 + len(VARIANTS), 1 + len(VARIANTS), "작은도서관 개관 0")


@pytest.mark.parametrize(
    ("bodies", "same_batch"),
    [
        pytest.param([town(TOWN_A), town(TOWN_B)], False, id="template-towns-two-batches"),
        pytest.param([town(TOWN_A), town(TOWN_B)], True, id="template-towns-one-batch"),
        pytest.param([ORIGINAL, town(TOWN_A), town(TOWN_B)], True, id="wire-story-and-templates"),
    ],
)
def test_hard_negatives_stay_apart(engine, bodies, same_batch):
    store = store_for(engine)
    items = [make_item(n, body) for n, body in enumerate(bodies)]
    if same_batch:
        store.write(items)
    else:
        for item in items:
            store.write([item])
    assert len(set(stories_of(engine).values())) == len(bodies)


@pytest.mark.parametrize(
    ("gap", "window_days", "joined"),
    [
        pytest.param(timedelta(days=3), 7, True, id="inside-window"),
        pytest.param(timedelta(days=10), 7, False, id="outside-window"),
        pytest.param(timedelta(days=10), 30, True, id="wider-window"),
        pytest.param(-timedelta(days=10), 7, False, id="outside-window-earlier"),
    ],
)
def test_time_window(engine, gap, window_days, joined):
    store = store_for(engine, window=timedelta(days=window_days), index_days=0)
    store.write([make_item(0, ORIGINAL)])
    store.write([make_item(1, VARIANTS["trimmed-ending"], published=NOW + gap)])
    assert (len(set(stories_of(engine).values())) == 1) is joined


def test_time_falls_back_to_fetched_at(engine):
    store = store_for(engine)
    store.write([make_item(0, ORIGINAL, published=None)])
    store.write([make_item(1, VARIANTS["caption-added"], published=None)])
    late = make_item(2, VARIANTS["trimmed-ending"], published=None, fetched_at=NOW + timedelta(30))
    store.write([late])
    found = stories_of(engine)
    assert found[make_item(0, "")["url"]] == found[make_item(1, "")["url"]]
    assert found[late["url"]] != found[make_item(0, "")["url"]]


def test_later_arrival_joins_and_can_become_canonical(engine):
    store = store_for(engine)
    store.write([make_item(0, ORIGINAL)])
    # Found later, but published earlier: it is the story's earliest copy.
    store.write([make_item(1, VARIANTS["caption-added"], published=NOW - timedelta(hours=2))])
    with engine.connect() as conn:
        row = conn.execute(select(Story)).one()
        url = conn.execute(
            select(Article.url).where(Article.id == row.canonical_article_id)
        ).scalar_one()
    assert row.n_articles == 2
    assert url == make_item(1, "")["url"]
    assert row.first_published == NOW - timedelta(hours=2)
    assert row.last_published == NOW


def test_canonical_tie_goes_to_the_longest_body(engine):
    store = store_for(engine)
    store.write([make_item(0, VARIANTS["trimmed-ending"]), make_item(1, ORIGINAL)])
    with engine.connect() as conn:
        canonical = conn.execute(select(Story.canonical_article_id)).scalar_one()
        url = conn.execute(select(Article.url).where(Article.id == canonical)).scalar_one()
    assert url == make_item(1, "")["url"]


# Story B shares its first three paragraphs with story A, too little to join it.
LOCAL_ENDING = (
    "한편 제천시는 올해 안에 청풍면과 수산면에도 주민 손으로 꾸리는 작은도서관을 한 곳씩 더 "
    "만들 계획이다. 두 곳 모두 폐교된 분교 건물을 활용하며, 지역 농협과 협약을 맺어 장서 "
    "구입비를 지원받는다. 시는 내년부터 작은도서관 운영 인력 인건비 일부도 시비로 보탠다."
)
STORY_A = story(PARAGRAPHS)
STORY_B = story([*PARAGRAPHS[:3], LOCAL_ENDING])


@pytest.mark.parametrize(
    ("probe", "joins"),
    [
        # Both probes match both stories; each is closer to one.
        pytest.param(
            story([*PARAGRAPHS[:3], PARAGRAPHS[3].split(". ")[0] + "."]), "a", id="closer-to-a"
        ),
        pytest.param(
            story([*PARAGRAPHS[:3], LOCAL_ENDING.split(". ")[0] + "."]), "b", id="closer-to-b"
        ),
    ],
)
def test_article_matching_two_stories_joins_the_most_similar(engine, probe, joins):
    rule = MatchRule()
    assert rule.score(signature("", STORY_A), signature("", STORY_B)) is None
    assert rule.score(signature("", probe), signature("", STORY_A)) is not None
    assert rule.score(signature("", probe), signature("", STORY_B)) is not None
    store = store_for(engine)
    store.write([make_item(0, STORY_A)])
    store.write([make_item(1, STORY_B)])
    store.write([make_item(2, probe)])
    found = stories_of(engine)
    a, b = found[make_item(0, "")["url"]], found[make_item(1, "")["url"]]
    assert a != b
    assert found[make_item(2, "")["url"]] == {"a": a, "b": b}[joins]


def test_copies_in_one_batch_match_each_other(engine):
    store = store_for(engine)
    items = [make_item(n, body) for n, body in enumerate([ORIGINAL, *VARIANTS.values()])]
    items.insert(3, make_item(99, town(TOWN_A)))
    store.write(items)
    found = stories_of(engine)
    assert len(set(found.values())) == 2
    with engine.connect() as conn:
        counts = sorted(conn.execute(select(Story.n_articles)).scalars())
    assert counts == [1, 1 + len(VARIANTS)]


def test_restoring_never_duplicates_membership(engine):
    store = store_for(engine)
    store.write([make_item(0, ORIGINAL), make_item(1, VARIANTS["trimmed-ending"])])
    before = stories_of(engine)
    store.write([make_item(0, ORIGINAL)])  # unchanged: the hook is not even called
    store.write([make_item(1, VARIANTS["trimmed-ending"] + "\n\n추가 문단이 붙었다.")])  # changed
    with engine.connect() as conn:
        members = conn.execute(select(func.count()).select_from(StoryMember)).scalar_one()
        bands = conn.execute(select(func.count()).select_from(StoryBand)).scalar_one()
        n_articles = conn.execute(select(Story.n_articles)).scalars().all()
    assert stories_of(engine) == before
    assert members == 2
    assert bands == 2 * len(signature("", ORIGINAL).band_hashes())
    assert n_articles == [2]


def test_changed_text_moves_the_article_and_drops_its_empty_story(engine):
    store = store_for(engine)
    store.write([make_item(0, ORIGINAL), make_item(1, town(TOWN_A))])
    # The second article is rewritten into a copy of the first.
    store.write([make_item(1, VARIANTS["paragraph-dropped"])])
    with engine.connect() as conn:
        stories = conn.execute(select(Story.id, Story.n_articles)).all()
    assert len(stories) == 1
    assert stories[0].n_articles == 2
    assert len(set(stories_of(engine).values())) == 1


def test_prune_bounds_the_index_but_keeps_stories(engine):
    index = StoryIndex(StoryConfig(index_days=10), now=lambda: NOW)
    store = ArticleStore(engine, hooks=[index.assign])
    store.write([make_item(0, ORIGINAL, published=NOW - timedelta(days=20))])
    store.write([make_item(1, town(TOWN_A))])
    with engine.begin() as conn:
        pruned = index.prune(conn, NOW)
    with engine.connect() as conn:
        band_articles = set(conn.execute(select(StoryBand.article_id)).scalars())
        signatures = dict(conn.execute(select(StoryMember.article_id, StoryMember.signature)).all())
    old_id, new_id = sorted(signatures)
    assert pruned == 1
    assert band_articles == {new_id}
    assert signatures[old_id] is None
    assert signatures[new_id] is not None
    assert len(stories_of(engine)) == 2
    # Deleting an article removes its membership and index rows with it.
    with engine.begin() as conn:
        conn.execute(Sighting.__table__.delete())
        conn.execute(Article.__table__.delete().where(Article.id == new_id))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StoryBand)).scalar_one() == 0


def test_index_prunes_once_per_crawl_on_its_own(engine):
    clock = [NOW - timedelta(days=40)]
    index = StoryIndex(StoryConfig(index_days=30), now=lambda: clock[0])
    ArticleStore(engine, hooks=[index.assign]).write([make_item(0, ORIGINAL, published=clock[0])])
    clock[0] = NOW
    fresh = StoryIndex(StoryConfig(index_days=30), now=lambda: clock[0])
    ArticleStore(engine, hooks=[fresh.assign]).write([make_item(1, town(TOWN_A))])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StoryBand)).scalar_one() == len(
            signature("", ORIGINAL).band_hashes()
        )


# --- migrations 0002 and 0006 --------------------------------------------------------------

STORY_TABLES = {"stories", "story_members", "story_bands"}


def test_migration_0002_upgrades_and_downgrades(database_url):
    engine = create_db_engine(database_url, migrate=False)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO articles (id, url, title, body, spider, first_seen, last_seen,"
                " content_hash) VALUES (1, 'https://a.kr/1', '제목', '본문', 't',"
                " :now, :now, 'x')"
            ),
            {"now": NOW.astimezone(UTC).replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO sightings (id, article_id, source_url, spider, first_seen, last_seen)"
                " VALUES (1, 1, 'https://board.kr/1', 't', :now, :now)"
            ),
            {"now": NOW.astimezone(UTC).replace(tzinfo=None)},
        )
    upgrade(engine, "0002")
    assert current_revision(engine) == "0002"
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= STORY_TABLES
    assert "story_summary" in inspector.get_view_names()
    assert {"ix_story_bands_hash"} <= {i["name"] for i in inspector.get_indexes("story_bands")}
    # The index code writes the newest band layout (0006); the way down passes every step.
    upgrade(engine)
    with engine.begin() as conn:
        StoryIndex(now=lambda: NOW).assign(conn, [(1, make_item(0, ORIGINAL))])
        summary = conn.execute(text("SELECT story_id, n_articles FROM story_summary")).one()
    assert summary.n_articles == 1
    downgrade(engine, "0001")
    inspector = inspect(engine)
    assert not STORY_TABLES & set(inspector.get_table_names())
    assert "story_summary" not in inspector.get_view_names()
    with engine.connect() as conn:
        # Nothing of the older tables was lost on the way down.
        assert conn.execute(text("SELECT COUNT(*) FROM sightings")).scalar_one() == 1
        assert conn.execute(text("SELECT COUNT(*) FROM articles")).scalar_one() == 1
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= STORY_TABLES
    engine.dispose()


def test_migration_0006_rekeys_the_band_index_both_ways(database_url):
    engine = create_db_engine(database_url, migrate=False)
    upgrade(engine, "0005")
    now = NOW.astimezone(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        for article_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO articles (id, url, title, body, spider, first_seen, last_seen,"
                    " content_hash) VALUES (:id, :url, '제목', '본문', 't', :now, :now, 'x')"
                ),
                {"id": article_id, "url": f"https://a.kr/{article_id}", "now": now},
            )
        conn.execute(
            text(
                "INSERT INTO stories (id, first_published, last_published, n_articles,"
                " created_at, updated_at) VALUES (7, :now, :now, 2, :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO story_members (article_id, story_id, story_time, n_shingles,"
                " joined_at) VALUES (1, 7, :now, 10, :now), (2, 7, :now, 10, :now)"
            ),
            {"now": now},
        )
        # Article 2 has two bands with one hash: one key after the upgrade.
        conn.execute(
            text(
                "INSERT INTO story_bands (article_id, band, hash, story_id, time) VALUES"
                " (1, 0, 30, 7, 100), (1, 1, -5, 7, 100), (2, 0, 30, 7, 200), (2, 1, 30, 7, 200)"
            )
        )
    upgrade(engine, "0006")
    indexes = {i["name"] for i in inspect(engine).get_indexes("story_bands")}
    assert indexes == {"ix_story_bands_article_id"}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT hash, article_id, time FROM story_bands")).all()
    assert sorted(rows) == [(-5, 1, 100), (30, 1, 100), (30, 2, 200)]
    downgrade(engine, "0005")
    indexes = {i["name"] for i in inspect(engine).get_indexes("story_bands")}
    assert indexes == {"ix_story_bands_hash"}
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT article_id, band, hash, story_id, time FROM story_bands")
        ).all()
    # Bands numbered per article in hash order; the story from the membership.
    assert sorted(rows) == [(1, 0, -5, 7, 100), (1, 1, 30, 7, 100), (2, 0, 30, 7, 200)]
    engine.dispose()


# --- the pipeline stage and the cluster command --------------------------------------------


def test_stage_signs_items_and_reads_settings(engine):
    crawler = get_crawler(
        settings_dict={"CLIPPER_STORY_THRESHOLD": 0.8, "CLIPPER_STORY_WINDOW_DAYS": 2}
    )
    crawler.stats.open_spider()
    stage = StorySignaturePipeline.from_crawler(crawler)
    config = stage.store_hook().__self__.config  # the StoryIndex the store will use
    assert config.rule.threshold == 0.8
    assert config.window == timedelta(days=2)
    items = [ArticleItem(**{**make_item(n, body), "extra": {}}) for n, body in
             enumerate([ORIGINAL, VARIANTS["caption-added"], ""])]  # fmt: skip
    items[2].title = ""
    for item in items:
        stage.process_item(item)
    assert Signature.from_json(items[0].extra["minhash"]) is not None
    assert crawler.stats.get_value("clipper/stories/signature/computed") == 2
    assert crawler.stats.get_value("clipper/stories/signature/empty_text") == 1
    ArticleStore(engine, hooks=[stage.store_hook()]).write([asdict(i) for i in items[:2]])
    assert crawler.stats.get_value("clipper/stories/articles/new_story") == 1
    assert crawler.stats.get_value("clipper/stories/articles/joined") == 1


@pytest.mark.parametrize(
    "settings_dict",
    [
        pytest.param({"CLIPPER_STORY_THRESHOLD": 0}, id="zero-threshold"),
        pytest.param({"CLIPPER_STORY_THRESHOLD": 1.5}, id="threshold-above-one"),
        pytest.param({"CLIPPER_STORY_WINDOW_DAYS": -1}, id="negative-window"),
        pytest.param({"CLIPPER_STORY_INDEX_DAYS": -3}, id="negative-index-days"),
    ],
)
def test_bad_settings_are_refused(settings_dict):
    with pytest.raises(ValueError, match="story"):
        StorySignaturePipeline.from_crawler(get_crawler(settings_dict=settings_dict))


def test_cluster_command_reads_jsonl_and_reports_bad_lines():
    records = [
        {"id": "a", "url": "https://x.kr/1", "title": "제천 작은도서관", "body": ORIGINAL,
         "outlet": "뉴스1", "published_raw": "2025-05-20 10:00:00"},
        {"id": "b", "url": "https://y.kr/1", "title": "공주 작은도서관", "body": town(TOWN_A),
         "outlet": "공주신문", "published_raw": "승인 2025.05.20 11:00"},
        {"id": 3, "url": "https://z.kr/1", "title": "제천에 새 도서관",
         "body": VARIANTS["local-quote-added"], "outlet": "충청타임즈",
         "published_raw": "2025.05.21"},
    ]  # fmt: skip
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(2, '{"id": "broken", "body": ')
    result = CliRunner().invoke(main, ["cluster"], input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    assert "line 3" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in out] == ["a", "b", 3]
    assert out[0]["story"] == out[2]["story"] != out[1]["story"]


def test_cluster_command_clean_input_exits_zero():
    line = json.dumps({"id": 1, "title": "t", "body": ORIGINAL})
    result = CliRunner().invoke(main, ["cluster"], input=line + "\n\n" + line + "\n")
    assert result.exit_code == 0, result.stderr
    out = [json.loads(row) for row in result.stdout.splitlines()]
    assert len(out) == 2
    assert out[0]["story"] == out[1]["story"]


def test_labelled_set_meets_the_goals():
    records = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines()]
    labels = [record["label"] for record in records]
    assert len(set(labels)) >= 40
    assert len(records) >= 120
    precision, _recall, f1 = pair_scores(labels, cluster_records(records))
    assert precision >= 0.97
    assert f1 >= 0.95
