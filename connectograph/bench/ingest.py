"""Ingest speed: the Bolt loader's rate and peak memory, measured in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ..errors import BenchmarkError

_LAUNCH = ("from connectograph.bench.ingest import _child\n"
           "_child()\n")


def neo4j_peak_rss_mb(pid: int | None) -> float | None:
    """High-water resident memory (VmHWM) of a process, in MiB, or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def measure_load(recipe: str | os.PathLike, uri: str, auth: tuple[str, str], *,
                 data_dir: str | None = None, batch_size: int = 5000,
                 python: str = sys.executable) -> dict:
    """Load ``recipe`` (forced) in a child process; return its summary and cost.

    Returns
    -------
    dict
        ``dataset, seconds`` (the loader's wall time), ``counts`` (nodes and
        relationships written), ``peak_rss_mb`` (the child's maximum resident
        memory, MiB; it includes the Python interpreter and the libraries,
        about 150 MiB).

    Raises
    ------
    BenchmarkError
        The load failed (its error output is in the message).
    """
    job = {"recipe": str(recipe), "uri": uri, "data_dir": data_dir, "batch_size": batch_size}
    env = dict(os.environ, CONNECTOGRAPH_BENCH_USER=auth[0], CONNECTOGRAPH_BENCH_PASSWORD=auth[1])
    proc = subprocess.Popen([python, "-c", _LAUNCH], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write(json.dumps(job))
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchmarkError(f"loading {recipe} failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux: KiB
    return result


def _child() -> None:
    from ..client import Client
    from ..loading import load
    job = json.loads(sys.stdin.read())
    auth = (os.environ["CONNECTOGRAPH_BENCH_USER"], os.environ["CONNECTOGRAPH_BENCH_PASSWORD"])
    with Client(job["uri"], auth=auth, dataset="bench:none", check_dataset=False) as client:
        summary = load(job["recipe"], client=client, data_dir=job["data_dir"], force=True,
                       batch_size=job["batch_size"], progress=None)
    print(json.dumps({"dataset": summary.dataset, "seconds": summary.seconds,
                      "counts": summary.counts}))
