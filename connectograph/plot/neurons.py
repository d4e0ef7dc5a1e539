"""Neurons drawn: skeletons projected in 2D (matplotlib), optionally with
their synapses and ROI mesh outlines, and in 3D (navis' plotly backend)
written to a standalone HTML file."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import InvalidArgumentError
from ._deps import new_figure, require

VIEWS = ("xy", "xz", "yz", "yx", "zx", "zy")
#: Colours of synapse sites: T-bars (pre) and PSDs (post).
SYNAPSE_COLORS = {"pre": "#d62728", "post": "#1f77b4"}


def _scale(client, units: str) -> tuple[float, str]:
    """Factor from voxels to ``units`` and the axis unit label, from the
    dataset's Meta ``voxelSize`` (voxels when the Meta has none in nm)."""
    from ..fetch.skeleton import _voxel_size_nm

    if units not in ("um", "nm"):
        raise InvalidArgumentError(f"units must be 'um' or 'nm', not {units!r}")
    nm = _voxel_size_nm(client)
    if nm is None:
        return 1.0, "voxels"
    return (nm / 1000.0, "µm") if units == "um" else (nm, "nm")


def plot_neurons(bodies, *, client=None, rois=None, synapses: bool = False,
                 view: Literal["xy", "xz", "yz", "yx", "zx", "zy"] = "xy",
                 units: Literal["um", "nm"] = "um", heal: bool | float = False,
                 title: str | None = None, figsize=(8, 7)):
    """Skeletons projected in 2D, optionally with synapses and ROI silhouettes.

    Parameters
    ----------
    bodies : int, list of int or NeuronCriteria
        The bodies to draw (each must have a skeleton).
    client : Client, optional
    rois : str or list of str, optional
        ROIs whose meshes (:func:`~connectograph.fetch.fetch_roi_mesh`) are
        drawn as grey outlines under the neurons (silhouette and folds: the
        mesh edges between faces turned towards and away from the viewer).
    synapses : bool, default False
        Also draw each body's synapse sites in primary ROIs: T-bars (pre) red,
        PSDs (post) blue.
    view : {'xy', 'xz', 'yz', 'yx', 'zx', 'zy'}, default 'xy'
        Horizontal then vertical axis. The vertical axis grows downwards when
        it is ``y`` (image convention of EM volumes).
    units : {'um', 'nm'}, default 'um'
        Axis units, from the dataset's Meta ``voxelSize``/``voxelUnits`` (8 nm
        voxels for the hemibrain); voxels if the Meta gives no size in nm.
    heal : bool or float, default False
        As :func:`~connectograph.fetch.fetch_skeleton`.
    title : str, optional
    figsize : (float, float)
        Inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes, equal aspect: one line collection per body (labelled with
        its bodyId in the legend), one scatter per synapse kind drawn, one
        line collection per ROI (labelled with its name).

    Raises
    ------
    SkeletonNotFoundError
        Some bodies have no skeleton (the message names them).
    RoiMeshNotFoundError
        An ROI without a mesh.
    InvalidArgumentError
        Unknown ``view`` or ``units``.
    MissingDependencyError
        matplotlib is not installed (``pip install 'connectograph[plot]'``).
    """
    collections = require("matplotlib.collections", "plot_neurons")
    if view not in VIEWS:
        raise InvalidArgumentError(f"view must be one of {', '.join(VIEWS)}, not {view!r}")
    from ..client import resolve_client
    from ..fetch.skeleton_batch import skeleton_frames

    client = resolve_client(client)
    factor, unit = _scale(client, units)
    axes = ["xyz".index(view[0]), "xyz".index(view[1])]
    # bodyId → (skeleton, connectors): fetch_skeletons' queries, no navis needed
    frames = skeleton_frames(bodies, with_synapses=synapses, heal=heal, client=client)
    fig = new_figure("plot_neurons", figsize)
    ax = fig.add_subplot()
    for roi in ([rois] if isinstance(rois, str) else list(rois or [])):
        _draw_roi(ax, collections, roi, client, axes, factor)
    colors = _colors(len(frames))
    for color, (body, (df, connectors)) in zip(colors, frames.items()):
        xyz = df[["x", "y", "z"]].to_numpy(float) * factor
        parent = df["link"].map(dict(zip(df["rowId"], range(len(df))))).to_numpy()
        child = np.flatnonzero(~np.isnan(parent.astype(float)))
        segments = np.stack([xyz[child][:, axes], xyz[parent[child].astype(int)][:, axes]],
                            axis=1)
        ax.add_collection(collections.LineCollection(segments, colors=[color], linewidths=0.8,
                                                     label=str(body), zorder=2))
        if connectors is not None:
            for kind, sites in connectors.groupby(connectors["type"].astype(str)):
                points = sites[["x", "y", "z"]].to_numpy(float)[:, axes] * factor
                ax.scatter(points[:, 0], points[:, 1], s=3, c=SYNAPSE_COLORS.get(kind, "k"),
                           label=f"{body} {kind}", zorder=3, linewidths=0)
    ax.autoscale_view()
    ax.set_aspect("equal")
    if view[1] == "y":
        ax.invert_yaxis()
    ax.set_xlabel(f"{view[0]} ({unit})")
    ax.set_ylabel(f"{view[1]} ({unit})")
    ax.set_title(title or f"{len(frames)} neuron{'s' if len(frames) != 1 else ''}, "
                          f"{view} view")
    ax.legend(fontsize=7, markerscale=3, loc="best")
    return fig


def _colors(n: int) -> list:
    """``n`` distinct colours (matplotlib's tab10, then tab20 and hsv)."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    return [colormaps["hsv"](i / n) for i in range(n)]


def _draw_roi(ax, collections, roi: str, client, axes, factor: float) -> None:
    """An ROI mesh's outline in the view: the edges between a face turned
    towards the viewer and one turned away (the silhouette and the folds),
    from trimesh's face adjacency."""
    from ..fetch.roi_mesh import fetch_roi_mesh

    mesh = fetch_roi_mesh(roi, format="trimesh", client=client)
    depth = ({0, 1, 2} - set(axes)).pop()
    facing = np.sign(mesh.face_normals[:, depth])
    pairs = mesh.face_adjacency
    outline = mesh.face_adjacency_edges[facing[pairs[:, 0]] != facing[pairs[:, 1]]]
    segments = mesh.vertices[outline][:, :, axes] * factor
    ax.add_collection(collections.LineCollection(segments, colors="0.6", linewidths=0.6,
                                                 zorder=1, label=roi))


def plot_neurons_3d(bodies, *, client=None, rois=None, synapses: bool = False,
                    heal: bool | float = False, html: str | Path | None = None,
                    title: str | None = None):
    """Skeletons in 3D through navis' plotly backend, optionally saved as HTML.

    Parameters
    ----------
    bodies : int, list of int or NeuronCriteria
    client : Client, optional
    rois : str or list of str, optional
        ROI meshes drawn as translucent volumes.
    synapses : bool, default False
        Also draw synapse sites (navis' connectors: pre red, post blue).
    heal : bool or float, default False
    html : str or Path, optional
        Write the figure there as one standalone HTML file (plotly.js
        inlined, readable offline).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Coordinates in the dataset's voxels, as navis draws them (the axis
        titles say so, with the voxel size).

    Raises
    ------
    SkeletonNotFoundError
        Some bodies have no skeleton (named).
    RoiMeshNotFoundError
        An ROI without a mesh.
    MissingDependencyError
        navis or plotly is not installed (``pip install 'connectograph[plot]'``).
    """
    navis = require("navis", "plot_neurons_3d")
    require("plotly", "plot_neurons_3d")
    from ..client import resolve_client
    from ..fetch.roi_mesh import fetch_roi_mesh
    from ..fetch.skeleton_batch import fetch_skeletons

    client = resolve_client(client)
    neurons = fetch_skeletons(bodies, with_synapses=synapses, heal=heal, client=client)
    volumes = [navis.Volume(fetch_roi_mesh(roi, format="trimesh", client=client), name=roi,
                            color=(0.6, 0.6, 0.6, 0.15))
               for roi in ([rois] if isinstance(rois, str) else list(rois or []))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # navis' pandas deprecation notices
        fig = navis.plot3d([neurons, *volumes], backend="plotly", inline=False,
                           connectors=synapses, hover_name=True,
                           title=title or f"{len(neurons)} neurons")
    label = _voxel_label(client)
    fig.update_layout(scene={f"{a}axis": {"title": {"text": f"{a} ({label})"}} for a in "xyz"})
    if html is not None:
        fig.write_html(str(html), include_plotlyjs=True, full_html=True)
    return fig


def _voxel_label(client) -> str:
    """``"voxels of 8 nm"`` (or ``"voxels"``)."""
    from ..fetch.skeleton import _voxel_size_nm

    nm = _voxel_size_nm(client)
    return f"voxels of {nm:g} nm" if nm else "voxels"
