# Two commands on a fresh machine:  `make demo`  and  `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export CCFINOPS_PG_PORT ?= 55432
export CCFINOPS_PG_USER ?= ccf
export CCFINOPS_PG_DB ?= ccfinops
PYTEST_ARGS ?=

.PHONY: install demo test lint bench focus-validator superset postgres-start postgres-stop java

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,spark]"
	touch $@

demo: install
	$(BIN)/ccfinops demo

focus-validator:
	.ci/focus-validator.sh

# Java >= 17 for Apache Spark (the dbt `spark` target and tests/dbt/test_core_spark.py)
java:
	.ci/java.sh

# Apache Superset 6.1 in its own venv (.venv-superset) for `ccfinops bi` and the BI end-to-end test.
superset:
	.ci/superset.sh

postgres-start:
	.ci/postgres.sh start

postgres-stop:
	.ci/postgres.sh stop

test: install focus-validator superset postgres-start
	$(BIN)/ruff check . ; rc=$$?; \
	$(BIN)/pytest $(PYTEST_ARGS); rc2=$$?; \
	.ci/postgres.sh stop; \
	[ $$rc -eq 0 ] && [ $$rc2 -eq 0 ]

# SQL lint runs the dbt templater, which only needs a parseable project: an empty warehouse file works.
lint: install
	$(BIN)/ruff check .
	mkdir -p warehouse
	cd dbt_project && CCFINOPS_DB=$(CURDIR)/warehouse/lint.duckdb ../$(BIN)/sqlfluff lint models tests snapshots macros

# wrk (guardrail benchmark) and Java (Spark build in the transform benchmark) when missing
bench: install
	.ci/bench-deps.sh
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/transform.py
	$(BIN)/python benchmarks/guardrails.py
	$(BIN)/python benchmarks/demo.py
