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

// Many bodies' skeletons in one query (each body's stored columns).
// @name: skeletons_of_bodies
MATCH (s:{{Skeleton}})
WHERE s.bodyId IN $bodies
RETURN s.bodyId AS bodyId, s.rowId AS rowId, s.x AS x, s.y AS y, s.z AS z,
       s.radius AS radius, s.link AS link;

// @name: params_skeleton_bodies
MATCH (s:{{Skeleton}})
RETURN s.bodyId AS body
ORDER BY s.nodeCount DESC, body
LIMIT 20;

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

// The synapse cases: a body's sites found through Synapse.bodyId (indexed with
// type), confidence strictly above the threshold (no condition when it is 0),
// each site's primary ROI among $rois.
// @name: synapses_of_body
MATCH (s:{{Synapse}})
WHERE s.bodyId = $body AND s.type IN ['pre', 'post']
  AND ($confidence = 0.0 OR s.confidence > $confidence)
RETURN s.bodyId AS bodyId, s.type AS type, [k IN keys(s) WHERE k IN $rois][0] AS roi,
       s.location.x AS x, s.location.y AS y, s.location.z AS z, s.confidence AS confidence
ORDER BY bodyId, type, x, y, z;

// @name: mean_synapses_of_body
MATCH (s:{{Synapse}})
WHERE s.bodyId = $body AND s.type IN ['pre', 'post']
  AND ($confidence = 0.0 OR s.confidence > $confidence)
UNWIND [k IN keys(s) WHERE k IN $rois] AS roi
RETURN s.bodyId AS bodyId, roi, s.type AS type, count(*) AS count,
       avg(s.location.x) AS x, avg(s.location.y) AS y, avg(s.location.z) AS z,
       avg(s.confidence) AS confidence
ORDER BY bodyId, roi, type;

// T-bar -> PSD pairs from one body onto every other :Neuron.
// @name: synapse_connections_from_body
MATCH (ns:{{Synapse}})
WHERE ns.bodyId = $body AND ns.type = 'pre'
  AND ($confidence = 0.0 OR ns.confidence > $confidence)
MATCH (ns)-[:SynapsesTo]->(ms:{{Synapse}})
WHERE ms.bodyId <> $body AND ($confidence = 0.0 OR ms.confidence > $confidence)
  AND EXISTS { MATCH (m:{{Neuron}}) WHERE m.bodyId = ms.bodyId }
RETURN ns.bodyId AS bodyId_pre, ms.bodyId AS bodyId_post,
       [k IN keys(ns) WHERE k IN $rois][0] AS roi_pre,
       [k IN keys(ms) WHERE k IN $rois][0] AS roi_post,
       ns.location.x AS x_pre, ns.location.y AS y_pre, ns.location.z AS z_pre,
       ms.location.x AS x_post, ms.location.y AS y_post, ms.location.z AS z_post,
       ns.confidence AS confidence_pre, ms.confidence AS confidence_post
ORDER BY bodyId_pre, bodyId_post, x_pre, y_pre, z_pre, x_post, y_post, z_post;

// Paths of one or two connections through traced neurons.
// @name: paths_up_to_2
MATCH (src:{{Segment}} {bodyId: $src}), (dest:{{Segment}} {bodyId: $dest}),
      p = (src)-[:ConnectsTo*1..2]->(dest)
WHERE all(n IN nodes(p) WHERE n.bodyId IN [$src, $dest]
                          OR (n:{{Neuron}} AND n.status = 'Traced'))
RETURN [n IN nodes(p) | [n.bodyId, n.type]] AS path, [x IN relationships(p) | x.weight] AS weights;

// @name: traced_adjacencies
MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Neuron}})
WHERE a.status IN $statuses AND NOT coalesce(a.cropped, false)
  AND b.status IN $statuses AND NOT coalesce(b.cropped, false)
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
       e.roiInfo AS roiInfo;

// Untraced downstream partners of a type's neurons, strongest first, with each
// neuron's total and traced output weight (the running sums are added with
// pandas, as a driver user would).
// @name: downstream_orphans_of_type
MATCH (n:{{Neuron}})
WHERE n.type = $type
WITH n, COLLECT { MATCH (n)-[e:ConnectsTo]->(t:{{Segment}})
                  RETURN [e.weight, coalesce(t.status IN $statuses
                                             OR t.statusLabel IN $statuses, false)] } AS outs
WITH n, reduce(s = 0, o IN outs | s + o[0]) AS total,
     reduce(s = 0, o IN outs | s + CASE WHEN o[1] THEN o[0] ELSE 0 END) AS traced
MATCH (n)-[e:ConnectsTo]->(m:{{Segment}})
WHERE NOT coalesce(m.status IN $statuses OR m.statusLabel IN $statuses, false)
RETURN n.bodyId AS bodyId_pre, m.bodyId AS bodyId_post, e.weight AS orphan_weight,
       m.status AS status_post, m.statusLabel AS statusLabel, total AS total_weight,
       traced AS orig_traced_weight, total - traced AS orig_untraced_weight,
       CASE WHEN total > 0 THEN toFloat(traced) / total ELSE 0.0 END AS orig_completeness
ORDER BY bodyId_pre, orphan_weight DESC, bodyId_post;

// The custom cases hold no values, so neuprint-python (which sends no
// parameters) asks the same question; {{Label}} becomes the plain label there.
// @name: custom_type_counts
MATCH (n:{{Neuron}})
WHERE n.type IS NOT NULL
RETURN n.type AS type, count(*) AS neurons
ORDER BY neurons DESC, type;

// @name: custom_neurons_top_pre
MATCH (n:{{Neuron}})
RETURN n
ORDER BY n.pre DESC, n.bodyId
LIMIT 100;

// @name: datasets
MATCH (m:Meta) WHERE coalesce(m.loadComplete, false)
RETURN m.dataset AS dataset, m.tag AS tag, m.lastDatabaseEdit AS lastEdit, m.uuid AS uuid,
       m.roiInfo AS roiInfo, m.superLevelRois AS superLevelRois, m.info AS info,
       m.hideDataSet AS hidden, m.logo AS logo, m.description AS description,
       m.totalPreCount AS totalPreCount, m.totalPostCount AS totalPostCount
ORDER BY dataset, tag;

// The neuron with most synapse-level partners (SynapseSets). neuprint-python
// reaches sites through SynapseSets only; a body whose sites were loaded as
// bare points (no partners) would give it fewer rows than ours.
// @name: params_synapse_body
MATCH (ss:{{SynapseSet}})
WITH ss.bodyId AS body, count(*) AS sets
WHERE EXISTS { MATCH (n:{{Neuron}}) WHERE n.bodyId = body }
RETURN body, sets
ORDER BY sets DESC, body
LIMIT 1;

// The type with most connections onto untraced bodies (orphan tasks).
// @name: params_orphan_type
MATCH (n:{{Neuron}})-[:ConnectsTo]->(m:{{Segment}})
WHERE n.type IS NOT NULL
  AND NOT coalesce(m.status IN $statuses OR m.statusLabel IN $statuses, false)
RETURN n.type AS type, count(*) AS n
ORDER BY n DESC, type
LIMIT 1;

// @name: params_confidence
MATCH (m:{{Meta}})
RETURN coalesce(m.postHighAccuracyThreshold, 0.0) AS confidence;

// The variants of the real-datasets issue: gap junctions, per-synapse
// transmitters and value filters (run on the datasets that have them).
// Chemical and electrical connections from a type, as one table.
// @name: connections_both_from_type
CALL {
  MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Neuron}})
  WHERE a.type = $type
  RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
         'chemical' AS synapse_type, a.type AS type_pre, b.type AS type_post,
         a.instance AS instance_pre, b.instance AS instance_post
  UNION ALL
  MATCH (a:{{Neuron}})-[e:GapJunction]-(b:{{Neuron}})
  WHERE a.type = $type
  RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
         'electrical' AS synapse_type, a.type AS type_pre, b.type AS type_post,
         a.instance AS instance_pre, b.instance AS instance_post
}
RETURN *
ORDER BY weight DESC, bodyId_pre, bodyId_post, synapse_type;

// Gap junctions of a type's neurons, read undirected.
// @name: gap_junctions_from_type
MATCH (a:{{Neuron}})-[e:GapJunction]-(b:{{Neuron}})
WHERE a.type = $type
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
       a.type AS type_pre, a.instance AS instance_pre,
       b.type AS type_post, b.instance AS instance_post;

// A body's sites with every per-synapse transmitter probability the Meta
// lists (the most likely one is picked with pandas, as a driver user would).
// @name: synapses_nt_of_body
MATCH (s:{{Synapse}})
WHERE s.bodyId = $body AND s.type IN ['pre', 'post']
  AND ($confidence = 0.0 OR s.confidence > $confidence)
RETURN s.bodyId AS bodyId, s.type AS type, [k IN keys(s) WHERE k IN $rois][0] AS roi,
       s.location.x AS x, s.location.y AS y, s.location.z AS z, s.confidence AS confidence,
       [k IN $nt_properties | s[k]] AS nt_probs
ORDER BY bodyId, type, x, y, z;

// Neurons whose predicted GABA probability is at least $p.
// @name: neurons_by_gaba_prob
MATCH (n:{{Neuron}})
WHERE n.ntGabaProb >= $p
RETURN n.bodyId AS bodyId, n.instance AS instance, n.type AS type, n.pre AS pre,
       n.post AS post, n.downstream AS downstream, n.upstream AS upstream,
       n.status AS status, n.predictedNt AS predictedNt, n.ntGabaProb AS ntGabaProb,
       n.roiInfo AS roiInfo,
       COLLECT { MATCH (n)-[r:InROI]->(x:{{ROI}})
                 RETURN [x.name, r.pre, r.post, r.downstream, r.upstream] } AS roiCounts
ORDER BY bodyId;

// @name: params_has_gap_junctions
MATCH (:{{Segment}})-[:GapJunction]->()
RETURN true AS has
LIMIT 1;

// @name: params_nt_synapse_properties
MATCH (m:{{Meta}})
WHERE m.ntSynapseProperties IS NOT NULL
RETURN m.ntSynapseProperties AS properties;

// @name: params_has_gaba_prob
MATCH (n:{{Neuron}})
WHERE n.ntGabaProb IS NOT NULL
RETURN true AS has
LIMIT 1;

// Comparing datasets: every connection and every body of one dataset (read
// once per side; the comparison is done with pandas).
// @name: all_connections
MATCH (a:{{Segment}})-[e:ConnectsTo]->(b:{{Segment}})
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight;

// @name: all_segments
MATCH (n:{{Segment}})
RETURN n.bodyId AS bodyId, properties(n) AS properties;

// A type's connections onto every body (a series over one dataset).
// @name: connections_from_type_to_segments
MATCH (a:{{Neuron}})-[e:ConnectsTo]->(b:{{Segment}})
WHERE a.type = $type
RETURN a.bodyId AS bodyId_pre, b.bodyId AS bodyId_post, e.weight AS weight,
       a.instance AS instance_pre, b.instance AS instance_post, a.type AS type_pre,
       b.type AS type_post;
