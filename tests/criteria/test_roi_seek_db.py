"""``NeuronCriteria.where(..., roi_seek=True)`` on the real bundle: the same bodies
as a row-by-row evaluation of the stored ``roiInfo`` (and as the EXISTS form),
and a plan that starts at the ROI instead of scanning every neuron."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectograph import NC, fetch_custom

pytestmark = pytest.mark.neo4j

DATASET = "hemibrain-mb:v1.2.1"
SEG = f"`{DATASET}_Segment`"
NEURON = f"`{DATASET}_Neuron`"
ROIS = ["CA(R)", "aL(R)", "a'L(R)", "LH(R)", "gL(R)", "PED(R)", "MB(R)", "SMP(R)", "CRE(R)"]


@pytest.fixture(scope="module")
def bodies(client) -> list[dict]:
    """Every body: bodyId, :Neuron or not, pre, somaLocation present, parsed roiInfo."""
    df = fetch_custom(f"MATCH (n:{SEG}) RETURN n.bodyId AS bodyId, n:{NEURON} AS neuron, "
                      "n.pre AS pre, n.somaLocation IS NOT NULL AS soma, n.roiInfo AS roiInfo",
                      client=client)
    return [dict(bodyId=int(b), neuron=bool(nr), pre=p, soma=bool(s),
                 roiInfo=json.loads(r) if r else {})
            for b, nr, p, s, r in zip(df.bodyId, df.neuron, df.pre, df.soma, df.roiInfo)]


def evaluate(bodies: list[dict], kw: dict) -> set[int]:
    """neuPrint's ROI criteria, body by body, on the stored roiInfo."""
    req = all if kw.get("roi_req", "all") == "all" else any
    inputs, outputs = kw.get("inputRois", []), kw.get("outputRois", [])
    rois = set(kw.get("rois", [])) | set(inputs) | set(outputs)
    out = set()
    for b in bodies:
        info = b["roiInfo"]
        ok = b["neuron"] or kw.get("label") == "Segment"
        if kw.get("min_pre"):
            ok &= b["pre"] is not None and b["pre"] >= kw["min_pre"]
        if kw.get("soma") is not None:
            ok &= b["soma"] == kw["soma"]
        if rois:
            ok &= req(r in info for r in rois)
        if inputs:
            ok &= req(info.get(r, {}).get("post", 0) >= kw.get("min_roi_inputs", 1)
                      for r in inputs)
        if outputs:
            ok &= req(info.get(r, {}).get("pre", 0) >= kw.get("min_roi_outputs", 1)
                      for r in outputs)
        if ok:
            out.add(b["bodyId"])
    return out


def run(client, nc: NC, roi_seek: bool) -> set[int]:
    where, params = nc.where(DATASET, "n", roi_seek=roi_seek)
    df = fetch_custom(f"MATCH {nc.match(DATASET, 'n')} WHERE {where} RETURN n.bodyId AS b",
                      params, client=client)
    return set(int(b) for b in df["b"])


@st.composite
def roi_criteria(draw) -> dict:
    kw = {"roi_req": draw(st.sampled_from(["all", "any"])),
          "inputRois": draw(st.lists(st.sampled_from(ROIS), max_size=2, unique=True)),
          "outputRois": draw(st.lists(st.sampled_from(ROIS), max_size=2, unique=True)),
          "min_pre": draw(st.sampled_from([0, 0, 50])),
          "soma": draw(st.sampled_from([None, None, True])),
          "label": draw(st.sampled_from(["Neuron", "Segment"]))}
    if kw["inputRois"]:
        kw["min_roi_inputs"] = draw(st.sampled_from([1, 5, 100]))
    if kw["outputRois"]:
        kw["min_roi_outputs"] = draw(st.sampled_from([1, 5, 100]))
    extra = draw(st.lists(st.sampled_from(ROIS), max_size=1))
    if extra:
        kw["rois"] = sorted(set(extra) | set(kw["inputRois"]) | set(kw["outputRois"]))
    return kw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kw=roi_criteria())
def test_roi_seek_selects_the_same_bodies(client, bodies, kw):
    nc = NC(**kw)
    expected = evaluate(bodies, kw)
    assert run(client, nc, roi_seek=True) == expected, kw
    assert run(client, nc, roi_seek=False) == expected, kw


def test_roi_seek_not_vacuous(client, bodies):
    for kw in ({"inputRois": ["CA(R)"], "min_roi_inputs": 5},
               {"inputRois": ["aL(R)", "LH(R)"], "outputRois": ["CA(R)"], "roi_req": "any"},
               {"outputRois": ["PED(R)"], "label": "Segment"}):
        expected = evaluate(bodies, kw)
        assert 0 < len(expected) < len(bodies)
        assert run(client, NC(**kw), roi_seek=True) == expected


def _operators(plan: dict) -> list[str]:
    """Operator names of an EXPLAIN plan (the driver gives it as a dict)."""
    return [plan["operatorType"].split("@")[0]] + [
        op for child in plan.get("children", []) for op in _operators(child)]


@pytest.mark.parametrize("roi_seek", [True, False])
def test_roi_filter_plan_never_scans_every_neuron(client, roi_seek):
    """The point of roi_seek: EXPLAIN shows a seek by element id (the bodies
    reached from the ROI's unique-name index). Without it, the plan starts
    from the index on the body's ROI flag (n.`CA(R)`, which the loader
    indexes on Neuron and Segment). Neither scans the whole Neuron label."""
    nc = NC(inputRois=["CA(R)"], min_roi_inputs=5)
    where, params = nc.where(DATASET, "n", roi_seek=roi_seek)
    with client.driver.session() as session:
        result = session.run(f"EXPLAIN MATCH {nc.match(DATASET, 'n')} WHERE {where} "
                             "RETURN n.bodyId", params)
        ops = _operators(result.consume().plan)
    assert ("NodeByElementIdSeek" in ops) == roi_seek, ops
    assert "NodeByLabelScan" not in ops, ops
    assert roi_seek or any(op in ("NodeIndexScan", "NodeIndexSeek") for op in ops), ops

