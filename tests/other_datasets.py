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
