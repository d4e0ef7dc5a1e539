"""Distances, segments, upsampling, re-rooting, synapse attachment, graph conversion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import SkeletonError
from connectograph.skeletons import (
    attach_synapses_to_skeleton,
    calc_segment_distances,
    heal_skeleton,
    reorient_skeleton,
    skeleton_df_to_nx,
    skeleton_segments,
    upsample_skeleton,
    validate_skeleton,
)


def _y():
    """A Y-shaped tree: 1 - 2 - 3 and 2 - 4, plus a separate fragment 10 - 11."""
    return pd.DataFrame({
        "rowId": [1, 2, 3, 4, 10, 11],
        "x": [0.0, 3.0, 3.0, 6.0, 50.0, 50.0],
        "y": [0.0, 4.0, 10.0, 4.0, 0.0, 1.0],
        "z": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "radius": [1.0, 2.0, 5.0, 1.0, 1.0, 3.0],
        "link": [-1, 1, 2, 2, -1, 10],
    })


def test_segment_distances_root_inf():
    d = calc_segment_distances(_y())
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d, [np.inf, 5.0, 6.0, 3.0, np.inf, 1.0])
    np.testing.assert_array_equal(calc_segment_distances(_y(), root_dist=0.0)[[0, 4]], [0.0, 0.0])


def test_segment_distances_on_real_skeleton(kc_skeleton):
    d = calc_segment_distances(kc_skeleton)
    assert np.isinf(d).sum() == 4
    xyz = kc_skeleton.set_index("rowId")[["x", "y", "z"]]
    row = kc_skeleton.iloc[10]
    assert d[10] == pytest.approx(np.linalg.norm(xyz.loc[row.rowId] - xyz.loc[row.link]))


def test_skeleton_segments_columns_and_values():
    seg = skeleton_segments(_y())
    assert list(seg.columns) == ["rowId", "x", "y", "z", "radius", "link", "rowId_parent",
                                 "link_parent", "x_parent", "y_parent", "z_parent",
                                 "radius_parent", "length", "avg_radius", "volume"]
    assert seg["rowId"].tolist() == [2, 3, 4, 11]
    assert seg["rowId_parent"].tolist() == [1, 2, 2, 10]
    assert seg["length"].tolist() == [5.0, 6.0, 3.0, 1.0]
    assert seg["avg_radius"].tolist() == [1.5, 3.5, 1.5, 2.0]
    r, R, h = 5.0, 2.0, 6.0
    assert seg.loc[1, "volume"] == pytest.approx(np.pi * h * (r * r + r * R + R * R) / 3)


def test_upsample_respects_max_and_keeps_nodes(kc_skeleton):
    max_len = 10.0
    up = upsample_skeleton(kc_skeleton, max_len)
    validate_skeleton(up)
    n = len(kc_skeleton)
    # original nodes first, unchanged apart from link
    pd.testing.assert_frame_equal(up.iloc[:n].drop(columns="link"), kc_skeleton.drop(columns="link"))
    d = calc_segment_distances(up)
    assert d[np.isfinite(d)].max() <= max_len * (1 + 1e-9)
    # total cable length unchanged, roots unchanged
    orig = calc_segment_distances(kc_skeleton)
    assert d[np.isfinite(d)].sum() == pytest.approx(orig[np.isfinite(orig)].sum(), rel=1e-12)
    assert (up["link"] == -1).sum() == 4
    expected_new = int((np.ceil(orig[np.isfinite(orig)] / max_len) - 1).clip(0).sum())
    assert len(up) == n + expected_new
    assert up["rowId"].is_unique and up["rowId"].iloc[n] == kc_skeleton["rowId"].max() + 1


def test_upsample_small_case():
    up = upsample_skeleton(_y(), 2.5)
    # segment 1-2 (length 5) -> 2 pieces, 2-3 (6) -> 3, 2-4 (3) -> 2, 10-11 (1) unchanged
    assert len(up) == 6 + 1 + 2 + 1
    s = up.set_index("rowId")
    assert s.loc[2, "link"] == 12 and s.loc[12, "link"] == 1
    assert (s.loc[12, ["x", "y", "radius"]].tolist()) == [1.5, 2.0, 1.5]
    with pytest.raises(SkeletonError, match="max_segment_length"):
        upsample_skeleton(_y(), 0)


def test_reorient_to_rowid():
    out = reorient_skeleton(_y(), rowId=3)
    s = out.set_index("rowId")["link"]
    assert s.to_dict() == {1: 2, 2: 3, 3: -1, 4: 2, 10: -1, 11: 10}
    validate_skeleton(out)


def test_reorient_to_xyz_and_max_radius():
    s = reorient_skeleton(_y(), xyz=(5.9, 4.2, 0.1)).set_index("rowId")["link"]
    assert s[4] == -1 and s[2] == 4 and s[1] == 2
    s = reorient_skeleton(_y(), use_max_radius=True).set_index("rowId")["link"]
    assert s[3] == -1 and s[2] == 3
    # fragment 10-11 is re-rooted when the choice falls inside it
    s = reorient_skeleton(_y(), rowId=11).set_index("rowId")["link"]
    assert s[11] == -1 and s[10] == 11 and s[1] == -1


def test_reorient_inplace_and_errors():
    df = _y()
    assert reorient_skeleton(df, rowId=4, inplace=True) is None
    assert df.set_index("rowId").loc[4, "link"] == -1
    with pytest.raises(SkeletonError, match="exactly one"):
        reorient_skeleton(_y(), rowId=4, use_max_radius=True)
    with pytest.raises(SkeletonError, match="node 99"):
        reorient_skeleton(_y(), rowId=99)


def test_reorient_real_healed_skeleton(kc_skeleton):
    healed = heal_skeleton(kc_skeleton)
    target = int(healed["rowId"].iloc[1000])
    out = reorient_skeleton(healed, rowId=target)
    validate_skeleton(out)
    assert out.loc[out["link"] == -1, "rowId"].tolist() == [target]
    # same undirected edges
    a = {frozenset(e) for e in zip(healed["rowId"], healed["link"]) if -1 not in e}
    b = {frozenset(e) for e in zip(out["rowId"], out["link"]) if -1 not in e}
    assert a == b


def test_attach_synapses_matches_brute_force(kc_skeleton, skeleton_dir):
    syn = pd.read_csv(skeleton_dir.parent / "synapses" / "kc-5813078552" / "KCinputs1847.csv", index_col=0)
    syn = syn.rename(columns={"dx": "x", "dy": "y", "dz": "z"})
    out = attach_synapses_to_skeleton(kc_skeleton, syn)
    assert len(out) == len(syn) == 504
    assert set(syn.columns) < set(out.columns)
    skel = kc_skeleton[["x", "y", "z"]].to_numpy()
    pts = syn[["x", "y", "z"]].to_numpy(float)
    dist = np.linalg.norm(pts[:, None, :] - skel[None, :, :], axis=2)
    np.testing.assert_allclose(out["distance"].to_numpy(), dist.min(axis=1), rtol=1e-12)
    chosen = kc_skeleton.set_index("rowId").loc[out["rowId"], ["x", "y", "z"]].to_numpy()
    np.testing.assert_allclose(np.linalg.norm(chosen - pts, axis=1), dist.min(axis=1), rtol=1e-12)


def test_attach_synapses_small():
    syn = pd.DataFrame({"x": [3.0, 49.0], "y": [9.0, 1.0], "z": [0.0, 0.0], "type": ["pre", "post"]})
    out = attach_synapses_to_skeleton(_y(), syn)
    assert out["rowId"].tolist() == [3, 11]
    assert out["distance"].tolist() == [1.0, 1.0]
    assert out["type"].tolist() == ["pre", "post"]
    with pytest.raises(SkeletonError, match="non-finite"):
        attach_synapses_to_skeleton(_y(), syn.assign(x=[np.nan, 1.0]))


def test_nx_conversion(kc_skeleton):
    g = skeleton_df_to_nx(kc_skeleton)
    assert g.is_directed()
    assert g.number_of_nodes() == len(kc_skeleton) == 2191
    assert g.number_of_edges() == len(kc_skeleton) - 4
    row = kc_skeleton.iloc[5]
    assert g.has_edge(row.rowId, row.link)  # child -> parent
    assert g.nodes[row.rowId]["radius"] == row.radius
    u = skeleton_df_to_nx(kc_skeleton, with_attributes=False, directed=False, with_distances=True)
    assert not u.is_directed() and u.nodes[row.rowId] == {}
    assert u.edges[row.rowId, row.link]["distance"] == pytest.approx(
        calc_segment_distances(kc_skeleton)[5])
    import networkx as nx
    assert nx.number_connected_components(u) == 4
    assert nx.number_connected_components(skeleton_df_to_nx(heal_skeleton(kc_skeleton), directed=False)) == 1


def test_navis_conversion(kc_skeleton):
    navis = pytest.importorskip("navis")
    from connectograph.skeletons import skeleton_df_to_navis

    n = skeleton_df_to_navis(kc_skeleton, name=5813078552)
    assert isinstance(n, navis.TreeNeuron)
    assert n.n_nodes == 2191 and len(n.root) == 4
