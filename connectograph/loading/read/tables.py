"""Read recipe sources into canonical tables and validate them before anything is written.

Canonical tables (pandas DataFrames):

``neurons``
    one row per body: ``bodyId`` (int64) and any of :data:`recipe.NEURON_COLUMNS`
    (``somaLocation`` as a 3-tuple of floats in voxels, ``roiInfo`` as a JSON
    string, ``cropped`` as bool) plus extra properties.
``roi_connections``
    ``bodyId_pre, bodyId_post`` (int64), ``roi`` (str), ``weight`` (int64 > 0):
    neuprint-python's ``roi_conn_df``; ``roi == "NotPrimary"`` holds the part of a
    connection outside every primary ROI.

The readers here parse text cells; the table invariants are checked by pydantic
models, per source file so errors name file, row and column:
:class:`~.canonical_tables.NeuronTable` (each neuron file),
:class:`~.canonical_tables.RoiConnectionTable` (each per-ROI connection file),
:class:`~.roi_models.RoiDefinition` and :class:`~.roi_models.RoiHierarchyNode`
(the ``[rois]`` JSON files), ``SkeletonTable`` in :mod:`.skeleton_files` and
``SynapsePoints``/``SynapsePairs`` in :mod:`.synapses`.

Several sources of one table are merged by precedence (first listed wins);
every disagreement is recorded as a :class:`Conflict` for the load summary.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import ValidationError
from ...skeletons import Skeleton
from .table_schemas import COUNT_COLUMNS, NOT_PRIMARY, NeuronTable, RoiConnectionTable
from .names import check_name
from .neuron_cells import (DERIVED_NEURON_COLUMNS, bool_cell, container_as_text,
                           roi_info_cell, soma_cell)
from ..recipe import NEURON_COLUMNS, ROI_CONNECTION_COLUMNS, Recipe, TableSource
from .roi_schemas import validate_roi_definitions, validate_roi_hierarchy
from .source_files import check_not_cut, csv_read_errors, read_parquet, read_text
from .canonical_table import INT64_MAX, INT64_MIN, first_true

__all__ = ["NOT_PRIMARY", "Conflict", "SourceTables", "read_sources"]
_INT_COLUMNS = COUNT_COLUMNS
_FLOAT_COLUMNS = ("somaRadius",)
_MAX_CONFLICT_EXAMPLES = 5


@dataclass
class Conflict:
    """Sources that disagree on one property.

    Attributes
    ----------
    table : str
        ``"neurons"`` or ``"roi_connections"``.
    column : str
        The property that differs.
    kept_from, overridden_from : str
        Files of the value kept (higher precedence) and of the value dropped.
    count : int
        Number of rows in disagreement.
    examples : list of dict
        Up to five of them: key, kept and dropped values.
    rows : DataFrame or None
        Every one of them: ``key``, ``kept``, ``dropped`` (object columns);
        :meth:`~.engine.LoadSummary.conflict_table` lists all conflicts' rows.
    """

    table: str
    column: str
    kept_from: str
    overridden_from: str
    count: int
    examples: list[dict] = field(default_factory=list)
    rows: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, table: str, column: str, kept_from: str, overridden_from: str,
           keys, kept, dropped) -> "Conflict":
        """A conflict from every disagreeing row: ``keys`` (what differs: a
        bodyId, a synapse id, ``"pre->post roi"``...) and the ``kept`` and
        ``dropped`` values, three sequences of equal length."""
        def plain(values) -> list:     # Python scalars, not numpy ones
            return values.tolist() if hasattr(values, "tolist") else list(values)

        rows = pd.DataFrame({"key": plain(keys), "kept": plain(kept),
                             "dropped": plain(dropped)}, dtype=object)
        return cls(table=table, column=column, kept_from=str(kept_from),
                   overridden_from=str(overridden_from), count=len(rows),
                   examples=rows.head(_MAX_CONFLICT_EXAMPLES).to_dict("records"), rows=rows)

    @classmethod
    def merged(cls, parts: list["Conflict"]) -> list["Conflict"]:
        """The conflicts of ``parts`` (e.g. found partition by partition) with
        one entry per (table, column, kept_from, overridden_from), its rows
        concatenated in order; entries in order of first appearance."""
        groups: dict[tuple, list[Conflict]] = {}
        for c in parts:
            groups.setdefault((c.table, c.column, c.kept_from, c.overridden_from), []).append(c)
        out = []
        for (table, column, kept_from, overridden_from), group in groups.items():
            rows = pd.concat([c.rows for c in group], ignore_index=True)
            out.append(cls.of(table, column, kept_from, overridden_from, rows["key"],
                              rows["kept"], rows["dropped"]))
        return out

    def describe(self) -> str:
        ex = "; ".join(f"{e['key']}: kept {e['kept']!r}, dropped {e['dropped']!r}"
                       for e in self.examples[:3])
        return (f"{self.table}.{self.column}: {self.count} rows differ between "
                f"{self.kept_from} (kept) and {self.overridden_from}; e.g. {ex}")


@dataclass
class SourceTables:
    """Everything a recipe's sources hold, validated and merged."""

    neurons: pd.DataFrame
    #: per-ROI connection rows (:func:`read_roi_connections`); the engine
    #: empties it (same columns, no rows) once its connection stage used them
    roi_connections: pd.DataFrame
    roi_info: dict[str, dict]
    roi_hierarchy: dict | None
    skeletons: dict[int, Skeleton] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: canonical synapse tables (:mod:`connectograph.loading.read.synapse_sources`)
    synapse_points: pd.DataFrame | None = None
    synapse_pairs: pd.DataFrame | None = None
    #: ROI name -> trimesh mesh, read when some synapse has no ROI
    meshes: dict | None = None
    #: instead of the two synapse tables, the same rows spilled to disk by
    #: partition (:class:`~connectograph.loading.read.synapse_spill.SpilledSynapses`)
    synapse_spill: Any = None


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
        A file neither parser reads (:func:`~.source_files.unreadable_csv`):
        empty, not UTF-8, a row with more cells than the header; or a file
        cut short inside a quoted cell, which pyarrow would read
        (:func:`~.source_files.check_not_cut`); naming the file and, where
        there is one, the row and column.
    """
    with csv_read_errors(path):
        check_not_cut(path)
        try:
            return pd.read_csv(path, engine="pyarrow", **CSV_TEXT_OPTIONS)
        except (ValueError, pa.ArrowException):
            return pd.read_csv(path, **CSV_TEXT_OPTIONS)


def read_table(path: Path, fmt: str) -> pd.DataFrame:
    """A table source file: a CSV file as text columns (:func:`read_csv_texts`)
    or a Parquet file with its own column types.

    Parameters
    ----------
    path : Path
        The file.
    fmt : {"csv", "parquet"}
        Its format, as the recipe gives it.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValidationError
        A file that cannot be read as ``fmt`` (empty, not UTF-8, cut short,
        not Parquet), naming the file and, for CSV, the row and column.
    """
    return read_parquet(path) if fmt == "parquet" else read_csv_texts(path)


@contextmanager
def arrow_system_memory() -> Iterator[None]:
    """Within the block, pyarrow allocates from the C library's ``malloc``
    instead of its default pool (mimalloc), and restores the previous pool
    after it.

    mimalloc keeps memory the loader has freed (a CSV's texts once
    converted, each synapse partition's Arrow buffers) resident for reuse;
    ``release_unused`` did not hand it back. Measured at 10M synthetic
    synapse pairs with ``--partition-rows 250000``: after reading the
    sources, RSS 654 MiB with mimalloc holding 152 MiB resident for 39 MiB
    of live Arrow buffers, against 537 MiB with ``malloc``; the whole
    ``prepare`` peaked at 1,013 against 887 MiB, in the same time. Buffers
    remember their pool, so those made inside the block may be freed after
    it.
    """
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def release_arrow_memory() -> None:
    """Hand memory that pyarrow's pool keeps after freeing (e.g. a CSV's texts,
    once converted) back to the system, so it shows in no later peak."""
    pa.default_memory_pool().release_unused()


def _read(recipe: Recipe, src: TableSource, canonical: tuple[str, ...]) -> pd.DataFrame:
    """One table source with its columns renamed to ``canonical`` names; with
    ``keep_unmapped = false``, only the canonical columns (whether mapped or
    already so named) are kept. A file column that has the name of a mapped
    one (``type`` beside ``type = "cell_type"``) gives way to the mapping."""
    df = read_table(recipe.path(src.file), src.format)
    # An unnamed first column is a saved pandas index ("Unnamed: 0").
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed:")])
    shadowed = [name for name, source in src.columns.items()
                if name != source and name in df.columns]
    df = df.drop(columns=shadowed).rename(
        columns={source: name for name, source in src.columns.items()})
    if not src.keep_unmapped:
        df = df[[c for c in df.columns if c in src.columns or c in canonical]]
    return df.drop(columns=[c for c in src.drop if c in df.columns])


#: Integers smaller than this in magnitude are exact as float64.
_EXACT_IN_FLOAT = 2**53


def _strict_int64(raw: pd.Series) -> pd.Series | None:
    """``raw`` as nullable Int64 when every cell is an integer text or number
    within int64 (pyarrow's strict cast, ~30x faster than ``pd.to_numeric`` on
    text), else None."""
    try:
        arr = pc.cast(pa.array(raw, from_pandas=True), pa.int64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    values = arr.fill_null(0).to_numpy(zero_copy_only=False)
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    return pd.Series(pd.arrays.IntegerArray(values, mask), index=raw.index)


def exact_number(value) -> Decimal | None:
    """The exact value of one non-empty cell: a text as written (``"395.0"``,
    ``"99999999999999999999"``) or a number of a Parquet column; None if it
    is not a finite number.

    Parameters
    ----------
    value : str or number
        The cell.

    Returns
    -------
    decimal.Decimal or None
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return Decimal(int(value))
    if isinstance(value, (float, np.floating)):
        return Decimal(float(value)) if math.isfinite(value) else None
    text = str(value).strip()
    if "_" in text:             # Decimal reads "1_000"; pandas and pyarrow do not
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# kinds of bad integer cells, in _exact_int64's codes
_OK, _NOT_A_NUMBER, _FRACTION, _OUT_OF_RANGE = 0, 1, 2, 3


def _exact_int64(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(values, kinds)``: the int64 value of each cell of ``raw`` (0 where
    empty or bad) and what is wrong with it (``_OK`` for good and empty cells).

    Cells that pandas' ``to_numeric`` reads exactly (integers below 2**53 in
    magnitude, such as ``"395.0"``) are taken from it; the others are parsed
    exactly, once per distinct text, so an id beyond int64 or past 2**53 is
    never rounded through a float."""
    nums = pd.to_numeric(raw, errors="coerce")
    floats = nums.to_numpy(dtype="float64", na_value=np.nan)
    n = len(raw)
    values = np.zeros(n, dtype=np.int64)
    kinds = np.zeros(n, dtype=np.int8)
    missing = raw.isna().to_numpy()
    if pd.api.types.is_signed_integer_dtype(nums.dtype):
        ok = ~np.isnan(floats)
        values[ok] = nums.to_numpy(dtype="int64", na_value=0)[ok]
    else:
        with np.errstate(invalid="ignore"):
            ok = (np.isfinite(floats) & (floats == np.floor(floats))
                  & (np.abs(floats) < _EXACT_IN_FLOAT))
        values[ok] = floats[ok].astype(np.int64)
    rest = np.flatnonzero(~ok & ~missing)
    if len(rest):
        codes, uniques = pd.factorize(raw.iloc[rest].astype(object), use_na_sentinel=False)
        kind = np.zeros(len(uniques), dtype=np.int8)
        exact = np.zeros(len(uniques), dtype=np.int64)
        for k, cell in enumerate(uniques):
            number = exact_number(cell)
            if number is None:
                kind[k] = _NOT_A_NUMBER
            elif number != number.to_integral_value():
                kind[k] = _FRACTION
            elif not INT64_MIN <= number <= INT64_MAX:
                kind[k] = _OUT_OF_RANGE
            else:
                exact[k] = int(number)
        values[rest] = exact[codes]
        kinds[rest] = kind[codes]
    return values, kinds


def _to_int(df: pd.DataFrame, column: str, file: str, *, positive: bool = False,
            first_row: int = 1) -> pd.Series:
    """Integers of a text column (``Int64``, NA for empty cells); ``first_row``
    is the file row of ``df``'s first row (for errors).

    Integral decimals (``"395.0"``) are accepted; every value is exact (ids
    are never rounded through a float).

    Raises
    ------
    ValidationError
        At the first bad cell, naming file, row and column: not a number, not
        an integer, beyond the int64 range Neo4j stores (in either direction),
        or (``positive``) not above 0.
    """
    raw = df[column]
    fast = _strict_int64(raw)
    if fast is not None:
        kinds = np.zeros(len(raw), dtype=np.int8)
        values = fast
    else:
        exact, kinds = _exact_int64(raw)
        values = pd.Series(pd.arrays.IntegerArray(exact, raw.isna().to_numpy()),
                           index=raw.index)
    bad = kinds != _OK
    if positive:
        bad |= (values <= 0).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        i = first_true(bad)
        cell, kind = raw.iloc[i], kinds[i]
        cell = cell.item() if isinstance(cell, np.generic) else cell
        where = {"file": file, "row": first_row + i, "column": column}
        if kind == _OUT_OF_RANGE:
            raise ValidationError(
                f"{cell!r} is beyond the range of the 64-bit integers Neo4j stores "
                f"({INT64_MIN} to {INT64_MAX}); fix the cell (is it the right column?)",
                **where)
        if kind == _NOT_A_NUMBER or not positive:
            raise ValidationError(f"{cell!r} is not an integer", **where)
        raise ValidationError(f"{cell!r} is not a positive integer", **where)
    return values


def body_of_file_name(path: Path) -> int:
    """The body id that names a file (``<bodyId>.csv``, ``<bodyId>.swc``).

    Parameters
    ----------
    path : Path
        A file whose name without its suffix is all digits.

    Raises
    ------
    ValidationError
        The number is beyond the int64 range Neo4j stores, naming the file.
    """
    body = int(path.stem)
    if not INT64_MIN <= body <= INT64_MAX:
        raise ValidationError(
            f"the file name's body id {path.stem} is beyond the range of the 64-bit integers "
            f"Neo4j stores ({INT64_MIN} to {INT64_MAX}); name the file <bodyId>{path.suffix} "
            "or give bodyId in the recipe", file=str(path))
    return body


def _int64_if_complete(values: pd.Series) -> pd.Series:
    """``values`` (nullable Int64) as int64 when none is missing; else as it is,
    for the table's model to report the first empty cell."""
    return values if values.isna().any() else values.astype("int64")


def _to_float(df: pd.DataFrame, column: str, file: str) -> pd.Series:
    """``df[column]`` as float64 (NaN for empty cells); a cell that is not a
    number raises ValidationError naming file, row and column."""
    raw = df[column]
    nums = pd.to_numeric(raw, errors="coerce")
    bad = nums.isna() & raw.notna()
    if bad.any():
        i = first_true(bad)
        raise ValidationError(f"{raw.iloc[i]!r} is not a number", file=file, row=i + 1,
                              column=column)
    return nums.astype("float64")

def read_neuron_table(recipe: Recipe, src: TableSource, roi_names: set[str] | None = None,
                      warnings: list[str] | None = None) -> pd.DataFrame:
    """One neuron source as a canonical table (validated; see module docstring).

    Reads neuprint-python's ``fetch_neurons`` ``neuron_df`` as a lab saves it:
    with ``to_csv`` (list and dict cells written as Python literals) or with
    ``to_parquet`` (list and struct cells); see :func:`parse_soma_location` and
    :func:`parse_roi_info`. Its ``inputRois``/``outputRois`` columns, which
    neuprint-python derives from roiInfo and neuPrint does not store, are
    dropped with a note in ``warnings``. Other list or dict cells of extra
    columns become JSON text.

    Parameters
    ----------
    recipe, src : Recipe, TableSource
        The recipe and one of its ``[[neurons]]`` entries.
    roi_names : set of str, optional
        ROI names of the recipe's definitions; roiInfo may name no other.
    warnings : list of str, optional
        Receives notes for the load summary.

    Raises
    ------
    ValidationError
        A file that cannot be read (empty, not UTF-8, cut short; see
        :mod:`~.source_files`), a column name that cannot be a property key
        (:mod:`~.names`), a bodyId that is not an integer, is beyond int64 or
        is repeated, malformed somaLocation/roiInfo/cropped, non-numeric
        counts; the message names file, row and column. Cells are parsed
        here; :class:`~.canonical_tables.NeuronTable` checks the table (unique
        bodyIds, counts >= 0, somaRadius finite >= 0, known ROIs).
    """
    file = str(recipe.path(src.file))
    df = _read(recipe, src, NEURON_COLUMNS)
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
    df["bodyId"] = _int64_if_complete(_to_int(df, "bodyId", file))
    for col in _INT_COLUMNS:
        if col in df.columns:
            # Counts come as "395.0" in some exports: accept integral floats.
            df[col] = _to_int(df, col, file)
    for col in _FLOAT_COLUMNS:
        if col in df.columns:
            df[col] = _to_float(df, col, file)
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
    df = df.set_index("bodyId", drop=False)
    return NeuronTable.build(df, file=file, roi_names=roi_names).frame


def connection_keys(rows: pd.DataFrame) -> list[str]:
    """``"pre->post roi"`` per row of a per-ROI connection frame (conflict keys)."""
    return [f"{a}->{b} {r}" for a, b, r in
            zip(rows["bodyId_pre"], rows["bodyId_post"], rows["roi"])]


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
    return merged


def read_roi_connections(recipe: Recipe, roi_names: set[str] | None,
                         conflicts: list[Conflict]) -> pd.DataFrame:
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
        checked by :class:`~.canonical_tables.RoiConnectionTable`).
    """
    frames, files = [], []
    for order, src in enumerate(recipe.roi_connections):
        file = str(recipe.path(src.file))
        df = _read(recipe, src, ROI_CONNECTION_COLUMNS)[list(ROI_CONNECTION_COLUMNS)].copy()
        for col in ("bodyId_pre", "bodyId_post"):
            df[col] = _int64_if_complete(_to_int(df, col, file))
        df["weight"] = _int64_if_complete(_to_int(df, "weight", file, positive=True))
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


def _first_source_wins(allrows: pd.DataFrame, conflicts: list[Conflict]) -> pd.DataFrame:
    """Per-ROI connection rows (in source order) without the later repeats of
    a (bodyId_pre, bodyId_post, roi); a repeat whose weight differs from the
    kept row's is appended to ``conflicts``, per pair of files."""
    key = ["bodyId_pre", "bodyId_post", "roi"]
    repeat = allrows.duplicated(key, keep="first")
    if not repeat.any():
        return allrows
    repeated = allrows.duplicated(key, keep=False)
    kept = allrows.loc[repeated & ~repeat, key + ["weight", "_file"]]
    joined = allrows[repeat].merge(kept, on=key, suffixes=("", "_kept"))
    differ = joined[joined["weight"] != joined["weight_kept"]]
    for (kept_file, file), grp in differ.groupby(["_file_kept", "_file"], observed=True):
        conflicts.append(Conflict.of(
            "roi_connections", "weight", kept_file, file, connection_keys(grp),
            grp["weight_kept"].astype(int), grp["weight"].astype(int)))
    return allrows[~repeat].reset_index(drop=True)


def _read_json(path: Path):
    text = read_text(path, "JSON")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        cut = " (the file is probably cut short: copy or write it again)" if (
            err.pos >= len(text.rstrip())) else ""
        raise ValidationError(f"invalid JSON: {err}{cut}; fix the file's syntax",
                              file=str(path)) from None


def read_rois(recipe: Recipe) -> tuple[dict[str, dict], dict | None]:
    """The ROI definitions (neuPrint roiInfo JSON) and hierarchy, or empty.

    Both are validated by the models of :mod:`~.roi_models`
    (:class:`~.roi_models.RoiDefinition` per ROI, a
    :class:`~.roi_models.RoiHierarchyNode` tree whose names, the root's
    excepted, are all defined ROIs) and returned as read (JSON objects), so
    every key of the files reaches ``:Meta``.

    Returns
    -------
    (dict, dict or None)
        ROI name → its definition; the hierarchy tree. ``({}, None)`` when the
        recipe has no ``[rois]``.

    Raises
    ------
    ValidationError
        An empty file, one that is not UTF-8 (the byte offset and how to
        convert it), invalid JSON, or JSON breaking the models' rules (an ROI
        name that cannot be a Cypher name among them); naming the file and
        the ROI or the path of names in the tree.
    """
    if recipe.rois is None:
        return {}, None
    info_path = recipe.path(recipe.rois.info)
    hierarchy_path = recipe.path(recipe.rois.hierarchy)
    info = _read_json(info_path)
    definitions = validate_roi_definitions(info, str(info_path))
    hierarchy = _read_json(hierarchy_path)
    validate_roi_hierarchy(hierarchy, str(hierarchy_path), set(definitions))
    return info, hierarchy


def read_sources(recipe: Recipe, *, partition_rows: int | None = None,
                 spill_dir: Path | None = None) -> SourceTables:
    """Read and validate every source of ``recipe``; nothing is written.

    With ``partition_rows``, the synapse tables are not held in memory but
    spilled to a DuckDB database in ``spill_dir`` and split into partitions of
    about that many rows (``SourceTables.synapse_spill``; see
    :mod:`~connectograph.loading.read.synapse_spill`); the caller closes it."""
    conflicts: list[Conflict] = []
    warnings: list[str] = []
    roi_info, hierarchy = read_rois(recipe)
    roi_names = set(roi_info) if roi_info else None
    frames = [(str(recipe.path(s.file)), read_neuron_table(recipe, s, roi_names, warnings))
              for s in recipe.neurons]
    if frames:
        neurons = merge_by_precedence(frames, "neurons", conflicts)
    else:
        neurons = pd.DataFrame({"bodyId": pd.Series(dtype="int64")}).set_index("bodyId", drop=False)
    conns = read_roi_connections(recipe, roi_names, conflicts)
    from .skeleton_files import read_skeletons
    skeletons = read_skeletons(recipe, conflicts)
    points = pairs = spill = None
    if partition_rows:
        from .synapse_spill import spill_synapse_sources
        spill = spill_synapse_sources(recipe, roi_names, conflicts, directory=spill_dir,
                                      partition_rows=partition_rows)
        without_roi = spill.has_points_without_roi()
    else:
        from .synapse_sources import read_synapse_sources
        points, pairs = read_synapse_sources(recipe, roi_names, conflicts)
        without_roi = points["roi"].isna().any()
    meshes = None
    if recipe.rois is not None and recipe.rois.meshes is not None and without_roi:
        from .meshes import load_meshes
        try:
            meshes, mesh_warnings = load_meshes(recipe.path(recipe.rois.meshes), roi_names)
        except BaseException:
            if spill is not None:
                spill.close()
            raise
        warnings += mesh_warnings
    return SourceTables(neurons=neurons, roi_connections=conns, roi_info=roi_info,
                        roi_hierarchy=hierarchy, skeletons=skeletons, conflicts=conflicts,
                        warnings=warnings, synapse_points=points, synapse_pairs=pairs,
                        meshes=meshes, synapse_spill=spill)
