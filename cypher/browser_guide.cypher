// Starter queries for Neo4j Browser, one block per favorite.
// `connectograph browse DATASET --favorites FILE.zip` fills in the dataset's
// labels ({{Neuron}} becomes `name:tag_Neuron`) and writes one .cypher file per
// block; drag the zip onto Browser's Favorites pane to import them. Each block:
// a title line, comment lines, `:param name => value;` lines (JSON values) and
// one Cypher statement (ending with `;`, as Browser's multi-statement editor
// needs) that uses only those parameters. Keep the `=>` form: Browser sends its
// right side to the server, which evaluates it as Cypher, so an 18-digit
// FlyWire root id stays an exact 64-bit integer; `:params {body: ...}` goes
// through JavaScript numbers, which round every id above 2^53.

// @name: 1-neuron-partners
// A neuron by bodyId and its strongest partners
// Change $body and run. ConnectsTo.weight = synapses (PSDs) of the pair.
:param body => 300972942;
MATCH (n:{{Neuron}} {bodyId: $body})-[c:ConnectsTo]-(p:{{Neuron}})
RETURN n, c, p ORDER BY c.weight DESC LIMIT 15;

// @name: 2-roi-hierarchy
// The ROI hierarchy
// Every ROI with the ROI it is part of (neuPrint's roiHierarchy as a graph).
MATCH (r:{{ROI}})
OPTIONAL MATCH (r)-[p:PartOf]->(parent:{{ROI}})
RETURN r, p, parent;

// @name: 3-type-to-type
// Type-to-type subgraph
// Neurons of one type, their partners whose type matches a regular expression,
// and the connections of at least $min_weight synapses between them.
:param pre_type => "KCg-s1";
:param post_type_regex => "MBON.*";
:param min_weight => 5;
MATCH (a:{{Neuron}})-[c:ConnectsTo]->(b:{{Neuron}})
WHERE a.type = $pre_type AND b.type =~ $post_type_regex AND c.weight >= $min_weight
RETURN a, c, b LIMIT 300;

// @name: 4-neurons-in-roi
// Neurons with inputs in an ROI
// Neurons of a type pattern linked to an ROI where they receive at least $min_post PSDs.
:param roi => "aL(R)";
:param type_regex => "MBON.*";
:param min_post => 10;
MATCH (n:{{Neuron}})-[i:InROI]->(r:{{ROI}} {name: $roi})
WHERE n.type =~ $type_regex AND i.post >= $min_post
RETURN n, i, r;

// @name: 5-synapses-in-roi
// Synapses of a neuron in one ROI
// T-bars (pre) and PSDs (post) of $body lying in $roi, with their partners' sites.
:param body => 5813078552;
:param roi => "CA(R)";
MATCH (n:{{Neuron}} {bodyId: $body})-[:Contains]->(:{{SynapseSet}})-[:Contains]->(s:{{Synapse}})
WHERE s[$roi] = true
OPTIONAL MATCH (s)-[t:SynapsesTo]-(partner:{{Synapse}})
RETURN s, t, partner LIMIT 500;
