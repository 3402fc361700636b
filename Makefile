# Every target creates its own .venv (Python >= 3.11) and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint schema docs bench bench-smoke soak clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)  ## serve the bundled sample: GraphiQL on http://127.0.0.1:8000/graphql
	$(BIN)/newsgql serve

test: $(STAMP)  ## lint, type-check, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 1; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

schema: $(STAMP)  ## regenerate schema.graphql from the code
	$(BIN)/newsgql schema > schema.graphql

docs: $(STAMP)  ## regenerate docs/cli.md from --help
	$(BIN)/python -m tests.system.test_cli_docs

bench: $(STAMP)  ## full benchmark (minutes to hours); see bench/README.md
	$(BIN)/python -m bench.run

bench-smoke: $(STAMP)  ## a short variant of the benchmark, as CI runs it
	$(BIN)/python -m bench.run --smoke

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache artifacts bench/out *.egg-info
