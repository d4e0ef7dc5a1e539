"""What a dataset holds at all (synapse points, ROIs, skeletons), so that a
fetch function asked about something the dataset lacks raises
:class:`~connectograph.errors.DatasetLacksError` instead of returning an
empty frame that looks like an answer (a C. elegans edge list has no synapse
points, ROIs or skeletons; a FlyWire connection table has no synapse points).

Each answer is one ``LIMIT 1`` label lookup (or the Meta's ROI list), cached
per client like the Meta itself.
"""

from __future__ import annotations

from ..client import Client
from ..errors import DatasetLacksError
from ._dataset import dataset_info

__all__ = ["require_rois", "require_skeletons", "require_status", "require_synapses"]


def _has_label(client: Client, label: str) -> bool:
    """Whether the client's dataset has a node of ``label`` (cached per client)."""
    cache = client.__dict__.setdefault("_has_label", {})
    if label not in cache:
        cache[label] = bool(client.read(f"MATCH (n:{client.dataset.label(label)}) "
                                        "RETURN true AS found LIMIT 1"))
    return cache[label]


def require_synapses(client: Client, function: str) -> None:
    """Raise unless the dataset holds synapse points (``:Synapse`` nodes).

    Raises
    ------
    DatasetLacksError
        ``lacks = "synapse points"``.
    """
    if not _has_label(client, "Synapse"):
        raise DatasetLacksError(
            f"{function}: dataset {client.dataset} has no synapse points (no :Synapse "
            "nodes), only neuron-to-neuron weights (ConnectsTo); ask fetch_simple_connections "
            "or fetch_adjacencies, or load synapses with a recipe's [[synapses]] section",
            lacks="synapse points")


def require_rois(client: Client, function: str) -> None:
    """Raise unless the dataset defines ROIs (``Meta.roiInfo``).

    Raises
    ------
    DatasetLacksError
        ``lacks = "ROIs"``.
    """
    if not dataset_info(client).all_rois:
        raise DatasetLacksError(
            f"{function}: dataset {client.dataset} defines no ROIs (its Meta's roiInfo is "
            "empty), so there is nothing per ROI to report; its connections are whole-body "
            "weights (fetch_simple_connections, fetch_adjacencies). Load ROI definitions "
            "with a recipe's [rois] section", lacks="ROIs")


def require_skeletons(client: Client, function: str) -> None:
    """Raise unless the dataset holds skeletons (``:Skeleton`` nodes).

    Raises
    ------
    DatasetLacksError
        ``lacks = "skeletons"``.
    """
    if not _has_label(client, "Skeleton"):
        raise DatasetLacksError(
            f"{function}: dataset {client.dataset} has no skeletons at all; load them with "
            "a recipe's [[skeletons]] section", lacks="skeletons")


def require_status(client: Client, function: str) -> None:
    """Raise unless the dataset's bodies have a ``status`` (neuPrint's
    proofreading status, on which "traced" and "complete" rest).

    Raises
    ------
    DatasetLacksError
        ``lacks = "neuron status"``.
    """
    if "status" not in dataset_info(client).neuron_properties:
        raise DatasetLacksError(
            f"{function}: dataset {client.dataset} has no neuron status (no body has a "
            "'status' property), so no neuron is Traced or complete in neuPrint's sense; "
            "ask fetch_adjacencies for every neuron, or map a status column in the recipe",
            lacks="neuron status")
