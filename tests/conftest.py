"""Shared fixtures: a real Neo4j server for the session, and the real bundle loaded in it.

The server is the project's own local Neo4j (``connectograph neo4j``), started
as a throw-away instance named ``test`` (``$CONNECTOGRAPH_TEST_INSTANCE`` to
run several suites side by side) on free loopback ports and stopped at the end.
Set NEO4J_URI/NEO4J_USERNAME/NEO4J_PASSWORD to test against another Neo4j 5
server instead (it must have APOC core).

Under pytest-xdist (``make test`` runs two workers) each worker is a suite of
its own: ``$CONNECTOGRAPH_TEST_INSTANCE`` becomes ``NAME-gw0``, ``NAME-gw1``...
in the worker, so its server, and the extra instances tests derive from that
name (``-bulk``, ``-bench``...), are its own; the real bundle is loaded once
per worker. With ``--dist loadfile`` tests are handed out a module at a time
(:class:`ModuleScheduling`: module fixtures are made once; the two bulk-load
modes of test_bulk_load.py are two units), the slowest modules first
(:data:`SLOW_MODULES_FIRST`), so that no long module starts last.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shared_datasets import DATASETS

REPO = Path(__file__).resolve().parents[1]
BUNDLE = DATASETS / "hemibrain-mb"
DATASET = "hemibrain-mb:v1.2.1"

#: Modules that take a minute or more, slowest first: under xdist they are
#: handed out first, so that no long module starts when the other worker has
#: nothing left to do. (Only the order in which modules start changes; the
#: tests of a module keep their order.)
SLOW_MODULES_FIRST = [
    "tests/loading/test_bulk_load.py",
    "tests/loading/test_atomicity.py",
    "tests/test_load_hemibrain.py",
    "tests/test_bench_smoke.py",
    "tests/loading/test_load_synapses.py",
    "tests/test_browser.py",
    "tests/loading/test_partitioned_load.py",
    "tests/loading/test_neuprint_exports.py",
    "tests/loading/test_bulk_files.py",
    "tests/test_flywire.py",
    "tests/loading/test_synapse_partitions.py",
    "tests/criteria/test_roi_seek_db.py",
]

#: Modules whose tests split into independent units under xdist, by a part of
#: the test id (a module-scoped fixture's parameter: each unit makes its own).
SPLIT_MODULES = {
    "tests/loading/test_bulk_load.py": ("prepared in memory", "partitions of 3000 rows"),
}


def pytest_configure(config):
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker and not os.environ.get("NEO4J_URI"):
        base = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test")
        os.environ["CONNECTOGRAPH_TEST_INSTANCE"] = f"{base}-{worker}"


def _module_path(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)     # before -m reads the marks
def pytest_collection_modifyitems(config, items):
    """The ``slow`` mark on the cases a module lists in ``SLOW_VARIANTS``
    (test function name -> ids of its parametrized cases), for cases whose
    parameters come from a fixture and cannot carry a mark of their own, and
    on every test that uses a parametrized fixture with a value listed in
    ``SLOW_FIXTURE_PARAMS`` (fixture name -> parameter values).
    In an xdist worker: the slow modules first (a stable sort: the order
    inside a module, which some modules rely on, is kept)."""
    for item in items:
        variants = getattr(item.module, "SLOW_VARIANTS", {})
        slow_params = getattr(item.module, "SLOW_FIXTURE_PARAMS", {})
        callspec = getattr(item, "callspec", None)
        if callspec is None:
            continue
        if callspec.id in variants.get(item.originalname, ()) or any(
                name in callspec.params and callspec.params[name] in values
                for name, values in slow_params.items()):
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):
        rank = {m: i for i, m in enumerate(SLOW_MODULES_FIRST)}
        items.sort(key=lambda item: rank.get(_module_path(item.nodeid), len(rank)))


@pytest.hookimpl(optionalhook=True)     # a hook of pytest-xdist
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile``: a module per unit of work, in collection order."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ModuleScheduling(LoadFileScheduling):
        def __init__(self, config, log=None):
            super().__init__(config, log)
            # keep the collection order (slow modules first), not xdist's
            # default of the modules with the most tests first
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            module = _module_path(nodeid)
            for part in SPLIT_MODULES.get(module, ()):
                if part in nodeid.split("::", 1)[1]:
                    return f"{module}::{part}"
            return module

    return ModuleScheduling(config, log)


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    """The real hemibrain-mb bundle (shared/datasets/hemibrain-mb beside the repo)."""
    assert BUNDLE.is_dir(), f"the hemibrain-mb bundle is missing at {BUNDLE}"
    return BUNDLE


def start_fresh_instance(name: str) -> dict:
    """Wipe and start the local instance ``name`` on free loopback ports (heap 1g,
    page cache 512m); return its connection (``uri``, ``username``, ``password``)."""
    from connectograph import neo4j_server
    from connectograph.neo4j_server.settings import read_connection

    return read_connection(neo4j_server.fresh_instance(name, heap="1g", pagecache="512m"))


@pytest.fixture(scope="session")
def fresh_instance():
    """:func:`start_fresh_instance`, for tests that need a server of their own."""
    return start_fresh_instance


@pytest.fixture(scope="session")
def neo4j_connection():
    """(uri, (user, password)) of a running Neo4j 5 server for this session."""
    if os.environ.get("NEO4J_URI"):
        yield os.environ["NEO4J_URI"], (os.environ.get("NEO4J_USERNAME", "neo4j"),
                                         os.environ["NEO4J_PASSWORD"])
        return
    from connectograph import neo4j_server

    name = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test")
    conn = start_fresh_instance(name)
    try:
        yield conn["uri"], (conn["username"], conn["password"])
    finally:
        neo4j_server.stop(name, echo=lambda s: None)


@pytest.fixture(scope="session")
def loaded(neo4j_connection, bundle_dir):
    """The load summary of the real bundle, loaded once into the session's server."""
    from connectograph import Client
    from connectograph.loading import load

    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=DATASET, check_dataset=False) as writer:
        summary = load("hemibrain-mb", client=writer, data_dir=str(bundle_dir), progress=None)
    return summary


@pytest.fixture(scope="session")
def client(neo4j_connection, loaded):
    """A Client on the loaded hemibrain-mb dataset."""
    from connectograph import Client

    uri, auth = neo4j_connection
    c = Client(uri, auth=auth, dataset=DATASET)
    yield c
    c.close()


# --- bad-input tests: a load of the module's BAD_DATASET must leave no trace ----------------

def database_state(client, name: str) -> tuple:
    """``(datasets listed, labels of dataset name, nodes in the database)``."""
    from connectograph.loading import datasets
    ds = datasets(client=client)
    listed = sorted(zip(ds["dataset"], ds["tag"], ds["loadComplete"], ds["fingerprint"]))
    labels = sorted(r["l"] for r in client.read(
        "CALL db.labels() YIELD label AS l WHERE l STARTS WITH $name RETURN l", {"name": name}))
    nodes = client.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    return listed, labels, nodes


@pytest.fixture
def writer(neo4j_connection, loaded, request):
    """A client that could write the test module's ``BAD_DATASET`` (the real
    bundle is loaded first, so the database's dataset list is not empty)."""
    from connectograph import Client
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=request.module.BAD_DATASET, check_dataset=False) as c:
        yield c


@pytest.fixture
def unchanged(writer):
    """Assert after the test that the database is exactly as before, with no
    label of the bad dataset, staging or published."""
    name = writer.dataset.name
    before = database_state(writer, name)
    assert not any(d == name for d, *_ in before[0])
    yield
    after = database_state(writer, name)
    assert after == before
    assert after[1] == []
