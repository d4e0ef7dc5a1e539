"""Cells of neuron tables: parse and check one value of ``somaLocation``,
``roiInfo``, ``cropped`` and extra columns, in the shapes the sources hold them
(neuPrint's own text forms, and neuprint-python's ``fetch_neurons`` results
saved with ``DataFrame.to_csv`` or ``to_parquet``).
"""

from __future__ import annotations

import ast
import json
import math
import re

import numpy as np
import pandas as pd

from ...errors import ValidationError


def _is_missing(value) -> bool:
    """None, pandas' NA or a float NaN (an empty cell)."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


_SOMA_SEPARATORS = re.compile(r"[,;\s]+")


def parse_soma_location(value) -> tuple[float, float, float] | None:
    """A ``somaLocation`` cell as ``(x, y, z)`` floats (voxels), or None if empty.

    Accepted shapes: text ``"x,y,z"`` (also with ``;`` or blanks between the
    numbers, in ``[...]`` or ``(...)``: what ``DataFrame.to_csv`` writes for
    neuprint-python's ``fetch_neurons`` lists, ``[12, 34, 56]``, or numpy
    arrays, ``[12. 34. 56.]``); a list, tuple or numpy array of three numbers
    (a Parquet list cell, a neo4j point); neuPrint's JSON point
    ``{"coordinates": [x, y, z], ...}`` as a dict.

    Parameters
    ----------
    value : str, sequence, numpy array, dict or None
        One cell of the ``somaLocation`` column.

    Returns
    -------
    tuple of 3 float or None
        ``(x, y, z)`` in the dataset's voxels (8 nm for the hemibrain); None
        for an empty cell (None, NaN, ``""``, ``"[]"``).

    Raises
    ------
    ValueError
        Anything else, or not exactly three finite numbers; the message says
        what was found.
    """
    if _is_missing(value):
        return None
    if isinstance(value, dict):
        if "coordinates" not in value:
            raise ValueError("is a mapping without 'coordinates'")
        value = value["coordinates"]
    if isinstance(value, str):
        text = value.strip().strip("[]()").strip()
        if not text:
            return None
        parts: list = _SOMA_SEPARATORS.split(text)
    elif isinstance(value, (list, tuple, np.ndarray)):
        parts = list(value)
    else:
        raise ValueError(f"is a {type(value).__name__}, not 'x,y,z' numbers")
    try:
        if any(isinstance(p, (bool, np.bool_)) for p in parts):
            raise TypeError
        xyz = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValueError("is not 'x,y,z' numbers") from None
    if len(xyz) != 3 or not all(math.isfinite(v) for v in xyz):
        raise ValueError("must be 3 finite numbers (x, y, z in voxels)")
    return xyz


def soma_cell(value, file: str, row: int) -> tuple[float, float, float] | None:
    """:func:`parse_soma_location`, raising ValidationError (file, row, column)."""
    try:
        return parse_soma_location(value)
    except ValueError as err:
        raise ValidationError(f"somaLocation {_show(value)} {err}", file=file, row=row,
                              column="somaLocation") from None


def _show(value, limit: int = 80) -> str:
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= limit else text[:limit] + "..."


def bool_cell(value, file: str, row: int, column: str):
    """A true/false cell (``cropped``) as bool or None; ValidationError otherwise."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValidationError(f"{value!r} is not a boolean (True/False)", file=file, row=row,
                          column=column)


#: Per-ROI counts of a body's roiInfo that must be integers when present.
ROI_INFO_COUNTS = ("pre", "post", "upstream", "downstream")


def _literal_dict(text: str):
    """A Python literal (``ast.literal_eval``: no code runs), or None."""
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _count(value, roi: str, key: str):
    """One roiInfo count as a JSON scalar (numpy scalars unwrapped, integral
    floats such as ``17.0`` as ints)."""
    if isinstance(value, (bool, np.bool_, str)):
        if key in ROI_INFO_COUNTS:
            raise ValueError(f"count {key!r} of ROI {roi!r} is {value!r}, not an integer")
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"value {key!r} of ROI {roi!r} is {value!r}, not a finite number")
        if number == int(number):
            return int(number)
        if key in ROI_INFO_COUNTS:
            raise ValueError(f"count {key!r} of ROI {roi!r} is {value!r}, not an integer")
        return number
    raise ValueError(f"value {key!r} of ROI {roi!r} is a {type(value).__name__}, not a number")


def parse_roi_info(value) -> dict[str, dict] | None:
    """A neuron's ``roiInfo`` cell as ``{roi: {count: n, ...}}``, or None if empty.

    Accepted shapes: JSON text (neuPrint's property); the text of a Python dict
    (``DataFrame.to_csv`` of neuprint-python's ``fetch_neurons``, which parses
    roiInfo into dicts: single quotes, read with ``ast.literal_eval``, never
    ``eval``); a dict (a Parquet struct cell, whose absent ROIs and counts come
    back as None and are dropped here). Counts are unwrapped from numpy and
    ``pre``/``post``/``upstream``/``downstream`` must be integers.

    Parameters
    ----------
    value : str, dict or None
        One cell of the ``roiInfo`` column.

    Returns
    -------
    dict or None
        ``{roi: {"pre": int, "post": int, ...}}`` (``{}`` stays ``{}``); None
        for an empty cell.

    Raises
    ------
    ValueError
        Text that is neither JSON nor a Python dict literal, anything but an
        object of objects, or a non-integer count; the message says which.
    """
    if _is_missing(value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            parsed = _literal_dict(text)
            if parsed is None:
                raise ValueError("is not valid JSON, nor a Python dict literal") from None
    elif isinstance(value, dict):
        parsed = value
    else:
        raise ValueError(f"is a {type(value).__name__}, not a JSON object "
                         "{roi: {pre, post, ...}}")
    if not isinstance(parsed, dict):
        raise ValueError("must be a JSON object {roi: {pre, post, ...}}")
    out: dict[str, dict] = {}
    for roi, counts in parsed.items():
        if not isinstance(roi, str):
            raise ValueError(f"ROI name {roi!r} is not text")
        if _is_missing(counts):
            continue  # absent from this body (a Parquet struct lists every ROI)
        if not isinstance(counts, dict):
            raise ValueError(f"entry of ROI {roi!r} is {_show(counts)}, not an object "
                             "{pre, post, ...}")
        out[roi] = {str(k): _count(v, roi, str(k)) for k, v in counts.items()
                    if not _is_missing(v)}
    return out


def roi_info_cell(value, file: str, row: int) -> str | None:
    """:func:`parse_roi_info` as sorted JSON text (None if empty), raising
    ValidationError (file, row, column)."""
    try:
        parsed = parse_roi_info(value)
    except ValueError as err:
        raise ValidationError(f"roiInfo {err}", file=file, row=row, column="roiInfo") from None
    return None if parsed is None else json.dumps(parsed, sort_keys=True)


#: Columns neuprint-python's ``fetch_neurons`` derives from roiInfo; neuPrint
#: does not store them (its nodes hold roiInfo and one flag per ROI).
DERIVED_NEURON_COLUMNS = ("inputRois", "outputRois")


def container_as_text(value):
    """Lists, arrays and dicts (Parquet list/struct cells) as JSON text."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=lambda v: v.item() if hasattr(v, "item") else str(v))
    return value
