"""Neurons drawn from the real bundle: 2D projections (matplotlib's Agg
canvas) checked against the SWC files and the DA1 PNs' synapse tables with
pandas, and the 3D view written as standalone HTML; one image of each kind
under test-output/."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from connectograph import fetch_synapses, NC, SynapseCriteria
from connectograph.errors import (MissingDependencyError, RoiMeshNotFoundError,
                                  SkeletonNotFoundError)
from connectograph.plot import plot_neurons, plot_neurons_3d
from shared_datasets import REPO


OUT = REPO / "test-output"
DA1 = [722817260, 754534424]            # two DA1 PNs (skeletons/upn-raw, synapses/da1-pn)
NO_SKELETON = 300972942                 # MBON14: no stored skeleton
UM = 8 / 1000                           # µm per 8 nm voxel (the bundle's README)


def _swc(bundle_dir, body) -> pd.DataFrame:
    return pd.read_csv(bundle_dir / "skeletons" / "upn-raw" / f"{body}.swc", comment="#",
                       sep=r"\s+", names=["rowId", "t", "x", "y", "z", "r", "link"])


def test_two_neurons_in_um_with_synapses_and_a_roi(client, bundle_dir):
    fig = plot_neurons(DA1, rois=["CA(R)"], synapses=True, view="xz", client=client)
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (µm)", "z (µm)")
    lines = [c for c in ax.collections if c.get_label() in {str(b) for b in DA1}]
    assert [c.get_label() for c in lines] == [str(b) for b in DA1]
    for body, lc in zip(DA1, lines):
        swc = _swc(bundle_dir, body)
        segments = np.concatenate(lc.get_segments())
        # one segment per node with a parent, ends on the nodes (x, z in µm)
        assert len(lc.get_segments()) == int((swc["link"] != -1).sum())
        np.testing.assert_allclose(segments.min(axis=0), [swc["x"].min() * UM, swc["z"].min() * UM])
        np.testing.assert_allclose(segments.max(axis=0), [swc["x"].max() * UM, swc["z"].max() * UM])
    sites = fetch_synapses(NC(bodyId=DA1[0]), SynapseCriteria(primary_only=True), client=client)
    scatters = {c.get_label(): c for c in ax.collections if type(c).__name__ == "PathCollection"}
    for kind in ("pre", "post"):
        assert len(scatters[f"{DA1[0]} {kind}"].get_offsets()) == int((sites["type"] == kind).sum())
    # the CA(R) outline reaches the mesh's extreme vertices (they lie on its silhouette)
    obj = pd.Series((bundle_dir / "rois" / "meshes" / "CA(R).obj").read_text().splitlines())
    vertices = np.asarray(obj[obj.str.startswith("v ")].str.split().str[1:4].tolist(), float)
    outline = np.concatenate([c for c in ax.collections if c.get_label() == "CA(R)"][0]
                             .get_segments())
    np.testing.assert_allclose(outline.min(axis=0), vertices[:, [0, 2]].min(axis=0) * UM)
    np.testing.assert_allclose(outline.max(axis=0), vertices[:, [0, 2]].max(axis=0) * UM)
    OUT.mkdir(exist_ok=True)
    fig.savefig(OUT / "neurons_2d.png", dpi=80)


def test_nm_axes_and_clear_errors(client, monkeypatch):
    fig = plot_neurons(DA1[0], units="nm", client=client)
    assert fig.axes[0].get_xlabel() == "x (nm)"
    assert fig.axes[0].yaxis_inverted()                      # EM image convention for y
    with pytest.raises(SkeletonNotFoundError, match=f"no skeleton for 1 body: {NO_SKELETON}"):
        plot_neurons([DA1[0], NO_SKELETON], client=client)
    with pytest.raises(RoiMeshNotFoundError, match="no mesh for ROI 'SMP\\(R\\)'"):
        plot_neurons(DA1[0], rois="SMP(R)", client=client)
    monkeypatch.setitem(sys.modules, "navis", None)
    with pytest.raises(MissingDependencyError, match=r"plot_neurons_3d needs navis.*\[plot\]"):
        plot_neurons_3d(DA1[0], client=client)


def test_3d_view_as_standalone_html(client, bundle_dir):
    OUT.mkdir(exist_ok=True)
    path = OUT / "neurons_3d.html"
    fig = plot_neurons_3d(DA1, rois="CA(R)", html=path, client=client)
    names = " ".join(str(t.name) for t in fig.data)
    assert all(str(b) in names or "DA1_lPN" in names for b in DA1)
    meshes = [t for t in fig.data if type(t).__name__ == "Mesh3d" and t.name == "CA(R)"]
    obj = pd.Series((bundle_dir / "rois" / "meshes" / "CA(R).obj").read_text().splitlines())
    assert len(meshes) == 1 and len(meshes[0].i) == int(obj.str.startswith("f ").sum())
    text = path.read_text()
    # offline: plotly.js inlined, no script fetched from elsewhere
    assert "<html>" in text and "Plotly.newPlot" in text and "<script src=" not in text
    assert len(text) > 1_000_000
    assert fig.layout.scene.xaxis.title.text == "x (voxels of 8 nm)"
