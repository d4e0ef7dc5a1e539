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
