"""The fetch_* functions: neuprint-python's names, arguments and columns."""

from ._cached import cached
from .adjacencies import fetch_adjacencies, fetch_traced_adjacencies
from .completeness import (fetch_downstream_orphan_tasks, fetch_output_completeness,
                           fetch_roi_completeness)
from .connections import fetch_common_connectivity, fetch_simple_connections
from .cell_type_report import CellTypeReport, fetch_cell_type_report
from .custom import fetch_custom
from .datasets import fetch_datasets
from .meta import fetch_all_rois, fetch_meta, fetch_primary_rois, fetch_roi_hierarchy
from .neurons import fetch_custom_neurons, fetch_neurons
from .paths import fetch_paths, fetch_shortest_paths
from .roi_connectivity import fetch_roi_connectivity
from .roi_mesh import fetch_roi_mesh
from .series import fetch_connection_series
from .skeleton import SkeletonNotFoundError, fetch_skeleton
from .skeleton_batch import fetch_skeletons
from .synapses import fetch_mean_synapses, fetch_synapse_connections, fetch_synapses
from .versions import DatasetDiff, fetch_dataset_diff

# The opt-in result cache (Client(cache=DIR)) in front of the functions whose
# answer depends on the client's dataset only (not fetch_custom,
# fetch_custom_neurons, fetch_datasets: their Cypher or answer may reach other
# datasets; not fetch_roi_mesh, which reads a file), and in front of the comparisons, keyed on every dataset compared.
(fetch_neurons, fetch_adjacencies, fetch_traced_adjacencies, fetch_output_completeness,
 fetch_downstream_orphan_tasks, fetch_roi_completeness, fetch_simple_connections,
 fetch_common_connectivity, fetch_meta, fetch_all_rois, fetch_primary_rois, fetch_roi_hierarchy,
 fetch_paths, fetch_shortest_paths, fetch_roi_connectivity, fetch_skeleton, fetch_synapses,
 fetch_mean_synapses, fetch_synapse_connections, fetch_skeletons,
 fetch_cell_type_report) = map(cached, (
    fetch_neurons, fetch_adjacencies, fetch_traced_adjacencies, fetch_output_completeness,
    fetch_downstream_orphan_tasks, fetch_roi_completeness, fetch_simple_connections,
    fetch_common_connectivity, fetch_meta, fetch_all_rois, fetch_primary_rois,
    fetch_roi_hierarchy, fetch_paths, fetch_shortest_paths, fetch_roi_connectivity,
    fetch_skeleton, fetch_synapses, fetch_mean_synapses, fetch_synapse_connections,
    fetch_skeletons, fetch_cell_type_report))

fetch_dataset_diff = cached(fetch_dataset_diff, datasets=lambda a: [a["a"], a["b"]])


def _series_datasets(arguments: dict) -> list:
    """fetch_connection_series' datasets as a list (read once: a generator
    is passed on as that list)."""
    names = arguments["datasets"]
    arguments["datasets"] = [names] if isinstance(names, str) else list(names)
    return arguments["datasets"]


fetch_connection_series = cached(fetch_connection_series, datasets=_series_datasets)

__all__ = ["fetch_custom", "fetch_neurons", "fetch_adjacencies", "fetch_meta", "fetch_all_rois",
           "fetch_primary_rois", "fetch_roi_hierarchy", "fetch_skeleton", "SkeletonNotFoundError",
           "fetch_datasets", "fetch_custom_neurons", "fetch_simple_connections",
           "fetch_traced_adjacencies", "fetch_common_connectivity", "fetch_shortest_paths",
           "fetch_paths", "fetch_output_completeness", "fetch_downstream_orphan_tasks",
           "fetch_roi_completeness", "fetch_roi_connectivity", "fetch_synapses",
           "fetch_mean_synapses", "fetch_synapse_connections", "fetch_skeletons",
           "fetch_roi_mesh", "fetch_cell_type_report", "CellTypeReport", "fetch_dataset_diff",
           "DatasetDiff", "fetch_connection_series"]
