"""connectograph: a self-hosted connectome explorer on Neo4j with the neuPrint data model.

>>> from connectograph import Client, NeuronCriteria as NC, fetch_neurons, fetch_adjacencies
>>> c = Client(dataset="hemibrain-mb:v1.2.1")                     # doctest: +SKIP
>>> neuron_df, roi_counts_df = fetch_neurons(NC(type="MBON14"), client=c)   # doctest: +SKIP
"""

from .client import Client, default_client, set_default_client
from .criteria import NC, IsNull, NeuronCriteria, NotNull, SynapseCriteria
from .criteria import Above, AtLeast, AtMost, Below, Between, NotIn, Regex
from .errors import ConnectographError
from .fetch import (fetch_adjacencies, fetch_all_rois, fetch_custom, fetch_meta, fetch_neurons,
                    fetch_primary_rois, fetch_roi_hierarchy, fetch_skeleton)
from .fetch import (fetch_common_connectivity, fetch_custom_neurons, fetch_datasets,
                    fetch_downstream_orphan_tasks, fetch_output_completeness, fetch_paths,
                    fetch_roi_completeness, fetch_roi_connectivity, fetch_shortest_paths,
                    fetch_simple_connections, fetch_traced_adjacencies)
from .fetch import fetch_mean_synapses, fetch_synapse_connections, fetch_synapses
from .fetch import fetch_cell_type_report, fetch_roi_mesh, fetch_skeletons
from .fetch import DatasetDiff, fetch_connection_series, fetch_dataset_diff
from .utils import connection_table_to_matrix, merge_neuron_properties, signed_connections

__version__ = "0.1.0"

__all__ = ["Client", "set_default_client", "default_client", "NeuronCriteria", "NC",
           "SynapseCriteria", "IsNull", "NotNull", "AtLeast", "AtMost", "Above", "Below",
           "Between", "NotIn", "Regex", "ConnectographError", "fetch_custom",
           "fetch_neurons", "fetch_adjacencies", "fetch_meta", "fetch_all_rois",
           "fetch_primary_rois", "fetch_roi_hierarchy", "fetch_skeleton",
           "connection_table_to_matrix", "merge_neuron_properties", "signed_connections",
           "fetch_datasets", "fetch_custom_neurons", "fetch_simple_connections",
           "fetch_traced_adjacencies", "fetch_common_connectivity", "fetch_shortest_paths",
           "fetch_paths", "fetch_output_completeness", "fetch_downstream_orphan_tasks",
           "fetch_roi_completeness", "fetch_roi_connectivity", "fetch_synapses",
           "fetch_mean_synapses", "fetch_synapse_connections", "fetch_skeletons",
           "fetch_roi_mesh", "fetch_cell_type_report", "fetch_dataset_diff",
           "DatasetDiff", "fetch_connection_series"]
