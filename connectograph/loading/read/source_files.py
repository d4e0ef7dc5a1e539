"""Source files read as tables or text: the loader's only readers of CSV,
Parquet, SWC and JSON files, each raising a
:class:`~connectograph.errors.ValidationError` that names the file (and for
CSV the line, row and column) when the file cannot be read
(:mod:`.unreadable_files`).

CSV tables are read as text columns (pandas' ``str`` dtype, NaN for empty
cells, every other text as written: ``"NA"`` stays ``"NA"``), whole
(:func:`read_csv_texts`) or a fixed number of rows at a time
(:func:`read_csv_text_chunks`), by pyarrow's parsers, which keep the texts in
Arrow buffers; pandas' C parser, which made one Python string per cell, reads
the files pyarrow rejects (duplicate column names; rows with fewer cells than
the header, which pandas pads with empty cells), so every file reads the same
either way (measured in docs/scaling.md, session 13). Parquet tables keep
their own column types (:func:`read_parquet`, :func:`read_parquet_chunks`).
Excel workbooks (``.xlsx``, the first sheet, read by openpyxl through pandas)
are read as text columns like CSV files (:func:`read_xlsx_texts`).

A CSV row with more cells than the header is an error naming file and line;
a recipe may say ``malformed_rows = "skip"``, and then such rows are left out
and listed (:func:`read_csv_texts_skipping`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from ...errors import ValidationError
from ...text_files import empty_file_message, find_not_utf8, read_utf8
from .unreadable_files import check_not_cut, csv_read_errors, parquet_read_errors

__all__ = ["CSV_TEXT_OPTIONS", "SkippedRow", "read_csv_text_chunks", "read_csv_texts",
           "read_csv_texts_skipping", "read_header", "read_parquet", "read_parquet_chunks",
           "read_parquet_schema", "read_table", "read_table_chunks", "read_text",
           "read_xlsx_texts"]


#: ``pandas.read_csv`` options that read every cell as text (NaN for empty cells).
CSV_TEXT_OPTIONS = {"dtype": str, "keep_default_na": False, "na_values": [""]}


def read_csv_texts(path: Path) -> pd.DataFrame:
    """A CSV file as text columns (pandas' ``str`` dtype; NaN for empty cells,
    every other text kept as written, e.g. ``"NA"``).

    Read by pyarrow's multithreaded parser, which keeps the texts in compact
    Arrow buffers (about half the peak memory of pandas' C parser); files it
    rejects (rows with fewer cells than the header, which pandas pads with
    empty cells) are read by pandas' C parser, so every file reads as before.

    Raises
    ------
    ValidationError
        A file neither parser reads (:func:`~.unreadable_files.unreadable_csv`):
        empty, not UTF-8, a row with more cells than the header; or a file
        cut short inside a quoted cell, which pyarrow would read
        (:func:`~.unreadable_files.check_not_cut`); naming the file and, where
        there is one, the row and column.
    """
    with csv_read_errors(path):
        check_not_cut(path)
        try:
            return pd.read_csv(path, engine="pyarrow", **CSV_TEXT_OPTIONS)
        except (ValueError, pa.ArrowException):
            return pd.read_csv(path, **CSV_TEXT_OPTIONS)


@dataclass(frozen=True)
class SkippedRow:
    """A CSV line left out under ``malformed_rows = "skip"``: the file, its
    1-based line number (the header is line 1), the cells found and expected,
    and the line's text."""

    file: str
    line: int
    cells: int
    expected: int
    text: str


def read_csv_texts_skipping(path: Path, skipped: list[SkippedRow]) -> pd.DataFrame:
    """:func:`read_csv_texts`, but rows with more (or fewer) cells than the
    header are left out and appended to ``skipped`` (pyarrow's parser, one
    thread, so that each bad row's line number is known).

    Raises
    ------
    ValidationError
        As :func:`read_csv_texts` for every other fault.
    """
    found: list[SkippedRow] = []

    def skip(row) -> str:
        # pyarrow numbers rows from 1 with the header as row 1: the file's line
        found.append(SkippedRow(str(path), int(row.number), int(row.actual_columns),
                                int(row.expected_columns), row.text))
        return "skip"

    with csv_read_errors(path):
        check_not_cut(path)
        names = [str(n) for n in pd.read_csv(path, nrows=0).columns]
        table = pa_csv.read_csv(
            path, read_options=pa_csv.ReadOptions(use_threads=False),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=skip),
            convert_options=pa_csv.ConvertOptions(
                column_types={n: pa.string() for n in names}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True))
    skipped += found
    df = table.to_pandas()
    return df.astype(object).where(df.notna(), None)


def read_xlsx_texts(path: Path) -> pd.DataFrame:
    """The first sheet of an Excel workbook (``.xlsx``) as text columns
    (the first row is the header; NaN for empty cells; numbers as their
    text, integral ones without a decimal point).

    Raises
    ------
    ValidationError
        An empty file, or one that is not an xlsx workbook (cut short,
        damaged, another format), naming the file and how to fix it.
    """
    if os.path.getsize(path) == 0:
        raise ValidationError(empty_file_message("Excel workbook"), file=str(path))
    stat = os.stat(path)
    return _xlsx_texts(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size).copy()


@functools.lru_cache(maxsize=4)
def _xlsx_texts(path: str, mtime_ns: int, size: int) -> pd.DataFrame:
    """:func:`read_xlsx_texts`, kept for the next reader of the same file
    (unchanged: same time and size): a recipe reads one edge list for its
    chemical and its electrical synapses, and checks its header first, and
    parsing the XML of a workbook is the slow part (0.25 s per 2,500 rows)."""
    try:
        df = pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
    except ImportError as err:
        raise ValidationError(f"reading Excel workbooks needs openpyxl ({err}); install it with "
                              "pip install openpyxl", file=str(path)) from None
    except Exception as err:        # zipfile, XML and openpyxl errors of a damaged file
        raise ValidationError(
            f"cannot be read as an Excel workbook ({type(err).__name__}: {err}): the file is "
            "cut short, damaged or not .xlsx; save it again from the spreadsheet, or export it "
            "as CSV and set format = \"csv\" in the recipe", file=path) from None
    df.columns = [str(c) for c in df.columns]
    return df.apply(lambda col: col.map(_cell_text)).astype(object)


def _cell_text(value):
    """An Excel cell's value as text (None for an empty cell)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_table(path: Path, fmt: str, *, malformed_rows: str = "error",
               skipped: list[SkippedRow] | None = None) -> pd.DataFrame:
    """A table source file: a CSV file or an Excel workbook as text columns
    (:func:`read_csv_texts`, :func:`read_xlsx_texts`) or a Parquet file with
    its own column types.

    Parameters
    ----------
    path : Path
        The file.
    fmt : {"csv", "parquet", "xlsx"}
        Its format, as the recipe gives it.
    malformed_rows : {"error", "skip"}
        For CSV: a row whose cell count differs from the header's is an error
        naming file and line, or is left out and appended to ``skipped``.
    skipped : list of SkippedRow, optional
        Receives the rows left out.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValidationError
        A file that cannot be read as ``fmt`` (empty, not UTF-8, cut short,
        not Parquet or xlsx, a malformed row), naming the file and, for CSV,
        the row and column.
    """
    if fmt == "parquet":
        return read_parquet(path)
    if fmt == "xlsx":
        return read_xlsx_texts(path)
    if malformed_rows == "skip":
        return read_csv_texts_skipping(path, skipped if skipped is not None else [])
    return read_csv_texts(path)


def _column_names(path: Path) -> list[str]:
    """The header's column names, as pyarrow reads them."""
    with pa_csv.open_csv(path) as reader:
        return reader.schema.names


def _arrow_chunks(path: Path, rows: int, given: list[int]) -> Iterator[pd.DataFrame]:
    """Chunks of ``rows`` rows (the last may be shorter) by pyarrow; ``given[0]``
    counts the rows handed out so far."""
    names = _column_names(path)
    if len(set(names)) != len(names):
        raise pa.ArrowInvalid(f"duplicate column names in {path}")
    convert = pa_csv.ConvertOptions(column_types={n: pa.string() for n in names},
                                    null_values=[""], strings_can_be_null=True,
                                    quoted_strings_can_be_null=True)
    with pa_csv.open_csv(path, convert_options=convert,
                         read_options=pa_csv.ReadOptions(use_threads=False)) as reader:
        schema = reader.schema
        pending: list[pa.RecordBatch] = []
        waiting = 0
        for batch in reader:
            pending.append(batch)
            waiting += batch.num_rows
            while waiting >= rows:
                table = pa.Table.from_batches(pending, schema)
                rest = table.slice(rows)
                # handed on without a reference kept here (a one-item list popped
                # by the yield), so the consumer can free it before the next read
                box = [table.slice(0, rows).to_pandas()]
                del table
                pending, waiting = rest.to_batches(), rest.num_rows
                del rest
                given[0] += rows
                yield box.pop()
        if waiting:
            box = [pa.Table.from_batches(pending, schema).to_pandas()]
            del pending
            given[0] += waiting
            yield box.pop()


def read_csv_text_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_csv_texts` of ``path``, ``rows`` rows at a time.

    Parameters
    ----------
    path : Path
        A CSV file with a header row (comma-separated, ``"`` quotes, UTF-8).
    rows : int
        Rows per chunk (the last chunk may have fewer; a file without data
        rows gives no chunk).

    Yields
    ------
    DataFrame
        The next ``rows`` rows, every column of pandas' ``str`` dtype, with a
        ``RangeIndex`` from 0.

    Raises
    ------
    ValidationError
        A file neither parser reads, possibly after some chunks were given
        out (:func:`~.unreadable_files.unreadable_csv`), or one cut short inside
        a quoted cell (:func:`~.unreadable_files.check_not_cut`): empty, not
        UTF-8, cut short, naming the file, row and column; a row
        with more cells than the header is a
        :class:`~.unreadable_files.CsvParseError`, which is also pandas'
        ``ParserError``.
    """
    given = [0]
    with csv_read_errors(path):
        check_not_cut(path)
        try:
            yield from _arrow_chunks(path, rows, given)
            return
        except pa.ArrowException:
            pass
        # Continue with pandas' parser after the rows already given out (whole
        # chunks, so chunk boundaries stay where they were).
        skip = given[0] // rows
        for k, df in enumerate(pd.read_csv(path, chunksize=rows, **CSV_TEXT_OPTIONS)):
            if k >= skip:
                yield df.reset_index(drop=True)


def read_header(path: Path, fmt: str) -> list[str]:
    """Column names of a CSV or Parquet file without reading its rows.

    Raises
    ------
    ValidationError
        A file that cannot be read as ``fmt`` (empty, not UTF-8, a damaged
        Parquet file; see :mod:`.unreadable_files`), naming the file.
    """
    if fmt == "parquet":
        return read_parquet_schema(path)
    if fmt == "xlsx":
        return list(read_xlsx_texts(path).columns)
    with csv_read_errors(path):
        names = list(pd.read_csv(path, nrows=0).columns)
    if any("\x00" in str(name) for name in names):
        # UTF-16 text without a byte order mark reads as names with NULs
        wide = find_not_utf8(path)
        if wide is not None:
            raise ValidationError(wide.describe(path), file=str(path))
    return names


def read_table_chunks(path: Path, fmt: str, rows: int) -> Iterator[pd.DataFrame]:
    """A table file ``rows`` rows at a time: text columns for CSV (as
    :func:`read_csv_texts`, by :func:`read_csv_text_chunks`), typed columns
    for Parquet (by record batch, :func:`read_parquet_chunks`)."""
    if fmt == "parquet":
        return read_parquet_chunks(path, rows)
    return read_csv_text_chunks(path, rows)


def read_parquet(path: str | Path) -> pd.DataFrame:
    """A Parquet table as pandas reads it (``pd.read_parquet``).

    Raises
    ------
    ValidationError
        An empty file, or one that is cut short, damaged or not Parquet,
        naming the file and saying how to fix it.
    """
    path = Path(path)
    with parquet_read_errors(path):
        return pd.read_parquet(path)


def read_parquet_schema(path: str | Path) -> list[str]:
    """The column names of a Parquet table, without reading its rows.

    Raises
    ------
    ValidationError
        As :func:`read_parquet`.
    """
    import pyarrow.parquet as pq
    path = Path(path)
    with parquet_read_errors(path):
        return list(pq.read_schema(path).names)


def read_parquet_chunks(path: str | Path, rows: int) -> Iterator[pd.DataFrame]:
    """A Parquet table ``rows`` rows at a time (by record batch).

    Raises
    ------
    ValidationError
        As :func:`read_parquet`, also for a part found damaged after some
        chunks were given out.
    """
    import pyarrow.parquet as pq
    path = Path(path)
    with parquet_read_errors(path):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of a source file (an SWC skeleton, a JSON ROI file).

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        What it should hold, for the message about an empty file (e.g.
        ``"JSON"``).

    Returns
    -------
    str
        Without a UTF-8 byte order mark.

    Raises
    ------
    ValidationError
        An empty (0-byte) file, or one that is not UTF-8 (the byte offset and
        line of the first byte that is not, and the ``iconv`` command that
        converts it), naming the file.
    """
    path = Path(path)
    if os.path.getsize(path) == 0:
        raise ValidationError(empty_file_message(what), file=str(path))
    try:
        return read_utf8(path)
    except UnicodeError as err:
        raise ValidationError(str(err), file=str(path)) from None
