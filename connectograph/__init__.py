"""connectograph: a self-hosted connectome explorer on Neo4j."""
