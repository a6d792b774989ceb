# The two quick-start commands: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: setup demo test lint system-deps

$(BIN)/smartsup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

## setup: create the virtual environment and install the project
setup: $(BIN)/smartsup

## demo: set up, create the embedded store with the synthetic district on first run, and serve
demo: setup
	$(BIN)/smartsup demo

## system-deps: Chromium, CJK fonts and poppler for the browser and report tests (installs them as root)
system-deps:
	@scripts/system-deps.sh

## test: set up and run the whole test suite (SQLite, PostgreSQL, Redis, headless Chromium)
test: setup system-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
