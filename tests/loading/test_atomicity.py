"""Atomicity: a load killed midway (SIGKILL, no chance to clean up) leaves no
half-loaded dataset visible to queries, and the next load cleans up and completes.

The load runs as ``connectograph load`` in a child process with a small batch
size; the test polls the database until the child's staging writes have reached
the synapses, then kills it. No timing assumption beyond polling with a
generous timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from connectograph import Client
from connectograph.errors import DatasetNotFoundError
from connectograph.loading import datasets, drop, load

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
KILLED = "hemibrain-mb:killed-midway"
POLL_TIMEOUT = 900.0  # seconds; reading and validating the bundle comes first


def staging(dataset: str, generic: str) -> str:
    return f"`{dataset}~staging_{generic}`"


def count_by_label(client: Client, prefix: str) -> dict[str, int]:
    """Nodes per label, labels starting with ``prefix``, keyed by the generic name."""
    rows = client.read("MATCH (n) UNWIND labels(n) AS l WITH l WHERE l STARTS WITH $p "
                       "RETURN l AS label, count(*) AS n", {"p": prefix})
    return {r["label"][len(prefix):]: r["n"] for r in rows}


def count_by_rel_type(client: Client, prefix: str) -> dict[str, int]:
    rows = client.read("MATCH (a)-[r]->() WHERE any(l IN labels(a) WHERE l STARTS WITH $p) "
                       "RETURN type(r) AS t, count(*) AS n", {"p": prefix})
    return {r["t"]: r["n"] for r in rows}


def indexes_on_labels(client: Client, part: str) -> list[str]:
    """Names of the indexes on a label containing ``part``."""
    rows = client.read("SHOW INDEXES YIELD name, labelsOrTypes "
                       "WHERE any(l IN coalesce(labelsOrTypes, []) WHERE l CONTAINS $part) "
                       "RETURN name", {"part": part})
    return [r["name"] for r in rows]


def staging_indexes(client: Client) -> list[str]:
    return indexes_on_labels(client, "~staging_")


def meta(client: Client, dataset: str) -> list[dict]:
    name, tag = dataset.split(":")
    return client.read("MATCH (m:Meta) WHERE m.dataset = $n AND m.tag = $t "
                       "RETURN m.loadComplete AS complete, m.lastDatabaseEdit AS edited, "
                       "m.fingerprint AS fingerprint", {"n": name, "t": tag})


def kill_load_midway(neo4j_connection, bundle_dir, client: Client, dataset: str) -> None:
    """Start ``connectograph load`` for ``dataset``; SIGKILL it once staging
    ``:Synapse`` nodes exist (the last and largest stage before publishing)."""
    uri, auth = neo4j_connection
    env = dict(os.environ, NEO4J_URI=uri, NEO4J_USERNAME=auth[0], NEO4J_PASSWORD=auth[1])
    script = Path(sys.executable).with_name("connectograph")
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "connectograph.cli"]
    cmd = launcher + ["load", "hemibrain-mb", "--data-dir", str(bundle_dir),
                      "--dataset", dataset, "--force", "--batch-size", "20"]
    # stderr (progress bars) to a file: a pipe nobody reads could fill and stall the child
    log = tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    probe = f"MATCH (s:{staging(dataset, 'Synapse')}) RETURN count(s) > 0 AS started"
    try:
        deadline = time.monotonic() + POLL_TIMEOUT
        while not client.read(probe)[0]["started"]:
            assert proc.poll() is None, (
                f"the load ended (exit {proc.returncode}) before it was killed:\n"
                f"{log.seek(0) or log.read()[-2000:]}")
            assert time.monotonic() < deadline, "the load never reached the synapse stage"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == -signal.SIGKILL


def test_killed_reload_leaves_published_dataset_untouched(neo4j_connection, bundle_dir,
                                                          client):
    uri, auth = neo4j_connection
    prefix = DATASET + "_"
    labels0, rels0 = count_by_label(client, prefix), count_by_rel_type(client, prefix)
    meta0 = meta(client, DATASET)
    assert len(meta0) == 1 and meta0[0]["complete"] is True

    kill_load_midway(neo4j_connection, bundle_dir, client, DATASET)

    # The kill left staging nodes behind, but nothing queries see changed.
    assert client.read(f"MATCH (s:{staging(DATASET, 'Synapse')}) RETURN count(s) AS n")[0]["n"]
    assert count_by_label(client, prefix) == labels0
    assert count_by_rel_type(client, prefix) == rels0
    assert meta(client, DATASET) == meta0
    with Client(uri, auth=auth, dataset=DATASET) as fresh:  # still loaded and complete
        n = fresh.read(f"MATCH (s:`{prefix}Segment`) RETURN count(s) AS n")[0]["n"]
        assert n == labels0["Segment"]

    # The next (unforced) load has nothing to load but removes the leftovers.
    with Client(uri, auth=auth, dataset=DATASET, check_dataset=False) as writer:
        again = load("hemibrain-mb", client=writer, data_dir=str(bundle_dir), progress=None)
    assert again.skipped is True
    assert count_by_label(client, DATASET + "~staging_") == {}
    assert staging_indexes(client) == []
    assert count_by_label(client, prefix) == labels0
    assert meta(client, DATASET) == meta0


def test_killed_first_load_is_invisible_and_next_load_completes(neo4j_connection, bundle_dir,
                                                                client):
    uri, auth = neo4j_connection
    reference = (count_by_label(client, DATASET + "_"),
                 count_by_rel_type(client, DATASET + "_"))
    try:
        kill_load_midway(neo4j_connection, bundle_dir, client, KILLED)

        # Nothing of the killed load is a dataset: no Meta, Client refuses it.
        assert meta(client, KILLED) == []
        assert count_by_label(client, KILLED + "_") == {}
        with pytest.raises(DatasetNotFoundError):
            Client(uri, auth=auth, dataset=KILLED)
        listed = datasets(client=client)
        assert not ((listed["dataset"] == "hemibrain-mb") & (listed["tag"] == "killed-midway")
                    ).any()

        # The next load removes the leftovers and writes the same graph as the
        # uninterrupted load of the same bundle.
        with Client(uri, auth=auth, dataset=KILLED, check_dataset=False) as writer:
            summary = load("hemibrain-mb", client=writer, data_dir=str(bundle_dir),
                           dataset=KILLED, progress=None)
        assert summary.skipped is False
        assert (count_by_label(client, KILLED + "_"),
                count_by_rel_type(client, KILLED + "_")) == reference
        assert count_by_label(client, KILLED + "~staging_") == {}
        assert staging_indexes(client) == []
        assert [m["complete"] for m in meta(client, KILLED)] == [True]
        with Client(uri, auth=auth, dataset=KILLED) as fresh:
            assert fresh.read(f"MATCH (s:`{KILLED}_Synapse`) RETURN count(s) AS n")[0]["n"] \
                == summary.counts["Synapse nodes"]
        assert len(indexes_on_labels(client, KILLED + "_")) > 0
    finally:
        nodes = client.read("MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $p) "
                            "RETURN count(n) AS n", {"p": KILLED + "_"})[0]["n"]
        deleted = drop(KILLED, client=client)
    # The drop deletes every node of the dataset, its indexes, and nothing else.
    assert deleted == nodes > 0
    assert count_by_label(client, KILLED) == {}
    assert indexes_on_labels(client, KILLED + "_") == []
    assert (count_by_label(client, DATASET + "_"),
            count_by_rel_type(client, DATASET + "_")) == reference
