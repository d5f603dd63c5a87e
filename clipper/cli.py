"""The ``clipper`` console command: a thin click group over one module per sub-command.

The group is lazy: ``clipper <cmd>`` imports only that command's module, and the command
modules import Scrapy, SQLAlchemy, numpy and dateparser inside their functions, so
``clipper --help`` and ``clipper <cmd> --help`` answer at once (tests/test_cli_imports.py).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
from pathlib import Path

import click

# Sub-command modules under clipper.commands, each exposing ``command`` (a click.Command).
COMMAND_MODULES = [
    "crawl",
    "demo",
    "export",
    "search",
    "stats",
    "report",
    "browse",
    "db",
    "nightly",
    "runs",
    "parse_date",
    "mirror",
    "tag",
    "extract",
    "cluster",
    "eval",
    "reprocess",
]


class LazyGroup(click.Group):
    """Sub-commands imported from ``clipper.commands.<module>`` when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name.replace("_", "-") for name in COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = cmd_name.replace("-", "_")
        if module not in COMMAND_MODULES:
            return None
        command: click.Command = importlib.import_module(f"clipper.commands.{module}").command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The list with each command's first line, read from the modules' source: importing
        # them all would import everything they need (Scrapy, SQLAlchemy, numpy).
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, short_help(name.replace("-", "_"), limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def short_help(module: str, limit: int = 45) -> str:
    """What ``clipper --help`` shows for the command in ``clipper.commands.<module>``: the
    start of its ``command`` function's docstring, cut as click cuts it, without importing
    the module (tests/test_cli_imports.py checks it against the imported command)."""
    spec = importlib.util.find_spec(f"clipper.commands.{module}")
    if spec is None or spec.origin is None:
        return ""
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "command":
            # A stand-in command with the same help cuts it exactly as click would.
            doc = inspect.cleandoc(ast.get_docstring(node) or "")
            return click.Command(module, help=doc).get_short_help_str(limit)
    return ""


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clipper")
def main() -> None:
    """clipper: crawl Korean news about small libraries (작은도서관) into a database."""
