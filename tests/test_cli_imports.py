"""`clipper --help` and `clipper <cmd> --help` answer without importing the heavy libraries:
the group is lazy (clipper.cli.LazyGroup) and the command modules import them inside their
functions. Each case runs in a fresh interpreter, which is what a user's shell starts."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from clipper.cli import COMMAND_MODULES, main, short_help

HEAVY = ("scrapy", "twisted", "sqlalchemy", "numpy", "dateparser", "lxml", "pyarrow")

# Commands whose options still take a default or choices from a heavy module (typing debt
# like KNOWN in test_layering.py: each must still be heavy, so a fixed one comes off).
KNOWN_HEAVY = {
    "cluster": {"numpy", "sqlalchemy"},  # defaults from clipper.store.stories
}

PROBE = """
import sys
from clipper.cli import main
try:
    main(sys.argv[1:], prog_name="clipper")
except SystemExit as exit:
    assert not exit.code, exit.code
heavy = {m.split(".")[0] for m in sys.modules} & set(HEAVY)
print("HEAVY:" + ",".join(sorted(heavy)))
"""


def heavy_imports(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.replace("HEAVY", repr(HEAVY), 1), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    last = out.stdout.splitlines()[-1]
    assert last.startswith("HEAVY:"), out.stdout
    return set(filter(None, last.removeprefix("HEAVY:").split(",")))


def test_group_help_imports_nothing_heavy():
    assert heavy_imports("--help") == set()


@pytest.mark.parametrize("name", sorted(m.replace("_", "-") for m in COMMAND_MODULES))
def test_command_help_imports_nothing_heavy(name):
    assert heavy_imports(name, "--help") == KNOWN_HEAVY.get(name, set())


def test_listed_help_is_the_commands_own():
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.name == name
        for limit in (45, 70):
            assert short_help(name.replace("-", "_"), limit) == command.get_short_help_str(limit)


def test_unknown_command_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "clipper", "nosuch"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "No such command 'nosuch'" in result.stderr


def test_reprocess_help_lists_the_stages_reprocess_runs():
    # clipper.commands.reprocess spells the stages out so its --help imports nothing heavy.
    from clipper.commands import reprocess as command_module
    from clipper.ops import reprocess

    assert command_module.STAGES == reprocess.STAGES


def test_stats_help_offers_the_keys_stats_counts_by():
    from clipper.analysis.report import STATS_KEYS
    from clipper.commands import stats

    assert stats.STATS_KEYS == STATS_KEYS
