"""The measure of done: neuprint-python, unmodified, against the service on the
real bundle returns the same data as connectograph's function of the same name.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import connectograph as cg
from connectograph import NC

pytestmark = pytest.mark.neo4j


def _norm(value):
    """One cell, normalised for comparing (NaN/None → None, arrays → lists)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_norm(v) for v in value]
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: Connection strengths neuprint-python asks for with ``coalesce(e.<prop>, 0)``
#: (weight_props='all'); the bundle has none of them, so they come back as 0.
ABSENT_WEIGHT_PROPS = {"weightHP", "weightAxonAxon", "weightAxonDendrite",
                       "weightDendriteDendrite", "weightDendriteAxon"}


def assert_same_frame(theirs: pd.DataFrame, ours: pd.DataFrame, key: list[str]):
    """Same column set and same rows (order of rows set by ``key``), cell by cell.

    The only column one side may have alone is a weight property the dataset
    lacks, which neuprint-python asks for as ``coalesce(e.<prop>, 0)``: all 0.
    """
    common = [c for c in theirs.columns if c in ours.columns]
    for side, df, other in (("neuprint-python", theirs, ours), ("connectograph", ours, theirs)):
        for col in df.columns:
            if col not in other.columns:
                assert col in ABSENT_WEIGHT_PROPS, f"column {col!r} only in {side}'s result"
                assert df[col].map(lambda v: _norm(v) in {None, 0}).all(), \
                    f"column {col!r} only in {side}'s result, and not all 0"
    assert len(theirs) == len(ours)
    a = theirs[common].sort_values(key, ignore_index=True)
    b = ours[common].sort_values(key, ignore_index=True)
    for col in common:
        left = [_norm(v) for v in a[col]]
        right = [_norm(v) for v in b[col]]
        assert left == right, f"column {col!r} differs"


def test_client_connects_and_lists_the_dataset(np_client):
    assert np_client.dataset == "hemibrain-mb:v1.2.1"
    datasets = np_client.fetch_datasets(reload_cache=True)
    assert "hemibrain-mb:v1.2.1" in datasets
    assert "aL(R)" in datasets["hemibrain-mb:v1.2.1"]["ROIs"]


@pytest.mark.parametrize("criteria", [
    dict(type="MBON.*", inputRois=["aL(R)"]),
    dict(type="APL"),
    dict(bodyId=[300972942, 5813078552, 1]),
    dict(status="Traced", type="DA1_lPN", cropped=False),
    dict(instance="PPL1.*", regex=True),
    dict(type="MBON14.*"),
])
def test_fetch_neurons(np_client, client, criteria):
    import neuprint
    theirs, their_counts = neuprint.fetch_neurons(neuprint.NeuronCriteria(**criteria),
                                                  client=np_client)
    ours, our_counts = cg.fetch_neurons(NC(**criteria), client=client)
    assert len(theirs) > 0
    assert_same_frame(theirs, ours, ["bodyId"])
    assert_same_frame(their_counts, our_counts, ["bodyId", "roi"])
    assert_neuron_column_order(theirs, ours)


def assert_neuron_column_order(theirs: pd.DataFrame, ours: pd.DataFrame):
    """neuprint-python's core columns in its order on both sides; the other
    properties follow, alphabetically in ours (neuprint-python lists them in
    the order of a Python set), and inputRois, outputRois end both."""
    from neuprint.queries.neurons import CORE_NEURON_COLS
    core = [c for c in CORE_NEURON_COLS if c not in ("inputRois", "outputRois")]
    for df in (theirs, ours):
        cols = list(df.columns)
        n_core = len([c for c in cols if c in core])
        assert cols[:n_core] == [c for c in core if c in cols]
        assert cols[-2:] == ["inputRois", "outputRois"]
    assert list(theirs.columns)[:n_core] == list(ours.columns)[:n_core]
    extras = list(ours.columns)[n_core:-2]
    assert extras == sorted(extras)


#: Source columns of the bundle's neuron tables (pandas on the files) → the
#: property they are loaded as (loaders/hemibrain-mb.toml).
SOURCE_PROPERTIES = {"notes": "notes", "cell_class": "class",
                     "morphology_group": "morphology_group",
                     "ito_lee_hemilineage": "hemilineage", "somaLocation": "somaLocation"}


def _source_neurons(bundle_dir) -> pd.DataFrame:
    """The bundle's neuron tables that hold these columns, one row per body
    (a value wherever any file has one)."""
    files = [bundle_dir / "neurons" / "Supplemental_file5_hemibrain_meta.csv",
             *sorted((bundle_dir / "neuprint-exports").glob("perc_*_df*.csv"))]
    frames = [pd.read_csv(f).filter(["bodyId", *SOURCE_PROPERTIES]) for f in files
              if "_conn_" not in f.name and "_neuron_" not in f.name]
    both = pd.concat(frames, ignore_index=True)
    return both.groupby("bodyId").first().rename(columns=SOURCE_PROPERTIES)


@pytest.mark.parametrize("criteria", [dict(type="MBON.*"),
                                      dict(bodyId=[300972942, 5813078552])])
def test_fetch_neurons_lists_every_property(np_client, client, bundle_dir, criteria):
    """Every property of Meta.neuronProperties is a column on both sides,
    null on the bodies that lack it (a notebook reading df['notes'] works after
    switching), including properties none of the bodies has (pandas on the
    source tables says which)."""
    import neuprint
    theirs, _ = neuprint.fetch_neurons(neuprint.NeuronCriteria(**criteria), client=np_client)
    ours, _ = cg.fetch_neurons(NC(**criteria), client=client)
    source = _source_neurons(bundle_dir).loc[sorted(ours["bodyId"])]
    absent = [p for p in SOURCE_PROPERTIES.values() if source[p].isna().all()]
    present = [p for p in SOURCE_PROPERTIES.values() if source[p].notna().any()]
    assert absent and present           # bodies without a property and with one
    listed = set(np_client.fetch_neuron_keys())       # Meta.neuronProperties
    assert set(SOURCE_PROPERTIES.values()) <= listed
    assert set(theirs.columns) == set(ours.columns)
    assert listed - set(np_client.all_rois) <= set(ours.columns)
    for df in (theirs, ours):
        df = df.sort_values("bodyId", ignore_index=True)
        for prop in SOURCE_PROPERTIES.values():
            assert df[prop].isna().tolist() == source[prop].isna().tolist(), prop
    assert_same_frame(theirs, ours, ["bodyId"])


def test_points_leave_the_service_as_points(np_client, bundle_dir):
    """somaLocation through /api/custom/custom, /api/custom/arrow and in node
    maps is neuPrintHTTP's point map, with the source's coordinates (pandas on
    the MBON export; some MBONs have a soma, some not)."""
    source = pd.read_csv(bundle_dir / "neuprint-exports" / "perc_MBON_df3.csv")
    want = {int(b): None if pd.isna(s) else [float(v) for v in json.loads(s)]
            for b, s in zip(source["bodyId"], source["somaLocation"])}
    assert {v is None for v in want.values()} == {True, False}
    bodies = ", ".join(str(b) for b in want)
    q = (f"MATCH (n:Neuron) WHERE n.bodyId IN [{bodies}] "
         "RETURN n.bodyId AS bodyId, n.somaLocation AS soma, n AS node")
    for use_arrow in (False, True):
        df = np_client.fetch_custom(q, use_arrow=use_arrow)
        assert sorted(df["bodyId"]) == sorted(want)
        for body, soma, node in zip(df["bodyId"], df["soma"], df["node"]):
            for point in (soma, node.get("somaLocation")):
                if want[body] is None:
                    assert point is None or (isinstance(point, float) and np.isnan(point))
                    continue
                assert isinstance(point, dict), (use_arrow, body, point)
                assert _norm(point["coordinates"]) == want[body]
                assert point["type"] == "Point"
                assert point["crs"]["srid"] == 9157 and point["crs"]["name"] == "cartesian-3d"


def test_fetch_simple_connections(np_client, client):
    import neuprint
    theirs = neuprint.fetch_simple_connections(neuprint.NeuronCriteria(type="DA1_lPN"),
                                               neuprint.NeuronCriteria(type="KC.*"),
                                               min_weight=3, client=np_client)
    ours = cg.fetch_simple_connections(NC(type="DA1_lPN"), NC(type="KC.*"), min_weight=3,
                                       client=client)
    assert len(theirs) > 10
    assert_same_frame(theirs, ours, ["bodyId_pre", "bodyId_post"])


@pytest.mark.parametrize("sources,targets,kwargs", [
    (dict(type="DA1_lPN"), dict(type="KC.*"), {}),
    (None, dict(type="MBON14"), {}),
    (dict(type="APL"), dict(type="KCab.*"), dict(rois=["CA(R)"], min_roi_weight=2)),
])
def test_fetch_adjacencies(np_client, client, sources, targets, kwargs):
    import neuprint
    nsrc = neuprint.NeuronCriteria(**sources) if sources else None
    ntgt = neuprint.NeuronCriteria(**targets) if targets else None
    their_neurons, their_conn = neuprint.fetch_adjacencies(nsrc, ntgt, client=np_client,
                                                           **kwargs)
    our_neurons, our_conn = cg.fetch_adjacencies(NC(**sources) if sources else None,
                                                 NC(**targets) if targets else None,
                                                 client=client, **kwargs)
    assert len(their_conn) > 0
    assert_same_frame(their_conn, our_conn, ["bodyId_pre", "bodyId_post", "roi"])
    assert_same_frame(their_neurons, our_neurons, ["bodyId"])


@pytest.mark.parametrize("include_subprimary", [True, False])
def test_fetch_roi_hierarchy(np_client, client, include_subprimary):
    import neuprint
    theirs = neuprint.fetch_roi_hierarchy(include_subprimary, True, "dict", client=np_client)
    ours = cg.fetch_roi_hierarchy(include_subprimary, True, "dict", client=client)
    assert theirs == ours


@pytest.mark.parametrize("body", [5813078552, 1006258344])
def test_fetch_skeleton_healed(np_client, client, body):
    theirs = np_client.fetch_skeleton(body, heal=True)
    ours = cg.fetch_skeleton(body, heal=True, root="smallest_rowId", client=client)
    assert (theirs["link"] == -1).sum() == 1
    cols = ["rowId", "x", "y", "z", "radius", "link"]
    pd.testing.assert_frame_equal(theirs[cols].reset_index(drop=True),
                                  ours[cols].reset_index(drop=True), check_dtype=False)


def test_fetch_skeleton_swc_is_the_stored_one(np_client, client):
    theirs = np_client.fetch_skeleton(5813078552, format="swc")
    ours = cg.fetch_skeleton(5813078552, format="swc", client=client)
    assert theirs == ours


def test_fetch_roi_completeness(np_client, client):
    theirs = np_client.fetch_roi_completeness()
    ours = cg.fetch_roi_completeness(client=client)
    assert len(theirs) > 0
    assert_same_frame(theirs, ours, ["roi"])


def test_fetch_roi_connectivity(np_client, client):
    theirs = np_client.fetch_roi_connectivity()
    ours = cg.fetch_roi_connectivity(client=client)
    assert len(theirs) > 0
    key = ["from_roi", "to_roi"]
    a = theirs.sort_values(key, ignore_index=True)
    b = ours.sort_values(key, ignore_index=True)
    assert a[key].values.tolist() == b[key].values.tolist()
    assert (a["count"].astype("int64") == b["count"].astype("int64")).all()
    np.testing.assert_allclose(a["weight"], b["weight"], rtol=1e-9)


def test_fetch_meta_and_custom(np_client, client):
    import neuprint
    meta = neuprint.fetch_meta(client=np_client)
    assert meta["dataset"] == "hemibrain-mb"
    assert meta["primaryRois"] == cg.fetch_primary_rois(client=client)
    df = np_client.fetch_custom("MATCH (n:Neuron) WHERE n.type = 'MBON14' "
                                "RETURN n.bodyId AS bodyId, n.somaLocation AS soma "
                                "ORDER BY bodyId")
    expected = cg.fetch_custom(f"MATCH (n:{client.dataset.label('Neuron')}) "
                               "WHERE n.type = 'MBON14' RETURN n.bodyId AS bodyId, "
                               "n.somaLocation AS soma ORDER BY bodyId", client=client)
    assert df["bodyId"].tolist() == expected["bodyId"].tolist()
    for got, want in zip(df["soma"], expected["soma"]):
        if want is None:
            assert got is None
        else:
            assert got["coordinates"] == [want.x, want.y, want.z]
            assert got["type"] == "Point"


#: The Kenyon cell of the bundle, whose synapses are loaded.
KC = 5813078552

#: Properties of :Synapse that neuprint-python returns as extra columns ("any
#: other properties stored on the :Synapse nodes", its documented behaviour)
#: and connectograph's fetch functions do not: ``synapseId``, ours (the
#: data model's unique site id). ``bodyId`` is reserved by neuprint-python.
EXTRA_SYNAPSE_PROPS = ["synapseId"]


def _check_synapse_ids(theirs: pd.DataFrame, columns: list[str]):
    """The extra columns neuprint-python adds hold our unique int ids (one per
    site: duplicates only where a site is listed again, e.g. a T-bar per PSD)."""
    for col in columns:
        assert col in theirs.columns, f"{col!r} missing from neuprint-python's result"
        assert theirs[col].map(lambda v: isinstance(_norm(v), int)).all()


@pytest.mark.parametrize("synapse_criteria", [
    None,
    dict(rois=["CA(R)"]),
    dict(type="pre"),
    dict(rois=["CA(R)", "PED(R)"], type="post", confidence=0.9),
])
def test_fetch_synapses(np_client, client, synapse_criteria):
    """neuprint-python walks (:Segment)-[:Contains]->(:SynapseSet)-[:Contains]->
    (:Synapse); connectograph finds a body's sites through Synapse.bodyId. The
    rows agree, so every loaded site of the body is in one of its SynapseSets.
    Both return one row per site with primary_only=True (the default), which
    is what is compared here; neuprint-python's rows come unsorted."""
    import neuprint
    nsc = neuprint.SynapseCriteria(**synapse_criteria, client=np_client) \
        if synapse_criteria is not None else None
    theirs = neuprint.fetch_synapses(neuprint.NeuronCriteria(bodyId=KC), nsc,
                                     client=np_client)
    ours = cg.fetch_synapses(NC(bodyId=KC), cg.SynapseCriteria(**synapse_criteria)
                             if synapse_criteria is not None else None, client=client)
    assert len(ours) > 0
    _check_synapse_ids(theirs, EXTRA_SYNAPSE_PROPS)
    theirs = theirs.drop(columns=EXTRA_SYNAPSE_PROPS)
    assert list(theirs.columns) == list(ours.columns)
    assert_same_frame(theirs, ours, ["bodyId", "type", "x", "y", "z"])
    assert theirs["type"].dtype == ours["type"].dtype
    for col in ["x", "y", "z", "confidence"]:
        assert theirs[col].dtype == ours[col].dtype, col
    if synapse_criteria and synapse_criteria.get("rois"):
        assert set(theirs["roi"]) <= set(synapse_criteria["rois"])


@pytest.mark.parametrize("sources,targets,synapse_criteria", [
    (dict(bodyId=KC), None, None),
    (None, dict(bodyId=KC), None),
    (None, dict(bodyId=KC), dict(rois=["CA(R)"])),
    (dict(bodyId=KC), None, dict(primary_only=False)),
])
def test_fetch_synapse_connections(np_client, client, sources, targets, synapse_criteria):
    """neuprint-python matches T-bar → PSD pairs through the bodies' SynapseSets
    (SynapseSet-[:ConnectsTo]->SynapseSet) after listing the body pairs with
    fetch_adjacencies; connectograph lists the pairs from ConnectsTo and walks
    SynapsesTo from the sites found by Synapse.bodyId. A missing side means
    every :Neuron for both. The rows must be the same."""
    import neuprint
    nsc = neuprint.SynapseCriteria(**synapse_criteria, client=np_client) \
        if synapse_criteria is not None else None
    theirs = neuprint.fetch_synapse_connections(
        neuprint.NeuronCriteria(**sources) if sources else None,
        neuprint.NeuronCriteria(**targets) if targets else None, nsc, client=np_client)
    ours = cg.fetch_synapse_connections(
        NC(**sources) if sources else None, NC(**targets) if targets else None,
        cg.SynapseCriteria(**synapse_criteria) if synapse_criteria is not None else None,
        client=client)
    assert len(ours) > 0
    extra = [f"{p}_{side}" for side in ("pre", "post") for p in EXTRA_SYNAPSE_PROPS]
    _check_synapse_ids(theirs, extra)
    theirs = theirs.drop(columns=extra)
    assert list(theirs.columns) == list(ours.columns)
    assert_same_frame(theirs, ours, ["bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre",
                                     "x_post", "y_post", "z_post"])
    if synapse_criteria and synapse_criteria.get("rois"):
        assert set(theirs["roi_post"]) <= set(synapse_criteria["rois"])


def test_fetch_synapses_all_rois(np_client, client):
    """primary_only=False: neuprint-python 0.6.4 documents one row per site and
    ROI, but its loop keeps only the last ROI of a set it iterates, so it
    returns one row per site with one (arbitrary) of the site's ROIs;
    connectograph returns every ROI's row, as documented. Allowed difference:
    the same sites on both sides, each of neuprint-python's (site, ROI) rows is
    one of ours, and it has exactly one row per site."""
    import neuprint
    theirs = neuprint.fetch_synapses(
        neuprint.NeuronCriteria(bodyId=KC),
        neuprint.SynapseCriteria(primary_only=False, client=np_client), client=np_client)
    ours = cg.fetch_synapses(NC(bodyId=KC), cg.SynapseCriteria(primary_only=False),
                             client=client)
    one_per_site = cg.fetch_synapses(NC(bodyId=KC), client=client)
    site = ["bodyId", "type", "x", "y", "z", "confidence"]

    def rows(df, cols):
        return {tuple(_norm(v) for v in r) for r in df[cols].itertuples(index=False)}

    assert len(theirs) == len(one_per_site) > 0
    assert rows(theirs, site) == rows(ours, site)
    assert rows(theirs, site + ["roi"]) <= rows(ours, site + ["roi"])
    assert len(ours) > len(theirs)     # sites lie in several ROIs (ancestors included)
