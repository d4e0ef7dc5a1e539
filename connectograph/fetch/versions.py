"""fetch_dataset_diff: what changed between two datasets of one database.

Both datasets are read whole (or restricted by criteria) and compared in
pandas, keyed on ``bodyId`` (see docs/versions.md for what that key means
across a developmental series and across versions of one reconstruction).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import Parameters
from ..errors import InvalidArgumentError
from ._connection_tables import (body_condition, criteria_for, open_datasets,
                                 read_connection_table)
from ._synapse_types import SynapseType, check_synapse_type, kinds, require_gap_junctions

__all__ = ["DatasetDiff", "fetch_dataset_diff", "CHANGES"]

#: The kinds of change of a connection, in the order the summary lists them.
CHANGES = ("appeared", "vanished", "changed", "unchanged")
#: Columns of :attr:`DatasetDiff.connections`.
DIFF_COLUMNS = ["bodyId_pre", "bodyId_post", "instance_pre", "instance_post", "type_pre",
                "type_post", "synapse_type", "change", "weight_a", "weight_b", "weight_diff",
                "weight_ratio"]
#: Neuron properties stored as JSON text, compared parsed (key order does not count).
_JSON_PROPERTIES = ("roiInfo",)


@dataclass
class DatasetDiff:
    """What changed from dataset ``a`` to dataset ``b``
    (:func:`fetch_dataset_diff`'s answer).

    Attributes
    ----------
    a, b : str
        The datasets compared (``name:tag``), ``a`` the old one.
    synapse_type : str
        ``'chemical'``, ``'electrical'`` or ``'both'``: the kinds compared.
    neurons_only_a, neurons_only_b : DataFrame
        Bodies matched in one dataset only: ``bodyId`` (int64), ``instance``,
        ``type`` (object, None where absent), sorted by bodyId.
    neuron_changes : DataFrame
        One row per property that differs on a body of both datasets:
        ``bodyId`` (int64), ``instance`` (object, ``b``'s, else ``a``'s),
        ``property`` (str), ``value_a``, ``value_b`` (object, as stored; None
        where the body lacks the property). Sorted by bodyId, property.
    connections : DataFrame
        One row per connection that appeared, vanished or changed weight
        (:data:`DIFF_COLUMNS`): ``bodyId_pre``, ``bodyId_post`` (int64; for an
        electrical row the pair's lower and higher bodyId, as stored),
        ``instance_*``, ``type_*`` (object, ``b``'s where the body is in
        ``b``), ``synapse_type`` (``'chemical'`` or ``'electrical'``: kinds
        are never summed), ``change`` (``'appeared'``, ``'vanished'``,
        ``'changed'``), ``weight_a``, ``weight_b`` (int64, 0 where absent),
        ``weight_diff`` (int64, ``weight_b - weight_a``), ``weight_ratio``
        (float64, ``weight_b / weight_a``: ``inf`` for an appeared one, 0.0
        for a vanished one). Sorted by ``|weight_diff|`` descending, then
        bodyIds, then kind.
    summary : DataFrame
        ``item`` (``'neurons'``, ``'chemical'``, ``'electrical'``), ``change``
        and ``count`` (int64): for neurons ``only_a``, ``only_b``, ``changed``
        (bodies of both with at least one changed property), ``unchanged``;
        for each kind compared, :data:`CHANGES`.
    """

    a: str
    b: str
    synapse_type: str
    neurons_only_a: pd.DataFrame
    neurons_only_b: pd.DataFrame
    neuron_changes: pd.DataFrame
    connections: pd.DataFrame
    summary: pd.DataFrame

    def largest(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` connections whose weight changed most (by ``|weight_diff|``)."""
        return self.connections.head(n)

    def describe(self, n: int = 10) -> str:
        """The summary and the ``n`` largest changes, as text (the CLI prints it)."""
        lines = [f"{self.a} -> {self.b} ({self.synapse_type})"]
        for row in self.summary.itertuples():
            lines.append(f"  {row.item:<10} {row.change:<10} {row.count:>8,}")
        top = self.largest(n)
        if len(top):
            lines.append(f"largest changes (weight {self.a} -> {self.b}):")
            for r in top.itertuples():
                pre = r.instance_pre or r.bodyId_pre
                post = r.instance_post or r.bodyId_post
                link = "->" if r.synapse_type == "chemical" else "<->"
                lines.append(f"  {pre} {link} {post}  {r.synapse_type}  {r.change}  "
                             f"{r.weight_a} -> {r.weight_b} ({r.weight_diff:+d})")
        return "\n".join(lines)

    def write(self, folder: str | Path) -> list[Path]:
        """Write every table as CSV into ``folder`` (created if needed;
        files of the same names are replaced); return the paths written.

        Raises
        ------
        InvalidArgumentError
            ``folder`` cannot be created or written (e.g. it is a file).
        """
        folder = Path(folder)
        written = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name in ("summary", "neurons_only_a", "neurons_only_b", "neuron_changes",
                         "connections"):
                path = folder / f"{name}.csv"
                getattr(self, name).to_csv(path, index=False)
                written.append(path)
        except OSError as err:
            raise InvalidArgumentError(
                f"cannot write the diff's tables into {folder}: {err}; give a directory "
                "that can be created or written") from err
        return written


def _comparable(name: str, value):
    """A stored property value in a form that compares by content (lists and
    points as tuples, JSON text parsed)."""
    if name in _JSON_PROPERTIES and isinstance(value, str):
        return orjson.loads(value)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    if hasattr(value, "srid"):          # a neo4j spatial Point
        return (value.srid, tuple(value))
    return value


def _bodies(client: Client, criteria) -> dict[int, dict]:
    """bodyId → stored properties of the bodies matched (every Segment without criteria)."""
    params = Parameters()
    cond = body_condition(criteria, client, "n", params)
    rows = client.read(f"MATCH (n:{client.dataset.label('Segment')}) WHERE {cond} "
                       "RETURN n.bodyId AS bodyId, properties(n) AS props", params.as_dict())
    return {int(r["bodyId"]): r["props"] for r in rows}


def _body_frame(bodies: dict[int, dict], ids) -> pd.DataFrame:
    ids = sorted(ids)
    return pd.DataFrame({"bodyId": pd.Series(ids, dtype="int64"),
                         "instance": pd.Series([bodies[i].get("instance") for i in ids],
                                               dtype=object),
                         "type": pd.Series([bodies[i].get("type") for i in ids], dtype=object)})


def neuron_differences(bodies_a: dict[int, dict], bodies_b: dict[int, dict]
                       ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(only in a, only in b, changed properties)`` of two bodyId →
    properties maps (see :class:`DatasetDiff` for the columns)."""
    rows = []
    for body in sorted(bodies_a.keys() & bodies_b.keys()):
        pa, pb = bodies_a[body], bodies_b[body]
        instance = pb.get("instance", pa.get("instance"))
        for prop in sorted((pa.keys() | pb.keys()) - {"bodyId"}):
            va, vb = pa.get(prop), pb.get(prop)
            if _comparable(prop, va) != _comparable(prop, vb):
                rows.append((body, instance, prop, va, vb))
    changes = pd.DataFrame(rows, columns=["bodyId", "instance", "property", "value_a",
                                          "value_b"]).astype({"bodyId": "int64",
                                                              "instance": object,
                                                              "property": object})
    return (_body_frame(bodies_a, bodies_a.keys() - bodies_b.keys()),
            _body_frame(bodies_b, bodies_b.keys() - bodies_a.keys()), changes)


def connection_differences(table_a: pd.DataFrame, table_b: pd.DataFrame,
                           kind: str) -> tuple[pd.DataFrame, dict[str, int]]:
    """The changed connections of one kind between two connection tables
    (:data:`~._connection_tables.CONNECTION_COLUMNS`), and the count of each
    of :data:`CHANGES`."""
    key = ["bodyId_pre", "bodyId_post"]
    m = table_a.merge(table_b, on=key, how="outer", suffixes=("_a", "_b"))
    for col in ("weight_a", "weight_b"):
        m[col] = m[col].fillna(0).astype("int64")
    for col in ("instance_pre", "instance_post", "type_pre", "type_post"):
        m[col] = m[f"{col}_b"].where(m["weight_b"] > 0, m[f"{col}_a"]).astype(object)
    m["synapse_type"] = kind
    m["weight_diff"] = m["weight_b"] - m["weight_a"]
    with np.errstate(divide="ignore"):
        m["weight_ratio"] = m["weight_b"] / m["weight_a"].astype("float64")
    m["change"] = np.select([m["weight_a"] == 0, m["weight_b"] == 0, m["weight_diff"] != 0],
                            ["appeared", "vanished", "changed"], "unchanged")
    counts = {c: int((m["change"] == c).sum()) for c in CHANGES}
    changed = m[m["change"] != "unchanged"]
    return changed[DIFF_COLUMNS].reset_index(drop=True), counts


def fetch_dataset_diff(a: str, b: str, *, criteria=None, synapse_type: SynapseType = "chemical",
                       client: Client | None = None) -> DatasetDiff:
    """Compare two datasets of the database: bodies added and removed, body
    properties changed, connections that appeared, vanished or changed weight.

    Parameters
    ----------
    a, b : str
        The two datasets, ``name:tag`` each; ``a`` is the old one (``weight_a``,
        ``value_a``), ``b`` the new one.
    criteria : NeuronCriteria or shorthand, optional
        Compare only the bodies it matches (in each dataset, by that
        dataset's properties) and the connections with at least one end it
        matches (either side). Default: every body (``:Segment``, non-neuronal
        cells included) and every connection.
    synapse_type : {'chemical', 'electrical', 'both'}
        Which connections to compare: ``ConnectsTo`` (default), gap junctions
        (``GapJunction``, one per unordered pair), or each kind on its own
        (never summed: each row says its kind).
    client : Client, optional
        Any client on the database (its own dataset does not matter); the
        two datasets are opened on its connection.

    Returns
    -------
    DatasetDiff
        The tables and the summary (see :class:`DatasetDiff`). Bodies and
        connections are matched on ``bodyId``: see docs/versions.md.

    Raises
    ------
    DatasetNotFoundError
        ``a`` or ``b`` is not loaded (the message lists those that are);
        nothing is read.
    InvalidIdentifierError
        ``a`` or ``b`` is not ``name:tag``.
    InvalidArgumentError
        An unknown ``synapse_type``.
    DatasetLacksError
        Electrical connections asked of a dataset without gap junctions.
    CriteriaError, UnknownRoiError
        Invalid criteria for either dataset.
    """
    synapse_type = check_synapse_type(synapse_type, "fetch_dataset_diff")
    client = resolve_client(client)
    ca, cb = open_datasets(client, [a, b])
    try:
        nc = {c: criteria_for(criteria, c) for c in (ca, cb)}
        for c in (ca, cb):
            require_gap_junctions(c, synapse_type, "fetch_dataset_diff")
        bodies_a, bodies_b = _bodies(ca, nc[ca]), _bodies(cb, nc[cb])
        only_a, only_b, changes = neuron_differences(bodies_a, bodies_b)
        changed = changes["bodyId"].nunique()
        summary = [("neurons", "only_a", len(only_a)), ("neurons", "only_b", len(only_b)),
                   ("neurons", "changed", changed),
                   ("neurons", "unchanged", len(bodies_a.keys() & bodies_b.keys()) - changed)]
        frames = []
        for kind in kinds(synapse_type):
            tables = []
            for c in (ca, cb):
                params = Parameters()
                cond = (f"{body_condition(nc[c], c, 'n', params)} OR "
                        f"{body_condition(nc[c], c, 'm', params)}")
                tables.append(read_connection_table(c, kind, cond, params.as_dict()))
            diff, counts = connection_differences(*tables, kind)
            frames.append(diff)
            summary += [(kind, change, counts[change]) for change in CHANGES]
    finally:
        ca.close()
        cb.close()
    connections = pd.concat(frames, ignore_index=True)
    connections = connections.assign(_abs=connections["weight_diff"].abs()).sort_values(
        ["_abs", "bodyId_pre", "bodyId_post", "synapse_type"],
        ascending=[False, True, True, True], kind="stable", ignore_index=True).drop(columns="_abs")
    return DatasetDiff(a=a, b=b, synapse_type=synapse_type, neurons_only_a=only_a,
                       neurons_only_b=only_b, neuron_changes=changes, connections=connections,
                       summary=pd.DataFrame(summary, columns=["item", "change", "count"])
                       .astype({"count": "int64"}))
