"""The result cache (``Client(cache=DIR)``) on a repeated heavy query: cold,
warm and cached. The query: ``fetch_adjacencies(NC(), NC())`` (every
neuron-to-neuron connection with its per-ROI rows; on hemibrain-mb: the whole
bundle).

    python benchmarks/result_cache.py [--dataset hemibrain-mb:v1.2.1] [--runs 5]

- cold: a new client each run, Neo4j's query caches cleared first
  (``db.clearQueryCaches()``), no result cache;
- warm: one client, the same query again (plans and pages in memory);
- cached: a client with ``cache=DIR`` asking the question already stored
  (one indexed Meta lookup for the fingerprint, then the answer unpickled).

The server is the one ``Client()`` finds (``NEO4J_URI``... or the local
instance). Prints min and median seconds per variant and the cache's size.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

from connectograph import NC, Client, fetch_adjacencies


def query(client):
    return fetch_adjacencies(NC(), NC(), client=client)


def timed(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="hemibrain-mb:v1.2.1")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    def cold():
        with Client(dataset=args.dataset) as c:
            c.run("CALL db.clearQueryCaches()", access="write")
            return query(c)

    with Client(dataset=args.dataset) as warm_client, tempfile.TemporaryDirectory() as folder:
        neurons, conns = query(warm_client)
        results = {"cold": timed(cold, args.runs),
                   "warm": timed(lambda: query(warm_client),
                                 args.runs)}
        with Client(dataset=args.dataset, cache=folder) as cached:
            first = timed(lambda: query(cached), 1)
            results["cached (first call, stores)"] = first
            results["cached"] = timed(lambda: query(cached),
                                      args.runs)
            size = cached.cache._store.volume()
    print(f"fetch_adjacencies(NC(), NC()) on {args.dataset}: {len(neurons):,} neurons, "
          f"{len(conns):,} per-ROI connection rows; {args.runs} runs")
    print(f"{'variant':<28} {'min s':>8} {'median s':>9}")
    for name, times in results.items():
        print(f"{name:<28} {min(times):>8.3f} {statistics.median(times):>9.3f}")
    print(f"cache size on disk: {size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
