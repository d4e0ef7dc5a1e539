"""The write step of a load: a derived dataset written to Neo4j, over Bolt
under staging labels then published, or as ``neo4j-admin`` import files."""
