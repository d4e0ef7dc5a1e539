"""Synapse sources → canonical synapse tables, validated before anything is written.

Canonical tables (pandas DataFrames held by pydantic models whose validators
check them, so a table that exists is a valid one):

:class:`SynapsePoints`
    one row per synapse site: ``id`` (int64, unique), ``bodyId`` (int64),
    ``type`` (categorical: ``"pre"`` = T-bar, ``"post"`` = PSD, neuPrint's
    names), ``x, y, z`` (float64, voxels of the dataset, e.g. 8 nm),
    ``confidence`` (float64 in [0, 1], NaN when the source has none), ``roi``
    (categorical, NaN when the source gives no ROI); provenance ``file``
    (categorical), ``row`` (1-based data row, int32), ``source`` (index of the
    recipe's ``[[synapses]]`` entry, int16) and ``bodyColumn`` (categorical: the
    source column holding the body, for error messages).
:class:`SynapsePairs`
    ``pre_id, post_id`` (int64): T-bar → PSD, one row per PSD (a T-bar contacts
    several PSDs, a PSD has one T-bar); provenance ``file`` (categorical),
    ``row`` (int32), ``source`` (int16).

Memory: texts that repeat on every row (type, ROI, file, body column) are
categorical (one byte or two per row instead of a Python string), text cells are
cleaned once per distinct value, and ids are matched by sorting, not hashing.

Sources without synapse ids (``fetch_synapse_connections`` exports, CATMAID
connector tables) get ids minted by :func:`mint_synapse_ids` from body, type and
location, so the same site gets the same id in every row, file and load.
Several sources merge by precedence (first listed wins for a site's
confidence and ROI); disagreements become :class:`~.tables.Conflict` entries.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import model_validator

from ..errors import ValidationError
from ..vocabulary import SYNAPSE_TYPES
from .csv_chunks import read_csv_text_chunks
from .names import check_name, first_bad_name
from .recipe import Recipe, SynapsePartnerSource, SynapseSource
from .table_model import CanonicalTable, first_true
from .source_files import read_parquet_chunks
from .tables import Conflict, _to_int, body_of_file_name, read_table, release_arrow_memory

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

def _has_duplicates(values: np.ndarray) -> bool:
    """Whether an int64 array repeats a value (by sorting: a copy of the array,
    no hash table)."""
    s = np.sort(np.asarray(values))
    return bool(len(s) > 1 and (s[1:] == s[:-1]).any())


def _first_repeat(values: pd.Series) -> tuple[int, int] | None:
    """``(i, j)``: the position of the first row repeating an earlier value and
    of the earliest row with that value; None if every value is distinct
    (checked by sorting, so the hash-based ``duplicated`` runs only on a repeat)."""
    if not _has_duplicates(values.to_numpy()):
        return None
    i = first_true(values.duplicated())
    return i, first_true(values == values.iloc[i])


def id_rows(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The row of each of ``wanted`` in ``ids`` (unique int64 ids), -1 where absent.

    By sorting ``ids`` once and binary search (memory: two int64 copies of
    ``ids``, no hash table)."""
    ids = np.asarray(ids, dtype="int64")
    wanted = np.asarray(wanted, dtype="int64")
    if not len(ids):
        return np.full(len(wanted), -1, dtype="int64")
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    at = np.minimum(np.searchsorted(sorted_ids, wanted), len(ids) - 1)
    found = sorted_ids[at] == wanted
    del sorted_ids
    return np.where(found, order[at], -1)


def _small_int(value: int) -> type:
    return np.int16 if -2**15 <= value < 2**15 else np.int64


def _row_numbers(n: int, first_row: int = 1) -> np.ndarray:
    """1-based data row numbers from ``first_row`` (int32 unless a file has 2**31 rows)."""
    last = first_row + n
    return np.arange(first_row, last, dtype=np.int32 if last < 2**31 - 1 else np.int64)


def _texts_index(values) -> pd.Index:
    """Categories as Python objects: turning a categorical into an object array
    then points every row at the same few strings instead of making new ones."""
    return pd.Index(list(values), dtype=object)


def _constant(value: str, n: int) -> pd.Categorical:
    """``value`` on ``n`` rows, as a one-category categorical."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                     categories=_texts_index([value]))


def _category(values) -> pd.Categorical:
    if isinstance(values, pd.Categorical):
        return values
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=_texts_index(uniques))


def _clean_per_value(raw: pd.Series, clean) -> pd.Categorical:
    """Per row of ``raw``, ``clean`` of its cell (NaN for empty cells and where
    ``clean`` gives None), as a categorical; ``clean`` (Series → Series,
    element-wise) runs on the distinct non-empty cells only, not on every row."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    cleaned = clean(pd.Series(uniques)).astype(object)
    cleaned = cleaned.where(cleaned.notna(), None)
    remap, categories = pd.factorize(cleaned, use_na_sentinel=True)
    row_codes = np.append(remap, -1)[codes]
    return pd.Categorical.from_codes(row_codes, categories=_texts_index(categories))


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)`` column by column, emptying
    ``frames`` as it goes (so the copies held at once are the result plus one
    column, not the result plus every frame); categorical columns stay
    categorical (their categories united first)."""
    columns = list(frames[0].columns)
    out = {}
    for col in columns:
        parts = [f.pop(col) for f in frames if col in f.columns]
        if len(parts) > 1 and all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            cats = _texts_index(pd.unique(np.concatenate(
                [p.cat.categories.to_numpy(dtype=object) for p in parts])))
            parts = [p.cat.set_categories(cats) for p in parts]
        out[col] = pd.concat(parts, ignore_index=True)
        del parts
    return pd.DataFrame(out, copy=False)


class SynapsePoints(CanonicalTable):
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
            i = first_true(bad)
            value = df["type"].iloc[i]
            raise ValidationError(f"type {None if pd.isna(value) else value!r} is neither "
                                  "'pre' nor 'post'",
                                  file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                  column="type")
        for col in ("x", "y", "z"):
            bad = ~np.isfinite(df[col].to_numpy(dtype="float64"))
            if bad.any():
                i = first_true(bad)
                raise ValidationError("coordinate is missing or not a finite number",
                                      file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                      column=col)
        conf = df["confidence"].to_numpy(dtype="float64")
        bad = ~np.isnan(conf) & ((conf < 0) | (conf > 1))
        if bad.any():
            i = first_true(bad)
            raise ValidationError(f"confidence {conf[i]} is outside [0, 1]",
                                  file=df["file"].iloc[i], row=int(df["row"].iloc[i]),
                                  column="confidence")
        _reject_duplicates(df, "id", "duplicate synapse id {value}",
                           "every synapse must be listed once")
        return self


def _reject_duplicates(df: pd.DataFrame, column: str, what: str, rule: str) -> None:
    """Raise ValidationError at the second row repeating a value of ``column``,
    naming the first row too. ``what`` is formatted with ``value``."""
    repeat = _first_repeat(df[column])
    if repeat is not None:
        i, j = repeat
        raise ValidationError(
            f"{what.format(value=df[column].iloc[i])} (also {df['file'].iloc[j]} row "
            f"{df['row'].iloc[j]}); {rule}",
            file=df["file"].iloc[i], row=int(df["row"].iloc[i]), column=column)


class SynapsePairs(CanonicalTable):
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
        "type": pd.Series(dtype="category"), "x": pd.Series(dtype="float64"),
        "y": pd.Series(dtype="float64"), "z": pd.Series(dtype="float64"),
        "confidence": pd.Series(dtype="float64"), "roi": pd.Series(dtype="category"),
        "file": pd.Series(dtype="category"), "row": pd.Series(dtype="int32"),
        "source": pd.Series(dtype="int16"), "bodyColumn": pd.Series(dtype="category")})


def empty_pairs() -> pd.DataFrame:
    return pd.DataFrame({"pre_id": pd.Series(dtype="int64"), "post_id": pd.Series(dtype="int64"),
                         "file": pd.Series(dtype="category"), "row": pd.Series(dtype="int32"),
                         "source": pd.Series(dtype="int16")})


# --- reading one source ---------------------------------------------------------------------

def _read(path: Path, fmt: str, columns: dict[str, str]) -> pd.DataFrame:
    return _canonical_names(read_table(path, fmt), columns)


def _canonical_names(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``df`` without pandas' ``Unnamed:`` index columns, its columns renamed
    from the source's names to the canonical ones (``columns``: canonical →
    source)."""
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
           required: bool, first_row: int = 1) -> np.ndarray:
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
        i = first_true(bad)
        raise ValidationError(f"{raw.iloc[i]!r} is not a finite number", file=file,
                              row=first_row + i, column=label)
    return nums.to_numpy()


def _roi_texts(raw: pd.Series) -> pd.Series:
    s = _texts(raw)
    return s.where(s.notna() & (s != ""), None)


def _rois(df: pd.DataFrame, col: str, file: str, label: str,
          roi_names: set[str] | None, first_row: int = 1) -> pd.Categorical:
    if col not in df.columns:
        return pd.Categorical.from_codes(np.full(len(df), -1, dtype=np.int8),
                                         categories=_texts_index([]))
    values = _clean_per_value(df[col], _roi_texts)
    if roi_names is not None:
        s = pd.Series(values)
        unknown = s.notna() & ~s.isin(roi_names)
        if unknown.any():
            i = first_true(unknown)
            raise ValidationError(
                f"ROI {s.iloc[i]!r} is not in the recipe's ROI definitions", file=file,
                row=first_row + i, column=label)
    else:
        # no definitions (checked when read): each name becomes a property key
        i = first_bad_name(values)
        if i is not None:
            check_name(values[i], "ROI name", file=file, row=first_row + i, column=label,
                       fix="rename the ROI")
    return values


def _bodies(df: pd.DataFrame, col: str, file: str, label: str,
            first_row: int = 1) -> np.ndarray:
    ids = _to_int(pd.DataFrame({label: df[col]}), label, file, first_row=first_row)
    if ids.isna().any():
        i = first_true(ids.isna())
        raise ValidationError("body id is empty", file=file, row=first_row + i, column=label)
    return ids.astype("int64").to_numpy()


def _points_frame(*, ids, body, type_, x, y, z, confidence, roi, file, rows, source,
                  body_column) -> pd.DataFrame:
    """The canonical point columns; ``type_``, ``roi`` as arrays or categoricals,
    ``body_column`` a column name (the same on every row)."""
    n = len(ids)
    return pd.DataFrame({
        "id": np.asarray(ids, dtype="int64"), "bodyId": np.asarray(body, dtype="int64"),
        "type": _category(type_), "x": x, "y": y, "z": z,
        "confidence": confidence, "roi": _category(roi), "file": _constant(file, n),
        "row": rows, "source": np.full(n, source, dtype=_small_int(source)),
        "bodyColumn": _constant(body_column, n)}, copy=False)


def _check_confidence(values: np.ndarray, file: str, label: str) -> None:
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        i = first_true(bad)
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
    n = len(df)
    rows = _row_numbers(n)
    sides = {}
    for side in SYNAPSE_TYPES:
        body = _bodies(df, f"bodyId_{side}", file, name[f"bodyId_{side}"])
        xyz = [_float(df, f"{a}_{side}", file, name[f"{a}_{side}"], required=True)
               for a in "xyz"]
        conf = _float(df, f"confidence_{side}", file, name[f"confidence_{side}"],
                      required=False)
        _check_confidence(conf, file, name[f"confidence_{side}"])
        roi = _rois(df, f"roi_{side}", file, name[f"roi_{side}"], roi_names)
        ids = mint_synapse_ids(body, np.full(n, side), *xyz)
        sides[side] = _points_frame(ids=ids, body=body, type_=_constant(side, n),
                                    x=xyz[0], y=xyz[1], z=xyz[2], confidence=conf, roi=roi,
                                    file=file, rows=rows, source=source,
                                    body_column=name[f"bodyId_{side}"])
    del df
    pre, post = sides["pre"], sides["post"]
    # One T-bar, several rows: they must describe the same site.
    for col, label in (("confidence", name["confidence_pre"]), ("roi", name["roi_pre"])):
        codes = pd.factorize(pre[col], use_na_sentinel=False)[0]
        n_values = pd.Series(codes).groupby(pre["id"].to_numpy()).transform("nunique")
        bad = n_values > 1
        if bad.any():
            values = pre[col].astype(object).where(pre[col].notna(), "<empty>")
            i = first_true(bad)
            j = first_true((pre["id"] == pre["id"].iloc[i]) & (values != values.iloc[i]))
            raise ValidationError(
                f"the T-bar at ({pre['x'].iloc[i]:g}, {pre['y'].iloc[i]:g}, {pre['z'].iloc[i]:g}) "
                f"of body {pre['bodyId'].iloc[i]} has {label} {values.iloc[i]!r} here but "
                f"{values.iloc[j]!r} in row {j + 1}", file=file, row=i + 1, column=label)
    repeat = _first_repeat(post["id"])
    if repeat is not None:
        i, j = repeat
        raise ValidationError(
            f"the PSD at ({post['x'].iloc[i]:g}, {post['y'].iloc[i]:g}, {post['z'].iloc[i]:g}) of "
            f"body {post['bodyId'].iloc[i]} is paired twice (also row {j + 1}); a PSD has one "
            "T-bar", file=file, row=i + 1, column=name["x_post"])
    pairs = pd.DataFrame({"pre_id": pre["id"].to_numpy(), "post_id": post["id"].to_numpy(),
                          "file": _constant(file, n), "row": rows,
                          "source": np.full(n, source, dtype=_small_int(source))}, copy=False)
    pairs = SynapsePairs.build(pairs).frame
    points = _concat([pre.drop_duplicates("id"), post])
    return points, pairs


def _body_of_file(path: Path, src: SynapseSource, n: int, df: pd.DataFrame,
                  file: str, first_row: int = 1) -> tuple[np.ndarray, str]:
    label = src.columns.get("bodyId", "bodyId")
    if "bodyId" in df.columns:
        return _bodies(df, "bodyId", file, label, first_row), label
    if src.bodyId is not None:
        return np.full(n, src.bodyId, dtype="int64"), "bodyId (recipe)"
    if re.fullmatch(r"\d+", path.stem):
        return np.full(n, body_of_file_name(path), dtype="int64"), "bodyId (file name)"
    raise ValidationError("cannot tell the synapses' body: add a bodyId column, give bodyId in "
                          "the recipe, or name the file <bodyId>.csv", file=file)


def _connector_types(raw: pd.Series) -> pd.Series:
    """``pre``/``post`` from neuPrint names or CATMAID relation numbers (other
    values are returned cleaned, for the caller to reject)."""
    raw = raw.astype(object).map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    raw = raw.map(lambda v: v[:-2] if v and re.fullmatch(r"\d+\.0", v) else v)
    return raw.map(lambda v: CATMAID_RELATIONS.get(v, v))


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
    types = _clean_per_value(df["type"], _connector_types)
    bad = ~pd.Series(types).isin(SYNAPSE_TYPES)
    if bad.any():
        i = first_true(bad)
        raise ValidationError(
            f"type {df['type'].iloc[i]!r} is not a synapse side: use 'pre'/'post' or CATMAID's "
            "0 (presynaptic) / 1 (postsynaptic); gap junctions (2) and abutting (3) cannot be "
            "loaded as synapses", file=file, row=i + 1, column=type_label)
    xyz = [_float(df, a, file, src.columns.get(a, a), required=True) for a in "xyz"]
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False)
    _check_confidence(conf, file, src.columns.get("confidence", "confidence"))
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names)
    del df
    ids = mint_synapse_ids(body, np.asarray(types, dtype=object), *xyz)
    points = _points_frame(ids=ids, body=body, type_=types, x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=_row_numbers(n), source=source, body_column=body_label)
    repeat = _first_repeat(points["id"])
    if repeat is not None:
        i, j = repeat
        raise ValidationError(
            f"duplicate synapse: same body, type and location as row {j + 1}", file=file,
            row=i + 1, column=src.columns.get("x", "x"))
    return points


def _point_types(raw: pd.Series) -> pd.Series:
    return _texts(raw).str.lower().where(raw.notna(), None)


def read_point_table(path: Path, src: SynapseSource, source: int,
                     roi_names: set[str] | None) -> pd.DataFrame:
    """The canonical point table with explicit ids (``kind = "points"``)."""
    return _point_table(_read(path, src.format, src.columns), path, src, source, roi_names)


def _point_table(df: pd.DataFrame, path: Path, src: SynapseSource, source: int,
                 roi_names: set[str] | None, first_row: int = 1) -> pd.DataFrame:
    """:func:`read_point_table` of ``df``, the file's rows from ``first_row`` on."""
    file = str(path)
    n = len(df)
    # Each text column is dropped once converted: the texts shrink as the numbers grow.
    ids = _bodies(df, "id", file, src.columns.get("id", "id"), first_row)
    df = df.drop(columns=["id"])
    body, body_label = _body_of_file(path, src, n, df, file, first_row)
    types = _clean_per_value(df["type"], _point_types)
    df = df.drop(columns=[c for c in ("bodyId", "type") if c in df.columns])
    xyz = []
    for a in "xyz":
        xyz.append(_float(df, a, file, src.columns.get(a, a), required=True,
                          first_row=first_row))
        df = df.drop(columns=[a])
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False, first_row=first_row)
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names, first_row)
    del df
    points = _points_frame(ids=ids, body=body, type_=types, x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=_row_numbers(n, first_row), source=source,
                           body_column=body_label)
    del ids, body, xyz, conf
    return SynapsePoints.build(points).frame


def read_partner_table(path: Path, src: SynapsePartnerSource, source: int) -> pd.DataFrame:
    """A canonical ``pre_id, post_id`` table."""
    return _partner_table(_read(path, src.format, src.columns), path, src, source)


def _partner_table(df: pd.DataFrame, path: Path, src: SynapsePartnerSource, source: int,
                   first_row: int = 1) -> pd.DataFrame:
    """:func:`read_partner_table` of ``df``, the file's rows from ``first_row`` on."""
    file = str(path)
    n = len(df)
    pre = _bodies(df, "pre_id", file, src.columns.get("pre_id", "pre_id"), first_row)
    post = _bodies(df, "post_id", file, src.columns.get("post_id", "post_id"), first_row)
    del df
    out = pd.DataFrame({"pre_id": pre, "post_id": post, "file": _constant(file, n),
                        "row": _row_numbers(n, first_row),
                        "source": np.full(n, source, dtype=_small_int(source))}, copy=False)
    return SynapsePairs.build(out).frame


def _file_chunks(path: Path, fmt: str, rows: int) -> Iterator[pd.DataFrame]:
    """A table file ``rows`` rows at a time: text columns for CSV (as
    :func:`~.tables.read_csv_texts`, by :func:`~.csv_chunks.read_csv_text_chunks`),
    typed columns for Parquet (by record batch)."""
    if fmt == "parquet":
        return read_parquet_chunks(path, rows)
    return read_csv_text_chunks(path, rows)


def _converted_chunks(path: Path, src: SynapseSource | SynapsePartnerSource, rows: int,
                      convert) -> Iterator[pd.DataFrame]:
    """``convert(df, first_row)`` of each chunk of :func:`_file_chunks` with
    canonical column names, ``first_row`` the file row of its first row (a
    file without rows: of the whole, empty file)."""
    first = 1
    with_rows = False
    # Each converted chunk is handed on without a reference kept here (a
    # one-item list popped by the yield), and its text chunk is freed first,
    # so neither is held while the caller uses it or the next one is read.
    box: list = []
    for df in _file_chunks(path, src.format, rows):
        with_rows = True
        n = len(df)
        box.append(convert(_canonical_names(df, src.columns), first))
        del df
        release_arrow_memory()
        yield box.pop()
        first += n
    if not with_rows:
        yield convert(_read(path, src.format, src.columns), 1)


def read_point_chunks(path: Path, src: SynapseSource, source: int,
                      roi_names: set[str] | None, rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_point_table` ``rows`` rows at a time (each chunk validated as
    the whole file is, row numbers those of the file; ids repeated across
    chunks are for the caller to find)."""
    return _converted_chunks(path, src, rows, lambda df, first_row: _point_table(
        df, path, src, source, roi_names, first_row))


def read_partner_chunks(path: Path, src: SynapsePartnerSource, source: int,
                        rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_partner_table` ``rows`` rows at a time (PSDs paired twice
    across chunks are for the caller to find)."""
    return _converted_chunks(path, src, rows, lambda df, first_row: _partner_table(
        df, path, src, source, first_row))


# --- all sources ----------------------------------------------------------------------------

def _merge_points(frames: list[pd.DataFrame], conflicts: list[Conflict]) -> pd.DataFrame:
    """First source wins per synapse id; differing confidence/ROI (or body, type,
    location for explicit ids) become conflicts."""
    if not frames:
        return empty_points()
    allp = frames[0] if len(frames) == 1 else _concat(frames)
    if not _has_duplicates(allp["id"].to_numpy()):
        # Every id once (the usual case): nothing to merge.
        return SynapsePoints.build(allp).frame
    # Within one file a repeated id is an error; across files it is the same site.
    within = allp.duplicated(["id", "file"])
    if within.any():
        i = first_true(within)
        j = first_true((allp["id"] == allp["id"].iloc[i]) & (allp["file"] == allp["file"].iloc[i]))
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
            grp_rows = joined[differ].astype({"file_kept": object, "file": object})
            for (kept_file, file), grp in grp_rows.groupby(["file_kept", "file"], sort=True):
                conflicts.append(Conflict.of(
                    "synapses", col, kept_file, file, grp["id"].astype(int),
                    grp[f"{col}_kept"], grp[col]))
    return SynapsePoints.build(kept.reset_index(drop=True)).frame


def synapse_files(recipe: Recipe, roi_names: set[str] | None, chunk_rows: int | None = None
                  ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Each file of the recipe's ``[[synapses]]`` sources, in recipe order, as
    its canonical (points, pairs) tables (pairs None for sources without
    partners), read and validated one file at a time; with ``chunk_rows``,
    point tables (``kind = "points"``) ``chunk_rows`` rows at a time
    (:func:`read_point_chunks`).

    Raises
    ------
    ValidationError
        As the per-file readers (:func:`read_point_table`,
        :func:`read_connectors`, :func:`read_synapse_connections`).
    """
    for order, src in enumerate(recipe.synapses):
        for path in src.paths(recipe):
            if src.kind == "synapse_connections":
                yield read_synapse_connections(path, src, order, roi_names)
            elif src.kind == "connectors":
                yield read_connectors(path, src, order, roi_names), None
            elif chunk_rows:
                for chunk in read_point_chunks(path, src, order, roi_names, chunk_rows):
                    yield chunk, None
                    del chunk       # not held while the next chunk is read
            else:
                yield read_point_table(path, src, order, roi_names), None
            release_arrow_memory()


def partner_files(recipe: Recipe, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Each ``[[synapse_partners]]`` file, in recipe order, as its canonical
    pairs table (:func:`read_partner_table`), or ``chunk_rows`` rows at a time
    (:func:`read_partner_chunks`)."""
    for order, psrc in enumerate(recipe.synapse_partners):
        path = recipe.path(psrc.file)
        if chunk_rows:
            yield from read_partner_chunks(path, psrc, order, chunk_rows)
        else:
            yield read_partner_table(path, psrc, order)
        release_arrow_memory()


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
    for pts, prs in synapse_files(recipe, roi_names):
        point_frames.append(pts)
        if prs is not None:
            pair_frames.append(prs)
        del pts, prs
    points = _merge_points(point_frames, conflicts)
    del point_frames
    pair_frames.extend(partner_files(recipe))
    if not pair_frames:
        return points, empty_pairs()
    pairs = pair_frames[0] if len(pair_frames) == 1 else _concat(pair_frames)
    del pair_frames
    if _has_duplicates(pairs["post_id"].to_numpy()):
        # The same pair in several files (distinct PSDs never repeat).
        pairs = pairs.drop_duplicates(["pre_id", "post_id"])
    point_ids = points["id"].to_numpy()
    for col, want in (("pre_id", "pre"), ("post_id", "post")):
        at = id_rows(point_ids, pairs[col].to_numpy())
        unknown = at < 0
        if unknown.any():
            i = first_true(unknown)
            raise ValidationError(f"synapse id {pairs[col].iloc[i]} is not in any synapse "
                                  "table of the recipe", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
        wrong = ~(points["type"] == want).to_numpy()[at]
        if wrong.any():
            i = first_true(wrong)
            t = points["type"].iloc[at[i]]
            raise ValidationError(f"synapse {pairs[col].iloc[i]} is a {t!r} site; "
                                  f"{col} must name a {want!r} site", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
        del at, wrong
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
    sources = points["source"].to_numpy()
    strict = np.isin(sources, [i for i, s in enumerate(recipe.synapses)
                               if s.unknown_bodies == "error"])
    bad = unknown & strict
    if bad.any():
        i = first_true(bad)
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
