"""First loads of large datasets with ``neo4j-admin database import full``.

:func:`bulk_load` reads, validates and derives the dataset exactly as the Bolt
loader does (:func:`~connectograph.loading.preparation.prepare`), writes it as
import CSV files (:mod:`~connectograph.loading.write.bulk_csv`), imports them into a
fresh ``neo4j`` database with the local server stopped (a running server is
checked and stopped in the background while the data is prepared; a stopped
one without a database is not started at all), starts the server, renames the
properties CSV headers cannot hold, applies the dataset's schema
(``cypher/schema.cypher``), waits for its indexes and only then sets
``Meta.loadComplete = true``. The graph is the one the Bolt loader writes.

``database import full`` replaces the whole ``neo4j`` database (Neo4j
Community has one user database), so the instance must hold no data.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Sequence

from ..connection import Connection
from ..cypher_files import LabelSet, dataset_statements, statement
from ..errors import BulkImportError, Neo4jServerError
from .. import neo4j_server
from ..neo4j_server import load_settings, run_admin
from ..neo4j_server.process import check_ports
from ..neo4j_server.settings import instance_name, local_connection
from .arrow_memory import arrow_system_memory
from .fingerprint import fingerprint
from .preparation import prepare
from .recipe import Recipe, checked_recipe
from .summary import LoadSummary
from .write.bulk_csv import write_import_files
from .write.dataset_writer import (INDEX_WAIT_SECONDS, list_datasets, roi_flag_index_statements,
                                   run_schema_statements)
from .write.import_csv import PLACEHOLDER_PREFIX, ImportFiles

#: Nodes per transaction when renaming placeholder properties after the import.
RENAME_BATCH = 50_000
#: File in the import folder holding the neo4j-admin arguments (for re-running
#: the import alone, as the benchmark does).
ADMIN_ARGS_FILE = "neo4j-admin-args.json"


@contextmanager
def _timed(stages: dict[str, float], name: str, echo: Callable[[str], None], message: str):
    echo(message)
    t0 = time.monotonic()
    try:
        yield
    finally:
        stages[name] = stages.get(name, 0.0) + time.monotonic() - t0


def _connection(instance: str) -> Connection:
    uri, auth = local_connection(instance)
    return Connection(uri, auth=auth)


def _check_empty(instance: str, overwrite: bool, echo) -> None:
    """Refuse (BulkImportError) if the instance's database holds any node."""
    with _connection(instance) as c:
        nodes = c.read(statement("bulk_import.cypher", "count_nodes"))[0]["nodes"]
        if nodes == 0:
            return
        names = [f"{d['dataset']}:{d['tag']}" for d in list_datasets(c)]
    what = f"datasets {', '.join(names)}" if names else "data that is no dataset"
    if overwrite:
        echo(f"Replacing everything in instance {instance!r} ({nodes:,} nodes; {what})")
        return
    raise BulkImportError(
        f"instance {instance!r} already holds {nodes:,} nodes ({what}); a bulk import "
        "replaces the whole database, so it only loads into an empty one. Either drop "
        "them first (connectograph drop NAME:TAG), bulk-load into another instance "
        "(--instance NAME), load over Bolt (without --bulk), or pass overwrite=True / "
        "--overwrite to replace everything in this instance")


def _store_folders(settings) -> list[Path]:
    """The ``neo4j`` database's store and transaction-log folders."""
    return [settings.root / "data" / sub / "neo4j" for sub in ("databases", "transactions")]


def _has_store(settings) -> bool:
    """Whether the instance has a ``neo4j`` database on disk (store or
    transaction logs). Without one, the database is certainly empty: the
    server creates it on its first start."""
    return any(folder.exists() for folder in _store_folders(settings))


def _ready_for_import(instance: str, overwrite: bool, echo) -> Future | None:
    """Make sure the instance's database may be replaced, without starting a
    server just to look at it where that can be decided offline.

    - running: count its nodes over Bolt (:func:`_check_empty`), then stop it
      in a background thread (returned; the caller prepares the data meanwhile);
    - stopped, no ``neo4j`` store on disk: empty, nothing to do;
    - stopped, a store, ``overwrite``: replaced without looking inside;
    - stopped, a store: start, check, stop in the background (as when running;
      stopped again at once if it holds data).

    Raises
    ------
    BulkImportError
        The database holds data and ``overwrite`` is False.
    PortInUseError
        The instance is stopped and another process holds one of its ports
        (checked now rather than when the server restarts after the import).
    """

    settings = load_settings(instance)
    was_running = neo4j_server.status(instance).running
    if not was_running:
        check_ports(settings)
        if not _has_store(settings):
            echo(f"  instance {instance!r} is stopped and has no database yet: nothing to check")
            return None
        if overwrite:
            echo(f"  instance {instance!r} is stopped: replacing its database without "
                 "looking inside")
            return None
    neo4j_server.start(instance, echo=lambda s: None)
    try:
        _check_empty(instance, overwrite, echo)
    except BaseException:
        if not was_running:         # leave it as it was
            neo4j_server.stop(instance, echo=lambda s: None)
        raise
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-stop")
    try:
        return pool.submit(neo4j_server.stop, instance, echo=lambda s: None)
    finally:
        pool.shutdown(wait=False)


def _remove_store(settings) -> None:
    """Delete the ``neo4j`` database's store and transaction logs (the server
    creates an empty database on its next start)."""
    for folder in _store_folders(settings):
        shutil.rmtree(folder, ignore_errors=True)


def import_args(files: ImportFiles, instance: str, threads: int | None = None) -> list[str]:
    """The neo4j-admin arguments of importing ``files`` into ``instance``: all
    processors (or ``threads``), off-heap memory capped at the instance's page
    cache size (the machine may be shared)."""
    return files.admin_args(threads=threads or os.cpu_count(),
                            max_off_heap=load_settings(instance).pagecache)


def run_import(files: ImportFiles, instance: str, *, threads: int | None = None,
               echo: Callable[[str], None] = lambda s: None) -> float:
    """Run ``neo4j-admin database import full`` on ``files`` into the stopped
    instance's ``neo4j`` database; return its wall time in seconds.

    On failure the half-written store is removed (neo4j-admin leaves it
    "likely in an unusable state"), so the next start gives an empty database.

    Raises
    ------
    BulkImportError
        neo4j-admin failed (its output's tail is in the message).
    """
    settings = load_settings(instance)
    args = import_args(files, instance, threads)
    t0 = time.monotonic()
    ok = False
    try:
        run_admin(args, settings)
        ok = True
    except Neo4jServerError as err:
        # neo4j-admin's output without Java stack frames: the cause, file and line remain.
        lines = [ln for ln in str(err).splitlines()
                 if not ln.strip().startswith(("at ", "... "))]
        raise BulkImportError(
            f"neo4j-admin could not import the dataset; nothing was loaded and the instance's "
            f"database is empty again. Its files are in {files.folder}. Load over Bolt (without "
            "--bulk) if this persists.\n" + "\n".join(lines)) from None
    finally:
        if not ok:
            _remove_store(settings)
    echo(f"  neo4j-admin imported {files.n_nodes:,} nodes and {files.n_relationships:,} "
         f"relationships in {time.monotonic() - t0:.1f} s")
    return time.monotonic() - t0


def _rename(files: ImportFiles, labels: LabelSet, c: Connection) -> None:
    """Placeholder properties → real names; empty lists (see :class:`ImportFiles`)."""
    for generic, names in files.renames.items():
        cypher = statement("bulk_import.cypher", "rename_properties", Any=labels(generic))
        c.write_in_transactions(cypher, {"prefix": PLACEHOLDER_PREFIX, "names": names,
                                         "batch": RENAME_BATCH})
    by_label: dict[str, list[dict]] = {}
    for row in files.empty_lists:
        by_label.setdefault(row["label"], []).append(
            {k: row[k] for k in ("key", "value", "property")})
    for generic, rows in by_label.items():
        c.write(statement("bulk_import.cypher", "set_empty_lists", Any=labels(generic)),
                {"rows": rows})


def finish_import(files: ImportFiles, dataset, instance: str,
                  stages: dict[str, float] | None = None,
                  echo: Callable[[str], None] = lambda s: None,
                  roi_flags: Sequence[str] = ()) -> None:
    """After the import, on the running server: the dataset's schema, real
    property names and empty lists, the indexes on the bodies' ROI flags
    (``roi_flags``, after the renames that give the flags their names), then
    (indexes online) ``loadComplete``.

    Seconds are added to ``stages``: ``schema`` (creating a constraint waits
    for its index to populate), ``rename``, ``indexes`` (the ROI flag indexes,
    and waiting for the other indexes, which populated in the background
    meanwhile). Running the renames in a second thread during ``schema`` was
    measured no faster on 2 cores.
    """
    stages = {} if stages is None else stages
    labels = LabelSet(str(dataset))
    with _connection(instance) as c:
        with _timed(stages, "schema", echo, "Creating indexes and constraints ..."):
            for stmt in dataset_statements("schema.cypher", "schema", labels):
                c.write(stmt)
        with _timed(stages, "rename", echo, "Renaming ROI flag properties ..."):
            _rename(files, labels, c)
        with _timed(stages, "indexes", echo, "Waiting for the indexes to come online ..."):
            run_schema_statements(c, roi_flag_index_statements(labels, roi_flags))
            c.write("CALL db.awaitIndexes($seconds)", {"seconds": INDEX_WAIT_SECONDS})
        c.write(statement("bulk_import.cypher", "mark_complete", Meta=labels("Meta")))


def bulk_load(recipe: str | Recipe, *, instance: str | None = None, dataset: str | None = None,
              data_dir: str | None = None, overwrite: bool = False, threads: int | None = None,
              keep_files: str | os.PathLike | None = None,
              partition_rows: int | None = None, spill_dir: str | None = None,
              echo: Callable[[str], None] = lambda s: None) -> LoadSummary:
    """Load a recipe into an empty local instance with ``neo4j-admin database import``.

    The graph equals the one :func:`~connectograph.loading.load` writes over
    Bolt (labels, properties and their types, relationships, schema, Meta);
    only ``Meta.lastDatabaseEdit`` differs (the time of the load). Stages:
    check the instance (offline where possible) → prepare (read, validate,
    derive; a running server stops meanwhile) → CSV files → import → start →
    property renames, schema and indexes online → ``loadComplete``. If the load fails before the import, the server
    is left running or stopped as it was.

    Parameters
    ----------
    recipe : str or Recipe
        A recipe file, a bundled recipe name (``"hemibrain-mb"``) or a parsed recipe.
    instance : str, optional
        The local instance (default ``$CONNECTOGRAPH_INSTANCE`` or ``default``;
        created if new); running at the end.
    dataset, data_dir : str, optional
        As for :func:`~connectograph.loading.load`.
    overwrite : bool
        Replace whatever the instance's database holds instead of refusing.
    threads : int, optional
        neo4j-admin worker threads (default: the number of processors).
    keep_files : path, optional
        Write the import files there and keep them, with the neo4j-admin
        arguments in ``neo4j-admin-args.json`` (default: a temporary folder
        under the instance, deleted at the end).
    partition_rows, spill_dir : optional
        As for :func:`~connectograph.loading.load`: the synapse tables are
        spilled to disk, and their import files written one partition at a
        time (the same files' rows; a partition's nodes and relationships in
        files of their own).
    echo : callable
        Receives stage messages.

    Returns
    -------
    LoadSummary
        Counts as the Bolt loader reports them, plus ``stages`` (seconds per
        stage: start (checks and restart), prepare, csv, stop (what is left of
        stopping the server after csv), import, schema, rename, indexes).

    Raises
    ------
    RecipeError, ValidationError
        Bad recipe or data (before anything is touched).
    BulkImportError
        The instance holds data (and ``overwrite`` is False), a value cannot be
        written as CSV, or neo4j-admin failed (the database is left empty).
    PortInUseError
        The instance is stopped and another process holds one of its ports.
    Neo4jServerError
        The server could not be started or stopped.
    """

    started = time.monotonic()
    stages: dict[str, float] = {}
    instance = instance_name(instance)
    recipe = checked_recipe(recipe, dataset=dataset, data_dir=data_dir)
    ds = recipe.dataset_name

    with _timed(stages, "start", echo, f"Checking that instance {instance!r} is empty ..."):
        stopping = _ready_for_import(instance, overwrite, echo)
    settings = load_settings(instance)
    if keep_files is not None:
        folder = Path(keep_files)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        (settings.root / "import").mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="bulk-", dir=settings.root / "import"))
    try:
        try:
            # The server stops in the background meanwhile (it must be down for the import).
            with _timed(stages, "prepare", echo,
                        f"Reading and validating the sources of {ds} ..."):
                prepared = prepare(recipe, fingerprint(recipe), partition_rows=partition_rows,
                                   spill_dir=spill_dir)
            try:
                with _timed(stages, "csv", echo, f"Writing import files into {folder} ..."):
                    with arrow_system_memory():     # partitions are derived again
                        files = write_import_files(prepared, folder, echo=echo)
                    (folder / ADMIN_ARGS_FILE).write_text(
                        json.dumps(import_args(files, instance, threads)))
            finally:
                prepared.close()        # the spilled tables, if any
        except BaseException:
            if stopping is not None:
                # Leave the instance as it was: running.
                stopping.result()
                neo4j_server.start(instance, echo=lambda s: None)
            raise
        with _timed(stages, "stop", echo, f"Stopping instance {instance!r} ..."):
            if stopping is not None:
                stopping.result()
            neo4j_server.stop(instance, echo=lambda s: None)
        try:
            with _timed(stages, "import", echo,
                        f"Importing {files.n_nodes:,} nodes and {files.n_relationships:,} "
                        "relationships with neo4j-admin ..."):
                run_import(files, instance, threads=threads, echo=echo)
        except BulkImportError:
            keep_files = folder         # the message points at them
            raise
        finally:
            with _timed(stages, "start", echo, f"Starting instance {instance!r} ..."):
                neo4j_server.start(instance, echo=lambda s: None)
        try:
            finish_import(files, ds, instance, stages, echo, prepared.indexed_properties)
        except BaseException:
            # Never leave a half-finished dataset visible: back to an empty database.
            neo4j_server.stop(instance, echo=lambda s: None)
            _remove_store(settings)
            neo4j_server.start(instance, echo=lambda s: None)
            raise
        echo(f"Published {ds}")
    finally:
        if keep_files is None:
            shutil.rmtree(folder, ignore_errors=True)
    summary = prepared.summary(seconds=time.monotonic() - started)
    summary.stages = stages
    summary.counts["nodes imported"] = files.n_nodes
    summary.counts["relationships imported"] = files.n_relationships
    return summary

