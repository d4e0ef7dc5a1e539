"""Dataset facts the fetch functions need (Meta node, ROI names), read once per client."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..client import Client
from ..criteria import NeuronCriteria, copy_as_neuroncriteria


@dataclass(frozen=True)
class DatasetInfo:
    """The parsed ``:Meta`` node of a dataset.

    Attributes
    ----------
    meta : dict
        Every Meta property, JSON strings parsed (roiInfo, roiHierarchy,
        neuronProperties, statusDefinitions, ntSynapseProperties).
    all_rois : list of str
        Every ROI name (sorted).
    primary_rois : list of str
        neuPrint's primary ROIs (a non-overlapping partition of the brain).
    neuron_properties : dict
        Property name → type name.
    label_counts : dict
        ``{"Neuron": n, "Segment": m}``: the bodies under each label as
        loaded (Meta ``neuronCount``/``segmentCount``; None for datasets
        loaded before these existed). Lets batching skip counting; never used
        for an answer.
    """

    meta: dict
    all_rois: list[str]
    primary_rois: list[str]
    neuron_properties: dict[str, str]
    label_counts: dict[str, int | None]


_JSON_KEYS = ("roiInfo", "roiHierarchy", "neuronProperties", "statusDefinitions",
              "ntSynapseProperties")


def dataset_info(client: Client) -> DatasetInfo:
    """The client's dataset Meta, cached on the client (cleared by a new Client)."""
    cached = getattr(client, "_dataset_info", None)
    if cached is not None:
        return cached
    meta = dict(client.meta_properties())
    for key in _JSON_KEYS:
        if isinstance(meta.get(key), str):
            meta[key] = json.loads(meta[key])
    roi_info = meta.get("roiInfo") or {}
    info = DatasetInfo(meta=meta, all_rois=sorted(roi_info),
                       primary_rois=sorted(meta.get("primaryRois") or []),
                       neuron_properties=dict(meta.get("neuronProperties") or {}),
                       label_counts={"Neuron": meta.get("neuronCount"),
                                     "Segment": meta.get("segmentCount")})
    client._dataset_info = info
    return info


def checked_criteria(criteria, client: Client, default_label: str = "Neuron") -> NeuronCriteria:
    """Turn anything neuprint-python accepts as criteria into a validated
    NeuronCriteria (unknown ROI → UnknownRoiError with the closest names)."""
    nc = copy_as_neuroncriteria(criteria) if criteria is not None else NeuronCriteria(
        label=default_label)
    info = dataset_info(client)
    nc.validate(info.all_rois, info.neuron_properties)
    return nc


def weight_condition(var: str, min_weight: int) -> str:
    """Cypher condition ``<var>.weight >= $min_weight``, or ``true`` when
    ``min_weight <= 1``: every stored ``ConnectsTo`` has weight >= 1 (the loaders
    reject non-positive per-ROI weights, and synapse-derived weights count at
    least one PSD), so the check would only cost a property read per
    relationship. ``var`` is a query variable of the caller's, not user input."""
    return f"{var}.weight >= $min_weight" if int(min_weight) > 1 else "true"
