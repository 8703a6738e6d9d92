# Tongxin: the two commands of the README are `make run` and `make test`.
# Everything else here is what those two need, plus lint and translations.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip -q --disable-pip-version-check
# The broker the services tests publish to (a database number of its own on
# the shared Redis, so nothing of the running portal's is touched).
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: run setup test test-fast test-services test-any-day lint format messages backup clean bench-pages bench-smoke

## make run: install, migrate, load demo data, serve on http://127.0.0.1:8000
run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Tongxin is at http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:8000

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements-dev.txt
	touch $@

## make test: the whole suite. First in-process (tasks eager, browser tests
## included), then the tests marked `services` against the Redis broker with a
## real Celery worker. DATABASE_URL picks SQLite (default) or PostgreSQL.
test: test-fast test-services

test-fast: setup
	$(PY) -m pytest -m "not services" -v $(PYTEST_ARGS)

test-services: setup
	@mkdir -p var
	@echo "== services: broker $(TEST_BROKER_URL), database $${DATABASE_URL:-SQLite file}, real Celery worker"
	CELERY_BROKER_URL=$(TEST_BROKER_URL) SQLITE_TEST_NAME=$(CURDIR)/var/test-services.sqlite3 \
		$(PY) -m pytest -m services -v $(PYTEST_ARGS)

## make test-any-day: the in-process suite again under a moved system clock
## (Debian's faketime), so a test that passes only on the day it was written
## fails the day it is written: once 400 days on, once at five past midnight
## in Shanghai on a Monday that is the 1st of a month (Sunday the 28th in UTC).
## Browser tests are left out: Playwright's driver and chromium inherit the
## faked clock and lose their own timers.
MONDAY_THE_1ST := 2027-03-01 00:05 +0800
test-any-day: setup
	@command -v faketime >/dev/null || { echo "faketime is missing: apt-get install faketime"; exit 1; }
	@for shift in "+400d" "+$$(( $$(date -d '$(MONDAY_THE_1ST)' +%s) - $$(date +%s) ))s"; do \
		echo "== in-process suite with the clock moved by $$shift"; \
		FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$$shift" \
			$(PY) -m pytest -m "not services and not e2e" -q -p no:cacheprovider $(PYTEST_ARGS) || exit 1; \
	done

## make lint: what CI checks before the tests
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy .
	DJANGO_ENV=production SECRET_KEY=ci-only-$$(printf 'x%.0s' $$(seq 60))-check-deploy-key \
	ALLOWED_HOSTS=tongxin.example.cn DATABASE_URL=postgres://tongxin@127.0.0.1:5432/tongxin \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0 EMAIL_URL=smtp+tls://portal:pw@smtp.example.cn:587 \
	SITE_URL=https://tongxin.example.cn DEFAULT_FROM_EMAIL=noreply@tongxin.example.cn \
	CACHE_URL=rediscache://127.0.0.1:6379/1 SMS_ACCESS_KEY_ID=ci SMS_ACCESS_KEY_SECRET=ci \
	SMS_SIGN_NAME=同心 SMS_TEMPLATE_CODE=SMS_0 \
		$(PY) manage.py check --deploy --fail-level WARNING

## make bench-pages SIZE=10k: grow a district of SIZE requests (smoke, 10k, 100k,
## 1m or a number) in its own PostgreSQL database and measure every page against
## an empty signed-in one (bench/pages.py says how).
## make bench-smoke: the same at a tiny size on SQLite, two seconds a page.
SIZE ?= 10k
bench-pages: setup
	$(PY) bench/pages.py --size $(SIZE)

bench-smoke: setup
	$(PY) bench/pages.py --smoke

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make messages: after changing any user-visible text, update and compile
## the Chinese catalogue (needs gettext), then translate the new entries.
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

## make backup: the database and MEDIA_ROOT in one archive under var/backups/
## (README, Backup and restore)
backup: setup
	$(PY) manage.py backup --output var/backups/

clean:
	rm -rf $(VENV) var staticfiles test-artifacts .pytest_cache .ruff_cache .mypy_cache
