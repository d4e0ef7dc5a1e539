// @name: create_synapse_graph
// One batch of whole connections (consecutive (pre body, post body) pairs of
// bodies): the batch's new :Synapse nodes as parallel columns (cheaper to
// send than one map per row: $id, $body (int), $type ('pre'/'post'), $conf
// (float or null), $x, $y, $z (voxels), $roi (index into $rois, the batch's
// distinct ROI-flag maps such as {`aL(R)`: true, ...}), $props (per synapse,
// a map of the recipe's synapse properties, e.g. {ntGabaProb: 0.97}; an
// empty list when the dataset has none)), the
// synapses an earlier batch created ($old: synapseIds, found through the
// staging index on synapseId), then, by position in that list (new first,
// then old), the SynapsesTo links ($pre, $post) and each connection's two
// SynapseSets with their Contains and ConnectsTo links ($sets: [{preBody,
// postBody: elementId of the Segments, preProps, postProps, pre, post:
// positions of the members}]). Relationships between nodes of one batch need
// no index lookup. Synapses in no pair come in batches with empty $old,
// $pre, $post and $sets.
CALL () {
  UNWIND range(0, size($id) - 1) AS i
  CREATE (s:Synapse:{{Synapse}})
  SET s = $rois[$roi[i]],
      s += coalesce($props[i], {}),
      s.synapseId = $id[i], s.bodyId = $body[i], s.type = $type[i], s.confidence = $conf[i],
      s.location = point({x: $x[i], y: $y[i], z: $z[i]})
  RETURN collect(s) AS created
}
CALL () {
  UNWIND $old AS id
  MATCH (s:{{Synapse}} {synapseId: id})
  RETURN collect(s) AS found
}
WITH created + found AS syn
CALL (syn) {
  UNWIND range(0, size($pre) - 1) AS k
  WITH syn[$pre[k]] AS a, syn[$post[k]] AS b
  CREATE (a)-[:SynapsesTo]->(b)
}
CALL (syn) {
  UNWIND $sets AS row
  MATCH (na) WHERE elementId(na) = row.preBody
  MATCH (nb) WHERE elementId(nb) = row.postBody
  CREATE (na)-[:Contains]->(sa:SynapseSet:{{SynapseSet}})
  CREATE (nb)-[:Contains]->(sb:SynapseSet:{{SynapseSet}})
  CREATE (sa)-[:ConnectsTo]->(sb)
  SET sa = row.preProps, sb = row.postProps
  WITH sa, sb, row
  UNWIND [i IN row.pre | [sa, i]] + [i IN row.post | [sb, i]] AS member
  WITH member[0] AS ss, syn[member[1]] AS s
  CREATE (ss)-[:Contains]->(s)
};
