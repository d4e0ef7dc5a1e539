"""fetch_simple_connections, fetch_common_connectivity, fetch_adjacencies (batching,
neuprint-python's filters) and fetch_traced_adjacencies on the real bundle, against
pandas evaluations of the source CSVs."""

from __future__ import annotations

import pandas as pd
import pytest

from connectograph import (NC, fetch_adjacencies, fetch_common_connectivity, fetch_custom,
                           fetch_neurons, fetch_simple_connections, fetch_traced_adjacencies)
from connectograph.errors import UnknownRoiError
from connectograph.fetch.adjacencies import _needs_count, batch_plan

from .sources import (MBON11, MBON14, MBON22, NEURON, SYNAPSE_KC, bodies_of_type, neurons,
                      pair_weights, prop, roi_conns, without_kc)

pytestmark = pytest.mark.neo4j


def neuron_ids(client) -> set[int]:
    """The bodies the database labels :Neuron (the loader's rule, tested elsewhere)."""
    return set(fetch_custom(f"MATCH (n:{NEURON}) RETURN n.bodyId AS b", client=client)["b"])


def expected_simple(bundle, pre_ok, post_ok, min_weight=1) -> pd.DataFrame:
    w = pair_weights(bundle)
    w = w[w.bodyId_pre.map(pre_ok) & w.bodyId_post.map(post_ok) & (w.weight >= min_weight)]
    w = w.sort_values(["weight", "bodyId_pre", "bodyId_post"], ascending=[False, True, True])
    out = w[["bodyId_pre", "bodyId_post", "weight"]].copy()
    for p in ("type", "instance"):
        out[f"{p}_pre"] = [prop(bundle, b, p) for b in out.bodyId_pre]
        out[f"{p}_post"] = [prop(bundle, b, p) for b in out.bodyId_post]
    out["conn_roiInfo"] = w["conn_roiInfo"]
    return out.reset_index(drop=True)


def test_simple_connections_into_mbon14(client, bundle_dir):
    types = neurons(bundle_dir)["type"]
    mbon14 = set(types.index[types == "MBON14"])
    assert set(MBON14) <= mbon14
    is_neuron = neuron_ids(client)
    got = fetch_simple_connections(None, NC(type="MBON14"), client=client)
    exp = expected_simple(bundle_dir, lambda b: b in is_neuron, lambda b: b in mbon14)
    assert len(exp) > 100
    assert list(got.columns) == ["bodyId_pre", "bodyId_post", "weight", "type_pre", "type_post",
                                 "instance_pre", "instance_post", "conn_roiInfo"]
    assert got[["bodyId_pre", "bodyId_post", "weight"]].dtypes.eq("int64").all()
    pd.testing.assert_frame_equal(without_kc(got), without_kc(exp))


def test_simple_connections_rois_min_weight_and_roiinfo(client, bundle_dir):
    pams = set(bodies_of_type(bundle_dir, "PAM.*"))
    got = fetch_simple_connections(NC(type="PAM.*"), NC(label="Segment"), rois=["b'L(R)", "gL(R)"],
                                   min_weight=5, properties=["type", "roiInfo"], client=client)
    w = pair_weights(bundle_dir)
    keep = (w.bodyId_pre.isin(pams) & (w.weight >= 5)
            & w.conn_roiInfo.map(lambda d: bool({"b'L(R)", "gL(R)"} & set(d))))
    exp = w[keep].sort_values(["weight", "bodyId_pre", "bodyId_post"],
                              ascending=[False, True, True])
    assert len(exp) > 10
    got_k, exp_k = without_kc(got), without_kc(exp)
    assert list(zip(got_k.bodyId_pre, got_k.bodyId_post, got_k.weight)) == \
        list(zip(exp_k.bodyId_pre, exp_k.bodyId_post, exp_k.weight))
    assert list(got.columns) == ["bodyId_pre", "bodyId_post", "weight", "type_pre", "type_post",
                                 "roiInfo_pre", "roiInfo_post", "conn_roiInfo"]
    assert isinstance(got.roiInfo_pre.iloc[0], dict)
    with pytest.raises(UnknownRoiError):
        fetch_simple_connections(NC(type="PAM.*"), rois=["nowhere(R)"], client=client)


def test_common_connectivity_of_two_mbons(client, bundle_dir):
    pair = [MBON11, MBON22]
    is_neuron = neuron_ids(client)
    w = pair_weights(bundle_dir)
    w = w[w.bodyId_post.isin(pair) & w.bodyId_pre.isin(is_neuron) & (w.weight >= 3)]
    reached = w.groupby("bodyId_pre")["bodyId_post"].nunique()
    common = set(reached.index[reached == 2])
    assert len(common) > 5 and len(common) < w.bodyId_pre.nunique()
    got = fetch_common_connectivity(pair, min_weight=3, client=client)
    assert set(got.bodyId_pre) == common
    assert set(got.bodyId_post) == set(pair)
    exp = without_kc(w[w.bodyId_pre.isin(common)])
    got_k = without_kc(got)
    assert sorted(zip(got_k.bodyId_pre, got_k.bodyId_post, got_k.weight)) == \
        sorted(zip(exp.bodyId_pre, exp.bodyId_post, exp.weight))
    assert got.weight.is_monotonic_decreasing


def test_common_connectivity_downstream(client, bundle_dir):
    pns = bodies_of_type(bundle_dir, "DA1_lPN")
    is_neuron = neuron_ids(client)
    w = pair_weights(bundle_dir)
    w = w[w.bodyId_pre.isin(pns) & w.bodyId_post.isin(is_neuron)]
    reached = w.groupby("bodyId_post")["bodyId_pre"].nunique()
    common = set(reached.index[reached == len(pns)])
    assert common
    got = fetch_common_connectivity(NC(type="DA1_lPN"), "downstream", client=client)
    assert set(got.bodyId_post) == common and set(got.bodyId_pre) == set(pns)


def test_common_connectivity_counts_partnerless_matches(client, bundle_dir):
    """neuprint-python's bug: a matched neuron without inputs is ignored, so the
    inputs of the others come back as 'common'. Here nothing is common."""
    w = pair_weights(bundle_dir)
    no_inputs = sorted(set(w.bodyId_pre) - set(w.bodyId_post))
    lonely = next(b for b in no_inputs if b in neuron_ids(client))
    got = fetch_common_connectivity(NC(bodyId=[MBON14[0], lonely]), client=client)
    assert got.empty
    # ...while MBON14 alone has common (= all) inputs
    assert len(fetch_common_connectivity(NC(bodyId=[MBON14[0]]), client=client)) > 100


@pytest.mark.parametrize("nc, direction", [
    (NC(inputRois=["b'L(R)"], min_roi_inputs=1000), "upstream"),
    (NC(inputRois=["CA(R)"], min_roi_inputs=1000), "upstream"),
])
def test_common_connectivity_of_roi_criteria(client, bundle_dir, nc, direction):
    """ROI criteria (rendered so the query starts at the ROI) select the same
    matched set as listing its bodies; partners checked against the CSVs (the
    synapse-only Kenyon cell aside: its connections are in no pair table)."""
    matched = sorted(fetch_neurons(nc, omit_rois=True, client=client)[0]["bodyId"])
    assert 2 <= len(matched) <= 10
    mine, partner = (("bodyId_post", "bodyId_pre") if direction == "upstream"
                     else ("bodyId_pre", "bodyId_post"))
    w = pair_weights(bundle_dir)
    w = w[w[mine].isin(matched) & w[partner].isin(neuron_ids(client))]
    reached = w.groupby(partner)[mine].nunique()
    common = set(reached.index[reached == len(matched)])
    got = fetch_common_connectivity(nc, direction, client=client)
    assert set(got[partner]) - {SYNAPSE_KC} == common - {SYNAPSE_KC}
    assert len(common) > 10 and set(got[mine]) == set(matched)
    by_body = fetch_common_connectivity(NC(bodyId=matched), direction, client=client)
    pd.testing.assert_frame_equal(got, by_body)


# --- fetch_adjacencies -----------------------------------------------------------------------

def _key(df: pd.DataFrame) -> pd.DataFrame:
    return without_kc(df).sort_values(list(df.columns[:3]), ignore_index=True)


@pytest.mark.parametrize("sources, targets, side", [
    (NC(type="PAM.*"), NC(label="Segment"), "a"),     # few sources: batch the sources
    (NC(label="Segment"), NC(type="MBON.*"), "b"),    # few targets: batch the targets
])
def test_adjacencies_batched_equal_unbatched(client, sources, targets, side):
    plan_side, bodies = batch_plan(sources, targets, 7, client=client)
    assert plan_side == side and len(bodies) > 3 * 7     # really several batches
    n1, c1 = fetch_adjacencies(sources, targets, batch_size=None, client=client)
    n2, c2 = fetch_adjacencies(sources, targets, batch_size=7, client=client)
    assert len(c1) > 1000
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_frame_equal(n1, n2)


def test_adjacencies_counted_and_fetched_in_one_statement(client):
    """More bodies under the label than batch_size, but a side that fits once
    counted: the count and the fetch travel together, same answer as unbatched."""
    sources, targets = NC(type="PAM.*"), NC(label="Segment")
    n_sources = len(fetch_neurons(sources, omit_rois=True, client=client)[0])
    assert 7 < n_sources < 1000
    assert _needs_count(sources, targets, n_sources, client=client)
    assert batch_plan(sources, targets, n_sources, client=client) == (None, [])
    n1, c1 = fetch_adjacencies(sources, targets, batch_size=None, client=client)
    n2, c2 = fetch_adjacencies(sources, targets, batch_size=n_sources, client=client)
    assert len(c1) > 1000
    pd.testing.assert_frame_equal(c1, c2)
    pd.testing.assert_frame_equal(n1, n2)


def test_adjacencies_batched_matches_csv(client, bundle_dir):
    mbons = bodies_of_type(bundle_dir, "MBON.*")
    _, got = fetch_adjacencies(NC(label="Segment"), NC(type="MBON.*"), batch_size=5,
                               client=client)
    rows = roi_conns(bundle_dir)
    exp = rows[rows.bodyId_post.isin(mbons)]
    pd.testing.assert_frame_equal(_key(got), _key(exp[["bodyId_pre", "bodyId_post", "roi",
                                                        "weight"]]))


def test_adjacencies_min_total_counts_rows_dropped_by_min_roi(client, bundle_dir):
    """neuprint-python: min_total_weight looks at the total before min_roi_weight drops rows."""
    rows = roi_conns(bundle_dir)
    rows = rows[rows.bodyId_post == MBON14[0]]
    total = rows.groupby(["bodyId_pre", "bodyId_post"])["weight"].transform("sum")
    exp = rows[(total >= 12) & (rows.weight >= 6)]
    # some kept connections have dropped rows, so their kept rows sum below 12
    kept_sum = exp.groupby(["bodyId_pre", "bodyId_post"])["weight"].sum()
    assert (kept_sum < 12).any()
    _, got = fetch_adjacencies(NC(label="Segment"), MBON14[0], min_roi_weight=6,
                               min_total_weight=12, client=client)
    pd.testing.assert_frame_equal(_key(got), _key(exp))


def test_adjacencies_omit_rois_and_nonprimary_check(client, bundle_dir):
    _, got = fetch_adjacencies(NC(label="Segment"), MBON14[0], omit_rois=True, client=client)
    w = pair_weights(bundle_dir)
    exp = w[w.bodyId_post == MBON14[0]][["bodyId_pre", "bodyId_post", "weight"]]
    pd.testing.assert_frame_equal(_key(got), _key(exp))
    with pytest.raises(UnknownRoiError, match="include_nonprimary"):
        fetch_adjacencies(NC(label="Segment"), MBON14[0], rois=["MB(R)"], client=client)


def test_traced_adjacencies(client, bundle_dir):
    """Connections among Traced, uncropped neurons. The bundle has none (its traced
    bodies are MBONs, PAMs, PPLs, PNs and APL, connected only through untraced KCs),
    so the answer is empty, with the right columns and dtypes."""
    nrn = neurons(bundle_dir)
    traced = set(nrn.index[(nrn["status"] == "Traced") & (nrn["cropped"].astype(str) != "True")])
    assert len(traced) > 400
    rows = roi_conns(bundle_dir)
    exp = rows[rows.bodyId_pre.isin(traced) & rows.bodyId_post.isin(traced)]
    neurons_df, got = fetch_traced_adjacencies(client=client)
    pd.testing.assert_frame_equal(_key(got), _key(exp))
    assert got.dtypes.to_dict() == {"bodyId_pre": "int64", "bodyId_post": "int64",
                                    "roi": object, "weight": "int64"}
    assert neurons_df.empty
    # the traced bodies do connect to untraced ones
    _, out = fetch_adjacencies(NC(status="Traced", cropped=False), NC(label="Segment"),
                               client=client)
    assert set(out.bodyId_pre) <= traced and len(out) > 1000
