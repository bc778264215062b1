"""The weighing ticket (Wiegeschein) for a narrow receipt printer: an 80 mm roll.

One column of label/value lines, as long as it needs to be (the page height is computed
from the lines: a receipt printer cuts after the last one). It shows what the farmer takes
home: ticket number, site and weighbridge, plate, driver, farmer, crop, both weighings with
their time and the scale's own record number (the calibrated values as weighed), net weight,
the current analysis and, once taken in, every step from net to settlement weight.

Rendered on request from the current record (a ticket changes until it is taken in);
deterministic like every document (reportlab's invariant mode).
"""

from __future__ import annotations

import io
from decimal import Decimal
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as pdfcanvas
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.lookup import fetch
from landkontor.company.service import letterhead_company
from landkontor.db.session import settings_of
from landkontor.documents import layout
from landkontor.grain.masterdata import get_weighbridge
from landkontor.grain.models import Ticket, TicketStatus, Weighing
from landkontor.grain.tickets import current_analysis, get_ticket
from landkontor.inventory.models import Location, Warehouse
from landkontor.partners.models import Supplier

WIDTH = 80 * mm
MARGIN = 4 * mm
LINE = 3.9 * mm
STATUS = {
    TicketStatus.open: "offen",
    TicketStatus.weighed: "verwogen",
    TicketStatus.taken_in: "angenommen",
    TicketStatus.refused: "abgewiesen",
    TicketStatus.cancelled: "storniert",
}

# A line: (label, value), or a heading (text, None), or a rule ("", None).
Line = tuple[str, str | None]


def _kg(value: Decimal | None) -> str:
    return "" if value is None else f"{layout.number(value, 0)} kg"


def _weighing_lines(label: str, weighing: Weighing | None, zone: ZoneInfo) -> list[Line]:
    if weighing is None:
        return [(label, "—")]
    at = weighing.weighed_at.astimezone(zone)
    return [
        (label, _kg(weighing.weight_kg)),
        ("  Zeit", at.strftime("%d.%m.%Y %H:%M")),
        ("  Wägenummer", weighing.record_no + (" (Handeingabe)" if weighing.manual else "")),
    ]


def _analysis_lines(session: Session, ticket: Ticket) -> list[Line]:
    analysis = current_analysis(session, ticket.id)
    if analysis is None:
        return []
    values = [
        ("Feuchte", layout.percent(analysis.moisture)),
        ("Besatz", layout.percent(analysis.foreign_matter)),
        ("Bruchkorn", analysis.broken_grain and layout.percent(analysis.broken_grain)),
        (
            "Hektolitergewicht",
            analysis.hectolitre_weight and f"{layout.number(analysis.hectolitre_weight, 2)} kg/hl",
        ),
        ("Protein", analysis.protein and layout.percent(analysis.protein)),
        ("Fallzahl", analysis.falling_number and f"{analysis.falling_number} s"),
    ]
    lines: list[Line] = [("", None), ("Probe", None)]
    lines += [(label, value) for label, value in values if value]
    if analysis.findings:
        lines.append(("Befund", analysis.findings[:60]))
    return lines


def _settlement_lines(session: Session, ticket: Ticket) -> list[Line]:
    if ticket.status != TicketStatus.taken_in or ticket.settlement_kg is None:
        return []
    cell = (
        fetch(session, Location, ticket.location_id, kind="location")
        if ticket.location_id
        else None
    )
    lines: list[Line] = [("", None), ("Abrechnungsgewicht", None), ("Netto", _kg(ticket.net_kg))]
    for label, value in (
        ("Trocknungsschwund", ticket.drying_shrink_kg),
        ("Besatzabzug", ticket.foreign_matter_kg),
        ("Manipulationsschwund", ticket.handling_loss_kg),
    ):
        if value:
            lines.append((f"- {label}", _kg(value)))
    lines.append(("Abrechnungsgewicht", _kg(ticket.settlement_kg)))
    if ticket.feed_grade:
        lines.append(("Qualität", "Futterware"))
    elif ticket.quality_class:
        lines.append(("Qualitätsklasse", ticket.quality_class))
    if cell is not None:
        lines.append(("Silozelle", cell.code))
    return lines


def ticket_lines(session: Session, ticket: Ticket) -> list[Line]:
    """Everything the ticket shows, top to bottom."""
    zone = ZoneInfo(settings_of(session).timezone)
    site = fetch(session, Warehouse, ticket.warehouse_id, kind="warehouse")
    bridge = get_weighbridge(session, ticket.weighbridge_id)
    farmer = fetch(session, Supplier, ticket.supplier_id, kind="supplier")
    crop = fetch(session, Item, ticket.item_id, kind="item")
    gross, tare = (
        fetch(session, Weighing, weighing_id, kind="weighing") if weighing_id else None
        for weighing_id in (ticket.gross_weighing_id, ticket.tare_weighing_id)
    )
    lines: list[Line] = [
        ("Wiegeschein-Nr.", ticket.ticket_no),
        ("Status", STATUS[ticket.status]),
        ("Standort", f"{site.code} {site.name}"[:40]),
        ("Waage", f"{bridge.code} {bridge.name}"[:40]),
        ("Kennzeichen", ticket.vehicle_plate),
        ("Fahrer", ticket.driver or "—"),
        ("Landwirt", f"{farmer.supplier_no} {farmer.name}"[:40]),
        ("Fruchtart", f"{crop.item_no} {crop.name}"[:40]),
        ("", None),
        *_weighing_lines("Brutto", gross, zone),
        *_weighing_lines("Tara", tare, zone),
        ("Netto", _kg(ticket.net_kg) or "—"),
        *_analysis_lines(session, ticket),
        *_settlement_lines(session, ticket),
    ]
    if ticket.refused_reason:
        lines += [("", None), ("Abgewiesen", ticket.refused_reason[:60])]
    return lines


def _fit(text: str, font: str, size: float, width: float) -> str:
    while text and stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


def render_ticket_pdf(session: Session, ticket: Ticket) -> bytes:
    company = letterhead_company(session)
    lines = ticket_lines(session, ticket)
    header = [company.legal_name, f"{company.street}, {company.postal_code} {company.city}"]
    height = 2 * MARGIN + (len(header) + 3 + len(lines)) * LINE + 14 * mm
    layout.register_fonts()
    buffer = io.BytesIO()
    canvas = pdfcanvas.Canvas(
        buffer,
        pagesize=(WIDTH, height),
        invariant=1,
        initialFontName=layout.FONT,  # type: ignore[arg-type]  # types-reportlab: a font name
    )
    canvas.setTitle(f"Wiegeschein {ticket.ticket_no}")
    canvas.setAuthor(company.legal_name)
    canvas.setCreator("Landkontor")
    inner = WIDTH - 2 * MARGIN
    y = height - MARGIN - LINE
    canvas.setFont(layout.FONT_BOLD, 9)
    canvas.drawString(MARGIN, y, _fit(header[0], layout.FONT_BOLD, 9, inner))
    y -= LINE
    canvas.setFont(layout.FONT, 7)
    canvas.drawString(MARGIN, y, _fit(header[1], layout.FONT, 7, inner))
    y -= LINE * 1.6
    canvas.setFont(layout.FONT_BOLD, 12)
    canvas.drawString(MARGIN, y, "Wiegeschein")
    y -= LINE * 1.4
    for label, value in lines:
        if value is None:
            if label:
                canvas.setFont(layout.FONT_BOLD, 8.5)
                canvas.drawString(MARGIN, y, label)
            else:
                canvas.setLineWidth(0.3)
                canvas.line(MARGIN, y + LINE / 2, WIDTH - MARGIN, y + LINE / 2)
            y -= LINE
            continue
        bold = label in ("Netto", "Abrechnungsgewicht", "Wiegeschein-Nr.")
        font = layout.FONT_BOLD if bold else layout.FONT
        canvas.setFont(font, 8.5)
        canvas.drawString(MARGIN, y, label)
        canvas.drawRightString(
            WIDTH - MARGIN, y, _fit(value, font, 8.5, inner - stringWidth(label, font, 8.5) - 6)
        )
        y -= LINE
    y -= LINE * 2
    canvas.setFont(layout.FONT, 7)
    canvas.drawString(MARGIN, y, "Geeichte Waage · Werte wie verwogen")
    canvas.line(MARGIN, y - LINE * 1.5, WIDTH - MARGIN, y - LINE * 1.5)
    canvas.drawString(MARGIN, y - LINE * 2.3, "Unterschrift Fahrer")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_ticket(session: Session, ticket_id: int) -> tuple[str, bytes]:
    """The ticket's number and its receipt-printer PDF; NotFound for an unknown ticket."""
    ticket = get_ticket(session, ticket_id)
    return ticket.ticket_no, render_ticket_pdf(session, ticket)
