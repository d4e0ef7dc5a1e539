"""Skeleton files of a recipe (SWC, neuprint-python's skeleton table as CSV),
read and validated before anything is written; errors name the file, and the
line or row and the column where the problem is.

The readers parse the files; :class:`SkeletonTable`, the canonical skeleton
table, checks the tree (through
:func:`~connectograph.skeletons.validate_skeleton`), so a skeleton reaches the
loader only through it.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from ...errors import SkeletonError, SkeletonFileError, ValidationError
from ...skeletons import Skeleton, read_swc, validate_skeleton
from ...skeletons._tree import SKELETON_COLUMNS, XYZ
from ..conflicts import Conflict
from ..recipe import Recipe, SkeletonSource
from .canonical_table import CanonicalTable, first_true
from .number_cells import body_of_file_name, float_column, int_column
from .source_files import read_csv_texts, read_text


_SKELETON_FLOATS = (*XYZ, "radius")


def _first_empty(values: pd.Series, file: str, column: str) -> None:
    empty = values.isna().to_numpy()
    if empty.any():
        raise ValidationError(f"{column} is empty", file=file,
                              row=first_true(empty) + 1, column=column)


def _read_skeleton_csv(path: Path, body: int | None) -> Skeleton:
    """neuprint-python's skeleton table saved as CSV (``rowId, x, y, z, radius,
    link``, a saved index ignored); every cell must be a number."""
    file = str(path)
    df = read_csv_texts(path)
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed:")])
    missing = [c for c in SKELETON_COLUMNS if c not in df.columns]
    if missing:
        raise ValidationError(f"skeleton CSV lacks columns {missing}; neuprint-python's "
                              "skeleton table has rowId, x, y, z, radius, link", file=file)
    columns = {}
    for col in ("rowId", "link"):
        columns[col] = int_column(df, col, file)
        _first_empty(columns[col], file, col)
    for col in _SKELETON_FLOATS:
        columns[col] = float_column(df, col, file)
        _first_empty(columns[col], file, col)
    nodes = pd.DataFrame({"rowId": columns["rowId"].astype("int64"),
                          "type": np.zeros(len(df), dtype=np.int64),
                          **{c: columns[c] for c in _SKELETON_FLOATS},
                          "link": columns["link"].astype("int64")})
    return Skeleton(nodes=nodes, header=[], body=body)


def _swc_node_lines(text: str) -> np.ndarray:
    """Line number (1-based) of each node line of an SWC text, as read_swc
    counts them (blank and ``#`` lines skipped)."""
    return np.array([n for n, line in enumerate(text.splitlines(), start=1)
                     if line.strip() and not line.strip().startswith("#")], dtype=np.int64)


def _swc_line(text: str, position: int) -> int | None:
    """The line of node ``position`` (0-based) of an SWC text, or None."""
    lines = _swc_node_lines(text)
    return int(lines[position]) if 0 <= position < len(lines) else None


class SkeletonTable(CanonicalTable):
    """The canonical skeleton of one file: a forest of nodes with a body.

    Attributes
    ----------
    frame : pandas.DataFrame
        :attr:`Skeleton.nodes <connectograph.skeletons.Skeleton>`: ``rowId``
        (int64), ``type`` (int64, SWC structure id), ``x, y, z`` (float64,
        voxels), ``radius`` (float64), ``link`` (int64, parent rowId, -1 for a
        root), in file order.
    file : str
        The source file (named in errors).
    format : {"swc", "neuprint-csv"}
        How ``file`` is laid out: errors give the SWC line number (comments
        counted) or the CSV data row (header = row 0).
    body : int or None
        The body; None is rejected.
    header : list of str
        SWC comment lines, kept for a lossless write.
    source_text : pandas.DataFrame or None
        Original text of the SWC number fields (see :class:`Skeleton`).

    Raises
    ------
    ValidationError
        No body, or no nodes.
    SkeletonFileError
        What :func:`~connectograph.skeletons.validate_skeleton` rejects
        (duplicate node ids, non-finite coordinates or radius, links to missing
        parents, cycles), naming the file, line or row and field.
    """

    file: str
    format: Literal["swc", "neuprint-csv"]
    body: int | None
    header: list[str] = []
    source_text: pd.DataFrame | None = None

    @classmethod
    def from_skeleton(cls, skel: Skeleton, file: str, format: str) -> "SkeletonTable":
        """Validate a parsed :class:`Skeleton` of ``file`` (nodes not copied)."""
        return cls.build(skel.nodes, file=file, format=format, body=skel.body,
                         header=skel.header, source_text=skel.source_text)

    @property
    def skeleton(self) -> Skeleton:
        """The validated skeleton, as the loader stores it."""
        return Skeleton(nodes=self.frame, header=list(self.header),
                        source_text=self.source_text, body=self.body)

    @model_validator(mode="after")
    def _check(self) -> "SkeletonTable":
        if self.body is None:
            suffix = ".swc" if self.format == "swc" else ".csv"
            raise ValidationError(f"cannot tell the skeleton's body: name the file "
                                  f"<bodyId>{suffix} or give bodyId in the recipe", file=self.file)
        if not len(self.frame):
            raise ValidationError("the file holds no skeleton nodes (only comments or a "
                                  "header); give the skeleton's nodes, or remove the file",
                                  file=self.file)
        try:
            validate_skeleton(self.frame, body=self.body)
        except SkeletonError as err:
            row = None
            if err.position is not None:
                row = (_swc_line(read_text(self.file, "SWC skeleton"), err.position)
                       if self.format == "swc" else err.position + 1)
            raise SkeletonFileError(f"{err}", file=self.file, row=row,
                                    column=err.field) from None
        return self


def _read_skeleton_file(path: Path, src: SkeletonSource, body: int | None) -> Skeleton:
    """One skeleton file, validated.

    Raises
    ------
    SkeletonFileError
        Malformed SWC lines (a field that is not a number, a node id beyond
        int64), duplicate node ids, non-finite coordinates, links to missing
        parents or cycles, naming the file, the line (SWC) or data row (CSV)
        and the field.
    ValidationError
        A skeleton CSV cell that is not a number or beyond int64, a missing
        column, no body, no nodes; a file that is empty or not UTF-8 (the byte
        offset and how to convert it) or, for CSV, cut short.
    """
    file = str(path)
    # the body is the recipe's, else the file name's
    if body is None and path.stem.isdigit():
        body = body_of_file_name(path)
    if src.format == "swc":
        text = read_text(path, "SWC skeleton")
        try:
            skel = read_swc(io.StringIO(text), body=body)
        except SkeletonError as err:
            row = None if err.position is None else _swc_line(text, err.position)
            raise SkeletonFileError(f"{err}", file=file, row=row, column=err.field) from None
    else:
        skel = _read_skeleton_csv(path, body)
    return SkeletonTable.from_skeleton(skel, file, src.format).skeleton


def read_skeletons(recipe: Recipe, conflicts: list[Conflict]) -> dict[int, Skeleton]:
    """Every skeleton source, validated. A body given by several sources keeps
    the first; the others are recorded as conflicts.

    Raises
    ------
    SkeletonFileError
        Cycles, missing parents, duplicate node ids, non-finite coordinates or
        malformed SWC lines, naming the file, body, node, line or row and field.
    ValidationError
        Non-numeric, empty or beyond-int64 cells of a skeleton CSV (file, row,
        column); a file that is empty, not UTF-8 or cut short, or holds no
        nodes (file).
    """
    out: dict[int, Skeleton] = {}
    origin: dict[int, str] = {}
    for src in recipe.skeletons:
        if src.folder:
            suffix = ".swc" if src.format == "swc" else ".csv"
            paths = sorted(recipe.path(src.folder).glob("*" + suffix))
        else:
            paths = [recipe.path(src.file)]
        dropped: list[int] = []
        for path in paths:
            skel = _read_skeleton_file(path, src, src.bodyId if src.file else None)
            if skel.body in out:
                dropped.append(int(skel.body))
                continue
            out[int(skel.body)] = skel
            origin[int(skel.body)] = str(path.parent if src.folder else path)
        if dropped:
            kept = origin[dropped[0]]
            conflicts.append(Conflict.of(
                "skeletons", "skeleton", kept, recipe.path(src.folder or src.file), dropped,
                ["skeleton"] * len(dropped), ["skeleton"] * len(dropped)))
    return out
