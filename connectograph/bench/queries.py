"""Query speed: each fetch_* function against the bare neo4j driver.

For every case, ``ours`` is the connectograph call and ``bare`` is the plain
driver running hand-written Cypher (``baseline.cypher``) for the same rows,
read through the driver's fastest result path (``Result.values()`` into a
DataFrame), with no further processing. The ratio ours / bare is therefore
the cost of everything connectograph adds: criteria building and validation,
Meta lookups, JSON parsing, the second table (``roi_counts_df``...), column
order and dtypes.

Phases: **warm**: one untimed run, then repeated runs on the same connection;
**cold**: before each run the server's query caches are cleared
(``db.clearQueryCaches()``, so planning is included) and a new connection is
opened (untimed; our client's per-connection Meta cache starts empty). The
page cache is not dropped.

Parameters are picked from the data, so the same cases run on any dataset:
the most common cell type that has outputs, the primary ROI with most neurons
receiving input there, the largest skeleton, the neuron with most
synapse-level partners (SynapseSets; synapse cases, skipped on a dataset
without synapses), the dataset's default synapse confidence
(``Meta.postHighAccuracyThreshold``) and the type with most connections onto
untraced bodies (orphan tasks; the most common type when every body is traced).
``fetch_datasets`` lists every dataset in the database, so its time grows
with what else is loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Callable, Iterator

import neo4j
import pandas as pd

from ..client import Client
from ..cypher_files import LabelSet
from ..errors import BenchmarkError
from .timing import measure, measure_alternating

_BLOCK = re.compile(r"^//\s*@name:\s*(\S+)\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def _baseline_block(name: str) -> str:
    text = resources.files("connectograph.bench").joinpath("baseline.cypher").read_text()
    parts = _BLOCK.split(text)
    blocks = {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}
    if name not in blocks:
        raise BenchmarkError(f"baseline.cypher has no block {name!r}")
    return "\n".join(ln for ln in blocks[name].splitlines() if not ln.lstrip().startswith("//"))


def baseline_cypher(name: str, dataset: str) -> str:
    """The hand-written statement ``name`` of ``baseline.cypher`` for ``dataset``
    (labels escaped by :class:`~connectograph.cypher_files.LabelSet`)."""
    labels = LabelSet(dataset)
    return _PLACEHOLDER.sub(lambda m: labels(m.group(1)),
                            _baseline_block(name)).strip().rstrip(";")


def neuprint_cypher(name: str) -> str:
    """The statement ``name`` of ``baseline.cypher`` with neuPrint's plain labels
    (``:Neuron``), as a neuprint-python user writes it for ``fetch_custom``; the
    service scopes it to the request's dataset."""
    return _PLACEHOLDER.sub(lambda m: m.group(1), _baseline_block(name)).strip().rstrip(";")


def bare_frame(driver: neo4j.Driver, cypher: str, params: dict) -> pd.DataFrame:
    """Run a read query with the plain driver; rows as a DataFrame."""
    keys, values = driver.execute_query(
        cypher, params, routing_=neo4j.RoutingControl.READ,
        result_transformer_=lambda r: (r.keys(), r.values()))
    return pd.DataFrame(values, columns=keys)


@dataclass
class QueryCase:
    """One comparison.

    Attributes
    ----------
    name : str
        Case label, e.g. ``fetch_neurons(type)``.
    function : str
        The fetch_* function measured.
    ours : callable(client, params) -> int
        Runs our function; returns the number of result rows compared.
    bare : callable(driver, dataset, params) -> int
        Runs the baseline; returns the same count.
    needs : tuple of str
        Parameters it needs (skipped when the dataset has none).
    """

    name: str
    function: str
    ours: Callable[[Client, dict], int]
    bare: Callable[[neo4j.Driver, str, dict], int]
    needs: tuple[str, ...] = ()


def query_cases() -> list[QueryCase]:
    """Every query case (a fresh list; the fetch functions are imported on call)."""
    from ..criteria import AtLeast, SynapseCriteria
    from ..criteria import NeuronCriteria as NC
    from ..fetch import (fetch_adjacencies, fetch_common_connectivity,
                         fetch_connection_series, fetch_custom, fetch_custom_neurons,
                         fetch_dataset_diff, fetch_datasets, fetch_downstream_orphan_tasks,
                         fetch_mean_synapses, fetch_neurons, fetch_output_completeness,
                         fetch_paths, fetch_roi_completeness, fetch_roi_connectivity,
                         fetch_roi_hierarchy, fetch_shortest_paths, fetch_simple_connections,
                         fetch_skeleton, fetch_skeletons, fetch_synapse_connections,
                         fetch_synapses, fetch_traced_adjacencies)
    from ..fetch.completeness import NEUPRINT_COMPLETE_STATUSES

    def neurons_type(c, p):
        return len(fetch_neurons(NC(type=p["type"]), client=c)[0])

    def neurons_type_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("neurons_by_type", ds), {"type": p["type"]}))

    def neurons_roi(c, p):
        return len(fetch_neurons(NC(inputRois=[p["roi"]]), client=c)[0])

    def neurons_roi_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("neurons_by_input_roi", ds), {"roi": p["roi"]}))

    def adjacencies(c, p):
        _, roi_conn = fetch_adjacencies(NC(type=p["type"]), None, client=c)
        return len(roi_conn[["bodyId_pre", "bodyId_post"]].drop_duplicates())

    def adjacencies_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("adjacencies_from_type", ds), {"type": p["type"]}))

    def custom(c, p):
        return len(fetch_custom(baseline_cypher("downstream_types", str(c.dataset)),
                                {"type": p["type"]}, client=c))

    def custom_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("downstream_types", ds), {"type": p["type"]}))

    def hierarchy(c, p):
        return len(fetch_roi_hierarchy(format="text", client=c).splitlines())

    def hierarchy_bare(d, ds, p):
        row = bare_frame(d, baseline_cypher("roi_hierarchy", ds), {}).iloc[0]
        tree, lines = json.loads(row["roiHierarchy"]), []

        def walk(node, depth):
            lines.append("  " * depth + node["name"])
            for child in node.get("children") or []:
                walk(child, depth + 1)
        walk(tree, 0)
        return len(lines)

    def skeleton(c, p):
        return len(fetch_skeleton(p["body"], client=c))

    def skeleton_bare(d, ds, p):
        row = bare_frame(d, baseline_cypher("skeleton", ds), {"body": p["body"]}).iloc[0]
        return len(pd.DataFrame({k: row[k] for k in ("rowId", "x", "y", "z", "radius", "link")}))

    def skeletons(c, p):
        found = fetch_skeletons(p["skeleton_bodies"], progress=False, client=c)
        frames = found.values() if isinstance(found, dict) else [n.nodes for n in found]
        return sum(len(f) for f in frames)

    def skeletons_bare(d, ds, p):
        df = bare_frame(d, baseline_cypher("skeletons_of_bodies", ds),
                        {"bodies": p["skeleton_bodies"]})
        return int(sum(len(pd.DataFrame({k: row[k] for k in ("rowId", "x", "y", "z",
                                                             "radius", "link")}))
                       for _, row in df.iterrows()))

    def self_diff(c, p):
        diff = fetch_dataset_diff(str(c.dataset), str(c.dataset), client=c)
        return (len(diff.connections) + len(diff.neuron_changes) + len(diff.neurons_only_a)
                + len(diff.neurons_only_b))

    def self_diff_bare(d, ds, p):
        """Changed connections plus changed or unmatched bodies, with pandas."""
        conn = [bare_frame(d, baseline_cypher("all_connections", ds), {}) for _ in range(2)]
        bodies = [bare_frame(d, baseline_cypher("all_segments", ds), {}) for _ in range(2)]
        edges = conn[0].merge(conn[1], on=["bodyId_pre", "bodyId_post"], how="outer",
                              suffixes=("_a", "_b"), indicator=True)
        nodes = bodies[0].merge(bodies[1], on="bodyId", how="outer", suffixes=("_a", "_b"),
                                indicator=True)
        return int(((edges["_merge"] != "both") | (edges["weight_a"] != edges["weight_b"])).sum()
                   + ((nodes["_merge"] != "both")
                      | (nodes["properties_a"] != nodes["properties_b"])).sum())

    def series(c, p):
        return len(fetch_connection_series([str(c.dataset)], NC(type=p["type"]), client=c))

    def series_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("connections_from_type_to_segments", ds),
                              {"type": p["type"]}))

    def simple(c, p):
        return len(fetch_simple_connections(NC(type=p["type"]), None, client=c))

    def simple_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("simple_connections_from_type", ds),
                              {"type": p["type"]}))

    def common(c, p):
        return len(fetch_common_connectivity(NC(type=p["type"]), "upstream", client=c))

    def common_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("common_inputs_of_type", ds),
                              {"type": p["type"]}))

    def paths(c, p):
        return len(fetch_shortest_paths(p["path_src"], p["path_dest"], timeout=None, client=c))

    def paths_bare(d, ds, p):
        df = bare_frame(d, baseline_cypher("shortest_paths", ds),
                        {"src": p["path_src"], "dest": p["path_dest"]})
        return int(sum(len(path) for path in df["path"]))

    def roi_completeness(c, p):
        return len(fetch_roi_completeness(client=c))

    def roi_completeness_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("roi_completeness", ds),
                              {"statuses": list(NEUPRINT_COMPLETE_STATUSES)}))

    def roi_connectivity(c, p):
        return len(fetch_roi_connectivity(client=c))

    def roi_connectivity_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("roi_connectivity", ds),
                              {"rois": p["primary_rois"]}))

    def output_completeness(c, p):
        return len(fetch_output_completeness(NC(type=p["type"]), client=c))

    def output_completeness_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("output_completeness_of_type", ds),
                              {"type": p["type"]}))

    def synapses(c, p):
        return len(fetch_synapses(NC(bodyId=p["synapse_body"]), SynapseCriteria(), client=c))

    def synapses_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("synapses_of_body", ds), _synapse_params(p)))

    def mean_synapses(c, p):
        return len(fetch_mean_synapses(NC(bodyId=p["synapse_body"]), client=c))

    def mean_synapses_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("mean_synapses_of_body", ds),
                              _synapse_params(p)))

    def synapse_connections(c, p):
        return len(fetch_synapse_connections(NC(bodyId=p["synapse_body"]), None, client=c))

    def synapse_connections_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("synapse_connections_from_body", ds),
                              _synapse_params(p)))

    def paths2(c, p):
        return len(fetch_paths(p["path_src"], p["path_dest"], max_path_length=2, timeout=None,
                               client=c))

    def paths2_bare(d, ds, p):
        df = bare_frame(d, baseline_cypher("paths_up_to_2", ds),
                        {"src": p["path_src"], "dest": p["path_dest"]})
        return int(sum(len(path) for path in df["path"]))

    def traced(c, p):
        _, roi_conn = fetch_traced_adjacencies(client=c)
        return len(roi_conn[["bodyId_pre", "bodyId_post"]].drop_duplicates())

    def traced_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("traced_adjacencies", ds),
                              {"statuses": ["Traced"]}))

    def orphans(c, p):
        return len(fetch_downstream_orphan_tasks(NC(type=p["orphan_type"]), client=c))

    def orphans_bare(d, ds, p):
        df = bare_frame(d, baseline_cypher("downstream_orphans_of_type", ds),
                        {"type": p["orphan_type"], "statuses": ["Traced"]})
        df = df.astype({"orphan_weight": "int64", "orig_traced_weight": "int64",
                        "total_weight": "int64"})
        df["cum_orphan_weight"] = df.groupby("bodyId_pre")["orphan_weight"].cumsum()
        df["cum_completeness"] = ((df["orig_traced_weight"] + df["cum_orphan_weight"])
                                  / df["total_weight"])
        return len(df)

    def custom_neurons(c, p):
        return len(fetch_custom_neurons(baseline_cypher("custom_neurons_top_pre",
                                                        str(c.dataset)), client=c)[0])

    def custom_neurons_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("custom_neurons_top_pre", ds), {}))

    def both(c, p):
        return len(fetch_simple_connections(NC(type=p["type"]), None, synapse_type="both",
                                            client=c))

    def both_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("connections_both_from_type", ds),
                              {"type": p["type"]}))

    def electrical(c, p):
        _, roi_conn = fetch_adjacencies(NC(type=p["type"]), None, synapse_type="electrical",
                                        client=c)
        return len(roi_conn[["bodyId_pre", "bodyId_post"]].drop_duplicates())

    def electrical_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("gap_junctions_from_type", ds),
                              {"type": p["type"]}))

    def synapses_nt(c, p):
        return len(fetch_synapses(NC(bodyId=p["synapse_body"]), SynapseCriteria(), nt="max",
                                  client=c))

    def synapses_nt_bare(d, ds, p):
        props = p["nt_properties"]
        df = bare_frame(d, baseline_cypher("synapses_nt_of_body", ds),
                        {**_synapse_params({**p, "primary_rois": []}),
                         "nt_properties": props})
        probs = pd.DataFrame(df.pop("nt_probs").tolist(), columns=props, dtype="float64")
        known = probs.notna().any(axis=1)  # PSDs carry none
        df["nt"] = probs[known].idxmax(axis=1).reindex(df.index)
        df["ntProb"] = probs.max(axis=1)
        return len(df)

    def gaba(c, p):
        return len(fetch_neurons(NC(ntGabaProb=AtLeast(0.5)), client=c)[0])

    def gaba_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("neurons_by_gaba_prob", ds), {"p": 0.5}))

    def datasets(c, p):
        return len(fetch_datasets(client=c))

    def datasets_bare(d, ds, p):
        return len(bare_frame(d, baseline_cypher("datasets", ds), {}))

    return [
        QueryCase("fetch_simple_connections(type, any)", "fetch_simple_connections", simple,
                  simple_bare, ("type",)),
        QueryCase("fetch_common_connectivity(type, upstream)", "fetch_common_connectivity",
                  common, common_bare, ("type",)),
        QueryCase("fetch_shortest_paths(2 hops)", "fetch_shortest_paths", paths, paths_bare,
                  ("path_src", "path_dest")),
        QueryCase("fetch_roi_completeness()", "fetch_roi_completeness", roi_completeness,
                  roi_completeness_bare),
        QueryCase("fetch_roi_connectivity()", "fetch_roi_connectivity", roi_connectivity,
                  roi_connectivity_bare, ("primary_rois",)),
        QueryCase("fetch_output_completeness(type)", "fetch_output_completeness",
                  output_completeness, output_completeness_bare, ("type",)),
        QueryCase("fetch_neurons(type)", "fetch_neurons", neurons_type, neurons_type_bare,
                  ("type",)),
        QueryCase("fetch_neurons(inputRois)", "fetch_neurons", neurons_roi, neurons_roi_bare,
                  ("roi",)),
        QueryCase("fetch_adjacencies(type, any)", "fetch_adjacencies", adjacencies,
                  adjacencies_bare, ("type",)),
        QueryCase("fetch_custom(downstream types)", "fetch_custom", custom, custom_bare,
                  ("type",)),
        QueryCase("fetch_roi_hierarchy()", "fetch_roi_hierarchy", hierarchy, hierarchy_bare),
        QueryCase("fetch_skeleton(largest)", "fetch_skeleton", skeleton, skeleton_bare,
                  ("body",)),
        QueryCase("fetch_skeletons(20 largest)", "fetch_skeletons", skeletons, skeletons_bare,
                  ("skeleton_bodies",)),
        QueryCase("fetch_synapses(body)", "fetch_synapses", synapses, synapses_bare,
                  _SYNAPSE_NEEDS),
        QueryCase("fetch_mean_synapses(body)", "fetch_mean_synapses", mean_synapses,
                  mean_synapses_bare, _SYNAPSE_NEEDS),
        QueryCase("fetch_synapse_connections(body, any)", "fetch_synapse_connections",
                  synapse_connections, synapse_connections_bare, _SYNAPSE_NEEDS),
        QueryCase("fetch_paths(<= 2 hops)", "fetch_paths", paths2, paths2_bare,
                  ("path_src", "path_dest")),
        QueryCase("fetch_traced_adjacencies()", "fetch_traced_adjacencies", traced, traced_bare),
        QueryCase("fetch_downstream_orphan_tasks(type)", "fetch_downstream_orphan_tasks",
                  orphans, orphans_bare, ("orphan_type",)),
        QueryCase("fetch_custom_neurons(top 100 by pre)", "fetch_custom_neurons",
                  custom_neurons, custom_neurons_bare),
        QueryCase("fetch_datasets()", "fetch_datasets", datasets, datasets_bare),
        QueryCase("fetch_dataset_diff(dataset, itself)", "fetch_dataset_diff", self_diff,
                  self_diff_bare),
        QueryCase("fetch_connection_series([dataset], type)", "fetch_connection_series",
                  series, series_bare, ("type",)),
        # the VARIANT_CASES, skipped where a dataset has no gap junctions, no
        # per-synapse transmitters or no ntGabaProb
        QueryCase(VARIANT_CASES[0], "fetch_simple_connections", both, both_bare,
                  ("type", "gap_junctions")),
        QueryCase(VARIANT_CASES[1], "fetch_adjacencies", electrical, electrical_bare,
                  ("type", "gap_junctions")),
        QueryCase(VARIANT_CASES[2], "fetch_synapses", synapses_nt, synapses_nt_bare,
                  ("synapse_body", "confidence", "nt_properties")),
        QueryCase(VARIANT_CASES[3], "fetch_neurons", gaba, gaba_bare, ("gaba_prob",)),
    ]


#: Names of the cases of the real datasets' variants (gap junctions, per-synapse
#: transmitters, value filters): the ``datasets`` section runs these on each.
VARIANT_CASES = ["fetch_simple_connections(type, any, both)",
                 "fetch_adjacencies(type, any, electrical)",
                 "fetch_synapses(body, nt='max')",
                 "fetch_neurons(ntGabaProb >= 0.5)"]



#: Parameters of the synapse cases: a body with loaded synapses, the default
#: confidence threshold and the primary ROIs.
_SYNAPSE_NEEDS = ("synapse_body", "confidence", "primary_rois")


def _synapse_params(p: dict) -> dict:
    return {"body": p["synapse_body"], "confidence": float(p["confidence"]),
            "rois": p["primary_rois"]}


def case_names() -> list[str]:
    """Names of every query case."""
    return [c.name for c in query_cases()]


def uncovered_fetch_functions() -> list[str]:
    """fetch_* functions of :mod:`connectograph.fetch` no case measures yet."""
    from .. import fetch
    covered = {c.function for c in query_cases()}
    helpers = {"fetch_meta", "fetch_all_rois", "fetch_primary_rois",  # Meta reads, cached
               "fetch_roi_mesh",           # reads the recipe's mesh file, not the database
               "fetch_cell_type_report"}   # a page of measured calls (fetch_neurons...)
    return sorted(n for n in getattr(fetch, "__all__", dir(fetch))
                  if n.startswith("fetch_") and n not in covered | helpers)


def pick_parameters(driver: neo4j.Driver, dataset: str) -> dict[str, Any]:
    """Case parameters chosen from the data (see module docstring)."""
    params: dict[str, Any] = {}
    for key, block, column in (("type", "params_top_type", "type"),
                               ("roi", "params_top_roi", "roi"),
                               ("body", "params_largest_skeleton", "body")):
        df = bare_frame(driver, baseline_cypher(block, dataset), {})
        if not df.empty:
            params[key] = df.iloc[0][column].item() if hasattr(df.iloc[0][column], "item") \
                else df.iloc[0][column]
    bodies = bare_frame(driver, baseline_cypher("params_skeleton_bodies", dataset), {})
    if not bodies.empty:
        params["skeleton_bodies"] = [int(b) for b in bodies["body"]]
    if "type" in params:
        df = bare_frame(driver, baseline_cypher("params_path_pair", dataset),
                        {"type": params["type"]})
        if not df.empty:
            params["path_src"], params["path_dest"] = (int(df.iloc[0]["src"]),
                                                       int(df.iloc[0]["dest"]))
    meta = bare_frame(driver, baseline_cypher("roi_hierarchy", dataset), {})
    if not meta.empty and meta.iloc[0]["primaryRois"]:
        params["primary_rois"] = sorted(meta.iloc[0]["primaryRois"])
    conf = bare_frame(driver, baseline_cypher("params_confidence", dataset), {})
    if not conf.empty:
        params["confidence"] = float(conf.iloc[0]["confidence"])
    body = bare_frame(driver, baseline_cypher("params_synapse_body", dataset), {})
    if not body.empty:
        params["synapse_body"] = int(body.iloc[0]["body"])
    if not bare_frame(driver, baseline_cypher("params_has_gap_junctions", dataset), {}).empty:
        params["gap_junctions"] = True
    if not bare_frame(driver, baseline_cypher("params_has_gaba_prob", dataset), {}).empty:
        params["gaba_prob"] = True
    nt = bare_frame(driver, baseline_cypher("params_nt_synapse_properties", dataset), {})
    if not nt.empty:
        params["nt_properties"] = sorted(json.loads(nt.iloc[0]["properties"]))
    orphan = bare_frame(driver, baseline_cypher("params_orphan_type", dataset),
                        {"statuses": ["Traced"]})
    if not orphan.empty:
        params["orphan_type"] = orphan.iloc[0]["type"]
    elif "type" in params:
        params["orphan_type"] = params["type"]  # every downstream body traced: 0 rows
    return params


def selected_cases(cases, params: dict, only: list[str] | None,
                   skipped: list[dict]) -> Iterator[tuple[Any, dict]]:
    """``(case, parameters it needs)`` for each case whose name contains one of
    ``only`` (all if None); a case needing a parameter the dataset lacks gets a
    "skipped" row appended to ``skipped`` instead."""
    for case in cases:
        if only and not any(o in case.name for o in only):
            continue
        missing = [k for k in case.needs if k not in params]
        if missing:
            skipped.append({"case": case.name, "function": case.function, "phase": "-",
                            "note": f"skipped: the dataset has no {', '.join(missing)}"})
            continue
        yield case, {k: params[k] for k in case.needs}


#: Warm runs of ours and bare alternate; fast cases repeat until both together
#: took this long (at most 50 rounds), see :func:`~.timing.measure_alternating`.
WARM_MIN_SECONDS = 1.0


def run_queries(uri: str, auth: tuple[str, str], dataset: str, *, repeats: int = 5,
                cold_repeats: int = 3, only: list[str] | None = None,
                echo: Callable[[str], None] = lambda s: None) -> list[dict]:
    """Time every case on ``dataset``, ours and bare, cold and warm.

    Returns
    -------
    list of dict
        One row per case and phase: ``case, function, phase, params, ours_min_s,
        ours_median_s, bare_min_s, bare_median_s, ratio_min, ratio_median,
        runs, rows, same_rows`` (``rows``: result rows compared; ``same_rows``:
        ours and bare found the same number).
    """
    rows = []
    driver = neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    client = Client(uri, auth=auth, dataset=dataset)
    try:
        params = pick_parameters(driver, dataset)
        for case, used in selected_cases(query_cases(), params, only, rows):

            def fresh_client():
                driver.execute_query("CALL db.clearQueryCaches()")
                return Client(uri, auth=auth, dataset=dataset, check_dataset=False)

            def fresh_driver():
                driver.execute_query("CALL db.clearQueryCaches()")
                d = neo4j.GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
                d.verify_connectivity()
                return d

            phases = {
                "warm": tuple(measure_alternating(
                    [lambda: case.ours(client, used), lambda: case.bare(driver, dataset, used)],
                    repeats, min_seconds=WARM_MIN_SECONDS)),
                "cold": (measure_cold(lambda c: case.ours(c, used), fresh_client, cold_repeats),
                         measure_cold(lambda d: case.bare(d, dataset, used), fresh_driver,
                                      cold_repeats)),
            }
            for phase, (ours, bare) in phases.items():
                rows.append({
                    "case": case.name, "function": case.function, "phase": phase,
                    "params": json.dumps(used), "ours_min_s": ours.min,
                    "ours_median_s": ours.median, "bare_min_s": bare.min,
                    "bare_median_s": bare.median, "ratio_min": ours.min / bare.min,
                    "ratio_median": ours.median / bare.median, "runs": len(ours.times),
                    "rows": ours.result, "same_rows": ours.result == bare.result, "note": ""})
                echo(f"    {case.name:<32} {phase}: ours {ours.min * 1000:8.1f} ms, bare "
                     f"{bare.min * 1000:8.1f} ms, ratio {ours.min / bare.min:5.2f} "
                     f"({ours.result} rows{'' if ours.result == bare.result else ' MISMATCH'})")
        for name in uncovered_fetch_functions():
            rows.append({"case": name, "function": name, "phase": "-",
                         "note": "no benchmark case yet"})
    finally:
        client.close()
        driver.close()
    return rows


def query_report_rows(dataset: str, qrows: list[dict], variant: str) -> list[dict]:
    """The benchmark report's rows (section ``queries``) of :func:`run_queries`' rows."""
    return [{"section": "queries", "dataset": dataset, "case": q["case"], "variant": variant,
             "phase": q.get("phase"), "ours_min_s": q.get("ours_min_s"),
             "ours_median_s": q.get("ours_median_s"), "baseline": "bare neo4j driver",
             "baseline_min_s": q.get("bare_min_s"), "baseline_median_s": q.get("bare_median_s"),
             "ratio_min": q.get("ratio_min"), "ratio_median": q.get("ratio_median"),
             "runs": q.get("runs"), "rows": q.get("rows"), "same_result": q.get("same_rows"),
             "extra": q.get("params"), "note": q.get("note", "")} for q in qrows]


def measure_cold(fn, fresh, repeats, close=lambda conn: conn.close()):
    """Time ``fn(conn)`` with a connection ``fresh()`` opened (untimed) before each
    run; every connection is passed to ``close`` at the end."""
    opened = []

    def setup():
        opened.append(fresh())
        return opened[-1]
    try:
        return measure(fn, repeats, setup=setup)
    finally:
        for conn in opened:
            close(conn)
