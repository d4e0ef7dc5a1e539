"""What a load did: the :class:`LoadSummary` that
:func:`~connectograph.loading.engine.load`, :func:`~connectograph.loading.engine.check`
and :func:`~connectograph.loading.bulk.bulk_load` return.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .conflicts import Conflict

__all__ = ["LoadSummary"]


@dataclass
class LoadSummary:
    """What a load did.

    Attributes
    ----------
    dataset : str
        ``name:tag``.
    skipped : bool
        True if the dataset was already loaded from identical inputs.
    counts : dict
        Nodes per label and relationships per type written.
    conflicts : list of Conflict
        Source disagreements and which value was kept.
    warnings : list of str
        Incomplete data that was loaded anyway (missing status, soma...).
    seconds : float
        Wall time.
    stages : dict
        Seconds per stage, when the loader reports them (the bulk path does).
    checked_only : bool
        True for :func:`~connectograph.loading.engine.check` (read and validated,
        nothing written).
    """

    dataset: str
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    checked_only: bool = False

    def conflict_table(self) -> pd.DataFrame:
        """Every source disagreement, one row each (the summary shows counts
        and five examples per group).

        Returns
        -------
        DataFrame
            ``table, column, key, kept, dropped, kept_from, overridden_from``
            (object columns): the property, what differs (a bodyId, a synapse
            id, ``"pre->post roi"``), the value kept and the value dropped,
            and the files they came from.
        """
        columns = ["table", "column", "key", "kept", "dropped", "kept_from", "overridden_from"]
        frames = [c.rows.assign(table=c.table, column=c.column, kept_from=c.kept_from,
                                overridden_from=c.overridden_from)
                  for c in self.conflicts if c.rows is not None]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.concat(frames, ignore_index=True)[columns]

    def describe(self) -> str:
        if self.skipped:
            return (f"{self.dataset}: already loaded from identical inputs; nothing to do "
                    "(use --force to reload)")
        lines = [f"Checked {self.dataset} in {self.seconds:.1f} s: nothing written; a load "
                 "would write" if self.checked_only
                 else f"Loaded {self.dataset} in {self.seconds:.1f} s"]
        width = max((len(k) for k in self.counts), default=0)
        lines += [f"  {k:<{width}} {v:>11,}" for k, v in self.counts.items()]
        if self.stages:
            lines.append("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.stages.items()))
        if self.conflicts:
            lines.append(f"  {len(self.conflicts)} source conflicts (higher-precedence value kept):")
            lines += [f"    - {c.describe()}" for c in self.conflicts]
            lines.append("    (every value: load --conflicts FILE.csv, or "
                         "LoadSummary.conflict_table())")
        if self.warnings:
            lines.append("  warnings:")
            lines += [f"    - {w}" for w in self.warnings]
        return "\n".join(lines)
