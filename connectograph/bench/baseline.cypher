// Hand-written Cypher of the bare-driver baselines (connectograph bench).
// Each block answers the same question as one fetch_* call, the way a user of
// the plain neo4j driver would ask it. {{Label}} becomes the dataset-scoped label.

// The neuron cases return what fetch_neurons' user gets: the neuron columns
// (not the ROI flag properties) and each body's per-ROI counts.
// @name: neurons_by_type
MATCH (n:{{Neuron}})
WHERE n.type = $type
RETURN n.bodyId AS bodyId, n.instance AS instance, n.type AS type, n.pre AS pre,
       n.post AS post, n.downstream AS downstream, n.upstream AS upstream,
       n.status AS status, n.cropped AS cropped, n.statusLabel AS statusLabel,
       n.somaLocation AS somaLocation, n.roiInfo AS roiInfo,
       COLLECT { MATCH (n)-[r:InROI]->(x:{{ROI}})
                 RETURN [x.name, r.pre, r.post, r.downstream, r.upstream] } AS roiCounts
ORDER BY bodyId;

// @name: neurons_by_input_roi
MATCH (n:{{Neuron}})-[r:InROI]->(roi:{{ROI}} {name: $roi})
WHERE r.post >= 1
RETURN n.bodyId AS bodyId, n.instance AS instance, n.type AS type, n.pre AS pre,
       n.post AS post, n.downstream AS downstream, n.upstream AS upstream,
       n.status AS status, n.cropped AS cropped, n.statusLabel AS statusLabel,
       n.somaLocation AS somaLocation, n.roiInfo AS roiInfo,
       COLLECT { MATCH (n)-[r:InROI]->(x:{{ROI}})
                 RETURN [x.name, r.pre, r.post, r.downstream, r.upstream] } AS roiCounts
ORDER BY bodyId;

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

// @name: simple_connections_from_type
MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Neuron}})
WHERE a.type = $type
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
       a.type AS type_pre, b.type AS type_post, a.instance AS instance_pre,
       b.instance AS instance_post, e.roiInfo AS conn_roiInfo
ORDER BY weight DESC, bodyId_pre, bodyId_post;

// @name: common_inputs_of_type
MATCH (n:{{Neuron}})
WHERE n.type = $type
WITH collect(n) AS matched
UNWIND matched AS n
MATCH (m:{{Neuron}})-[e:ConnectsTo]->(n)
WITH m, size(matched) AS k,
     collect([m.bodyId, n.bodyId, e.weight, m.type, n.type, m.instance, n.instance,
              e.roiInfo]) AS rows
WHERE size(rows) = k
UNWIND rows AS r
RETURN r[0] AS bodyId_pre, r[1] AS bodyId_post, r[2] AS weight, r[3] AS type_pre,
       r[4] AS type_post, r[5] AS instance_pre, r[6] AS instance_post, r[7] AS conn_roiInfo
ORDER BY weight DESC, bodyId_pre, bodyId_post;

// @name: shortest_paths
MATCH (src:{{Segment}} {bodyId: $src}), (dest:{{Segment}} {bodyId: $dest}),
      p = allShortestPaths((src)-[:ConnectsTo*]->(dest))
WHERE all(n IN nodes(p) WHERE n.bodyId IN [$src, $dest]
                          OR (n:{{Neuron}} AND n.status = 'Traced'))
RETURN [n IN nodes(p) | [n.bodyId, n.type]] AS path, [x IN relationships(p) | x.weight] AS weights;

// @name: roi_completeness
MATCH (n:{{Neuron}})-[r:InROI]->(x:{{ROI}})
WHERE n.status IN $statuses
RETURN x.name AS roi, sum(coalesce(r.pre, 0)) AS roipre, sum(coalesce(r.post, 0)) AS roipost
ORDER BY roi;

// @name: roi_connectivity
MATCH (n:{{Neuron}})-[r:InROI]->(x:{{ROI}})
WHERE x.name IN $rois
WITH n, collect({roi: x.name, pre: coalesce(r.pre, 0), post: coalesce(r.post, 0)}) AS counts
WITH counts, reduce(t = 0, c IN counts | t + c.post) AS t_in
WHERE t_in > 0
UNWIND counts AS o
WITH counts, t_in, o WHERE o.pre > 0
UNWIND counts AS i
WITH t_in, o, i WHERE i.post > 0
RETURN i.roi AS from_roi, o.roi AS to_roi, count(*) AS count,
       sum(toFloat(o.pre * i.post) / t_in) AS weight
ORDER BY from_roi, to_roi;

// @name: output_completeness_of_type
MATCH (n:{{Neuron}})
WHERE n.type = $type
OPTIONAL MATCH (n)-[e:ConnectsTo]->(m:{{Segment}})
WITH n, sum(e.weight) AS total_weight,
     sum(CASE WHEN m.status = 'Traced' OR m.statusLabel = 'Traced' THEN e.weight ELSE 0 END)
       AS traced_weight
RETURN n.bodyId AS bodyId, total_weight, traced_weight
ORDER BY bodyId;

// @name: params_path_pair
MATCH (a:{{Neuron}})-[:ConnectsTo]->(b:{{Neuron}})-[:ConnectsTo]->(c:{{Neuron}})
WHERE a.type = $type AND b.status = 'Traced' AND c <> a
  AND NOT EXISTS { (a)-[:ConnectsTo]->(c) }
RETURN a.bodyId AS src, c.bodyId AS dest
ORDER BY src, dest
LIMIT 1;

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
