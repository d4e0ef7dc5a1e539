"""Property test: for random NeuronCriteria (hostile strings included), fetch_neurons
returns exactly the bodies a pure-Python evaluation of the same criteria selects on the
loaded data. The evaluator reads every body's raw properties once (one plain Cypher
query, no criteria code) and applies neuPrint's documented semantics itself; ROI
conditions use the parsed roiInfo JSON, not the ROI flags or InROI relationships the
query builder uses."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectograph import NC, IsNull, NotNull, fetch_custom, fetch_neurons
from connectograph.errors import CriteriaError, UnknownRoiError

from .sources import NEURON, SEG

pytestmark = pytest.mark.neo4j

HOSTILE = ["a'b", 'x"y', "`type`", "n.`type`", "{x}", "}{", "// comment", "/* c */", "a\nb",
           "tab\there", "é✓🧠", "$p0", "') OR true //", "\\", "MBON14' OR n.type <> '",
           "x` OR 1=1 //", "NULL", ""]
REGEXES = ["MBON.*", "KC(ab|g).*", "DA1_.PN", ".*PN", "PAM0[1-4].*", "APL", "KCa'b'.*"]
ROIS = ["CA(R)", "aL(R)", "a'L(R)", "LH(R)", "gL(R)", "b'L(R)", "PED(R)", "AL(R)", "SMP(R)",
        "b'2(R)", "MB(R)", "CRE(R)"]


@pytest.fixture(scope="module")
def table(client) -> list[dict]:
    """Every body's raw properties (absent ones missing from its dict), plus
    ``neuron`` (has the :Neuron label) and ``roiInfo`` parsed."""
    df = fetch_custom(f"MATCH (n:{SEG}) RETURN properties(n) AS p, n:{NEURON} AS neuron",
                      client=client)
    rows = []
    for props, neuron in zip(df["p"], df["neuron"]):
        row = dict(props, neuron=bool(neuron))
        row["roiInfo"] = json.loads(row["roiInfo"]) if "roiInfo" in row else {}
        rows.append(row)
    return rows


def _values_match(values: list, actual, regex: bool) -> bool:
    if values == [NotNull]:
        return actual is not None
    wants_null = any(v is None or v is IsNull for v in values)
    concrete = [v for v in values if v is not None and v is not IsNull]
    if actual is None:
        return wants_null
    if regex:
        return any(re.fullmatch(v, actual) for v in concrete)
    return actual in concrete


def evaluate(table: list[dict], kw: dict) -> set[int]:
    """neuPrint's NeuronCriteria semantics, row by row."""
    out = set()
    regex = kw.get("regex", False)
    for row in table:
        label_neuron = not kw.get("bodyId")
        if label_neuron and not row["neuron"]:
            continue
        if kw.get("bodyId") and row["bodyId"] not in kw["bodyId"]:
            continue
        t, i = kw.get("type"), kw.get("instance")
        if t or i:
            hits = []
            if t:
                hits.append(_values_match(t, row.get("type"), regex))
            if i:
                hits.append(_values_match(i, row.get("instance"), regex))
            if not any(hits):
                continue
        ok = True
        for key in ("status", "statusLabel", "cellBodyFiber", "notes"):
            if kw.get(key):
                ok &= _values_match(kw[key], row.get(key), False)
        for key, col in (("min_pre", "pre"), ("min_post", "post")):
            if kw.get(key):
                ok &= row.get(col) is not None and row[col] >= kw[key]
        if kw.get("soma") is not None:
            ok &= (row.get("somaLocation") is not None) == kw["soma"]
        info = row["roiInfo"]
        req = all if kw.get("roi_req", "all") == "all" else any
        inputs, outputs = kw.get("inputRois", []), kw.get("outputRois", [])
        rois = set(kw.get("rois", [])) | set(inputs) | set(outputs)
        if rois:
            ok &= req(r in info for r in rois)
        if inputs:
            ok &= req(info.get(r, {}).get("post", 0) >= kw.get("min_roi_inputs", 1)
                      for r in inputs)
        if outputs:
            ok &= req(info.get(r, {}).get("pre", 0) >= kw.get("min_roi_outputs", 1)
                      for r in outputs)
        if ok:
            out.add(int(row["bodyId"]))
    return out


def value_lists(real: list[str]):
    one = st.sampled_from(real + HOSTILE + [None])
    return st.one_of(st.just([NotNull]), st.just([IsNull]), st.lists(one, min_size=1,
                                                                     max_size=3))


@st.composite
def criteria(draw, table):
    types = sorted({r["type"] for r in table if r.get("type") is not None})
    real_types = [types[j] for j in range(0, len(types), max(1, len(types) // 25))]
    real_types += ["MBON14", "APL", "KCab-s", "DA1_lPN"]
    instances = ["MBON14(a3)_R", "APL_R", "DA1_lPN_R"]
    bodies = sorted(r["bodyId"] for r in table)
    kw: dict = {}
    if draw(st.booleans()):
        kw["regex"] = True
        kw["type"] = draw(st.lists(st.sampled_from(REGEXES), min_size=1, max_size=2))
    else:
        kw["regex"] = False
        if draw(st.booleans()):
            kw["type"] = draw(value_lists(real_types))
        if draw(st.booleans()):
            kw["instance"] = draw(value_lists(instances))
    if draw(st.integers(0, 3)) == 0:
        kw["bodyId"] = draw(st.lists(st.one_of(st.sampled_from(bodies), st.integers(1, 10**6)),
                                     min_size=1, max_size=40))
    for key, real in (("status", ["Traced"]), ("statusLabel", ["Roughly traced", "Traced"]),
                      ("cellBodyFiber", ["ADL13", "PDM03"]), ("notes", [])):
        if draw(st.integers(0, 2)) == 0:
            kw[key] = draw(value_lists(real))
    kw["min_pre"] = draw(st.sampled_from([0, 0, 1, 50, 500]))
    kw["min_post"] = draw(st.sampled_from([0, 0, 10, 1000]))
    kw["soma"] = draw(st.sampled_from([None, None, True, False]))
    kw["roi_req"] = draw(st.sampled_from(["all", "any"]))
    kw["inputRois"] = draw(st.lists(st.sampled_from(ROIS), max_size=2, unique=True))
    kw["outputRois"] = draw(st.lists(st.sampled_from(ROIS), max_size=2, unique=True))
    kw["rois"] = draw(st.lists(st.sampled_from(ROIS), max_size=2, unique=True))
    if kw["rois"]:
        kw["rois"] = sorted(set(kw["rois"]) | set(kw["inputRois"]) | set(kw["outputRois"]))
    if kw["inputRois"]:
        kw["min_roi_inputs"] = draw(st.sampled_from([1, 1, 5, 100]))
    if kw["outputRois"]:
        kw["min_roi_outputs"] = draw(st.sampled_from([1, 1, 5, 100]))
    return kw


def _nc(kw: dict) -> NC:
    args = {k: v for k, v in kw.items() if k not in ("cellBodyFiber", "notes")}
    props = {k: kw[k] for k in ("cellBodyFiber", "notes") if k in kw}
    return NC(**args, **props)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fetch_neurons_equals_pandas_evaluation(client, table, data):
    kw = data.draw(criteria(table))
    expected = evaluate(table, kw)
    neuron_df, _ = fetch_neurons(_nc(kw), omit_rois=True, returned_columns=["bodyId"],
                                 client=client)
    assert set(neuron_df["bodyId"]) == expected, kw


def test_evaluator_is_not_vacuous(client, table):
    """The evaluator and fetch_neurons agree on non-empty, non-trivial selections."""
    for kw in ({"type": ["MBON14"]}, {"regex": True, "type": ["KC(ab|g).*"],
                                      "inputRois": ["CA(R)"], "min_roi_inputs": 5},
               {"status": ["Traced", None], "bodyId": [300972942, 5813078552, 1]},
               {"rois": ["aL(R)", "LH(R)"], "roi_req": "any", "soma": True}):
        expected = evaluate(table, kw)
        assert expected
        got, _ = fetch_neurons(_nc(kw), omit_rois=True, returned_columns=["bodyId"],
                               client=client)
        assert set(got["bodyId"]) == expected


@settings(max_examples=30, deadline=None)
@given(name=st.text(min_size=1, max_size=20).filter(lambda s: s.isprintable()))
def test_hostile_roi_and_property_names_fail_cleanly(client, name):
    if name not in ROIS:
        with pytest.raises(UnknownRoiError):
            fetch_neurons(NC(rois=[name]), client=client)
    with pytest.raises(CriteriaError):
        fetch_neurons(NC(**{"x" + name: 1}), client=client)
