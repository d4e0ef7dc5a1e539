"""Skeletons stored in the real Neo4j server: fetch, heal, export (real bodies)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from connectograph import fetch_skeleton
from connectograph.fetch import SkeletonNotFoundError
from connectograph.skeletons import (heal_skeleton_report, read_swc, skeleton_swc_to_df,
                                     validate_skeleton)

KC = 5813078552
COLUMNS = ["rowId", "x", "y", "z", "radius", "link"]


def _upn_files(bundle_dir):
    return sorted((bundle_dir / "skeletons" / "upn-raw").glob("*.swc"))


def _source_soma(bundle_dir, body):
    """somaLocation [x, y, z] of a uPN from the neuPrint export (None if none)."""
    table = pd.read_csv(bundle_dir / "neuprint-exports" / "olf_neuprint_PNallinrvt_df.csv")
    value = table.loc[table["bodyId"] == body, "somaLocation"].iloc[0]
    return None if pd.isna(value) else json.loads(value)


def test_kenyon_cell_skeleton_equals_its_csv(client, bundle_dir):
    expected = pd.read_csv(bundle_dir / "skeletons" / "kc-5813078552" / "KCskel1847.csv")
    got = fetch_skeleton(KC, client=client)
    assert list(got.columns) == COLUMNS
    assert len(got) == 2191
    np.testing.assert_array_equal(got["rowId"].to_numpy(), expected["rowId"].to_numpy())
    np.testing.assert_array_equal(got["link"].to_numpy(), expected["link"].to_numpy())
    for c in ("x", "y", "z", "radius"):
        np.testing.assert_array_equal(got[c].to_numpy(), expected[c].to_numpy(dtype=float))


def test_every_stored_upn_skeleton_is_lossless(client, bundle_dir):
    files = _upn_files(bundle_dir)
    assert len(files) == 120
    label = client.dataset.label("Skeleton")
    stored = {r["bodyId"]: r for r in client.read(
        f"MATCH (s:{label}) RETURN s.bodyId AS bodyId, s.header AS header, "
        "s.nodeType AS nodeType, s.rowId AS rowId")}
    for path in files:
        skel = read_swc(path)
        rec = stored[int(path.stem)]
        assert rec["header"] == skel.header, path.name
        assert rec["nodeType"] == skel.nodes["type"].tolist(), path.name
        assert rec["rowId"] == skel.nodes["rowId"].tolist(), path.name
    # Spot-check full values of one body through fetch_skeleton.
    path = files[0]
    pd.testing.assert_frame_equal(fetch_skeleton(int(path.stem), client=client),
                                  skeleton_swc_to_df(path)[COLUMNS], check_dtype=False)


def test_skeleton_is_linked_from_its_body(client):
    seg, skel = client.dataset.label("Segment"), client.dataset.label("Skeleton")
    rows = client.read(f"MATCH (n:{seg})-[:Contains]->(s:{skel}) RETURN count(*) AS n, "
                       "sum(CASE WHEN n.bodyId = s.bodyId THEN 1 ELSE 0 END) AS same")
    assert rows[0]["n"] == 121 and rows[0]["same"] == 121


def test_heal_on_fetch_joins_fragments_like_the_offline_healer(client, bundle_dir):
    multi = [p for p in _upn_files(bundle_dir)
             if (skeleton_swc_to_df(p)["link"] == -1).sum() > 5
             and _source_soma(bundle_dir, int(p.stem)) is not None]
    assert multi, "the bundle has uPN skeletons with several roots"
    path = multi[0]
    body = int(path.stem)
    raw = skeleton_swc_to_df(path)
    soma = _source_soma(bundle_dir, body)
    expected = heal_skeleton_report(raw, body=body, soma_xyz=soma)
    healed = fetch_skeleton(body, heal=True, client=client)
    assert len(healed) == len(raw)
    assert (healed["link"] == -1).sum() == 1
    validate_skeleton(healed, body=body)
    # Same bridges as healing the file directly.
    pd.testing.assert_frame_equal(healed.reset_index(drop=True),
                                  expected.skeleton[COLUMNS].reset_index(drop=True),
                                  check_dtype=False)


def test_heal_with_max_distance_leaves_far_fragments(client, bundle_dir):
    raw = fetch_skeleton(KC, client=client)
    report = heal_skeleton_report(raw, body=KC)
    longest = float(report.bridges["length"].max())
    with pytest.warns(UserWarning, match="left separate"):
        partial = fetch_skeleton(KC, heal=longest / 2, client=client)
    n_long = int((report.bridges["length"] > longest / 2).sum())
    assert (partial["link"] == -1).sum() == 1 + n_long
    heal = partial.attrs["heal"]
    assert heal["n_left_separate"] == n_long and heal["max_distance"] == longest / 2
    # The hemibrain's voxels are 8 nm: lengths are also reported in nm.
    assert heal["voxel_size_nm"] == 8.0
    assert np.allclose(heal["bridges"]["length_nm"], np.asarray(heal["bridges"]["length"]) * 8.0)
    assert f"{longest / 2 * 8:.6g} nm" in heal["description"]


def test_heal_on_fetch_roots_at_the_soma(client, bundle_dir):
    body = next(int(p.stem) for p in _upn_files(bundle_dir)
                if (skeleton_swc_to_df(p)["link"] == -1).sum() > 1
                and _source_soma(bundle_dir, int(p.stem)) is not None)
    raw = skeleton_swc_to_df(bundle_dir / "skeletons" / "upn-raw" / f"{body}.swc")
    soma = np.asarray(_source_soma(bundle_dir, body), float)
    nearest = raw["rowId"].to_numpy()[
        np.argmin(np.linalg.norm(raw[["x", "y", "z"]].to_numpy(float) - soma, axis=1))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fragment is left apart without max_distance
        healed = fetch_skeleton(body, heal=True, client=client)
    assert healed.loc[healed["link"] == -1, "rowId"].tolist() == [nearest]
    largest = fetch_skeleton(body, heal=True, root="largest", client=client)
    smallest = fetch_skeleton(body, heal=True, root="smallest_rowId", client=client)
    assert smallest.loc[smallest["link"] == -1, "rowId"].tolist() == [raw["rowId"].min()]
    # Same tree whatever the root: the undirected edge sets agree.
    def edges(df):
        e = df[df["link"] != -1]
        return {frozenset(p) for p in zip(e["rowId"], e["link"])}
    assert edges(healed) == edges(largest) == edges(smallest)
    # Without healing, root="soma" re-roots the soma's tree and leaves the rest.
    rerooted = fetch_skeleton(body, root="soma", client=client)
    assert nearest in rerooted.loc[rerooted["link"] == -1, "rowId"].tolist()
    assert (rerooted["link"] == -1).sum() == (raw["link"] == -1).sum()


def test_soma_root_without_a_soma_is_a_clear_error(client, bundle_dir):
    from connectograph.errors import SkeletonError
    body = next(int(p.stem) for p in _upn_files(bundle_dir)
                if _source_soma(bundle_dir, int(p.stem)) is None)
    with pytest.raises(SkeletonError, match="no somaLocation"):
        fetch_skeleton(body, root="soma", client=client)
    # Healing falls back to the largest fragment's root.
    raw = skeleton_swc_to_df(bundle_dir / "skeletons" / "upn-raw" / f"{body}.swc")
    expected = heal_skeleton_report(raw, body=body, root="largest")
    healed = fetch_skeleton(body, heal=True, client=client)
    assert healed.loc[healed["link"] == -1, "rowId"].tolist() == [expected.root]


def test_export_and_formats(client, tmp_path):
    out = tmp_path / f"{KC}.swc"
    df = fetch_skeleton(KC, heal=True, export_path=str(out), with_distances=True, client=client)
    assert np.isinf(df.loc[df["link"] == -1, "distance"]).all()
    child = df[df["link"] != -1].iloc[0]
    parent = df[df["rowId"] == child["link"]].iloc[0]
    assert child["distance"] == pytest.approx(np.linalg.norm(
        child[["x", "y", "z"]].to_numpy(float) - parent[["x", "y", "z"]].to_numpy(float)))
    back = skeleton_swc_to_df(out)
    pd.testing.assert_frame_equal(back, df[COLUMNS], check_dtype=False)
    text = fetch_skeleton(KC, format="swc", client=client)
    assert len([ln for ln in text.splitlines() if ln and not ln.startswith("#")]) == 2191
    g = fetch_skeleton(KC, format="nx", client=client)
    assert g.number_of_nodes() == 2191 and g.number_of_edges() == 2191 - 4


def test_missing_skeleton_is_a_clear_error(client):
    with pytest.raises(SkeletonNotFoundError, match="no skeleton for body 300972942"):
        fetch_skeleton(300972942, client=client)


def test_per_node_form_for_browser(client):
    from connectograph.skeletons.storage import store_skeleton_nodes
    raw = fetch_skeleton(KC, client=client)
    try:
        _check_per_node_form(client, raw, store_skeleton_nodes)
    finally:  # leave the shared dataset as loaded
        client.write(f"MATCH (n:{client.dataset.label('SkelNode')}) DETACH DELETE n")


def _check_per_node_form(client, raw, store_skeleton_nodes):
    assert store_skeleton_nodes(KC, client=client) == len(raw)
    assert store_skeleton_nodes(KC, client=client) == len(raw)  # replaces, no duplicates
    node = client.dataset.label("SkelNode")
    rows = client.read(
        f"MATCH (n:{node}) WHERE n.bodyId = $b "
        "OPTIONAL MATCH (n)-[l:LinksTo]->(p) "
        "RETURN n.rowNumber AS rowId, n.location.x AS x, n.location.y AS y, n.location.z AS z, "
        "n.radius AS radius, coalesce(p.rowNumber, -1) AS link ORDER BY rowId", {"b": KC})
    got = pd.DataFrame(rows)
    expected = raw.sort_values("rowId", ignore_index=True)
    pd.testing.assert_frame_equal(got[COLUMNS], expected[COLUMNS], check_dtype=False)
    with pytest.raises(ValueError, match="more than max_nodes"):
        store_skeleton_nodes(KC, client=client, max_nodes=100)
