"""Hostile input to the JSON Lines filters (issue 13, item 9): one bad line of stdin costs
that line only. ``clipper tag`` and ``clipper cluster`` (in a subprocess, on real stdin bytes)
report each bad line with its number, process every other line and exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.hostile

REPO = Path(__file__).resolve().parents[2]
GOOD = {
    "title": "고양시 작은도서관 개관",
    "outlet": "x",
    "body": "고양시 작은도서관이 문을 열었다.",
}

# Each raised out of the reader before (a traceback, every later line lost) or was written
# as a line no JSON reader takes back (NaN, Infinity).
BAD_LINES = {
    "not UTF-8": b'{"title": "\xff\xfe"}',
    "nested too deeply": b"[" * 100_000 + b"]" * 100_000,
    "5,000-digit number": b'{"title": ' + b"1" * 5000 + b"}",
    "NaN": b'{"title": NaN}',
    "out-of-range number": b'{"title": 1e999999}',
    "broken JSON": b'{"title": ',
    "an array": b"[1, 2]",
}


def run(command: str, lines: list[bytes]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "clipper", command],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        cwd=REPO,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        timeout=120,
    )


def good(n: int) -> bytes:
    return json.dumps({**GOOD, "id": n}, ensure_ascii=False).encode()


def mixed() -> tuple[list[bytes], dict[int, str]]:
    """Good lines with every bad line between them; the bad lines' numbers."""
    lines, bad = [good(0)], {}
    for n, (name, line) in enumerate(BAD_LINES.items(), start=1):
        lines.append(line)
        bad[len(lines)] = name
        lines.append(good(n))
    return lines, bad


@pytest.mark.parametrize("command", ["tag", "cluster"])
def test_each_bad_line_is_an_error_and_the_rest_is_processed(command):
    lines, bad = mixed()
    result = run(command, lines)
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    assert result.returncode == 1, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: line ")]
    assert [int(line.split()[2].rstrip(":")) for line in errors] == sorted(bad), stderr
    assert f"error: {len(bad)} bad line(s) skipped" in stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [row["id"] for row in out] == list(range(len(BAD_LINES) + 1))
    if command == "tag":
        assert all(row["region"] == "경기" for row in out)
    else:
        assert len({row["story"] for row in out}) == 1  # the same story, every copy kept


@pytest.mark.parametrize("command", ["tag", "cluster"])
def test_a_lone_surrogate_is_no_bad_line(command):
    # "\ud800" is valid JSON, but no UTF-8 can carry it: tag writes the line with ASCII
    # escapes (as it came), cluster stores the text without it.
    odd = (
        b'{"id": 1, "title": "\\ud800 \xea\xb3\xa0\xec\x96\x91\xec\x8b\x9c", "body": "nul\\u0000"}'
    )
    result = run(command, [good(0), odd, good(2)])
    assert result.returncode == 0, result.stderr.decode()
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [row["id"] for row in out] == [0, 1, 2]
    if command == "tag":
        assert out[1]["title"] == "\ud800 고양시"
        assert out[1]["region"] == "경기"


def test_clean_input_still_exits_zero():
    result = run("tag", [good(0), b"", good(1)])
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 2
