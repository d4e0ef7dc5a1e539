"""The whole dataset a load writes, derived: its bodies completed from the
connections and synapses, its ROI nodes and its ``:Meta`` properties
(:func:`derive_dataset`), held by a :class:`PreparedDataset` until written.

Pure pandas, no database: the write step (:mod:`connectograph.loading.write`)
writes a :class:`PreparedDataset` over Bolt or as ``neo4j-admin`` import files.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import ValidationError
from ...identifiers import DatasetName
from ..conflicts import Conflict
from ..read.neuron_tables import empty_gap_junctions
from ..read.recipe_sources import SourceTables
from ..read.synapse_tables import PROPERTY_PREFIX, property_columns
from ..recipe import NT_PROBABILITY_PROPERTY, Recipe
from ..summary import LoadSummary
from .bodies import (complete_bodies_from, fill_bodies, is_neuron, roi_memberships,
                     with_empty_roi_info)
from .body_roi_counts import empty_roi_counts
from .connections import ConnectionStage
from .synapse_data import SynapseData
from .synapse_partitions import PartitionedSynapseData

__all__ = ["PreparedDataset", "build_meta", "derive_dataset"]


def neuron_property_types(neurons: pd.DataFrame) -> dict[str, str]:
    """neuPrint's ``Meta.neuronProperties``: property name → type name."""
    types = {}
    for col in neurons.columns:
        s = neurons[col].dropna()
        if col == "somaLocation":
            types[col] = "point"
        elif s.empty:
            continue
        elif pd.api.types.is_bool_dtype(s) or all(isinstance(v, (bool, np.bool_)) for v in s.head(50)):
            types[col] = "boolean"
        elif pd.api.types.is_integer_dtype(s):
            types[col] = "integer"
        elif pd.api.types.is_float_dtype(s):
            types[col] = "float"
        else:
            types[col] = "string"
    return types


def nt_synapse_property_types(points: pd.DataFrame | None) -> dict[str, str]:
    """neuPrint's ``Meta.ntSynapseProperties``: the per-synapse transmitter
    probabilities (``nt<Transmitter>Prob``) some synapse of ``points`` has,
    each with its type name (``"float"``); empty when none does (or the
    synapse tables were spilled, which carry no synapse properties)."""
    if points is None:
        return {}
    names = [c[len(PROPERTY_PREFIX):] for c in property_columns(points)
             if points[c].notna().any()]
    return {n: "float" for n in sorted(names) if re.fullmatch(NT_PROBABILITY_PROPERTY, n)}


def roi_totals(neurons: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Per ROI, the sum over loaded bodies of their roiInfo ``pre`` and ``post``."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"pre": 0, "post": 0})
    for text in neurons["roiInfo"].dropna():
        for roi, counts in json.loads(text).items():
            for k in ("pre", "post"):
                totals[roi][k] += int(counts.get(k, 0))
    return dict(totals)


def hierarchy_children(hierarchy: dict | None) -> list[str]:
    """Names of the root's children (neuPrint's ``superLevelRois``)."""
    if not hierarchy:
        return []
    return [c["name"] for c in hierarchy.get("children", [])]


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


def named_and_classified(neurons: pd.DataFrame, listed: pd.Index, body_names: dict[int, str],
                         rules: list) -> pd.DataFrame:
    """Bodies whose ids were minted from names get the name as ``instance``
    where they have none; bodies no neuron table lists (``listed``) get the
    properties of the first ``[[unlisted_bodies]]`` rule whose pattern their
    instance matches (``re.search``), where they have none."""
    if body_names:
        names = pd.Series(body_names, dtype=object)
        have = neurons["instance"] if "instance" in neurons.columns else pd.Series(
            None, index=neurons.index, dtype=object)
        neurons["instance"] = have.fillna(names.reindex(neurons.index))
    if not rules or "instance" not in neurons.columns:
        return neurons
    unlisted = ~neurons.index.isin(listed) & neurons["instance"].notna()
    todo = pd.Series(unlisted, index=neurons.index)
    for rule in rules:
        hit = todo & neurons["instance"].astype(str).str.contains(rule.pattern, regex=True)
        for key, value in rule.properties.items():
            if key not in neurons.columns:
                neurons[key] = pd.Series(None, index=neurons.index, dtype=object)
            neurons.loc[hit & neurons[key].isna(), key] = value
        todo &= ~hit
    return neurons


def source_columns(recipe: Recipe) -> dict[str, list[str]]:
    """Where a renamed neuron property came from: property -> ``"file:
    column"`` of every neuron table that maps it from a column of another name
    (precedence order), e.g. ``predictedNt: ["codex/neurons.csv.gz: nt_type"]``;
    stored as ``Meta.sourceColumns`` (JSON) so that the source's names stay
    with the dataset."""
    out: dict[str, list[str]] = {}
    for src in recipe.neurons:
        for name, column in src.columns.items():
            if name != column:
                out.setdefault(name, []).append(f"{src.file}: {column}")
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
    nt_properties = nt_synapse_property_types(tables.synapse_points)
    # neuPrint's key, only where synapses carry transmitter probabilities
    nt_meta = ({"ntSynapseProperties": json.dumps(nt_properties, sort_keys=True)}
               if nt_properties else {})
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
        **nt_meta,
        "voxelSize": [ds.voxel_size] * 3,
        "voxelUnits": ds.voxel_units,
        "postHighAccuracyThreshold": ds.post_high_accuracy_threshold,
        "citation": ds.citation,
        "recipe": recipe.source,
        "fingerprint": fp,
        "sourceColumns": json.dumps(source_columns(recipe), sort_keys=True),
        # a [[series]] member's own (e.g. its developmental stage)
        **(recipe.series[0].meta if recipe.series else {}),
    }


@dataclass
class PreparedDataset:
    """Everything a load writes, read, validated and derived; nothing written yet.

    Built by :func:`~connectograph.loading.preparation.prepare` (through
    :func:`derive_dataset`); written over Bolt by
    :func:`~connectograph.loading.write.bolt.write_prepared` or as
    ``neo4j-admin`` import files by :mod:`connectograph.loading.write.bulk_csv`.

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
        :func:`~.bodies.roi_memberships` rows for ``InROI`` (only ROIs among
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
    #: ``bodyId_a <= bodyId_b, weight``: one ``GapJunction`` per unordered pair
    gap_junctions: pd.DataFrame = field(default_factory=empty_gap_junctions)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: the temporary folder of the spilled synapse tables (None when in memory)
    spill_dir: Path | None = None
    #: neuron properties the recipe declares for indexing (``[dataset] indexes``)
    declared_indexes: list[str] = field(default_factory=list)

    @property
    def indexed_properties(self) -> list[str]:
        """The body properties indexed on Segment and Neuron at publish, besides
        the schema's own (bodyId, type, instance, status): the ROI flags and the
        recipe's ``indexes``, sorted."""
        return sorted(set(self.roi_flags) | set(self.declared_indexes))

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
        """The :class:`~connectograph.loading.summary.LoadSummary` of writing
        this dataset: nodes per label and relationships per type
        (``ConnectsTo`` between Segments and between SynapseSets apart), then
        derived-data counts."""
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
            "GapJunction relationships": len(self.gap_junctions),
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


def derive_dataset(recipe: Recipe, fp: str, tables: SourceTables,
                   syn: SynapseData | PartitionedSynapseData, conns: ConnectionStage,
                   synapse_bodies: list[int], synapse_warnings: list[str],
                   spill_root: Path | None, table_rows: int) -> PreparedDataset:
    """The bodies, ROIs and Meta of a load, once its synapses and connections
    are derived: everything it writes (nothing is written).

    Parameters
    ----------
    recipe : Recipe
        The checked recipe.
    fp : str
        The inputs' fingerprint (:func:`~connectograph.loading.fingerprint.fingerprint`).
    tables : SourceTables
        The sources read (:func:`~connectograph.loading.read.recipe_sources.read_sources`).
    syn : SynapseData or PartitionedSynapseData
        The synapse stage's results; its ``roi_counts`` are emptied once in
        the bodies' roiInfo.
    conns : ConnectionStage
        The merged connections; its ``derived_roi_counts`` are emptied once
        in the bodies' roiInfo.
    synapse_bodies : list of int
        Bodies only synapse tables name (added as bare Segments).
    synapse_warnings : list of str
        The synapse stage's warnings so far (appended to).
    spill_root : Path or None
        The load's spill folder, if its synapse tables were spilled.
    table_rows : int
        Per-ROI connection rows of the tables alone.

    Returns
    -------
    PreparedDataset

    Raises
    ------
    ValidationError
        A skeleton of a body no neuron or connection table lists.
    """
    if conns.filled:
        synapse_warnings.append(
            f"{conns.filled:,} (connection, ROI) weights come from synapses for connections "
            "the per-ROI tables list only in other ROIs")
    base = tables.neurons
    gaps = tables.gap_junctions
    gap_only = pd.Index(pd.concat([gaps["bodyId_a"], gaps["bodyId_b"]]).unique(),
                        dtype="int64").difference(base.index).difference(conns.connected)
    if len(gap_only):
        synapse_warnings.append(f"{len(gap_only):,} bodies appear only in gap-junction "
                                "tables (loaded as bare Segments)")
    extra = pd.Index(synapse_bodies, dtype="int64").append(gap_only)
    if len(extra):
        base = pd.concat([base, pd.DataFrame({"bodyId": extra}, index=extra)])
    neurons, n_added = complete_bodies_from(base, conns.connected, conns.derived_roi_counts)
    neurons = named_and_classified(neurons, tables.neurons.index, tables.body_names,
                                   recipe.unlisted_bodies)
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
    missing = [name for name in recipe.dataset.indexes if name not in neurons.columns]
    if missing:
        raise ValidationError(
            f"[dataset] indexes names {missing}, which no neuron table has; the neuron "
            f"properties are {sorted(neurons.columns)}")
    neuron_flag = is_neuron(neurons, recipe.neuron_rule)
    if recipe.neuron_rule.listed:
        neuron_flag |= neurons.index.isin(tables.neurons.index)
    meta["hasGapJunctions"] = bool(len(gaps))
    # Ours: body counts per label, so a fetch can plan batches without counting.
    meta.update(segmentCount=len(neurons), neuronCount=int(neuron_flag.sum()))
    memberships = roi_memberships(neurons)
    return PreparedDataset(
        dataset=recipe.dataset_name, meta=meta, roi_rows=roi_rows,
        roi_parents=[(n, i["parent"]) for n, i in tables.roi_info.items()
                     if i.get("parent") in names],
        neurons=neurons, neuron_flag=neuron_flag,
        memberships=memberships[memberships["roi"].isin(names)].reset_index(drop=True),
        roi_flags=sorted(memberships["roi"].unique()),
        connections=conns.connections, gap_junctions=gaps,
        roi_connection_rows=conns.roi_connection_rows, table_connection_rows=table_rows,
        skeletons=tables.skeletons, synapses=syn, conflicts=tables.conflicts,
        warnings=(tables.warnings + synapse_warnings + syn.warnings
                  + _warnings(neurons, n_added)), spill_dir=spill_root,
        declared_indexes=list(recipe.dataset.indexes))
