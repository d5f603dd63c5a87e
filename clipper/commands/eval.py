"""``clipper eval extract DIR [--json] [--check]``: score the extractor on saved pages.

DIR holds ``index.jsonl`` with the gold fields (see :mod:`clipper.analysis.extraction`).
Prints a line per page and the overall scores; ``--check`` exits 1 when a score is below the
project's targets (title, published, outlet 0.97; body F1 0.93), which CI runs on the shared
real pages.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click


@click.group("eval")
def command() -> None:
    """Measure clipper's parts against gold data."""


@command.command("extract")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object: pages and scores.")
@click.option("--check", is_flag=True, help="Exit 1 when a score is below its target.")
def extract(folder: Path, as_json: bool, check: bool) -> None:
    """Score title, published, outlet and body on the pages FOLDER/index.jsonl lists."""
    from clipper.analysis.extraction import TARGETS, evaluate

    if not (folder / "index.jsonl").is_file():
        raise click.UsageError(f"{folder} has no index.jsonl")
    evaluation = evaluate(folder)
    scores = evaluation.scores()
    below = evaluation.below_targets()
    if as_json:
        report = {"pages": [asdict(p) for p in evaluation.pages], "scores": scores}
        report["targets"], report["below_targets"] = TARGETS, below
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'page':44} title pub   outlet body")
        for p in evaluation.pages:
            marks = ["ok" if ok else "MISS" for ok in (p.title, p.published, p.outlet)]
            body = (
                f"{p.body_f1:.3f}" if p.body_f1 is not None else ("ok" if p.body_found else "MISS")
            )
            click.echo(f"{p.file[:44]:44} {marks[0]:5} {marks[1]:5} {marks[2]:6} {body}")
            if p.error:
                click.echo(f"    error: {p.error}")
            elif not (p.title and p.published and p.outlet):
                click.echo(f"    got {p.got}")
        click.echo("")
        for name, value in scores.items():
            flag = "  below target" if name in below else ""
            click.echo(f"{name:10} {value:.3f}  (target {TARGETS.get(name, 0):.2f}){flag}")
    if check and below:
        raise SystemExit(1)
