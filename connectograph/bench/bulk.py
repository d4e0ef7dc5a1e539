"""Bulk import speed: our whole bulk path against neo4j-admin alone on the same files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable


#: The bulk load's stages that move the data (read and derive, write the CSV
#: files, neo4j-admin's import): ``import_phase_s`` of :func:`measure_bulk_import`.
IMPORT_PHASE_STAGES = ("prepare", "csv", "import")


def _folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure_bulk_import(recipe: str | os.PathLike, *, data_dir: str | None = None,
                        instance: str = "bench-bulk", heap: str | None = None,
                        pagecache: str | None = None, threads: int | None = None,
                        running: bool = False, echo: Callable[[str], None] = print) -> dict:
    """Time :func:`~connectograph.loading.bulk.bulk_load` and neo4j-admin alone.

    The instance is wiped and configured on free ports (not started, so it has
    no database yet: the first load of a fresh instance), the recipe is
    bulk-loaded (import files kept), then the server is stopped and
    ``neo4j-admin database import full`` runs again alone on the very same
    files with the same arguments (``--overwrite-destination``). The instance
    is stopped and deleted at the end.

    Parameters
    ----------
    recipe : str or path
        A recipe (e.g. the ``recipe.toml`` of :func:`connectograph.synthetic.generator.generate`).
    data_dir : str, optional
        Folder of the input files, overriding the recipe's.
    instance : str
        Throw-away local instance (its data is deleted first and last).
    heap, pagecache : str, optional
        Server memory (default sized for the machine); the import's off-heap
        memory is capped at ``pagecache``.
    threads : int, optional
        neo4j-admin worker threads (default: the number of processors).
    running : bool
        Start the (empty) server before the load instead, as when bulk-loading
        into a running instance: the load then checks it over Bolt and stops it.
    echo : callable
        Receives progress messages.

    Returns
    -------
    dict
        ``ours_s`` (s, wall time of the whole bulk load: prepare, CSV, stop,
        import, start, renames, schema and indexes online), ``stages`` (s per
        stage), ``admin_s`` (s, neo4j-admin alone on the same files),
        ``nodes``, ``relationships`` (imported), ``ours_rate`` and
        ``admin_rate`` (nodes + relationships per second), ``ratio``
        (``ours_rate / admin_rate``), ``store_bytes`` (bytes of the database
        folder after the bulk load, indexes included), ``import_phase_s`` (s,
        our data movement: the stages ``prepare``, ``csv`` and ``import``) and
        ``import_phase_ratio`` (``admin_s / import_phase_s``). The rest of
        ``ours_s`` is what Neo4j Community needs after any import (stop,
        start, indexes built online, ROI-flag renames), which neo4j-admin's
        own figure leaves out.
    """
    from .. import neo4j_server
    from ..loading.bulk import ADMIN_ARGS_FILE, bulk_load
    from ..neo4j_server import load_settings, run_admin

    quiet = lambda s: None  # noqa: E731
    root = neo4j_server.fresh_instance(instance, heap=heap, pagecache=pagecache,
                                       start_server=running).root
    files = root / "bench-import-files"
    try:
        t0 = time.monotonic()
        summary = bulk_load(recipe, instance=instance, data_dir=data_dir, threads=threads,
                            keep_files=files, echo=echo)
        ours = time.monotonic() - t0
        store = _folder_bytes(root / "data" / "databases" / "neo4j")
        nodes = summary.counts["nodes imported"]
        rels = summary.counts["relationships imported"]
        echo("Running neo4j-admin alone on the same files ...")
        neo4j_server.stop(instance, echo=quiet)
        args = json.loads((files / ADMIN_ARGS_FILE).read_text())
        t0 = time.monotonic()
        run_admin(args, load_settings(instance))
        admin = time.monotonic() - t0
    finally:
        neo4j_server.stop(instance, echo=quiet)
        shutil.rmtree(root, ignore_errors=True)
    rows = nodes + rels
    result = {"ours_s": ours, "stages": dict(summary.stages), "admin_s": admin,
              "nodes": nodes, "relationships": rels, "ours_rate": rows / ours,
              "admin_rate": rows / admin, "ratio": admin / ours, "store_bytes": store}
    result["import_phase_s"] = sum(summary.stages.get(k, 0.0) for k in IMPORT_PHASE_STAGES)
    result["import_phase_ratio"] = admin / result["import_phase_s"]
    echo(f"bulk load {ours:.1f} s ({result['ours_rate']:,.0f} rows/s), neo4j-admin alone "
         f"{admin:.1f} s ({result['admin_rate']:,.0f} rows/s): ratio {result['ratio']:.2f}; "
         f"prepare + CSV + import {result['import_phase_s']:.1f} s: ratio "
         f"{result['import_phase_ratio']:.2f}")
    return result
