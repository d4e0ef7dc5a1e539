"""Disagreements between the sources of a load.

When several sources give the same property (neuron tables, per-ROI
connection tables, synapse tables, skeletons), the first listed in the recipe
wins; every disagreement is recorded as a :class:`Conflict` for the load
summary (:class:`~connectograph.loading.summary.LoadSummary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Conflict", "connection_keys"]

#: Conflicting rows a Conflict shows as examples (all are in its ``rows``).
_MAX_CONFLICT_EXAMPLES = 5


@dataclass
class Conflict:
    """Sources that disagree on one property.

    Attributes
    ----------
    table : str
        ``"neurons"``, ``"roi_connections"``, ``"synapses"`` or ``"skeletons"``.
    column : str
        The property that differs.
    kept_from, overridden_from : str
        Files of the value kept (higher precedence) and of the value dropped.
    count : int
        Number of rows in disagreement.
    examples : list of dict
        Up to five of them: key, kept and dropped values.
    rows : DataFrame or None
        Every one of them: ``key``, ``kept``, ``dropped`` (object columns);
        :meth:`~connectograph.loading.summary.LoadSummary.conflict_table`
        lists all conflicts' rows.
    """

    table: str
    column: str
    kept_from: str
    overridden_from: str
    count: int
    examples: list[dict] = field(default_factory=list)
    rows: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, table: str, column: str, kept_from: str, overridden_from: str,
           keys, kept, dropped) -> "Conflict":
        """A conflict from every disagreeing row: ``keys`` (what differs: a
        bodyId, a synapse id, ``"pre->post roi"``...) and the ``kept`` and
        ``dropped`` values, three sequences of equal length."""
        def plain(values) -> list:     # Python scalars, not numpy ones
            return values.tolist() if hasattr(values, "tolist") else list(values)

        rows = pd.DataFrame({"key": plain(keys), "kept": plain(kept),
                             "dropped": plain(dropped)}, dtype=object)
        return cls(table=table, column=column, kept_from=str(kept_from),
                   overridden_from=str(overridden_from), count=len(rows),
                   examples=rows.head(_MAX_CONFLICT_EXAMPLES).to_dict("records"), rows=rows)

    @classmethod
    def merged(cls, parts: list["Conflict"]) -> list["Conflict"]:
        """The conflicts of ``parts`` (e.g. found partition by partition) with
        one entry per (table, column, kept_from, overridden_from), its rows
        concatenated in order; entries in order of first appearance."""
        groups: dict[tuple, list[Conflict]] = {}
        for c in parts:
            groups.setdefault((c.table, c.column, c.kept_from, c.overridden_from), []).append(c)
        out = []
        for (table, column, kept_from, overridden_from), group in groups.items():
            rows = pd.concat([c.rows for c in group], ignore_index=True)
            out.append(cls.of(table, column, kept_from, overridden_from, rows["key"],
                              rows["kept"], rows["dropped"]))
        return out

    def describe(self) -> str:
        ex = "; ".join(f"{e['key']}: kept {e['kept']!r}, dropped {e['dropped']!r}"
                       for e in self.examples[:3])
        return (f"{self.table}.{self.column}: {self.count} rows differ between "
                f"{self.kept_from} (kept) and {self.overridden_from}; e.g. {ex}")


def connection_keys(rows: pd.DataFrame) -> list[str]:
    """``"pre->post roi"`` per row of a per-ROI connection frame (conflict keys)."""
    return [f"{a}->{b} {r}" for a, b, r in
            zip(rows["bodyId_pre"], rows["bodyId_post"], rows["roi"])]

