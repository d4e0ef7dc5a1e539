"""Synapse sources spilled to DuckDB and split by upstream body (no server).

Every result is compared with the whole-table path (:func:`read_synapse_sources`
on the same recipe): the partitions put together equal its tables, the same
bad inputs give the same error (message, file, row, column), the same conflicts
are listed. Partition closure is checked against owners computed here with
pandas from the whole tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph.errors import ValidationError
from connectograph.loading.recipe import Recipe, load_recipe
from connectograph.loading.read.synapse_spill import spill_synapse_sources
from connectograph.loading.read.synapse_sources import check_synapse_bodies, read_synapse_sources
from connectograph.loading.read.recipe_sources import read_rois

REPO = Path(__file__).resolve().parents[2]


def roi_names(recipe: Recipe) -> set[str] | None:
    info, _ = read_rois(recipe)
    return set(info) if info else None


def whole(recipe: Recipe) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    conflicts: list = []
    points, pairs = read_synapse_sources(recipe, roi_names(recipe), conflicts)
    return points, pairs, conflicts


def spill(recipe: Recipe, directory: Path, partition_rows: int = 1_000_000):
    conflicts: list = []
    s = spill_synapse_sources(recipe, roi_names(recipe), conflicts, directory=directory,
                              partition_rows=partition_rows, memory_limit="256MB")
    return s, conflicts


def joined(s) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = [s.partition(k) for k in range(s.n_partitions)]
    return (pd.concat([p for p, _ in parts], ignore_index=True),
            pd.concat([q for _, q in parts], ignore_index=True))


def by(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return df.sort_values(keys).reset_index(drop=True)


def assert_same_conflicts(a: list, b: list) -> None:
    assert a == b
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x.rows, y.rows)


def owners(points: pd.DataFrame, pairs: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per point its owner body, per pair its upstream body (from whole tables)."""
    body = points.set_index("id")["bodyId"]
    upstream = pd.Series(body.loc[pairs["pre_id"]].to_numpy(), index=pairs["post_id"].to_numpy())
    owner = points["bodyId"].copy()
    in_pair = points["id"].isin(upstream.index)
    owner[in_pair] = upstream.loc[points.loc[in_pair, "id"]].to_numpy()
    return (pd.Series(owner.to_numpy(), index=points["id"].to_numpy()),
            pd.Series(upstream.to_numpy(), index=pairs["post_id"].to_numpy()))


def check_against_whole(recipe: Recipe, directory: Path, partition_rows: int) -> None:
    points, pairs, conflicts = whole(recipe)
    s, spilled_conflicts = spill(recipe, directory, partition_rows)
    with s:
        assert_same_conflicts(spilled_conflicts, conflicts)
        assert (s.n_points, s.n_pairs) == (len(points), len(pairs))
        assert s.n_partitions > 2
        p, q = joined(s)
        pd.testing.assert_frame_equal(by(p, ["id"]), by(points, ["id"]))
        pd.testing.assert_frame_equal(by(q, ["pre_id", "post_id"]),
                                      by(pairs, ["pre_id", "post_id"]))
        assert s.has_points_without_roi() == bool(points["roi"].isna().any())

        owner, upstream = owners(points, pairs)
        seen = []
        last_owner = None
        for k in range(s.n_partitions):
            pts, prs = s.partition(k)
            assert isinstance(pts.index, pd.RangeIndex) and isinstance(prs.index, pd.RangeIndex)
            # rows in source order (the order of the whole tables)
            assert np.array_equal(pts["id"].to_numpy(),
                                  points.loc[points["id"].isin(pts["id"]), "id"].to_numpy())
            ids = set(pts["id"].tolist())
            assert set(prs["pre_id"]) <= ids and set(prs["post_id"]) <= ids
            mine = set(owner.loc[pts["id"]].tolist())
            # the pairs are exactly those of the partition's upstream bodies
            expected_pairs = pairs[upstream.loc[pairs["post_id"]].isin(mine).to_numpy()]
            assert sorted(prs["post_id"]) == sorted(expected_pairs["post_id"])
            assert len(pts) + len(prs) == s.partition_sizes[k]
            if len(pts) + len(prs) > partition_rows:
                assert len(mine) == 1
            # owners ascending and consecutive across partitions
            assert last_owner is None or min(mine) > last_owner
            last_owner = max(mine)
            seen.append(pts["id"].to_numpy())
        ids = np.concatenate(seen)
        assert len(ids) == len(set(ids.tolist())) == len(points)
        # greedy: no partition could have taken the next partition's first owner body
        size_of = (owner.value_counts().add(upstream.value_counts(), fill_value=0))
        sizes = s.partition_sizes
        for k in range(s.n_partitions - 1):
            nxt = min(set(owner.loc[s.partition(k + 1)[0]["id"]].tolist()))
            assert sizes[k] + size_of.loc[nxt] > partition_rows


# --- real bundle and synthetic data -----------------------------------------------------------

@pytest.fixture(scope="module")
def bundle_recipe(bundle_dir) -> Recipe:
    return load_recipe(REPO / "loaders" / "hemibrain-mb.toml", data_dir=bundle_dir)


@pytest.fixture(scope="module")
def synthetic_recipe(tmp_path_factory) -> Recipe:
    from connectograph.synthetic.generator import generate

    folder = tmp_path_factory.mktemp("synthetic-10k")
    made = generate(folder, "10k", synapses=True, load_synapses=True, rows_per_file=3000,
                    skeletons=0)
    return load_recipe(made.recipe)


def test_bundle_partitions_equal_whole_tables(bundle_recipe, tmp_path):
    check_against_whole(bundle_recipe, tmp_path / "spill", partition_rows=2000)


def test_synthetic_partitions_equal_whole_tables(synthetic_recipe, tmp_path):
    assert len(synthetic_recipe.synapses) > 1 and len(synthetic_recipe.synapse_partners) > 1
    check_against_whole(synthetic_recipe, tmp_path / "spill", partition_rows=3000)


def test_one_partition_when_rows_allow(synthetic_recipe, tmp_path):
    points, pairs, _ = whole(synthetic_recipe)
    s, _ = spill(synthetic_recipe, tmp_path / "spill", partition_rows=10**9)
    with s:
        assert s.n_partitions == 1
        p, q = s.partition(0)
        pd.testing.assert_frame_equal(p, points)
        pd.testing.assert_frame_equal(q, pairs)
        with pytest.raises(IndexError):
            s.partition(1)


def test_partitions_are_read_under_the_smaller_memory_limit(synthetic_recipe, tmp_path):
    from connectograph.loading.read.synapse_spill import read_memory_limit_mb
    assert read_memory_limit_mb(3000) == 64                 # the floor
    assert read_memory_limit_mb(1_000_000) == 256           # 256 bytes per row
    assert read_memory_limit_mb(1_000_001) == 257           # rounded up
    s, _ = spill(synthetic_recipe, tmp_path / "spill", partition_rows=3000)
    with s:
        limit = s.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
        assert limit == "61.0 MiB"                          # 64 MB as DuckDB shows it
        p, q = s.partition(s.n_partitions - 1)              # still readable under it
        assert len(p) + len(q) <= 3000 and len(p) > 0


def test_unknown_bodies_as_whole_path(bundle_recipe, tmp_path):
    points, _, _ = whole(bundle_recipe)
    s, _ = spill(bundle_recipe, tmp_path / "spill", partition_rows=5000)
    with s:
        every = pd.Index(points["bodyId"].unique())
        assert s.unknown_bodies(bundle_recipe, every) == ([], [])
        # only bodies of the source with unknown_bodies = "add" unknown: listed and warned
        lenient = [i for i, src in enumerate(bundle_recipe.synapses)
                   if src.unknown_bodies == "add"]
        only_lenient = set(points.loc[points["source"].isin(lenient), "bodyId"]) - set(
            points.loc[~points["source"].isin(lenient), "bodyId"])
        assert only_lenient
        known = every.difference(pd.Index(sorted(only_lenient)))
        got = s.unknown_bodies(bundle_recipe, known)
        assert got == check_synapse_bodies(bundle_recipe, points, known)
        assert got[0] == sorted(only_lenient)
        # a body of a strict source unknown: the same error
        known = every.difference(pd.Index([points["bodyId"].iloc[len(points) // 2]]))
        with pytest.raises(ValidationError) as want:
            check_synapse_bodies(bundle_recipe, points, known)
        with pytest.raises(ValidationError) as err:
            s.unknown_bodies(bundle_recipe, known)
        assert_same_error(err.value, want.value)


def test_close_removes_files(synthetic_recipe, tmp_path):
    d = tmp_path / "spill"
    s, _ = spill(synthetic_recipe, d, partition_rows=3000)
    assert any(d.iterdir())
    s.close()
    assert not d.exists()
    # a directory that existed before is kept, emptied
    d.mkdir()
    (d / "other.txt").write_text("not ours")
    with spill(synthetic_recipe, d, partition_rows=3000)[0] as s:
        assert (d / "synapses.duckdb").exists()
    assert sorted(p.name for p in d.iterdir()) == ["other.txt"]


# --- crafted inputs -----------------------------------------------------------------------------

POINTS_A = pd.DataFrame({
    "id": [1, 2, 3, 4, 5, 6],
    "bodyId": [10, 20, 20, 30, 10, 40],
    "type": ["pre", "post", "post", "pre", "post", "post"],
    "x": [1.0, 2, 3, 4, 5, 6], "y": [1.0, 1, 1, 1, 1, 1], "z": [7.0, 7, 7, 7, 7, 7],
    "confidence": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
    "roi": ["A", "B", "B", "A", "C", None]})
PAIRS_1 = pd.DataFrame({"pre_id": [1, 1, 4], "post_id": [2, 3, 5]})


def crafted(tmp_path: Path, *, point_files: dict[str, pd.DataFrame],
            pair_files: dict[str, pd.DataFrame], listed: list[str] | None = None,
            unknown_bodies: str = "error") -> Recipe:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    for name, df in {**point_files, **pair_files}.items():
        df.to_csv(data / name, index=False)
    text = f'[dataset]\nname = "spilltest"\ntag = "v1"\ndata_dir = "{data}"\n'
    for name in listed or list(point_files):
        text += (f'\n[[synapses]]\nkind = "points"\nfile = "{name}"\n'
                 f'unknown_bodies = "{unknown_bodies}"\n')
    for name in pair_files:
        text += f'\n[[synapse_partners]]\nfile = "{name}"\n'
    path = tmp_path / "recipe.toml"
    path.write_text(text)
    return load_recipe(path)


def assert_same_error(got: ValidationError, want: ValidationError) -> None:
    assert (str(got), got.file, got.row, got.column) == \
        (str(want), want.file, want.row, want.column)


def assert_same_outcome(recipe: Recipe, directory: Path) -> ValidationError | None:
    """Both paths fail alike (returns the error) or give the same tables and conflicts."""
    try:
        points, pairs, conflicts = whole(recipe)
    except ValidationError as want:
        with pytest.raises(ValidationError) as err:
            spill(recipe, directory, partition_rows=4)
        assert_same_error(err.value, want)
        assert not directory.exists()        # the database files were deleted
        return want
    s, spilled_conflicts = spill(recipe, directory, partition_rows=4)
    with s:
        assert_same_conflicts(spilled_conflicts, conflicts)
        p, q = joined(s)
        pd.testing.assert_frame_equal(by(p, ["id"]), by(points, ["id"]))
        pd.testing.assert_frame_equal(by(q, ["pre_id", "post_id"]),
                                      by(pairs, ["pre_id", "post_id"]))
    return None


def test_crafted_clean(tmp_path):
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A}, pair_files={"p1.csv": PAIRS_1})
    assert assert_same_outcome(recipe, tmp_path / "spill") is None


def test_repeated_id_within_a_file(tmp_path):
    bad = pd.concat([POINTS_A, POINTS_A.iloc[[2]]], ignore_index=True)
    recipe = crafted(tmp_path, point_files={"a.csv": bad}, pair_files={"p1.csv": PAIRS_1})
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and err.row == 7 and err.column == "id"


def test_same_file_listed_twice(tmp_path):
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A}, pair_files={"p1.csv": PAIRS_1},
                     listed=["a.csv", "a.csv"])
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and "duplicate synapse id" in str(err)


def test_id_repeated_across_files_is_a_conflict(tmp_path):
    b = POINTS_A.iloc[[1, 3, 4, 5]].copy()
    b["roi"] = ["C", "A", "C", "D"]             # id 2 differs (B -> C), id 6 had none
    b["confidence"] = [0.8, 0.65, 0.5, 0.4]      # id 4 differs
    b["x"] = [2.0, 4.0, 5.5, 6.0]                # id 5 differs
    b["bodyId"] = [20, 30, 11, 40]               # id 5 differs
    extra = pd.DataFrame({"id": [7], "bodyId": [50], "type": ["post"], "x": [9.0], "y": [9.0],
                          "z": [9.0], "confidence": [0.3], "roi": ["A"]})
    c = POINTS_A.iloc[[1, 0]].assign(roi=["D", "D"])   # id 2 (B vs D), id 1 (A vs D)
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A,
                                            "b.csv": pd.concat([b, extra], ignore_index=True),
                                            "c.csv": c},
                     pair_files={"p1.csv": PAIRS_1})
    points, _, conflicts = whole(recipe)
    assert {(c.column, Path(c.overridden_from).name) for c in conflicts} == {
        ("roi", "b.csv"), ("confidence", "b.csv"), ("x", "b.csv"), ("bodyId", "b.csv"),
        ("roi", "c.csv")}
    assert assert_same_outcome(recipe, tmp_path / "spill") is None


@pytest.mark.parametrize("extra, column", [
    ((99, 6), "pre_id"),     # unknown T-bar
    ((1, 99), "post_id"),    # unknown PSD
    ((2, 6), "pre_id"),      # pre_id names a PSD
    ((1, 4), "post_id"),     # post_id names a T-bar
    ((4, 2), "post_id"),     # PSD 2 paired twice (with T-bars 1 and 4)
])
def test_bad_pairs(tmp_path, extra, column):
    p2 = pd.DataFrame({"pre_id": [1, extra[0]], "post_id": [3, extra[1]]})  # (1, 3): in p1 too
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A},
                     pair_files={"p1.csv": PAIRS_1, "p2.csv": p2})
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and err.column == column and err.row == 2
    assert Path(err.file).name == "p2.csv"


def test_repeated_pair_is_dropped(tmp_path):
    p2 = pd.DataFrame({"pre_id": [4, 1], "post_id": [6, 2]})     # (1, 2) also in p1
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A},
                     pair_files={"p1.csv": PAIRS_1, "p2.csv": p2})
    assert assert_same_outcome(recipe, tmp_path / "spill") is None
    _, pairs, _ = whole(recipe)
    assert len(pairs) == 4


@pytest.mark.parametrize("policy", ["error", "add"])
def test_unknown_body(tmp_path, policy):
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A}, pair_files={"p1.csv": PAIRS_1},
                     unknown_bodies=policy)
    points, _, _ = whole(recipe)
    known = pd.Index([10, 20, 30])            # body 40 (id 6, row 6) unknown
    s, _ = spill(recipe, tmp_path / "spill", partition_rows=4)
    with s:
        if policy == "error":
            with pytest.raises(ValidationError) as want:
                check_synapse_bodies(recipe, points, known)
            with pytest.raises(ValidationError) as err:
                s.unknown_bodies(recipe, known)
            assert_same_error(err.value, want.value)
            assert (err.value.row, err.value.column) == (6, "bodyId")
        else:
            got = s.unknown_bodies(recipe, known)
            assert got == check_synapse_bodies(recipe, points, known)
            assert got[0] == [40]


# --- files read in chunks (partition_rows=4 reads 4 rows at a time) ---------------------------

def test_bad_cell_in_a_later_chunk_names_its_file_row(tmp_path):
    bad = POINTS_A.astype({"x": object})
    bad.loc[5, "x"] = "abc"                                  # file row 6, second chunk
    recipe = crafted(tmp_path, point_files={"a.csv": bad}, pair_files={"p1.csv": PAIRS_1})
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and (err.row, err.column) == (6, "x")


def test_psd_paired_twice_across_chunks_of_one_file(tmp_path):
    pairs = pd.concat([PAIRS_1, pd.DataFrame({"pre_id": [4, 4], "post_id": [6, 3]})],
                      ignore_index=True)                    # row 5: PSD 3 again (row 2)
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A}, pair_files={"p1.csv": pairs})
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and (err.row, err.column) == (5, "post_id")
    assert "paired twice" in str(err) and "row 2)" in str(err)


def test_same_pair_twice_across_chunks_of_one_file(tmp_path):
    """Within one file a repeated pair is an error (across files it is dropped)."""
    pairs = pd.concat([PAIRS_1, pd.DataFrame({"pre_id": [4, 1], "post_id": [6, 2]})],
                      ignore_index=True)                    # row 5 repeats row 1
    recipe = crafted(tmp_path, point_files={"a.csv": POINTS_A}, pair_files={"p1.csv": pairs})
    err = assert_same_outcome(recipe, tmp_path / "spill")
    assert err is not None and (err.row, err.column) == (5, "post_id")
