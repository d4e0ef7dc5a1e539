"""Benchmark harness: ``connectograph bench`` (also ``make bench``).

Sections: ``queries`` (each fetch_* against the bare neo4j driver running
hand-written Cypher, with and without the driver's Rust extension), ``ingest``
(Bolt loading rate and peak memory of the loader on synthetic data) and
``heal`` (skeleton healing against neuprint-python and navis). Results go to a
Markdown and a CSV table with the machine's facts. Nothing in the normal test
suite depends on timing.
"""
