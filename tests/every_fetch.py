"""Every public fetch function, once, on one loaded dataset: each either
answers (checked against values the caller computed with pandas from the
source files) or raises DatasetLacksError saying what the dataset lacks.
Never an empty frame that looks like an answer, never a raw driver error.

Used by the test module of each real dataset (tests/test_celegans.py,
test_flywire.py, test_manc_nt.py, test_hemibrain_synapse_nt.py), on the
dataset its fixture loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest

import connectograph.fetch as fetch
from connectograph import NC
from connectograph.errors import DatasetLacksError

#: What a dataset without ROIs, synapse points, skeletons or status lacks, per function
LACKS_ROIS = {"fetch_roi_connectivity": "ROIs", "fetch_mean_synapses": "ROIs",
              "fetch_roi_mesh": "ROIs"}
LACKS_POINTS = {name: "synapse points" for name in
                ("fetch_synapses", "fetch_mean_synapses", "fetch_synapse_connections")}
LACKS_SKELETONS = {"fetch_skeleton": "skeletons", "fetch_skeletons": "skeletons"}
LACKS_STATUS = {name: "neuron status" for name in
                ("fetch_traced_adjacencies", "fetch_output_completeness",
                 "fetch_downstream_orphan_tasks", "fetch_roi_completeness")}


@dataclass
class Expected:
    """What the source files say about one body, computed by the caller with pandas.

    body: a body with outputs. downstream: its summed weight onto each body
    (index bodyId_post, int), every Segment counted. sites / pairs_out: its
    synapse sites (T-bars and PSDs) and its outgoing synapse pairs, where
    the dataset has points. rois: the dataset's ROI names ([] for none).
    """
    body: int
    downstream: pd.Series
    lacks: dict[str, str] = field(default_factory=dict)
    sites: int | None = None
    pairs_out: int | None = None
    rois: list[str] = field(default_factory=list)
    cell_type: str | None = None


def pairs_expected(pairs: pd.DataFrame, lacks: dict[str, str],
                   types: pd.Series | None = None) -> Expected:
    """The body with the most outgoing synapse pairs, by pandas: its weights, its
    sites (distinct T-bars plus PSDs) and its outgoing pairs (autapses left out);
    its type from ``types`` (bodyId -> type of the source's neuron table)."""
    body = int(pairs["bodyId_pre"].value_counts().index[0])
    cell_type = types.get(body) if types is not None else None
    mine = pairs[pairs["bodyId_pre"] == body]
    tbars = mine.drop_duplicates(["x_pre", "y_pre", "z_pre"])
    psds = pairs[pairs["bodyId_post"] == body]
    return Expected(body, mine.groupby("bodyId_post").size(), lacks,
                    sites=len(tbars) + len(psds),
                    pairs_out=int((mine["bodyId_post"] != body).sum()),
                    cell_type=cell_type if isinstance(cell_type, str) else None)


def check_every_fetch(client, expected: Expected) -> None:
    """Call every function of connectograph.fetch once; assert each answer or refusal."""
    body, down = expected.body, expected.downstream.astype("int64")
    partner = int(down.idxmax())
    segment = NC(label="Segment")
    calls = {
        "fetch_custom": lambda: fetch.fetch_custom(
            f"MATCH (n:`{client.dataset}_Segment` {{bodyId: $b}})-[w:ConnectsTo]->() "
            "RETURN count(w) AS n", {"b": body}, client=client),
        "fetch_neurons": lambda: fetch.fetch_neurons([body], client=client),
        "fetch_custom_neurons": lambda: fetch.fetch_custom_neurons(
            f"MATCH (n:`{client.dataset}_Segment` {{bodyId: $b}}) RETURN n", {"b": body},
            client=client),
        "fetch_simple_connections": lambda: fetch.fetch_simple_connections(
            [body], segment, client=client),
        "fetch_adjacencies": lambda: fetch.fetch_adjacencies([body], segment, client=client),
        "fetch_traced_adjacencies": lambda: fetch.fetch_traced_adjacencies(client=client),
        "fetch_common_connectivity": lambda: fetch.fetch_common_connectivity(
            [body], "downstream", client=client),
        "fetch_shortest_paths": lambda: fetch.fetch_shortest_paths(body, partner, client=client),
        "fetch_paths": lambda: fetch.fetch_paths(body, partner, path_length=1, client=client),
        "fetch_output_completeness": lambda: fetch.fetch_output_completeness([body],
                                                                             client=client),
        "fetch_downstream_orphan_tasks": lambda: fetch.fetch_downstream_orphan_tasks(
            [body], client=client),
        "fetch_roi_completeness": lambda: fetch.fetch_roi_completeness(client=client),
        "fetch_roi_connectivity": lambda: fetch.fetch_roi_connectivity(client=client),
        "fetch_synapses": lambda: fetch.fetch_synapses([body], client=client),
        "fetch_mean_synapses": lambda: fetch.fetch_mean_synapses([body], client=client),
        "fetch_synapse_connections": lambda: fetch.fetch_synapse_connections(
            [body], segment, client=client),
        "fetch_skeleton": lambda: fetch.fetch_skeleton(body, client=client),
        "fetch_skeletons": lambda: fetch.fetch_skeletons([body], client=client),
        "fetch_roi_mesh": lambda: fetch.fetch_roi_mesh("any", client=client),
        "fetch_cell_type_report": lambda: fetch.fetch_cell_type_report(
            expected.cell_type, client=client),
        "fetch_meta": lambda: fetch.fetch_meta(client=client),
        "fetch_all_rois": lambda: fetch.fetch_all_rois(client=client),
        "fetch_primary_rois": lambda: fetch.fetch_primary_rois(client=client),
        "fetch_roi_hierarchy": lambda: fetch.fetch_roi_hierarchy(client=client),
        "fetch_datasets": lambda: fetch.fetch_datasets(client=client),
        "fetch_dataset_diff": lambda: fetch.fetch_dataset_diff(
            str(client.dataset), str(client.dataset), criteria=NC(bodyId=[body]),
            client=client),
        "fetch_connection_series": lambda: fetch.fetch_connection_series(
            [str(client.dataset)], [body], client=client),
    }
    # a new fetch function must be added here (and so to every dataset's test)
    assert set(calls) == {n for n in fetch.__all__ if n.startswith("fetch_")}
    answers = {}
    for name, call in calls.items():
        if name == "fetch_cell_type_report" and expected.cell_type is None:
            continue
        if name in expected.lacks:
            with pytest.raises(DatasetLacksError) as err:
                call()
            assert err.value.lacks == expected.lacks[name], name
        else:
            answers[name] = call()

    def weights(df, key="bodyId_post"):
        return {int(k): int(v) for k, v in df.groupby(key)["weight"].sum().items()}

    assert answers["fetch_custom"]["n"].tolist() == [len(down)]
    assert answers["fetch_neurons"][0]["bodyId"].tolist() == [body]
    assert answers["fetch_custom_neurons"][0]["bodyId"].tolist() == [body]
    assert weights(answers["fetch_simple_connections"]) == down.to_dict()
    assert weights(answers["fetch_adjacencies"][1]) == down.to_dict()
    common = weights(answers["fetch_common_connectivity"])  # its Neuron partners only
    assert common and common == {b: int(down[b]) for b in common}
    for name in ("fetch_shortest_paths", "fetch_paths"):
        path = answers[name]
        assert path["bodyId"].tolist() == [body, partner], name
        assert path["weight"].tolist() == [0, int(down[partner])], name
    diff = answers["fetch_dataset_diff"]           # the dataset against itself
    assert diff.connections.empty and diff.neuron_changes.empty
    assert diff.neurons_only_a.empty and diff.neurons_only_b.empty
    series = answers["fetch_connection_series"]
    assert {int(b): int(w) for b, w in zip(series["bodyId_post"],
                                           series[str(client.dataset)])} == down.to_dict()
    meta = answers["fetch_meta"]
    assert f"{meta['dataset']}:{meta['tag']}" == str(client.dataset)
    assert str(client.dataset) in answers["fetch_datasets"]
    assert sorted(answers["fetch_all_rois"]) == sorted(expected.rois)
    if not expected.rois:
        assert answers["fetch_primary_rois"] == [] and answers["fetch_roi_hierarchy"] == {
            "root": {}}
    if expected.cell_type is not None:
        report = answers["fetch_cell_type_report"]
        assert body in set(report.neurons["bodyId"])
        conn = report.downstream_connections
        mine = weights(conn[conn["bodyId_pre"] == body])     # onto Neurons, as common
        assert mine and mine == {b: int(down[b]) for b in mine}
    if expected.sites is not None:
        assert len(answers["fetch_synapses"]) == expected.sites
        assert len(answers["fetch_synapse_connections"]) == expected.pairs_out
        by_body = fetch.fetch_mean_synapses([body], by_roi=False, client=client)
        assert by_body["count"].sum() == expected.sites
