"""Synapse sources spilled to an on-disk DuckDB database, split into partitions
by upstream body.

:func:`spill_synapse_sources` gives the same canonical tables as
:func:`~.synapse_sources.read_synapse_sources` (same rows, columns, dtypes and
categories; same validation errors and conflicts) without ever holding all of
them in memory: each source file is read and validated by the same per-file
readers, appended to DuckDB tables at once and freed; the cross-file work
(merging points by id, dropping repeated pairs, checking the pairs' ids) is SQL
run with a memory limit, spilling to a folder on disk. The merged tables are
then cut into partitions: all points and pairs of a group of upstream bodies,
so that each partition can be derived and written on its own.

Memory: a chunk of ``chunk_rows`` rows of a point or partner table (the
other synapse sources, connector tables and ``fetch_synapse_connections``
exports, a whole file, since their rows are checked against each other within
the file) plus DuckDB's ``memory_limit``; once spilled, one partition at a time plus
a smaller DuckDB limit (:func:`read_memory_limit_mb`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from ...errors import ValidationError
from ..recipe import Recipe
from ..conflicts import Conflict
from .synapse_sources import partner_files, synapse_files
from .synapse_tables import TextCodes, empty_pairs

_DB_FILE = "synapses.duckdb"
_TEMP_DIR = "duckdb-temp"
#: Rows of a source table converted and appended at once.
_APPEND_ROWS = 131_072
#: DuckDB's memory limit once the partitions are built, when they are only read
#: back one at a time: this many bytes per row of a partition, at least
#: ``_READ_LIMIT_MIN_MB``. Under the build's limit, DuckDB's buffer pool kept the
#: blocks read for earlier partitions: at 10M synthetic pairs, partitions of
#: 250,000 rows, RSS grew by about 200 MiB over the 96 partitions; with 64 MB
#: it stayed flat, in the same time (measured).
_READ_BYTES_PER_ROW = 256
_READ_LIMIT_MIN_MB = 64

_CREATE_POINTS = """CREATE TABLE points_raw (ord BIGINT, id BIGINT, body BIGINT, type TINYINT,
    x DOUBLE, y DOUBLE, z DOUBLE, conf DOUBLE, roi INTEGER, file INTEGER, "row" BIGINT,
    source INTEGER, bcol INTEGER)"""
_CREATE_PAIRS = """CREATE TABLE pairs_raw (ord BIGINT, pre_id BIGINT, post_id BIGINT,
    file INTEGER, "row" BIGINT, source INTEGER)"""

#: Point columns compared across sources (as ``_merge_points``), with the SQL
#: test of "both present and different" (floats also differ by the sign of a
#: zero, as their texts do).
_CONFLICT_COLUMNS = {
    "confidence": ("conf", "k.conf IS NOT NULL AND r.conf IS NOT NULL AND "
                           "(k.conf <> r.conf OR signbit(k.conf) <> signbit(r.conf))"),
    "roi": ("roi", "k.roi >= 0 AND r.roi >= 0 AND k.roi <> r.roi"),
    "bodyId": ("body", "k.body <> r.body"),
    "type": ("type", "k.type <> r.type"),
    "x": ("x", "k.x <> r.x OR signbit(k.x) <> signbit(r.x)"),
    "y": ("y", "k.y <> r.y OR signbit(k.y) <> signbit(r.y)"),
    "z": ("z", "k.z <> r.z OR signbit(k.z) <> signbit(r.z)"),
}


def _owner_partitions(bodies: np.ndarray, sizes: np.ndarray, limit: int) -> np.ndarray:
    """Partition number of each body (``bodies`` ascending, ``sizes`` their rows):
    consecutive bodies grouped greedily into partitions of at most ``limit``
    rows; a body over ``limit`` is a partition alone."""
    parts = np.empty(len(bodies), dtype=np.int64)
    part, filled = 0, 0
    for i, size in enumerate(sizes.tolist()):
        if filled and filled + size > limit:
            part, filled = part + 1, 0
        parts[i] = part
        filled += size
    return parts


class SpilledSynapses:
    """The canonical synapse tables of a recipe in an on-disk DuckDB database,
    split into partitions by upstream body (see :func:`spill_synapse_sources`).

    Also a context manager: leaving it (or :meth:`close`) deletes its files.

    Attributes
    ----------
    n_points : int
        Merged synapse points (as ``len(points)`` of
        :func:`~.synapse_sources.read_synapse_sources`).
    n_pairs : int
        Synapse pairs, repeats dropped (as ``len(pairs)``).
    n_partitions : int
        Number of partitions: at least 1 when there are points, 0 when none.
    partition_sizes : numpy.ndarray of int64
        Points plus pairs of each partition.
    first_bodies : numpy.ndarray of int64
        The lowest owner bodyId of each partition (ascending): partition ``k``
        holds the owner bodies from ``first_bodies[k]`` up to the next one.
    """

    def __init__(self, directory: Path, con: duckdb.DuckDBPyConnection, *,
                 created_directory: bool) -> None:
        self.directory = directory
        self._con: duckdb.DuckDBPyConnection | None = con
        self._created_directory = created_directory
        self.n_points = 0
        self.n_pairs = 0
        self.n_partitions = 0
        self.partition_sizes = np.zeros(0, dtype=np.int64)
        self.first_bodies = np.zeros(0, dtype=np.int64)
        self._types = TextCodes()
        self._rois = TextCodes()
        self._point_files = TextCodes()
        self._body_columns = TextCodes()
        self._pair_files = TextCodes()
        self._row_dtype = np.dtype(np.int32)
        self._point_source_dtype = np.dtype(np.int16)
        self._pair_source_dtype = np.dtype(np.int16)
        self._has_pairs = False

    # --- life cycle -------------------------------------------------------------------------

    def __enter__(self) -> "SpilledSynapses":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the database and delete its files (and ``directory`` if
        :func:`spill_synapse_sources` created it and nothing else is in it)."""
        if self._con is not None:
            self._con.close()
            self._con = None
        for name in (_DB_FILE, _DB_FILE + ".wal"):
            (self.directory / name).unlink(missing_ok=True)
        shutil.rmtree(self.directory / _TEMP_DIR, ignore_errors=True)
        if self._created_directory:
            try:
                self.directory.rmdir()
            except OSError:
                pass

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise ValueError("the spilled synapse tables are closed")
        return self._con

    def _run(self, sql: str, params: list | None = None) -> list[tuple]:
        """All rows of a statement (fetched to the end, which DuckDB needs
        before the connection's next statement)."""
        return self.con.execute(sql, params or []).fetchall()

    def _one(self, sql: str, params: list | None = None) -> tuple | None:
        rows = self._run(sql, params)
        return rows[0] if rows else None

    # --- filling (used by spill_synapse_sources) --------------------------------------------

    def _append(self, table: str, frame: pa.Table) -> None:
        self.con.register("_frame", frame)
        try:
            self._run(f"INSERT INTO {table} SELECT * FROM _frame")
        finally:
            self.con.unregister("_frame")

    def _append_points(self, pts: pd.DataFrame, start: int) -> None:
        # In slices, so the columns converted for the database are a slice's, not a
        # file's (an empty table too: its categories count, as in a concatenation).
        for s in range(0, max(len(pts), 1), _APPEND_ROWS):
            self._append_point_slice(pts.iloc[s:s + _APPEND_ROWS], start + s)

    def _append_pairs(self, prs: pd.DataFrame, start: int) -> None:
        self._has_pairs = True
        for s in range(0, max(len(prs), 1), _APPEND_ROWS):
            self._append_pair_slice(prs.iloc[s:s + _APPEND_ROWS], start + s)

    def _append_point_slice(self, pts: pd.DataFrame, start: int) -> None:
        n = len(pts)
        self._row_dtype = np.promote_types(self._row_dtype, pts["row"].dtype)
        self._point_source_dtype = np.promote_types(self._point_source_dtype,
                                                    pts["source"].dtype)
        self._append("points_raw", pa.table({
            "ord": np.arange(start, start + n, dtype=np.int64),
            "id": pts["id"].to_numpy(dtype=np.int64),
            "body": pts["bodyId"].to_numpy(dtype=np.int64),
            "type": self._types.codes(pts["type"]).astype(np.int8),
            "x": pts["x"].to_numpy(dtype=np.float64),
            "y": pts["y"].to_numpy(dtype=np.float64),
            "z": pts["z"].to_numpy(dtype=np.float64),
            # NaN (no confidence) as NULL
            "conf": pa.array(pts["confidence"].to_numpy(dtype=np.float64), from_pandas=True),
            "roi": self._rois.codes(pts["roi"]),
            "file": self._point_files.codes(pts["file"]),
            "row": pts["row"].to_numpy(dtype=np.int64),
            "source": pts["source"].to_numpy(dtype=np.int32),
            "bcol": self._body_columns.codes(pts["bodyColumn"]),
        }))

    def _append_pair_slice(self, prs: pd.DataFrame, start: int) -> None:
        n = len(prs)
        self._row_dtype = np.promote_types(self._row_dtype, prs["row"].dtype)
        self._pair_source_dtype = np.promote_types(self._pair_source_dtype, prs["source"].dtype)
        self._append("pairs_raw", pa.table({
            "ord": np.arange(start, start + n, dtype=np.int64),
            "pre_id": prs["pre_id"].to_numpy(dtype=np.int64),
            "post_id": prs["post_id"].to_numpy(dtype=np.int64),
            "file": self._pair_files.codes(prs["file"]),
            "row": prs["row"].to_numpy(dtype=np.int64),
            "source": prs["source"].to_numpy(dtype=np.int32),
        }))

    def _merge_points(self, conflicts: list[Conflict]) -> None:
        """As :func:`~.synapse_sources._merge_points`: the first row of each id (in
        concat order) is kept, a repeat within one file is an error, and
        differences across files become conflicts."""
        self._run("""CREATE TEMP TABLE rep AS SELECT id, min(ord) AS first
                       FROM points_raw GROUP BY id HAVING count(*) > 1""")
        if not self._one("SELECT count(*) FROM rep")[0]:
            return
        # Within one file a repeated id is an error; across files it is the same site.
        self._run("""CREATE TEMP TABLE rep_rows AS
                       SELECT p.ord, p.id, p.file, p."row",
                              row_number() OVER (PARTITION BY p.id, p.file ORDER BY p.ord) AS k,
                              row_number() OVER (PARTITION BY p.id, p.file, p.source
                                                 ORDER BY p.ord) AS k_read
                       FROM points_raw p SEMI JOIN rep ON p.id = rep.id""")
        # Repeated within one reading of a file (its chunks): the file-level error
        # of SynapsePoints (a file is read once per source listing it); repeated
        # by a second reading of the same file: the error of _merge_points.
        for rank, message in (("k_read", "duplicate synapse id {id} (also {file} row {first}); "
                                          "every synapse must be listed once"),
                              ("k", "duplicate synapse id {id} (also row {first})")):
            repeat = self._one(f"""SELECT id, file, "row" FROM rep_rows WHERE {rank} = 2
                                   ORDER BY ord LIMIT 1""")
            if repeat is not None:
                id_, file, row = repeat
                (first,) = self._one("""SELECT "row" FROM rep_rows WHERE id = ? AND file = ?
                                        ORDER BY ord LIMIT 1""", [id_, file])
                name = self._point_files.names[file]
                raise ValidationError(message.format(id=id_, file=name, first=first),
                                      file=name, row=int(row), column="id")
        self._point_conflicts(conflicts)
        self._run("""DELETE FROM points_raw WHERE ord IN (
                           SELECT r.ord FROM points_raw r JOIN rep
                           ON r.id = rep.id AND r.ord > rep.first)""")
        self._run("DROP TABLE rep_rows")

    def _point_conflicts(self, conflicts: list[Conflict]) -> None:
        selected = ", ".join(f"k.{c} AS {name}_kept, r.{c} AS {name}, ({test}) AS d_{name}"
                             for name, (c, test) in _CONFLICT_COLUMNS.items())
        any_differs = " OR ".join(f"({test})" for _, test in _CONFLICT_COLUMNS.values())
        joined = self.con.execute(f"""
            SELECT r.ord, r.id, k.file AS file_kept, r.file AS file, {selected}
            FROM points_raw r JOIN rep ON r.id = rep.id AND r.ord > rep.first
                 JOIN points_raw k ON k.ord = rep.first
            WHERE {any_differs} ORDER BY r.ord""").df()
        if joined.empty:
            return
        files = np.array(self._point_files.names + [None], dtype=object)
        joined["file_kept"] = files[joined["file_kept"].to_numpy()]
        joined["file"] = files[joined["file"].to_numpy()]
        for texts, name in ((self._rois, "roi"), (self._types, "type")):
            names = np.array(texts.names + [None], dtype=object)
            for col in (name, f"{name}_kept"):
                joined[col] = names[joined[col].to_numpy(dtype=np.int64)]
        for col in _CONFLICT_COLUMNS:
            grp_rows = joined[joined[f"d_{col}"].to_numpy(dtype=bool)]
            for (kept_file, file), grp in grp_rows.groupby(["file_kept", "file"], sort=True):
                conflicts.append(Conflict.of(
                    "synapses", col, kept_file, file, grp["id"].astype(int),
                    grp[f"{col}_kept"], grp[col]))

    def _check_pairs(self) -> None:
        """As :func:`~.synapse_sources.read_synapse_sources`: repeated (pre_id, post_id)
        pairs dropped (first kept), then unknown ids, wrong-way ids and PSDs
        with two T-bars rejected at their first row in concat order."""
        self._run("""CREATE TEMP TABLE rep_post AS SELECT post_id FROM pairs_raw
                       GROUP BY post_id HAVING count(*) > 1""")
        repeated = self._one("SELECT count(*) FROM rep_post")[0] > 0
        if repeated:
            # Repeated within one reading of a file (its chunks): the file-level
            # error of SynapsePairs (a file is read once per source listing it).
            chunked = self._one("""
                WITH r AS (SELECT p.ord, p.post_id, p.file, p."row",
                                  row_number() OVER (PARTITION BY p.post_id, p.file, p.source
                                                     ORDER BY p.ord) AS k
                           FROM pairs_raw p SEMI JOIN rep_post USING (post_id))
                SELECT post_id, file, "row" FROM r WHERE k = 2 ORDER BY ord LIMIT 1""")
            if chunked is not None:
                value, file, row = chunked
                (first_row,) = self._one("""SELECT "row" FROM pairs_raw WHERE post_id = ?
                                            AND file = ? ORDER BY ord LIMIT 1""", [value, file])
                name = self._pair_files.names[file]
                raise ValidationError(f"PSD {value} is paired twice (also {name} row "
                                      f"{first_row}); a PSD has one T-bar", file=name,
                                      row=int(row), column="post_id")
            # The same pair in several files (distinct PSDs never repeat).
            self._run("""DELETE FROM pairs_raw WHERE ord IN (
                SELECT p.ord FROM pairs_raw p JOIN (
                    SELECT pre_id, post_id, min(ord) AS first
                    FROM pairs_raw SEMI JOIN rep_post USING (post_id)
                    GROUP BY pre_id, post_id) g
                ON p.pre_id = g.pre_id AND p.post_id = g.post_id AND p.ord > g.first)""")
        pre_code = self._types._index.get("pre", -2)
        post_code = self._types._index.get("post", -2)
        for col, want, code in (("pre_id", "pre", pre_code), ("post_id", "post", post_code)):
            unknown, wrong = self._one(f"""
                SELECT min(p.ord) FILTER (WHERE t.id IS NULL),
                       min(p.ord) FILTER (WHERE t.id IS NOT NULL AND t.type <> ?)
                FROM pairs_raw p LEFT JOIN points_raw t ON p.{col} = t.id""", [code])
            if unknown is not None:
                value, file, row = self._one(f"""SELECT {col}, file, "row" FROM pairs_raw
                                                WHERE ord = ?""", [unknown])
                raise ValidationError(f"synapse id {value} is not in any synapse table of the "
                                      "recipe", file=self._pair_files.names[file],
                                      row=int(row), column=col)
            if wrong is not None:
                value, file, row, type_ = self._one(f"""
                    SELECT p.{col}, p.file, p."row", t.type FROM pairs_raw p
                    JOIN points_raw t ON p.{col} = t.id WHERE p.ord = ?""", [wrong])
                t = self._types.names[type_]
                raise ValidationError(f"synapse {value} is a {t!r} site; "
                                      f"{col} must name a {want!r} site",
                                      file=self._pair_files.names[file], row=int(row),
                                      column=col)
        if repeated:
            twice = self._one("""
                WITH r AS (SELECT p.ord, p.post_id, p.file, p."row",
                                  row_number() OVER (PARTITION BY p.post_id ORDER BY p.ord) AS k
                           FROM pairs_raw p SEMI JOIN rep_post USING (post_id))
                SELECT post_id, file, "row" FROM r WHERE k = 2 ORDER BY ord LIMIT 1""")
            if twice is not None:
                value, file, row = twice
                first_file, first_row = self._one("""SELECT file, "row" FROM pairs_raw
                    WHERE post_id = ? ORDER BY ord LIMIT 1""", [value])
                raise ValidationError(
                    f"PSD {value} is paired twice (also {self._pair_files.names[first_file]} "
                    f"row {first_row}); a PSD has one T-bar",
                    file=self._pair_files.names[file], row=int(row), column="post_id")
        self._run("DROP TABLE rep_post")

    def _partition(self, partition_rows: int) -> None:
        """Owners, partitions, and the tables ordered by partition."""
        # Each pair's upstream body (its T-bar's), each point's owner body.
        self._run("""CREATE TABLE up AS SELECT p.ord, p.post_id, t.body AS up_body
                       FROM pairs_raw p JOIN points_raw t ON p.pre_id = t.id""")
        self._run("""CREATE TABLE owner_of AS
                       SELECT t.ord, coalesce(u.up_body, t.body) AS owner
                       FROM points_raw t LEFT JOIN up u ON t.id = u.post_id""")
        sizes = self.con.execute("""
            SELECT body, sum(n)::BIGINT AS n FROM (
                SELECT owner AS body, count(*) AS n FROM owner_of GROUP BY owner
                UNION ALL
                SELECT up_body AS body, count(*) AS n FROM up GROUP BY up_body)
            GROUP BY body ORDER BY body""").fetchnumpy()
        bodies = np.asarray(sizes["body"], dtype=np.int64)
        counts = np.asarray(sizes["n"], dtype=np.int64)
        parts = _owner_partitions(bodies, counts, partition_rows)
        self.n_partitions = int(parts[-1]) + 1 if len(parts) else 0
        self.first_bodies = bodies[np.r_[0, np.flatnonzero(np.diff(parts)) + 1]] \
            if len(parts) else np.zeros(0, dtype=np.int64)
        self.partition_sizes = np.bincount(parts, weights=counts,
                                           minlength=self.n_partitions).astype(np.int64)
        self.con.register("_owner_part", pa.table({"body": bodies, "part": parts.astype(np.int32)}))
        try:
            self._run("""CREATE TABLE points AS
                SELECT op.part, t.* FROM points_raw t JOIN owner_of o ON t.ord = o.ord
                JOIN _owner_part op ON op.body = o.owner ORDER BY op.part, t.ord""")
            self._run("""CREATE TABLE pairs AS
                SELECT op.part, p.* FROM pairs_raw p JOIN up u ON p.ord = u.ord
                JOIN _owner_part op ON op.body = u.up_body ORDER BY op.part, p.ord""")
        finally:
            self.con.unregister("_owner_part")
        for table in ("owner_of", "up", "points_raw", "pairs_raw"):
            self._run(f"DROP TABLE {table}")
        self._run("CHECKPOINT")
        self.n_points = self._one("SELECT count(*) FROM points")[0]
        self.n_pairs = self._one("SELECT count(*) FROM pairs")[0]

    # --- reading ----------------------------------------------------------------------------

    def partition(self, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The points and pairs of partition ``k`` (``0 <= k < n_partitions``,
        in ascending body order).

        Returns
        -------
        points, pairs : DataFrame
            Columns, dtypes and categories as
            :func:`~.synapse_sources.read_synapse_sources`' tables; rows in their
            order there; a fresh RangeIndex. Points: every point whose owner
            body (its own, or for a PSD in a pair the pair's upstream body) is
            in the partition; pairs: every pair whose upstream body (its
            T-bar's) is, so each pair's T-bar and PSD are among the points.

        Raises
        ------
        IndexError
            ``k`` out of range.
        """
        if not 0 <= k < self.n_partitions:
            raise IndexError(f"partition {k} is not in 0..{self.n_partitions - 1}")
        p = self.con.execute("""
            SELECT id, body, type, x, y, z, coalesce(conf, 'NaN'::DOUBLE) AS conf, roi, file,
                   "row", source, bcol
            FROM points WHERE part = ? ORDER BY ord""", [k]).fetchnumpy()
        points = pd.DataFrame({
            "id": np.asarray(p["id"], dtype=np.int64),
            "bodyId": np.asarray(p["body"], dtype=np.int64),
            "type": self._types.categorical(p["type"]),
            "x": np.asarray(p["x"], dtype=np.float64),
            "y": np.asarray(p["y"], dtype=np.float64),
            "z": np.asarray(p["z"], dtype=np.float64),
            "confidence": np.asarray(p["conf"], dtype=np.float64),
            "roi": self._rois.categorical(p["roi"]),
            "file": self._point_files.categorical(p["file"]),
            "row": np.asarray(p["row"]).astype(self._row_dtype),
            "source": np.asarray(p["source"]).astype(self._point_source_dtype),
            "bodyColumn": self._body_columns.categorical(p["bcol"]),
        }, copy=False)
        del p
        if not self._has_pairs:
            return points, empty_pairs()
        q = self.con.execute("""SELECT pre_id, post_id, file, "row", source FROM pairs
                                WHERE part = ? ORDER BY ord""", [k]).fetchnumpy()
        pairs = pd.DataFrame({
            "pre_id": np.asarray(q["pre_id"], dtype=np.int64),
            "post_id": np.asarray(q["post_id"], dtype=np.int64),
            "file": self._pair_files.categorical(q["file"]),
            "row": np.asarray(q["row"]).astype(self._row_dtype),
            "source": np.asarray(q["source"]).astype(self._pair_source_dtype),
        }, copy=False)
        return points, pairs

    def unknown_bodies(self, recipe: Recipe, known: pd.Index) -> tuple[list[int], list[str]]:
        """:func:`~.synapse_sources.check_synapse_bodies` on the whole points table,
        computed in the database.

        Returns
        -------
        bodies : list of int
            Bodies of synapse points that ``known`` lacks, ascending (to be
            added as bare Segments).
        warnings : list of str
            One warning naming them, or none.

        Raises
        ------
        ValidationError
            At the first point (in source order) of a source with
            ``unknown_bodies = "error"`` whose body is unknown: file, row and
            body column.
        """
        known_ids = np.asarray(pd.Index(known).dropna(), dtype=np.int64)
        self.con.register("_known", pa.table({"body": known_ids}))
        try:
            self._run("""CREATE TEMP TABLE unknown AS SELECT t.ord, t.body, t.file, t."row",
                                  t.source, t.bcol
                           FROM points t ANTI JOIN _known k ON t.body = k.body""")
        finally:
            self.con.unregister("_known")
        try:
            if not self._one("SELECT count(*) FROM unknown")[0]:
                return [], []
            strict = [i for i, s in enumerate(recipe.synapses) if s.unknown_bodies == "error"]
            if strict:
                bad = self._one(f"""SELECT body, file, "row", bcol FROM unknown
                                    WHERE source IN ({", ".join("?" * len(strict))})
                                    ORDER BY ord LIMIT 1""", strict)
                if bad is not None:
                    body, file, row, bcol = bad
                    raise ValidationError(
                        f"body {body} is in no neuron or connection table of the recipe; add "
                        "it to a neuron table, or set unknown_bodies = \"add\" on this "
                        "[[synapses]] source to load it as a bare Segment",
                        file=self._point_files.names[file], row=int(row),
                        column=self._body_columns.names[bcol])
            added = [int(b) for b in self.con.execute(
                "SELECT DISTINCT body FROM unknown ORDER BY body").fetchnumpy()["body"]]
            files = sorted(self._point_files.names[f] for f in self.con.execute(
                "SELECT DISTINCT file FROM unknown").fetchnumpy()["file"])
        finally:
            self._run("DROP TABLE unknown")
        warning = (f"{len(added):,} bodies appear only in synapse tables ({', '.join(files)}) "
                   f"and were added as bare Segments (e.g. {added[:5]})")
        return added, [warning]

    def has_points_without_roi(self) -> bool:
        """Whether any merged point has no ROI in its source."""
        return bool(self._one("SELECT EXISTS (SELECT 1 FROM points WHERE roi < 0)")[0])


def read_memory_limit_mb(partition_rows: int) -> int:
    """DuckDB's memory limit (MB) while partitions of at most
    ``partition_rows`` rows are read back one at a time: enough to sort one
    partition's rows (``_READ_BYTES_PER_ROW`` each), so that the buffer pool
    does not keep the blocks of the partitions read before."""
    return max(_READ_LIMIT_MIN_MB, -(-partition_rows * _READ_BYTES_PER_ROW // 1_000_000))


def spill_synapse_sources(recipe: Recipe, roi_names: set[str] | None,
                          conflicts: list[Conflict], *, directory: Path,
                          partition_rows: int = 1_000_000, chunk_rows: int | None = None,
                          memory_limit: str = "256MB") -> SpilledSynapses:
    """Every ``[[synapses]]`` and ``[[synapse_partners]]`` source in an on-disk
    DuckDB database under ``directory``, split into partitions by upstream body.

    The same tables, errors and conflicts as
    :func:`~.synapse_sources.read_synapse_sources` (whose per-file readers it uses),
    but only one source file, or one chunk of ``chunk_rows`` rows of a point
    or partner table, is in memory at a time: its canonical table goes to the
    database at once; merging points by id (first source
    wins), dropping repeated pairs and checking the pairs' synapse ids run as
    SQL with ``memory_limit``, two threads and a temporary folder in
    ``directory``.

    Partitions: a pair's upstream body is the body of its T-bar; a point's
    owner is the upstream body of its pair for a PSD in a pair, else its own
    body. Owner bodies in ascending order are grouped greedily into
    partitions of at most ``partition_rows`` rows (points plus pairs); a body
    with more is a partition alone. Pairs go to their upstream body's
    partition, so each pair's T-bar and PSD are in it, and each point is in
    exactly one partition.

    Parameters
    ----------
    recipe : Recipe
    roi_names : set of str or None
        ROI names of the recipe's definitions (None: any ROI name).
    conflicts : list of Conflict
        Disagreements between sources are appended (as
        :func:`~.synapse_sources.read_synapse_sources` does).
    directory : Path
        Where the database and DuckDB's temporary files go (created if need
        be); :meth:`SpilledSynapses.close` deletes them.
    partition_rows : int
        Most rows (points plus pairs) of a partition, unless one body has more.
    chunk_rows : int, optional
        Read point tables (``kind = "points"``) and partner tables this many
        rows at a time (default: ``partition_rows``); ids repeated across
        chunks of a file are found in the database, with the same error.
    memory_limit : str
        DuckDB's memory limit while the partitions are built (e.g. ``"1GB"``,
        ``"500MB"``); once built, they are read back under
        :func:`read_memory_limit_mb`.

    Returns
    -------
    SpilledSynapses
        See :meth:`SpilledSynapses.partition` for the tables.

    Raises
    ------
    ValidationError
        As :func:`~.synapse_sources.read_synapse_sources` (file, row, column); the
        database files are deleted first.
    """
    directory = Path(directory)
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / _DB_FILE
    if db_path.exists():
        raise FileExistsError(f"{db_path} exists: another spill uses {directory}; give each "
                              "its own directory")
    # No local name for the connection: an error's traceback then keeps only
    # the closed SpilledSynapses, not an open handle.
    spilled = SpilledSynapses(directory, duckdb.connect(str(db_path), config={
        "memory_limit": memory_limit, "threads": 2,
        "temp_directory": str(directory / _TEMP_DIR)}), created_directory=created)
    try:
        spilled._run(_CREATE_POINTS)
        spilled._run(_CREATE_PAIRS)
        n_points = n_pairs = 0
        chunk_rows = chunk_rows or partition_rows
        for pts, prs in synapse_files(recipe, roi_names, chunk_rows):
            spilled._append_points(pts, n_points)
            n_points += len(pts)
            if prs is not None:
                spilled._append_pairs(prs, n_pairs)
                n_pairs += len(prs)
            del pts, prs
        spilled._merge_points(conflicts)
        for prs in partner_files(recipe, chunk_rows):
            spilled._append_pairs(prs, n_pairs)
            n_pairs += len(prs)
            del prs
        spilled._check_pairs()
        spilled._partition(partition_rows)
        spilled._run(f"SET memory_limit = '{read_memory_limit_mb(partition_rows)}MB'")
    except BaseException:
        spilled.close()
        raise
    return spilled
