"""neuPrint's vocabulary: the names of its data model that the code tests, writes or reads.

One place for the words the loader, the fetch functions, the service and
the synthetic generator must agree on (docs/data-model.md describes the
model). Names that only the ``.cypher`` files use stay there; the rule that
says which dataset versions are published is written here once
(:func:`current_meta_condition`) and the ``.cypher`` statements that list
datasets restate its text, which a test checks.

Nothing here imports from connectograph: every module may import it.
"""

from __future__ import annotations

# -- labels ------------------------------------------------------------------------------------

#: The generic labels of a dataset's nodes (docs/data-model.md); every node of
#: a dataset carries one of them, scoped (``<name:tag>_<Label>``). ``Neuron``
#: nodes are also ``Segment`` nodes.
DATASET_NODE_LABELS = ("Segment", "ROI", "Synapse", "SynapseSet", "Skeleton", "SkelNode", "Meta")

# -- synapses and counts -----------------------------------------------------------------------

#: Synapse ``type`` values: ``"pre"`` is a T-bar (presynaptic site), ``"post"``
#: a PSD (postsynaptic density).
SYNAPSE_TYPES = ("pre", "post")

#: The part of a body's or a connection's synapses in no primary ROI: a row of
#: neuprint-python's ``roi_counts_df`` and ``roi_conn_df``, never an ROI (no
#: node, no roiInfo entry).
NOT_PRIMARY = "NotPrimary"

#: A body's synapse counts (neuPrint's), overall and per ROI (roiInfo
#: entries, ``InROI`` flags): T-bars, PSDs, PSDs (``upstream`` = ``post``) and
#: the PSDs its T-bars contact.
COUNT_KEYS = ("pre", "post", "upstream", "downstream")

#: :data:`COUNT_KEYS` in the order ``json.dumps(sort_keys=True)`` writes them.
ROI_COUNT_KEYS = tuple(sorted(COUNT_KEYS))

# -- reconstruction status ---------------------------------------------------------------------

#: The ``status`` of a body traced in full; neuprint-python's default for
#: "traced" (``fetch_traced_adjacencies``, completeness, ``fetch_paths``).
TRACED = "Traced"

#: The ``status`` of a body traced in part (most of its arbor).
ROUGHLY_TRACED = "Roughly traced"

#: The statuses neuPrintHTTP counts as complete for its ROI completeness.
COMPLETE_STATUSES = (TRACED, ROUGHLY_TRACED, "Prelim Roughly traced", "final",
                     "final (irrelevant)", "Finalized", "Leaves")

#: The statuses neuPrintHTTP picks the cell type of the day among.
DAILY_TYPE_STATUSES = (TRACED, "Anchor")

# -- published datasets ------------------------------------------------------------------------


def current_meta_condition(var: str = "m") -> str:
    """The Cypher condition that a ``:Meta`` node ``var`` is its dataset's
    current (published) version: ``coalesce(<var>.loadComplete, false)``.

    At most one Meta per ``dataset`` and ``tag`` is current; a dataset being
    loaded has ``loadComplete = false`` (or none) until its publish switches
    it (:mod:`connectograph.loading.write.dataset_writer`). Every query that lists datasets
    or finds a dataset's Meta by name uses this condition; the ``.cypher``
    files spell it out the same way (tested).

    Parameters
    ----------
    var : str
        The Meta's query variable (a plain Cypher variable, not user input).

    Returns
    -------
    str
    """
    return f"coalesce({var}.loadComplete, false)"
