# Two entry points a new user needs: `make demo` and `make test`. Everything else is set up on demand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test test-webhook lint format setup setup-test compiled messages

# The end-to-end tests run again with Kefu taking updates by webhook, in a bounded form: the
# webhook's own tests and a cross-section of flows and desk work (`make test-webhook`: all).
WEBHOOK_E2E := tests/e2e/test_webhook.py tests/e2e/test_inbox_privacy.py \
	tests/e2e/test_basics.py tests/e2e/test_repair_flow.py tests/e2e/test_staff_desk.py \
	tests/e2e/test_button_presses.py tests/e2e/test_concurrency.py

demo: setup compiled
	$(BIN)/python -m bot sandbox

test: setup-test compiled
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n auto --maxprocesses 4
	KEFU_E2E_MODE=webhook $(BIN)/python -m pytest -q -n auto --maxprocesses 4 $(WEBHOOK_E2E)

# The whole end-to-end suite by webhook (the sandbox posting each update to Kefu).
test-webhook: setup-test compiled
	KEFU_E2E_MODE=webhook $(BIN)/python -m pytest -n auto --maxprocesses 4 tests/e2e

setup: .stamp-setup
setup-test: .stamp-setup-test

# What a start would otherwise compile each time, compiled ahead (as an installed package is):
# Python's bytecode, which PYTHONDONTWRITEBYTECODE would leave unwritten, and the catalogs
# (`bot.i18n` reads a .mo while it is newer than its .po). compileall skips what is current.
compiled: setup
	$(BIN)/python -m compileall -q bot domain handlers storage sandbox bench
	$(BIN)/pybabel -q compile -D kefu -d locales

.stamp-setup: pyproject.toml scripts/install-cjk-font.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	sh scripts/install-cjk-font.sh $(BIN)/python
	touch $@

.stamp-setup-test: .stamp-setup pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# After changing user-facing text: refresh the catalogs, then translate what is new in both Chinese .po files.
messages: setup
	$(BIN)/pybabel -q extract -F babel.cfg -k t -k tn:1,2 -k N_ --no-wrap --sort-by-file \
		-o locales/kefu.pot .
	for lang in zh_Hans zh_Hant; do \
		if [ -f locales/$$lang/LC_MESSAGES/kefu.po ]; then \
			$(BIN)/pybabel -q update --no-wrap --ignore-obsolete -D kefu -i locales/kefu.pot -d locales -l $$lang; \
		else \
			$(BIN)/pybabel -q init --no-wrap -D kefu -i locales/kefu.pot -d locales -l $$lang; \
		fi; \
	done
