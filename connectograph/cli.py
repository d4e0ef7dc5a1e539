"""The ``connectograph`` command line."""

from __future__ import annotations

import functools
import sys

import click

from .errors import ConnectographError


def _friendly_errors(func):
    """Print connectograph errors as one clear message and exit 1 (no traceback)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConnectographError as err:
            click.secho(f"Error: {err}", fg="red", err=True)
            sys.exit(1)
    return wrapper


def _recipe_named(func):
    """``load``: a data error (ValidationError: file, row, column) is printed
    with the recipe it comes from, as recipe errors are."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .errors import ValidationError
        try:
            return func(*args, **kwargs)
        except ValidationError as err:
            click.secho(f"Error: recipe {kwargs.get('recipe')}: {err}", fg="red", err=True)
            sys.exit(1)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="connectograph")
def main() -> None:
    """connectograph: a self-hosted connectome explorer on Neo4j (neuPrint data model).

    \b
    First steps:
      connectograph neo4j install     download Neo4j 5.26 + APOC (Maven)
      connectograph neo4j start       start the local server
      connectograph demo              load the hemibrain-mb bundle and tour it
    """


# --- neo4j -----------------------------------------------------------------------------

@main.group()
def neo4j() -> None:
    """Install and run the local Neo4j server (no Docker needed).

    The connection settings NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD point
    connectograph at any other Neo4j 5 server instead.
    """


_instance = click.option("--instance", default="default", show_default=True,
                         help="Instance name (each has its own data, ports and password).")


@neo4j.command("install")
@click.option("--force", is_flag=True, help="Reinstall even if present.")
@_friendly_errors
def neo4j_install(force: bool) -> None:
    """Download Neo4j 5.26 LTS, neo4j-admin, Browser and APOC core with Maven."""
    from . import neo4j_server
    neo4j_server.install(force=force, echo=click.echo)


@neo4j.command("start")
@_instance
@click.option("--bolt-port", type=int, help="Bolt port on 127.0.0.1 (default 7687).")
@click.option("--http-port", type=int, help="HTTP/Browser port on 127.0.0.1 (default 7474).")
@click.option("--heap", help="JVM heap, e.g. 4g (default: a quarter of RAM, 1g to 8g).")
@click.option("--pagecache", help="Page cache, e.g. 4g (default: a quarter of RAM, up to 8g).")
@_friendly_errors
def neo4j_start(instance, bolt_port, http_port, heap, pagecache) -> None:
    """Start the local server and wait until it answers."""
    from . import neo4j_server
    status = neo4j_server.start(instance, bolt_port=bolt_port, http_port=http_port, heap=heap,
                                pagecache=pagecache, echo=click.echo)
    click.echo(status.describe())


@neo4j.command("stop")
@_instance
@_friendly_errors
def neo4j_stop(instance) -> None:
    """Stop the local server."""
    from . import neo4j_server
    neo4j_server.stop(instance, echo=click.echo)


@neo4j.command("status")
@_instance
@_friendly_errors
def neo4j_status(instance) -> None:
    """Say whether the local server runs, and where (Bolt, Browser)."""
    from . import neo4j_server
    from .neo4j_server.settings import InstanceSettings
    click.echo(neo4j_server.status(instance).describe())
    click.echo(f"  credentials: {InstanceSettings(name=instance).connection_file} (user neo4j)")


@neo4j.command("admin", context_settings={"ignore_unknown_options": True})
@_instance
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@_friendly_errors
def neo4j_admin(instance, args) -> None:
    """Run neo4j-admin for an instance, e.g. `connectograph neo4j admin database info`."""
    from .neo4j_server import load_settings, run_admin
    proc = run_admin(list(args), load_settings(instance), capture=False)
    sys.exit(proc.returncode)


# --- datasets --------------------------------------------------------------------------

@main.command("load")
@click.argument("recipe")
@click.option("--dataset", help="Dataset name:tag (default: the recipe's).")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder of the input files (default: the recipe's data_dir).")
@click.option("--force", is_flag=True, help="Reload even if the inputs are unchanged.")
@click.option("--batch-size", default=5000, show_default=True, help="Rows per transaction.")
@click.option("--writers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Synapse transactions written at once (about one per core).")
@click.option("--bulk", is_flag=True,
              help="First load of a large dataset into an EMPTY local instance: write CSV "
                   "files and run neo4j-admin database import (stops and restarts the "
                   "server). Same graph as a Bolt load, faster for large datasets. Refused "
                   "if the instance holds any data.")
@click.option("--instance", default=None,
              help="Local instance to load into (default: $CONNECTOGRAPH_INSTANCE or "
                   "'default'); with --bulk, use a fresh one to keep other datasets.")
@click.option("--overwrite", is_flag=True,
              help="With --bulk: replace EVERYTHING in the instance's database instead of "
                   "refusing.")
@click.option("--check", "check_only", is_flag=True,
              help="Only read and validate the sources and print what a load would write "
                   "(no server needed, nothing written).")
@click.option("--conflicts", "conflicts_csv", type=click.Path(dir_okay=False),
              help="Write every source conflict (one row per disagreeing value: table, "
                   "column, key, kept, dropped and their files) to this CSV file.")
@click.option("--partition-rows", type=click.IntRange(min=1000), default=None,
              help="For datasets larger than memory: spill the synapse tables to disk "
                   "(DuckDB) and derive and write them N rows (points plus pairs) of whole "
                   "upstream bodies at a time, so memory follows N, not the number of "
                   "synapses. Same graph. E.g. 250000. With --bulk, the import files are "
                   "written partition by partition.")
@click.option("--spill-dir", type=click.Path(file_okay=False),
              help="With --partition-rows: folder for the spilled tables (default: the "
                   "system's temporary folder; about 40 MB per 1M synapse pairs).")
@_friendly_errors
@_recipe_named
def load_command(recipe, dataset, data_dir, force, batch_size, writers, bulk, instance,
                 overwrite, check_only, conflicts_csv, partition_rows, spill_dir) -> None:
    """Load a dataset from RECIPE (a .toml file or a bundled name such as hemibrain-mb).

    By default the dataset is written over Bolt into the running server, next to
    any other datasets. --bulk imports it with neo4j-admin into an empty
    instance instead (see docs/loading.md, Bulk import). --check validates a
    recipe and its data without writing (see docs/recipes.md). A recipe that
    makes several datasets (a [[series]], e.g. celegans-witvliet2021) loads
    them all, one after another, or the one --dataset names.
    """
    if overwrite and not bulk:
        raise click.UsageError("--overwrite only applies with --bulk")
    if spill_dir and not partition_rows:
        raise click.UsageError("--spill-dir only applies with --partition-rows")
    if dataset is None:
        from .loading.recipe import recipe_datasets
        several = recipe_datasets(recipe)
        if len(several) > 1:
            # a [[series]] recipe: every dataset it makes, one after another
            if bulk or conflicts_csv:
                raise click.UsageError(f"{recipe} makes {len(several)} datasets; with --bulk "
                                       "or --conflicts, choose one with --dataset")
            for one in several:
                click.echo(f"== {one}")
                ctx = click.get_current_context()
                ctx.invoke(load_command, recipe=recipe, dataset=one, data_dir=data_dir,
                           force=force, batch_size=batch_size, writers=writers, bulk=bulk,
                           instance=instance, overwrite=overwrite, check_only=check_only,
                           conflicts_csv=None, partition_rows=partition_rows,
                           spill_dir=spill_dir)
            return
    if check_only:
        if bulk or force or overwrite:
            raise click.UsageError("--check writes nothing; it takes no --bulk, --force "
                                   "or --overwrite")
        from .loading import check
        _report(check(recipe, dataset=dataset, data_dir=data_dir,
                      partition_rows=partition_rows, spill_dir=spill_dir), conflicts_csv)
        return
    if bulk:
        from .loading.bulk import bulk_load
        summary = bulk_load(recipe, instance=instance, dataset=dataset, data_dir=data_dir,
                            overwrite=overwrite, partition_rows=partition_rows,
                            spill_dir=spill_dir, echo=click.echo)
        _report(summary, conflicts_csv)
        return
    from .loading import load
    connection = None
    if instance is not None:
        from .connection import Connection
        from .neo4j_server.settings import local_connection
        conn = local_connection(instance)
        if conn is None:
            raise click.UsageError(f"no local instance {instance!r}; start it first "
                                   f"(connectograph neo4j start --instance {instance})")
        connection = Connection(conn[0], auth=conn[1])
    try:
        summary = load(recipe, client=connection, dataset=dataset, data_dir=data_dir,
                       force=force, batch_size=batch_size, writers=writers,
                       partition_rows=partition_rows, spill_dir=spill_dir, echo=click.echo)
    finally:
        if connection is not None:
            connection.close()
    _report(summary, conflicts_csv)


def _report(summary, conflicts_csv: str | None) -> None:
    """Print a load summary; write its conflicts' rows to ``conflicts_csv`` if given."""
    click.echo(summary.describe())
    if conflicts_csv and not summary.skipped:
        table = summary.conflict_table()
        table.to_csv(conflicts_csv, index=False)
        click.echo(f"{len(table):,} conflicting values written to {conflicts_csv}")


@main.command("datasets")
@_friendly_errors
def datasets_command() -> None:
    """List the datasets in the database."""
    from .loading import datasets
    df = datasets()
    if df.empty:
        click.echo("No datasets loaded. Try: connectograph load hemibrain-mb")
        return
    states = {"ready": "ready",
              "publishing": "publishing (readable; an interrupted publish is finished by the "
                            "next load)",
              "incomplete": "INCOMPLETE (load it again, or drop it)"}
    for row in df.itertuples():
        state = states.get(row.state, row.state)
        click.echo(f"{row.dataset}:{row.tag}  {state}  last edit {row.lastDatabaseEdit}")


@main.command("drop")
@click.argument("dataset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_friendly_errors
def drop_command(dataset, yes) -> None:
    """Delete DATASET (name:tag) and everything in it.

    The dataset is marked incomplete first, so an interrupted drop leaves it
    unavailable to queries; run the drop again to finish it.
    """
    from .loading import drop
    if not yes:
        click.confirm(f"Delete every node of {dataset}?", abort=True)
    n = drop(dataset)
    click.echo(f"Deleted {n:,} nodes of {dataset}")


@main.command("backup")
@click.argument("instance")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace a backup already in DIRECTORY.")
@_friendly_errors
def backup_command(instance, directory, force) -> None:
    """Back up the local INSTANCE (every dataset in it) into DIRECTORY.

    Writes neo4j.dump (neo4j-admin database dump) and backup.json (Neo4j
    version, datasets, checksum). The server is stopped for the dump and
    started again if it was running. Restore with: connectograph restore DIR.
    """
    from .neo4j_server.backup import backup
    backup(instance, directory, force=force, echo=click.echo)


@main.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--instance", default=None,
              help="Local instance to restore into (default: $CONNECTOGRAPH_INSTANCE or "
                   "'default'); set up once with connectograph neo4j start --instance NAME.")
@click.option("--force", is_flag=True,
              help="Replace the data the instance holds (refused otherwise).")
@_friendly_errors
def restore_command(directory, instance, force) -> None:
    """Restore a backup written by connectograph backup into a local instance.

    The backup is checked first (manifest, checksum, Neo4j major version);
    an instance that holds data is refused without --force. The server is
    stopped for the load and started after it.
    """
    from .neo4j_server.backup import restore
    from .neo4j_server.settings import instance_name
    manifest = restore(directory, instance_name(instance), force=force, echo=click.echo)
    click.echo(f"Datasets restored: {', '.join(manifest.get('datasets') or []) or 'none listed'}")


@main.command("report")
@click.argument("cell_type")
@click.option("--dataset", required=True, help="Dataset name:tag, e.g. hemibrain-mb:v1.2.1.")
@click.option("--out", default="report.html", show_default=True,
              type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--top", default=20, show_default=True, type=click.IntRange(min=1),
              help="Partner types per table.")
@_friendly_errors
def report_command(cell_type, dataset, out, top) -> None:
    """Write CELL_TYPE's page (instances, synapses per ROI, partner types,
    gap junctions, with pictures inline) as one self-contained HTML file.

    Needs the plot extra: pip install 'connectograph[plot]'.
    """
    from .client import Client
    from .plot.report import write_cell_type_report
    with Client(dataset=dataset) as client:
        path = write_cell_type_report(cell_type, out, client=client, top=top)
    click.echo(f"Wrote {path}")


# --- comparing datasets ----------------------------------------------------------------------

_synapse_type = click.option("--synapse-type", type=click.Choice(["chemical", "electrical",
                                                                  "both"]),
                             default="chemical", show_default=True,
                             help="ConnectsTo, gap junctions, or each kind apart.")
_cache = click.option("--cache", type=click.Path(file_okay=False),
                      help="Result cache directory (answers from disk when asked again, "
                           "also with the server down; docs/result-cache.md).")


@main.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--out", type=click.Path(file_okay=False),
              help="Also write every table as CSV into this folder.")
@click.option("--type", "type_", help="Only bodies of this type (regex allowed), and their "
              "connections.")
@click.option("--instance", help="Only bodies of this instance (regex allowed), and their "
              "connections.")
@_synapse_type
@_cache
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="Largest weight changes to print.")
@_friendly_errors
def diff_command(a, b, out, type_, instance, synapse_type, cache, top) -> None:
    """Compare dataset A (old) with dataset B (new), both name:tag: bodies
    only in one, changed properties, connections that appeared, vanished or
    changed weight (matched on bodyId; see docs/versions.md)."""
    from .client import Client
    from .criteria import NC
    from .fetch import fetch_dataset_diff
    criteria = None
    if type_ or instance:
        criteria = NC(type=type_, instance=instance, label="Segment")
    with Client(dataset=a, cache=cache) as client:
        diff = fetch_dataset_diff(a, b, criteria=criteria, synapse_type=synapse_type,
                                  client=client)
    click.echo(diff.describe(top))
    if out:
        paths = diff.write(out)
        click.echo(f"{len(paths)} tables written to {out}")


@main.command("series")
@click.argument("datasets", nargs=-1, required=True)
@click.option("--source", help="Presynaptic bodies: a type or instance (regex allowed); "
              "default every body.")
@click.option("--target", help="Postsynaptic bodies, as --source.")
@click.option("--min-weight", default=1, show_default=True, type=click.IntRange(min=1),
              help="Keep connections reaching this weight in at least one dataset.")
@_synapse_type
@_cache
@click.option("--out", type=click.Path(dir_okay=False), help="Also write the table as CSV.")
@click.option("--rows", default=30, show_default=True, type=click.IntRange(min=0),
              help="Rows to print (strongest first).")
@_friendly_errors
def series_command(datasets, source, target, min_weight, synapse_type, cache, out,
                   rows) -> None:
    """The weight of each connection in each of DATASETS (name:tag, in order),
    one column per dataset, 0 where absent."""
    import pandas as pd

    from .client import Client
    from .criteria import NC
    from .fetch import fetch_connection_series

    def criteria(text):
        return None if text is None else NC(text, label="Segment")
    with Client(dataset=datasets[0], cache=cache) as client:
        df = fetch_connection_series(list(datasets), criteria(source), criteria(target),
                                     min_weight=min_weight, synapse_type=synapse_type,
                                     client=client)
    if out:
        df.to_csv(out, index=False)
    shown = df.drop(columns=["bodyId_pre", "bodyId_post", "type_pre", "type_post"]).head(rows)
    with pd.option_context("display.width", 200, "display.max_columns", None):
        click.echo(shown.to_string(index=False) if len(shown) else "no connection matches")
    click.echo(f"{len(df):,} connections" + (f", written to {out}" if out else ""))


@main.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder of the hemibrain-mb bundle (default: ../shared/datasets/hemibrain-mb).")
@_friendly_errors
def demo_command(data_dir) -> None:
    """Start Neo4j, load the real hemibrain-mb bundle (once) and tour it; then
    load manc-nt and flywire-mb783 (once) and ask one question of each.

    With NEO4J_URI set, the demo uses that server instead of the local one.
    """
    import os

    from . import neo4j_server
    from .client import Client
    from .demo import DEMO_DATASET, DEMO_RECIPE, MORE_DATASETS, tour
    from .loading import load
    if not os.environ.get("NEO4J_URI"):
        neo4j_server.install(echo=click.echo)
        neo4j_server.start(echo=click.echo)
    summary = load(DEMO_RECIPE, data_dir=data_dir, echo=click.echo)
    click.echo(summary.describe())
    with Client(dataset=DEMO_DATASET) as client:
        tour(client, echo=click.echo)
    for recipe, dataset, more in MORE_DATASETS:
        click.echo("")
        load(recipe, dataset=dataset, echo=click.echo)
        with Client(dataset=dataset) as client:
            more(client, echo=click.echo)


@main.command("browse")
@click.argument("dataset", required=False, default="hemibrain-mb:v1.2.1")
@_instance
@click.option("--favorites", "favorites", type=click.Path(dir_okay=False),
              help="Write the dataset's starter queries to this zip (default: "
                   "<instance>/import/<dataset>-favorites.zip).")
@click.option("--show-password", is_flag=True, help="Print the local password too.")
@click.option("--open", "open_browser", is_flag=True, help="Open the address in a web browser.")
@_friendly_errors
def browse_command(dataset, instance, favorites, show_password, open_browser) -> None:
    """Explore DATASET in Neo4j Browser: address, login, starter queries and style.

    Writes the starter queries (a neuron and its strongest partners, the ROI
    hierarchy, a type-to-type subgraph, neurons in an ROI, synapses of a neuron
    in an ROI) as a favorites zip for the dataset and the connectome style
    (GraSS) beside it, and says how to load both.
    """
    from .browser import browser_style, browser_url, write_favorites
    from .identifiers import DatasetName
    from .neo4j_server import load_settings, status
    from .neo4j_server.settings import read_connection

    name = DatasetName.parse(dataset)
    settings = load_settings(instance)
    if favorites is None:
        safe = str(name).replace(":", "-")
        favorites = settings.root / "import" / f"{safe}-favorites.zip"
    path = write_favorites(name, favorites)
    style = path.parent / "connectograph-style.grass"
    style.write_text(browser_style())
    url = browser_url(settings.http_port, settings.bolt_port)
    conn = read_connection(settings) or {}
    running = status(instance).running
    click.echo(f"Neo4j Browser: {url}" + ("" if running else
               f"   (server not running: connectograph neo4j start --instance {instance})"))
    password = conn.get("password", "?") if show_password else (
        f"in {settings.connection_file} (or use --show-password)")
    click.echo(f"  log in as neo4j; password {password}")
    click.echo(f"  starter queries for {name}: {path}")
    click.echo("    drag the zip onto Browser's Favorites pane (star icon) to import them")
    click.echo(f"  connectome style: {style}")
    click.echo("    drag it onto the Browser window (or type :style and paste its contents)")
    if open_browser:
        import webbrowser
        webbrowser.open(url)


# --- the neuPrintHTTP-compatible service ---------------------------------------------------

@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback only unless you change it).")
@click.option("--port", default=11000, show_default=True, type=int)
@click.option("--timeout", default=60.0, show_default=True, type=float,
              help="Seconds a query may run.")
@click.option("--max-rows", default=1_000_000, show_default=True, type=int,
              help="Rows a query may return.")
@click.option("--meshes", multiple=True, metavar="NAME:TAG=DIR",
              help="Folder of a dataset's <roi>.obj meshes (default: from its recipe).")
@click.option("--certfile", type=click.Path(dir_okay=False, exists=True),
              help="TLS certificate (default: a self-signed one made on first use).")
@click.option("--keyfile", type=click.Path(dir_okay=False, exists=True),
              help="TLS private key for --certfile.")
@click.option("--public", metavar="PATTERNS",
              help="Datasets anyone may read without a token, as NAME:TAG patterns "
                   "('hemibrain-mb:*,witvliet2021:d8'); still read-only, same limits.")
@click.option("--max-concurrent", default=8, show_default=True, type=int,
              help="Requests one token may run at once (more: 429).")
@click.option("--rate", default="1200/minute", show_default=True,
              help="Requests one token may send per interval, e.g. 1000/minute "
                   "(more: 429); 'none' for no limit.")
@click.option("--max-body", default=10_000_000, show_default=True, type=int,
              help="Largest request body in bytes (more: 413).")
@click.option("--audit-log", type=click.Path(dir_okay=False),
              help="File of refused requests, rotated at 10 MB, 5 kept "
                   "[default: <home>/service/audit.log].")
@_friendly_errors
def serve_command(host, port, timeout, max_rows, meshes, certfile, keyfile, public,
                  max_concurrent, rate, max_body, audit_log) -> None:
    """Serve the database read-only to neuPrint tools (neuPrintHTTP's API, https).

    \b
    Every request needs a token (connectograph token create NAME), but for
    the datasets made public with --public.
    neuprint-python:  Client('https://localhost:11000', dataset='hemibrain-mb:v1.2.1',
                             token=TOKEN, verify=CERT)   (CERT is printed at start)
    """
    from pathlib import Path

    from .service import Limits, ServiceConfig, serve
    from .service.tokens import TokenStore, parse_patterns, service_home

    mesh_dirs = {}
    for item in meshes:
        name, sep, folder = item.partition("=")
        if not sep or not Path(folder).is_dir():
            raise click.BadParameter(f"{item!r}: expected NAME:TAG=DIR with an existing DIR",
                                     param_hint="--meshes")
        mesh_dirs[name] = Path(folder)
    store = TokenStore()
    public = parse_patterns(public)
    if not store.list() and not public:
        click.secho("No tokens yet: every request will be refused. Create one with "
                    "'connectograph token create NAME'.", fg="yellow", err=True)
    if public:
        click.echo(f"Public (no token needed, read-only): {', '.join(public)}")
    audit = Path(audit_log) if audit_log else service_home() / "audit.log"
    click.echo(f"Refused requests are logged in {audit}")
    config = ServiceConfig(limits=Limits(timeout=timeout, max_rows=max_rows), tokens=store,
                           mesh_dirs=mesh_dirs, public=public, max_concurrent=max_concurrent,
                           rate=None if rate.lower() == "none" else rate, max_body=max_body,
                           audit_log=audit)
    serve(config, host=host, port=port, certfile=certfile, keyfile=keyfile, echo=click.echo)


@main.group("token")
def token_group() -> None:
    """Bearer tokens for `connectograph serve` (stored hashed in the connectograph home)."""


@token_group.command("create")
@click.argument("name")
@click.option("--datasets", metavar="PATTERNS",
              help="Datasets it may read, as NAME:TAG patterns with wildcards, comma "
                   "separated ('hemibrain-mb:*,witvliet2021:d8'); default: all.")
@_friendly_errors
def token_create(name, datasets) -> None:
    """Make a token named NAME and print it (it is shown only once)."""
    from .service.tokens import TokenStore, parse_patterns
    token, info = TokenStore().create(name, parse_patterns(datasets))
    click.echo(token)
    click.echo(f"(id {info.id}; stored hashed, this is the only time it is shown)", err=True)
    if info.datasets is None:
        click.echo("It reads ALL datasets; limit it with --datasets 'NAME:TAG,...'", err=True)
    else:
        click.echo(f"It reads: {info.scope()}", err=True)


@token_group.command("list")
@_friendly_errors
def token_list() -> None:
    """List tokens (id, name, creation time; never the tokens themselves)."""
    from .service.tokens import TokenStore
    tokens = TokenStore().list()
    if not tokens:
        click.echo("No tokens. Create one with: connectograph token create NAME")
    for t in tokens:
        click.echo(f"{t.id}  {t.created}  {t.name}  [{t.scope()}]")


@token_group.command("revoke")
@click.argument("id_or_name")
@_friendly_errors
def token_revoke(id_or_name) -> None:
    """Revoke the token(s) with this id or name; a running service refuses them at once."""
    from .service.tokens import TokenStore
    for t in TokenStore().revoke(id_or_name):
        click.echo(f"revoked {t.id} ({t.name})")


# --- benchmarks ----------------------------------------------------------------------------

from .bench.cli import bench_command  # noqa: E402

main.add_command(bench_command)


if __name__ == "__main__":
    main()
