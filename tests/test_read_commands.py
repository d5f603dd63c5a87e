"""Read commands (search, stats, export, report) on a database that is not there, and at the
extremes of their input (issue 17, issue 13 item 9): one line on stderr and a non-zero exit
code, or a correct answer; never a traceback, never a new empty database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_search import ARTICLES, seed

from clipper.cli import main

READ_COMMANDS = [
    ["search", "작은도서관"],
    ["stats"],
    ["export", "--format", "csv"],
    ["report", "--date", "2025-03-03"],
    ["runs"],
    ["browse", "--port", "1"],  # refused before Datasette would start
]


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def _one_line_error(result):
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_do_not_create_the_default_database(args, tmp_path, monkeypatch):
    # From a directory without data/clipper.sqlite: today every one of these made the file
    # (and data/) and answered "no matches" or 0 with exit 0.
    monkeypatch.chdir(tmp_path)
    result = run(*args, env={"CLIPPER_DATABASE_URL": None})
    line = _one_line_error(result)
    assert "no database at" in line
    assert str(tmp_path / "data" / "clipper.sqlite") in line
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: a[0])
def test_read_commands_do_not_create_a_named_sqlite_file(args, tmp_path):
    target = tmp_path / "missing" / "dir" / "clipper.sqlite"
    result = run(*args, "--database-url", f"sqlite:///{target}")
    assert "no database at" in _one_line_error(result)
    assert not (tmp_path / "missing").exists()


def test_a_missing_postgresql_database_is_one_line(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    base = database_url.split("?")[0].rsplit("/", 1)[0]
    result = run("stats", "--database-url", f"{base}/clipper_no_such_database")
    line = _one_line_error(result)
    assert "clipper_no_such_database" in line


def test_the_subprocess_prints_no_traceback_and_creates_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CLIPPER_DATABASE_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "clipper", "search", "작은도서관"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_crawl_side_commands_still_create_it(tmp_path):
    # db upgrade is one of the commands that may create the database.
    target = tmp_path / "new" / "clipper.sqlite"
    result = run("db", "upgrade", "--database-url", f"sqlite:///{target}")
    assert result.exit_code == 0, result.output
    assert target.is_file()
    assert run("stats", "--json", "--database-url", f"sqlite:///{target}").exit_code == 0


def test_path_is_reported_for_relative_urls(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("stats", "--database-url", "sqlite:///rel/x.sqlite")
    assert str(Path(tmp_path, "rel", "x.sqlite")) in _one_line_error(result)


# -- extremes (issue 13 item 9) ------------------------------------------------------------


@pytest.fixture
def seeded(engine, database_url):
    seed(engine)
    return database_url


def test_a_thousand_search_words_is_one_line(seeded):
    words = [f"단어{i}" for i in range(1000)]
    for args in ([" ".join(words)], words):
        result = run("search", *args, "--database-url", seeded)
        assert result.exit_code == 2
        assert "1000 search words; at most 100" in result.stderr
        assert "Traceback" not in result.output
    # At the limit the query runs (SQLite's expression depth and PostgreSQL alike).
    result = run("search", *words[:99], "작은도서관", "--json", "--database-url", seeded)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


def test_words_may_be_separate_arguments(seeded):
    one = run("search", "작은도서관 개관식", "--json", "--database-url", seeded)
    two = run("search", "작은도서관", "개관식", "--json", "--database-url", seeded)
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout
    assert [h["url"] for h in json.loads(one.stdout)] == [ARTICLES["suwon"][5]]


DATED = {k for k, v in ARTICLES.items() if v[4] is not None}


@pytest.mark.parametrize(
    "bounds",
    [
        ["--since", "0001-01-01"],
        ["--until", "9999-12-31"],
        ["--since", "0001-01-01", "--until", "9999-12-31"],
        ["--since", "0001-01-02", "--until", "9999-12-30"],
    ],
)
def test_year_1_and_9999_are_bounds_that_exclude_nothing(seeded, bounds):
    result = run("export", *bounds, "--database-url", seeded)
    assert result.exit_code == 0, result.output
    urls = {json.loads(line)["url"] for line in result.stdout.splitlines()}
    assert urls == {ARTICLES[k][5] for k in DATED}
    result = run("search", "작은도서관", *bounds, "--json", "--database-url", seeded)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == len([k for k in DATED if k != "busan"]) + 1
    result = run("stats", "--by", "month", "--json", *bounds, "--database-url", seeded)
    assert result.exit_code == 0, result.output
    assert sum(r["n"] for r in json.loads(result.stdout)["month"]) == len(DATED)


def test_year_9999_and_year_1_give_an_empty_report(seeded):
    for args in (["--date", "9999-12-31"], ["--date", "0001-01-01", "--days", "366"]):
        result = run("report", *args, "--format", "md", "--database-url", seeded)
        assert result.exit_code == 0, result.output
        assert "이 기간에 수집된 기사가 없습니다." in result.stdout
    result = run("search", "x", "--since", "10000-01-01", "--database-url", seeded)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


@needs_dev_full
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "xlsx", "parquet"])
def test_export_out_dev_full_is_one_line(seeded, fmt):
    result = run("export", "--format", fmt, "--out", "/dev/full", "--database-url", seeded)
    line = _one_line_error(result)
    assert line == "Error: cannot write /dev/full: No space left on device"


@needs_dev_full
def test_report_out_dev_full_is_one_line(seeded):
    result = run("report", "--date", "2025-03-03", "--out", "/dev/full", "--database-url", seeded)
    line = _one_line_error(result)
    assert line == "Error: cannot write /dev/full: No space left on device"


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ["search", "작은도서관"],
        ["search", "작은도서관", "--json"],
        ["stats"],
        ["export", "--format", "csv"],
        ["export"],
        ["report", "--date", "2025-03-03"],
    ],
    ids=" ".join,
)
def test_stdout_to_dev_full_is_one_line(seeded, args):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "clipper", *args, "--database-url", seeded],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: cannot write the output: No space left on device"
    ]


def test_a_failed_export_leaves_the_old_file(seeded, tmp_path, monkeypatch):
    from clipper.commands import export

    out = tmp_path / "exports" / "old.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"yesterday's export")
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 3)
    result = run("export", "--format", "xlsx", "--out", out, "--database-url", seeded)
    assert "a sheet holds at most 2 articles" in _one_line_error(result)
    assert out.read_bytes() == b"yesterday's export"
    assert sorted(p.name for p in out.parent.iterdir()) == ["old.xlsx"]
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 1_048_576)
    result = run("export", "--format", "xlsx", "--out", out, "--database-url", seeded)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"PK")  # a zip: the real workbook replaced it
    assert sorted(p.name for p in out.parent.iterdir()) == ["old.xlsx"]


def test_a_limit_past_64_bits_is_a_usage_error(seeded):
    result = run("search", "작은도서관", "--limit", 2**64, "--database-url", seeded)
    assert result.exit_code == 2
    assert "--limit" in result.stderr
    result = run("search", "작은도서관", "--limit", 2**63 - 1, "--json", "--database-url", seeded)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 6  # every seeded article
