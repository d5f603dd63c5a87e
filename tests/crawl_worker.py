"""A crawl process for tests that run many short crawls: one Scrapy reactor, one crawl per
request, so a sequence of runs costs the crawls and not a process start each (~4 s).

Run as ``python tests/crawl_worker.py`` with the repository on ``PYTHONPATH``. Each stdin
line is a JSON object: ``{"spider": NAME, "args": {...}, "settings": {...}}`` runs that
crawl with the project settings plus ``settings`` (as ``clipper crawl -s`` would) and
answers one stdout line ``{"finish_reason": ..., "stats": {...}}``;
``{"dispose": TEXT}`` closes the cached database engines whose URL contains TEXT and answers
``{}``. Logs go to stderr.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


class CrawlWorker:
    """The test side: starts the worker process and sends it crawls one at a time."""

    def __init__(self, log_path: Path):
        self._log = open(log_path, "w")  # noqa: SIM115  (closed in close())
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
            cwd=REPO, env=dict(os.environ, PYTHONPATH=str(REPO)),
        )  # fmt: skip

    def _ask(self, job: dict, timeout: float) -> dict:
        assert self.process.stdin
        assert self.process.stdout
        self.process.stdin.write(json.dumps(job, ensure_ascii=False) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"the crawl worker did not answer {job} (log: {self._log.name})")
        return json.loads(line)

    def crawl(self, spider: str, args: dict | None = None, settings: dict | None = None,
              timeout: float = 120) -> dict:  # fmt: skip
        answer = self._ask({"spider": spider, "args": args or {}, "settings": settings or {}},
                           timeout)  # fmt: skip
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def dispose(self, text: str) -> None:
        """Close the worker's database engines whose URL contains ``text``."""
        self._ask({"dispose": text}, 30)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self._log.close()


def main() -> None:
    from scrapy.crawler import Crawler, CrawlerRunner
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    from clipper.extensions.runlog import jsonable
    from clipper.ops.crawling import project_settings

    base = project_settings()
    install_reactor(base["TWISTED_REACTOR"], base["ASYNCIO_EVENT_LOOP"])
    from twisted.internet import defer, reactor

    configure_logging(base)
    loader = SpiderLoader.from_settings(base)
    runner = CrawlerRunner(base)

    def answer(message: dict) -> None:
        sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    @defer.inlineCallbacks
    def handle(line: str):
        job = json.loads(line)
        if "dispose" in job:
            from clipper.store import engine as db

            for url in [u for u in db._engines if job["dispose"] in u]:
                db._engines.pop(url).dispose()
            answer({})
            return
        crawler = Crawler(loader.load(job["spider"]), project_settings(job.get("settings")))
        try:
            yield runner.crawl(crawler, **job.get("args", {}))
        except Exception as exc:  # a bad argument: the test sees it in the answer
            answer({"error": str(exc)})
            return
        stats = crawler.stats.get_stats()
        answer({"finish_reason": stats.get("finish_reason"), "stats": jsonable(stats)})

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                reactor.callFromThread(handle, line)
        reactor.callFromThread(reactor.stop)

    threading.Thread(target=read, daemon=True).start()
    reactor.run(installSignalHandlers=False)


if __name__ == "__main__":
    main()
