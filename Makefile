# The course's front door.  A newcomer needs two commands: `make lab` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# One thread per kernel: two nbval workers on 2 cores must not oversubscribe.
THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
PYTEST_OPTS ?=
LAB_OPTS ?=

.PHONY: help setup lab test unit lectures lint mutants test-all e2e demo student html bench clean

help:
	@echo "make lab    - open the course in JupyterLab (127.0.0.1, token auth)"
	@echo "make test   - unit tests + every lecture under nbval"
	@echo "make mutants - each lecture must fail on a claim under each wrong kernel (tests/mutants)"
	@echo "make lint   - ruff + the import-linter contracts (also run by make test)"
	@echo "make html   - execute every lecture into build/html/ (renders offline; claims ledger)"
	@echo "make demo LECTURE=04 - one lecture as a clean projector page (voila, 127.0.0.1, token)"
	@echo "make student - the lectures without solutions, in build/student/"
	@echo "make e2e    - browser tests (needs Debian's chromium)"
	@echo "make bench  - lecture times and widget latencies -> build/bench.json"
	@echo "make clean  - remove build outputs and caches (keeps .venv)"

setup: $(STAMP)

# Reruns only when the pins change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[course,test,demo,e2e]'
	$(PY) -m course_lib.app.lab --configure
	@touch $(STAMP)

lab: setup
	$(PY) -m course_lib.app.lab $(LAB_OPTS)

test: setup
	$(THREADS) $(PY) -m pytest -n 2 --dist loadfile \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=180 \
	  --ignore=tests/e2e tests lectures $(PYTEST_OPTS)

unit: setup
	$(THREADS) $(PY) -m pytest -n 2 --dist loadfile --ignore=tests/e2e tests $(PYTEST_OPTS)

# Browser tests (Debian's chromium; never a browser download): JupyterLab, `make demo`, the site.
e2e: setup
	@test -x /usr/bin/chromium || { echo "make e2e: Debian's chromium is not installed (apt-get install chromium)"; exit 2; }
	$(THREADS) $(PY) -m pytest -p no:xdist tests/e2e $(PYTEST_OPTS)

demo: setup
	@test -n "$(LECTURE)" || { echo "usage: make demo LECTURE=04"; exit 2; }
	$(PY) -m course_lib.app.demo $(LECTURE)

student: setup
	$(PY) -m course_lib.app.student build/student

lectures: setup
	$(THREADS) $(PY) -m pytest -n 2 --dist loadfile --nbval-lax --nbval-current-env \
	  --nbval-cell-timeout=180 lectures $(PYTEST_OPTS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

mutants: setup
	$(THREADS) $(PY) -m pytest -n 2 -rN tests/mutants/mutation_check.py $(PYTEST_OPTS)

test-all: test mutants

html: setup
	$(THREADS) $(PY) -m course_lib.app.site build/html

bench: setup
	$(PY) benchmarks/bench.py --out build/bench.json

clean:
	rm -rf build .hypothesis .pytest_cache lectures/*.ipynb lectures/.ipynb_checkpoints
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +
