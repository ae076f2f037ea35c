# Quick start:   make all    (set up, then run the whole pipeline)
#                make test   (set up, then run the test suite)
# Both create .venv with the pinned dependencies (requirements.lock).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: all setup system-deps pipeline test test-fast lint report-snakemake benchmarks fixtures lock clean simulated

all: setup pipeline

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs the package (editable) with its dev extras, constrained to the lock file.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

setup: system-deps $(VENV)/.installed

# A CJK font for Chinese figure labels and Chromium for the report's browser test.
# Installed with apt when run as root; otherwise this only reports what is missing.
system-deps:
	@bash workflow/scripts/system-deps.sh

pipeline: $(VENV)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --cores $(CORES) --configfile config/config.yaml

test: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

test-fast: $(VENV)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest -m "not e2e and not browser"

# ruff (rules in pyproject.toml: E, F, W, B, UP, SIM; no formatter), mypy (src/clusternet, strictness in
# pyproject.toml) and Snakemake's own linter.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --lint

report-snakemake: $(VENV)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --cores 1 --report results/snakemake-report.zip

# Simulated prefecture project (issue 17, docs/simulate.md): write it, then run the whole DAG on it.
simulated: $(VENV)/.installed
	$(BIN)/clusternet simulate --out simulated
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake -s Snakefile -d simulated --cores 2

benchmarks: $(VENV)/.installed
	for b in benchmarks/bench_*.py; do PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python $$b || exit 1; done

# Regenerates the R reference fixtures (needs R with plm, sandwich, lmtest, spdep, spatialreg, jsonlite).
fixtures:
	bash tests/reference/regenerate.sh

# Re-pins every Python dependency from the current .venv (after changing pyproject.toml).
lock: $(VENV)/.installed
	( echo "# Exact versions of every Python package, used as constraints by make setup."; \
	  echo "# Regenerate with: make lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^clusternet' ) > requirements.lock

clean:
	rm -rf data/raw/* data/interim/* data/processed/* results/* .snakemake
