"""CSV files read as text a fixed number of rows at a time
(connectograph.loading.read.source_files.read_csv_text_chunks) give the frames
of the whole-file reader, cut at the same rows, whichever parser reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from connectograph.loading.read.source_files import read_csv_text_chunks, read_csv_texts

HEADER = "id,bodyId,type,x,y,z,confidence,roi\n"


def _rows(n: int, seed: int = 0) -> list[str]:
    """Synapse-point-like rows with the cells text readers disagree on:
    empty, quoted empty, ``NA``, leading spaces, a quoted comma, non-ASCII."""
    rng = np.random.default_rng(seed)
    rois = ["a'L(R)", '"MB(+ACA)(R)"', "", '""', "NA", '"b, L"', " CA(R)", "γL(R)"]
    out = []
    for i in range(n):
        x, y, z = rng.integers(0, 40_000, size=3)
        conf = "" if i % 97 == 0 else f"{rng.random():.3f}"
        out.append(f"{i + 1},{rng.integers(10**9, 10**10)},{'pre' if i % 3 else 'post'},"
                   f"{x},{y},{z},{conf},{rois[i % len(rois)]}\n")
    return out


def _check_same_as_whole_file(path, rows: int) -> list[pd.DataFrame]:
    chunks = list(read_csv_text_chunks(path, rows))
    whole = read_csv_texts(path)
    sizes = [len(c) for c in chunks]
    assert sizes == [rows] * (len(whole) // rows) + ([len(whole) % rows] if len(whole) % rows
                                                     else [])
    for c in chunks:
        assert c.index.tolist() == list(range(len(c)))
        assert c.columns.tolist() == whole.columns.tolist()
        assert all(isinstance(t, pd.StringDtype) for t in c.dtypes)
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), whole)
    return chunks


def test_chunks_equal_the_whole_file_over_several_parser_blocks(tmp_path):
    path = tmp_path / "points.csv"
    path.write_text(HEADER + "".join(_rows(60_000)), encoding="utf-8")
    assert path.stat().st_size > 2 * 2**20       # several of pyarrow's 1 MiB blocks
    chunks = _check_same_as_whole_file(path, 7_000)
    first = chunks[0]
    assert first["roi"].iloc[:8].tolist()[:2] == ["a'L(R)", "MB(+ACA)(R)"]
    assert first["roi"].iloc[2:4].isna().all()           # empty and quoted empty
    assert first["roi"].iloc[4:8].tolist() == ["NA", "b, L", " CA(R)", "γL(R)"]
    assert first["confidence"].isna().tolist()[:2] == [True, False]


def test_a_short_row_late_in_the_file_is_padded_as_the_whole_file_reader_pads_it(tmp_path):
    # pyarrow rejects the row after handing out whole chunks; pandas' parser
    # goes on from the next chunk, padding the row with empty cells.
    rows = _rows(60_000)
    rows[55_000] = "55001,123,pre,1,2\n"
    path = tmp_path / "points.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    chunks = _check_same_as_whole_file(path, 7_000)
    short = chunks[55_000 // 7_000].iloc[55_000 % 7_000]
    assert short[["id", "x", "y"]].tolist() == ["55001", "1", "2"]
    assert short[["z", "confidence", "roi"]].isna().all()


def test_duplicate_column_names_are_renamed_as_pandas_renames_them(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("a,a,b\n1,2,3\n4,5,6\n7,8,9\n")
    chunks = _check_same_as_whole_file(path, 2)
    assert chunks[0].columns.tolist() == ["a", "a.1", "b"]


def test_a_file_without_rows_gives_no_chunk(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(HEADER)
    assert list(read_csv_text_chunks(path, 10)) == []


def test_a_row_with_too_many_cells_is_a_parser_error(tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(pd.errors.ParserError, match="Expected 2 fields in line 3"):
        list(read_csv_text_chunks(path, 1))
