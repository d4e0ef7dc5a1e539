"""The read step of a load: recipe sources into validated canonical tables.

Nothing here writes to the database; :func:`.tables.read_sources` is the
step's entry point.
"""
