"""fetch_dataset_diff, fetch_connection_series and their commands on the real
C. elegans series (witvliet2021:d1..d8, loaded beside whatever the session
holds).

Every expected set, weight and count is computed with pandas from the xlsx
edge lists in shared/datasets/celegans-witvliet2021: a chemical connection is
an ordered (pre, post) pair of names, a gap junction an unordered one; the
bodies of a dataset are the names its file lists. Names are read back through
the ``instance`` columns of the answers (the recipe stores the cell name as
the instance, checked in test_celegans.py).
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from connectograph import NC, fetch_connection_series, fetch_dataset_diff
from connectograph.errors import DatasetNotFoundError

from other_datasets import another_dataset
from shared_datasets import DATASETS

pytestmark = pytest.mark.neo4j

FOLDER = DATASETS / "celegans-witvliet2021"
RECIPE = "celegans-witvliet2021"
#: The animals loaded in make test: d1 (L1) against d8 (adult), the
#: neighbouring stages d6 (L3) and d7 (adult), and d7 against d8 for the
#: commands; the slow test loads the other four for the eight-animal series.
ANIMALS = (1, 6, 7, 8)


def edges(k: int) -> pd.DataFrame:
    [path] = (FOLDER / "edges").glob(f"witvliet_2020_{k} *.xlsx")
    return pd.read_excel(path)


def chemical(src: pd.DataFrame) -> pd.Series:
    """(pre name, post name) → synapses."""
    chem = src[src["type"] == "chemical"]
    return chem.groupby(["pre", "post"])["synapses"].sum()


def electrical(src: pd.DataFrame) -> pd.Series:
    """frozenset of the pair's names → gap junctions."""
    elec = src[src["type"] == "electrical"]
    keys = [frozenset(p) for p in zip(elec["pre"], elec["post"])]
    return elec["synapses"].groupby(keys).sum()


def expected_changes(wa: pd.Series, wb: pd.Series) -> pd.DataFrame:
    """Outer join of two weight series (key → weight), absent = 0."""
    both = pd.concat([wa.rename("a"), wb.rename("b")], axis=1).fillna(0).astype("int64")
    both["change"] = np.select([both["a"] == 0, both["b"] == 0, both["a"] != both["b"]],
                               ["appeared", "vanished", "changed"], "unchanged")
    return both


def key_of(kind: str, pre: str, post: str):
    return (pre, post) if kind == "chemical" else frozenset((pre, post))


def check_connections(diff, kind: str, exp: pd.DataFrame) -> None:
    """The diff's rows of ``kind`` and its summary against ``exp``
    (:func:`expected_changes`)."""
    rows = diff.connections[diff.connections["synapse_type"] == kind]
    got = {key_of(kind, r.instance_pre, r.instance_post):
           (r.change, r.weight_a, r.weight_b, r.weight_diff, r.weight_ratio)
           for r in rows.itertuples()}
    assert len(got) == len(rows)
    want = {k: (r.change, r.a, r.b, r.b - r.a, r.b / r.a if r.a else np.inf)
            for k, r in zip(exp.index, exp.itertuples()) if r.change != "unchanged"}
    assert got == want
    summary = diff.summary.set_index(["item", "change"])["count"]
    for change in ("appeared", "vanished", "changed", "unchanged"):
        assert summary[(kind, change)] == (exp["change"] == change).sum()


@pytest.fixture(scope="module")
def animals(neo4j_connection):
    with ExitStack() as stack:
        clients = {k: stack.enter_context(another_dataset(neo4j_connection, RECIPE,
                                                          f"witvliet2021:d{k}"))[0]
                   for k in ANIMALS}
        yield clients


@pytest.fixture(scope="module")
def diff_1_8(animals):
    return fetch_dataset_diff("witvliet2021:d1", "witvliet2021:d8", synapse_type="both",
                              client=animals[1])


def test_chemical_and_electrical_changes_d1_to_d8(diff_1_8):
    a, b = edges(1), edges(8)
    check_connections(diff_1_8, "chemical", expected_changes(chemical(a), chemical(b)))
    check_connections(diff_1_8, "electrical", expected_changes(electrical(a), electrical(b)))
    # kinds are never summed: a pair with both kinds is two rows
    assert set(diff_1_8.connections["synapse_type"]) == {"chemical", "electrical"}


def test_bodies_d1_to_d8(diff_1_8):
    a, b = edges(1), edges(8)
    names_a, names_b = set(a["pre"]) | set(a["post"]), set(b["pre"]) | set(b["post"])
    assert set(diff_1_8.neurons_only_a["instance"]) == names_a - names_b
    assert set(diff_1_8.neurons_only_b["instance"]) == names_b - names_a
    assert len(names_b - names_a) > 0
    # every property of a cell comes from the one cell table (all_cell_info.csv),
    # the same for all animals: no body of both changed
    assert diff_1_8.neuron_changes.empty
    summary = diff_1_8.summary.set_index(["item", "change"])["count"]
    assert summary[("neurons", "only_a")] == len(names_a - names_b)
    assert summary[("neurons", "only_b")] == len(names_b - names_a)
    assert summary[("neurons", "changed")] == 0
    assert summary[("neurons", "unchanged")] == len(names_a & names_b)


def test_neighbouring_stages_l3_to_adult(animals):
    a, b = edges(6), edges(7)
    diff = fetch_dataset_diff("witvliet2021:d6", "witvliet2021:d7", client=animals[6])
    assert set(diff.connections["synapse_type"]) == {"chemical"}
    check_connections(diff, "chemical", expected_changes(chemical(a), chemical(b)))
    assert list(diff.summary["item"].unique()) == ["neurons", "chemical"]
    # sorted by the size of the change
    assert diff.connections["weight_diff"].abs().is_monotonic_decreasing


def test_criteria_on_either_side(animals):
    a, b = edges(1), edges(8)
    diff = fetch_dataset_diff("witvliet2021:d1", "witvliet2021:d8",
                              criteria=NC(instance="AVAL"), client=animals[8])

    def aval(src):
        w = chemical(src)
        return w[[("AVAL" in k) for k in w.index]]
    check_connections(diff, "chemical", expected_changes(aval(a), aval(b)))
    # the bodies compared: AVAL only, in both animals
    summary = diff.summary.set_index(["item", "change"])["count"]
    assert summary["neurons"].tolist() == [0, 0, 0, 1]


def test_unknown_dataset_is_our_error_and_nothing_changes(animals):
    c = animals[1]
    before = c.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    with pytest.raises(DatasetNotFoundError, match="witvliet2021:d9 is not loaded"):
        fetch_dataset_diff("witvliet2021:d1", "witvliet2021:d9", client=c)
    with pytest.raises(DatasetNotFoundError, match="nope:v1"):
        fetch_connection_series(["witvliet2021:d1", "nope:v1"], client=c)
    assert c.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def expected_series(ks, weights=chemical) -> dict:
    """key → tuple of weights, one per animal of ``ks`` (0 where absent)."""
    per = [weights(edges(k)).to_dict() for k in ks]
    keys = set().union(*per)
    return {key: tuple(int(w.get(key, 0)) for w in per) for key in keys}


def got_series(got: pd.DataFrame, ks, kind: str = "chemical") -> dict:
    cols = [f"witvliet2021:d{k}" for k in ks]
    assert (got[cols].dtypes == "int64").all()
    out = {key_of(kind, pre, post): tuple(w) for pre, post, w in
           zip(got["instance_pre"], got["instance_post"], got[cols].to_numpy().tolist())}
    assert len(out) == len(got)
    return out


def test_series_with_no_match_keeps_its_columns(animals):
    # AVAL's chemical outputs are outside the reconstructed volume: none in any file
    assert not any(("AVAL" in chemical(edges(k)).index.get_level_values("pre"))
                   for k in ANIMALS)
    names = [f"witvliet2021:d{k}" for k in ANIMALS]
    got = fetch_connection_series(names, sources=NC(instance="AVAL"), client=animals[1])
    assert got.empty and list(got.columns[-len(names):]) == names
    assert (got[names].dtypes == "int64").all()


def test_series_of_the_loaded_animals(animals):
    ks = ANIMALS
    names = [f"witvliet2021:d{k}" for k in ks]
    got = fetch_connection_series(names, client=animals[1])
    exp = expected_series(ks)
    assert got_series(got, ks) == exp
    assert list(got.columns[-len(ks):]) == names
    # min_weight: kept if reached in at least one dataset
    strong = fetch_connection_series(names, min_weight=20, client=animals[1])
    assert got_series(strong, ks) == {k: w for k, w in exp.items() if max(w) >= 20}


def test_series_drawn(animals):
    """plot_connection_series: one line per connection, its points the weights
    pandas reads from the four files, the animals in the given order."""
    from connectograph.plot import plot_connection_series

    names = [f"witvliet2021:d{k}" for k in ANIMALS]
    got = fetch_connection_series(names, client=animals[1])
    fig = plot_connection_series(got, top=5, x_labels={"witvliet2021:d1": "L1 (d1)"})
    ax = fig.axes[0]
    exp = expected_series(ANIMALS)
    drawn = fig.connectograph_series
    lines = [tuple(int(y) for y in line.get_ydata()) for line in ax.get_lines()]
    assert lines == [exp[(pre, post)] for pre, post in
                     zip(drawn["instance_pre"], drawn["instance_post"])]
    # the five largest totals over the series (ties may pick either connection)
    assert sorted(map(sum, lines)) == sorted(map(sum, exp.values()))[-5:]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["L1 (d1)", *names[1:]]
    assert ax.get_ylabel() == "synapses" and len(ax.get_legend().get_texts()) == 5
    first = drawn.iloc[0]
    assert ax.get_legend().get_texts()[0].get_text() == \
        f"{first['instance_pre']} → {first['instance_post']}"
    out = Path(__file__).resolve().parents[1] / "test-output"
    out.mkdir(exist_ok=True)
    fig.savefig(out / "connection_series.png", dpi=90)


def test_series_sources_and_gap_junctions(animals):
    ks = ANIMALS
    got = fetch_connection_series([f"witvliet2021:d{k}" for k in ks], sources=NC(type="AVA"),
                                  synapse_type="electrical", client=animals[1])
    exp = {k: w for k, w in expected_series(ks, electrical).items() if k & {"AVAL", "AVAR"}}
    assert got_series(got, ks, "electrical") == exp


def test_cli_diff_and_series(animals, neo4j_connection, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from connectograph.cli import main
    uri, (user, password) = neo4j_connection
    for k, v in (("NEO4J_URI", uri), ("NEO4J_USERNAME", user), ("NEO4J_PASSWORD", password)):
        monkeypatch.setenv(k, v)
    a, b = edges(7), edges(8)
    exp = expected_changes(chemical(a), chemical(b))
    result = CliRunner().invoke(main, ["diff", "witvliet2021:d7", "witvliet2021:d8", "--out",
                                       str(tmp_path / "out"), "--top", "3"])
    assert result.exit_code == 0, result.output
    for change in ("appeared", "vanished", "changed"):
        line = next(s for s in result.output.splitlines() if s.split()[:2] == ["chemical", change])
        assert int(line.split()[2].replace(",", "")) == (exp["change"] == change).sum()
    written = pd.read_csv(tmp_path / "out" / "connections.csv")
    assert len(written) == (exp["change"] != "unchanged").sum()
    largest = (exp["b"] - exp["a"]).abs().max()
    lines = result.output.splitlines()
    top = lines[lines.index(next(s for s in lines if s.startswith("largest changes"))) + 1:][:4]
    assert f"{largest})" in top[0] and len(top) == 4 and "tables written" in top[3]
    result = CliRunner().invoke(main, ["diff", "witvliet2021:d7", "witvliet2021:d42"])
    assert result.exit_code == 1 and "witvliet2021:d42 is not loaded" in result.output
    expected = {k: w for k, w in expected_series((7, 8)).items() if k[1] == "AVAL"}
    for run in ("stores", "from the cache"):
        result = CliRunner().invoke(main, ["series", "witvliet2021:d7", "witvliet2021:d8",
                                           "--target", "AVAL", "--out", str(tmp_path / "s.csv"),
                                           "--cache", str(tmp_path / "cache")])
        assert result.exit_code == 0, result.output
        assert got_series(pd.read_csv(tmp_path / "s.csv"), (7, 8)) == expected


@pytest.mark.slow
def test_series_of_the_eight_animals(animals, neo4j_connection):
    ks = range(1, 9)
    with ExitStack() as stack:
        for k in set(ks) - set(ANIMALS):
            stack.enter_context(another_dataset(neo4j_connection, RECIPE, f"witvliet2021:d{k}"))
        got = fetch_connection_series([f"witvliet2021:d{k}" for k in ks], synapse_type="both",
                                      client=animals[1])
    chem = got[got["synapse_type"] == "chemical"]
    assert got_series(chem, ks) == expected_series(ks)
    elec = got[got["synapse_type"] == "electrical"]
    assert got_series(elec, ks, "electrical") == expected_series(ks, electrical)
