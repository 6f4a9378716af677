# The two commands: `make run` (portal + worker + beat with demo data) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv dev-venv migrate demo messages lint format ci run-prod clean

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(BIN)/.installed-dev: requirements.txt requirements-dev.txt $(BIN)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed
dev-venv: $(BIN)/.installed-dev

run: $(BIN)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py compile_translations
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	DJANGO_DEBUG=1 $(PY) manage.py run_portal --host $(HOST) --port $(PORT)

test: $(BIN)/.installed-dev
	$(PY) manage.py compile_translations --settings=aftersales.settings_test
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(BIN)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=static/vendor --no-obsolete

# Production run on the local PostgreSQL and Redis (see docs/DEPLOY.md for the environment it needs).
run-prod: $(BIN)/.installed
	bash scripts/run_prod.sh

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
