"""What a NeuronCriteria accepts: the null sentinels, the fields whose values may
be regular expressions, and the checks that turn each argument into the
values the criteria hold (numpy scalars made Python ones, names escaped,
patterns checked for Neo4j's regex dialect), with the closest names for a
mistake.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import CriteriaError, InvalidRegexError
from ..identifiers import escape_name
from .filters import PropertyFilter
from .regex import regex_problem
from .values import (as_list, check_int, check_property_value, check_text, is_integer,
                     plain_scalar)


class _NullSentinel:
    """Type of the :data:`IsNull` and :data:`NotNull` sentinels."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return self._name

    def __reduce__(self) -> str:
        return self._name  # pickles/copies as the module-level singleton

    def __copy__(self) -> "_NullSentinel":
        return self

    def __deepcopy__(self, memo: dict) -> "_NullSentinel":
        return self


#: Matches bodies where the property is absent (``n.`prop` IS NULL``);
#: same as ``[None]``. neuprint-python's ``neuprint.IsNull``.
IsNull = _NullSentinel("IsNull")
#: Matches bodies where the property is present (``n.`prop` IS NOT NULL``);
#: cannot be combined with other values. neuprint-python's ``neuprint.NotNull``.
NotNull = _NullSentinel("NotNull")

#: Fields whose string values are regular expressions when ``regex`` is true
#: (neuprint-python's ``list_props_regex``).
REGEX_FIELDS = ("type", "instance", "flywireType", "hemibrainType", "mancType")

#: neuprint-python's rule for ``regex='guess'``: any of these characters means
#: the string is a regular expression: ``\\ . ? [ ] + ^ $ *``.
REGEX_CHARACTERS = re.compile(r"[\\.?\[\]+^$*]")

_LABELS = ("Neuron", "Segment")
_ROI_REQ = ("all", "any")

# Constructor keywords; any other keyword is a neuron property.
_RESERVED = frozenset({
    "bodyId", "type", "instance", "regex", "status", "statusLabel", "cropped",
    "min_pre", "min_post", "rois", "inputRois", "outputRois", "min_roi_inputs",
    "min_roi_outputs", "roi_req", "soma", "somaLocation", "label",
})


def _missing_hint(v: Any) -> str:
    """A hint for NaN/NA (pandas' missing values) given as a criteria value."""
    if v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return " (NaN/NA: to match bodies without the property use None or IsNull)"
    return ""


def _check_values(values: list, name: str, *, kind: str) -> list:
    """Validate and normalise one field's values (numpy scalars become Python ones).

    kind: 'int' (bodyId: integers within int64), 'str' (type, status...: text),
    'any' (extra properties: text, booleans, int64 integers or floats but NaN).
    None, IsNull and NotNull pass for every kind (the caller refuses them where
    they make no sense). One value filter (:mod:`.filters`) alone passes for
    'str' and 'any', its values checked.
    """
    filters = [v for v in values if isinstance(v, PropertyFilter)]
    if filters:
        if kind == "int" or len(values) != 1:
            where = ("bodyId takes integers only" if kind == "int" else
                     "give the filter alone, not in a list")
            raise CriteriaError(f"{name}: a value filter ({filters[0]!r}) cannot be used here: "
                                f"{where}")
        return [filters[0].checked(name)]
    out = []
    for v in values:
        v = plain_scalar(v)
        if v is None or isinstance(v, _NullSentinel):
            out.append(v)
            continue
        if kind == "int":
            if not is_integer(v):
                raise CriteriaError(
                    f"{name} must be an integer or a list of integers, got {v!r}"
                    f"{_missing_hint(v)}")
            v = check_int(v, name)
        elif kind == "str":
            if not isinstance(v, str):
                raise CriteriaError(
                    f"{name} must be a string, a list of strings, None, IsNull or NotNull; "
                    f"got {v!r}{_missing_hint(v)}")
            check_text(v, name)
        else:
            v = check_property_value(
                v, name, f"{name} values must be strings, integers, floats, booleans, None, "
                "IsNull or NotNull", _missing_hint(v))
        out.append(v)
    if NotNull in out and len(out) > 1:
        raise CriteriaError(f"{name}: NotNull cannot be combined with other values")
    return out


def _check_rois(value: Any, name: str) -> frozenset[str]:
    rois = [plain_scalar(r) for r in as_list(value, name)]
    for roi in rois:
        if not isinstance(roi, str):
            raise CriteriaError(f"{name} must be ROI names (strings), got {roi!r}")
        escape_name(roi)  # InvalidIdentifierError for empty/control characters
    return frozenset(rois)


def _property_name(kwarg: str) -> str:
    """``class_`` -> ``class`` (Python keywords need a trailing underscore)."""
    if kwarg.endswith("_") and keyword.iskeyword(kwarg[:-1]):
        return kwarg[:-1]
    return kwarg


def _guess_regex(*value_lists: list) -> bool:
    return any(isinstance(v, str) and REGEX_CHARACTERS.search(v)
               for values in value_lists for v in values)


def _differs(value: Any, default: Any) -> bool:
    """Whether an argument differs from its default (anything uncomparable does)."""
    try:
        return bool(value != default)
    except Exception:  # e.g. an array: ambiguous truth value
        return True


def _check_pattern(field: str, pattern: str, *, guessed: bool, fields) -> None:
    """Raise InvalidRegexError if Neo4j would not read ``pattern`` as Python does
    (:func:`~connectograph.criteria.regex.regex_problem`)."""
    problem = regex_problem(pattern)
    if problem is None:
        return
    why = ""
    if guessed:
        trigger = next(v for f in REGEX_FIELDS for v in fields(f)
                       if isinstance(v, str) and REGEX_CHARACTERS.search(v))
        why = (f" regex='guess' read the strings as regular expressions because {trigger!r} "
               "holds one of \\ . ? [ ] + ^ $ *.")
    raise InvalidRegexError(
        f"{field}: regular expression {pattern!r} cannot be used: {problem}.{why} To match "
        f"it literally, pass regex=False, or escape it: re.escape({pattern!r}) is "
        f"{re.escape(pattern)!r}")


def _closest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(repr(c) for c in close) + "?"
    return "no similar name exists"


def _positional(obj: Any) -> tuple[str, Any]:
    """Classify a positional criteria argument: ('bodyId', ...) or ('typeinst', ...)."""
    if isinstance(obj, pd.DataFrame):
        if "bodyId" not in obj.columns:
            raise CriteriaError("a DataFrame given as criteria needs a 'bodyId' column")
        return "bodyId", obj["bodyId"].tolist()
    if isinstance(obj, str):
        return "typeinst", obj
    if is_integer(obj):
        return "bodyId", obj
    if isinstance(obj, (np.ndarray, pd.Series, pd.Index)):
        if np.issubdtype(obj.dtype, np.integer):
            return "bodyId", obj.tolist()
        obj = obj.tolist()
    if isinstance(obj, Iterable) and not isinstance(obj, Mapping):
        items = list(obj)
        present = [x for x in items if x is not None]
        if present and all(is_integer(x) for x in present):
            return "bodyId", items
        if present and all(isinstance(x, str) for x in present):
            return "typeinst", items
    raise CriteriaError(
        f"cannot build a NeuronCriteria from {obj!r}: pass a bodyId, a list of bodyIds, "
        "a type/instance string or list of them, a DataFrame with a 'bodyId' column, "
        "or use keywords such as NC(type=..., status=...)")
