"""fetch_skeletons (many bodies in one query, as navis neurons) against
fetch_skeleton one by one, and fetch_roi_mesh against the bundle's OBJ files,
on the real hemibrain bundle."""

from __future__ import annotations

import sys
import warnings

import navis                 # the plot extra, also in the test extra
import numpy as np
import pandas as pd
import pytest

from connectograph import NC, fetch_roi_mesh, fetch_skeleton, fetch_skeletons, fetch_synapses
from connectograph import SynapseCriteria as SC
from connectograph.errors import RoiMeshNotFoundError, SkeletonNotFoundError
from connectograph.fetch.skeleton_batch import NavisMissingWarning

DA1 = [722817260, 754534424, 754538881, 1734350788, 1734350908]   # synapses/da1-pn
KC = 5813078552
NO_SKELETON = 300972942     # MBON14: a neuron without a stored skeleton


def _source_da1(bundle_dir, body) -> pd.DataFrame:
    return pd.read_csv(bundle_dir / "synapses" / "da1-pn" / f"{body}.csv")


def test_batch_equals_one_by_one(client):
    bodies = [KC, *DA1]
    neurons = fetch_skeletons(bodies, client=client)
    assert isinstance(neurons, navis.NeuronList)
    assert [int(n.id) for n in neurons] == bodies          # the given order
    for n in neurons:
        one = fetch_skeleton(int(n.id), client=client)
        np.testing.assert_array_equal(n.nodes["node_id"].to_numpy(), one["rowId"].to_numpy())
        np.testing.assert_array_equal(n.nodes["parent_id"].to_numpy(), one["link"].to_numpy())
        for c in ("x", "y", "z", "radius"):
            np.testing.assert_array_equal(n.nodes[c].to_numpy(float), one[c].to_numpy(float))
        # the hemibrain's voxels are 8 nm (the bundle's README)
        assert str(n.units) in ("8 nanometer", "8 nanometers", "8 nm")
    healed = fetch_skeletons(DA1[:2], heal=True, client=client)
    for n in healed:
        one = fetch_skeleton(int(n.id), heal=True, client=client)
        assert n.n_trees == 1
        np.testing.assert_array_equal(n.nodes["parent_id"].to_numpy(), one["link"].to_numpy())


def test_criteria_and_instances(client, bundle_dir):
    table = pd.read_csv(bundle_dir / "neuprint-exports" / "olf_neuprint_PNallinrvt_df.csv")
    da1 = table[table["type"] == "DA1_lPN"]
    with_swc = {int(p.stem) for p in (bundle_dir / "skeletons" / "upn-raw").glob("*.swc")}
    expected = sorted(b for b in da1["bodyId"] if b in with_swc)
    neurons = fetch_skeletons(NC(type="DA1_lPN"), missing="skip", client=client)
    assert sorted(int(n.id) for n in neurons) == expected
    names = dict(zip(da1["bodyId"], da1["instance"]))
    assert {int(n.id): n.name for n in neurons} == {b: names[b] for b in expected}


def test_synapses_attached_to_their_nearest_node(client, bundle_dir):
    neurons = fetch_skeletons(DA1[:2], with_synapses=True, client=client)
    for n in neurons:
        sites = fetch_synapses(NC(bodyId=int(n.id)), SC(primary_only=True), client=client)
        got = n.connectors
        assert list(got.columns) == ["connector_id", "node_id", "type", "x", "y", "z", "roi",
                                     "confidence"]
        pd.testing.assert_frame_equal(
            got[["type", "x", "y", "z", "roi"]].astype({"type": str, "roi": str})
            .sort_values(["type", "x", "y", "z"]).reset_index(drop=True),
            sites[["type", "x", "y", "z", "roi"]].astype({"type": str, "roi": str})
            .sort_values(["type", "x", "y", "z"]).reset_index(drop=True), check_dtype=False)
        # navis attached each site of the source table to its nearest node of
        # the same v1.2.1 skeleton (healed and renumbered: skeletons/da1-pn),
        # so the nodes are at the same places as ours
        source = _source_da1(bundle_dir, int(n.id))
        swc = pd.read_csv(bundle_dir / "skeletons" / "da1-pn" / f"{int(n.id)}.swc", comment="#",
                          sep=" ", names=["node_id", "t", "nx", "ny", "nz", "r", "p"])
        source = source.merge(swc[["node_id", "nx", "ny", "nz"]], on="node_id")
        ours = got.merge(n.nodes[["node_id", "x", "y", "z"]].rename(
            columns={"x": "nx", "y": "ny", "z": "nz"}), on="node_id")
        merged = ours.merge(source, on=["x", "y", "z", "type"], suffixes=("", "_src"))
        assert len(merged) > 0.95 * len(source)
        same = (merged[["nx", "ny", "nz"]].to_numpy(float)
                == merged[["nx_src", "ny_src", "nz_src"]].to_numpy(float)).all(axis=1)
        assert same.mean() > 0.99


def test_missing_skeletons_are_named(client):
    with pytest.raises(SkeletonNotFoundError, match=str(NO_SKELETON)):
        fetch_skeletons([DA1[0], NO_SKELETON], client=client)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        neurons = fetch_skeletons([DA1[0], NO_SKELETON], missing="warn", client=client)
    assert [int(n.id) for n in neurons] == [DA1[0]]
    assert any(str(NO_SKELETON) in str(w.message) for w in caught)


def test_progress_bar_when_asked(client, capsys):
    fetch_skeletons(DA1[:2], progress=True, client=client)
    err = capsys.readouterr().err
    assert "skeletons:" in err and "0/2" in err and "body" in err     # a bar over 2 bodies
    fetch_skeletons(DA1[:2], progress=False, client=client)
    assert capsys.readouterr().err == ""


def test_without_navis_a_dict_of_frames(client, monkeypatch):
    monkeypatch.setitem(sys.modules, "navis", None)
    with pytest.warns(NavisMissingWarning, match="connectograph\\[plot\\]"):
        frames = fetch_skeletons(DA1[:1], client=client)
    pd.testing.assert_frame_equal(frames[DA1[0]], fetch_skeleton(DA1[0], client=client))


def test_roi_mesh_as_bytes_and_trimesh(client, bundle_dir, tmp_path):
    path = bundle_dir / "rois" / "meshes" / "aL(R).obj"
    data = fetch_roi_mesh("aL(R)", client=client, export_path=tmp_path / "a.obj")
    assert data == path.read_bytes() == (tmp_path / "a.obj").read_bytes()
    mesh = fetch_roi_mesh("aL(R)", format="trimesh", client=client)
    lines = pd.Series(path.read_text().splitlines())
    vertices = lines[lines.str.startswith("v ")].str.split().str[1:4].tolist()
    faces = lines[lines.str.startswith("f ")]
    assert mesh.vertices.shape == (len(vertices), 3)
    np.testing.assert_allclose(mesh.vertices, np.asarray(vertices, float))
    assert len(mesh.faces) == len(faces)
    with pytest.raises(RoiMeshNotFoundError,
                       match="no mesh for ROI 'SMP\\(R\\)'.*meshes there: CA\\(L\\)"):
        fetch_roi_mesh("SMP(R)", client=client)
