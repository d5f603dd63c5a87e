# Quick start: `make demo` (crawl the offline mirror into SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-sqlite lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/clipper demo

# The whole suite: SQLite always; the PostgreSQL tests run when a server answers at
# CLIPPER_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and
# skip with a reason otherwise (CI sets CLIPPER_REQUIRE_POSTGRES=1 to make that a failure).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

# mypy checks clipper/, pipelines/ and models/ ([tool.mypy] in pyproject.toml; cached in
# .mypy_cache, so a second run takes under a second).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) data bench .pytest_cache .mypy_cache
