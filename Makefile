# connectograph: `make demo` sets up and runs the demo on the real hemibrain
# bundle; `make test` runs the whole test suite against a real Neo4j server.
# Both start with `system-deps`: the system packages they need (Java 17+,
# Maven, Python's venv; for the tests Chromium and chromedriver), installed
# with apt-get when missing (scripts/system-deps.sh).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# --tests for the targets that run tests (target-specific: inherited by
# the prerequisites they build, so system-deps runs once, with the browser).
SYSTEM_DEPS_ARGS ?=

.PHONY: system-deps install neo4j demo test test-slow bench clean

# First, before anything else is built: a quick look when all is there.
system-deps:
	PYTHON=$(PYTHON) bash scripts/system-deps.sh $(SYSTEM_DEPS_ARGS)

# system-deps is order-only: it runs first but does not make the venv stale.
$(STAMP): pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

neo4j: system-deps install
	$(BIN)/connectograph neo4j install

demo: system-deps neo4j
	$(BIN)/connectograph demo

test test-slow: SYSTEM_DEPS_ARGS := --tests

# `make test`: the whole suite but the slow variants (marker `slow`: more
# kill points, both prepare modes of the same behaviour...), which
# `make test-slow` runs. Over TEST_WORKERS pytest-xdist workers (0: none),
# each with its own Neo4j instance, handed a module at a time (tests/conftest.py).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadfile

test: system-deps neo4j
	$(BIN)/python -m pytest $(XDIST) -m 'not slow' $(PYTEST_ARGS)

test-slow: system-deps neo4j
	$(BIN)/python -m pytest $(XDIST) -m slow $(PYTEST_ARGS)

# Benchmarks: `make bench` (1M synthetic synapse pairs + the real bundle),
# `make bench SIZE=smoke` (seconds, as CI runs it), `make bench SIZE=10M`.
SIZE  ?= 1M
BENCH_OUT ?= benchmarks/results
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[bench,test]'
	touch $(BENCH_STAMP)

bench: neo4j $(BENCH_STAMP)
	$(BIN)/connectograph bench --size $(SIZE) --out $(BENCH_OUT)

clean:
	-$(BIN)/connectograph neo4j stop
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
