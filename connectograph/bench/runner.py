"""The benchmark run behind ``connectograph bench``: server, data, sections, report."""

from __future__ import annotations

import importlib.util
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from ..errors import BenchmarkError

SECTIONS = ("queries", "ingest", "datasets", "heal")
#: Memory of the benchmark's own Neo4j instance (the test suite uses 1g / 512m).
DEFAULT_HEAP = "4g"
DEFAULT_PAGECACHE = "4g"


@dataclass
class BenchResult:
    """What :func:`run_bench` produced.

    Attributes
    ----------
    csv, markdown : Path
        The two result tables.
    rows : list of dict
        The CSV rows.
    facts : dict
        Machine facts.
    datasets : dict
        ``name:tag`` → manifest (synthetic) or ``{}`` (real bundle).
    """

    csv: Path
    markdown: Path
    rows: list[dict] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    datasets: dict = field(default_factory=dict)


def default_bundle() -> Path | None:
    """The hemibrain-mb bundle: ``$CONNECTOGRAPH_DATA_DIR`` or
    ``../shared/datasets/hemibrain-mb`` from the current folder or the repository."""
    candidates = [os.environ.get("CONNECTOGRAPH_DATA_DIR")]
    candidates += [str(base / ".." / "shared" / "datasets" / "hemibrain-mb")
                   for base in (Path.cwd(), Path(__file__).resolve().parents[2])]
    for c in candidates:
        if c and (Path(c) / "neuprint-exports").is_dir():
            return Path(c).resolve()
    return None


def _drop(uri: str, auth: tuple[str, str], dataset: str) -> None:
    """Delete a loaded dataset (between two timed loads of it)."""
    from ..connection import Connection
    from ..loading import drop
    with Connection(uri, auth=auth) as connection:
        drop(dataset, client=connection)


def _start_server(instance: str, heap: str, pagecache: str, echo) -> tuple[str, tuple, int]:
    from .. import neo4j_server
    from ..neo4j_server.settings import read_connection
    neo4j_server.install(echo=echo)
    echo(f"Starting a fresh Neo4j instance {instance!r} (heap {heap}, page cache {pagecache})")
    conn = read_connection(neo4j_server.fresh_instance(instance, heap=heap, pagecache=pagecache))
    return (conn["uri"], (conn["username"], conn["password"]),
            neo4j_server.status(instance).pid)


def run_bench(*, sizes: list[str] = ("1M",), sections: list[str] = SECTIONS,
              out_dir: str | os.PathLike = "benchmarks/results",
              work_dir: str | os.PathLike | None = None, real: bool = True,
              bundle: str | os.PathLike | None = None, repeats: int = 5, cold_repeats: int = 3,
              rust_variants: str = "both", cases: list[str] | None = None,
              heal_smoke: bool = False, seed: int = 0, instance: str = "bench",
              neuprint_service: bool = True, partition_rows: int | None = None,
              heap: str = DEFAULT_HEAP, pagecache: str = DEFAULT_PAGECACHE,
              connection: tuple[str, tuple[str, str]] | None = None, keep_server: bool = False,
              echo: Callable[[str], None] = print) -> BenchResult:
    """Run the benchmark sections and write the report.

    Parameters
    ----------
    sizes : list of str
        Synthetic sizes in synapse pairs (``smoke``, ``100k``, ``1M``, ``10M`` or
        a number); empty for none.
    sections : list of str
        Among ``queries``, ``ingest``, ``datasets``, ``heal``.
    out_dir : path
        Where ``bench-<sizes>-<time>.csv`` and ``.md`` go (``<sizes>``: the
        sections run, e.g. ``datasets``, when no synthetic data is measured).
    work_dir : path, optional
        Where synthetic data is generated (default: ``<connectograph home>/bench-data``).
    real : bool
        Also benchmark the real hemibrain-mb bundle.
    bundle : path, optional
        The bundle's folder (default: :func:`default_bundle`).
    repeats, cold_repeats : int
        Timed runs per case, warm and cold.
    rust_variants : {'both', 'current'}
        ``both``: run the query cases in child processes with and without the
        driver's Rust extension (when it is installed); ``current``: once, in
        this process.
    cases : list of str, optional
        Only query cases whose name contains one of these.
    heal_smoke : bool
        Small healing cases only.
    neuprint_service : bool
        Also time neuprint-python, unmodified, through ``connectograph serve``
        for the cases it has (:mod:`.service_cases`), once per dataset with
        the driver as installed.
    seed : int
        Seed of the synthetic data.
    partition_rows : int, optional
        Ingest: also time each Bolt load with ``partition_rows`` (synapse
        tables spilled to disk and written by partition) and report its peak
        RSS beside the in-memory load's; the dataset is dropped between the
        two, so neither load includes deleting an earlier copy.
    instance, heap, pagecache : str
        The local Neo4j instance started for the run (wiped first, stopped at the end
        unless ``keep_server``).
    connection : (uri, (user, password)), optional
        Use this running server instead of starting one.
    echo : callable
        Progress messages.

    Returns
    -------
    BenchResult

    Raises
    ------
    BenchmarkError
        Unknown section, or a load or child process failed.
    """
    from ..connection import Connection
    from ..synthetic.generator import generate, parse_size, size_label
    from .ingest import bolt_row, bulk_rows, measure_load, process_peak_rss_mb
    from .machine import machine_facts
    from .query_worker import rust_extension_installed, run_queries_in_child
    from .report import write_report

    bad = [s for s in sections if s not in SECTIONS]
    if bad:
        raise BenchmarkError(f"unknown benchmark sections {bad}; choose among {', '.join(SECTIONS)}")
    pair_counts = [parse_size(s) for s in sizes]
    from ..neo4j_server.settings import connectograph_home
    work = Path(work_dir) if work_dir else connectograph_home() / "bench-data"
    out = Path(out_dir)
    rows: list[dict] = []
    notes: list[str] = []
    datasets: dict[str, dict] = {}
    server_pid = None
    started_here = False
    needs_server = bool({"queries", "ingest", "datasets"} & set(sections))

    if needs_server and connection is None:
        uri, auth, server_pid = _start_server(instance, heap, pagecache, echo)
        started_here = True
    elif connection is not None:
        uri, auth = connection
    try:
        connection = Connection(uri, auth=auth) if needs_server else None
        facts = machine_facts(connection=connection, heap=heap if started_here else None,
                              pagecache=pagecache if started_here else None)
        if connection is not None:
            connection.close()

        targets: list[tuple[str, str, str | None]] = []  # (label, recipe, data_dir)
        # the bundle and the synthetic datasets are for these two sections only
        needs_targets = bool({"queries", "ingest"} & set(sections))
        if needs_targets and real:
            bundle_dir = Path(bundle) if bundle else default_bundle()
            if bundle_dir is None:
                notes.append("real bundle not found: set CONNECTOGRAPH_DATA_DIR or --bundle")
            else:
                targets.append(("hemibrain-mb:v1.2.1", "hemibrain-mb", str(bundle_dir)))
                datasets["hemibrain-mb:v1.2.1"] = {}
        if needs_targets:
            for pairs in pair_counts:
                folder = work / f"synthetic-{size_label(pairs)}-s{seed}"
                echo(f"Generating {pairs:,} synthetic synapse pairs in {folder} ...")
                t0 = time.perf_counter()
                gen = generate(folder, pairs, seed=seed, synapses=True, load_synapses=True)
                seconds = time.perf_counter() - t0
                datasets[gen.dataset] = gen.manifest
                counts = {k: gen.manifest[k] for k in ("bodies", "connections",
                                                       "roi_connection_rows", "synapse_pairs",
                                                       "tbars", "synapse_points")}
                rows.append({"section": "generate", "dataset": gen.dataset, "case": "generate",
                             "ours_min_s": seconds, "runs": 1, "extra": json.dumps(counts)})
                targets.append((gen.dataset, str(gen.recipe), None))

        for label, recipe, data_dir in targets:
            echo(f"Loading {label} ...")
            res = measure_load(recipe, uri, auth, data_dir=data_dir)
            echo(f"  loaded in {res['seconds']:.1f} s, peak RSS {res['peak_rss_mb']:.0f} MiB")
            if "ingest" in sections:
                rows.append(bolt_row(label, res, datasets.get(label)))
                if partition_rows:
                    # Dropped first, so neither load pays for deleting an earlier copy.
                    _drop(uri, auth, res["dataset"])
                    echo(f"Loading {label} in partitions of {partition_rows:,} rows ...")
                    part = measure_load(recipe, uri, auth, data_dir=data_dir,
                                        partition_rows=partition_rows)
                    echo(f"  loaded in {part['seconds']:.1f} s, peak RSS "
                         f"{part['peak_rss_mb']:.0f} MiB")
                    rows.append(bolt_row(label, part, datasets.get(label)))
                rows += bulk_rows(label, recipe, data_dir, instance=f"{instance}-bulk",
                                  heap=heap, pagecache=pagecache, notes=notes, echo=echo)
            if "queries" not in sections:
                continue
            variants: list[tuple[str, bool | None]]
            if rust_variants == "both" and rust_extension_installed():
                variants = [("rust-ext", True), ("pure-python", False)]
            else:
                variants = [("current", None)]
                if rust_variants == "both":
                    notes.append("neo4j-rust-ext is not installed: queries measured once "
                                 "(pip install 'connectograph[bench]')")
            for name, rust in variants:
                echo(f"  queries on {label} ({name} driver):")
                if rust is None:
                    from .queries import run_queries
                    from .query_worker import rust_extension_active
                    qrows = run_queries(uri, auth, label, repeats=repeats,
                                        cold_repeats=cold_repeats, only=cases, echo=echo)
                    active = rust_extension_active()
                else:
                    qrows, active = run_queries_in_child(uri, auth, label, rust=rust,
                                                         repeats=repeats,
                                                         cold_repeats=cold_repeats,
                                                         only=cases, echo=echo)
                    if active != rust:
                        raise BenchmarkError(f"the {name} child ran with rust extension "
                                             f"{'on' if active else 'off'}")
                from .queries import query_report_rows
                rows += query_report_rows(label, qrows,
                                          f"{name} (rust ext {'on' if active else 'off'})")
            if neuprint_service and importlib.util.find_spec("neuprint") is None:
                if not any("neuprint-python" in n for n in notes):
                    notes.append("neuprint-python is not installed: no comparison through the "
                                 "service (pip install 'connectograph[bench]')")
            elif neuprint_service:
                from .query_worker import rust_extension_active
                from .service_cases import report_rows, run_service_queries
                echo(f"  queries on {label}: ours / neuprint-python via the service:")
                srows = run_service_queries(uri, auth, label, repeats=repeats,
                                            cold_repeats=cold_repeats, only=cases, echo=echo)
                variant = f"current (rust ext {'on' if rust_extension_active() else 'off'})"
                rows += report_rows(label, srows, variant)
        if "datasets" in sections and real:
            from .real_datasets import run_real_datasets
            rows += run_real_datasets(uri, auth, notes=notes, echo=echo)
        if server_pid is not None:
            facts["neo4j peak RSS (MiB)"] = round(process_peak_rss_mb(server_pid) or 0)

        heal_md = None
        if "heal" in sections:
            from .heal import CASES, SMOKE_CASES, markdown, run_heal
            echo("Healing benchmark ...")
            heal_rows = run_heal(SMOKE_CASES if heal_smoke else CASES,
                                 repeats=min(repeats, 3), echo=echo)
            heal_md = markdown(heal_rows)
            for r in heal_rows:
                for other in ("neuprint-python", "navis"):
                    rows.append({
                        "section": "heal", "dataset": "synthetic skeleton",
                        "case": f"{r['nodes']} nodes x {r['fragments']} fragments",
                        "ours_min_s": r["connectograph_min_s"],
                        "ours_median_s": r["connectograph_median_s"], "baseline": other,
                        "baseline_min_s": r[f"{other}_min_s"],
                        "baseline_median_s": r[f"{other}_median_s"],
                        "ratio_min": r["connectograph_min_s"] / r[f"{other}_min_s"],
                        "same_result": r["same_total"],
                        "extra": json.dumps({"bridge_length": r["bridge_length"]}),
                        "note": r[f"{other}_note"]})
        # named by the synthetic sizes measured, else by the sections run
        label = ([size_label(p) for p in pair_counts] if needs_targets else []) or list(sections)
        stem = "bench-" + "-".join(label) + datetime.now().strftime("-%Y%m%d-%H%M%S")
        csv_path, md_path = write_report(out, stem, facts, rows, heal_md, notes)
        echo(f"Wrote {md_path} and {csv_path}")
        return BenchResult(csv=csv_path, markdown=md_path, rows=rows, facts=facts,
                           datasets=datasets)
    finally:
        if started_here and not keep_server:
            from .. import neo4j_server
            neo4j_server.stop(instance, echo=lambda s: None)
