// @name: create_synapses
// One batch of :Synapse nodes under the staging labels of a load, as parallel
// columns (cheaper to send than one map per row): $id, $body (int), $type
// ('pre'/'post'), $conf (float or null), $x, $y, $z (voxels), $roi (index into
// $rois, the batch's distinct ROI-flag maps such as {`aL(R)`: true, ...}).
// Relationships are attached later by synapseId, through the staging index on
// it (schema.cypher, staging_schema).
UNWIND range(0, size($id) - 1) AS i
CREATE (s:Synapse:{{Synapse}})
SET s = $rois[$roi[i]],
    s.synapseId = $id[i], s.bodyId = $body[i], s.type = $type[i], s.confidence = $conf[i],
    s.location = point({x: $x[i], y: $y[i], z: $z[i]});

// @name: create_synapses_to
// (:Synapse {type:'pre'})-[:SynapsesTo]->(:Synapse {type:'post'}), one batch.
// $pre, $post: parallel lists of synapseIds (T-bar, PSD), found through the
// staging index on synapseId.
UNWIND range(0, size($pre) - 1) AS i
MATCH (a:{{Synapse}} {synapseId: $pre[i]})
MATCH (b:{{Synapse}} {synapseId: $post[i]})
CREATE (a)-[:SynapsesTo]->(b);

// @name: create_synapse_sets
// neuPrint's (:Segment)-[:Contains]->(:SynapseSet)-[:Contains]->(:Synapse) and
// (:SynapseSet)-[:ConnectsTo]->(:SynapseSet): per connected (pre body, post body)
// one set on each side, the pre body's set linked to the post body's.
// $rows: [{preBody, postBody: elementId of the Segments, preProps, postProps:
// {bodyId, partnerId, type}, preIds, postIds: [synapseId]}]; members are found
// through the staging index on synapseId.
UNWIND $rows AS row
MATCH (na) WHERE elementId(na) = row.preBody
MATCH (nb) WHERE elementId(nb) = row.postBody
CREATE (na)-[:Contains]->(sa:SynapseSet:{{SynapseSet}})
CREATE (nb)-[:Contains]->(sb:SynapseSet:{{SynapseSet}})
CREATE (sa)-[:ConnectsTo]->(sb)
SET sa = row.preProps, sb = row.postProps
WITH sa, sb, row
UNWIND [id IN row.preIds | [sa, id]] + [id IN row.postIds | [sb, id]] AS member
WITH member[0] AS ss, member[1] AS id
MATCH (s:{{Synapse}} {synapseId: id})
CREATE (ss)-[:Contains]->(s);
