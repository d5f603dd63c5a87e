"""The shipped deploy files, run as far as this machine allows.

The crontab's job line runs with ``sh -c`` the way cron runs it (its variables in the
environment, the paths moved to a temporary directory), against the mirror: cron mails
whatever the job prints, so a healthy night must print nothing and a failed one a line. The
systemd units pass ``systemd-analyze verify``, and the service's command runs with its
``Environment=``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
DATED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00 \S+: .*, \d+\.\ds$")
# Test-only settings put after `nightly`: the mirror's board, no politeness delays.
FAST = "-s DOWNLOAD_DELAY=0 -s AUTOTHROTTLE_ENABLED=False -s CLIPPER_PROGRESS=off"


def crontab() -> tuple[dict[str, str], str, str]:
    """The crontab's variables, its one job's schedule and its command."""
    variables: dict[str, str] = {}
    jobs = []
    for line in (DEPLOY / "crontab").read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if match := re.fullmatch(r"([A-Z_]+)=(.*)", line):
            variables[match[1]] = match[2]
        else:
            jobs.append(line.split(None, 5))
    (job,) = jobs
    return variables, " ".join(job[:5]), job[5]


def install(tmp_path: Path) -> tuple[Path, Path]:
    """A stand-in for /srv/clipper (its .venv/bin/clipper runs this checkout) and for
    /var/log/clipper."""
    srv = tmp_path / "srv"
    (srv / ".venv" / "bin").mkdir(parents=True)
    shim = srv / ".venv" / "bin" / "clipper"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m clipper "$@"\n')
    shim.chmod(0o755)
    logs = tmp_path / "log"
    logs.mkdir()
    return srv, logs


def run_job(command: str, variables: dict[str, str], board_url: str, database_url: str):
    """The job as cron runs it: ``sh -c`` in a bare environment plus the crontab's variables;
    what it prints is what cron would mail."""
    command = command.replace(
        "clipper nightly", f"clipper nightly -s CLIPPER_SMALLLIBRARY_BASE_URL={board_url} {FAST}"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/"),
        **variables,
        "CLIPPER_DATABASE_URL": database_url,
        "CLIPPER_NIGHTLY_SPIDERS": "smalllibrary",
    }
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=env, timeout=300
    )


def test_the_cron_job_mails_only_failures_and_logs_dated_lines(mirror, database_url, tmp_path):
    variables, schedule, command = crontab()
    assert schedule == "30 2 * * *"
    assert variables["CRON_TZ"] == "Asia/Seoul"
    assert variables["MAILTO"]
    assert variables["CLIPPER_CONTACT"]
    assert "CLIPPER_DATABASE_URL" in variables
    assert "/var/log/clipper/nightly.log" in command
    srv, logs = install(tmp_path)
    command = command.replace("/srv/clipper", str(srv)).replace("/var/log/clipper", str(logs))

    healthy = run_job(command, variables, mirror.board_url, database_url)
    assert healthy.returncode == 0
    assert healthy.stdout + healthy.stderr == ""  # a healthy night: no mail
    lines = (logs / "nightly.log").read_text().splitlines()
    assert len(lines) == 2
    assert all(DATED.match(line) for line in lines), lines
    assert " smalllibrary: ok: " in lines[0]
    assert (logs / "crawl.log").exists()  # Scrapy's log, not mailed

    # The board is gone (nothing listens there): the night fails, and cron has a line to mail.
    broken = run_job(command, variables, "http://127.0.0.1:9/smalllibrary", database_url)
    assert broken.returncode == 1
    assert broken.stdout == ""
    assert broken.stderr == (
        "clipper nightly: 0 of 1 spiders healthy; failed: smalllibrary (see `clipper runs`)\n"
    )
    lines = (logs / "nightly.log").read_text().splitlines()
    assert len(lines) == 4
    assert "smalllibrary: failed (" in lines[2]


def unit(name: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit file (repeatable keys keep every value)."""
    values: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_units_verify(tmp_path):
    srv, _logs = install(tmp_path)
    for name in ("clipper-nightly.service", "clipper-nightly.timer"):
        text = (DEPLOY / name).read_text().replace("/srv/clipper", str(srv))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "clipper-nightly.service", "clipper-nightly.timer"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    # verify exits 0 on many bad lines ("Failed to parse …, ignoring"): no output at all.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    (calendar,) = unit("clipper-nightly.timer")["OnCalendar"]
    elapse = subprocess.run(
        ["systemd-analyze", "calendar", calendar], capture_output=True, text=True, timeout=60,
        env=dict(os.environ, TZ="UTC"),
    )  # fmt: skip
    assert " 17:30:00 UTC" in elapse.stdout  # 02:30 KST


def test_the_systemd_service_runs_the_nightly(mirror, database_url, tmp_path):
    service = unit("clipper-nightly.service")
    assert service["SuccessExitStatus"] == ["75"]
    assert service["StandardOutput"] == ["append:/var/log/clipper/nightly.log"]
    assert service["LogsDirectory"] == ["clipper"]
    environment = dict(value.split("=", 1) for value in service["Environment"])
    assert set(environment) >= {"CLIPPER_DATABASE_URL", "CLIPPER_CONTACT"}
    srv, _logs = install(tmp_path)
    (exec_start,) = service["ExecStart"]
    command = exec_start.replace("/srv/clipper", str(srv)).split()
    assert command[1:] == ["nightly"]
    result = subprocess.run(
        [*command, "-s", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}", *FAST.split()],
        capture_output=True, text=True, timeout=300, cwd=srv,
        env={**os.environ, **environment, "CLIPPER_DATABASE_URL": database_url,
             "CLIPPER_NIGHTLY_SPIDERS": "smalllibrary", "CLIPPER_CONTACT": "mailto:x@y.z"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(DATED.match(line) for line in lines), lines


def test_the_docs_the_deploy_files_point_at_exist():
    for name in ("scrapy.cfg", "README.md", "deploy/crontab", "deploy/clipper-nightly.service"):
        for doc in re.findall(r"docs/[\w-]+\.md", (REPO / name).read_text()):
            assert (REPO / doc).is_file(), f"{name} points at a missing {doc}"
