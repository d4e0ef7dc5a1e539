"""neuPrint's SynapseSets, derived from synapse partner pairs (no database).

Per connected (pre body, post body) neuPrint keeps one ``:SynapseSet`` on each
side: the pre body's set holds its T-bars that contact the post body, the post
body's set holds the PSDs they contact, and ``(pre set)-[:ConnectsTo]->(post
set)``. Members are kept as rows of the synapse points table, grouped by
connection (8 bytes per pair; lists of ids cost about 85).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...grouped import run_starts
from .synapse_counts import pair_rows


@dataclass
class SynapseSets:
    """The SynapseSets of a dataset and the synapse pairs behind them.

    Attributes
    ----------
    body_pre, body_post : ndarray of int64, shape (n_connections,)
        The connected bodies, sorted by ``(body_pre, body_post)``.
    bounds : ndarray of int64, shape (n_connections + 1,)
        Connection ``i``'s pairs are ``pre_rows[bounds[i]:bounds[i + 1]]``
        (their T-bars) and the same slice of ``post_rows`` (their PSDs).
    pre_rows, post_rows : ndarray of int32 (int64 past 2**31 points), shape (n_pairs,)
        Each synapse pair's T-bar and PSD row in the points table, grouped
        by connection.
    """

    body_pre: np.ndarray
    body_post: np.ndarray
    bounds: np.ndarray
    pre_rows: np.ndarray
    post_rows: np.ndarray

    def __len__(self) -> int:
        return len(self.body_pre)

    @property
    def empty(self) -> bool:
        return len(self.body_pre) == 0

    def members(self, start: int = 0, stop: int | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The members of connections ``start:stop``.

        Returns
        -------
        tbar_connection, tbar_row, psd_connection, psd_row : ndarray
            ``(connection, row)`` of each T-bar of the pre-side sets and of
            each PSD of the post-side sets; a synapse is in a set once, however
            many of the connection's pairs it is in. Connections are numbered
            from ``start`` = 0 and ascend, rows ascend within a connection.
        """
        stop = len(self) if stop is None else stop
        p0, p1 = int(self.bounds[start]), int(self.bounds[stop])
        connection = np.repeat(np.arange(stop - start), np.diff(self.bounds[start:stop + 1]))

        def distinct(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            order = np.lexsort((rows, connection))
            c, r = connection[order], rows[order]
            keep = run_starts(c, r)
            return c[keep], r[keep]

        return (*distinct(self.pre_rows[p0:p1]), *distinct(self.post_rows[p0:p1]))

    def member_count(self, block: int = 100_000) -> int:
        """Number of set members (T-bars of pre-side sets plus PSDs of
        post-side sets, as :meth:`members` lists them), ``block`` connections
        at a time so that memory follows the block, not the dataset."""
        total = 0
        for start in range(0, len(self), block):
            tbar_conn, _, psd_conn, _ = self.members(start, min(start + block, len(self)))
            total += len(tbar_conn) + len(psd_conn)
        return total


def synapse_sets(points: pd.DataFrame, pairs: pd.DataFrame, *,
                 rows: tuple[np.ndarray, np.ndarray] | None = None) -> SynapseSets:
    """neuPrint's SynapseSets of the synapse tables (see :class:`SynapseSets`).

    Parameters
    ----------
    points, pairs : DataFrame
        Canonical synapse points (``id, bodyId, ...``) and partner pairs
        (``pre_id, post_id``), every id present in ``points``.
    rows : (ndarray, ndarray), optional
        :func:`~.synapse_counts.pair_rows` of the tables, when known.
    """
    pre_rows, post_rows = pair_rows(points, pairs) if rows is None else rows
    body = points["bodyId"].to_numpy(dtype="int64")
    a, b = body[pre_rows], body[post_rows]
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    starts = run_starts(a, b)
    small = np.int32 if len(points) < 2**31 else np.int64
    return SynapseSets(body_pre=a[starts], body_post=b[starts],
                       bounds=np.r_[starts, len(a)].astype(np.int64),
                       pre_rows=np.asarray(pre_rows)[order].astype(small),
                       post_rows=np.asarray(post_rows)[order].astype(small))
