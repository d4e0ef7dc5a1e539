"""Synapse-level counts derived from the canonical synapse tables and each
synapse's ROIs (:mod:`.synapse_rois`): per body and per connection (pure
pandas, no database). Definitions are in docs/data-model.md:

- A synapse-level connection counts in the *post* site's ROI (neuPrint's
  convention): per (pre body, post body), the primary ROI of each PSD, or
  ``NotPrimary`` when the PSD is in no primary ROI.
- Per body: ``pre`` = its T-bars, ``post`` = its PSDs, ``upstream`` = ``post``,
  ``downstream`` = PSDs its T-bars contact (``SynapsesTo`` edges leaving them);
  per ROI the same counts over the sites in that ROI (``downstream`` at the T-bar).

How these counts meet the per-ROI tables and the neuron tables (the tables
win) is decided in :mod:`.connections` and :mod:`.bodies`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import ValidationError
from ...grouped import run_starts
from ..read.synapse_tables import SYNAPSE_TYPES, id_rows
from .body_roi_counts import roi_counts_frame
from .synapse_rois import roi_combinations


def _count_by(codes: list[np.ndarray], sizes: list[int]
              ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray] | None:
    """Rows per distinct combination of small non-negative integer codes
    (``codes[k]`` < ``sizes[k]``), sorted by the codes in order, as one int64
    key per row and ``np.unique`` (memory: two int64 arrays of the rows, no
    hash table). None when the combined key would not fit in int64.

    Returns
    -------
    keys : ndarray of int64
        Per row its combined key (to match rows to combinations).
    combos : list of ndarray
        Per code column, its value in each distinct combination.
    counts : ndarray of int64
    """
    if float(np.prod([max(n, 1) for n in sizes], dtype=float)) >= 2.0**62:
        return None
    key = np.zeros(len(codes[0]), dtype="int64")
    for c, n in zip(codes, sizes):
        key *= max(n, 1)
        key += c
    unique, counts = np.unique(key, return_counts=True)
    parts = []
    for n in reversed(sizes):
        parts.append(unique % max(n, 1))
        unique //= max(n, 1)
    return key, parts[::-1], counts.astype("int64")


#: Rows counted at once by :func:`_group_sizes` (bounds its scratch arrays).
_CHUNK = 2_000_000


def _group_sizes(columns: dict[str, np.ndarray | tuple[np.ndarray, np.ndarray]],
                 chunk: int = _CHUNK) -> pd.Series:
    """``DataFrame(columns).groupby(list(columns), sort=True).size()`` for
    integer columns, counted ``chunk`` rows at a time by :func:`_count_by` and
    summed, so the scratch memory follows the chunk, not the table.

    A column given as ``(values, rows)`` is ``values[rows]``, taken a chunk at
    a time (never whole).
    """
    names = list(columns)
    first = columns[names[0]]
    n = len(first[1] if isinstance(first, tuple) else first)

    def take(column, part: slice) -> np.ndarray:
        if isinstance(column, tuple):
            return np.asarray(column[0][column[1][part]])
        return np.asarray(column[part])

    parts = []
    for start in range(0, max(n, 1), chunk):
        part = {k: take(v, slice(start, start + chunk)) for k, v in columns.items()}
        uniques, codes = [], []
        for values in part.values():
            c, u = pd.factorize(values, sort=True)
            uniques.append(np.asarray(u))
            codes.append(c)
        counted = _count_by(codes, [len(u) for u in uniques]) if n else None
        del codes
        if counted is None:
            parts.append(pd.DataFrame(part).groupby(names, sort=True).size())
            continue
        _, combos, counts = counted
        index = pd.MultiIndex.from_arrays([u[p] for u, p in zip(uniques, combos)], names=names)
        parts.append(pd.Series(counts, index=index))
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts).groupby(level=names, sort=True).sum()


def pair_rows(points: pd.DataFrame, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rows in ``points`` of each pair's T-bar and PSD (every id must be there,
    as :func:`~..read.synapse_sources.read_synapse_sources` checks)."""
    ids = points["id"].to_numpy()
    pre = id_rows(ids, pairs["pre_id"].to_numpy())
    post = id_rows(ids, pairs["post_id"].to_numpy())
    if (pre < 0).any() or (post < 0).any():
        raise ValidationError("a synapse pair names a synapse id that is in no synapse table "
                              "(the pairs were not checked against the points)")
    return pre, post


def connections_from_synapses(points: pd.DataFrame, pairs: pd.DataFrame,
                              primary_roi: np.ndarray, *,
                              rows: tuple[np.ndarray, np.ndarray] | None = None
                              ) -> pd.DataFrame:
    """Per-ROI connection rows from synapse pairs, counted at the PSD's primary ROI.

    ``rows`` (optional) is :func:`pair_rows` of the tables, when known.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str, a primary ROI or
        ``NotPrimary``), ``weight`` (int64: PSDs), ``_file`` (the synapse file),
        sorted by ``bodyId_pre, bodyId_post, roi``.
    """
    if pairs.empty:
        return pd.DataFrame({"bodyId_pre": pd.Series(dtype="int64"),
                             "bodyId_post": pd.Series(dtype="int64"),
                             "roi": pd.Series(dtype=object), "weight": pd.Series(dtype="int64"),
                             "_file": pd.Series(dtype=object)})
    pre_rows, post_rows = pair_rows(points, pairs) if rows is None else rows
    body = points["bodyId"].to_numpy(dtype="int64")
    # The ROI as a code in sorted name order, so sorting codes sorts names.
    roi_code, roi_names = pd.factorize(np.asarray(primary_roi, dtype=object), sort=True)
    roi_names = np.asarray(roi_names, dtype=object)
    files = pairs["file"].astype("category")
    file_code = files.cat.codes.to_numpy()
    file_names = [str(n) for n in files.cat.categories]
    # PSDs per (pre body, post body, ROI, file), counted in chunks of pairs.
    sizes = _group_sizes({"bodyId_pre": (body, pre_rows), "bodyId_post": (body, post_rows),
                          "roi": (roi_code, post_rows), "file": file_code})
    del roi_code, file_code
    key = ["bodyId_pre", "bodyId_post", "roi"]
    per_file = sizes.reset_index(name="weight")
    del sizes
    out = per_file.groupby(key, sort=True)["weight"].sum().reset_index()
    out["weight"] = out["weight"].astype("int64")
    # Per row, the synapse files it comes from (", "-joined, sorted): one
    # membership column per distinct file, so no Python call per group.
    present = pd.unique(per_file["file"])
    names = sorted({file_names[c] for c in present})
    if len(names) == 1:
        out["_file"] = names[0]
    else:
        column_of = np.array([names.index(f) if f in names else -1 for f in file_names])
        hit = np.zeros((len(out), len(names)), dtype=bool)
        at = pd.MultiIndex.from_frame(out[key]).get_indexer(
            pd.MultiIndex.from_frame(per_file[key]))
        hit[at, column_of[per_file["file"].to_numpy()]] = True
        combo, combos = pd.factorize(pd.Series(list(map(tuple, hit))))
        text = [", ".join(n for n, h in zip(names, c) if h) for c in combos]
        out["_file"] = np.asarray(text, dtype=object)[combo]
    out["roi"] = roi_names[out["roi"].to_numpy()]
    return out[key + ["weight", "_file"]]


def _spread_over_rois(sizes: pd.Series, combos: list[tuple]) -> pd.Series:
    """Counts per (keys..., ``combo``) → counts per (keys..., ``roi``): each
    count is added to every ROI of its combination (:func:`~.synapse_rois.roi_combinations`);
    combinations without ROIs drop out. Vectorised (``explode``), no Python
    call per group."""
    frame = sizes.reset_index(name="n")
    table = np.empty(len(combos), dtype=object)
    table[:] = [tuple(c) for c in combos]
    frame["roi"] = table[frame.pop("combo").to_numpy()]
    frame = frame.explode("roi")
    frame = frame[frame["roi"].notna()]
    keys = [c for c in frame.columns if c != "n"]
    return frame.groupby(keys, sort=True)["n"].sum().astype("int64")


def _distinct_tbars_per_partner(pre_rows: np.ndarray, partner: np.ndarray
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Each (T-bar row, partner body) once: a T-bar contacting several PSDs
    of one body counts once for that connection. By sorting one int64 key
    per pair (no hash table of pairs)."""
    codes, partners = pd.factorize(partner)
    n = max(len(partners), 1)
    if (int(pre_rows.max(initial=0)) + 1) * n < 2**62:
        key = np.sort(pre_rows.astype("int64") * n + codes)
        # distinct keys by sorting: np.unique without counts hashes, 10x slower here
        key = key[run_starts(key)]
        return key // n, np.asarray(partners)[key % n]
    both = pd.DataFrame({"t": pre_rows, "b": partner}).drop_duplicates()
    return both["t"].to_numpy(), both["b"].to_numpy()


def connection_roi_counts(points: pd.DataFrame, pairs: pd.DataFrame, rois: np.ndarray, *,
                          rows: tuple[np.ndarray, np.ndarray] | None = None,
                          combinations: tuple[np.ndarray, list[tuple]] | None = None
                          ) -> pd.DataFrame:
    """neuPrint's ``ConnectsTo.roiInfo`` counts, from synapses: per connection
    (upstream body → downstream body) and every ROI its synapses lie in.

    The definition is neuPrint's loader's (``LoadingProcedures`` of
    connectome-neuprint/neuPrint, which counts every synapse of a connection's
    two SynapseSets in each ROI of the synapse): ``pre`` = T-bars of the
    upstream body that contact the downstream body, lying in the ROI (a T-bar
    with several PSDs on that body counts once); ``post`` = PSDs of the
    downstream body contacted by the upstream body, lying in the ROI. ROIs are
    those of :func:`~.synapse_rois.synapse_rois` (source ROI or meshes, plus ancestors), so
    non-primary ROIs such as ``MB(R)`` appear beside the primary ones; a ROI
    holding only the T-bars has ``post = 0``.

    Parameters
    ----------
    points, pairs : DataFrame
        Canonical synapse tables.
    rois : ndarray of tuple of str
        Per point, its ROIs (:func:`~.synapse_rois.synapse_rois`).
    rows : tuple of ndarray, optional
        :func:`pair_rows` of the tables, when known.
    combinations : tuple, optional
        :func:`~.synapse_rois.roi_combinations` of ``rois``, when known.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``pre, post``
        (int64), one row per (connection, ROI), sorted by those three keys.
    """
    if pairs.empty:
        return pd.DataFrame({"bodyId_pre": pd.Series(dtype="int64"),
                             "bodyId_post": pd.Series(dtype="int64"),
                             "roi": pd.Series(dtype=object), "pre": pd.Series(dtype="int64"),
                             "post": pd.Series(dtype="int64")})
    pre_rows, post_rows = pair_rows(points, pairs) if rows is None else rows
    body = points["bodyId"].to_numpy(dtype="int64")
    codes, combos = roi_combinations(rois) if combinations is None else combinations
    post = _spread_over_rois(_group_sizes({"bodyId_pre": (body, pre_rows),
                                           "bodyId_post": (body, post_rows),
                                           "combo": (codes, post_rows)}), combos)
    tbar, partner = _distinct_tbars_per_partner(pre_rows, body[post_rows])
    pre = _spread_over_rois(_group_sizes({"bodyId_pre": (body, tbar), "bodyId_post": partner,
                                          "combo": (codes, tbar)}), combos)
    del tbar, partner
    out = pd.concat({"pre": pre, "post": post}, axis=1).fillna(0).astype("int64")
    out.index = out.index.set_names(["bodyId_pre", "bodyId_post", "roi"])
    return out.sort_index().reset_index()


def body_counts(points: pd.DataFrame, pairs: pd.DataFrame, rois: np.ndarray, *,
                rows: tuple[np.ndarray, np.ndarray] | None = None,
                combinations: tuple[np.ndarray, list[tuple]] | None = None
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per body, counts over its loaded synapses (see module docstring).

    ``rows`` (optional) is :func:`pair_rows` of the tables, and
    ``combinations`` :func:`~.synapse_rois.roi_combinations` of ``rois``, when known.

    Returns
    -------
    totals : DataFrame
        Index ``bodyId``; columns ``pre, post, upstream, downstream`` (int64).
    roi_counts : DataFrame
        Per (body, ROI) ``pre, post, upstream, downstream`` (Int64, NA where
        nothing was counted): a ROI-count frame (:mod:`.body_roi_counts`).
    """
    is_pre = (points["type"] == "pre").to_numpy()
    is_post = (points["type"] == "post").to_numpy()
    body = points["bodyId"].to_numpy(dtype="int64")
    totals = pd.DataFrame({"pre": pd.Series(body[is_pre]).value_counts(),
                           "post": pd.Series(body[is_post]).value_counts()})
    if len(pairs):
        pre_rows = (pair_rows(points, pairs) if rows is None else rows)[0]
        down = pd.Series(body[pre_rows], name="pre_id").value_counts()
    else:
        pre_rows = np.empty(0, dtype="int64")
        down = pd.Series(dtype="int64")
    totals = totals.join(down.rename("downstream"), how="outer")
    totals = totals.fillna(0).astype("int64")
    totals["upstream"] = totals["post"]
    totals.index = totals.index.astype("int64")
    totals.index.name = "bodyId"

    # Count per (body, side, distinct ROI tuple), then spread each count over
    # the tuple's ROIs.
    codes, combos = roi_combinations(rois) if combinations is None else combinations
    known = None if (is_pre | is_post).all() else np.flatnonzero(is_pre | is_post)
    by_side = _group_sizes({k: v if known is None else (v, known) for k, v in
                            (("bodyId", body), ("combo", codes),
                             ("type", is_post.astype(np.int8)))})
    spread = _spread_over_rois(by_side, combos)
    side = spread.index.get_level_values("type")
    counts = {}
    for t, name in enumerate(SYNAPSE_TYPES):
        counts[name] = spread[side == t].droplevel("type")
    counts["upstream"] = counts["post"]
    if len(pairs):
        by_tbar = _group_sizes({"bodyId": (body, pre_rows), "combo": (codes, pre_rows)})
        counts["downstream"] = _spread_over_rois(by_tbar, combos)
    return totals, roi_counts_frame(counts)
