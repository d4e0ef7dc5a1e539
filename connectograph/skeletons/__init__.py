"""Skeletons: SWC I/O, validation, healing and geometry (no server needed).

Names and DataFrame columns follow neuprint-python's ``neuprint.skeleton``: a
skeleton is a DataFrame with one row per node and columns ``rowId, x, y, z,
radius, link`` (``link`` is the parent's ``rowId``, -1 for roots). Coordinates
are in the dataset's units (hemibrain: 8 nm voxels).
"""

from connectograph.skeletons.convert import skeleton_df_to_navis, skeleton_df_to_nx
from connectograph.skeletons.geometry import (
    attach_synapses_to_skeleton,
    calc_segment_distances,
    reorient_skeleton,
    skeleton_segments,
    upsample_skeleton,
)
from connectograph.skeletons.healing import (
    HealResult,
    fragment_bridges,
    heal_skeleton,
    heal_skeleton_report,
    nearest_node,
)
from connectograph.skeletons.swc import (
    Skeleton,
    read_swc,
    skeleton_df_to_swc,
    skeleton_swc_to_df,
    write_swc,
)
from connectograph.skeletons.validation import validate_skeleton

__all__ = [
    "HealResult",
    "Skeleton",
    "attach_synapses_to_skeleton",
    "calc_segment_distances",
    "fragment_bridges",
    "heal_skeleton",
    "heal_skeleton_report",
    "nearest_node",
    "read_swc",
    "reorient_skeleton",
    "skeleton_df_to_navis",
    "skeleton_df_to_nx",
    "skeleton_df_to_swc",
    "skeleton_segments",
    "skeleton_swc_to_df",
    "upsample_skeleton",
    "validate_skeleton",
    "write_swc",
]
