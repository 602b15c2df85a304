# Accord: `make run` starts the app with demo data; `make test` runs every test.
# Both set up what they need on a fresh machine (virtualenv, packages, system packages, databases).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres system-packages venv bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

system-packages:
	@bash tests/setup_system.sh

# The app and a worker of its task queue (mail, PDF renders, schedules), which stops with it.
run: venv
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask worker --threads 2 & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: venv system-packages
	@bash tests/run_all.sh

bench: venv system-packages
	@bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache
