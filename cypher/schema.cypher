// @name: schema
// Constraints and indexes of one dataset, applied idempotently when a dataset
// is created. {{Label}} placeholders become the escaped dataset-scoped label,
// e.g. `hemibrain-mb:v1.2.1_Segment` (see connectograph/identifiers.py).
CREATE CONSTRAINT IF NOT EXISTS FOR (n:{{Segment}}) REQUIRE n.bodyId IS UNIQUE;
CREATE INDEX IF NOT EXISTS FOR (n:{{Neuron}}) ON (n.bodyId);
CREATE INDEX IF NOT EXISTS FOR (n:{{Neuron}}) ON (n.type);
CREATE INDEX IF NOT EXISTS FOR (n:{{Neuron}}) ON (n.instance);
CREATE INDEX IF NOT EXISTS FOR (n:{{Neuron}}) ON (n.status);
CREATE INDEX IF NOT EXISTS FOR (n:{{Segment}}) ON (n.type);
CREATE INDEX IF NOT EXISTS FOR (n:{{Segment}}) ON (n.instance);
CREATE INDEX IF NOT EXISTS FOR (n:{{Segment}}) ON (n.status);
CREATE CONSTRAINT IF NOT EXISTS FOR (r:{{ROI}}) REQUIRE r.name IS UNIQUE;
CREATE POINT INDEX IF NOT EXISTS FOR (s:{{Synapse}}) ON (s.location);
CREATE INDEX IF NOT EXISTS FOR (s:{{Synapse}}) ON (s.bodyId, s.type);
CREATE CONSTRAINT IF NOT EXISTS FOR (s:{{Synapse}}) REQUIRE s.synapseId IS UNIQUE;
CREATE INDEX IF NOT EXISTS FOR (s:{{SynapseSet}}) ON (s.bodyId);
CREATE INDEX IF NOT EXISTS FOR (s:{{Skeleton}}) ON (s.bodyId);
CREATE INDEX IF NOT EXISTS FOR (s:{{SkelNode}}) ON (s.bodyId, s.rowNumber);
CREATE INDEX IF NOT EXISTS FOR (m:Meta) ON (m.dataset, m.tag);

// @name: roi_flag_indexes
// One index per ROI flag of bodies (neuPrint's per-ROI booleans such as
// n.`aL(R)`, see model.body_properties), on Segment and on Neuron, as
// neuPrint's own snapshots index every ROI property of both labels.
// NeuronCriteria's rois filters (n.`ROI` = true) can seek through them.
// {{Roi}}: the escaped property name. Synapse ROI flags are not indexed
// (see docs/data-model.md).
CREATE INDEX IF NOT EXISTS FOR (n:{{Segment}}) ON (n.{{Roi}});
CREATE INDEX IF NOT EXISTS FOR (n:{{Neuron}}) ON (n.{{Roi}});

// @name: staging_schema
// Indexes a load needs on its *staging* labels while it writes: a batch of
// create_synapse_graph finds the synapses an earlier batch created by
// synapseId through this index (no client-side id map, so the loader's memory
// does not grow with the number of synapses). Dropped again once the dataset
// is published.
CREATE INDEX IF NOT EXISTS FOR (s:{{Synapse}}) ON (s.synapseId);

// @name: indexes_on_labels
// Names of the indexes and constraints on labels that start with $prefix.
SHOW INDEXES YIELD name, labelsOrTypes, owningConstraint
WHERE owningConstraint IS NULL AND any(l IN coalesce(labelsOrTypes, []) WHERE l STARTS WITH $prefix)
RETURN name;

// @name: constraints_on_labels
// Names of the constraints on labels that start with $prefix.
SHOW CONSTRAINTS YIELD name, labelsOrTypes
WHERE any(l IN coalesce(labelsOrTypes, []) WHERE l STARTS WITH $prefix)
RETURN name;

// @name: drop_constraint
// Drop one constraint (and its index) by name ({{Index}}: an escaped name).
DROP CONSTRAINT {{Index}} IF EXISTS;

// @name: drop_index
// Drop one index by name ({{Index}}: an escaped index name).
DROP INDEX {{Index}} IF EXISTS;
