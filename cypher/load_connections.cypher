// @name: create_connections
// (:Segment)-[:ConnectsTo {weight, roiInfo}]->(:Segment), one batch.
// $rows: [{pre: elementId, post: elementId, weight: int, roiInfo: JSON string}]
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.pre
MATCH (b) WHERE elementId(b) = row.post
CREATE (a)-[:ConnectsTo {weight: row.weight, roiInfo: row.roiInfo}]->(b);

// @name: create_gap_junctions
// (:Segment)-[:GapJunction {weight}]->(:Segment), one batch: one relationship
// per unordered pair of bodies, from the lower bodyId to the higher (read it
// undirected); weight = the number of gap junctions between them.
// $rows: [{a: elementId, b: elementId, weight: int}]
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[:GapJunction {weight: row.weight}]->(b);
