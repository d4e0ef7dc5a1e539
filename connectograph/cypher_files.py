"""Read the project's Cypher from the ``.cypher`` files shipped in the package.

A file holds named blocks, each introduced by a ``// @name: NAME`` comment and
made of one or more statements ending in ``;``. The only templating is
``{{Label}}``: a dataset-scoped label, filled in with names escaped by
:mod:`connectograph.identifiers`. Values are never templated; they are query
parameters (``$rows``, ``$batch`` ...).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from .identifiers import escape_name

_BLOCK = re.compile(r"^//\s*@name:\s*(\S+)\s*$", re.MULTILINE)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


class LabelSet:
    """Dataset-scoped labels for one label prefix.

    Parameters
    ----------
    prefix : str
        ``"name:tag"`` for a published dataset, or a staging prefix such as
        ``"name:tag~staging"`` while a load is under way.
    """

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, generic: str) -> str:
        """Escaped label, e.g. ``LabelSet("hemibrain:v1")("Neuron")`` →
        ```hemibrain:v1_Neuron```."""
        return escape_name(f"{self.prefix}_{generic}")

    def raw(self, generic: str) -> str:
        """The label's name without escaping (for comparing with ``labels(n)``)."""
        return f"{self.prefix}_{generic}"


@cache
def _blocks(filename: str) -> dict[str, str]:
    text = resources.files("connectograph.cypher").joinpath(filename).read_text()
    parts = _BLOCK.split(text)
    # parts: [preamble, name1, body1, name2, body2, ...]
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def statements(filename: str, name: str, **labels: str) -> list[str]:
    """The statements of block ``name`` in ``cypher/<filename>``.

    Parameters
    ----------
    filename : str
        e.g. ``"schema.cypher"``.
    name : str
        The block's ``@name``.
    **labels : str
        Already-escaped labels for the ``{{Placeholder}}`` names in the block.

    Raises
    ------
    KeyError
        If the block or a placeholder's label is missing.
    """
    body = _blocks(filename)[name]
    lines = [ln for ln in body.splitlines() if not ln.lstrip().startswith("//")]
    text = "\n".join(lines)

    def fill(match: re.Match) -> str:
        key = match.group(1)
        if key not in labels:
            raise KeyError(f"{filename}:{name} needs a label for {{{{{key}}}}}")
        return labels[key]

    text = _PLACEHOLDER.sub(fill, text)
    return [s.strip() for s in text.split(";") if s.strip()]


def statement(filename: str, name: str, **labels: str) -> str:
    """The single statement of block ``name`` (see :func:`statements`)."""
    found = statements(filename, name, **labels)
    if len(found) != 1:
        raise ValueError(f"{filename}:{name} holds {len(found)} statements, expected 1")
    return found[0]


def dataset_statements(filename: str, name: str, label_set: LabelSet) -> list[str]:
    """Statements of a block whose placeholders are all dataset labels
    (``{{Neuron}}`` → ``label_set("Neuron")``)."""
    body = _blocks(filename)[name]
    needed = set(_PLACEHOLDER.findall(body))
    return statements(filename, name, **{k: label_set(k) for k in needed})
