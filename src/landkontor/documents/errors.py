"""Errors of the business documents."""

from landkontor.errors import Conflict, FieldError, InvalidInput


class DocumentInvalid(InvalidInput):
    """A generated e-invoice fails its schema: the data it came from break a rule (422)."""

    code = "document-invalid"
    title = "Document invalid"


class AlreadySent(Conflict):
    code = "already-sent"
    title = "Already sent"


class NoInvoiceAddress(Conflict):
    code = "no-invoice-address"
    title = "No invoice e-mail address"


class MailNotConfigured(Conflict):
    code = "mail-not-configured"
    title = "E-mail not configured"


class FarmerDataMissing(Conflict):
    """A farmer's settlement goes out as XRechnung, but the farmer (its seller) lacks what
    XRechnung requires (409)."""

    code = "farmer-data-missing"
    title = "Farmer data missing"

    def __init__(self, supplier_no: str, missing: list[tuple[str, str]]) -> None:
        names = ", ".join(field for field, _ in missing)
        super().__init__(
            f"farmer {supplier_no} has an electronic address, so the credit note is an "
            f"XRechnung; the supplier master data (/api/v1/suppliers) lack: {names}",
            errors=[FieldError(f"supplier.{field}", why, self.code) for field, why in missing],
        )
