"""``connectograph bench``: the benchmark suite from the command line."""

from __future__ import annotations

import click

from .runner import DEFAULT_HEAP, DEFAULT_PAGECACHE, SECTIONS


@click.command("bench")
@click.option("--size", "sizes", multiple=True, default=["1M"], show_default=True,
              help="Synthetic size in synapse pairs: smoke (20k), 100k, 1M, 10M or a number; "
                   "repeat for several. 'smoke' also shrinks the healing cases and repeats.")
@click.option("--section", "sections", multiple=True, type=click.Choice(SECTIONS),
              help="Run only these sections (default: all).")
@click.option("--out", "out_dir", default="benchmarks/results", show_default=True,
              type=click.Path(file_okay=False), help="Folder of the Markdown and CSV tables.")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Folder for generated data (default: <connectograph home>/bench-data).")
@click.option("--no-real", is_flag=True, help="Skip the real hemibrain-mb bundle.")
@click.option("--bundle", type=click.Path(file_okay=False),
              help="Folder of the hemibrain-mb bundle (default: ../shared/datasets/hemibrain-mb).")
@click.option("--repeats", default=5, show_default=True, help="Timed warm runs per case.")
@click.option("--cold-repeats", default=3, show_default=True, help="Timed cold runs per case.")
@click.option("--rust", "rust_variants", type=click.Choice(["both", "current"]), default="both",
              show_default=True, help="Query timings with and without neo4j-rust-ext, or "
                                      "once with the driver as installed.")
@click.option("--case", "cases", multiple=True, help="Only query cases containing this text.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic data.")
@click.option("--instance", default="bench", show_default=True,
              help="Name of the Neo4j instance started (and wiped) for the run.")
@click.option("--heap", default=DEFAULT_HEAP, show_default=True, help="Neo4j heap.")
@click.option("--pagecache", default=DEFAULT_PAGECACHE, show_default=True,
              help="Neo4j page cache.")
@click.option("--keep-server", is_flag=True, help="Leave the instance running afterwards.")
@click.option("--no-service", is_flag=True,
              help="Skip the comparison with neuprint-python through `connectograph serve`.")
@click.option("--partition-rows", type=click.IntRange(min=1000), default=None,
              help="Ingest: also time each Bolt load with `load --partition-rows N` "
                   "(synapses spilled to disk, memory following N) and report both peaks.")
def bench_command(sizes, sections, out_dir, work_dir, no_real, bundle, repeats, cold_repeats,
                  rust_variants, cases, seed, instance, heap, pagecache, keep_server,
                  no_service, partition_rows) -> None:
    """Benchmark queries (ours / bare driver, ours / neuprint-python through our
    service), ingest (Bolt loader with synapses; bulk import vs neo4j-admin) and
    skeleton healing.

    Starts its own Neo4j instance, loads the real bundle and synthetic data,
    and writes a Markdown and a CSV table with the machine's facts.

    \b
    Examples:
      connectograph bench --size smoke          # quick, as CI runs it
      connectograph bench --size 1M --size 10M --section queries
    """
    from ..errors import ConnectographError
    from .runner import run_bench
    smoke = list(sizes) == ["smoke"]
    if smoke:
        repeats, cold_repeats = min(repeats, 2), min(cold_repeats, 1)
    try:
        run_bench(sizes=list(sizes), sections=list(sections) or list(SECTIONS), out_dir=out_dir,
                  work_dir=work_dir, real=not no_real, bundle=bundle, repeats=repeats,
                  cold_repeats=cold_repeats, rust_variants=rust_variants,
                  cases=list(cases) or None, heal_smoke=smoke, seed=seed, instance=instance,
                  neuprint_service=not no_service, partition_rows=partition_rows,
                  heap=heap, pagecache=pagecache, keep_server=keep_server, echo=click.echo)
    except ConnectographError as err:
        raise click.ClickException(str(err)) from None
