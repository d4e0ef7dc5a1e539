"""The pydantic base of the loader's canonical tables.

A canonical table is a pandas DataFrame held by a frozen pydantic model whose
validators check the table's invariants (vectorised, on whole columns), so a
table that exists is a valid one. Readers parse the text cells of a source
file, then build the model; the models in
:mod:`~connectograph.loading.read.synapse_tables` (synapse points and pairs),
:mod:`~connectograph.loading.read.table_schemas` (neurons, per-ROI connections)
and :mod:`~connectograph.loading.read.skeleton_files` (skeletons) derive from
:class:`CanonicalTable`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError as PydanticValidationError

from ...errors import ValidationError

__all__ = ["CanonicalTable", "INT64_MAX", "INT64_MIN", "first_true"]

#: The integers Neo4j stores (numpy's int64): every id and count is one.
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1


def first_true(mask) -> int:
    """Position of the first true value of a boolean array or Series."""
    return int(np.flatnonzero(np.asarray(mask))[0])


def raise_ours(err: PydanticValidationError) -> None:
    """Re-raise the first of our own errors (a :class:`ValidationError` or a
    subclass) that a validator raised inside pydantic's ``err``; return if
    there is none."""
    for e in err.errors():
        original = (e.get("ctx") or {}).get("error")
        if isinstance(original, ValidationError):
            raise original from None


class CanonicalTable(BaseModel):
    """A canonical table: ``frame`` (a pandas DataFrame) plus whatever context
    its validators need (e.g. the file it was read from).

    Subclasses add ``model_validator(mode="after")`` checks that raise
    :class:`~connectograph.errors.ValidationError` naming file, row and column.
    The frame is held, not copied (pydantic only checks its type).

    Attributes
    ----------
    frame : pandas.DataFrame
        The table; see each subclass for its columns.

    Raises
    ------
    ValidationError
        From :meth:`build`, when a validator rejects the table.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    frame: pd.DataFrame

    @classmethod
    def build(cls, frame: pd.DataFrame, **context):
        """Validate ``frame`` (with the subclass' ``context`` fields, e.g.
        ``file``); raise our :class:`ValidationError`, not pydantic's.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table to validate.
        **context
            The subclass' other fields.

        Returns
        -------
        The model holding ``frame``.

        Raises
        ------
        ValidationError
            The first invariant ``frame`` breaks, naming file, row and column.
        """
        try:
            return cls(frame=frame, **context)
        except PydanticValidationError as err:
            raise_ours(err)
            raise
