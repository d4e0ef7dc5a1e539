"""Write benchmark results as one CSV table and one Markdown report."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

#: Columns of the CSV table (one row per measurement).
CSV_COLUMNS = ["section", "dataset", "case", "variant", "phase", "ours_min_s", "ours_median_s",
               "baseline", "baseline_min_s", "baseline_median_s", "ratio_min", "ratio_median",
               "runs", "rows", "same_result", "extra", "note"]
#: Baseline of the rows timing neuprint-python through the service.
SERVICE_BASELINE = "neuprint-python via service"


def _f(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _count(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{int(v)}"


def _ms(v) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v * 1000:.1f}"


def _query_lines(rows: pd.DataFrame) -> list[str]:
    out = []
    for r in rows.itertuples():
        if r.phase == "-":
            note = r.note if isinstance(r.note, str) else ""
            out.append(f"| {r.dataset} | {r.case} | {r.variant} | – | – | – | – | – "
                       f"| {note} |")
            continue
        out.append(f"| {r.dataset} | {r.case} | {r.variant} | {r.phase} | "
                   f"{_ms(r.ours_min_s)} / {_ms(r.ours_median_s)} | "
                   f"{_ms(r.baseline_min_s)} / {_ms(r.baseline_median_s)} | "
                   f"{_f(r.ratio_min, 2)} | {_count(r.rows)} | {r.same_result} |")
    return out


def write_report(out_dir: Path, stem: str, facts: dict, rows: list[dict],
                 heal_markdown: str | None = None, notes: list[str] = ()) -> tuple[Path, Path]:
    """Write ``<stem>.csv`` (columns :data:`CSV_COLUMNS`) and ``<stem>.md``.

    Returns
    -------
    (csv_path, markdown_path)
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows).reindex(columns=CSV_COLUMNS)
    csv_path = out_dir / f"{stem}.csv"
    table.to_csv(csv_path, index=False)

    md = [f"# connectograph benchmark ({stem})", "", "## Machine", "",
          "| fact | value |", "|---|---|"]
    md += [f"| {k} | {v} |" for k, v in facts.items()]
    md += [""] + [f"- {n}" for n in notes] + [""]

    q = table[table["section"] == "queries"]
    bare = q[q["baseline"] != SERVICE_BASELINE]
    if not bare.empty:
        md += ["## Queries: ours / bare neo4j driver (hand-written Cypher)", "",
               "Times in ms, min / median over the runs. Ratio = ours min / bare min "
               "(target ≤ 1.2). *warm*: same connection, after one untimed run, ours and "
               "bare alternating (A B, B A, ...), at least 1 s of runs per case (at most "
               "50 rounds); "
               "*cold*: query caches cleared and a new connection before each run.", "",
               "| dataset | case | driver | phase | ours (ms) | bare (ms) | ratio | rows "
               "| same rows |",
               "|---|---|---|---|---|---|---|---|---|"]
        md += _query_lines(bare)
        md.append("")
    service = q[q["baseline"] == SERVICE_BASELINE]
    if not service.empty:
        md += ["## Queries: ours / neuprint-python through our service", "",
               "The same question asked with connectograph and with neuprint-python "
               "(unmodified) through `connectograph serve` (https, child process). Times in "
               "ms, min / median. Ratio = ours min / neuprint-python min (below 1: we are "
               "faster). *cold*: query caches cleared and a new client (HTTPS session) "
               "before each run.", "",
               "| dataset | case | driver | phase | ours (ms) | neuprint-python (ms) | ratio "
               "| rows | same rows |", "|---|---|---|---|---|---|---|---|---|"]
        md += _query_lines(service)
        md.append("")
    ing = table[(table["section"] == "ingest") & (table["case"] == "load (Bolt)")]
    if not ing.empty:
        md += ["## Ingest: Bolt loader (`connectograph load`, forced)", "",
               "synapses = `Synapse` nodes + `SynapsesTo` partner links; synapses/s over the "
               "whole load (target ≥ 50,000), synapse writes/s over the synapse writes "
               "alone (the `synapse graph` stage: synapses, SynapsesTo and the "
               "SynapseSets with their links, plus synapses in no pair). Stages in "
               "seconds. Synapse tables: in memory, or spilled to disk and written in "
               "partitions of N rows (`load --partition-rows N`).", "",
               "| dataset | synapse tables | load (s) | bodies | connections | synapses | synapses/s "
               "| synapse writes/s | connections/s | peak RSS loader (MiB) | stages (s) | note |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in ing.itertuples():
            e = json.loads(r.extra) if isinstance(r.extra, str) else {}
            stages = ", ".join(f"{k} {v:.1f}" for k, v in (e.get("stages") or {}).items())
            mode = (f"partitions of {e['partition_rows']:,} rows" if e.get("partition_rows")
                    else "in memory")
            md.append(f"| {r.dataset} | {mode} | {_f(r.ours_min_s, 1)} | {e.get('bodies', '–')} | "
                      f"{e.get('connections') or '–'} | {e.get('synapses') or '–'} | "
                      f"{_f(e.get('synapses_per_s'), 0)} | {_f(e.get('synapse_write_per_s'), 0)} | "
                      f"{_f(e.get('connections_per_s'), 0)} | {_f(e.get('peak_rss_mb'), 0)} | "
                      f"{stages or '–'} | {r.note if isinstance(r.note, str) else ''} |")
        md.append("")
    bulk = table[(table["section"] == "ingest") & (table["case"] == "load (bulk import)")]
    if not bulk.empty:
        md += ["## Ingest: bulk import, ours vs `neo4j-admin database import` (same CSV rows)",
               "", "Ours: the whole bulk load (prepare, CSV files, import, restart, indexes "
               "online); neo4j-admin: `database import` alone on the same files. Ratio = ours "
               "seconds / neo4j-admin seconds; rates = (nodes + relationships) / s; rate "
               "ratio = neo4j-admin seconds / ours (the target is at least 0.70). Import "
               "phase: our stages that move the data (prepare, CSV files, the import); the "
               "rest is what Neo4j Community needs after any import (restart, indexes "
               "built online, ROI-flag renames).", "",
               "| dataset | ours (s) | neo4j-admin (s) | ratio | rate ratio | import phase (s) "
               "| rate ratio, import phase | nodes | relationships "
               "| ours rate (/s) | neo4j-admin rate (/s) | store (MiB) |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in bulk.itertuples():
            e = json.loads(r.extra) if isinstance(r.extra, str) else {}
            store = e.get("store_bytes")
            md.append(f"| {r.dataset} | {_f(r.ours_min_s, 1)} | {_f(r.baseline_min_s, 1)} | "
                      f"{_f(r.ratio_min, 2)} | {_f(1 / r.ratio_min, 2)} | "
                      f"{_f(e.get('import_phase_s'), 1)} | "
                      f"{_f(e.get('import_phase_ratio'), 2)} | {e.get('nodes', '–')} | "
                      f"{e.get('relationships', '–')} | {_f(e.get('ours_rate'), 0)} | "
                      f"{_f(e.get('admin_rate'), 0)} | "
                      f"{_f(store / 2**20, 0) if isinstance(store, (int, float)) else '–'} |")
        md.append("")
    gen = table[table["section"] == "generate"]
    if not gen.empty:
        md += ["## Synthetic data generation", "",
               "| dataset | seconds | manifest |", "|---|---|---|"]
        md += [f"| {r.dataset} | {_f(r.ours_min_s, 1)} | {r.extra} |" for r in gen.itertuples()]
        md.append("")
    if heal_markdown:
        md += ["## Healing: ours vs neuprint-python vs navis", "", heal_markdown, ""]
    md_path = out_dir / f"{stem}.md"
    md_path.write_text("\n".join(md) + "\n")
    return csv_path, md_path
