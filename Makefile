# legaldesk — the two commands of the Quick start are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The shared labelled questions (outside this repository); override: make eval DEV_QUESTIONS=path
DEV_QUESTIONS ?= ../shared/kb/dev-questions.yaml

.PHONY: run test lint install migrate shell eval check-dev bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Start the bot (creates the venv, installs, migrates the embedded SQLite database).
run: $(STAMP)
	$(BIN)/legaldesk migrate
	$(BIN)/legaldesk run

## Run the whole test suite (PostgreSQL tests run when LEGALDESK_TEST_POSTGRES_URL is set), one
## pytest-xdist worker per core (at most 4); each worker uses its own PostgreSQL database.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4

lint: $(STAMP)
	$(BIN)/ruff check bot tests benchmarks migrations scripts
	$(BIN)/mypy bot

migrate: $(STAMP)
	$(BIN)/legaldesk migrate

shell: $(STAMP)
	$(BIN)/legaldesk shell

## Matching quality on the shared labelled questions.
eval: $(STAMP)
	$(BIN)/legaldesk faq eval $(DEV_QUESTIONS)

## The shared labelled questions are not copied into faq/ (and segment as jieba does); CI runs it.
check-dev: $(STAMP)
	$(BIN)/python scripts/check_dev_leak.py $(DEV_QUESTIONS)

bench: $(STAMP)
	$(BIN)/python benchmarks/match_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .mypy_cache
