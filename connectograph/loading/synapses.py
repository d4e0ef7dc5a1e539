"""Synapse sources → canonical synapse tables, validated before anything is written.

Canonical tables (pandas DataFrames held by pydantic models whose validators
check them, so a table that exists is a valid one):

:class:`SynapsePoints`
    one row per synapse site: ``id`` (int64, unique), ``bodyId`` (int64),
    ``type`` (``"pre"`` = T-bar, ``"post"`` = PSD, neuPrint's names), ``x, y, z``
    (float64, voxels of the dataset, e.g. 8 nm), ``confidence`` (float64 in
    [0, 1], NaN when the source has none), ``roi`` (str or None: the ROI the
    source gives); provenance ``file`` (str), ``row`` (1-based data row),
    ``source`` (index of the recipe's ``[[synapses]]`` entry) and ``bodyColumn``
    (the source column holding the body, for error messages).
:class:`SynapsePairs`
    ``pre_id, post_id`` (int64): T-bar → PSD, one row per PSD (a T-bar contacts
    several PSDs, a PSD has one T-bar); provenance ``file``, ``row``, ``source``.

Sources without synapse ids (``fetch_synapse_connections`` exports, CATMAID
connector tables) get ids minted by :func:`mint_synapse_ids` from body, type and
location, so the same site gets the same id in every row, file and load.
Several sources merge by precedence (first listed wins for a site's
confidence and ROI); disagreements become :class:`~.tables.Conflict` entries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, ValidationError as PydanticValidationError, \
    model_validator

from ..errors import ValidationError
from .recipe import Recipe, SynapsePartnerSource, SynapseSource
from .tables import Conflict, _MAX_CONFLICT_EXAMPLES, _to_int

SYNAPSE_TYPES = ("pre", "post")
#: CATMAID's connector relation numbers (navis ``connectors.type`` for CATMAID
#: neurons): 0 presynaptic_to, 1 postsynaptic_to; 2 (gap junction) and 3
#: (abutting) are not chemical synapses and are rejected.
CATMAID_RELATIONS = {"0": "pre", "1": "post"}
_POINT_COLUMNS = ["id", "bodyId", "type", "x", "y", "z", "confidence", "roi",
                  "file", "row", "source", "bodyColumn"]


# --- ids -------------------------------------------------------------------------------------

def mint_synapse_ids(body: Any, type_: Any, x: Any, y: Any, z: Any) -> np.ndarray:
    """Stable int64 ids for synapse sites that have none.

    The id is a 63-bit hash (pandas' vectorised, keyed-by-a-constant
    ``hash_pandas_object``) of (bodyId, type, x, y, z): the same site gets the same
    id in every row, file and load, independently of row order.

    Parameters
    ----------
    body : array-like of int64
    type_ : array-like of str
        ``"pre"`` or ``"post"``.
    x, y, z : array-like of float
        Location in voxels (``-0.0`` and ``0.0`` are the same place).

    Returns
    -------
    numpy.ndarray of int64, all >= 0.
    """
    frame = pd.DataFrame({
        "bodyId": np.asarray(body, dtype="int64"),
        "type": pd.Series(np.asarray(type_, dtype=object)).astype(str).to_numpy(),
        # + 0.0 turns -0.0 into 0.0
        "x": np.asarray(x, dtype="float64") + 0.0,
        "y": np.asarray(y, dtype="float64") + 0.0,
        "z": np.asarray(z, dtype="float64") + 0.0,
    })
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype="uint64")
    return (hashed & np.uint64(0x7FFF_FFFF_FFFF_FFFF)).astype("int64")


# --- canonical tables --------------------------------------------------------------------------

def _first(mask: pd.Series | np.ndarray) -> int:
    return int(np.flatnonzero(np.asarray(mask))[0])


class _Table(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    frame: pd.DataFrame

    @classmethod
    def build(cls, frame: pd.DataFrame):
        """Validate ``frame``; raise :class:`ValidationError` (not pydantic's)."""
        try:
            return cls(frame=frame)
        except PydanticValidationError as err:
            for e in err.errors():
                original = (e.get("ctx") or {}).get("error")
                if isinstance(original, ValidationError):
                    raise original from None
            raise


class SynapsePoints(_Table):
    """The canonical synapse-point table (see module docstring).

    Raises
    ------
    ValidationError
        Naming file, row and column: non-finite coordinates, type not pre/post,
        confidence outside [0, 1], duplicate ids.
    """

    @model_validator(mode="after")
    def _check(self) -> "SynapsePoints":
        df = self.frame
        missing = [c for c in _POINT_COLUMNS if c not in df.columns]
        if missing:
            raise ValidationError(f"synapse table lacks columns {missing}")
        for col in ("id", "bodyId"):
            if df[col].dtype != np.int64:
                raise ValidationError(f"synapse column {col!r} must be int64")
        bad = ~df["type"].isin(SYNAPSE_TYPES)
        if bad.any():
            i = _first(bad)
            raise ValidationError(f"type {df['type'].iloc[i]!r} is neither 'pre' nor 'post'",
                                  file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                  column="type")
        for col in ("x", "y", "z"):
            bad = ~np.isfinite(df[col].to_numpy(dtype="float64"))
            if bad.any():
                i = _first(bad)
                raise ValidationError("coordinate is missing or not a finite number",
                                      file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                      column=col)
        conf = df["confidence"].to_numpy(dtype="float64")
        bad = ~np.isnan(conf) & ((conf < 0) | (conf > 1))
        if bad.any():
            i = _first(bad)
            raise ValidationError(f"confidence {conf[i]} is outside [0, 1]",
                                  file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                  column="confidence")
        _reject_duplicates(df, "id", "duplicate synapse id {value}",
                           "every synapse must be listed once")
        return self


def _reject_duplicates(df: pd.DataFrame, column: str, what: str, rule: str) -> None:
    """Raise ValidationError at the second row repeating a value of ``column``,
    naming the first row too. ``what`` is formatted with ``value``."""
    dup = df[column].duplicated()
    if dup.any():
        i = _first(dup)
        j = _first(df[column] == df[column].iloc[i])
        raise ValidationError(
            f"{what.format(value=df[column].iloc[i])} (also {df['file'].iloc[j]} row "
            f"{df['row'].iloc[j]}); {rule}",
            file=df["file"].iloc[i], row=int(df["row"].iloc[i]), column=column)


class SynapsePairs(_Table):
    """The canonical T-bar → PSD table (see module docstring)."""

    @model_validator(mode="after")
    def _check(self) -> "SynapsePairs":
        df = self.frame
        for col in ("pre_id", "post_id"):
            if col not in df.columns or df[col].dtype != np.int64:
                raise ValidationError(f"synapse pair column {col!r} must be int64")
        _reject_duplicates(df, "post_id", "PSD {value} is paired twice", "a PSD has one T-bar")
        return self


def empty_points() -> pd.DataFrame:
    return pd.DataFrame({
        "id": pd.Series(dtype="int64"), "bodyId": pd.Series(dtype="int64"),
        "type": pd.Series(dtype=object), "x": pd.Series(dtype="float64"),
        "y": pd.Series(dtype="float64"), "z": pd.Series(dtype="float64"),
        "confidence": pd.Series(dtype="float64"), "roi": pd.Series(dtype=object),
        "file": pd.Series(dtype=object), "row": pd.Series(dtype="int64"),
        "source": pd.Series(dtype="int64"), "bodyColumn": pd.Series(dtype=object)})


def empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"pre_id": pd.Series(dtype="int64"), "post_id": pd.Series(dtype="int64"),
                         "file": pd.Series(dtype=object), "row": pd.Series(dtype="int64"),
                         "source": pd.Series(dtype="int64")})


# --- reading one source ---------------------------------------------------------------------

def _read(path: Path, fmt: str, columns: dict[str, str]) -> pd.DataFrame:
    if fmt == "parquet":
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed:")])
    return df.rename(columns={source: canonical for canonical, source in columns.items()})


def _numbers(raw: pd.Series) -> pd.Series:
    """float64 of a column (NaN for empty cells): pyarrow's strict cast when every
    cell is a number (~30x faster than ``pd.to_numeric`` on text), else pandas'
    coercion, which turns bad cells into NaN for the caller to report."""
    try:
        arr = pc.cast(pa.array(raw, from_pandas=True), pa.float64())
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=raw.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.to_numeric(raw, errors="coerce").astype("float64")


def _texts(raw: pd.Series) -> pd.Series:
    """Stripped texts as objects, None for missing cells."""
    return raw.astype("str").str.strip().astype(object).where(raw.notna(), None)


def _float(df: pd.DataFrame, col: str, file: str, label: str, *,
           required: bool) -> np.ndarray:
    if col not in df.columns:
        if required:
            raise ValidationError(f"column {label!r} is missing", file=file)
        return np.full(len(df), np.nan)
    raw = df[col]
    nums = _numbers(raw)
    bad = nums.isna() & raw.notna()
    if required:
        bad |= raw.isna()
    bad |= nums.notna() & ~np.isfinite(nums)
    if bad.any():
        i = _first(bad)
        raise ValidationError(f"{raw.iloc[i]!r} is not a finite number", file=file, row=i + 1,
                              column=label)
    return nums.to_numpy()


def _rois(df: pd.DataFrame, col: str, file: str, label: str,
          roi_names: set[str] | None) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), None, dtype=object)
    s = _texts(df[col])
    s = s.where(s.notna() & (s != ""), None)
    if roi_names is not None:
        unknown = s.notna() & ~s.isin(roi_names)
        if unknown.any():
            i = _first(unknown)
            raise ValidationError(
                f"ROI {s.iloc[i]!r} is not in the recipe's ROI definitions", file=file,
                row=i + 1, column=label)
    return s.to_numpy(dtype=object)


def _bodies(df: pd.DataFrame, col: str, file: str, label: str) -> np.ndarray:
    ids = _to_int(pd.DataFrame({label: df[col]}), label, file)
    if ids.isna().any():
        i = _first(ids.isna())
        raise ValidationError("body id is empty", file=file, row=i + 1, column=label)
    return ids.astype("int64").to_numpy()


def _points_frame(*, ids, body, type_, x, y, z, confidence, roi, file, rows, source,
                  body_column) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame({
        "id": np.asarray(ids, dtype="int64"), "bodyId": np.asarray(body, dtype="int64"),
        "type": np.asarray(type_, dtype=object), "x": x, "y": y, "z": z,
        "confidence": confidence, "roi": roi, "file": np.full(n, file, dtype=object),
        "row": np.asarray(rows, dtype="int64"), "source": np.full(n, source, dtype="int64"),
        "bodyColumn": np.asarray(body_column, dtype=object)})


def _check_confidence(values: np.ndarray, file: str, label: str) -> None:
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        i = _first(bad)
        raise ValidationError(f"confidence {values[i]} is outside [0, 1]", file=file, row=i + 1,
                              column=label)


def read_synapse_connections(path: Path, src: SynapseSource, source: int,
                             roi_names: set[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ``fetch_synapse_connections`` export as (points, pairs).

    A T-bar with several PSDs is one point (its rows must agree on confidence
    and ROI); each PSD is one point and one pair.

    Raises
    ------
    ValidationError
        Bad body ids, coordinates, confidences or ROI names; a T-bar whose rows
        disagree; a PSD listed twice (file, row and the source's column name).
    """
    file = str(path)
    df = _read(path, src.format, src.columns)
    name = {c: src.columns.get(c, c) for c in
            ("bodyId_pre", "bodyId_post", "roi_pre", "roi_post", "x_pre", "y_pre", "z_pre",
             "x_post", "y_post", "z_post", "confidence_pre", "confidence_post")}
    rows = np.arange(1, len(df) + 1)
    sides = {}
    for side in SYNAPSE_TYPES:
        body = _bodies(df, f"bodyId_{side}", file, name[f"bodyId_{side}"])
        xyz = [_float(df, f"{a}_{side}", file, name[f"{a}_{side}"], required=True)
               for a in "xyz"]
        conf = _float(df, f"confidence_{side}", file, name[f"confidence_{side}"],
                      required=False)
        _check_confidence(conf, file, name[f"confidence_{side}"])
        roi = _rois(df, f"roi_{side}", file, name[f"roi_{side}"], roi_names)
        ids = mint_synapse_ids(body, np.full(len(df), side), *xyz)
        sides[side] = _points_frame(ids=ids, body=body, type_=np.full(len(df), side, dtype=object),
                                    x=xyz[0], y=xyz[1], z=xyz[2], confidence=conf, roi=roi,
                                    file=file, rows=rows, source=source,
                                    body_column=np.full(len(df), name[f"bodyId_{side}"]))
    pre, post = sides["pre"], sides["post"]
    # One T-bar, several rows: they must describe the same site.
    for col, label in (("confidence", name["confidence_pre"]), ("roi", name["roi_pre"])):
        values = pre[col].astype(object).where(pre[col].notna(), "<empty>")
        n_values = values.groupby(pre["id"]).transform("nunique")
        bad = n_values > 1
        if bad.any():
            i = _first(bad)
            j = _first((pre["id"] == pre["id"].iloc[i]) & (values != values.iloc[i]))
            raise ValidationError(
                f"the T-bar at ({pre['x'].iloc[i]:g}, {pre['y'].iloc[i]:g}, {pre['z'].iloc[i]:g}) "
                f"of body {pre['bodyId'].iloc[i]} has {label} {values.iloc[i]!r} here but "
                f"{values.iloc[j]!r} in row {j + 1}", file=file, row=i + 1, column=label)
    dup = post["id"].duplicated()
    if dup.any():
        i = _first(dup)
        j = _first(post["id"] == post["id"].iloc[i])
        raise ValidationError(
            f"the PSD at ({post['x'].iloc[i]:g}, {post['y'].iloc[i]:g}, {post['z'].iloc[i]:g}) of "
            f"body {post['bodyId'].iloc[i]} is paired twice (also row {j + 1}); a PSD has one "
            "T-bar", file=file, row=i + 1, column=name["x_post"])
    pairs = pd.DataFrame({"pre_id": pre["id"].to_numpy(), "post_id": post["id"].to_numpy(),
                          "file": file, "row": rows, "source": source})
    pairs = SynapsePairs.build(pairs).frame
    points = pd.concat([pre.drop_duplicates("id"), post], ignore_index=True)
    return points, pairs


def _body_of_file(path: Path, src: SynapseSource, n: int, df: pd.DataFrame,
                  file: str) -> tuple[np.ndarray, str]:
    label = src.columns.get("bodyId", "bodyId")
    if "bodyId" in df.columns:
        return _bodies(df, "bodyId", file, label), label
    if src.bodyId is not None:
        return np.full(n, src.bodyId, dtype="int64"), "bodyId (recipe)"
    if re.fullmatch(r"\d+", path.stem):
        return np.full(n, int(path.stem), dtype="int64"), "bodyId (file name)"
    raise ValidationError("cannot tell the synapses' body: add a bodyId column, give bodyId in "
                          "the recipe, or name the file <bodyId>.csv", file=file)


def read_connectors(path: Path, src: SynapseSource, source: int,
                    roi_names: set[str] | None) -> pd.DataFrame:
    """A CATMAID/navis connector table of one body as points (no partners).

    ``type`` is ``pre``/``post`` (neuPrint-derived tables, as navis' hemibrain
    examples) or CATMAID's relation number (0 presynaptic, 1 postsynaptic).
    ``connector_id`` and ``node_id`` are not used: in navis' neuPrint-derived
    tables ``connector_id`` is a per-file row number, not a shared connector.

    Raises
    ------
    ValidationError
        Unknown type (gap junctions and abutting relations included), bad
        coordinates, confidence or ROI, or the same site listed twice.
    """
    file = str(path)
    df = _read(path, src.format, src.columns)
    n = len(df)
    body, body_label = _body_of_file(path, src, n, df, file)
    type_label = src.columns.get("type", "type")
    raw = df["type"].astype(object).map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    raw = raw.map(lambda v: v[:-2] if v and re.fullmatch(r"\d+\.0", v) else v)
    types = raw.map(lambda v: CATMAID_RELATIONS.get(v, v))
    bad = ~types.isin(SYNAPSE_TYPES)
    if bad.any():
        i = _first(bad)
        raise ValidationError(
            f"type {df['type'].iloc[i]!r} is not a synapse side: use 'pre'/'post' or CATMAID's "
            "0 (presynaptic) / 1 (postsynaptic); gap junctions (2) and abutting (3) cannot be "
            "loaded as synapses", file=file, row=i + 1, column=type_label)
    xyz = [_float(df, a, file, src.columns.get(a, a), required=True) for a in "xyz"]
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False)
    _check_confidence(conf, file, src.columns.get("confidence", "confidence"))
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names)
    ids = mint_synapse_ids(body, types.to_numpy(), *xyz)
    points = _points_frame(ids=ids, body=body, type_=types.to_numpy(dtype=object), x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=np.arange(1, n + 1), source=source,
                           body_column=np.full(n, body_label))
    dup = points["id"].duplicated()
    if dup.any():
        i = _first(dup)
        j = _first(points["id"] == points["id"].iloc[i])
        raise ValidationError(
            f"duplicate synapse: same body, type and location as row {j + 1}", file=file,
            row=i + 1, column=src.columns.get("x", "x"))
    return points


def read_point_table(path: Path, src: SynapseSource, source: int,
                     roi_names: set[str] | None) -> pd.DataFrame:
    """The canonical point table with explicit ids (``kind = "points"``)."""
    file = str(path)
    df = _read(path, src.format, src.columns)
    n = len(df)
    ids = _bodies(df, "id", file, src.columns.get("id", "id"))
    body, body_label = _body_of_file(path, src, n, df, file)
    types = _texts(df["type"]).str.lower().where(df["type"].notna(), None)
    xyz = [_float(df, a, file, src.columns.get(a, a), required=True) for a in "xyz"]
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False)
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names)
    points = _points_frame(ids=ids, body=body, type_=types.to_numpy(dtype=object), x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=np.arange(1, n + 1), source=source,
                           body_column=np.full(n, body_label))
    return SynapsePoints.build(points).frame


def read_partner_table(path: Path, src: SynapsePartnerSource, source: int) -> pd.DataFrame:
    """A canonical ``pre_id, post_id`` table."""
    file = str(path)
    df = _read(path, src.format, src.columns)
    out = pd.DataFrame({
        "pre_id": _bodies(df, "pre_id", file, src.columns.get("pre_id", "pre_id")),
        "post_id": _bodies(df, "post_id", file, src.columns.get("post_id", "post_id")),
        "file": file, "row": np.arange(1, len(df) + 1), "source": source})
    return SynapsePairs.build(out).frame


# --- all sources ----------------------------------------------------------------------------

def _merge_points(frames: list[pd.DataFrame], conflicts: list[Conflict]) -> pd.DataFrame:
    """First source wins per synapse id; differing confidence/ROI (or body, type,
    location for explicit ids) become conflicts."""
    if not frames:
        return empty_points()
    allp = pd.concat(frames, ignore_index=True)
    # Within one file a repeated id is an error; across files it is the same site.
    within = allp.duplicated(["id", "file"])
    if within.any():
        i = _first(within)
        j = _first((allp["id"] == allp["id"].iloc[i]) & (allp["file"] == allp["file"].iloc[i]))
        raise ValidationError(f"duplicate synapse id {allp['id'].iloc[i]} (also row "
                              f"{allp['row'].iloc[j]})", file=allp["file"].iloc[i],
                              row=int(allp["row"].iloc[i]), column="id")
    kept = allp.drop_duplicates("id", keep="first")
    repeats = allp[allp.duplicated("id", keep="first")]
    if len(repeats):
        joined = repeats.merge(kept, on="id", suffixes=("", "_kept"))
        for col in ("confidence", "roi", "bodyId", "type", "x", "y", "z"):
            a, b = joined[f"{col}_kept"], joined[col]
            differ = a.notna() & b.notna() & (a.astype(str) != b.astype(str))
            grp_rows = joined[differ]
            for (kept_file, file), grp in grp_rows.groupby(["file_kept", "file"], sort=True):
                conflicts.append(Conflict(
                    table="synapses", column=col, kept_from=str(kept_file),
                    overridden_from=str(file), count=len(grp),
                    examples=[{"key": int(r["id"]), "kept": r[f"{col}_kept"], "dropped": r[col]}
                              for _, r in grp.head(_MAX_CONFLICT_EXAMPLES).iterrows()]))
    return SynapsePoints.build(kept.reset_index(drop=True)).frame


def read_synapse_sources(recipe: Recipe, roi_names: set[str] | None,
                         conflicts: list[Conflict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every ``[[synapses]]`` and ``[[synapse_partners]]`` source as one
    (points, pairs) pair of canonical tables (see module docstring).

    Raises
    ------
    ValidationError
        Any bad cell (file, row, column), partners naming unknown synapse ids
        or pairing a PSD with a T-bar the wrong way round.
    """
    point_frames: list[pd.DataFrame] = []
    pair_frames: list[pd.DataFrame] = []
    for order, src in enumerate(recipe.synapses):
        for path in src.paths(recipe):
            if src.kind == "synapse_connections":
                pts, prs = read_synapse_connections(path, src, order, roi_names)
                point_frames.append(pts)
                pair_frames.append(prs)
            elif src.kind == "connectors":
                point_frames.append(read_connectors(path, src, order, roi_names))
            else:
                point_frames.append(read_point_table(path, src, order, roi_names))
    points = _merge_points(point_frames, conflicts)
    for order, psrc in enumerate(recipe.synapse_partners):
        pair_frames.append(read_partner_table(recipe.path(psrc.file), psrc, order))
    if not pair_frames:
        return points, empty_pairs()
    pairs = pd.concat(pair_frames, ignore_index=True).drop_duplicates(["pre_id", "post_id"])
    types = points.set_index("id")["type"]
    for col, want in (("pre_id", "pre"), ("post_id", "post")):
        t = pairs[col].map(types)
        unknown = t.isna()
        if unknown.any():
            i = _first(unknown)
            raise ValidationError(f"synapse id {pairs[col].iloc[i]} is not in any synapse "
                                  "table of the recipe", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
        wrong = t != want
        if wrong.any():
            i = _first(wrong)
            raise ValidationError(f"synapse {pairs[col].iloc[i]} is a {t.iloc[i]!r} site; "
                                  f"{col} must name a {want!r} site", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
    return points, SynapsePairs.build(pairs.reset_index(drop=True)).frame


def check_synapse_bodies(recipe: Recipe, points: pd.DataFrame,
                         known: pd.Index) -> tuple[list[int], list[str]]:
    """Bodies of synapse points that no neuron or connection table lists.

    Sources with ``unknown_bodies = "error"`` raise; the others' bodies are
    returned (to be added as bare Segments) with a warning.

    Raises
    ------
    ValidationError
        Naming the file, row and body column of the first unknown body.
    """
    unknown = ~points["bodyId"].isin(known)
    if not unknown.any():
        return [], []
    strict = points["source"].map(lambda s: recipe.synapses[s].unknown_bodies == "error")
    bad = unknown & strict
    if bad.any():
        i = _first(bad)
        raise ValidationError(
            f"body {points['bodyId'].iloc[i]} is in no neuron or connection table of the recipe; "
            "add it to a neuron table, or set unknown_bodies = \"add\" on this [[synapses]] "
            "source to load it as a bare Segment", file=points["file"].iloc[i],
            row=int(points["row"].iloc[i]), column=points["bodyColumn"].iloc[i])
    added = sorted(int(b) for b in points.loc[unknown, "bodyId"].unique())
    files = sorted(set(points.loc[unknown, "file"]))
    warning = (f"{len(added):,} bodies appear only in synapse tables ({', '.join(files)}) and were "
               f"added as bare Segments (e.g. {added[:5]})")
    return added, [warning]
