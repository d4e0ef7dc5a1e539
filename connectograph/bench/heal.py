"""Healing fragmented skeletons: connectograph vs neuprint-python vs navis.

Synthetic skeletons (seeded, :func:`connectograph.synthetic.skeletons.synthetic_skeleton`):
random-walk trees cut into fragments. Competitors are optional (the ``bench``
extra installs them); one that is not importable is reported as such.
neuprint-python's all-pairs method grows as nodes x fragments^2: a competitor
is timed once first and repeated only while the total stays under ``budget``
seconds, and a case whose time, extrapolated from the competitor's previous
case, would exceed the budget is skipped with a note. The total bridge length
of every result is compared with ours.
"""

from __future__ import annotations

import sys
import time
from typing import Callable

import numpy as np
import pandas as pd

from ..skeletons import heal_skeleton_report
from ..synthetic.skeletons import synthetic_skeleton

#: (nodes, fragments) of the full run (issue: 20k nodes x 10..2000 fragments, 100k nodes).
CASES = [(20_000, 10), (20_000, 100), (20_000, 400), (20_000, 2000), (100_000, 400)]
#: A quick run for CI.
SMOKE_CASES = [(2_000, 10), (2_000, 100)]
COMPETITORS = ("neuprint-python", "navis")


def bridge_total(df_in: pd.DataFrame, df_out: pd.DataFrame) -> float:
    """Length (voxels) of the edges of ``df_out`` that are not edges of ``df_in``."""
    old = set(zip(df_in["rowId"], df_in["link"])) | set(zip(df_in["link"], df_in["rowId"]))
    xyz = df_out.set_index("rowId")[["x", "y", "z"]]
    new = [(a, b) for a, b in zip(df_out["rowId"], df_out["link"]) if b != -1 and (a, b) not in old]
    if not new:
        return 0.0
    a, b = map(list, zip(*new))
    return float(np.linalg.norm(xyz.loc[a].to_numpy() - xyz.loc[b].to_numpy(), axis=1).sum())


def _ours(df):
    return heal_skeleton_report(df).skeleton


def _neuprint():
    try:
        from neuprint.skeleton import heal_skeleton
    except ImportError:
        return None
    return lambda df: heal_skeleton(df.copy())


def _navis():
    try:
        import navis
    except ImportError:
        return None
    navis.set_pbars(hide=True)

    def run(df):
        nodes = df.rename(columns={"rowId": "node_id", "link": "parent_id"})
        healed = navis.heal_skeleton(navis.TreeNeuron(nodes, units="8 nm"))
        out = healed.nodes.rename(columns={"node_id": "rowId", "parent_id": "link"})
        return out[["rowId", "x", "y", "z", "radius", "link"]]
    return run


def competitors() -> dict[str, Callable | None]:
    """Name → heal function (None when the library is not installed)."""
    return {"connectograph": _ours, "neuprint-python": _neuprint(), "navis": _navis()}


def _time(fn, df, repeats, budget):
    t0 = time.perf_counter()
    out = fn(df)
    times = [time.perf_counter() - t0]
    while len(times) < repeats and sum(times) < budget:
        t0 = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t0)
    return out, times


def run_heal(cases=CASES, *, repeats: int = 3, budget: float = 120.0,
             echo: Callable[[str], None] = lambda s: None) -> list[dict]:
    """Time every competitor on every case.

    Returns
    -------
    list of dict
        One row per case: ``nodes, fragments``, per competitor
        ``<name>_min_s, <name>_median_s`` (NaN when skipped) and ``<name>_note``,
        ``bridge_length`` (ours, voxels), ``same_total`` (every competitor's
        total bridge length equals ours to 1e-6 relative),
        ``speedup_vs_<name>`` (their min / our min).
    """
    fns = competitors()
    last: dict[str, tuple[int, int, float]] = {}
    rows = []
    for n_nodes, n_frag in cases:
        df = synthetic_skeleton(n_nodes, n_frag, seed=n_nodes + n_frag)
        row: dict = {"nodes": n_nodes, "fragments": n_frag}
        totals = {}
        for name, fn in fns.items():
            if fn is None:
                row[f"{name}_min_s"] = row[f"{name}_median_s"] = np.nan
                row[f"{name}_note"] = "not installed"
                continue
            prev = last.get(name)
            if prev and name != "connectograph":
                pn, pf, pt = prev
                predicted = pt * (n_nodes / pn) * (n_frag / pf) ** 2
                if predicted > budget:
                    row[f"{name}_min_s"] = row[f"{name}_median_s"] = np.nan
                    row[f"{name}_note"] = (f"skipped: predicted ~{predicted:.0f} s > {budget:.0f} s "
                                           f"budget ({pt:.1f} s at {pn} nodes/{pf} fragments)")
                    echo(f"    {n_nodes} nodes / {n_frag} fragments: {name} skipped "
                         f"(predicted ~{predicted:.0f} s)")
                    continue
            out, times = _time(fn, df, repeats, budget)
            row[f"{name}_min_s"], row[f"{name}_median_s"] = min(times), float(np.median(times))
            row[f"{name}_note"] = f"{len(times)} run(s)"
            totals[name] = bridge_total(df, out)
            if prev is None or n_frag >= prev[1]:
                last[name] = (n_nodes, n_frag, min(times))
            echo(f"    {n_nodes} nodes / {n_frag} fragments: {name} {min(times):.3f} s")
        ref = totals.get("connectograph")
        row["bridge_length"] = ref
        row["same_total"] = all(abs(v - ref) <= 1e-6 * max(1.0, ref) for v in totals.values())
        for name in COMPETITORS:
            other = row.get(f"{name}_min_s")
            row[f"speedup_vs_{name}"] = (other / row["connectograph_min_s"]
                                         if other == other else np.nan)
        rows.append(row)
    return rows


def markdown(rows: list[dict]) -> str:
    """The rows of :func:`run_heal` as a Markdown table."""
    def fmt(v):
        return "–" if v != v else f"{v:.3f}"
    lines = ["| nodes | fragments | connectograph min / median (s) | neuprint-python min / median (s) "
             "| navis min / median (s) | speedup vs neuprint | speedup vs navis | same total length |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{fmt(r[f'{n}_min_s'])} / {fmt(r[f'{n}_median_s'])}"
                 if r[f"{n}_min_s"] == r[f"{n}_min_s"] else r[f"{n}_note"]
                 for n in ("connectograph", *COMPETITORS)]
        sp1, sp2 = r["speedup_vs_neuprint-python"], r["speedup_vs_navis"]
        lines.append(f"| {r['nodes']} | {r['fragments']} | {cells[0]} | {cells[1]} | {cells[2]} | "
                     f"{'–' if sp1 != sp1 else f'{sp1:.0f}x'} | "
                     f"{'–' if sp2 != sp2 else f'{sp2:.2f}x'} | {r['same_total']} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    """``python benchmarks/heal_skeletons.py results.csv [--repeats 3] [--budget 120]``."""
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="where to write the CSV results")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0,
                        help="skip a competitor's larger cases once it needs more than this (s)")
    parser.add_argument("--smoke", action="store_true", help="small cases only")
    args = parser.parse_args(argv)
    rows = run_heal(SMOKE_CASES if args.smoke else CASES, repeats=args.repeats,
                    budget=args.budget, echo=lambda s: print(s, file=sys.stderr, flush=True))
    pd.DataFrame(rows).to_csv(args.csv, index=False)
    print(markdown(rows))
