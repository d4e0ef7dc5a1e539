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
@_friendly_errors
def load_command(recipe, dataset, data_dir, force, batch_size) -> None:
    """Load a dataset from RECIPE (a .toml file or a bundled name such as hemibrain-mb)."""
    from .loading import load
    summary = load(recipe, dataset=dataset, data_dir=data_dir, force=force,
                   batch_size=batch_size, echo=click.echo)
    click.echo(summary.describe())


@main.command("datasets")
@_friendly_errors
def datasets_command() -> None:
    """List the datasets in the database."""
    from .loading import datasets
    df = datasets()
    if df.empty:
        click.echo("No datasets loaded. Try: connectograph load hemibrain-mb")
        return
    for row in df.itertuples():
        state = "ready" if row.loadComplete else "INCOMPLETE (reload it)"
        click.echo(f"{row.dataset}:{row.tag}  {state}  last edit {row.lastDatabaseEdit}")


@main.command("drop")
@click.argument("dataset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_friendly_errors
def drop_command(dataset, yes) -> None:
    """Delete DATASET (name:tag) and everything in it."""
    from .loading import drop
    if not yes:
        click.confirm(f"Delete every node of {dataset}?", abort=True)
    n = drop(dataset)
    click.echo(f"Deleted {n:,} nodes of {dataset}")


@main.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False),
              help="Folder of the hemibrain-mb bundle (default: ../shared/datasets/hemibrain-mb).")
@_friendly_errors
def demo_command(data_dir) -> None:
    """Start Neo4j, load the real hemibrain-mb bundle (once) and tour it.

    With NEO4J_URI set, the demo uses that server instead of the local one.
    """
    import os

    from . import neo4j_server
    from .client import Client
    from .demo import DEMO_DATASET, DEMO_RECIPE, tour
    from .loading import load
    if not os.environ.get("NEO4J_URI"):
        neo4j_server.install(echo=click.echo)
        neo4j_server.start(echo=click.echo)
    summary = load(DEMO_RECIPE, data_dir=data_dir, echo=click.echo)
    click.echo(summary.describe())
    with Client(dataset=DEMO_DATASET) as client:
        tour(client, echo=click.echo)


if __name__ == "__main__":
    main()
