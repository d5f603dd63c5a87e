"""The ``clipper`` console command: a thin click group over one module per sub-command."""

from __future__ import annotations

import importlib

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="clipper")
def main() -> None:
    """clipper: crawl Korean news about small libraries (작은도서관) into a database."""


for _name in COMMAND_MODULES:
    main.add_command(importlib.import_module(f"clipper.commands.{_name}").command)
