// @name: delete_batch
// Delete one batch of nodes under one label, with their relationships.
MATCH (n:{{Any}})
WITH n LIMIT $batch
DETACH DELETE n
RETURN count(*) AS done;

// @name: relabel_batch
// Move one batch of nodes from a staging label to the published label.
MATCH (n:{{From}})
WITH n LIMIT $batch
REMOVE n:{{From}}
SET n:{{To}}
RETURN count(*) AS done;

// @name: relabel_part
// relabel_batch among the nodes with bodyId % $parts = $part, so that several
// transactions can move one large label at once without touching the same
// nodes (nodes without a bodyId, or with a negative one, are left to
// relabel_batch).
MATCH (n:{{From}})
WHERE n.bodyId % $parts = $part
WITH n LIMIT $batch
REMOVE n:{{From}}
SET n:{{To}}
RETURN count(*) AS done;

// @name: list_datasets
// Every dataset's Meta node, published or not.
MATCH (m:Meta)
RETURN m.dataset AS dataset, m.tag AS tag, coalesce(m.loadComplete, false) AS loadComplete,
       m.fingerprint AS fingerprint, m.lastDatabaseEdit AS lastDatabaseEdit
ORDER BY dataset, tag;

// @name: delete_relationships_batch
// Delete one batch of the relationships of nodes under one label (before their
// nodes: a batch of densely connected nodes would otherwise carry an unbounded
// number of relationships into one transaction).
MATCH (n:{{Any}})-[r]-()
WITH DISTINCT r LIMIT $batch
DELETE r
RETURN count(*) AS done;
