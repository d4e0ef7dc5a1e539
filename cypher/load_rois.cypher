// @name: create_rois
// ROI nodes (our addition to the neuPrint model).
// $rows: [{name, isPrimary, parent, description, pre, post, ...}]
UNWIND $rows AS row
CREATE (r:ROI:{{ROI}})
SET r = row
RETURN r.name AS name, elementId(r) AS id;

// @name: link_roi_parents
// (child)-[:PartOf]->(parent) for each ROI whose parent is in the dataset.
// $rows: [{child: elementId, parent: elementId}]
UNWIND $rows AS row
MATCH (c) WHERE elementId(c) = row.child
MATCH (p) WHERE elementId(p) = row.parent
CREATE (c)-[:PartOf]->(p);

// @name: link_bodies_to_rois
// (:Segment)-[:InROI {pre, post, upstream, downstream}]->(:ROI)
// $rows: [{body: elementId, roi: elementId, props: {...}}]
UNWIND $rows AS row
MATCH (n) WHERE elementId(n) = row.body
MATCH (r) WHERE elementId(r) = row.roi
CREATE (n)-[x:InROI]->(r)
SET x = row.props;
