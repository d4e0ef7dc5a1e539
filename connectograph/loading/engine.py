"""Run a recipe: check, read, validate, derive, write, publish, summarise.

Nothing is written until every source has been read and validated; the write
itself goes through staging labels and the publish is a switch that happens or
does not (:mod:`connectograph.loading.writer`), so a failed or killed load
never leaves a half-loaded dataset visible to queries nor destroys the
published version; the next load (or drop) finishes or removes what it left.
A load whose recipe and input files are unchanged since the published version
(same fingerprint) does nothing, so running it twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from ..connection import Connection, CypherRunner
from ..errors import ValidationError
from ..grouped import frame_slices
from ..identifiers import DatasetName
from ..fetch.skeleton_storage import skeleton_properties
from .connection_stage import (ConnectionStage, PartitionedConnections,
                               SpilledConnections, connection_frames, merge_all)
from .model import (body_property_slices, complete_bodies_from,
                    hierarchy_children, is_neuron, membership_rows, neuron_property_types,
                    roi_memberships,
                    roi_totals, with_empty_roi_info)
from .recipe import Recipe, checked_recipe
from .roi_counts import empty_roi_counts
from .synapse_model import fill_bodies
from .synapse_partitions import PartitionedSynapseData, prepare_synapses_partitioned
from .synapse_stage import SynapseData, prepare_synapses, write_synapse_graph
from .synapses import check_synapse_bodies
from .tables import (Conflict, SourceTables, arrow_system_memory, read_sources,
                     release_arrow_memory)
from .writer import DatasetWriter, _noop_progress, list_datasets


@dataclass
class LoadSummary:
    """What a load did.

    Attributes
    ----------
    dataset : str
        ``name:tag``.
    skipped : bool
        True if the dataset was already loaded from identical inputs.
    counts : dict
        Nodes per label and relationships per type written.
    conflicts : list of Conflict
        Source disagreements and which value was kept.
    warnings : list of str
        Incomplete data that was loaded anyway (missing status, soma...).
    seconds : float
        Wall time.
    stages : dict
        Seconds per stage, when the loader reports them (the bulk path does).
    checked_only : bool
        True for :func:`check` (read and validated, nothing written).
    """

    dataset: str
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    checked_only: bool = False

    def conflict_table(self) -> pd.DataFrame:
        """Every source disagreement, one row each (the summary shows counts
        and five examples per group).

        Returns
        -------
        DataFrame
            ``table, column, key, kept, dropped, kept_from, overridden_from``
            (object columns): the property, what differs (a bodyId, a synapse
            id, ``"pre->post roi"``), the value kept and the value dropped,
            and the files they came from.
        """
        columns = ["table", "column", "key", "kept", "dropped", "kept_from", "overridden_from"]
        frames = [c.rows.assign(table=c.table, column=c.column, kept_from=c.kept_from,
                                overridden_from=c.overridden_from)
                  for c in self.conflicts if c.rows is not None]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.concat(frames, ignore_index=True)[columns]

    def describe(self) -> str:
        if self.skipped:
            return (f"{self.dataset}: already loaded from identical inputs; nothing to do "
                    "(use --force to reload)")
        lines = [f"Checked {self.dataset} in {self.seconds:.1f} s: nothing written; a load "
                 "would write" if self.checked_only
                 else f"Loaded {self.dataset} in {self.seconds:.1f} s"]
        width = max((len(k) for k in self.counts), default=0)
        lines += [f"  {k:<{width}} {v:>11,}" for k, v in self.counts.items()]
        if self.stages:
            lines.append("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.stages.items()))
        if self.conflicts:
            lines.append(f"  {len(self.conflicts)} source conflicts (higher-precedence value kept):")
            lines += [f"    - {c.describe()}" for c in self.conflicts]
            lines.append("    (every value: load --conflicts FILE.csv, or "
                         "LoadSummary.conflict_table())")
        if self.warnings:
            lines.append("  warnings:")
            lines += [f"    - {w}" for w in self.warnings]
        return "\n".join(lines)


def fingerprint(recipe: Recipe) -> str:
    """SHA-256 over the recipe's settings and the bytes of every input file
    (files named relative to the data folder, or absolute when outside it)."""
    h = hashlib.sha256()
    h.update(recipe.model_dump_json(exclude={"source", "base_dir"}).encode())

    def name(path: Path) -> str:
        try:
            return str(path.relative_to(recipe.base_dir))
        except ValueError:
            return str(path)

    files = [s.file for s in recipe.neurons + recipe.roi_connections]
    for src in recipe.skeletons:
        files += ([name(p) for p in sorted(recipe.path(src.folder).iterdir())] if src.folder
                  else [src.file])
    if recipe.rois is not None:
        files += [recipe.rois.info, recipe.rois.hierarchy]
        if recipe.rois.meshes is not None:
            files += [name(p) for p in sorted(recipe.path(recipe.rois.meshes).glob("*.obj"))]
    for syn in recipe.synapses:
        files += [name(p) for p in syn.paths(recipe)]
    files += [s.file for s in recipe.synapse_partners]
    for rel in files:
        h.update(rel.encode())
        with open(recipe.path(rel), "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _tqdm_progress(total: int, desc: str):
    from tqdm.auto import tqdm
    # bars over steps ("prepare (steps)", "publish (steps)") count steps, the others rows
    unit = "step" if desc.endswith("(steps)") else "row"
    return tqdm(total=total, desc=f"{desc:<16}", unit=unit, leave=False, dynamic_ncols=True)


def _warnings(neurons: pd.DataFrame, n_added: int) -> list[str]:
    out = []
    n = len(neurons)
    for col, what in (("status", "status"), ("somaLocation", "soma location"),
                      ("type", "type")):
        if col in neurons.columns:
            missing = int(neurons[col].isna().sum())
            if missing:
                out.append(f"{missing:,} of {n:,} bodies have no {what}")
    if n_added:
        out.append(f"{n_added:,} bodies appear only in connection tables (loaded as bare Segments)")
    derived = int((neurons["roiInfoSource"] == "loaded connections").sum())
    if derived:
        out.append(f"{derived:,} bodies have no source roiInfo; theirs is derived from the loaded "
                   "connections (upstream/downstream per ROI, lower bounds)")
    from_syn = int(neurons["roiInfoSource"].isin(["synapses", "synapses and loaded connections"])
                   .sum())
    if from_syn:
        out.append(f"{from_syn:,} bodies have no source roiInfo; theirs is derived from their "
                   "loaded synapses (and connections): lower bounds where only part of a body's "
                   "synapses is loaded")
    return out


def build_meta(recipe: Recipe, tables: SourceTables, neurons: pd.DataFrame, fp: str) -> dict:
    """The ``:Meta`` properties (neuPrint names; JSON strings where neuPrint uses them)."""
    totals = roi_totals(neurons)
    roi_info = {}
    for name, info in tables.roi_info.items():
        entry = dict(info)
        entry.update(totals.get(name, {"pre": 0, "post": 0}))
        roi_info[name] = entry
    ds = recipe.dataset
    return {
        "dataset": ds.name,
        "tag": ds.tag,
        "description": ds.description,
        "roiInfo": json.dumps(roi_info, sort_keys=True),
        "roiHierarchy": json.dumps(tables.roi_hierarchy) if tables.roi_hierarchy else "{}",
        "primaryRois": sorted(k for k, v in tables.roi_info.items() if v.get("isPrimary")),
        "superLevelRois": hierarchy_children(tables.roi_hierarchy),
        "totalPreCount": int(neurons["pre"].fillna(0).sum()) if "pre" in neurons else 0,
        "totalPostCount": int(neurons["post"].fillna(0).sum()) if "post" in neurons else 0,
        "lastDatabaseEdit": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "statusDefinitions": json.dumps(ds.status_definitions, sort_keys=True),
        "neuronProperties": json.dumps(neuron_property_types(neurons), sort_keys=True),
        "voxelSize": [ds.voxel_size] * 3,
        "voxelUnits": ds.voxel_units,
        "postHighAccuracyThreshold": ds.post_high_accuracy_threshold,
        "citation": ds.citation,
        "recipe": recipe.source,
        "fingerprint": fp,
    }


@dataclass
class PreparedDataset:
    """Everything a load writes, read, validated and derived; nothing written yet.

    Built by :func:`prepare`; written over Bolt by :func:`write_prepared` or as
    ``neo4j-admin`` import files by :mod:`connectograph.loading.bulk_csv`.

    Attributes
    ----------
    dataset : DatasetName
    meta : dict
        The ``:Meta`` properties (without ``loadComplete``).
    roi_rows : list of dict
        One property map per ``:ROI`` node (definitions plus ``pre``/``post`` totals).
    roi_parents : list of (str, str)
        ``(child, parent)`` ROI names for ``PartOf``, both among ``roi_rows``.
    neurons : DataFrame
        One row per body (index ``bodyId``), the Segment properties.
    neuron_flag : Series of bool
        Which bodies also get ``:Neuron``.
    memberships : DataFrame
        :func:`~.model.roi_memberships` rows for ``InROI`` (only ROIs among
        ``roi_rows``).
    roi_flags : list of str
        Every ROI flag property of the bodies (the ROIs of their roiInfo),
        sorted; each is indexed on Segment and Neuron.
    connections : DataFrame
        ``bodyId_pre, bodyId_post, weight, roiInfo``: the ``ConnectsTo`` rows.
    roi_connection_rows, table_connection_rows : int
        Per-ROI connection rows after merging, and those from the tables alone.
    skeletons : dict
        bodyId → :class:`~connectograph.skeletons.swc.Skeleton`.
    synapses : SynapseData or PartitionedSynapseData
        Synapse points, pairs, ROIs and SynapseSets (whole, or by partition
        from tables spilled to disk).
    conflicts, warnings : list
        For the load summary.
    """

    dataset: DatasetName
    meta: dict
    roi_rows: list[dict]
    roi_parents: list[tuple[str, str]]
    neurons: pd.DataFrame
    neuron_flag: pd.Series
    memberships: pd.DataFrame
    roi_flags: list[str]
    connections: pd.DataFrame
    roi_connection_rows: int
    table_connection_rows: int
    skeletons: dict
    synapses: SynapseData | PartitionedSynapseData
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the temporary folder of the spilled synapse tables (None when in memory)
    spill_dir: Path | None = None

    def close(self) -> None:
        """Remove the spilled synapse tables, if any (the dataset can no
        longer be written after this)."""
        self.synapses.close()
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)

    def synapse_counts(self) -> dict[str, int]:
        """Synapse-level nodes and relationships (empty without synapses)."""
        syn = self.synapses
        if not syn.n_points:
            return {}
        return {"Synapse nodes": syn.n_points, "SynapsesTo relationships": syn.n_pairs,
                "SynapseSet nodes": 2 * syn.n_sets,
                "ConnectsTo relationships between SynapseSets": syn.n_sets}

    def summary(self, *, seconds: float = 0.0) -> LoadSummary:
        """The :class:`LoadSummary` of writing this dataset: nodes per label
        and relationships per type (``ConnectsTo`` between Segments and between
        SynapseSets apart), then derived-data counts."""
        synapse_counts = self.synapse_counts()
        # SynapseSet -> Synapse links (0.1 s per 1M synapse pairs, measured)
        members = self.synapses.member_count() if synapse_counts else 0
        counts = {
            "Meta nodes": 1,
            "Segment nodes": len(self.neurons),
            "Neuron nodes": int(self.neuron_flag.sum()),
            "ROI nodes": len(self.roi_rows),
            "Skeleton nodes": len(self.skeletons),
            "ConnectsTo relationships": len(self.connections),
            "InROI relationships": len(self.memberships),
            "PartOf relationships": len(self.roi_parents),
            # Segment -> Skeleton, Segment -> SynapseSet, SynapseSet -> Synapse
            "Contains relationships": (len(self.skeletons)
                                       + synapse_counts.get("SynapseSet nodes", 0) + members),
            "per-ROI connection rows": self.roi_connection_rows,
        }
        if synapse_counts:
            stats = self.synapses.stats
            counts.update(synapse_counts)
            counts["per-ROI rows from synapses"] = (self.roi_connection_rows
                                                    - self.table_connection_rows)
            counts["synapses without a source ROI"] = stats["without_roi"]
            counts["synapses placed by ROI meshes"] = stats["from_meshes"]
            counts["synapses outside every ROI mesh"] = stats["outside_meshes"]
        return LoadSummary(dataset=str(self.dataset), counts=counts, conflicts=self.conflicts,
                           warnings=list(self.warnings), seconds=seconds)


def prepare(recipe: Recipe, fp: str | None = None, progress: Callable | None = None, *,
            partition_rows: int | None = None, spill_dir: str | None = None) -> PreparedDataset:
    """Read, validate and derive everything a load writes (nothing is written).

    Parameters
    ----------
    recipe : Recipe
        A checked recipe (:func:`~connectograph.loading.recipe.check_recipe`).
    fp : str, optional
        The inputs' :func:`fingerprint` (computed when not given).
    progress : callable, optional
        Progress-bar factory (as for :func:`load`); its bar counts three
        steps: sources read and validated, synapses derived, bodies derived.
    partition_rows, spill_dir : optional
        As for :func:`load`.

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
    bar = (progress or _noop_progress)(3, "prepare (steps)")
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
        return _prepare_bodies(recipe, fp, bar, tables, syn, conns, synapse_bodies,
                               synapse_warnings, spill_root, table_rows)
    except BaseException:
        if by_partition is not None:
            by_partition.close()
        if spill is not None:       # its folder is removed by _prepare
            spill.close()
        raise


def _prepare_bodies(recipe: Recipe, fp: str, bar, tables: SourceTables,
                    syn: SynapseData | PartitionedSynapseData, conns: ConnectionStage,
                    synapse_bodies: list[int], synapse_warnings: list[str],
                    spill_root: Path | None, table_rows: int) -> PreparedDataset:
    if conns.filled:
        synapse_warnings.append(
            f"{conns.filled:,} (connection, ROI) weights come from synapses for connections "
            "the per-ROI tables list only in other ROIs")
    base = tables.neurons
    if synapse_bodies:
        extra = pd.Index(synapse_bodies, dtype="int64")
        base = pd.concat([base, pd.DataFrame({"bodyId": extra}, index=extra)])
    neurons, n_added = complete_bodies_from(base, conns.connected, conns.derived_roi_counts)
    neurons = fill_bodies(neurons, syn.totals, syn.roi_counts, tables.conflicts,
                          connection_counts=conns.derived_roi_counts)
    # now in neurons' roiInfo
    syn.roi_counts = conns.derived_roi_counts = empty_roi_counts()
    neurons = with_empty_roi_info(neurons)
    unknown = sorted(set(tables.skeletons) - set(neurons.index))
    if unknown:
        raise ValidationError(
            f"{len(unknown)} skeletons belong to bodies that no neuron or connection table "
            f"lists (e.g. {unknown[:5]}); add those bodies to a neuron table")
    meta = build_meta(recipe, tables, neurons, fp)
    totals = json.loads(meta["roiInfo"])
    roi_rows = []
    for name, info in tables.roi_info.items():
        row = {k: v for k, v in info.items() if isinstance(v, (str, int, float, bool))}
        row["name"] = name
        row.update(totals.get(name, {}))
        roi_rows.append(row)
    names = set(tables.roi_info)
    neuron_flag = is_neuron(neurons, recipe.neuron_rule)
    # Ours: body counts per label, so a fetch can plan batches without counting.
    meta.update(segmentCount=len(neurons), neuronCount=int(neuron_flag.sum()))
    memberships = roi_memberships(neurons)
    bar.update(1)
    return PreparedDataset(
        dataset=recipe.dataset_name, meta=meta, roi_rows=roi_rows,
        roi_parents=[(n, i["parent"]) for n, i in tables.roi_info.items()
                     if i.get("parent") in names],
        neurons=neurons, neuron_flag=neuron_flag,
        memberships=memberships[memberships["roi"].isin(names)].reset_index(drop=True),
        roi_flags=sorted(memberships["roi"].unique()),
        connections=conns.connections,
        roi_connection_rows=conns.roi_connection_rows, table_connection_rows=table_rows,
        skeletons=tables.skeletons, synapses=syn, conflicts=tables.conflicts,
        warnings=(tables.warnings + synapse_warnings + syn.warnings
                  + _warnings(neurons, n_added)), spill_dir=spill_root)


def _connection_batches(connections: pd.DataFrame | SpilledConnections,
                        body_ids: dict[int, str], size: int) -> Iterator[list[dict]]:
    """``create_connections`` rows, ``size`` at a time (built per batch: at
    10M synapse pairs the 1.35M rows as dicts held 340 MiB at once)."""
    for frame in connection_frames(connections, size):
        yield [{"pre": body_ids[a], "post": body_ids[b], "weight": w, "roiInfo": ri}
               for a, b, w, ri in zip(*(frame[c].tolist() for c in
                                        ("bodyId_pre", "bodyId_post", "weight", "roiInfo")))]


def _body_batches(neurons: pd.DataFrame, neuron_flag: pd.Series,
                  size: int) -> Iterator[list[dict]]:
    """``create_bodies`` rows, ``size`` at a time."""
    for props, flags in body_property_slices(neurons, neuron_flag, size):
        yield [{"props": row, "neuron": bool(f)} for row, f in zip(props, flags)]


def write_prepared(writer: DatasetWriter, prepared: PreparedDataset) -> None:
    """Write a prepared dataset under ``writer``'s staging labels over Bolt
    (publishing is the caller's); return the synapse-level counts."""
    p = prepared
    roi_ids = writer.write_rois(p.roi_rows)
    writer.link_roi_parents([{"child": roi_ids[c], "parent": roi_ids[q]}
                             for c, q in p.roi_parents])
    size = writer.batch_size
    body_ids = writer.write_bodies(_body_batches(p.neurons, p.neuron_flag, size),
                                   len(p.neurons))
    writer.link_bodies_to_rois((membership_rows(m, body_ids, roi_ids)
                                for m in frame_slices(p.memberships, size)),
                               len(p.memberships))
    writer.write_connections(_connection_batches(p.connections, body_ids, size),
                             len(p.connections))
    writer.write_skeletons([{"body": body_ids[b], "props": skeleton_properties(s, b)}
                            for b, s in sorted(p.skeletons.items())])
    write_synapse_graph(writer, p.synapses, body_ids)
    writer.write_meta(p.meta)


def load(recipe: str | Recipe, *, client: CypherRunner | None = None, dataset: str | None = None,
         data_dir: str | None = None, force: bool = False, batch_size: int = 5000,
         writers: int = 2, partition_rows: int | None = None, spill_dir: str | None = None,
         progress: Callable | None = _tqdm_progress,
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
        (:mod:`~connectograph.loading.synapse_partitions`). The same graph;
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
        or cleans up (:mod:`~connectograph.loading.writer`).
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
        writer.publish(prepared.roi_flags)
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
          progress: Callable | None = _tqdm_progress) -> LoadSummary:
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
    from ..identifiers import DatasetName
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
    :func:`~connectograph.loading.writer.list_datasets`)."""
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
