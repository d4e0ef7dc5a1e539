"""Fast unit tests (no server) of the synapse tables: id minting, validation,
readers on real bundle files, precedence and derived counts on small frames."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import ValidationError
from connectograph.loading.conflicts import Conflict
from connectograph.loading.derive.bodies import fill_bodies
from connectograph.loading.derive.body_roi_counts import empty_roi_counts, roi_info_dicts
from connectograph.loading.derive.connections import (connection_roi_entries,
                                                      connections_from_roi_weights,
                                                      merge_connections)
from connectograph.loading.derive.synapse_counts import (body_counts, connection_roi_counts,
                                                         connections_from_synapses)
from connectograph.loading.derive.synapse_rois import primary_rois, roi_ancestors
from connectograph.loading.read.synapse_sources import read_connectors, read_synapse_connections
from connectograph.loading.read.synapse_tables import SynapsePoints, mint_synapse_ids
from connectograph.loading.recipe import SynapseSource
from shared_datasets import DATASETS

BUNDLE = DATASETS / "hemibrain-mb"
KC_IN = BUNDLE / "synapses" / "kc-5813078552" / "KCinputs1847.csv"
KC_OUT = BUNDLE / "synapses" / "kc-5813078552" / "KCoutputs1847.csv"
DA1 = BUNDLE / "synapses" / "da1-pn" / "722817260.csv"
KC_COLUMNS = {"bodyId_pre": "upstream_bodyId", "bodyId_post": "downstream_bodyId",
              "roi_pre": "upstream_roi", "roi_post": "downstream_roi", "x_pre": "ux",
              "y_pre": "uy", "z_pre": "uz", "x_post": "dx", "y_post": "dy", "z_post": "dz",
              "confidence_pre": "upstream_confidence", "confidence_post": "downstream_confidence"}


# --- id minting ------------------------------------------------------------------------------

def test_ids_deterministic_and_order_independent():
    rng = np.random.default_rng(1)
    n = 1000
    body = rng.integers(1, 10**10, n)
    kind = rng.choice(["pre", "post"], n)
    xyz = rng.integers(0, 40000, (n, 3)).astype(float)
    a = mint_synapse_ids(body, kind, *xyz.T)
    b = mint_synapse_ids(body, kind, *xyz.T)
    assert a.dtype == np.int64 and (a >= 0).all()
    assert np.array_equal(a, b)
    perm = rng.permutation(n)
    assert np.array_equal(mint_synapse_ids(body[perm], kind[perm], *xyz[perm].T), a[perm])
    assert len(set(a.tolist())) == n


def test_ids_differ_by_each_component():
    base = mint_synapse_ids([5], ["pre"], [1.0], [2.0], [3.0])[0]
    for args in (([6], ["pre"], [1.0], [2.0], [3.0]), ([5], ["post"], [1.0], [2.0], [3.0]),
                 ([5], ["pre"], [1.5], [2.0], [3.0]), ([5], ["pre"], [1.0], [2.0], [4.0])):
        assert mint_synapse_ids(*args)[0] != base
    # ints and floats of the same value, and -0.0 / 0.0, are the same place
    assert mint_synapse_ids([5], ["pre"], [0], [2], [3])[0] == \
        mint_synapse_ids([5], ["pre"], [-0.0], [2.0], [3.0])[0]


def test_repeated_tbar_gets_one_id():
    src = SynapseSource(kind="synapse_connections", file="x", columns=KC_COLUMNS)
    points, pairs = read_synapse_connections(KC_OUT, src, 0, None)
    raw = pd.read_csv(KC_OUT, index_col=0)
    tbars = raw.drop_duplicates(["upstream_bodyId", "ux", "uy", "uz"])
    assert (points["type"] == "pre").sum() == len(tbars) < len(raw)
    assert (points["type"] == "post").sum() == len(raw) == len(pairs)
    assert points["id"].is_unique
    # the rows of one T-bar share its id
    first = raw.iloc[0]
    same = raw[(raw.ux == first.ux) & (raw.uy == first.uy) & (raw.uz == first.uz)]
    ids = set(pairs.iloc[[raw.index.get_loc(i) for i in same.index]]["pre_id"])
    assert len(ids) == 1


# --- readers and validation -------------------------------------------------------------------

def test_connectors_types_and_catmaid_numbers(tmp_path):
    src = SynapseSource(kind="connectors", file="x")
    pts = read_connectors(DA1, src, 0, None)
    raw = pd.read_csv(DA1)
    assert pts["type"].value_counts().to_dict() == raw["type"].value_counts().to_dict()
    assert (pts["bodyId"] == 722817260).all()
    numeric = raw.assign(type=raw["type"].map({"pre": 0, "post": 1}))
    p = tmp_path / "722817260.csv"
    numeric.to_csv(p, index=False)
    assert read_connectors(p, src, 0, None)["type"].tolist() == pts["type"].tolist()
    numeric.loc[7, "type"] = 2          # CATMAID gap junction
    numeric.to_csv(p, index=False)
    with pytest.raises(ValidationError, match="gap junction") as info:
        read_connectors(p, src, 0, None)
    assert (info.value.row, info.value.column) == (8, "type")


def _points(**overrides) -> pd.DataFrame:
    df = pd.DataFrame({"id": np.array([1, 2, 3], dtype="int64"),
                       "bodyId": np.array([10, 10, 11], dtype="int64"),
                       "type": ["pre", "post", "post"], "x": [1.0, 2.0, 3.0],
                       "y": [1.0, 2.0, 3.0], "z": [1.0, 2.0, 3.0],
                       "confidence": [0.5, 0.9, np.nan], "roi": ["aL(R)", None, None],
                       "file": "f.csv", "row": np.array([1, 2, 3], dtype="int64"),
                       "source": np.zeros(3, dtype="int64"), "bodyColumn": "bodyId"})
    for k, v in overrides.items():
        df[k] = v
    return df


def test_points_table_valid():
    assert len(SynapsePoints.build(_points()).frame) == 3


@pytest.mark.parametrize("column, values, message, row", [
    ("x", [1.0, np.nan, 3.0], "finite", 2),
    ("z", [1.0, 2.0, np.inf], "finite", 3),
    ("confidence", [0.5, 1.2, 0.1], "outside", 2),
    ("confidence", [-0.1, 0.2, 0.1], "outside", 1),
    ("type", ["pre", "PSD", "post"], "neither", 2),
    ("id", np.array([1, 2, 1], dtype="int64"), "duplicate synapse id", 3),
])
def test_points_table_rejects(column, values, message, row):
    with pytest.raises(ValidationError, match=message) as info:
        SynapsePoints.build(_points(**{column: values}))
    assert info.value.row == row and info.value.file == "f.csv"
    assert info.value.column == column


def test_roi_ancestors_from_real_hierarchy():
    info = json.loads((BUNDLE / "rois" / "np_roiInfo.json").read_text())
    hier = json.loads((BUNDLE / "rois" / "np_roiHierarchy.json").read_text())
    anc = roi_ancestors(info, hier)
    assert anc["a1(R)"] == ["aL(R)", "MB(R)", "MB(+ACA)(R)"]
    assert anc["LH(R)"] == []                   # a child of the root
    assert "hemibrain" not in sum(anc.values(), [])
    # without the hierarchy JSON the parents in roiInfo give the same chains
    assert roi_ancestors(info, None)["a1(R)"] == anc["a1(R)"]


# --- precedence and derived counts -----------------------------------------------------------

def test_tables_win_and_every_disagreement_is_a_conflict():
    tables = pd.DataFrame({"bodyId_pre": [1, 1], "bodyId_post": [2, 2], "roi": ["aL(R)", "CA(R)"],
                           "weight": [13, 4], "_file": "table.csv"})
    syn = pd.DataFrame({"bodyId_pre": [1, 1, 1, 3], "bodyId_post": [2, 2, 2, 2],
                        "roi": ["aL(R)", "CA(R)", "NotPrimary", "aL(R)"],
                        "weight": [12, 4, 2, 7], "_file": "syn.csv"})
    conflicts: list[Conflict] = []
    merged, filled = merge_connections(tables, syn, conflicts)
    got = {(r.bodyId_pre, r.roi): r.weight for r in merged.itertuples()}
    assert got == {(1, "aL(R)"): 13, (1, "CA(R)"): 4, (1, "NotPrimary"): 2, (3, "aL(R)"): 7}
    assert filled == 1                      # NotPrimary added to a pair the table lists
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c.kept_from, c.overridden_from, c.count) == ("table.csv", "syn.csv", 1)
    assert c.examples == [{"key": "1->2 aL(R)", "kept": 13, "dropped": 12}]


def test_conflict_keeps_every_row_and_five_examples():
    keys = pd.Series(np.arange(10, 17, dtype="int64"))
    c = Conflict.of("neurons", "post", "a.csv", "b.csv", keys, keys * 2, keys * 3)
    assert (c.count, c.kept_from, c.overridden_from) == (7, "a.csv", "b.csv")
    assert c.examples == [{"key": k, "kept": 2 * k, "dropped": 3 * k} for k in range(10, 15)]
    assert type(c.examples[0]["key"]) is int          # Python scalars, not numpy ones
    assert c.rows.to_dict("list") == {"key": list(range(10, 17)),
                                      "kept": [2 * k for k in range(10, 17)],
                                      "dropped": [3 * k for k in range(10, 17)]}
    assert "7 rows differ" in c.describe()


def test_connection_counts_at_the_psd_and_body_counts():
    # T-bar 1 of body 10 contacts PSDs 2 (body 11, in aL(R)) and 3 (body 12, no ROI)
    pts = _points(id=np.array([1, 2, 3], dtype="int64"),
                  bodyId=np.array([10, 11, 12], dtype="int64"),
                  type=["pre", "post", "post"], roi=["CA(R)", "aL(R)", None])
    pairs = pd.DataFrame({"pre_id": np.array([1, 1], dtype="int64"),
                          "post_id": np.array([2, 3], dtype="int64"), "file": "f.csv"})
    rois = np.empty(3, dtype=object)
    rois[:] = [("CA(R)", "MB(R)"), ("MB(R)", "aL(R)"), ()]
    proi, several = primary_rois(rois, {"CA(R)", "aL(R)"})
    assert list(proi) == ["CA(R)", "aL(R)", "NotPrimary"] and several == 0
    conns = connections_from_synapses(pts, pairs, proi)
    assert {(r.bodyId_post, r.roi): r.weight for r in conns.itertuples()} == \
        {(11, "aL(R)"): 1, (12, "NotPrimary"): 1}
    totals, counts = body_counts(pts, pairs, rois)
    info = roi_info_dicts(counts)
    assert totals.loc[10].to_dict() == {"pre": 1, "post": 0, "downstream": 2, "upstream": 0}
    assert totals.loc[11].to_dict() == {"pre": 0, "post": 1, "downstream": 0, "upstream": 1}
    # downstream counts at the T-bar's ROIs
    assert info[10] == {"CA(R)": {"pre": 1, "downstream": 2}, "MB(R)": {"pre": 1, "downstream": 2}}
    assert info[11]["aL(R)"] == {"post": 1, "upstream": 1}
    assert 12 not in info


def _roi_count_case():
    # T-bar 1 (body 10, in A and MB) contacts PSDs 2 (body 20, A and MB) and
    # 3 (body 20, B); T-bar 5 (body 10, B and MB) and T-bar 1 contact PSD 4
    # (body 30, no ROI).
    pts = pd.DataFrame({"id": np.array([1, 2, 3, 4, 5], dtype="int64"),
                        "bodyId": np.array([10, 20, 20, 30, 10], dtype="int64"),
                        "type": ["pre", "post", "post", "post", "pre"]})
    pairs = pd.DataFrame({"pre_id": np.array([1, 1, 1, 5], dtype="int64"),
                          "post_id": np.array([2, 3, 4, 4], dtype="int64"), "file": "f.csv"})
    rois = np.empty(5, dtype=object)
    rois[:] = [("A", "MB"), ("A", "MB"), ("B",), (), ("B", "MB")]
    return pts, pairs, rois


def test_connection_roi_counts_by_hand():
    """neuPrint's ConnectsTo.roiInfo: per ROI, T-bars of the connection (each
    once, however many PSDs it has on the partner) and PSDs, every ROI of the
    sites (non-primary too); an ROI with only T-bars has post 0."""
    got = connection_roi_counts(*_roi_count_case())
    assert {(r.bodyId_pre, r.bodyId_post, r.roi): (r.pre, r.post) for r in got.itertuples()} == {
        (10, 20, "A"): (1, 1), (10, 20, "B"): (0, 1), (10, 20, "MB"): (1, 1),
        (10, 30, "A"): (1, 0), (10, 30, "B"): (1, 0), (10, 30, "MB"): (2, 0)}
    assert [str(got[c].dtype) for c in ("bodyId_pre", "bodyId_post", "pre", "post")] == \
        ["int64"] * 4


def test_connection_roi_counts_equal_a_loop_over_pairs():
    """Random tables against a plain loop over the pairs with Python sets."""
    rng = np.random.default_rng(7)
    n_pts, n_pairs = 400, 900
    names = ["A", "B", "C", "MB"]
    kinds = np.where(np.arange(n_pts) < 120, "pre", "post")
    pts = pd.DataFrame({"id": np.arange(100, 100 + n_pts, dtype="int64"),
                        "bodyId": rng.integers(1, 25, n_pts).astype("int64"), "type": kinds})
    rois = np.empty(n_pts, dtype=object)
    rois[:] = [tuple(sorted(set(rng.choice(names, rng.integers(0, 3)).tolist())))
               for _ in range(n_pts)]
    pre_id = 100 + rng.integers(0, 120, n_pairs)
    post_id = 100 + 120 + rng.choice(n_pts - 120, n_pairs, replace=True)
    pairs = pd.DataFrame({"pre_id": pre_id.astype("int64"), "post_id": post_id.astype("int64"),
                          "file": "f.csv"}).drop_duplicates(["post_id"])  # one T-bar per PSD
    body = dict(zip(pts["id"], pts["bodyId"]))
    roi_of = dict(zip(pts["id"], rois))
    tbars: dict = {}
    psds: dict = {}
    for a, b in zip(pairs["pre_id"], pairs["post_id"]):
        conn = (body[a], body[b])
        for r in roi_of[a]:
            tbars.setdefault(conn + (r,), set()).add(a)
        for r in roi_of[b]:
            psds.setdefault(conn + (r,), set()).add(b)
    expected = {k: (len(tbars.get(k, ())), len(psds.get(k, ())))
                for k in set(tbars) | set(psds)}
    got = connection_roi_counts(pts, pairs, rois)
    assert {(r.bodyId_pre, r.bodyId_post, r.roi): (r.pre, r.post)
            for r in got.itertuples()} == expected
    assert len(expected) > 100


def test_roi_info_entries_tables_win_per_roi():
    """A table cell replaces the synapse entry of its (connection, ROI) and has
    no T-bar count; synapse entries fill the other ROIs; the weight stays the
    per-ROI rows' sum."""
    counts = connection_roi_counts(*_roi_count_case())
    tables = pd.DataFrame({"bodyId_pre": [10, 10], "bodyId_post": [20, 20],
                           "roi": ["A", "NotPrimary"], "weight": [7, 2]})
    entries = connection_roi_entries(tables, counts)
    conns = pd.DataFrame({"bodyId_pre": [10, 10, 10], "bodyId_post": [20, 20, 30],
                          "roi": ["A", "NotPrimary", "NotPrimary"], "weight": [7, 2, 2]})
    out = connections_from_roi_weights(conns, entries)
    assert out.weight.tolist() == [9, 2]
    assert [json.loads(t) for t in out.roiInfo] == [
        {"A": {"post": 7}, "B": {"pre": 0, "post": 1}, "MB": {"pre": 1, "post": 1}},
        {"A": {"pre": 1, "post": 0}, "B": {"pre": 1, "post": 0},
         "MB": {"pre": 2, "post": 0}}]
    # keys sorted as json.dumps(sort_keys=True) writes them
    assert out.roiInfo.iloc[1] == json.dumps(json.loads(out.roiInfo.iloc[1]), sort_keys=True)


def test_fill_bodies_upstream_is_post_unless_stated():
    """neuPrint: upstream = post. A stated upstream stays; an unstated one is
    the body's post (from its table, else from its synapses)."""
    neurons = pd.DataFrame({"bodyId": [1, 2, 3, 4],
                            "post": pd.array([10, 5, pd.NA, 7], dtype="Int64"),
                            "upstream": pd.array([pd.NA, 4, pd.NA, pd.NA], dtype="Int64")}
                           ).set_index("bodyId", drop=False)
    totals = pd.DataFrame({"pre": [0, 2], "post": [3, 6], "upstream": [3, 6],
                           "downstream": [0, 2]},
                          index=pd.Index([3, 4], name="bodyId"))
    conflicts: list = []
    out = fill_bodies(neurons, totals, empty_roi_counts(), conflicts,
                      connection_counts=empty_roi_counts())
    assert out["post"].tolist() == [10, 5, 3, 7]
    assert out["upstream"].tolist() == [10, 4, 3, 7]
    assert out["downstream"].tolist()[2:] == [0, 2]
    assert conflicts == []


def test_points_without_a_body_column_take_the_sources_body(tmp_path):
    """kind = "points" files may leave the body out: the source's bodyId (or the
    file name) gives it, as for connector tables."""
    from connectograph.loading import check
    (tmp_path / "neurons.csv").write_text("bodyId,type\n7,A\n9,B\n")
    (tmp_path / "pts7.csv").write_text("id,type,x,y,z\n1,pre,10,10,10\n")
    (tmp_path / "pts9.csv").write_text("id,type,x,y,z\n2,post,11,10,10\n3,post,12,10,10\n")
    (tmp_path / "pairs.csv").write_text("pre_id,post_id\n1,2\n1,3\n")
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        f'[dataset]\nname = "pts"\ntag = "v1"\ndata_dir = "{tmp_path}"\n\n'
        '[[neurons]]\nfile = "neurons.csv"\n\n'
        '[[synapses]]\nkind = "points"\nfile = "pts7.csv"\nbodyId = 7\n\n'
        '[[synapses]]\nkind = "points"\nfile = "pts9.csv"\nbodyId = 9\n\n'
        '[[synapse_partners]]\nfile = "pairs.csv"\n')
    bars: list[list] = []

    def progress(total: int, desc: str):
        bar = [desc, total, 0]
        bars.append(bar)

        class Bar:
            def update(self, n: int) -> None:
                bar[2] += n

            def close(self) -> None:
                pass
        return Bar()

    summary = check(str(recipe), progress=progress)
    assert bars == [["prepare (steps)", 3, 3]]
    assert summary.checked_only
    c = summary.counts
    assert (c["Synapse nodes"], c["SynapsesTo relationships"], c["ConnectsTo relationships"]) \
        == (3, 2, 1)
    # one T-bar in the pre set, two PSDs in the post set; one Contains to each set
    assert c["Contains relationships"] == 2 + 3
