# Two entry points a new user needs: `make demo` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint format setup setup-test translations

demo: setup translations
	$(BIN)/python -m bot sandbox

test: setup-test translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

setup: .stamp-setup
setup-test: .stamp-setup-test

.stamp-setup: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

.stamp-setup-test: .stamp-setup pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

translations: setup
	$(BIN)/pybabel compile --domain kefu --directory locales --use-fuzzy --statistics 2>/dev/null || true

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
