"""Chemical and electrical connections: the ``synapse_type`` argument of the
connection functions.

A dataset stores its chemical connections as ``ConnectsTo`` (directed, pre →
post) and its electrical synapses (gap junctions) as ``GapJunction``
relationships between two of its Segments: one per unordered pair, directed
from the lower bodyId to the higher (a body coupled to itself: a self-loop),
``weight`` = the number of gap junctions. Gap junctions are symmetric, so
they are read undirected: a coupling of A and B answers both "A → B" and
"B → A" (and a self-loop once).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from ..client import Client
from ..errors import DatasetLacksError, InvalidArgumentError
from ..utils import SYNAPSE_TYPE_COLUMN as KIND_COLUMN
from ..utils import SYNAPSE_TYPES
from ._dataset import dataset_info

SynapseType = Literal["chemical", "electrical", "both"]

#: The kinds a result row can be of (the values of the ``synapse_type`` column,
#: :data:`KIND_COLUMN`, of ``synapse_type="both"`` results).
KINDS = ("chemical", "electrical")
#: Relationship type of each kind.
RELATIONSHIP = {"chemical": "ConnectsTo", "electrical": "GapJunction"}
#: Meta property that, where a loader writes it, says whether the dataset has
#: gap junctions (without it, :func:`has_gap_junctions` asks the graph).
META_FLAG = "hasGapJunctions"


def check_synapse_type(value, function: str) -> SynapseType:
    """``value`` if it is one of :data:`SYNAPSE_TYPES`.

    Raises
    ------
    InvalidArgumentError
        Any other value (the message lists the accepted ones).
    """
    if isinstance(value, str) and value in SYNAPSE_TYPES:
        return value
    raise InvalidArgumentError(
        f"{function}: synapse_type must be 'chemical' (ConnectsTo, the default), "
        f"'electrical' (gap junctions) or 'both', not {value!r}")


def kinds(synapse_type: SynapseType) -> list[str]:
    """The kinds a (checked) ``synapse_type`` asks for, chemical first."""
    return list(KINDS) if synapse_type == "both" else [synapse_type]


def edge(kind: str, a: str, b: str, var: str = "e") -> str:
    """The Cypher relationship pattern from node pattern ``a`` to ``b``:
    ``a-[var:ConnectsTo]->b`` (chemical) or ``a-[var:GapJunction]-b``
    (electrical, undirected: each stored pair matches with either end as
    ``a``). ``a``, ``b`` and ``var`` are the caller's Cypher, not user input."""
    if kind == "chemical":
        return f"{a}-[{var}:ConnectsTo]->{b}"
    return f"{a}-[{var}:GapJunction]-{b}"


def has_gap_junctions(client: Client) -> bool:
    """Whether the client's dataset holds at least one ``GapJunction``.

    The Meta's ``hasGapJunctions`` answers when a loader wrote it. Without it,
    the graph does, once per client (cached like the Meta): first the
    database-wide count of ``GapJunction`` relationships (Neo4j's count store,
    constant time: no gap junction anywhere, the common case, costs nothing
    more), then, only if there are some, whether one starts at a Segment of
    this dataset (every stored pair starts at one of its two bodies).
    """
    cached = getattr(client, "_has_gap_junctions", None)
    if cached is not None:
        return cached
    flag = dataset_info(client).meta.get(META_FLAG)
    if isinstance(flag, bool):
        found = flag
    else:
        total = client.read("MATCH ()-[g:GapJunction]->() RETURN count(g) AS n")[0]["n"]
        found = bool(total) and bool(client.read(
            f"MATCH (a:{client.dataset.label('Segment')})-[:GapJunction]->() "
            "RETURN true AS found LIMIT 1"))
    client._has_gap_junctions = found
    return found


def require_gap_junctions(client: Client, synapse_type: SynapseType, function: str) -> None:
    """Raise unless the dataset has gap junctions, when ``synapse_type`` asks
    for electrical connections (``"electrical"`` or ``"both"``).

    Raises
    ------
    DatasetLacksError
        The dataset has no ``GapJunction`` relationship at all.
    """
    if synapse_type == "chemical" or has_gap_junctions(client):
        return
    raise DatasetLacksError(
        f"{function}(synapse_type={synapse_type!r}): dataset {client.dataset} has no gap "
        "junctions (no GapJunction relationship between its Segments), only chemical "
        "connections (ConnectsTo); use synapse_type='chemical'", lacks="gap junctions")


def with_kind_column(frames: dict[str, pd.DataFrame], sort: list[str],
                     ascending: list[bool] | None = None) -> pd.DataFrame:
    """One frame per kind → one frame with a last ``synapse_type`` column
    (object dtype), sorted by ``sort`` then kind (chemical first); each
    kind's row order is kept among its ties (a stable sort)."""
    parts = [df.assign(**{KIND_COLUMN: pd.Series([kind] * len(df), index=df.index,
                                                 dtype=object)})
             for kind, df in frames.items()]
    found = [p for p in parts if len(p)]
    out = pd.concat(found, ignore_index=True) if found else parts[0]
    ascending = [True] * len(sort) if ascending is None else ascending
    return out.sort_values([*sort, KIND_COLUMN], ascending=[*ascending, True],
                           kind="stable", ignore_index=True)
