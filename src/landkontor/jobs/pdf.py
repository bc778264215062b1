"""PDF reports with reportlab: a title, a few header lines, and a long table that breaks
across pages with its header repeated, and page numbers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

PDF_TYPE = "application/pdf"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}".replace(",", "\u202f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def table_pdf(
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    header_lines: Sequence[str] = (),
    numeric_columns: Sequence[int] = (),
    landscape_pages: bool = False,
    footer: str = "Landkontor",
) -> bytes:
    """A PDF of ``rows`` under ``columns``; numeric columns are right-aligned."""
    buffer = io.BytesIO()
    pagesize = landscape(A4) if landscape_pages else A4
    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        title=title,
        author="Landkontor",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
    )
    styles = getSampleStyleSheet()
    story: list[Any] = [Paragraph(title, styles["Title"])]
    story += [Paragraph(line, styles["Normal"]) for line in header_lines]
    story.append(Spacer(1, 6 * mm))
    data = [list(columns)] + [[_text(v) for v in row] for row in rows]
    table = LongTable(data, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f0f0")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric_columns]
    table.setStyle(TableStyle(style))
    story.append(table)

    def page_footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(pagesize[0] - 15 * mm, 10 * mm, f"Seite {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()
