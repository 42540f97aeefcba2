# The commands the README names. Python 3.12+ (Django 6); .python-version picks 3.13 via pyenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_ENV := DEBUG=True MFA_DEMO_BYPASS_CODE=000000
# mypy with django-stubs over accounts, visits and config ([tool.mypy] in pyproject.toml). Its
# Django plugin imports the settings, which need a SECRET_KEY when DEBUG is off, as in the tests.
MYPY := DEBUG=False SECRET_KEY=typecheck-only-not-a-secret SITE_URL=https://housecall.example $(BIN)/mypy

.PHONY: run test lint typecheck format check-deploy venv install install-dev migrate seed worker clean

run: install migrate seed  ## Serve the demo clinic on http://127.0.0.1:8000
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install-dev  ## Run the whole suite (browser tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MYPY)
	$(BIN)/pytest --cov --cov-report=term --cov-fail-under=95

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev  ## Type-check accounts, visits and config with mypy
	$(MYPY)

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install  ## The production settings pass Django's deployment checks
	DEBUG=False SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=housecall.example EMAIL_URL=smtp+tls://user:password@smtp.example.com:587 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: install
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

worker: install
	$(DEV_ENV) TASKS_BACKEND=django_tasks_db.DatabaseBackend $(BIN)/python manage.py db_worker

venv: $(BIN)/python

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Housecall needs Python 3.12 or later (Django 6). Found " + sys.version.split()[0] + ": install 3.13 (pyenv install 3.13) or run make PYTHON=python3.13.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install-dev: $(VENV)/.installed-dev
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .mypy_cache .coverage htmlcov

# Its own throwaway SQLite file, made afresh each run, unless DATABASE_URL points elsewhere.
BENCH_DATABASE_URL := $(if $(DATABASE_URL),$(DATABASE_URL),sqlite:///bench.sqlite3)

.PHONY: bench bench-booking bench-pages
bench: bench-booking bench-pages  ## Both benchmarks: the booking search, and every page under gunicorn

bench-pages: install-dev  ## Every page under gunicorn beside a bare Django page, demo and large clinic
	$(DEV_ENV) $(BIN)/python manage.py bench_pages $(BENCH_PAGES_ARGS)

bench-booking: install  ## Time the availability search and booking on a seeded 50-provider clinic
	$(if $(DATABASE_URL),,rm -f bench.sqlite3)
	$(DEV_ENV) DATABASE_URL='$(BENCH_DATABASE_URL)' $(BIN)/python manage.py migrate --noinput --verbosity 0
	$(DEV_ENV) DATABASE_URL='$(BENCH_DATABASE_URL)' EMAIL_URL=memorymail:// CACHE_URL=locmemcache:// \
	$(BIN)/python manage.py bench_booking
