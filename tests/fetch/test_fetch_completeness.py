"""fetch_output_completeness, fetch_downstream_orphan_tasks, fetch_roi_completeness and
fetch_roi_connectivity on the real bundle against pandas on the source CSVs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from connectograph import (NC, fetch_custom, fetch_downstream_orphan_tasks,
                           fetch_output_completeness, fetch_roi_completeness,
                           fetch_roi_connectivity)
from connectograph.fetch.completeness import NEUPRINT_COMPLETE_STATUSES

from .sources import (NEURON, SEG, bodies_of_type, csv, neurons, pair_weights, primary_rois,
                      synapse_partners)

pytestmark = pytest.mark.neo4j


def completeness_expected(bundle, bodies, statuses) -> pd.DataFrame:
    nrn = neurons(bundle)
    complete = set(nrn.index[nrn["status"].isin(statuses) | nrn["statusLabel"].isin(statuses)])
    w = pair_weights(bundle)
    w = w[w.bodyId_pre.isin(bodies)]
    total = w.groupby("bodyId_pre")["weight"].sum()
    traced = w[w.bodyId_post.isin(complete)].groupby("bodyId_pre")["weight"].sum()
    df = pd.DataFrame({"bodyId": sorted(bodies)})
    df["total_weight"] = df.bodyId.map(total).fillna(0).astype("int64")
    df["traced_weight"] = df.bodyId.map(traced).fillna(0).astype("int64")
    df["untraced_weight"] = df.total_weight - df.traced_weight
    df["completeness"] = (df.traced_weight / df.total_weight.replace(0, np.nan)).fillna(0.0)
    return df


def test_output_completeness_of_kcs_and_mbons(client, bundle_dir):
    # bodies with synapse-level partner data are left out (their connections
    # also hold synapse counts the CSV tables lack)
    kcs = [b for b in bodies_of_type(bundle_dir, "KCab-s")
           if b not in synapse_partners(bundle_dir)]
    assert len(kcs) > 50
    mbons = [b for b in bodies_of_type(bundle_dir, "MBON1.*")
             if b not in synapse_partners(bundle_dir)]
    bodies = kcs + mbons
    exp = completeness_expected(bundle_dir, bodies, ["Traced"])
    got = fetch_output_completeness(NC(bodyId=bodies), client=client)
    pd.testing.assert_frame_equal(got, exp)
    # the bug fix: neurons with no traced output (MBONs have no loaded outputs) stay, with 0
    assert (got.total_weight == 0).sum() >= len(mbons)
    assert (got.completeness.between(0, 1)).all() and (got.completeness > 0).any()
    batched = fetch_output_completeness(NC(bodyId=bodies), batch_size=17, client=client)
    pd.testing.assert_frame_equal(batched, exp)


def test_output_completeness_untraced_targets_give_zero(client, bundle_dir):
    """PNs output to KCs and LH neurons, none traced: kept with completeness 0
    (neuprint-python's query drops them)."""
    pns = bodies_of_type(bundle_dir, "DA1_lPN")
    exp = completeness_expected(bundle_dir, pns, ["Traced"])
    assert (exp.total_weight > 0).all() and (exp.traced_weight == 0).all()
    got = fetch_output_completeness(NC(type="DA1_lPN"), client=client)
    pd.testing.assert_frame_equal(got, exp)


def test_downstream_orphan_tasks(client, bundle_dir):
    pams = [b for b in bodies_of_type(bundle_dir, "PAM0.*")
            if b not in synapse_partners(bundle_dir)][:20]
    nrn = neurons(bundle_dir)
    done = set(nrn.index[nrn["status"].isin(["Traced"]) | nrn["statusLabel"].isin(["Traced"])])
    w = pair_weights(bundle_dir)
    w = w[w.bodyId_pre.isin(pams) & ~w.bodyId_post.isin(done)]
    w = w.sort_values(["bodyId_pre", "weight", "bodyId_post"], ascending=[True, False, True])
    comp = completeness_expected(bundle_dir, pams, ["Traced"]).set_index("bodyId")
    got = fetch_downstream_orphan_tasks(NC(bodyId=pams), client=client)
    assert len(w) > 20
    assert list(zip(got.bodyId_pre, got.bodyId_post, got.orphan_weight)) == \
        list(zip(w.bodyId_pre, w.bodyId_post, w.weight))
    cum = w.groupby("bodyId_pre")["weight"].cumsum().to_numpy()
    assert got.cum_orphan_weight.tolist() == cum.tolist()
    total = comp.loc[got.bodyId_pre, "total_weight"].to_numpy()
    traced = comp.loc[got.bodyId_pre, "traced_weight"].to_numpy()
    np.testing.assert_allclose(got.cum_completeness, (traced + cum) / total)
    np.testing.assert_allclose(got.orig_completeness, traced / total)
    assert got.status_post.isna().all()


def test_roi_completeness(client, bundle_dir):
    """roipre/roipost from the source roiInfo of the complete neurons (the neuPrint
    tables are the only sources with status); totals over every body's roiInfo."""
    nrn = neurons(bundle_dir)
    is_neuron = set(fetch_custom(f"MATCH (n:{NEURON}) RETURN n.bodyId AS b", client=client)["b"])
    for statuses in (list(NEUPRINT_COMPLETE_STATUSES), ["Traced"], ["Orphan"]):
        done = nrn[nrn["status"].isin(statuses) & nrn.index.isin(is_neuron)]
        rows = [(roi, int(c.get("pre", 0)), int(c.get("post", 0)))
                for text in done["roiInfo"] for roi, c in json.loads(text).items()]
        exp = pd.DataFrame(rows, columns=["roi", "roipre", "roipost"], dtype=object)
        exp = exp.groupby("roi", as_index=False)[["roipre", "roipost"]].sum()
        every = fetch_custom(f"MATCH (n:{SEG}) WHERE n.roiInfo IS NOT NULL "
                             "RETURN n.roiInfo AS info", client=client)["info"]
        totals = pd.DataFrame([(roi, int(c.get("pre", 0)), int(c.get("post", 0)))
                               for text in every for roi, c in json.loads(text).items()],
                              columns=["roi", "totalpre", "totalpost"], dtype=object)
        totals = totals.groupby("roi")[["totalpre", "totalpost"]].sum()
        exp["totalpre"] = exp.roi.map(totals.totalpre)
        exp["totalpost"] = exp.roi.map(totals.totalpost)
        exp = exp.astype({"roi": object, "roipre": "int64", "roipost": "int64",
                          "totalpre": "int64", "totalpost": "int64"})
        got = fetch_roi_completeness(statuses, client=client)
        assert list(got.columns) == ["roi", "roipre", "roipost", "totalpre", "totalpost"]
        pd.testing.assert_frame_equal(got, exp.sort_values("roi", ignore_index=True))
        assert (got.roipre <= got.totalpre).all() and (got.roipost <= got.totalpost).all()
    assert len(fetch_roi_completeness(client=client)) > 50


# --- ROI connectivity --------------------------------------------------------------------

def roi_connectivity_expected(roi_infos, rois) -> pd.DataFrame:
    """neuPrint's formula, per neuron: weight[i=>o] += pre(o) * post(i) / T_in."""
    rois = set(rois)
    acc: dict = {}
    for info in roi_infos:
        counts = {r: c for r, c in info.items() if r in rois}
        t_in = sum(int(c.get("post", 0)) for c in counts.values())
        if t_in <= 0:
            continue
        for o, co in counts.items():
            pre = int(co.get("pre", 0))
            if pre <= 0:
                continue
            for i, ci in counts.items():
                post = int(ci.get("post", 0))
                if post > 0:
                    cw = acc.setdefault((i, o), [0, 0.0])
                    cw[0] += 1
                    cw[1] += pre * post / t_in
    df = pd.DataFrame([(i, o, c, w) for (i, o), (c, w) in acc.items()],
                      columns=["from_roi", "to_roi", "count", "weight"])
    return df.sort_values(["from_roi", "to_roi"], ignore_index=True).astype(
        {"from_roi": object, "to_roi": object, "count": "int64", "weight": "float64"})


def test_roi_connectivity_of_the_mbon_table(client, bundle_dir):
    """Straight from perc_MBON_df3.csv's roiInfo (the highest-precedence table)."""
    perc = csv(bundle_dir, "neuprint-exports/perc_MBON_df3.csv")
    exp = roi_connectivity_expected([json.loads(t) for t in perc["roiInfo"]],
                                    primary_rois(bundle_dir))
    assert len(exp) > 20
    got = fetch_roi_connectivity(NC(bodyId=perc["bodyId"].tolist()), client=client)
    pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=1e-9)


def test_roi_connectivity_all_neurons_and_statuses(client, bundle_dir):
    df = fetch_custom(f"MATCH (n:{NEURON}) WHERE n.roiInfo IS NOT NULL "
                      "RETURN n.roiInfo AS info, n.status AS status", client=client)
    rois = primary_rois(bundle_dir)
    exp = roi_connectivity_expected([json.loads(t) for t in df["info"]], rois)
    pd.testing.assert_frame_equal(fetch_roi_connectivity(client=client), exp,
                                  check_exact=False, rtol=1e-9)
    traced = df[df.status == "Traced"]
    exp = roi_connectivity_expected([json.loads(t) for t in traced["info"]], rois)
    got = fetch_roi_connectivity(statuses=["Traced"], client=client)
    pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=1e-9)
    # a chosen ROI set changes T_in as well
    few = ["CA(R)", "LH(R)", "aL(R)", "gL(R)"]
    exp = roi_connectivity_expected([json.loads(t) for t in traced["info"]], few)
    got = fetch_roi_connectivity(statuses="Traced", rois=few, client=client)
    pd.testing.assert_frame_equal(got, exp, check_exact=False, rtol=1e-9)
