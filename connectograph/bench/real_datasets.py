"""The ``datasets`` section of the benchmark: each real dataset of
``../shared/datasets`` beside the hemibrain bundle, from its files to the
first answer (a forced Bolt load in a child process, then one question
through a fresh client), the fetch variants these datasets brought (gap
junctions, per-synapse transmitters, value filters:
:data:`~.queries.VARIANT_CASES`) against the bare driver on each dataset
that has them, and the FlyWire load, which is dominated by its
139,255-neuron Codex tables.
"""

from __future__ import annotations

import json
import time
from typing import Callable

from ..client import Client
from ..criteria import NC, SynapseCriteria
from ..errors import ConnectographError
from ..fetch import fetch_neurons, fetch_simple_connections, fetch_synapses
from .ingest import measure_load
from .queries import VARIANT_CASES, query_report_rows, run_queries
from .query_worker import rust_extension_active

__all__ = ["REAL_DATASETS", "run_real_datasets"]


def _first_neurons(c: Client):
    return fetch_neurons(NC(), client=c)[0]


def _gap_junctions(c: Client):
    return fetch_simple_connections(None, NC(instance="AVAL"), synapse_type="both", client=c)


def _synapse_nt(c: Client):
    return fetch_synapses(NC(), SynapseCriteria(type="pre"), nt="max", client=c)


#: (recipe, dataset, the first question, its description)
REAL_DATASETS: list[tuple[str, str, Callable, str]] = [
    ("manc-nt", "manc-nt:v1", _first_neurons, "fetch_neurons(NC())"),
    ("flywire-mb783", "flywire-mb783:v783", _first_neurons, "fetch_neurons(NC())"),
    ("celegans-witvliet2021", "witvliet2021:d8", _gap_junctions,
     "fetch_simple_connections(None, NC(instance='AVAL'), synapse_type='both')"),
    ("hemibrain-synapse-nt", "hemibrain-nt:v1.2.1", _synapse_nt,
     "fetch_synapses(NC(), SynapseCriteria(type='pre'), nt='max')"),
]


def run_real_datasets(uri: str, auth: tuple[str, str], *, notes: list[str],
                      only: list[str] | None = None,
                      echo: Callable[[str], None] = print) -> list[dict]:
    """Load each of :data:`REAL_DATASETS` (forced, over Bolt) and ask it its
    first question; one report row per dataset (``only``: these datasets).

    Returns
    -------
    list of dict
        Rows of the benchmark table: ``section = "datasets"``, ``case =
        "files to first answer"``, ``ours_min_s`` the load's wall time plus
        the first answer's (seconds), and in ``extra`` the two apart, the
        answer's rows, the loader's peak RSS (MiB) and its counts. A dataset
        whose files are missing is left out with a note.
    """
    rows = []
    for recipe, dataset, question, described in REAL_DATASETS:
        if only is not None and dataset not in only:
            continue
        echo(f"Loading {dataset} ({recipe}) ...")
        try:
            res = measure_load(recipe, uri, auth, dataset=dataset)
        except ConnectographError as err:
            notes.append(f"{dataset} not measured: {str(err).splitlines()[0][:200]}")
            continue
        t0 = time.perf_counter()
        with Client(uri, auth=auth, dataset=dataset) as client:
            answer = question(client)
        first = time.perf_counter() - t0
        echo(f"  loaded in {res['seconds']:.1f} s, first answer ({len(answer):,} rows) in "
             f"{first:.2f} s")
        rows.append({"section": "datasets", "dataset": dataset,
                     "case": "files to first answer", "ours_min_s": res["seconds"] + first,
                     "runs": 1, "rows": len(answer),
                     "extra": json.dumps({"load_s": round(res["seconds"], 2),
                                          "first_answer_s": round(first, 3),
                                          "first_question": described,
                                          "peak_rss_mb": round(res["peak_rss_mb"] or 0),
                                          "counts": res["counts"]}),
                     "note": "Bolt load, forced; then a fresh client's first call"})
        # the new fetch variants against the bare driver, where the dataset has them
        measured = [q for q in run_queries(uri, auth, dataset, only=VARIANT_CASES, echo=echo)
                    if q.get("phase") in ("warm", "cold")]
        rows += query_report_rows(dataset, measured, f"current (rust ext "
                                  f"{'on' if rust_extension_active() else 'off'})")
    return rows
