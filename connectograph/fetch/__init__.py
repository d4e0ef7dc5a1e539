"""The fetch_* functions: neuprint-python's names, arguments and columns."""

from .adjacencies import fetch_adjacencies
from .custom import fetch_custom
from .meta import fetch_all_rois, fetch_meta, fetch_primary_rois, fetch_roi_hierarchy
from .neurons import fetch_neurons
from .skeleton import SkeletonNotFoundError, fetch_skeleton

__all__ = ["fetch_custom", "fetch_neurons", "fetch_adjacencies", "fetch_meta", "fetch_all_rois",
           "fetch_primary_rois", "fetch_roi_hierarchy", "fetch_skeleton", "SkeletonNotFoundError"]
