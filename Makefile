# Accord: `make run` starts the app with demo data; `make test` runs every test.
# Both set up what they need on a fresh machine (virtualenv, packages, system packages, databases).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres system-packages venv translations translations-extract bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The interface's translations: gettext catalogues in app/translations/<language>/LC_MESSAGES/messages.po,
# compiled to .mo files (not kept in git) whenever a .po is newer.
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
translations: $(CATALOGUES:.po=.mo)

app/translations/%/LC_MESSAGES/messages.mo: app/translations/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

# After adding or changing words of the interface: the template and every catalogue get the new messages
# (then translate them; tests/test_i18n_catalogues.py fails while any is untranslated or fuzzy).
translations-extract: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --no-location --no-wrap \
	  --sort-output --project Accord -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-wrap --no-fuzzy-matching \
	  --ignore-obsolete

system-packages:
	@bash tests/setup_system.sh

# The app and a worker of its task queue (mail, PDF renders, schedules), which stops with it.
run: venv translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	$(BIN)/flask worker --threads 2 & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: venv system-packages translations
	@bash tests/run_all.sh

bench: venv system-packages
	@bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache
