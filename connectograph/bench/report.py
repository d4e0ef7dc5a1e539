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
    if not q.empty:
        md += ["## Queries: ours / bare neo4j driver (hand-written Cypher)", "",
               "Times in ms, min / median over the runs. Ratio = ours min / bare min "
               "(target ≤ 1.2). *warm*: same connection, after one untimed run; "
               "*cold*: query caches cleared and a new connection before each run.", "",
               "| dataset | case | driver | phase | ours (ms) | bare (ms) | ratio | rows | same rows |",
               "|---|---|---|---|---|---|---|---|---|"]
        for r in q.itertuples():
            if r.phase == "-":
                md.append(f"| {r.dataset} | {r.case} | {r.variant} | – | – | – | – | – | {r.note} |")
                continue
            md.append(f"| {r.dataset} | {r.case} | {r.variant} | {r.phase} | "
                      f"{_ms(r.ours_min_s)} / {_ms(r.ours_median_s)} | "
                      f"{_ms(r.baseline_min_s)} / {_ms(r.baseline_median_s)} | "
                      f"{_f(r.ratio_min, 2)} | {_count(r.rows)} | {r.same_result} |")
        md.append("")
    ing = table[table["section"] == "ingest"]
    if not ing.empty:
        md += ["## Ingest: Bolt loader (`connectograph load`, forced)", "",
               "| dataset | load (s) | bodies | connections | synapse pairs | connections/s "
               "| synapse pairs/s | peak RSS loader (MiB) | note |", "|---|---|---|---|---|---|---|---|---|"]
        for r in ing.itertuples():
            e = json.loads(r.extra) if isinstance(r.extra, str) else {}
            md.append(f"| {r.dataset} | {_f(r.ours_min_s, 1)} | {e.get('bodies', '–')} | "
                      f"{e.get('connections') or '–'} | {e.get('synapse_pairs') or '–'} | "
                      f"{_f(e.get('connections_per_s'), 0)} | {_f(e.get('synapse_pairs_per_s'), 0)} | "
                      f"{_f(e.get('peak_rss_mb'), 0)} | {r.note if isinstance(r.note, str) else ''} |")
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
