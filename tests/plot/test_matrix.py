"""Connectivity heatmaps drawn from real data (matplotlib's Agg canvas),
checked for what they must show: axis labels, the rows and columns (number
and order), the cells against pandas and the colour-bar range; one image of
each kind saved under test-output/ for a person to look at."""

from __future__ import annotations

import pathlib
import sys

import numpy as np
import pandas as pd
import pytest

from connectograph import NC, fetch_roi_connectivity, fetch_simple_connections
from connectograph.errors import InvalidArgumentError, MissingDependencyError
from connectograph.plot import plot_connectivity_matrix, plot_roi_connectivity
from fetch.sources import MBON14, neurons, pair_weights, without_kc
from shared_datasets import DATASETS, REPO


OUT = REPO / "test-output"
FLYWIRE = DATASETS / "flywire-mb783"


def _save(fig, name):
    OUT.mkdir(exist_ok=True)
    fig.savefig(OUT / name, dpi=80)


def _tick_labels(axis) -> list[str]:
    return [t.get_text() for t in axis.get_ticklabels()]


def _mbon14_inputs_by_type(bundle_dir) -> pd.DataFrame:
    """MBON14's inputs, type × type, from the bundle's tables with pandas."""
    pairs = without_kc(pair_weights(bundle_dir))
    pairs = pairs[pairs["bodyId_post"].isin(MBON14)]
    types = neurons(bundle_dir)["type"]
    pairs = pairs.assign(type_pre=pairs["bodyId_pre"].map(types),
                         type_post=pairs["bodyId_post"].map(types))
    return pairs.pivot_table(index="type_pre", columns="type_post", values="weight",
                             aggfunc="sum", fill_value=0)


def test_type_matrix_of_mbon14_inputs(client, bundle_dir):
    expected = _mbon14_inputs_by_type(bundle_dir)
    conn = without_kc(fetch_simple_connections(None, NC(type="MBON14"), client=client))
    fig = plot_connectivity_matrix(conn, "type", scale="log")
    ax, bar = fig.axes
    assert _tick_labels(ax.yaxis) == list(expected.index)
    assert _tick_labels(ax.xaxis) == list(expected.columns) == ["MBON14"]
    image = ax.images[0].get_array()
    assert image.shape == expected.shape
    np.testing.assert_array_equal(image.filled(0), expected.to_numpy())
    assert image.mask.sum() == (expected.to_numpy() == 0).sum()      # blank: no connection
    norm = ax.images[0].norm
    assert (norm.vmin, norm.vmax) == (1.0, expected.to_numpy().max())
    assert ax.get_xlabel() == "downstream type (type_post)"
    assert ax.get_ylabel() == "upstream type (type_pre)"
    assert "log scale" in bar.get_ylabel()
    _save(fig, "connectivity_matrix_type_log.png")


@pytest.mark.slow       # a variant of the type matrix above (by body, linear colours)
def test_body_matrix_linear(client, bundle_dir):
    pairs = without_kc(pair_weights(bundle_dir))
    strong = pairs[pairs["bodyId_post"].isin(MBON14) & (pairs["weight"] >= 20)]
    expected = strong.pivot_table(index="bodyId_pre", columns="bodyId_post", values="weight",
                                  aggfunc="sum", fill_value=0)
    conn = without_kc(fetch_simple_connections(None, NC(type="MBON14"), min_weight=20,
                                               client=client))
    fig = plot_connectivity_matrix(conn, "bodyId", scale="linear")
    ax = fig.axes[0]
    assert _tick_labels(ax.yaxis) == [str(b) for b in expected.index]
    assert _tick_labels(ax.xaxis) == [str(b) for b in expected.columns]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected.to_numpy())
    assert (ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (0.0, expected.to_numpy().max())
    _save(fig, "connectivity_matrix_body_linear.png")


def test_signed_matrix_from_flywire_transmitters():
    nodes = pd.read_csv(FLYWIRE / "mb_fafb783_nodes.csv", dtype={"root_id": "int64"})
    edges = pd.read_csv(FLYWIRE / "mb_fafb783_edges.csv",
                        dtype={"pre_root_id": "int64", "post_root_id": "int64"})
    # a mix: the first 1500 edges and 500 of inhibitory (GABA, glutamate) neurons
    inhibitory = nodes.loc[nodes["nt"].isin(["gaba", "glutamate"]), "root_id"]
    edges = pd.concat([edges.head(1500),
                       edges[edges["pre_root_id"].isin(inhibitory)].head(500)]).drop_duplicates()
    conn = edges.rename(columns={"pre_root_id": "bodyId_pre", "post_root_id": "bodyId_post",
                                 "syn_count": "weight"})[["bodyId_pre", "bodyId_post", "weight"]]
    neuron_df = nodes.rename(columns={"root_id": "bodyId", "nt": "predictedNt",
                                      "cell_type": "type"})
    # expected with pandas: the default rule (ACh +1, GABA/Glu -1, others none)
    sign = conn["bodyId_pre"].map(dict(zip(nodes["root_id"], nodes["nt"]))).map(
        {"acetylcholine": 1, "gaba": -1, "glutamate": -1})
    types = dict(zip(nodes["root_id"], nodes["cell_type"]))
    frame = conn.assign(s=conn["weight"] * sign, type_pre=conn["bodyId_pre"].map(types),
                        type_post=conn["bodyId_post"].map(types))
    expected = frame.pivot_table(index="type_pre", columns="type_post", values="s",
                                 aggfunc="sum", fill_value=0)
    fig = plot_connectivity_matrix(conn, "type", neuron_df=neuron_df, signed=True, scale="linear")
    ax, bar = fig.axes
    assert _tick_labels(ax.yaxis) == [str(t) for t in expected.index]
    assert _tick_labels(ax.xaxis) == [str(t) for t in expected.columns]
    np.testing.assert_array_equal(ax.images[0].get_array(), expected.to_numpy(float))
    largest = np.abs(expected.to_numpy()).max()
    assert (ax.images[0].norm.vmin, ax.images[0].norm.vmax) == (-largest, largest)
    assert (expected.to_numpy() < 0).any() and (expected.to_numpy() > 0).any()
    assert ax.images[0].get_cmap().name == "RdBu_r"
    assert "transmitter sign" in bar.get_ylabel()
    _save(fig, "connectivity_matrix_signed.png")


def test_roi_connectivity_heatmap(client):
    roi_df = fetch_roi_connectivity(NC(type="MBON.*"), client=client)
    rois = sorted(set(roi_df["from_roi"]) | set(roi_df["to_roi"]))
    expected = roi_df.pivot(index="from_roi", columns="to_roi", values="weight").reindex(
        index=rois, columns=rois).fillna(0)
    fig = plot_roi_connectivity(roi_df)
    ax, bar = fig.axes
    assert _tick_labels(ax.yaxis) == _tick_labels(ax.xaxis) == rois
    np.testing.assert_allclose(ax.images[0].get_array(), expected.to_numpy())
    assert ax.images[0].norm.vmax == pytest.approx(roi_df["weight"].max())
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("to ROI (output)", "from ROI (input)")
    assert bar.get_ylabel() == "weight (T-bars, apportioned)"
    _save(fig, "roi_connectivity.png")


def test_clear_errors(monkeypatch):
    conn = pd.DataFrame({"bodyId_pre": [1], "bodyId_post": [2], "weight": [3]})
    with pytest.raises(InvalidArgumentError, match="no 'type_pre'/'type_post' columns"):
        plot_connectivity_matrix(conn, "type")
    with pytest.raises(InvalidArgumentError, match="signed=True needs"):
        plot_connectivity_matrix(conn, "bodyId", signed=True)
    with pytest.raises(InvalidArgumentError, match="scale must be"):
        plot_connectivity_matrix(conn, "bodyId", scale="sqrt")
    monkeypatch.setitem(sys.modules, "matplotlib.colors", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'connectograph\[plot\]'"):
        plot_connectivity_matrix(conn, "bodyId")


def test_the_plot_package_imports_its_libraries_only_when_drawing():
    """No module of connectograph.plot imports matplotlib, navis or plotly at
    its top level, so ``import connectograph.plot`` works without the extra."""
    import ast

    import connectograph.plot as plot

    optional = {"matplotlib", "navis", "plotly"}
    for path in sorted(pathlib.Path(plot.__file__).parent.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                     else [])
            assert not {n.split(".")[0] for n in names} & optional, (path.name, names)
