"""Ingest speed: the Bolt loader's rate and peak memory, measured in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from ..errors import BenchmarkError

_LAUNCH = ("from connectograph.bench.ingest import _child\n"
           "_child()\n")


def process_peak_rss_mb(pid: int | str | None) -> float | None:
    """High-water resident memory (VmHWM) of a process (``"self"`` for this
    one), in MiB, or None."""
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
                 data_dir: str | None = None, batch_size: int = 5000, writers: int = 2,
                 partition_rows: int | None = None, python: str = sys.executable,
                 dataset: str | None = None) -> dict:
    """Load ``recipe`` (forced) in a child process; return its summary and cost.

    ``batch_size``, ``writers``, ``partition_rows`` and ``dataset`` (one
    member of a ``[[series]]`` recipe) are passed to
    :func:`connectograph.loading.load`.

    Returns
    -------
    dict
        ``dataset, writers, partition_rows, seconds`` (the loader's wall time), ``counts`` (nodes and
        relationships written), ``stages`` (seconds per loader stage, in order:
        the loader's own phases such as ``read and validate`` and ``publish``,
        and each batched write such as ``bodies``, ``synapses``,
        ``SynapsesTo``), ``synapses`` (``Synapse`` nodes plus ``SynapsesTo``
        relationships written), ``synapses_per_s`` (that count over
        ``seconds``; None without synapses), ``peak_rss_mb`` (the child's
        own maximum resident memory, its VmHWM read before it exits, MiB; it
        includes the Python interpreter and the libraries, about 200 MiB. Not
        ``ru_maxrss`` from ``wait4``: Linux carries the forking process's
        resident size over ``exec`` into it, so it reported the benchmark
        process's own size whenever that was larger).

    Raises
    ------
    BenchmarkError
        The load failed (its error output is in the message).
    """
    job = {"recipe": str(recipe), "uri": uri, "data_dir": data_dir, "batch_size": batch_size,
           "writers": writers, "partition_rows": partition_rows, "dataset": dataset}
    env = dict(os.environ, CONNECTOGRAPH_BENCH_USER=auth[0], CONNECTOGRAPH_BENCH_PASSWORD=auth[1])
    proc = subprocess.Popen([python, "-c", _LAUNCH], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdin.write(json.dumps(job))
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchmarkError(f"loading {recipe} failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


class StageClock:
    """Seconds per loader stage, from the loader's own hooks: its stage messages
    (``echo``) and the progress bars of its batched writes (``progress``).

    A batched write is timed from the creation of its bar to ``close()``; a
    stage message is timed until the next message (so ``all writes`` spans the
    batched writes and the index builds between them). Names repeat when a stage
    runs twice (the times add up).
    """

    #: Stage messages of :func:`connectograph.loading.load` → short names.
    MESSAGES = {"Reading and validating": "read and validate",
                "Removing what an interrupted load": "clear staging",
                "Writing ROIs, bodies and connections": "all writes",
                "Publishing": "publish"}

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self._open: tuple[str, float] | None = None

    def _add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def echo(self, message: str) -> None:
        now = time.perf_counter()
        if self._open is not None:
            self._add(*self._close(now))
        name = next((v for k, v in self.MESSAGES.items() if message.startswith(k)),
                    message.rstrip(" .").lower())
        self._open = (name, now)

    def _close(self, now: float) -> tuple[str, float]:
        name, t0 = self._open
        self._open = None
        return name, now - t0

    def finish(self) -> dict[str, float]:
        if self._open is not None:
            self._add(*self._close(time.perf_counter()))
        return self.stages

    def progress(self, total: int, desc: str):
        clock, t0 = self, time.perf_counter()

        class _Bar:
            def update(self, n: int) -> None:
                pass

            def close(self) -> None:
                clock._add(desc.strip(), time.perf_counter() - t0)
        return _Bar()


def synapse_count(counts: dict) -> int:
    """Synapse points plus partner links (``SynapsesTo``) a load wrote."""
    return int(counts.get("Synapse nodes", 0)) + int(counts.get("SynapsesTo relationships", 0))


def _child() -> None:
    from ..connection import Connection
    from ..loading import load
    job = json.loads(sys.stdin.read())
    auth = (os.environ["CONNECTOGRAPH_BENCH_USER"], os.environ["CONNECTOGRAPH_BENCH_PASSWORD"])
    clock = StageClock()
    with Connection(job["uri"], auth=auth) as connection:
        summary = load(job["recipe"], client=connection, data_dir=job["data_dir"],
                       dataset=job.get("dataset"), force=True,
                       batch_size=job["batch_size"], writers=job["writers"],
                       partition_rows=job["partition_rows"], progress=clock.progress,
                       echo=clock.echo)
    stages = clock.finish()
    synapses = synapse_count(summary.counts)
    print(json.dumps({"dataset": summary.dataset, "writers": job["writers"],
                      "partition_rows": job["partition_rows"],
                      "seconds": summary.seconds,
                      "counts": summary.counts, "stages": stages, "synapses": synapses,
                      "synapses_per_s": synapses / summary.seconds if synapses else None,
                      "peak_rss_mb": process_peak_rss_mb("self")}))


#: Baseline of the bulk-import row.
BULK_BASELINE = "neo4j-admin database import (same CSV rows)"


def bolt_row(dataset: str, result: dict, manifest: dict | None = None) -> dict:
    """The report row of one :func:`measure_load` result.

    ``extra`` holds ``bodies, connections, synapse_pairs`` (from the
    generator's manifest; None for the real bundle), ``synapses`` (points plus
    ``SynapsesTo`` partner links written), ``synapses_per_s`` (that over the
    whole load's seconds), ``synapse_write_per_s`` (that over the seconds of
    the synapse writes alone: the ``synapse graph`` stage, which also writes
    the SynapseSets and their links, plus ``synapses`` in no pair),
    ``connections_per_s``,
    ``synapse_pairs_per_s``, ``peak_rss_mb`` (the loader's), ``stages``
    (seconds), ``counts`` and ``partition_rows`` (None for an in-memory load;
    also named in ``variant``).
    """
    manifest = manifest or {}
    seconds = result["seconds"]
    counts = result["counts"]
    stages = result.get("stages") or {}
    conns = counts.get("ConnectsTo relationships", 0)
    pairs = manifest.get("synapse_pairs")
    synapses = synapse_count(counts)
    write_s = stages.get("synapse graph", 0.0) + stages.get("synapses", 0.0)
    extra = {"bodies": counts.get("Segment nodes"), "connections": conns,
             "synapse_pairs": pairs, "synapses": synapses,
             "synapses_per_s": synapses / seconds if synapses else None,
             "synapse_write_per_s": synapses / write_s if synapses and write_s else None,
             "connections_per_s": conns / seconds,
             "synapse_pairs_per_s": pairs / seconds if pairs else None,
             "peak_rss_mb": result["peak_rss_mb"], "stages": stages, "counts": counts}
    parts = ["neurons", "connections"] + (["synapses"] if synapses else [])
    note = ("synapses/s = (Synapse nodes + SynapsesTo links) / load seconds; target "
            ">= 50,000" if synapses else "no synapse tables in the recipe")
    if not manifest:
        note += "; the recipe as bundled (counts in extra)"
    extra["partition_rows"] = result.get("partition_rows")
    if extra["partition_rows"]:
        parts.append(f"partitions of {extra['partition_rows']:,} rows")
        note += ("; synapse tables spilled to disk and written by partition "
                 "(load --partition-rows)")
    return {"section": "ingest", "dataset": dataset, "case": "load (Bolt)",
            "variant": "+".join(parts), "ours_min_s": seconds, "ours_median_s": seconds,
            "runs": 1, "extra": json.dumps(extra), "note": note}


def bulk_rows(dataset: str, recipe: str, data_dir: str | None, *, instance: str,
              notes: list[str], heap: str | None = None, pagecache: str | None = None,
              echo=print) -> list[dict]:
    """The bulk-import comparison row of one recipe, from
    ``connectograph.bench.bulk.measure_bulk_import`` (run on the throw-away
    local instance ``instance`` with ``heap`` and ``pagecache``).

    ``ratio_min`` is a time ratio like the other rows' (ours seconds /
    neo4j-admin seconds; above 1 means ours is slower); ``extra`` holds
    ``nodes, relationships, ours_rate, admin_rate`` (nodes + relationships per
    second), ``stages`` (seconds), ``store_bytes``, ``import_phase_s`` and
    ``import_phase_ratio`` (see :func:`~connectograph.bench.bulk.measure_bulk_import`).

    Returns no row and adds a line to ``notes`` when the measurement fails
    with a connectograph error (its message is the note).
    """
    from ..errors import ConnectographError
    from .bulk import measure_bulk_import
    echo(f"Bulk import of {dataset} (ours vs neo4j-admin) ...")
    try:
        res = measure_bulk_import(recipe, data_dir=data_dir, instance=instance, heap=heap,
                                  pagecache=pagecache, echo=echo)
    except ConnectographError as err:
        notes.append(f"bulk import of {dataset} failed: {err}")
        return []
    extra = {k: res.get(k) for k in ("nodes", "relationships", "ours_rate", "admin_rate",
                                     "stages", "store_bytes", "import_phase_s",
                                     "import_phase_ratio")}
    return [{"section": "ingest", "dataset": dataset, "case": "load (bulk import)",
             "variant": "CSV + neo4j-admin", "ours_min_s": res["ours_s"],
             "ours_median_s": res["ours_s"], "baseline": BULK_BASELINE,
             "baseline_min_s": res["admin_s"], "baseline_median_s": res["admin_s"],
             "ratio_min": res["ours_s"] / res["admin_s"],
             "ratio_median": res["ours_s"] / res["admin_s"], "runs": 1,
             "extra": json.dumps(extra, default=str),
             "note": "ours: the whole bulk load (prepare, CSV, import, restart, indexes); "
                     "neo4j-admin: the import alone on the same files"}]
