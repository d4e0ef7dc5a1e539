// Hand-written Cypher of the bare-driver baselines (connectograph bench).
// Each block answers the same question as one fetch_* call, the way a user of
// the plain neo4j driver would ask it. {{Label}} becomes the dataset-scoped label.

// @name: neurons_by_type
MATCH (n:{{Neuron}})
WHERE n.type = $type
RETURN properties(n) AS n
ORDER BY n.bodyId;

// @name: neurons_by_input_roi
MATCH (n:{{Neuron}})-[r:InROI]->(roi:{{ROI}} {name: $roi})
WHERE r.post >= 1
RETURN properties(n) AS n
ORDER BY n.bodyId;

// @name: adjacencies_from_type
MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Neuron}})
WHERE a.type = $type
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
       e.roiInfo AS roiInfo, a.type AS type_pre, a.instance AS instance_pre,
       b.type AS type_post, b.instance AS instance_post;

// @name: downstream_types
MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Neuron}})
WHERE a.type = $type
RETURN b.type AS type, sum(e.weight) AS weight
ORDER BY weight DESC, type;

// @name: roi_hierarchy
MATCH (m:{{Meta}})
RETURN m.roiHierarchy AS roiHierarchy, m.primaryRois AS primaryRois;

// @name: skeleton
MATCH (s:{{Skeleton}})
WHERE s.bodyId = $body
RETURN s.rowId AS rowId, s.x AS x, s.y AS y, s.z AS z, s.radius AS radius, s.link AS link;

// @name: params_top_type
MATCH (n:{{Neuron}})
WHERE n.type IS NOT NULL AND EXISTS { (n)-[:ConnectsTo]->() }
RETURN n.type AS type, count(*) AS n
ORDER BY n DESC, type
LIMIT 1;

// @name: params_top_roi
MATCH (n:{{Neuron}})-[r:InROI]->(roi:{{ROI}})
WHERE roi.isPrimary AND r.post >= 1
RETURN roi.name AS roi, count(*) AS n
ORDER BY n DESC, roi
LIMIT 1;

// @name: params_largest_skeleton
MATCH (s:{{Skeleton}})
RETURN s.bodyId AS body, s.nodeCount AS nodes
ORDER BY nodes DESC, body
LIMIT 1;
