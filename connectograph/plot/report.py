"""A cell type's page as one self-contained HTML file: the tables of
:func:`~connectograph.fetch.cell_type_report.fetch_cell_type_report` and its
pictures inline (base64 PNG), readable offline."""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ._deps import new_figure
from .matrix import plot_connectivity_matrix

#: Partner types drawn in a report's matrices.
MATRIX_TYPES = 15

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
table.dataframe { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0 1.5em; }
table.dataframe th, table.dataframe td { border: 1px solid #ddd; padding: 3px 8px; }
table.dataframe th { background: #f2f2f2; text-align: left; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
.note { color: #666; font-size: 0.9em; }
"""


def _png(fig) -> str:
    """The figure as an inline ``<img>`` (base64 PNG)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(fig.axes[0].get_title())}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame | None, empty: str) -> str:
    if df is None or df.empty:
        return f'<p class="note">{html.escape(empty)}</p>'
    return df.to_html(index=False, float_format=lambda v: f"{v:,.2f}", na_rep="",
                      border=0, escape=True)


def _roi_figure(rois: pd.DataFrame, cell_type: str):
    """Horizontal bars: inputs (PSDs) and outputs (T-bars) per ROI."""
    rows = rois.head(20).iloc[::-1]
    fig = new_figure("cell_type_report_html", (7, 1.5 + 0.3 * len(rows)))
    ax = fig.add_subplot()
    y = range(len(rows))
    ax.barh([v + 0.2 for v in y], rows["inputs"], height=0.4, label="inputs (PSDs)",
            color="#1f77b4")
    ax.barh([v - 0.2 for v in y], rows["outputs"], height=0.4, label="outputs (T-bars)",
            color="#d62728")
    ax.set_yticks(list(y), labels=rows["roi"].tolist())
    ax.set_xlabel("synapses")
    ax.set_ylabel("ROI")
    ax.set_title(f"{cell_type}: synapses per ROI")
    ax.legend()
    return fig


def _partner_matrix(conn: pd.DataFrame, partners: pd.DataFrame, side: str, cell_type: str):
    """Top partner types × this type's bodies (upstream) or the reverse."""
    top = partners["type"].head(MATRIX_TYPES).tolist()
    conn = conn.assign(type_pre=conn["type_pre"].fillna("(untyped)"),
                       type_post=conn["type_post"].fillna("(untyped)"))
    if side == "upstream":
        conn = conn[conn["type_pre"].isin(top)]
        group, title = ("type_pre", "bodyId_post"), f"inputs of {cell_type} by partner type"
    else:
        conn = conn[conn["type_post"].isin(top)]
        group, title = ("bodyId_pre", "type_post"), f"outputs of {cell_type} by partner type"
    return plot_connectivity_matrix(conn, group, scale="log", title=title)


def cell_type_report_html(report) -> str:
    """One self-contained HTML page of a :class:`CellTypeReport`.

    Parameters
    ----------
    report : CellTypeReport
        From :func:`~connectograph.fetch.cell_type_report.fetch_cell_type_report`.

    Returns
    -------
    str
        HTML with the tables (instances, synapses per ROI, upstream and
        downstream partner types, gap-junction partners) and the pictures
        (synapses per ROI, partner matrices) as base64 PNG: no file or
        address outside the page.

    Raises
    ------
    MissingDependencyError
        matplotlib is not installed (``pip install 'connectograph[plot]'``).
    """
    t = report.type
    parts = [f"<h1>{html.escape(t)}</h1>",
             f'<p class="note">dataset {html.escape(report.dataset)} · {len(report.neurons)} '
             f'cells · written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by '
             'connectograph</p>',
             "<h2>Instances</h2>", _table(report.instances, "no instances"),
             "<h2>Synapses per ROI</h2>"]
    if not report.rois.empty:
        parts.append(_png(_roi_figure(report.rois, t)))
    parts.append(_table(report.rois, "no synapses in primary ROIs"))
    nt = (f" Transmitters: the partners' most common <code>{report.transmitter_property}"
          "</code>." if report.transmitter_property else
          " The dataset predicts no transmitters.")
    for side, table, conn in (("upstream", report.upstream, report.upstream_connections),
                              ("downstream", report.downstream,
                               report.downstream_connections)):
        parts.append(f"<h2>{side.capitalize()} partner types</h2>")
        parts.append(f'<p class="note">total_weight: synapses; mean_weight: per {html.escape(t)} '
                     f'cell; cells: partner bodies.{nt}</p>')
        if not table.empty:
            parts.append(_png(_partner_matrix(conn, table, side, t)))
        parts.append(_table(table, f"no {side} partners in this dataset"))
    parts.append("<h2>Gap-junction partners</h2>")
    parts.append(_table(report.gap_junctions,
                        "the dataset has no gap junctions" if report.gap_junctions is None
                        else "no gap-junction partners"))
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(t)} · {html.escape(report.dataset)}</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n")


def write_cell_type_report(cell_type: str, path: str | Path, *, client=None,
                           top: int | None = 20) -> Path:
    """Fetch a cell type's report and write it as one HTML file.

    Parameters
    ----------
    cell_type : str
        Exact ``type``.
    path : str or Path
        The HTML file to write.
    client : Client, optional
    top : int or None, default 20
        Partner types per table.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    UnknownCellTypeError
        No neuron of that type.
    MissingDependencyError
        matplotlib is not installed.
    """
    from ..fetch.cell_type_report import fetch_cell_type_report

    report = fetch_cell_type_report(cell_type, top=top, client=client)
    path = Path(path)
    path.write_text(cell_type_report_html(report), encoding="utf-8")
    return path
