// @name: create_meta
// The dataset's :Meta node. $props: dataset, tag, roiInfo, roiHierarchy, ...
CREATE (m:Meta:{{Meta}})
SET m = $props;
