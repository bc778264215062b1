"""The shared layout of every business document: a DIN 5008 (form B) letter on A4.

Page 1 carries the letterhead (logo, company name), the address field for window envelopes
(20 mm from the left, 45 mm from the top, 85 x 45 mm: a return line, then the recipient),
the information block on the right (numbers, dates), fold and punch marks; the text starts
below them. Every page has the footer with the company's address, register, tax numbers and
bank, and "Seite n von m". Tables of lines may carry their running total from page to page
("Übertrag"): each line records the total so far when it is drawn, and the page callbacks
print it at the foot of a page that ends inside the table and at the head of the next.

Output is deterministic (reportlab's invariant mode: fixed creation date and document id),
so the same document renders to the same bytes. Fonts are the Bitstream Vera TrueType fonts
shipped with reportlab, embedded in the PDF (PDF/A needs embedded fonts).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdfcanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from landkontor.company.models import Company

FONT, FONT_BOLD = "LkVera", "LkVera-Bold"
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT = 25 * mm, 20 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT
FOOTER_HEIGHT = 24 * mm
CARRY_HEIGHT = 7 * mm
FIRST_TOP = 98.5 * mm  # DIN 5008 form B: text starts below the address and information block
NEXT_TOP = 30 * mm


@cache
def register_fonts() -> None:
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=11.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "bold": ParagraphStyle("bold", parent=base, fontName=FONT_BOLD),
        "subject": ParagraphStyle(
            "subject", parent=base, fontName=FONT_BOLD, fontSize=12, leading=15, spaceAfter=4 * mm
        ),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle(
            "right_bold", parent=base, alignment=TA_RIGHT, fontName=FONT_BOLD
        ),
    }


# --- German formatting (one place for every document) ------------------------------------
def money(value: Decimal | None, *, currency: bool = False) -> str:
    """1234.5 -> '1.234,50' (with ' €' when ``currency``)."""
    if value is None:
        return ""
    text = f"{value.quantize(Decimal('0.01')):,.2f}".replace(",", "_").replace(".", ",")
    text = text.replace("_", ".")
    return f"{text} €" if currency else text


def number(value: Decimal | None, places: int = 3) -> str:
    """A quantity or price, German, trailing zeros removed down to ``places`` at most."""
    if value is None:
        return ""
    text = f"{value.quantize(Decimal(1).scaleb(-places)):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def percent(value: Decimal) -> str:
    return number(value, 2) + " %"


def day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the letter ----------------------------------------------------------------------------
@dataclass
class Letter:
    """What the letter frame around a document's content shows."""

    company: Company
    title: str  # PDF title, e.g. "Rechnung RE-2026-000123"
    recipient: Sequence[str]  # name and address lines
    info: Sequence[tuple[str, str]]  # the information block: label, value
    carry_label: str = "Übertrag"
    logo: Flowable | None = None


class CarryMark(Flowable):
    """Invisible: records the running total of a table when the page layout draws it."""

    def __init__(self, total: Decimal, last: bool) -> None:
        super().__init__()
        self.total, self.last = total, last
        self.width = self.height = 0

    def draw(self) -> None:
        doc = self.canv._doctemplate  # type: ignore[attr-defined]
        doc.carry = None if self.last else self.total


class _NumberedCanvas(pdfcanvas.Canvas):
    """Holds the pages back until the end, then prints "Seite n von m" on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._saved.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # private, missing in types-reportlab

    def save(self) -> None:
        total = len(self._saved)
        for state in self._saved:
            self.__dict__.update(state)
            self.setFont(FONT, 7.5)
            self.drawRightString(
                PAGE_WIDTH - RIGHT,
                FOOTER_HEIGHT + 1 * mm,
                f"Seite {self.getPageNumber()} von {total}",
            )
            super().showPage()
        super().save()


def _footer_columns(company: Company) -> list[list[str]]:
    address = f"{company.postal_code} {company.city}".strip()
    first = [company.legal_name, company.street, address]
    second = [
        f"Tel. {company.phone}" if company.phone else "",
        company.email,
        company.website,
    ]
    third = [
        f"Geschäftsführung: {company.managing_directors}" if company.managing_directors else "",
        " ".join(p for p in (company.register_court, company.register_number) if p),
        " · ".join(
            p
            for p in (
                f"USt-IdNr. {company.vat_id}" if company.vat_id else "",
                f"St.-Nr. {company.tax_number}" if company.tax_number else "",
            )
            if p
        ),
    ]
    fourth = [
        company.bank_name,
        f"IBAN {company.iban}" if company.iban else "",
        f"BIC {company.bic}" if company.bic else "",
    ]
    return [first, second, third, fourth]


def _draw_footer(canvas: pdfcanvas.Canvas, company: Company) -> None:
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.3)
    canvas.line(LEFT, FOOTER_HEIGHT - 2 * mm, PAGE_WIDTH - RIGHT, FOOTER_HEIGHT - 2 * mm)
    canvas.setFont(FONT, 6.5)
    width = TEXT_WIDTH / 4
    for column, lines in enumerate(_footer_columns(company)):
        y = FOOTER_HEIGHT - 6 * mm
        for line in lines:
            if line:
                canvas.drawString(LEFT + column * width, y, line[:60])
            y -= 3 * mm


def _draw_marks(canvas: pdfcanvas.Canvas) -> None:
    """Fold marks (105 and 210 mm, form B) and the punch mark (148.5 mm)."""
    canvas.setLineWidth(0.3)
    for y_mm, length in ((105, 5), (148.5, 8), (210, 5)):
        y = PAGE_HEIGHT - y_mm * mm
        canvas.line(5 * mm, y, (5 + length) * mm, y)


def _draw_first_page(canvas: pdfcanvas.Canvas, letter: Letter) -> None:
    company = letter.company
    top = PAGE_HEIGHT
    if letter.logo is not None:
        letter.logo.drawOn(
            canvas, PAGE_WIDTH - RIGHT - letter.logo.width, top - 10 * mm - letter.logo.height
        )
    canvas.setFont(FONT_BOLD, 14)
    canvas.drawString(LEFT, top - 20 * mm, company.legal_name)
    canvas.setFont(FONT, 8)
    canvas.drawString(
        LEFT,
        top - 25 * mm,
        " · ".join(
            p for p in (company.street, f"{company.postal_code} {company.city}".strip()) if p
        ),
    )
    # address field: return line in the first zone, recipient from 62.7 mm down
    canvas.setFont(FONT, 6.5)
    sender = f"{company.legal_name} · {company.street} · {company.postal_code} {company.city}"
    canvas.drawString(20 * mm, top - 50 * mm, sender[:90])
    canvas.setLineWidth(0.2)
    canvas.line(20 * mm, top - 51 * mm, 105 * mm, top - 51 * mm)
    canvas.setFont(FONT, 10)
    y = top - 62.7 * mm
    for line in letter.recipient[:9]:
        canvas.drawString(20 * mm, y, line[:50])
        y -= 4.2 * mm
    # information block: right, from 50 mm
    canvas.setFont(FONT, 8)
    y = top - 50 * mm
    for label, value in letter.info:
        canvas.drawString(125 * mm, y, label)
        canvas.drawString(158 * mm, y, value)
        y -= 4 * mm
    _draw_marks(canvas)


class LetterDocument(BaseDocTemplate):
    """A BaseDocTemplate for one letter; knows the running total of its line table."""

    def __init__(self, buffer: io.BytesIO, letter: Letter) -> None:
        self.letter = letter
        self.carry: Decimal | None = None
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=LEFT,
            rightMargin=RIGHT,
            topMargin=NEXT_TOP,
            bottomMargin=FOOTER_HEIGHT + CARRY_HEIGHT,
            title=letter.title,
            author=letter.company.legal_name,
            creator="Landkontor",
            invariant=1,
            initialFontName=FONT,  # no unembedded Helvetica (PDF/A embeds every font)
        )
        bottom = FOOTER_HEIGHT + CARRY_HEIGHT + 3 * mm
        first = Frame(
            LEFT, bottom, TEXT_WIDTH, PAGE_HEIGHT - FIRST_TOP - bottom, id="first", showBoundary=0
        )
        later = Frame(
            LEFT, bottom, TEXT_WIDTH, PAGE_HEIGHT - NEXT_TOP - CARRY_HEIGHT - bottom, id="later"
        )
        self.addPageTemplates(
            [
                PageTemplate(
                    "first",
                    [first],
                    onPage=self._first_page,
                    onPageEnd=self._page_end,
                    autoNextPageTemplate="later",
                ),
                PageTemplate("later", [later], onPage=self._later_page, onPageEnd=self._page_end),
            ]
        )

    def _first_page(self, canvas: pdfcanvas.Canvas, _doc: Any) -> None:
        _draw_first_page(canvas, self.letter)
        _draw_footer(canvas, self.letter.company)

    def _later_page(self, canvas: pdfcanvas.Canvas, _doc: Any) -> None:
        canvas.setFont(FONT, 8)
        canvas.drawString(
            LEFT, PAGE_HEIGHT - 18 * mm, f"{self.letter.company.legal_name} · {self.letter.title}"
        )
        if self.carry is not None:
            self._carry_line(
                canvas,
                PAGE_HEIGHT - NEXT_TOP - 4 * mm,
                f"{self.letter.carry_label} von Seite {canvas.getPageNumber() - 1}",
            )
        _draw_footer(canvas, self.letter.company)

    def _page_end(self, canvas: pdfcanvas.Canvas, _doc: Any) -> None:
        if self.carry is not None:
            self._carry_line(canvas, FOOTER_HEIGHT + CARRY_HEIGHT, self.letter.carry_label)

    def _carry_line(self, canvas: pdfcanvas.Canvas, y: float, label: str) -> None:
        assert self.carry is not None
        canvas.setFont(FONT_BOLD, 8.5)
        canvas.drawString(LEFT + TEXT_WIDTH * 0.55, y, label)
        canvas.drawRightString(PAGE_WIDTH - RIGHT, y, money(self.carry, currency=True))


def render(letter: Letter, story: Sequence[Flowable]) -> bytes:
    """The letter with ``story`` as its text, as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    doc = LetterDocument(buffer, letter)
    doc.build(list(story), canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


# --- tables ---------------------------------------------------------------------------------
# A TableStyle command: its name, the cell range, then the command's own arguments.
TableCommand = tuple[Any, ...]

TABLE_STYLE: list[TableCommand] = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("LEADING", (0, 0), (-1, -1), 10),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 2),
    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
]


def line_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    totals: Sequence[Decimal] | None = None,
) -> list[Flowable]:
    """The lines of a document: a header row, then each row as its own flowable so that the
    page break may fall between any two; with ``totals`` (the running total after each row)
    each row records it for the carried-over totals."""
    scaled = [w * TEXT_WIDTH for w in widths]
    style = list(TABLE_STYLE)
    for column in right:
        style.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    head = Table(
        [list(header)],
        colWidths=scaled,
        style=TableStyle(
            [
                *style,
                ("FONTNAME", (0, 0), (-1, -1), FONT_BOLD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.black),
            ]
        ),
    )
    story: list[Flowable] = [head]
    for index, row in enumerate(rows):
        story.append(Table([list(row)], colWidths=scaled, style=TableStyle(style)))
        if totals is not None:
            story.append(CarryMark(totals[index], last=index == len(rows) - 1))
    return story


def summary_table(rows: Sequence[Sequence[str]], *, bold_last: bool = True) -> Table:
    """Right-aligned label/amount pairs below the lines (totals, VAT per rate)."""
    style: list[TableCommand] = [
        *TABLE_STYLE,
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
    ]
    if bold_last:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), FONT_BOLD),
            ("LINEABOVE", (0, -1), (-1, -1), 0.5, colors.black),
        ]
    return Table(
        [list(r) for r in rows],
        colWidths=[TEXT_WIDTH * 0.75, TEXT_WIDTH * 0.25],
        style=TableStyle(style),
        hAlign="RIGHT",
    )


def paragraphs(texts: Sequence[str], style: ParagraphStyle) -> list[Flowable]:
    out: list[Flowable] = []
    for text in texts:
        out.append(Paragraph(escape(text), style))
    return out


def gap(height_mm: float = 4) -> Spacer:
    return Spacer(1, height_mm * mm)


def logo_flowable(
    company: Company, *, max_width: float = 45 * mm, max_height: float = 18 * mm
) -> Flowable | None:
    """The company's logo scaled into the letterhead's corner, or None."""
    if not company.logo:
        return None
    if company.logo_content_type == "image/svg+xml":
        from svglib.svglib import svg2rlg

        drawing = svg2rlg(io.BytesIO(company.logo))
        if drawing is None or not drawing.width or not drawing.height:
            return None
        scale = min(max_width / drawing.width, max_height / drawing.height)
        drawing.scale(scale, scale)
        drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
        return drawing
    from reportlab.platypus import Image

    image = Image(io.BytesIO(company.logo))
    scale = min(max_width / image.imageWidth, max_height / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    image.width, image.height = image.drawWidth, image.drawHeight
    return image
