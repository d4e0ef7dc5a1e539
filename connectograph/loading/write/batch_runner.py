"""Run write batches on a few threads at once while keeping their dependencies.

The synapse graph stage writes batches that are mostly independent, but a
batch that looks up synapses an earlier batch created must start after that
batch committed. :func:`run_batches` runs up to ``workers`` batches at a time
(one transaction each) and holds a batch back until the batch it names has
finished; the next batch is built by the caller's generator while the others
run.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable


def run_batches(work: Callable[[Any], Any], batches: Iterable[tuple[Any, int]], workers: int,
                finished: Callable[[Any], None] = lambda batch: None) -> None:
    """Call ``work(batch)`` for every batch, up to ``workers`` at a time.

    Parameters
    ----------
    work : callable
        Runs one batch (e.g. one write transaction); called from a worker thread.
    batches : iterable of (batch, int)
        Each batch with ``after``: the number (0-based, in this iterable's
        order) of an earlier batch that must have finished before this one
        starts, or -1. Consumed lazily: at most ``workers`` batches are held
        at a time, plus the one being built.
    workers : int
        Batches running at once (at least 1).
    finished : callable, optional
        Called with each batch after it finished, in the order of ``batches``
        (e.g. to advance a progress bar).

    Raises
    ------
    ValueError
        ``after`` does not name an earlier batch, or ``workers < 1``.
    Exception
        The first error a batch raised (seen in the order of ``batches``);
        no batch starts after it is seen, and the running ones are waited for.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    running: dict[int, Future] = {}
    order: deque[tuple[int, Any]] = deque()

    def finish_oldest() -> None:
        k, batch = order.popleft()
        running.pop(k).result()
        finished(batch)

    pool = ThreadPoolExecutor(workers, thread_name_prefix="batch")
    try:
        for k, (batch, after) in enumerate(batches):
            if not -1 <= after < k:
                raise ValueError(f"batch {k} must wait for batch {after}, which is not earlier")
            if after in running:
                running[after].result()
            while len(order) >= workers:
                finish_oldest()
            running[k] = pool.submit(work, batch)
            order.append((k, batch))
        while order:
            finish_oldest()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
