"""Source files the readers cannot take as they are: a CSV file cut inside a
quoted cell, files that are not UTF-8 (UTF-16, Latin-1), empty files, and
integer ids beyond the int64 range Neo4j stores. Each stops the load with our
error (ValidationError, or RecipeError while the recipe's columns are checked)
naming the file and, where there is one, the line, row and column, and saying
how to fix it, instead of a parser's traceback.

No server: every one of these failures comes while the sources are read, so
``check`` (the dry run, which reads and derives everything a load would
write) shows it; tests/test_bad_input.py and tests/loading/test_bad_synapses.py
show against the server that such errors leave the database untouched. The
bad files are the bundle's real files, cut, re-encoded, emptied or given a
20-digit id, in tmp_path.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pandas as pd
import pytest

from connectograph.errors import RecipeError, SkeletonFileError, ValidationError
from connectograph.loading import check
from connectograph.loading.read.meshes import load_meshes
from connectograph.loading.read.source_files import read_csv_text_chunks, read_csv_texts
from small_recipes import KC_SYNAPSE_COLUMNS

PPL = "neuprint-exports/perc_PPL_df.csv"               # 21 neurons, JSON roiInfo in quotes
CONNS = "neuprint-exports/perc_conn_PPLKC_df.csv"
S5 = "neurons/Supplemental_file5_hemibrain_meta.csv"   # one real non-ASCII cell ("§")
BODIES = "neurons/bodies.csv"
KC_IN = "synapses/kc-5813078552/KCinputs1847.csv"
DA1 = "synapses/da1-pn/722817260.csv"
POINTS_SOURCE = "synapses/da1-pn/1734350788.csv"
POINTS = "points/1734350788.csv"
SWC = "skeletons/upn-raw/1006258344.swc"
SKEL_CSV = "skeletons/kc-5813078552/KCskel1847.csv"
INFO = "rois/np_roiInfo.json"
N_ROWS = 40
BIG = "99999999999999999999"           # 20 digits, beyond int64 (9223372036854775807)


def recipe_text(data_dir: Path, *, neurons_format: str = "csv", extra: str = "") -> str:
    neurons_file = BODIES if neurons_format == "csv" else BODIES.replace(".csv", ".parquet")
    return f"""
[dataset]
name = "unreadable"
tag = "v1"
data_dir = "{data_dir}"

[rois]
info = "{INFO}"
hierarchy = "rois/np_roiHierarchy.json"

[[neurons]]
file = "{PPL}"
drop = ["inputRois", "outputRois"]

[[neurons]]
file = "{neurons_file}"
format = "{neurons_format}"

[[roi_connections]]
file = "{CONNS}"

[[skeletons]]
folder = "skeletons/upn-raw"

[[skeletons]]
file = "{SKEL_CSV}"
format = "neuprint-csv"
bodyId = 5813078552

[[synapses]]
kind = "connectors"
folder = "synapses/da1-pn"

[[synapses]]
kind = "points"
folder = "points"

[[synapses]]
kind = "synapse_connections"
file = "{KC_IN}"
{KC_SYNAPSE_COLUMNS}
{extra}"""


def _head(src: Path, dst: Path, rows: int) -> None:
    """The header and first ``rows`` data rows of a CSV file, cells as written."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    df.head(rows).to_csv(dst, index=False)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, bundle_dir) -> Path:
    """A small copy of the bundle every test corrupts one file of: ROI files, the
    PPL table, 30 PPL->KC rows, one SWC and the KC's skeleton table, 40 KC input
    pairs, 40 rows of one DA1 connector table, a points table (40 sites of
    another DA1 table with ids, every cell quoted) and a table of the other
    bodies (every Parquet-format test reads its Parquet copy). The copy is
    valid as it is: ``check`` passes."""
    d = tmp_path_factory.mktemp("pristine") / "data"
    shutil.copytree(bundle_dir / "rois", d / "rois", ignore=shutil.ignore_patterns("meshes"))
    for rel in (PPL, SWC, SKEL_CSV):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle_dir / rel, d / rel)
    _head(bundle_dir / CONNS, d / CONNS, 30)
    _head(bundle_dir / KC_IN, d / KC_IN, N_ROWS)
    _head(bundle_dir / DA1, d / DA1, N_ROWS)
    src = pd.read_csv(bundle_dir / POINTS_SOURCE, dtype=str, keep_default_na=False).head(N_ROWS)
    points = src.assign(id=[str(i) for i in range(2000, 2000 + N_ROWS)], bodyId="1734350788")
    (d / POINTS).parent.mkdir(parents=True)
    points[["id", "bodyId", "type", "x", "y", "z", "confidence", "roi"]].to_csv(
        d / POINTS, index=False, quoting=csv.QUOTE_ALL)
    kc = pd.read_csv(d / KC_IN, dtype=str)
    conns = pd.read_csv(d / CONNS, dtype=str)
    ppl = set(pd.read_csv(d / PPL, dtype=str)["bodyId"])
    bodies = (set(kc["upstream_bodyId"]) | set(kc["downstream_bodyId"])
              | set(conns["bodyId_post"]) | {"722817260", "1734350788", "1006258344",
                                              "5813078552"}) - ppl
    table = pd.DataFrame({"bodyId": sorted(bodies, key=int)})
    (d / BODIES).parent.mkdir()
    table.to_csv(d / BODIES, index=False)
    table.astype("int64").to_parquet(d / BODIES.replace(".csv", ".parquet"), index=False)
    for fmt in ("csv", "parquet"):
        (d / f"{fmt}.toml").write_text(recipe_text(d, neurons_format=fmt))
        check(d / f"{fmt}.toml", progress=None)
    return d


@pytest.fixture
def data_dir(pristine, tmp_path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(pristine, d)
    return d


def run_check(data_dir: Path, tmp_path: Path, *, partitioned: bool = False,
              neurons_format: str = "csv"):
    recipe = data_dir.parent / "unreadable.toml"
    recipe.write_text(recipe_text(data_dir, neurons_format=neurons_format))
    if not partitioned:
        return check(recipe, progress=None)
    spill = tmp_path / "spill"
    spill.mkdir()
    try:
        return check(recipe, progress=None, partition_rows=1000, spill_dir=str(spill))
    finally:
        assert list(spill.iterdir()) == []


def corrupt(path: Path, row: int, column: str, value: str) -> None:
    """Set data row ``row`` (1-based) of ``column`` to ``value``, keeping the rest as text
    (quoted as the file was when every cell was)."""
    quoting = csv.QUOTE_ALL if path.read_text().startswith('"') else csv.QUOTE_MINIMAL
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False, quoting=quoting)


def assert_names(err, path: Path, row: int | None, column: str | None) -> None:
    assert Path(err.file).resolve() == path.resolve()
    assert (err.row, err.column) == (row, column)
    assert path.name in str(err)
    if row is not None:
        assert f"row {row}" in str(err)


# --- a CSV file cut inside a quoted cell -----------------------------------------------------

def cut_in_quoted_cell(path: Path, row: int, column: str) -> int:
    """Cut ``path`` (one line per row) a few characters into the quoted cell of
    ``column`` in data row ``row``; return the line the cell starts on."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    lines = path.read_text().splitlines(keepends=True)
    assert len(lines) == len(df) + 1                  # no cell spans lines
    line = lines[row]
    cell = df.loc[row - 1, column]
    quoted = '"' + cell.replace('"', '""') + '"'
    assert line.count(quoted) == 1
    start = line.index(quoted)
    # a cut just after a quote would close the cell: cut after a letter or digit
    end = start + 1 + min(20, len(quoted) // 2)
    while not line[end - 1].isalnum() or line[start + 1:end].count('"') % 2:
        end += 1
    path.write_text("".join(lines[:row]) + line[:end])
    return row + 1


def test_neuron_table_cut_inside_a_quoted_cell(tmp_path, data_dir):
    path = data_dir / PPL
    line = cut_in_quoted_cell(path, 12, "roiInfo")
    with pytest.raises(ValidationError, match="cut short") as info:
        run_check(data_dir, tmp_path)
    assert_names(info.value, path, 12, "roiInfo")
    assert f"line {line}" in str(info.value)


@pytest.mark.parametrize("partitioned", [False, True], ids=["in memory", "partitioned"])
def test_point_table_cut_inside_a_quoted_cell(tmp_path, data_dir, partitioned):
    """The whole-file reader (in memory) and the chunked one (partitioned)."""
    path = data_dir / POINTS
    line = cut_in_quoted_cell(path, N_ROWS, "roi")
    with pytest.raises(ValidationError, match="quote opened on line") as info:
        run_check(data_dir, tmp_path, partitioned=partitioned)
    assert_names(info.value, path, N_ROWS, "roi")
    assert f"line {line}" in str(info.value)


def test_command_line_names_recipe_file_row_and_column(tmp_path, data_dir):
    """``connectograph load --check``: one line naming recipe, file, row, column and line."""
    from click.testing import CliRunner

    from connectograph.cli import main
    path = data_dir / PPL
    line = cut_in_quoted_cell(path, 12, "roiInfo")
    recipe = data_dir.parent / "unreadable.toml"
    recipe.write_text(recipe_text(data_dir))
    result = CliRunner().invoke(main, ["load", str(recipe), "--check"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # no traceback
    assert (f"Error: recipe {recipe}: file {path}, row 12, column 'roiInfo': the file ends "
            f"inside a quoted cell: the quote opened on line {line}") in result.output


def test_row_with_more_cells_than_the_header(tmp_path, data_dir):
    path = data_dir / PPL
    lines = path.read_text().splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\n") + ",extra\n"          # data row 5, line 6
    path.write_text("".join(lines))
    with pytest.raises(ValidationError, match="line 6 has 20 cells but the header has 19") as info:
        run_check(data_dir, tmp_path)
    assert_names(info.value, path, 5, None)


def test_parquet_table_cut_short(tmp_path, data_dir):
    path = data_dir / BODIES.replace(".csv", ".parquet")
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RecipeError, match="cut short") as info:
        run_check(data_dir, tmp_path, neurons_format="parquet")
    assert Path(info.value.file) == path
    assert path.name in str(info.value) and "unreadable.toml" in str(info.value)


# --- not UTF-8 ---------------------------------------------------------------------------------

@pytest.fixture
def s5_rows(bundle_dir) -> tuple[str, int]:
    """The text of the Schlegel et al. table's header and first 5,300 rows (one of them
    has the bundle's one non-ASCII cell) and the data row of that cell."""
    text = "".join((bundle_dir / S5).read_text(encoding="utf-8").splitlines(keepends=True)[:5301])
    df = pd.read_csv(bundle_dir / S5, dtype=str, keep_default_na=False, nrows=5300)
    rows = df.index[df["notes"].str.contains("§")].tolist()
    assert len(rows) == 1 and not df.drop(columns="notes").apply(
        lambda c: c.str.contains("§")).any().any()
    return text, rows[0] + 1


def with_s5(data_dir: Path, data: bytes, tmp_path: Path):
    (data_dir / S5).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / S5).write_bytes(data)
    recipe = data_dir.parent / "unreadable.toml"
    recipe.write_text(recipe_text(data_dir, extra=f'[[neurons]]\nfile = "{S5}"\n'))
    return check(recipe, progress=None)


def test_latin1_table_names_byte_offset_row_column_and_iconv(tmp_path, data_dir, s5_rows):
    text, row = s5_rows
    data = text.encode("latin-1")
    offset = data.index("§".encode("latin-1"))
    with pytest.raises(ValidationError) as info:
        with_s5(data_dir, data, tmp_path)
    err = info.value
    assert_names(err, data_dir / S5, row, "notes")
    assert f"byte offset {offset} (line {row + 1})" in str(err)
    assert "0xa7" in str(err) and "Latin-1" in str(err)
    assert f"iconv -f LATIN1 -t UTF-8 {data_dir / S5}" in str(err)


def test_utf16_table_names_file_and_iconv(tmp_path, data_dir, s5_rows):
    text, _ = s5_rows
    with pytest.raises(RecipeError) as info:            # its header is read first
        with_s5(data_dir, text.encode("utf-16"), tmp_path)
    err = info.value
    assert Path(err.file) == data_dir / S5
    assert "unreadable.toml" in str(err) and "[[neurons]]" in str(err)
    assert "byte order mark of UTF-16" in str(err) and "byte offset 0" in str(err)
    assert f"iconv -f UTF-16 -t UTF-8 {data_dir / S5}" in str(err)


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_swc_not_utf8(tmp_path, data_dir, encoding):
    path = data_dir / SWC
    text = path.read_text()
    assert text.startswith("#Generated by NeuTu")
    text = text.replace("#Generated by NeuTu", "#Generated by NeuTu (voxels of 8 nm ± 0)", 1)
    data = text.encode(encoding)
    path.write_bytes(data)
    with pytest.raises(ValidationError, match="not UTF-8") as info:
        run_check(data_dir, tmp_path)
    assert_names(info.value, path, None, None)
    if encoding == "latin-1":
        offset = data.index("±".encode("latin-1"))
        assert f"byte offset {offset} (line 1)" in str(info.value)
        assert "iconv -f LATIN1" in str(info.value)
    else:
        assert "iconv -f UTF-16" in str(info.value)


def test_roi_json_in_utf16(tmp_path, data_dir):
    path = data_dir / INFO
    path.write_bytes(path.read_text().encode("utf-16"))
    with pytest.raises(ValidationError, match="byte order mark of UTF-16") as info:
        run_check(data_dir, tmp_path)
    assert_names(info.value, path, None, None)
    assert "iconv -f UTF-16 -t UTF-8" in str(info.value)


# --- empty files -------------------------------------------------------------------------------

@pytest.mark.parametrize("rel, error, section", [
    (PPL, RecipeError, "[[neurons]]"),
    (CONNS, RecipeError, "[[roi_connections]]"),
    (KC_IN, RecipeError, "[[synapses]]"),
    (SKEL_CSV, ValidationError, None),
    (SWC, ValidationError, None),
    (INFO, ValidationError, None),
])
def test_empty_file(tmp_path, data_dir, rel, error, section):
    path = data_dir / rel
    path.write_bytes(b"")
    with pytest.raises(error, match=r"the file is empty \(0 bytes\)") as info:
        run_check(data_dir, tmp_path)
    assert Path(info.value.file) == path and path.name in str(info.value)
    if section:
        assert "unreadable.toml" in str(info.value) and section in str(info.value)


def test_empty_parquet_file(tmp_path, data_dir):
    path = data_dir / BODIES.replace(".csv", ".parquet")
    path.write_bytes(b"")
    with pytest.raises(RecipeError, match=r"empty \(0 bytes\)") as info:
        run_check(data_dir, tmp_path, neurons_format="parquet")
    assert Path(info.value.file) == path


def test_empty_mesh_file(tmp_path, bundle_dir):
    folder = tmp_path / "meshes"
    folder.mkdir()
    shutil.copy(bundle_dir / "rois" / "meshes" / "CA(R).obj", folder)
    (folder / "PED(R).obj").write_bytes(b"")
    with pytest.raises(ValidationError, match=r"empty \(0 bytes\)") as info:
        load_meshes(folder, {"CA(R)", "PED(R)"})
    assert Path(info.value.file) == folder / "PED(R).obj"


# --- the CSV readers themselves, whole file and in chunks --------------------------------------

READERS = {"whole file": read_csv_texts,
           "chunks": lambda path: list(read_csv_text_chunks(path, 7))}


@pytest.mark.parametrize("reader", READERS.values(), ids=READERS.keys())
def test_each_csv_reader_names_the_place(tmp_path, bundle_dir, s5_rows, reader):
    cut = tmp_path / "cut.csv"
    shutil.copy(bundle_dir / PPL, cut)
    cut_in_quoted_cell(cut, 12, "roiInfo")
    with pytest.raises(ValidationError, match="cut short") as info:
        reader(cut)
    assert (info.value.row, info.value.column) == (12, "roiInfo")

    latin1 = tmp_path / "latin1.csv"
    text, row = s5_rows
    latin1.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValidationError, match="iconv -f LATIN1") as info:
        reader(latin1)
    assert (info.value.row, info.value.column) == (row, "notes")

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValidationError, match=r"empty \(0 bytes\)"):
        reader(empty)


# --- integer ids beyond int64 ------------------------------------------------------------------

@pytest.mark.parametrize("rel, row, column, value, partitioned", [
    (PPL, 3, "bodyId", BIG, False),
    (PPL, 9, "pre", BIG, False),
    (CONNS, 7, "bodyId_post", "-" + BIG, False),
    (CONNS, 8, "bodyId_pre", BIG, False),
    (CONNS, 11, "weight", BIG, False),
    (KC_IN, 5, "upstream_bodyId", BIG, False),
    (KC_IN, 6, "downstream_bodyId", "-" + BIG, False),
    (POINTS, 9, "id", "-" + BIG, True),
    (POINTS, 10, "bodyId", BIG, True),
    (SKEL_CSV, 4, "rowId", BIG, False),
    (SKEL_CSV, 5, "link", "-" + BIG, False),
])
def test_id_beyond_int64(tmp_path, data_dir, rel, row, column, value, partitioned):
    path = data_dir / rel
    corrupt(path, row, column, value)
    with pytest.raises(ValidationError, match="beyond the range of the 64-bit integers") as info:
        run_check(data_dir, tmp_path, partitioned=partitioned)
    assert_names(info.value, path, row, column)
    assert value in str(info.value)


def test_id_beyond_int64_in_parquet(tmp_path, data_dir):
    path = data_dir / BODIES.replace(".csv", ".parquet")
    df = pd.read_parquet(path)
    df["bodyId"] = df["bodyId"].astype("uint64")
    df.loc[3, "bodyId"] = 12345678901234567890            # 20 digits, within uint64
    df.to_parquet(path, index=False)
    with pytest.raises(ValidationError, match="beyond the range") as info:
        run_check(data_dir, tmp_path, neurons_format="parquet")
    assert_names(info.value, path, 4, "bodyId")


def test_swc_node_id_beyond_int64(tmp_path, data_dir):
    path = data_dir / SWC
    lines = path.read_text().splitlines(keepends=True)
    nodes = [i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")]
    i = nodes[9]                                        # the 10th node
    lines[i] = BIG + lines[i][lines[i].index(" "):]
    path.write_text("".join(lines))
    with pytest.raises(SkeletonFileError, match="beyond the range of 64-bit integers") as info:
        run_check(data_dir, tmp_path)
    assert_names(info.value, path, i + 1, "rowId")
    assert f"line {i + 1}" in str(info.value)


def test_connector_file_named_beyond_int64(tmp_path, data_dir):
    path = data_dir / DA1
    named = path.with_name(BIG + ".csv")
    path.rename(named)
    with pytest.raises(ValidationError, match="beyond the range") as info:
        run_check(data_dir, tmp_path)
    assert Path(info.value.file) == named
