"""Connectivity heatmaps: a connection table's upstream × downstream matrix
(by cell type or body, log or linear colours, or signed by transmitter) and
the ROI × ROI matrix of :func:`~connectograph.fetch.fetch_roi_connectivity`."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InvalidArgumentError
from ..utils import connection_table_to_matrix, merge_neuron_properties, signed_connections
from ._deps import new_figure, require

SCALES = ("log", "linear")


def plot_connectivity_matrix(conn_df: pd.DataFrame, group_by: str | tuple[str, str] = "type", *,
                             neuron_df: pd.DataFrame | None = None,
                             scale: Literal["log", "linear"] = "log", signed: bool = False,
                             transmitter: str = "predictedNt", signs: dict | None = None,
                             weight_col: str = "weight", synapse_type: str | None = None,
                             title: str | None = None, figsize=None):
    """A connection table as an upstream × downstream heatmap.

    The matrix is :func:`~connectograph.utils.connection_table_to_matrix`'s
    (rows and columns sorted by label, weights of a group pair summed).

    Parameters
    ----------
    conn_df : DataFrame
        ``bodyId_pre, bodyId_post, weight`` (e.g. ``roi_conn_df`` of
        :func:`~connectograph.fetch.fetch_adjacencies`, or
        ``fetch_simple_connections``'s table), with ``<group_by>_pre`` and
        ``<group_by>_post`` columns, or ``neuron_df`` to add them.
    group_by : str or (str, str), default ``'type'``
        ``'type'``, ``'bodyId'`` or any neuron property ``g`` with columns
        ``g_pre``/``g_post``; or an explicit (row column, column column) pair
        of ``conn_df``, e.g. ``("type_pre", "bodyId_post")``.
    neuron_df : DataFrame, optional
        ``bodyId`` plus ``group_by`` (and ``transmitter`` for ``signed``), e.g.
        ``neurons_df`` of ``fetch_adjacencies``; merged in when the columns are
        missing (:func:`~connectograph.utils.merge_neuron_properties`).
    scale : {'log', 'linear'}, default ``'log'``
        Colour scale. Log: from 1 to the largest weight, cells without a
        connection left blank; signed: symmetric log with a linear part in
        (-1, 1).
    signed : bool, default False
        Colour by ``weight × sign`` of the presynaptic neuron's transmitter
        (:func:`~connectograph.utils.signed_connections`,
        :data:`~connectograph.utils.DEFAULT_NT_SIGNS` unless ``signs``), on a
        diverging blue (inhibitory) to red (excitatory) scale centred on 0;
        unknown transmitters add nothing.
    transmitter, signs
        As :func:`~connectograph.utils.signed_connections`.
    weight_col : str, default ``'weight'``
    synapse_type : {'chemical', 'electrical', 'both'}, optional
        As :func:`~connectograph.utils.connection_table_to_matrix`.
    title : str, optional
    figsize : (float, float), optional
        Inches; default grows with the number of rows and columns.

    Returns
    -------
    matplotlib.figure.Figure
        One heatmap axes (``fig.axes[0]``; its image holds the matrix) and a
        labelled colour bar (``fig.axes[1]``). ``fig.connectograph_matrix`` is
        the DataFrame drawn (rows: upstream groups, columns: downstream).

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (``pip install 'connectograph[plot]'``).
    InvalidArgumentError
        Unknown ``scale``; the group columns are missing and no ``neuron_df``
        has them; ``signed`` without a known transmitter; an empty table.
    """
    colors = require("matplotlib.colors", "plot_connectivity_matrix")
    if scale not in SCALES:
        raise InvalidArgumentError(f"scale must be 'log' or 'linear', not {scale!r}")
    if conn_df.empty:
        raise InvalidArgumentError("plot_connectivity_matrix: conn_df has no connections")
    if isinstance(group_by, str):
        conn_df = _with_groups(conn_df, group_by, neuron_df)
        row_name = col_name = group_by
    else:
        row_name, col_name = (c.removesuffix("_pre").removesuffix("_post") for c in group_by)
    if signed:
        conn_df, weight_col = _signed(conn_df, neuron_df, transmitter, signs), "signed_weight"
    matrix = connection_table_to_matrix(conn_df, group_by, weight_col=weight_col,
                                        synapse_type=synapse_type)
    values = matrix.to_numpy(dtype=float)
    largest = float(np.abs(values).max()) or 1.0
    if signed:
        cmap = "RdBu_r"
        norm = (colors.SymLogNorm(linthresh=1.0, vmin=-largest, vmax=largest, base=10)
                if scale == "log" else colors.Normalize(vmin=-largest, vmax=largest))
        label = f"signed {weight_col.removeprefix('signed_')} (synapses × transmitter sign" \
                f"{', symmetric log' if scale == 'log' else ''})"
    elif scale == "log":
        cmap, norm = "viridis", colors.LogNorm(vmin=1.0, vmax=max(largest, 1.0))
        values = np.ma.masked_less_equal(values, 0)
        label = f"{weight_col} (synapses, log scale; blank: none)"
    else:
        cmap, norm = "viridis", colors.Normalize(vmin=0.0, vmax=largest)
        label = f"{weight_col} (synapses)"
    fig = new_figure("plot_connectivity_matrix", figsize or _size(matrix.shape))
    _heatmap(fig, values, matrix.index, matrix.columns, cmap=cmap, norm=norm, cbar_label=label,
             xlabel=f"downstream {col_name} ({matrix.columns.name})",
             ylabel=f"upstream {row_name} ({matrix.index.name})",
             title=title or f"connections by {row_name} × {col_name}: {matrix.shape[0]} "
                            f"upstream × {matrix.shape[1]} downstream")
    fig.connectograph_matrix = matrix
    return fig


def plot_roi_connectivity(roi_conn_df: pd.DataFrame, *, value: Literal["weight", "count"] = "weight",
                          scale: Literal["log", "linear"] = "linear", title: str | None = None,
                          figsize=None):
    """The ROI × ROI result of :func:`~connectograph.fetch.fetch_roi_connectivity` as a heatmap.

    Parameters
    ----------
    roi_conn_df : DataFrame
        ``from_roi, to_roi, count, weight`` (one row per ROI pair).
    value : {'weight', 'count'}, default ``'weight'``
        ``weight``: apportioned T-bars; ``count``: neurons with input in
        ``from_roi`` and output in ``to_roi``.
    scale : {'log', 'linear'}, default ``'linear'``
    title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap (rows: ``from_roi``, columns: ``to_roi``, both sorted by
        name and the union of the two, so the diagonal is an ROI with itself)
        and its colour bar; ``fig.connectograph_matrix`` is the DataFrame drawn
        (0 where no pair).

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed.
    InvalidArgumentError
        Unknown ``value`` or ``scale``, or an empty table.
    """
    colors = require("matplotlib.colors", "plot_roi_connectivity")
    if value not in ("weight", "count"):
        raise InvalidArgumentError(f"value must be 'weight' or 'count', not {value!r}")
    if scale not in SCALES:
        raise InvalidArgumentError(f"scale must be 'log' or 'linear', not {scale!r}")
    if roi_conn_df.empty:
        raise InvalidArgumentError("plot_roi_connectivity: roi_conn_df has no ROI pairs")
    rois = sorted(set(roi_conn_df["from_roi"]) | set(roi_conn_df["to_roi"]))
    matrix = (roi_conn_df.pivot_table(index="from_roi", columns="to_roi", values=value,
                                      aggfunc="sum", fill_value=0)
              .reindex(index=rois, columns=rois, fill_value=0))
    values = matrix.to_numpy(dtype=float)
    largest = float(values.max()) or 1.0
    unit = "T-bars, apportioned" if value == "weight" else "neurons"
    if scale == "log":
        smallest = float(values[values > 0].min())
        norm = colors.LogNorm(vmin=min(smallest, largest), vmax=largest)
        values, label = np.ma.masked_less_equal(values, 0), f"{value} ({unit}, log scale)"
    else:
        norm, label = colors.Normalize(vmin=0.0, vmax=largest), f"{value} ({unit})"
    fig = new_figure("plot_roi_connectivity", figsize or _size(matrix.shape))
    _heatmap(fig, values, matrix.index, matrix.columns, cmap="magma_r", norm=norm,
             cbar_label=label, xlabel="to ROI (output)", ylabel="from ROI (input)",
             title=title or f"ROI connectivity ({value})")
    fig.connectograph_matrix = matrix
    return fig


def _with_groups(conn_df: pd.DataFrame, group_by: str, neuron_df: pd.DataFrame | None):
    """``conn_df`` with ``<group_by>_pre``/``_post`` (merged from ``neuron_df``)."""
    wanted = [f"{group_by}_pre", f"{group_by}_post"]
    if all(c in conn_df.columns for c in wanted):
        return conn_df
    if neuron_df is None or group_by not in neuron_df.columns:
        raise InvalidArgumentError(
            f"conn_df has no {wanted[0]!r}/{wanted[1]!r} columns; pass neuron_df= with "
            f"'bodyId' and {group_by!r} (e.g. fetch_adjacencies' neurons_df), or "
            "add them with merge_neuron_properties")
    return merge_neuron_properties(neuron_df, conn_df.drop(columns=wanted, errors="ignore"),
                                   group_by)


def _signed(conn_df, neuron_df, transmitter: str, signs):
    """``conn_df`` with ``signed_weight`` (kept if there, else from ``neuron_df``)."""
    if "signed_weight" not in conn_df.columns:
        if neuron_df is None:
            raise InvalidArgumentError(
                "signed=True needs the presynaptic transmitters: pass neuron_df= with "
                f"'bodyId' and {transmitter!r}, or a conn_df from signed_connections")
        conn_df = signed_connections(conn_df, neuron_df, transmitter=transmitter, signs=signs)
    if not conn_df["signed_weight"].notna().any():
        raise InvalidArgumentError(
            f"signed=True: no presynaptic neuron has a signed transmitter ({transmitter}); "
            "the dataset may lack transmitter predictions: draw the unsigned matrix")
    return conn_df


def _size(shape: tuple[int, int]) -> tuple[float, float]:
    """Inches for a matrix of ``shape``: about 0.22 inch per row and column."""
    rows, cols = shape
    return (min(max(4.0 + 0.22 * cols, 6.0), 40.0), min(max(3.0 + 0.22 * rows, 4.5), 40.0))


def _heatmap(fig, values, rows, cols, *, cmap, norm, cbar_label, xlabel, ylabel, title):
    """Draw ``values`` with labelled rows and columns and a colour bar."""
    ax = fig.add_subplot()
    image = ax.imshow(values, aspect="auto", interpolation="nearest", cmap=cmap, norm=norm)
    fontsize = 8 if max(len(rows), len(cols)) <= 40 else 5
    ax.set_xticks(np.arange(len(cols)), labels=[str(c) for c in cols], rotation=90,
                  fontsize=fontsize)
    ax.set_yticks(np.arange(len(rows)), labels=[str(r) for r in rows], fontsize=fontsize)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax)
    bar.set_label(cbar_label)
    return ax
