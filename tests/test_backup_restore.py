"""connectograph backup / restore: a whole instance through neo4j-admin
database dump and load.

The refusals are checked without a server (they come before anything is
stopped). The round trip (two throw-away instances, two real datasets, a dump
and a load, servers stopped and started) takes minutes and is in
``make test-slow``: the restored instance must hold the same graph, answer
every fetch identically, and refuse a second restore without --force.
"""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from connectograph import NC, Client, fetch_adjacencies, fetch_neurons, fetch_synapse_connections
from connectograph.cli import main
from connectograph.errors import BackupError
from connectograph.neo4j_server.backup import (DUMP_FILE, MANIFEST_FILE, backup, read_manifest,
                                               restore)
from connectograph.neo4j_server.settings import NEO4J_VERSION, InstanceSettings

from other_datasets import graph_counts


def _fake_backup(folder, **manifest) -> None:
    folder.mkdir(exist_ok=True)
    (folder / DUMP_FILE).write_bytes(b"not a real dump")
    (folder / MANIFEST_FILE).write_text(json.dumps(
        {"neo4j_version": NEO4J_VERSION, "dump": DUMP_FILE, **manifest}))


def test_backup_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="is not empty.*--force"):
        backup("never-started", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("edit, message", [
    (lambda f: (f / MANIFEST_FILE).unlink(), "not a connectograph backup"),
    (lambda f: (f / MANIFEST_FILE).write_text("{"), "is not a backup manifest"),
    (lambda f: (f / DUMP_FILE).unlink(), "names neo4j.dump, which is not in"),
    (lambda f: _fake_backup(f, neo4j_version="6.1.0"), "newer major version"),
    (lambda f: _fake_backup(f, dump_sha256="0" * 64), "does not match the checksum"),
])
def test_restore_refuses_what_is_not_an_intact_backup(tmp_path, edit, message):
    """Before any server is touched: the instance is not even created."""
    folder = tmp_path / "backup"
    _fake_backup(folder)
    edit(folder)
    with pytest.raises(BackupError, match=message):
        read_manifest(folder)
    name = "restore-refusal-never-created"
    with pytest.raises(BackupError, match=message):
        restore(folder, name)
    assert not InstanceSettings(name=name).root.exists()
    result = CliRunner().invoke(main, ["restore", str(folder), "--instance", name])
    assert result.exit_code == 1 and message.split(".*")[0] in result.output


# --- the round trip (make test-slow) ------------------------------------------------------


@pytest.fixture(scope="module")
def two_instances(fresh_instance):
    from connectograph import neo4j_server

    base = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test")
    names = [f"{base}-backup-from", f"{base}-backup-to"]
    yield [(name, fresh_instance(name)) for name in names]
    for name in names:
        neo4j_server.stop(name, echo=lambda s: None)
        shutil.rmtree(InstanceSettings(name=name).root, ignore_errors=True)


def _client(conn: dict, dataset: str) -> Client:
    return Client(conn["uri"], auth=(conn["username"], conn["password"]), dataset=dataset)


def _answers(client: Client) -> list[pd.DataFrame]:
    neurons, roi_counts = fetch_neurons(NC(), client=client)
    _, conn = fetch_adjacencies(NC(), None, client=client)
    return [neurons, roi_counts, conn]


@pytest.mark.slow
@pytest.mark.neo4j
def test_restore_into_a_fresh_instance_gives_the_same_graph(two_instances, tmp_path):
    from connectograph.loading import load

    (source, from_conn), (target, to_conn) = two_instances
    datasets = {"hemibrain-nt:v1.2.1": "hemibrain-synapse-nt",
                "witvliet2021:d8": "celegans-witvliet2021"}
    before = {}
    for dataset, recipe in datasets.items():
        with Client(from_conn["uri"], auth=(from_conn["username"], from_conn["password"]),
                    dataset=dataset, check_dataset=False) as writer:
            load(recipe, client=writer, dataset=dataset, progress=None)
        with _client(from_conn, dataset) as c:
            before[dataset] = (graph_counts(c), _answers(c))
    folder = tmp_path / "backup"
    manifest = backup(source, folder, echo=lambda s: None)
    assert manifest["datasets"] == sorted(datasets)
    assert (folder / DUMP_FILE).stat().st_size == manifest["dump_bytes"] > 0
    with pytest.raises(BackupError, match="is not empty"):
        backup(source, folder, echo=lambda s: None)
    restore(folder, target, echo=lambda s: None)
    for dataset, (counts, answers) in before.items():
        with _client(to_conn, dataset) as c:
            assert graph_counts(c) == counts
            for got, expected in zip(_answers(c), answers):
                pd.testing.assert_frame_equal(got, expected)
    with _client(to_conn, "hemibrain-nt:v1.2.1") as c:
        syn = fetch_synapse_connections(NC(), None, nt="max", client=c)
    with _client(from_conn, "hemibrain-nt:v1.2.1") as c:
        pd.testing.assert_frame_equal(syn, fetch_synapse_connections(NC(), None, nt="max",
                                                                     client=c))
    # the source server was started again; the target refuses a second restore
    with _client(from_conn, "witvliet2021:d8") as c:
        assert graph_counts(c) == before["witvliet2021:d8"][0]
    with pytest.raises(BackupError, match="holds .* nodes.*--force"):
        restore(folder, target, echo=lambda s: None)
    restore(folder, target, force=True, echo=lambda s: None)
    with _client(to_conn, "witvliet2021:d8") as c:
        assert graph_counts(c) == before["witvliet2021:d8"][0]
