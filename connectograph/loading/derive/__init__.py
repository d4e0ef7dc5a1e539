"""The derive step of a load: the neuPrint graph computed from the canonical
tables (pure pandas and numpy, no database).

``synapse_data``
    :class:`~.synapse_data.SynapseData`: the synapse stage of a whole dataset
    (``prepare_synapses``); ``synapse_partitions`` derives it one partition
    of upstream bodies at a time, ``accumulator`` combines the partitions.
``synapse_rois``, ``synapse_counts``, ``synapse_sets``
    Each synapse's ROIs (source, meshes, ancestors); per-body and
    per-connection counts; SynapseSets.
``connections``
    ``ConnectsTo``: per-ROI tables merged with the synapse counts.
``bodies``, ``body_roi_counts``
    The Segment rows: completed, counts and roiInfo filled, ``:Neuron``
    flags, ``InROI`` memberships; per-body per-ROI counts as one long frame.
``dataset``
    :class:`~.dataset.PreparedDataset`: everything a load writes, with its
    ROI rows and ``:Meta`` properties (``derive_dataset``).
"""
