"""A CSV file as text columns, a fixed number of rows at a time, read by
pyarrow's streaming CSV reader.

The same frames as :func:`~.tables.read_csv_texts` cut into chunks: every
column in pandas' ``str`` dtype, NaN for empty cells (quoted or not), every
other text as written (``"NA"`` stays ``"NA"``). pyarrow keeps the texts in
Arrow buffers; pandas' chunked C parser, used before, made one Python string
per cell of a chunk on the way (measured in docs/scaling.md, session 13).
Files pyarrow rejects (duplicate column names; rows with fewer cells than the
header, which pandas pads with empty cells) are read by pandas' C parser with
the same options, from the first row not yet given out, so every file reads
as :func:`~.tables.read_csv_texts` reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from .source_files import check_not_cut, csv_read_errors
from .tables import CSV_TEXT_OPTIONS


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
    """:func:`~.tables.read_csv_texts` of ``path``, ``rows`` rows at a time.

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
        out (:func:`~.source_files.unreadable_csv`), or one cut short inside
        a quoted cell (:func:`~.source_files.check_not_cut`): empty, not
        UTF-8, cut short, naming the file, row and column; a row
        with more cells than the header is a
        :class:`~.source_files.CsvParseError`, which is also pandas'
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
