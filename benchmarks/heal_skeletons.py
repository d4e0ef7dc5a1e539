"""Benchmark: healing fragmented skeletons, connectograph vs neuprint-python vs navis.

Usage::

    python benchmarks/heal_skeletons.py results.csv [--repeats 3] [--budget 120] [--smoke]

The code lives in :mod:`connectograph.bench.heal` (so ``connectograph bench
--section heal`` runs it from an installed package); this script is its
stand-alone entry point. Prints a Markdown table and writes the rows as CSV.
"""

from connectograph.bench.heal import main

if __name__ == "__main__":
    main()
