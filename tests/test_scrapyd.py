"""Scrapyd as docs/deploy.md says: a local Scrapyd in a temporary directory, the project
deployed with ``scrapyd-deploy`` from a copy of this checkout, a spider scheduled against the
mirror; the job finishes and its articles and ``crawl_runs`` row are in the database.

The deployed egg is a zip: the migrations (which Alembic reads from a directory) must work
from it. Needs the ``deploy`` extra (in ``dev`` too).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Article, CrawlRun

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(
    not (BIN / "scrapyd").exists() or not (BIN / "scrapyd-deploy").exists(),
    reason="scrapyd and scrapyd-client are not installed (pip install -e '.[deploy]')",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def checkout_copy(target: Path) -> Path:
    """The project's files as committed (what a deploy from a clean checkout sees)."""
    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = REPO / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))
    return target


def api(base: str, path: str, data: dict | list | None = None) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{path}", data=body, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture
def scrapyd(tmp_path, database_url):
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\npoll_interval = 0.5\n"
        "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\n"
    )
    # The database URL is in Scrapyd's environment, as docs/deploy.md says: not in the egg.
    server = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=dict(os.environ, CLIPPER_DATABASE_URL=database_url),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                api(base, "daemonstatus.json")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        yield base, home
    finally:
        server.terminate()
        server.wait(30)


def test_deploy_and_schedule_a_spider_on_scrapyd(scrapyd, mirror, engine, tmp_path):
    base, home = scrapyd
    project = checkout_copy(tmp_path / "project")
    cfg = project / "scrapy.cfg"
    cfg.write_text(cfg.read_text().replace("http://localhost:6800/", f"{base}/"))
    deployed = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "default", "-p", "clipper"],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert deployed.returncode == 0, deployed.stderr
    answer = json.loads(deployed.stdout[deployed.stdout.index("{") :])
    assert (answer["status"], answer["spiders"]) == ("ok", 6)

    job = api(base, "schedule.json", [
        ("project", "clipper"), ("spider", "smalllibrary"),
        ("setting", f"CLIPPER_SMALLLIBRARY_BASE_URL={mirror.board_url}"),
        ("setting", "CLIPPER_RUN_KIND=nightly"),
        ("setting", "DOWNLOAD_DELAY=0"), ("setting", "AUTOTHROTTLE_ENABLED=False"),
    ])["jobid"]  # fmt: skip
    deadline = time.monotonic() + 180
    while not any(j["id"] == job for j in api(base, "listjobs.json?project=clipper")["finished"]):
        assert time.monotonic() < deadline, "the Scrapyd job did not finish"
        time.sleep(0.5)
    log = (home / "logs" / "clipper" / "smalllibrary" / f"{job}.log").read_text()
    assert "Traceback" not in log, log[-3000:]
    with Session(engine) as session:
        assert session.scalar(select(func.count(Article.id))) > 0
        (run,) = session.scalars(select(CrawlRun)).all()
    # Scrapyd says "finished" whatever happened; the run's row says how it went.
    assert (run.spider, run.kind, run.status) == ("smalllibrary", "nightly", "ok")
