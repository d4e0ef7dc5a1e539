"""Loading another bundled dataset into the session's server, beside the
hemibrain bundle (the modules that test the other recipes use it in a module
fixture)."""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def another_dataset(neo4j_connection, recipe: str, dataset: str):
    """Load bundled ``recipe`` as ``dataset`` into the server of
    ``neo4j_connection`` (the session fixture's ``(uri, auth)``); yield
    ``(Client on it, load summary)``."""
    from connectograph import Client
    from connectograph.loading import load

    uri, auth = neo4j_connection
    with Client(uri, auth=auth, dataset=dataset, check_dataset=False) as writer:
        summary = load(recipe, client=writer, dataset=dataset, progress=None)
    with Client(uri, auth=auth, dataset=dataset) as c:
        yield c, summary


def graph_counts(client) -> dict:
    """Nodes per label set and relationships per type of the client's dataset,
    with its Meta's last edit."""
    prefix = f"{client.dataset}_"
    nodes = client.read("MATCH (n) WHERE any(l IN labels(n) WHERE l STARTS WITH $p) "
                        "RETURN labels(n) AS labels, count(*) AS n", {"p": prefix})
    rels = client.read("MATCH (a)-[r]->() WHERE any(l IN labels(a) WHERE l STARTS WITH $p) "
                       "RETURN type(r) AS type, count(*) AS n, sum(r.weight) AS weight",
                       {"p": prefix})
    edit = client.read(f"MATCH (m:{client.dataset.label('Meta')}) "
                       "RETURN m.lastDatabaseEdit AS edit")
    return {"nodes": sorted((sorted(r["labels"]), r["n"]) for r in nodes),
            "relationships": sorted((r["type"], r["n"], r["weight"]) for r in rels),
            "meta": edit}


def assert_loading_again_changes_nothing(client, recipe: str) -> None:
    """A second load of the same recipe and files is skipped, and the graph,
    down to its Meta's last edit, is what it was."""
    from connectograph.loading import load

    before = graph_counts(client)
    again = load(recipe, client=client, dataset=str(client.dataset), progress=None)
    assert again.skipped
    assert graph_counts(client) == before and before["nodes"]
