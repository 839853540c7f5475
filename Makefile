# Two commands for a newcomer: `make run` and `make test`. See README.md.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app lms
PYTEST := $(PY) -m pytest -q
# gunicorn as `make serve` runs it; `make bench` runs the very same command on other addresses
GUNICORN := $(VENV)/bin/gunicorn -c python:lms.gunicorn_conf --access-logfile -

.PHONY: run test serve bench check bytecode lint format system-deps clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Ralph (a real xAPI LRS for the xAPI tests) in its own venv: its pins do not fit ours.
# The test fixture builds it too when missing (tests/lrsserver.py).
.venv-ralph/.installed: requirements-ralph.txt $(VENV)/.dev
	$(PY) -c 'from tests.lrsserver import ensure_ralph_venv; ensure_ralph_venv()'

## run: install, migrate, seed the demo accounts, serve on http://127.0.0.1:5000
run: $(VENV)/.runtime bytecode
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(FLASK) run --host 127.0.0.1 --port 5000

## test: install everything the tests need, then lint and run the whole suite
test: $(VENV)/.dev .venv-ralph/.installed system-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PYTEST) tests/unit tests/app
	LMS_TEST_DB=postgresql $(PYTEST) tests/app
	$(PYTEST) tests/e2e

## system-deps: Debian's chromium and postgresql, when missing
system-deps:
	bash .ci/install-system-deps

## serve: production: migrate, count the onboarding plans, gunicorn with $WEB_CONCURRENCY workers (default 2)
serve: $(VENV)/.runtime bytecode
	LMS_ENV=production $(FLASK) db upgrade
	LMS_ENV=production $(FLASK) onboarding refresh
	LMS_ENV=production $(GUNICORN) \
		--workers $${WEB_CONCURRENCY:-2} --bind $${BIND:-127.0.0.1:8000} 'lms:create_app()'

## bench: throughput of the pages against a bare Flask route under gunicorn (not part of `test`)
## BENCH_SIZE learners (1000), BENCH_SECONDS per run (3), BENCH_ROUNDS (3), BENCH_MODULES (7)
bench: $(VENV)/.dev bytecode
	command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq wrk; }
	BENCH_GUNICORN="$(GUNICORN)" $(PY) -m tests.bench.pages

## check: validate the content folder (LMS_CONTENT_DIR or the repo root)
check: $(VENV)/.runtime bytecode
	$(FLASK) content check

## bytecode: compile the app's modules ahead (a process then reads them instead of compiling
## them each start, which it would do where PYTHONDONTWRITEBYTECODE is set); only changed ones
bytecode: $(VENV)/.runtime
	$(PY) -m compileall -q lms

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .venv-ralph instance
