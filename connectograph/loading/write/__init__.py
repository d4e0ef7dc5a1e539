"""The write step of a load: a derived dataset written to Neo4j, over Bolt
under staging labels then published, or as ``neo4j-admin`` import files.

``bolt``
    :func:`~.bolt.write_prepared`: a prepared dataset's ``UNWIND`` batches.
``synapse_graph``
    The synapse graph's batches (whole connections, synapses created once).
``dataset_writer``
    :class:`~.dataset_writer.DatasetWriter`: staging labels, the publish
    switch, recovery after an interrupted load, drop, the list of datasets.
``batch_runner``
    Write batches on a few threads at once, in dependency order.
``bulk_csv``, ``import_csv``
    A prepared dataset as ``neo4j-admin database import full`` CSV files, and
    that CSV format (typed columns, header rules).
"""
