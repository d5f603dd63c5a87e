"""clipper.text.dates: every date form the sources print, the traps, and the parse-date command."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.commands.parse_date import command
from clipper.text.dates import KST, MAX_INPUT_CHARS, parse_date, parse_date_fast, strip_labels

# Early January exercises the December→January rollover of yearless dates.
NEW_YEAR = datetime(2026, 1, 2, 9, 0, tzinfo=KST)
MID_YEAR = datetime(2025, 7, 15, 14, 30, 15, tzinfo=KST)


def kst(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=KST)


# (raw, expected) read with now=MID_YEAR; all absolute forms, so the anchor must not matter.
ABSOLUTE = [
    # ISO 8601: colon or not in the offset, milliseconds, no seconds, Z, other offsets.
    ("2017-12-18T17:30:45+09:00", kst(2017, 12, 18, 17, 30, 45)),
    ("2025-05-15T20:00:52.000+0900", kst(2025, 5, 15, 20, 0, 52)),
    ("2025-05-15T20:00:52.123456+09:00", kst(2025, 5, 15, 20, 0, 52, 123456)),
    ("2019-01-07T16:47+09:00", kst(2019, 1, 7, 16, 47)),
    ("2024-05-30T02:40:08Z", kst(2024, 5, 30, 11, 40, 8)),
    ("2024-05-29T22:40:08-04:00", kst(2024, 5, 30, 11, 40, 8)),
    ("2024-05-30 11:40:08", kst(2024, 5, 30, 11, 40, 8)),
    ("2017-12-18", kst(2017, 12, 18)),
    # Dotted, with trailing and spaced dots.
    ("2019.02.01 06:30", kst(2019, 2, 1, 6, 30)),
    ("2018. 02. 01. 09:28", kst(2018, 2, 1, 9, 28)),
    ("2023. 11. 1. 08:46", kst(2023, 11, 1, 8, 46)),
    ("2026.03.19", kst(2026, 3, 19)),
    ("2026.05.24.", kst(2026, 5, 24)),
    ("2019/01/16 13:59", kst(2019, 1, 16, 13, 59)),
    ("2024.05.30(목) 11:40", kst(2024, 5, 30, 11, 40)),
    # 오전/오후 with unpadded hour; 오전 12 is midnight, 오후 12 is noon.
    ("2017.04.20. 오후 3:53", kst(2017, 4, 20, 15, 53)),
    ("2017.05.12. 오후 02:09", kst(2017, 5, 12, 14, 9)),
    ("2024.01.01. 오전 12:30", kst(2024, 1, 1, 0, 30)),
    ("2024.01.01. 오후 12:30", kst(2024, 1, 1, 12, 30)),
    ("2024.01.01. 오전 9:05", kst(2024, 1, 1, 9, 5)),
    ("2024-01-01 11:05 PM", kst(2024, 1, 1, 23, 5)),
    ("2024.05.30 Pm 3:05", kst(2024, 5, 30, 15, 5)),
    ("2024년 5월 30일 (목) 오전 11:40", kst(2024, 5, 30, 11, 40)),
    # Labels, alone and with a colon.
    ("입력 2024.05.30. 오전 11:40", kst(2024, 5, 30, 11, 40)),
    ("기사입력 2017.04.20. 오후 3:53", kst(2017, 4, 20, 15, 53)),
    ("승인 2017.12.18 17:34", kst(2017, 12, 18, 17, 34)),
    ("입력 : 2025-06-04 02:37:08", kst(2025, 6, 4, 2, 37, 8)),
    ("기사승인 2018. 02. 01. 09:28", kst(2018, 2, 1, 9, 28)),
    ("송고 2024.05.30 11:40", kst(2024, 5, 30, 11, 40)),
    ("등록 2024-05-30 11:40", kst(2024, 5, 30, 11, 40)),
    ("등록일 2024-05-30", kst(2024, 5, 30)),
    ("보도일 : 2015.10.05", kst(2015, 10, 5)),
    ("보도일 :2015.10.05", kst(2015, 10, 5)),
    ("업데이트 2024.05.30 13:00", kst(2024, 5, 30, 13)),
    ("[입력 2024.05.30 11:40]", kst(2024, 5, 30, 11, 40)),
    # Several times: the first publication-type one wins, a lone 수정 is used.
    ("입력 2024.05.30. 오전 11:40 수정 2024.05.30. 오후 1:02", kst(2024, 5, 30, 11, 40)),
    ("수정 2024.05.30. 오후 1:02 입력 2024.05.29. 오전 10:00", kst(2024, 5, 29, 10)),
    ("최종수정 2024.05.31 08:00 | 기사입력 2024.05.30 07:00", kst(2024, 5, 30, 7)),
    ("입력 2022.09.26 08:33 승인 2022.09.26 09:00", kst(2022, 9, 26, 8, 33)),
    ("수정 2024.05.30. 오후 1:02", kst(2024, 5, 30, 13, 2)),
    ("최종수정 2024.05.30 13:02", kst(2024, 5, 30, 13, 2)),
    # RFC 822, in GMT and +0900 (with or without the space).
    ("Sat, 31 Dec 2005 13:47:03+0900", kst(2005, 12, 31, 13, 47, 3)),
    ("Sat, 31 Dec 2005 13:47:03 +0900", kst(2005, 12, 31, 13, 47, 3)),
    ("Sun, 27 Sep 2026 02:32:00 GMT", kst(2026, 9, 27, 11, 32)),
    ("Thu, 30 May 2024 23:10:00 GMT", kst(2024, 5, 31, 8, 10)),
    # Compact (Daum ids), Korean 년월일.
    ("20170512140936", kst(2017, 5, 12, 14, 9, 36)),
    ("20170512", kst(2017, 5, 12)),
    ("2015년 10월 5일", kst(2015, 10, 5)),
    ("2015년 10월 5일 오후 3시 20분", kst(2015, 10, 5, 15, 20)),
    ("2015년 10월 5일 15:20", kst(2015, 10, 5, 15, 20)),
    # Full-width digits and noise around the date.
    ("２０２４．０５．３０　１１：４０", kst(2024, 5, 30, 11, 40)),
    ("A19면 1단 2025.05.24.", kst(2025, 5, 24)),
    # A time range is not a UTC-5 offset.
    ("2024-05-30 11:40-12:00", kst(2024, 5, 30, 11, 40)),
]


@pytest.mark.parametrize(("raw", "expected"), ABSOLUTE)
def test_absolute_forms(raw: str, expected: datetime) -> None:
    result = parse_date(raw, MID_YEAR)
    assert result == expected
    # Same instant and KST wall time: the offset printed must be +09:00.
    assert result.utcoffset() == timedelta(hours=9)
    assert parse_date(raw, NEW_YEAR) == expected


@pytest.mark.parametrize(("raw", "expected"), ABSOLUTE)
def test_fast_path_takes_the_numeric_forms(raw: str, expected: datetime) -> None:
    assert parse_date_fast(raw, MID_YEAR) == expected


# (raw, now, expected) for the forms that need an anchor.
RELATIVE = [
    # Yearless: same year, unless that puts it more than a day after now.
    ("12-01 23:26", NEW_YEAR, kst(2025, 12, 1, 23, 26)),
    ("12-31 23:50", NEW_YEAR, kst(2025, 12, 31, 23, 50)),
    ("01-02 08:59", NEW_YEAR, kst(2026, 1, 2, 8, 59)),
    ("01-03 08:00", NEW_YEAR, kst(2026, 1, 3, 8)),  # clock skew of a day is tolerated
    ("01-05 08:00", NEW_YEAR, kst(2025, 1, 5, 8)),
    ("03-05 14:22", MID_YEAR, kst(2025, 3, 5, 14, 22)),
    ("12-01 23:26", MID_YEAR, kst(2024, 12, 1, 23, 26)),
    ("02-29 10:00", MID_YEAR, kst(2024, 2, 29, 10)),  # 2025 is no leap year
    ("10월 5일", MID_YEAR, kst(2024, 10, 5)),
    ("7월 15일 오후 2시", MID_YEAR, kst(2025, 7, 15, 14)),
    # Elapsed time.
    ("3시간 전", NEW_YEAR, NEW_YEAR - timedelta(hours=3)),
    ("5분 전", MID_YEAR, MID_YEAR - timedelta(minutes=5)),
    ("10분전", MID_YEAR, MID_YEAR - timedelta(minutes=10)),
    ("2일 전", NEW_YEAR, NEW_YEAR - timedelta(days=2)),
    ("1주 전", MID_YEAR, MID_YEAR - timedelta(weeks=1)),
    ("30초 전", MID_YEAR, MID_YEAR - timedelta(seconds=30)),
    ("방금 전", MID_YEAR, MID_YEAR),
    ("2 hours ago", MID_YEAR, MID_YEAR - timedelta(hours=2)),
    # Calendar days: midnight KST, or the time given.
    ("어제", NEW_YEAR, kst(2026, 1, 1)),
    ("그저께", NEW_YEAR, kst(2025, 12, 31)),
    ("그제", MID_YEAR, kst(2025, 7, 13)),
    ("오늘", MID_YEAR, kst(2025, 7, 15)),
    ("어제 오후 3:20", MID_YEAR, kst(2025, 7, 14, 15, 20)),
    ("yesterday", NEW_YEAR, kst(2026, 1, 1)),
    # A bare time is today, or yesterday when that is more than an hour ahead of now.
    ("08:30", NEW_YEAR, kst(2026, 1, 2, 8, 30)),
    ("09:59", NEW_YEAR, kst(2026, 1, 2, 9, 59)),
    ("10:01", NEW_YEAR, kst(2026, 1, 1, 10, 1)),
    ("오후 3:53", NEW_YEAR, kst(2026, 1, 1, 15, 53)),
    ("오전 12:10", NEW_YEAR, kst(2026, 1, 2, 0, 10)),
    # A now in another zone is the same instant: 2026-01-01T23:30Z is 08:30 on 2 Jan in KST.
    ("어제", datetime(2026, 1, 1, 23, 30, tzinfo=UTC), kst(2026, 1, 1)),
]


@pytest.mark.parametrize(("raw", "now", "expected"), RELATIVE)
def test_anchored_forms(raw: str, now: datetime, expected: datetime) -> None:
    assert parse_date(raw, now) == expected
    assert parse_date_fast(raw, now) == expected


def test_naive_now_is_kst_wall_time() -> None:
    assert parse_date("3시간 전", datetime(2026, 1, 2, 9, 0)) == kst(2026, 1, 2, 6)


def test_default_now_is_the_current_time() -> None:
    before = datetime.now(KST)
    result = parse_date("방금 전")
    assert before <= result <= datetime.now(KST)
    assert result.utcoffset() == timedelta(hours=9)


# Forms only dateparser reads: month names and other words.
FALLBACK = [
    ("May 30, 2024", kst(2024, 5, 30)),
    ("Thursday, May 30, 2024 11:40 AM", kst(2024, 5, 30, 11, 40)),
    ("30 May 2024", kst(2024, 5, 30)),
    ("Published: June 4, 2025 2:37 PM", kst(2025, 6, 4, 14, 37)),
]


@pytest.mark.parametrize(("raw", "expected"), FALLBACK)
def test_dateparser_fallback(raw: str, expected: datetime) -> None:
    assert parse_date_fast(raw, MID_YEAR) is None
    assert parse_date(raw, MID_YEAR) == expected


UNPARSEABLE = [
    "",
    "   ",
    "hello",
    "A19면 1단",
    "B2면 톱",
    "2026.13.45",  # month 13
    "2026.02.30",  # no 30 February
    "2025.02.29",  # 2025 is no leap year
    "2024.05.30 25:10",  # hour 25
    "2024.05.30 오전 13:10",  # a morning hour after 12
    "2024-05-30T11:40:00+15:00",  # no such offset
    "1985.05.30",  # before Korean online news
    "2099.05.30",  # years after now
    "20171340",  # compact with month 13
    "123456789",
    "05.06.2024",  # day-month or month-day: ambiguous, refuse
    "24.05.30",  # two-digit year
    "2015년 10월",  # no day: dateparser would invent one
    "지난주",  # a week, not a day
    "12",
    "13-01 10:00",  # yearless month 13
    "입력",
    "입력 : ",
    "입력 2026.13.45 수정 2024.05.30 13:00",  # a broken publication time poisons the rest
]


@pytest.mark.parametrize("raw", UNPARSEABLE)
def test_unparseable_is_none(raw: str) -> None:
    assert parse_date(raw, MID_YEAR) is None


def test_none_and_non_strings_are_none() -> None:
    assert parse_date(None, MID_YEAR) is None
    assert parse_date(20240530, MID_YEAR) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024.05.30 11:40 " + "가" * 1_000_000, kst(2024, 5, 30, 11, 40)),
        ("가" * 1_000_000 + " 2024.05.30 11:40", None),  # beyond the cap
        ("9" * 1_000_000, None),
        ("입력 " * 200_000, None),
    ],
)
def test_huge_strings_are_capped(raw: str, expected: datetime | None) -> None:
    assert len(raw) > MAX_INPUT_CHARS
    assert parse_date(raw, MID_YEAR) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("입력 2024.05.30. 오전 11:40", "2024.05.30. 오전 11:40"),
        ("기사입력 : 2024.05.30 수정 2024.05.31", "2024.05.30 2024.05.31"),
        ("보도일 :2015.10.05", "2015.10.05"),
        ("A19면 1단 2026.05.24.", "2026.05.24."),
        ("2024-05-30", "2024-05-30"),
    ],
)
def test_strip_labels(raw: str, expected: str) -> None:
    assert strip_labels(raw) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_arbitrary_text_never_raises(raw: str) -> None:
    for now in (NEW_YEAR, MID_YEAR):
        result = parse_date(raw, now)
        assert result is None or result.utcoffset() == timedelta(hours=9)
        assert result is None or result.year <= now.year + 1


# Text built from date-ish pieces reaches deeper into the regexes than random text.
_PIECES = st.sampled_from(
    ["2024", "2026", "12", "1", "31", "99", ".", "-", "/", ":", " ", "T", "+09:00", "-0500",
     "오전", "오후", "시", "분", "년", "월", "일", "전", "입력", "수정", "어제", "GMT", "Dec",
     "Sat,", "면", "단", "Z"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_date_like_text_never_raises(raw: str) -> None:
    result = parse_date(raw, NEW_YEAR)
    assert result is None or (result.tzinfo is not None and 1990 <= result.year <= 2027)


@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2026, 12, 31)),
    st.sampled_from([0, 9, -5, 5.5]),
)
def test_iso_round_trip(moment: datetime, offset_hours: float) -> None:
    tz = timezone(timedelta(hours=offset_hours))
    aware = moment.replace(tzinfo=tz)
    result = parse_date(aware.isoformat(), NEW_YEAR)
    if aware.astimezone(KST).year > NEW_YEAR.year + 1 or aware.astimezone(KST).year < 1990:
        assert result is None
    else:
        assert result == aware
        assert result.utcoffset() == timedelta(hours=9)


# --- the parse-date command ----------------------------------------------------------------


def test_cli_argument() -> None:
    result = CliRunner().invoke(command, ["입력 2024.05.30. 오전 11:40"])
    assert result.exit_code == 0
    assert result.stdout == "2024-05-30T11:40:00+09:00\n"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--now", "2026-01-02T09:00+09:00", "12-01 23:26"], "2025-12-01T23:26:00+09:00\n"),
        (["--now", "2025-07-15T14:30:00", "12-01 23:26"], "2024-12-01T23:26:00+09:00\n"),
        (["--now", "2026-01-02T00:00:00Z", "3시간 전"], "2026-01-02T06:00:00+09:00\n"),
        (["A19면 1단"], "\n"),
    ],
)
def test_cli_now_option(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(command, args)
    assert result.exit_code == 0
    assert result.stdout == expected


def test_cli_stdin_lines_with_tabs() -> None:
    lines = [
        "입력 2024.05.30. 오전 11:40",
        "12-01 23:26\t2026-01-02T09:00+09:00",  # per-line now overrides --now
        "12-01 23:26",
        "A19면 1단",
        "",
        "3시간 전\tnot-a-time",
        "Sun, 27 Sep 2026 02:32:00 GMT\t",
    ]
    result = CliRunner().invoke(
        command, ["--now", "2025-06-01T12:00+09:00"], input="\n".join(lines) + "\n"
    )
    assert result.exit_code == 0
    assert result.stdout.split("\n") == [
        "2024-05-30T11:40:00+09:00",
        "2025-12-01T23:26:00+09:00",
        "2024-12-01T23:26:00+09:00",
        "",
        "",
        "",
        "2026-09-27T11:32:00+09:00",
        "",
    ]
    assert "line 6: bad now" in result.stderr


@pytest.mark.parametrize("bad", ["nope", "2026-13-01", "yesterday", ""])
def test_cli_bad_now_is_a_usage_error(bad: str) -> None:
    result = CliRunner().invoke(command, ["--now", bad, "2024.05.30"])
    assert result.exit_code == 2
    assert "Invalid value for '--now'" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_command_is_registered() -> None:
    # Read the list rather than import clipper.cli, which imports every other command.
    source = (Path(__file__).resolve().parents[1] / "clipper" / "cli.py").read_text("utf-8")
    tree = ast.parse(source)
    modules = next(
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", None) == "COMMAND_MODULES" for t in node.targets)
    )
    assert "parse_date" in modules
    assert command.name == "parse-date"
