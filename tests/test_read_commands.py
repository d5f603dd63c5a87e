"""Read commands (search, stats, export, report) on a database that is not there, and at the
extremes of their input (issue 17, issue 13 item 9): one line on stderr and a non-zero exit
code, or a correct answer; never a traceback, never a new empty database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from clipper.cli import main

READ_COMMANDS = [
    ["search", "작은도서관"],
    ["stats"],
    ["export", "--format", "csv"],
    ["report", "--date", "2025-03-03"],
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
