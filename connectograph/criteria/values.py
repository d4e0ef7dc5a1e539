"""Checks of the values given to criteria, shared by NeuronCriteria and SynapseCriteria.

Every value a criteria object accepts reaches Neo4j as a query parameter and
means there what it means in Python. Values straight out of numpy or pandas
are accepted where the Python value is (``np.int64(5)`` as ``5``,
``np.False_`` as ``False``); anything that would be ignored, change meaning
or fail in the driver is refused at construction with a
:class:`~connectograph.errors.CriteriaError` saying what to pass instead:

* booleans: ``True``/``False`` (Python or numpy) only; ``0``/``1`` and
  strings such as ``'False'`` are ambiguous and refused;
* integers: Python or numpy, within Neo4j's 64-bit range
  (``-2**63 .. 2**63 - 1``); ``True``/``False`` are not integers;
* numbers: integers as above and finite floats (Python or numpy); other
  number types (``Fraction``, ``Decimal``) cannot be sent to Neo4j;
* text: ``str`` without lone surrogates (they cannot be encoded as UTF-8).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CriteriaError

__all__ = ["INT64_MIN", "INT64_MAX", "as_list", "check_bool", "check_int", "check_number",
           "check_text", "is_integer", "plain_scalar"]

#: Range of Neo4j's integers (Java ``long``).
INT64_MIN, INT64_MAX = -2**63, 2**63 - 1


def plain_scalar(value: Any) -> Any:
    """A numpy scalar as the Python scalar it holds (``np.int64(5)`` -> ``5``);
    anything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def is_integer(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (booleans excluded)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def as_list(value: Any, name: str) -> list:
    """neuprint-python's ``ensure_list_args``: None -> ``[]``, one value -> ``[value]``,
    a list, tuple, set, array, Series or Index -> its items.

    Raises
    ------
    CriteriaError
        For a mapping (``{'a': 1}``): its keys would be taken silently.
    """
    if value is None:
        return []
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return [value.item()]
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    if isinstance(value, Mapping):
        raise CriteriaError(f"{name} must be a value or a list of values, not a mapping "
                            f"({value!r}); pass a list")
    if isinstance(value, (np.ndarray, pd.Series, pd.Index)):
        return list(value.tolist())
    return list(value)


def check_bool(value: Any, name: str, *, allow_none: bool = True) -> bool | None:
    """``value`` as a Python bool (None passes if ``allow_none``).

    Raises
    ------
    CriteriaError
        For anything but True/False (Python or numpy) or None: ``0``/``1``
        and strings such as ``'False'`` are refused, not guessed.

    Examples
    --------
    >>> check_bool(np.False_, "cropped")
    False
    >>> check_bool(0, "cropped")
    Traceback (most recent call last):
    ...
    connectograph.errors.CriteriaError: cropped must be True, False or None (Python or
    numpy booleans), not 0 (int); numbers are not taken as booleans: if it is a 0/1
    flag, pass bool(flag)
    """
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    accepted = "True, False or None" if allow_none else "True or False"
    hint = ""
    if is_integer(value) or isinstance(value, (float, np.floating)):
        hint = "; numbers are not taken as booleans: if it is a 0/1 flag, pass bool(flag)"
    elif isinstance(value, str):
        hint = ("; text is not taken as a boolean (bool('False') is True): compare it, "
                "e.g. text == 'True'")
    raise CriteriaError(f"{name} must be {accepted} (Python or numpy booleans), not "
                        f"{value!r} ({type(value).__name__}){hint}")


def check_int(value: Any, name: str) -> int:
    """``value`` (a Python or numpy integer) as a Python int within Neo4j's range.

    Raises
    ------
    CriteriaError
        For a non-integer, a boolean, or a value outside ``-2**63 .. 2**63 - 1``.
    """
    if not is_integer(value):
        raise CriteriaError(f"{name} must be an integer, not {value!r} ({type(value).__name__})")
    value = int(value)
    if not INT64_MIN <= value <= INT64_MAX:
        raise CriteriaError(
            f"{name} {value} is outside the 64-bit integer range Neo4j stores "
            f"({INT64_MIN} to {INT64_MAX}); no value in the database can match it")
    return value


def check_number(value: Any, name: str, *, minimum: float | None = None) -> int | float:
    """``value`` (an integer as in :func:`check_int`, or a finite float, Python
    or numpy) as a plain Python number, at least ``minimum`` if given.

    Raises
    ------
    CriteriaError
        For booleans, NaN, infinities, other number types (``Fraction``,
        ``Decimal``), non-numbers, and values below ``minimum``.
    """
    if is_integer(value):
        number: int | float = check_int(value, name)
    elif isinstance(value, (float, np.floating)) and math.isfinite(value):
        number = float(value)
    else:
        raise CriteriaError(
            f"{name} must be an integer or a finite float (Python or numpy), not {value!r} "
            f"({type(value).__name__})")
    if minimum is not None and number < minimum:
        raise CriteriaError(f"{name} must be at least {minimum}, not {value!r}")
    return number


def check_property_value(value: Any, name: str, refusal: str, hint: str = "") -> Any:
    """``value`` (a plain Python scalar, see :func:`plain_scalar`) if it can be
    a property value to compare with: text (:func:`check_text`), a boolean, an
    integer within 64 bits (:func:`check_int`) or a float but NaN.

    Raises
    ------
    CriteriaError
        ``refusal`` (what the field takes), the value and its type, then
        ``hint``, for anything else.
    """
    if isinstance(value, str):
        return check_text(value, name)
    if is_integer(value):
        return check_int(value, name)
    if isinstance(value, bool) or (isinstance(value, float) and not math.isnan(value)):
        return value
    raise CriteriaError(f"{refusal}; got {value!r} ({type(value).__name__}){hint}")


def check_text(value: str, name: str) -> str:
    """``value`` (a str) if it can be sent to Neo4j as text.

    Raises
    ------
    CriteriaError
        If it holds a lone surrogate (e.g. ``'\\ud800'``), which is not text.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise CriteriaError(
            f"{name} value {value!r} holds a lone surrogate (U+{ord(value[err.start]):04X}), "
            "which is not text and cannot be sent to Neo4j; fix the string (decode the "
            "bytes it came from as UTF-8)") from None
    return value
