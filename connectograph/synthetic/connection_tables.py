"""The connection and synapse tables of :mod:`.generator`, drawn and written
block by block of :data:`BLOCK_BODIES` upstream bodies (one random stream
each), so memory follows the block, not the dataset."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .calibration import Distribution
from .random_model import (EXTENT, block_connections, draw_model, roi_tree, split_rois,
                           group_tbars)

#: Bodies per generation block (one random stream each).
BLOCK_BODIES = 2048
#: Spread of synapse locations around an ROI's centre (voxels).
ROI_SPREAD = 1500.0


class RollingCsv:
    """CSV parts of at most ``rows_per_file`` rows, written with pyarrow."""

    def __init__(self, folder: Path, stem: str, schema: pa.Schema, rows_per_file: int):
        self.folder, self.stem, self.schema = folder, stem, schema
        self.rows_per_file = rows_per_file
        self.files: list[Path] = []
        self.rows = 0
        self._writer = None
        self._in_file = 0

    def write(self, table: pa.Table) -> None:
        start = 0
        while start < table.num_rows:
            if self._writer is None or self._in_file >= self.rows_per_file:
                self._open()
            take = min(self.rows_per_file - self._in_file, table.num_rows - start)
            self._writer.write_table(table.slice(start, take))
            self._in_file += take
            self.rows += take
            start += take

    def _open(self) -> None:
        self.close()
        path = self.folder / f"{self.stem}-{len(self.files):04d}.csv"
        self.files.append(path)
        self._writer = pacsv.CSVWriter(path, self.schema)
        self._in_file = 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def write_connection_tables(cal, folder, n, pairs, seed, rng0, synapses, rows_per_file, echo):
    """Draw the bodies and write the connection (and synapse) tables; return the
    per-body, per-ROI sums and counts."""
    for sub in ("roi_connections", "synapses"):
        for old in (folder / sub).iterdir():
            old.unlink()
    m = draw_model(cal, n, rng0)
    primary = m.slots[:-1]
    n_slots = len(m.slots)
    roi_names, contains = roi_tree(cal, primary)

    down = np.zeros(n * n_slots, dtype=np.int64)
    up = np.zeros(n * n_slots, dtype=np.int64)
    tbars = np.zeros(n * n_slots, dtype=np.int64)
    conn_schema = pa.schema([("bodyId_pre", pa.int64()), ("bodyId_post", pa.int64()),
                             ("roi", pa.string()), ("weight", pa.int64())])
    conn_out = RollingCsv(folder / "roi_connections", "part", conn_schema, rows_per_file)
    point_out = partner_out = None
    if synapses:
        point_out = RollingCsv(folder / "synapses", "points", pa.schema([
            ("synapseId", pa.int64()), ("bodyId", pa.int64()), ("type", pa.string()),
            ("x", pa.int64()), ("y", pa.int64()), ("z", pa.int64()),
            ("confidence", pa.float64()), ("roi", pa.string())]), rows_per_file)
        partner_out = RollingCsv(folder / "synapses", "partners", pa.schema([
            ("pre_id", pa.int64()), ("post_id", pa.int64())]), rows_per_file)
        centres = rng0.uniform(0.15, 0.85, size=(n_slots, 3)) * EXTENT
    slot_names = np.array(m.slots[:-1] + [""], dtype=object)
    conn_slot_names = np.array(m.slots, dtype=object)

    written = n_connections = next_synapse = 0
    with_outputs = 0
    for block, lo in enumerate(range(0, n, BLOCK_BODIES)):
        if written >= pairs:
            break
        hi = min(n, lo + BLOCK_BODIES)
        rng = np.random.default_rng([seed, 1, block])
        pre, post, weight = block_connections(m, cal, lo, hi, rng, pairs - written)
        written += int(weight.sum())
        n_connections += len(pre)
        with_outputs += len(np.unique(pre))
        rpre, rpost, rslot, rw = split_rois(m, cal, pre, post, weight, rng)
        conn_out.write(pa.table({
            "bodyId_pre": m.body_ids[rpre], "bodyId_post": m.body_ids[rpost],
            "roi": pa.array(conn_slot_names[rslot].tolist(), pa.string()), "weight": rw},
            schema=conn_schema))
        down += np.bincount(rpre * n_slots + rslot, weights=rw, minlength=n * n_slots).astype(np.int64)
        up += np.bincount(rpost * n_slots + rslot, weights=rw, minlength=n * n_slots).astype(np.int64)
        order, tbar_of_psd, tbar_group = group_tbars(cal, rpre, rslot, rw, n_slots, rng)
        tbars += np.bincount(tbar_group, minlength=n * n_slots)
        if synapses:
            n_t, n_p = len(tbar_group), len(order)
            srng = np.random.default_rng([seed, 2, block])
            t_slot = tbar_group % n_slots
            t_xyz = centres[t_slot] + srng.normal(scale=ROI_SPREAD, size=(n_t, 3))
            direction = srng.normal(size=(n_p, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            dist = Distribution(cal["tbar_psd_distance"]).sample(srng, n_p)
            p_xyz = t_xyz[tbar_of_psd] + direction * dist[:, None]
            t_ids = next_synapse + np.arange(n_t, dtype=np.int64)
            p_ids = next_synapse + n_t + np.arange(n_p, dtype=np.int64)
            next_synapse += n_t + n_p
            psd_body = np.repeat(rpost, rw)[order]
            conf_pre = np.clip(Distribution(cal["confidence_pre"]).sample(srng, n_t), 0, 1)
            conf_post = np.clip(Distribution(cal["confidence_post"]).sample(srng, n_p), 0, 1)
            for ids, bodies, kind, xyz, conf, slot in (
                    (t_ids, m.body_ids[tbar_group // n_slots], "pre", t_xyz, conf_pre, t_slot),
                    (p_ids, m.body_ids[psd_body], "post", p_xyz, conf_post, t_slot[tbar_of_psd])):
                xyz = np.rint(xyz).astype(np.int64)
                point_out.write(pa.table({
                    "synapseId": ids, "bodyId": bodies,
                    "type": pa.array([kind] * len(ids), pa.string()),
                    "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2],
                    "confidence": np.round(conf, 3),
                    "roi": pa.array(slot_names[slot].tolist(), pa.string())},
                    schema=point_out.schema))
            partner_out.write(pa.table({"pre_id": t_ids[tbar_of_psd], "post_id": p_ids},
                                       schema=partner_out.schema))
        echo(f"  bodies {hi:,}/{n:,}: {written:,}/{pairs:,} synapse pairs")
    conn_out.close()
    if synapses:
        point_out.close()
        partner_out.close()

    return {"model": m, "n_slots": n_slots, "roi_names": roi_names, "contains": contains,
            "down": down, "up": up, "tbars": tbars, "conn_out": conn_out,
            "point_out": point_out, "partner_out": partner_out, "written": written,
            "connections": n_connections, "with_outputs": with_outputs}
