"""Repeated wall-clock timing with min and median."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence


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


def measure_alternating(fns: Sequence[Callable[[], Any]], repeats: int, *,
                        min_seconds: float = 0.0, max_repeats: int = 50) -> list[Timing]:
    """Time several functions run in alternation, after one untimed run each.

    Round ``i`` runs them in order, the next round in reverse order (A B, B A,
    A B...), so a change in the machine's load during the measurement falls
    on all of them alike instead of on whichever ran last. Fast functions get
    more rounds: after ``repeats`` rounds, rounds continue while the timed
    total is under ``min_seconds`` (at most ``max_repeats`` rounds), since the
    minimum of a few runs of a millisecond-long call mostly measures noise.

    Returns
    -------
    list of Timing
        One per function, in the order given.
    """
    timings = [Timing() for _ in fns]
    for fn, timing in zip(fns, timings):
        timing.result = fn()
    rounds = 0
    while rounds < max(1, repeats) or (
            sum(sum(t.times) for t in timings) < min_seconds and rounds < max_repeats):
        order = list(zip(fns, timings))
        for fn, timing in (order if rounds % 2 == 0 else order[::-1]):
            t0 = time.perf_counter()
            timing.result = fn()
            timing.times.append(time.perf_counter() - t0)
        rounds += 1
    return timings
