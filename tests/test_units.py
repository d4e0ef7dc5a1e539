"""Fast unit tests (no server): recipes, identifiers, Cypher files, model derivations.

Expected values are worked out by hand in the comments next to them.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph import cypher_files
from connectograph.cypher_files import LabelSet, dataset_statements, statement, statements
from connectograph.errors import InvalidIdentifierError, RecipeError
from connectograph.identifiers import MAX_NAME_LENGTH, DatasetName, escape_name, property_access
from connectograph.loading.derive.bodies import (ROI_INFO_FROM_CONNECTIONS, ROI_INFO_FROM_SOURCE,
                                                 complete_bodies, is_neuron)
from connectograph.loading.derive.body_roi_counts import roi_info_dicts
from connectograph.loading.derive.connections import (connections_from_roi_weights,
                                                      roi_info_from_connections)
from connectograph.loading.recipe import load_recipe

from cypher_reading import neo4j_reads

MINIMAL = """
[dataset]
name = "tiny"
tag = "v1"
data_dir = "{data_dir}"
"""


def _write(tmp_path: Path, text: str, name: str = "recipe.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# --- recipes -------------------------------------------------------------------------------

def test_minimal_recipe_parses_with_defaults(tmp_path):
    path = _write(tmp_path, MINIMAL.format(data_dir=tmp_path))
    r = load_recipe(path)
    assert str(r.dataset_name) == "tiny:v1"
    assert r.base_dir == tmp_path.resolve()
    assert r.source == str(path)
    # neuPrint's neuron rule defaults
    assert (r.neuron_rule.min_pre, r.neuron_rule.min_post) == (2, 10)
    assert r.neurons == [] and r.roi_connections == [] and r.rois is None


def test_bundled_recipe_parses():
    r = load_recipe("hemibrain-mb")
    assert str(r.dataset_name) == "hemibrain-mb:v1.2.1"
    assert [s.file for s in r.neurons][0] == "neuprint-exports/perc_MBON_df3.csv"
    assert len(r.neurons) == 8 and len(r.roi_connections) == 7
    assert r.neurons[6].columns == {"class": "cell_class", "hemilineage": "ito_lee_hemilineage"}


def test_dataset_override(tmp_path):
    path = _write(tmp_path, MINIMAL.format(data_dir=tmp_path))
    r = load_recipe(path, dataset="other:v9")
    assert (r.dataset.name, r.dataset.tag) == ("other", "v9")


@pytest.mark.parametrize("body, key", [
    # unknown key in a section (extra="forbid")
    ('[dataset]\nname = "a"\ntag = "v1"\nnmae = "typo"\n', "dataset.nmae"),
    # missing required key
    ('[dataset]\nname = "a"\n', "dataset.tag"),
    # wrong type
    ('[dataset]\nname = "a"\ntag = "v1"\n[neuron_rule]\nmin_pre = "two"\n',
     "neuron_rule.min_pre"),
    # wrong literal in a table source
    ('[dataset]\nname = "a"\ntag = "v1"\n[[neurons]]\nfile = "x.csv"\nformat = "xls"\n',
     "neurons.0.format"),
    # a table source without its file
    ('[dataset]\nname = "a"\ntag = "v1"\n[[roi_connections]]\ndrop = []\n',
     "roi_connections.0.file"),
    # unknown top-level section
    ('[dataset]\nname = "a"\ntag = "v1"\n[synapses]\nfile = "x"\n', "synapses"),
])
def test_schema_violation_names_recipe_and_key(tmp_path, body, key):
    path = _write(tmp_path, body)
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    msg = str(info.value)
    assert str(path) in msg
    assert key in msg


def test_invalid_toml_is_recipe_error(tmp_path):
    path = _write(tmp_path, '[dataset\nname = "a"\n')
    with pytest.raises(RecipeError, match="invalid TOML") as info:
        load_recipe(path)
    assert str(path) in str(info.value)


def test_unknown_recipe_name_lists_bundled():
    with pytest.raises(RecipeError) as info:
        load_recipe("no-such-recipe")
    assert "no-such-recipe" in str(info.value)
    assert "hemibrain-mb" in str(info.value)


def test_bad_dataset_tag_in_recipe_is_recipe_error(tmp_path):
    path = _write(tmp_path, '[dataset]\nname = "a"\ntag = "v1_2"\n')
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert str(path) in str(info.value)


def test_bad_dataset_tag_in_recipe_is_rejected(tmp_path):
    """Whatever its class, a bad tag never gets through (a ValueError subclass)."""
    path = _write(tmp_path, '[dataset]\nname = "a"\ntag = "v1_2"\n')
    with pytest.raises(ValueError, match="v1_2"):
        load_recipe(path)


# --- escape_name ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, escaped", [
    ("Neuron", "`Neuron`"),
    ("a'L(R)", "`a'L(R)`"),
    ("hemibrain-mb:v1.2.1_Segment", "`hemibrain-mb:v1.2.1_Segment`"),
    ("a`b", "`a``b`"),
    ("``", "``````"),
    ("`x` OR 1=1 //", "```x`` OR 1=1 //`"),
    ("é ü 日本", "`é ü 日本`"),
])
def test_escape_name(name, escaped):
    assert escape_name(name) == escaped
    # the result is a single backtick-quoted identifier: strip outer quotes, undouble
    assert escaped[1:-1].replace("``", "`") == name


@pytest.mark.parametrize("name", [
    r"nosuchprop\u0060 IS NULL OR n.\u0060bodyId", r"CA(R)\u0060 = true OR true OR n.\u0060x",
    r"type\u0060 AS x, 1 AS \u0060y", r"\uZZZZ", r"a\uu0060", r"a\U00000060", r"a\\u0060",
    "a\\", "\\", r"\u005c", r"\u005cu0060", "\\`", r"\u0027", r"\u000a",
])
def test_escape_name_keeps_unicode_escape_spellings_inside_the_name(name):
    escaped = escape_name(name)
    # no backslash of the name survives as a backslash Neo4j could read an escape from
    assert escaped.count("\\") == name.count("\\")
    assert all(escaped[i + 1:i + 6] == "u005c" for i, ch in enumerate(escaped) if ch == "\\")
    read = neo4j_reads(escaped)
    assert re.fullmatch(r"`(?:[^`]|``)*`", read), (name, escaped, read)
    assert read[1:-1].replace("``", "`") == name


def test_escape_name_rejects_lone_surrogates():
    with pytest.raises(InvalidIdentifierError, match="surrogate"):
        escape_name("type\ud800")


@pytest.mark.parametrize("bad", ["a\nb", "a\x00", "tab\there", "del\x7f", "\r", ""])
def test_escape_name_rejects_control_chars_and_empty(bad):
    with pytest.raises(InvalidIdentifierError):
        escape_name(bad)


@pytest.mark.parametrize("bad", [None, 5, b"bytes", ["a"]])
def test_escape_name_rejects_non_strings(bad):
    with pytest.raises(InvalidIdentifierError):
        escape_name(bad)


def test_escape_name_length_limit():
    assert escape_name("x" * MAX_NAME_LENGTH) == "`" + "x" * MAX_NAME_LENGTH + "`"
    with pytest.raises(InvalidIdentifierError):
        escape_name("x" * (MAX_NAME_LENGTH + 1))


def test_property_access():
    assert property_access("n", "a'L(R)") == "n.`a'L(R)`"
    with pytest.raises(InvalidIdentifierError):
        property_access("n) DETACH DELETE (m", "x")


# --- DatasetName ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, name, tag", [
    ("hemibrain-mb:v1.2.1", "hemibrain-mb", "v1.2.1"),
    ("hemibrain:v1.2.1", "hemibrain", "v1.2.1"),
    ("my_data.set:2024-01", "my_data.set", "2024-01"),
    ("a:b", "a", "b"),
])
def test_dataset_name_parse(text, name, tag):
    ds = DatasetName.parse(text)
    assert (ds.name, ds.tag) == (name, tag)
    assert str(ds) == text
    assert ds.label("Neuron") == f"`{text}_Neuron`"
    assert ds.labels("ROI") == f":`ROI`:`{text}_ROI`"
    assert DatasetName.parse(str(ds)) == ds


@pytest.mark.parametrize("bad", [
    "hemibrain",            # no tag
    "a:b:c",                # two colons
    ":v1",                  # empty name
    "a:",                   # empty tag
    "a:v1_2",               # '_' not allowed in tags
    "a b:v1",               # space
    "-a:v1",                # must start with a letter or digit
    "a:.v1",
    "a`b:v1",               # backtick
    "a\n:v1",              # '$' would accept a trailing newline
    "a:v1\n",
    None,
    42,
])
def test_dataset_name_parse_rejects(bad):
    with pytest.raises(InvalidIdentifierError):
        DatasetName.parse(bad)


# --- cypher files -----------------------------------------------------------------------------

CYPHER_FILES = sorted(p.name for p in resources.files("connectograph.cypher").iterdir()
                      if p.name.endswith(".cypher"))


def _blocks_of(filename: str) -> list[str]:
    text = resources.files("connectograph.cypher").joinpath(filename).read_text()
    return re.findall(r"^//\s*@name:\s*(\S+)\s*$", text, flags=re.MULTILINE)


def _schema_text() -> str:
    return resources.files("connectograph.cypher").joinpath("schema.cypher").read_text()


def test_schema_statements_fill_escaped_labels():
    ds = DatasetName.parse("hemibrain-mb:v1.2.1")
    text = _schema_text()
    block = text.split("// @name: schema\n", 1)[1].split("// @name:", 1)[0]
    code = "\n".join(ln for ln in block.splitlines() if not ln.lstrip().startswith("//"))
    placeholders = set(re.findall(r"\{\{(\w+)\}\}", code))
    assert {"Segment", "Neuron", "ROI", "Synapse"} <= placeholders
    labels = {k: ds.label(k) for k in placeholders}
    stmts = statements("schema.cypher", "schema", **labels)
    # one statement per (single-line) CREATE in the block
    creates = [ln for ln in block.splitlines() if ln.startswith("CREATE ")]
    assert all(ln.rstrip().endswith(";") for ln in creates)
    assert len(stmts) == len(creates) >= 11
    for s in stmts:
        assert "{{" not in s and "}}" not in s
        assert not s.endswith(";")
        assert not s.lstrip().startswith("//")
    joined = "\n".join(stmts)
    assert "FOR (n:`hemibrain-mb:v1.2.1_Segment`) REQUIRE n.bodyId IS UNIQUE" in joined
    assert "FOR (r:`hemibrain-mb:v1.2.1_ROI`) REQUIRE r.name IS UNIQUE" in joined
    assert "(s:`hemibrain-mb:v1.2.1_Synapse`)" in joined
    for k in placeholders:
        assert f"`hemibrain-mb:v1.2.1_{k}`" in joined


def test_roi_flag_indexes_on_segment_and_neuron_once_per_roi():
    from connectograph.loading.write.dataset_writer import roi_flag_index_statements
    ls = LabelSet("hemibrain-mb:v1.2.1")
    got = roi_flag_index_statements(ls, ["b'L(R)", "we`ird", "a'L(R)", "b'L(R)"])
    expected = []
    for prop in ("`a'L(R)`", "`b'L(R)`", "`we``ird`"):
        for label in ("Segment", "Neuron"):
            expected.append(f"CREATE INDEX IF NOT EXISTS FOR (n:`hemibrain-mb:v1.2.1_{label}`) "
                            f"ON (n.{prop})")
    assert got == expected
    assert roi_flag_index_statements(ls, []) == []
    with pytest.raises(InvalidIdentifierError):
        roi_flag_index_statements(ls, ["two\nlines"])


def test_statements_missing_label_is_key_error():
    with pytest.raises(KeyError, match="Segment|Neuron|ROI|Synapse"):
        statements("schema.cypher", "schema", Segment="`x`")


def test_statements_unknown_block_is_key_error():
    with pytest.raises(KeyError):
        statements("schema.cypher", "no_such_block")


def test_label_set_escapes_backticks():
    ls = LabelSet("we`ird:v1~staging")
    assert ls("Neuron") == "`we``ird:v1~staging_Neuron`"
    assert ls.raw("Neuron") == "we`ird:v1~staging_Neuron"
    stmts = dataset_statements("load_bodies.cypher", "create_bodies", ls)
    assert len(stmts) == 1
    assert "CREATE (n:Segment:`we``ird:v1~staging_Segment`)" in stmts[0]
    assert "SET n:Neuron:`we``ird:v1~staging_Neuron`" in stmts[0]


@pytest.mark.parametrize("filename", CYPHER_FILES)
def test_every_block_fills_completely(filename):
    blocks = _blocks_of(filename)
    assert blocks, filename
    ls = LabelSet("hemibrain-mb:v1.2.1")
    for block in blocks:
        try:
            stmts = dataset_statements(filename, block, ls)
        except KeyError:  # pragma: no cover - reported by the assertion below
            stmts = None
        assert stmts, (filename, block)
        for s in stmts:
            assert "{{" not in s and "}}" not in s, (filename, block, s)
            assert "//" not in s.split("\n")[0]


def test_statement_single_and_multi():
    s = statement("dataset_admin.cypher", "delete_label", Any="`L`")
    assert s.startswith("MATCH (n:`L`)")
    assert "$batch" in s
    placeholders = {"Segment", "Neuron", "ROI", "Synapse", "Skeleton", "Label"} | set(
        re.findall(r"\{\{(\w+)\}\}", _schema_text()))
    with pytest.raises(ValueError, match=r"holds \d+ statements, expected 1"):
        statement("schema.cypher", "schema", **{k: f"`{k}`" for k in placeholders})


def test_cypher_files_come_from_the_package():
    root = resources.files("connectograph.cypher")
    names = {p.name for p in root.iterdir()}
    assert {"schema.cypher", "dataset_admin.cypher", "load_bodies.cypher",
            "load_connections.cypher", "load_meta.cypher", "load_rois.cypher"} <= names
    assert cypher_files._blocks("schema.cypher")  # cached loader reads it


# --- model derivations ------------------------------------------------------------------------

def _tiny_roi_conns() -> pd.DataFrame:
    return pd.DataFrame({
        "bodyId_pre":  [1, 1, 1, 2, 3, 1],
        "bodyId_post": [2, 2, 2, 1, 1, 3],
        "roi": ["bL(R)", "aL(R)", "NotPrimary", "aL(R)", "NotPrimary", "CA(R)"],
        "weight": [4, 3, 2, 5, 1, 7],
    }).astype({"bodyId_pre": "int64", "bodyId_post": "int64", "weight": "int64"})


def test_connections_from_roi_weights_by_hand():
    out = connections_from_roi_weights(_tiny_roi_conns())
    assert list(out.columns) == ["bodyId_pre", "bodyId_post", "weight", "roiInfo"]
    # pairs sorted by (pre, post): (1,2), (1,3), (2,1), (3,1)
    assert list(zip(out.bodyId_pre, out.bodyId_post)) == [(1, 2), (1, 3), (2, 1), (3, 1)]
    # weight = sum over ROIs including NotPrimary: 4+3+2, 7, 5, 1
    assert out.weight.tolist() == [9, 7, 5, 1]
    assert str(out.weight.dtype) == "int64"
    assert [json.loads(s) for s in out.roiInfo] == [
        {"aL(R)": {"post": 3}, "bL(R)": {"post": 4}},   # NotPrimary not stored
        {"CA(R)": {"post": 7}},
        {"aL(R)": {"post": 5}},
        {},                                            # only NotPrimary
    ]
    # JSON keys sorted, so identical inputs give identical strings
    assert out.roiInfo.iloc[0] == '{"aL(R)": {"post": 3}, "bL(R)": {"post": 4}}'


def test_connections_from_roi_weights_empty():
    empty = _tiny_roi_conns().iloc[0:0]
    out = connections_from_roi_weights(empty)
    assert out.empty
    assert list(out.columns) == ["bodyId_pre", "bodyId_post", "weight", "roiInfo"]


def test_connections_from_roi_weights_only_not_primary():
    """Connections whose weight lies outside every primary ROI: empty roiInfo."""
    conns = _tiny_roi_conns()
    out = connections_from_roi_weights(conns[conns.roi == "NotPrimary"])
    assert list(zip(out.bodyId_pre, out.bodyId_post)) == [(1, 2), (3, 1)]
    assert out.weight.tolist() == [2, 1]
    assert out.roiInfo.tolist() == ["{}", "{}"]


def test_run_starts_and_group_lists():
    from connectograph.grouped import group_lists, run_starts
    a, b = np.array([1, 1, 1, 2, 2]), np.array([5, 5, 6, 6, 6])
    assert run_starts(a, b).tolist() == [0, 2, 3]
    assert run_starts(a).tolist() == [0, 3]
    assert run_starts(np.zeros(0, int), np.zeros(0, int)).tolist() == []
    # groups 0..3; group 2 has no value
    assert group_lists(np.array([7, 8, 9, 6]), np.array([0, 0, 1, 3]), 4) == [[7, 8], [9], [],
                                                                           [6]]
    assert group_lists(np.zeros(0, int), np.zeros(0, int), 2) == [[], []]


def test_frame_slices_cover_every_row_once():
    from connectograph.grouped import frame_slices
    df = pd.DataFrame({"a": range(5)})
    assert [part["a"].tolist() for part in frame_slices(df, 2)] == [[0, 1], [2, 3], [4]]
    assert [part.tolist() for part in frame_slices(df["a"], 5)] == [[0, 1, 2, 3, 4]]
    assert list(frame_slices(df.iloc[:0], 3)) == []


def test_roi_info_from_connections_by_hand():
    out = roi_info_dicts(roi_info_from_connections(_tiny_roi_conns()))
    # body 1: in from 2 (aL 5); out to 2 (aL 3, bL 4) and to 3 (CA 7)
    # body 2: in from 1 (aL 3, bL 4); out to 1 (aL 5)
    # body 3: in from 1 (CA 7); out only NotPrimary (not an ROI)
    # neuPrint: post = upstream (incoming PSDs); pre (T-bars) is not derivable.
    assert out == {
        1: {"aL(R)": {"upstream": 5, "post": 5, "downstream": 3}, "bL(R)": {"downstream": 4},
            "CA(R)": {"downstream": 7}},
        2: {"aL(R)": {"upstream": 3, "post": 3, "downstream": 5},
            "bL(R)": {"upstream": 4, "post": 4}},
        3: {"CA(R)": {"upstream": 7, "post": 7}},
    }


def test_complete_bodies_adds_bare_rows_and_derives_roi_info():
    neurons = pd.DataFrame({"bodyId": [1], "type": ["X"],
                            "roiInfo": ['{"aL(R)": {"pre": 1, "post": 2}}']}).set_index(
        "bodyId", drop=False)
    out, added = complete_bodies(neurons, _tiny_roi_conns())
    assert added == 2                                   # bodies 2 and 3
    assert sorted(out.index) == [1, 2, 3]
    assert out.loc[1, "roiInfoSource"] == ROI_INFO_FROM_SOURCE
    assert json.loads(out.loc[1, "roiInfo"]) == {"aL(R)": {"pre": 1, "post": 2}}
    assert out.loc[3, "roiInfoSource"] == ROI_INFO_FROM_CONNECTIONS
    assert json.loads(out.loc[3, "roiInfo"]) == {"CA(R)": {"upstream": 7, "post": 7}}


def test_is_neuron_rule():
    from connectograph.loading.recipe import NeuronRule
    df = pd.DataFrame({"bodyId": [1, 2, 3, 4, 5, 6],
                       "pre": [2, 1, 0, None, 0, 0],
                       "post": [0, 9, 10, None, 0, 0],
                       "type": [None, None, None, "T", None, None],
                       "status": [None, None, None, None, "Traced", None]})
    flags = is_neuron(df, NeuronRule()).tolist()
    # pre>=2 | post>=10 | named | status
    assert flags == [True, False, True, True, True, False]
    flags = is_neuron(df, NeuronRule(named=False, with_status=False)).tolist()
    assert flags == [True, False, True, False, False, False]


def test_fingerprint_takes_synapse_files_outside_the_data_folder(tmp_path):
    """A synapse folder given as an absolute path outside the data folder is
    fingerprinted too (it used to raise ValueError from Path.relative_to)."""
    from connectograph.loading.fingerprint import fingerprint
    data, elsewhere = tmp_path / "data", tmp_path / "elsewhere"
    data.mkdir()
    elsewhere.mkdir()
    (data / "neurons.csv").write_text("bodyId\n1\n")
    connector = elsewhere / "1.csv"
    connector.write_text("connector_id,node_id,type,x,y,z\n1,1,pre,1,2,3\n")
    recipe_file = tmp_path / "r.toml"
    recipe_file.write_text(
        f'[dataset]\nname = "fp"\ntag = "v1"\ndata_dir = "{data}"\n\n'
        '[[neurons]]\nfile = "neurons.csv"\n\n'
        f'[[synapses]]\nkind = "connectors"\nfolder = "{elsewhere}"\n')
    first = fingerprint(load_recipe(recipe_file))
    assert first == fingerprint(load_recipe(recipe_file))
    connector.write_text("connector_id,node_id,type,x,y,z\n1,1,pre,1,2,4\n")
    assert fingerprint(load_recipe(recipe_file)) != first
