"""Healing fragmented skeletons into one tree.

neuPrint skeletons sometimes consist of several fragments (several roots, i.e.
rows with ``link == -1``), an artifact of the segmentation they were made from.
Healing joins the fragments with the shortest possible set of new edges
("bridges"): the Euclidean minimum spanning tree over the fragments, where the
distance between two fragments is the distance between their nearest pair of
nodes and each bridge joins that pair.

Algorithm
---------
neuprint-python's ``heal_skeleton`` computes the nearest pair for every pair of
fragments (O(F^2) KD-tree queries) and then takes the MST of the fragment graph.
navis's ``heal_skeleton`` uses Borůvka's algorithm with k-nearest-neighbour
queries of growing k. We also use Borůvka's algorithm (O. Borůvka, 1926): each
round, every component finds its shortest edge to any *other* component, all
those edges are added and the components merged; the number of components at
least halves per round.

The costly step is each node's nearest neighbour in a different component. We
find it exactly with a label-bit partition: number the components 0..K-1; for
each bit b of that number, split the nodes by bit b of their component and
query a KD-tree (``scipy.spatial.cKDTree``) of one side with the nodes of the
other side. Two different components differ in at least one bit, and the two
sides of a split never share a component, so the minimum over the
ceil(log2 K) bits is the exact nearest foreign node. Work is pruned with bounds
that stay valid across rounds: a first k-nearest-neighbour query resolves the
nodes that already see a foreign node among their k nearest; the k-th distance
(or the previous round's answer, when that partner has since been merged into
the same component) is a lower bound, and a node is only queried while its
lower bound is below the best edge its component has found so far (and below
``max_distance``). Total cost is O(N log N log F) in the worst case and far
less in practice.

Bridges longer than ``max_distance`` are never added: the result is the
minimum spanning forest of the fragment graph restricted to edges no longer
than ``max_distance`` (the same edge set neuprint-python keeps after deleting
the over-long edges of its MST).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from connectograph.errors import InvalidArgumentError, SkeletonError
from connectograph.skeletons._tree import (
    XYZ,
    fragment_labels,
    orient_from_roots,
    parent_positions,
    where,
)
from connectograph.skeletons.validation import validate_skeleton

__all__ = ["HealResult", "heal_skeleton", "heal_skeleton_report", "fragment_bridges",
           "nearest_node"]

#: Neighbours fetched per node by the initial k-nearest-neighbour query.
_K_INITIAL = 8
#: Query points are grouped by their distance bound into at most this many
#: batches (cKDTree.query takes one scalar bound per call).
_BOUND_BATCHES = 8
#: Threads for the initial cKDTree k-NN query (more did not help on 2 cores).
_WORKERS = 1


@dataclass
class HealResult:
    """Outcome of :func:`heal_skeleton_report`.

    Attributes
    ----------
    skeleton : pandas.DataFrame
        The healed skeleton: the input rows in input order, every column
        unchanged except ``link``.
    bridges : pandas.DataFrame
        One row per added edge, columns ``rowId_child`` (int64),
        ``rowId_parent`` (int64) and ``length`` (float64, coordinate units),
        sorted by ``length``. ``rowId_child``'s ``link`` is ``rowId_parent`` in
        ``skeleton``.
    n_fragments_before : int
        Number of fragments (connected components) of the input.
    n_fragments_after : int
        Number of trees left; more than 1 only when ``max_distance`` kept some
        fragments apart.
    root : int
        ``rowId`` of the root of the tree holding the chosen root.
    max_distance : float
        The longest bridge allowed, in coordinate units (inf: no limit).
    voxel_size_nm : float or None
        Edge of one voxel in nm when the coordinates are voxels of a known
        size (hemibrain: 8.0); then ``bridges`` also has ``length_nm``.
    """

    skeleton: pd.DataFrame
    bridges: pd.DataFrame
    n_fragments_before: int
    n_fragments_after: int
    root: int
    max_distance: float = np.inf
    voxel_size_nm: float | None = None

    @property
    def total_bridge_length(self) -> float:
        """Sum of the bridge lengths (coordinate units)."""
        return float(self.bridges["length"].sum())

    @property
    def n_left_separate(self) -> int:
        """Fragments ``max_distance`` kept from joining the main tree."""
        return self.n_fragments_after - 1

    def summary(self) -> dict:
        """The report without the skeleton, as plain Python values (safe in
        ``DataFrame.attrs``): ``n_fragments_before``, ``n_fragments_after``,
        ``n_left_separate``, ``root``, ``max_distance``, ``voxel_size_nm``,
        ``total_bridge_length``, ``bridges`` (column → list) and
        ``description`` (:meth:`describe`)."""
        return {
            "n_fragments_before": self.n_fragments_before,
            "n_fragments_after": self.n_fragments_after,
            "n_left_separate": self.n_left_separate,
            "root": self.root,
            "max_distance": self.max_distance,
            "voxel_size_nm": self.voxel_size_nm,
            "total_bridge_length": self.total_bridge_length,
            "bridges": self.bridges.to_dict("list"),
            "description": self.describe(),
        }

    def describe(self) -> str:
        """One line for people: bridges added, their length, what stayed apart.

        Lengths are given in coordinate units (voxels for neuPrint data) and,
        when ``voxel_size_nm`` is known, in nm as well.
        """

        def length(v: float) -> str:
            if self.voxel_size_nm is None:
                return f"{v:.6g}"
            return f"{v:.6g} voxels ({v * self.voxel_size_nm:.6g} nm)"

        text = (f"{self.n_fragments_before} fragment(s): added {len(self.bridges)} "
                f"bridge(s), total length {length(self.total_bridge_length)}")
        if self.n_left_separate:
            text += (f"; {self.n_left_separate} fragment(s) left separate, farther than "
                     f"max_distance = {length(self.max_distance)}")
        return text


def fragment_bridges(coords, labels, max_distance=np.inf):
    """Minimum spanning forest between labelled point sets (Borůvka, exact).

    Parameters
    ----------
    coords : array_like of float, shape (N, D)
        Point coordinates.
    labels : array_like of int, shape (N,)
        Fragment label of each point (any integers).
    max_distance : float, default inf
        Bridges must be no longer than this (same units as ``coords``).

    Returns
    -------
    (ndarray int64 (B,), ndarray int64 (B,), ndarray float64 (B,))
        Point positions ``i``, ``j`` and length of each bridge, sorted by length.
        ``B = F - (number of groups left)``; every bridge joins two different
        groups, and together they form a minimum spanning forest of the
        fragment graph whose edge weights are nearest-pair distances, with
        edges longer than ``max_distance`` removed.

    Raises
    ------
    InvalidArgumentError
        ``coords`` is not 2-D.
    """
    coords = np.ascontiguousarray(coords, dtype=np.float64)
    if coords.ndim != 2:
        raise InvalidArgumentError(f"coords must be 2-D, got shape {coords.shape}")
    _, cid = np.unique(np.asarray(labels), return_inverse=True)
    cid = cid.astype(np.int64).ravel()
    n = len(coords)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if n == 0 or cid.max() == 0:
        return empty
    if max_distance is None:
        max_distance = np.inf
    max_distance = float(max_distance)
    if max_distance < 0:
        return empty
    # The search bound is a little above max_distance (cKDTree's bound is strict
    # and compares squared distances, which underflow for tiny bounds); edges
    # longer than max_distance are discarded when the components pick theirs.
    ub = np.inf if np.isinf(max_distance) else max_distance * (1 + 1e-9) + 1e-150

    tree = cKDTree(coords)
    k = min(_K_INITIAL, n)
    knn_d, knn_i = tree.query(coords, k=k, distance_upper_bound=ub, workers=_WORKERS)
    knn_d = knn_d.reshape(n, k)
    knn_i = knn_i.reshape(n, k)
    valid = knn_i < n

    # Per-node state, valid across rounds because components only grow (so the
    # set of foreign nodes only shrinks and nearest-foreign distances only grow):
    #   resolved: nd/nq is the exact nearest foreign node (nq = -1: none within ub)
    #   else:     lb is a lower bound of the nearest-foreign distance.
    nbr_c = np.where(valid, cid[np.where(valid, knn_i, 0)], -1)
    foreign = valid & (nbr_c != cid[:, None])
    has = foreign.any(axis=1)
    first = foreign.argmax(axis=1)
    rows = np.arange(n)
    nd = np.where(has, knn_d[rows, first], np.inf)
    nq = np.where(has, knn_i[rows, first], -1).astype(np.int64)
    # No foreign node among the k nearest and fewer than k within ub: none within ub.
    resolved = has | ~valid[:, -1]
    lb = np.where(resolved, nd, knn_d[:, -1])
    del knn_d, knn_i, valid, nbr_c, foreign

    alive = np.ones(n, dtype=bool)  # nodes of components that may still join
    out_i, out_j, out_d = [], [], []
    while True:
        # Compact component ids of the alive nodes to 0..K-1.
        live = np.flatnonzero(alive)
        if len(live) == 0:
            break
        uniq, inv = np.unique(cid[live], return_inverse=True)
        n_comp = len(uniq)
        if n_comp < 2:
            break
        cid[live] = inv
        # Answers whose partner has joined the node's component are stale.
        stale = resolved & (nq >= 0)
        stale[stale] = cid[nq[stale]] == cid[stale]
        resolved[stale] = False
        lb[stale] = nd[stale]

        best = np.full(n_comp, np.inf)
        r = live[resolved[live]]
        np.minimum.at(best, cid[r], nd[r])
        cand = live[~resolved[live]]
        cand = cand[lb[cand] < np.minimum(best[cid[cand]], ub)]
        if len(cand):
            _bit_partition_queries(coords, cid, live, cand, best, ub, nd, nq, lb, resolved)

        # Each component's shortest edge (among resolved nodes; unresolved ones
        # have lb >= that edge, so cannot beat it).
        r = live[resolved[live] & (nd[live] <= max_distance)]
        order = np.lexsort((nd[r], cid[r]))
        r = r[order]
        first_of = np.ones(len(r), dtype=bool)
        first_of[1:] = cid[r][1:] != cid[r][:-1]
        winners = r[first_of]
        has_edge = np.zeros(n_comp, dtype=bool)
        has_edge[cid[winners]] = True
        # Components with no edge within max_distance can never join: retire them.
        alive[live[~has_edge[cid[live]]]] = False
        if len(winners) == 0:
            break
        # Add the edges shortest first, skipping any that would close a cycle
        # (possible only between equally long edges).
        winners = winners[np.argsort(nd[winners], kind="stable")]
        uf = list(range(n_comp))

        def find(a):
            while uf[a] != a:
                uf[a] = uf[uf[a]]
                a = uf[a]
            return a

        for p in winners.tolist():
            q = int(nq[p])
            ra, rb = find(int(cid[p])), find(int(cid[q]))
            if ra != rb:
                uf[ra] = rb
                out_i.append(p)
                out_j.append(q)
                out_d.append(float(nd[p]))
        roots = np.array([find(a) for a in range(n_comp)], dtype=np.int64)
        cid[live] = roots[cid[live]]

    if not out_i:
        return empty
    i = np.array(out_i, dtype=np.int64)
    j = np.array(out_j, dtype=np.int64)
    d = np.array(out_d, dtype=np.float64)
    order = np.argsort(d, kind="stable")
    return i[order], j[order], d[order]


def _bit_partition_queries(coords, cid, live, cand, best, ub, nd, nq, lb, resolved):
    """Exact nearest foreign node of the ``cand`` nodes (updates state in place)."""
    n_comp = len(best)
    n_bits = max(1, int(np.ceil(np.log2(n_comp))))
    ubest = best.copy()  # upper bound of each component's shortest edge
    found_d = np.full(len(cand), np.inf)
    found_q = np.full(len(cand), -1, dtype=np.int64)
    miss_lb = np.full(len(cand), np.inf)  # smallest bound of a query that found nothing
    cand_c = cid[cand]
    live_c = cid[live]
    for b in range(n_bits):
        cand_side = (cand_c >> b) & 1
        live_side = (live_c >> b) & 1
        for side in (0, 1):
            sel = np.flatnonzero(cand_side == side)
            if len(sel) == 0:
                continue
            targets = live[live_side != side]
            if len(targets) == 0:
                continue  # nothing foreign on the other side in this split
            tree = cKDTree(coords[targets])
            bound = np.minimum(ubest[cand_c[sel]], ub)
            # Only nodes whose lower bound is below their bound can improve; for
            # the others all we know is that this split's answer is >= lb.
            skip = lb[cand[sel]] >= bound
            miss_lb[sel[skip]] = np.minimum(miss_lb[sel[skip]], lb[cand[sel[skip]]])
            sel = sel[~skip]
            if len(sel) == 0:
                continue
            bound = np.minimum(ubest[cand_c[sel]], ub)
            order = np.argsort(bound, kind="stable")
            for batch in np.array_split(order, min(_BOUND_BATCHES, len(order))):
                if len(batch) == 0:
                    continue
                s = sel[batch]
                bmax = float(bound[batch].max())
                d, j = tree.query(coords[cand[s]], distance_upper_bound=bmax)
                hit = np.isfinite(d)
                better = hit & (d < found_d[s])
                found_d[s[better]] = d[better]
                found_q[s[better]] = targets[j[better]]
                miss = ~hit
                miss_lb[s[miss]] = np.minimum(miss_lb[s[miss]], bmax)
                np.minimum.at(ubest, cand_c[s[hit]], d[hit])
    queried = np.isfinite(found_d) | np.isfinite(miss_lb)
    exact = queried & (found_d <= miss_lb)
    c_ex = cand[exact]
    nd[c_ex] = found_d[exact]
    nq[c_ex] = found_q[exact]
    resolved[c_ex] = True
    # Nothing within ub (all misses at the full bound ub): resolved as "none".
    none = queried & ~np.isfinite(found_d) & (miss_lb >= ub)
    c_none = cand[none]
    nd[c_none] = np.inf
    nq[c_none] = -1
    resolved[c_none] = True
    rest = queried & ~exact & ~none
    c_rest = cand[rest]
    lb[c_rest] = np.maximum(lb[c_rest], miss_lb[rest])


def _choose_roots(row_ids, parent, frag, n_frag, comp, root, body):
    """Root position of every final component (see heal_skeleton_report)."""
    old_roots = np.flatnonzero(parent < 0)
    if isinstance(root, str) and root == "smallest_rowId":
        order = np.lexsort((row_ids, comp))
        first = np.ones(len(order), dtype=bool)
        first[1:] = comp[order][1:] != comp[order][:-1]
        return order[first], None
    # Default rule: original root of the component's largest fragment
    # (ties: the fragment whose root has the smallest rowId).
    sizes = np.bincount(frag, minlength=n_frag)
    r_comp = comp[old_roots]
    order = np.lexsort((row_ids[old_roots], -sizes[frag[old_roots]], r_comp))
    first = np.ones(len(order), dtype=bool)
    first[1:] = r_comp[order][1:] != r_comp[order][:-1]
    chosen = old_roots[order[first]]
    if isinstance(root, str):
        if root != "largest":
            raise SkeletonError(
                f"{where(body)}: root must be 'auto', 'soma', 'largest', 'smallest_rowId' or a "
                f"rowId, got {root!r}"
            )
        # The main tree is the one holding the overall largest fragment.
        main = old_roots[np.lexsort((row_ids[old_roots], -sizes[frag[old_roots]]))[0]]
        return chosen, int(main)
    # An explicit rowId.
    hits = np.flatnonzero(row_ids == root)
    if len(hits) == 0:
        raise SkeletonError(f"{where(body)}: requested root node {root} is not in the skeleton")
    p = int(hits[0])
    chosen = chosen.copy()
    chosen[np.flatnonzero(comp[chosen] == comp[p])] = p
    return chosen, p
    # (n_comp is implied by len(chosen))


def nearest_node(skeleton_df, xyz) -> int:
    """``rowId`` of the node nearest to a point (first in row order on ties).

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        Columns ``rowId, x, y, z``.
    xyz : array_like of float, shape (3,)
        Same units as the skeleton (neuPrint: 8 nm voxels), e.g. a neuron's
        ``somaLocation``.
    """
    target = np.asarray(xyz, dtype=np.float64).reshape(3)
    d = np.linalg.norm(skeleton_df[XYZ].to_numpy(np.float64) - target, axis=1)
    return int(skeleton_df["rowId"].to_numpy()[int(np.argmin(d))])


def heal_skeleton_report(
    skeleton_df,
    max_distance=np.inf,
    root_parent=-1,
    *,
    root="auto",
    soma_xyz=None,
    voxel_size_nm=None,
    body=None,
) -> HealResult:
    """Join a fragmented skeleton into one tree and report what was added.

    The bridges form the Euclidean minimum spanning tree over the fragments
    (nearest-pair distance between fragments; each bridge joins that pair),
    found exactly with Borůvka's algorithm (see the module docstring; O. Borůvka
    1926, as in navis's ``heal_skeleton``; neuprint-python's ``heal_skeleton``
    computes the same tree by comparing all fragment pairs). Afterwards every
    edge is re-oriented by a breadth-first search so that all fragments hang
    from the chosen root.

    Parameters
    ----------
    skeleton_df : pandas.DataFrame
        N rows, columns ``rowId, x, y, z, radius, link`` (more are kept).
        Coordinates in any unit; neuPrint's hemibrain uses 8 nm voxels.
    max_distance : float, default inf
        Longest bridge allowed, in coordinate units (hemibrain: voxels,
        1 voxel = 8 nm, so 1 µm = 125). Fragments farther than this from the
        rest stay separate trees (``n_fragments_after > 1``). ``None`` means no
        limit.
    root_parent : int, default -1
        ``link`` value of root nodes, in the input and the output.
    root : {"auto", "soma", "largest", "smallest_rowId"} or int, default "auto"
        Root of the healed tree. ``"auto"``: ``"soma"`` when ``soma_xyz`` is
        given, else ``"largest"`` (navis's default). ``"soma"``: the node
        nearest to ``soma_xyz``. ``"largest"``: the original root of the
        largest fragment (by node count; ties: smaller root rowId).
        ``"smallest_rowId"``: the node with the smallest rowId
        (neuprint-python's choice). An int: that rowId. Trees left separate by
        ``max_distance`` are rooted at the original root of their largest
        fragment (``"smallest_rowId"``: at their smallest rowId).
    soma_xyz : array_like of float, shape (3,), optional
        The neuron's soma position in the skeleton's units (neuPrint:
        ``somaLocation``, voxels).
    voxel_size_nm : float, optional
        nm per coordinate unit (hemibrain: 8.0). Adds ``length_nm`` to the
        bridges and nm to :meth:`HealResult.describe`.
    body : int, optional
        Body id, named in error messages.

    Returns
    -------
    HealResult
        ``skeleton`` (a new DataFrame: same rows, order, columns and values as
        the input except ``link``), ``bridges``, ``n_fragments_before``,
        ``n_fragments_after``, ``root``, ``max_distance`` and
        ``voxel_size_nm``.

    Raises
    ------
    SkeletonError
        If the input is not a valid forest (see
        :func:`~connectograph.skeletons.validate_skeleton`), ``root`` names
        an absent node, or ``root="soma"`` without ``soma_xyz``.
    """
    validate_skeleton(skeleton_df, body=body, root_parent=root_parent)
    if max_distance is None:
        max_distance = np.inf
    if isinstance(root, str) and root == "auto":
        root = "largest" if soma_xyz is None else "soma"
    if isinstance(root, str) and root == "soma":
        if soma_xyz is None:
            raise SkeletonError(f"{where(body)}: root='soma' needs soma_xyz (the neuron's "
                                "somaLocation); this neuron may have no soma")
        if len(skeleton_df) == 0:
            raise SkeletonError(f"{where(body)}: the skeleton has no nodes")
        root = nearest_node(skeleton_df, soma_xyz)
    row_ids = skeleton_df["rowId"].to_numpy().astype(np.int64)
    parent = parent_positions(skeleton_df, body, root_parent)
    n = len(parent)
    if n == 0:
        raise SkeletonError(f"{where(body)}: the skeleton has no nodes")
    n_frag, frag = fragment_labels(parent)
    coords = skeleton_df[XYZ].to_numpy(dtype=np.float64)
    bi, bj, bd = fragment_bridges(coords, frag, max_distance)

    child = np.flatnonzero(parent >= 0)
    a = np.concatenate([child, bi])
    b = np.concatenate([parent[child], bj])
    if len(bi):
        g = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
        n_after, comp = connected_components(g, directed=False)
    else:
        n_after, comp = n_frag, frag
    roots, main = _choose_roots(row_ids, parent, frag, n_frag, comp, root, body)
    new_parent = orient_from_roots(n, a, b, roots)
    assert (new_parent != -2).all()

    out = skeleton_df.copy()
    link = np.where(new_parent >= 0, row_ids[np.maximum(new_parent, 0)], root_parent)
    out["link"] = link.astype(skeleton_df["link"].dtype if len(skeleton_df) else np.int64)

    child_is_i = new_parent[bi] == bj
    bridges = pd.DataFrame(
        {
            "rowId_child": np.where(child_is_i, row_ids[bi], row_ids[bj]).astype(np.int64),
            "rowId_parent": np.where(child_is_i, row_ids[bj], row_ids[bi]).astype(np.int64),
            "length": bd,
        }
    )
    if voxel_size_nm is not None:
        bridges["length_nm"] = bd * float(voxel_size_nm)
    if main is None:  # "smallest_rowId"
        main = int(np.argmin(row_ids))
    main_root = roots[comp[roots] == comp[main]][0]
    return HealResult(
        skeleton=out,
        bridges=bridges,
        n_fragments_before=int(n_frag),
        n_fragments_after=int(n_after),
        root=int(row_ids[main_root]),
        max_distance=float(max_distance),
        voxel_size_nm=None if voxel_size_nm is None else float(voxel_size_nm),
    )


def heal_skeleton(skeleton_df, max_distance=np.inf, root_parent=-1, *, root="auto",
                  soma_xyz=None, body=None):
    """Join a fragmented skeleton into one tree (neuprint-python's name).

    Same as :func:`heal_skeleton_report` but returns only the healed
    DataFrame, as ``neuprint.heal_skeleton`` does. Differences from
    neuprint-python: the input is never modified and row order is kept (not
    sorted by rowId); the default root is the node nearest the soma when
    ``soma_xyz`` is given, else the original root of the largest fragment
    (pass ``root="smallest_rowId"`` for neuprint-python's choice);
    ``max_distance=None`` means no limit.

    Parameters
    ----------
    skeleton_df, max_distance, root_parent, root, soma_xyz, body
        See :func:`heal_skeleton_report`.

    Returns
    -------
    pandas.DataFrame
        The healed skeleton (``link`` updated).

    Raises
    ------
    SkeletonError
        See :func:`heal_skeleton_report`.
    """
    return heal_skeleton_report(
        skeleton_df, max_distance, root_parent, root=root, soma_xyz=soma_xyz, body=body
    ).skeleton
