"""Cached summaries: ROI completeness, ROI connectivity, the cell type of the day
(computed as neuPrintHTTP does, kept until the dataset is reloaded: :mod:`..cached`)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .common import backend, resolved_dataset

router = APIRouter(tags=["cached"])


def _cached(request: Request, kind: str, dataset: str | None):
    ds = resolved_dataset(request, dataset)
    edit = next((d["lastEdit"] for d in backend(request).datasets()
                 if f"{d['dataset']}:{d['tag']}" == str(ds)), "")
    return request.app.state.summaries.get(kind, ds, str(edit))


@router.get("/api/cached/roicompleteness")
def roi_completeness(request: Request, dataset: str | None = None):
    """Per ROI: synapses of traced neurons and the dataset totals."""
    return _cached(request, "roicompleteness", dataset)


@router.get("/api/cached/roiconnectivity")
def roi_connectivity(request: Request, dataset: str | None = None):
    """ROI-to-ROI connectivity estimated from neurons' per-ROI counts."""
    return _cached(request, "roiconnectivity", dataset)


@router.get("/api/cached/dailytype")
def daily_type(request: Request, dataset: str | None = None):
    """The cell type of the day, an exemplar, its partners and skeleton."""
    return _cached(request, "dailytype", dataset)
