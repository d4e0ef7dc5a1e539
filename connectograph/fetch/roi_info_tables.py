"""Per-ROI synapse counts of bodies from their ``roiInfo``, computed column-wise.

neuprint-python's ``fetch_neurons`` turns each body's ``roiInfo`` JSON into
``inputRois``/``outputRois`` lists and a long ``roi_counts_df`` with one row per
(body, ROI) plus a ``NotPrimary`` row (the body's totals minus its sums over the
primary ROIs). It does so with one Python dict walk per (body, ROI) and a pandas
group-by; here the dicts are flattened once and the rest is numpy, which matters
because this step used to cost as much as the query itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from operator import methodcaller
from typing import Iterable, Sequence

import numpy as np
import orjson
import pandas as pd

from ..grouped import group_lists
from ..vocabulary import NOT_PRIMARY


def parse_roi_info(values: Iterable) -> list[dict]:
    """``roiInfo`` values → dicts.

    Parameters
    ----------
    values : iterable
        JSON strings (as stored), dicts (already parsed) or missing values
        (None, NaN, empty strings).

    Returns
    -------
    list of dict
        One dict per value ({} for a missing value).

    Raises
    ------
    orjson.JSONDecodeError
        A string is not valid JSON.
    """
    return [(orjson.loads(v) if v else {}) if isinstance(v, str)
            else (v if isinstance(v, dict) else {}) for v in values]


@dataclass
class RoiCountTables:
    """What :func:`roi_count_tables` derives.

    Attributes
    ----------
    input_rois, output_rois : list of list of str
        Per body (in input order), the ROI names where ``post`` / ``pre`` is
        non-zero, sorted by name (neuprint-python's ``inputRois``/``outputRois``).
    counts : DataFrame
        ``bodyId`` (int64), ``roi`` (str) and one int64 column per count name,
        sorted by ``bodyId, roi``, rows whose counts are all zero dropped.
    """

    input_rois: list[list[str]]
    output_rois: list[list[str]]
    counts: pd.DataFrame


@dataclass
class FlatRoiInfo:
    """Parsed ``roiInfo`` dicts of n rows, flattened to one entry per (row, ROI).

    Attributes
    ----------
    pos : ndarray of int64, shape (m,)
        The row of each entry (entries of a row are contiguous, in dict order).
    codes : ndarray of int64, shape (m,)
        Index of each entry's ROI name in ``names``.
    names : ndarray of object, shape (k,)
        Sorted distinct ROI names (plus any ``extra`` names asked for).
    entries : list of dict, length m
        The per-ROI count dicts.
    """

    pos: np.ndarray
    codes: np.ndarray
    names: np.ndarray
    entries: list

    def column(self, key: str) -> np.ndarray:
        """``entry[key]`` of every entry as int64 (missing or null → 0)."""
        return _count_column(self.entries, key)

    def in_set(self, rois: Iterable[str]) -> np.ndarray:
        """Whether each entry's ROI is one of ``rois`` (bool, shape (m,))."""
        wanted = set(rois)
        return np.array([name in wanted for name in self.names], dtype=bool)[self.codes]


def flatten_roi_info(infos: list[dict], extra: Sequence[str] = ()) -> tuple[FlatRoiInfo,
                                                                          np.ndarray]:
    """Flatten parsed ``roiInfo`` dicts (see :class:`FlatRoiInfo`); also return
    the codes of the ``extra`` names (e.g. ``NotPrimary``) in the same sorted
    name index."""
    lens = np.fromiter(map(len, infos), dtype=np.int64, count=len(infos))
    pos = np.repeat(np.arange(len(infos), dtype=np.int64), lens)
    roi_names = list(chain.from_iterable(infos))
    entries = list(chain.from_iterable(d.values() for d in infos))
    codes, names = pd.factorize(np.array(roi_names + list(extra), dtype=object), sort=True)
    flat = FlatRoiInfo(pos=pos, codes=codes[:len(roi_names)], names=np.asarray(names),
                       entries=entries)
    return flat, codes[len(roi_names):]


def _count_column(entries: list, key: str) -> np.ndarray:
    """``entry[key]`` of every (body, ROI) entry as int64 (missing, null or
    NaN → 0)."""
    try:  # the common case, integer counts: one pass, no float list (about half the time)
        return np.fromiter((e.get(key) or 0 for e in entries), dtype=np.int64,
                           count=len(entries))
    except (TypeError, ValueError, OverflowError):  # NaN or text among the values
        values = np.array(list(map(methodcaller("get", key), entries)), dtype=np.float64)
        return np.nan_to_num(values).astype(np.int64)


def roi_count_tables(body_ids: Sequence[int], infos: list[dict],
                     totals: dict[str, np.ndarray], primary_rois: Iterable[str]
                     ) -> RoiCountTables:
    """ROI lists and the long count table of bodies.

    Parameters
    ----------
    body_ids : sequence of int, length n
        The bodies, in the order of ``infos``.
    infos : list of dict, length n
        Parsed ``roiInfo`` per body: ROI name → ``{pre, post, downstream,
        upstream, ...}`` (missing or null counts are 0).
    totals : dict of str → array of shape (n,)
        The body-level count per count name (``pre``, ``post``, ...; NaN = 0):
        the keys are the count columns of the result.
    primary_rois : iterable of str
        The dataset's primary ROIs, for the ``NotPrimary`` rows.

    Returns
    -------
    RoiCountTables
        See the class. ``NotPrimary`` = body total − sum over primary ROIs,
        neuprint-python's definition (it can be negative where the source
        counts disagree; kept as is).
    """
    n = len(infos)
    names = list(totals)
    flat, (not_primary_code,) = flatten_roi_info(infos, extra=[NOT_PRIMARY])
    pos, roi_codes, uniques = flat.pos, flat.codes, flat.names
    counts = {c: flat.column(c) for c in {*names, "pre", "post"}}

    # inputRois / outputRois: entries in (body, name) order, non-zero ones per body.
    order = np.lexsort((roi_codes, pos))
    lists = {}
    for key in ("post", "pre"):
        keep = order[counts[key][order] != 0]
        lists[key] = group_lists(uniques[roi_codes[keep]], pos[keep], n) if n else []

    # NotPrimary rows: totals minus the sums over primary ROIs.
    primary = flat.in_set(primary_rois)
    bodies = np.asarray(body_ids, dtype=np.int64)
    table = {"bodyId": np.concatenate([bodies[pos], bodies]),
             "roi": np.concatenate([roi_codes, np.full(n, not_primary_code)])}
    for c in names:
        total = np.nan_to_num(np.asarray(totals[c], dtype=np.float64)).astype(np.int64)
        in_primary = np.bincount(pos[primary], weights=counts[c][primary],
                                 minlength=n).astype(np.int64)
        table[c] = np.concatenate([counts[c], total - in_primary])
    order = np.lexsort((table["roi"], table["bodyId"]))
    nonzero = np.zeros(len(order), dtype=bool)
    for c in names:
        nonzero |= table[c][order] != 0
    order = order[nonzero]
    frame = pd.DataFrame({"bodyId": table["bodyId"][order],
                          "roi": uniques[table["roi"][order]],
                          **{c: table[c][order] for c in names}})
    return RoiCountTables(input_rois=lists["post"], output_rois=lists["pre"], counts=frame)
