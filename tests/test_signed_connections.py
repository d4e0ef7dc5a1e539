"""signed_connections without a server, on real rows: the FlyWire subset's
first edges and its nodes' known transmitters (the nodes file's ``nt`` and
``sign`` columns, the subset's own signs: expected values from the file)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from connectograph import signed_connections
from connectograph.errors import InvalidArgumentError
from shared_datasets import DATASETS

FOLDER = DATASETS / "flywire-mb783"


@pytest.fixture(scope="module")
def tables():
    nodes = pd.read_csv(FOLDER / "mb_fafb783_nodes.csv", dtype={"root_id": "int64"})
    edges = pd.read_csv(FOLDER / "mb_fafb783_edges.csv", nrows=400,
                        dtype={"pre_root_id": "int64", "post_root_id": "int64"})
    conn = edges.rename(columns={"pre_root_id": "bodyId_pre", "post_root_id": "bodyId_post",
                                 "syn_count": "weight"})[["bodyId_pre", "bodyId_post", "weight"]]
    neurons = nodes.rename(columns={"root_id": "bodyId", "nt": "predictedNt"})
    return nodes, conn, neurons


def test_signs_follow_the_subset_s_own_sign_column(tables):
    nodes, conn, neurons = tables
    # the subset's sign column: +1 cholinergic, -1 GABA/glutamate, 0 modulatory
    rule = (nodes.groupby("nt")["sign"].first()).to_dict()
    out = signed_connections(conn, neurons, signs={k: int(v) for k, v in rule.items()})
    expected = conn["bodyId_pre"].map(dict(zip(nodes["root_id"], nodes["sign"]))) * conn["weight"]
    np.testing.assert_array_equal(out["signed_weight"].to_numpy(), expected.to_numpy(float))
    assert out[["bodyId_pre", "bodyId_post", "weight"]].equals(conn)
    assert out["bodyId_pre"].dtype == "int64"


def test_default_rule_leaves_modulators_unsigned(tables):
    nodes, conn, neurons = tables
    out = signed_connections(conn, neurons)
    nt = conn["bodyId_pre"].map(dict(zip(nodes["root_id"], nodes["nt"])))
    expected = nt.map({"acetylcholine": 1.0, "gaba": -1.0, "glutamate": -1.0})
    pd.testing.assert_series_equal(out["sign"], expected, check_names=False)
    assert out["predictedNt_pre"].tolist() == nt.tolist()


def test_refusals(tables):
    _, conn, neurons = tables
    with pytest.raises(InvalidArgumentError, match="signs must be -1, 0 or 1"):
        signed_connections(conn, neurons, signs={"acetylcholine": 2})
    with pytest.raises(InvalidArgumentError, match="no 'consensusNt' column"):
        signed_connections(conn, neurons, transmitter="consensusNt")
