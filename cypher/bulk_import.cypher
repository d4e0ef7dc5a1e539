// @name: rename_properties
// After a neo4j-admin import: give the properties written under placeholder
// names (names neo4j-admin's CSV header cannot hold, such as the ROI flag
// `aL(R)`) their real names, in batches. $prefix: the placeholder prefix;
// $names: {placeholder: real name}. Runs in an implicit (auto-commit) transaction.
MATCH (n:{{Any}})
CALL (n) {
  UNWIND [k IN keys(n) WHERE k STARTS WITH $prefix] AS k
  SET n[$names[k]] = n[k]
  REMOVE n[k]
} IN TRANSACTIONS OF $batch ROWS;

// @name: set_empty_lists
// Empty list properties (CSV import cannot express them).
// $rows: [{key, value, property}]: the node whose `key` equals `value` gets `property` = [].
UNWIND $rows AS row
MATCH (n:{{Any}})
WHERE n[row.key] = row.value
SET n[row.property] = [];

// @name: count_nodes
// Whether the database holds any node at all (a bulk import replaces it whole).
MATCH (n)
RETURN count(n) AS nodes;

// @name: mark_complete
// Publish an imported dataset once its schema is online.
MATCH (m:{{Meta}})
SET m.loadComplete = true;
