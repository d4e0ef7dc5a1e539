"""Table utilities with neuprint-python's names: merge_neuron_properties and
connection_table_to_matrix."""

from __future__ import annotations

from typing import Sequence

import pandas as pd


def merge_neuron_properties(neuron_df: pd.DataFrame, conn_df: pd.DataFrame,
                            properties: Sequence[str] | str = ("type", "instance")) -> pd.DataFrame:
    """Add ``<property>_pre`` and ``<property>_post`` columns to a connection table.

    Parameters
    ----------
    neuron_df : DataFrame
        ``bodyId`` plus the properties (e.g. ``neurons_df`` of fetch_adjacencies).
    conn_df : DataFrame
        ``bodyId_pre, bodyId_post, ...``.
    properties : str or list of str

    Returns
    -------
    DataFrame
        ``conn_df`` with the new columns; row order kept.
    """
    if isinstance(properties, str):
        properties = [properties]
    props = neuron_df[["bodyId", *properties]].drop_duplicates("bodyId")
    out = conn_df.merge(props.add_suffix("_pre"), on="bodyId_pre", how="left")
    return out.merge(props.add_suffix("_post"), on="bodyId_post", how="left")


def connection_table_to_matrix(conn_df: pd.DataFrame, group_cols: str | tuple[str, str] = "bodyId",
                               weight_col: str = "weight", sort_by: str | tuple | None = None,
                               make_square: bool = False) -> pd.DataFrame:
    """Pivot a connection table into an upstream × downstream weight matrix.

    Mirrors neuprint-python's ``connection_table_to_matrix``: ``group_cols``
    names a column pair ``<g>_pre``/``<g>_post`` (e.g. ``'type'`` after
    :func:`merge_neuron_properties`), so the matrix can be by body or by cell
    class, like aisynphys' connectivity matrices by class. Weights of rows
    falling in the same group pair are summed.

    Parameters
    ----------
    conn_df : DataFrame
        Connection table with ``<g>_pre``, ``<g>_post`` and ``weight_col``.
    group_cols : str or (str, str)
        Group name ``g`` or an explicit (pre column, post column) pair.
    weight_col : str
    sort_by : str or (str, str), optional
        Sort rows/columns by these columns' values (default: by group label).
    make_square : bool
        Use the union of row and column labels on both axes (missing = 0).

    Returns
    -------
    DataFrame
        Index: upstream groups; columns: downstream groups; int64 weights (0 where
        there is no connection).
    """
    if isinstance(group_cols, str):
        pre_col, post_col = f"{group_cols}_pre", f"{group_cols}_post"
    else:
        pre_col, post_col = group_cols
    matrix = conn_df.pivot_table(index=pre_col, columns=post_col, values=weight_col,
                                 aggfunc="sum", fill_value=0)
    if make_square:
        labels = sorted(set(matrix.index) | set(matrix.columns), key=str)
        matrix = matrix.reindex(index=labels, columns=labels, fill_value=0)
    if sort_by is not None:
        pre_sort, post_sort = (sort_by, sort_by) if isinstance(sort_by, str) else sort_by
        row_order = (conn_df.drop_duplicates(pre_col).set_index(pre_col)[f"{pre_sort}_pre"]
                     .reindex(matrix.index).sort_values(kind="stable").index)
        col_order = (conn_df.drop_duplicates(post_col).set_index(post_col)[f"{post_sort}_post"]
                     .reindex(matrix.columns).sort_values(kind="stable").index)
        matrix = matrix.loc[row_order, col_order]
    matrix.index.name, matrix.columns.name = pre_col, post_col
    return matrix.astype("int64")
