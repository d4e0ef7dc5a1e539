"""Unit tests (no server) for running write batches concurrently with dependencies."""

from __future__ import annotations

import threading
import time

import pytest

from connectograph.loading.write.batch_runner import run_batches


class _Recorder:
    """A work function that records when each batch starts and ends."""

    def __init__(self, seconds: dict[int, float] | None = None, fail: int | None = None):
        self.seconds = seconds or {}
        self.fail = fail
        self.lock = threading.Lock()
        self.events: list[tuple[str, int]] = []
        self.running = self.most_running = 0

    def __call__(self, k: int) -> None:
        with self.lock:
            self.events.append(("start", k))
            self.running += 1
            self.most_running = max(self.most_running, self.running)
        time.sleep(self.seconds.get(k, 0.01))
        with self.lock:
            self.running -= 1
            self.events.append(("end", k))
        if k == self.fail:
            raise RuntimeError(f"batch {k} failed")

    def position(self, event: str, k: int) -> int:
        return self.events.index((event, k))


def test_a_batch_starts_only_after_the_batch_it_waits_for_ended():
    # batch 0 is slow; batch 2 needs it, batch 1 does not
    work = _Recorder(seconds={0: 0.2})
    done = []
    run_batches(work, [(0, -1), (1, -1), (2, 0), (3, -1)], workers=2, finished=done.append)
    assert work.position("start", 1) < work.position("end", 0)    # ran beside batch 0
    assert work.position("end", 0) < work.position("start", 2)
    assert done == [0, 1, 2, 3]                                    # reported in order
    assert work.most_running == 2


@pytest.mark.parametrize("workers", [1, 3])
def test_never_more_than_workers_at_once(workers):
    work = _Recorder()
    run_batches(work, ((k, -1) for k in range(12)), workers=workers)
    assert work.most_running <= workers
    assert sorted(k for e, k in work.events if e == "end") == list(range(12))


def test_an_error_stops_later_batches_and_is_raised():
    work = _Recorder(seconds={1: 0.05}, fail=1)
    with pytest.raises(RuntimeError, match="batch 1 failed"):
        run_batches(work, ((k, -1) for k in range(20)), workers=2)
    started = [k for e, k in work.events if e == "start"]
    assert 1 in started and len(started) < 20


def test_a_dependency_must_name_an_earlier_batch():
    with pytest.raises(ValueError, match="batch 1 must wait for batch 1"):
        run_batches(_Recorder(), [(0, -1), (1, 1)], workers=2)
    with pytest.raises(ValueError, match="at least 1"):
        run_batches(_Recorder(), [], workers=0)
