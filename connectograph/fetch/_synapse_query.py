"""Shared pieces of the synapse-level fetch functions: argument checks, the
bounding-box condition, body batches and turning returned rows into frames."""

from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

from ..client import Client
from ..criteria import NeuronCriteria, SynapseCriteria
from ..errors import CriteriaError, DatasetLacksError
from ..identifiers import property_access
from ..vocabulary import SYNAPSE_TYPES
from ._dataset import DatasetInfo, dataset_info

#: The ``type`` column's dtype: the synapse types as categories, as neuprint-python.
SYNAPSE_TYPE_DTYPE = pd.CategoricalDtype(categories=list(SYNAPSE_TYPES), ordered=False)


def checked_synapse_criteria(sc: SynapseCriteria | None, client: Client) -> SynapseCriteria:
    """``sc`` (default ``SynapseCriteria()``) with its ROIs checked against the dataset.

    Raises
    ------
    CriteriaError
        ``sc`` is not a SynapseCriteria, or lists a non-primary ROI with
        ``primary_only=True``.
    UnknownRoiError
        An ROI not in the dataset (closest names listed).
    """
    if sc is None:
        sc = SynapseCriteria()
    if not isinstance(sc, SynapseCriteria):
        raise CriteriaError(f"synapse_criteria must be a SynapseCriteria or None, not {sc!r}")
    info = dataset_info(client)
    return sc.validate(info.all_rois, info.primary_rois)


def default_confidence(info: DatasetInfo) -> float:
    """``Meta.postHighAccuracyThreshold`` (0.0 when the dataset has none)."""
    value = info.meta.get("postHighAccuracyThreshold")
    return float(value) if value is not None else 0.0


def returned_rois(sc: SynapseCriteria, info: DatasetInfo) -> list[str]:
    """The ROI names a synapse may be reported in: primary ROIs with
    ``primary_only``, else every ROI (neuprint-python's choice)."""
    return list(info.primary_rois if sc.primary_only else info.all_rois)


#: Cypher keeping the keys of ``{var}`` that name one of the ROIs in ``$roi_set``
#: (a map ``{roi: true}``: a hash lookup per key, where ``k IN $list`` compares
#: each key with every listed ROI; 2x faster per site with the 66 hemibrain
#: primary ROIs, measured).
ROI_KEYS = "[k IN keys({var}) WHERE $roi_set[k]]"


def roi_set(rois) -> dict[str, bool]:
    """The ``$roi_set`` parameter of :data:`ROI_KEYS`."""
    return {name: True for name in rois}


def check_bbox(bbox) -> tuple[dict, dict] | None:
    """``[[x0, y0, z0], [x1, y1, z1]]`` (voxels) → the two corner maps for
    ``point.withinBBox``, or None.

    Raises
    ------
    CriteriaError
        Not two corners of three finite numbers, or a lower corner above the upper.
    """
    if bbox is None:
        return None
    try:
        corners = [[c for c in corner] for corner in bbox]
    except TypeError:
        corners = None
    ok = (corners is not None and len(corners) == 2 and all(len(c) == 3 for c in corners)
          and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                  and math.isfinite(float(v)) for c in corners for v in c))
    if not ok:
        raise CriteriaError(
            f"bbox must be [[x0, y0, z0], [x1, y1, z1]] (two corners in voxels, finite "
            f"numbers), not {bbox!r}")
    lo, hi = ([float(v) for v in c] for c in corners)
    if any(a > b for a, b in zip(lo, hi)):
        raise CriteriaError(
            f"bbox lower corner {lo} lies above its upper corner {hi} on some axis; give "
            "[[min x, min y, min z], [max x, max y, max z]]")
    return dict(zip("xyz", lo)), dict(zip("xyz", hi))


def check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
            or batch_size < 1:
        raise CriteriaError(f"batch_size must be a positive integer, not {batch_size!r}")
    return int(batch_size)


def body_batches(nc: NeuronCriteria, batch_size: int, *, client: Client) -> list[list[int] | None]:
    """Split the bodies ``nc`` matches into lists of at most ``batch_size``.

    ``[None]`` means one query with no extra body condition: ``nc`` lists at
    most ``batch_size`` bodyIds. Otherwise the matching bodyIds are fetched
    first (sorted), as neuprint-python does.
    """
    if nc.bodyId and len(set(nc.bodyId)) <= batch_size:
        return [None]
    ds = client.dataset
    where, params = nc.where(ds, "n")
    rows = client.read(f"MATCH {nc.match(ds, 'n')} WHERE {where} "
                       "RETURN n.bodyId AS bodyId ORDER BY bodyId", params)
    bodies = [r["bodyId"] for r in rows]
    return [bodies[i:i + batch_size] for i in range(0, len(bodies), batch_size)]


def coordinates(values: pd.Series) -> pd.Series:
    """Voxel coordinates as int32 (neuprint-python's dtype) when all are whole
    numbers, else float64 (kept exact)."""
    v = pd.to_numeric(values, errors="coerce").astype("float64")
    if len(v) and np.isfinite(v).all() and (v == np.round(v)).all() \
            and v.abs().max() < 2**31:
        return v.astype("int32")
    if not len(v):
        return v.astype("int32")
    return v


def roi_column(lists: pd.Series, primary_only: bool) -> pd.Series:
    """Per-site ROI lists → neuprint-python's ``roi_pre``/``roi_post`` values:
    the single ROI (or None) with ``primary_only``, else the sorted list
    (``[None]`` for a site in none)."""
    if primary_only:
        return lists.map(lambda rs: sorted(rs)[0] if rs else None).astype(object)
    return lists.map(lambda rs: sorted(rs) if rs else [None]).astype(object)


# --- per-synapse transmitter predictions (the ``nt`` argument) ------------------------------

#: The ``nt`` argument's values, as neuprint-python 0.6.4 takes them.
NT_OPTIONS = (None, "max", "all")


def nt_properties(nt, info: DatasetInfo, dataset: str) -> list[str]:
    """The T-bar properties to fetch for ``nt``: none for ``None``, else the
    keys of the dataset's ``Meta.ntSynapseProperties`` (neuPrint's list of
    per-synapse transmitter probabilities, ``nt<Transmitter>Prob``), sorted
    as neuprint-python sorts them.

    Raises
    ------
    CriteriaError
        ``nt`` is not None, ``'max'`` or ``'all'``.
    DatasetLacksError
        ``nt`` asks for predictions the dataset does not have.
    """
    if not (nt is None or (isinstance(nt, str) and nt in NT_OPTIONS)):
        raise CriteriaError(f"nt must be None, 'max' or 'all', not {nt!r}")
    if nt is None:
        return []
    names = sorted(info.meta.get("ntSynapseProperties") or {})
    if not names:
        raise DatasetLacksError(
            f"dataset {dataset} has no per-synapse transmitter predictions (its Meta lists no "
            "ntSynapseProperties); call without nt, or load a recipe that maps them "
            "([synapses.transmitter] or pre_properties, see docs/recipes.md)",
            lacks="per-synapse transmitter predictions")
    return names


def nt_column_name(prop: str) -> str:
    """neuprint-python's column for a transmitter property: every ``'nt'`` and
    ``'Prob'`` removed, lower case (``ntGabaProb`` → ``gaba``)."""
    return prop.replace("nt", "").replace("Prob", "").lower()


def nt_fields(var: str, props: list[str]) -> tuple[str, list[str]]:
    """Cypher projections of ``var``'s transmitter properties (names escaped)
    and their field names (``nt_0``, ``nt_1``...), for a final ``WITH``."""
    fields = [f"nt_{i}" for i in range(len(props))]
    text = "".join(f", {property_access(var, p)} AS {f}" for p, f in zip(props, fields))
    return text, fields


def nt_columns(nt, props: list[str], values: pd.DataFrame | None) -> dict[str, pd.Series]:
    """The ``nt`` columns of neuprint-python 0.6.4 from ``values`` (one
    float column per property of ``props``, NaN where a site has none):

    ``'max'``
        ``nt`` (categorical over every transmitter's column name, in
        ``props``' order: the most probable transmitter, the first in that
        order on a tie) and ``ntProb`` (float32, its probability); None and
        NaN for a site with no probability (every PSD).
    ``'all'``
        one float32 column per transmitter (:func:`nt_column_name`).

    Unlike neuprint-python, a site holding only some of the probabilities
    (a source that gives just the winner's) gets the most probable of those
    it holds. ``values`` None gives the empty columns.
    """
    names = [nt_column_name(p) for p in props]
    if values is None:
        values = pd.DataFrame({p: pd.Series(dtype="float64") for p in props})
    if nt == "all":
        return {n: pd.to_numeric(values[p]).astype("float32") for n, p in zip(names, props)}
    probs = values[props].apply(pd.to_numeric).to_numpy(dtype="float64")
    known = ~np.isnan(probs)
    best = np.where(known, probs, -np.inf).argmax(axis=1) if len(probs) else \
        np.zeros(0, dtype=int)
    some = known.any(axis=1)
    codes = np.where(some, best, -1)
    prob = np.where(some, probs[np.arange(len(probs)), best] if len(probs) else 0.0, np.nan)
    return {"nt": pd.Series(pd.Categorical.from_codes(codes, categories=names),
                            index=values.index),
            "ntProb": pd.Series(prob, index=values.index, dtype="float32")}
