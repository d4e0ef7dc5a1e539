"""Criteria values on the real bundle: numpy booleans, regex lists and patterns
select what the bundle's source files say, and Neo4j reads every accepted
regular expression as Python's ``re`` does.

Expected bodies are computed here with pandas straight from the bundle's
neuron tables (the recipe's table list, column renames and ``[neuron_rule]``
read with tomllib), merged cell by cell with the first table listed winning
(the recipe's precedence); never from connectograph's code. Bodies listed
only in connection or synapse files are left out: none is a Neuron (the four
that only the Kenyon cell's synapse file names have at most 2 PSDs from it,
below the rule's thresholds), which ``test_neuron_rule_reproduced`` checks.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from connectograph import NC, fetch_neurons
from connectograph.criteria.regex import regex_problem
from connectograph.errors import CriteriaError

pytestmark = pytest.mark.neo4j

RECIPE = Path(__file__).resolve().parents[2] / "loaders" / "hemibrain-mb.toml"


# --- independent expectations ------------------------------------------------------------

@cache
def _recipe() -> dict:
    return tomllib.loads(RECIPE.read_text())


@cache
def merged_neurons(bundle: Path) -> pd.DataFrame:
    """Every neuron table of the recipe merged cell by cell (first listed wins),
    indexed by bodyId, with ``neuron`` (the recipe's [neuron_rule]) and
    ``cropped_true`` columns added."""
    merged = None
    for src in _recipe()["neurons"]:
        df = pd.read_csv(bundle / src["file"], keep_default_na=False, na_values=[""])
        df = df.rename(columns={v: k for k, v in src.get("columns", {}).items()})
        df = df.drop(columns=[c for c in src.get("drop", []) if c in df.columns])
        df = df.set_index("bodyId")
        merged = df if merged is None else merged.combine_first(df)
    merged.index = merged.index.astype("int64")
    rule = _recipe()["neuron_rule"]
    neuron = (merged["pre"].fillna(0) >= rule["min_pre"]) \
        | (merged["post"].fillna(0) >= rule["min_post"])
    if rule["soma"]:
        neuron |= merged["somaLocation"].notna()
    if rule["named"]:
        neuron |= merged["type"].notna() | merged["instance"].notna()
    if rule["with_status"]:
        neuron |= merged["status"].notna()
    # cropped is True/False (bool or text) or empty in the tables
    cropped_true = merged["cropped"].map(lambda v: str(v).strip().lower() == "true")
    return merged.assign(neuron=neuron, cropped_true=cropped_true)


def expected(bundle: Path, mask_of) -> set[int]:
    df = merged_neurons(bundle)
    df = df[df["neuron"]]
    return set(df.index[mask_of(df)].tolist())


def selected(client, nc: NC) -> set[int]:
    df, _ = fetch_neurons(nc, omit_rois=True, returned_columns=["bodyId"], client=client)
    return set(int(b) for b in df["bodyId"])


def same(got: set[int], want: set[int]) -> bool:
    """``got == want``, saying the sizes and a few differences when not."""
    assert got == want, (f"{len(got)} bodies selected, {len(want)} expected; e.g. extra "
                         f"{sorted(got - want)[:5]}, missing {sorted(want - got)[:5]}")
    return True


# --- the counts of the issue -------------------------------------------------------------

def test_neuron_rule_reproduced(client, bundle_dir):
    every = expected(bundle_dir, lambda df: df["neuron"])
    assert same(selected(client, NC()), every)


@pytest.mark.parametrize("value", [np.False_, False])
def test_uncropped_neurons(client, bundle_dir, value):
    want = expected(bundle_dir, lambda df: ~df["cropped_true"])
    every = expected(bundle_dir, lambda df: df["neuron"])
    assert 0 < len(want) < len(every)      # 21,351 of 25,390 on hemibrain-mb
    assert same(selected(client, NC(cropped=value)), want)


@pytest.mark.parametrize("value", [np.True_, True])
def test_cropped_neurons(client, bundle_dir, value):
    want = expected(bundle_dir, lambda df: df["cropped_true"])
    assert want and same(selected(client, NC(cropped=value)), want)


@pytest.mark.parametrize("value", [np.True_, True, np.False_, False])
def test_neurons_with_and_without_soma(client, bundle_dir, value):
    has = bool(value)
    want = expected(bundle_dir, lambda df: df["somaLocation"].notna() == has)
    assert want                              # 17,236 with a soma on hemibrain-mb
    assert same(selected(client, NC(soma=value)), want)


@pytest.mark.parametrize("value", [1, 0, "True", np.int64(1)])
def test_soma_and_cropped_refuse_numbers_before_any_query(value):
    with pytest.raises(CriteriaError):
        NC(soma=value)
    with pytest.raises(CriteriaError):
        NC(cropped=value)


def test_regex_breakout_is_refused_and_literal_list_selects_its_type(client, bundle_dir):
    kcgm = expected(bundle_dir, lambda df: df["type"] == "KCg-m")
    assert kcgm                              # 590 on hemibrain-mb
    with pytest.raises(CriteriaError, match=r"'a\)\|\(\.\*'"):
        fetch_neurons(NC(type=["a)|(.*", "KCg-m"]), client=client)
    assert same(selected(client, NC(type=["a)|(.*", "KCg-m"], regex=False)), kcgm)
    assert same(selected(client, NC(type=["KCg-m"])), kcgm)


@pytest.mark.parametrize("patterns", [["KCg-m", "MBON0[1-3]"], ["KCg-m", "KCg-m|none"],
                                      ["(?i)kcg-M", "APL"], ["MBON\\d+", "KCa'b'-.*"]])
def test_each_pattern_of_a_list_selects_on_its_own(client, bundle_dir, patterns):
    want = expected(bundle_dir, lambda df: df["type"].fillna("").map(
        lambda t: any(re.fullmatch(p, t, re.ASCII) for p in patterns)))
    assert want
    assert same(selected(client, NC(type=patterns, regex=True)), want)


@pytest.mark.parametrize("make", [lambda: "KC[", lambda: ["KC.*", "a{,3}"],
                                  lambda: NC(type="KC["),
                                  lambda: NC(type=["KC.*", "(?<n>KC)"], regex=True)])
def test_invalid_regex_never_reaches_neo4j(client, make):
    with pytest.raises(CriteriaError, match="regular expression"):
        fetch_neurons(make(), client=client)


# --- every accepted pattern means the same in Neo4j as in Python's re ----------------------

TOKENS = ["a", "b", "A", "K", "C", "é", "É", "1", "_", " ", "-", "'", ".", "*", "+", "?", "*?",
          "+?", "*+", "{2}", "{1,3}", "{2,}", "{", "}", "[", "]", "[^", "(", ")", "(?:", "(?=",
          "(?!", "(?<=", "(?<!", "(?>", "|", "^", "$", "\\d", "\\w", "\\s", "\\W", "\\S", "\\.",
          "\\\\", "\\[", "\\]", "\\-", "\\x41", "\\u00e9", "\\n", "\\t", "(?i)", "(?s)", "(?i:",
          "(?-i:", "&&", "&", "#", "\n", "[a-z]", "[]a]", "[\\w-]", "[A-z]", "\\b", "\\1",
          "(?m)", "(?x)", "\\Z", "\\v", "\u212a", "ſ"]
# Java's . and $ also stop at \r, \u0085, \u2028, \u2029 (a documented limit):
# the values here hold none of them.
CHARS = "abAKCéÉ1_ -'.[]{}\n&#zZ^$\\()|*+?\t\x0b\u00a0\u212aſk"
pattern = st.one_of(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6).map("".join),
                    st.text(CHARS, max_size=6).map(re.escape))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns=st.lists(pattern, min_size=1, max_size=8),
       values=st.lists(st.text(CHARS, max_size=5), min_size=1, max_size=12))
def test_accepted_patterns_match_in_neo4j_as_in_python(client, patterns, values):
    accepted = [p for p in patterns if regex_problem(p) is None]
    event(f"{len(accepted)} of {len(patterns)} accepted")
    if not accepted:
        return
    # Python's words for each pattern's own =~ (a few literal values of it too)
    cases = [{"p": p, "s": s} for p in accepted
             for s in values + [p, re.sub(r"\\(.)", r"\1", p)]]
    rows = client.read("UNWIND $cases AS c RETURN c.p AS p, c.s AS s, c.s =~ c.p AS m",
                       {"cases": cases})
    assert len(rows) == len(cases)
    for row in rows:
        assert row["m"] == bool(re.fullmatch(row["p"], row["s"], re.ASCII)), row


def test_documented_line_break_limit_is_real(client):
    """The one difference the regex module documents: Java's '.' does not match
    \\r, \\u0085, \\u2028 or \\u2029 (without (?s)), Python's does."""
    for ch in ("\r", "\u0085", "\u2028", "\u2029"):
        row = client.read("RETURN $s =~ '.' AS dot, $s =~ '(?s).' AS dotall", {"s": ch})[0]
        assert re.fullmatch(".", ch) and not row["dot"] and row["dotall"]
