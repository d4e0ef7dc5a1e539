"""A connection's weight across datasets: the lines of
:func:`~connectograph.fetch.fetch_connection_series`' table, in the shape of
Witvliet et al. (2021, Nature 596:257)'s developmental plots (synapses of a
connection from the first L1 animal to the adults)."""

from __future__ import annotations

import pandas as pd

from ..errors import InvalidArgumentError
from ._deps import new_figure

#: The columns of a series table that are not a dataset's weights.
_ID_COLUMNS = {"bodyId_pre", "bodyId_post", "instance_pre", "instance_post", "type_pre",
               "type_post", "synapse_type"}


def plot_connection_series(series_df: pd.DataFrame, *, label: str = "instance", top: int = 12,
                           x_labels: dict[str, str] | None = None, title: str | None = None,
                           figsize=(8, 5)):
    """Each connection's weight in each dataset of a series, one line per connection.

    Parameters
    ----------
    series_df : DataFrame
        :func:`~connectograph.fetch.fetch_connection_series`' answer: the
        connection columns, then one int64 weight column per dataset (named
        ``name:tag``), in the series' order (the x axis keeps that order).
    label : {'instance', 'type', 'bodyId'}, default ``'instance'``
        What names a line: ``<label>_pre → <label>_post`` (``↔`` for the gap
        junctions of a ``synapse_type='both'`` table); bodyIds where the
        property is missing.
    top : int, default 12
        Draw the ``top`` connections with the largest total weight over the
        series (the table's own order).
    x_labels : dict, optional
        ``name:tag`` → tick label, e.g. the datasets' developmental stages
        from their Meta (``{"witvliet2021:d1": "L1 (d1)", ...}``).
    title : str, optional
    figsize : (float, float), default (8, 5)
        Inches.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the datasets (tick labels ``x_labels`` or the names), y
        the weight (synapses; gap junctions for electrical rows), one line
        with markers per connection, a legend naming them.
        ``fig.connectograph_series`` is the table drawn (those rows).

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (``pip install 'connectograph[plot]'``).
    InvalidArgumentError
        No dataset column, no row, an unknown ``label``, or ``top`` below 1.
    """
    if label not in ("instance", "type", "bodyId"):
        raise InvalidArgumentError(f"label must be 'instance', 'type' or 'bodyId', not {label!r}")
    if top < 1:
        raise InvalidArgumentError(f"top must be at least 1, not {top!r}")
    datasets = [c for c in series_df.columns if c not in _ID_COLUMNS]
    if not datasets:
        raise InvalidArgumentError("series_df has no dataset column: pass "
                                   "fetch_connection_series' answer")
    if series_df.empty:
        raise InvalidArgumentError("series_df has no connection to draw")
    drawn = series_df.head(top)
    fig = new_figure("plot_connection_series", figsize)
    ax = fig.add_subplot()
    x = range(len(datasets))
    for _, row in drawn.iterrows():
        ends = [row.get(f"{label}_{side}") for side in ("pre", "post")]
        ends = [e if isinstance(e, str) or label == "bodyId" else None for e in ends]
        ends = [str(e) if e is not None else str(row[f"bodyId_{side}"])
                for e, side in zip(ends, ("pre", "post"))]
        arrow = "↔" if row.get("synapse_type") == "electrical" else "→"
        ax.plot(x, [int(row[d]) for d in datasets], marker="o",
                label=f"{ends[0]} {arrow} {ends[1]}")
    ax.set_xticks(list(x), [(x_labels or {}).get(d, d) for d in datasets], rotation=30,
                  ha="right")
    ax.set_xlabel("dataset")
    kinds = set(drawn["synapse_type"]) if "synapse_type" in drawn else set()
    ax.set_ylabel("gap junctions" if kinds == {"electrical"} else
                  "synapses" if not kinds or kinds == {"chemical"} else "synapses or gap junctions")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title or f"{len(drawn)} strongest connections across {len(datasets)} datasets")
    fig.connectograph_series = drawn
    return fig
