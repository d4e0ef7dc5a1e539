"""Neuron selection criteria, mirroring neuprint-python's ``NeuronCriteria``.

:class:`NeuronCriteria` (alias :data:`NC`) has the fields and semantics of
``neuprint.queries.neuroncriteria.NeuronCriteria`` but renders through the
condition tree of :mod:`connectograph.criteria.conditions`: values travel as
query parameters, names are backtick-escaped, and compound operands are always
parenthesised.

Differences from neuprint-python, all deliberate:

* ``None`` in a value list renders as ``(n.`status` IN $p1 OR n.`status` IS NULL)``.
  neuprint-python's ``where_expr`` emits ``n.status in [...] OR NOT exists(n.status)``
  without parentheses, which its caller joins with ``AND``, so
  ``NC(bodyId=[1, 2], status=['Traced', None])`` there matches *every* neuron
  with a null status whatever its bodyId. Fixed here.
* No ``exists(n.prop)`` (removed in Neo4j 5): ``IS NULL`` / ``IS NOT NULL``.
* ``inputRois``/``outputRois`` use ``EXISTS { MATCH (n)-[:InROI]->(:ROI) ... }``
  subqueries on connectograph's ``InROI`` relationships instead of APOC JSON
  parsing of ``roiInfo``; the result is the same. ``where(..., roi_seek=True)``
  renders the first of them so that the query can start at the ROI.
* The match variable is not a constructor argument (neuprint's ``matchvar``);
  it is given when rendering (``where(dataset, var="n")``). The first positional
  argument instead accepts what neuprint-python's ``copy_as_neuroncriteria``
  accepts (a bodyId, a list of them, a type/instance string, a DataFrame...).
* ROI and property names are checked in an explicit :meth:`NeuronCriteria.validate`
  step (no client at construction), which suggests the closest valid names.
* Any neuron property can be filtered as a keyword (``NC(cellBodyFiber='ADL13')``,
  ``NC(notes=IsNull)``), not only neuprint-python's fixed list.
* A list of regular expressions renders one ``=~`` per pattern, OR-ed.
  neuprint-python joins them into one ``(r1)|(r2)``, where a pattern such as
  ``'a)|(.*'`` closes its group and matches every neuron. Each pattern is
  checked at construction (:mod:`connectograph.criteria.regex`): an invalid
  one, or one Neo4j's Java dialect reads differently, is an
  :class:`~connectograph.errors.InvalidRegexError` instead of a raw
  ``Invalid Regex`` from the server.
* Values are checked at construction (:mod:`connectograph.criteria.values`):
  ``cropped``/``soma``/``regex`` take Python or numpy booleans only (``0``/``1``
  and text are refused, where neuprint-python takes ``cropped`` by its truth
  value, so ``cropped='False'`` means cropped), integers must fit in 64 bits,
  and text must be encodable, so nothing fails later in the driver.
"""

from __future__ import annotations

import builtins
import copy
import keyword
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..errors import CriteriaError, UnknownRoiError
from ..identifiers import DatasetName, escape_name
from .conditions import Condition, Parameters, check_variable, render_conjunct
from .filters import PropertyFilter
from .neuron_conditions import neuron_condition
from .neuron_values import (_LABELS, _RESERVED, _ROI_REQ, REGEX_CHARACTERS, REGEX_FIELDS, IsNull,
                            NotNull, _check_pattern, _check_rois, _check_values, _closest,
                            _differs, _guess_regex, _NullSentinel, _positional, _property_name)
from .values import as_list, check_bool, check_number

__all__ = ["NeuronCriteria", "NC", "IsNull", "NotNull", "copy_as_neuroncriteria",
           "REGEX_FIELDS", "REGEX_CHARACTERS"]


class NeuronCriteria:
    """Neuron (body) selection criteria; mirrors neuprint-python's ``NeuronCriteria``.

    Specifies which bodies to select; it sends no query itself but renders a
    ``WHERE`` condition (:meth:`where`) and a ``MATCH`` pattern (:meth:`match`)
    for the fetch functions. All criteria are AND-ed, except ``type`` and
    ``instance``, which are OR-ed with each other (a body matching either
    qualifies). A field given several values matches any of them (``IN``).

    Parameters
    ----------
    criteria : int, list of int, array, Series, DataFrame, str, list of str or NC, optional
        Positional shorthand (neuprint-python's ``copy_as_neuroncriteria`` rules):
        an int or integer list/array/Series is ``bodyId``; a DataFrame means its
        ``bodyId`` column; a str or list of str is both ``type`` and ``instance``
        (OR-ed, with the ``regex='guess'`` rule); a NeuronCriteria is copied
        (no other argument allowed then).
    bodyId : int or list of int, optional
        Body IDs (Python or numpy integers, within ``-2**63 .. 2**63 - 1``).
        If given, the default ``label`` becomes ``'Segment'``.
    type, instance : str or list of str, optional
        Cell type / instance; exact strings, or regular expressions per ``regex``.
        Given together, a body matching either qualifies.
    regex : bool or 'guess', default 'guess'
        Whether ``type``, ``instance`` (and ``flywireType``, ``hemibrainType``,
        ``mancType``) are regular expressions (``=~``, matching the whole
        string). ``'guess'``: true if any of those strings contains one of
        ``\\ . ? [ ] + ^ $ *``. After construction ``self.regex`` holds the
        resolved bool. Each pattern of a list is matched on its own (one
        ``=~`` per pattern, OR-ed), and each is checked at construction:
        it must be a valid Python regular expression without the constructs
        Neo4j's Java dialect reads otherwise (nested classes, ``{`` not
        starting a repetition, backreferences, flags other than ``i`` and
        ``s``...; see :mod:`connectograph.criteria.regex` for the full list
        and its limits).
    status, statusLabel : str or list of str, optional
        Reconstruction status (e.g. ``'Traced'``) / finer status label.
    cropped : bool, optional
        True: only ``n.cropped = true``; False: cropped false or absent.
        Python or numpy booleans; ``0``/``1`` and strings are refused.
    min_pre, min_post : int, default 0
        Minimum total t-bars (``n.pre``) / PSDs (``n.post``); 0 means no
        condition. Python or numpy integers (within 64 bits) or finite floats.
    rois : str or list of str, optional
        ROIs the body intersects at all (``n.`ROI` = true`` flags); always
        extended with ``inputRois`` and ``outputRois``; when given explicitly it
        must already be a superset of them (as in neuprint-python).
    inputRois, outputRois : str or list of str, optional
        ROIs where the body has at least ``min_roi_inputs`` input (post) /
        ``min_roi_outputs`` output (pre) synapses, checked on the ``InROI``
        relationship counts.
    min_roi_inputs, min_roi_outputs : int, default 1
        Only allowed above 1 together with ``inputRois`` / ``outputRois``.
    roi_req : {'all', 'any'}, default 'all'
        Whether every listed ROI must match or at least one. With ``'any'`` a
        body must still match one of ``rois``, one of ``inputRois`` AND one of
        ``outputRois``.
    soma : bool, optional
        True: ``n.somaLocation IS NOT NULL``; False: ``IS NULL``. (Deprecated in
        neuprint-python in favour of ``somaLocation``; kept.) Python or numpy
        booleans; ``0``/``1`` and strings are refused.
    somaLocation : IsNull or NotNull, optional
        Whether the body has a soma location; exact points cannot be matched.
    label : {'Neuron', 'Segment'}, optional
        Node label to match. Default ``'Neuron'``, or ``'Segment'`` when a
        non-empty ``bodyId`` is given (neuprint-python's rule: bodies you list
        explicitly are wanted whether or not they are Neurons).
    **properties
        Any other neuron property, e.g. ``cellBodyFiber='ADL13'``,
        ``class_='CX'`` (trailing ``_`` after a Python keyword is dropped),
        ``notes=IsNull``. Same value rules as ``status``, except that values
        may also be booleans, integers (within 64 bits) or floats (not NaN:
        use None or IsNull for a missing value). Names are escaped, and
        checked against the dataset in :meth:`validate`.

        Instead of values, ``type``, ``instance``, ``status``, ``statusLabel``
        and any other property take one value filter (:mod:`.filters`):
        ``ntGabaProb=AtLeast(0.5)``, ``pre=Between(100, 500)``,
        ``type=NotIn(['KCab'])``, ``hemilineage=Regex('0[0-9]A')``.

    Raises
    ------
    CriteriaError
        For any argument that would be ignored, change meaning or fail in the
        driver: a value of the wrong type, a boolean given as ``0``/``1`` or
        text, an integer outside 64 bits, text with a lone surrogate, a
        mapping where a list is expected, NaN. The message names the
        argument and what to pass instead.
    InvalidRegexError
        (a CriteriaError) For a regular expression that is invalid or that
        Neo4j would read differently; the message names the field and the
        pattern and says how to match it literally.
    InvalidIdentifierError
        For an ROI or property name that cannot be a Cypher name.

    Notes
    -----
    Value lists: ``None`` or :data:`IsNull` in a list also matches bodies
    without the property (``[None]`` alone: only those); :data:`NotNull` alone
    matches bodies that have it. The OR this creates is parenthesised; see the
    module docstring for the neuprint-python bug this fixes.

    Examples
    --------
    >>> ds = DatasetName.parse("hemibrain:v1.2.1")
    >>> NC(bodyId=[1, 2], status=['Traced', None]).where(ds)
    ('n.`bodyId` IN $p0 AND (n.`status` IN $p1 OR n.`status` IS NULL)', \
{'p0': [1, 2], 'p1': ['Traced']})
    """

    def __init__(self, criteria: Any = None, /, *, bodyId: Any = None, type: Any = None,
                 instance: Any = None, regex: bool | str = "guess", status: Any = None,
                 statusLabel: Any = None, cropped: bool | None = None, min_pre: int = 0,
                 min_post: int = 0, rois: Any = None, inputRois: Any = None,
                 outputRois: Any = None, min_roi_inputs: int = 1, min_roi_outputs: int = 1,
                 roi_req: str = "all", soma: bool | None = None, somaLocation: Any = None,
                 label: str | None = None, **properties: Any) -> None:
        if criteria is not None:
            if isinstance(criteria, NeuronCriteria):
                given = dict(bodyId=bodyId, type=type, instance=instance, status=status,
                             statusLabel=statusLabel, cropped=cropped, rois=rois,
                             inputRois=inputRois, outputRois=outputRois, soma=soma,
                             somaLocation=somaLocation, label=label)
                defaults = ((regex, "guess"), (min_pre, 0), (min_post, 0), (roi_req, "all"),
                            (min_roi_inputs, 1), (min_roi_outputs, 1))
                if any(v is not None for v in given.values()) or properties \
                        or any(_differs(v, d) for v, d in defaults):
                    raise CriteriaError(
                        "NeuronCriteria(other_criteria) copies it and takes no other argument")
                self.__dict__.update(copy.deepcopy(criteria.__dict__))
                return
            kind, value = _positional(criteria)
            if kind == "bodyId":
                if bodyId is not None:
                    raise CriteriaError("bodyId given both positionally and as bodyId=")
                bodyId = value
            else:
                if type is not None or instance is not None:
                    raise CriteriaError(
                        "a positional type/instance string cannot be combined with type= "
                        "or instance=")
                type = instance = value

        self.bodyId: list[int] = _check_values(as_list(bodyId, "bodyId"), "bodyId", kind="int")
        if any(v is None or isinstance(v, _NullSentinel) for v in self.bodyId):
            raise CriteriaError("bodyId cannot be None, IsNull or NotNull")
        self.type: list = _check_values(as_list(type, "type"), "type", kind="str")
        self.instance: list = _check_values(as_list(instance, "instance"), "instance", kind="str")
        self.status: list = _check_values(as_list(status, "status"), "status", kind="str")
        self.statusLabel: list = _check_values(as_list(statusLabel, "statusLabel"),
                                               "statusLabel", kind="str")

        self._properties: dict[str, list] = {}
        for kwarg, value in properties.items():
            prop = _property_name(kwarg)
            escape_name(prop)  # InvalidIdentifierError for control characters etc.
            if prop in _RESERVED or prop in self._properties:
                raise CriteriaError(f"property {prop!r} given twice")
            values = _check_values(as_list(value, prop), prop, kind="any")
            if values:  # an empty list is no criterion, as for status=[]
                self._properties[prop] = values

        guessed = isinstance(regex, str) and regex == "guess"
        if guessed:
            regex = _guess_regex(*(self._field(f) for f in REGEX_FIELDS))
        if not isinstance(regex, (bool, np.bool_)):
            raise CriteriaError(f"regex must be True, False or 'guess' (Python or numpy "
                                f"booleans), not {regex!r} ({builtins.type(regex).__name__})")
        self.regex: bool = bool(regex)
        if self.regex:
            for f in REGEX_FIELDS:
                for v in self._field(f):
                    if isinstance(v, PropertyFilter):
                        continue        # a filter says what it matches
                    if not (v is None or isinstance(v, (str, _NullSentinel))):
                        raise CriteriaError(f"{f}: regular expressions must be strings, got {v!r}")
                    if isinstance(v, str):
                        _check_pattern(f, v, guessed=guessed, fields=self._field)

        self.cropped: bool | None = check_bool(cropped, "cropped")

        counts = {name: check_number(v, name, minimum=0) for name, v in (
            ("min_pre", min_pre), ("min_post", min_post), ("min_roi_inputs", min_roi_inputs),
            ("min_roi_outputs", min_roi_outputs))}
        min_roi_inputs, min_roi_outputs = counts["min_roi_inputs"], counts["min_roi_outputs"]
        self.min_pre = counts["min_pre"]
        self.min_post = counts["min_post"]

        if not isinstance(roi_req, str) or roi_req not in _ROI_REQ:
            raise CriteriaError(f"roi_req must be 'all' or 'any', not {roi_req!r}")
        self.roi_req: str = roi_req
        inputs = _check_rois(inputRois, "inputRois")
        outputs = _check_rois(outputRois, "outputRois")
        intersecting = _check_rois(rois, "rois")
        if min_roi_inputs > 1 and not inputs:
            raise CriteriaError("min_roi_inputs needs inputRois: give the ROIs it applies to")
        if min_roi_outputs > 1 and not outputs:
            raise CriteriaError("min_roi_outputs needs outputRois: give the ROIs it applies to")
        if intersecting and not intersecting >= inputs | outputs:
            missing = sorted((inputs | outputs) - intersecting)
            raise CriteriaError(
                f"rois must include every inputRois/outputRois ROI; missing {missing}. "
                "Leave rois empty to have it filled in automatically")
        self.rois: frozenset[str] = intersecting | inputs | outputs
        self.inputRois: frozenset[str] = inputs
        self.outputRois: frozenset[str] = outputs
        self.min_roi_inputs = min_roi_inputs
        self.min_roi_outputs = min_roi_outputs

        soma = check_bool(soma, "soma")
        if not (somaLocation is None or somaLocation is IsNull or somaLocation is NotNull):
            raise CriteriaError(
                "somaLocation can only be IsNull or NotNull (a soma point cannot be matched "
                f"exactly), not {somaLocation!r}")
        if soma is not None and somaLocation is not None:
            raise CriteriaError("give soma or somaLocation, not both "
                                "(soma=True is somaLocation=NotNull)")
        self.soma: bool | None = soma
        self.somaLocation = somaLocation

        if label is None:
            label = "Segment" if self.bodyId else "Neuron"
        if not isinstance(label, str) or label not in _LABELS:
            raise CriteriaError(f"label must be 'Neuron' or 'Segment', not {label!r}")
        self.label: str = label

    # --- field access ---------------------------------------------------------

    def _field(self, name: str) -> list:
        if name in ("type", "instance"):
            return getattr(self, name)
        return self._properties.get(name, [])

    @property
    def properties(self) -> dict[str, list]:
        """The extra property criteria, ``{property name: values}`` (a copy)."""
        return {k: list(v) for k, v in self._properties.items()}

    def __getattr__(self, name: str) -> Any:
        # neuprint-python exposes every criterion as an attribute (nc.cellBodyFiber).
        if name.startswith("_"):
            raise AttributeError(name)
        props = self.__dict__.get("_properties", {})
        if name in props:
            return list(props[name])
        if _property_name(name) in props:
            return list(props[_property_name(name)])
        raise AttributeError(f"NeuronCriteria has no criterion {name!r}")

    @property
    def all_rois(self) -> frozenset[str]:
        """Every ROI named in ``rois``, ``inputRois`` or ``outputRois``."""
        return self.rois | self.inputRois | self.outputRois

    # --- validation -----------------------------------------------------------

    def validate(self, known_rois: Iterable[str],
                 neuron_properties: Iterable[str] | None = None) -> "NeuronCriteria":
        """Check ROI and property names against a dataset; return ``self``.

        Like neuprint-python's ``_validate_rois`` (which uses the client's
        ``all_rois``), but an explicit step, and it also checks extra property
        names against the dataset's ``Meta.neuronProperties``.

        Parameters
        ----------
        known_rois : iterable of str
            All ROI names of the dataset.
        neuron_properties : iterable of str, optional
            The keys of ``Meta.neuronProperties``; None skips the property check.

        Raises
        ------
        UnknownRoiError
            Naming every unknown ROI with the closest known names.
        CriteriaError
            For a property the dataset's neurons do not have, with close names.
        """
        known = set(known_rois)
        unknown = sorted(self.all_rois - known)
        if unknown:
            details = "; ".join(f"{r!r}: {_closest(r, known)}" for r in unknown)
            raise UnknownRoiError(f"unknown ROI(s) in this dataset: {details}")
        if neuron_properties is not None:
            props = set(neuron_properties)
            bad = sorted(p for p in self._properties if p not in props)
            if bad:
                details = "; ".join(f"{p!r}: {_closest(p, props)}" for p in bad)
                raise CriteriaError(f"unknown neuron property(ies) in this dataset: {details}")
        return self

    # --- rendering --------------------------------------------------------------

    def condition(self, dataset: DatasetName | str, var: str = "n", *,
                  roi_seek: bool = False) -> Condition:
        """The criteria as a condition tree (an :class:`And`), for composing
        several criteria in one query: ``And(a.condition(ds, 'a'), b.condition(ds, 'b'))``.

        The order is fixed: bodyId, type/instance, other regex-optional types,
        status, statusLabel, cropped, min_pre, min_post, soma, other properties
        (sorted by name), ``rois`` flags, ``inputRois``, ``outputRois``
        (:func:`~connectograph.criteria.neuron_conditions.neuron_condition`).

        ``roi_seek``: see :meth:`where`.
        """
        return neuron_condition(self, _dataset(dataset), var, roi_seek=roi_seek)

    def where(self, dataset: DatasetName | str, var: str = "n",
              params: Parameters | None = None, *, roi_seek: bool = False) -> tuple[str, dict]:
        """Render the ``WHERE`` condition (without the keyword).

        Mirrors neuprint-python's ``basic_conditions()`` plus
        ``directed_rois_condition()`` in a single boolean expression.

        Parameters
        ----------
        dataset : DatasetName or str
            The dataset (``name:tag``), needed for the dataset-scoped ROI label.
        var : str, default "n"
            The Cypher variable of the body.
        params : Parameters, optional
            Shared collector when several criteria go into one query.
        roi_seek : bool, default False
            Render the first ``inputRois``/``outputRois`` requirement as
            ``elementId(n) IN COLLECT { MATCH (n_roi:`D_ROI`)<-[n_in:InROI]-(n_body)
            WHERE ... RETURN DISTINCT elementId(n_body) }`` instead of
            ``EXISTS { ... }`` (same result). Neo4j then starts at the ROI's
            unique name index and seeks the bodies it reaches, instead of
            scanning every body of the label and testing each (on 1M synthetic
            synapses: 24k instead of 158k db hits for one ROI). Set it only when
            ``var`` is the node the query starts from (``MATCH (n) WHERE ...``
            at the head of the query), and for at most one criteria per query:
            elsewhere (inside path predicates, a second criteria of the same
            query) the planner cannot seek with it and would re-run the
            subquery for every row. No effect without inputRois/outputRois, nor
            when the criteria also filter on bodyId, type, instance, status,
            statusLabel or another neuron property (they may be indexed, and
            then the planner seeks on them and re-runs the subquery per row).

        Returns
        -------
        (str, dict)
            The condition text (``true`` if there are no criteria) and every
            parameter in the collector. The text is safe to join with ``AND``
            (a top-level ``OR`` comes parenthesised); to ``OR`` it with other
            text, wrap it in parentheses, or compose :meth:`condition` trees.
        """
        params = params if params is not None else Parameters()
        text = render_conjunct(self.condition(dataset, var, roi_seek=roi_seek), params)
        return text, params.as_dict()

    def match(self, dataset: DatasetName | str, var: str = "n") -> str:
        """The node pattern, e.g. ``(n:`hemibrain:v1.2.1_Neuron`)`` (label from ``label``)."""
        check_variable(var)
        return f"({var}:{_dataset(dataset).label(self.label)})"

    def to_cypher(self, dataset: DatasetName | str, var: str = "n", *,
                  roi_seek: bool = False) -> tuple[str, dict]:
        """A complete ``MATCH ... WHERE ... RETURN var`` query and its parameters,
        for inspection (nothing is sent to a database); ``roi_seek`` as in
        :meth:`where`."""
        text, params = self.where(dataset, var, roi_seek=roi_seek)
        return f"MATCH {self.match(dataset, var)}\nWHERE {text}\nRETURN {var}", params

    # --- comparison and display -------------------------------------------------

    def _state(self) -> tuple:
        # regex only matters when a regex-optional field is given
        regex = self.regex if any(self._field(f) for f in REGEX_FIELDS) else None
        return (self.bodyId, self.type, self.instance, regex, self.status,
                self.statusLabel, self.cropped, self.min_pre, self.min_post, self.rois,
                self.inputRois, self.outputRois, self.min_roi_inputs, self.min_roi_outputs,
                self.roi_req, self.soma, self.somaLocation, self.label,
                sorted(self._properties.items()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NeuronCriteria):
            return NotImplemented
        return self._state() == other._state()

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside

    def __repr__(self) -> str:
        args: list[str] = []

        def values(name: str, vals: list) -> None:
            if not vals:
                return
            if len(vals) == 1 and vals[0] is not None:
                args.append(f"{name}={vals[0]!r}")
            else:
                args.append(f"{name}={vals!r}")

        values("bodyId", self.bodyId)
        values("type", self.type)
        values("instance", self.instance)
        if any(self._field(f) for f in REGEX_FIELDS):
            args.append(f"regex={self.regex}")
        values("status", self.status)
        values("statusLabel", self.statusLabel)
        if self.cropped is not None:
            args.append(f"cropped={self.cropped}")
        if self.min_pre:
            args.append(f"min_pre={self.min_pre!r}")
        if self.min_post:
            args.append(f"min_post={self.min_post!r}")
        for name in ("rois", "inputRois", "outputRois"):
            rois = getattr(self, name)
            if rois:
                args.append(f"{name}={sorted(rois)!r}")
        if self.min_roi_inputs != 1:
            args.append(f"min_roi_inputs={self.min_roi_inputs!r}")
        if self.min_roi_outputs != 1:
            args.append(f"min_roi_outputs={self.min_roi_outputs!r}")
        if self.roi_req != "all":
            args.append(f"roi_req={self.roi_req!r}")
        if self.soma is not None:
            args.append(f"soma={self.soma}")
        if self.somaLocation is not None:
            args.append(f"somaLocation={self.somaLocation!r}")
        if self.label != ("Segment" if self.bodyId else "Neuron"):
            args.append(f"label={self.label!r}")
        odd = {}
        for prop, vals in self._properties.items():
            kwarg = prop + "_" if keyword.iskeyword(prop) else prop
            if kwarg.isidentifier() and kwarg not in _RESERVED:
                values(kwarg, vals)
            else:
                odd[prop] = vals if len(vals) != 1 or vals[0] is None else vals[0]
        if odd:
            args.append(f"**{odd!r}")
        return f"NeuronCriteria({', '.join(args)})"


#: Short alias, as in ``from neuprint import NeuronCriteria as NC``.
NC = NeuronCriteria


def _dataset(dataset: DatasetName | str) -> DatasetName:
    if isinstance(dataset, DatasetName):
        return dataset
    return DatasetName.parse(dataset)


def copy_as_neuroncriteria(obj: Any) -> NeuronCriteria:
    """neuprint-python's ``copy_as_neuroncriteria``: a copy of a NeuronCriteria,
    ``NC()`` for None, else ``NC(obj)`` by the positional rules (bodyId(s),
    type/instance string(s), DataFrame with ``bodyId``).

    Raises
    ------
    CriteriaError
        For an empty list, ``[None]`` or anything else unrecognised.
    """
    if obj is None:
        return NeuronCriteria()
    return NeuronCriteria(obj)
