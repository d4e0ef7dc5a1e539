"""Healing: real fragmented skeletons against a brute-force oracle, and edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import SkeletonError
from connectograph.skeletons import (
    fragment_bridges,
    heal_skeleton,
    heal_skeleton_report,
    read_swc,
    validate_skeleton,
)
from connectograph.skeletons._tree import fragment_labels, parent_positions

from .conftest import SKELETONS, brute_force_msf_length, real_swc_paths


def _fragmented_real_skeletons():
    cases = []
    for path in real_swc_paths():
        if path.parent.name in ("upn-raw", "neuprint-fixtures", "da1-pn"):
            cases.append(pytest.param(path, id=f"{path.parent.name}/{path.name}"))
    kc = SKELETONS / "kc-5813078552" / "KCskel1847.csv"
    if kc.exists():
        cases.append(pytest.param(kc, id="kc-5813078552/KCskel1847.csv"))
    return cases


def _load(path):
    if path.suffix == ".csv":
        return pd.read_csv(path, index_col=0), 5813078552
    sk = read_swc(path)
    return sk.to_df(), sk.body


def _labels(df):
    return fragment_labels(parent_positions(df))


def test_dataset_has_the_expected_fragmented_skeletons(skeleton_dir):
    roots = {p: int((read_swc(p).nodes["link"] == -1).sum()) for p in skeleton_dir.glob("upn-raw/*.swc")}
    assert len(roots) == 120
    fragmented = [n for n in roots.values() if n > 1]
    assert len(fragmented) == 81
    assert min(fragmented) == 2 and max(fragmented) == 22


@pytest.mark.parametrize("path", _fragmented_real_skeletons())
def test_heal_real_skeleton_matches_brute_force(path):
    df, body = _load(path)
    n_frag, labels = _labels(df)
    result = heal_skeleton_report(df, body=body)
    healed = result.skeleton

    # one tree, valid
    assert (healed["link"] == -1).sum() == 1
    validate_skeleton(healed, body=body)
    assert _labels(healed)[0] == 1
    assert result.n_fragments_before == n_frag
    assert result.n_fragments_after == 1
    assert len(result.bridges) == n_frag - 1

    # every node kept, coordinates and other columns unchanged, same order
    pd.testing.assert_frame_equal(healed.drop(columns="link"), df.drop(columns="link"))

    # original edges kept (as undirected edges)
    par = parent_positions(df)
    new_par = parent_positions(healed)
    child = np.flatnonzero(par >= 0)
    kept = (new_par[child] == par[child]) | (new_par[par[child]] == child)
    assert kept.all()

    # bridges are real edges of the healed tree and their lengths are right
    xyz = df.set_index("rowId")[["x", "y", "z"]]
    link = healed.set_index("rowId")["link"]
    for row in result.bridges.itertuples():
        assert link[row.rowId_child] == row.rowId_parent
        d = np.linalg.norm(xyz.loc[row.rowId_child].to_numpy() - xyz.loc[row.rowId_parent].to_numpy())
        assert row.length == pytest.approx(d, rel=1e-12, abs=1e-12)

    # total bridge length equals the dense F x F minimum spanning tree
    expected = brute_force_msf_length(df[["x", "y", "z"]].to_numpy(), labels)
    assert result.total_bridge_length == pytest.approx(expected, rel=1e-9, abs=1e-9)

    # default root: the original root of the largest fragment
    sizes = np.bincount(labels)
    roots = np.flatnonzero(par < 0)
    largest_root = roots[np.argmax(sizes[labels[roots]])]
    if n_frag == 1 or sorted(sizes)[-1] != sorted(sizes)[-2]:
        assert result.root == df["rowId"].iloc[largest_root]
    assert healed.loc[healed["link"] == -1, "rowId"].item() == result.root


def test_some_real_skeletons_are_fragmented(skeleton_dir):
    df = read_swc(skeleton_dir / "neuprint-fixtures" / "multipleRootsSkeleton.swc").to_df()
    assert len(df) == 13151
    assert (df["link"] == -1).sum() == 4
    result = heal_skeleton_report(df)
    assert result.n_fragments_before == 4
    # Known value: the three bridges of this fixture (computed by brute force).
    assert result.total_bridge_length == pytest.approx(240.52066402520632, rel=1e-9)


# --- generated edge cases ----------------------------------------------------------


def _chain(start_id, points, radius=1.0):
    """A chain of nodes, each linked to the previous; first is a root."""
    n = len(points)
    ids = np.arange(start_id, start_id + n)
    return pd.DataFrame(
        {
            "rowId": ids,
            "x": np.asarray(points, float)[:, 0],
            "y": np.asarray(points, float)[:, 1],
            "z": np.asarray(points, float)[:, 2],
            "radius": radius,
            "link": np.concatenate([[-1], ids[:-1]]),
        }
    )


def test_single_fragment_is_unchanged():
    df = _chain(1, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [2, 1, 0]])
    result = heal_skeleton_report(df)
    pd.testing.assert_frame_equal(result.skeleton, df)
    assert len(result.bridges) == 0
    assert result.n_fragments_before == result.n_fragments_after == 1
    assert result.root == 1


def test_single_node_fragments():
    main = _chain(1, [[0, 0, 0], [10, 0, 0], [20, 0, 0]])
    singles = pd.DataFrame(
        {"rowId": [10, 11, 12], "x": [10.0, 20.0, 23.0], "y": [3.0, -4.0, -4.0],
         "z": [0.0, 0.0, 0.0], "radius": 1.0, "link": [-1, -1, -1]}
    )
    df = pd.concat([main, singles], ignore_index=True)
    result = heal_skeleton_report(df)
    assert result.n_fragments_before == 4 and result.n_fragments_after == 1
    bridges = {(r.rowId_child, r.rowId_parent): r.length for r in result.bridges.itertuples()}
    assert bridges == {(10, 2): 3.0, (11, 3): 4.0, (12, 11): 3.0}
    assert result.root == 1
    assert (result.skeleton["link"] == -1).sum() == 1


def test_duplicate_coordinates_across_fragments_give_zero_length_bridge():
    a = _chain(1, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]])
    b = _chain(10, [[2, 0, 0], [2, 5, 0]])  # node 10 sits exactly on node 3
    c = _chain(20, [[2, 0, 0]])  # and so does node 20
    df = pd.concat([a, b, c], ignore_index=True)
    result = heal_skeleton_report(df)
    assert result.n_fragments_after == 1
    assert result.total_bridge_length == 0.0
    assert len(result.bridges) == 2
    validate_skeleton(result.skeleton)


def test_many_duplicate_points_match_brute_force():
    rng = np.random.default_rng(7)
    grid = rng.integers(0, 4, size=(300, 3)).astype(float)  # many exact duplicates
    labels = rng.integers(0, 40, size=300)
    i, j, d = fragment_bridges(grid, labels)
    assert len(i) == len(np.unique(labels)) - 1
    assert (labels[i] != labels[j]).all()
    assert np.allclose(d, np.linalg.norm(grid[i] - grid[j], axis=1))
    assert d.sum() == pytest.approx(brute_force_msf_length(grid, labels), abs=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_random_point_sets_match_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    coords = rng.normal(size=(n, 3)) * rng.uniform(1, 100)
    if seed % 3 == 0:
        coords = np.round(coords)  # ties
    labels = rng.integers(0, int(rng.integers(2, 60)), size=n)
    i, j, d = fragment_bridges(coords, labels)
    n_frag = len(np.unique(labels))
    assert len(i) == n_frag - 1
    assert d.sum() == pytest.approx(brute_force_msf_length(coords, labels), rel=1e-9, abs=1e-9)
    # bridges join the fragments into one component
    _, lab = np.unique(labels, return_inverse=True)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(i)), (lab[i], lab[j])), shape=(n_frag, n_frag))
    assert connected_components(g, directed=False)[0] == 1


@pytest.mark.parametrize("seed", range(6))
def test_random_max_distance_matches_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    coords = rng.uniform(0, 100, size=(200, 3))
    labels = rng.integers(0, 50, size=200)
    max_distance = float(rng.uniform(3, 15))
    i, j, d = fragment_bridges(coords, labels, max_distance)
    assert (d <= max_distance).all()
    expected = brute_force_msf_length(coords, labels, max_distance)
    assert d.sum() == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_max_distance_keeps_far_clusters_apart():
    near1 = _chain(1, [[0, 0, 0], [1, 0, 0], [2, 0, 0]])
    near2 = _chain(10, [[2, 3, 0], [2, 4, 0]])
    far1 = _chain(20, [[1000, 0, 0], [1001, 0, 0]])
    far2 = _chain(30, [[1001, 2, 0]])
    df = pd.concat([near1, near2, far1, far2], ignore_index=True)
    result = heal_skeleton_report(df, max_distance=50)
    assert result.n_fragments_before == 4
    assert result.n_fragments_after == 2
    assert sorted(result.bridges["length"]) == [2.0, 3.0]
    assert (result.skeleton["link"] == -1).sum() == 2
    assert result.root == 1  # root of the largest fragment (3 nodes)
    validate_skeleton(result.skeleton)
    # without a limit everything joins, with one long bridge
    full = heal_skeleton_report(df)
    assert full.n_fragments_after == 1
    assert full.bridges["length"].max() == 998.0  # (2,0,0) to (1000,0,0)


def test_max_distance_is_inclusive_and_zero_allows_only_touching():
    a = _chain(1, [[0, 0, 0]])
    b = _chain(2, [[5, 0, 0]])
    c = _chain(3, [[5, 0, 0]])
    df = pd.concat([a, b, c], ignore_index=True)
    assert heal_skeleton_report(df, max_distance=5).n_fragments_after == 1
    assert heal_skeleton_report(df, max_distance=4.999).n_fragments_after == 2
    assert heal_skeleton_report(df, max_distance=0).n_fragments_after == 2


def test_root_choices():
    big = _chain(5, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]])
    small = _chain(1, [[3, 2, 0], [3, 3, 0]])
    df = pd.concat([big, small], ignore_index=True)

    default = heal_skeleton_report(df)
    assert default.root == 5
    assert default.skeleton.set_index("rowId").loc[1, "link"] == 8  # bridge 1 -> 8

    smallest = heal_skeleton_report(df, root="smallest_rowId")
    assert smallest.root == 1
    s = smallest.skeleton.set_index("rowId")["link"]
    assert s[1] == -1 and s[8] == 1 and s[5] == 6 and s[2] == 1

    explicit = heal_skeleton_report(df, root=7)
    e = explicit.skeleton.set_index("rowId")["link"]
    assert explicit.root == 7 and e[7] == -1 and e[6] == 7 and e[8] == 7 and e[5] == 6

    with pytest.raises(SkeletonError, match="999"):
        heal_skeleton_report(df, root=999)
    with pytest.raises(SkeletonError, match="root must be"):
        heal_skeleton_report(df, root="biggest")


def test_soma_root():
    big = _chain(5, [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]])
    small = _chain(1, [[3, 2, 0], [3, 3, 0]])
    df = pd.concat([big, small], ignore_index=True)
    # The soma lies next to node 2 of the small fragment: the default ("auto")
    # roots the healed tree there, not at the largest fragment's root.
    soma = [3.1, 3.2, 0.0]
    result = heal_skeleton_report(df, soma_xyz=soma)
    s = result.skeleton.set_index("rowId")["link"]
    assert result.root == 2 and s[2] == -1 and s[1] == 2 and s[8] == 1 and s[5] == 6
    assert heal_skeleton_report(df, root="soma", soma_xyz=soma).root == 2
    # An explicit choice wins over the soma.
    assert heal_skeleton_report(df, root="largest", soma_xyz=soma).root == 5
    with pytest.raises(SkeletonError, match="soma_xyz"):
        heal_skeleton_report(df, root="soma")


def test_report_in_nm_when_the_voxel_size_is_known():
    a = _chain(1, [[0, 0, 0], [1, 0, 0]])
    b = _chain(10, [[1, 3, 0]])
    c = _chain(20, [[100, 0, 0]])
    df = pd.concat([a, b, c], ignore_index=True)
    result = heal_skeleton_report(df, max_distance=10, voxel_size_nm=8.0)
    assert result.bridges["length"].tolist() == [3.0]
    assert result.bridges["length_nm"].tolist() == [24.0]
    assert result.n_left_separate == 1
    text = result.describe()
    assert "3 voxels (24 nm)" in text
    assert "1 fragment(s) left separate, farther than max_distance = 10 voxels (80 nm)" in text
    plain = heal_skeleton_report(df, max_distance=10)
    assert "length_nm" not in plain.bridges and "nm" not in plain.describe()
    summary = result.summary()
    assert summary["bridges"] == {"rowId_child": [10], "rowId_parent": [2], "length": [3.0],
                                  "length_nm": [24.0]}
    assert summary["n_fragments_before"] == 3 and summary["n_fragments_after"] == 2


def test_heal_skeleton_returns_dataframe_and_leaves_input_alone():
    df = pd.concat([_chain(1, [[0, 0, 0], [1, 0, 0]]), _chain(3, [[1, 1, 0]])], ignore_index=True)
    before = df.copy()
    healed = heal_skeleton(df)
    pd.testing.assert_frame_equal(df, before)
    assert isinstance(healed, pd.DataFrame)
    assert healed.set_index("rowId").loc[3, "link"] == 2


def test_heal_rejects_invalid_input():
    df = _chain(1, [[0, 0, 0], [1, 0, 0], [2, 0, 0]])
    df.loc[0, "link"] = 3  # cycle 1 -> 3 -> 2 -> 1
    with pytest.raises(SkeletonError, match="body 42: node [123] is on a cycle"):
        heal_skeleton(df, body=42)


def test_custom_root_parent():
    df = pd.concat([_chain(1, [[0, 0, 0], [1, 0, 0]]), _chain(3, [[1, 1, 0]])], ignore_index=True)
    df["link"] = df["link"].replace(-1, 0)
    healed = heal_skeleton(df, root_parent=0)
    assert (healed["link"] == 0).sum() == 1
