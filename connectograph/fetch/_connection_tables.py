"""Whole connection tables of one dataset, one kind at a time, for the
functions that compare datasets (:mod:`.versions`, :mod:`.series`).

Each relationship is read as stored: a ``ConnectsTo`` from its presynaptic
body to its postsynaptic one, a ``GapJunction`` from the lower bodyId of its
pair to the higher (so the same pair has the same key in every dataset whose
bodyIds agree).
"""

from __future__ import annotations

import pandas as pd

from ..client import Client
from ..criteria import NeuronCriteria, Parameters
from ._dataset import checked_criteria, weight_condition
from ._synapse_types import RELATIONSHIP

#: Columns of :func:`read_connection_table`.
CONNECTION_COLUMNS = ["bodyId_pre", "bodyId_post", "weight", "instance_pre", "instance_post",
                      "type_pre", "type_post"]


def body_condition(criteria: NeuronCriteria | None, client: Client, var: str,
                   params: Parameters) -> str:
    """Cypher condition on the Segment bound to ``var``: ``true`` for no
    criteria, else the criteria's label and conditions (parenthesised, safe
    to join with AND or OR). Values go into ``params``."""
    if criteria is None:
        return "true"
    ds = client.dataset
    text, _ = criteria.where(ds, var, params)
    return f"({var}:{ds.label(criteria.label)} AND ({text}))"


def criteria_for(criteria, client: Client) -> NeuronCriteria | None:
    """Validated criteria (None stays None: every Segment)."""
    return None if criteria is None else checked_criteria(criteria, client)


def read_connection_table(client: Client, kind: str, condition: str, params: dict,
                          min_weight: int = 1) -> pd.DataFrame:
    """Every stored relationship of ``kind`` between two Segments ``n`` → ``m``
    of the client's dataset that satisfies ``condition`` (Cypher on ``n`` and
    ``m``, built by the caller from :func:`body_condition`).

    Returns
    -------
    DataFrame
        :data:`CONNECTION_COLUMNS`: bodyIds (int64), ``weight`` (int64),
        ``instance_*``/``type_*`` (object, None where absent), one row per
        stored relationship, in no particular order.
    """
    seg = client.dataset.label("Segment")
    cypher = (f"MATCH (n:{seg})-[e:{RELATIONSHIP[kind]}]->(m:{seg})\n"
              f"WHERE ({condition}) AND {weight_condition('e', min_weight)}\n"
              "WITH n.bodyId AS bodyId_pre, m.bodyId AS bodyId_post, e.weight AS weight, "
              "n.instance AS instance_pre, m.instance AS instance_post, "
              "n.type AS type_pre, m.type AS type_post")
    df = client.read_columns(cypher, CONNECTION_COLUMNS, {**params, "min_weight": int(min_weight)},
                             not_null=CONNECTION_COLUMNS[:3])
    for col in ("bodyId_pre", "bodyId_post", "weight"):
        df[col] = df[col].astype("int64")
    return df


def open_datasets(client: Client, datasets) -> list[Client]:
    """A client per dataset (``name:tag``), on ``client``'s connection (close
    them; the connection stays open). Every dataset is checked before any
    data is read.

    Raises
    ------
    DatasetNotFoundError
        A dataset is not loaded (the message lists those that are).
    InvalidIdentifierError
        A name is not ``name:tag``.
    """
    opened: list[Client] = []
    try:
        for name in datasets:
            opened.append(Client(dataset=name, connection=client.connection))
    except Exception:
        for c in opened:
            c.close()
        raise
    return opened
