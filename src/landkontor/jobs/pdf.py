"""PDF reports with reportlab: a title, a few header lines, and headed sections of long
tables that break across pages with their header repeated, and page numbers."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

PDF_TYPE = "application/pdf"


def number(value: Decimal | None, places: int = 2) -> str:
    """A number as German reports print it: 1.234.567,89 (``places`` decimals)."""
    if value is None:
        return ""
    text = f"{value:,.{places}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


@dataclass(frozen=True)
class Section:
    """A heading, optional lines of text and a table; without rows the ``empty`` text
    stands instead of the table (no text: the table's header alone)."""

    heading: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    numeric_columns: Sequence[int] = ()
    lines: Sequence[str] = ()
    empty: str = "—"


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[int]) -> Any:
    data = [list(columns)] + [[_text(v) for v in row] for row in rows]
    table = LongTable(data, repeatRows=1)
    style: list[tuple[Any, ...]] = [  # TableStyle commands: name, cell range, arguments
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f0f0f0")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in numeric]
    table.setStyle(TableStyle(style))
    return table


def sections_pdf(
    title: str,
    sections: Iterable[Section],
    *,
    header_lines: Sequence[str] = (),
    landscape_pages: bool = False,
    footer: str = "Landkontor",
) -> bytes:
    """A PDF with a title, header lines and one headed table per section; tables break
    across pages with their header repeated; every page has a footer and its number."""
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
    story: list[Any] = [Paragraph(escape(title), styles["Title"])]
    story += [Paragraph(escape(line), styles["Normal"]) for line in header_lines]
    for section in sections:
        story.append(Spacer(1, 6 * mm))
        if section.heading:
            story.append(Paragraph(escape(section.heading), styles["Heading2"]))
        story += [Paragraph(escape(line), styles["Normal"]) for line in section.lines]
        if section.rows or not section.empty:
            story.append(_table(section.columns, section.rows, section.numeric_columns))
        else:
            story.append(Paragraph(escape(section.empty), styles["Normal"]))

    def page_footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(pagesize[0] - 15 * mm, 10 * mm, f"Seite {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_footer, onLaterPages=page_footer)
    return buffer.getvalue()


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
    return sections_pdf(
        title,
        [Section("", columns, list(rows), numeric_columns, empty="")],
        header_lines=header_lines,
        landscape_pages=landscape_pages,
        footer=footer,
    )
