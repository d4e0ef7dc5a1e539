"""Gap junctions and 64-bit root ids through the bulk path (neo4j-admin import).

The adult C. elegans animal (witvliet2021:d8) and then, over it, FlyWire v783
are bulk-loaded into a throw-away instance of their own; expected values come
from pandas on the source files in shared/datasets. In ``make test-slow``
(starting an instance and two imports take minutes); ``make test`` covers the
same writers through the import files of test_bulk_files.py and the Bolt path
of test_celegans.py and test_flywire.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil

import pandas as pd
import pytest

from connectograph import NC, Client, fetch_adjacencies, fetch_neurons, fetch_simple_connections

from throwaway_instances import stopped_empty_instance
from shared_datasets import DATASETS

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]


def minted_id(name: str) -> int:
    """docs/data-model.md's rule, computed with hashlib: the top 53 bits of BLAKE2b-64."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 11


@pytest.fixture(scope="module")
def instance():
    """A throw-away instance, stopped, without a ``neo4j`` database."""
    from connectograph import neo4j_server
    from connectograph.neo4j_server.settings import InstanceSettings

    name = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-bulk-real"
    stopped_empty_instance(name)
    yield name
    neo4j_server.stop(name, echo=lambda s: None)
    shutil.rmtree(InstanceSettings(name=name).root, ignore_errors=True)


def _client(name: str, dataset: str) -> Client:
    from connectograph.neo4j_server import load_settings
    from connectograph.neo4j_server.settings import read_connection

    conn = read_connection(load_settings(name))
    return Client(conn["uri"], auth=(conn["username"], conn["password"]), dataset=dataset)


def test_gap_junctions_through_neo4j_admin_import(instance):
    from connectograph.loading.bulk import bulk_load

    summary = bulk_load("celegans-witvliet2021", instance=instance, dataset="witvliet2021:d8",
                        echo=lambda s: None)
    src = pd.read_excel(DATASETS / "celegans-witvliet2021" / "edges"
                        / "witvliet_2020_8 adult.xlsx")
    elec = src[src["type"] == "electrical"]
    pairs = elec.assign(a=elec[["pre", "post"]].min(axis=1), b=elec[["pre", "post"]].max(axis=1))
    assert summary.counts["GapJunction relationships"] == len(pairs)
    with _client(instance, "witvliet2021:d8") as client:
        got = client.read("MATCH (a:`witvliet2021:d8_Segment`)-[g:GapJunction]->"
                          "(b:`witvliet2021:d8_Segment`) RETURN a.instance AS a, "
                          "b.instance AS b, a.bodyId AS ida, b.bodyId AS idb, g.weight AS w")
        # once per unordered pair, the lower bodyId first (the file has a few cells
        # coupled to themselves), the weight as the file gives it
        assert all(r["ida"] <= r["idb"] for r in got)
        assert sorted((*sorted((r["a"], r["b"])), r["w"]) for r in got) == sorted(
            zip(pairs["a"], pairs["b"], pairs["synapses"]))
        # read symmetrically: AVAL's gap junctions whichever column names it
        aval = elec[(elec["pre"] == "AVAL") | (elec["post"] == "AVAL")]
        expected = {minted_id(b if a == "AVAL" else a): w
                    for a, b, w in zip(aval["pre"], aval["post"], aval["synapses"])}
        conn = fetch_simple_connections(NC(instance="AVAL"), NC(label="Segment"),
                                        synapse_type="electrical", client=client)
        assert dict(zip(conn["bodyId_post"], conn["weight"])) == expected and expected


def test_root_ids_through_neo4j_admin_import(instance):
    from connectograph.loading.bulk import bulk_load

    bulk_load("flywire-mb783", instance=instance, overwrite=True, echo=lambda s: None)
    folder = DATASETS / "flywire-mb783"
    codex = pd.read_csv(folder / "codex" / "neurons.csv.gz", dtype={"root_id": "int64"})
    edges = pd.read_csv(folder / "mb_fafb783_edges.csv",
                        dtype={"pre_root_id": "int64", "post_root_id": "int64"})
    nodes = pd.read_csv(folder / "mb_fafb783_nodes.csv", dtype={"root_id": "int64"})
    with _client(instance, "flywire-mb783:v783") as client:
        neurons, _ = fetch_neurons(NC(), client=client, omit_rois=True)
        assert neurons["bodyId"].dtype == "int64"
        assert sorted(neurons["bodyId"].tolist()) == sorted(codex["root_id"].tolist())
        assert (codex["root_id"] > 2**53).all()
        kinds = nodes.set_index("root_id")
        kcab = edges[edges["pre_root_id"].map(kinds["cell_type"]) == "KCab"]
        body = int(kcab["pre_root_id"].iloc[0])
        mine = edges[edges["pre_root_id"] == body].groupby("post_root_id")["syn_count"].sum()
        _, conn = fetch_adjacencies([body], NC(label="Segment"), client=client)
        assert conn.groupby("bodyId_post")["weight"].sum().to_dict() == mine.to_dict()
