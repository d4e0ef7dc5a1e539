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

clean:
	-$(BIN)/connectograph neo4j stop
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
