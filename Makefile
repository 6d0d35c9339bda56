# The two commands of the README: `make demo` and `make test`. Each creates or reuses .venv and installs
# the pinned dependencies from pyproject.toml + constraints.txt.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test pytest test-fast lint lint-sql install clean lab browser-check spark bench

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,spark]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dp2sf demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# sqlfluff's dbt templater compiles the models, and the macros read the seeds: lint against a fixture
# database with the seeds loaded; a file sqlfluff skips counts as a failure, not a pass.
SQL_LINT_DB := $(CURDIR)/build/lint/raw.duckdb
lint-sql: $(STAMP)
	@rm -rf build/lint && mkdir -p build/lint
	$(BIN)/python -c "from pathlib import Path; from tests.mapping.fixture_db import build_fixture_db; \
		build_fixture_db(Path('$(SQL_LINT_DB)'))"
	cd dbt_project && DP2SF_DUCKDB_PATH=$(SQL_LINT_DB) ../$(BIN)/dbt seed --profiles-dir . --quiet
	DP2SF_DUCKDB_PATH=$(SQL_LINT_DB) $(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/tests \
		> build/lint/sqlfluff.log 2>&1 || (cat build/lint/sqlfluff.log; exit 1)
	@! grep "Skipped file" build/lint/sqlfluff.log | grep -v -e "because it is a macro" -e "because it is disabled"
	@echo "sqlfluff: clean"

# The whole suite (what .ci/run calls). The tiny tier and the transformed fixture DB are built once per run
# for both workers (tests/build_cache.py), so most module fixtures are copies. --dist loadfile gives each module
# to one worker, so a module fixture (a build, a load, a render) is built once, not once per worker
# (`xdist_group` marks group nothing since pytest 9.2: https://github.com/pytest-dev/pytest-xdist/issues/1386);
# the modules go out longest first (tests/conftest.py, kept by --no-loadscope-reorder). test-fast, for the
# inner loop, leaves out the tests marked `slow`.
# lint-sql (sqlfluff's dbt templater, ~104 s of CPU; one process instead of two: 111 s) runs beside pytest, not
# before it, and neither writes what the other reads (dbt_project/target is lint-sql's alone: every test's dbt
# run has its own --target-path under build_dir).
# The suite is CPU-bound (vmstat: 89% busy on 2 cores). -n 3: the modules that wait on servers, kills and paced
# extracts leave gaps a third worker fills. Idle machine, 2026-12-08, without the Spark module: -n 3 16 min 22 s
# (user 25 min 26 s); -n 4 17 min 12 s (user 28 min 23 s: more contention, more CPU).
# --durations=30: every run (CI's too) ends with its 30 slowest tests (setup included), the figures to cut from.
# The Spark module (tests/spark, marked `spark`) is its own job, `make spark`, which .ci/run runs after this one:
# its JVM took ~300 s of machine CPU, about a sixth of the suite's, on the same 2 cores (with it: 18 min 35 s).
PYTEST := $(BIN)/pytest -n 3 --dist loadfile --no-loadscope-reorder -q --durations=30 -m "not spark"
test: $(STAMP) lint
	$(MAKE) --no-print-directory -j2 lint-sql pytest

pytest: $(STAMP)
	$(PYTEST)

test-fast: $(STAMP)
	$(PYTEST) -m "not slow and not spark"

# The dbt project on Apache Spark (issue 22): the tiny tier built on DuckDB and on Spark (pyspark local mode,
# Java 17), every mart and quarantine table compared row for row (tests/spark). CI's second job (.ci/run), after
# `make test`, which leaves it out.
spark: $(STAMP)
	@command -v java >/dev/null || (echo "Spark needs Java 17 (apt-get install openjdk-17-jre-headless)"; exit 1)
	$(BIN)/pytest -n 0 -q -s -m spark tests/spark

clean:
	rm -rf .sandbox data build reports

# Every stage at S and M on fresh sandboxes (BENCH_TIERS=S,M,L adds L; BENCH_FILES=S,M also times the file
# downloads at M, ~50 min at the API's 60 requests/s): appends to bench/results/runs.jsonl, writes BENCHMARKS.md.
BENCH_TIERS ?= S,M
bench: $(STAMP)
	BENCH_TIERS=$(BENCH_TIERS) $(BIN)/python bench/run_all.py

# JupyterLab on the project for analysts (notebooks/analyst_start.ipynb first; DuckDB read-only through
# workbench.lab.open_duckdb). LAB_PORT=8899 make lab picks the port; the token is printed in the URL.
LAB_PORT ?=
lab: $(STAMP)
	$(BIN)/python -m workbench.lab $(if $(LAB_PORT),--port $(LAB_PORT))

# A rendered report in a real browser: Debian's chromium (installed when missing), a screenshot and the DOM.
browser-check: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium) \
		|| (echo "could not install chromium (needs root and Debian's apt)"; exit 1)
	$(BIN)/pytest tests/review/test_screenshot_report.py -q -n 0 -rs
