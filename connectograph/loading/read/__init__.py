"""The read step of a load: every source a recipe names, read into validated
canonical tables; nothing is written.

:func:`.recipe_sources.read_sources` is the step's entry point. Below it:

``recipe_sources``
    :class:`~.recipe_sources.SourceTables`, ``read_sources``, the ROI
    definitions and hierarchy.
``neuron_tables``
    ``[[neurons]]`` and ``[[roi_connections]]`` tables, merged by precedence.
``skeleton_files``
    SWC files and neuprint-python skeleton tables.
``synapse_sources``
    ``[[synapses]]`` and ``[[synapse_partners]]`` files, read per kind and
    merged; ``synapse_spill`` spills them to DuckDB in partitions of upstream
    bodies instead of holding them in memory.
``meshes``
    ROI surface meshes (OBJ).
``table_schemas``, ``roi_schemas``, ``synapse_tables``, ``canonical_table``
    The pydantic models of the canonical tables (a table that exists is a
    valid one) and their base.
``neuron_cells``, ``number_cells``, ``names``
    One cell or column parsed and checked: somaLocation, roiInfo, booleans,
    exact integers and floats, names that become Cypher names.
``source_files``, ``unreadable_files``
    The only readers of CSV, Parquet and text files, and the errors that
    name file, line, row and column when a file cannot be read.
"""
