"""The read step of a load: recipe sources into validated canonical tables.

Nothing here writes to the database; :func:`.recipe_sources.read_sources` is the
step's entry point.
"""
