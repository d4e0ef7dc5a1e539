// @name: delete_label
// Delete every node under one label with its relationships, $batch nodes per
// transaction, in one scan of the label (a statement repeated per batch would
// scan again from the start each time, past nodes it already emptied).
// Runs in an implicit (auto-commit) transaction.
MATCH (n:{{Any}})
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF $batch ROWS
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
