"""A non-editable install (a built wheel) ships and finds the Cypher files, the
bundled recipe and the Maven POMs of the local server.

The wheel is built from a copy of the source tree (so the build leaves no
``build/`` folder in the checkout) with ``pip wheel --no-deps``, inspected, then
installed with ``--no-deps`` into a fresh venv. The package's dependencies
(neo4j, pandas ...) are borrowed from the running environment through
PYTHONPATH, which does not process ``.pth`` files, so the editable install of
the checkout stays invisible: the test checks ``connectograph.__file__`` lies
inside the fresh venv.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CYPHER_FILES = sorted(p.name for p in (REPO / "cypher").glob("*.cypher"))
RECIPES = sorted(p.name for p in (REPO / "loaders").glob("*.toml"))


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.cfg", "setup.py", "MANIFEST.in"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    for folder in ("connectograph", "cypher", "loaders"):
        shutil.copytree(REPO / folder, src / folder, ignore=ignore)
    dist = tmp / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(src)])
    wheels = list(dist.glob("connectograph-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_assumptions_about_the_tree():
    assert "schema.cypher" in CYPHER_FILES and len(CYPHER_FILES) >= 6
    assert "hemibrain-mb.toml" in RECIPES
    assert (REPO / "connectograph" / "neo4j_server" / "server-pom.xml").is_file()


def test_wheel_contains_data_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in CYPHER_FILES:
        assert f"connectograph/cypher/{f}" in names, f
    for f in RECIPES:
        assert f"connectograph/recipes/{f}" in names, f
    assert "connectograph/recipes/hemibrain-mb.toml" in names
    assert "connectograph/cypher/schema.cypher" in names
    assert "connectograph/neo4j_server/server-pom.xml" in names
    assert "connectograph/neo4j_server/apoc-pom.xml" in names
    assert "connectograph/cypher_files.py" in names
    # the shipped files are the repository's, byte for byte
    with zipfile.ZipFile(wheel) as z:
        assert z.read("connectograph/cypher/schema.cypher") == (
            REPO / "cypher" / "schema.cypher").read_bytes()
        assert z.read("connectograph/recipes/hemibrain-mb.toml") == (
            REPO / "loaders" / "hemibrain-mb.toml").read_bytes()


CHECK = r"""
import json, sys
from importlib import resources
import connectograph
from connectograph import cypher_files
from connectograph.identifiers import DatasetName
from connectograph.loading.recipe import bundled_recipes, load_recipe
ds = DatasetName.parse("pkg-test:v1")
import re
schema = resources.files("connectograph.cypher").joinpath("schema.cypher").read_text()
placeholders = sorted(set(re.findall(r"\{\{(\w+)\}\}", schema)))  # extra labels are ignored
stmts = cypher_files.statements("schema.cypher", "schema",
                                **{k: ds.label(k) for k in placeholders})
pom = resources.files("connectograph.neo4j_server").joinpath("server-pom.xml")
print(json.dumps({
    "file": connectograph.__file__,
    "creates": sum(1 for ln in schema.split("// @name: schema\n", 1)[1].split("// @name:", 1)[0]
                   .splitlines() if ln.startswith("CREATE ")),
    "stmts": stmts,
    "blocks": {f: sorted(cypher_files._blocks(f)) for f in sys.argv[1:]},
    "recipes": sorted(bundled_recipes()),
    "recipe_dataset": str(load_recipe("hemibrain-mb").dataset_name),
    "pom": pom.is_file() and "<project" in pom.read_text(),
}))
"""


def test_installed_wheel_finds_its_files(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)])

    env = dict(os.environ)
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]   # dependencies only
    env.pop("PYTHONHOME", None)
    env["PYTHONNOUSERSITE"] = "1"
    out = _run([str(py), "-c", CHECK, *CYPHER_FILES], cwd=tmp_path, env=env).stdout
    got = json.loads(out.strip().splitlines()[-1])

    assert Path(got["file"]).resolve().is_relative_to(venv.resolve()), got["file"]
    assert len(got["stmts"]) == got["creates"] >= 11
    assert all("{{" not in s for s in got["stmts"])
    assert any("`pkg-test:v1_Segment`" in s for s in got["stmts"])
    assert got["blocks"]["schema.cypher"] == ["constraints_on_labels", "drop_constraint",
                                              "drop_index", "indexes_on_labels", "roi_flag_indexes",
                                              "schema", "staging_schema"]
    assert all(got["blocks"][f] for f in CYPHER_FILES)
    assert got["recipes"] == [r[:-5] for r in RECIPES]
    assert got["recipe_dataset"] == "hemibrain-mb:v1.2.1"
    assert got["pom"] is True
