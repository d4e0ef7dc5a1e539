"""Unit tests (no server): the synapse stage derived partition by partition
equals the whole-table stage, on the real bundle and on synthetic data.

The partitions here are cut with plain pandas from the whole tables (the rule
of :mod:`connectograph.loading.derive.synapse_partitions`: a point belongs to the
upstream body of its pair, or to its own body when it is a T-bar or in no
pair), independently of the DuckDB spill that cuts them in a load.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from connectograph.loading.derive.connections import PartitionedConnections, merge_all
from connectograph.loading.derive.synapse_data import prepare_synapses
from connectograph.loading.derive.synapse_partitions import prepare_synapses_partitioned
from connectograph.loading.read.recipe_sources import read_sources
from connectograph.loading.recipe import checked_recipe
from connectograph.loading.write.synapse_graph import _write_batches
from shared_datasets import DATASETS

BUNDLE = DATASETS / "hemibrain-mb"


class PandasPartitions:
    """Whole canonical tables cut into partitions of about ``rows`` points
    plus pairs, by owner body in ascending order."""

    def __init__(self, points: pd.DataFrame, pairs: pd.DataFrame, rows: int):
        body = pd.Series(points["bodyId"].to_numpy(), index=points["id"].to_numpy())
        upstream = body.loc[pairs["pre_id"].to_numpy()].to_numpy()
        owner = body.copy()
        owner.loc[pairs["post_id"].to_numpy()] = upstream
        sizes = (pd.Series(owner.to_numpy()).value_counts()
                 .add(pd.Series(upstream).value_counts(), fill_value=0).sort_index())
        part, k, filled, self.first_bodies = {}, 0, 0, []
        for b, n in sizes.items():
            if filled and filled + n > rows:
                k, filled = k + 1, 0
            if not filled:
                self.first_bodies.append(b)
            part[b] = k
            filled += n
        self.first_bodies = np.array(self.first_bodies, dtype="int64")
        self.point_part = owner.map(part).to_numpy()
        self.pair_part = pd.Series(upstream).map(part).to_numpy()
        self.points, self.pairs = points, pairs
        self.n_points, self.n_pairs = len(points), len(pairs)
        self.n_partitions = k + 1 if len(points) else 0

    def partition(self, k: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        return (self.points[self.point_part == k].reset_index(drop=True),
                self.pairs[self.pair_part == k].reset_index(drop=True))


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    out = df.astype({c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)})
    return out.sort_values(list(out.columns)).reset_index(drop=True)


def _check_same(tables, rows: int) -> int:
    whole = prepare_synapses(tables)
    parts = PandasPartitions(tables.synapse_points, tables.synapse_pairs, rows)
    assert parts.n_partitions > 3
    cut = prepare_synapses_partitioned(parts, tables)
    pd.testing.assert_frame_equal(cut.totals, whole.totals.sort_index())
    pd.testing.assert_frame_equal(cut.roi_counts, whole.roi_counts)
    pd.testing.assert_frame_equal(_sorted(cut.connection_rows), _sorted(whole.connection_rows))
    pd.testing.assert_frame_equal(_sorted(cut.connection_roi_counts),
                                  _sorted(whole.connection_roi_counts))
    assert cut.stats == whole.stats
    assert cut.warnings == whole.warnings
    assert (cut.n_points, cut.n_pairs, cut.n_sets, cut.member_count()) == (
        whole.n_points, whole.n_pairs, whole.n_sets, whole.member_count())
    return parts.n_partitions


def test_bundle_partitioned_equals_whole():
    tables = read_sources(checked_recipe("hemibrain-mb", data_dir=str(BUNDLE)))
    assert len(tables.synapse_pairs) > 1000
    _check_same(tables, rows=3000)


@pytest.fixture(scope="module")
def synthetic_tables(tmp_path_factory):
    from connectograph.synthetic.generator import generate
    folder = tmp_path_factory.mktemp("synthetic")
    gen = generate(folder, "smoke", seed=3, synapses=True, load_synapses=True)
    return read_sources(checked_recipe(str(gen.recipe)))


def test_synthetic_partitioned_equals_whole(synthetic_tables):
    assert _check_same(synthetic_tables, rows=4000) > 5


def test_write_batches_over_partitions_create_each_synapse_once(synthetic_tables):
    """Every synapse is created once, by its own partition's batches; a batch
    waits only for an earlier one; every pair is linked once."""
    tables = synthetic_tables
    parts = PandasPartitions(tables.synapse_points, tables.synapse_pairs, 4000)
    data = prepare_synapses_partitioned(parts, tables)
    bodies = np.unique(tables.synapse_points["bodyId"])
    body_ids = {int(b): f"e{b}" for b in bodies}
    created, linked, creator = [], [], {}
    for k, (batch, after) in enumerate(_write_batches(data, body_ids, 500)):
        assert -1 <= after < k
        assert set(batch["old"]) <= set(creator)
        assert after == max((creator[i] for i in batch["old"]), default=-1)
        creator.update((i, k) for i in batch["id"])
        created += batch["id"]
        syn = batch["id"] + batch["old"]
        linked += [(syn[a], syn[b]) for a, b in zip(batch["pre"], batch["post"])]
    assert sorted(created) == sorted(tables.synapse_points["id"].tolist())
    assert sorted(linked) == sorted(zip(tables.synapse_pairs["pre_id"].tolist(),
                                        tables.synapse_pairs["post_id"].tolist()))


def test_bundle_connections_by_partition_equal_whole(tmp_path):
    """ConnectsTo rows merged partition by partition (per-ROI table rows cut by
    upstream body) equal the whole merge, conflicts included: on the bundle,
    the tables and the Kenyon cell's synapses disagree on one (pair, ROI)."""
    tables = read_sources(checked_recipe("hemibrain-mb", data_dir=str(BUNDLE)))
    whole = prepare_synapses(tables)
    want_conflicts: list = []
    want = merge_all(tables.roi_connections, whole.connection_rows,
                     whole.connection_roi_counts, want_conflicts)
    assert want_conflicts and want.filled > 0
    parts = PandasPartitions(tables.synapse_points, tables.synapse_pairs, 3000)
    by_partition = PartitionedConnections(tables.roi_connections, parts.first_bodies,
                                          tmp_path / "connections.parquet")
    cut = prepare_synapses_partitioned(parts, tables, connections=by_partition)
    assert cut.connection_rows is None
    got_conflicts: list = []
    got = by_partition.finish(got_conflicts)
    rows = pd.concat(list(got.connections.frames(10_000)), ignore_index=True)
    assert len(got.connections) == len(want.connections) == len(rows)
    pd.testing.assert_frame_equal(_sorted(rows), _sorted(want.connections))
    assert (got.roi_connection_rows, got.filled) == (want.roi_connection_rows, want.filled)
    assert sorted(got.connected) == sorted(want.connected)
    pd.testing.assert_frame_equal(got.derived_roi_counts, want.derived_roi_counts)
    assert got_conflicts == want_conflicts
    assert [c.rows.to_dict("records") for c in got_conflicts] == \
        [c.rows.to_dict("records") for c in want_conflicts]


@pytest.mark.parametrize("partition_rows", [None, 3000])
def test_prepared_bundle_counts_the_per_roi_rows_without_holding_them(partition_rows,
                                                                       tmp_path):
    """Once the connection stage has merged the per-ROI tables, the prepared
    dataset keeps their row count (the summary's per-ROI rows from synapses
    are the merged rows beyond it), not the rows."""
    from connectograph.loading.preparation import prepare
    recipe = checked_recipe("hemibrain-mb", data_dir=str(BUNDLE))
    tables = read_sources(recipe)
    whole = prepare_synapses(tables)
    want = merge_all(tables.roi_connections, whole.connection_rows,
                     whole.connection_roi_counts, [])
    p = prepare(recipe, partition_rows=partition_rows, spill_dir=str(tmp_path))
    try:
        assert p.table_connection_rows == len(tables.roi_connections) > 0
        assert p.roi_connection_rows == want.roi_connection_rows
        counts = p.summary().counts
        # connections only the Kenyon cell's synapses give, and the one
        # (connection, ROI) weight they fill in
        assert counts["per-ROI rows from synapses"] == (want.roi_connection_rows
                                                        - len(tables.roi_connections))
        assert counts["per-ROI rows from synapses"] > want.filled > 0
        if partition_rows:
            held = p.synapses.tables.roi_connections
            assert held.empty
            assert held.columns.tolist() == tables.roi_connections.columns.tolist()
    finally:
        p.close()
