"""Neo4j Browser set up for connectomes: starter queries, style, and a real headless browser."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from headless_chromium import headless_chromium

from connectograph.browser import (browser_style, browser_style_command, browser_url,
                                   starter_queries, write_favorites)

DATASET = "hemibrain-mb:v1.2.1"
OUTPUT = Path(__file__).resolve().parents[1] / "test-output"


def test_starter_queries_are_rendered_for_the_dataset(tmp_path):
    queries = starter_queries(DATASET)
    assert [q.name for q in queries] == ["1-neuron-partners", "2-roi-hierarchy",
                                         "3-type-to-type", "4-neurons-in-roi",
                                         "5-synapses-in-roi"]
    for q in queries:
        assert "{{" not in q.text and "`hemibrain-mb:v1.2.1_" in q.cypher
        assert q.text.startswith(f"// {q.title}\n")
        # Every parameter the query uses has a :param line, and vice versa.
        assert set(re.findall(r"\$(\w+)", q.cypher)) == set(q.parameters)
    zipped = write_favorites(DATASET, tmp_path / "fav.zip")
    with zipfile.ZipFile(zipped) as archive:
        assert sorted(archive.namelist()) == [f"{q.name}.cypher" for q in queries]
        assert archive.read("1-neuron-partners.cypher").decode() == queries[0].text


def test_style_captions():
    style = browser_style()
    for selector, caption in [("node.Neuron", "{type}"), ("node.Segment", "{bodyId}"),
                              ("node.ROI", "{name}"), ("relationship.ConnectsTo", "{weight}")]:
        block = style.split(selector + " {", 1)[1].split("\n}", 1)[0]
        assert f'caption: "{caption}"' in block
    command = browser_style_command()
    assert command.startswith(":style node {") and "\n" not in command and "/*" not in command


def test_every_starter_query_answers_on_the_bundle(client, bundle_dir):
    """Run each starter query with its default parameters; compare with the sources."""
    results = {q.name: client.read(q.cypher, q.parameters) for q in starter_queries(DATASET)}
    conn = pd.read_csv(bundle_dir / "neuprint-exports" / "perc_conn_MBON_df3.csv")
    mbon14 = 300972942
    partners = conn[(conn.bodyId_pre == mbon14) | (conn.bodyId_post == mbon14)]
    assert 0 < len(results["1-neuron-partners"]) <= 15
    strongest = partners.groupby(["bodyId_pre", "bodyId_post"]).weight.sum().max()
    assert results["1-neuron-partners"][0]["c"]["weight"] >= strongest
    assert len(results["2-roi-hierarchy"]) == client.read(
        f"MATCH (r:{client.dataset.label('ROI')}) RETURN count(r) AS n")[0]["n"]
    assert results["3-type-to-type"], "KCg-s1 -> MBON connections of >= 5 synapses"
    assert all(r["b"]["type"].startswith("MBON") and r["c"]["weight"] >= 5
               for r in results["3-type-to-type"])
    assert results["4-neurons-in-roi"] and all(
        r["n"]["type"].startswith("MBON") for r in results["4-neurons-in-roi"])
    assert results["5-synapses-in-roi"], "the Kenyon cell has synapses in CA(R)"


@pytest.mark.skipif(os.environ.get("NEO4J_URI") is not None,
                    reason="needs the local server's Browser (an external NEO4J_URI was given)")
def test_browser_renders_a_starter_query(client, neo4j_connection):
    """Headless Chromium: log in to Neo4j Browser, set the style, run a starter
    query, and see MBON captions and weights in the rendered graph."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from connectograph.neo4j_server import load_settings

    settings = load_settings(os.environ.get("CONNECTOGRAPH_TEST_INSTANCE", "test"))
    _, (user, password) = neo4j_connection
    browser = headless_chromium("1400,1000")
    wait = WebDriverWait(browser, 60)

    def run(text):
        browser.find_element(By.CSS_SELECTOR, "[data-testid=activeEditor]").click()
        chain = ActionChains(browser)
        for i, line in enumerate(text.split("\n")):
            if i:
                chain.key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT)
            chain.send_keys(line)
        chain.perform()
        browser.find_element(By.CSS_SELECTOR, "[data-testid=editor-Run]").click()

    try:
        browser.get(browser_url(settings.http_port, settings.bolt_port, username=user))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=password]")))
        assert browser.find_element(By.CSS_SELECTOR,
                                    "[data-testid=username]").get_attribute("value") == user
        browser.find_element(By.CSS_SELECTOR, "[data-testid=password]").send_keys(password)
        connected = ec.invisibility_of_element_located(
            (By.CSS_SELECTOR, "[data-testid=disconnectedBanner]"))
        OUTPUT.mkdir(exist_ok=True)
        # Browser can swallow a click made while its connect form is still
        # initialising (seen on a loaded 2-core machine): press Connect until
        # the connection is up, and keep a screenshot if it never is.
        for attempt in range(3):
            wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=connect]")))
            browser.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click()
            try:
                WebDriverWait(browser, 40).until(connected)
                break
            except Exception:
                browser.save_screenshot(str(OUTPUT / f"browser-connect-{attempt}.png"))
        wait.until(connected)
        run(browser_style_command())
        query = next(q for q in starter_queries(DATASET) if q.name == "3-type-to-type")
        for name, value in query.parameters.items():
            run(f":param {name} => {value!r}".replace("'", '"'))
        run(query.cypher)
        wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "svg g.node text"))
        captions = {t.text for t in browser.find_elements(By.CSS_SELECTOR, "svg g.node text")}
        weights = {t.text for t in browser.find_elements(By.CSS_SELECTOR,
                                                          "svg g.relationship text")}
        OUTPUT.mkdir(exist_ok=True)
        browser.save_screenshot(str(OUTPUT / "browser-type-to-type.png"))
    finally:
        browser.quit()
    expected = client.read(query.cypher, query.parameters)
    assert "KCg-s1" in captions
    assert {r["b"]["type"] for r in expected} <= captions  # the MBON types, as captions
    assert any(c.startswith("MBON") for c in captions)
    # The style captions ConnectsTo with its weight (Browser's default shows the type).
    assert weights == {str(r["c"]["weight"]) for r in expected}
