"""Names from the sources that end up in Cypher text, checked when they are read.

ROI names become property keys of bodies and synapses (``n.`a'L(R)```) and
are spliced into the ROI flag index statements a load runs when it publishes,
and into every ROI criterion of a query; the columns of neuron tables become
Segment property keys, spliced into ``fetch_neurons``' projections. Each goes
through :func:`~connectograph.identifiers.escape_name`, which refuses some
names (empty, over-long, control characters, lone surrogates). A load must
refuse them too, and before anything is written (in ``--check`` as well),
naming the file and the key, row or column that holds the name: the helpers
here call :func:`~connectograph.identifiers.escape_name` itself, so the rule
is the one the queries apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import InvalidIdentifierError, ValidationError
from ...identifiers import escape_name

__all__ = ["check_name", "first_bad_name"]


def _problem(name) -> str | None:
    """Why ``name`` cannot be spliced into Cypher (escape_name's message), or None."""
    try:
        escape_name(name)
    except InvalidIdentifierError as err:
        return str(err)
    return None


def check_name(name, what: str, *, file: str, row: int | None = None,
               column: str | None = None, fix: str = "rename it") -> None:
    """Raise our ValidationError if ``name`` cannot be a Cypher name.

    Parameters
    ----------
    name : str
        The name, e.g. an ROI name or a column name.
    what : str
        What the name is, for the message (e.g. ``"ROI name"``).
    file : str
        The file holding it.
    row, column : optional
        Where in ``file`` (a data row, 1-based; a column).
    fix : str
        How to fix it, appended to the message.

    Raises
    ------
    ValidationError
        If :func:`~connectograph.identifiers.escape_name` refuses ``name``;
        the message gives its reason.
    """
    problem = _problem(name)
    if problem is not None:
        raise ValidationError(f"{what} {_shown(name)} cannot be loaded: {problem}; {fix}",
                              file=file, row=row, column=column)


def _shown(name) -> str:
    text = repr(name)
    return text if len(text) <= 60 else text[:60] + "..."


def first_bad_name(values: pd.Series | pd.Categorical | np.ndarray,
                   known: set[str] | None = None) -> int | None:
    """Position of the first cell of ``values`` whose text cannot be a
    Cypher name, or None; empty cells are skipped, and so are the names of
    ``known`` (already checked, e.g. the recipe's ROI definitions).

    Each distinct value is checked once.

    Parameters
    ----------
    values : Series, Categorical or array of str
        A column of names, e.g. the ``roi`` column of a table.
    known : set of str, optional
        Names known to be good.

    Returns
    -------
    int or None
    """
    codes, uniques = pd.factorize(pd.Series(values, copy=False).astype(object),
                                  use_na_sentinel=True)
    bad = np.array([(known is None or u not in known) and _problem(u) is not None
                    for u in uniques], dtype=bool)
    if not bad.any():
        return None
    rows = np.flatnonzero(np.append(bad, False)[codes])
    return int(rows[0])
