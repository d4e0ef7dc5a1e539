"""Write a dataset into Neo4j so that queries never see half of it, and a
reload never destroys the published version.

A load writes everything under *staging* labels (``<name:tag>~staging_<Label>``,
the namespace S) in batched ``UNWIND`` statements run as managed write
transactions (the driver retries a batch on transient errors); its Meta last,
with ``loadComplete = false``. The published version, if any, stays under the
published labels (``<name:tag>_<Label>``, the namespace P) and readable.

A dataset's *current* version is the one whose Meta has ``loadComplete =
true``; at most one Meta per dataset is. Readers find it by ``dataset``,
``tag`` and ``loadComplete`` (not by label) and read the version under the
label prefix its Meta carries (:meth:`~connectograph.client.Client.meta_properties`).
So :meth:`DatasetWriter.publish` is a switch of that pointer, which either
happens or does not: one transaction holding all of a large version would not
fit Neo4j Community's transaction memory, one flipping two Meta flags does.

1. Before the switch, everything that could fail on the input is built (the
   escaped labels, schema and ROI-flag index statements).
2. **Commit point**, one small transaction (``publish_commit``): the old P
   Meta gets ``loadComplete = false``, the S Meta ``loadComplete = true``,
   ``publishing = true`` and the ROI flags to index (``publishRoiFlags``).
   From here on readers read the new version under its S labels.
3. The old version's indexes are dropped, then its nodes deleted in batches
   (those under a P label without the S label; its Meta last).
4. Every S node but the Meta also gets its P label, in batches, keeping the S
   label (synapses and SynapseSets split by ``bodyId`` over the writers).
5. The P schema and ROI-flag indexes are created and awaited online.
6. One small transaction (``publish_switch``): the Meta gets its P label and
   loses the S one and the publishing marks. Readers read P from here on.
7. The staging index is dropped and the S labels removed from the nodes.

Any failure or kill before step 2 commits leaves the old version as it was
(the next load deletes the staged nodes); any after it leaves the new version
current and readable, and the next load first finishes steps 3-7
(:meth:`DatasetWriter.recover`: every step can be run again; a load of
unchanged inputs does only that). A drop deletes both namespaces at once
(finishing a publish only to delete it would be wasted work).
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import neo4j.exceptions as neo4j_errors

from ...client import chunks
from ...connection import CypherRunner
from ...cypher_files import LabelSet, dataset_statements, statement, statements
from ...errors import ConnectographError, PublishError
from ...identifiers import DatasetName, escape_name
from ..progress import noop_progress
from .batch_runner import run_batches

STAGING_SUFFIX = "~staging"
#: How long :meth:`DatasetWriter.publish` waits for the dataset's indexes to come online.
INDEX_WAIT_SECONDS = 3600
#: Labels (every node with a bodyId) that :meth:`DatasetWriter.publish` labels
#: with several transactions at once.
_MOVED_IN_PARTS = ("Synapse", "SynapseSet")
#: Errors of a publish step that :meth:`DatasetWriter.publish` reports as
#: :class:`~connectograph.errors.PublishError`.
_STEP_ERRORS = (neo4j_errors.Neo4jError, neo4j_errors.DriverError, ConnectographError)


class DatasetWriter:
    """Batched writer for one dataset (see module docstring).

    Parameters
    ----------
    client : Connection or Client
        Where to write (a Client's own dataset is ignored).
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

    def __init__(self, client: CypherRunner, dataset: DatasetName, batch_size: int = 5000,
                 progress: Callable | None = None, writers: int = 2):
        self.client = client
        self.dataset = dataset
        self.batch_size = batch_size
        self.writers = writers
        self.progress = progress or noop_progress
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
        """Set ``loadComplete`` of every Meta of the dataset, published or
        staged (clients refuse a dataset without a complete one)."""
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

    def _generic(self, label: str, prefix: str) -> str:
        return label[len(prefix) + 1:]

    def _deletion_order(self, labels: list[str], prefix: str) -> list[str]:
        """Synapses and SynapseSets first: the most nodes, the fewest
        relationships each, so that the bodies are left with few
        relationships when their turn comes; Meta last, so an interrupted
        delete still shows an (incomplete) dataset; the others by name.
        Publishing labels and unlabels in the same order."""
        order = {"Synapse": 0, "SynapseSet": 1, "Meta": 3}

        def key(label: str) -> tuple[int, str]:
            generic = self._generic(label, prefix)
            return order.get(generic, 2), generic
        return sorted(labels, key=key)

    def _delete_prefix(self, prefix: str) -> int:
        """Delete every node under the labels starting with ``prefix + "_"``,
        and their indexes and constraints, first (deleted nodes would
        otherwise update them one by one: 1M synthetic pairs dropped in 49
        instead of 54 s, measured), in :meth:`_deletion_order`."""
        self._drop_schema(prefix)
        labels = self._deletion_order(self.labels_with_prefix(prefix), prefix)
        return sum(self._delete_label(label) for label in labels)

    # -- recovery -------------------------------------------------------------------
    def staged_meta(self) -> dict | None:
        """The staged Meta's ``complete`` (its publish passed the commit point)
        and ``roiFlags``; None when there is no staged Meta."""
        rows = self.client.read(statement("dataset_admin.cypher", "staged_meta",
                                          Staged=self.staging("Meta")))
        if not rows:
            return None
        # one staged Meta at most: write_meta runs once per load, after clear_staging
        complete = any(r["complete"] for r in rows)
        flags = next((r["roiFlags"] for r in rows if r["complete"]), None)
        return {"complete": complete, "roiFlags": list(flags or [])}

    def recover(self) -> str:
        """Put the dataset back to one whole version after an interrupted load
        or publish: finish a publish that passed its commit point (steps 3-7 of
        the module docstring), else remove what an interrupted load left under
        the staging labels (:meth:`clear_staging`). Every load starts with it
        (a drop deletes both namespaces instead).

        Returns
        -------
        str
            ``"finished"`` (a publish was finished), ``"cleared"`` (staging
            leftovers removed) or ``"clean"`` (nothing to do).

        Raises
        ------
        PublishError
            Finishing the publish failed (the new version stays current and
            readable; run it again).
        """
        staged = self.staged_meta()
        if staged is not None and staged["complete"]:
            self._finish(self._finish_statements(staged["roiFlags"]), None)
            return "finished"
        return "cleared" if self.clear_staging() else "clean"

    def clear_staging(self) -> int:
        """Remove what an interrupted load left under the staging labels: the
        staging indexes; the staging label of nodes that also carry their
        published one (a publish killed while removing staging labels); every
        other staged node (a load killed before its publish's commit point).
        Return the nodes deleted.

        Must not run while a staged Meta is complete (a publish past its
        commit point, whose version is current): :meth:`recover` finishes
        those instead.
        """
        staged = self.staged_meta()
        if staged is not None and staged["complete"]:
            raise PublishError(
                f"{self.dataset} has a publish past its commit point; finish it with "
                "DatasetWriter.recover() (any load of the dataset does) instead of "
                "clearing its staged nodes, which are the current version")
        self._drop_schema(self.staging.prefix)
        prefix = self.staging.prefix
        deleted = 0
        for label in self._deletion_order(self.labels_with_prefix(prefix), prefix):
            generic = self._generic(label, prefix)
            self._remove_label(label, self.published(generic))
            deleted += self._delete_label(label)
        return deleted

    def _remove_label(self, label: str, kept: str) -> int:
        """Remove ``label`` (unescaped) from the nodes that carry ``kept``
        (escaped) too."""
        cypher = statement("dataset_admin.cypher", "remove_label", From=escape_name(label),
                           Kept=kept)
        return self.client.write_in_transactions(cypher, {"batch": self.batch_size * 4}
                                                 )[0]["done"]

    # -- stages -------------------------------------------------------------------
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

    def write_gap_junctions(self, rows: list[dict]) -> None:
        """Create Segment ``GapJunction`` relationships (``load_connections.cypher``,
        ``create_gap_junctions``), rows ``{a, b, weight}`` with element ids."""
        cypher = dataset_statements("load_connections.cypher", "create_gap_junctions",
                                    self.staging)[0]
        if rows:
            self._batched(cypher, rows, "GapJunction")

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
        (:func:`~connectograph.loading.write.batch_runner.run_batches`). Concurrent
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
        """Create ``:Skeleton`` nodes (see :mod:`connectograph.fetch.skeleton_storage`)."""
        cypher = dataset_statements("skeletons.cypher", "create_skeletons", self.staging)[0]
        # Skeletons are large rows: a few per transaction.
        self._batched(cypher, rows, "skeletons", batch_size=20)

    def write_meta(self, props: dict) -> None:
        cypher = dataset_statements("load_meta.cypher", "create_meta", self.staging)[0]
        self.client.write(cypher, {"props": {**props, "loadComplete": False}})

    def publish(self, roi_flags: Sequence[str] = ()) -> None:
        """Make the staged version the dataset's current one, replacing the
        published version (steps 1-7 of the module docstring).

        Parameters
        ----------
        roi_flags : sequence of str
            The ROI flag properties of the dataset's bodies, each indexed on
            Segment and Neuron (:func:`roi_flag_index_statements`).

        Raises
        ------
        InvalidIdentifierError
            A ROI flag cannot be a property name (before the commit point:
            the published version is untouched).
        PublishError
            A step failed. Before the commit point the published version is
            untouched; after it the new version is current and readable, and
            the next load of the dataset finishes the publish.
        """
        flags = sorted(set(roi_flags))
        finish = self._finish_statements(flags)        # step 1: what can fail on input
        try:
            staged = self._commit(flags)
        except _STEP_ERRORS as err:
            raise PublishError(self._commit_failure(err)) from err
        if not staged:
            raise PublishError(
                f"nothing of {self.dataset} is staged to publish (no staged Meta): the load "
                "that wrote it was interrupted or cleared; load the dataset again")
        # one step per label deleted or labelled, then the schema, the switch
        # and the staging labels
        self._finish(finish, self.progress)

    def _commit(self, roi_flags: list[str]) -> int:
        """Step 2, the commit point (``publish_commit``): return the staged
        Metas made current (1, or 0 when nothing is staged)."""
        cypher = statement("dataset_admin.cypher", "publish_commit",
                           Published=self.published("Meta"), Staged=self.staging("Meta"))
        return self.client.write(cypher, {"roiFlags": roi_flags})[0]["staged"]

    def _commit_failure(self, err: BaseException) -> str:
        """Say what a failed commit left (it may have committed before the
        reply was lost)."""
        try:
            staged = self.staged_meta()
        except _STEP_ERRORS:
            where = ("it is not known whether it switched to the new version; the next load "
                     "of the dataset either finishes the publish or removes the staged "
                     "version")
        else:
            if staged is not None and staged["complete"]:
                where = ("the new version is current and readable; the next load of the "
                         "dataset finishes the publish (a load of unchanged inputs does only "
                         "that)")
            else:
                where = ("the published version is untouched; the next load removes the "
                         "staged one")
        return (f"publishing {self.dataset} failed at its switch to the new version ({err}); "
                f"{where}")

    def _finish_statements(self, roi_flags: Sequence[str]) -> dict[str, list[str]]:
        """The statements of steps 3-7 that depend on the input (built before
        the commit point, so that a bad name fails there)."""
        return {"schema": dataset_statements("schema.cypher", "schema", self.published),
                "roi_flags": roi_flag_index_statements(self.published, roi_flags)}

    def _finish(self, statements_: dict[str, list[str]], progress: Callable | None) -> None:
        """Steps 3-7 (after the commit point); each can be run again, so a
        publish killed anywhere among them is finished by :meth:`recover`.

        Raises
        ------
        PublishError
            A step failed (the new version stays current and readable).
        """
        prefix = self.staging.prefix
        staged = self._deletion_order(self.labels_with_prefix(prefix), prefix)
        bar = (progress or noop_progress)(len(staged) + 4, "publish (steps)")
        step = "deleting the previous version"
        try:
            self._delete_old(bar)
            step = "adding the published labels"
            self._add_published_labels(staged, bar)
            step = "creating the indexes"
            self._create_published_schema(statements_["schema"], statements_["roi_flags"])
            bar.update(1)
            step = "switching the Meta to its published label"
            self._switch_meta()
            bar.update(1)
            step = "removing the staging labels"
            self._remove_staging_labels(staged)
            bar.update(1)
        except _STEP_ERRORS as err:
            raise PublishError(
                f"{self.dataset} is published (the new version is current and readable), "
                f"but finishing it failed while {step} ({err}); load the dataset again to "
                "finish it (a load of unchanged inputs does only that)") from err
        finally:
            bar.close()

    def _delete_old(self, bar=None) -> int:
        """Step 3: drop the previous version's indexes, then delete its nodes
        (under a published label without the staging one; its Meta last).
        Skipped once its Meta is gone (deleted last: the step is done)."""
        old = self.client.read(statement("dataset_admin.cypher", "old_meta",
                                         Published=self.published("Meta"),
                                         Staged=self.staging("Meta")))[0]["n"]
        if not old:
            if bar is not None:
                bar.update(1)
            return 0
        # Indexes are rebuilt in one pass each in step 5 rather than updated
        # node by node as the old nodes go (1M synthetic pairs dropped in 49
        # instead of 54 s, measured).
        self._drop_schema(self.published.prefix)
        prefix = self.published.prefix
        deleted = 0
        for label in self._deletion_order(self.labels_with_prefix(prefix), prefix):
            deleted += self._delete_old_label(label)
        if bar is not None:
            bar.update(1)
        return deleted

    def _delete_old_label(self, label: str) -> int:
        """Delete the nodes under the published ``label`` (unescaped) that lack
        its staging label."""
        generic = self._generic(label, self.published.prefix)
        cypher = statement("dataset_admin.cypher", "delete_old_label", Any=escape_name(label),
                           Staged=self.staging(generic))
        return self.client.write_in_transactions(cypher, {"batch": self.batch_size})[0]["done"]

    def _add_published_labels(self, staged: list[str], bar=None) -> None:
        """Step 4: give every staged node but the Meta its published label too."""
        for label in staged:
            generic = self._generic(label, self.staging.prefix)
            if generic != "Meta":
                self._add_label(label, generic)
            if bar is not None:
                bar.update(1)

    def _add_label(self, label: str, generic: str) -> None:
        """Add the published label of ``generic`` to the nodes under the staged
        ``label`` (unescaped) that lack it."""
        batch = self.batch_size * 4
        names = {"From": escape_name(label), "To": self.published(generic)}
        if generic in _MOVED_IN_PARTS and self.writers > 1:
            # by bodyId partition, one statement per writer at once
            cypher = statement("dataset_admin.cypher", "add_label_part", **names)
            run_batches(lambda part: self.client.write_in_transactions(
                cypher, {"batch": batch, "part": part, "parts": self.writers}),
                ((part, -1) for part in range(self.writers)), self.writers)
        # every node (after the parts: whatever they left)
        self.client.write_in_transactions(statement("dataset_admin.cypher", "add_label", **names),
                                          {"batch": batch})

    def _create_published_schema(self, schema: list[str], roi_flags: list[str]) -> None:
        """Step 5: the published labels' constraints and indexes, and those on
        the ROI flags, created once the nodes carry the labels (one pass per
        index rather than an update per labelled node: about twice as fast at
        1M synapses, measured), then awaited online."""
        for stmt in schema:
            self.client.write(stmt)
        run_schema_statements(self.client, roi_flags)
        self.client.write("CALL db.awaitIndexes($seconds)", {"seconds": INDEX_WAIT_SECONDS})

    def _switch_meta(self) -> int:
        """Step 6 (``publish_switch``): the Meta moves to its published label."""
        cypher = statement("dataset_admin.cypher", "publish_switch",
                           Published=self.published("Meta"), Staged=self.staging("Meta"))
        return self.client.write(cypher)[0]["done"]

    def _remove_staging_labels(self, staged: list[str]) -> None:
        """Step 7: drop the staging index (a node leaving an indexed label
        updates the index one by one: 1.38M synapses moved between unindexed
        labels in 4 s, off an indexed one in 20 s, measured), then remove the
        staging labels from the nodes that carry their published ones."""
        self.drop_staging_schema()
        for label in staged:
            generic = self._generic(label, self.staging.prefix)
            if generic != "Meta":
                self._remove_label(label, self.published(generic))

    def drop(self) -> int:
        """Delete the dataset: its published and staged nodes (a publish past
        its commit point included: it is not finished only to be deleted);
        return the number of nodes deleted. Every Meta of the dataset is first
        marked incomplete, so that an interrupted drop leaves it unavailable
        to queries (run the drop again to finish it)."""
        self._set_complete(False)
        return self._delete_prefix(self.published.prefix) + self._delete_prefix(
            self.staging.prefix)


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


def run_schema_statements(client: CypherRunner, stmts: Sequence[str]) -> None:
    """Run schema statements (``CREATE INDEX``, ``DROP ...``) in one write
    transaction: one round trip and commit instead of one per statement
    (316 ROI flag indexes of the bundle: created in 1.2 s instead of 2.7 s,
    measured)."""
    if stmts:
        client.write(list(stmts))


def list_datasets(client: CypherRunner) -> list[dict]:
    """One row per dataset: ``dataset, tag, loadComplete, fingerprint,
    lastDatabaseEdit, state`` of its current Meta (else of an incomplete one);
    ``state`` is ``"ready"``, ``"publishing"`` (current, under its staging
    labels: a publish under way or killed past its commit point, which the
    next load finishes) or ``"incomplete"``."""
    return client.read(statement("dataset_admin.cypher", "list_datasets"),
                       {"stagingMeta": STAGING_SUFFIX + "_Meta"})


def as_rows(keys: Iterable[str], *columns: Iterable) -> list[dict]:
    """Zip columns into a list of dicts (UNWIND rows)."""
    keys = list(keys)
    return [dict(zip(keys, values)) for values in zip(*columns)]
