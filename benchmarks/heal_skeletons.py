"""Benchmark: healing fragmented skeletons, connectograph vs neuprint-python vs navis.

Usage::

    python benchmarks/heal_skeletons.py results.csv [--repeats 3] [--budget 120]

Synthetic skeletons (seeded): random-walk branches grown from random existing
nodes (step ~ 40 voxels), then cut into fragments by removing the parent link
of randomly chosen non-root nodes. Sizes: 20k nodes with 10, 100, 400 and 2000
fragments, and 100k nodes with 400 fragments.

Competitors (optional; skipped if not importable): ``neuprint.skeleton.
heal_skeleton`` (PyPI ``neuprint-python``) and ``navis.heal_skeleton`` (PyPI
``navis``, on a ``navis.TreeNeuron`` built from the DataFrame). A competitor is
timed once first and repeated only while the total stays under ``--budget``
seconds; a competitor whose time, extrapolated from its previous case as
nodes x fragments^2 (the all-pairs method's growth), would exceed the budget is
skipped with a note.
Total bridge lengths of all three are compared.

Prints a Markdown table to stdout and writes the same rows as CSV.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from connectograph.skeletons import heal_skeleton_report

CASES = [(20_000, 10), (20_000, 100), (20_000, 400), (20_000, 2000), (100_000, 400)]


def synthetic_skeleton(n_nodes: int, n_fragments: int, seed: int) -> pd.DataFrame:
    """Random-walk tree of ``n_nodes`` cut into ``n_fragments`` fragments."""
    rng = np.random.default_rng(seed)
    xyz = np.zeros((n_nodes, 3))
    link = np.full(n_nodes, -1, dtype=np.int64)
    i = 1
    while i < n_nodes:
        start = 0 if i == 1 else int(rng.integers(0, i))
        length = min(int(rng.integers(20, 200)), n_nodes - i)
        direction = rng.normal(size=3)
        prev = start
        for _ in range(length):
            direction = direction + rng.normal(scale=0.4, size=3)
            direction /= np.linalg.norm(direction)
            xyz[i] = xyz[prev] + 40.0 * direction
            link[i] = prev
            prev = i
            i += 1
    cut = rng.choice(np.arange(1, n_nodes), size=n_fragments - 1, replace=False)
    link[cut] = -1
    row_ids = np.arange(1, n_nodes + 1)
    return pd.DataFrame({
        "rowId": row_ids,
        "x": np.round(xyz[:, 0] + 20000), "y": np.round(xyz[:, 1] + 20000),
        "z": np.round(xyz[:, 2] + 20000), "radius": rng.uniform(10, 60, n_nodes),
        "link": np.where(link >= 0, link + 1, -1),
    })


def _bridge_total(df_in: pd.DataFrame, df_out: pd.DataFrame) -> float:
    """Length of the edges of df_out that are not edges of df_in."""
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
        n = navis.TreeNeuron(nodes, units="8 nm")
        healed = navis.heal_skeleton(n)
        out = healed.nodes.rename(columns={"node_id": "rowId", "parent_id": "link"})
        return out[["rowId", "x", "y", "z", "radius", "link"]]

    return run


def _time(fn, df, repeats, budget):
    t0 = time.perf_counter()
    out = fn(df)
    times = [time.perf_counter() - t0]
    while len(times) < repeats and sum(times) < budget:
        t0 = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t0)
    return out, times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="where to write the CSV results")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--budget", type=float, default=120.0,
                        help="skip a competitor's larger cases once it needs more than this (s)")
    args = parser.parse_args(argv)

    competitors = {"connectograph": _ours, "neuprint-python": _neuprint(), "navis": _navis()}
    last_time: dict[str, tuple[int, int, float]] = {}
    rows = []
    for n_nodes, n_frag in CASES:
        df = synthetic_skeleton(n_nodes, n_frag, seed=n_nodes + n_frag)
        row = {"nodes": n_nodes, "fragments": n_frag}
        totals = {}
        for name, fn in competitors.items():
            if fn is None:
                row[f"{name}_min_s"] = row[f"{name}_median_s"] = np.nan
                row[f"{name}_note"] = "not installed"
                continue
            prev = last_time.get(name)
            if prev:
                # Conservative extrapolation: time ~ nodes x fragments^2 (the
                # all-pairs method); a competitor predicted over budget is skipped.
                pn, pf, pt = prev
                predicted = pt * (n_nodes / pn) * (n_frag / pf) ** 2
                if predicted > args.budget and name != "connectograph":
                    row[f"{name}_min_s"] = row[f"{name}_median_s"] = np.nan
                    row[f"{name}_note"] = (f"skipped: predicted ~{predicted:.0f} s > "
                                           f"{args.budget:.0f} s budget ({pt:.1f} s at "
                                           f"{pn} nodes/{pf} fragments)")
                    print(f"  {n_nodes} nodes / {n_frag} fragments: {name} skipped "
                          f"(predicted ~{predicted:.0f} s)", file=sys.stderr, flush=True)
                    continue
            out, times = _time(fn, df, args.repeats, args.budget)
            row[f"{name}_min_s"] = min(times)
            row[f"{name}_median_s"] = float(np.median(times))
            row[f"{name}_note"] = f"{len(times)} run(s)"
            totals[name] = _bridge_total(df, out)
            if prev is None or n_frag >= prev[1]:
                last_time[name] = (n_nodes, n_frag, min(times))
            print(f"  {n_nodes} nodes / {n_frag} fragments: {name} {min(times):.3f} s",
                  file=sys.stderr, flush=True)
        ref = totals.get("connectograph")
        row["bridge_length"] = ref
        row["same_total"] = all(abs(v - ref) <= 1e-6 * max(1.0, ref) for v in totals.values())
        for name in ("neuprint-python", "navis"):
            other = row.get(f"{name}_min_s")
            row[f"speedup_vs_{name}"] = other / row["connectograph_min_s"] if other == other else np.nan
        rows.append(row)

    table = pd.DataFrame(rows)
    table.to_csv(args.csv, index=False)

    def fmt(v):
        return "–" if v != v else f"{v:.3f}"

    print("| nodes | fragments | connectograph min / median (s) | neuprint-python min / median (s) "
          "| navis min / median (s) | speedup vs neuprint | speedup vs navis | same total length |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = []
        for name in ("connectograph", "neuprint-python", "navis"):
            if r[f"{name}_min_s"] == r[f"{name}_min_s"]:
                cells.append(f"{fmt(r[f'{name}_min_s'])} / {fmt(r[f'{name}_median_s'])}")
            else:
                cells.append(r[f"{name}_note"])
        sp1 = r["speedup_vs_neuprint-python"]
        sp2 = r["speedup_vs_navis"]
        print(f"| {r['nodes']} | {r['fragments']} | {cells[0]} | {cells[1]} | {cells[2]} | "
              f"{'–' if sp1 != sp1 else f'{sp1:.0f}x'} | {'–' if sp2 != sp2 else f'{sp2:.2f}x'} | "
              f"{r['same_total']} |")


if __name__ == "__main__":
    main()
