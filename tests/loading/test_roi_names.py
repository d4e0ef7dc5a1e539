r"""ROI and property names from the sources, which the loader splices into Cypher
(ROI flags such as ``n.`a'L(R)```, their indexes, every query's ROI criteria;
neuron columns in ``fetch_neurons``' projections).

Names that :func:`~connectograph.identifiers.escape_name` refuses (control
characters, over 256 characters) are refused when they are read, before
anything is written and in ``check`` too, naming the file and the key, row or
column. Names it accepts load as they are, however hostile: ``\u0060`` and the
other ``\u`` spellings that Neo4j 5 reads as escapes anywhere in a query are
written as ``\u005c`` backslashes, so they reach Neo4j unchanged (shown
against the real server).

The inputs are the bundle's real ROI files and PPL neuron table (and, where
the recipe has no ``[rois]``, per-ROI connection and synapse tables) in
tmp_path, with ROIs renamed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph import NC, Client, fetch_custom, fetch_neurons
from connectograph.errors import ValidationError
from connectograph.identifiers import DatasetName
from connectograph.loading import check, drop, load
from small_recipes import KC_SYNAPSE_COLUMNS

PPL = "neuprint-exports/perc_PPL_df.csv"              # 21 neurons, roiInfo as JSON text
CONNS = "neuprint-exports/perc_conn_PPLKC_df.csv"
KC_IN = "synapses/kc-5813078552/KCinputs1847.csv"
INFO = "rois/np_roiInfo.json"
HIERARCHY = "rois/np_roiHierarchy.json"
BAD_DATASET = "badroiname:v1"
HOSTILE_DATASET = "hostile-roi:v1"

#: Real ROIs of the PPL neurons, each renamed to a name Neo4j would read as
#: (or near) a Unicode escape: a backtick that closes the name, an invalid
#: escape, an escaped backslash, a lone backslash.
HOSTILE = {
    "a'L(R)": r"EVIL\u0060 IS NULL OR n.\u0060x",
    "CA(R)": r"\u0060",
    "PED(R)": r"\uZZZZ",
    "LH(R)": r"\\u0060",
    "gL(R)": "\\",
}


def recipe_text(data_dir: Path, name: str, *, rois: bool = True, extra: str = "") -> str:
    dataset, tag = name.split(":")
    roi_section = f'[rois]\ninfo = "{INFO}"\nhierarchy = "{HIERARCHY}"\n' if rois else ""
    return f"""
[dataset]
name = "{dataset}"
tag = "{tag}"
data_dir = "{data_dir}"

{roi_section}
[[neurons]]
file = "{PPL}"
drop = ["inputRois", "outputRois"]
{extra}"""


@pytest.fixture
def data_dir(tmp_path, bundle_dir) -> Path:
    d = tmp_path / "data"
    shutil.copytree(bundle_dir / "rois", d / "rois", ignore=shutil.ignore_patterns("meshes"))
    (d / PPL).parent.mkdir(parents=True)
    shutil.copy(bundle_dir / PPL, d / PPL)
    return d


def write_recipe(data_dir: Path, text: str) -> Path:
    path = data_dir.parent / "roinames.toml"
    path.write_text(text)
    return path


def rename_rois(data_dir: Path, names: dict[str, str]) -> None:
    """Rename ROIs everywhere the copy names them: the definitions (keys and
    ``parent``), the hierarchy and the neuron table's roiInfo cells."""
    info = json.loads((data_dir / INFO).read_text())
    renamed = {}
    for roi, entry in info.items():
        if entry.get("parent") in names:
            entry = {**entry, "parent": names[entry["parent"]]}
        renamed[names.get(roi, roi)] = entry
    (data_dir / INFO).write_text(json.dumps(renamed))

    def walk(node: dict) -> dict:
        out = {**node, "name": names.get(node["name"], node["name"])}
        if "children" in node:
            out["children"] = [walk(child) for child in node["children"]]
        return out

    tree = json.loads((data_dir / HIERARCHY).read_text())
    (data_dir / HIERARCHY).write_text(json.dumps(walk(tree)))
    df = pd.read_csv(data_dir / PPL, dtype=str, keep_default_na=False)
    df["roiInfo"] = [json.dumps({names.get(k, k): v for k, v in json.loads(cell).items()})
                     for cell in df["roiInfo"]]
    df.to_csv(data_dir / PPL, index=False)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


# --- refused when read (no server) -------------------------------------------------------------

BAD_NAMES = {"control character": ("a'L(R)", "a'L\x1b(R)", "control character"),
             "over-long": ("CA(R)", "CA(R)" + "x" * 300, "longer than 256")}


@pytest.mark.parametrize("original, name, reason", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_bad_roi_name_refused_by_check(data_dir, original, name, reason):
    rename_rois(data_dir, {original: name})
    with pytest.raises(ValidationError, match=reason) as info:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET)), progress=None)
    err = info.value
    assert Path(err.file) == data_dir / INFO
    assert "ROI name " + repr(name)[:40] in str(err)


def test_bad_key_of_an_roi_definition_refused_by_check(data_dir):
    info = json.loads((data_dir / INFO).read_text())
    info["CA(R)"]["note\n"] = "a key with a line break"
    (data_dir / INFO).write_text(json.dumps(info))
    with pytest.raises(ValidationError, match="control character") as err:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET)), progress=None)
    assert Path(err.value.file) == data_dir / INFO
    assert "key of ROI 'CA(R)'" in str(err.value) and repr("note\n") in str(err.value)


def test_bad_neuron_column_name_refused_by_check(data_dir):
    path = data_dir / PPL
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.rename(columns={"notes": "notes\x1b"}).to_csv(path, index=False)
    with pytest.raises(ValidationError, match="control character") as info:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET)), progress=None)
    assert Path(info.value.file) == path and info.value.column == "notes\x1b"


# Without [rois] no definitions are read: each table's ROI names are checked.

def test_bad_roi_name_in_roi_info_without_definitions(data_dir):
    path = data_dir / PPL
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    info = json.loads(df.loc[6, "roiInfo"])
    info["SMP\x1b(R)"] = {"pre": 1, "post": 2}
    set_cell(path, 7, "roiInfo", json.dumps(info))
    with pytest.raises(ValidationError, match="control character") as err:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET, rois=False)),
              progress=None)
    assert Path(err.value.file) == path
    assert (err.value.row, err.value.column) == (7, "roiInfo")


def test_bad_roi_name_in_connection_table_without_definitions(data_dir, bundle_dir):
    path = data_dir / CONNS
    pd.read_csv(bundle_dir / CONNS, dtype=str, keep_default_na=False).head(30).to_csv(
        path, index=False)
    set_cell(path, 12, "roi", "CA(R)" + "x" * 300)
    extra = f'[[roi_connections]]\nfile = "{CONNS}"\n'
    with pytest.raises(ValidationError, match="longer than 256") as err:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET, rois=False,
                                                 extra=extra)), progress=None)
    assert Path(err.value.file) == path
    assert (err.value.row, err.value.column) == (12, "roi")


@pytest.mark.parametrize("partitioned", [False, True], ids=["in memory", "partitioned"])
def test_bad_roi_name_in_synapse_table_without_definitions(tmp_path, data_dir, bundle_dir,
                                                           partitioned):
    path = data_dir / KC_IN
    path.parent.mkdir(parents=True)
    pd.read_csv(bundle_dir / KC_IN, dtype=str, keep_default_na=False).head(40).to_csv(
        path, index=False)
    set_cell(path, 9, "downstream_roi", "CA(\x07R)")
    extra = (f'[[synapses]]\nkind = "synapse_connections"\nfile = "{KC_IN}"\n'
             f'unknown_bodies = "add"\n{KC_SYNAPSE_COLUMNS}')
    options = {}
    if partitioned:
        (tmp_path / "spill").mkdir()
        options = {"partition_rows": 1000, "spill_dir": str(tmp_path / "spill")}
    with pytest.raises(ValidationError, match="control character") as err:
        check(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET, rois=False,
                                                 extra=extra)), progress=None, **options)
    assert Path(err.value.file) == path
    assert (err.value.row, err.value.column) == (9, "downstream_roi")


# --- against the server ---------------------------------------------------------------------

@pytest.mark.neo4j
def test_bad_roi_name_writes_nothing(data_dir, writer, unchanged):
    """Before, such a name was written and failed only when its index was made
    at publish (InvalidIdentifierError), after the old version was replaced."""
    rename_rois(data_dir, {"a'L(R)": "a'L\x1b(R)"})
    with pytest.raises(ValidationError, match="control character") as info:
        load(write_recipe(data_dir, recipe_text(data_dir, BAD_DATASET)), client=writer,
             progress=None)
    assert Path(info.value.file) == data_dir / INFO


@pytest.fixture
def hostile_writer(neo4j_connection):
    """A client that writes the hostile-names dataset, which is dropped afterwards."""
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=HOSTILE_DATASET, check_dataset=False) as c:
        try:
            yield c
        finally:
            drop(HOSTILE_DATASET, client=c)
            labels = c.read("CALL db.labels() YIELD label WHERE label STARTS WITH $p "
                            "RETURN label", {"p": "hostile-roi:"})
            assert labels == []


@pytest.mark.neo4j
def test_hostile_roi_names_load_as_written(data_dir, bundle_dir, neo4j_connection,
                                           hostile_writer):
    # what the sources say, read with json and pandas
    source = pd.read_csv(bundle_dir / PPL, dtype=str, keep_default_na=False)
    source_rois = {int(b): set(json.loads(cell)) for b, cell in
                   zip(source["bodyId"], source["roiInfo"])}
    assert all(any(roi in rois for rois in source_rois.values()) for roi in HOSTILE)
    expected_flags = {b: {HOSTILE.get(r, r) for r in rois} for b, rois in source_rois.items()}
    defined = {HOSTILE.get(r, r) for r in json.loads((bundle_dir / INFO).read_text())}

    rename_rois(data_dir, HOSTILE)
    load(write_recipe(data_dir, recipe_text(data_dir, HOSTILE_DATASET)),
         client=hostile_writer, progress=None)

    ds = DatasetName.parse(HOSTILE_DATASET)
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=HOSTILE_DATASET) as c:
        names = set(fetch_custom(f"MATCH (r:{ds.label('ROI')}) RETURN r.name AS name",
                                 client=c)["name"])
        assert names == defined
        assert set(HOSTILE.values()) <= names and not set(HOSTILE) & names

        # the property keys on the bodies are exactly the names (read by parameter)
        rows = c.read(f"MATCH (n:{ds.label('Segment')}) RETURN n.bodyId AS body, "
                      "[k IN keys(n) WHERE k IN $rois AND n[k] = true] AS flags",
                      {"rois": sorted(defined)})
        assert {r["body"]: set(r["flags"]) for r in rows} == expected_flags

        # the publish step indexed each flag under its exact name
        indexed = {p for r in c.read("SHOW INDEXES YIELD labelsOrTypes, properties "
                                     "WHERE labelsOrTypes = [$label] RETURN properties",
                                     {"label": f"{ds}_Segment"})
                   for p in r["properties"]}
        assert set(HOSTILE.values()) <= indexed

        # a criterion on the renamed ROI selects the bodies the original name did
        for original, hostile in HOSTILE.items():
            want = {b for b, rois in source_rois.items() if original in rois}
            neurons, _ = fetch_neurons(NC(rois=[hostile], label="Segment"), client=c)
            assert set(neurons["bodyId"].astype(int)) == want, hostile
        evil = {b for b, rois in source_rois.items() if "a'L(R)" in rois}
        assert 0 < len(evil) < len(source_rois)
