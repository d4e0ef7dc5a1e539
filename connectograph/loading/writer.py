"""Write a dataset into Neo4j so that queries never see half of it.

A load writes everything under *staging* labels (``<name:tag>~staging_<Label>``)
in batched ``UNWIND`` statements run as managed write transactions (the driver
retries a batch on transient errors). Only when all of it is written does
:meth:`DatasetWriter.publish` mark the dataset unavailable, delete the previous
version and its indexes, move the staging labels onto the published ones, build
the indexes (once, after the move) and then mark the dataset complete. Clients
check ``Meta.loadComplete``, and a killed load leaves only staging labels or an
incomplete Meta behind, which the next load removes first.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from ..client import Client, chunks
from ..cypher_files import LabelSet, dataset_statements, statement, statements
from ..identifiers import DatasetName, escape_name
from .batch_runner import run_batches

STAGING_SUFFIX = "~staging"
#: How long :meth:`DatasetWriter.publish` waits for the dataset's indexes to come online.
INDEX_WAIT_SECONDS = 3600
#: Labels (every node with a bodyId) that :meth:`DatasetWriter.publish` moves
#: with several transactions at once.
_MOVED_IN_PARTS = ("Synapse", "SynapseSet")


def _noop_progress(total: int, desc: str):
    class _P:
        def update(self, n: int) -> None: ...
        def close(self) -> None: ...
    return _P()


class DatasetWriter:
    """Batched writer for one dataset (see module docstring).

    Parameters
    ----------
    client : Client
        Connection (its dataset need not exist yet).
    dataset : DatasetName
        The dataset being written.
    batch_size : int
        Rows per ``UNWIND`` transaction.
    progress : callable, optional
        ``progress(total, desc)`` returning an object with ``update(n)`` and
        ``close()`` (a tqdm bar).
    writers : int
        Transactions that run at once in the synapse graph stage
        (:meth:`write_synapse_graph`; the next batch is built while they run)
        and when :meth:`publish` moves synapses and SynapseSets.
    """

    def __init__(self, client: Client, dataset: DatasetName, batch_size: int = 5000,
                 progress: Callable | None = None, writers: int = 2):
        self.client = client
        self.dataset = dataset
        self.batch_size = batch_size
        self.writers = writers
        self.progress = progress or _noop_progress
        self.published = LabelSet(str(dataset))
        self.staging = LabelSet(str(dataset) + STAGING_SUFFIX)

    # -- generic helpers -------------------------------------------------------
    def _batched(self, cypher: str, rows: Sequence, desc: str, collect: bool = False,
                 batch_size: int | None = None) -> list:
        """Run ``cypher`` with ``$rows`` = consecutive slices of ``rows``
        (``batch_size`` each, default the writer's); return the collected results."""
        return self._batched_iter(cypher, chunks(rows, batch_size or self.batch_size),
                                  len(rows), desc, collect=collect)

    def _batched_iter(self, cypher: str, batches: Iterable[list], total: int, desc: str,
                      collect: bool = False) -> list:
        """Run ``cypher`` once per batch of rows (``$rows``), with a progress bar of
        ``total`` rows; for rows built batch by batch, memory is bounded by the
        batch, not the dataset."""
        bar = self.progress(total, desc)
        out: list = []
        try:
            for batch in batches:
                result = self.client.write(cypher, {"rows": batch})
                if collect:
                    out.extend(result)
                bar.update(len(batch))
        finally:
            bar.close()
        return out

    def _set_complete(self, complete: bool) -> None:
        """Set the dataset's ``Meta.loadComplete`` (clients refuse a dataset
        whose flag is not true)."""
        ds = self.dataset
        self.client.write("MATCH (m:Meta) WHERE m.dataset = $name AND m.tag = $tag "
                          "SET m.loadComplete = $complete",
                          {"name": ds.name, "tag": ds.tag, "complete": complete})

    def labels_with_prefix(self, prefix: str) -> list[str]:
        """Names of the database's labels starting with ``prefix + "_"``."""
        rows = self.client.read("CALL db.labels() YIELD label WHERE label STARTS WITH $p "
                                "RETURN label", {"p": prefix + "_"})
        return [r["label"] for r in rows]

    def _delete_label(self, label: str) -> int:
        cypher = statement("dataset_admin.cypher", "delete_label", Any=escape_name(label))
        return self.client.write_in_transactions(cypher, {"batch": self.batch_size})[0]["done"]

    def _delete_prefix(self, prefix: str) -> int:
        """Delete every node under the labels starting with ``prefix + "_"``,
        and their indexes and constraints, first (deleted nodes would
        otherwise update them one by one: 1M synthetic pairs dropped in 49
        instead of 54 s, measured). Synapses and SynapseSets go first: the
        most nodes, the fewest relationships each, so that the bodies are
        left with few relationships when their turn comes; Meta last, so an
        interrupted delete still shows an (incomplete) dataset."""
        self._drop_schema(prefix)
        order = {"Synapse": 0, "SynapseSet": 1, "Meta": 3}
        labels = sorted(self.labels_with_prefix(prefix),
                        key=lambda s: order.get(s[len(prefix) + 1:], 2))
        return sum(self._delete_label(label) for label in labels)

    # -- stages -------------------------------------------------------------------
    def clear_staging(self) -> int:
        """Delete whatever an interrupted load left under the staging labels
        (nodes and the staging indexes)."""
        return self._delete_prefix(self.staging.prefix)

    def write_rois(self, rows: list[dict]) -> dict[str, str]:
        """Create ROI nodes; return name → element id."""
        cypher = dataset_statements("load_rois.cypher", "create_rois", self.staging)[0]
        return {r["name"]: r["id"] for r in self._batched(cypher, rows, "ROIs", collect=True)}

    def link_roi_parents(self, rows: list[dict]) -> None:
        cypher = dataset_statements("load_rois.cypher", "link_roi_parents", self.staging)[0]
        self._batched(cypher, rows, "ROI hierarchy")

    def write_bodies(self, batches: Iterable[list[dict]], total: int) -> dict[int, str]:
        """Create Segment (and Neuron) nodes from batches of ``create_bodies``
        rows built one at a time by the caller (``total``: rows); return
        bodyId → element id."""
        cypher = dataset_statements("load_bodies.cypher", "create_bodies", self.staging)[0]
        return {r["bodyId"]: r["id"]
                for r in self._batched_iter(cypher, batches, total, "bodies", collect=True)}

    def link_bodies_to_rois(self, batches: Iterable[list[dict]], total: int) -> None:
        """Create ``InROI`` relationships from batches of rows (``total``: rows)."""
        cypher = dataset_statements("load_rois.cypher", "link_bodies_to_rois", self.staging)[0]
        self._batched_iter(cypher, batches, total, "body-ROI links")

    def write_connections(self, batches: Iterable[list[dict]], total: int) -> None:
        """Create Segment ``ConnectsTo`` relationships from batches of rows
        (``load_connections.cypher``, ``create_connections``) built one at a
        time by the caller; ``total``: rows."""
        cypher = dataset_statements("load_connections.cypher", "create_connections",
                                    self.staging)[0]
        self._batched_iter(cypher, batches, total, "ConnectsTo")

    def create_staging_schema(self) -> None:
        """Create the indexes the load needs on its staging labels (synapseId of
        ``:Synapse``, to attach relationships by id) and wait until they are online."""
        for stmt in dataset_statements("schema.cypher", "staging_schema", self.staging):
            self.client.write(stmt)
        self.client.write("CALL db.awaitIndexes(600)")

    def drop_staging_schema(self) -> None:
        """Drop the indexes on staging labels (after publishing or clearing)."""
        self._drop_schema(self.staging.prefix)

    def _drop_schema(self, prefix: str) -> None:
        """Drop the constraints and indexes on labels starting with ``prefix + "_"``."""
        drops = []
        for block, drop in (("constraints_on_labels", "drop_constraint"),
                            ("indexes_on_labels", "drop_index")):
            names = self.client.read(statement("schema.cypher", block),
                                     {"prefix": prefix + "_"})
            drops += [statement("schema.cypher", drop, Index=escape_name(row["name"]))
                      for row in names]
        run_schema_statements(self.client, drops)

    def write_synapse_graph(self, batches: Iterable[tuple[dict, int]], total: int) -> None:
        """Create synapses with their ``SynapsesTo`` links and both
        ``:SynapseSet`` nodes of each connection with their ``Contains`` and
        ``ConnectsTo`` links, from batches of whole connections (needs
        :meth:`create_staging_schema`; parameters as in ``load_synapses.cypher``,
        ``create_synapse_graph``); ``total``: synapse pairs.

        ``batches`` yields ``(parameters, after)``: ``after`` is the index of
        the last earlier batch that created one of this batch's ``old``
        synapses (-1 if none). Up to ``writers`` batches run in concurrent
        transactions, but a batch starts only once batch ``after`` has
        committed, so its lookups find every synapse they need
        (:func:`~connectograph.loading.batch_runner.run_batches`). Concurrent
        batches may wait on each other's locks; a deadlock is a transient
        error and the driver retries the batch."""
        cypher = dataset_statements("load_synapses.cypher", "create_synapse_graph",
                                    self.staging)[0]
        bar = self.progress(total, "synapse graph")
        try:
            run_batches(lambda params: self.client.write(cypher, params), batches, self.writers,
                        finished=lambda params: bar.update(len(params["pre"])))
        finally:
            bar.close()

    def write_skeletons(self, rows: list[dict]) -> None:
        """Create ``:Skeleton`` nodes (see :mod:`connectograph.skeletons.storage`)."""
        cypher = dataset_statements("skeletons.cypher", "create_skeletons", self.staging)[0]
        # Skeletons are large rows: a few per transaction.
        self._batched(cypher, rows, "skeletons", batch_size=20)

    def write_meta(self, props: dict) -> None:
        cypher = dataset_statements("load_meta.cypher", "create_meta", self.staging)[0]
        self.client.write(cypher, {"props": {**props, "loadComplete": False}})

    def publish(self, roi_flags: Sequence[str] = ()) -> None:
        """Replace the published dataset by the staged one (see module docstring).

        Parameters
        ----------
        roi_flags : sequence of str
            The ROI flag properties of the dataset's bodies, each indexed on
            Segment and Neuron (:func:`roi_flag_index_statements`).
        """
        self._set_complete(False)
        # Indexes are built after the move, in one pass per index, rather than
        # updated node by node while millions of synapses change label (about
        # twice as fast at 1M synapses, measured); the previous version's go
        # with its nodes.
        self._delete_prefix(self.published.prefix)
        # The staging index (synapseId) is only needed while writing; moving
        # nodes off an indexed label updates the index node by node (1.38M
        # synapses moved between unindexed labels in 4 s, off an indexed one
        # in 20 s; publish at 1M went from 16.8 to 13.5 s, measured).
        self.drop_staging_schema()
        staged = self.labels_with_prefix(self.staging.prefix)
        # one step per label moved, then the indexes created and populated
        bar = self.progress(len(staged) + 2, "publish (steps)")
        try:
            self._move_and_index(staged, roi_flags, bar)
        finally:
            bar.close()
        self._set_complete(True)

    def _move_and_index(self, staged: list[str], roi_flags: Sequence[str], bar) -> None:
        """Move every staged label onto its published one, then build the
        published indexes and wait until they are online."""
        # Meta last: it is the marker that a dataset exists.
        batch = self.batch_size * 4
        for label in sorted(staged, key=lambda s: s.endswith("_Meta")):
            generic = label[len(self.staging.prefix) + 1:]
            names = {"From": escape_name(label), "To": self.published(generic)}
            if generic in _MOVED_IN_PARTS and self.writers > 1:
                # by bodyId partition, one transaction per writer at a time
                # (1.38M synapses: 2.5-3.3 s with two instead of 4 s, measured)
                cypher = statement("dataset_admin.cypher", "relabel_part", **names)
                run_batches(lambda part: self._repeat(
                    cypher, {"batch": batch, "part": part, "parts": self.writers}),
                    ((part, -1) for part in range(self.writers)), self.writers)
            # every node (after the parts: whatever they left)
            self._repeat(statement("dataset_admin.cypher", "relabel_batch", **names),
                         {"batch": batch})
            bar.update(1)
        for stmt in dataset_statements("schema.cypher", "schema", self.published):
            self.client.write(stmt)
        run_schema_statements(self.client,
                              roi_flag_index_statements(self.published, roi_flags))
        bar.update(1)
        self.client.write("CALL db.awaitIndexes($seconds)", {"seconds": INDEX_WAIT_SECONDS})
        bar.update(1)

    def _repeat(self, cypher: str, params: dict) -> int:
        """Run a batch statement returning ``done`` until it reports 0; return
        the sum of ``done``."""
        total = 0
        while done := self.client.write(cypher, params)[0]["done"]:
            total += done
        return total

    def drop(self) -> int:
        """Delete the published dataset and any staging leftovers; return the
        number of nodes deleted. The dataset is first marked incomplete, so
        that an interrupted drop leaves it unavailable to queries (run the
        drop again to finish it)."""
        self._set_complete(False)
        return self._delete_prefix(self.published.prefix) + self.clear_staging()


def roi_flag_index_statements(labels: LabelSet, roi_flags: Iterable[str]) -> list[str]:
    """``CREATE INDEX`` statements for the ROI flags of bodies, on Segment and
    Neuron (``schema.cypher``: ``roi_flag_indexes``).

    Parameters
    ----------
    labels : LabelSet
        The dataset's labels.
    roi_flags : iterable of str
        ROI flag property names, e.g. ``"a'L(R)"`` (escaped here).

    Raises
    ------
    InvalidIdentifierError
        If a name cannot be a Cypher property key.
    """
    needed = {"Segment": labels("Segment"), "Neuron": labels("Neuron")}
    return [stmt for roi in sorted(set(roi_flags))
            for stmt in statements("schema.cypher", "roi_flag_indexes", Roi=escape_name(roi),
                                   **needed)]


def run_schema_statements(client: Client, stmts: Sequence[str]) -> None:
    """Run schema statements (``CREATE INDEX``, ``DROP ...``) in one write
    transaction: one round trip and commit instead of one per statement
    (316 ROI flag indexes of the bundle: created in 1.2 s instead of 2.7 s,
    measured)."""
    if not stmts:
        return

    def work(tx):
        for stmt in stmts:
            tx.run(stmt).consume()

    with client.driver.session(database=client.database) as session:
        session.execute_write(work)


def list_datasets(client: Client) -> list[dict]:
    """Every dataset's ``dataset, tag, loadComplete, fingerprint, lastDatabaseEdit``."""
    return client.read(statement("dataset_admin.cypher", "list_datasets"))


def as_rows(keys: Iterable[str], *columns: Iterable) -> list[dict]:
    """Zip columns into a list of dicts (UNWIND rows)."""
    keys = list(keys)
    return [dict(zip(keys, values)) for values in zip(*columns)]
