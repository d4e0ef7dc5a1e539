"""The hemibrain-synapse-nt recipe on the real files: per-synapse transmitter
predictions stored on the T-bars under neuPrint's names, listed in Meta, and
returned by fetch_synapses / fetch_synapse_connections (``nt=...``), ours and
unmodified neuprint-python's through the service.

The dataset is loaded once into the session's server beside the hemibrain
bundle. Every expected value is computed with pandas from the source files in
shared/datasets/hemibrain-synapse-nt (see its README.md). The checks of bad
values and of the bulk import files need no server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph import NC, fetch_synapse_connections, fetch_synapses
from connectograph.errors import CriteriaError, DatasetLacksError, RecipeError, ValidationError
from connectograph.loading import check
from connectograph.loading.fingerprint import fingerprint
from connectograph.loading.preparation import prepare
from connectograph.loading.recipe import checked_recipe
from connectograph.loading.write.bulk_csv import write_import_files
from connectograph.loading.write.import_csv import POINT_3D

from loading.test_bulk_files import import_graph
from every_fetch import (LACKS_ROIS, LACKS_SKELETONS, LACKS_STATUS, check_every_fetch,
                         pairs_expected)
from other_datasets import another_dataset, assert_loading_again_changes_nothing
from small_recipes import write_recipe
from shared_datasets import DATASETS
from neuprint_service import neuprint_through_service

DATASET = "hemibrain-nt:v1.2.1"
FOLDER = DATASETS / "hemibrain-synapse-nt"
FILES = ["acetylcholine", "dopamine", "gaba", "glutamate", "octopamine", "serotonin"]
#: neuPrint's per-synapse property of each transmitter name the files use
PROPERTY = {"acetylcholine": "ntAcetylcholineProb", "dopamine": "ntDopamineProb",
            "gaba": "ntGabaProb", "glutamate": "ntGlutamateProb",
            "octopamine": "ntOctopamineProb", "serotonin": "ntSerotoninProb"}
TBAR = ["bodyId_pre", "x_pre", "y_pre", "z_pre"]


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return pd.concat([pd.read_csv(FOLDER / f"{nt}_neurons.csv") for nt in FILES],
                     ignore_index=True)


@pytest.fixture(scope="module")
def tbars(pairs) -> pd.DataFrame:
    """One row per T-bar (a T-bar with several PSDs has several rows, which agree)."""
    per_tbar = pairs.groupby(TBAR)[["max_neurotransmitter", "max_nt_value"]].nunique()
    assert (per_tbar == 1).all().all()
    return pairs.drop_duplicates(TBAR).reset_index(drop=True)


@pytest.fixture(scope="module")
def hemibrain_nt(neo4j_connection, loaded):
    with another_dataset(neo4j_connection, "hemibrain-synapse-nt", DATASET) as (c, summary):
        yield c, summary


@pytest.fixture(scope="module")
def chosen(pairs) -> list[int]:
    """The first presynaptic body of each file."""
    return [int(pairs.loc[pairs["max_neurotransmitter"] == nt, "bodyId_pre"].iloc[0])
            for nt in FILES]


# --- the load ---------------------------------------------------------------------------


@pytest.mark.neo4j
def test_counts(hemibrain_nt, pairs, tbars):
    client, summary = hemibrain_nt
    counts = summary.counts
    assert len(pairs) == counts["SynapsesTo relationships"] == 1650
    assert not pairs.duplicated(["bodyId_post", "x_post", "y_post", "z_post"]).any()
    assert counts["Synapse nodes"] == len(tbars) + len(pairs)
    assert counts["ConnectsTo relationships"] == len(pairs.groupby(["bodyId_pre", "bodyId_post"]))
    bodies = pd.unique(pd.concat([pairs["bodyId_pre"], pairs["bodyId_post"]]))
    assert counts["Segment nodes"] == len(bodies)
    assert pairs["bodyId_pre"].nunique() == 105


@pytest.mark.neo4j
def test_every_tbar_carries_its_prediction(hemibrain_nt, tbars):
    """Each T-bar's winner property holds its probability; the five other
    transmitters' are unset (unknown); no PSD has any."""
    client, _ = hemibrain_nt
    rows = client.read(
        f"MATCH (s:`{DATASET}_Synapse`) RETURN s.type AS type, s.bodyId AS bodyId_pre, "
        "s.location.x AS x_pre, s.location.y AS y_pre, s.location.z AS z_pre, "
        "[k IN keys(s) WHERE k STARTS WITH 'nt'] AS keys, properties(s) AS props")
    got = pd.DataFrame(rows)
    assert not got.loc[got["type"] == "post", "keys"].map(len).any()
    pre = got[got["type"] == "pre"].astype({c: "int64" for c in TBAR})
    merged = pre.merge(tbars, on=TBAR, how="outer", validate="one_to_one", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == len(tbars)
    assert (merged["keys"].map(tuple)
            == merged["max_neurotransmitter"].map(lambda nt: (PROPERTY[nt],))).all()
    stored = [props[PROPERTY[nt]] for props, nt in zip(merged["props"],
                                                       merged["max_neurotransmitter"])]
    assert stored == merged["max_nt_value"].tolist()


@pytest.mark.neo4j
def test_meta_lists_the_synapse_properties(hemibrain_nt, pairs):
    client, _ = hemibrain_nt
    text = client.read(f"MATCH (m:`{DATASET}_Meta`) RETURN m.ntSynapseProperties AS p")[0]["p"]
    expected = {PROPERTY[nt]: "float" for nt in pairs["max_neurotransmitter"].unique()}
    assert json.loads(text) == expected and len(expected) == 6


@pytest.mark.neo4j
def test_every_fetch_answers_or_says_what_the_dataset_lacks(hemibrain_nt, pairs):
    client, _ = hemibrain_nt
    check_every_fetch(client, pairs_expected(
        pairs, {**LACKS_ROIS, **LACKS_SKELETONS, **LACKS_STATUS}))


# --- fetch_synapses / fetch_synapse_connections with nt ------------------------------------


def _expected_sites(pairs: pd.DataFrame, body: int) -> pd.DataFrame:
    """A body's sites from the files: its T-bars with their prediction, its PSDs without."""
    pre = pairs[pairs["bodyId_pre"] == body].drop_duplicates(TBAR)
    post = pairs[pairs["bodyId_post"] == body]
    return pd.concat([
        pd.DataFrame({"type": "pre", "x": pre["x_pre"], "y": pre["y_pre"], "z": pre["z_pre"],
                      "nt": pre["max_neurotransmitter"], "ntProb": pre["max_nt_value"]}),
        pd.DataFrame({"type": "post", "x": post["x_post"], "y": post["y_post"],
                      "z": post["z_post"], "nt": None, "ntProb": np.nan})],
        ignore_index=True).sort_values(["type", "x", "y", "z"], ignore_index=True)


@pytest.mark.neo4j
def test_fetch_synapses_nt_max(hemibrain_nt, pairs, chosen):
    client, _ = hemibrain_nt
    got = fetch_synapses(NC(bodyId=chosen), nt="max", client=client)
    assert list(got.columns) == ["bodyId", "type", "roi", "x", "y", "z", "confidence",
                                 "nt", "ntProb"]
    assert list(got["nt"].cat.categories) == FILES     # sorted by property, as neuprint-python
    assert got["ntProb"].dtype == np.float32
    for body in chosen:
        mine = got[got["bodyId"] == body].astype({"type": str}).sort_values(
            ["type", "x", "y", "z"], ignore_index=True)
        want = _expected_sites(pairs, body)
        assert len(mine) == len(want) > 0
        assert mine["type"].astype(str).tolist() == want["type"].tolist()
        xyz = ["x", "y", "z"]
        assert mine[xyz].to_numpy().tolist() == want[xyz].to_numpy().tolist()
        assert [None if pd.isna(v) else v for v in mine["nt"]] == want["nt"].tolist()
        np.testing.assert_array_equal(mine["ntProb"].to_numpy(),
                                      want["ntProb"].to_numpy(dtype="float32"))


@pytest.mark.neo4j
def test_fetch_synapses_nt_all(hemibrain_nt, pairs, chosen):
    client, _ = hemibrain_nt
    body = chosen[2]        # a GABA neuron
    got = fetch_synapses(body, nt="all", client=client)
    assert list(got.columns)[7:] == FILES
    pre = got[got["type"] == "pre"].sort_values(["x", "y", "z"], ignore_index=True)
    want = _expected_sites(pairs, body)
    want = want[want["type"] == "pre"].reset_index(drop=True)
    assert len(pre) == len(want)
    for nt in FILES:
        assert pre[nt].dtype == np.float32
        expected = np.where(want["nt"] == nt, want["ntProb"], np.nan).astype("float32")
        np.testing.assert_array_equal(pre[nt].to_numpy(), expected)
    assert got.loc[got["type"] == "post", FILES].isna().all().all()


@pytest.mark.neo4j
def test_fetch_synapse_connections_nt(hemibrain_nt, pairs, chosen):
    client, _ = hemibrain_nt
    got = fetch_synapse_connections(NC(bodyId=chosen), NC(label="Segment"), nt="max",
                                    client=client)
    assert list(got.columns)[-2:] == ["nt", "ntProb"]
    want = pairs[pairs["bodyId_pre"].isin(chosen)]
    key = ["bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre", "x_post", "y_post", "z_post"]
    want = want.sort_values(key, ignore_index=True)
    got = got.sort_values(key, ignore_index=True)
    assert got[key].astype("int64").to_numpy().tolist() == want[key].to_numpy().tolist()
    assert got["nt"].astype(str).tolist() == want["max_neurotransmitter"].tolist()
    np.testing.assert_array_equal(got["ntProb"].to_numpy(),
                                  want["max_nt_value"].to_numpy(dtype="float32"))
    every = fetch_synapse_connections(NC(bodyId=chosen), NC(label="Segment"), nt="all",
                                      client=client).sort_values(key, ignore_index=True)
    assert list(every.columns)[-6:] == FILES
    for nt in FILES:
        expected = np.where(want["max_neurotransmitter"] == nt, want["max_nt_value"], np.nan)
        np.testing.assert_array_equal(every[nt].to_numpy(), expected.astype("float32"))


@pytest.mark.neo4j
def test_nt_argument_errors(hemibrain_nt, client):
    nt_client, _ = hemibrain_nt
    with pytest.raises(CriteriaError, match="nt must be"):
        fetch_synapses(NC(bodyId=[573333835]), nt="both", client=nt_client)
    # the hemibrain bundle has no per-synapse predictions: an error, not an empty column
    with pytest.raises(DatasetLacksError, match="no per-synapse transmitter"):
        fetch_synapses(NC(bodyId=[5813078552]), nt="max", client=client)
    with pytest.raises(DatasetLacksError, match="ntSynapseProperties"):
        fetch_synapse_connections(5813078552, None, nt="all", client=client)


# --- unmodified neuprint-python through the service ----------------------------------------


@pytest.mark.neo4j
def test_neuprint_python_reads_them_through_the_service(hemibrain_nt, chosen, neo4j_connection,
                                                        tmp_path_factory):
    """neuprint-python finds the properties through Meta.ntSynapseProperties
    and its nt='all' columns equal ours. (Its nt='max' needs every
    probability of a T-bar, which this source does not give: see
    docs/data-model.md.)"""
    import neuprint

    client, _ = hemibrain_nt
    with neuprint_through_service(neo4j_connection, DATASET,
                                  tmp_path_factory.mktemp("synapse-nt-service"),
                                  timeout=30.0) as np_client:
        assert np_client.fetch_synapse_nt_keys() == sorted(PROPERTY.values())
        theirs = neuprint.fetch_synapses(neuprint.NeuronCriteria(bodyId=chosen[:2]),
                                         nt="all", client=np_client)
        their_pairs = neuprint.fetch_synapse_connections(
            neuprint.NeuronCriteria(bodyId=chosen[:2]), neuprint.NeuronCriteria(
                label="Segment", client=np_client), nt="all", client=np_client)
    ours = fetch_synapses(NC(bodyId=chosen[:2]), nt="all", client=client)
    key = ["bodyId", "type", "x", "y", "z"]
    theirs = theirs.sort_values(key, ignore_index=True)
    assert len(theirs) == len(ours)
    assert theirs[key].astype(str).to_numpy().tolist() == ours[key].astype(str).to_numpy().tolist()
    for nt in FILES:
        assert theirs[nt].dtype == ours[nt].dtype == np.float32
        np.testing.assert_array_equal(theirs[nt].to_numpy(), ours[nt].to_numpy())
    # the T-bar's (pre side's) predictions on each pair
    ours = fetch_synapse_connections(NC(bodyId=chosen[:2]), NC(label="Segment"), nt="all",
                                     client=client)
    key = ["bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre", "x_post", "y_post", "z_post"]
    theirs = their_pairs.sort_values(key, ignore_index=True)
    assert theirs[key].to_numpy().tolist() == ours[key].to_numpy().tolist() and len(ours) > 0
    for nt in FILES:
        np.testing.assert_array_equal(theirs[nt].to_numpy(), ours[nt].to_numpy())


# --- no server: the bulk import files, bad values -------------------------------------------


def test_bulk_import_files_carry_the_properties(tmp_path, tbars):
    recipe = checked_recipe("hemibrain-synapse-nt")
    prepared = prepare(recipe, fingerprint(recipe))
    try:
        files = write_import_files(prepared, tmp_path)
    finally:
        prepared.close()
    nodes, _ = import_graph(files)
    synapses = nodes["Synapse"].values()
    found = {}
    for props in synapses:
        nt = {k.partition(":")[0]: v for k, v in props.items() if k.startswith("nt")}
        assert all(k.endswith(":double") for k in props if k.startswith("nt"))
        if props["type:string"] == "pre":
            xyz = re.findall(r"[xyz]:([-+.\de]+)", props[f"location:{POINT_3D}"])
            found[(int(props["bodyId:long"]), *(round(float(v)) for v in xyz))] = nt
        else:
            assert nt == {}
    assert len(found) == len(tbars)
    for row in tbars.itertuples():
        prop = found[(row.bodyId_pre, row.x_pre, row.y_pre, row.z_pre)]
        assert list(prop) == [PROPERTY[row.max_neurotransmitter]]
        assert float(prop[PROPERTY[row.max_neurotransmitter]]) == row.max_nt_value


def _small_recipe(tmp_path: Path, rows: list[dict], properties: str | None = None) -> Path:
    columns = ["bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre", "x_post", "y_post",
               "z_post", "max_neurotransmitter", "max_nt_value"]
    pd.DataFrame(rows, columns=columns).to_csv(tmp_path / "pairs.csv", index=False)
    properties = properties or '{ gaba = "ntGabaProb", glutamate = "ntGlutamateProb" }'
    return write_recipe(tmp_path, "small-nt", "v1", tmp_path, rois=False, extra=f"""
[[synapses]]
kind = "synapse_connections"
file = "pairs.csv"
unknown_bodies = "add"

[synapses.transmitter]
transmitter = "max_neurotransmitter"
probability = "max_nt_value"
properties = {properties}
""")


def _row(i: int, nt, prob) -> dict:
    return dict(bodyId_pre=1, bodyId_post=2, x_pre=10 * i, y_pre=0, z_pre=0, x_post=10 * i + 1,
                y_post=0, z_post=0, max_neurotransmitter=nt, max_nt_value=prob)


@pytest.mark.parametrize("bad,column,message", [
    ((1.2,), "max_nt_value", "outside \\[0, 1\\]"),
    ((-0.1,), "max_nt_value", "outside \\[0, 1\\]"),
    (("serotonin", 0.9), "max_neurotransmitter", "not among"),
    (("gaba", None), "max_nt_value", "has no probability"),
    ((None, 0.5), "max_neurotransmitter", "without a transmitter"),
])
def test_bad_values_are_refused_before_any_write(tmp_path, bad, column, message):
    nt, prob = bad if len(bad) == 2 else ("gaba", bad[0])
    recipe = _small_recipe(tmp_path, [_row(0, "gaba", 0.9), _row(1, "glutamate", 0.5),
                                      _row(2, nt, prob)])
    with pytest.raises(ValidationError, match=message) as err:
        check(str(recipe), progress=None)
    assert (err.value.file, err.value.row, err.value.column) == (
        str(tmp_path / "pairs.csv"), 3, column)


def test_good_small_table_and_tbar_rows_must_agree(tmp_path):
    rows = [_row(0, "gaba", 0.9), _row(1, "glutamate", 0.5)]
    check(str(_small_recipe(tmp_path, rows)), progress=None)
    # a second PSD of the first T-bar, with another probability
    rows.append({**_row(0, "gaba", 0.8), "x_post": 5})
    with pytest.raises(ValidationError, match="T-bar") as err:
        check(str(_small_recipe(tmp_path, rows)), progress=None)
    assert err.value.column == "max_nt_value"


@pytest.mark.parametrize("properties,message", [
    ('{ gaba = "gabaProbability" }', "not a neuPrint transmitter probability name"),
    ('{ gaba = "ntGabaProb", glutamate = "ntGabaProb" }', None),
])
def test_recipe_mapping_rules(tmp_path, properties, message):
    recipe = _small_recipe(tmp_path, [_row(0, "gaba", 0.9), _row(1, "glutamate", 0.5)],
                           properties)
    if message is None:      # two names onto one property: allowed (synonyms)
        check(str(recipe), progress=None)
        return
    with pytest.raises(RecipeError, match=message):
        check(str(recipe), progress=None)


def test_partitioned_load_refuses_synapse_properties(tmp_path):
    recipe = _small_recipe(tmp_path, [_row(0, "gaba", 0.9)])
    with pytest.raises(RecipeError, match="partitioned load"):
        check(str(recipe), progress=None, partition_rows=1000, spill_dir=str(tmp_path))


def test_pre_properties_map_columns_onto_tbars(tmp_path):
    """One column per property (a neuPrint-style export): kept on the T-bars
    (not the PSDs); nt…Prob ones checked in [0, 1] and listed in Meta."""
    pairs = pd.DataFrame([_row(0, "gaba", 0.9), _row(1, "glutamate", 0.5)])
    pairs["gaba_p"] = [0.9, 0.25]
    pairs["size"] = [120.0, 7.5]
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    recipe = write_recipe(tmp_path, "small-nt", "v1", tmp_path, rois=False, extra="""
[[synapses]]
kind = "synapse_connections"
file = "pairs.csv"
unknown_bodies = "add"
pre_properties = { ntGabaProb = "gaba_p", tbarSize = "size" }
""")
    prepared = prepare(checked_recipe(str(recipe)))
    try:
        points = prepared.synapses.points.sort_values(["type", "x"])
        pre = points[points["type"] == "pre"]
        assert pre["property:ntGabaProb"].tolist() == [0.9, 0.25]
        assert pre["property:tbarSize"].tolist() == [120.0, 7.5]
        assert points.loc[points["type"] == "post", ["property:ntGabaProb",
                                                       "property:tbarSize"]].isna().all().all()
        assert json.loads(prepared.meta["ntSynapseProperties"]) == {"ntGabaProb": "float"}
    finally:
        prepared.close()
    pairs.loc[1, "gaba_p"] = 1.5       # a probability outside [0, 1]; size has no such rule
    pairs.loc[1, "size"] = 1e6
    pairs.to_csv(tmp_path / "pairs.csv", index=False)
    with pytest.raises(ValidationError, match="ntGabaProb 1.5 is outside") as err:
        check(str(recipe), progress=None)
    assert (err.value.row, err.value.column) == (2, "gaba_p")


def test_nt_columns_rules():
    """neuprint-python 0.6.4's rules: column names (every 'nt' and 'Prob'
    removed, lower case), the first transmitter in property order on a tie;
    ours also for a site holding only some probabilities."""
    from connectograph.fetch._synapse_query import nt_column_name, nt_columns
    props = ["ntAcetylcholineProb", "ntGabaProb", "ntGlutamateProb"]
    assert [nt_column_name(p) for p in props] == ["acetylcholine", "gaba", "glutamate"]
    values = pd.DataFrame([[0.2, 0.4, 0.4], [np.nan, 0.7, np.nan], [np.nan] * 3],
                          columns=props)
    best = nt_columns("max", props, values)
    assert [None if pd.isna(v) else v for v in best["nt"]] == ["gaba", "gaba", None]
    assert list(best["nt"].cat.categories) == ["acetylcholine", "gaba", "glutamate"]
    np.testing.assert_array_equal(best["ntProb"].to_numpy(),
                                  np.array([0.4, 0.7, np.nan], dtype="float32"))
    every = nt_columns("all", props, values)
    assert list(every) == ["acetylcholine", "gaba", "glutamate"]
    assert all(c.dtype == np.float32 for c in every.values())
    empty = nt_columns("max", props, None)
    assert len(empty["nt"]) == 0 and empty["ntProb"].dtype == np.float32


@pytest.mark.neo4j
def test_loading_again_changes_nothing(hemibrain_nt):
    client, _ = hemibrain_nt
    assert_loading_again_changes_nothing(client, "hemibrain-synapse-nt")
