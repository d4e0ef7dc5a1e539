"""fetch_synapses, fetch_mean_synapses and fetch_synapse_connections
(neuprint-python's names, arguments and columns).

A body's synapses are found through ``Synapse.bodyId`` (indexed with
``type``), not by walking ``(:Segment)-[:Contains]->(:SynapseSet)`` as
neuPrint does: the same sites, including those in no SynapseSet (points
loaded without partners). Values are query parameters; labels and ROI names
are escaped identifiers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..client import Client, resolve_client
from ..criteria import Parameters, SynapseCriteria
from ..errors import CriteriaError
from ..vocabulary import SYNAPSE_TYPES
from ._dataset import checked_criteria, dataset_info, weight_condition
from ._dataset_contents import require_rois, require_synapses
from ._progress import progress_bar
from ._synapse_query import (ROI_KEYS, SYNAPSE_TYPE_DTYPE, body_batches, check_batch_size,
                             check_bbox, checked_synapse_criteria, coordinates,
                             default_confidence, nt_columns, nt_fields, nt_properties,
                             returned_rois, roi_column, roi_set)

SYNAPSE_COLUMNS = ["bodyId", "type", "roi", "x", "y", "z", "confidence"]
MEAN_SYNAPSE_COLUMNS = ["bodyId", "roi", "type", "count", "x", "y", "z", "confidence"]
SYNAPSE_CONNECTION_COLUMNS = ["bodyId_pre", "bodyId_post", "roi_pre", "roi_post",
                              "x_pre", "y_pre", "z_pre", "x_post", "y_post", "z_post",
                              "confidence_pre", "confidence_post"]

_BBOX = "point.withinBBox({v}.location, point($bbox_lo), point($bbox_hi))"


def _batch_condition(batch: list[int] | None) -> str:
    return " AND n.bodyId IN $batch" if batch is not None else ""


def _roi_field(var: str, primary_only: bool) -> str:
    """The site's ROIs among ``$roi_set``: with ``primary_only`` the one primary ROI
    (primary ROIs do not overlap) or null, as a string (less to decode than a list)."""
    rois = ROI_KEYS.format(var=var)
    return f"{rois}[0]" if primary_only else rois


def _rois(values: pd.Series, primary_only: bool) -> pd.Series:
    return values.astype(object) if primary_only else roi_column(values, False)


def _site_fields(var: str, suffix: str = "") -> str:
    return (f"{var}.location.x AS x{suffix}, {var}.location.y AS y{suffix}, "
            f"{var}.location.z AS z{suffix}, {var}.confidence AS confidence{suffix}")


#: Fields of the per-site queries (the final ``WITH`` of fetch_synapses and
#: fetch_synapse_connections), fetched column-wise.
_SYNAPSE_FIELDS = ["bodyId", "type", "x", "y", "z", "confidence", "rois"]
_CONNECTION_FIELDS = ["bodyId_pre", "bodyId_post", "roi_pre", "roi_post",
                      "x_pre", "y_pre", "z_pre", "x_post", "y_post", "z_post",
                      "confidence_pre", "confidence_post"]


def _empty_synapses(nt, props: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"bodyId": pd.Series(dtype="int64"),
                         "type": pd.Series(dtype=SYNAPSE_TYPE_DTYPE),
                         "roi": pd.Series(dtype=object),
                         **{c: pd.Series(dtype="int32") for c in "xyz"},
                         "confidence": pd.Series(dtype="float32"),
                         **(nt_columns(nt, props, None) if nt else {})})


def fetch_synapses(neuron_criteria, synapse_criteria: SynapseCriteria | None = None,
                   batch_size: int = 10, *, bbox=None, nt=None,
                   progress: bool | None = None, client: Client | None = None) -> pd.DataFrame:
    """Synapse sites of some bodies; mirrors neuprint-python's ``fetch_synapses``.

    Parameters
    ----------
    neuron_criteria : NeuronCriteria or shorthand
        Whose synapses (an int or list means bodyIds, a str a type or
        instance). ROI conditions in it select bodies, not synapses. None is
        allowed only with ``bbox``: every body's synapses in the box.
    synapse_criteria : SynapseCriteria, optional
        ROIs (any of), type, confidence (strictly greater than the threshold;
        default ``Meta.postHighAccuracyThreshold``, as neuPrint), primary_only.
        Default ``SynapseCriteria()``.
    batch_size : int, default 10
        Bodies per query (neuprint-python's default). A criteria listing at
        most this many bodyIds is fetched in one query. Not used with ``bbox``
        (one query: the box bounds the result).
    bbox : [[x0, y0, z0], [x1, y1, z1]], optional
        *Ours* (like CAVE's spatial filters): keep sites with
        ``x0 <= x <= x1``, ``y0 <= y <= y1`` and ``z0 <= z <= z1`` (8 nm
        voxels; bounds included), found through the point index on
        ``Synapse.location`` (``point.withinBBox``).
    nt : {None, 'max', 'all'}, default None
        Per-synapse transmitter predictions, as neuprint-python 0.6.4 returns
        them: the T-bar properties ``Meta.ntSynapseProperties`` lists
        (``nt<Transmitter>Prob``). ``'max'`` adds ``nt`` (the most probable
        transmitter, categorical, e.g. ``'gaba'``) and ``ntProb`` (float32);
        ``'all'`` adds one float32 column per transmitter (``acetylcholine``,
        ``gaba``...: the property without ``nt`` and ``Prob``, lower case).
        PSDs (and T-bars without a prediction) get None/NaN.
    progress : bool or None, default None
        A bar over the batches of bodies queried: None shows one when the work takes
        longer than a second, True always, False never (tqdm's auto mode).
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per site (per site and ROI with ``primary_only=False``), sorted
        by ``bodyId, type, x, y, z``: ``bodyId`` (int64), ``type``
        (categorical ``'pre'`` = T-bar, ``'post'`` = PSD), ``roi`` (str: with
        ``primary_only`` the site's primary ROI, else one row per ROI it lies
        in; restricted to the criteria's ROIs when given; None for a site in
        none), ``x, y, z`` (int32, 8 nm voxels; float64 if some coordinate is
        fractional), ``confidence`` (float32, NaN where unknown); then the
        ``nt`` columns, if asked for.

    Raises
    ------
    CriteriaError
        Bad criteria, bbox, batch_size or nt; non-primary ROIs with
        ``primary_only=True``; no neuron criteria and no bbox.
    UnknownRoiError
        An ROI not in the dataset.
    DatasetLacksError
        ``nt`` given, and the dataset has no per-synapse transmitter
        predictions (no ``Meta.ntSynapseProperties``).

    Notes
    -----
    neuprint-python 0.6.4 documents one row per ROI with
    ``primary_only=False`` but returns one row per site with an arbitrary one
    of its ROIs; here every ROI gets its row, as documented. Other synapse
    properties (neuprint-python adds a column for each) are not returned.
    """
    client = resolve_client(client)
    require_synapses(client, "fetch_synapses")
    corners = check_bbox(bbox)
    if neuron_criteria is None and corners is None:
        raise CriteriaError("fetch_synapses needs neuron_criteria (or a bbox to fetch every "
                            "body's synapses in a box)")
    batch_size = check_batch_size(batch_size)
    nc = checked_criteria(neuron_criteria, client) if neuron_criteria is not None else None
    sc = checked_synapse_criteria(synapse_criteria, client)
    info = dataset_info(client)
    ds = client.dataset
    props = nt_properties(nt, info, str(ds))
    nt_text, nt_names = nt_fields("s", props)
    rois = returned_rois(sc, info)
    if sc.rois:
        rois = sorted(set(rois) & sc.rois)

    params = Parameters()
    syn_where, _ = sc.where(ds, "s", params, default_confidence=default_confidence(info))
    types = [sc.type] if sc.type else list(SYNAPSE_TYPES)
    ret = (f"WITH s.bodyId AS bodyId, s.type AS type, {_site_fields('s')}, "
           f"{_roi_field('s', sc.primary_only)} AS rois{nt_text}")
    syn = f"(s:{ds.label('Synapse')})"
    if corners is not None:
        # The point index exists on the published labels only: while a reload
        # is being published (staging labels), the box is found by a scan.
        hint = f" USING POINT INDEX s:{ds.label('Synapse')}(location)" if ds.published else ""
        parts = [f"MATCH {syn}{hint}",
                 f"WHERE {_BBOX.format(v='s')} AND s.type IN $types AND ({syn_where})"]
        if nc is not None:
            nc_where, _ = nc.where(ds, "n", params)
            parts += [f"MATCH {nc.match(ds, 'n')} WHERE n.bodyId = s.bodyId AND ({nc_where})"]
        queries = ["\n".join([*parts, ret])]
        batches = [None]
        extra = {"bbox_lo": corners[0], "bbox_hi": corners[1]}
    else:
        nc_where, _ = nc.where(ds, "n", params)
        batches = body_batches(nc, batch_size, client=client)
        queries = [f"MATCH {nc.match(ds, 'n')} WHERE ({nc_where}){_batch_condition(b)}\n"
                   f"MATCH {syn} WHERE s.bodyId = n.bodyId AND s.type IN $types "
                   f"AND ({syn_where})\n{ret}" for b in batches]
        extra = {}
    base = {**params.as_dict(), **extra, "types": types, "roi_set": roi_set(rois)}
    frames = [client.read_columns(q, _SYNAPSE_FIELDS + nt_names,
                                  {**base, **({"batch": b} if b is not None else {})},
                                  not_null=("bodyId", "type", "x", "y", "z"))
              for q, b in progress_bar(list(zip(queries, batches)), progress,
                                       desc="synapses", unit="batch")]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_synapses(nt, props)
    df = pd.concat(frames, ignore_index=True)
    if sc.primary_only:
        df["roi"] = df["rois"].astype(object)
    else:
        df["roi"] = df["rois"].map(lambda rs: sorted(rs) if rs else [None])
        df = df.explode("roi", ignore_index=True)
    out = pd.DataFrame({"bodyId": df["bodyId"].astype("int64"),
                        "type": df["type"].astype(SYNAPSE_TYPE_DTYPE),
                        "roi": df["roi"].astype(object),
                        "x": coordinates(df["x"]), "y": coordinates(df["y"]),
                        "z": coordinates(df["z"]),
                        "confidence": pd.to_numeric(df["confidence"]).astype("float32")})
    if nt:
        values = df[nt_names].set_axis(props, axis=1).astype("float64")
        for name, column in nt_columns(nt, props, values).items():
            out[name] = column
    out = out.sort_values(["bodyId", "type", "x", "y", "z", "roi"], ignore_index=True,
                          na_position="first")
    return out


def fetch_mean_synapses(neuron_criteria, synapse_criteria: SynapseCriteria | None = None,
                        batch_size: int = 100, *, by_roi: bool = True, bbox=None,
                        progress: bool | None = None,
                        client: Client | None = None) -> pd.DataFrame:
    """Mean position and confidence of each body's synapses, per ROI and type;
    mirrors neuprint-python's ``fetch_mean_synapses``.

    Parameters
    ----------
    neuron_criteria : NeuronCriteria or shorthand
        Whose synapses (ROI conditions select bodies, not synapses).
    synapse_criteria : SynapseCriteria, optional
        As in :func:`fetch_synapses`. Its ROIs (else the primary ROIs with
        ``primary_only``, else all ROIs) are the ROIs reported; a site in none
        of them is left out when ``by_roi``.
    batch_size : int, default 100
        Bodies per query (neuprint-python's default).
    by_roi : bool, default True
        One row per body, ROI and type; False: per body and type over all its
        selected sites (no ``roi`` column).
    bbox : [[x0, y0, z0], [x1, y1, z1]], optional
        *Ours*: only sites in this box (voxels, bounds included).
    progress : bool or None, default None
        A bar over the batches of bodies queried: None shows one when the work takes
        longer than a second, True always, False never (tqdm's auto mode).
    client : Client, optional

    Returns
    -------
    DataFrame
        Sorted by ``bodyId, roi, type``: ``bodyId`` (int64), ``roi`` (str;
        absent when ``by_roi=False``), ``type`` (categorical pre/post),
        ``count`` (int32: sites), ``x, y, z`` (float32: mean position in 8 nm
        voxels), ``confidence`` (float32: mean of the known confidences).

    Raises
    ------
    CriteriaError, UnknownRoiError
        As :func:`fetch_synapses`; ``by_roi`` not a bool.
    DatasetLacksError
        The dataset has no synapse points, or (with ``by_roi=True``) defines no
        ROIs: ``by_roi=False`` answers there.
    """
    if by_roi not in (True, False):
        raise CriteriaError(f"by_roi must be True or False, not {by_roi!r}")
    client = resolve_client(client)
    require_synapses(client, "fetch_mean_synapses")
    if by_roi:  # per ROI without ROIs would be an empty frame posing as an answer
        require_rois(client, "fetch_mean_synapses with by_roi=True (by_roi=False "
                     "averages each body's synapses over all of them)")
    corners = check_bbox(bbox)
    batch_size = check_batch_size(batch_size)
    nc = checked_criteria(neuron_criteria, client)
    sc = checked_synapse_criteria(synapse_criteria, client)
    info = dataset_info(client)
    ds = client.dataset
    rois = sorted(sc.rois) if sc.rois else returned_rois(sc, info)
    params = Parameters()
    nc_where, _ = nc.where(ds, "n", params)
    syn_where, _ = sc.where(ds, "s", params, default_confidence=default_confidence(info))
    box = f" AND {_BBOX.format(v='s')}" if corners else ""
    unwind = f"UNWIND {ROI_KEYS.format(var='s')} AS roi\n" if by_roi else ""
    rest = (f"MATCH (s:{ds.label('Synapse')}) WHERE s.bodyId = n.bodyId "
            f"AND s.type IN $types AND ({syn_where}){box}\n{unwind}"
            f"RETURN n.bodyId AS bodyId, {'roi, ' if by_roi else ''}s.type AS type, "
            "count(*) AS count, avg(s.location.x) AS x, avg(s.location.y) AS y, "
            "avg(s.location.z) AS z, avg(s.confidence) AS confidence")
    base = {**params.as_dict(), "types": [sc.type] if sc.type else list(SYNAPSE_TYPES),
            "roi_set": roi_set(rois)}
    if corners:
        base.update(bbox_lo=corners[0], bbox_hi=corners[1])
    columns = [c for c in MEAN_SYNAPSE_COLUMNS if by_roi or c != "roi"]  # = RETURN order
    rows: list = []
    for batch in progress_bar(body_batches(nc, batch_size, client=client), progress,
                              desc="mean synapses", unit="batch"):
        q = f"MATCH {nc.match(ds, 'n')} WHERE ({nc_where}){_batch_condition(batch)}\n{rest}"
        rows += client.read_values(q, {**base, **({"batch": batch} if batch else {})})[1]
    # A few rows per body: sorting the rows and building the frame once from
    # typed arrays costs less than pandas' casts and sort on a frame.
    type_rank = {t: i for i, t in enumerate(SYNAPSE_TYPE_DTYPE.categories)}
    rows.sort(key=(lambda r: (r[0], r[1], type_rank[r[2]])) if by_roi
              else (lambda r: (r[0], type_rank[r[1]])))
    data = dict(zip(columns, map(list, zip(*rows)))) if rows else {c: [] for c in columns}
    return pd.DataFrame({
        "bodyId": np.array(data["bodyId"], dtype="int64"),
        **({"roi": pd.Series(data["roi"], dtype=object)} if by_roi else {}),
        "type": pd.Categorical(data["type"], dtype=SYNAPSE_TYPE_DTYPE),
        "count": np.array(data["count"], dtype="int32"),
        **{c: np.array(data[c], dtype="float32") for c in ("x", "y", "z", "confidence")},
    })


def _empty_connections(nt, props: list[str]) -> pd.DataFrame:
    dtypes = {"bodyId_pre": "int64", "bodyId_post": "int64", "roi_pre": object,
              "roi_post": object, **{f"{a}_{s}": "int32" for s in ("pre", "post")
                                     for a in "xyz"},
              "confidence_pre": "float32", "confidence_post": "float32"}
    return pd.DataFrame({**{c: pd.Series(dtype=dtypes[c]) for c in SYNAPSE_CONNECTION_COLUMNS},
                         **(nt_columns(nt, props, None) if nt else {})})


def _partner_batches(pairs: pd.DataFrame, anchor: str, partner: str,
                     batch_size: int) -> list[list[dict]]:
    """Group body pairs by the anchor body; at most ``batch_size`` pairs a batch
    (an anchor with more partners is split)."""
    batches: list[list[dict]] = []
    current: list[dict] = []
    size = 0
    for body, partners in pairs.groupby(anchor, sort=True)[partner]:
        partners = sorted(int(p) for p in partners)
        for i in range(0, len(partners), batch_size):
            chunk = partners[i:i + batch_size]
            if size + len(chunk) > batch_size and current:
                batches.append(current)
                current, size = [], 0
            current.append({"body": int(body), "partners": chunk})
            size += len(chunk)
    if current:
        batches.append(current)
    return batches


def fetch_synapse_connections(source_criteria=None, target_criteria=None,
                              synapse_criteria: SynapseCriteria | None = None,
                              min_total_weight: int = 1, batch_size: int = 10_000, *,
                              nt=None, autapses: bool = False, progress: bool | None = None,
                              client: Client | None = None) -> pd.DataFrame:
    """Synapse-level connections (T-bar → PSD) between two sets of bodies;
    mirrors neuprint-python's ``fetch_synapse_connections``.

    Parameters
    ----------
    source_criteria, target_criteria : NeuronCriteria or shorthand, optional
        Upstream and downstream bodies; at least one must be given, a missing
        side means every ``:Neuron``. ROI conditions select bodies, not sites.
    synapse_criteria : SynapseCriteria, optional
        Confidence (strictly greater than the threshold, default
        ``Meta.postHighAccuracyThreshold``) applies to both sites; ROIs filter
        the PSD (post) side only, where neuPrint counts a connection (so
        results agree with :func:`fetch_adjacencies`); ``type`` is ignored.
    min_total_weight : int, default 1
        Keep body pairs whose ``ConnectsTo.weight`` (their total weight, as
        :func:`fetch_adjacencies` reports it) is at least this, whatever the
        ROI and confidence filters leave.
    batch_size : int, default 10_000
        Body pairs per query. Pairs are found first at neuron level
        (``ConnectsTo``), then their sites fetched grouped by the side with
        fewer distinct bodies, as neuprint-python does.
    nt : {None, 'max', 'all'}, default None
        The T-bar's (pre side's) transmitter prediction, as neuprint-python
        0.6.4 returns it: ``'max'`` adds ``nt`` and ``ntProb``, ``'all'`` one
        float32 column per transmitter (see :func:`fetch_synapses`).
    autapses : bool, default False
        *Ours*: include connections of a body onto itself. neuprint-python has
        no switch and returns them when the dataset has them.
    progress : bool or None, default None
        A bar over the batches of partner bodies queried: None shows one when the work takes
        longer than a second, True always, False never (tqdm's auto mode).
    client : Client, optional

    Returns
    -------
    DataFrame
        One row per T-bar → PSD pair (``SynapsesTo``), sorted by
        ``bodyId_pre, bodyId_post, x_pre, y_pre, z_pre, x_post, y_post,
        z_post``: ``bodyId_pre, bodyId_post`` (int64), ``roi_pre, roi_post``
        (with ``primary_only``: the site's primary ROI or None; else the sorted
        list of its ROIs, ``[None]`` for none), ``x_pre, y_pre, z_pre`` (the
        T-bar) and ``x_post, y_post, z_post`` (the PSD) (int32, 8 nm voxels),
        ``confidence_pre, confidence_post`` (float32); then the ``nt``
        columns, if asked for.

    Raises
    ------
    CriteriaError
        Neither side given; bad criteria, weight, batch size or nt;
        non-primary ROIs with ``primary_only=True``.
    UnknownRoiError
        An ROI not in the dataset.
    DatasetLacksError
        ``nt`` given, and the dataset has no per-synapse transmitter
        predictions (no ``Meta.ntSynapseProperties``).

    Notes
    -----
    Sites are reached through ``Synapse.bodyId`` and ``SynapsesTo``, not the
    SynapseSets neuPrint walks; the pairs are the same.
    """
    client = resolve_client(client)
    require_synapses(client, "fetch_synapse_connections")
    if source_criteria is None and target_criteria is None:
        raise CriteriaError("fetch_synapse_connections needs source_criteria or "
                            "target_criteria (or both)")
    if autapses not in (True, False):
        raise CriteriaError(f"autapses must be True or False, not {autapses!r}")
    if isinstance(min_total_weight, bool) or not isinstance(min_total_weight, (int, np.integer)):
        raise CriteriaError(f"min_total_weight must be an integer, not {min_total_weight!r}")
    batch_size = check_batch_size(batch_size)
    src = checked_criteria(source_criteria, client)
    tgt = checked_criteria(target_criteria, client)
    sc = checked_synapse_criteria(synapse_criteria, client)
    info = dataset_info(client)
    ds = client.dataset
    props = nt_properties(nt, info, str(ds))
    nt_text, nt_names = nt_fields("ns", props)

    params = Parameters()
    where_a, _ = src.where(ds, "a", params)
    where_b, _ = tgt.where(ds, "b", params)
    pairs = client.read_frame(
        f"MATCH {src.match(ds, 'a')}-[e:ConnectsTo]->{tgt.match(ds, 'b')}\n"
        f"WHERE ({where_a}) AND ({where_b}) AND {weight_condition('e', min_total_weight)}"
        f"{'' if autapses else ' AND a.bodyId <> b.bodyId'}\n"
        "RETURN DISTINCT a.bodyId AS pre, b.bodyId AS post",
        {**params.as_dict(), "min_weight": int(min_total_weight)})
    if pairs.empty:
        return _empty_connections(nt, props)

    conf = default_confidence(info)
    threshold = sc.effective_confidence(conf)
    sp = Parameters("q")
    pre_where, _ = SynapseCriteria(confidence=threshold).where(ds, "ns", sp)
    post_where, _ = SynapseCriteria(rois=sorted(sc.rois), confidence=threshold,
                                    primary_only=False).where(ds, "ms", sp)
    syn = ds.label("Synapse")
    if pairs["pre"].nunique() <= pairs["post"].nunique():
        anchor, partner = "pre", "post"
        walk = (f"MATCH (ns:{syn}) WHERE ns.bodyId = g.body AND ns.type = 'pre' "
                f"AND ({pre_where})\n"
                f"MATCH (ns)-[:SynapsesTo]->(ms:{syn})\n"
                f"WHERE ms.bodyId IN g.partners AND ({post_where})\n")
    else:
        anchor, partner = "post", "pre"
        walk = (f"MATCH (ms:{syn}) WHERE ms.bodyId = g.body AND ms.type = 'post' "
                f"AND ({post_where})\n"
                f"MATCH (ns:{syn})-[:SynapsesTo]->(ms)\n"
                f"WHERE ns.bodyId IN g.partners AND ({pre_where})\n")
    cypher = ("UNWIND $groups AS g\n" + walk +
              "WITH ns.bodyId AS bodyId_pre, ms.bodyId AS bodyId_post, "
              f"{_roi_field('ns', sc.primary_only)} AS roi_pre, "
              f"{_roi_field('ms', sc.primary_only)} AS roi_post, "
              f"{_site_fields('ns', '_pre')}, {_site_fields('ms', '_post')}{nt_text}")
    base = {**sp.as_dict(), "roi_set": roi_set(returned_rois(sc, info))}
    frames = [client.read_columns(cypher, _CONNECTION_FIELDS + nt_names,
                                  {**base, "groups": groups},
                                  not_null=_CONNECTION_FIELDS[:2] + _CONNECTION_FIELDS[4:10])
              for groups in progress_bar(list(_partner_batches(pairs, anchor, partner,
                                                               batch_size)),
                                         progress, desc="synapse connections", unit="batch")]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_connections(nt, props)
    df = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame({"bodyId_pre": df["bodyId_pre"].astype("int64"),
                        "bodyId_post": df["bodyId_post"].astype("int64"),
                        "roi_pre": _rois(df["roi_pre"], sc.primary_only),
                        "roi_post": _rois(df["roi_post"], sc.primary_only)})
    for side in ("pre", "post"):
        for axis in "xyz":
            out[f"{axis}_{side}"] = coordinates(df[f"{axis}_{side}"])
    for side in ("pre", "post"):
        out[f"confidence_{side}"] = pd.to_numeric(df[f"confidence_{side}"]).astype("float32")
    if nt:
        values = df[nt_names].set_axis(props, axis=1).astype("float64")
        for name, column in nt_columns(nt, props, values).items():
            out[name] = column
    return out.sort_values(["bodyId_pre", "bodyId_post", "x_pre", "y_pre", "z_pre",
                            "x_post", "y_post", "z_post"], ignore_index=True)
