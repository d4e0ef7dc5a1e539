// @name: create_synapses
// One batch of :Synapse nodes under the staging labels of a load.
// $rows: [{props: {synapseId, bodyId, type, confidence, `aL(R)`: true, ...}, x, y, z}]
// (x, y, z in voxels). Returns each synapse's element id so relationships can
// be attached by id.
UNWIND $rows AS row
CREATE (s:Synapse:{{Synapse}})
SET s = row.props, s.location = point({x: row.x, y: row.y, z: row.z})
RETURN s.synapseId AS id, elementId(s) AS eid;

// @name: create_synapses_to
// (:Synapse {type:'pre'})-[:SynapsesTo]->(:Synapse {type:'post'}), one batch.
// $rows: [{pre: elementId, post: elementId}]
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.pre
MATCH (b) WHERE elementId(b) = row.post
CREATE (a)-[:SynapsesTo]->(b);

// @name: create_synapse_sets
// neuPrint's (:Segment)-[:Contains]->(:SynapseSet)-[:Contains]->(:Synapse),
// one set per (body, partner, side). $rows: [{key, body: elementId of the
// Segment, props: {bodyId, partnerId, type}, members: [elementId of Synapse]}]
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.body
CREATE (n)-[:Contains]->(ss:SynapseSet:{{SynapseSet}})
SET ss = row.props
WITH ss, row
UNWIND row.members AS member
MATCH (s) WHERE elementId(s) = member
CREATE (ss)-[:Contains]->(s)
WITH DISTINCT ss, row
RETURN row.key AS key, elementId(ss) AS eid;

// @name: link_synapse_sets
// (:SynapseSet)-[:ConnectsTo]->(:SynapseSet): the pre body's set to the post
// body's set of one connection. $rows: [{pre: elementId, post: elementId}]
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.pre
MATCH (b) WHERE elementId(b) = row.post
CREATE (a)-[:ConnectsTo]->(b);
