"""Value filters for one NeuronCriteria field: ranges, exclusion and regular
expressions on any neuron property.

neuprint-python's ``NeuronCriteria`` matches a property against a list of
values (and, for a few fields, regular expressions). CAVE's queries also filter
by comparison, exclusion and pattern (``filter_greater_dict``,
``filter_less_dict``, ``filter_out_dict``, ``filter_regex_dict``); these are the
same filters in NeuronCriteria form::

    NC(ntGabaProb=AtLeast(0.5))              # ntGabaProb >= 0.5
    NC(pre=Between(100, 500))                # 100 <= pre <= 500
    NC(predictedNtProb=Above(0.9))           # strictly greater
    NC(type=NotIn(["KCab", "KCg-m"]))        # bodies without a type match too
    NC(hemilineage=Regex("0[0-9]A"))         # any string property

A filter stands alone as the field's value (not in a list); a field takes
one filter. Like every other criterion, the filter's values are query
parameters and its condition is one node of the parenthesised condition tree
(:mod:`.conditions`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ..errors import CriteriaError, InvalidRegexError
from .conditions import (And, Condition, Greater, GreaterEq, In, Less, LessEq, Not, Or,
                         PropertyIsNull, RegexMatch)
from .regex import regex_problem
from .values import as_list, check_number, check_property_value, check_text, plain_scalar

__all__ = ["PropertyFilter", "Range", "AtLeast", "AtMost", "Above", "Below", "Between",
           "NotIn", "Regex"]


class PropertyFilter(ABC):
    """Base class of the value filters (:class:`Range`, :class:`NotIn`, :class:`Regex`)."""

    @abstractmethod
    def checked(self, name: str) -> "PropertyFilter":
        """The filter with its values checked for field ``name``.

        Raises
        ------
        CriteriaError
            A value that cannot be a query parameter or makes no sense here.
        """

    @abstractmethod
    def condition(self, var: str, key: str) -> Condition:
        """The condition on property ``key`` of node ``var``."""


@dataclass(frozen=True)
class Range(PropertyFilter):
    """Numeric range ``low <= value <= high`` (either bound may be None;
    ``include_low``/``include_high`` False make that bound strict). Bodies
    without the property never match. Use :func:`AtLeast`, :func:`AtMost`,
    :func:`Above`, :func:`Below` or :func:`Between` to make one."""

    low: int | float | None = None
    high: int | float | None = None
    include_low: bool = True
    include_high: bool = True

    def checked(self, name: str) -> "Range":
        low, high = (None if b is None else check_number(b, f"{name}: a range bound")
                     for b in (self.low, self.high))
        if low is None and high is None:
            raise CriteriaError(f"{name}: a range needs at least one bound")
        if low is not None and high is not None and low > high:
            raise CriteriaError(f"{name}: the range's low bound {low!r} is above its high "
                                f"bound {high!r}")
        for flag in (self.include_low, self.include_high):
            if not isinstance(flag, bool):
                raise CriteriaError(f"{name}: include_low/include_high must be True or False")
        return Range(low, high, self.include_low, self.include_high)

    def condition(self, var: str, key: str) -> Condition:
        parts: list[Condition] = []
        if self.low is not None:
            parts.append((GreaterEq if self.include_low else Greater)(var, key, self.low))
        if self.high is not None:
            parts.append((LessEq if self.include_high else Less)(var, key, self.high))
        return parts[0] if len(parts) == 1 else And(*parts)


def AtLeast(value: int | float) -> Range:
    """``property >= value``."""
    return Range(low=value)


def AtMost(value: int | float) -> Range:
    """``property <= value``."""
    return Range(high=value)


def Above(value: int | float) -> Range:
    """``property > value`` (strict)."""
    return Range(low=value, include_low=False)


def Below(value: int | float) -> Range:
    """``property < value`` (strict)."""
    return Range(high=value, include_high=False)


def Between(low: int | float, high: int | float) -> Range:
    """``low <= property <= high`` (both ends included)."""
    return Range(low=low, high=high)


@dataclass(frozen=True)
class NotIn(PropertyFilter):
    """The property is none of ``values``. Bodies without the property match
    (a missing value is none of them), unless ``None`` is among the values:
    ``NotIn(["KCab", None])`` also leaves out bodies without a type."""

    values: tuple = ()

    def __init__(self, values: Any) -> None:
        object.__setattr__(self, "values", tuple(as_list(values, "NotIn")))

    def checked(self, name: str) -> "NotIn":
        refusal = f"{name}: NotIn values must be strings, integers, floats, booleans or None"
        out = [None if v is None else check_property_value(v, name, refusal)
               for v in map(plain_scalar, self.values)]
        if not [v for v in out if v is not None]:
            raise CriteriaError(f"{name}: NotIn needs at least one value (NotIn([None]) is "
                                "NotNull)")
        return NotIn(out)

    def condition(self, var: str, key: str) -> Condition:
        concrete = [v for v in self.values if v is not None]
        excluded = Not(In(var, key, concrete))
        if None in self.values:
            return excluded     # null IN [...] is null: a body without it never matches
        return Or(PropertyIsNull(var, key), excluded)


@dataclass(frozen=True)
class Regex(PropertyFilter):
    """The property, a string, matches ``pattern`` as a whole (Neo4j's ``=~``,
    Java regex). For any string property; ``type`` and ``instance`` also take
    patterns directly (``regex=True``). Bodies without the property never match."""

    pattern: str

    def checked(self, name: str) -> "Regex":
        if not isinstance(self.pattern, str):
            raise CriteriaError(f"{name}: Regex needs a string pattern, got {self.pattern!r}")
        check_text(self.pattern, name)
        problem = regex_problem(self.pattern)
        if problem:
            raise InvalidRegexError(f"{name}: invalid regular expression {self.pattern!r}: "
                                    f"{problem}")
        return self

    def condition(self, var: str, key: str) -> Condition:
        return RegexMatch(var, key, self.pattern)
