"""DATEV "Buchungsstapel" (EXTF, format category 21, version 13) of a period.

One booking per invoice and credit note per VAT rate: the gross amount of that rate, debit
(invoice) or credit (credit note) on the customer's debtor account — its own, else the
collective debtor account — against the revenue account of the rate's tax treatment
(documents/vat.py; automatic accounts, so no tax key). One booking per farmer's settlement
(the self-billed Gutschrift of grain bought, one VAT rate each): its gross amount credited
to the farmer's creditor account — the supplier's own, else the collective creditor
account — against the purchase account of the farmer's VAT regime (documents/vat.py). And
one booking per payment: the invoice's gross less its credit notes issued by the payment
day, debit on the bank account against the debtor. Accounts come from the company's chart
(SKR03/SKR04) and overrides.

The file: the EXTF header line, the column header (the 125 columns of version 13), the
bookings; semicolons, text in double quotes, amounts with a decimal comma, CRLF, Windows-1252.
It is deterministic — ordered by date and number, the header's "created" stamp is the last
moment the period's documents were issued or paid — so exporting a period again gives the
same bytes, as long as its documents did not change (issued documents never do).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item, VatCategory
from landkontor.company.accounts import booking_accounts
from landkontor.company.errors import CompanyDataMissing
from landkontor.company.models import Company
from landkontor.company.service import invoicing_company
from landkontor.db.session import settings_of
from landkontor.documents.vat import is_intra_eu, purchase_key, treatment
from landkontor.grain.models import Settlement, Ticket
from landkontor.partners.models import Customer, Supplier
from landkontor.sales.models import Invoice, InvoiceKind, InvoiceStatus

ENCODING = "cp1252"
ACCOUNT_LENGTH = 4  # Sachkontenlänge of SKR03/SKR04

# The columns of the Buchungsstapel, format version 13 (DATEV format description).
COLUMNS: tuple[str, ...] = (
    "Umsatz (ohne Soll/Haben-Kz)",
    "Soll/Haben-Kennzeichen",
    "WKZ Umsatz",
    "Kurs",
    "Basis-Umsatz",
    "WKZ Basis-Umsatz",
    "Konto",
    "Gegenkonto (ohne BU-Schlüssel)",
    "BU-Schlüssel",
    "Belegdatum",
    "Belegfeld 1",
    "Belegfeld 2",
    "Skonto",
    "Buchungstext",
    "Postensperre",
    "Diverse Adressnummer",
    "Geschäftspartnerbank",
    "Sachverhalt",
    "Zinssperre",
    "Beleglink",
    *(f"Beleginfo - {kind} {n}" for n in range(1, 9) for kind in ("Art", "Inhalt")),
    "KOST1 - Kostenstelle",
    "KOST2 - Kostenstelle",
    "Kost-Menge",
    "EU-Land u. UStID (Bestimmung)",
    "EU-Steuersatz (Bestimmung)",
    "Abw. Versteuerungsart",
    "Sachverhalt L+L",
    "Funktionsergänzung L+L",
    "BU 49 Hauptfunktionstyp",
    "BU 49 Hauptfunktionsnummer",
    "BU 49 Funktionsergänzung",
    *(f"Zusatzinformation - {kind} {n}" for n in range(1, 21) for kind in ("Art", "Inhalt")),
    "Stück",
    "Gewicht",
    "Zahlweise",
    "Forderungsart",
    "Veranlagungsjahr",
    "Zugeordnete Fälligkeit",
    "Skontotyp",
    "Auftragsnummer",
    "Buchungstyp",
    "USt-Schlüssel (Anzahlungen)",
    "EU-Mitgliedstaat (Anzahlungen)",
    "Sachverhalt L+L (Anzahlungen)",
    "EU-Steuersatz (Anzahlungen)",
    "Erlöskonto (Anzahlungen)",
    "Herkunft-Kz",
    "Leerfeld",
    "KOST-Datum",
    "SEPA-Mandatsreferenz",
    "Skontosperre",
    "Gesellschaftername",
    "Beteiligtennummer",
    "Identifikationsnummer",
    "Zeichnernummer",
    "Postensperre bis",
    "Bezeichnung SoBil-Sachverhalt",
    "Kennzeichen SoBil-Buchung",
    "Festschreibung",
    "Leistungsdatum",
    "Datum Zuord. Steuerperiode",
    "Fälligkeit",
    "Generalumkehr (GU)",
    "Steuersatz",
    "Land",
    "Abrechnungsreferenz",
    "BVV-Position",
    "EU-Mitgliedstaat u. UStID (Ursprung)",
    "EU-Steuersatz (Ursprung)",
    "Abw. Skontokonto",
)
INDEX = {name: i for i, name in enumerate(COLUMNS)}
HEADER_FIELDS = 31


@dataclass(frozen=True)
class Booking:
    amount: Decimal  # positive, in EUR
    side: str  # "S" debit or "H" credit on ``account``
    account: int
    contra_account: int
    day: date
    number: str  # Belegfeld 1
    text: str
    vat_id: str = ""  # EU-Land u. UStID of an intra-community supply
    due: date | None = None
    supplied: date | None = None


def amount_text(value: Decimal) -> str:
    """DATEV amounts: no thousands separator, decimal comma, two places: 1234,50."""
    return f"{value.quantize(Decimal('0.01')):f}".replace(".", ",")


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def check_period(date_from: date, date_to: date, fiscal_year_start_month: int) -> date:
    """The start of the fiscal year the period lies in; ValueError if it spans two."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    start = fiscal_year_start(date_from, fiscal_year_start_month)
    if fiscal_year_start(date_to, fiscal_year_start_month) != start:
        raise ValueError("a DATEV booking batch covers one fiscal year; split the period")
    return start


def fiscal_year_start(day: date, month: int) -> date:
    year = day.year if day.month >= month else day.year - 1
    return date(year, month, 1)


def datev_company(session: Session) -> Company:
    """The company with the DATEV consultant and client numbers; CompanyDataMissing (409)."""
    company = invoicing_company(session)
    missing = [
        (name, "the DATEV " + what)
        for name, what in (
            ("datev_consultant_number", "consultant number (Beraternummer)"),
            ("datev_client_number", "client number (Mandantennummer)"),
        )
        if getattr(company, name) is None
    ]
    if missing:
        raise CompanyDataMissing(missing)
    return company


def _documents(session: Session, date_from: date, date_to: date) -> list[tuple[Invoice, Customer]]:
    rows = session.execute(
        select(Invoice, Customer)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.invoice_date.between(date_from, date_to))
        .order_by(Invoice.invoice_date, Invoice.number)
    )
    return [(invoice, customer) for invoice, customer in rows]


def _payments(session: Session, date_from: date, date_to: date) -> list[tuple[Invoice, Customer]]:
    rows = session.execute(
        select(Invoice, Customer)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(
            Invoice.kind == InvoiceKind.invoice,
            Invoice.status == InvoiceStatus.paid,
            Invoice.paid_on.between(date_from, date_to),
        )
        .order_by(Invoice.paid_on, Invoice.number)
    )
    return [(invoice, customer) for invoice, customer in rows]


def _settlements(
    session: Session, date_from: date, date_to: date
) -> list[tuple[Settlement, Supplier, VatCategory]]:
    """The farmers' settlements of the period with the farmer and the crop's VAT category
    (one per settlement: a settlement never mixes VAT rates)."""
    category = (
        select(Item.vat_category)
        .join(Ticket, Ticket.item_id == Item.id)
        .where(Ticket.settlement_id == Settlement.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Settlement, Supplier, category)
        .join(Supplier, Supplier.id == Settlement.supplier_id)
        .where(Settlement.settled_on.between(date_from, date_to))
        .order_by(Settlement.settled_on, Settlement.settlement_no)
    )
    return [(settlement, supplier, vat) for settlement, supplier, vat in rows]


def _settlement_bookings(
    session: Session, accounts: dict[str, int], date_from: date, date_to: date
) -> list[Booking]:
    out = []
    for settlement, farmer, category in _settlements(session, date_from, date_to):
        gross = settlement.gross_amount
        out.append(
            Booking(
                # a credit to the farmer; a settlement whose deductions exceed the goods
                # (negative) is a debit
                amount=abs(gross),
                side="H" if gross >= 0 else "S",
                account=farmer.creditor_account or accounts["collective_creditor"],
                contra_account=accounts[purchase_key(settlement.vat_regime, category)],
                day=settlement.settled_on,
                number=settlement.settlement_no,
                text=f"Gutschrift {settlement.settlement_no} {settlement.supplier_name}"[:60],
                supplied=settlement.settled_on,
            )
        )
    return out


def _credited_by(session: Session, invoice: Invoice, day: date) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(Invoice.gross_total), 0)).where(
            Invoice.credits_invoice_id == invoice.id, Invoice.invoice_date <= day
        )
    )
    return Decimal(total or 0)


def bookings(session: Session, company: Company, date_from: date, date_to: date) -> list[Booking]:
    """Every booking of the period, in file order: invoices and credit notes, farmers'
    settlements, then payments, each by date."""
    accounts = booking_accounts(company.chart_of_accounts.value, company.account_overrides)
    out: list[Booking] = []
    for invoice, customer in _documents(session, date_from, date_to):
        debtor = customer.debtor_account or accounts["collective_debtor"]
        country = customer.billing_country or customer.country
        intra = is_intra_eu(company.country, country, invoice.customer_vat_id)
        credit = invoice.kind == InvoiceKind.credit_note
        for tax in invoice.taxes:
            rule = treatment(tax.vat_category, intra_eu=intra)
            label = "Gutschrift" if credit else "Rechnung"
            out.append(
                Booking(
                    amount=tax.net_amount + tax.vat_amount,
                    side="H" if credit else "S",
                    account=debtor,
                    contra_account=accounts[rule.revenue_key],
                    day=invoice.invoice_date,
                    number=invoice.number,
                    text=f"{label} {invoice.number} {invoice.customer_name}"[:60],
                    vat_id=(invoice.customer_vat_id or "") if intra else "",
                    due=invoice.due_date,
                    supplied=invoice.invoice_date,
                )
            )
    out += _settlement_bookings(session, accounts, date_from, date_to)
    for invoice, customer in _payments(session, date_from, date_to):
        assert invoice.paid_on is not None
        amount = invoice.gross_total - _credited_by(session, invoice, invoice.paid_on)
        if amount <= 0:
            continue
        out.append(
            Booking(
                amount=amount,
                side="S",
                account=accounts["bank"],
                contra_account=customer.debtor_account or accounts["collective_debtor"],
                day=invoice.paid_on,
                number=invoice.number,
                text=f"Zahlung {invoice.number} {invoice.customer_name}"[:60],
            )
        )
    return out


def _created_stamp(session: Session, date_from: date, date_to: date) -> datetime:
    """The last moment a document of the period was issued (deterministic 'created')."""
    issued = session.scalar(
        select(func.max(Invoice.issued_at)).where(Invoice.invoice_date.between(date_from, date_to))
    )
    settled = session.scalar(
        select(func.max(Settlement.created_at)).where(
            Settlement.settled_on.between(date_from, date_to)
        )
    )
    last = max((moment for moment in (issued, settled) if moment is not None), default=None)
    return last or datetime.combine(date_to, time())


def header_line(
    company: Company, date_from: date, date_to: date, created: datetime, fiscal_start: date
) -> list[str]:
    stamp = created.strftime("%Y%m%d%H%M%S") + f"{created.microsecond // 1000:03d}"
    chart = "03" if company.chart_of_accounts.value == "SKR03" else "04"
    fields = [
        _text("EXTF"),
        "700",
        "21",
        _text("Buchungsstapel"),
        "13",
        stamp,
        "",
        _text("RE"),
        _text("Landkontor"),
        _text(""),
        str(company.datev_consultant_number),
        str(company.datev_client_number),
        fiscal_start.strftime("%Y%m%d"),
        str(ACCOUNT_LENGTH),
        date_from.strftime("%Y%m%d"),
        date_to.strftime("%Y%m%d"),
        _text(f"Belege {date_from:%d.%m.%Y}-{date_to:%d.%m.%Y}"[:30]),
        _text(""),
        "1",
        "0",
        "0",
        _text("EUR"),
        "",
        _text(""),
        "",
        "",
        _text(chart),
        "",
        "",
        _text(""),
        _text(""),
    ]
    assert len(fields) == HEADER_FIELDS
    return fields


def booking_row(booking: Booking) -> list[str]:
    row = [""] * len(COLUMNS)

    def put(column: str, value: str) -> None:
        row[INDEX[column]] = value

    put("Umsatz (ohne Soll/Haben-Kz)", amount_text(booking.amount))
    put("Soll/Haben-Kennzeichen", _text(booking.side))
    put("WKZ Umsatz", _text("EUR"))
    put("Konto", str(booking.account))
    put("Gegenkonto (ohne BU-Schlüssel)", str(booking.contra_account))
    put("Belegdatum", booking.day.strftime("%d%m"))
    put("Belegfeld 1", _text(booking.number[:36]))
    put("Buchungstext", _text(booking.text))
    if booking.vat_id:
        put("EU-Land u. UStID (Bestimmung)", _text(booking.vat_id))
    if booking.supplied:
        put("Leistungsdatum", booking.supplied.strftime("%d%m%Y"))
    if booking.due:
        put("Fälligkeit", booking.due.strftime("%d%m%Y"))
    return row


def render_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    lines = [";".join(header), ";".join(_text(c) for c in COLUMNS)]
    lines += [";".join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(ENCODING, errors="replace")


def datev_export(session: Session, date_from: date, date_to: date) -> tuple[bytes, list[Booking]]:
    """The Buchungsstapel of the period as bytes, and its bookings."""
    company = datev_company(session)
    fiscal_start = check_period(date_from, date_to, company.fiscal_year_start_month)
    found = bookings(session, company, date_from, date_to)
    created = business_moment(
        _created_stamp(session, date_from, date_to), settings_of(session).timezone
    )
    header = header_line(company, date_from, date_to, created, fiscal_start)
    return render_csv(header, (booking_row(b) for b in found)), found


def business_moment(moment: datetime, timezone: str) -> datetime:
    """A UTC timestamp as wall-clock time in the business time zone (DATEV's stamp)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
