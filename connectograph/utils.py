"""Table utilities with neuprint-python's names: merge_neuron_properties and
connection_table_to_matrix; and signed_connections, which signs a connection
table's weights by the presynaptic neuron's transmitter."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from .errors import InvalidArgumentError

#: The values of the connection functions' ``synapse_type`` argument (see
#: docs/synapse-types.md): ConnectsTo, GapJunction, or both with a column
#: saying which.
SYNAPSE_TYPES = ("chemical", "electrical", "both")
#: That column: which kind of synapse a connection row is.
SYNAPSE_TYPE_COLUMN = "synapse_type"


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
    out = _merge_side(conn_df, neuron_df, properties, "_pre")
    return _merge_side(out, neuron_df, properties, "_post")


def _merge_side(conn_df: pd.DataFrame, neuron_df: pd.DataFrame, properties: Sequence[str],
                suffix: str) -> pd.DataFrame:
    """``conn_df`` with ``<property><suffix>`` columns, the properties of its
    ``bodyId<suffix>`` bodies (left merge; row order kept)."""
    props = neuron_df[["bodyId", *properties]].drop_duplicates("bodyId")
    return conn_df.merge(props.add_suffix(suffix), on="bodyId" + suffix, how="left")


#: The default sign of a synapse by its presynaptic neuron's predicted
#: transmitter (neuPrint's lower-case names): acetylcholine excitatory (+1),
#: GABA and glutamate inhibitory (-1), the rule of the FlyWire whole-brain
#: analyses (Dorkenwald et al. 2024, Nature 634:124; Lin et al. 2024, Nature
#: 634:153) for the adult fly brain, where glutamate acts mostly through the
#: inhibitory GluClα. Monoamines (dopamine, serotonin, octopamine...) are
#: modulatory: no sign. Elsewhere the rule differs (glutamate excites at many
#: C. elegans and vertebrate synapses): pass your own ``signs``.
DEFAULT_NT_SIGNS = {"acetylcholine": 1, "gaba": -1, "glutamate": -1}


def signed_connections(conn_df: pd.DataFrame, neuron_df: pd.DataFrame, *,
                       transmitter: str = "predictedNt",
                       signs: dict[str, int] | None = None) -> pd.DataFrame:
    """A connection table with the presynaptic neuron's transmitter and a
    signed weight.

    Parameters
    ----------
    conn_df : DataFrame
        ``bodyId_pre, bodyId_post, weight, ...`` (e.g. ``roi_conn_df`` of
        :func:`~connectograph.fetch.fetch_adjacencies`).
    neuron_df : DataFrame
        ``bodyId`` and the ``transmitter`` column (e.g. the ``neurons_df`` of
        ``fetch_adjacencies(..., properties=['type', 'predictedNt'])``).
    transmitter : str, default ``'predictedNt'``
        The neuron property holding the transmitter (``celltypePredictedNt``,
        ``consensusNt``... where a dataset has them).
    signs : dict, optional
        Transmitter name → sign (+1, -1, or 0 for none); default
        :data:`DEFAULT_NT_SIGNS`. Transmitters it does not name get no sign.

    Returns
    -------
    DataFrame
        ``conn_df`` (row order kept) plus ``<transmitter>_pre`` (str, None
        where unknown), ``sign`` (float64: +1, -1, 0, NaN where the
        transmitter is unknown or has no sign in ``signs``) and
        ``signed_weight`` (float64, ``weight * sign``). Group by the
        transmitter with ``connection_table_to_matrix(df,
        (f"{transmitter}_pre", "type_post"))``, or sum the signed weights with
        ``weight_col="signed_weight"``.

    Raises
    ------
    InvalidArgumentError
        ``neuron_df`` lacks the ``transmitter`` column, or a sign is not
        -1, 0 or 1.
    """
    signs = DEFAULT_NT_SIGNS if signs is None else dict(signs)
    bad = {k: v for k, v in signs.items() if v not in (-1, 0, 1)}
    if bad:
        raise InvalidArgumentError(f"signs must be -1, 0 or 1, not {bad}")
    if transmitter not in neuron_df.columns:
        raise InvalidArgumentError(
            f"neuron_df has no {transmitter!r} column; fetch it with properties=[..., "
            f"{transmitter!r}] (fetch_adjacencies), or name the transmitter property")
    pre_col = f"{transmitter}_pre"
    out = _merge_side(conn_df.drop(columns=[pre_col], errors="ignore"), neuron_df,
                      [transmitter], "_pre")
    out[pre_col] = out[pre_col].astype(object).where(out[pre_col].notna(), None)
    out["sign"] = out[pre_col].map(lambda nt: signs.get(nt) if isinstance(nt, str) else None
                                   ).astype("float64")
    out["signed_weight"] = out["weight"].astype("float64") * out["sign"]
    return out


def connection_table_to_matrix(conn_df: pd.DataFrame, group_cols: str | tuple[str, str] = "bodyId",
                               weight_col: str = "weight", sort_by: str | tuple | None = None,
                               make_square: bool = False, *,
                               synapse_type: str | None = None) -> pd.DataFrame:
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
    synapse_type : {'chemical', 'electrical', 'both'}, optional
        For a table with a ``synapse_type`` column (the fetch functions'
        ``synapse_type='both'`` results), which rows make the matrix:
        ``'chemical'`` or ``'electrical'`` keeps those rows only; ``'both'``
        adds the two kinds into one number per cell (an explicit choice:
        a chemical count is directional, a gap-junction count is not). None
        (default): the table must hold one kind only. A table without the
        column is used whole (its rows are of the kind it was fetched with);
        only None is accepted for it.

    Returns
    -------
    DataFrame
        Index: upstream groups; columns: downstream groups; int64 weights (0 where
        there is no connection). Gap junctions are symmetric, so an electrical
        matrix of a set of neurons with itself is symmetric.

    Raises
    ------
    InvalidArgumentError
        An unknown ``synapse_type``; chemical and electrical rows mixed in
        ``conn_df`` with ``synapse_type=None``; ``synapse_type`` given for a
        table without a ``synapse_type`` column.
    """
    conn_df = _one_synapse_type(conn_df, synapse_type)
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


def _one_synapse_type(conn_df: pd.DataFrame, synapse_type: str | None) -> pd.DataFrame:
    """The rows of ``conn_df`` that :func:`connection_table_to_matrix` adds
    up for ``synapse_type`` (see there); raises InvalidArgumentError."""
    if synapse_type is not None and synapse_type not in SYNAPSE_TYPES:
        raise InvalidArgumentError(
            "connection_table_to_matrix: synapse_type must be None, 'chemical', "
            f"'electrical' or 'both' (their sum), not {synapse_type!r}")
    if SYNAPSE_TYPE_COLUMN not in conn_df.columns:
        if synapse_type is not None:
            raise InvalidArgumentError(
                f"connection_table_to_matrix: synapse_type={synapse_type!r} needs a "
                f"'{SYNAPSE_TYPE_COLUMN}' column in conn_df (fetch with "
                "synapse_type='both'); a table without it is of one kind: leave "
                "synapse_type out")
        return conn_df
    if synapse_type is None:
        found = sorted(conn_df[SYNAPSE_TYPE_COLUMN].dropna().unique())
        if len(found) > 1:
            raise InvalidArgumentError(
                f"connection_table_to_matrix: conn_df mixes {' and '.join(found)} "
                "connections, which do not add up (chemical synapses are directed, gap "
                "junctions symmetric); pass synapse_type='chemical' or 'electrical' for "
                "one matrix per kind, or 'both' for their sum")
        return conn_df
    if synapse_type == "both":
        return conn_df
    return conn_df[conn_df[SYNAPSE_TYPE_COLUMN] == synapse_type]
