"""Run the query cases in a child process, with or without the driver's Rust extension.

The ``neo4j-rust-ext`` package makes the driver encode and decode Bolt
messages in Rust; the driver falls back to pure Python when ``neo4j._rust``
cannot be imported. The child blocks that import before anything imports the
driver, so both variants run from one installation.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Callable

from ..errors import BenchmarkError

_LAUNCH = ("import sys\n"
           "if {block}: sys.modules['neo4j._rust'] = None\n"
           "from connectograph.bench.query_worker import _child\n"
           "_child()\n")


def rust_extension_installed() -> bool:
    """Whether ``neo4j-rust-ext`` is importable in this interpreter."""
    import importlib.util
    return importlib.util.find_spec("neo4j._rust") is not None


def rust_extension_active() -> bool:
    """Whether the driver loaded in this process decodes with the Rust extension."""
    from neo4j._codec.packstream import v1
    return getattr(v1, "_rust_unpack", None) is not None


def run_queries_in_child(uri: str, auth: tuple[str, str], dataset: str, *, rust: bool,
                         repeats: int, cold_repeats: int, only: list[str] | None = None,
                         python: str = sys.executable,
                         echo: Callable[[str], None] = lambda s: None) -> tuple[list[dict], bool]:
    """Run :func:`~connectograph.bench.queries.run_queries` in a child process.

    Returns
    -------
    rows : list of dict
    rust_active : bool
        Whether the child's driver used the Rust extension.

    Raises
    ------
    BenchmarkError
        The child failed (its error output is in the message).
    """
    job = {"uri": uri, "dataset": dataset, "repeats": repeats, "cold_repeats": cold_repeats,
           "only": only}
    env = dict(os.environ, CONNECTOGRAPH_BENCH_USER=auth[0], CONNECTOGRAPH_BENCH_PASSWORD=auth[1])
    proc = subprocess.Popen([python, "-c", _LAUNCH.format(block=not rust)], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate(json.dumps(job))
    for line in err.splitlines():
        if line.startswith("    "):
            echo(line)
    if proc.returncode != 0:
        raise BenchmarkError(f"query benchmark child ({'with' if rust else 'without'} the Rust "
                             f"extension) failed:\n{err[-3000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    return result["rows"], result["rust_active"]


def _child() -> None:
    from .queries import run_queries
    job = json.loads(sys.stdin.read())
    auth = (os.environ["CONNECTOGRAPH_BENCH_USER"], os.environ["CONNECTOGRAPH_BENCH_PASSWORD"])
    rows = run_queries(job["uri"], auth, job["dataset"], repeats=job["repeats"],
                       cold_repeats=job["cold_repeats"], only=job["only"],
                       echo=lambda s: print(s, file=sys.stderr, flush=True))
    print(json.dumps({"rows": rows, "rust_active": rust_extension_active()}, default=str))
