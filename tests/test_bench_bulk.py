"""measure_bulk_import runs end to end on the smoke size (its own throw-away instance)."""

from __future__ import annotations

import os

from connectograph.bench.bulk import measure_bulk_import
from connectograph.neo4j_server.settings import InstanceSettings


def test_measure_bulk_import_smoke(tmp_path):
    from connectograph.synthetic.generator import generate

    gen = generate(tmp_path / "smoke", "smoke", synapses=True, load_synapses=True)
    instance = os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test") + "-bench-bulk"
    messages: list[str] = []
    r = measure_bulk_import(gen.recipe, instance=instance, heap="1g", pagecache="512m",
                            echo=messages.append)
    m = gen.manifest
    # bodies, synapse points, ROIs, skeletons, Meta and 2 SynapseSets per connected pair;
    # SynapsesTo is one relationship per synapse pair
    assert r["nodes"] >= m["bodies"] + m["synapse_points"] + m["skeletons"] + 1
    assert r["relationships"] >= m["synapse_pairs"] + m["connections"]
    assert r["ours_s"] > 0 and r["admin_s"] > 0 and r["store_bytes"] > 0
    assert abs(r["ratio"] - r["ours_rate"] / r["admin_rate"]) < 1e-9
    assert {"prepare", "csv", "import", "rename", "indexes"} <= set(r["stages"])
    st = r["stages"]
    assert r["import_phase_s"] == st["prepare"] + st["csv"] + st["import"] < r["ours_s"]
    assert r["import_phase_ratio"] == r["admin_s"] / r["import_phase_s"]
    assert not InstanceSettings(name=instance).root.exists()
