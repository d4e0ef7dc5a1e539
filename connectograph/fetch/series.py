"""fetch_connection_series: the weight of connections across an ordered list
of datasets (a developmental series, versions of one reconstruction), one
column per dataset: the shape of Witvliet et al. 2021's developmental plots.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..client import Client, resolve_client
from ..criteria import Parameters
from ..errors import InvalidArgumentError
from ..utils import SYNAPSE_TYPE_COLUMN
from ._connection_tables import (body_condition, criteria_for, open_datasets,
                                 read_connection_table)
from ._synapse_types import SynapseType, check_synapse_type, kinds, require_gap_junctions

__all__ = ["fetch_connection_series"]

_KEY = ["bodyId_pre", "bodyId_post"]
_NAMES = ["instance_pre", "instance_post", "type_pre", "type_post"]


def _condition(kind: str, sources, targets, client: Client, params: Parameters) -> str:
    """``sources`` → ``targets`` for a chemical connection; either way round
    for a gap junction (stored once per pair, lower bodyId first)."""
    def side(nc, var):
        return body_condition(nc, client, var, params)
    forward = f"({side(sources, 'n')} AND {side(targets, 'm')})"
    if kind == "chemical":
        return forward
    return f"{forward} OR ({side(sources, 'm')} AND {side(targets, 'n')})"


def _check_datasets(datasets) -> list[str]:
    if isinstance(datasets, str):
        datasets = [datasets]
    datasets = list(datasets)
    if not datasets:
        raise InvalidArgumentError("fetch_connection_series: give at least one dataset "
                                   "(name:tag)")
    repeated = sorted({d for d in datasets if datasets.count(d) > 1})
    if repeated:
        raise InvalidArgumentError(f"fetch_connection_series: datasets listed twice: {repeated}; "
                                   "give each dataset once")
    return datasets


def fetch_connection_series(datasets: Sequence[str], sources=None, targets=None, *,
                            min_weight: int = 1, synapse_type: SynapseType = "chemical",
                            client: Client | None = None) -> pd.DataFrame:
    """The weight of every matching connection in each dataset of an ordered
    list, one column per dataset (0 where the connection is absent).

    Connections are matched across datasets by the bodyIds of their ends
    (named neurons have the same minted bodyId in every dataset of a series;
    see docs/versions.md).

    Parameters
    ----------
    datasets : sequence of str
        The datasets, ``name:tag`` each, in the order of the columns (e.g.
        ``[f"witvliet2021:d{i}" for i in range(1, 9)]``).
    sources, targets : NeuronCriteria or shorthand, optional
        The presynaptic and postsynaptic bodies, judged in each dataset by its
        own properties. Default: every body (``:Segment``, non-neuronal
        cells included), unlike ``fetch_simple_connections``'s ``:Neuron``:
        pass ``NC()`` for neurons only. A gap junction matches if either of
        its ends is a source and the other a target.
    min_weight : int
        Keep a connection whose weight reaches this in at least one dataset
        (its weights elsewhere are kept as they are, even below it).
    synapse_type : {'chemical', 'electrical', 'both'}
        ``ConnectsTo`` (default), gap junctions, or both kinds as separate
        rows with a ``synapse_type`` column.
    client : Client, optional
        Any client on the database; the datasets are opened on its connection.

    Returns
    -------
    DataFrame
        ``bodyId_pre``, ``bodyId_post`` (int64; for a gap junction the
        pair's lower and higher bodyId), ``instance_pre``, ``instance_post``,
        ``type_pre``, ``type_post`` (object: from the last dataset that has
        the body), with ``'both'`` a ``synapse_type`` column, then one int64
        column per dataset, named ``name:tag``, in the given order. One row
        per connection (per kind) present in at least one dataset, sorted by
        total weight over the datasets descending, then bodyIds.

    Raises
    ------
    DatasetNotFoundError
        A dataset is not loaded; nothing is read.
    InvalidArgumentError
        No dataset, a dataset listed twice, or an unknown ``synapse_type``.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.
    CriteriaError, UnknownRoiError
        Invalid criteria for one of the datasets.
    """
    synapse_type = check_synapse_type(synapse_type, "fetch_connection_series")
    datasets = _check_datasets(datasets)
    client = resolve_client(client)
    opened = open_datasets(client, datasets)
    try:
        for c in opened:
            require_gap_junctions(c, synapse_type, "fetch_connection_series")
        frames = []
        for kind in kinds(synapse_type):
            tables = []
            for name, c in zip(datasets, opened):
                params = Parameters()
                cond = _condition(kind, criteria_for(sources, c), criteria_for(targets, c), c,
                                  params)
                tables.append(read_connection_table(c, kind, cond, params.as_dict())
                              .assign(dataset=name))
            frames.append(_series_table(tables, datasets).assign(**{SYNAPSE_TYPE_COLUMN: kind}))
    finally:
        for c in opened:
            c.close()
    out = pd.concat(frames, ignore_index=True)
    out = out.astype({**{c: "int64" for c in [*_KEY, *datasets]},
                      **{c: object for c in _NAMES}})
    out = out[out[datasets].max(axis=1) >= int(min_weight)]
    out = out.assign(_total=out[datasets].sum(axis=1)).sort_values(
        ["_total", *_KEY, SYNAPSE_TYPE_COLUMN], ascending=[False, True, True, True],
        kind="stable", ignore_index=True).drop(columns="_total")
    kind_column = [SYNAPSE_TYPE_COLUMN] if synapse_type == "both" else []
    return out[[*_KEY, *_NAMES, *kind_column, *datasets]]


def _series_table(tables: list[pd.DataFrame], datasets: list[str]) -> pd.DataFrame:
    """Connection tables of one kind (with a ``dataset`` column) → one row per
    connection, a weight column per dataset; names from the last dataset."""
    long = pd.concat(tables, ignore_index=True)
    wide = long.pivot(index=_KEY, columns="dataset", values="weight")
    wide = wide.reindex(columns=datasets).fillna(0).astype("int64")
    wide.columns.name = None
    names = long.drop_duplicates(_KEY, keep="last").set_index(_KEY)[_NAMES]
    return names.join(wide, how="right").reset_index()
