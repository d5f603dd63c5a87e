"""The ``clipper`` command with one extraction rule of the board spider changed, for the
reprocess tests: a fresh crawl with the changed rule, and a reprocess killed mid-run.

``python tests/reprocess_rule.py [--kill-after N] ARGS…`` runs ``clipper ARGS…`` with
:func:`change_rule` applied; with ``--kill-after N`` the process SIGKILLs itself right after
``clipper reprocess`` commits its N-th batch.
"""

from __future__ import annotations

import os
import re
import signal
import sys

MARK = " (개정)"


def changed_rules() -> dict:
    """The board's title rule gains a suffix and its body rule keeps two paragraphs: the
    SmallLibrarySpider methods to replace, by name."""
    from spiders.smalllibrary import SmallLibrarySpider

    title, body = SmallLibrarySpider._parse_title, SmallLibrarySpider._parse_body

    def new_title(self, response):
        found = title(self, response)
        # Only a real title: a placeholder ("1") stays one, dropped by either rule.
        return found + MARK if re.search(r"[^\W\d_]", found) else found

    def new_body(self, response):
        return "\n\n".join(body(self, response).split("\n\n")[:2])

    return {"_parse_title": new_title, "_parse_body": new_body}


def change_rule() -> None:
    from spiders.smalllibrary import SmallLibrarySpider

    for name, rule in changed_rules().items():
        setattr(SmallLibrarySpider, name, rule)


def kill_after(batches: int) -> None:
    from clipper.ops.reprocess import Reprocessor

    done = Reprocessor.batch_done

    def batch_done(self, summary):
        done(self, summary)
        if summary.batches >= batches:
            os.kill(os.getpid(), signal.SIGKILL)

    Reprocessor.batch_done = batch_done


def main(argv: list[str]) -> None:
    if argv[:1] == ["--kill-after"]:
        kill_after(int(argv[1]))
        argv = argv[2:]
    change_rule()
    from clipper.cli import main as cli_main

    cli_main(args=argv, prog_name="clipper")


if __name__ == "__main__":
    main(sys.argv[1:])
