"""Canonical neuron and per-ROI connection tables: pydantic models whose
validators check each table's invariants, one source file at a time (so every
error names the file and the 1-based data row; the header is row 0).

The readers in :mod:`~connectograph.loading.read.neuron_tables` parse the text cells
(integers, somaLocation, roiInfo, cropped) and build these models; a frame
they return has passed its model.

:class:`NeuronTable`
    one row per body of one file: ``bodyId`` (int64, unique), the counts
    ``pre, post, upstream, downstream, size`` (integer, nullable, >= 0) and
    ``somaRadius`` (float64, finite and >= 0 where given) when present,
    ``somaLocation`` (tuple of 3 finite floats, voxels, or None), ``cropped``
    (bool or None), ``roiInfo`` (JSON object text or None, naming only ROIs of
    the recipe's definitions) and any extra columns.
:class:`RoiConnectionTable`
    neuprint-python's ``roi_conn_df`` of one file: ``bodyId_pre, bodyId_post``
    (int64), ``roi`` (non-empty text; a defined ROI or ``"NotPrimary"`` when
    the recipe has ROI definitions), ``weight`` (int64 > 0); no
    (bodyId_pre, bodyId_post, roi) twice.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
from pydantic import model_validator

from ...errors import ValidationError
from ...vocabulary import COUNT_KEYS, NOT_PRIMARY
from .names import check_name, first_bad_name
from .canonical_table import CanonicalTable, first_true

__all__ = ["NeuronTable", "RoiConnectionTable", "NOT_PRIMARY", "COUNT_COLUMNS"]

#: Neuron count columns: non-negative integers where given.
COUNT_COLUMNS = (*COUNT_KEYS, "size")


def _is_integer(series: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(series.dtype)


def _require_int64(df: pd.DataFrame, column: str, file: str, empty: str) -> None:
    """``df[column]`` must be int64 without missing values (``empty`` is the
    message for a missing one)."""
    if column not in df.columns:
        raise ValidationError(f"column {column!r} is missing", file=file)
    missing = df[column].isna().to_numpy()
    if missing.any():
        raise ValidationError(empty, file=file, row=first_true(missing) + 1, column=column)
    if df[column].dtype != np.int64:
        raise ValidationError(f"{column} must be int64, not {df[column].dtype}; parse the "
                              "column's cells into integers first", file=file, column=column)


class NeuronTable(CanonicalTable):
    """One neuron source file as a canonical table (see module docstring).

    Attributes
    ----------
    frame : pandas.DataFrame
        The table, one row per body, in file order.
    file : str
        The source file (named in errors).
    roi_names : set of str or None
        ROI names of the recipe's definitions; None when it has none (then
        roiInfo is not checked against them).

    Raises
    ------
    ValidationError
        Empty or duplicate bodyId, non-integer or negative counts, a
        somaRadius that is not a finite number >= 0, a somaLocation that is not
        3 finite numbers, a cropped that is not a boolean, a roiInfo that is not
        a JSON object or names an undefined ROI (without definitions: an ROI
        name that cannot be a Cypher name, by
        :func:`~connectograph.identifiers.escape_name`'s rule); naming file,
        row and column.
    """

    file: str
    roi_names: set[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> "NeuronTable":
        df, file = self.frame, self.file
        _require_int64(df, "bodyId", file, "bodyId is empty")
        body = df["bodyId"]
        dup = body.duplicated(keep="first").to_numpy()
        if dup.any():
            i = first_true(dup)
            first = first_true((body == body.iloc[i]).to_numpy())
            raise ValidationError(f"duplicate bodyId {body.iloc[i]} (first at row {first + 1})",
                                  file=file, row=i + 1, column="bodyId")
        for col in COUNT_COLUMNS:
            if col not in df.columns:
                continue
            if not _is_integer(df[col]):
                raise ValidationError(f"{col} must hold integers, not {df[col].dtype}",
                                      file=file, column=col)
            negative = (df[col] < 0).fillna(False).to_numpy(dtype=bool)
            if negative.any():
                i = first_true(negative)
                raise ValidationError(f"{col} {df[col].iloc[i]} is negative; a count is >= 0",
                                      file=file, row=i + 1, column=col)
        if "somaRadius" in df.columns:
            radius = df["somaRadius"].to_numpy(dtype="float64")
            bad = ~np.isnan(radius) & ~(np.isfinite(radius) & (radius >= 0))
            if bad.any():
                i = first_true(bad)
                raise ValidationError(f"somaRadius {radius[i]} is not a finite number >= 0",
                                      file=file, row=i + 1, column="somaRadius")
        if "somaLocation" in df.columns:
            for i, xyz in enumerate(df["somaLocation"]):
                if xyz is not None and not (isinstance(xyz, tuple) and len(xyz) == 3
                                            and all(math.isfinite(v) for v in xyz)):
                    raise ValidationError(f"somaLocation {xyz!r} is not 3 finite numbers",
                                          file=file, row=i + 1, column="somaLocation")
        if "cropped" in df.columns:
            bad = ~df["cropped"].map(lambda v: v is None or isinstance(v, bool)).to_numpy(bool)
            if bad.any():
                i = first_true(bad)
                raise ValidationError(f"cropped {df['cropped'].iloc[i]!r} is not a boolean",
                                      file=file, row=i + 1, column="cropped")
        if "roiInfo" in df.columns:
            self._check_roi_info(df["roiInfo"])
        return self

    def _check_roi_info(self, cells: pd.Series) -> None:
        checked: set[str] = set()
        for i, text in enumerate(cells):
            if not isinstance(text, str) and pd.isna(text):
                continue
            try:
                info = json.loads(text) if isinstance(text, str) else None
            except json.JSONDecodeError:
                info = None
            if not isinstance(info, dict):
                raise ValidationError(f"roiInfo {text!r} is not a JSON object text",
                                      file=self.file, row=i + 1, column="roiInfo")
            if self.roi_names is not None:
                unknown = sorted(set(info) - self.roi_names)
                if unknown:
                    raise ValidationError(
                        f"roiInfo names ROIs missing from the recipe's ROI definitions: {unknown}",
                        file=self.file, row=i + 1, column="roiInfo")
            else:
                # no definitions (checked when read): each name becomes a property key
                for roi in set(info) - checked:
                    check_name(roi, "ROI name", file=self.file, row=i + 1, column="roiInfo",
                               fix="rename the ROI")
                    checked.add(roi)


class RoiConnectionTable(CanonicalTable):
    """One per-ROI connection source file as a canonical table (see module
    docstring).

    Attributes
    ----------
    frame : pandas.DataFrame
        Columns ``bodyId_pre, bodyId_post`` (int64), ``roi`` (text),
        ``weight`` (int64), in file order; other columns are kept.
    file : str
        The source file (named in errors).
    roi_names : set of str or None
        ROI names of the recipe's definitions; None when it has none.

    Raises
    ------
    ValidationError
        Empty body ids or weights, weights <= 0, empty or undefined ROIs
        (without definitions: an ROI name that cannot be a Cypher name), a
        (bodyId_pre, bodyId_post, roi) listed twice; naming file, row and column.
    """

    file: str
    roi_names: set[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> "RoiConnectionTable":
        df, file = self.frame, self.file
        for col in ("bodyId_pre", "bodyId_post"):
            _require_int64(df, col, file, "body id is empty")
        _require_int64(df, "weight", file, "weight is empty")
        nonpositive = (df["weight"] <= 0).to_numpy()
        if nonpositive.any():
            i = first_true(nonpositive)
            raise ValidationError(f"{int(df['weight'].iloc[i])} is not a positive integer",
                                  file=file, row=i + 1, column="weight")
        if "roi" not in df.columns:
            raise ValidationError("column 'roi' is missing", file=file)
        roi = df["roi"]
        empty = (roi.isna() | (roi.astype(str).str.strip() == "")).to_numpy()
        if empty.any():
            raise ValidationError("roi is empty", file=file, row=first_true(empty) + 1,
                                  column="roi")
        if self.roi_names is not None:
            unknown = (~roi.isin(self.roi_names | {NOT_PRIMARY})).to_numpy()
            if unknown.any():
                i = first_true(unknown)
                raise ValidationError(
                    f"ROI {roi.iloc[i]!r} is not in the recipe's ROI definitions",
                    file=file, row=i + 1, column="roi")
        else:
            # no definitions (checked when read): each name may become a property key
            i = first_bad_name(roi)
            if i is not None:
                check_name(roi.iloc[i], "ROI name", file=file, row=i + 1, column="roi",
                           fix="rename the ROI")
        key = ["bodyId_pre", "bodyId_post", "roi"]
        twice = df.duplicated(key, keep="first").to_numpy()
        if twice.any():
            i = first_true(twice)
            r = df.iloc[i]
            first = first_true((df[key] == df[key].iloc[i]).all(axis=1).to_numpy())
            raise ValidationError(
                f"connection {r.bodyId_pre}->{r.bodyId_post} in ROI {r.roi!r} is listed twice "
                f"(first at row {first + 1}); list each (bodyId_pre, bodyId_post, roi) once",
                file=file, row=i + 1, column="roi")
        return self
