"""German formatting for the web pages: the one home of every Jinja filter.

Numbers as ``1.234,56`` (exact: Decimals are never turned into floats), dates as
``30.11.2026``, moments in the configured time zone (``LANDKONTOR_TIMEZONE``) as
``30.11.2026 14:05``, quantities with their unit (``1.250 kg``). ``None`` shows as an
en dash so an empty cell is visibly empty.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

EMPTY = "\u2013"  # an en dash: visibly empty

BATCH_STATUS = {"released": "freigegeben", "blocked": "gesperrt", "recalled": "zurückgerufen"}
LOCATION_KIND = {
    "zone": "Zone",
    "aisle": "Gang",
    "rack": "Regal",
    "bin": "Fach",
    "silo": "Silo",
    "hall": "Halle",
    "area": "Fläche",
}
ROLE = {"viewer": "Leser", "clerk": "Sachbearbeiter", "manager": "Leitung", "admin": "Admin"}
JOB_STATUS = {
    "pending": "wartet",
    "queued": "in der Warteschlange",
    "running": "läuft",
    "retrying": "wird wiederholt",
    "succeeded": "fertig",
    "failed": "fehlgeschlagen",
    "cancelled": "abgebrochen",
}
TICKET_STATUS = {
    "open": "offen",
    "weighed": "verwogen",
    "taken_in": "angenommen",
    "refused": "abgewiesen",
    "cancelled": "storniert",
}
PRODUCTION_STATUS = {
    "planned": "geplant",
    "released": "freigegeben",
    "in_progress": "in Arbeit",
    "completed": "abgeschlossen",
    "cancelled": "storniert",
}
BATCH_ORIGIN = {
    "manual": "manuell",
    "receipt": "Eingang",
    "production": "Produktion",
    "mix": "Mischung",
}
MOVEMENT_TYPE = {
    "receipt": "Eingang",
    "issue": "Ausgang",
    "transfer": "Umlagerung",
    "adjustment": "Korrektur",
    "reversal": "Storno",
}

PURCHASE_STATUS = {
    "draft": "Entwurf",
    "ordered": "bestellt",
    "partially_received": "teilweise geliefert",
    "received": "geliefert",
    "closed": "abgeschlossen",
    "cancelled": "storniert",
}
RECEIPT_STATUS = {"posted": "gebucht", "reversed": "storniert"}
INVOICE_FORMAT = {"pdf": "PDF", "zugferd": "ZUGFeRD", "xrechnung": "XRechnung"}


def term_source(source: str | None) -> str:
    """Where an inherited customer term comes from (partners.service.effective_terms)."""
    if not source:
        return EMPTY
    if source.startswith("group "):
        return f"von der Kundengruppe {source.removeprefix('group ')}"
    return {
        "customer": "beim Kunden",
        "default": "Voreinstellung",
        "none": "nirgends gesetzt",
        "none (no limit)": "nirgends gesetzt",
    }.get(source, source)


ORDER_STATUS = {
    "draft": "Entwurf",
    "confirmed": "bestätigt",
    "partially_delivered": "teilgeliefert",
    "delivered": "geliefert",
    "invoiced": "berechnet",
    "closed": "erledigt",
    "cancelled": "storniert",
}
DELIVERY_STATUS = {"posted": "gebucht", "cancelled": "storniert"}
INVOICE_KIND = {"invoice": "Rechnung", "credit_note": "Gutschrift"}
INVOICE_STATUS = {"issued": "offen", "paid": "bezahlt"}
# Why stock cannot be delivered (sales.deliveries.StockChoice.unusable, the first word of
# inventory.rules.unusable_reason).
UNUSABLE_REASON = {
    "recalled": "zurückgerufen",
    "blocked": "gesperrt",
    "expired": "abgelaufen",
    "location": "auf einem gesperrten oder gerade gezählten Lagerplatz",
}


def _group_thousands(digits: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return ".".join(parts)


def number(value: Any, places: int | None = None) -> str:
    """``Decimal("1234.5")`` -> ``1.234,5``; with ``places`` rounded (half up) to that many.

    Without ``places`` trailing zeros after the decimal comma are dropped (quantities are
    stored with 4 decimals; ``1250.0000`` shows as ``1.250``).
    """
    if value is None or value == "":
        return EMPTY
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    text = format(abs(amount), "f")
    whole, _, fraction = text.partition(".")
    if places is None:
        fraction = fraction.rstrip("0")
    result = _group_thousands(whole)
    if fraction:
        result += "," + fraction
    if sign and set(result) <= set("0.,"):
        sign = ""  # no "-0"
    return sign + result


def money(value: Any) -> str:
    """An amount in EUR with two decimals: ``1.234,50 €``."""
    return EMPTY if value is None else f"{number(value, 2)} €"


def quantity(value: Any, unit: str | None = None) -> str:
    """A quantity with its unit: ``1.250 kg``."""
    if value is None:
        return EMPTY
    return f"{number(value)} {unit}" if unit else number(value)


def percent(value: Any, places: int = 0) -> str:
    return EMPTY if value is None else f"{number(value, places)} %"


def day(value: date | datetime | None, timezone: str = "Europe/Berlin") -> str:
    """``30.11.2026``; a moment is first converted into the business time zone."""
    if value is None:
        return EMPTY
    if isinstance(value, datetime):
        value = _local(value, timezone)
    return value.strftime("%d.%m.%Y")


def moment(value: datetime | None, timezone: str = "Europe/Berlin") -> str:
    """``30.11.2026 14:05`` in the business time zone (naive values are taken as UTC)."""
    if value is None:
        return EMPTY
    return _local(value, timezone).strftime("%d.%m.%Y %H:%M")


def _local(value: datetime, timezone: str) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(timezone))


def yes_no(value: Any) -> str:
    return "ja" if value else "nein"


def label(value: Any, table: dict[str, str]) -> str:
    """The German word for an enum value (its ``.value`` or the string itself)."""
    if value is None:
        return EMPTY
    key = getattr(value, "value", value)
    return table.get(str(key), str(key))


def install_filters(environment: Any, timezone: str) -> None:
    """Register every filter on a Jinja environment; times use ``timezone``."""
    environment.filters.update(
        number=number,
        money=money,
        quantity=quantity,
        percent=percent,
        day=lambda v: day(v, timezone),
        moment=lambda v: moment(v, timezone),
        yes_no=yes_no,
        batch_status=lambda v: label(v, BATCH_STATUS),
        location_kind=lambda v: label(v, LOCATION_KIND),
        role=lambda v: label(v, ROLE),
        job_status=lambda v: label(v, JOB_STATUS),
        movement_type=lambda v: label(v, MOVEMENT_TYPE),
        ticket_status=lambda v: label(v, TICKET_STATUS),
        purchase_status=lambda v: label(v, PURCHASE_STATUS),
        receipt_status=lambda v: label(v, RECEIPT_STATUS),
        invoice_format=lambda v: label(v, INVOICE_FORMAT),
        term_source=term_source,
        production_status=lambda v: label(v, PRODUCTION_STATUS),
        batch_origin=lambda v: label(v, BATCH_ORIGIN),
        order_status=lambda v: label(v, ORDER_STATUS),
        delivery_status=lambda v: label(v, DELIVERY_STATUS),
        invoice_kind=lambda v: label(v, INVOICE_KIND),
        invoice_status=lambda v: label(v, INVOICE_STATUS),
        unusable_reason=lambda v: label(str(v).split(" ", 1)[0] if v else None, UNUSABLE_REASON),
    )
