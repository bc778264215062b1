"""Errors of the business documents."""

from landkontor.errors import Conflict, InvalidInput


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
