"""HTTP faults: the mirror misbehaves on chosen pages during a real nightly crawl (subprocess,
real HTTP, SQLite), then the crawl runs again. Transient faults must be absorbed by retries or
by the rerun, so every reachable article ends up stored exactly once; permanent ones cost
only their own page; the operator is told which page failed and why, without a traceback.

One crawl with every fault at once (on different pages) keeps the suite fast; the tests below
read its outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from clipper.faults import (
    Fault,
    FaultPlan,
    FaultyMirror,
    StoreCheck,
    check_board_store,
    expected_posts,
)
from clipper.store.engine import get_engine
from models import CrawlRun

pytestmark = pytest.mark.faults


@dataclass(frozen=True)
class Case:
    name: str
    post: int | None  # the board post whose page misbehaves (None: a list page)
    fault: Fault
    outcome: str  # "retried": stored in run 1; "rerun": stored by run 2; "refused": never


LIST_PAGE_2 = r"/helper/news\?currentPage=2$"


def detail(post: int) -> str:
    return rf"/helper/news/{post}(\?|$)"


# RETRY_TIMES=2 below: three attempts per request, so times=2 recovers and times=3 does not.
CASES = [
    Case("list page 503 x2", None, Fault("status", LIST_PAGE_2, times=2), "retried"),
    Case("503 x2", 11873, Fault("status", detail(11873), times=2), "retried"),
    Case("500 x1", 11580, Fault("status", detail(11580), times=1, status=500), "retried"),
    Case("connection reset x2", 11851, Fault("reset", detail(11851), times=2), "retried"),
    Case("truncated body x1", 11820, Fault("truncate", detail(11820), times=1), "retried"),
    Case("timeout x1", 11688, Fault("timeout", detail(11688), times=1, delay=3), "retried"),
    Case("503 x3 (retries exhausted)", 6455, Fault("status", detail(6455), times=3), "rerun"),
    Case("reset x3 (retries exhausted)", 9102, Fault("reset", detail(9102), times=3), "rerun"),
    Case(
        "timeout x3 (retries exhausted)",
        2905,
        Fault("timeout", detail(2905), times=3, delay=3),
        "rerun",
    ),
    Case("404 detail page", 11650, Fault("not_found", detail(11650)), "refused"),
    Case("redirect loop", 11702, Fault("redirect_loop", detail(11702)), "refused"),
    Case("oversized page", 11735, Fault("oversize", detail(11735), size=200_000), "refused"),
    # A wrong label is no reason to lose a story: decoded right, or dropped with a reason.
    Case("EUC-KR bytes labelled UTF-8", 11792, Fault("charset", detail(11792)), "retried"),
    Case(
        "UTF-8 bytes labelled EUC-KR",
        11760,
        Fault("charset", detail(11760), encoding="utf-8", label="euc-kr"),
        "retried",
    ),
]
CHARSET_POSTS = {11792, 11760}
REFUSED = frozenset(c.post for c in CASES if c.outcome == "refused")
SETTINGS = ["-s", "RETRY_TIMES=2", "-s", "DOWNLOAD_MAXSIZE=100000"]


@dataclass
class Storm:
    plan: FaultPlan
    first: object  # CompletedProcess of the faulty run
    second: object  # CompletedProcess of the rerun
    after_first: StoreCheck
    after_second: StoreCheck
    runs: list[CrawlRun]


@pytest.fixture(scope="module")
def storm(tmp_path_factory, cli, fault_figures) -> Storm:
    # Fresh Fault objects: the module-level ones would carry hit counts between sessions.
    plan = FaultPlan(*(Fault(**_fields(c.fault)) for c in CASES))
    url = f"sqlite:///{tmp_path_factory.mktemp('storm') / 'clipper.sqlite'}"
    with FaultyMirror(plan) as mirror:
        args = cli.crawl_args(mirror.board_url, *SETTINGS)
        first = cli.run(*args, database_url=url)
        engine = get_engine(url)
        after_first = check_board_store(engine, exclude=REFUSED)
        second = cli.run(*args, database_url=url)
    after_second = check_board_store(engine, exclude=REFUSED)
    with engine.connect() as conn:
        runs = list(conn.execute(select(CrawlRun).order_by(CrawlRun.id)).all())
    result = Storm(plan, first, second, after_first, after_second, runs)
    garbled_posts = _garbled_posts(result)
    survived = sum(
        fault.injected
        for case, fault in zip(CASES, plan.faults, strict=True)
        if case.post is None
        or (case.post not in after_second.lost and case.post not in garbled_posts)
    )
    fault_figures.add(
        "HTTP faults on the mirror (2 runs)",
        plan.total,
        survived,
        len(after_second.lost),
        after_second.duplicates,
        f"{len(REFUSED)} pages refused by design; {len(garbled_posts)} stored garbled",
    )
    return result


def _fields(fault: Fault) -> dict:
    return {
        name: getattr(fault, name)
        for name in ("kind", "match", "times", "status", "delay", "encoding", "label", "size")
    }


def _garbled_posts(storm: Storm) -> set[int]:
    stored = set(storm.after_second.garbled)
    return {pid for pid, (_s, url, _t) in expected_posts().items() if url in stored}


def test_transient_faults_are_absorbed_by_retries(storm):
    retried = {c.post for c in CASES if c.outcome == "retried" and c.post} - CHARSET_POSTS
    assert not retried & set(storm.after_first.lost)
    stats = storm.runs[0].stats
    assert stats["retry/count"] >= sum(c.fault.times or 0 for c in CASES if c.outcome == "retried")


def test_exhausted_retries_fail_the_run_and_the_rerun_recovers(storm):
    rerun = {c.post for c in CASES if c.outcome == "rerun"}
    # Run 1 gave up on them, said so, and was marked failed, so the next nightly run
    # walks every list page instead of stopping at the first page it already has.
    assert set(storm.after_first.lost) == rerun
    assert storm.first.returncode == 1, storm.first.stderr
    assert storm.runs[0].status == "failed"
    assert storm.after_second.lost == []
    assert storm.after_second.duplicates == 0
    assert storm.after_second.half_written == []


def test_permanent_faults_cost_only_their_page(storm):
    stored_total = storm.after_second.stored
    assert stored_total == len(expected_posts(exclude=REFUSED))
    stats = storm.runs[0].stats
    assert stats.get("clipper/download/failed/HttpError404") == 1
    assert stats.get("clipper/download/failed/RedirectLoop") == 1
    assert any("DownloadCancelledError" in key or "max size" in key for key in stats) or (
        "larger than download max size" in storm.first.stderr
    )


def _mentions(stderr: str, post: int) -> list[str]:
    return [line for line in stderr.splitlines() if re.search(rf"/helper/news/{post}\b", line)]


NAMED = [
    pytest.param(6455, "503", id="503-exhausted"),
    pytest.param(9102, "", id="reset-exhausted"),
    pytest.param(2905, "", id="timeout-exhausted"),
    pytest.param(11735, "max size", id="oversized"),
    pytest.param(
        11650,
        "404",
        id="404",
    ),
    pytest.param(
        11702,
        "redirect",
        id="redirect-loop",
    ),
]


@pytest.mark.parametrize(("post", "word"), NAMED)
def test_operator_is_told_which_page_failed(storm, post, word):
    lines = _mentions(storm.first.stderr, post)
    assert lines, storm.first.stderr[-2000:]
    assert any(word.lower() in line.lower() for line in lines)


def test_stderr_has_no_traceback(storm):
    assert "Traceback" not in storm.first.stderr
    assert "Traceback" not in storm.second.stderr


@pytest.mark.parametrize("post", sorted(CHARSET_POSTS))
def test_mislabelled_charset_is_decoded_or_dropped(storm, post):
    _source, url, _title = expected_posts()[post]
    assert url not in storm.after_second.garbled
