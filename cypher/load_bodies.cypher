// @name: create_bodies
// Create one batch of bodies under the staging labels of a load.
// $rows: [{props: {bodyId, type, ..., `aL(R)`: true, somaLocation: point}, neuron: bool}]
// Returns each body's element id so relationships can be attached by id.
UNWIND $rows AS row
CREATE (n:Segment:{{Segment}})
SET n = row.props
FOREACH (_ IN CASE WHEN row.neuron THEN [1] ELSE [] END | SET n:Neuron:{{Neuron}})
RETURN n.bodyId AS bodyId, elementId(n) AS id;
