"""Neo4j Browser for connectomes: starter queries (favorites), a style, the address.

The local server serves Neo4j Browser at ``http://127.0.0.1:<http port>/browser/``.
Two files in ``cypher/`` set it up for a dataset:

- ``browser_guide.cypher``: starter queries, one ``// @name:`` block each, with
  ``{{Label}}`` placeholders for the dataset's labels and ``:param`` lines for
  their inputs (Browser's own parameter command, so values never go into the
  query text). :func:`starter_queries` renders them for one dataset and
  :func:`write_favorites` writes them as a zip that Browser's Favorites pane
  imports.
- ``browser_style.grass``: a GraSS style (neurons captioned by ``type``,
  segments by ``bodyId``, ROIs by ``name``, ``ConnectsTo`` by ``weight``;
  ``GapJunction``, the electrical synapses, in another colour and thicker,
  also by ``weight``).
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .cypher_files import LabelSet
from .identifiers import DatasetName

GUIDE_FILE = "browser_guide.cypher"
STYLE_FILE = "browser_style.grass"

_BLOCK = re.compile(r"^// @name:\s*(\S+)\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_PARAM = re.compile(r"^:param\s+(\w+)\s*=>\s*(.+?)\s*;?\s*$")


@dataclass(frozen=True)
class StarterQuery:
    """One starter query, rendered for a dataset.

    Attributes
    ----------
    name : str
        File-name stem, e.g. ``"1-neuron-partners"``.
    title : str
        First comment line (Browser shows it as the favorite's name).
    text : str
        The favorite as Browser runs it: comments, ``:param`` lines, the query.
    cypher : str
        The query alone.
    parameters : dict
        The ``:param`` values (their defaults), name → value.
    """

    name: str
    title: str
    text: str
    cypher: str
    parameters: dict


def _cypher_text(filename: str) -> str:
    return resources.files("connectograph.cypher").joinpath(filename).read_text()


def browser_style() -> str:
    """The GraSS style for Neo4j Browser (text of ``cypher/browser_style.grass``)."""
    return _cypher_text(STYLE_FILE)


def browser_style_command() -> str:
    """The style as one ``:style ...`` line to type or paste into Browser's editor."""
    text = re.sub(r"/\*.*?\*/", " ", browser_style(), flags=re.DOTALL)
    return ":style " + " ".join(text.split())


def starter_queries(dataset: str | DatasetName) -> list[StarterQuery]:
    """The starter queries of ``cypher/browser_guide.cypher`` for one dataset.

    Parameters
    ----------
    dataset : str or DatasetName
        ``name:tag``; its labels replace the ``{{Label}}`` placeholders.

    Returns
    -------
    list of StarterQuery
        In file order.

    Raises
    ------
    InvalidIdentifierError
        If ``dataset`` is not a valid ``name:tag``.
    ValueError
        If a ``:param`` value is not JSON (a bug in the guide file).
    """
    labels = LabelSet(str(DatasetName.parse(str(dataset))))
    parts = _BLOCK.split(_cypher_text(GUIDE_FILE))
    found = []
    for name, body in zip(parts[1::2], parts[2::2]):
        lines = body.strip().splitlines()
        text = _PLACEHOLDER.sub(lambda m: labels(m.group(1)), "\n".join(lines))
        comments = [ln[2:].strip() for ln in lines if ln.startswith("//")]
        parameters = {}
        query = []
        for line in text.splitlines():
            param = _PARAM.match(line)
            if param:
                parameters[param.group(1)] = json.loads(param.group(2))
            elif not line.startswith("//"):
                query.append(line)
        found.append(StarterQuery(name=name, title=comments[0], text=text + "\n",
                                  cypher="\n".join(query).strip().rstrip(";"),
                                  parameters=parameters))
    return found


def write_favorites(dataset: str | DatasetName, path: str | Path) -> Path:
    """Write the starter queries as a zip of ``.cypher`` files for Browser.

    Drag the zip onto Neo4j Browser's Favorites pane (star icon) to import
    one favorite per file.

    Parameters
    ----------
    dataset : str or DatasetName
        ``name:tag``.
    path : str or Path
        The zip to write (folders are created).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for query in starter_queries(dataset):
            archive.writestr(f"{query.name}.cypher", query.text)
    return path


def browser_url(http_port: int, bolt_port: int, username: str = "neo4j",
                host: str = "127.0.0.1") -> str:
    """Address of Neo4j Browser with the Bolt address and user name pre-filled."""
    return (f"http://{host}:{http_port}/browser/"
            f"?connectURL=neo4j%3A%2F%2F{username}%40{host}%3A{bolt_port}")
