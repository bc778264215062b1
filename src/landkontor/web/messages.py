"""German messages for the web pages: the ONE table of problem codes and input errors.

A service raises a :class:`~landkontor.errors.DomainError` with a stable ``code`` and
(optionally) the ``field`` it concerns; a form fails pydantic validation with an error
``type``. Both are turned into a German sentence here. Unknown codes fall back to the
error class's general message, so a new domain error is never shown in English alone.
"""

from __future__ import annotations

from typing import Any

from landkontor.errors import DomainError

# Problem codes of errors.py and the domains' errors.py files.
PROBLEM_MESSAGES: dict[str, str] = {
    "bad-request": "Die Anfrage ist ungültig.",
    "invalid-input": "Der Wert ist ungültig.",
    "validation-error": "Bitte die markierten Felder prüfen.",
    "not-found": "Das gesuchte Objekt gibt es nicht (mehr).",
    "conflict": "Die Änderung passt nicht zum aktuellen Stand.",
    "already-exists": "Das gibt es schon.",
    "invalid-state": "Im aktuellen Zustand ist das nicht möglich.",
    "unauthorized": "Bitte melden Sie sich an.",
    "forbidden": "Dafür fehlt Ihnen die Berechtigung.",
    "too-many-requests": "Zu viele Fehlversuche. Bitte später erneut versuchen.",
    "service-unavailable": "Der Dienst ist gerade nicht erreichbar. Bitte gleich noch einmal.",
    "csrf-failed": "Das Formular ist abgelaufen oder kam nicht von dieser Seite. "
    "Bitte neu laden und noch einmal senden.",
    "insufficient-stock": "Nicht genug Bestand.",
    "batch-not-usable": "Die Charge ist gesperrt oder zurückgerufen.",
    "location-not-usable": "Der Lagerplatz ist gesperrt oder inaktiv.",
    "location-not-leaf": "Auf diesen Lagerplatz kann nicht gebucht werden (er hat Unterplätze).",
    "idempotency-key-reused": "Dieses Formular wurde schon mit anderen Werten gesendet.",
    "already-reversed": "Die Buchung ist bereits storniert.",
    "credit-limit-exceeded": "Das Kreditlimit des Kunden ist überschritten.",
    "quantity-exceeds-order": "Die Menge ist größer als im Auftrag.",
    "nothing-to-invoice": "Es gibt nichts zu berechnen.",
    "already-invoiced": "Bereits berechnet.",
    "credit-exceeds-invoice": "Die Gutschrift ist höher als die Rechnung.",
    "unknown-job-type": "Diesen Auftragstyp gibt es nicht.",
    "job-finished": "Der Job ist schon beendet.",
    "job-not-retryable": "Der Job kann nicht wiederholt werden.",
    "job-has-no-result": "Der Job hat kein Ergebnis.",
    "file-too-large": "Die Datei ist zu groß.",
    "bom-cycle": "Die Stückliste enthält sich selbst.",
    "material-shortage": "Nicht genug Material.",
    "customer-blocked": "Der Kunde ist gesperrt.",
    "supplier-blocked": "Der Lieferant ist gesperrt.",
    "no-price": "Kein Preis gefunden.",
    "price-overlap": "Der Preis überschneidet sich mit einem anderen.",
    "over-receipt": "Mehr geliefert als bestellt.",
    "unknown-farmer": "Keinen Landwirt mit dieser Nummer gefunden.",
    "tare-not-below-gross": "Die Tara muss kleiner als das Bruttogewicht sein.",
    "weighing-conflict": "Diese Wägenummer ist an dieser Waage schon gespeichert.",
    "ticket-not-ready": "Der Wiegeschein ist für diesen Schritt nicht bereit.",
    "ticket-settled": "Der Wiegeschein ist abgerechnet und kann nicht mehr geändert werden.",
    "reason-required": "Bitte den Grund der Korrektur angeben (die neue Probe ersetzt die alte).",
    "no-quality-terms": "Für diese Fruchtart gibt es keine Qualitätsbedingungen.",
    "price-missing": "Für einen Teil der Menge fehlt der Preis (Tagespreis oder Fixierung).",
    "company-data-missing": "Die Firmendaten sind unvollständig.",
    "order-changed": "Der Auftrag wurde inzwischen gebucht oder geändert (z. B. doppelt gesendet). "
    "Hier ist der aktuelle Stand.",
    "document-invalid": "Die E-Rechnung wäre ungültig. Bitte Firmen- und Kundendaten prüfen.",
}

# Pydantic error types of form fields.
INPUT_MESSAGES: dict[str, str] = {
    "missing": "Bitte ausfüllen.",
    "string_too_short": "Mindestens {min_length} Zeichen.",
    "string_too_long": "Höchstens {max_length} Zeichen.",
    "string_pattern_mismatch": "Das Format stimmt nicht.",
    "decimal_parsing": "Bitte eine Zahl eingeben, z. B. 1.234,5.",
    "decimal_type": "Bitte eine Zahl eingeben, z. B. 1.234,5.",
    "decimal_max_digits": "Die Zahl ist zu groß.",
    "decimal_max_places": "Höchstens {decimal_places} Nachkommastellen.",
    "decimal_whole_digits": "Die Zahl ist zu groß.",
    "finite_number": "Bitte eine Zahl eingeben.",
    "int_parsing": "Bitte eine ganze Zahl eingeben.",
    "int_type": "Bitte eine ganze Zahl eingeben.",
    "greater_than": "Muss größer als {gt} sein.",
    "greater_than_equal": "Darf nicht kleiner als {ge} sein.",
    "less_than": "Muss kleiner als {lt} sein.",
    "less_than_equal": "Darf nicht größer als {le} sein.",
    "date_parsing": "Bitte ein Datum eingeben, z. B. 30.11.2026.",
    "date_from_datetime_parsing": "Bitte ein Datum eingeben, z. B. 30.11.2026.",
    "enum": "Bitte einen der angebotenen Werte wählen.",
    "bool_parsing": "Bitte ja oder nein wählen.",
    "nul_character": "Das Zeichen NUL ist nicht erlaubt.",
}
FALLBACK_INPUT = "Der Wert ist ungültig."

# The HTTP status of each error class's family, for codes not listed above.
_STATUS_MESSAGES = {
    401: PROBLEM_MESSAGES["unauthorized"],
    403: PROBLEM_MESSAGES["forbidden"],
    404: PROBLEM_MESSAGES["not-found"],
    409: PROBLEM_MESSAGES["conflict"],
    422: PROBLEM_MESSAGES["invalid-input"],
    429: PROBLEM_MESSAGES["too-many-requests"],
    503: PROBLEM_MESSAGES["service-unavailable"],
}


def problem_message(error: DomainError) -> str:
    """The German sentence for a domain error (by code, else by its HTTP status)."""
    message = PROBLEM_MESSAGES.get(error.code) or _STATUS_MESSAGES.get(error.status)
    message = message or PROBLEM_MESSAGES["bad-request"]
    retry_after = error.extra.get("retry_after")
    if retry_after:
        message = f"{message} (in {retry_after} s)"
    return message


def input_message(error_type: str, context: dict[str, Any] | None = None) -> str:
    """The German sentence for a pydantic error ``type`` with its context (limits)."""
    template = INPUT_MESSAGES.get(error_type)
    if template is None:
        return FALLBACK_INPUT
    try:
        return template.format(**{k: str(v).replace(".", ",") for k, v in (context or {}).items()})
    except (KeyError, IndexError):
        return FALLBACK_INPUT
