"""The benchmark harness end to end at the smoke size (no timing asserts):
generate → load → one query comparison → tables written; the loaded dataset
holds what the generator says it wrote."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def smoke_run(neo4j_connection, tmp_path_factory):
    from connectograph.bench.runner import run_bench
    out = tmp_path_factory.mktemp("bench")
    return run_bench(sizes=["smoke"], sections=["queries", "ingest"], real=False,
                     out_dir=out, work_dir=out / "data", repeats=1, cold_repeats=1,
                     rust_variants="current", cases=["fetch_neurons(type)"],
                     connection=neo4j_connection, echo=lambda s: None)


def test_tables_written(smoke_run):
    from connectograph.bench.report import CSV_COLUMNS
    table = pd.read_csv(smoke_run.csv)
    assert list(table.columns) == CSV_COLUMNS
    assert set(table["section"]) == {"generate", "ingest", "queries"}
    q = table[(table["section"] == "queries") & (table["case"] == "fetch_neurons(type)")]
    assert sorted(q["phase"]) == ["cold", "warm"]
    assert (q["ours_min_s"] > 0).all() and (q["baseline_min_s"] > 0).all()
    assert q["same_result"].all()
    ingest = table[table["section"] == "ingest"]
    assert len(ingest) == 1 and ingest["ours_min_s"].iloc[0] > 0
    assert json.loads(ingest["extra"].iloc[0])["peak_rss_mb"] > 0
    md = smoke_run.markdown.read_text()
    for heading in ("## Machine", "## Queries", "## Ingest", "| cores |"):
        assert heading in md


def test_loaded_counts_match_generator(smoke_run, neo4j_connection):
    from connectograph import Client
    (dataset, manifest), = smoke_run.datasets.items()
    folder = smoke_run.csv.parent / "data" / "synthetic-20k-s0"
    conns = pd.concat([pd.read_csv(folder / f) for f in manifest["files"]["roi_connections"]])
    neurons = pd.read_csv(folder / "neurons.csv")
    # The manifest is what the files hold ...
    assert manifest["synapse_pairs"] == conns["weight"].sum() == 20_000
    assert manifest["bodies"] == len(neurons)
    assert manifest["connections"] == len(conns.drop_duplicates(["bodyId_pre", "bodyId_post"]))
    # ... and what the database holds.
    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=dataset) as c:
        seg, conn = c.dataset.label("Segment"), c.dataset.label("Skeleton")
        row = c.read(f"MATCH (n:{seg}) RETURN count(n) AS bodies, sum(n.pre) AS pre")[0]
        assert row["bodies"] == manifest["bodies"]
        assert row["pre"] == manifest["tbars"]
        row = c.read(f"MATCH (:{seg})-[e:ConnectsTo]->(:{seg}) "
                     "RETURN count(e) AS n, sum(e.weight) AS w")[0]
        assert row["n"] == manifest["connections"]
        assert row["w"] == manifest["synapse_pairs"]
        assert c.read(f"MATCH (s:{conn}) RETURN count(s) AS n")[0]["n"] == manifest["skeletons"]
