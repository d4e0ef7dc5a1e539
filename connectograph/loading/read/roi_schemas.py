"""ROI definitions and hierarchy (the recipe's ``[rois]`` JSON files) as
pydantic models; errors name the file and the place in the JSON.

:class:`RoiDefinition`
    one entry of neuPrint's roiInfo JSON ``{roi: {...}}`` (the ``:Meta``
    ``roiInfo``): ``pre``/``post`` (non-negative integers), ``description``,
    ``parent`` (text), ``isPrimary``, ``showHierarchy``, ``hasROI``, ``inNP``,
    ``excludeFromOverview`` (booleans), all optional; other keys are allowed
    and kept.
:class:`RoiHierarchyNode`
    neuPrint's roiHierarchy tree ``{"name": ..., "children": [...]}``; a leaf
    may omit ``children``. Names are unique in the tree, and every name but
    the root's is defined in the roiInfo JSON (the root, e.g. ``hemibrain``,
    is the whole volume and need not be).

Not checked, as the real hemibrain files break these rules and load as
neuPrint loads them: that every defined ROI is in the hierarchy (hemibrain's
``FB-column3`` is not), and that a definition's ``parent`` agrees with the
tree (four hemibrain ROIs, e.g. ``SMP(L)``, have ``parent`` ``""``).
"""

from __future__ import annotations

from typing import Any

from pydantic import (BaseModel, ConfigDict, Field, NonNegativeInt, RootModel,
                      ValidationError as PydanticValidationError)

from ...errors import ValidationError
from .names import check_name
from .canonical_table import raise_ours

__all__ = ["RoiDefinition", "RoiHierarchyNode", "validate_roi_definitions",
           "validate_roi_hierarchy"]


class RoiDefinition(BaseModel):
    """One ROI of the roiInfo JSON (neuPrint's ``Meta.roiInfo`` entry).

    Attributes
    ----------
    pre, post : int or None
        T-bars and PSDs in the ROI (>= 0); the loader replaces them with the
        loaded counts.
    description, parent : str or None
        Free text; ``parent`` names the enclosing ROI (informative only: the
        hierarchy JSON is what the loader follows).
    isPrimary, showHierarchy, hasROI, inNP, excludeFromOverview : bool or None
        neuPrint's flags; ``isPrimary`` ROIs make up ``primaryRois``.

    Other keys are allowed and kept. Values are checked strictly as JSON types:
    ``"true"`` is not a boolean, ``1.0`` not an integer.
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    pre: NonNegativeInt | None = None
    post: NonNegativeInt | None = None
    description: str | None = None
    parent: str | None = None
    isPrimary: bool | None = None
    showHierarchy: bool | None = None
    hasROI: bool | None = None
    inNP: bool | None = None
    excludeFromOverview: bool | None = None


class RoiDefinitions(RootModel[dict[str, RoiDefinition]]):
    """The roiInfo JSON: ROI name → :class:`RoiDefinition`."""

    model_config = ConfigDict(strict=True, frozen=True)


class RoiHierarchyNode(BaseModel):
    """A node of the ROI hierarchy JSON (neuPrint's ``Meta.roiHierarchy``).

    Attributes
    ----------
    name : str
        The ROI name (non-empty).
    children : list of RoiHierarchyNode
        The ROIs it contains; empty (or absent in the JSON) for a leaf.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    name: str = Field(min_length=1)
    children: list[RoiHierarchyNode] = []

    def walk(self, path: tuple[str, ...] = ()):
        """Yield ``(node, path of names from the root to it)``, depth first."""
        here = (*path, self.name)
        yield self, here
        for child in self.children:
            yield from child.walk(here)


def _describe(e: dict) -> str:
    return f"{e['msg']} (got {e['input']!r})" if "input" in e else e["msg"]


def _name_of(node: Any, fallback: str) -> str:
    name = node.get("name") if isinstance(node, dict) else None
    return name if isinstance(name, str) and name else fallback


def _hierarchy_place(tree: Any, loc: tuple) -> str:
    """The node that pydantic's location ``loc`` points into, in the raw
    hierarchy JSON, as the path of ROI names from the root (``children[i]``
    for a node without a usable name), e.g. ``hemibrain > MB(R) > children[2]``."""
    names, node, i = [_name_of(tree, "the root")], tree, 0
    while (i + 1 < len(loc) and loc[i] == "children" and isinstance(loc[i + 1], int)
           and isinstance(node, dict) and isinstance(node.get("children"), list)
           and loc[i + 1] < len(node["children"])):
        node = node["children"][loc[i + 1]]
        names.append(_name_of(node, f"children[{loc[i + 1]}]"))
        i += 2
    return " > ".join(names)


def validate_roi_definitions(info: Any, file: str) -> dict[str, RoiDefinition]:
    """The roiInfo JSON as :class:`RoiDefinition` models.

    Parameters
    ----------
    info : object
        The parsed JSON.
    file : str
        Its file, named in errors.

    Returns
    -------
    dict of str to RoiDefinition, in file order.

    Raises
    ------
    ValidationError
        Not an object of objects, an empty ROI name, an ROI name or a key of
        an ROI's entry that cannot be a Cypher name (a control character, over
        256 characters; the rule of
        :func:`~connectograph.identifiers.escape_name`), or a value of the
        wrong type (e.g. ``isPrimary`` not true/false, ``pre`` negative); the
        message names the ROI and key.
    """
    if not isinstance(info, dict):
        raise ValidationError("ROI info must be a JSON object {roi: {...}}", file=file)
    if "" in info:
        raise ValidationError('ROI info has an ROI named ""; give every ROI a name', file=file)
    for roi, entry in info.items():
        # an ROI name is a property key of bodies and synapses, and the keys of
        # its entry are properties of its :ROI node
        check_name(roi, "ROI name", file=file,
                   fix="rename the ROI here, in the ROI hierarchy and in every table naming it")
        if isinstance(entry, dict):
            for key in entry:
                check_name(key, f"key of ROI {roi!r}", file=file, fix="rename or remove the key")
    try:
        return dict(RoiDefinitions.model_validate(info).root)
    except PydanticValidationError as err:
        raise_ours(err)
        e = err.errors()[0]
        roi, key = (list(e["loc"]) + [None, None])[:2]
        where = f"ROI {roi!r}" + (f", key {key!r}" if key is not None else "")
        raise ValidationError(
            f"{where}: {_describe(e)}; fix the value in the JSON (neuPrint's roiInfo: pre/post "
            "non-negative integers, isPrimary and the other flags true/false, description "
            "and parent text)", file=file) from None


def validate_roi_hierarchy(tree: Any, file: str,
                           defined: set[str] | None = None) -> RoiHierarchyNode:
    """The ROI hierarchy JSON as a :class:`RoiHierarchyNode` tree.

    Parameters
    ----------
    tree : object
        The parsed JSON.
    file : str
        Its file, named in errors.
    defined : set of str, optional
        The ROI names of the roiInfo JSON: every node but the root must be
        one of them.

    Returns
    -------
    RoiHierarchyNode
        The root.

    Raises
    ------
    ValidationError
        A node without a text ``name``, ``children`` not a list, an unknown
        key, a name twice in the tree, or a name missing from the ROI
        definitions; the message gives the path of names to the node.
    """
    try:
        root = RoiHierarchyNode.model_validate(tree)
    except PydanticValidationError as err:
        raise_ours(err)
        e = err.errors()[0]
        loc = tuple(e["loc"])
        key = loc[-1] if loc and isinstance(loc[-1], str) else None
        raise ValidationError(
            f"ROI hierarchy node at {_hierarchy_place(tree, loc)}"
            + (f", key {key!r}" if key else "")
            + f": {_describe(e)}; every node is {{\"name\": \"<ROI>\", \"children\": [...]}} "
            "(children optional for a leaf)", file=file) from None
    seen: dict[str, tuple[str, ...]] = {}
    for node, path in root.walk():
        if node.name in seen:
            raise ValidationError(
                f"ROI {node.name!r} is in the hierarchy twice: at {' > '.join(path)} and at "
                f"{' > '.join(seen[node.name])}; keep it under one parent", file=file)
        seen[node.name] = path
        if defined is not None and len(path) > 1 and node.name not in defined:
            raise ValidationError(
                f"ROI {node.name!r} (at {' > '.join(path)}) is not defined in the ROI info "
                "JSON; add it there or correct the name", file=file)
    return root
