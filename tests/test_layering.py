"""The layering contract (docs/pipelines.md): lower layers never import higher ones.

- ``clipper.text`` and ``clipper.extract`` are pure text code: no Scrapy, no SQLAlchemy,
  no models, pipelines or spiders, so they run in worker processes and in analyst tools
  without a crawler or a database.
- ``clipper.middlewares`` and ``clipper.extensions`` hook into Scrapy's engine and never
  depend on the pipelines or the spiders they serve.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

RULES = {
    "clipper/text": ("scrapy", "sqlalchemy", "alembic", "models", "pipelines", "spiders",
                     "clipper.store", "clipper.commands"),
    "clipper/extract": ("scrapy", "sqlalchemy", "alembic", "models", "pipelines", "spiders",
                        "clipper.store", "clipper.commands"),
    "clipper/middlewares": ("pipelines", "spiders", "clipper.commands"),
    "clipper/extensions": ("pipelines", "spiders", "clipper.commands"),
}  # fmt: skip

# Known breaches still to remove. Each must still exist: a fixed one is taken off this list,
# so it cannot come back unnoticed.
KNOWN: set[str] = set()


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _files(target: str) -> list[Path]:
    path = ROOT / target
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("target", sorted(RULES))
def test_layer_imports_nothing_above_it(target):
    files = _files(target)
    assert files, f"{target} is gone: update the layering rules"
    forbidden = RULES[target]
    bad = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in files
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert not bad - KNOWN, sorted(bad - KNOWN)


def test_known_breaches_still_exist():
    found = set()
    for target, forbidden in RULES.items():
        for path in _files(target):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    found.add(f"{path.relative_to(ROOT)}: {name}")
    assert found >= KNOWN, sorted(KNOWN - found)


def test_the_check_sees_an_import(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("import scrapy.http\nfrom models.tables import Article\nfrom . import x\n")
    assert _imports(sample) == {"scrapy.http", "models.tables"}
