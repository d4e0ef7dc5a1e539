"""The opt-in result cache (``Client(cache=DIR)``) against the real server, on
the C. elegans adult witvliet2021:d8.

Expected answers come from pandas on the xlsx edge list. "The server down"
is real: the client reaches the server through a TCP relay
(tests/bolt_relay.py), and the relay is shut (the session's server keeps running for
the other tests).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from connectograph import (NC, Client, fetch_connection_series, fetch_custom,
                           fetch_simple_connections)
from connectograph.errors import CacheDirectoryError, ConnectionFailedError

from bolt_relay import BoltRelay
from other_datasets import another_dataset
from shared_datasets import DATASETS

pytestmark = pytest.mark.neo4j

REPO = Path(__file__).resolve().parents[1]

FOLDER = DATASETS / "celegans-witvliet2021"
RECIPE = "celegans-witvliet2021"
DATASET = "witvliet2021:d8"


def chemical_inputs(k: int, post: str) -> dict:
    """presynaptic name → chemical synapses onto ``post`` in animal ``k``."""
    [path] = (FOLDER / "edges").glob(f"witvliet_2020_{k} *.xlsx")
    src = pd.read_excel(path)
    chem = src[(src["type"] == "chemical") & (src["post"] == post)]
    return chem.groupby("pre")["synapses"].sum().to_dict()


@pytest.fixture(scope="module")
def adult(neo4j_connection):
    with another_dataset(neo4j_connection, RECIPE, DATASET) as (c, _):
        yield c


def test_hit_miss_and_equal_arguments(adult, neo4j_connection, tmp_path):
    uri, auth = neo4j_connection
    expected = chemical_inputs(8, "AVAL")
    with Client(uri, auth=auth, dataset=DATASET, cache=tmp_path / "cache") as c:
        first = fetch_simple_connections(None, NC(instance="AVAL"), client=c)
        assert (c.cache.hits, c.cache.misses) == (0, 1)
        again = fetch_simple_connections(None, NC(instance="AVAL"), client=c)
        assert (c.cache.hits, c.cache.misses) == (1, 1)
        for df in (first, again):
            assert dict(zip(df["instance_pre"], df["weight"])) == expected
        pd.testing.assert_frame_equal(first, again)
        # the same question spelled with the defaults written out: the same entry
        fetch_simple_connections(None, NC(instance="AVAL"), min_weight=1, client=c)
        assert c.cache.hits == 2
        # another argument is another question
        strong = fetch_simple_connections(None, NC(instance="AVAL"), min_weight=5, client=c)
        assert c.cache.misses == 2
        assert dict(zip(strong["instance_pre"], strong["weight"])) == \
            {k: v for k, v in expected.items() if v >= 5}
        # a mutated answer does not change the stored one
        again.loc[:, "weight"] = -1
        third = fetch_simple_connections(None, NC(instance="AVAL"), client=c)
        assert dict(zip(third["instance_pre"], third["weight"])) == expected
    # the entries are on disk: another client on the directory finds them
    with Client(uri, auth=auth, dataset=DATASET, cache=tmp_path / "cache") as c2:
        fetch_simple_connections(None, NC(instance="AVAL"), client=c2)
        assert (c2.cache.hits, c2.cache.misses) == (1, 0)
    # fetch_custom is never cached (its Cypher may read any dataset)
    with Client(uri, auth=auth, dataset=DATASET, cache=tmp_path / "cache") as c3:
        fetch_custom("MATCH (n) RETURN count(n) AS n", client=c3)
        assert (c3.cache.hits, c3.cache.misses) == (0, 0)


def test_answers_offline_from_the_cache(adult, neo4j_connection, tmp_path):
    uri, auth = neo4j_connection
    host, port = uri.split("//")[1].rsplit(":", 1)
    relay = BoltRelay(host, int(port)).start()
    expected = chemical_inputs(8, "AVAR")
    try:
        with Client(relay.uri, auth=auth, dataset=DATASET, cache=tmp_path) as c:
            fetch_simple_connections(None, NC(instance="AVAR"), client=c)
            fetch_connection_series([DATASET], targets=NC(instance="AVAR"), client=c)
            assert (c.cache.hits, c.cache.misses) == (0, 2)
    finally:
        relay.stop()
    with pytest.raises(ConnectionFailedError):
        Client(relay.uri, auth=auth, dataset=DATASET)       # no cache: the usual error
    with Client(relay.uri, auth=auth, dataset=DATASET, cache=tmp_path) as offline:
        df = fetch_simple_connections(None, NC(instance="AVAR"), client=offline)
        assert dict(zip(df["instance_pre"], df["weight"])) == expected
        series = fetch_connection_series([DATASET], targets=NC(instance="AVAR"),
                                         client=offline)
        assert dict(zip(series["instance_pre"], series[DATASET])) == expected
        assert offline.cache.hits == 2
        with pytest.raises(ConnectionFailedError, match="not in the cache"):
            fetch_simple_connections(None, NC(instance="AVAL"), client=offline)


def test_unusable_cache_directory(neo4j_connection, tmp_path):
    uri, auth = neo4j_connection
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    with pytest.raises(CacheDirectoryError, match="a-file"):
        Client(uri, auth=auth, dataset=DATASET, cache=a_file / "cache")
    assert a_file.read_text() == "not a directory"


def recipe_of(k: int, path) -> str:
    """The bundled recipe, loading animal ``k``'s edge list as ``cachetest:v1``."""
    text = (REPO / "loaders" / f"{RECIPE}.toml").read_text().split("[[series]]")[0]
    [edges] = (FOLDER / "edges").glob(f"witvliet_2020_{k} *.xlsx")
    text = text.replace("{edges}", edges.name).replace(
        'name = "witvliet2021"', 'name = "cachetest"\ntag = "v1"')
    text = text.replace('data_dir = "../shared/datasets/celegans-witvliet2021"',
                        f'data_dir = "{FOLDER}"')
    path.write_text(text)
    return str(path)


@pytest.mark.slow
def test_reload_and_drop_never_give_a_stale_answer(neo4j_connection, tmp_path):
    from connectograph.loading import drop, load
    uri, auth = neo4j_connection
    recipe = tmp_path / "cachetest.toml"
    cache = tmp_path / "cache"

    def answer():
        with Client(uri, auth=auth, dataset="cachetest:v1", cache=cache) as c:
            df = fetch_simple_connections(None, NC(instance="AVAL"), client=c)
            return dict(zip(df["instance_pre"], df["weight"])), (c.cache.hits, c.cache.misses)

    def load_animal(k):
        with Client(uri, auth=auth, dataset="cachetest:v1", check_dataset=False) as w:
            load(recipe_of(k, recipe), client=w, progress=None)

    d1, d8 = chemical_inputs(1, "AVAL"), chemical_inputs(8, "AVAL")
    assert d1 != d8
    load_animal(1)
    assert answer() == (d1, (0, 1))
    assert answer() == (d1, (1, 0))
    with Client(uri, auth=auth, dataset="cachetest:v1", cache=cache) as old:
        load_animal(8)                         # a reload with other data
        assert answer() == (d8, (0, 1))
        # a client opened before the reload is not answered from the cache
        fetch_simple_connections(None, NC(instance="AVAL"), client=old)
        assert (old.cache.hits, old.cache.misses) == (0, 0)
    with Client(uri, auth=auth, dataset="cachetest:v1", check_dataset=False) as w:
        drop("cachetest:v1", client=w)
    load_animal(1)                             # drop, then the first data again
    assert answer() == (d1, (1, 0))            # its entries are still right


def test_a_progress_bar_asks_the_same_question(neo4j_connection, loaded, tmp_path):
    """progress= changes what is shown, not the answer: one cache entry."""
    from connectograph import fetch_synapses

    uri, auth = neo4j_connection
    kc = NC(bodyId=[5813078552])        # the bundle's Kenyon cell with its synapse files
    with Client(uri, auth=auth, dataset="hemibrain-mb:v1.2.1", cache=tmp_path) as c:
        quiet = fetch_synapses(kc, progress=False, client=c)
        shown = fetch_synapses(kc, progress=True, client=c)
        assert (c.cache.hits, c.cache.misses) == (1, 1)
    pd.testing.assert_frame_equal(quiet, shown)
    assert len(quiet) > 0
