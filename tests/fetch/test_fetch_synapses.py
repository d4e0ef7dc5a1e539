"""fetch_synapses, fetch_mean_synapses, fetch_synapse_connections and the
synapse-level fetch_roi_connectivity on the real bundle, against pandas readings
of the source CSVs (the Kenyon cell 5813078552's partner pairs, the DA1 PNs'
connector tables).

A site whose source gives no ROI is placed by the ROI meshes (a loader matter,
tested in tests/loading); where such sites could change a count, the expectation
is a pair of bounds: the sites with a source ROI exactly, plus at most the
sites without one.
"""

from __future__ import annotations

import json
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph import (NC, Client, SynapseCriteria as SC, fetch_mean_synapses,
                           fetch_roi_connectivity, fetch_synapse_connections, fetch_synapses)
from connectograph.client import column_query
from connectograph.errors import CriteriaError, UnknownRoiError
from connectograph.fetch._synapse_query import check_bbox
from connectograph.fetch.synapses import _partner_batches
from connectograph.loading import load

KC = 5813078552
APL = 425790257                 # the KC's strongest output partner (43 pairs)
PN_IN = 5813069089              # a PN onto the KC (21 pairs)
DA1 = 722817260                 # one DA1 PN (points only)
KC_FILES = {"in": "synapses/kc-5813078552/KCinputs1847.csv",
            "out": "synapses/kc-5813078552/KCoutputs1847.csv"}
RENAME = {"upstream_bodyId": "bodyId_pre", "downstream_bodyId": "bodyId_post",
          "upstream_roi": "roi_pre", "downstream_roi": "roi_post", "ux": "x_pre",
          "uy": "y_pre", "uz": "z_pre", "dx": "x_post", "dy": "y_post", "dz": "z_post",
          "upstream_confidence": "confidence_pre", "downstream_confidence": "confidence_post"}
XYZ_PRE, XYZ_POST = ["x_pre", "y_pre", "z_pre"], ["x_post", "y_post", "z_post"]


# --- independent expectations (pandas on the CSV files) ----------------------------------------

@cache
def pairs(bundle: Path) -> pd.DataFrame:
    """Every T-bar → PSD row of the KC's two files."""
    frames = [pd.read_csv(bundle / f, index_col=0).rename(columns=RENAME)
              for f in KC_FILES.values()]
    return pd.concat(frames, ignore_index=True)


def da1_points(bundle: Path, body: int = DA1) -> pd.DataFrame:
    df = pd.read_csv(bundle / "synapses" / "da1-pn" / f"{body}.csv")
    return df.assign(bodyId=body)


@cache
def all_sites(bundle: Path) -> pd.DataFrame:
    """Every site of the bundle: bodyId, type, x, y, z, roi, confidence (first source wins)."""
    frames = [da1_points(bundle, int(p.stem))
              for p in sorted((bundle / "synapses" / "da1-pn").glob("*.csv"))]
    p = pairs(bundle)
    for side in ("pre", "post"):
        cols = {f"bodyId_{side}": "bodyId", f"x_{side}": "x", f"y_{side}": "y",
                f"z_{side}": "z", f"roi_{side}": "roi", f"confidence_{side}": "confidence"}
        frames.append(p[list(cols)].rename(columns=cols).assign(type=side))
    df = pd.concat([f[["bodyId", "type", "x", "y", "z", "roi", "confidence"]] for f in frames],
                   ignore_index=True)
    return df.drop_duplicates(["bodyId", "type", "x", "y", "z"], ignore_index=True)


def primary_rois(bundle: Path) -> set[str]:
    info = json.loads((bundle / "rois" / "np_roiInfo.json").read_text())
    return {k for k, v in info.items() if v.get("isPrimary")}


def mesh_rois(bundle: Path) -> set[str]:
    return {p.stem for p in (bundle / "rois" / "meshes").glob("*.obj")}


def key(df: pd.DataFrame, cols) -> list[tuple]:
    return sorted(map(tuple, df[cols].astype("int64").to_numpy().tolist()))


# --- fetch_synapses ------------------------------------------------------------------------------

@pytest.mark.neo4j
def test_kc_synapses_match_its_pair_files(client, bundle_dir):
    got = fetch_synapses(KC, client=client)
    assert list(got.columns) == ["bodyId", "type", "roi", "x", "y", "z", "confidence"]
    assert got["bodyId"].dtype == "int64" and got["x"].dtype == "int32"
    assert got["confidence"].dtype == "float32"
    exp = all_sites(bundle_dir)
    exp = exp[exp.bodyId == KC]
    # one row per site (primary_only): 230 T-bars, 504 PSDs
    assert got.groupby("type", observed=True).size().to_dict() == \
        exp.groupby("type").size().to_dict()
    m = got.merge(exp, on=["type", "x", "y", "z"], suffixes=("", "_src"), validate="1:1")
    assert len(m) == len(got)
    known = m[m.roi_src.notna()]
    assert known.roi_src.isin(primary_rois(bundle_dir)).all()
    assert (known.roi == known.roi_src).all()
    np.testing.assert_allclose(m.confidence, m.confidence_src, rtol=1e-6)
    # per (type, ROI) counts: exact where the source names the ROI, plus at most
    # the sites the source left without one
    counts = got.groupby(["type", "roi"], observed=True).size()
    exp_counts = known.groupby(["type", "roi_src"]).size()
    unplaced = m.roi_src.isna().groupby(m.type, observed=True).sum()
    for (t, roi), n in exp_counts.items():
        assert n <= counts.get((t, roi), 0) <= n + unplaced.get(t, 0)


@pytest.mark.neo4j
def test_synapse_roi_and_type_criteria(client, bundle_dir):
    # AL(R) has no mesh: sites land in it only from their source ROI, exactly
    assert "AL(R)" not in mesh_rois(bundle_dir)
    pts = da1_points(bundle_dir)
    got = fetch_synapses(DA1, SC(rois=["AL(R)", "SCL(R)"], type="post"), client=client)
    exp = pts[pts.roi.isin(["AL(R)", "SCL(R)"]) & (pts.type == "post")]
    assert key(got, ["x", "y", "z"]) == key(exp, ["x", "y", "z"])
    assert set(got.roi) == set(exp.roi)
    # primary_only=False: one row per ROI the site lies in, restricted to the criteria's
    both = fetch_synapses(DA1, SC(rois=["AL(R)"], primary_only=False), client=client)
    assert set(both.roi) == {"AL(R)"}
    allrois = fetch_synapses(KC, SC(primary_only=False), client=client)
    one = fetch_synapses(KC, client=client)
    assert len(allrois) > len(one)
    assert len(allrois.drop_duplicates(["type", "x", "y", "z"])) == len(one)
    assert "MB(R)" in set(allrois.roi)   # the parent ROI of the KC's compartments


@pytest.mark.neo4j
def test_confidence_threshold_is_strict(client, bundle_dir):
    pts = da1_points(bundle_dir)
    # a confidence value several sites share, so '>' and '>=' differ
    c = float(pts.confidence.value_counts().index[0])
    assert (pts.confidence == c).sum() > 1
    got = fetch_synapses(DA1, SC(confidence=c), client=client)
    assert len(got) == (pts.confidence > c).sum() != (pts.confidence >= c).sum()
    # the default is Meta.postHighAccuracyThreshold (0.0 in this bundle: no filter)
    meta = client.read(f"MATCH (m:{client.dataset.label('Meta')}) "
                       "RETURN m.postHighAccuracyThreshold AS t")[0]["t"]
    expected = pts if not meta else pts[pts.confidence > meta]
    assert len(fetch_synapses(DA1, client=client)) == len(expected)


@pytest.mark.neo4j
def test_bbox_uses_the_point_index_and_matches_pandas(client, bundle_dir):
    pts = da1_points(bundle_dir)
    lh = pts[pts.roi == "LH(R)"]
    lo = lh[["x", "y", "z"]].quantile(0.25).round().astype(int)
    hi = lh[["x", "y", "z"]].quantile(0.75).round().astype(int)

    def inside(df):
        return df[df.x.between(lo.x, hi.x) & df.y.between(lo.y, hi.y) & df.z.between(lo.z, hi.z)]

    # move the lower x bound exactly onto a site: bounds are inclusive
    lo["x"] = int(inside(lh).x.min())
    box = [lo.tolist(), hi.tolist()]

    got = fetch_synapses(DA1, bbox=box, client=client)
    exp = inside(pts)
    assert len(exp) > 0 and (exp.x == lo.x).any()
    assert key(got, ["x", "y", "z"]) == key(exp, ["x", "y", "z"])
    # every body's sites in the box
    everyone = fetch_synapses(None, bbox=box, client=client)
    exp_all = inside(all_sites(bundle_dir))
    assert key(everyone, ["bodyId", "x", "y", "z"]) == key(exp_all, ["bodyId", "x", "y", "z"])
    # the query sent runs on the point index
    sent = []
    real = client.read_column_lists

    def spy(cypher, columns, params=None, **kw):
        sent.append((column_query(cypher, columns, kw.get("not_null", ())), params))
        return real(cypher, columns, params, **kw)

    client.read_column_lists = spy
    try:
        fetch_synapses(DA1, bbox=box, client=client)
    finally:
        del client.read_column_lists
    (cypher, params), = sent
    with client.driver.session(database=client.database) as s:
        plan = s.run("EXPLAIN " + cypher, params).consume().plan

    def details(op):
        yield op["operatorType"] + " " + str(op.get("args", {}).get("Details", ""))
        for child in op.get("children", []):
            yield from details(child)

    seeks = [d for d in details(plan) if d.startswith("NodeIndexSeekByRange")]
    assert any("POINT INDEX" in d and "withinBBox" in d for d in seeks), list(details(plan))


@pytest.mark.neo4j
def test_mean_synapses(client, bundle_dir):
    pts = da1_points(bundle_dir)
    rois = ["AL(R)", "SCL(R)"]          # no meshes: exact
    got = fetch_mean_synapses(DA1, SC(rois=rois), client=client)
    assert list(got.columns) == ["bodyId", "roi", "type", "count", "x", "y", "z", "confidence"]
    exp = (pts[pts.roi.isin(rois)].groupby(["roi", "type"])
           .agg(count=("x", "size"), x=("x", "mean"), y=("y", "mean"), z=("z", "mean"),
                confidence=("confidence", "mean")).reset_index())
    m = got.assign(type=got.type.astype(str)).merge(exp, on=["roi", "type"], validate="1:1")
    assert len(m) == len(exp) == len(got)
    assert (m.count_x == m.count_y).all()
    for c in ("x", "y", "z", "confidence"):
        np.testing.assert_allclose(m[f"{c}_x"], m[f"{c}_y"], rtol=1e-5)
    whole = fetch_mean_synapses(DA1, by_roi=False, client=client)
    assert "roi" not in whole.columns
    exp_whole = pts.groupby("type").agg(count=("x", "size"), x=("x", "mean"))
    for _, row in whole.iterrows():
        assert row["count"] == exp_whole.loc[row["type"], "count"]
        assert row["x"] == pytest.approx(exp_whole.loc[row["type"], "x"], rel=1e-5)


# --- fetch_synapse_connections -------------------------------------------------------------------

def _compare_pairs(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    cols = ["bodyId_pre", "bodyId_post", *XYZ_PRE, *XYZ_POST]
    assert key(got, cols) == key(exp, cols)
    m = got.merge(exp, on=cols, suffixes=("", "_src"), validate="1:1")
    np.testing.assert_allclose(m.confidence_pre, m.confidence_pre_src, rtol=1e-6)
    np.testing.assert_allclose(m.confidence_post, m.confidence_post_src, rtol=1e-6)
    for side in ("pre", "post"):
        known = m[m[f"roi_{side}_src"].notna()]
        assert (known[f"roi_{side}"] == known[f"roi_{side}_src"]).all()


@pytest.mark.neo4j
def test_synapse_connections_kc_partners(client, bundle_dir):
    p = pairs(bundle_dir)
    got = fetch_synapse_connections(KC, APL, client=client)
    assert list(got.columns) == ["bodyId_pre", "bodyId_post", "roi_pre", "roi_post",
                                 *XYZ_PRE, *XYZ_POST, "confidence_pre", "confidence_post"]
    _compare_pairs(got, p[(p.bodyId_pre == KC) & (p.bodyId_post == APL)])
    _compare_pairs(fetch_synapse_connections(PN_IN, KC, client=client),
                   p[(p.bodyId_pre == PN_IN) & (p.bodyId_post == KC)])
    # every output pair of the KC, to bodies of any label, and every input
    partners = sorted(set(p.bodyId_post[p.bodyId_pre == KC]))
    _compare_pairs(fetch_synapse_connections(KC, NC(bodyId=partners), batch_size=7,
                                             client=client),
                   p[p.bodyId_pre == KC])
    _compare_pairs(fetch_synapse_connections(None, KC, client=client), p[p.bodyId_post == KC])


@pytest.mark.neo4j
def test_progress_bars_over_batches(client, bundle_dir, capsys):
    """progress=True: a bar counting the batches (the KC's partners in groups of
    7); False: nothing on stderr; the answers are the same."""
    p = pairs(bundle_dir)
    partners = sorted(set(p.bodyId_post[p.bodyId_pre == KC]))
    groups = -(-len(partners) // 7)         # ceil: the partner batches of 7 bodies
    shown = fetch_synapse_connections(KC, NC(bodyId=partners), batch_size=7, progress=True,
                                      client=client)
    err = capsys.readouterr().err
    assert "synapse connections:" in err and f"/{groups}" in err and "batch" in err
    quiet = fetch_synapse_connections(KC, NC(bodyId=partners), batch_size=7, progress=False,
                                      client=client)
    assert capsys.readouterr().err == ""
    pd.testing.assert_frame_equal(shown, quiet)
    bodies = sorted(set(p.bodyId_pre) | set(p.bodyId_post))[:6]
    fetch_synapses(NC(bodyId=bodies), batch_size=2, progress=True, client=client)
    assert "synapses:" in capsys.readouterr().err
    fetch_mean_synapses(NC(bodyId=bodies), batch_size=2, progress=True, client=client)
    assert "mean synapses:" in capsys.readouterr().err


@pytest.mark.neo4j
def test_synapse_connections_roi_filter_is_on_the_psd(client, bundle_dir):
    p = pairs(bundle_dir)
    p = p[p.bodyId_post == KC]
    got = fetch_synapse_connections(None, KC, SC(rois=["PED(R)"]), client=client)
    assert set(got.roi_post) == {"PED(R)"}
    cols = [*XYZ_PRE, *XYZ_POST]
    exact = set(key(p[p.roi_post == "PED(R)"], cols))
    maybe = set(key(p[p.roi_post.isna()], cols))
    found = set(key(got, cols))
    assert exact <= found <= exact | maybe
    # the T-bar side is not filtered: some pre sites lie elsewhere or nowhere
    assert len(exact) == (p.roi_post == "PED(R)").sum()


@pytest.mark.neo4j
def test_synapse_connections_min_total_weight_uses_connection_weight(client, bundle_dir):
    seg = client.dataset.label("Segment")
    w = client.read(f"MATCH (a:{seg} {{bodyId: $a}})-[e:ConnectsTo]->(b:{seg} {{bodyId: $b}}) "
                    "RETURN e.weight AS w",
                    {"a": PN_IN, "b": KC})[0]["w"]
    assert len(fetch_synapse_connections(PN_IN, KC, min_total_weight=w, client=client)) > 0
    assert fetch_synapse_connections(PN_IN, KC, min_total_weight=w + 1, client=client).empty


# --- autapses: a small dataset made from the KC's input pairs with one pair turned into an
# autapse (its T-bar given to the KC itself), loaded by the real loader ----------------------------

AUTAPSE_DS = "synfetch-autapse:v1"


@pytest.fixture(scope="module")
def autapse_client(neo4j_connection, loaded, bundle_dir, tmp_path_factory):
    d = tmp_path_factory.mktemp("autapse")
    shutil.copytree(bundle_dir / "rois", d / "rois", ignore=shutil.ignore_patterns("meshes"))
    src = pd.read_csv(bundle_dir / KC_FILES["in"], index_col=0).head(30)
    src.loc[src.index[0], "upstream_bodyId"] = KC
    (d / "syn").mkdir()
    src.to_csv(d / "syn" / "pairs.csv")
    bodies = sorted(set(src.upstream_bodyId) | set(src.downstream_bodyId))
    pd.DataFrame({"bodyId": bodies, "type": "x"}).to_csv(d / "bodies.csv", index=False)
    mapping = "\n".join(f'{k} = "{v}"' for v, k in RENAME.items())
    recipe = d / "autapse.toml"
    recipe.write_text(f"""
[dataset]
name = "synfetch-autapse"
tag = "v1"
data_dir = "{d}"

[rois]
info = "rois/np_roiInfo.json"
hierarchy = "rois/np_roiHierarchy.json"

[[neurons]]
file = "bodies.csv"

[[synapses]]
kind = "synapse_connections"
file = "syn/pairs.csv"
[synapses.columns]
{mapping}
""")
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=AUTAPSE_DS, check_dataset=False) as w:
        load(str(recipe), client=w, progress=None)
    c = Client(uri, auth=auth, dataset=AUTAPSE_DS)
    yield c, src.rename(columns=RENAME)
    c.close()


@pytest.mark.neo4j
def test_autapse_switch(autapse_client):
    c, src = autapse_client
    without = fetch_synapse_connections(KC, None, client=c)
    with_ = fetch_synapse_connections(KC, None, autapses=True, client=c)
    auto = src[src.bodyId_pre == src.bodyId_post]
    assert len(auto) == 1
    assert without.empty   # the KC's only output here is the autapse
    _compare_pairs(with_, src[src.bodyId_pre == KC])
    # into the KC: the 29 other pairs, plus the autapse only when asked
    _compare_pairs(fetch_synapse_connections(None, KC, client=c),
                   src[src.bodyId_pre != KC])
    _compare_pairs(fetch_synapse_connections(None, KC, autapses=True, client=c), src)


# --- synapse-level ROI connectivity --------------------------------------------------------------

@pytest.mark.neo4j
def test_roi_connectivity_synapse_level(client, bundle_dir):
    p = pairs(bundle_dir)
    primary = primary_rois(bundle_dir)
    pre_bodies = sorted(set(p.bodyId_pre))
    got = fetch_roi_connectivity(NC(bodyId=pre_bodies), rois=sorted(primary), level="synapse",
                                 client=client)
    assert list(got.columns) == ["from_roi", "to_roi", "count", "weight"]
    assert (got["weight"] == got["count"]).all()
    known = p[p.roi_pre.isin(primary) & p.roi_post.isin(primary)]
    unknown = len(p) - len(known)
    exp = known.groupby(["roi_pre", "roi_post"]).size()
    counts = got.set_index(["from_roi", "to_roi"])["count"]
    for (i, o), n in exp.items():
        assert n <= counts.get((i, o), 0) <= n + unknown
    assert len(known) <= counts.sum() <= len(p)
    # the neuron-level default is unchanged
    pd.testing.assert_frame_equal(fetch_roi_connectivity(client=client),
                                  fetch_roi_connectivity(level="neuron", client=client))
    with pytest.raises(CriteriaError, match="level"):
        fetch_roi_connectivity(level="synapses", client=client)


# --- errors and pure logic -----------------------------------------------------------------------

@pytest.mark.neo4j
def test_bad_arguments(client):
    with pytest.raises(UnknownRoiError, match="CA"):
        fetch_synapses(KC, SC(rois=["CA(R"]), client=client)
    with pytest.raises(CriteriaError, match="primary_only"):
        fetch_synapses(KC, SC(rois=["MB(R)"]), client=client)
    assert not fetch_synapses(KC, SC(rois=["MB(R)"], primary_only=False), client=client).empty
    with pytest.raises(CriteriaError, match="bbox"):
        fetch_synapses(None, client=client)
    with pytest.raises(CriteriaError, match="source_criteria or target_criteria"):
        fetch_synapse_connections(client=client)
    empty = fetch_synapses(KC, SC(confidence=1.0), client=client)
    assert empty.empty and list(empty.columns) == ["bodyId", "type", "roi", "x", "y", "z",
                                                   "confidence"]


def test_check_bbox():
    assert check_bbox(None) is None
    lo, hi = check_bbox(np.array([[1, 2, 3], [4, 5, 6]]))
    assert lo == {"x": 1.0, "y": 2.0, "z": 3.0} and hi == {"x": 4.0, "y": 5.0, "z": 6.0}
    for bad in ([1, 2, 3], [[1, 2], [3, 4]], [[0, 0, 0], [1, 1, float("nan")]],
                [[5, 0, 0], [1, 1, 1]], [["a", 0, 0], [1, 1, 1]], "box"):
        with pytest.raises(CriteriaError, match="bbox"):
            check_bbox(bad)


def test_partner_batches_split_by_pairs():
    df = pd.DataFrame({"pre": [1, 1, 1, 2, 3, 3], "post": [10, 11, 12, 10, 10, 11]})
    batches = _partner_batches(df, "pre", "post", 2)
    flat = [(g["body"], p) for b in batches for g in b for p in g["partners"]]
    assert sorted(flat) == sorted(zip(df.pre, df.post))
    assert all(sum(len(g["partners"]) for g in b) <= 2 for b in batches)
