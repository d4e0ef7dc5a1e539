"""Synapse selection criteria, mirroring neuprint-python's ``SynapseCriteria``.

Differences from neuprint-python: no client at construction (ROI names are
checked in :meth:`SynapseCriteria.validate`; the default confidence comes from
the caller, who reads ``Meta.postHighAccuracyThreshold``), the match variable
is given when rendering, values are query parameters and ROI names are
escaped identifiers.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable
from typing import Any

from ..errors import CriteriaError, UnknownRoiError
from ..identifiers import DatasetName, escape_name
from ..vocabulary import SYNAPSE_TYPES
from .conditions import (And, BoolProperty, Condition, Equals, Greater, Or, Parameters,
                         check_variable, render_conjunct)
from .values import as_list, check_bool, plain_scalar

__all__ = ["SynapseCriteria"]


def _closest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
    if close:
        return "did you mean " + ", ".join(repr(c) for c in close) + "?"
    return "no similar name exists"


class SynapseCriteria:
    """Synapse selection criteria; mirrors neuprint-python's ``SynapseCriteria``.

    Parameters
    ----------
    rois : str or list of str, optional
        Keep synapses inside ANY of these ROIs (``s.`ROI` = true`` flags, OR-ed).
        A list, tuple, set, array or Series of names; a mapping is refused.
    type : {'pre', 'post'}, optional
        Keep only t-bars (``'pre'``) or PSDs (``'post'``); None or ``''``: both.
    confidence : float, optional
        Keep synapses with ``s.confidence > confidence`` (strictly greater, as
        neuPrint and neuprint-python do). None: the dataset's default,
        ``Meta.postHighAccuracyThreshold``, which the caller passes to
        :meth:`where` as ``default_confidence`` (so the synapses kept are those
        counted in connection ``weight``). 0 means no confidence condition.
    primary_only : bool, default True
        Whether results associate each synapse with its primary ROI only. It
        does not filter (see ``rois``), but as in neuprint-python, listing a
        non-primary ROI in ``rois`` then is an error (see :meth:`validate`).
        Python or numpy booleans; ``0``/``1`` and strings are refused.

    Raises
    ------
    CriteriaError
        For a mapping or non-string ROI names, a type other than 'pre',
        'post' or None, a confidence outside 0..1, a non-boolean
        ``primary_only``; the message says what to pass instead.
    InvalidIdentifierError
        For an ROI name that cannot be a Cypher name.
    """

    def __init__(self, rois: Any = None, type: str | None = None,
                 confidence: float | None = None, primary_only: bool = True) -> None:
        rois = [plain_scalar(r) for r in as_list(rois, "rois")]
        for roi in rois:
            if not isinstance(roi, str):
                raise CriteriaError(f"rois must be ROI names (strings), got {roi!r}")
            escape_name(roi)  # InvalidIdentifierError for empty/control characters
        self.rois: frozenset[str] = frozenset(rois)

        if isinstance(type, str) and not type:
            type = None  # neuprint-python's ``type or None``
        if not (type is None or (isinstance(type, str) and type in SYNAPSE_TYPES)):
            raise CriteriaError(f"synapse type must be 'pre', 'post' or None, not {type!r}")
        self.type: str | None = None if type is None else str(type)

        if confidence is not None:
            if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) \
                    or not 0.0 <= float(confidence) <= 1.0:
                raise CriteriaError(
                    f"confidence must be a number from 0.0 to 1.0 or None, not {confidence!r}")
            confidence = float(confidence)
        self.confidence: float | None = confidence

        self.primary_only: bool = check_bool(primary_only, "primary_only", allow_none=False)

    def validate(self, known_rois: Iterable[str],
                 primary_rois: Iterable[str] | None = None) -> "SynapseCriteria":
        """Check ROI names against the dataset; return ``self``.

        Parameters
        ----------
        known_rois : iterable of str
            All ROI names of the dataset.
        primary_rois : iterable of str, optional
            ``Meta.primaryRois``; when given and ``primary_only`` is true, a
            non-primary ROI in ``rois`` is an error (as in neuprint-python).

        Raises
        ------
        UnknownRoiError
            For unknown ROIs, with the closest known names.
        CriteriaError
            For non-primary ROIs while ``primary_only=True``.
        """
        known = set(known_rois)
        unknown = sorted(self.rois - known)
        if unknown:
            details = "; ".join(f"{r!r}: {_closest(r, known)}" for r in unknown)
            raise UnknownRoiError(f"unknown synapse ROI(s) in this dataset: {details}")
        if primary_rois is not None and self.primary_only:
            nonprimary = sorted(self.rois - set(primary_rois))
            if nonprimary:
                raise CriteriaError(
                    f"non-primary ROI(s) {nonprimary} listed with primary_only=True; "
                    "pass primary_only=False to use them")
        return self

    def effective_confidence(self, default_confidence: float = 0.0) -> float:
        """The threshold used: ``confidence``, or ``default_confidence`` if None."""
        return self.confidence if self.confidence is not None else float(default_confidence)

    def condition(self, dataset: DatasetName | str, var: str = "s",
                  default_confidence: float = 0.0) -> Condition:
        """The criteria as a condition tree: ROIs (OR-ed), confidence, type."""
        check_variable(var)
        parts: list[Condition] = []
        if self.rois:
            parts.append(Or(*(BoolProperty(var, roi) for roi in sorted(self.rois))))
        conf = self.effective_confidence(default_confidence)
        if conf:
            parts.append(Greater(var, "confidence", conf))
        if self.type:
            parts.append(Equals(var, "type", self.type))
        return And(*parts)

    def where(self, dataset: DatasetName | str, var: str = "s",
              params: Parameters | None = None,
              default_confidence: float = 0.0) -> tuple[str, dict]:
        """Render the ``WHERE`` condition (without the keyword).

        Mirrors neuprint-python's ``SynapseCriteria.condition()``: ROIs OR-ed
        (``s.`ROI` = true``), then ``s.confidence > $c`` -- strictly greater,
        neuPrint's convention -- then ``s.type = $t``.

        Parameters
        ----------
        dataset : DatasetName or str
            The dataset (kept for symmetry with NeuronCriteria; synapse ROI
            flags are not dataset-scoped).
        var : str, default "s"
        params : Parameters, optional
            Shared collector when several criteria go into one query.
        default_confidence : float, default 0.0
            Threshold used when ``confidence`` is None: pass the dataset's
            ``Meta.postHighAccuracyThreshold``. A threshold of 0 adds no condition.

        Returns
        -------
        (str, dict)
            The condition text (``true`` if empty) and all collected parameters.
        """
        params = params if params is not None else Parameters()
        text = render_conjunct(self.condition(dataset, var, default_confidence), params)
        return text, params.as_dict()

    def match(self, dataset: DatasetName | str, var: str = "s") -> str:
        """The node pattern, e.g. ``(s:`hemibrain:v1.2.1_Synapse`)``."""
        check_variable(var)
        ds = dataset if isinstance(dataset, DatasetName) else DatasetName.parse(dataset)
        return f"({var}:{ds.label('Synapse')})"

    def to_cypher(self, dataset: DatasetName | str, var: str = "s",
                  default_confidence: float = 0.0) -> tuple[str, dict]:
        """A complete ``MATCH ... WHERE ... RETURN var`` for inspection."""
        text, params = self.where(dataset, var, default_confidence=default_confidence)
        return f"MATCH {self.match(dataset, var)}\nWHERE {text}\nRETURN {var}", params

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SynapseCriteria):
            return NotImplemented
        return (self.rois, self.type, self.confidence, self.primary_only) == \
            (other.rois, other.type, other.confidence, other.primary_only)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        args = []
        if self.rois:
            args.append(f"rois={sorted(self.rois)!r}")
        if self.type:
            args.append(f"type={self.type!r}")
        if self.confidence is not None:
            args.append(f"confidence={self.confidence!r}")
        if not self.primary_only:
            args.append("primary_only=False")
        return f"SynapseCriteria({', '.join(args)})"
