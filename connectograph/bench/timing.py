"""Repeated wall-clock timing with min and median."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class Timing:
    """Wall times of repeated runs, in seconds.

    Attributes
    ----------
    times : list of float
        One per run.
    result : Any
        What the last run returned.
    """

    times: list[float] = field(default_factory=list)
    result: Any = None

    @property
    def min(self) -> float:
        return min(self.times) if self.times else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")


def measure(fn: Callable[[], Any], repeats: int, *, setup: Callable[[], Any] | None = None,
            warmup: bool = False) -> Timing:
    """Time ``fn()`` ``repeats`` times.

    Parameters
    ----------
    fn : callable
        Called with the value ``setup()`` returned (if ``setup`` is given), else
        with no argument.
    repeats : int
        Number of timed runs (>= 1).
    setup : callable, optional
        Called before each run, outside the timed span (e.g. clear caches, open
        a fresh connection).
    warmup : bool
        One untimed run first.
    """
    timing = Timing()
    if warmup:
        timing.result = fn(setup()) if setup else fn()
    for _ in range(max(1, repeats)):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        timing.result = fn(arg) if setup else fn()
        timing.times.append(time.perf_counter() - t0)
    return timing
