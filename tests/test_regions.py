"""Tests for the region tagger (clipper.text.regions), its gazetteer and ``clipper tag``."""

from __future__ import annotations

import csv
import json
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.text.regions import (
    NATIONAL,
    REGIONS,
    RegionResult,
    normalize_board_tag,
    split_title_tag,
    tag_region,
)

DEV_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "regions_dev.tsv"


def _gazetteer() -> list[dict[str, str]]:
    with resources.files("clipper.data").joinpath("gazetteer.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


# --- gazetteer ----------------------------------------------------------------------------


def test_regions_constant():
    assert len(REGIONS) == 17
    assert len(set(REGIONS)) == 17
    assert NATIONAL == "전국"
    assert NATIONAL not in REGIONS


def test_gazetteer_counts_match_current_administrative_divisions():
    rows = _gazetteer()
    kinds = Counter(row["kind"] for row in rows)
    # 75 시 + 제주 administrative 제주시/서귀포시; 82 군 (군위 is in 대구 since 2023);
    # 69 자치구 before 인천's July 2026 reorganisation, 70 after (제물포, 영종, 검단 in,
    # 중구 and 동구 out).
    assert kinds["si"] == 77
    assert kinds["gun"] == 82
    assert kinds["gu"] == 70
    by_sido = Counter(row["sido"] for row in rows if row["kind"] in ("si", "gun", "gu"))
    assert by_sido["서울"] == 25
    assert by_sido["경기"] == 31
    assert by_sido["세종"] == 0


def test_gazetteer_rows_are_well_formed():
    rows = _gazetteer()
    seen = set()
    for row in rows:
        assert row["sido"] in REGIONS, row
        assert row["kind"] in {"sido", "si", "gun", "gu", "ilban_gu", "alias", "former"}, row
        key = (row["sido"], row["name"], row["kind"])
        assert key not in seen, row
        seen.add(key)
        if row["short"]:
            assert row["name"].startswith(row["short"]) or row["kind"] == "sido", row
        if row["kind"] == "ilban_gu":
            assert row["parent"].endswith("시"), row
    # Every 시도 has its short name somewhere, as a name or a short form.
    names = {row["short"] for row in rows if row["kind"] == "sido"}
    assert set(REGIONS) <= names


@pytest.mark.parametrize(
    ("sido", "name"),
    [
        ("경기", "영통구"),
        ("경남", "마산합포구"),
        ("전북", "완산구"),
        ("충북", "상당구"),
        ("충남", "동남구"),
        ("경북", "남구"),
        ("경기", "일산동구"),
        ("경기", "분당구"),
        ("경기", "수지구"),
        ("경기", "동안구"),
        ("경기", "단원구"),
        ("대구", "군위군"),
        ("강원", "고성군"),
        ("경남", "고성군"),
        ("제주", "서귀포시"),
        ("강원", "강원특별자치도"),
        ("전북", "전북특별자치도"),
        ("전북", "전라북도"),
        ("세종", "세종특별자치시"),
    ],
)
def test_gazetteer_has(sido, name):
    assert any(row["sido"] == sido and row["name"] == name for row in _gazetteer())


# --- board tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("경기", "경기"),
        ("전국", "전국"),
        ("세종", "세종"),
        ("서을", "서울"),
        ("정북", "전북"),
        ("강원 ", "강원"),
        (" 강원", "강원"),
        ("제주]", "제주"),
        ("[부산]", "부산"),
        ("경기도", "경기"),
        ("강원특별자치도", "강원"),
        ("전북특별자치도", "전북"),
        ("충청북도", "충북"),
        ("서울특별시", "서울"),
        ("부산광역시", "부산"),
        ("전주", "전북"),
        ("수원 영통구", "경기"),
        ("수원시 영통구", "경기"),
        ("칠곡", "경북"),
        ("연천소식", "경기"),
        ("대구 중구", "대구"),
        ("경기/수원", "경기"),
        ("경기/전주", None),  # two 시도: not one region
        ("칼럼", None),
        ("사설", None),
        ("기고", None),
        ("인터뷰", None),
        ("통계", None),
        ("해외", None),
        ("기타", None),
        ("일사일언", None),
        ("포토", None),
        ("도내", None),
        ("서울신문", None),  # an outlet's name, not a place tag
        ("고성", None),  # 강원 or 경남: no guess
        ("중구", None),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_board_tag(tag, expected):
    assert normalize_board_tag(tag) == expected


@pytest.mark.parametrize(
    ("title", "tag", "rest"),
    [
        ("[경기] 고양시, 작은도서관 운영", "경기", "고양시, 작은도서관 운영"),
        ("[경기]고양시 작은도서관", "경기", "고양시 작은도서관"),
        ("[서울][일사일언] 동네 책방 이야기", "서울", "동네 책방 이야기"),
        ("[서울] [기고] 동네 책방", "서울", "동네 책방"),
        ("[경북](칠곡) 할머니 한글교실", "경북", "(칠곡) 할머니 한글교실"),
        ("[제주]] 마을 나눔장터", "제주", "마을 나눔장터"),
        ("[강원 작은도서관 개관", "강원", "작은도서관 개관"),
        ("[강원  작은도서관 개관", "강원", "작은도서관 개관"),
        ("  [ 부산 ] 해운대 도서관", "부산", "해운대 도서관"),
        ("[칼럼] 도서관의 미래", "칼럼", "도서관의 미래"),
        ("[수원 영통구] 작은도서관", "수원 영통구", "작은도서관"),
        ("작은도서관 개관 [포토]", None, "작은도서관 개관 [포토]"),
        ("[작은도서관 이야기", None, "[작은도서관 이야기"),  # unclosed, not a region
        ("[]빈 태그", None, "빈 태그"),
        ("", None, ""),
    ],
)
def test_split_title_tag(title, tag, rest):
    assert split_title_tag(title) == (tag, rest)


# --- tagging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "kwargs", "region", "evidence"),
    [
        # board tags
        ("고양시 작은도서관", {"board_tag": "경기"}, "경기", "board tag [경기]"),
        ("작은도서관 축제", {"board_tag": "서을"}, "서울", "board tag [서을]"),
        ("작은도서관 축제", {"board_tag": "칼럼"}, None, ""),
        ("작은도서관 축제", {"board_tag": "칼럼", "outlet_region": "경남"}, "경남", "outlet"),
        ("부산 해운대구 작은도서관", {"board_tag": "전국"}, "전국", "board tag [전국]"),
        # a tag that contradicts the place the headline opens with
        ("천안시, 작은도서관 축제", {"board_tag": "충북"}, "충남", "overridden"),
        ("천안 작은도서관 축제", {"board_tag": "충북"}, "충남", "overridden"),
        ("[충북]천안시 작은도서관", {"board_tag": "충북"}, "충남", "overridden"),
        # ...but not when the tagged 시도 is also named, or the place comes later
        ("청주시·천안시 작은도서관 교류", {"board_tag": "충북"}, "충북", "board tag"),
        ("작은도서관 활동가, 천안 견학", {"board_tag": "충북"}, "충북", "board tag"),
        # places in the title
        ("고양시, 작은도서관 아카데미 운영", {}, "경기", "place 고양시 → 경기"),
        ("경기도교육청, 작은도서관 지원", {}, "경기", "institution 경기도교육청 → 경기"),
        ("서울시의회, 작은도서관 조례", {}, "서울", "institution 서울시의회"),
        ("수원시립도서관 독서교실", {}, "경기", "institution 수원시립도서관"),
        ("칠곡군청 앞 작은도서관", {}, "경북", "institution 칠곡군청"),
        ("옥천지역 서점 책값 반환", {}, "충북", "place 옥천"),
        ("포항 '작은 도서관' 자원봉사자 모집", {}, "경북", "place 포항"),
        ("청주서 독서대전 개최", {}, "충북", "place 청주"),
        ("제주에 작은도서관 둥지", {}, "제주", "place 제주"),
        ("[김해]아이들이 좋아하는 공간", {}, "경남", "place 김해"),
        ("새마을문고칠곡군지부 피서지 문고", {}, "경북", "칠곡군"),
        ("의정부과학도서관 독서교실", {}, "경기", "의정부"),
        ("조치원 작은도서관 축제", {}, "세종", "조치원"),
        ("충남대 도서관 특강", {}, "대전", "institution 충남대 → 대전"),
        ("경북대학교 도서관", {}, "대구", "경북대"),
        ("서울 송파구 작은도서관", {}, "서울", "place 서울 송파구 → 서울"),
        ("전북 정읍 작은도서관 7곳", {}, "전북", "place 전북 정읍 → 전북"),
        ("마포 놀며 배우는 방과후학교", {}, "서울", "place 마포"),
        ("대전대덕구, 작은도서관 워크숍", {}, "대전", "대전대덕구"),
        # ambiguous 구, with and without context
        ("대전 중구, 작은도서관 개관", {}, "대전", "place 대전 중구 → 대전"),
        ("대구 북구 작은도서관 5개관", {}, "대구", "place 대구 북구 → 대구"),
        ("울산 중구청 작은도서관", {}, "울산", "울산 중구청"),
        ("광주시 동구, 작은 도서관", {}, "광주", "광주시 동구"),
        ("인천 남구, 공공-작은도서관 북콘서트", {}, "인천", "인천 남구"),  # before 미추홀구
        ("포항 남구 작은도서관", {}, "경북", "포항 남구"),
        ("중구, 작은도서관 개관", {}, None, ""),
        ("서구, 최초 학교내 작은도서관", {}, None, ""),
        ("중구, 작은도서관 개관", {"outlet_region": "울산"}, "울산", "outlet home region"),
        # an ambiguous name that the outlet's region cannot be: no tag, not the outlet's
        ("남구, 작은도서관과 협력", {"outlet_region": "대전"}, None, ""),
        ("강서구 작은도서관", {}, None, ""),
        ("강서구 작은도서관", {"outlet_region": "부산"}, "부산", "강서구"),
        # 고성 in 강원 and 경남
        ("고성군, 작은도서관 개관", {}, None, ""),
        ("강원 고성군 작은도서관", {}, "강원", "강원 고성군"),
        ("경남 고성군, 북스타트 사업", {}, "경남", "경남 고성군"),
        ("경남 고성 작은도서관", {}, "경남", "경남 고성"),
        ("고성군, 작은도서관 개관", {"outlet_region": "경남"}, "경남", "고성군"),
        # 광주 both ways
        ("광주 남구 작은도서관", {}, "광주", "광주 남구"),
        ("광주의 툰베리들 기후행동", {}, "광주", "place 광주"),
        ("광주광역시 동구 제로웨이스트", {}, "광주", "광주광역시"),
        ("경기 광주시 작은도서관", {}, "경기", "경기 광주시"),
        ("경기 광주 오포 작은도서관", {}, "경기", "경기 광주"),
        ("광주시, 작은도서관 지원", {}, None, ""),
        ("광주시, 작은도서관 지원", {"outlet_region": "경기"}, "경기", "광주시"),
        ("광주시, 작은도서관 지원", {"outlet_region": "광주"}, "광주", "광주시"),
        # the same 시도 named twice beats one other
        ("경기도, 안산서 작은도서관 축제", {}, "경기", "place"),
        # ties go to the outlet's region, then to the first place named
        ("성남 구미1동 독서왕", {}, "경기", "성남"),
        ("성남 구미1동 독서왕", {"outlet_region": "경북"}, "경북", "구미"),
        # national wording
        ("문체부, 순회사서 269명을 전국 작은도서관에 파견", {}, NATIONAL, "national wording"),
        ("LH 작은도서관 전국 순회 워크숍", {}, NATIONAL, "national wording"),
        ("정부, 농어촌 복지서비스 확충", {}, NATIONAL, "national wording 정부"),
        ("국립중앙도서관, 작은도서관 지원", {}, NATIONAL, "국립중앙도서관"),
        # ...loses to a place, and is not national when a local subject is rewarded
        ("경기도, 전국 최초 작은도서관 조례", {}, "경기", "경기도"),
        ("실버작은도서관, 문체부 공모사업 선정", {}, None, ""),
        ("지방정부 협의회 작은도서관 논의", {}, None, ""),
        ("의정부시 작은도서관", {}, "경기", "의정부시"),
        # the outlet's region as the last resort (전국 is no prior)
        ("작은도서관 활성화 지역공동체", {"outlet_region": "제주"}, "제주", "outlet home region"),
        (
            "작은도서관 활성화",
            {"outlet_region": "경남", "outlet_name": "경남일보"},
            "경남",
            "outlet home region 경남일보 → 경남",
        ),
        ("작은도서관 활성화", {"outlet_region": "전국"}, None, ""),
        ("작은도서관 활성화", {"outlet_region": "없는곳"}, None, ""),
        # nothing at all
        ("작은도서관에서 책 읽고 숲 모험", {}, None, ""),
        ("", {}, None, ""),
    ],
)
def test_tag_region_title(title, kwargs, region, evidence):
    result = tag_region(title, **kwargs)
    assert result.region == region, result
    if evidence:
        assert evidence in result.evidence, result
    else:
        assert result.evidence == ""


@pytest.mark.parametrize(
    ("title", "body", "kwargs", "region", "evidence"),
    [
        ("작은도서관 축제", "(수원=뉴스1) 홍길동 기자 = 시립도서관은…", {}, "경기", "(수원=뉴스1)"),
        ("작은도서관 축제", "【대전=뉴시스】 김기자 = 시는…", {}, "대전", "【대전=뉴시스】"),
        ("작은도서관 축제", "[전주=뉴시스]김기자 = 시는…", {}, "전북", "[전주=뉴시스]"),
        ("작은도서관 축제", "  (포항=연합뉴스) 기자 = …", {}, "경북", "(포항=연합뉴스)"),
        # a local dateline beats the outlet's region and the title's places
        ("작은도서관 축제", "(창원=뉴스1) …", {"outlet_region": "서울"}, "경남", "dateline"),
        # desk datelines (서울, 세종) give way to what the text says...
        ("작은도서관 축제", "[서울=뉴시스]기자 = 부산 해운대구는 …", {}, "부산", "(lead)"),
        ("부산 해운대구 작은도서관", "[서울=뉴시스]기자 = 구는 …", {}, "부산", "place"),
        ("작은도서관 지원", "(세종=연합뉴스) 문화체육관광부는 …", {}, NATIONAL, "national"),
        # ...but still beat the outlet's home region
        (
            "작은도서관 축제",
            "[서울=뉴시스]기자 = 구는 …",
            {"outlet_region": "경기"},
            "서울",
            "dateline",
        ),
        # a dateline that is not a place
        ("작은도서관 축제", "[OSEN=선미경 기자] 배우가…", {}, None, ""),
        # the lead decides when the title names no place
        ("작은도서관 축제", "고양시는 오는 10일 작은도서관 축제를 연다.", {}, "경기", "(lead)"),
        # the title beats the lead
        ("김해시 작은도서관", "부산 해운대구 관계자는 …", {}, "경남", "김해시"),
        # the lead resolves an ambiguous 구 in the title
        ("중구, 작은도서관 개관", "울산 중구는 …", {}, "울산", "중구"),
        ("고성군, 작은도서관", "고성군은 양양군과 함께 …", {}, "강원", "고성군"),
        # a place beyond the lead is ignored
        ("작은도서관 축제", "가" * 400 + " 부산 해운대구", {}, None, ""),
    ],
)
def test_tag_region_body(title, body, kwargs, region, evidence):
    result = tag_region(title, body, **kwargs)
    assert result.region == region, result
    if evidence:
        assert evidence in result.evidence, result
    else:
        assert result.evidence == ""


@pytest.mark.parametrize(
    "text",
    [
        "고양이 작은도서관 그림책",  # 고양 (경기 고양시)
        "동해안 작은도서관 여행",  # 동해 (강원 동해시)
        "남해안 섬마을 작은도서관",  # 남해 (경남 남해군)
        "고성능 컴퓨터 기증",  # 고성
        "영광스러운 수상 소식",  # 영광 (전남 영광군)
        "그 시절 영광의 얼굴",
        "광명을 찾은 작은도서관",  # 광명 (경기 광명시)
        "경기 침체 속 작은도서관",  # 경기
        "축구 경기장 옆 작은도서관",
        "세종대왕 탄신 기념 한글 강좌",  # 세종
        "세종도서 선정 목록",
        "세종문화회관 공연",
        "디지털 대전환 시대의 도서관",  # 대전
        "독서대전 개막 축하",  # 대전 inside a word
        "안성맞춤 독서 공간",  # 안성
        "예산 확보 어려운 작은도서관",  # 예산 (충남 예산군)
        "의미 부여 어려워",  # 부여
        "상당히 많은 이용자",  # 상당구
        "상주시키는 인력",  # 상주시
        "보여주시는 관심",  # 여주시
        "사기를 고양시키는 행사",  # 고양시
        "태양산업 협력",  # 양산
        "지방정부 협의회",  # 정부
        "수원지 보호구역",  # 수원
        "충남대표 도서관",  # 충남대 (대전) must not fire
        "중구난방 운영",  # 중구
        "전주 대비 대출 늘어",  # 전주 (전북 전주시) = the previous week
    ],
)
def test_substring_traps_give_no_region(text):
    assert tag_region(text) == RegionResult(None, "")


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("동해시, 작은도서관에 놀러와", "강원"),
        ("동해 작은도서관", "강원"),
        ("남해군 작은도서관", "경남"),
        ("영광군 작은도서관", "전남"),
        ("전남 영광 작은도서관", "전남"),
        ("광명도서관 작은도서관 학교", "경기"),
        ("태안 작은도서관", "충남"),
        ("경기 작은도서관 축제", "경기"),
        ("세종 범지기마을 작은도서관", "세종"),
        ("세종시, 작은도서관 지원", "세종"),
        ("대전에서 열린 작은도서관 세미나", "대전"),
        ("예산군 작은도서관", "충남"),
        ("충남 예산 작은도서관", "충남"),
        ("용인 수지도서관 다문화", "경기"),
    ],
)
def test_real_places_next_to_the_traps(text, region):
    assert tag_region(text).region == region


_PLACEISH = st.sampled_from(
    list(" ,.[]()=·-\"'0123456789LH")
    + list("서울부산대구인천광주대전울산세종경기강원충북남전제주시군구도고성중동서북")
    + ["광주시", "고성군", "중구", "전국", "정부", "(수원=뉴스1)", "[서울=뉴시스]", "도서관"]
)


@settings(max_examples=300, deadline=None)
@given(
    title=st.one_of(st.text(max_size=80), st.lists(_PLACEISH, max_size=30).map("".join)),
    body=st.one_of(st.text(max_size=200), st.lists(_PLACEISH, max_size=60).map("".join)),
    board_tag=st.one_of(st.none(), st.text(max_size=12)),
    outlet_region=st.one_of(st.none(), st.sampled_from([*REGIONS, NATIONAL, "", "x"])),
)
def test_tag_region_never_raises_and_stays_in_range(title, body, board_tag, outlet_region):
    result = tag_region(title, body, board_tag=board_tag, outlet_region=outlet_region)
    assert result.region is None or result.region in (*REGIONS, NATIONAL)
    assert (result.region is None) == (result.evidence == "")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(_PLACEISH, max_size=15).map("".join)))
def test_board_helpers_never_raise(text):
    tag = normalize_board_tag(text)
    assert tag is None or tag in (*REGIONS, NATIONAL)
    raw, rest = split_title_tag(text)
    assert raw is None or isinstance(raw, str)
    assert len(rest) <= len(text)


# --- measured on the board's own tags -----------------------------------------------------


def test_dev_set_precision_and_coverage():
    """A regression guard on real board rows (measured figures: benchmarks/measure_regions.py)."""
    if not DEV_DATA.exists():
        pytest.skip("shared/data/regions_dev.tsv is not available")
    with DEV_DATA.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    results = [(row, tag_region(row["title"])) for row in rows]
    tagged = [(row, result) for row, result in results if result.region is not None]
    right = sum(result.region == row["region"] for row, result in tagged)
    assert right / len(tagged) >= 0.97
    assert len(tagged) / len(rows) >= 0.70


# --- the command --------------------------------------------------------------------------


def _run(lines: list[str]):
    from clipper.commands.tag import command

    return CliRunner().invoke(command, input="\n".join(lines) + "\n")


def test_cli_tags_lines_in_order_and_keeps_keys():
    lines = [
        json.dumps({"title": "[충북]천안시, 작은도서관 축제", "outlet": "x", "url": "u1"}),
        json.dumps({"title": "고양시 작은도서관", "outlet": None, "body": "", "extra": 3}),
        json.dumps({"title": "작은도서관에서 책 읽기", "outlet": ""}),
        json.dumps({"title": "[칼럼] 도서관의 미래", "outlet": "x"}),
    ]
    result = _run(lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["title"] for row in out] == [json.loads(line)["title"] for line in lines]
    assert out[0]["url"] == "u1"
    assert out[0]["region"] == "충남"
    assert "overridden" in out[0]["region_evidence"]
    assert out[1]["extra"] == 3
    assert out[1]["region"] == "경기"
    assert out[1]["outlet_name"] is None
    assert out[2]["region"] is None
    assert out[2]["region_evidence"] == ""
    assert out[3]["region"] is None
    assert all({"region", "region_evidence", "outlet_name"} <= row.keys() for row in out)


def test_cli_board_tag_is_read_from_the_title():
    result = _run([json.dumps({"title": "[수원 영통구] 작은도서관 축제", "outlet": "x"})])
    row = json.loads(result.stdout)
    assert row["region"] == "경기"
    assert row["region_evidence"] == "board tag [수원 영통구]"


@pytest.mark.parametrize("bad", ["not json", "{broken", "[1, 2]", '"a string"'])
def test_cli_skips_bad_lines_with_line_number_and_exits_1(bad):
    good = json.dumps({"title": "고양시 작은도서관", "outlet": "x"})
    result = _run([good, bad, good])
    assert result.exit_code == 1
    assert "line 2" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 2
    assert all(row["region"] == "경기" for row in out)


def test_cli_blank_lines_are_not_errors():
    result = _run(["", json.dumps({"title": "고양시 작은도서관", "outlet": "x"}), "  "])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1


def test_cli_resolves_outlet_and_uses_its_home_region():
    outlets = pytest.importorskip("clipper.text.outlets")
    registry = outlets.default_registry()
    regional = next(
        (o for o in registry if o.home_region in REGIONS and registry.resolve(o.name) is not None),
        None,
    )
    if regional is None:
        pytest.skip("the outlet registry has no regional outlet")
    result = _run([json.dumps({"title": "작은도서관에서 책 읽기", "outlet": regional.name})])
    row = json.loads(result.stdout)
    assert row["outlet_name"] == regional.name
    assert row["region"] == regional.home_region
    assert row["region_evidence"].startswith(f"outlet home region {regional.name}")


def test_cli_is_registered():
    import click

    from clipper.cli import main

    assert main.get_command(click.Context(main), "tag").name == "tag"
