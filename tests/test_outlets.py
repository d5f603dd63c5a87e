"""The outlet registry: resolving typed names, URLs and Naver ids; validating the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.outlets import (
    FIELDS,
    KINDS,
    REGIONS,
    Outlet,
    OutletRegistry,
    default_registry,
    normalise_name,
)

DEV_TSV = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "regions_dev.tsv"


@pytest.fixture(scope="module")
def registry() -> OutletRegistry:
    return default_registry()


# --- the shipped data -------------------------------------------------------------------


def test_shipped_csv_loads_with_at_least_300_outlets():
    registry = OutletRegistry.load()
    assert len(registry) >= 300
    assert len({outlet.name for outlet in registry}) == len(registry)
    assert {outlet.kind for outlet in registry} == KINDS  # every kind is used
    # every 시도 has at least one outlet at home there
    assert {o.home_region for o in registry} >= set(REGIONS)


def test_default_registry_is_loaded_once():
    assert default_registry() is default_registry()


def test_every_shipped_spelling_and_domain_resolves_to_its_own_outlet(registry):
    for outlet in registry:
        for spelling in (outlet.name, *outlet.aliases):
            assert registry.resolve(spelling) is outlet, spelling
        for domain in outlet.domains:
            assert registry.resolve_url(f"https://www.{domain}/news/1") is outlet, domain
        if outlet.naver_oid:
            assert registry.by_oid(outlet.naver_oid) is outlet


@pytest.mark.parametrize(
    ("name", "oid", "region", "kind"),
    [
        ("연합뉴스", "001", "전국", "news_agency"),
        ("뉴시스", "003", "전국", "news_agency"),
        ("뉴스1", "421", "전국", "news_agency"),
        ("조선일보", "023", "전국", "national_daily"),
        ("매일경제", "009", "전국", "economic_daily"),
        ("강원도민일보", "654", "강원", "regional_daily"),
        ("부산일보", "082", "부산", "regional_daily"),
        ("연합뉴스TV", "422", "전국", "broadcaster"),
        ("KBS부산", None, "부산", "broadcaster"),
        ("중도일보", None, "대전", "regional_daily"),
        ("헤드라인제주", None, "제주", "internet"),
    ],
)
def test_known_outlet_facts(registry, name, oid, region, kind):
    outlet = registry.resolve(name)
    assert outlet is not None
    assert (outlet.name, outlet.naver_oid, outlet.home_region, outlet.kind) == (
        name,
        oid,
        region,
        kind,
    )


# --- resolve ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("연합뉴스", "연합뉴스"),
        ("연합 뉴스", "연합뉴스"),
        ("  연합뉴스\t", "연합뉴스"),
        ("연합", "연합뉴스"),
        ("Yonhap", "연합뉴스"),
        ("YONHAP NEWS AGENCY", "연합뉴스"),
        ("연합뉴스TV", "연합뉴스TV"),  # a separate outlet, not 연합뉴스
        ("연합뉴스 tv", "연합뉴스TV"),
        ("kbs", "KBS"),
        ("KBS뉴스", "KBS"),
        ("KBS 뉴스", "KBS"),
        ("ＫＢＳ", "KBS"),  # full-width letters
        ("KBS 부산", "KBS부산"),  # a regional station is its own outlet
        ("부산KBS", "KBS부산"),
        ("KBS(부산)", "KBS부산"),
        ("YTN news", "YTN"),
        ("MTN뉴스", "MTN"),
        ("(주)뉴시스", "뉴시스"),
        ("㈜뉴시스", "뉴시스"),
        ("주식회사 뉴시스", "뉴시스"),
        ("[뉴시스]", "뉴시스"),
        ("뉴시스 | 네이버", "뉴시스"),  # Naver og:article:author
        ("네이버 스포츠 | 연합뉴스", "연합뉴스"),  # Naver Sports puts the outlet right
        ("Dong-A Ilbo", "동아일보"),
        ("한겨레신문", "한겨레"),
        ("헤럴드 경제", "헤럴드경제"),
        ("nsp통신", "NSP통신"),
        ("디트NEWS24", "디트뉴스24"),
        ("디트 뉴스", "디트뉴스24"),
        ("CMB 광주방송", "CMB광주방송"),
        ("충청신문=대전", "충청신문"),
        ("뉴제주일보", "제주일보"),
        ("경기일보", "경기일보"),
        ("경인일보", "경인일보"),  # one letter from 경기일보, still its own outlet
        ("https://www.yna.co.kr/view/AKR20240101000100001", "연합뉴스"),
        ("yna.co.kr", "연합뉴스"),
        ("news.kbs.co.kr", "KBS"),
        ("WWW.HANI.CO.KR", "한겨레"),
        ("https://n.news.naver.com/mnews/article/421/0001", "뉴스1"),
    ],
)
def test_resolve(registry, text, expected):
    outlet = registry.resolve(text)
    assert outlet is not None, text
    assert outlet.name == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "뉴스",  # a generic word alone names nothing
        "news",
        "()",
        "서울뉴스",
        "도민일보",  # 경기/경남/전북/경북/강원 all have a 도민일보: ambiguous on purpose
        "존재하지않는신문",
        "1 | 1 | 1",  # the board's test entry
        "https://example.com/news/1",
        "notyna.co.kr",
        "yna.co.kr.example.com",
    ],
)
def test_resolve_unknown_is_none(registry, text):
    assert registry.resolve(text) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.yna.co.kr/view/AKR1", "연합뉴스"),
        ("http://m.yna.co.kr/view/AKR1", "연합뉴스"),
        ("https://mobile.newsis.com/view.html?ar_id=1", "뉴시스"),
        ("https://news.kbs.co.kr/news/pc/view/view.do?ncd=1", "KBS"),
        ("https://www.donga.com/news/article/all/1", "동아일보"),
        ("https://sports.donga.com/article/all/1", "스포츠동아"),  # longest suffix wins
        ("https://m.sports.donga.com/article/all/1", "스포츠동아"),
        ("https://biz.chosun.com/x", "조선비즈"),
        ("https://www.chosun.com/national/2024/01/01/X/", "조선일보"),
        ("http://www.kado.net:8080/news/articleView.html?idxno=1", "강원도민일보"),
        ("HTTPS://WWW.BUSAN.COM/view/busan/view.php?code=1", "부산일보"),
        ("www.headlinejeju.co.kr/news/articleView.html?idxno=1", "헤드라인제주"),
        ("//www.joongdo.co.kr/web/view.php?key=1", "중도일보"),
        ("https://www.chosun.com./x", "조선일보"),  # trailing root dot
        ("https://n.news.naver.com/mnews/article/003/0012577249", "뉴시스"),
        ("https://n.news.naver.com/article/comment/001/0014", "연합뉴스"),
        ("https://news.naver.com/main/read.naver?mode=LSD&mid=shm&oid=001&aid=1", "연합뉴스"),
        ("https://media.naver.com/press/015", "한국경제"),
    ],
)
def test_resolve_url(registry, url, expected):
    outlet = registry.resolve_url(url)
    assert outlet is not None, url
    assert outlet.name == expected


@pytest.mark.parametrize(
    "url",
    [
        None,
        "",
        "not a url",
        "https://",
        "http://[::1",  # urlsplit raises on this
        "https://n.news.naver.com/main/ranking/popularDay.naver",  # Naver, but no oid
        "https://news.naver.com/main/read.naver?oid=999&aid=1",  # oid nobody has
        "https://v.daum.net/v/20231101084600123",
        "https://news.google.com/rss/articles/CBMiabc",
        "https://co.kr/",
        "https://kr/",
    ],
)
def test_resolve_url_unknown_is_none(registry, url):
    assert registry.resolve_url(url) is None


@pytest.mark.parametrize(
    ("oid", "expected"),
    [
        ("001", "연합뉴스"),
        ("1", "연합뉴스"),
        (1, "연합뉴스"),
        (" 421 ", "뉴스1"),
        ("437", "JTBC"),
        ("000", None),
        ("0001", None),
        ("abc", None),
        ("١٢٣", None),  # non-ASCII digits
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_by_oid(registry, oid, expected):
    outlet = registry.by_oid(oid)
    assert (outlet.name if outlet else None) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("연합 뉴스", "연합뉴스"),
        ("ＫＢＳ　뉴스", "kbs뉴스"),  # full-width letters and ideographic space
        ("Dong-A Ilbo", "dongailbo"),
        ("디트_NEWS·24", "디트news24"),
        ("…", ""),
    ],
)
def test_normalise_name(text, key):
    assert normalise_name(text) == key


# --- validation -----------------------------------------------------------------------------

GOOD_ROWS = [
    ["연합뉴스", "연합|Yonhap", "yna.co.kr", "001", "전국", "news_agency"],
    ["부산일보", "", "busan.com", "082", "부산", "regional_daily"],
]


def write_csv(path: Path, rows: list[list[str]], header: tuple[str, ...] = FIELDS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_small_csv_loads(tmp_path):
    registry = OutletRegistry.load(write_csv(tmp_path / "o.csv", GOOD_ROWS))
    assert len(registry) == 2
    assert [o.name for o in registry] == ["연합뉴스", "부산일보"]
    assert registry.resolve("yonhap") == Outlet(
        name="연합뉴스",
        aliases=("연합", "Yonhap"),
        domains=("yna.co.kr",),
        naver_oid="001",
        home_region="전국",
        kind="news_agency",
    )
    assert registry.resolve("busan.com").home_region == "부산"


def test_blank_optional_cells_become_none(tmp_path):
    rows = [["어떤신문", "", "", "", "", "internet"]]
    outlet = next(iter(OutletRegistry.load(write_csv(tmp_path / "o.csv", rows))))
    assert (outlet.aliases, outlet.domains, outlet.naver_oid, outlet.home_region) == (
        (),
        (),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("extra_row", "message"),
    [
        (["경기일보", "", "", "", "경기", "daily"], "unknown kind"),
        (["경기일보", "", "", "", "경기도", "regional_daily"], "unknown home_region"),
        (["연합뉴스", "", "", "", "전국", "news_agency"], "duplicate name"),
        (["연합뉴스TV", "연합 뉴스", "", "", "전국", "broadcaster"], "already belongs to 연합뉴스"),
        (["연합뉴스TV", "YONHAP", "", "", "전국", "broadcaster"], "already belongs to 연합뉴스"),
        (["가짜", "", "news.busan.com|busan.com", "", "", "internet"], "domain 'busan.com'"),
        (["가짜", "", "https://x.com", "", "", "internet"], "malformed domain"),
        (["가짜", "", "", "001", "", "internet"], "naver_oid of 가짜 already belongs"),
        (["가짜", "", "", "1", "", "internet"], "not 3 digits"),
        (["가짜", "!!", "", "", "", "internet"], "has no letters"),
        (["", "", "", "", "", "internet"], "empty name"),
        (["가짜", "", "", "", "", "internet", "surplus"], "more cells"),
    ],
)
def test_invalid_rows_raise_with_line_number(tmp_path, extra_row, message):
    path = write_csv(tmp_path / "o.csv", [*GOOD_ROWS, extra_row])
    with pytest.raises(ValueError, match=message) as excinfo:
        OutletRegistry.load(path)
    assert "line 4" in str(excinfo.value)  # header, two good rows, then the bad one


def test_bad_header_raises(tmp_path):
    path = write_csv(tmp_path / "o.csv", GOOD_ROWS, header=("name", "alias", "domains"))
    with pytest.raises(ValueError, match="header"):
        OutletRegistry.load(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("KBS뉴스", "KBS"),
        ("KBS news", "KBS"),
        ("연합뉴스", "연합뉴스"),  # the name itself ends in 뉴스: exact match first
        ("연합 뉴스", "연합뉴스"),
        ("중앙뉴스", None),  # a daily's short name + 뉴스 is another outlet, not 중앙일보
        ("중앙", "중앙일보"),
        ("뉴스", None),
    ],
)
def test_generic_suffix_dropped_only_for_broadcasters_and_agencies(text, expected):
    registry = OutletRegistry(
        [
            Outlet(name="KBS", kind="broadcaster"),
            Outlet(name="연합뉴스", kind="news_agency"),
            Outlet(name="중앙일보", aliases=("중앙",), kind="national_daily"),
        ]
    )
    outlet = registry.resolve(text)
    assert (outlet.name if outlet else None) == expected


def test_constructor_validates_too():
    with pytest.raises(ValueError, match="unknown kind"):
        OutletRegistry([Outlet(name="가짜", kind="blog")])


# --- properties -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_resolve_never_raises(text):
    outlet = default_registry().resolve(text)
    assert outlet is None or isinstance(outlet, Outlet)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.from_regex(r"\A[a-z]{1,8}://[\w.:\[\]@-]{0,30}/?\S{0,20}\Z")))
def test_resolve_url_never_raises(url):
    outlet = default_registry().resolve_url(url)
    assert outlet is None or isinstance(outlet, Outlet)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_spacing_and_case_do_not_change_the_outlet(data):
    outlets = list(default_registry())
    outlet = data.draw(st.sampled_from(outlets))
    name = outlet.name
    # scatter spaces between characters and flip the case of Latin letters
    cuts = data.draw(st.sets(st.integers(1, max(1, len(name) - 1))))
    spaced = "".join(f" {c}" if i in cuts else c for i, c in enumerate(name))
    typed = spaced.swapcase() if data.draw(st.booleans()) else spaced
    assert default_registry().resolve(typed) is outlet


# --- the board's own strings ---------------------------------------------------------------------


def test_board_outlet_strings_mostly_resolve(registry):
    if not DEV_TSV.is_file():
        pytest.skip(f"{DEV_TSV} is not there")
    with DEV_TSV.open(encoding="utf-8", newline="") as handle:
        outlets = [row["outlet"] for row in csv.DictReader(handle, delimiter="\t")]
    resolved = sum(registry.resolve(raw) is not None for raw in outlets)
    assert len(outlets) >= 500
    assert resolved / len(outlets) >= 0.95
