"""Neuron-level table sources (``[[neurons]]`` and ``[[roi_connections]]``)
read into canonical tables, validated before anything is written.

Canonical tables (pandas DataFrames):

``neurons``
    one row per body: ``bodyId`` (int64) and any of :data:`~..recipe.NEURON_COLUMNS`
    (``somaLocation`` as a 3-tuple of floats in voxels, ``roiInfo`` as a JSON
    string, ``cropped`` as bool) plus extra properties.
``roi_connections``
    ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``weight`` (int64 > 0):
    neuprint-python's ``roi_conn_df``; ``roi == "NotPrimary"`` holds the part of a
    connection outside every primary ROI.

The readers here parse text cells (:mod:`.number_cells`, :mod:`.neuron_cells`);
the table invariants are checked by the pydantic models of
:mod:`.table_schemas`, per source file so errors name file, row and column:
:class:`~.table_schemas.NeuronTable` (each neuron file) and
:class:`~.table_schemas.RoiConnectionTable` (each per-ROI connection file).

Several sources of one table are merged by precedence (first listed wins);
every disagreement is recorded as a :class:`~..conflicts.Conflict` for the
load summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..conflicts import Conflict, connection_keys
from ..recipe import (GAP_JUNCTION_COLUMNS, NEURON_COLUMNS, NT_PROBABILITY_PROPERTY,
                      ROI_CONNECTION_COLUMNS, Recipe, TableSource)
from .names import check_name
from .neuron_cells import (DERIVED_NEURON_COLUMNS, bool_cell, container_as_text,
                           roi_info_cell, soma_cell)
from .number_cells import float_column, id_column, int_column
from ...errors import ValidationError
from .body_names import minted_body_ids
from .source_files import SkippedRow, read_table
from .type_rules import symmetry_suffix_types
from .table_schemas import COUNT_COLUMNS, NeuronTable, RoiConnectionTable

__all__ = ["empty_gap_junctions", "merge_by_precedence", "read_gap_junctions",
           "read_neuron_table", "read_roi_connections"]

_INT_COLUMNS = COUNT_COLUMNS
_FLOAT_COLUMNS = ("somaRadius",)


class _FileRows:
    """The file's data rows (1-based, header row 0) of a table's rows, where
    rows skipped as malformed or left out by ``where`` make them differ from
    positions. A ValidationError about the file raised under ``with rows:``
    (naming a position) is raised again naming the file's row."""

    def __init__(self, file: str, rows: np.ndarray | None = None):
        self.file, self.rows = file, rows

    def of(self, positions: np.ndarray) -> list[int]:
        """The file's data rows of 1-based positions."""
        return (positions if self.rows is None else self.rows[positions - 1]).tolist()

    def __enter__(self) -> "_FileRows":
        return self

    def __exit__(self, kind, err, traceback) -> bool:
        if (isinstance(err, ValidationError) and self.rows is not None
                and err.file == self.file and err.row is not None
                and 1 <= err.row <= len(self.rows)):
            raise err.at_row(int(self.rows[err.row - 1])) from None
        return False


def _read(recipe: Recipe, src: TableSource, canonical: tuple[str, ...],
          warnings: list[str] | None = None) -> tuple[pd.DataFrame, _FileRows]:
    """One table source with its columns renamed to ``canonical`` names; with
    ``keep_unmapped = false``, only the canonical columns (whether mapped or
    already so named) are kept. A file column that has the name of a mapped
    one (``type`` beside ``type = "cell_type"``) gives way to the mapping.
    Only the rows ``where`` selects are kept; CSV rows skipped under
    ``malformed_rows = "skip"`` are listed in ``warnings``. Returns the table
    and its rows in the file (for errors)."""
    skipped: list[SkippedRow] = []
    df = read_table(recipe.path(src.file), src.format, malformed_rows=src.malformed_rows,
                    skipped=skipped)
    # data row of each kept row: a CSV line's row is its line - 1 (the header is line 1)
    rows = np.setdiff1d(np.arange(1, len(df) + len(skipped) + 1),
                        [r.line - 1 for r in skipped]) if skipped else np.arange(1, len(df) + 1)
    if skipped:
        lines = _line_ranges([r.line for r in skipped])
        message = (f"{skipped[0].file}: {len(skipped)} malformed rows skipped (malformed_rows = "
                   f"'skip'), lines {lines}; the first: {skipped[0].text!r}")
        if warnings is None:
            raise ValidationError(message)
        warnings.append(message)
    for column, text in src.where.items():
        chosen = (df[column].astype(str) == text).to_numpy()
        df, rows = df[chosen], rows[chosen]
    df = df.reset_index(drop=True)
    # An unnamed first column is a saved pandas index ("Unnamed: 0").
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed:")])
    shadowed = [name for name, source in src.columns.items()
                if name != source and name in df.columns]
    df = df.drop(columns=shadowed).rename(
        columns={source: name for name, source in src.columns.items()})
    if not src.keep_unmapped:
        df = df[[c for c in df.columns if c in src.columns or c in canonical]]
    df = df.drop(columns=[c for c in src.drop if c in df.columns])
    for name, mapping in src.values.items():
        df[name] = df[name].map(lambda v: mapping.get(v, v) if isinstance(v, str) else v)
    for name, value in src.constants.items():
        df[name] = value
    moved = bool(skipped or src.where)
    return df, _FileRows(str(recipe.path(src.file)), rows if moved else None)


def _named_bodies(df: pd.DataFrame, src: TableSource, file: str,
                  names: dict[int, str]) -> pd.DataFrame:
    """A table whose bodyId column holds names: the name kept as ``instance``
    (unless the table maps one), the bodyId minted from it."""
    column = src.columns.get("bodyId", "bodyId")
    instance = df["bodyId"].astype(str)
    df["bodyId"] = minted_body_ids(df["bodyId"], names, file=file, column=column)
    if "instance" not in df.columns:
        df["instance"] = instance
    return df


def _typed_by_rule(df: pd.DataFrame, src: TableSource) -> pd.DataFrame:
    """``type`` derived from ``instance`` by the table's ``type_rule``, where
    the table gives none."""
    if src.type_rule == "symmetry-suffixes" and "instance" in df.columns:
        instance = df["instance"].dropna().astype(str)
        types = df["instance"].map(symmetry_suffix_types(instance))
        df["type"] = df["type"].fillna(types) if "type" in df.columns else types
    return df


def _line_ranges(lines: list[int]) -> str:
    """Line numbers as ranges: ``312-317, 394``."""
    out, start = [], lines[0]
    for prev, line in zip(lines, lines[1:] + [None]):
        if line is None or line != prev + 1:
            out.append(str(start) if start == prev else f"{start}-{prev}")
            start = line
    return ", ".join(out)


def _int64_if_complete(values: pd.Series) -> pd.Series:
    """``values`` (nullable Int64) as int64 when none is missing; else as it is,
    for the table's model to report the first empty cell."""
    return values if values.isna().any() else values.astype("int64")


def read_neuron_table(recipe: Recipe, src: TableSource, roi_names: set[str] | None = None,
                      warnings: list[str] | None = None,
                      names: dict[int, str] | None = None) -> pd.DataFrame:
    """One neuron source as a canonical table (validated; see module docstring).

    Reads neuprint-python's ``fetch_neurons`` ``neuron_df`` as a lab saves it:
    with ``to_csv`` (list and dict cells written as Python literals) or with
    ``to_parquet`` (list and struct cells); see
    :func:`~.neuron_cells.parse_soma_location` and
    :func:`~.neuron_cells.parse_roi_info`. Its ``inputRois``/``outputRois``
    columns, which neuprint-python derives from roiInfo and neuPrint does not
    store, are dropped with a note in ``warnings``. Other list or dict cells of
    extra columns become JSON text.

    Parameters
    ----------
    recipe, src : Recipe, TableSource
        The recipe and one of its ``[[neurons]]`` entries.
    roi_names : set of str, optional
        ROI names of the recipe's definitions; roiInfo may name no other.
    warnings : list of str, optional
        Receives notes for the load summary.
    names : dict, optional
        bodyId -> name of the names minted so far in this load (with
        ``body_names``; :func:`~.body_names.minted_body_ids`), updated.

    Raises
    ------
    ValidationError
        A file that cannot be read (empty, not UTF-8, cut short; see
        :mod:`~.source_files`), a column name that cannot be a property key
        (:mod:`~.names`), a bodyId that is not an integer, is beyond int64 or
        is repeated, malformed somaLocation/roiInfo/cropped, non-numeric
        counts; the message names file, row and column. Cells are parsed
        here; :class:`~.table_schemas.NeuronTable` checks the table (unique
        bodyIds, counts >= 0, somaRadius finite >= 0, known ROIs).
    """
    file = str(recipe.path(src.file))
    df, file_rows = _read(recipe, src, NEURON_COLUMNS, warnings)
    with file_rows:
        return _neuron_table(df, src, file, roi_names, warnings, names)


def _neuron_table(df: pd.DataFrame, src: TableSource, file: str, roi_names: set[str] | None,
                  warnings: list[str] | None, names: dict[int, str] | None) -> pd.DataFrame:
    """:func:`read_neuron_table` once the file is read."""
    if src.body_names:
        df = _named_bodies(df, src, file, {} if names is None else names)
    df = _typed_by_rule(df, src)
    derived = [c for c in DERIVED_NEURON_COLUMNS if c in df.columns]
    if derived:
        df = df.drop(columns=derived)
        if warnings is not None:
            warnings.append(
                f"{file}: columns {', '.join(derived)} not loaded: neuprint-python derives them "
                "from roiInfo (ROIs with post resp. pre > 0) and neuPrint does not store them; "
                "the graph holds roiInfo and one flag per ROI instead (add them to 'drop' to "
                "silence this note)")
    for col in df.columns:
        # every column is a Segment property, its name spliced into queries
        check_name(col, "column name", file=file, column=str(col),
                   fix="rename the column, or list it in 'drop'")
    df["bodyId"] = _int64_if_complete(id_column(df, "bodyId", file))
    for col in _INT_COLUMNS:
        if col in df.columns:
            # Counts come as "395.0" in some exports: accept integral floats.
            df[col] = int_column(df, col, file)
    for col in _FLOAT_COLUMNS:
        if col in df.columns:
            df[col] = float_column(df, col, file)
    if "somaLocation" in df.columns:
        df["somaLocation"] = [soma_cell(v, file, i + 1) for i, v in enumerate(df["somaLocation"])]
    if "cropped" in df.columns:
        df["cropped"] = pd.Series([bool_cell(v, file, i + 1, "cropped")
                                   for i, v in enumerate(df["cropped"])], dtype=object)
    if "roiInfo" in df.columns:
        df["roiInfo"] = [roi_info_cell(v, file, i + 1) for i, v in enumerate(df["roiInfo"])]
    extras = [c for c in df.columns if c not in NEURON_COLUMNS]
    for col in extras:
        if df[col].dtype == object:
            df[col] = df[col].map(container_as_text)
        # Extra columns whose every value is a number become numeric properties.
        nums = pd.to_numeric(df[col], errors="coerce")
        if df[col].notna().any() and not (nums.isna() & df[col].notna()).any():
            df[col] = nums
    _check_probabilities(df, file)
    df = df.set_index("bodyId", drop=False)
    return NeuronTable.build(df, file=file, roi_names=roi_names).frame


#: neuPrint's transmitter probabilities of a neuron (predictedNtProb,
#: ntAcetylcholineProb, ntGabaProb...: the synapses' names too): each in [0, 1].
_PROBABILITY = re.compile(f"predictedNtProb|{NT_PROBABILITY_PROPERTY}")


def _check_probabilities(df: pd.DataFrame, file: str) -> None:
    """Transmitter probabilities must be numbers from 0 to 1 (empty cells
    allowed); raise at the first that is not, naming file, row and column."""
    for col in df.columns:
        if not _PROBABILITY.fullmatch(str(col)):
            continue
        values = pd.to_numeric(df[col], errors="coerce")
        bad = (values.isna() & df[col].notna()) | (values < 0) | (values > 1)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValidationError(
                f"'{df[col].iloc[i]}' is not a probability: transmitter scores ({col}) are "
                "numbers from 0 to 1; fix the cell, or map the column to another name if it "
                "is not a probability", file=file, row=i + 1, column=str(col))


def _values_differ(a: pd.Series, b: pd.Series) -> pd.Series:
    both = a.notna() & b.notna()
    return both & (a.astype(str) != b.astype(str))


def merge_by_precedence(frames: list[tuple[str, pd.DataFrame]], table: str,
                        conflicts: list[Conflict]) -> pd.DataFrame:
    """Merge indexed frames, the first having precedence for every cell; record
    disagreements between non-null values in ``conflicts`` (grouped by the file
    the kept value came from and the file whose value was dropped)."""
    merged: pd.DataFrame | None = None
    origin: pd.DataFrame | None = None  # file each kept cell came from
    for file, df in frames:
        df_origin = pd.DataFrame(np.where(df.notna(), file, None), index=df.index,
                                 columns=df.columns)
        if merged is None:
            merged, origin = df.copy(), df_origin
            continue
        shared_rows = merged.index.intersection(df.index)
        for col in df.columns:
            if col not in merged.columns or col == "bodyId" or not len(shared_rows):
                continue
            a, b = merged.loc[shared_rows, col], df.loc[shared_rows, col]
            diff = _values_differ(a, b)
            if not diff.any():
                continue
            keys = diff[diff].index
            kept_files = origin.loc[keys, col]
            for kept_file, group in keys.to_series().groupby(kept_files.to_numpy()):
                conflicts.append(Conflict.of(
                    table, col, kept_file, file, [int(k) for k in group.index],
                    a[group.index], b[group.index]))
        merged = merged.combine_first(df)
        origin = origin.combine_first(df_origin)
    assert merged is not None
    # combine_first passes a column through float64 when the frames' rows
    # differ (NaN for the rows one lacks): 64-bit ids above 2**53, such as
    # FlyWire's root ids, came back changed. The index kept them exactly.
    merged["bodyId"] = merged.index.to_numpy(dtype=np.int64)
    return merged


def read_roi_connections(recipe: Recipe, roi_names: set[str] | None,
                         conflicts: list[Conflict], names: dict[int, str] | None = None,
                         warnings: list[str] | None = None) -> pd.DataFrame:
    """All per-ROI connection sources as one canonical table, deduplicated by
    (bodyId_pre, bodyId_post, roi) with the first source winning.

    Raises
    ------
    ValidationError
        A file that cannot be read (empty, not UTF-8, cut short), body ids
        that are not integers or are beyond int64, non-positive weights, empty
        or unknown ROI names (when ``roi_names`` is given; else names that
        cannot be Cypher names), a connection listed twice in one file, naming
        file, row and column (cells are parsed here, each file's table is
        checked by :class:`~.table_schemas.RoiConnectionTable`).
    """
    frames, files = [], []
    for order, src in enumerate(recipe.roi_connections):
        df, file, file_rows = _weighted_pairs(recipe, src, ROI_CONNECTION_COLUMNS,
                                              ("bodyId_pre", "bodyId_post"), names, warnings)
        with file_rows:
            df = RoiConnectionTable.build(df, file=file, roi_names=roi_names).frame
        df["_order"] = np.int32(order)
        frames.append(df)
        files.append(file)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in
                             ("bodyId_pre", "bodyId_post", "weight")}).assign(
            roi=pd.Series(dtype=str), _file=pd.Series(dtype=str))
    allrows = pd.concat(frames, ignore_index=True)
    del frames
    # ``_file`` (the file each kept row came from) stays for the synapse merge's
    # conflicts, categorical: a path on every row took 100 bytes per row.
    # (categories in sorted order, as conflicts are listed by file names)
    names = pd.Index(sorted(set(files)), dtype="str")
    allrows["_file"] = pd.Categorical.from_codes(
        names.get_indexer(files)[allrows.pop("_order").to_numpy()], categories=names)
    if len(files) > 1:
        # Repeats within one file were rejected by RoiConnectionTable; across
        # files they are expected: the first file listed wins. Only the rows
        # of repeated connections are compared (a merge of every row doubled
        # the stage's peak memory at 10M synapse pairs, measured).
        allrows = _first_source_wins(allrows, conflicts)
        allrows["_file"] = allrows["_file"].cat.remove_unused_categories()
    return allrows


def _weighted_pairs(recipe: Recipe, src: TableSource, columns: tuple[str, ...],
                    ends: tuple[str, str], names: dict[int, str] | None,
                    warnings: list[str] | None) -> tuple[pd.DataFrame, str, _FileRows]:
    """A table of body pairs with a weight (per-ROI connections, gap
    junctions): read with only its canonical ``columns``, the two body
    columns ``ends`` as int64 (parsed integers, or minted from names with
    ``body_names``), ``weight`` as positive integers. Returns the table, its
    file and its rows in the file (checks of the caller go under ``with``
    them, so their errors name the file's rows)."""
    file = str(recipe.path(src.file))
    df, file_rows = _read(recipe, src, columns, warnings)
    df = df[list(columns)].copy()
    with file_rows:
        for col in ends:
            if src.body_names:
                df[col] = minted_body_ids(df[col], {} if names is None else names, file=file,
                                          column=src.columns.get(col, col))
            else:
                df[col] = _int64_if_complete(id_column(df, col, file))
        df["weight"] = _int64_if_complete(int_column(df, "weight", file, positive=True))
    return df, file, file_rows


def read_gap_junctions(recipe: Recipe, conflicts: list[Conflict],
                       names: dict[int, str] | None = None,
                       warnings: list[str] | None = None) -> pd.DataFrame:
    """All gap-junction (electrical synapse) sources as one canonical table:
    ``bodyId_a <= bodyId_b`` (int64; the order of a row's two bodies carries
    no meaning, so each pair is stored once, the lower bodyId first) and
    ``weight`` (int64 > 0, the number of gap junctions between them).
    A pair a later source repeats is dropped (first source wins), and a
    different weight is recorded in ``conflicts``.

    Raises
    ------
    ValidationError
        Body ids that are not integers or beyond int64 (or empty names), a
        weight that is not a positive integer, or one unordered pair listed
        twice in one file (as ``A, B`` and ``B, A`` or twice the same way),
        naming file, rows and column.
    """
    frames = []
    key = ("bodyId_a", "bodyId_b")
    for src in recipe.gap_junctions:
        df, file, file_rows = _weighted_pairs(recipe, src, GAP_JUNCTION_COLUMNS, key, names,
                                              warnings)
        with file_rows:
            if df["weight"].isna().any():
                row = int(np.flatnonzero(df["weight"].isna().to_numpy())[0]) + 1
                raise ValidationError("empty gap-junction count", file=file, row=row,
                                      column=src.columns.get("weight", "weight"))
        low = np.minimum(df["bodyId_a"], df["bodyId_b"])
        df["bodyId_b"] = np.maximum(df["bodyId_a"], df["bodyId_b"])
        df["bodyId_a"] = low
        repeated = df.duplicated(list(key), keep=False)
        if repeated.any():
            rows = file_rows.of(np.flatnonzero(repeated.to_numpy()) + 1)
            same = df[repeated].groupby(list(key))["weight"].nunique().max() == 1
            raise ValidationError(
                f"a gap-junction pair is listed {'twice' if len(rows) == 2 else 'more than once'} "
                f"(rows {rows[:6]}{'...' if len(rows) > 6 else ''}"
                f"{', with the same count' if same else ', with different counts'}): a gap "
                "junction is symmetric, so A-B and B-A are one pair; keep one row per pair",
                file=file, row=rows[0], column=src.columns.get("bodyId_a", "bodyId_a"))
        df["_file"] = file
        frames.append(df)
    if not frames:
        return empty_gap_junctions()
    allrows = _first_source_wins(pd.concat(frames, ignore_index=True), conflicts, key=key,
                                 table="gap_junctions", describe=_pair_keys)
    return allrows.drop(columns="_file")


def empty_gap_junctions() -> pd.DataFrame:
    """The canonical gap-junction table with no rows (:func:`read_gap_junctions`)."""
    return pd.DataFrame({c: pd.Series(dtype="int64") for c in GAP_JUNCTION_COLUMNS})


def _pair_keys(rows: pd.DataFrame) -> list[str]:
    """``"a-b"`` per row of a gap-junction frame (conflict keys)."""
    return [f"{a}-{b}" for a, b in zip(rows["bodyId_a"], rows["bodyId_b"])]


def _first_source_wins(allrows: pd.DataFrame, conflicts: list[Conflict],
                       key: tuple[str, ...] = ("bodyId_pre", "bodyId_post", "roi"),
                       table: str = "roi_connections",
                       describe: Callable[[pd.DataFrame], list[str]] = connection_keys
                       ) -> pd.DataFrame:
    """Rows (in source order) without the later repeats of a ``key`` (per-ROI
    connections by default: (bodyId_pre, bodyId_post, roi)); a repeat whose
    weight differs from the kept row's is appended to ``conflicts`` (as
    ``table``'s, keyed by ``describe`` of its rows), per pair of files."""
    key = list(key)
    repeat = allrows.duplicated(key, keep="first")
    if not repeat.any():
        return allrows
    repeated = allrows.duplicated(key, keep=False)
    kept = allrows.loc[repeated & ~repeat, key + ["weight", "_file"]]
    joined = allrows[repeat].merge(kept, on=key, suffixes=("", "_kept"))
    differ = joined[joined["weight"] != joined["weight_kept"]]
    for (kept_file, file), grp in differ.groupby(["_file_kept", "_file"], observed=True):
        conflicts.append(Conflict.of(
            table, "weight", kept_file, file, describe(grp),
            grp["weight_kept"].astype(int), grp["weight"].astype(int)))
    return allrows[~repeat].reset_index(drop=True)
