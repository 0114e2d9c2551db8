# The two commands: `make run` (app on http://127.0.0.1:5000) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: run serve test browser-deps install migrate clean-index translations

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/flask db upgrade

# The compiled catalogs (.mo) are not in git: build them from the .po files before running or testing.
translations: $(STAMP)
	$(BIN)/flask translate compile

run: migrate translations
	$(BIN)/flask bootstrap
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Production on one node (PostgreSQL; see README "Production"): gunicorn, a job worker, a search worker.
serve: $(STAMP) translations
	bin/serve

# Browser tests drive Debian's chromium; Playwright never downloads a browser here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; \
	fi

test: $(STAMP) browser-deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)
