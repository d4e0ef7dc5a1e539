"""Pictures of a connectome: connectivity heatmaps, neurons drawn in 2D and
3D, a connection's weight across a series of datasets, a cell-type report page (the optional ``plot`` extra: ``pip install
'connectograph[plot]'``, matplotlib, navis, plotly and trimesh).

Importing this package needs none of them; each function imports what it
draws with when called and raises
:class:`~connectograph.errors.MissingDependencyError` naming the extra when
it is missing. matplotlib pictures are ``Figure`` objects made without
pyplot (no global state, the Agg canvas when saved; notebooks show them).
"""

from .matrix import plot_connectivity_matrix, plot_roi_connectivity
from .neurons import plot_neurons, plot_neurons_3d
from .series import plot_connection_series

__all__ = ["plot_connectivity_matrix", "plot_roi_connectivity", "plot_neurons",
           "plot_neurons_3d", "plot_connection_series"]
