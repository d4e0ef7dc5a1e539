"""Everything a load writes, prepared before anything is written: the read
step then the derive step (:func:`prepare`).

1. read and validate every source (:func:`~.read.recipe_sources.read_sources`;
   with ``partition_rows``, the synapse tables spilled to disk);
2. derive the synapse stage (whole, :func:`~.derive.synapse_data.prepare_synapses`,
   or one partition at a time,
   :func:`~.derive.synapse_partitions.prepare_synapses_partitioned`) and merge
   the connections (:mod:`.derive.connections`);
3. derive the bodies, ROIs and Meta (:func:`~.derive.dataset.derive_dataset`).

The :class:`~.derive.dataset.PreparedDataset` it returns is written by the
write step (:mod:`connectograph.loading.write`).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd

from .arrow_memory import arrow_system_memory, release_arrow_memory
from .derive.connections import PartitionedConnections, merge_all
from .derive.dataset import PreparedDataset, derive_dataset
from .derive.synapse_data import SynapseData, prepare_synapses
from .derive.synapse_partitions import PartitionedSynapseData, prepare_synapses_partitioned
from .fingerprint import fingerprint
from .progress import noop_progress
from .read.recipe_sources import read_sources
from .read.synapse_sources import check_synapse_bodies
from .recipe import Recipe

__all__ = ["prepare"]


def prepare(recipe: Recipe, fp: str | None = None, progress: Callable | None = None, *,
            partition_rows: int | None = None, spill_dir: str | None = None) -> PreparedDataset:
    """Read, validate and derive everything a load writes (nothing is written).

    Parameters
    ----------
    recipe : Recipe
        A checked recipe (:func:`~connectograph.loading.recipe.check_recipe`).
    fp : str, optional
        The inputs' :func:`~connectograph.loading.fingerprint.fingerprint`
        (computed when not given).
    progress : callable, optional
        Progress-bar factory (as for :func:`~connectograph.loading.engine.load`);
        its bar counts three steps: sources read and validated, synapses
        derived, bodies derived.
    partition_rows, spill_dir : optional
        As for :func:`~connectograph.loading.engine.load`.

    Returns
    -------
    PreparedDataset
        Call its :meth:`~PreparedDataset.close` when done with it (it removes
        the spilled synapse tables, if any).

    Raises
    ------
    ValidationError
        Bad data, naming file, row and column.
    """
    bar = (progress or noop_progress)(3, "prepare (steps)")
    try:
        with arrow_system_memory():
            return _prepare(recipe, fingerprint(recipe) if fp is None else fp, bar,
                            progress, partition_rows, spill_dir)
    finally:
        bar.close()


def _prepare(recipe: Recipe, fp: str, bar, progress: Callable | None,
             partition_rows: int | None, spill_dir: str | None) -> PreparedDataset:
    spill_root = (Path(tempfile.mkdtemp(prefix="connectograph-spill-", dir=spill_dir))
                  if partition_rows else None)
    try:
        return _prepare_from(recipe, fp, bar, progress, partition_rows, spill_root)
    except BaseException:
        if spill_root is not None:
            shutil.rmtree(spill_root, ignore_errors=True)
        raise


def _prepare_from(recipe: Recipe, fp: str, bar, progress: Callable | None,
                  partition_rows: int | None, spill_root: Path | None) -> PreparedDataset:
    tables = read_sources(recipe, partition_rows=partition_rows, spill_dir=spill_root)
    bar.update(1)
    table_conns = tables.roi_connections
    known = tables.neurons.index.union(pd.Index(table_conns["bodyId_pre"])).union(
        pd.Index(table_conns["bodyId_post"]))
    known = known.union(pd.Index(tables.gap_junctions["bodyId_a"])).union(
        pd.Index(tables.gap_junctions["bodyId_b"]))
    syn: SynapseData | PartitionedSynapseData
    spill = tables.synapse_spill
    by_partition = None
    try:
        if spill is not None:
            synapse_bodies, synapse_warnings = spill.unknown_bodies(recipe, known)
            by_partition = PartitionedConnections(table_conns, spill.first_bodies,
                                                  spill_root / "connections.parquet")
            syn = prepare_synapses_partitioned(spill, tables, progress, by_partition)
            conns = by_partition.finish(tables.conflicts)
        else:
            synapse_bodies, synapse_warnings = check_synapse_bodies(
                recipe, tables.synapse_points, known)
            syn = prepare_synapses(tables)
            # Precedence: per-ROI tables win per (pair, ROI); synapse counts fill the rest.
            conns = merge_all(table_conns, syn.connection_rows, syn.connection_roi_counts,
                              tables.conflicts)
        syn.connection_rows = syn.connection_roi_counts = None
        # The connection stage has used the per-ROI table: only its row count
        # is needed from here on (at 10M synapse pairs its 1.4M rows held
        # 52 MiB through the body stage and the writes).
        table_rows = len(table_conns)
        tables.roi_connections = table_conns.iloc[:0]
        del table_conns
        release_arrow_memory()
        bar.update(1)
        prepared = derive_dataset(recipe, fp, tables, syn, conns, synapse_bodies,
                                  synapse_warnings, spill_root, table_rows)
        bar.update(1)
        return prepared
    except BaseException:
        if by_partition is not None:
            by_partition.close()
        if spill is not None:       # its folder is removed by _prepare
            spill.close()
        raise
