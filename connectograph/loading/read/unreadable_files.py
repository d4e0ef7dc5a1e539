"""Source files that cannot be read as what the recipe says they are.

The one place where the loader turns a parser's failure on a whole file into
a :class:`~connectograph.errors.ValidationError` that names the file and,
where there is one, the line, the data row (header = row 0) and the column,
and says how to fix it:

- a CSV file cut short inside a quoted cell (pandas: ``EOF inside string``),
  or with a row of more cells than the header: :class:`CsvParseError`;
- a text file that is not UTF-8 (UTF-16, Latin-1, Windows-1252): the byte
  offset, and the ``iconv`` command that converts it
  (:mod:`connectograph.text_files`);
- an empty (0-byte) file, or a CSV file of blank lines;
- a Parquet file that is cut short, empty or not Parquet.

Every reader of source files goes through it: the readers of
:mod:`.source_files` (CSV tables whole or in chunks and their headers, Parquet
tables, the text of SWC and JSON files). The place of a CSV problem is found by a
second pass over the file with Python's ``csv`` module, only once a read has
failed.
"""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ...errors import ValidationError
from ...text_files import empty_file_message, find_not_utf8

__all__ = ["CsvParseError", "check_not_cut", "csv_read_errors", "parquet_read_errors",
           "unreadable_csv"]


class CsvParseError(ValidationError, pd.errors.ParserError):
    """A CSV file whose structure the parser rejects (a quoted cell never
    closed, a row with more cells than the header); nothing was written.

    Both a :class:`~connectograph.errors.ValidationError` (``file``, ``row``,
    ``column``) and pandas' ``ParserError``, which the CSV readers raised
    before, so code catching either still catches it.
    """


def _parser_said(err: BaseException) -> str:
    """The parser's own message, without pandas' prefix."""
    text = " ".join(str(err).split())
    return text.replace("Error tokenizing data. C error: ", "")


def _records(lines: Iterable[str]) -> Iterator[tuple[list[str], int, str]]:
    """``(cells, first line, raw text)`` of each record of CSV ``lines`` (as
    pandas' C parser splits them: ``"`` quotes, ``""`` inside them, text
    after a closing quote kept), blank lines skipped."""
    raw: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines:
            raw.append(line)
            yield line

    reader = csv.reader(feed())
    start = 1
    try:
        for cells in reader:
            text = "".join(raw)
            raw.clear()
            if cells:
                yield cells, start, text
            start = reader.line_num + 1
    except csv.Error:
        # a quoted cell open at the end of the file (Python versions whose
        # reader refuses it): the rest of the file is the last record
        text = "".join(raw)
        opened = _unterminated_quote(text)
        yield [""] * ((opened[0] if opened else 0) + 1), start, text


@contextmanager
def _any_field_size() -> Iterator[None]:
    """Lift the ``csv`` module's 128 KiB cell limit within the block (a quote
    never closed makes the rest of the file one cell)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _unterminated_quote(text: str) -> tuple[int, int] | None:
    """``(cell index, character offset)`` of the quote that opened a cell
    still open at the end of ``text`` (one record), or None."""
    cell, at, state = 0, 0, "start"
    for i, ch in enumerate(text):
        if state == "quoted":
            if ch == '"':
                state = "quote"
        elif state == "quote":          # just after a quote inside a quoted cell
            state = "quoted" if ch == '"' else ("start" if ch == "," else "plain")
            if ch == ",":
                cell += 1
        elif ch == ",":
            cell, state = cell + 1, "start"
        elif state == "start" and ch == '"':
            at, state = i, "quoted"
        elif ch not in "\r\n":
            state = "plain"
    return (cell, at) if state == "quoted" else None


def _structure_error(path: Path, err: BaseException | None) -> ValidationError | None:
    """The first place where ``path`` (UTF-8) is not a CSV table pandas can
    read: a row with more cells than the header, a quoted cell still open at
    the end of the file, or no header row; None if none is found. ``err`` is
    the parser's failure, quoted in the message."""
    said = f" (the parser: {_parser_said(err)})" if err is not None else ""
    file = str(path)
    header: list[str] | None = None
    last: tuple[list[str], int, str, int] | None = None
    row = 0
    with open(path, encoding="utf-8-sig", newline="") as f, _any_field_size():
        for cells, line, text in _records(f):
            if header is None:
                header = cells
            else:
                row += 1
                if len(cells) > len(header):
                    return CsvParseError(
                        f"line {line} has {len(cells)} cells but the header has "
                        f"{len(header)}: quote every cell that holds a comma (\"a, b\"), or "
                        f"remove the extra cells{said}",
                        file=file, row=row)
            last = (cells, line, text, row)
    if header is None:
        return ValidationError("the file holds only blank lines, not even a header row; "
                               "write the table with its header row", file=file)
    assert last is not None
    cells, line, text, row = last
    opened = _unterminated_quote(text)
    if opened is None:
        return None
    index, at = opened
    quote_line = line + text[:at].count("\n")
    column = header[index] if row and index < len(header) else None
    return CsvParseError(
        f"the file ends inside a quoted cell: the quote opened on line {quote_line} is never "
        "closed, so the file is probably cut short (an interrupted download or copy); copy "
        f"or write the file again{said}",
        file=file, row=row, column=column)


def _place_of_byte(path: Path, offset: int) -> tuple[int | None, str | None]:
    """Data row (header = row 0) and column of the cell holding byte
    ``offset`` of a CSV file that is UTF-8 before it."""
    def lines() -> Iterator[str]:
        done = 0
        with open(path, "rb") as f:
            for raw in f:
                if not done and raw.startswith(codecs.BOM_UTF8):
                    raw, done = raw[len(codecs.BOM_UTF8):], len(codecs.BOM_UTF8)
                if done + len(raw) > offset:
                    # a stand-in character where the bad byte is, so that the
                    # last record read is the one holding it
                    yield raw[:offset - done].decode("utf-8", errors="replace") + "?"
                    return
                yield raw.decode("utf-8", errors="replace")
                done += len(raw)

    header: list[str] | None = None
    row, cells = -1, []
    with _any_field_size():
        for cells, _line, _text in _records(lines()):
            row += 1
            if header is None:
                header = cells
    if header is None or row < 0:
        return None, None
    index = len(cells) - 1
    return row, (header[index] if row and index < len(header) else None)


def unreadable_csv(path: str | Path, err: BaseException) -> ValidationError:
    """The :class:`~connectograph.errors.ValidationError` for a CSV file that
    a parser failed to read with ``err``.

    Parameters
    ----------
    path : str or Path
        The file.
    err : Exception
        What the parser raised (pandas' ``ParserError`` or ``EmptyDataError``,
        a ``UnicodeDecodeError``, a pyarrow error).

    Returns
    -------
    ValidationError
        Naming the file and what is wrong with it: empty (0 bytes); not UTF-8
        (the byte offset, line, row and column of the first byte that is not,
        and the ``iconv`` command that converts the file); a
        :class:`CsvParseError` for a quoted cell never closed (its line, row
        and column) or a row with more cells than the header (its line and
        row); only blank lines. Else the parser's message, with the file.
    """
    path = Path(path)
    file = str(path)
    if path.stat().st_size == 0:
        return ValidationError(empty_file_message("table, not even a header row"), file=file)
    bad = find_not_utf8(path)
    if bad is not None:
        row = column = None
        if not bad.byte_order_mark and bad.offset:
            row, column = _place_of_byte(path, bad.offset)
        return ValidationError(bad.describe(file), file=file, row=row, column=column)
    found = _structure_error(path, err)
    if found is not None:
        return found
    return CsvParseError(f"cannot be read as a CSV table: {_parser_said(err)}", file=file)


def _odd_quotes(path: Path) -> bool:
    """Whether ``path`` holds an odd number of ``"`` (counted in blocks)."""
    count = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 24):
            count += block.count(b'"')
    return count % 2 == 1


def check_not_cut(path: str | Path) -> None:
    """Raise :class:`CsvParseError` if the CSV file ``path`` ends inside a
    quoted cell.

    pyarrow's parser, which the CSV readers try first, takes such a file as
    if the cell were closed at the end (a file cut inside its last cell would
    load its last row cut short); pandas' parser refuses it. A file cut short
    inside a quoted cell does not end with a line break and holds an odd
    number of quotes (quotes come in pairs in a complete file); only such a
    file is scanned for the open cell, so a complete file costs a look at its
    last byte (or, without a final line break, a count of its quotes).

    Parameters
    ----------
    path : str or Path
        A UTF-8 CSV file.

    Raises
    ------
    CsvParseError
        Naming the line of the open quote, its data row and its column.
    UnicodeDecodeError
        If the file is not UTF-8 (callers within :func:`csv_read_errors`
        get :func:`unreadable_csv`'s error).
    """
    path = Path(path)
    size = path.stat().st_size
    if not size:
        return
    with open(path, "rb") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
    if not _odd_quotes(path):
        return
    found = _structure_error(path, None)
    if found is not None:
        raise found


#: What the CSV readers raise for a file they cannot read as a whole.
_CSV_FAILURES = (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError,
                 pa.ArrowException)


@contextmanager
def csv_read_errors(path: str | Path) -> Iterator[None]:
    """Within the block, a parser's failure to read the CSV file ``path``
    (pandas' or pyarrow's, a ``UnicodeDecodeError``) is raised as
    :func:`unreadable_csv`'s ValidationError; our own errors pass.

    Parameters
    ----------
    path : str or Path
        The CSV file the block reads.
    """
    try:
        yield
    except ValidationError:
        raise
    except _CSV_FAILURES as err:
        raise unreadable_csv(path, err) from None


def _unreadable_parquet(path: Path, err: BaseException) -> ValidationError:
    if path.stat().st_size == 0:
        return ValidationError(empty_file_message("Parquet table"), file=str(path))
    return ValidationError(
        f"cannot be read as a Parquet table ({_parser_said(err)}): the file is cut short (an "
        "interrupted download or copy), damaged or not Parquet; write it again with "
        "DataFrame.to_parquet, or set format = \"csv\" in the recipe if it is a CSV table",
        file=str(path))


@contextmanager
def parquet_read_errors(path: Path) -> Iterator[None]:
    """Within the block, a failure to read the Parquet file ``path`` (a
    pyarrow error, a ``UnicodeDecodeError``) is raised as a ValidationError
    naming the file and saying how to fix it; our own errors pass.

    Parameters
    ----------
    path : Path
        The Parquet file the block reads.
    """
    try:
        yield
    except ValidationError:
        raise
    except (pa.ArrowException, UnicodeError) as err:
        raise _unreadable_parquet(path, err) from None
