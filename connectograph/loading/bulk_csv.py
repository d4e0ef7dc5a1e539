"""Write a prepared dataset as ``neo4j-admin database import full`` CSV files.

The files describe exactly the graph that the Bolt loader writes (same labels,
properties with the same Neo4j types, relationships): see docs/loading.md,
*Bulk import*. Each node or relationship kind is one header file (one line,
``name:type`` entries) plus one data file written by ``pyarrow.csv``, column by
column; synapse-scale tables never go through a per-row Python loop.

Header rules of neo4j-admin 5.26 (``DataFactories.parseHeaderEntrySpec``) and
how they are met here:

- an entry is ``<name>:<type>(<group>){<options>}``: everything from the first
  ``{`` to the last ``}`` is options and from the first ``(`` to the last ``)``
  is an ID group, wherever they appear, then the last ``:`` starts the type.
  Every property entry therefore carries an explicit type (so names holding
  ``:`` such as ``ns:x`` survive), and names holding ``( ) { }`` (ROI flags such
  as ``aL(R)`` or ``a'L(R)``) cannot be written at all: they get a placeholder
  name (``__cg_<n>``, one per real name) renamed after the import
  (:attr:`ImportFiles.renames`);
- header fields are CSV fields: names with ``,`` or ``"`` are quoted;
- labels go in a ``:LABEL`` column (dataset labels hold ``:``, which the
  ``--nodes=Label=...`` form would split), elements separated by
  :data:`ARRAY_DELIMITER`, as are array properties;
- a quoted empty field is an empty string; an empty unquoted field is no
  property (null). An empty *array* cannot be written, so such properties are
  set after the import (:attr:`ImportFiles.empty_lists`).

Node ID spaces (``--id-type=integer``): ``Body``, ``Synapse``, ``ROI``,
``SynapseSet`` and ``Skeleton``, each numbered by row (neo4j-admin's integer
IDs stop at 2**56, below minted 63-bit synapse ids); ``bodyId`` and
``synapseId`` are ordinary properties.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from neo4j.spatial import CartesianPoint

from ..cypher_files import LabelSet
from ..errors import BulkImportError
from ..fetch.skeleton_storage import skeleton_properties
from .connection_stage import connection_frames
from .model import body_property_slices
from .roi_counts import COUNT_KEYS
from .tables import release_arrow_memory

#: Separator of labels and array elements (neo4j-admin ``--array-delimiter``):
#: the ASCII unit separator, which no label or text value should hold (checked).
ARRAY_DELIMITER = "\x1f"
#: Characters neo4j-admin's header parser takes as ID-group or options syntax.
HEADER_SYNTAX = set("(){}")
PLACEHOLDER_PREFIX = "__cg_"
#: ConnectsTo rows per import file.
CONNECTION_ROWS_PER_FILE = 250_000
#: Bodies per import file (their property maps are built one file at a time).
BODY_ROWS_PER_FILE = 10_000

POINT_3D = "point{crs:cartesian-3D}"
POINT_2D = "point{crs:cartesian}"


# --- values and types -----------------------------------------------------------------------

def value_type(value: Any) -> str | None:
    """neo4j-admin header type of one property value (None for null).

    Mirrors how the Bolt driver stores Python values: ``bool`` → ``boolean``,
    ``int`` → ``long``, ``float`` → ``double``, ``str`` → ``string``,
    :class:`~neo4j.spatial.CartesianPoint` → cartesian point, lists → arrays
    (``"[]"`` for an empty list, whose element type is unknown).

    Raises
    ------
    BulkImportError
        A value no Neo4j property can hold (e.g. a list mixing types).
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "long"
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, CartesianPoint):
        return POINT_3D if len(value) == 3 else POINT_2D
    if isinstance(value, (list, tuple)):
        kinds = {value_type(v) for v in value}
        if not kinds:
            return "[]"
        if len(kinds) > 1 or None in kinds or any(k.startswith("point") or k.endswith("[]")
                                                  for k in kinds):
            raise BulkImportError(f"list {value!r:.80} mixes types or holds nulls, points or "
                                  "lists; Neo4j cannot store it as a property")
        return kinds.pop() + "[]"
    raise BulkImportError(f"value {value!r:.80} of type {type(value).__name__} cannot be "
                          "written as a Neo4j property")


def _text(value: Any) -> str:
    """One scalar as neo4j-admin parses it (floats in shortest round-trip form)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def point_text(point: Any) -> str:
    """``{x:..,y:..,z:..}`` for a point (coordinates in shortest round-trip form)."""
    names = ("x", "y", "z")
    return "{" + ",".join(f"{n}:{_text(float(c))}" for n, c in zip(names, point)) + "}"


def point_column(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> pa.Array:
    """Vectorised :func:`point_text` for coordinate columns (float64, no nulls)."""
    parts = [pc.cast(pa.array(np.asarray(v, dtype="float64")), pa.string()) for v in (x, y, z)]
    return pc.binary_join_element_wise("{x:", parts[0], ",y:", parts[1], ",z:", parts[2],
                                       "}", "")


def _array_text(values: Iterable[Any]) -> str:
    out = []
    for v in values:
        t = _text(v)
        if ARRAY_DELIMITER in t:
            raise BulkImportError(f"array element {t!r:.80} holds the array delimiter "
                                  "U+001F; load this dataset over Bolt instead")
        out.append(t)
    return ARRAY_DELIMITER.join(out)


def _arrow_column(kind: str, values: list) -> pa.Array:
    """A column of one header type from Python values (None = no property)."""
    if kind == "boolean":
        return pa.array(values, pa.bool_())
    if kind == "long":
        return pa.array([None if v is None else int(v) for v in values], pa.int64())
    if kind == "double":
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    if kind == "string":
        return pa.array(values, pa.string())
    if kind.startswith("point"):
        return pa.array([None if v is None else point_text(v) for v in values], pa.string())
    if kind.endswith("[]"):
        return pa.array([None if v is None else _array_text(v) for v in values], pa.string())
    raise AssertionError(kind)


# --- header -----------------------------------------------------------------------------------

def needs_placeholder(name: str) -> bool:
    """True if neo4j-admin's header parser would mangle ``name`` (it holds
    ``( ) { }``), so it must be written under a placeholder and renamed."""
    return any(ch in HEADER_SYNTAX for ch in name)


def header_line(entries: list[str]) -> str:
    """One CSV header line (fields quoted where CSV needs it)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(entries)
    return buf.getvalue()


@dataclass
class Column:
    """One property column: its real name, header type and values."""

    name: str
    kind: str
    values: pa.Array


@dataclass
class ImportFiles:
    """The files of one import and what has to follow it.

    Attributes
    ----------
    folder : Path
    nodes : list of list of Path
        Per node kind, ``[header, data]`` (``--nodes=header,data``).
    relationships : list of (str, list of Path)
        Per relationship kind, its type and ``[header, data]``.
    renames : dict
        Generic label → {placeholder: real property name} (names neo4j-admin
        cannot take in a header). A real name has the same placeholder under
        every label (:attr:`placeholders`).
    empty_lists : list of dict
        ``{label, key, value, property}``: set ``property`` to ``[]`` on the node
        of generic ``label`` whose ``key`` equals ``value``.
    multiline : bool
        Some text value holds a line break (``--multiline-fields=true``).
    node_rows, relationship_rows : dict
        Rows written per node label / relationship kind.
    """

    folder: Path
    nodes: list[list[Path]] = field(default_factory=list)
    relationships: list[tuple[str, list[Path]]] = field(default_factory=list)
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    empty_lists: list[dict] = field(default_factory=list)
    multiline: bool = False
    node_rows: dict[str, int] = field(default_factory=dict)
    relationship_rows: dict[str, int] = field(default_factory=dict)

    @property
    def placeholders(self) -> dict[str, str]:
        """{placeholder: real property name} over all labels."""
        return {k: v for names in self.renames.values() for k, v in names.items()}

    @property
    def n_nodes(self) -> int:
        return sum(self.node_rows.values())

    @property
    def n_relationships(self) -> int:
        return sum(self.relationship_rows.values())

    def admin_args(self, database: str = "neo4j", *, threads: int | None = None,
                   max_off_heap: str | None = None, report: Path | None = None) -> list[str]:
        """Arguments of ``neo4j-admin`` for this import (replacing ``database``)."""
        # --verbose: on bad input, neo4j-admin then names the file, line and cause.
        args = ["database", "import", "full", database, "--verbose",
                "--overwrite-destination=true",
                "--id-type=integer", "--array-delimiter=U+001F",
                f"--report-file={report or self.folder / 'import.report'}"]
        if threads:
            args.append(f"--threads={threads}")
        if max_off_heap:
            args.append(f"--max-off-heap-memory={max_off_heap}")
        if self.multiline:
            args.append("--multiline-fields=true")
        args += ["--nodes=" + ",".join(map(str, files)) for files in self.nodes]
        args += [f"--relationships={kind}=" + ",".join(map(str, files))
                 for kind, files in self.relationships]
        return args


class CsvWriter:
    """Writes the header and data files of one import into ``folder``."""

    def __init__(self, folder: Path):
        self.files = ImportFiles(folder=Path(folder))
        self.files.folder.mkdir(parents=True, exist_ok=True)
        self._stems: dict[str, int] = {}
        self._placeholders: dict[str, str] = {}   # real name -> placeholder
        self._taken: set[str] = set()             # placeholders given out
        self._plain: set[str] = set()             # property names written as they are

    def _stem(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")
        n = self._stems.get(base, 0)
        self._stems[base] = n + 1
        return base if n == 0 else f"{base}-{n}"

    def _check_text(self, values: pa.Array) -> None:
        if pa.types.is_string(values.type) and len(values):
            if pc.any(pc.match_substring_regex(values, "[\r\n]")).as_py():
                self.files.multiline = True

    def _placeholder(self, name: str) -> str:
        """The placeholder of ``name``: one per real name across all files,
        never a name some column really has."""
        found = self._placeholders.get(name)
        if found is None:
            i = len(self._placeholders)
            while f"{PLACEHOLDER_PREFIX}{i}" in self._plain | self._taken:
                i += 1
            found = self._placeholders[name] = f"{PLACEHOLDER_PREFIX}{i}"
            self._taken.add(found)
        return found

    def _property_entries(self, label: str, columns: list[Column]) -> list[str]:
        entries = []
        renames = self.files.renames.setdefault(label, {})
        for c in columns:
            name = c.name
            if needs_placeholder(name):
                name = self._placeholder(c.name)
                renames[name] = c.name
            elif name in self._taken:
                raise BulkImportError(
                    f"property {name!r} of {label} has the name of an import placeholder; "
                    "rename that column or load over Bolt (without --bulk)")
            else:
                self._plain.add(name)
            entries.append(f"{name}:{c.kind}")
            self._check_text(c.values)
        if not renames:
            del self.files.renames[label]
        return entries

    def _write(self, stem: str, entries: list[str], arrays: list[pa.Array]) -> list[Path]:
        header = self.files.folder / f"{stem}-header.csv"
        data = self.files.folder / f"{stem}.csv"
        header.write_text(header_line(entries), encoding="utf-8")
        table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
        pacsv.write_csv(table, data, pacsv.WriteOptions(include_header=False,
                                                         batch_size=1 << 16))
        return [header, data]

    def nodes(self, label: str, labels: pa.Array, ids: tuple[str, pa.Array] | None,
              columns: list[Column]) -> None:
        """One node file: ``labels`` (``:LABEL`` texts), an optional ID column
        ``(group, int64 ids)`` and property columns."""
        entries, arrays = [":LABEL"], [labels]
        if ids is not None:
            entries.append(f":ID({ids[0]})")
            arrays.append(ids[1])
        entries += self._property_entries(label, columns)
        arrays += [c.values for c in columns]
        self.files.nodes.append(self._write(self._stem(label), entries, arrays))
        self.files.node_rows[label] = self.files.node_rows.get(label, 0) + len(labels)

    def relationships(self, kind: str, start: tuple[str, Any], end: tuple[str, Any],
                      columns: list[Column] = (), name: str | None = None) -> None:
        """One relationship file of type ``kind`` from ``start`` to ``end``
        (``(ID group, int64 ids)`` each)."""
        entries = [f":START_ID({start[0]})", f":END_ID({end[0]})"]
        awkward = [c.name for c in columns if needs_placeholder(c.name)]
        if awkward:
            raise BulkImportError(f"relationship property names {awkward} cannot be written "
                                  "in a neo4j-admin header; load over Bolt instead")
        entries += self._property_entries(kind, list(columns))
        arrays = [pa.array(np.asarray(start[1], dtype="int64")),
                  pa.array(np.asarray(end[1], dtype="int64"))] + [c.values for c in columns]
        key = name or kind
        self.files.relationships.append((kind, self._write(self._stem(key), entries, arrays)))
        self.files.relationship_rows[key] = (self.files.relationship_rows.get(key, 0)
                                             + len(arrays[0]))


# --- generic rows (bodies, ROIs, Meta, skeletons, small relationship tables) ----------------

def typed_groups(rows: list[dict]) -> list[tuple[list[int], dict[str, str]]]:
    """Split property maps into groups whose every key has one header type.

    Bolt stores each node's values with their own types; a CSV column has one.
    Rows are grouped by the types of the keys whose type differs between rows
    (usually none, so one group).

    Returns
    -------
    list of (row positions, {key: type})
        Keys in first-seen order; empty-list values are typed ``"[]"``.
    """
    kinds: dict[str, set] = {}
    row_kinds = []
    for row in rows:
        rk = {}
        for k, v in row.items():
            t = value_type(v)
            if t is not None:
                rk[k] = t
                kinds.setdefault(k, set()).add(t)
        row_kinds.append(rk)
    split = sorted(k for k, ts in kinds.items() if len(ts - {"[]"}) > 1)
    groups: dict[tuple, list[int]] = {}
    for i, rk in enumerate(row_kinds):
        groups.setdefault(tuple(rk.get(k) for k in split), []).append(i)
    out = []
    for positions in groups.values():
        types: dict[str, str] = {}
        for i in positions:
            for k, t in row_kinds[i].items():
                if types.get(k) in (None, "[]"):
                    types[k] = t
        out.append((positions, types))
    return out


def row_columns(rows: list[dict], types: dict[str, str]) -> tuple[list[Column], list[tuple]]:
    """Columns for ``rows`` (one group of :func:`typed_groups`), and the
    ``(row position, key)`` of empty lists, which CSV cannot hold."""
    columns, empty = [], []
    for key, kind in types.items():
        values = [row.get(key) for row in rows]
        if kind == "[]":
            empty += [(i, key) for i, v in enumerate(values) if v is not None]
            continue
        if kind.endswith("[]"):
            for i, v in enumerate(values):
                if v is not None and len(v) == 0:
                    empty.append((i, key))
                    values[i] = None
        values = [None if (isinstance(v, float) and math.isnan(v)) else v for v in values]
        columns.append(Column(key, kind, _arrow_column(kind, values)))
    return columns, empty


def _labels(labels: LabelSet, *generic: str) -> str:
    parts = []
    for g in generic:
        parts += [g, labels.raw(g)]
    for p in parts:
        if ARRAY_DELIMITER in p:
            raise BulkImportError(f"label {p!r} holds U+001F; load over Bolt instead")
    return ARRAY_DELIMITER.join(parts)


def _const(text: str, n: int) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype="int32")),
                                          pa.array([text])).cast(pa.string())


def write_rows(w: CsvWriter, label: str, label_texts: list[str], rows: list[dict],
               ids: tuple[str, np.ndarray] | None, key: str) -> None:
    """Node files for property maps (split by :func:`typed_groups`); empty
    lists are recorded for after the import, found by property ``key``."""
    for positions, types in typed_groups(rows):
        group = [rows[i] for i in positions]
        columns, empty = row_columns(group, types)
        w.files.empty_lists += [{"label": label, "key": key, "value": group[i][key],
                                 "property": prop} for i, prop in empty]
        group_ids = None if ids is None else (ids[0], pa.array(np.asarray(ids[1])[positions],
                                                              pa.int64()))
        w.nodes(label, pa.array([label_texts[i] for i in positions], pa.string()),
                group_ids, columns)


# --- the dataset --------------------------------------------------------------------------------

def write_import_files(prepared, folder: Path, echo=lambda s: None) -> ImportFiles:
    """Write the import files of a :class:`~connectograph.loading.engine.PreparedDataset`.

    The graph is the Bolt loader's (:func:`~connectograph.loading.engine.write_prepared`)
    under the dataset's *published* labels, with ``Meta.loadComplete = false``.

    Parameters
    ----------
    prepared : PreparedDataset
    folder : Path
        Created if missing; receives ``<kind>-header.csv`` and ``<kind>.csv`` files.
    echo : callable
        Receives progress messages.

    Returns
    -------
    ImportFiles

    Raises
    ------
    BulkImportError
        A value CSV import cannot express (see module docstring).
    """
    p = prepared
    labels = LabelSet(str(p.dataset))
    w = CsvWriter(folder)

    # ROIs and their hierarchy
    roi_index = {row["name"]: i for i, row in enumerate(p.roi_rows)}
    if p.roi_rows:
        write_rows(w, "ROI", [_labels(labels, "ROI")] * len(p.roi_rows), p.roi_rows,
                   ("ROI", np.arange(len(p.roi_rows))), "name")
    if p.roi_parents:
        w.relationships("PartOf", ("ROI", [roi_index[c] for c, _ in p.roi_parents]),
                        ("ROI", [roi_index[q] for _, q in p.roi_parents]))

    # Bodies: the very property maps the Bolt loader sends, in files of
    # BODY_ROWS_PER_FILE; a body's import id is its row in p.neurons
    echo(f"  bodies ({len(p.neurons):,}) ...")
    seg, neu = _labels(labels, "Segment"), _labels(labels, "Segment", "Neuron")
    body_index = pd.Index(p.neurons["bodyId"].to_numpy(dtype="int64"))
    first = 0
    for props, flags in body_property_slices(p.neurons, p.neuron_flag, BODY_ROWS_PER_FILE):
        write_rows(w, "Segment", [neu if f else seg for f in flags], props,
                   ("Body", np.arange(first, first + len(props))), "bodyId")
        first += len(props)

    def body(ids) -> np.ndarray:
        return _positions(body_index, ids, "body")

    m = p.memberships
    if len(m):
        columns = [Column(k, "long", pa.array(m[k], pa.int64()))
                   for k in COUNT_KEYS if m[k].notna().any()]
        w.relationships("InROI", ("Body", body(m["bodyId"])),
                        ("ROI", m["roi"].astype(object).map(roi_index).to_numpy()), columns)

    for c in connection_frames(p.connections, CONNECTION_ROWS_PER_FILE):
        if len(c):
            w.relationships("ConnectsTo", ("Body", body(c["bodyId_pre"])),
                            ("Body", body(c["bodyId_post"])),
                            [Column("weight", "long", pa.array(c["weight"], pa.int64())),
                             Column("roiInfo", "string", pa.array(c["roiInfo"], pa.string()))],
                            name="ConnectsTo (Segment)")
        # the file's texts are freed: hand the pages back before the next rows
        # are read (at 10M, 250,000 rows per file, RSS otherwise rose by 135
        # MiB over the six files, measured). Once per file, not per Bolt
        # batch: a trim of a fragmented heap took 100 ms (measured).
        del c
        release_arrow_memory()

    # Skeletons
    if p.skeletons:
        bodies = sorted(p.skeletons)
        rows = [skeleton_properties(p.skeletons[b], b) for b in bodies]
        write_rows(w, "Skeleton", [_labels(labels, "Skeleton")] * len(rows), rows,
                   ("Skeleton", np.arange(len(rows))), "bodyId")
        w.relationships("Contains", ("Body", body(bodies)), ("Skeleton", np.arange(len(rows))),
                        name="Contains (Skeleton)")

    _write_synapses(w, p.synapses, labels, body, echo)

    meta = {**p.meta, "loadComplete": False}
    write_rows(w, "Meta", [_labels(labels, "Meta")], [meta], None, "dataset")
    return w.files


def roi_flag_columns(rois: np.ndarray) -> list[Column]:
    """One boolean column per ROI name in ``rois`` (per row, a tuple of names):
    true where the row lies in the ROI, null elsewhere."""
    codes, combos = pd.factorize(pd.Series(rois, dtype=object), use_na_sentinel=False)
    names = sorted({n for combo in combos for n in combo})
    columns = []
    for name in names:
        hit = np.array([name in combo for combo in combos], dtype=bool)
        mask = hit[codes]
        values = pa.array(np.ones(len(codes), dtype=bool), mask=~mask)
        columns.append(Column(name, "boolean", values))
    return columns


def _positions(index: pd.Index, values, what: str) -> np.ndarray:
    """Row numbers of ``values`` in ``index`` (the import IDs)."""
    pos = index.get_indexer(np.asarray(values, dtype="int64"))
    if (pos < 0).any():
        raise BulkImportError(f"a relationship names a {what} that is not written "
                              f"({np.asarray(values)[pos < 0][:5]}); this is a bug")
    return pos


def _write_synapses(w: CsvWriter, syn, labels: LabelSet, body, echo) -> None:
    """``:Synapse`` nodes, ``SynapsesTo``, ``:SynapseSet`` nodes and their
    ``Contains``/``ConnectsTo`` links, column by column, one part of the
    synapses at a time (:meth:`~.synapse_stage.SynapseData.partitions`: the
    whole tables, or one partition of a partitioned prepare).

    Import ids: a synapse's is its row in its part plus the rows of the parts
    before; the pre and post SynapseSets of a part's ``k``-th connection get
    ``2 (K + k)`` and ``2 (K + k) + 1``, ``K`` the connections of the parts
    before. Every pair and SynapseSet lies in one part with its synapses."""
    if not syn.n_points:
        return
    echo(f"  synapses ({syn.n_points:,}) and synapse sets ({2 * syn.n_sets:,}) ...")
    first_synapse = first_set = 0
    for part in syn.partitions():
        _write_synapse_part(w, part, labels, body, first_synapse, first_set)
        first_synapse += part.n_points
        first_set += part.n_sets
        del part  # before the next partition is derived


def _write_synapse_part(w: CsvWriter, syn, labels: LabelSet, body,
                        first_synapse: int, first_set: int) -> None:
    """:func:`_write_synapses` of one part, whose first synapse and
    connection take import ids ``first_synapse`` and ``first_set``."""
    pts = syn.points
    if pts.empty:
        return
    n = len(pts)
    ids = pa.array(pts["id"].to_numpy(dtype="int64"))
    conf = pts["confidence"].to_numpy(dtype="float64")
    columns = roi_flag_columns(syn.rois) + [
        Column("synapseId", "long", ids),
        Column("bodyId", "long", pa.array(pts["bodyId"].to_numpy(dtype="int64"))),
        Column("type", "string", pa.array(pts["type"].to_numpy(dtype=object), pa.string())),
        Column("confidence", "double", pa.array(conf, mask=np.isnan(conf))),
        Column("location", POINT_3D, point_column(pts["x"], pts["y"], pts["z"])),
    ]
    w.nodes("Synapse", _const(_labels(labels, "Synapse"), n),
            ("Synapse", pa.array(np.arange(first_synapse, first_synapse + n, dtype="int64"))),
            columns)
    sets = syn.sets
    # Synapse import ids are rows of the points table (plus the parts before),
    # as the pairs' rows in sets are.
    if len(syn.pairs):
        w.relationships("SynapsesTo", ("Synapse", sets.pre_rows.astype(np.int64) + first_synapse),
                        ("Synapse", sets.post_rows.astype(np.int64) + first_synapse))
    if sets.empty:
        return
    k = len(sets)
    a, b = sets.body_pre, sets.body_post
    pre_set = (np.arange(k, dtype="int64") + first_set) * 2
    post_set = pre_set + 1
    set_ids = np.concatenate([pre_set, post_set])
    w.nodes("SynapseSet", _const(_labels(labels, "SynapseSet"), 2 * k),
            ("SynapseSet", pa.array(set_ids)),
            [Column("bodyId", "long", pa.array(np.concatenate([a, b]))),
             Column("partnerId", "long", pa.array(np.concatenate([b, a]))),
             Column("type", "string", pa.array(np.repeat(np.array(["pre", "post"], dtype=object), k),
                                               pa.string()))])
    w.relationships("Contains", ("Body", body(np.concatenate([a, b]))), ("SynapseSet", set_ids),
                    name="Contains (SynapseSet)")
    w.relationships("ConnectsTo", ("SynapseSet", pre_set), ("SynapseSet", post_set),
                    name="ConnectsTo (SynapseSet)")
    tbar_conn, tbar_rows, psd_conn, psd_rows = sets.members()
    w.relationships("Contains", ("SynapseSet", np.concatenate([pre_set[tbar_conn],
                                                               post_set[psd_conn]])),
                    ("Synapse", np.concatenate([tbar_rows, psd_rows]).astype(np.int64)
                     + first_synapse),
                    name="Contains (Synapse)")
