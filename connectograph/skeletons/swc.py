"""Reading and writing SWC files.

SWC is a plain-text format with one node per line::

    rowId  type  x  y  z  radius  link

and comment lines starting with ``#``. neuPrint serves skeletons as SWC text
with a NeuTu header; coordinates are in the dataset's voxel units (8 nm for the
hemibrain).

Two levels of API:

* :func:`skeleton_swc_to_df` / :func:`skeleton_df_to_swc` mirror neuprint-python:
  a DataFrame ``rowId, x, y, z, radius, link`` without the SWC node type.
* :func:`read_swc` / :func:`write_swc` are lossless: they keep the node type and
  the comment lines, and :func:`write_swc` reproduces every node field of the
  file it was read from exactly (see :func:`write_swc` for what is normalised).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from connectograph.errors import SkeletonError
from connectograph.skeletons._tree import SKELETON_COLUMNS, check_columns
from connectograph.text_files import read_utf8

__all__ = [
    "Skeleton",
    "read_swc",
    "write_swc",
    "skeleton_swc_to_df",
    "skeleton_df_to_swc",
    "format_coordinate",
]

_FLOAT_COLUMNS = ("x", "y", "z", "radius")
_INT64_MIN, _INT64_MAX = -2**63, 2**63 - 1
_NODE_COLUMNS = ("rowId", "type", "x", "y", "z", "radius", "link")


@dataclass
class Skeleton:
    """A skeleton read from SWC, keeping everything the file said.

    Attributes
    ----------
    nodes : pandas.DataFrame
        N rows, columns ``rowId`` (int64), ``type`` (int64, the SWC structure
        identifier: 0 undefined, 1 soma, 2 axon, 3 dendrite, ...), ``x, y, z``
        (float64, file units, voxels for neuPrint), ``radius`` (float64) and
        ``link`` (int64, parent ``rowId``, -1 for a root), in file order.
    header : list of str
        The comment lines of the file, verbatim (with their leading ``#``,
        without the line break), in file order.
    source_text : pandas.DataFrame or None
        The original text of the ``x, y, z, radius`` fields, indexed by
        ``rowId``. :func:`write_swc` reuses a field's original text whenever it
        still parses to the node's current value, so that numbers written as
        e.g. ``5104`` or ``5104.0`` come back exactly as they were. ``None``
        for skeletons not read from text.
    body : int or None
        Body id, if known (used in error messages).
    """

    nodes: pd.DataFrame
    header: list[str] = field(default_factory=list)
    source_text: pd.DataFrame | None = field(default=None, repr=False)
    body: int | None = None

    def to_df(self) -> pd.DataFrame:
        """The neuprint-python skeleton DataFrame (drops ``type``).

        Returns
        -------
        pandas.DataFrame
            Columns ``rowId, x, y, z, radius, link``.
        """
        return self.nodes[list(SKELETON_COLUMNS)].copy()


def _file_text(path: Path) -> str:
    """The UTF-8 text of an SWC file; SkeletonError naming the file, the byte
    offset and the conversion command if it is not UTF-8."""
    try:
        return read_utf8(path)
    except UnicodeError as err:
        raise SkeletonError(f"SWC file {path}: {err}") from None


def _read_text(source) -> tuple[str, int | None]:
    """Text of an SWC given as content, path or file object; plus body id guess."""
    if hasattr(source, "read"):
        text = source.read()
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        return text, None
    if isinstance(source, (os.PathLike, Path)):
        path = Path(source)
        return _file_text(path), _body_from_path(path)
    if isinstance(source, bytes):
        source = source.decode("utf-8")
    if not isinstance(source, str):
        raise SkeletonError(
            f"expected SWC text, a path or a file object, got {type(source).__name__}"
        )
    if "\n" not in source and (source.endswith(".swc") or Path(source).is_file()):
        path = Path(source)
        return _file_text(path), _body_from_path(path)
    return source, None


def _body_from_path(path: Path) -> int | None:
    try:
        return int(path.stem)
    except ValueError:
        return None


def read_swc(swc, body=None) -> Skeleton:
    """Parse SWC text (or a file) losslessly.

    Parameters
    ----------
    swc : str, path-like or file object
        SWC content, or the path of an ``.swc`` file (a ``str`` without line
        breaks that ends in ``.swc`` or names an existing file is a path).
    body : int, optional
        Body id for error messages; defaults to the file name when it is a
        number (neuPrint names files ``<bodyId>.swc``).

    Returns
    -------
    Skeleton
        ``nodes`` DataFrame (rowId, type, x, y, z, radius, link) and ``header``.

    Raises
    ------
    SkeletonError
        If a non-comment line does not have exactly 7 fields, or a field does
        not parse (int64 integers for rowId/type/link, numbers for the rest);
        the message names the body, line number and node id when known, and
        ``position`` (0-based node) and ``field`` say where. Also if the file
        is not UTF-8 text (naming the byte offset and the ``iconv`` command
        that converts it).

    Notes
    -----
    Lines are split on any whitespace; blank lines are skipped; comment lines
    are those whose first non-blank character is ``#``.
    """
    text, guessed = _read_text(swc)
    body = guessed if body is None else body
    name = "skeleton" if body is None else f"body {body}"
    header: list[str] = []
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            header.append(line.rstrip("\r"))
            continue
        fields = stripped.split()
        if len(fields) != 7:
            raise SkeletonError(
                f"{name}: SWC line {number} has {len(fields)} fields, expected 7 "
                f"(rowId type x y z radius link): {stripped[:80]!r}",
                position=len(rows),
            )
        rows.append(fields)
        line_numbers.append(number)

    tokens = np.array(rows, dtype=str).reshape(-1, 7)
    columns = {}
    for j, col in enumerate(_NODE_COLUMNS):
        try:
            if col in _FLOAT_COLUMNS:
                columns[col] = tokens[:, j].astype(np.float64)
            else:
                columns[col] = tokens[:, j].astype(np.int64)
        except (ValueError, OverflowError):
            _raise_bad_field(tokens, j, col, line_numbers, name)
    nodes = pd.DataFrame(columns, columns=list(_NODE_COLUMNS))
    source_text = pd.DataFrame(
        tokens[:, 2:6], columns=list(_FLOAT_COLUMNS), index=nodes["rowId"].to_numpy()
    )
    return Skeleton(nodes=nodes, header=header, source_text=source_text, body=body)


def _raise_bad_field(tokens, j, col, line_numbers, name):
    kind = float if col in _FLOAT_COLUMNS else int
    for i, token in enumerate(tokens[:, j]):
        where = f"{name}: SWC line {line_numbers[i]} (node {tokens[i, 0]}): {col} {str(token)!r}"
        try:
            value = kind(token)
        except ValueError:
            raise SkeletonError(
                f"{where} is not {'a number' if kind is float else 'an integer'}",
                position=i, field=col,
            ) from None
        if kind is int and not _INT64_MIN <= value <= _INT64_MAX:
            raise SkeletonError(
                f"{where} is beyond the range of 64-bit integers ({_INT64_MIN} to "
                f"{_INT64_MAX}); node ids are int64",
                position=i, field=col,
            )
    raise SkeletonError(f"{name}: could not parse the SWC column {col}")  # pragma: no cover


def format_coordinate(value: float) -> str:
    """Shortest text that parses back to exactly ``value`` (``5104``, ``5152.49``).

    Parameters
    ----------
    value : float

    Returns
    -------
    str
        Positional notation, no trailing ``.0``; ``nan``/``inf`` as numpy prints
        them.
    """
    return np.format_float_positional(float(value), trim="-")


def _format_column(values: np.ndarray, original: np.ndarray | None) -> np.ndarray:
    out = np.array([format_coordinate(v) for v in values], dtype=object)
    if original is not None:
        keep = np.zeros(len(values), dtype=bool)
        present = pd.notna(original)
        if present.any():
            parsed = np.full(len(values), np.nan)
            parsed[present] = original[present].astype(np.float64)
            keep = present & (parsed == values)
        out[keep] = original[keep]
    return out


def write_swc(skeleton: Skeleton, export_path=None) -> str:
    """Write a :class:`Skeleton` as SWC text.

    ``write_swc(read_swc(text))`` reproduces every comment line and every node
    field of ``text`` exactly (same node order, same number text). Normalised:
    fields are separated by one space, lines end with ``\\n`` (the last one too),
    blank lines are dropped, and comment lines are all written first (a comment
    placed between node lines moves to the top). Values changed after reading,
    and nodes added, are written with :func:`format_coordinate`.

    Parameters
    ----------
    skeleton : Skeleton
    export_path : str or path-like, optional
        If given, the text is also written to this file.

    Returns
    -------
    str
        The SWC text.
    """
    nodes = skeleton.nodes
    check_columns(nodes, skeleton.body, _NODE_COLUMNS)
    original = None
    if skeleton.source_text is not None:
        original = skeleton.source_text.reindex(nodes["rowId"].to_numpy())
    parts = [nodes["rowId"].astype(np.int64).astype(str).to_numpy(dtype=object),
             nodes["type"].astype(np.int64).astype(str).to_numpy(dtype=object)]
    for col in _FLOAT_COLUMNS:
        orig = None if original is None else original[col].to_numpy(dtype=object)
        parts.append(_format_column(nodes[col].to_numpy(dtype=np.float64), orig))
    parts.append(nodes["link"].astype(np.int64).astype(str).to_numpy(dtype=object))
    lines = [" ".join(fields) for fields in zip(*parts)]
    text = "".join(line + "\n" for line in [*skeleton.header, *lines])
    if export_path is not None:
        Path(export_path).write_text(text)
    return text


def skeleton_swc_to_df(swc) -> pd.DataFrame:
    """Read an SWC into neuprint-python's skeleton DataFrame (node type dropped).

    Same name and result columns as ``neuprint.skeleton_swc_to_df``; here the
    dtypes are int64/float64 (neuprint-python uses int32/float32).

    Parameters
    ----------
    swc : str, path-like or file object
        SWC content or a path (see :func:`read_swc`).

    Returns
    -------
    pandas.DataFrame
        N rows, columns ``rowId`` (int64), ``x, y, z, radius`` (float64, file
        units) and ``link`` (int64, -1 for roots), in file order.

    Raises
    ------
    SkeletonError
        On malformed lines (see :func:`read_swc`).
    """
    return read_swc(swc).to_df()


def skeleton_df_to_swc(df, export_path=None) -> str:
    """Write a skeleton DataFrame as SWC text (neuprint-python's name).

    The first line is the comment ``# rowId type x y z radius link``. The node
    type is taken from a ``type`` column if there is one, else 0 (undefined).
    Numbers are written with :func:`format_coordinate` (exact round trip).

    Parameters
    ----------
    df : pandas.DataFrame
        Columns ``rowId, x, y, z, radius, link`` (and optionally ``type``).
    export_path : str or path-like, optional
        If given, the text is also written to this file.

    Returns
    -------
    str
        The SWC text.

    Raises
    ------
    SkeletonError
        If a required column is missing.
    """
    check_columns(df)
    nodes = df[list(SKELETON_COLUMNS)].copy()
    nodes.insert(1, "type", df["type"].to_numpy() if "type" in df.columns else 0)
    skeleton = Skeleton(nodes=nodes, header=["# rowId type x y z radius link"])
    return write_swc(skeleton, export_path)

