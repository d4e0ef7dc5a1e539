"""Numbers of text cells: integer and float columns of a source table, read
exactly, and the body id that names a file.

Every id and count is an integer Neo4j can store (int64); an id is never
rounded through a float, and a bad cell raises a
:class:`~connectograph.errors.ValidationError` naming file, row and column.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import ValidationError
from .canonical_table import INT64_MAX, INT64_MIN, first_true

__all__ = ["body_of_file_name", "exact_number", "float_column", "int_column"]


#: Integers smaller than this in magnitude are exact as float64.
_EXACT_IN_FLOAT = 2**53


def _strict_int64(raw: pd.Series) -> pd.Series | None:
    """``raw`` as nullable Int64 when every cell is an integer text or number
    within int64 (pyarrow's strict cast, ~30x faster than ``pd.to_numeric`` on
    text), else None."""
    try:
        arr = pc.cast(pa.array(raw, from_pandas=True), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    values = arr.fill_null(0).to_numpy(zero_copy_only=False)
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, mask), index=raw.index)


def exact_number(value) -> Decimal | None:
    """The exact value of one non-empty cell: a text as written (``"395.0"``,
    ``"99999999999999999999"``) or a number of a Parquet column; None if it
    is not a finite number.

    Parameters
    ----------
    value : str or number
        The cell.

    Returns
    -------
    decimal.Decimal or None
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(float(value)) if math.isfinite(value) else None
    text = str(value).strip()
    if "_" in text:             # Decimal reads "1_000"; pandas and pyarrow do not
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# kinds of bad integer cells, in _exact_int64's codes
_OK, _NOT_A_NUMBER, _FRACTION, _OUT_OF_RANGE = 0, 1, 2, 3


def _exact_int64(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(values, kinds)``: the int64 value of each cell of ``raw`` (0 where
    empty or bad) and what is wrong with it (``_OK`` for good and empty cells).

    Cells that pandas' ``to_numeric`` reads exactly (integers below 2**53 in
    magnitude, such as ``"395.0"``) are taken from it; the others are parsed
    exactly, once per distinct text, so an id beyond int64 or past 2**53 is
    never rounded through a float."""
    nums = pd.to_numeric(raw, errors="coerce")
    floats = nums.to_numpy(dtype="float64", na_value=np.nan)
    n = len(raw)
    values = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.int8)
    missing = raw.isna().to_numpy()
    if pd.api.types.is_signed_integer_dtype(nums.dtype):
        ok = ~np.isnan(floats)
        values[ok] = nums.to_numpy(dtype="int64", na_value=0)[ok]
    else:
        with np.errstate(invalid="ignore"):
            ok = (np.isfinite(floats) & (floats == np.floor(floats))
                  & (np.abs(floats) < _EXACT_IN_FLOAT))
        values[ok] = floats[ok].astype(np.int64)
    rest = np.flatnonzero(~ok & ~missing)
    if len(rest):
        codes, uniques = pd.factorize(raw.iloc[rest].astype(object), use_na_sentinel=False)
        kind = np.zeros(len(uniques), dtype=np.int8)
        exact = np.zeros(len(uniques), dtype=np.int64)
        for k, cell in enumerate(uniques):
            number = exact_number(cell)
            if number is None:
                kind[k] = _NOT_A_NUMBER
            elif number != number.to_integral_value():
                kind[k] = _FRACTION
            elif not INT64_MIN <= number <= INT64_MAX:
                kind[k] = _OUT_OF_RANGE
            else:
                exact[k] = int(number)
        values[rest] = exact[codes]
        kinds[rest] = kind[codes]
    return values, kinds


def int_column(df: pd.DataFrame, column: str, file: str, *, positive: bool = False,
            first_row: int = 1) -> pd.Series:
    """Integers of a text column (``Int64``, NA for empty cells); ``first_row``
    is the file row of ``df``'s first row (for errors).

    Integral decimals (``"395.0"``) are accepted; every value is exact (ids
    are never rounded through a float).

    Raises
    ------
    ValidationError
        At the first bad cell, naming file, row and column: not a number, not
        an integer, beyond the int64 range Neo4j stores (in either direction),
        or (``positive``) not above 0.
    """
    raw = df[column]
    fast = _strict_int64(raw)
    if fast is not None:
        kinds = np.zeros(len(raw), dtype=np.int8)
        values = fast
    else:
        exact, kinds = _exact_int64(raw)
        values = pd.Series(pd.arrays.IntegerArray(exact, raw.isna().to_numpy()),
                           index=raw.index)
    bad = kinds != _OK
    if positive:
        bad |= (values <= 0).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        i = first_true(bad)
        cell, kind = raw.iloc[i], kinds[i]
        cell = cell.item() if isinstance(cell, np.generic) else cell
        where = {"file": file, "row": first_row + i, "column": column}
        if kind == _OUT_OF_RANGE:
            raise ValidationError(
                f"{cell!r} is beyond the range of the 64-bit integers Neo4j stores "
                f"({INT64_MIN} to {INT64_MAX}); fix the cell (is it the right column?)",
                **where)
        if kind == _NOT_A_NUMBER or not positive:
            raise ValidationError(f"{cell!r} is not an integer", **where)
        raise ValidationError(f"{cell!r} is not a positive integer", **where)
    return values


def body_of_file_name(path: Path) -> int:
    """The body id that names a file (``<bodyId>.csv``, ``<bodyId>.swc``).

    Parameters
    ----------
    path : Path
        A file whose name without its suffix is all digits.

    Raises
    ------
    ValidationError
        The number is beyond the int64 range Neo4j stores, naming the file.
    """
    body = int(path.stem)
    if not INT64_MIN <= body <= INT64_MAX:
        raise ValidationError(
            f"the file name's body id {path.stem} is beyond the range of the 64-bit integers "
            f"Neo4j stores ({INT64_MIN} to {INT64_MAX}); name the file <bodyId>{path.suffix} "
            "or give bodyId in the recipe", file=str(path))
    return body


def float_column(df: pd.DataFrame, column: str, file: str) -> pd.Series:
    """``df[column]`` as float64 (NaN for empty cells); a cell that is not a
    number raises ValidationError naming file, row and column."""
    raw = df[column]
    nums = pd.to_numeric(raw, errors="coerce")
    bad = nums.isna() & raw.notna()
    if bad.any():
        i = first_true(bad)
        raise ValidationError(f"{raw.iloc[i]!r} is not a number", file=file, row=i + 1,
                              column=column)
    return nums.astype("float64")


def id_column(df: pd.DataFrame, column: str, file: str, *, first_row: int = 1) -> pd.Series:
    """:func:`int_column` for a column of body ids, which must also be written
    as integers: a decimal (``"1.0"``) or a float column means the ids went
    through a float on their way here, which holds integers exactly only up
    to 2**53 (FlyWire's root ids are above it), so they may have been changed.

    Raises
    ------
    ValidationError
        As :func:`int_column`, and at the first id written as a decimal
        number (or a float column), naming file, row and column.
    """
    raw = df[column]
    where = {"file": file, "column": column}
    if pd.api.types.is_float_dtype(raw):
        raise ValidationError(
            "body ids stored as floating-point numbers: a float holds integers exactly only "
            "up to 2**53, so ids may have been changed on the way; store them as 64-bit "
            "integers (e.g. df[col].astype('int64') before to_parquet)", **where)
    if raw.dtype == object or pd.api.types.is_string_dtype(raw):
        decimal = (raw.notna() & raw.astype(str).str.contains(r"[.eE]", regex=True)).to_numpy()
        if decimal.any():
            i = first_true(decimal)
            raise ValidationError(
                f"{raw.iloc[i]!r} is a decimal number, not an integer id: a float holds "
                "integers exactly only up to 2**53, so ids written this way may have been "
                "changed on the way; write the ids as integers (e.g. from an int64 column)",
                row=first_row + i, **where)
    return int_column(df, column, file, first_row=first_row)
