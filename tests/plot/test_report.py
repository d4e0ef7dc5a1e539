"""The cell-type report on the real bundle: its tables against the bundle's
per-ROI connection tables (pandas), and ``connectograph report`` writing one
self-contained page, opened in headless Chromium (screenshot under
test-output/) and read for MBON14's known partners."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from connectograph.cli import main
from connectograph.errors import UnknownCellTypeError
from connectograph.fetch.cell_type_report import fetch_cell_type_report
from headless_chromium import headless_chromium
from fetch.sources import bodies_of_type, neurons, pair_weights
from shared_datasets import REPO


OUT = REPO / "test-output"
DATASET = "hemibrain-mb:v1.2.1"


def _expected_inputs(bundle_dir) -> pd.DataFrame:
    """MBON14's input types: total weight, partner cells, connections (pandas)."""
    mbon14 = bodies_of_type(bundle_dir, "MBON14")
    pairs = pair_weights(bundle_dir)
    pairs = pairs[pairs["bodyId_post"].isin(mbon14)]
    pairs = pairs.assign(type=pairs["bodyId_pre"].map(neurons(bundle_dir)["type"])
                         .fillna("(untyped)"))
    grouped = pairs.groupby("type")
    out = pd.DataFrame({"cells": grouped["bodyId_pre"].nunique(),
                        "total_weight": grouped["weight"].sum(), "connections": grouped.size()})
    out["mean_weight"] = out["total_weight"] / len(mbon14)
    return out.reset_index().sort_values(["total_weight", "type"], ascending=[False, True])


def test_report_tables_against_the_bundle(client, bundle_dir):
    report = fetch_cell_type_report("MBON14", top=None, client=client)
    expected = _expected_inputs(bundle_dir)
    got = report.upstream
    assert got["type"].tolist() == expected["type"].tolist()
    for column in ("cells", "total_weight", "connections", "mean_weight"):
        assert got[column].tolist() == expected[column].tolist(), column
    types = neurons(bundle_dir)["type"]
    instances = neurons(bundle_dir).loc[types[types == "MBON14"].index, "instance"]
    assert dict(zip(report.instances["instance"], report.instances["count"])) == \
        instances.value_counts().to_dict()
    assert report.gap_junctions is None                  # the bundle has none
    with pytest.raises(UnknownCellTypeError, match="no neuron of type 'MBON99'.*MBON"):
        fetch_cell_type_report("MBON99", client=client)


def _chromium_text_and_screenshot(page, screenshot) -> str:
    from selenium.webdriver.common.by import By

    browser = headless_chromium("1200,1600")
    try:
        browser.get(page.resolve().as_uri())
        text = browser.find_element(By.TAG_NAME, "body").text
        images = browser.execute_script(
            "return Array.from(document.images).map(i => [i.naturalWidth, i.complete])")
        browser.save_screenshot(str(screenshot))
    finally:
        browser.quit()
    assert images and all(w > 0 and done for w, done in images)     # every image decoded
    return text


def test_report_command_writes_a_page_chromium_reads(neo4j_connection, loaded, bundle_dir,
                                                     monkeypatch):
    uri, (user, password) = neo4j_connection
    for name, value in (("NEO4J_URI", uri), ("NEO4J_USERNAME", user),
                        ("NEO4J_PASSWORD", password)):
        monkeypatch.setenv(name, value)
    OUT.mkdir(exist_ok=True)
    page = OUT / "report-MBON14.html"
    result = CliRunner().invoke(main, ["report", "MBON14", "--dataset", DATASET,
                                       "--out", str(page)])
    assert result.exit_code == 0, result.output
    source = page.read_text()
    # self-contained: no address outside the page (images inline)
    assert not re.search(r"""(src|href)=["'](?!data:)""", source)
    assert source.count('src="data:image/png;base64,') == 2    # ROI bars, input matrix
    text = _chromium_text_and_screenshot(page, OUT / "report-MBON14.png")
    expected = _expected_inputs(bundle_dir).head(4)
    positions = [text.index(f"{t} ") for t in expected["type"]]
    assert positions == sorted(positions)                # strongest input types first
    for t, w in zip(expected["type"], expected["total_weight"]):
        assert re.search(rf"{re.escape(t)}\s+\d+\s+{w}\b", text), (t, w)
    assert "MBON14(a3)_R" in text and "the dataset has no gap junctions" in text

    bad = CliRunner().invoke(main, ["report", "MBON99", "--dataset", DATASET,
                                    "--out", str(OUT / "bad.html")])
    assert bad.exit_code == 1 and "no neuron of type 'MBON99'" in bad.output


@pytest.mark.slow
def test_gap_junction_partners_of_a_worm_cell_class(neo4j_connection, loaded):
    """C. elegans (no ROIs, gap junctions): ADA's gap-junction partner types
    against the adult's edge list (pandas; for partners named by a three-letter
    class and a side, ADAL, AVDR..., the type is the name without the side,
    the recipe's rule; partners with longer names, OLQVL..., are left out)."""
    from other_datasets import another_dataset
    from shared_datasets import DATASETS

    edges = pd.read_excel(DATASETS / "celegans-witvliet2021" / "edges"
                          / "witvliet_2020_8 adult.xlsx")
    electrical = edges[edges["type"] == "electrical"]
    ada = {"ADAL", "ADAR"}
    both = pd.concat([electrical.rename(columns={"pre": "cell", "post": "partner"}),
                      electrical.rename(columns={"post": "cell", "pre": "partner"})])
    rows = both[both["cell"].isin(ada) & ~both["partner"].isin(ada)
                & both["partner"].str.fullmatch(r"[A-Z]{3}[LR]")]
    rows = rows.assign(type=rows["partner"].str[:-1])
    expected = rows.groupby("type").agg(cells=("partner", "nunique"),
                                        total_weight=("synapses", "sum"),
                                        connections=("synapses", "size"))
    with another_dataset(neo4j_connection, "celegans-witvliet2021",
                         "witvliet2021:d8") as (client, _):
        report = fetch_cell_type_report("ADA", top=None, client=client)
    got = report.gap_junctions.set_index("type")
    assert len(expected) >= 4
    for partner, row in expected.iterrows():
        assert got.loc[partner, ["cells", "total_weight", "connections"]].tolist() == \
            row.tolist(), partner
    assert report.rois.empty and sorted(report.instances["instance"]) == ["ADAL", "ADAR"]


@pytest.mark.slow
def test_partner_transmitters_on_flywire(neo4j_connection, loaded):
    """FlyWire (transmitter predictions): APL's upstream partner types with
    weights from the subset's edges and the partners' most common Codex
    prediction (pandas on the source files)."""
    from other_datasets import another_dataset
    from shared_datasets import DATASETS

    folder = DATASETS / "flywire-mb783"
    nodes = pd.read_csv(folder / "mb_fafb783_nodes.csv", dtype={"root_id": "int64"})
    edges = pd.read_csv(folder / "mb_fafb783_edges.csv",
                        dtype={"pre_root_id": "int64", "post_root_id": "int64"})
    codex = pd.read_csv(folder / "codex" / "neurons.csv.gz", dtype={"root_id": "int64"})
    nt = dict(zip(codex["root_id"], codex["nt_type"].str.lower().replace(
        {"ach": "acetylcholine", "glut": "glutamate", "da": "dopamine", "ser": "serotonin",
         "oct": "octopamine"})))
    types = dict(zip(nodes["root_id"], nodes["cell_type"]))
    apl = {b for b, t in types.items() if t == "APL"}
    rows = edges[edges["post_root_id"].isin(apl)]
    rows = rows.assign(type=rows["pre_root_id"].map(types), nt=rows["pre_root_id"].map(nt))
    expected = rows.groupby("type").agg(total_weight=("syn_count", "sum"),
                                        cells=("pre_root_id", "nunique"))
    expected["transmitter"] = rows.drop_duplicates("pre_root_id").groupby("type")["nt"].agg(
        lambda s: s.mode().iloc[0] if s.notna().any() else None)
    expected = expected.sort_values("total_weight", ascending=False).head(5)
    with another_dataset(neo4j_connection, "flywire-mb783", "flywire-mb783:v783") as (c, _):
        report = fetch_cell_type_report("APL", top=None, client=c)
    assert report.transmitter_property == "predictedNt"
    got = report.upstream.set_index("type").loc[expected.index]
    assert got[["total_weight", "cells", "transmitter"]].values.tolist() == \
        expected[["total_weight", "cells", "transmitter"]].values.tolist()
