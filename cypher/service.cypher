// Queries of the neuPrintHTTP-compatible service (connectograph serve).
// Each mirrors what neuPrintHTTP computes for the endpoint named.

// @name: service_datasets
// /api/dbmeta/datasets: every dataset's current Meta (loadComplete), and its
// dataset-scoped label (metaLabel): `name:tag_Meta`, or the staging label
// `name:tag~staging_Meta` while a reload is being published, when the current
// version is read under the staging labels.
MATCH (m:Meta)
WHERE coalesce(m.loadComplete, false)
RETURN m.dataset AS dataset, m.tag AS tag, m.uuid AS uuid, m.lastDatabaseEdit AS lastEdit,
       m.roiInfo AS roiInfo, m.info AS info, m.superLevelRois AS superLevelRois,
       coalesce(m.hideDataSet, false) AS hidden, m.logo AS logo, m.description AS description,
       m.recipe AS recipe,
       head([l IN labels(m) WHERE l STARTS WITH m.dataset + ':' + m.tag AND l ENDS WITH '_Meta'])
         AS metaLabel
ORDER BY dataset, tag;

// @name: roi_completeness
// /api/cached/roicompleteness: per ROI, the synapses of neurons whose status is
// in $statuses, beside the dataset's totals.
MATCH (n:{{Neuron}})
WHERE n.status IN $statuses
WITH apoc.convert.fromJsonMap(n.roiInfo) AS info
UNWIND keys(info) AS roi
WITH roi, sum(info[roi].pre) AS roipre, sum(info[roi].post) AS roipost
MATCH (meta:{{Meta}})
WITH apoc.convert.fromJsonMap(meta.roiInfo) AS totals, roi, roipre, roipost
RETURN roi, roipre, roipost, totals[roi].pre AS totalpre, totals[roi].post AS totalpost
ORDER BY roi;

// @name: roi_connectivity_neurons
// /api/cached/roiconnectivity: every neuron's roiInfo (JSON text).
MATCH (n:{{Neuron}})
RETURN n.roiInfo AS roiInfo;

// @name: roi_connectivity_rois
// The overview ROIs (Meta.overviewRois, else the primary ROIs, less those
// marked excludeFromOverview) and how to order them.
MATCH (meta:{{Meta}})
WITH coalesce(meta.overviewRois, meta.primaryRois) AS rois,
     apoc.convert.fromJsonMap(meta.roiInfo) AS info,
     coalesce(meta.overviewOrder, 'clustered') AS overviewOrder
RETURN [roi IN rois WHERE NOT coalesce(info[roi].excludeFromOverview, false)] AS rois,
       overviewOrder;

// @name: daily_type_candidates
// /api/cached/dailytype: typed, uncropped neurons of a status in $statuses
// that are larger than the 20th percentile by pre or post.
MATCH (n:{{Neuron}})
WHERE NOT coalesce(n.cropped, false) AND n.status IN $statuses
WITH percentileDisc(n.pre, 0.2) AS prethres, percentileDisc(n.post, 0.2) AS postthres
MATCH (n:{{Neuron}})
WHERE NOT coalesce(n.cropped, false) AND n.status IN $statuses AND n.type IS NOT NULL
      AND n.type <> '' AND (n.pre > prethres OR n.post > postthres)
RETURN DISTINCT n.type AS type
ORDER BY type;

// @name: daily_type_exemplar
// The largest neuron of type $type (by 5 * pre + post) and the type's size.
MATCH (n:{{Neuron}})
WHERE n.type = $type
WITH n ORDER BY coalesce(n.pre, 0) * 5 + coalesce(n.post, 0) DESC, n.bodyId
WITH collect(n) AS members
RETURN members[0].bodyId AS bodyId, members[0].pre AS pre, members[0].post AS post,
       size(members) AS numtype;

// @name: daily_type_connectivity
// The exemplar's partners, as neuPrintHTTP lists them.
MATCH (n:{{Neuron}})-[x:ConnectsTo]->(m)
WHERE n.bodyId = $body
RETURN toString(m.bodyId) AS bodyId, m.type AS `m.type`, x.weight AS `x.weight`,
       x.roiInfo AS `x.roiInfo`, m.status AS `m.status`, 'downstream' AS direction
UNION
MATCH (n:{{Neuron}})<-[x:ConnectsTo]-(m)
WHERE n.bodyId = $body
RETURN toString(m.bodyId) AS bodyId, m.type AS `m.type`, x.weight AS `x.weight`,
       x.roiInfo AS `x.roiInfo`, m.status AS `m.status`, 'upstream' AS direction;
