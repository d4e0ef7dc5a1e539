"""Combine results that arrive one synapse partition at a time, without
holding one result per partition.

A body's totals, per-ROI counts and connected bodies come from every
partition its synapses or partners lie in; kept as one frame per partition
until the end, the post-side bodies repeat in each (at 10M synapse pairs, 96
partitions of 250,000 rows).
"""

from __future__ import annotations

from typing import Callable, Generic, Sized, TypeVar

T = TypeVar("T", bound=Sized)


class Accumulator(Generic[T]):
    """Fold parts into one result with ``combine``, a few parts at a time.

    Parts wait until they hold more rows than the result so far, then
    ``combine([result, *parts])`` folds them in: each row is combined a few
    times over (not once per later part, as folding every part at once
    would), and the parts held stay within about the size of the result.

    Parameters
    ----------
    combine : callable
        ``combine(parts) -> part``: associative and commutative (a sum, a
        maximum, a union), and the identity on one part.
    empty : T
        The result when no part was added.
    """

    def __init__(self, combine: Callable[[list[T]], T], empty: T):
        self._combine = combine
        self._result = empty
        self._parts: list[T] = []
        self._waiting = 0

    def add(self, part: T) -> None:
        """Add one part (empty parts are skipped)."""
        if not len(part):
            return
        self._parts.append(part)
        self._waiting += len(part)
        if self._waiting > len(self._result):
            self._fold()

    def _fold(self) -> None:
        if self._parts:
            self._result = self._combine([self._result, *self._parts])
        self._parts, self._waiting = [], 0

    def result(self) -> T:
        """Every part added so far, combined."""
        self._fold()
        return self._result
