"""A partitioned prepare writes the same neo4j-admin import rows as one in memory.

No server: the real bundle is prepared twice (the synapse tables whole, then
spilled and handled in partitions of 3,000 rows, with bodies in files of at
most 1,000 rows) and both sets of import files are read back as a graph: every
node by its key (bodyId, synapseId, a SynapseSet's body, partner and kind, an
ROI's name), every relationship by its ends' keys, with its property values as
written. The import ids and the file split differ; the graph must not.
``tests/loading/test_bulk_load.py`` imports the in-memory files with
neo4j-admin and compares the database with the Bolt load (its partitioned
import runs in ``make test-slow``).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from connectograph.loading.fingerprint import fingerprint
from connectograph.loading.preparation import prepare
from connectograph.loading.recipe import checked_recipe
from connectograph.loading.write.bulk_csv import write_import_files

#: How a node of each import ID group is known outside the files.
NODE_KEYS = {
    "Body": ("bodyId",),
    "Synapse": ("synapseId",),
    "SynapseSet": ("bodyId", "partnerId", "type"),
    "ROI": ("name",),
    "Skeleton": ("bodyId",),
}
ID_FIELD = re.compile(r":(ID|START_ID|END_ID)\((\w+)\)")


def _read(paths: list[Path]) -> tuple[list[str], list[list[str]]]:
    header_file, data_file = paths
    with open(header_file, newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    # every field as its text ("" for an empty one), as neo4j-admin reads it
    names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(data_file, read_options=pacsv.ReadOptions(column_names=names),
                           parse_options=pacsv.ParseOptions(newlines_in_values=True),
                           convert_options=pacsv.ConvertOptions(
                               column_types={n: pa.string() for n in names},
                               strings_can_be_null=False, quoted_strings_can_be_null=False))
    return header, [list(r) for r in zip(*(table[n].to_pylist() for n in names))]


def _name(field: str, renames: dict[str, str]) -> str:
    """A header field's real property name with its type (placeholders resolved)."""
    name, _, kind = field.rpartition(":")
    return f"{renames.get(name, name)}:{kind}"


def import_graph(files) -> tuple[dict, Counter]:
    """The graph a set of import files describes.

    Returns ``nodes`` (ID group -> key -> {property: text}, the labels under
    ``:LABEL``; empty fields, which neo4j-admin skips, left out) and
    ``relationships`` (a Counter of (file kind, start key, end key,
    properties))."""
    ids: dict[tuple[str, str], tuple] = {}
    nodes: dict[str, dict] = {}
    # a real name has the same placeholder under every label
    renames = {p: name for names in files.renames.values() for p, name in names.items()}
    for paths in files.nodes:
        header, rows = _read(paths)
        group = next((ID_FIELD.fullmatch(f).group(2) for f in header
                      if ID_FIELD.fullmatch(f)), "Meta")
        fields = [_name(f, renames) if not f.startswith(":") else f for f in header]
        id_at = next((i for i, f in enumerate(header) if f.startswith(":ID")), None)
        for row in rows:
            props = {f: v for f, v in zip(fields, row) if v != "" and not f.startswith(":ID")}
            by_name = {f.rpartition(":")[0]: v for f, v in props.items()}
            key = tuple(by_name[k] for k in NODE_KEYS.get(group, ("dataset",)))
            if id_at is not None:
                assert (group, row[id_at]) not in ids
                ids[(group, row[id_at])] = (group, *key)
            assert key not in nodes.setdefault(group, {}), (group, key)
            nodes[group][key] = props
    relationships: Counter = Counter()
    for kind, paths in files.relationships:
        header, rows = _read(paths)
        ends = [ID_FIELD.fullmatch(f) for f in header]
        for row in rows:
            start = next(ids[(m.group(2), v)] for m, v in zip(ends, row)
                         if m and m.group(1) == "START_ID")
            end = next(ids[(m.group(2), v)] for m, v in zip(ends, row)
                       if m and m.group(1) == "END_ID")
            props = tuple(sorted((f, v) for f, m, v in zip(header, ends, row)
                                 if not m and v != ""))
            relationships[(kind, start, end, props)] += 1
    return nodes, relationships


@pytest.fixture(scope="module")
def written(bundle_dir, tmp_path_factory):
    recipe = checked_recipe("hemibrain-mb", data_dir=str(bundle_dir))
    out = {}
    for mode, partition_rows in (("memory", None), ("partitions", 3000)):
        folder = tmp_path_factory.mktemp(f"import-{mode}")
        with pytest.MonkeyPatch.context() as mp:
            if partition_rows:
                mp.setattr("connectograph.loading.write.bulk_csv.BODY_ROWS_PER_FILE", 1000)
            prepared = prepare(recipe, fingerprint(recipe), partition_rows=partition_rows)
            try:
                files = write_import_files(prepared, folder)
            finally:
                prepared.close()
        out[mode] = (files, *import_graph(files))
    return out


def test_partitioned_files_are_split(written):
    memory, partitions = written["memory"][0], written["partitions"][0]
    def stems(files, kind):
        return [p[0].name for p in files.nodes if re.fullmatch(rf"{kind}(-\d+)?-header\.csv",
                                                               p[0].name)]
    assert stems(memory, "Synapse") == ["Synapse-header.csv"]
    assert len(stems(partitions, "Synapse")) > 3
    assert len(stems(partitions, "Segment")) > len(stems(memory, "Segment"))
    assert partitions.node_rows == memory.node_rows
    assert partitions.relationship_rows == memory.relationship_rows


@pytest.mark.parametrize("group", ["Body", "Synapse", "SynapseSet", "ROI", "Skeleton", "Meta"])
def test_same_nodes(written, group):
    memory, partitions = written["memory"][1][group], written["partitions"][1][group]
    assert len(memory) > 0
    if group == "Meta":     # the time of each preparation
        (m,), (p,) = memory.values(), partitions.values()
        edits = [datetime.fromisoformat(d.pop("lastDatabaseEdit:string")) for d in (m, p)]
        assert timedelta(0) <= edits[1] - edits[0] < timedelta(minutes=10)
    assert memory.keys() == partitions.keys()
    differ = {(k, f): (memory[k].get(f), partitions[k].get(f)) for k in memory
              for f in memory[k].keys() | partitions[k].keys()
              if memory[k].get(f) != partitions[k].get(f)}
    assert not differ, list(differ.items())[:3]


def test_same_relationships(written):
    memory, partitions = written["memory"][2], written["partitions"][2]
    kinds = {(kind, start[0], end[0]) for kind, start, end, _ in memory}
    assert kinds == {("PartOf", "ROI", "ROI"), ("InROI", "Body", "ROI"),
                     ("ConnectsTo", "Body", "Body"), ("SynapsesTo", "Synapse", "Synapse"),
                     ("Contains", "Body", "SynapseSet"), ("Contains", "Body", "Skeleton"),
                     ("ConnectsTo", "SynapseSet", "SynapseSet"),
                     ("Contains", "SynapseSet", "Synapse")}
    assert memory == partitions
