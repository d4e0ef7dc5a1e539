// @name: create_skeletons
// (:Segment)-[:Contains]->(:Skeleton) with the whole skeleton as parallel arrays
// (one element per SWC node, file order). $rows: [{body: elementId, props: {...}}]
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.body
CREATE (n)-[:Contains]->(s:Skeleton:{{Skeleton}})
SET s = row.props;

// @name: fetch_skeleton
// One body's skeleton arrays, or no row.
MATCH (s:{{Skeleton}})
WHERE s.bodyId = $body
RETURN s.rowId AS rowId, s.nodeType AS nodeType, s.x AS x, s.y AS y, s.z AS z,
       s.radius AS radius, s.link AS link, s.header AS header;
