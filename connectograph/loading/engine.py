"""Run a recipe: check, read, validate, derive, write, publish, summarise
(:func:`load`); the dry run without a server (:func:`check`); drop a dataset
and list the datasets of the database.

A load travels down the three steps: :func:`~.preparation.prepare` reads
(:mod:`.read`) and derives (:mod:`.derive`) everything, then
:func:`~.write.bolt.write_prepared` writes it (:mod:`.write`) and
:meth:`~.write.dataset_writer.DatasetWriter.publish` publishes it.

Nothing is written until every source has been read and validated; the write
itself goes through staging labels and the publish is a switch that happens or
does not (:mod:`connectograph.loading.write.dataset_writer`), so a failed or killed load
never leaves a half-loaded dataset visible to queries nor destroys the
published version; the next load (or drop) finishes or removes what it left.
A load whose recipe and input files are unchanged since the published version
(same fingerprint) does nothing, so running it twice changes nothing.
"""

from __future__ import annotations

import time
from typing import Callable

import pandas as pd

from ..connection import Connection, CypherRunner
from ..identifiers import DatasetName
from .arrow_memory import arrow_system_memory
from .fingerprint import fingerprint
from .preparation import prepare
from .progress import tqdm_progress
from .recipe import Recipe, checked_recipe
from .summary import LoadSummary
from .write.bolt import write_prepared
from .write.dataset_writer import DatasetWriter, list_datasets

__all__ = ["check", "datasets", "drop", "load"]


def load(recipe: str | Recipe, *, client: CypherRunner | None = None, dataset: str | None = None,
         data_dir: str | None = None, force: bool = False, batch_size: int = 5000,
         writers: int = 2, partition_rows: int | None = None, spill_dir: str | None = None,
         progress: Callable | None = tqdm_progress,
         echo: Callable[[str], None] = lambda s: None) -> LoadSummary:
    """Load a recipe into Neo4j.

    Parameters
    ----------
    recipe : str or Recipe
        A recipe file, a bundled recipe name (``"hemibrain-mb"``) or a parsed recipe.
    client : Connection or Client, optional
        Where to write (a Client's own dataset is ignored). Default: a new
        :class:`~connectograph.connection.Connection`.
    dataset : str, optional
        ``name:tag`` overriding the recipe's.
    data_dir : str, optional
        Folder of the input files, overriding the recipe's.
    force : bool
        Reload even if the inputs are unchanged.
    batch_size : int
        Rows per write transaction.
    writers : int
        Synapse graph transactions that run at once. Two use both cores of a
        2-core machine (the server and the loader share them); at 1M synapse
        pairs the stage took 32.8 s with 2, 31.7 s with 3 and 43.3 s with 1.
    partition_rows : int, optional
        Hold no whole synapse table in memory: spill the synapse sources to a
        DuckDB database on disk and derive and write them in partitions of
        about this many rows (points plus pairs) of whole upstream bodies
        (:mod:`~connectograph.loading.derive.synapse_partitions`). The same graph;
        the loader's memory then follows this number, the largest synapse
        file and the number of bodies and connections, not the number of
        synapses. Default: everything in memory.
    spill_dir : str, optional
        Where the spilled tables go (a temporary folder in it, removed after
        the load); default: the system's temporary folder.
    progress : callable or None
        Progress-bar factory; None for silence.
    echo : callable
        Receives stage messages.

    Returns
    -------
    LoadSummary

    Raises
    ------
    RecipeError
        Bad recipe, missing file or column (before anything is written).
    ValidationError
        Bad data, naming file, row and column (before anything is written).
    PublishError
        Publishing failed: before its switch the published version is
        untouched, after it the new one is current; the next load finishes
        or cleans up (:mod:`~connectograph.loading.write.dataset_writer`).
    """
    started = time.monotonic()
    recipe = checked_recipe(recipe, dataset=dataset, data_dir=data_dir)
    ds = recipe.dataset_name
    fp = fingerprint(recipe)

    own_client = client is None
    if own_client:
        client = Connection()
    try:
        existing = [d for d in list_datasets(client)
                    if d["dataset"] == ds.name and d["tag"] == ds.tag]
        if (not force and len(existing) == 1 and existing[0]["loadComplete"]
                and existing[0]["fingerprint"] == fp):
            # Nothing to load, but a killed forced reload may have left a
            # publish to finish (its version is the current one, with this
            # fingerprint) or staging nodes to remove.
            _recover(DatasetWriter(client, ds, batch_size=batch_size, writers=writers), echo)
            return LoadSummary(dataset=str(ds), skipped=True,
                               seconds=time.monotonic() - started)

        # Validated in full before anything is written.
        echo(f"Reading and validating the sources of {ds} ...")
        prepared = prepare(recipe, fp, progress=progress, partition_rows=partition_rows,
                           spill_dir=spill_dir)
        try:
            writer = DatasetWriter(client, ds, batch_size=batch_size, progress=progress,
                                   writers=writers)
            _recover(writer, echo)
            echo("Writing ROIs, bodies and connections ...")
            with arrow_system_memory():     # partitions are derived again
                write_prepared(writer, prepared)
        finally:
            prepared.close()
        echo("Publishing ...")
        writer.publish(prepared.indexed_properties)
    finally:
        if own_client:
            client.close()
    return prepared.summary(seconds=time.monotonic() - started)


def _recover(writer: DatasetWriter, echo: Callable[[str], None]) -> None:
    """Finish a publish an interrupted load left past its commit point, or
    remove its staging leftovers (:meth:`DatasetWriter.recover`)."""
    echo("Finishing or removing what an interrupted load left behind ...")
    done = writer.recover()
    if done == "finished":
        echo(f"Finished publishing the version of {writer.dataset} that an interrupted "
             "load had made current")


def check(recipe: str | Recipe, *, dataset: str | None = None, data_dir: str | None = None,
          partition_rows: int | None = None, spill_dir: str | None = None,
          progress: Callable | None = tqdm_progress) -> LoadSummary:
    """Read and validate a recipe's sources and derive everything a load
    would write, without a server (a dry run of :func:`load`).

    Parameters
    ----------
    recipe, dataset, data_dir, partition_rows, spill_dir, progress
        As for :func:`load`.

    Returns
    -------
    LoadSummary
        With ``checked_only = True``: the counts a load would write, the
        source conflicts and the warnings.

    Raises
    ------
    RecipeError, ValidationError
        As :func:`load` would, before writing anything.
    """
    started = time.monotonic()
    recipe = checked_recipe(recipe, dataset=dataset, data_dir=data_dir)
    prepared = prepare(recipe, progress=progress, partition_rows=partition_rows,
                       spill_dir=spill_dir)
    summary = prepared.summary(seconds=time.monotonic() - started)
    prepared.close()
    summary.checked_only = True
    return summary


def drop(dataset: str, *, client: CypherRunner | None = None) -> int:
    """Delete a dataset (all its nodes and relationships, published and
    staged); return nodes deleted."""
    ds = DatasetName.parse(dataset)
    own = client is None
    client = client or Connection()
    try:
        return DatasetWriter(client, ds).drop()
    finally:
        if own:
            client.close()


def datasets(*, client: CypherRunner | None = None) -> pd.DataFrame:
    """The datasets in the database, one row each: ``dataset, tag,
    loadComplete, fingerprint, lastDatabaseEdit, state`` (see
    :func:`~connectograph.loading.write.dataset_writer.list_datasets`)."""
    own = client is None
    if own:
        client = Connection()
    try:
        return pd.DataFrame(list_datasets(client),
                            columns=["dataset", "tag", "loadComplete", "fingerprint",
                                     "lastDatabaseEdit", "state"])
    finally:
        if own:
            client.close()
