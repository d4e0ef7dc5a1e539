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

// @name: skeleton_nodes
// Optional per-node form of one body's skeleton, for looking at it in Neo4j
// Browser, with neuPrint's names: (:Skeleton)-[:Contains]->(:SkelNode
// {bodyId, rowNumber, location, radius, type}) and (child)-[:LinksTo]->(parent).
// Replaces any earlier per-node form of the body.
MATCH (old:{{SkelNode}}) WHERE old.bodyId = $body
DETACH DELETE old;
MATCH (s:{{Skeleton}}) WHERE s.bodyId = $body
UNWIND range(0, size(s.rowId) - 1) AS i
CREATE (s)-[:Contains]->(:SkelNode:{{SkelNode}} {bodyId: s.bodyId, rowNumber: s.rowId[i],
        location: point({x: s.x[i], y: s.y[i], z: s.z[i]}), radius: s.radius[i],
        type: s.nodeType[i]});
MATCH (s:{{Skeleton}}) WHERE s.bodyId = $body
UNWIND range(0, size(s.rowId) - 1) AS i
WITH s.rowId[i] AS child, s.link[i] AS parent
WHERE parent <> -1
MATCH (c:{{SkelNode}} {bodyId: $body, rowNumber: child})
MATCH (p:{{SkelNode}} {bodyId: $body, rowNumber: parent})
CREATE (c)-[:LinksTo]->(p);

// @name: soma_location
// A body's somaLocation as [x, y, z] (voxels), or no row / null.
MATCH (n:{{Segment}})
WHERE n.bodyId = $body
RETURN CASE WHEN n.somaLocation IS NULL THEN null
            ELSE [n.somaLocation.x, n.somaLocation.y, n.somaLocation.z] END AS soma;
