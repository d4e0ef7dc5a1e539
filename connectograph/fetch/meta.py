"""Dataset metadata: fetch_meta, fetch_all_rois, fetch_primary_rois, fetch_roi_hierarchy."""

from __future__ import annotations

from typing import Literal

import networkx as nx

from ..client import Client, resolve_client
from ..errors import InvalidArgumentError
from ._dataset import dataset_info


def fetch_meta(*, client: Client | None = None) -> dict:
    """The dataset's ``:Meta`` properties (JSON strings parsed); mirrors
    neuprint-python's ``fetch_meta``."""
    return dict(dataset_info(resolve_client(client)).meta)


def fetch_all_rois(*, client: Client | None = None) -> list[str]:
    """Every ROI name of the dataset, sorted."""
    return list(dataset_info(resolve_client(client)).all_rois)


def fetch_primary_rois(*, client: Client | None = None) -> list[str]:
    """The dataset's primary ROIs (non-overlapping), sorted."""
    return list(dataset_info(resolve_client(client)).primary_rois)


def fetch_roi_hierarchy(include_subprimary: bool = True, mark_primary: bool = True,
                        format: Literal["dict", "text", "nx"] = "dict", *,
                        client: Client | None = None):
    """The ROI hierarchy of any dataset; mirrors neuprint-python's ``fetch_roi_hierarchy``.

    Parameters
    ----------
    include_subprimary : bool
        Include ROIs below the primary level.
    mark_primary : bool
        Append ``*`` to primary ROI names.
    format : {'dict', 'text', 'nx'}
        Nested dict ``{name: {child: {...}}}``, an indented text tree, or a
        ``networkx.DiGraph`` (edges parent → child, node attribute ``primary``).

    Returns
    -------
    dict, str or networkx.DiGraph
        As ``format`` says.

    Raises
    ------
    InvalidArgumentError
        ``format`` is none of the three (also a ``ValueError``).
    """
    if format not in ("dict", "text", "nx"):
        raise InvalidArgumentError(f"format must be 'dict', 'text' or 'nx', not {format!r}")
    info = dataset_info(resolve_client(client))
    primary = set(info.primary_rois)
    tree = info.meta.get("roiHierarchy") or {}

    def walk(node: dict, below_primary: bool) -> dict:
        out = {}
        for child in node.get("children", []) or []:
            name = child["name"]
            if below_primary and not include_subprimary:
                continue
            key = name + "*" if (mark_primary and name in primary) else name
            out[key] = walk(child, below_primary or name in primary)
        return out

    root_name = tree.get("name", "root")
    nested = {root_name: walk(tree, False)}
    if format == "dict":
        return nested
    if format == "nx":
        g = nx.DiGraph()

        def add(parent: str, children: dict) -> None:
            g.add_node(parent, primary=parent.rstrip("*") in primary)
            for child, sub in children.items():
                g.add_node(child, primary=child.rstrip("*") in primary)
                g.add_edge(parent, child)
                add(child, sub)
        add(root_name, nested[root_name])
        return g
    lines: list[str] = []          # format == "text"

    def show(children: dict, depth: int) -> None:
        for name, sub in children.items():
            lines.append("  " * depth + name)
            show(sub, depth + 1)
    show(nested, 0)
    return "\n".join(lines)
