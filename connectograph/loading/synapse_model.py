"""Derive the neuPrint model's synapse-level parts from canonical synapse tables
(pure pandas, no database). Definitions are in docs/data-model.md:

- A synapse lies in the ROI its source names plus that ROI's ancestors; one
  without an ROI lies in every ROI mesh containing it, plus their ancestors.
- A synapse-level connection counts in the *post* site's ROI (neuPrint's
  convention): per (pre body, post body), the primary ROI of each PSD, or
  ``NotPrimary`` when the PSD is in no primary ROI.
- Per body: ``pre`` = its T-bars, ``post`` = its PSDs, ``upstream`` = ``post``,
  ``downstream`` = PSDs its T-bars contact (``SynapsesTo`` edges leaving them);
  per ROI the same counts over the sites in that ROI (``downstream`` at the T-bar).
- Precedence: neuron-level per-ROI tables win for ``ConnectsTo`` per (pair, ROI);
  synapse-derived counts fill the (pair, ROI) cells the tables lack. Source neuron
  properties win over synapse-derived body counts, which fill what is missing.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pandas as pd

from .meshes import points_in_meshes, roi_ancestors
from .model import ROI_INFO_FROM_CONNECTIONS, ROI_INFO_FROM_SOURCE
from .tables import NOT_PRIMARY, Conflict, _MAX_CONFLICT_EXAMPLES

ROI_INFO_FROM_SYNAPSES = "synapses"
ROI_INFO_FROM_BOTH = "synapses and loaded connections"
COUNT_KEYS = ("pre", "post", "upstream", "downstream")


def synapse_rois(points: pd.DataFrame, roi_info: dict[str, dict], hierarchy: dict | None,
                 meshes: dict | None) -> tuple[np.ndarray, dict[str, int]]:
    """The ROIs each synapse lies in.

    Parameters
    ----------
    points : DataFrame
        Canonical synapse points (``roi`` may be None).
    roi_info, hierarchy : dict
        ROI definitions and hierarchy (for ancestors).
    meshes : dict or None
        ROI name → trimesh mesh, for points without an ROI.

    Returns
    -------
    rois : ndarray of tuple of str
        Per point, the sorted ROI names (source or mesh ROIs plus ancestors).
    stats : dict
        ``without_roi`` (points whose source names no ROI), ``from_meshes``
        (of those, inside at least one mesh), ``outside_meshes`` (inside none).
    """
    ancestors = roi_ancestors(roi_info, hierarchy) if roi_info else {}
    cache: dict[frozenset, tuple] = {}

    def closure(names) -> tuple:
        key = frozenset(names)
        if key not in cache:
            full = set(key)
            for n in key:
                full.update(ancestors.get(n, []))
            cache[key] = tuple(sorted(full))
        return cache[key]

    # Per point an index into `tuples` (the distinct ROI sets), so the Python
    # work is per distinct ROI, not per point.
    codes, names_given = pd.factorize(points["roi"], use_na_sentinel=True)
    tuples = [closure((name,)) for name in names_given] + [()]
    index = np.where(codes >= 0, codes, len(tuples) - 1)
    missing = np.flatnonzero(codes < 0)
    stats = {"without_roi": int(len(missing)), "from_meshes": 0, "outside_meshes": 0}
    if len(missing) and meshes:
        xyz = points[["x", "y", "z"]].to_numpy(dtype="float64")[missing]
        names = sorted(meshes)
        masks = points_in_meshes(xyz, {n: meshes[n] for n in names})
        matrix = np.column_stack([masks[n] for n in names])
        combos, inverse = np.unique(matrix, axis=0, return_inverse=True)
        index[missing] = len(tuples) + inverse.ravel()
        tuples += [closure(n for n, hit in zip(names, combo) if hit) for combo in combos]
        inside = matrix.any(axis=1)
        stats["from_meshes"] = int(inside.sum())
        stats["outside_meshes"] = int((~inside).sum())
    else:
        stats["outside_meshes"] = int(len(missing)) if meshes is not None else 0
    table = np.empty(len(tuples), dtype=object)
    for k, t in enumerate(tuples):
        table[k] = t
    return table[index], stats


def primary_rois(rois: np.ndarray, primary: set[str]) -> tuple[np.ndarray, int]:
    """Per point, its primary ROI or ``NotPrimary``; and how many points lie in
    more than one primary ROI (overlapping meshes; the first by name is kept)."""
    cache: dict[tuple, tuple[str, bool]] = {}
    several = 0
    out = np.empty(len(rois), dtype=object)
    for i, t in enumerate(rois):
        hit = cache.get(t)
        if hit is None:
            hits = [r for r in t if r in primary]
            hit = cache[t] = (hits[0] if hits else NOT_PRIMARY, len(hits) > 1)
        out[i] = hit[0]
        several += hit[1]
    return out, int(several)


def connections_from_synapses(points: pd.DataFrame, pairs: pd.DataFrame,
                              primary_roi: np.ndarray) -> pd.DataFrame:
    """Per-ROI connection rows from synapse pairs, counted at the PSD's primary ROI.

    Returns
    -------
    DataFrame
        ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str, a primary ROI or
        ``NotPrimary``), ``weight`` (int64: PSDs), ``_file`` (the synapse file).
    """
    if pairs.empty:
        return pd.DataFrame({"bodyId_pre": pd.Series(dtype="int64"),
                             "bodyId_post": pd.Series(dtype="int64"),
                             "roi": pd.Series(dtype=object), "weight": pd.Series(dtype="int64"),
                             "_file": pd.Series(dtype=object)})
    body = pd.Series(points["bodyId"].to_numpy(), index=points["id"].to_numpy())
    proi = pd.Series(primary_roi, index=points["id"].to_numpy())
    df = pd.DataFrame({"bodyId_pre": pairs["pre_id"].map(body).astype("int64"),
                       "bodyId_post": pairs["post_id"].map(body).astype("int64"),
                       "roi": pairs["post_id"].map(proi), "_file": pairs["file"]})
    key = ["bodyId_pre", "bodyId_post", "roi"]
    out = df.groupby(key, sort=True).size().rename("weight").reset_index()
    # Per row, the synapse files it comes from (", "-joined, sorted): one
    # membership column per distinct file, so no Python call per group.
    names = sorted(pd.unique(df["_file"].to_numpy(dtype=object)))
    if len(names) == 1:
        out["_file"] = names[0]
    else:
        hit = df[key].copy()
        for n in names:
            hit[n] = (df["_file"] == n).to_numpy()
        any_ = hit.groupby(key, sort=True)[names].any().reset_index(drop=True)
        combo, combos = pd.factorize(pd.Series(list(map(tuple, any_.to_numpy()))))
        text = [", ".join(n for n, h in zip(names, c) if h) for c in combos]
        out["_file"] = np.asarray(text, dtype=object)[combo]
    return out.astype({"weight": "int64"})


def merge_connections(tables: pd.DataFrame, synapse_rows: pd.DataFrame,
                      conflicts: list[Conflict]) -> tuple[pd.DataFrame, int]:
    """Per-ROI tables win per (pre, post, roi); synapse rows fill the cells they lack.

    Every (pair, ROI) on which both have a weight and differ is recorded in
    ``conflicts`` (kept: the table's weight).

    Returns
    -------
    merged : DataFrame
        ``bodyId_pre, bodyId_post, roi, weight`` (+ ``_file``).
    filled_in_table_pairs : int
        Synapse-derived (pair, ROI) cells added to pairs the tables also list
        (e.g. ROIs a table was not fetched for).
    """
    key = ["bodyId_pre", "bodyId_post", "roi"]
    if synapse_rows.empty:
        return tables, 0
    both = tables.merge(synapse_rows, on=key, suffixes=("", "_syn"))
    differ = both[both["weight"] != both["weight_syn"]]
    for (kept_file, file), grp in differ.groupby(["_file", "_file_syn"], sort=True):
        conflicts.append(Conflict(
            table="roi_connections", column="weight", kept_from=str(kept_file),
            overridden_from=str(file), count=len(grp),
            examples=[{"key": f"{r.bodyId_pre}->{r.bodyId_post} {r.roi}",
                       "kept": int(r.weight), "dropped": int(r.weight_syn)}
                      for r in grp.head(_MAX_CONFLICT_EXAMPLES).itertuples()]))
    have = pd.MultiIndex.from_frame(tables[key])
    new = synapse_rows[~pd.MultiIndex.from_frame(synapse_rows[key]).isin(have)]
    table_pairs = pd.MultiIndex.from_frame(tables[["bodyId_pre", "bodyId_post"]])
    filled = int(pd.MultiIndex.from_frame(new[["bodyId_pre", "bodyId_post"]])
                 .isin(table_pairs).sum())
    merged = pd.concat([tables, new[tables.columns.intersection(new.columns)]],
                       ignore_index=True)
    return merged.astype({"bodyId_pre": "int64", "bodyId_post": "int64",
                          "weight": "int64"}), filled


def body_counts(points: pd.DataFrame, pairs: pd.DataFrame, rois: np.ndarray
                ) -> tuple[pd.DataFrame, dict[int, dict[str, dict[str, int]]]]:
    """Per body, counts over its loaded synapses (see module docstring).

    Returns
    -------
    totals : DataFrame
        Index ``bodyId``; columns ``pre, post, upstream, downstream`` (int64).
    roi_info : dict
        bodyId → {roi: {pre, post, upstream, downstream}} (zero counts omitted).
    """
    kind = points["type"].to_numpy()
    body = points["bodyId"].to_numpy()
    totals = pd.DataFrame({"pre": pd.Series(body[kind == "pre"]).value_counts(),
                           "post": pd.Series(body[kind == "post"]).value_counts()})
    body_of = pd.Series(body, index=points["id"].to_numpy())
    down = pairs["pre_id"].map(body_of).value_counts() if len(pairs) else pd.Series(dtype="int64")
    totals = totals.join(down.rename("downstream"), how="outer")
    totals = totals.fillna(0).astype("int64")
    totals["upstream"] = totals["post"]
    totals.index = totals.index.astype("int64")
    totals.index.name = "bodyId"

    long = pd.DataFrame({"bodyId": body, "type": kind,
                         "roi": pd.Series(list(rois), dtype=object)}).explode("roi")
    long = long.dropna(subset=["roi"])
    info: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    for (b, roi, t), n in long.groupby(["bodyId", "roi", "type"]).size().items():
        entry = info[int(b)].setdefault(roi, {})
        entry[t] = int(n)
        if t == "post":
            entry["upstream"] = int(n)
    if len(pairs):
        roi_of = pd.Series(list(rois), index=points["id"].to_numpy(), dtype=object)
        dl = pd.DataFrame({"bodyId": pairs["pre_id"].map(body_of).to_numpy(),
                           "roi": pairs["pre_id"].map(roi_of).to_numpy()}).explode("roi")
        for (b, roi), n in dl.dropna(subset=["roi"]).groupby(["bodyId", "roi"]).size().items():
            info[int(b)].setdefault(roi, {})["downstream"] = int(n)
    return totals, dict(info)


def _max_merge(a: dict, b: dict) -> dict:
    out = {roi: dict(c) for roi, c in a.items()}
    for roi, counts in b.items():
        entry = out.setdefault(roi, {})
        for k, v in counts.items():
            entry[k] = max(int(entry.get(k, 0)), int(v))
    return out


def fill_bodies(neurons: pd.DataFrame, totals: pd.DataFrame,
                roi_info: dict[int, dict], conflicts: list[Conflict]) -> pd.DataFrame:
    """Fill bodies' missing counts and roiInfo from their loaded synapses.

    - ``pre, post, upstream, downstream``: the source's value when given, else
      the synapse count. A synapse count *above* the source's value (which
      should count every synapse) is a conflict; the source's value is kept.
    - ``roiInfo`` of bodies without a source roiInfo: per ROI and count, the
      larger of the synapse-derived and the connection-derived count (both are
      lower bounds when only part of a body's synapses is loaded);
      ``roiInfoSource`` says which were used.
    """
    neurons = neurons.copy()
    ids = totals.index.intersection(neurons.index)
    for col in COUNT_KEYS:
        if col not in neurons.columns:
            neurons[col] = pd.Series(pd.NA, index=neurons.index, dtype="Int64")
        current = neurons.loc[ids, col]
        syn = totals.loc[ids, col]
        over = current.notna() & (syn > current.fillna(0).astype("int64"))
        if over.any():
            bad = over[over].index
            conflicts.append(Conflict(
                table="neurons", column=col, kept_from="neuron tables",
                overridden_from="synapse tables (more synapses than the stated total)",
                count=len(bad), examples=[{"key": int(b), "kept": int(current[b]),
                                           "dropped": int(syn[b])}
                                          for b in bad[:_MAX_CONFLICT_EXAMPLES]]))
        fill = current.isna()
        neurons[col] = neurons[col].astype("Int64")
        neurons.loc[fill[fill].index, col] = syn[fill].astype("int64")
    if "roiInfo" not in neurons.columns:
        neurons["roiInfo"] = None
    if "roiInfoSource" not in neurons.columns:
        neurons["roiInfoSource"] = None
    neurons["roiInfo"] = neurons["roiInfo"].astype(object)
    neurons["roiInfoSource"] = neurons["roiInfoSource"].astype(object)
    for b, derived in roi_info.items():
        if b not in neurons.index or neurons.at[b, "roiInfoSource"] == ROI_INFO_FROM_SOURCE:
            continue
        text = neurons.at[b, "roiInfo"]
        if neurons.at[b, "roiInfoSource"] == ROI_INFO_FROM_CONNECTIONS and isinstance(text, str):
            merged, source = _max_merge(json.loads(text), derived), ROI_INFO_FROM_BOTH
        else:
            merged, source = derived, ROI_INFO_FROM_SYNAPSES
        neurons.at[b, "roiInfo"] = json.dumps(merged, sort_keys=True)
        neurons.at[b, "roiInfoSource"] = source
    return neurons


def synapse_sets(points: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """neuPrint's SynapseSets: per connected (pre body, post body), one set on
    each side.

    Returns
    -------
    DataFrame
        One row per pair of bodies: ``bodyId_pre, bodyId_post`` (int64),
        ``pre_ids`` (distinct T-bar ids of the pre body contacting the post
        body), ``post_ids`` (PSD ids of the post body contacted by it).
    """
    body_of = pd.Series(points["bodyId"].to_numpy(), index=points["id"].to_numpy())
    df = pd.DataFrame({"bodyId_pre": pairs["pre_id"].map(body_of).astype("int64").to_numpy(),
                       "bodyId_post": pairs["post_id"].map(body_of).astype("int64").to_numpy(),
                       "pre_id": pairs["pre_id"].to_numpy(dtype="int64"),
                       "post_id": pairs["post_id"].to_numpy(dtype="int64")})
    key = ["bodyId_pre", "bodyId_post"]
    # Sorted by (pair, id): each pair's ids are one run, cut where the pair changes.
    pre = df[key + ["pre_id"]].drop_duplicates().sort_values(key + ["pre_id"])
    post = df[key + ["post_id"]].sort_values(key + ["post_id"])

    def runs(frame: pd.DataFrame, col: str) -> tuple[pd.DataFrame, list]:
        a, b = frame["bodyId_pre"].to_numpy(), frame["bodyId_post"].to_numpy()
        starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])])
        lists = [x.tolist() for x in np.split(frame[col].to_numpy(), starts[1:])]
        return frame.iloc[starts][key].reset_index(drop=True), lists

    out, pre_ids = runs(pre, "pre_id")
    _, post_ids = runs(post, "post_id")
    out["pre_ids"] = pd.Series(pre_ids, dtype=object)
    out["post_ids"] = pd.Series(post_ids, dtype=object)
    return out
