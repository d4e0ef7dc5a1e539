"""Moved to :mod:`connectograph.fetch.skeleton_storage` (it runs Cypher; this
package needs no server). Kept so that ``connectograph.skeletons.storage``
imports keep working."""

from ..fetch.skeleton_storage import (MAX_BROWSER_NODES, skeleton_from_record,
                                      skeleton_properties, store_skeleton_nodes)

__all__ = ["MAX_BROWSER_NODES", "skeleton_from_record", "skeleton_properties",
           "store_skeleton_nodes"]
