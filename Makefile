# connectograph: `make demo` sets up and runs the demo on the real hemibrain
# bundle; `make test` runs the whole test suite against a real Neo4j server.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install neo4j demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

neo4j: install
	$(BIN)/connectograph neo4j install

demo: neo4j
	$(BIN)/connectograph demo

test: neo4j
	$(BIN)/python -m pytest

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
