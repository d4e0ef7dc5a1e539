"""The benchmark harness end to end at the smoke size (no timing asserts):
generate (with synapse tables) → Bolt load → bulk-import comparison (when
``connectograph.bench.bulk`` is there) → query comparisons with the bare
driver and with neuprint-python through ``connectograph serve`` → tables
written; the loaded dataset holds what the generator says it wrote."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

#: The smoke run also loads the data in partitions of this many rows.
PARTITION_ROWS = 10_000
#: Query cases run by the smoke fixture: one neuron case and the synapse cases.
SMOKE_CASES = ["fetch_neurons(type)", "fetch_synapses(body)", "fetch_mean_synapses(body)",
               "fetch_synapse_connections(body, any)"]


@pytest.fixture(scope="module")
def smoke_run(neo4j_connection, tmp_path_factory):
    from connectograph.bench.runner import run_bench
    out = tmp_path_factory.mktemp("bench")
    instance = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-bench"
    return run_bench(sizes=["smoke"], sections=["queries", "ingest"], real=False,
                     out_dir=out, work_dir=out / "data", repeats=1, cold_repeats=1,
                     rust_variants="current", cases=SMOKE_CASES, instance=instance,
                     heap="1g", pagecache="512m", partition_rows=PARTITION_ROWS,
                     connection=neo4j_connection, echo=lambda s: None)


@pytest.fixture(scope="module")
def table(smoke_run):
    return pd.read_csv(smoke_run.csv)


@pytest.mark.neo4j
def test_tables_written(smoke_run, table):
    from connectograph.bench.report import CSV_COLUMNS
    assert list(table.columns) == CSV_COLUMNS
    assert set(table["section"]) == {"generate", "ingest", "queries"}
    md = smoke_run.markdown.read_text()
    for heading in ("## Machine", "## Queries: ours / bare", "## Queries: ours / neuprint-python",
                    "## Ingest: Bolt loader", "| cores |"):
        assert heading in md


@pytest.mark.neo4j
@pytest.mark.parametrize("baseline", ["bare neo4j driver", "neuprint-python via service"])
def test_query_rows(table, baseline):
    """Every smoke case is timed cold and warm against both baselines, and
    both sides found the same number of rows (the synapse cases included)."""
    q = table[(table["section"] == "queries") & (table["baseline"] == baseline)]
    assert sorted(q["case"].unique()) == sorted(SMOKE_CASES)
    for case, rows in q.groupby("case"):
        assert sorted(rows["phase"]) == ["cold", "warm"], case
        assert (rows["ours_min_s"] > 0).all() and (rows["baseline_min_s"] > 0).all(), case
        assert rows["same_result"].astype(bool).all(), (case, rows["note"].tolist())
        assert (rows["rows"] > 0).all(), case


@pytest.mark.neo4j
def test_bolt_ingest_row(smoke_run, table):
    (dataset, manifest), = smoke_run.datasets.items()
    ingest = table[(table["section"] == "ingest") & (table["case"] == "load (Bolt)")]
    assert len(ingest) == 2 and (ingest["ours_min_s"] > 0).all()
    extra, partitioned = (json.loads(e) for e in ingest["extra"])
    # the partitioned load wrote the same counts
    assert (extra["partition_rows"], partitioned["partition_rows"]) == (None, PARTITION_ROWS)
    assert partitioned["counts"] == extra["counts"]
    assert "partitions of 10,000 rows" in smoke_run.markdown.read_text()
    assert extra["peak_rss_mb"] > 0
    # Synapses: points plus partner links, as the generator wrote them.
    assert extra["synapses"] == manifest["synapse_points"] + manifest["synapse_partner_rows"]
    assert extra["synapses_per_s"] > 0 and extra["synapse_write_per_s"] > 0
    assert extra["synapses_per_s"] == pytest.approx(extra["synapses"]
                                                    / ingest["ours_min_s"].iloc[0])
    for stage in ("read and validate", "bodies", "synapse graph", "publish"):
        assert extra["stages"][stage] > 0, stage


@pytest.mark.neo4j
def test_bulk_import_row(smoke_run, table):
    """The bulk-import comparison row: ours and neo4j-admin on the same rows."""
    bulk = table[(table["section"] == "ingest") & (table["case"] == "load (bulk import)")]
    md = smoke_run.markdown.read_text()
    assert len(bulk) == 1, md
    row = bulk.iloc[0]
    assert row["baseline"] == "neo4j-admin database import (same CSV rows)"
    assert row["ours_min_s"] > 0 and row["baseline_min_s"] > 0 and row["ratio_min"] > 0
    extra = json.loads(row["extra"])
    assert extra["ours_rate"] > 0 and extra["admin_rate"] > 0
    st = extra["stages"]
    assert extra["import_phase_s"] == pytest.approx(st["prepare"] + st["csv"] + st["import"])
    assert extra["import_phase_ratio"] == pytest.approx(row["baseline_min_s"]
                                                        / extra["import_phase_s"])
    # the report gives both rate ratios (neo4j-admin seconds / ours)
    line = next(r for r in md.splitlines() if r.startswith(f"| {row['dataset']} | ")
                and f"| {row['ratio_min']:.2f} |" in r)
    assert (f"| {1 / row['ratio_min']:.2f} | {extra['import_phase_s']:.1f} | "
            f"{extra['import_phase_ratio']:.2f} |") in line


@pytest.mark.neo4j
def test_measure_bulk_import_smoke(smoke_run, table):
    """``measure_bulk_import`` end to end on the smoke size (the bulk row of the
    smoke run, on its own throw-away instance, removed at the end): the import
    holds what the generator wrote, and its stages add up."""
    from connectograph.neo4j_server.settings import InstanceSettings
    (dataset, m), = smoke_run.datasets.items()
    row = table[(table["section"] == "ingest") & (table["case"] == "load (bulk import)")].iloc[0]
    r = json.loads(row["extra"])
    # bodies, synapse points, ROIs, skeletons, Meta and 2 SynapseSets per connected pair;
    # SynapsesTo is one relationship per synapse pair
    assert r["nodes"] >= m["bodies"] + m["synapse_points"] + m["skeletons"] + 1
    assert r["relationships"] >= m["synapse_pairs"] + m["connections"]
    assert r["store_bytes"] > 0
    assert row["ratio_min"] == pytest.approx(r["admin_rate"] / r["ours_rate"], rel=1e-9)
    assert {"prepare", "csv", "import", "rename", "indexes"} <= set(r["stages"])
    st = r["stages"]
    assert r["import_phase_s"] == pytest.approx(st["prepare"] + st["csv"] + st["import"])
    assert r["import_phase_s"] < row["ours_min_s"]
    instance = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-bench-bulk"
    assert not InstanceSettings(name=instance).root.exists()


@pytest.mark.neo4j
def test_loaded_counts_match_generator(smoke_run, neo4j_connection):
    from connectograph import Client
    (dataset, manifest), = smoke_run.datasets.items()
    folder = smoke_run.csv.parent / "data" / "synthetic-20k-s0"
    conns = pd.concat([pd.read_csv(folder / f) for f in manifest["files"]["roi_connections"]])
    neurons = pd.read_csv(folder / "neurons.csv")
    points = pd.concat([pd.read_csv(folder / f) for f in manifest["files"]["points"]])
    partners = pd.concat([pd.read_csv(folder / f) for f in manifest["files"]["partners"]])
    # The manifest is what the files hold ...
    assert manifest["synapse_pairs"] == conns["weight"].sum() == 20_000
    assert manifest["bodies"] == len(neurons)
    assert manifest["connections"] == len(conns.drop_duplicates(["bodyId_pre", "bodyId_post"]))
    assert manifest["synapse_points"] == len(points)
    assert manifest["synapse_partner_rows"] == len(partners) == 20_000
    # ... and what the database holds.
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=dataset) as c:
        seg, skel = c.dataset.label("Segment"), c.dataset.label("Skeleton")
        syn = c.dataset.label("Synapse")
        row = c.read(f"MATCH (n:{seg}) RETURN count(n) AS bodies, sum(n.pre) AS pre")[0]
        assert row["bodies"] == manifest["bodies"]
        assert row["pre"] == manifest["tbars"]
        row = c.read(f"MATCH (:{seg})-[e:ConnectsTo]->(:{seg}) "
                     "RETURN count(e) AS n, sum(e.weight) AS w")[0]
        assert row["n"] == manifest["connections"]
        assert row["w"] == manifest["synapse_pairs"]
        assert c.read(f"MATCH (s:{skel}) RETURN count(s) AS n")[0]["n"] == manifest["skeletons"]
        assert c.read(f"MATCH (s:{syn}) RETURN count(s) AS n")[0]["n"] == len(points)
        assert c.read(f"MATCH (:{syn})-[r:SynapsesTo]->(:{syn}) RETURN count(r) AS n")[0]["n"] \
            == len(partners)


def test_every_fetch_function_has_a_case():
    from connectograph.bench.queries import uncovered_fetch_functions
    assert uncovered_fetch_functions() == []


def test_stage_clock_times_messages_and_writes():
    """Stage seconds come from the loader's messages and progress bars."""
    from connectograph.bench.ingest import StageClock
    clock = StageClock()
    clock.echo("Reading and validating the sources of x:y ...")
    clock.echo("Writing ROIs, bodies and connections ...")
    for desc in ("bodies", "synapses", "synapses"):
        bar = clock.progress(10, desc)
        bar.update(10)
        bar.close()
    clock.echo("Publishing ...")
    stages = clock.finish()
    assert list(stages) == ["read and validate", "bodies", "synapses", "all writes", "publish"]
    assert all(v >= 0 for v in stages.values())
    assert stages["all writes"] >= stages["bodies"] + stages["synapses"]


def test_bolt_row_rates():
    from connectograph.bench.ingest import bolt_row
    res = {"seconds": 4.0, "peak_rss_mb": 100.0,
           "counts": {"Segment nodes": 5, "ConnectsTo relationships": 8, "Synapse nodes": 30,
                      "SynapsesTo relationships": 10},
           "stages": {"synapse graph": 1.5, "synapses": 0.5}}
    row = bolt_row("a:b", res, {"synapse_pairs": 10})
    extra = json.loads(row["extra"])
    assert extra["synapses"] == 40
    assert extra["synapses_per_s"] == 10.0
    assert extra["synapse_write_per_s"] == 20.0
    assert extra["connections_per_s"] == 2.0
    assert row["variant"] == "neurons+connections+synapses"


def test_measure_alternating_alternates_and_repeats_fast_functions():
    from connectograph.bench.timing import measure_alternating
    calls = []
    a, b = measure_alternating([lambda: calls.append("a") or 1, lambda: calls.append("b") or 2],
                               3)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]   # one untimed run each first
    assert len(a.times) == len(b.times) == 3 and (a.result, b.result) == (1, 2)
    calls.clear()
    a, b = measure_alternating([lambda: None, lambda: None], 2, min_seconds=10.0, max_repeats=7)
    assert len(a.times) == len(b.times) == 7                      # fast: up to max_repeats
