"""The manc-nt recipe on the real MANC files, and the value filters of
NeuronCriteria (ranges, NotIn, Regex) answered by the database.

The dataset is loaded once into the session's server beside the hemibrain
bundle. Every expected value is computed with pandas from the source files in
shared/datasets/manc-nt (see its README.md).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from connectograph import (NC, Above, AtLeast, Between, NotIn, Regex, fetch_adjacencies,
                           fetch_neurons, fetch_synapse_connections)

from every_fetch import (LACKS_ROIS, LACKS_SKELETONS, LACKS_STATUS, check_every_fetch,
                         pairs_expected)
from other_datasets import another_dataset, assert_loading_again_changes_nothing
from shared_datasets import DATASETS

pytestmark = pytest.mark.neo4j

DATASET = "manc-nt:v1"
FOLDER = DATASETS / "manc-nt"
NT_PROPERTIES = ["predictedNt", "predictedNtProb", "ntAcetylcholineProb", "ntGabaProb",
                 "ntGlutamateProb", "ntUnknownProb", "celltypePredictedNt"]


@pytest.fixture(scope="module")
def source():
    neurons = pd.read_csv(FOLDER / "manc_gt_pred_matched.csv")
    pairs = pd.concat([pd.read_csv(FOLDER / f"manc_{nt}_points.csv")
                       for nt in ("acetylcholine", "gaba", "glutamate")], ignore_index=True)
    return neurons, pairs


@pytest.fixture(scope="module")
def manc(neo4j_connection, loaded):
    with another_dataset(neo4j_connection, "manc-nt", DATASET) as (c, summary):
        yield c, summary


def bodies(criteria, client) -> set[int]:
    neurons, _ = fetch_neurons(criteria, client=client, omit_rois=True)
    return set(neurons["bodyId"].tolist())


def test_counts(manc, source):
    client, summary = manc
    neurons, pairs = source
    ends = pd.unique(pd.concat([pairs["bodyId_pre"], pairs["bodyId_post"]]))
    only_in_pairs = set(ends) - set(neurons["bodyId"])
    counts = summary.counts
    assert counts["Segment nodes"] == len(neurons) + len(only_in_pairs)
    assert counts["SynapsesTo relationships"] == len(pairs) == 3000
    # one ConnectsTo per (pre, post) body pair of the synapse pairs
    assert counts["ConnectsTo relationships"] == len(pairs.groupby(["bodyId_pre", "bodyId_post"]))
    assert client.read(f"MATCH (m:`{DATASET}_Meta`) RETURN m.dataset AS d")[0]["d"] == "manc-nt"


def test_transmitter_properties_of_every_listed_neuron(manc, source):
    client, _ = manc
    neurons, _ = source
    got, _ = fetch_neurons(NC(bodyId=neurons["bodyId"].tolist()), client=client, omit_rois=True)
    got = got.set_index("bodyId").loc[neurons["bodyId"]]
    def values(series):     # a missing value (NaN in the file, null in Neo4j) as None
        return [None if pd.isna(v) else v for v in series.tolist()]
    for col in NT_PROPERTIES + ["type", "instance", "pre", "hemilineage", "nt_class"]:
        expected = neurons.set_index("bodyId")[col]
        assert values(got[col]) == values(expected), col
    assert neurons["predictedNtProb"].isna().any()     # and those stayed missing
    meta = client.read(f"MATCH (m:`{DATASET}_Meta`) RETURN m.neuronProperties AS p")[0]["p"]
    assert set(NT_PROPERTIES) <= set(json.loads(meta))


def test_predicted_transmitter_counts(manc, source):
    client, _ = manc
    neurons, _ = source
    expected = neurons["predictedNt"].value_counts()
    assert expected.to_dict() == {"acetylcholine": 5219, "gaba": 4395, "glutamate": 1457}
    for nt, n in expected.items():
        assert bodies(NC(predictedNt=nt), client) == set(
            neurons.loc[neurons["predictedNt"] == nt, "bodyId"])


def test_range_filters(manc, source):
    client, _ = manc
    neurons, _ = source
    def ids(mask):
        return set(neurons.loc[mask, "bodyId"])
    assert bodies(NC(ntGabaProb=AtLeast(0.5)), client) == ids(neurons["ntGabaProb"] >= 0.5)
    assert bodies(NC(predictedNtProb=Above(0.99)), client) == \
        ids(neurons["predictedNtProb"] > 0.99)
    assert bodies(NC(pre=Between(100, 500), predictedNt="glutamate"), client) == \
        ids(neurons["pre"].between(100, 500) & (neurons["predictedNt"] == "glutamate"))


def test_not_in_and_regex(manc, source):
    client, _ = manc
    neurons, pairs = source
    listed = set(neurons["bodyId"])
    others = set(pd.concat([pairs["bodyId_pre"], pairs["bodyId_post"]])) - listed
    not_gaba = set(neurons.loc[neurons["predictedNt"] != "gaba", "bodyId"])
    # None among the values: bodies without a prediction are left out too
    assert bodies(NC(predictedNt=NotIn(["gaba", None])), client) == not_gaba
    # without it they match (the bodies only seen in the synapse tables)
    assert bodies(NC(predictedNt=NotIn(["gaba"]), label="Segment"), client) == not_gaba | others
    pattern = r"0[0-9]A"
    assert bodies(NC(hemilineage=Regex(pattern)), client) == set(
        neurons.loc[neurons["hemilineage"].str.fullmatch(pattern, na=False), "bodyId"])


def test_weights_and_synapse_pairs(manc, source):
    client, _ = manc
    _, pairs = source
    pre = int(pairs["bodyId_pre"].value_counts().index[0])
    mine = pairs[pairs["bodyId_pre"] == pre]
    expected = mine.groupby("bodyId_post").size()
    _, conn = fetch_adjacencies(NC(bodyId=pre), NC(label="Segment"), client=client)
    weights = conn.groupby("bodyId_post")["weight"].sum()
    assert weights.to_dict() == expected.to_dict()
    syn = fetch_synapse_connections(NC(bodyId=pre), NC(label="Segment"), client=client)
    assert len(syn) == len(mine)
    got = sorted(zip(syn["bodyId_post"], syn["x_post"], syn["y_post"], syn["z_post"]))
    assert got == sorted(zip(mine["bodyId_post"], mine["x_post"].astype(float),
                             mine["y_post"].astype(float), mine["z_post"].astype(float)))


def test_every_fetch_answers_or_says_what_the_dataset_lacks(manc, source):
    client, _ = manc
    neurons, pairs = source
    expected = pairs_expected(pairs, {**LACKS_ROIS, **LACKS_SKELETONS, **LACKS_STATUS},
                              neurons.set_index("bodyId")["type"])
    assert expected.cell_type is not None
    check_every_fetch(client, expected)


def test_loading_again_changes_nothing(manc):
    client, _ = manc
    assert_loading_again_changes_nothing(client, "manc-nt")
