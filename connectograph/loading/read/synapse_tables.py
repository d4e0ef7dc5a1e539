"""The canonical synapse tables: their columns and rules, the ids of sites
without one, and the categorical columns they are built from.

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
    source column holding the body, for error messages); then any synapse
    properties a recipe maps (``pre_properties``, ``transmitter``), one float64
    column each named ``property:<name>`` (:data:`PROPERTY_PREFIX`), NaN where
    a site has no value (every PSD).
:class:`SynapsePairs`
    ``pre_id, post_id`` (int64): T-bar → PSD, one row per PSD (a T-bar contacts
    several PSDs, a PSD has one T-bar); provenance ``file`` (categorical),
    ``row`` (int32), ``source`` (int16).

Memory: texts that repeat on every row (type, ROI, file, body column) are
categorical (one byte or two per row instead of a Python string), text cells are
cleaned once per distinct value (:func:`clean_per_value`), and ids are matched
by sorting, not hashing (:func:`id_rows`, :func:`has_duplicates`).

The readers of :mod:`.synapse_sources` build these tables from source files.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import model_validator

from ...errors import ValidationError
from ...vocabulary import SYNAPSE_TYPES
from .canonical_table import CanonicalTable, first_true

__all__ = ["PROPERTY_PREFIX", "SYNAPSE_TYPES", "SynapsePairs", "SynapsePoints", "TextCodes",
           "as_category", "clean_per_value", "concat_frames", "constant_category", "empty_pairs",
           "empty_points", "first_repeat", "has_duplicates", "id_rows", "mint_synapse_ids",
           "property_columns", "row_numbers", "small_int_type", "texts_index",
           "with_property_columns"]

#: Prefix of the points table's synapse-property columns (``property:ntGabaProb``).
PROPERTY_PREFIX = "property:"


def property_columns(points: pd.DataFrame) -> list[str]:
    """The synapse-property columns of a points table (prefix included), in order."""
    return [c for c in points.columns if str(c).startswith(PROPERTY_PREFIX)]


def with_property_columns(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """``frames`` each with every property column any of them has (NaN where
    it had none), so that they concatenate column by column."""
    names = sorted({c for f in frames for c in property_columns(f)})
    out = []
    for f in frames:
        missing = [c for c in names if c not in f.columns]
        if missing:
            f = f.assign(**{c: np.full(len(f), np.nan) for c in missing})
        out.append(f)
    return out



_POINT_COLUMNS = ["id", "bodyId", "type", "x", "y", "z", "confidence", "roi",
                  "file", "row", "source", "bodyColumn"]


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


def has_duplicates(values: np.ndarray) -> bool:
    """Whether an int64 array repeats a value (by sorting: a copy of the array,
    no hash table)."""
    s = np.sort(np.asarray(values))
    return bool(len(s) > 1 and (s[1:] == s[:-1]).any())


def first_repeat(values: pd.Series) -> tuple[int, int] | None:
    """``(i, j)``: the position of the first row repeating an earlier value and
    of the earliest row with that value; None if every value is distinct
    (checked by sorting, so the hash-based ``duplicated`` runs only on a repeat)."""
    if not has_duplicates(values.to_numpy()):
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


def small_int_type(value: int) -> type:
    return np.int16 if -2**15 <= value < 2**15 else np.int64


def row_numbers(n: int, first_row: int = 1) -> np.ndarray:
    """1-based data row numbers from ``first_row`` (int32 unless a file has 2**31 rows)."""
    last = first_row + n
    return np.arange(first_row, last, dtype=np.int32 if last < 2**31 - 1 else np.int64)


def texts_index(values) -> pd.Index:
    """Categories as Python objects: turning a categorical into an object array
    then points every row at the same few strings instead of making new ones."""
    return pd.Index(list(values), dtype=object)


def constant_category(value: str, n: int) -> pd.Categorical:
    """``value`` on ``n`` rows, as a one-category categorical."""
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                     categories=texts_index([value]))


def as_category(values) -> pd.Categorical:
    if isinstance(values, pd.Categorical):
        return values
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    return pd.Categorical.from_codes(codes, categories=texts_index(uniques))


def clean_per_value(raw: pd.Series, clean) -> pd.Categorical:
    """Per row of ``raw``, ``clean`` of its cell (NaN for empty cells and where
    ``clean`` gives None), as a categorical; ``clean`` (Series → Series,
    element-wise) runs on the distinct non-empty cells only, not on every row."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    cleaned = clean(pd.Series(uniques)).astype(object)
    cleaned = cleaned.where(cleaned.notna(), None)
    remap, categories = pd.factorize(cleaned, use_na_sentinel=True)
    row_codes = np.append(remap, -1)[codes]
    return pd.Categorical.from_codes(row_codes, categories=texts_index(categories))


def concat_frames(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)`` column by column, emptying
    ``frames`` as it goes (so the copies held at once are the result plus one
    column, not the result plus every frame); categorical columns stay
    categorical (their categories united first)."""
    columns = list(frames[0].columns)
    out = {}
    for col in columns:
        parts = [f.pop(col) for f in frames if col in f.columns]
        if len(parts) > 1 and all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            cats = texts_index(pd.unique(np.concatenate(
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
    repeat = first_repeat(df[column])
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


class TextCodes:
    """A growing list of distinct texts (categories), in first-seen order: the
    order in which concatenating the per-file categoricals unites them
    (:func:`concat_frames`). Gives a categorical column as integer codes and
    codes back as a categorical (:mod:`.synapse_spill` stores the codes)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self.names)
            self.names.append(name)
        return self._index[name]

    def codes(self, values: pd.Series) -> np.ndarray:
        """int32 codes (into :attr:`names`) of a categorical column, -1 for missing."""
        cat = values.array
        mapping = np.array([self.code(c) for c in cat.categories] + [-1], dtype=np.int32)
        return mapping[np.asarray(cat.codes, dtype=np.int64)]

    def categorical(self, codes: np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64),
                                         categories=texts_index(self.names))
