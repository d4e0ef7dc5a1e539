// @name: create_connections
// (:Segment)-[:ConnectsTo {weight, roiInfo}]->(:Segment), one batch.
// $rows: [{pre: elementId, post: elementId, weight: int, roiInfo: JSON string}]
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.pre
MATCH (b) WHERE elementId(b) = row.post
CREATE (a)-[:ConnectsTo {weight: row.weight, roiInfo: row.roiInfo}]->(b);
