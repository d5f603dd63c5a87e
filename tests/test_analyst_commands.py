"""The analyst commands end to end through the CLI, on SQLite and PostgreSQL: search, export
(jsonl, csv with BOM, parquet), stats, report and browse."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from test_search import ARTICLES, item, seed

from clipper.analysis.query import EXPORT_FIELDS
from clipper.analysis.tables import display_width
from clipper.cli import main
from clipper.commands.browse import metadata_for
from clipper.store.articles import ArticleStore

REPO = Path(__file__).resolve().parents[1]
KST = ZoneInfo("Asia/Seoul")


@pytest.fixture
def seeded(engine, database_url):
    return database_url, seed(engine)


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


@pytest.mark.parametrize(
    ("args", "expected_urls"),
    [
        (["마을작은도서관"], [ARTICLES["suwon"][5]]),
        (["작은도서관", "--region", "서울"], [ARTICLES["seoul"][5]]),
        (["작은도서관", "--outlet", "부산일보"], [ARTICLES["busan"][5]]),
        (["작은도서관", "--since", "2025-03-02", "--until", "2025-03-02"],
         [ARTICLES["seoul"][5], ARTICLES["busan"][5]]),
        (["작은도서관", "--limit", "1"], [ARTICLES["suwon"][5]]),
        (['"AND" OR', "--region", "전국"], []),
        (["도서"], [ARTICLES[k][5] for k in ("suwon", "hostile", "seoul", "old", "undated", "busan")]),
    ],
)  # fmt: skip
def test_search_json(seeded, args, expected_urls):
    database_url, _ = seeded
    result = run("search", *args, "--json", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [h["url"] for h in hits] == expected_urls
    for hit in hits:
        assert set(hit) >= {"id", "url", "title", "published", "region", "outlet", "snippet"}
        if hit["published"]:
            assert hit["published"].endswith("+09:00")


def test_search_table_fits_the_terminal(seeded):
    database_url, _ = seeded
    result = run("search", "작은도서관", "--database-url", database_url, env={"COLUMNS": "72"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["날짜", "지역", "매체", "제목"]
    assert len(lines) == 2 + 6
    assert all(display_width(line) <= 72 for line in lines)
    assert lines[2].startswith("2025-03-03  경기  경기일보")
    assert "수원 마을작은도서관 개관식 열려" in lines[2]
    # The long hostile title is cut with an ellipsis, not wrapped.
    assert lines[3].endswith("…")
    assert "6 matches" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "empty"),
        (["x", "--since", "2025-13-01"], "YYYY-MM-DD"),
        (["x", "--limit", "0"], "0"),
    ],
)
def test_search_rejects_bad_input(database_url, args, message):
    result = run("search", *args, "--database-url", database_url)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("command", [["search", "작은도서관"], ["stats"], ["export"]])
def test_unknown_region_is_rejected_with_the_list(seeded, command):
    database_url, _ = seeded
    result = run(*command, "--region", "수원", "--database-url", database_url)
    assert result.exit_code == 2
    assert "unknown region '수원'" in result.stderr
    assert "서울, 부산, 대구" in result.stderr
    assert "전국, none" in result.stderr


def test_search_region_names_and_quoted_phrases(seeded):
    database_url, _ = seeded
    for region in ("서울특별시", "서울시", "서울"):
        result = run("search", "작은도서관", "--region", region, "--json",
                     "--database-url", database_url)  # fmt: skip
        assert [h["url"] for h in json.loads(result.stdout)] == [ARTICLES["seoul"][5]]
    result = run("search", '"지원 조례"', "--json", "--database-url", database_url)
    assert [h["url"] for h in json.loads(result.stdout)] == [ARTICLES["old"][5]]
    result = run("search", '""', "--database-url", database_url)
    assert result.exit_code == 2
    assert "empty" in result.stderr


def test_search_without_hits(seeded):
    database_url, _ = seeded
    result = run("search", "없는말입니다", "--database-url", database_url)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no matches" in result.stderr


# (filter options, expected article keys)
EXPORT_CASES = [
    ([], {"suwon", "seoul", "busan", "hostile", "undated", "old"}),
    (["--region", "경기"], {"suwon"}),
    (["--since", "2025-03-03"], {"suwon", "hostile"}),
    (["--until", "2025-03-01"], {"old"}),
]


def test_export_formats_with_filters(seeded, tmp_path, subtests):
    database_url, _ = seeded
    for fmt in ("jsonl", "csv", "xlsx", "parquet"):
        for i, (filters, expected) in enumerate(EXPORT_CASES):
            with subtests.test(fmt=fmt, filters=filters):
                check_export(database_url, tmp_path / f"out{i}.{fmt}", fmt, filters, expected)


def check_export(database_url, out, fmt, filters, expected):
    extra = ["--bom"] if fmt == "csv" else []
    result = run("export", "--format", fmt, "--out", out, *extra, *filters,
                 "--database-url", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"exported {len(expected)} articles" in result.stderr
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    elif fmt == "csv":
        raw = out.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    elif fmt == "xlsx":
        rows = read_xlsx(out)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(out)
        assert str(table.schema.field("published").type) == "timestamp[us, tz=Asia/Seoul]"
        rows = table.to_pylist()
    assert all(list(r) == list(EXPORT_FIELDS) for r in rows)
    by_url = {r["url"]: r for r in rows}
    assert set(by_url) == {ARTICLES[k][5] for k in expected}
    for key in expected:
        title, body, outlet, region, published, url = ARTICLES[key]
        row = by_url[url]
        assert (row["title"], row["body"], row["region"] or None, row["outlet"] or None) == (
            title, body, region, outlet,
        )  # fmt: skip
        got = row["published"]
        if fmt == "jsonl":
            got = datetime.fromisoformat(got) if got else None
        elif fmt == "csv":
            # Issue 17: a date-time Excel reads as one: KST wall time, no offset, no "T".
            assert not got or re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", got)
            got = datetime.fromisoformat(got).replace(tzinfo=KST) if got else None
        elif fmt == "xlsx":
            assert got is None or got.tzinfo is None  # a real date-time cell, KST wall time
            got = got.replace(tzinfo=KST) if got else None
        assert got == published


def read_xlsx(path):
    import openpyxl

    sheet = openpyxl.load_workbook(path).active
    header, *rows = sheet.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_export_parquet_needs_out_and_empty_exports_are_valid(seeded, tmp_path):
    database_url, _ = seeded
    result = run("export", "--format", "parquet", "--database-url", database_url)
    assert result.exit_code == 2
    assert "--out" in result.output
    out = tmp_path / "empty.parquet"
    result = run("export", "--format", "parquet", "--out", out, "--region", "세종",
                 "--database-url", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    import pyarrow.parquet as pq

    assert pq.read_table(out).num_rows == 0


def test_export_has_author_id_and_story_columns(engine, database_url, tmp_path):
    from test_report import add_story

    ids = seed(engine)
    ArticleStore(engine).write([item("seoul", author="홍길동 기자")])
    add_story(engine, 77, [ids["seoul"], ids["busan"]], canonical=ids["seoul"])
    for fmt in ("jsonl", "csv", "xlsx", "parquet"):
        out = tmp_path / f"a.{fmt}"
        result = run("export", "--format", fmt, "--out", out, "--database-url", database_url)
        assert result.exit_code == 0, result.output
        if fmt == "jsonl":
            rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        elif fmt == "csv":
            rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"), newline="")))
        elif fmt == "xlsx":
            rows = read_xlsx(out)
        else:
            import pyarrow.parquet as pq

            rows = pq.read_table(out).to_pylist()
        by_url = {r["url"]: r for r in rows}
        seoul, busan, old = (by_url[ARTICLES[k][5]] for k in ("seoul", "busan", "old"))
        assert seoul["author"] == "홍길동 기자"
        assert {str(seoul["id"]), str(busan["id"])} == {str(ids["seoul"]), str(ids["busan"])}
        assert str(seoul["story"]) == str(busan["story"]) == "77"
        assert old["story"] in (None, "")


def test_export_xlsx_keeps_formulas_as_text_and_needs_out(engine, database_url, tmp_path):
    store = ArticleStore(engine)
    titles = [*FORMULAS, "제어\x01문자\x0b"]
    store.write(
        [item("suwon", url=f"https://f.example.kr/{i}", title=t) for i, t in enumerate(titles)]
    )
    result = run("export", "--format", "xlsx", "--database-url", database_url)
    assert result.exit_code == 2
    assert "--out" in result.output
    out = tmp_path / "f.xlsx"
    result = run("export", "--format", "xlsx", "--out", out, "--database-url", database_url)
    assert result.exit_code == 0, result.output
    import openpyxl

    sheet = openpyxl.load_workbook(out).active
    cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)  # never a formula cell
    assert sorted(c.value for c in cells) == sorted([*FORMULAS, "제어문자"])
    published = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert all(c.is_date for c in published)


def test_export_csv_bom_on_stdout(seeded):
    database_url, _ = seeded
    result = run("export", "--format", "csv", "--bom", "--region", "경기",
                 "--database-url", database_url)  # fmt: skip
    assert result.exit_code == 0
    assert result.stdout.startswith("\ufeffurl,title,body,published,region,outlet,author,id,story")
    assert "수원 마을작은도서관 개관식 열려" in result.stdout


FORMULAS = ['=HYPERLINK("http://x.example")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_export_csv_neutralises_formulas(engine, database_url, tmp_path):
    # A hostile page's title must reach Excel as text, not as a formula (issue 13 item 7).
    store = ArticleStore(engine)
    store.write(
        [item("suwon", url=f"https://f.example.kr/{i}", title=t) for i, t in enumerate(FORMULAS)]
    )
    for flag, expected in (
        ((), ["'" + t for t in FORMULAS]),
        (("--no-neutralise-formulas",), FORMULAS),
    ):
        out = tmp_path / "f.csv"
        result = run(
            "export", "--format", "csv", "--out", out, *flag, "--database-url", database_url
        )
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
        assert sorted(r["title"] for r in rows) == sorted(expected)
        assert {r["url"] for r in rows} == {
            f"https://f.example.kr/{i}" for i in range(len(FORMULAS))
        }


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--by", "region"],
            {"region": {"서울": 1, "부산": 1, "경기": 1, "제주": 1, "전국": 1, None: 1}},
        ),
        (["--by", "month", "--region", "제주"], {"month": {"2025-01": 1}}),
        (
            ["--by", "outlet", "--since", "2025-03-03"],
            {"outlet": {"경기일보": 1, "전국<b>매체</b>": 1}},
        ),
        (["--since", "2026-01-01"], {"region": {}, "outlet": {}, "month": {}}),
        # Issue 17: region names as people write them, and the articles without a region.
        (["--by", "region", "--region", "제주특별자치도"], {"region": {"제주": 1}}),
        (["--by", "region", "--region", "경기도"], {"region": {"경기": 1}}),
        (["--by", "region", "--region", "none"], {"region": {None: 1}}),
    ],
)
def test_stats_json(seeded, args, expected):
    database_url, _ = seeded
    result = run("stats", *args, "--json", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {k: {r["key"]: r["n"] for r in rows} for k, rows in data.items()} == expected


def test_stats_tables(seeded):
    database_url, _ = seeded
    result = run("stats", "--database-url", database_url)
    assert result.exit_code == 0, result.output
    blocks = result.stdout.split("\n\n")
    assert [b.split()[0] for b in blocks] == ["지역", "매체", "월(KST)"]
    region_lines = blocks[0].splitlines()
    assert region_lines[2].split() == ["서울", "1"]
    assert region_lines[-2].split() == ["(미상)", "1"]
    assert region_lines[-1].split() == ["합계", "6"]


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_report_command(seeded, tmp_path, fmt):
    database_url, _ = seeded
    out = tmp_path / f"report.{fmt}"
    result = run("report", "--date", "2025-03-03", "--days", "2", "--format", fmt,
                 "--out", out, "--database-url", database_url)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "4 stories" in result.stderr
    page = out.read_text("utf-8")
    headings = ["서울", "부산", "경기", "전국"]
    if fmt == "html":
        found = [page.index(f'<section class="region" data-region="{r}">') for r in headings]
        assert "<script" not in page
    else:
        found = [page.index(f"\n## {r} (1)") for r in headings]
    assert found == sorted(found)
    assert "2025-03-02 ~ 2025-03-03" in page
    assert "주민 북카페 새단장" in page
    assert "작은도서관 지원 조례 제정" not in page


def test_report_to_stdout_and_bad_date(seeded):
    database_url, _ = seeded
    result = run("report", "--date", "2025-03-02", "--format", "md", "--database-url", database_url)
    assert result.exit_code == 0
    assert result.stdout.startswith("# 뉴스 클리핑 2025-03-02 (KST)")
    result = run("report", "--date", "3/2", "--database-url", database_url)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_browse(seeded):
    database_url, _ = seeded
    if not database_url.startswith("sqlite"):
        result = run("browse", "--database-url", database_url)
        assert result.exit_code == 1
        assert "Datasette serves SQLite files only" in result.output
        return
    pytest.importorskip("datasette")
    path = "/clipper/clippings.json?_shape=objects&_facet=region&region=경기"
    result = subprocess.run(
        [sys.executable, "-m", "clipper", "browse", "--get", path, "--database-url", database_url],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    data = json.loads(result.stdout)
    assert [r["url"] for r in data["rows"]] == [ARTICLES["suwon"][5]]
    assert data["rows"][0]["published_day"] == "2025-03-03"
    assert "region" in data["facet_results"]


def test_browse_csv_downloads_start_with_a_bom(seeded):
    # Issue 17: Excel garbled the Korean of Datasette's CSV downloads (no BOM).
    database_url, _ = seeded
    if not database_url.startswith("sqlite"):
        pytest.skip("Datasette serves SQLite only")
    pytest.importorskip("datasette")
    for path, bom in (
        ("/clipper/clippings.csv?_dl=1&region=경기", True),
        ("/clipper/clippings.csv?region=경기", True),
        ("/clipper/clippings.json?_shape=objects&region=경기", False),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "clipper", "browse", "--get", path,
             "--database-url", database_url],
            capture_output=True, text=True, timeout=120, cwd=REPO,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        assert result.stdout.startswith("\ufeff") is bom
        if bom:
            assert "수원 마을작은도서관 개관식 열려" in result.stdout
            assert result.stdout.count("\ufeff") == 1
        else:
            assert json.loads(result.stdout)["rows"][0]["url"] == ARTICLES["suwon"][5]


def test_metadata_follows_the_database_file_name():
    metadata = metadata_for(Path("/somewhere/my-news.sqlite"))
    assert list(metadata["databases"]) == ["my-news"]
    tables = metadata["databases"]["my-news"]["tables"]
    assert {"region", "outlet"} <= {f for f in tables["clippings"]["facets"] if isinstance(f, str)}
