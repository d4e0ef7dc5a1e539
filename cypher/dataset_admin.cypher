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

// @name: delete_old_label
// delete_label for the nodes of the version being replaced: those under a
// published label that do not carry the staging label {{Staged}} beside it
// (while a reload is published, the new version's nodes carry both).
MATCH (n:{{Any}})
WHERE NOT n:{{Staged}}
CALL (n) {
  DETACH DELETE n
} IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS done;

// @name: add_label
// Add the label {{To}} to every node under {{From}} that lacks it, $batch
// nodes per transaction, in one scan of {{From}} (additive: {{From}} stays).
// Runs in an implicit (auto-commit) transaction; can be run again.
MATCH (n:{{From}})
WHERE NOT n:{{To}}
CALL (n) {
  SET n:{{To}}
} IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS done;

// @name: add_label_part
// add_label among the nodes with bodyId % $parts = $part, so that several
// statements can label one large label at once without touching the same
// nodes (nodes without a bodyId, or with a negative one, are left to add_label).
MATCH (n:{{From}})
WHERE n.bodyId % $parts = $part AND NOT n:{{To}}
CALL (n) {
  SET n:{{To}}
} IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS done;

// @name: remove_label
// Remove the label {{From}} from every node that also carries {{Kept}},
// $batch nodes per transaction, in one scan. Auto-commit; can be run again.
MATCH (n:{{From}})
WHERE n:{{Kept}}
CALL (n) {
  REMOVE n:{{From}}
} IN TRANSACTIONS OF $batch ROWS
RETURN count(*) AS done;

// @name: staged_meta
// The staged Meta of a dataset, if any: complete once its publish passed the
// commit point (publish_commit).
MATCH (m:{{Staged}})
RETURN coalesce(m.loadComplete, false) AS complete, m.publishRoiFlags AS roiFlags;

// @name: old_meta
// The Meta of the published version that a publish replaces (under the
// published label, without the staging one).
MATCH (m:{{Published}})
WHERE NOT m:{{Staged}}
RETURN count(m) AS n;

// @name: publish_commit
// The commit point of a publish, one small transaction: the published Meta
// (if any) stops being current, the staged Meta becomes current. Readers
// find the current Meta by dataset, tag and loadComplete, and read the
// version under the labels the Meta carries. $roiFlags: the bodies' ROI
// flags, for whoever finishes the publish (a later load, if this one dies).
// Nothing changes when there is no staged Meta.
MATCH (m:{{Staged}})
CALL () {
  MATCH (old:{{Published}})
  WHERE NOT old:{{Staged}}
  SET old.loadComplete = false
}
SET m.loadComplete = true, m.publishing = true, m.publishRoiFlags = $roiFlags
RETURN count(m) AS staged;

// @name: publish_switch
// Close the publish window, one small transaction: the current Meta moves to
// the published label and loses its publishing marks; readers use the
// published labels from here on.
MATCH (m:{{Staged}})
WHERE m.loadComplete
SET m:{{Published}}
REMOVE m:{{Staged}}, m.publishing, m.publishRoiFlags
RETURN count(m) AS done;

// @name: list_datasets
// One row per dataset: its current Meta (loadComplete), else an incomplete
// one (an interrupted load or drop). state: 'ready', 'publishing' (the
// current Meta is still under a staging label: a publish under way, or one
// killed after its commit point, which the next load finishes) or
// 'incomplete'. $stagingMeta: the end of a staging Meta label, '~staging_Meta'.
MATCH (m:Meta)
WITH m ORDER BY coalesce(m.loadComplete, false) DESC
WITH m.dataset AS dataset, m.tag AS tag, collect(m)[0] AS m
RETURN dataset, tag, coalesce(m.loadComplete, false) AS loadComplete,
       m.fingerprint AS fingerprint, m.lastDatabaseEdit AS lastDatabaseEdit,
       CASE
         WHEN NOT coalesce(m.loadComplete, false) THEN 'incomplete'
         WHEN any(l IN labels(m) WHERE l ENDS WITH $stagingMeta) THEN 'publishing'
         ELSE 'ready'
       END AS state
ORDER BY dataset, tag;
