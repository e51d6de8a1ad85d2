# Café com Vendas storefront. `make run` serves the shop; `make test` runs every check.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi:app
PYBABEL := $(VENV)/bin/pybabel
PORT ?= 8000
export PORT

.PHONY: help install run dev db samples assets translations compile-translations lint format gateways \
        test test-unit test-integration test-e2e bench lighthouse browser redis wrk clean

help:
	@echo "make run    install everything, migrate, load the event and serve on http://127.0.0.1:$(PORT)"
	@echo "make test   lint, unit, integration, end-to-end and Lighthouse"
	@echo "make translations   extract new messages, update and compile the catalogs"
	@echo "make samples   add our drawn sample images (hero, link preview, speakers) to the landing"

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.package-lock.json compile-translations assets

# The landing's link-preview images are drawn from the event file beside the other files.
assets: $(VENV)/.installed node_modules/.package-lock.json
	$(FLASK) assets build
	$(FLASK) landing previews

compile-translations: $(VENV)/.installed
	$(PYBABEL) compile -d translations --statistics

# Marketing's published wording (back office) goes into the .po files first: nothing
# typed there is lost on the next deploy (`flask wording merge` reads DATABASE_URL).
translations: $(VENV)/.installed
	$(FLASK) wording merge
	$(PYBABEL) extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--ignore-dirs=".* node_modules __pycache__" \
		--project="Café com Vendas" -o translations/messages.pot .
	$(PYBABEL) update -i translations/messages.pot -d translations --no-fuzzy-matching --width=100 \
		--ignore-obsolete
	$(PYBABEL) compile -d translations --statistics

db: $(VENV)/.installed
	$(FLASK) db upgrade -d app/migrations
	$(FLASK) catalog sync

# Our own drawn sample images (hero, link preview, speakers) on the landing page; the
# newest image of each place wins, so uploading real ones later replaces them.
samples: db
	$(FLASK) media samples

# One command for the embedded default: the worker (outbox deliveries) and the clock
# (scheduled jobs) run beside gunicorn and stop with it.
run: install db
	@$(FLASK) worker & worker=$$!; $(FLASK) clock & clock=$$!; \
	trap 'kill $$worker $$clock 2>/dev/null; wait $$worker $$clock' EXIT INT TERM; \
	HOST=$${HOST:-127.0.0.1} $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# Stripe and ifthenpay played on this machine (tests/play_gateways.py), to walk the shop
# by hand: it prints the settings to start `make run` with.
gateways: $(VENV)/.installed
	$(PY) -m tests.play_gateways

# ruff, then the architecture contract (import-linter, [tool.importlinter] in
# pyproject.toml): no package cycle, web below every feature, no feature importing
# another's routes; then the size of modules and functions.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --no-cache
	$(VENV)/bin/pytest tests/unit/test_code_size.py -q -p no:cacheprovider

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Debian's Chromium drives the browser tests; Playwright cannot download its own here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else echo "Install Chromium at /usr/bin/chromium (Debian/Ubuntu: apt-get install chromium)"; exit 1; fi; \
	fi

# Redis on 127.0.0.1:6379 for the tests of rate limits shared by several processes:
# started when installed, installed first when run as root; otherwise those tests skip
# (in CI, with REQUIRE_REDIS=1, they fail).
redis:
	@if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then \
		if ! command -v redis-server >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
		fi; \
		if command -v redis-server >/dev/null; then \
			redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null; \
			for _ in $$(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 0.2; done; \
		else echo "Redis is not installed: the shared rate-limit tests will skip (apt-get install redis-server)"; fi; \
	fi

test-unit: install
	$(VENV)/bin/pytest tests/unit -q

test-integration: install redis
	$(VENV)/bin/pytest tests/integration -q

test-e2e: install browser
	$(VENV)/bin/pytest tests/e2e -q

# wrk, the C load generator the serving benchmark prefers (it leaves more of the cores to
# the servers it compares): Debian's package, installed when run as root; without it
# the benchmark uses its own asyncio client.
wrk:
	@if ! command -v wrk >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk || true; \
	fi

# Benchmarks against a real gunicorn (webhook latency budget); they print what they measured.
bench: install wrk
	$(VENV)/bin/pytest tests/benchmarks -q -s

lighthouse: install browser
	bash lighthouse/run.sh

test: lint test-unit test-integration test-e2e bench lighthouse

clean:
	rm -rf static/built .lighthouseci lighthouse/reports .pytest_cache
