"""Read-outs of the hemibrain-mb dataset in the graph, shared by the modules
that compare it before and after a reload (test_load_hemibrain.py,
tests/loading/test_load_synapses.py): counts per label and relationship type,
and the synapse sites with their ROI flags."""

from __future__ import annotations

import pandas as pd

DATASET = "hemibrain-mb:v1.2.1"
PREFIX = DATASET + "_"
SYN = f"`{PREFIX}Synapse`"


def count_by_label(client) -> dict[str, int]:
    """Nodes per label of the dataset (labels starting with its prefix)."""
    rows = client.read("MATCH (n) UNWIND labels(n) AS l WITH l WHERE l STARTS WITH $p "
                       "RETURN l AS label, count(*) AS n", {"p": PREFIX})
    return {r["label"]: r["n"] for r in rows}


def count_by_rel_type(client) -> dict[str, int]:
    """Relationships per type, starting at a node of the dataset."""
    rows = client.read("MATCH (a)-[r]->() WHERE any(l IN labels(a) WHERE l STARTS WITH $p) "
                       "RETURN type(r) AS t, count(*) AS n", {"p": PREFIX})
    return {r["t"]: r["n"] for r in rows}


def graph_sites(client) -> pd.DataFrame:
    """Every :Synapse of the dataset: bodyId, type, x, y, z (voxels), confidence,
    id (synapseId) and rois (the names of its true ROI flags)."""
    rows = client.read(
        f"MATCH (s:{SYN}) RETURN s.bodyId AS bodyId, s.type AS type, s.location.x AS x, "
        "s.location.y AS y, s.location.z AS z, s.confidence AS confidence, s.synapseId AS id, "
        "[k IN keys(s) WHERE s[k] = true] AS rois")
    return pd.DataFrame(rows)
