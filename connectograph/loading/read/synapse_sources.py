"""Synapse sources → canonical synapse tables (:mod:`.synapse_tables`),
validated before anything is written.

One reader per kind of ``[[synapses]]`` source (``kind``): point tables with
ids (:func:`read_point_table`, or in chunks), ``fetch_synapse_connections``
exports (:func:`read_synapse_connections`) and CATMAID/navis connector tables
(:func:`read_connectors`); ``[[synapse_partners]]`` tables pair the points
(:func:`read_partner_table`).

Sources without synapse ids (``fetch_synapse_connections`` exports, CATMAID
connector tables) get ids minted by
:func:`~.synapse_tables.mint_synapse_ids` from body, type and location, so the
same site gets the same id in every row, file and load. Several sources merge
by precedence (first listed wins for a site's confidence and ROI);
disagreements become :class:`~..conflicts.Conflict` entries
(:func:`read_synapse_sources`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import ValidationError
from ..arrow_memory import release_arrow_memory
from ..conflicts import Conflict
from ..recipe import NT_PROBABILITY_PROPERTY, Recipe, SynapsePartnerSource, SynapseSource
from .canonical_table import first_true
from .names import check_name, first_bad_name
from .number_cells import body_of_file_name, int_column
from .source_files import read_table, read_table_chunks
from .synapse_tables import (PROPERTY_PREFIX, SYNAPSE_TYPES, SynapsePairs, SynapsePoints,
                             as_category, clean_per_value, concat_frames, constant_category,
                             empty_pairs, empty_points, first_repeat, has_duplicates, id_rows,
                             mint_synapse_ids, row_numbers, small_int_type, texts_index,
                             with_property_columns)

#: CATMAID's connector relation numbers (navis ``connectors.type`` for CATMAID
#: neurons): 0 presynaptic_to, 1 postsynaptic_to; 2 (gap junction) and 3
#: (abutting) are not chemical synapses and are rejected.
CATMAID_RELATIONS = {"0": "pre", "1": "post"}
# --- reading one source ---------------------------------------------------------------------


def _read(path: Path, fmt: str, columns: dict[str, str]) -> pd.DataFrame:
    return _canonical_names(read_table(path, fmt), columns)


def _canonical_names(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``df`` without pandas' ``Unnamed:`` index columns, its columns renamed
    from the source's names to the canonical ones (``columns``: canonical →
    source)."""
    df = df.drop(columns=[c for c in df.columns if str(c).startswith("Unnamed:")])
    return df.rename(columns={source: canonical for canonical, source in columns.items()})


def _numbers(raw: pd.Series) -> pd.Series:
    """float64 of a column (NaN for empty cells): pyarrow's strict cast when every
    cell is a number (~30x faster than ``pd.to_numeric`` on text), else pandas'
    coercion, which turns bad cells into NaN for the caller to report."""
    try:
        arr = pc.cast(pa.array(raw, from_pandas=True), pa.float64())
        return pd.Series(arr.to_numpy(zero_copy_only=False), index=raw.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.to_numeric(raw, errors="coerce").astype("float64")


def _texts(raw: pd.Series) -> pd.Series:
    """Stripped texts as objects, None for missing cells."""
    return raw.astype("str").str.strip().astype(object).where(raw.notna(), None)


def _float(df: pd.DataFrame, col: str, file: str, label: str, *,
           required: bool, first_row: int = 1) -> np.ndarray:
    if col not in df.columns:
        if required:
            raise ValidationError(f"column {label!r} is missing", file=file)
        return np.full(len(df), np.nan)
    raw = df[col]
    nums = _numbers(raw)
    bad = nums.isna() & raw.notna()
    if required:
        bad |= raw.isna()
    bad |= nums.notna() & ~np.isfinite(nums)
    if bad.any():
        i = first_true(bad)
        raise ValidationError(f"{raw.iloc[i]!r} is not a finite number", file=file,
                              row=first_row + i, column=label)
    return nums.to_numpy()


def _roi_texts(raw: pd.Series) -> pd.Series:
    s = _texts(raw)
    return s.where(s.notna() & (s != ""), None)


def _rois(df: pd.DataFrame, col: str, file: str, label: str,
          roi_names: set[str] | None, first_row: int = 1) -> pd.Categorical:
    if col not in df.columns:
        return pd.Categorical.from_codes(np.full(len(df), -1, dtype=np.int8),
                                         categories=texts_index([]))
    values = clean_per_value(df[col], _roi_texts)
    if roi_names is not None:
        s = pd.Series(values)
        unknown = s.notna() & ~s.isin(roi_names)
        if unknown.any():
            i = first_true(unknown)
            raise ValidationError(
                f"ROI {s.iloc[i]!r} is not in the recipe's ROI definitions", file=file,
                row=first_row + i, column=label)
    else:
        # no definitions (checked when read): each name becomes a property key
        i = first_bad_name(values)
        if i is not None:
            check_name(values[i], "ROI name", file=file, row=first_row + i, column=label,
                       fix="rename the ROI")
    return values


def _bodies(df: pd.DataFrame, col: str, file: str, label: str,
            first_row: int = 1) -> np.ndarray:
    ids = int_column(pd.DataFrame({label: df[col]}), label, file, first_row=first_row)
    if ids.isna().any():
        i = first_true(ids.isna())
        raise ValidationError("body id is empty", file=file, row=first_row + i, column=label)
    return ids.astype("int64").to_numpy()


def _points_frame(*, ids, body, type_, x, y, z, confidence, roi, file, rows, source,
                  body_column) -> pd.DataFrame:
    """The canonical point columns; ``type_``, ``roi`` as arrays or categoricals,
    ``body_column`` a column name (the same on every row)."""
    n = len(ids)
    return pd.DataFrame({
        "id": np.asarray(ids, dtype="int64"), "bodyId": np.asarray(body, dtype="int64"),
        "type": as_category(type_), "x": x, "y": y, "z": z,
        "confidence": confidence, "roi": as_category(roi), "file": constant_category(file, n),
        "row": rows, "source": np.full(n, source, dtype=small_int_type(source)),
        "bodyColumn": constant_category(body_column, n)}, copy=False)


def _check_confidence(values: np.ndarray, file: str, label: str) -> None:
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        i = first_true(bad)
        raise ValidationError(f"confidence {values[i]} is outside [0, 1]", file=file, row=i + 1,
                              column=label)


def _check_probability(values: np.ndarray, file: str, label: str, what: str) -> None:
    bad = ~np.isnan(values) & ((values < 0) | (values > 1))
    if bad.any():
        i = first_true(bad)
        raise ValidationError(f"{what} {float(values[i])!r} is outside [0, 1]", file=file,
                              row=i + 1, column=label)


def synapse_properties(df: pd.DataFrame, src: SynapseSource, file: str) -> dict[str, np.ndarray]:
    """The T-bar properties of each row of a ``synapse_connections`` source
    (``pre_properties`` and ``transmitter``): property name → float64 values,
    NaN where the row gives none.

    Raises
    ------
    ValidationError
        A cell that is not a finite number; a transmitter probability (an
        ``nt…Prob`` property, or ``transmitter.probability``) outside [0, 1];
        a transmitter the recipe does not map, or one without its probability
        (or a probability without a transmitter); naming file, row and column.
    """
    props = {}
    for name, column in src.pre_properties.items():
        values = _float(df, column, file, column, required=False)
        if re.fullmatch(NT_PROBABILITY_PROPERTY, name):
            _check_probability(values, file, column, name)
        props[name] = values
    t = src.transmitter
    if t is not None:
        prob = _float(df, t.probability, file, t.probability, required=False)
        _check_probability(prob, file, t.probability, "transmitter probability")
        names = pd.Series(clean_per_value(df[t.transmitter], _texts)).astype(object)
        names = names.where(names.notna() & (names != ""), None)
        known = names.map(t.properties)
        for bad, message, column in (
                (names.notna() & known.isna(), "transmitter {text!r} is not among the recipe's "
                 f"[synapses.transmitter] properties ({sorted(t.properties)})", t.transmitter),
                (names.notna() & np.isnan(prob), "transmitter {text!r} has no probability",
                 t.probability),
                (names.isna() & ~np.isnan(prob), "a transmitter probability without a "
                 "transmitter", t.transmitter)):
            if bad.any():
                i = first_true(bad)
                raise ValidationError(message.format(text=names.iloc[i]), file=file,
                                      row=i + 1, column=column)
        for name in sorted(set(t.properties.values())):
            props[name] = np.where((known == name).to_numpy(), prob, np.nan)
    return props


def read_synapse_connections(path: Path, src: SynapseSource, source: int,
                             roi_names: set[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A ``fetch_synapse_connections`` export as (points, pairs).

    A T-bar with several PSDs is one point (its rows must agree on confidence
    and ROI); each PSD is one point and one pair.

    Raises
    ------
    ValidationError
        Bad body ids, coordinates, confidences or ROI names; a T-bar whose rows
        disagree; a PSD listed twice (file, row and the source's column name).
    """
    file = str(path)
    df = _read(path, src.format, src.columns)
    name = {c: src.columns.get(c, c) for c in
            ("bodyId_pre", "bodyId_post", "roi_pre", "roi_post", "x_pre", "y_pre", "z_pre",
             "x_post", "y_post", "z_post", "confidence_pre", "confidence_post")}
    n = len(df)
    rows = row_numbers(n)
    sides = {}
    for side in SYNAPSE_TYPES:
        body = _bodies(df, f"bodyId_{side}", file, name[f"bodyId_{side}"])
        xyz = [_float(df, f"{a}_{side}", file, name[f"{a}_{side}"], required=True)
               for a in "xyz"]
        conf = _float(df, f"confidence_{side}", file, name[f"confidence_{side}"],
                      required=False)
        _check_confidence(conf, file, name[f"confidence_{side}"])
        roi = _rois(df, f"roi_{side}", file, name[f"roi_{side}"], roi_names)
        ids = mint_synapse_ids(body, np.full(n, side), *xyz)
        sides[side] = _points_frame(ids=ids, body=body, type_=constant_category(side, n),
                                    x=xyz[0], y=xyz[1], z=xyz[2], confidence=conf, roi=roi,
                                    file=file, rows=rows, source=source,
                                    body_column=name[f"bodyId_{side}"])
    props = synapse_properties(df, src, file)
    del df
    pre, post = sides["pre"], sides["post"]
    # the source column named when a T-bar's rows disagree on a property
    labels = dict(src.pre_properties)
    if src.transmitter is not None:
        labels.update((p, src.transmitter.probability) for p in src.transmitter.properties.values())
    for prop, values in props.items():
        pre[PROPERTY_PREFIX + prop] = values
        post[PROPERTY_PREFIX + prop] = np.nan
    # One T-bar, several rows: they must describe the same site.
    for col, label in (("confidence", name["confidence_pre"]), ("roi", name["roi_pre"]),
                       *((PROPERTY_PREFIX + p, labels[p]) for p in props)):
        codes = pd.factorize(pre[col], use_na_sentinel=False)[0]
        n_values = pd.Series(codes).groupby(pre["id"].to_numpy()).transform("nunique")
        bad = n_values > 1
        if bad.any():
            values = pre[col].astype(object).where(pre[col].notna(), "<empty>")
            i = first_true(bad)
            j = first_true((pre["id"] == pre["id"].iloc[i]) & (values != values.iloc[i]))
            raise ValidationError(
                f"the T-bar at ({pre['x'].iloc[i]:g}, {pre['y'].iloc[i]:g}, {pre['z'].iloc[i]:g}) "
                f"of body {pre['bodyId'].iloc[i]} has {label} {values.iloc[i]!r} here but "
                f"{values.iloc[j]!r} in row {j + 1}", file=file, row=i + 1, column=label)
    repeat = first_repeat(post["id"])
    if repeat is not None:
        i, j = repeat
        raise ValidationError(
            f"the PSD at ({post['x'].iloc[i]:g}, {post['y'].iloc[i]:g}, {post['z'].iloc[i]:g}) of "
            f"body {post['bodyId'].iloc[i]} is paired twice (also row {j + 1}); a PSD has one "
            "T-bar", file=file, row=i + 1, column=name["x_post"])
    pairs = pd.DataFrame({"pre_id": pre["id"].to_numpy(), "post_id": post["id"].to_numpy(),
                          "file": constant_category(file, n), "row": rows,
                          "source": np.full(n, source, dtype=small_int_type(source))}, copy=False)
    pairs = SynapsePairs.build(pairs).frame
    points = concat_frames([pre.drop_duplicates("id"), post])
    return points, pairs


def _body_of_file(path: Path, src: SynapseSource, n: int, df: pd.DataFrame,
                  file: str, first_row: int = 1) -> tuple[np.ndarray, str]:
    label = src.columns.get("bodyId", "bodyId")
    if "bodyId" in df.columns:
        return _bodies(df, "bodyId", file, label, first_row), label
    if src.bodyId is not None:
        return np.full(n, src.bodyId, dtype="int64"), "bodyId (recipe)"
    if re.fullmatch(r"\d+", path.stem):
        return np.full(n, body_of_file_name(path), dtype="int64"), "bodyId (file name)"
    raise ValidationError("cannot tell the synapses' body: add a bodyId column, give bodyId in "
                          "the recipe, or name the file <bodyId>.csv", file=file)


def _connector_types(raw: pd.Series) -> pd.Series:
    """``pre``/``post`` from neuPrint names or CATMAID relation numbers (other
    values are returned cleaned, for the caller to reject)."""
    raw = raw.astype(object).map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    raw = raw.map(lambda v: v[:-2] if v and re.fullmatch(r"\d+\.0", v) else v)
    return raw.map(lambda v: CATMAID_RELATIONS.get(v, v))


def read_connectors(path: Path, src: SynapseSource, source: int,
                    roi_names: set[str] | None) -> pd.DataFrame:
    """A CATMAID/navis connector table of one body as points (no partners).

    ``type`` is ``pre``/``post`` (neuPrint-derived tables, as navis' hemibrain
    examples) or CATMAID's relation number (0 presynaptic, 1 postsynaptic).
    ``connector_id`` and ``node_id`` are not used: in navis' neuPrint-derived
    tables ``connector_id`` is a per-file row number, not a shared connector.

    Raises
    ------
    ValidationError
        Unknown type (gap junctions and abutting relations included), bad
        coordinates, confidence or ROI, or the same site listed twice.
    """
    file = str(path)
    df = _read(path, src.format, src.columns)
    n = len(df)
    body, body_label = _body_of_file(path, src, n, df, file)
    type_label = src.columns.get("type", "type")
    types = clean_per_value(df["type"], _connector_types)
    bad = ~pd.Series(types).isin(SYNAPSE_TYPES)
    if bad.any():
        i = first_true(bad)
        raise ValidationError(
            f"type {df['type'].iloc[i]!r} is not a synapse side: use 'pre'/'post' or CATMAID's "
            "0 (presynaptic) / 1 (postsynaptic); gap junctions (2) and abutting (3) cannot be "
            "loaded as synapses", file=file, row=i + 1, column=type_label)
    xyz = [_float(df, a, file, src.columns.get(a, a), required=True) for a in "xyz"]
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False)
    _check_confidence(conf, file, src.columns.get("confidence", "confidence"))
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names)
    del df
    ids = mint_synapse_ids(body, np.asarray(types, dtype=object), *xyz)
    points = _points_frame(ids=ids, body=body, type_=types, x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=row_numbers(n), source=source, body_column=body_label)
    repeat = first_repeat(points["id"])
    if repeat is not None:
        i, j = repeat
        raise ValidationError(
            f"duplicate synapse: same body, type and location as row {j + 1}", file=file,
            row=i + 1, column=src.columns.get("x", "x"))
    return points


def _point_types(raw: pd.Series) -> pd.Series:
    return _texts(raw).str.lower().where(raw.notna(), None)


def read_point_table(path: Path, src: SynapseSource, source: int,
                     roi_names: set[str] | None) -> pd.DataFrame:
    """The canonical point table with explicit ids (``kind = "points"``)."""
    return _point_table(_read(path, src.format, src.columns), path, src, source, roi_names)


def _point_table(df: pd.DataFrame, path: Path, src: SynapseSource, source: int,
                 roi_names: set[str] | None, first_row: int = 1) -> pd.DataFrame:
    """:func:`read_point_table` of ``df``, the file's rows from ``first_row`` on."""
    file = str(path)
    n = len(df)
    # Each text column is dropped once converted: the texts shrink as the numbers grow.
    ids = _bodies(df, "id", file, src.columns.get("id", "id"), first_row)
    df = df.drop(columns=["id"])
    body, body_label = _body_of_file(path, src, n, df, file, first_row)
    types = clean_per_value(df["type"], _point_types)
    df = df.drop(columns=[c for c in ("bodyId", "type") if c in df.columns])
    xyz = []
    for a in "xyz":
        xyz.append(_float(df, a, file, src.columns.get(a, a), required=True,
                          first_row=first_row))
        df = df.drop(columns=[a])
    conf = _float(df, "confidence", file, src.columns.get("confidence", "confidence"),
                  required=False, first_row=first_row)
    roi = _rois(df, "roi", file, src.columns.get("roi", "roi"), roi_names, first_row)
    del df
    points = _points_frame(ids=ids, body=body, type_=types, x=xyz[0],
                           y=xyz[1], z=xyz[2], confidence=conf, roi=roi, file=file,
                           rows=row_numbers(n, first_row), source=source,
                           body_column=body_label)
    del ids, body, xyz, conf
    return SynapsePoints.build(points).frame


def read_partner_table(path: Path, src: SynapsePartnerSource, source: int) -> pd.DataFrame:
    """A canonical ``pre_id, post_id`` table."""
    return _partner_table(_read(path, src.format, src.columns), path, src, source)


def _partner_table(df: pd.DataFrame, path: Path, src: SynapsePartnerSource, source: int,
                   first_row: int = 1) -> pd.DataFrame:
    """:func:`read_partner_table` of ``df``, the file's rows from ``first_row`` on."""
    file = str(path)
    n = len(df)
    pre = _bodies(df, "pre_id", file, src.columns.get("pre_id", "pre_id"), first_row)
    post = _bodies(df, "post_id", file, src.columns.get("post_id", "post_id"), first_row)
    del df
    out = pd.DataFrame({"pre_id": pre, "post_id": post, "file": constant_category(file, n),
                        "row": row_numbers(n, first_row),
                        "source": np.full(n, source, dtype=small_int_type(source))}, copy=False)
    return SynapsePairs.build(out).frame


def _converted_chunks(path: Path, src: SynapseSource | SynapsePartnerSource, rows: int,
                      convert) -> Iterator[pd.DataFrame]:
    """``convert(df, first_row)`` of each chunk of
    :func:`~.source_files.read_table_chunks` with canonical column names,
    ``first_row`` the file row of its first row (a file without rows: of the
    whole, empty file)."""
    first = 1
    with_rows = False
    # Each converted chunk is handed on without a reference kept here (a
    # one-item list popped by the yield), and its text chunk is freed first,
    # so neither is held while the caller uses it or the next one is read.
    box: list = []
    for df in read_table_chunks(path, src.format, rows):
        with_rows = True
        n = len(df)
        box.append(convert(_canonical_names(df, src.columns), first))
        del df
        release_arrow_memory()
        yield box.pop()
        first += n
    if not with_rows:
        yield convert(_read(path, src.format, src.columns), 1)


def read_point_chunks(path: Path, src: SynapseSource, source: int,
                      roi_names: set[str] | None, rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_point_table` ``rows`` rows at a time (each chunk validated as
    the whole file is, row numbers those of the file; ids repeated across
    chunks are for the caller to find)."""
    return _converted_chunks(path, src, rows, lambda df, first_row: _point_table(
        df, path, src, source, roi_names, first_row))


def read_partner_chunks(path: Path, src: SynapsePartnerSource, source: int,
                        rows: int) -> Iterator[pd.DataFrame]:
    """:func:`read_partner_table` ``rows`` rows at a time (PSDs paired twice
    across chunks are for the caller to find)."""
    return _converted_chunks(path, src, rows, lambda df, first_row: _partner_table(
        df, path, src, source, first_row))


# --- all sources ----------------------------------------------------------------------------


def _merge_points(frames: list[pd.DataFrame], conflicts: list[Conflict]) -> pd.DataFrame:
    """First source wins per synapse id; differing confidence/ROI (or body, type,
    location for explicit ids) become conflicts."""
    if not frames:
        return empty_points()
    frames[:] = with_property_columns(frames)
    allp = frames[0] if len(frames) == 1 else concat_frames(frames)
    if not has_duplicates(allp["id"].to_numpy()):
        # Every id once (the usual case): nothing to merge.
        return SynapsePoints.build(allp).frame
    # Within one file a repeated id is an error; across files it is the same site.
    within = allp.duplicated(["id", "file"])
    if within.any():
        i = first_true(within)
        j = first_true((allp["id"] == allp["id"].iloc[i]) & (allp["file"] == allp["file"].iloc[i]))
        raise ValidationError(f"duplicate synapse id {allp['id'].iloc[i]} (also row "
                              f"{allp['row'].iloc[j]})", file=allp["file"].iloc[i],
                              row=int(allp["row"].iloc[i]), column="id")
    kept = allp.drop_duplicates("id", keep="first")
    repeats = allp[allp.duplicated("id", keep="first")]
    if len(repeats):
        joined = repeats.merge(kept, on="id", suffixes=("", "_kept"))
        for col in ("confidence", "roi", "bodyId", "type", "x", "y", "z"):
            a, b = joined[f"{col}_kept"], joined[col]
            differ = a.notna() & b.notna() & (a.astype(str) != b.astype(str))
            grp_rows = joined[differ].astype({"file_kept": object, "file": object})
            for (kept_file, file), grp in grp_rows.groupby(["file_kept", "file"], sort=True):
                conflicts.append(Conflict.of(
                    "synapses", col, kept_file, file, grp["id"].astype(int),
                    grp[f"{col}_kept"], grp[col]))
    return SynapsePoints.build(kept.reset_index(drop=True)).frame


def synapse_files(recipe: Recipe, roi_names: set[str] | None, chunk_rows: int | None = None
                  ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame | None]]:
    """Each file of the recipe's ``[[synapses]]`` sources, in recipe order, as
    its canonical (points, pairs) tables (pairs None for sources without
    partners), read and validated one file at a time; with ``chunk_rows``,
    point tables (``kind = "points"``) ``chunk_rows`` rows at a time
    (:func:`read_point_chunks`).

    Raises
    ------
    ValidationError
        As the per-file readers (:func:`read_point_table`,
        :func:`read_connectors`, :func:`read_synapse_connections`).
    """
    for order, src in enumerate(recipe.synapses):
        for path in src.paths(recipe):
            if src.kind == "synapse_connections":
                yield read_synapse_connections(path, src, order, roi_names)
            elif src.kind == "connectors":
                yield read_connectors(path, src, order, roi_names), None
            elif chunk_rows:
                for chunk in read_point_chunks(path, src, order, roi_names, chunk_rows):
                    yield chunk, None
                    del chunk       # not held while the next chunk is read
            else:
                yield read_point_table(path, src, order, roi_names), None
            release_arrow_memory()


def partner_files(recipe: Recipe, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Each ``[[synapse_partners]]`` file, in recipe order, as its canonical
    pairs table (:func:`read_partner_table`), or ``chunk_rows`` rows at a time
    (:func:`read_partner_chunks`)."""
    for order, psrc in enumerate(recipe.synapse_partners):
        path = recipe.path(psrc.file)
        if chunk_rows:
            yield from read_partner_chunks(path, psrc, order, chunk_rows)
        else:
            yield read_partner_table(path, psrc, order)
        release_arrow_memory()


def read_synapse_sources(recipe: Recipe, roi_names: set[str] | None,
                         conflicts: list[Conflict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every ``[[synapses]]`` and ``[[synapse_partners]]`` source as one
    (points, pairs) pair of canonical tables (see module docstring).

    Raises
    ------
    ValidationError
        Any bad cell (file, row, column), partners naming unknown synapse ids
        or pairing a PSD with a T-bar the wrong way round.
    """
    point_frames: list[pd.DataFrame] = []
    pair_frames: list[pd.DataFrame] = []
    for pts, prs in synapse_files(recipe, roi_names):
        point_frames.append(pts)
        if prs is not None:
            pair_frames.append(prs)
        del pts, prs
    points = _merge_points(point_frames, conflicts)
    del point_frames
    pair_frames.extend(partner_files(recipe))
    if not pair_frames:
        return points, empty_pairs()
    pairs = pair_frames[0] if len(pair_frames) == 1 else concat_frames(pair_frames)
    del pair_frames
    if has_duplicates(pairs["post_id"].to_numpy()):
        # The same pair in several files (distinct PSDs never repeat).
        pairs = pairs.drop_duplicates(["pre_id", "post_id"])
    point_ids = points["id"].to_numpy()
    for col, want in (("pre_id", "pre"), ("post_id", "post")):
        at = id_rows(point_ids, pairs[col].to_numpy())
        unknown = at < 0
        if unknown.any():
            i = first_true(unknown)
            raise ValidationError(f"synapse id {pairs[col].iloc[i]} is not in any synapse "
                                  "table of the recipe", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
        wrong = ~(points["type"] == want).to_numpy()[at]
        if wrong.any():
            i = first_true(wrong)
            t = points["type"].iloc[at[i]]
            raise ValidationError(f"synapse {pairs[col].iloc[i]} is a {t!r} site; "
                                  f"{col} must name a {want!r} site", file=pairs["file"].iloc[i],
                                  row=int(pairs["row"].iloc[i]), column=col)
        del at, wrong
    return points, SynapsePairs.build(pairs.reset_index(drop=True)).frame


def check_synapse_bodies(recipe: Recipe, points: pd.DataFrame,
                         known: pd.Index) -> tuple[list[int], list[str]]:
    """Bodies of synapse points that no neuron or connection table lists.

    Sources with ``unknown_bodies = "error"`` raise; the others' bodies are
    returned (to be added as bare Segments) with a warning.

    Raises
    ------
    ValidationError
        Naming the file, row and body column of the first unknown body.
    """
    unknown = ~points["bodyId"].isin(known)
    if not unknown.any():
        return [], []
    sources = points["source"].to_numpy()
    strict = np.isin(sources, [i for i, s in enumerate(recipe.synapses)
                               if s.unknown_bodies == "error"])
    bad = unknown & strict
    if bad.any():
        i = first_true(bad)
        raise ValidationError(
            f"body {points['bodyId'].iloc[i]} is in no neuron or connection table of the recipe; "
            "add it to a neuron table, or set unknown_bodies = \"add\" on this [[synapses]] "
            "source to load it as a bare Segment", file=points["file"].iloc[i],
            row=int(points["row"].iloc[i]), column=points["bodyColumn"].iloc[i])
    added = sorted(int(b) for b in points.loc[unknown, "bodyId"].unique())
    files = sorted(set(points.loc[unknown, "file"]))
    warning = (f"{len(added):,} bodies appear only in synapse tables ({', '.join(files)}) and were "
               f"added as bare Segments (e.g. {added[:5]})")
    return added, [warning]
