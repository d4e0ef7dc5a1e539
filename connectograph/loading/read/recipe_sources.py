"""Every source a recipe names, read and validated: the read step of a load
(:func:`read_sources`), and the ROI definitions and hierarchy (:func:`read_rois`).

Nothing is written; a source that breaks a rule raises a
:class:`~connectograph.errors.ValidationError` naming file, row and column
before anything else is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...errors import RecipeError, ValidationError
from ...skeletons import Skeleton
from ..conflicts import Conflict
from ..recipe import Recipe
from .meshes import load_meshes
from .neuron_tables import (empty_gap_junctions, merge_by_precedence, read_gap_junctions,
                            read_neuron_table, read_roi_connections)
from .roi_schemas import validate_roi_definitions, validate_roi_hierarchy
from .skeleton_files import read_skeletons
from .source_files import read_text
from .synapse_sources import read_synapse_sources
from .synapse_spill import SpilledSynapses, spill_synapse_sources

__all__ = ["SourceTables", "read_rois", "read_sources"]


@dataclass
class SourceTables:
    """Everything a recipe's sources hold, validated and merged."""

    neurons: pd.DataFrame
    #: per-ROI connection rows (:func:`~.neuron_tables.read_roi_connections`);
    #: :func:`~connectograph.loading.preparation.prepare` empties it (same
    #: columns, no rows) once its connection stage used them
    roi_connections: pd.DataFrame
    roi_info: dict[str, dict]
    roi_hierarchy: dict | None
    skeletons: dict[int, Skeleton] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: canonical synapse tables (:mod:`.synapse_tables`)
    synapse_points: pd.DataFrame | None = None
    synapse_pairs: pd.DataFrame | None = None
    #: ROI name -> trimesh mesh, read when some synapse has no ROI
    meshes: dict | None = None
    #: instead of the two synapse tables, the same rows spilled to disk by
    #: partition
    synapse_spill: SpilledSynapses | None = None
    #: electrical synapses (:func:`~.neuron_tables.read_gap_junctions`)
    gap_junctions: pd.DataFrame = field(default_factory=empty_gap_junctions)
    #: bodyId -> name of the bodyIds minted from names (``body_names``)
    body_names: dict[int, str] = field(default_factory=dict)


def _read_json(path: Path):
    text = read_text(path, "JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        cut = " (the file is probably cut short: copy or write it again)" if (
            err.pos >= len(text.rstrip())) else ""
        raise ValidationError(f"invalid JSON: {err}{cut}; fix the file's syntax",
                              file=str(path)) from None


def read_rois(recipe: Recipe) -> tuple[dict[str, dict], dict | None]:
    """The ROI definitions (neuPrint roiInfo JSON) and hierarchy, or empty.

    Both are validated by the models of :mod:`~.roi_schemas`
    (:class:`~.roi_schemas.RoiDefinition` per ROI, a
    :class:`~.roi_schemas.RoiHierarchyNode` tree whose names, the root's
    excepted, are all defined ROIs) and returned as read (JSON objects), so
    every key of the files reaches ``:Meta``.

    Returns
    -------
    (dict, dict or None)
        ROI name → its definition; the hierarchy tree. ``({}, None)`` when the
        recipe has no ``[rois]``.

    Raises
    ------
    ValidationError
        An empty file, one that is not UTF-8 (the byte offset and how to
        convert it), invalid JSON, or JSON breaking the models' rules (an ROI
        name that cannot be a Cypher name among them); naming the file and
        the ROI or the path of names in the tree.
    """
    if recipe.rois is None:
        return {}, None
    info_path = recipe.path(recipe.rois.info)
    hierarchy_path = recipe.path(recipe.rois.hierarchy)
    info = _read_json(info_path)
    definitions = validate_roi_definitions(info, str(info_path))
    hierarchy = _read_json(hierarchy_path)
    validate_roi_hierarchy(hierarchy, str(hierarchy_path), set(definitions))
    return info, hierarchy


def read_sources(recipe: Recipe, *, partition_rows: int | None = None,
                 spill_dir: Path | None = None) -> SourceTables:
    """Read and validate every source of ``recipe``; nothing is written.

    With ``partition_rows``, the synapse tables are not held in memory but
    spilled to a DuckDB database in ``spill_dir`` and split into partitions of
    about that many rows (``SourceTables.synapse_spill``; see
    :mod:`.synapse_spill`); the caller closes it.

    Every source is read here, one kind after another: ROI definitions
    (:func:`read_rois`), neuron tables merged by precedence and per-ROI
    connection tables (:mod:`.neuron_tables`), skeletons
    (:mod:`.skeleton_files`), synapse tables (:mod:`.synapse_sources`, or
    spilled by :mod:`.synapse_spill`) and, when some synapse has no ROI,
    the ROI meshes (:mod:`.meshes`)."""
    conflicts: list[Conflict] = []
    warnings: list[str] = []
    roi_info, hierarchy = read_rois(recipe)
    roi_names = set(roi_info) if roi_info else None
    names: dict[int, str] = {}
    frames = [(str(recipe.path(s.file)), read_neuron_table(recipe, s, roi_names, warnings, names))
              for s in recipe.neurons]
    conns = read_roi_connections(recipe, roi_names, conflicts, names, warnings)
    gaps = read_gap_junctions(recipe, conflicts, names, warnings)
    frames = _connected_only(recipe, frames, conns, gaps)
    if frames:
        neurons = merge_by_precedence(frames, "neurons", conflicts)
    else:
        neurons = pd.DataFrame({"bodyId": pd.Series(dtype="int64")}).set_index("bodyId", drop=False)
    skeletons = read_skeletons(recipe, conflicts)
    points = pairs = spill = None
    if partition_rows and any(src.property_names() for src in recipe.synapses):
        raise RecipeError(
            f"recipe {recipe.source}: its [[synapses]] map synapse properties (pre_properties, "
            "transmitter), which a partitioned load (partition_rows / --partition-rows) does "
            "not carry yet; load it without partitioning")
    if partition_rows:
        spill = spill_synapse_sources(recipe, roi_names, conflicts, directory=spill_dir,
                                      partition_rows=partition_rows)
        without_roi = spill.has_points_without_roi()
    else:
        points, pairs = read_synapse_sources(recipe, roi_names, conflicts)
        without_roi = points["roi"].isna().any()
    meshes = None
    if recipe.rois is not None and recipe.rois.meshes is not None and without_roi:
        try:
            meshes, mesh_warnings = load_meshes(recipe.path(recipe.rois.meshes), roi_names)
        except BaseException:
            if spill is not None:
                spill.close()
            raise
        warnings += mesh_warnings
    return SourceTables(neurons=neurons, roi_connections=conns, roi_info=roi_info,
                        roi_hierarchy=hierarchy, skeletons=skeletons, conflicts=conflicts,
                        warnings=warnings, synapse_points=points, synapse_pairs=pairs,
                        meshes=meshes, synapse_spill=spill, gap_junctions=gaps,
                        body_names=names)


def _connected_only(recipe: Recipe, frames: list[tuple[str, pd.DataFrame]],
                    conns: pd.DataFrame, gaps: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The neuron tables, those with ``rows = "connected"`` cut to the bodies
    a connection or gap-junction table names."""
    if all(src.rows == "all" for src in recipe.neurons):
        return frames
    named = pd.Index(pd.concat([conns["bodyId_pre"], conns["bodyId_post"], gaps["bodyId_a"],
                                gaps["bodyId_b"]]).unique())
    return [(file, df[df.index.isin(named)] if src.rows == "connected" else df)
            for (file, df), src in zip(frames, recipe.neurons)]
